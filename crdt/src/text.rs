//! [`TextCrdt`]: collaborative plain text (notes, documents, code).
//!
//! The sequence core of [`seq`](crate::seq) specialised for characters: each actor's
//! inserted text is one UTF-8 `String` (one byte per ASCII char, not four), the document
//! order is a B-tree of id runs, concurrent inserts are ordered by YATA. Positions count
//! unicode scalar values (`char`s). [`TextCrdt::check_invariants`] checks every invariant.

use crate::seq::content::Content as _;
use crate::seq::core::Seq;
use crate::seq::delta::Delta;
use crate::{ActorId, Crdt, DeltaCrdt, Error, VersionVector};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Collaborative text: replicas edit independently; merging never loses a keystroke and
/// never interleaves two concurrently typed words.
///
/// Equality compares replicated state (integrated ops, character order including deleted
/// characters, text); the local actor and ops still waiting for dependencies are not
/// part of it, nor of [`DeltaCrdt::summary`] (a version vector of integrated ops); they
/// are kept (and encoded) and integrate as soon as the ops they depend on arrive.
///
/// Deleted characters stay in the history as tombstones (a peer that has not seen them
/// yet still needs them); they cost one tree run per deleted range.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut a = TextCrdt::new("a");
/// a.insert_str(0, "Hello world").unwrap();
/// let mut b = a.fork("b");
/// a.splice(5, 0, ",").unwrap();
/// b.insert_str(11, "!").unwrap();
/// a.merge(&b);
/// b.apply_delta(&a.delta(&b));
/// assert_eq!(a.to_string(), "Hello, world!");
/// assert_eq!(a, b);
/// ```
#[derive(Clone)]
pub struct TextCrdt {
    pub(crate) core: Seq<String>,
}

/// The ops of a [`TextCrdt`] that a peer lacks (see [`DeltaCrdt`]): insert runs with their
/// origins and text, delete runs with their target id ranges. Safe to apply late, twice
/// or out of order (ops wait until the ops they depend on arrive).
///
/// ```
/// use crdt_kit::prelude::*;
/// use crdt_kit::TextDelta;
///
/// let mut a = TextCrdt::new("a");
/// a.insert_str(0, "hello").unwrap();
/// let b0 = TextCrdt::new("b");
/// let first: TextDelta = a.delta(&b0);
/// let mut seen = b0.clone();
/// seen.apply_delta(&first);
/// a.insert_str(5, " world").unwrap();
/// let second = a.delta(&seen);
///
/// let mut b = b0;
/// b.apply_delta(&second); // arrives first: waits for "hello"
/// assert_eq!(b.to_string(), "");
/// b.apply_delta(&first);
/// assert_eq!(b.to_string(), "hello world");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct TextDelta {
    pub(crate) inner: Delta<String>,
}

impl TextDelta {
    /// True when the delta carries no operation.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl TextCrdt {
    /// An empty text edited by `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        TextCrdt {
            core: Seq::new(actor.into()),
        }
    }

    /// A copy with the same history whose own edits are made by `actor`.
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        TextCrdt {
            core: self.core.fork(actor.into()),
        }
    }

    /// The local actor.
    pub fn actor(&self) -> &ActorId {
        self.core.actor()
    }

    /// Inserts `ch` at char position `index` (`0..=len`).
    pub fn insert(&mut self, index: usize, ch: char) -> Result<(), Error> {
        self.core.insert_local(index, 1, |buf| {
            buf.grow_for(ch.len_utf8());
            buf.push(ch)
        })
    }

    /// Inserts `text` at char position `index` as one op run.
    pub fn insert_str(&mut self, index: usize, text: &str) -> Result<(), Error> {
        let n = text.chars().count() as u64;
        self.core.insert_local(index, n, |buf| {
            buf.grow_for(text.len());
            buf.push_str(text)
        })
    }

    /// Removes and returns the char at `index`.
    pub fn remove(&mut self, index: usize) -> Result<char, Error> {
        let ch = self.get(index).ok_or(Error::IndexOutOfBounds {
            index,
            len: self.len(),
        })?;
        self.core.delete_local(index, 1)?;
        Ok(ch)
    }

    /// Removes `count` chars from `start`.
    pub fn remove_range(&mut self, start: usize, count: usize) -> Result<(), Error> {
        self.core.delete_local(start, count)
    }

    /// Deletes `delete_count` chars at `pos`, then inserts `insert` there: one patch of an
    /// editing trace. Checks both ranges before changing anything.
    pub fn splice(&mut self, pos: usize, delete_count: usize, insert: &str) -> Result<(), Error> {
        let len = self.len();
        match pos.checked_add(delete_count) {
            Some(end) if end <= len => {}
            _ => {
                return Err(Error::IndexOutOfBounds {
                    index: pos.saturating_add(delete_count),
                    len,
                })
            }
        }
        self.core.delete_local(pos, delete_count)?;
        self.insert_str(pos, insert)
    }

    /// The char at `index`.
    pub fn get(&self, index: usize) -> Option<char> {
        let (buf, unit) = self.core.locate(index)?;
        buf.get(unit..).and_then(|s| s.chars().next())
    }

    /// Number of chars.
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// True when the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of received ops waiting for ops they depend on.
    pub fn pending_len(&self) -> usize {
        self.core.pending_len()
    }

    /// Checks every internal invariant (tree sums and links, id index, op log, their
    /// agreement). Meant for tests; O(n log n).
    pub fn check_invariants(&self) -> Result<(), Error> {
        self.core.check()
    }

    /// The whole state in the compact text encoding (`format-spec/text-encoding.md`,
    /// version 1): every op as run-length, delta-coded varints, the inserted text
    /// (deleted characters included) in one LZ77-compressed block, the ops still waiting
    /// for dependencies, and the whole entropy-coded (Huffman) when that is smaller.
    /// Decodes with [`TextCrdt::decode`]. On real editing traces it is about the size of
    /// diamond-types' encoding (112 KB for automerge-paper's 260k edits).
    ///
    /// This is not the serde form (which lists ops for any serde format); use this one
    /// for files and snapshots.
    ///
    /// ```
    /// use crdt_kit::TextCrdt;
    ///
    /// let mut doc = TextCrdt::new("a");
    /// doc.insert_str(0, "hello world").unwrap();
    /// doc.remove_range(0, 6).unwrap();
    /// let bytes = doc.encode();
    /// let back = TextCrdt::decode(&bytes).unwrap();
    /// assert_eq!(back, doc);
    /// assert_eq!(back.to_string(), "world");
    /// assert_eq!(back.actor(), doc.actor());
    /// assert_eq!(back.encode(), bytes);
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        crate::seq::text_encoding::encode(&self.core)
    }

    /// Reads a state written by [`TextCrdt::encode`], validating everything: any byte
    /// string that is not a valid encoding (truncated, corrupted, another format or
    /// version) gives [`Error::Decode`] with the offset and the problem, never a panic,
    /// and allocations are bounded by the input's size. The result has the encoded local
    /// actor, history and pending ops, and passes [`TextCrdt::check_invariants`].
    ///
    /// ```
    /// use crdt_kit::{Error, TextCrdt};
    ///
    /// let err = TextCrdt::decode(b"not a text").unwrap_err();
    /// assert!(matches!(err, Error::Decode { offset: 0, .. }));
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<TextCrdt, Error> {
        Ok(TextCrdt {
            core: crate::seq::text_encoding::decode(bytes)?,
        })
    }

    /// Rough heap usage in bytes and number of runs in the tree (for benchmarks).
    pub fn memory_stats(&self) -> (usize, usize) {
        (self.core.heap_bytes(), self.core.span_count())
    }
}

impl fmt::Debug for TextCrdt {
    /// The actor, the text and the number of pending ops (not the internal structure).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextCrdt")
            .field("actor", self.actor())
            .field("text", &alloc::string::ToString::to_string(self))
            .field("pending", &self.pending_len())
            .finish()
    }
}

impl fmt::Display for TextCrdt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (buf, r) in self.core.chunks() {
            f.write_str(buf.get(r).unwrap_or(""))?;
        }
        Ok(())
    }
}

impl PartialEq for TextCrdt {
    fn eq(&self, other: &Self) -> bool {
        self.core.state_eq(&other.core)
    }
}
impl Eq for TextCrdt {}

impl Crdt for TextCrdt {
    fn merge(&mut self, other: &Self) {
        self.core.merge(&other.core);
    }
}

impl DeltaCrdt for TextCrdt {
    type Delta = TextDelta;
    type Summary = VersionVector;

    fn apply_delta(&mut self, delta: &TextDelta) {
        self.core.apply_delta(&delta.inner);
    }
    fn summary(&self) -> VersionVector {
        self.core.summary()
    }
    fn delta_since(&self, summary: &VersionVector) -> TextDelta {
        TextDelta {
            inner: self.core.delta_since(summary),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::TextCrdt;
    use crate::seq::core::Seq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for TextCrdt {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.core.serialize(s)
        }
    }
    impl<'de> Deserialize<'de> for TextCrdt {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(TextCrdt {
                core: Seq::deserialize(d)?,
            })
        }
    }
}
