//! Replicated sequences: the shared core of [`Rga`](crate::Rga) and
//! [`TextCrdt`](crate::TextCrdt).
//!
//! See `README.md` in this folder for the algorithm (YATA), a worked example and a map
//! of files.

#[cfg(feature = "serde")]
mod codec;
pub(crate) mod content;
pub(crate) mod core;
pub(crate) mod delta;
pub(crate) mod log;
pub(crate) mod tree;
