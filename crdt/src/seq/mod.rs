//! Replicated sequences: the shared core of [`Rga`](crate::Rga) and
//! [`TextCrdt`](crate::TextCrdt).
//!
//! See `README.md` in this folder for the algorithm (YATA), a worked example and a map
//! of files.

mod check;
#[cfg(feature = "serde")]
mod codec;
pub(crate) mod content;
pub(crate) mod core;
pub(crate) mod delta;
mod deps;
mod huffman;
mod index;
pub(crate) mod log;
mod lz;
mod sync;
pub(crate) mod text_encoding;
pub(crate) mod tree;
mod tree_check;
mod varint;
