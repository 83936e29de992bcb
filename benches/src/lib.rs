//! Benchmarks for the crdt-kit workspace.
//!
//! - [`traces`]: the real editing traces (Joseph Gentle's `editing-traces`, CC BY 4.0);
//! - [`crdt`]: the CRDT workloads, ours and the peers', shared by the criterion benches
//!   (`benches/crdt_*.rs`) and the `crdt-compare` summary (`src/bin/crdt-compare.rs`);
//! - [`mem`]: the counting allocator behind the "retained bytes" figures.
//!
//! Storage benches will sit beside these as their own modules and `benches/*.rs` files.

pub mod crdt;
pub mod mem;
pub mod traces;
