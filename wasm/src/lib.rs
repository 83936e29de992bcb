//! WebAssembly bindings for [`crdt_kit`]: every CRDT and the hybrid logical clock as a
//! JavaScript class (see `wasm/README.md` for the JS <-> Rust table).
//!
//! - **Wire compatibility.** `delta()`, `deltaSince()`, `summary()` and `encode()` return the
//!   postcard bytes native Rust produces for the same value (`postcard::to_allocvec`), so a
//!   browser and a Rust server exchange deltas directly. `applyDelta()`, `deltaSince()` and
//!   `decode()` accept exactly one value: bad bytes, trailing bytes and states that break
//!   an invariant are refused with an [`Error`].
//! - **Errors.** Every fallible method returns `Result<_, Error>`; in JavaScript an `Err`
//!   becomes a thrown `Error` whose message is the Rust message. Nothing is ignored: there
//!   is no saturating or silently failing method in the bindings.
//! - **Values** crossing the boundary are strings (store JSON with `JSON.stringify`); counts
//!   are JS numbers, checked to be safe integers, with exact `bigint` variants; positions are
//!   JS numbers checked to be non-negative integers and count Unicode scalar values (what
//!   `Array.from(str)` counts), not UTF-16 units.
//! - **Time.** On wasm32 the wall clock is `Date.now()`; natively (for `cargo test`) it is
//!   the system clock.
//!
//! The crate also builds natively, as an `rlib`, so its logic is unit-tested by `cargo test`;
//! the JS behaviour is tested by the `wasm_bindgen_test`s in `tests/web.rs` under Node.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod clock;
mod counters;
mod error;
mod registers;
mod sequences;
mod sets;
mod wire;

pub use clock::{HybridClock, HybridTimestamp};
pub use counters::{GCounter, PNCounter};
pub use error::Error;
pub use registers::{LWWRegister, MVRegister};
pub use sequences::{Rga, TextCrdt};
pub use sets::{GSet, ORSet, TwoPSet};
