#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;

mod actor;
mod clock;
mod dot_map;
mod dot_set;
mod error;
mod gcounter;
mod gset;
mod lww_register;
mod mv_register;
mod or_set;
mod pncounter;
mod rga;
pub(crate) mod seq;
#[cfg(feature = "serde")]
mod serde_util;
mod text;
mod traits;
mod twop_set;
mod version_vector;

pub mod prelude;

pub use actor::{ActorId, INLINE_CAPACITY};
pub use clock::{HybridClock, HybridTimestamp, DEFAULT_MAX_DRIFT_MS};
pub use dot_set::DotSet;
pub use error::Error;
pub use gcounter::{GCounter, GCounterDelta};
pub use gset::{GSet, GSetDelta};
pub use lww_register::{LWWEntry, LWWRegister, LWWStamp};
pub use mv_register::{MVRegister, MVRegisterDelta};
pub use or_set::{ORSet, ORSetDelta};
pub use pncounter::{PNCounter, PNCounterDelta, PNCounterSummary};
pub use rga::{Rga, RgaDelta};
pub use text::{TextCrdt, TextDelta};
pub use traits::{Crdt, DeltaCrdt};
pub use twop_set::{TwoPSet, TwoPSetDelta};
pub use version_vector::{Dot, VersionVector};
