//! [`Rga`]: a replicated list of any element type (playlists, kanban columns, todo lists).
//!
//! A thin typed front over the sequence core in [`seq`](crate::seq): elements are stored
//! per actor in a `Vec<T>`, the document order is a B-tree of id runs, concurrent inserts
//! are ordered by YATA. Invariants and the algorithm are described in `seq/README.md`;
//! [`Rga::check_invariants`] checks them all.

use crate::seq::content::Content as _;
use crate::seq::core::Seq;
use crate::seq::delta::Delta;
use crate::{ActorId, Crdt, DeltaCrdt, Error, VersionVector};
use alloc::vec::Vec;
use core::fmt::Debug;

/// A replicated growable array: an ordered list that replicas edit independently and
/// merge without conflicts.
///
/// Equality compares replicated state (integrated ops, element order including deleted
/// elements, values); the local actor and ops still waiting for dependencies are not part
/// of it, nor of [`DeltaCrdt::summary`] (a version vector of integrated ops); they are
/// kept (and encoded) and integrate as soon as the ops they depend on arrive.
///
/// Removed elements stay in the history (a peer that has not seen them yet still needs
/// them), so `T` values are kept after `remove`.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut alice = Rga::new("alice");
/// alice.insert_at(0, "milk").unwrap();
/// let mut bob = alice.fork("bob");
/// alice.insert_at(1, "eggs").unwrap();
/// bob.insert_at(0, "bread").unwrap();
/// alice.merge(&bob);
/// bob.merge(&alice);
/// assert_eq!(alice, bob);
/// assert_eq!(alice.to_vec(), vec!["bread", "milk", "eggs"]);
/// ```
#[derive(Clone)]
pub struct Rga<T: Clone + PartialEq + Debug> {
    pub(crate) core: Seq<Vec<T>>,
}

/// The ops of an [`Rga`] that a peer lacks (see [`DeltaCrdt`]): insert runs with their
/// origins and elements, delete runs with their target id ranges. Safe to apply late,
/// twice or out of order (ops wait until the ops they depend on arrive).
///
/// ```
/// use crdt_kit::prelude::*;
/// use crdt_kit::RgaDelta;
///
/// let mut a = Rga::new("a");
/// a.insert_all(0, vec![1, 2, 3]).unwrap();
/// let mut b = Rga::new("b");
/// let delta: RgaDelta<i32> = a.delta_since(&b.summary());
/// b.apply_delta(&delta);
/// b.apply_delta(&delta); // twice: no change
/// assert_eq!(b.to_vec(), vec![1, 2, 3]);
/// assert!(a.delta(&b).is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(bound(
        serialize = "T: serde::Serialize",
        deserialize = "T: serde::Deserialize<'de> + Clone + PartialEq + Debug"
    ))
)]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct RgaDelta<T: Clone + PartialEq + Debug> {
    pub(crate) inner: Delta<Vec<T>>,
}

impl<T: Clone + PartialEq + Debug> RgaDelta<T> {
    /// True when the delta carries no operation.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T: Clone + PartialEq + Debug> Rga<T> {
    /// An empty list edited by `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        Rga {
            core: Seq::new(actor.into()),
        }
    }

    /// A copy with the same history whose own edits are made by `actor`.
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        Rga {
            core: self.core.fork(actor.into()),
        }
    }

    /// The local actor.
    pub fn actor(&self) -> &ActorId {
        self.core.actor()
    }

    /// Inserts `value` at position `index` (`0..=len`).
    pub fn insert_at(&mut self, index: usize, value: T) -> Result<(), Error> {
        self.core.insert_local(index, 1, |buf| {
            buf.grow_for(1);
            buf.push(value)
        })
    }

    /// Inserts all `values` at position `index` as one op run.
    pub fn insert_all(&mut self, index: usize, values: Vec<T>) -> Result<(), Error> {
        let n = values.len() as u64;
        self.core.insert_local(index, n, |buf| {
            buf.grow_for(values.len());
            buf.extend(values)
        })
    }

    /// Removes and returns the element at `index`.
    pub fn remove(&mut self, index: usize) -> Result<T, Error> {
        let value = self.get(index).cloned().ok_or(Error::IndexOutOfBounds {
            index,
            len: self.len(),
        })?;
        self.core.delete_local(index, 1)?;
        Ok(value)
    }

    /// Removes `count` elements from `start`.
    pub fn remove_range(&mut self, start: usize, count: usize) -> Result<(), Error> {
        self.core.delete_local(start, count)
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<&T> {
        let (buf, unit) = self.core.locate(index)?;
        buf.get(unit)
    }

    /// Number of (visible) elements.
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// True when the list has no visible element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.core
            .chunks()
            .flat_map(|(buf, r)| buf.get(r).unwrap_or(&[]).iter())
    }

    /// The elements in order, cloned.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
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
}

impl<T: Clone + PartialEq + Debug> Debug for Rga<T> {
    /// The actor, the elements and the number of pending ops (not the internal structure).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Rga")
            .field("actor", self.actor())
            .field("items", &self.to_vec())
            .field("pending", &self.pending_len())
            .finish()
    }
}

impl<T: Clone + PartialEq + Debug> PartialEq for Rga<T> {
    fn eq(&self, other: &Self) -> bool {
        self.core.state_eq(&other.core)
    }
}
impl<T: Clone + Eq + Debug> Eq for Rga<T> {}

impl<T: Clone + PartialEq + Debug> Crdt for Rga<T> {
    fn merge(&mut self, other: &Self) {
        self.core.merge(&other.core);
    }
}

impl<T: Clone + PartialEq + Debug> DeltaCrdt for Rga<T> {
    type Delta = RgaDelta<T>;
    type Summary = VersionVector;

    fn apply_delta(&mut self, delta: &RgaDelta<T>) {
        self.core.apply_delta(&delta.inner);
    }
    fn summary(&self) -> VersionVector {
        self.core.summary()
    }
    fn delta_since(&self, summary: &VersionVector) -> RgaDelta<T> {
        RgaDelta {
            inner: self.core.delta_since(summary),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::Rga;
    use crate::seq::core::Seq;
    use core::fmt::Debug;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Clone + PartialEq + Debug + Serialize> Serialize for Rga<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.core.serialize(s)
        }
    }
    impl<'de, T: Clone + PartialEq + Debug + Deserialize<'de>> Deserialize<'de> for Rga<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Rga {
                core: Seq::deserialize(d)?,
            })
        }
    }
}
