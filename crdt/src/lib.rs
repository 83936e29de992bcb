//! # crdt-kit
//!
//! Conflict-free replicated data types for offline-first apps: every replica changes
//! its copy independently, and merging replicas, in any order, any number of times,
//! always gives the same result.
//!
//! `no_std` + `alloc` without the default `std` feature; zero required dependencies.
//!
//! ## Quick start
//!
//! ```
//! use crdt_kit::prelude::*;
//!
//! // Two devices, working offline
//! let mut phone = GCounter::new("phone");
//! phone.increment();
//! phone.increment();
//!
//! let mut laptop = GCounter::new("laptop");
//! laptop.increment();
//!
//! // When they reconnect — merge. Always converges.
//! phone.merge(&laptop);
//! assert_eq!(phone.value(), 3);
//! ```
//!
//! ## Features
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | wall-clock time sources ([`HybridClock::new`], `LWWRegister::set`), `std::error::Error` |
//! | `serde` | no | `Serialize`/`Deserialize` for every state, delta and summary; decoding validates |
//! | `wasm` | no | reserved for the WebAssembly bindings |
//!
//! ## Sync
//! Every type implements [`Crdt`] (merge whole states) and [`DeltaCrdt`]: a replica sends
//! its [`DeltaCrdt::summary`] (a version vector or dot set), the peer answers with
//! [`DeltaCrdt::delta_since`], and [`DeltaCrdt::apply_delta`] brings the replica up to date.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;

mod actor;
mod dot_map;
mod dot_set;
mod error;
mod grow_map;
mod gset;
mod mv_register;
mod or_set;
mod ranges;
#[cfg(feature = "serde")]
mod serde_util;
mod traits;
mod twop_set;
mod version_vector;

pub mod prelude;

pub use actor::{ActorId, INLINE_CAPACITY};
pub use dot_set::DotSet;
pub use error::Error;
pub use gset::{GSet, GSetDelta};
pub use mv_register::{MVRegister, MVRegisterDelta};
pub use or_set::{ORSet, ORSetDelta};
pub use traits::{Crdt, DeltaCrdt};
pub use twop_set::{TwoPSet, TwoPSetDelta};
pub use version_vector::{Dot, VersionVector};
