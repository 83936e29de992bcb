//! The actions behind crdt-kit's fuzz targets. Each target in `fuzz/fuzz_targets/` is one
//! line calling a function here, so that every input the fuzzer finds replays as a plain
//! `#[test]` under stable Rust (`tests/regressions.rs` runs every file of
//! `fuzz/regressions/<target>/`).
//!
//! A target function takes arbitrary bytes and panics only when a property is broken:
//! a decoder panics, a decoded value breaks its invariants or does not round-trip, the
//! engine loses an acknowledged commit or disagrees with its model, or replicas diverge.
//! Bounded allocation is checked by [`LimitAlloc`], installed by the fuzz targets and the
//! regression tests.
#![warn(missing_docs)]
#![deny(unsafe_code)]

mod alloc;
pub mod crdt;
pub mod decoders;
pub mod engine;
mod input;
pub mod seeds;

pub use alloc::{LimitAlloc, MAX_ALLOC};
pub use input::Input;

/// A fuzz target: a name (also the folder of its corpus, seeds and regressions) and the
/// function it runs.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, in the order `fuzz/ci.sh` runs them.
pub const TARGETS: &[Target] = &[
    ("open_file", engine::open_file),
    ("mutate_file", engine::mutate_file),
    ("engine_model", engine::engine_model),
    ("log_record", decoders::log_record),
    ("block", decoders::block),
    ("manifest", decoders::manifest),
    ("envelope", decoders::envelope),
    ("crdt_decode", crdt::crdt_decode),
    ("crdt_convergence", crdt::crdt_convergence),
];

/// The function of the target called `name`.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
