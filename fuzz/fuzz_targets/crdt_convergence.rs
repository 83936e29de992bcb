#![no_main]
//! `cargo fuzz run crdt_convergence`: see `crdt_fuzz` (fuzz/actions) for what it checks.

#[global_allocator]
static ALLOC: crdt_fuzz::LimitAlloc = crdt_fuzz::LimitAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| crdt_fuzz::crdt::crdt_convergence(data));
