//! Content storage of a sequence: where the inserted elements live.
//!
//! Every actor's inserted elements are appended, in counter order, to one buffer of type
//! `C: Content` in that actor's op log. Runs in the tree and in the log name elements by
//! id; the log maps an insert run to a *unit* offset in the buffer. A unit is one element
//! for [`Vec<T>`] (`Rga<T>`) and one UTF-8 byte for [`String`] (`TextCrdt`), so text costs
//! one byte per ASCII character instead of four for a `char`.
//!
//! Invariant: a buffer holds exactly the elements of its actor's insert runs, in order.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::ops::Range;

/// A growable buffer of sequence elements addressed by unit offsets.
pub(crate) trait Content: Default + Clone + Debug {
    /// One element as returned to users.
    type Elem: Clone + PartialEq + Debug;

    /// Number of units (elements or bytes) stored.
    fn units(&self) -> usize;
    /// Number of elements stored.
    fn count(&self) -> u64;
    /// The unit offset reached by skipping `n` elements from unit offset `from`
    /// (saturating at the end of the buffer).
    fn skip(&self, from: usize, n: u64) -> usize;
    /// Makes room for `additional` more units, growing by an eighth rather than doubling
    /// (see `log::grow`).
    fn grow_for(&mut self, additional: usize);
    /// Appends the units `range` of `src` (which must start and end at element boundaries).
    fn extend_from(&mut self, src: &Self, range: Range<usize>);
    /// The element starting at unit offset `at`.
    fn elem_at(&self, at: usize) -> Option<Self::Elem>;
}

impl<T: Clone + PartialEq + Debug> Content for Vec<T> {
    type Elem = T;

    fn units(&self) -> usize {
        self.len()
    }
    fn count(&self) -> u64 {
        self.len() as u64
    }
    fn skip(&self, from: usize, n: u64) -> usize {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        from.saturating_add(n).min(self.len())
    }
    fn grow_for(&mut self, additional: usize) {
        super::log::grow(self, additional);
    }
    fn extend_from(&mut self, src: &Self, range: Range<usize>) {
        if let Some(items) = src.get(range) {
            self.extend_from_slice(items);
        }
    }
    fn elem_at(&self, at: usize) -> Option<T> {
        self.get(at).cloned()
    }
}

impl Content for String {
    type Elem = char;

    fn units(&self) -> usize {
        self.len()
    }
    fn count(&self) -> u64 {
        self.chars().count() as u64
    }
    fn skip(&self, from: usize, n: u64) -> usize {
        let bytes = self.as_bytes();
        let n_usize = usize::try_from(n).unwrap_or(usize::MAX);
        let end = from.saturating_add(n_usize);
        // ASCII fast path: one byte per char.
        if let Some(window) = bytes.get(from..end) {
            if window.is_ascii() {
                return end;
            }
        }
        match self.get(from..) {
            Some(rest) => match rest.char_indices().nth(n_usize) {
                Some((i, _)) => from + i,
                None => self.len(),
            },
            None => self.len(),
        }
    }
    fn grow_for(&mut self, additional: usize) {
        if self.capacity() - self.len() < additional {
            self.reserve_exact(additional.max(self.len() / 8).max(8));
        }
    }
    fn extend_from(&mut self, src: &Self, range: Range<usize>) {
        if let Some(s) = src.get(range) {
            self.push_str(s);
        }
    }
    fn elem_at(&self, at: usize) -> Option<char> {
        self.get(at..).and_then(|s| s.chars().next())
    }
}
