//! Version vectors: for each actor, how many of its changes a replica has seen.
//!
//! Actors number their changes 1, 2, 3, ... A [`VersionVector`] maps an actor to the
//! highest counter seen, and stands for every counter up to it. Absent actors are 0.
//! Zero entries are never stored, so two vectors that mean the same thing are `==`.

use crate::ActorId;
use alloc::collections::BTreeMap;

/// One change: the actor that made it and its counter (1-based).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Dot {
    /// The replica that made the change.
    pub actor: ActorId,
    /// Its counter, starting at 1.
    pub counter: u64,
}

impl Dot {
    /// Makes a dot.
    pub fn new(actor: impl Into<ActorId>, counter: u64) -> Self {
        Dot {
            actor: actor.into(),
            counter,
        }
    }
}

/// For each actor, the highest counter seen (absent means 0).
///
/// ```
/// use crdt_kit::{Dot, VersionVector};
/// let mut vv = VersionVector::new();
/// vv.observe("a", 3);
/// assert!(vv.contains(&Dot::new("a", 2)));
/// assert!(!vv.contains(&Dot::new("b", 1)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VersionVector {
    entries: BTreeMap<ActorId, u64>,
}

impl VersionVector {
    /// The empty vector: nothing seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// The highest counter seen from `actor` (0 if none).
    pub fn get(&self, actor: &str) -> u64 {
        self.entries.get(actor).copied().unwrap_or(0)
    }

    /// Records that every counter of `actor` up to `counter` has been seen.
    /// Never lowers an entry.
    pub fn observe(&mut self, actor: impl Into<ActorId>, counter: u64) {
        if counter == 0 {
            return;
        }
        let slot = self.entries.entry(actor.into()).or_insert(0);
        if *slot < counter {
            *slot = counter;
        }
    }

    /// True when the dot is covered.
    pub fn contains(&self, dot: &Dot) -> bool {
        dot.counter != 0 && dot.counter <= self.get(dot.actor.as_str())
    }

    /// Pointwise maximum.
    pub fn merge(&mut self, other: &VersionVector) {
        for (actor, &n) in &other.entries {
            self.observe(actor.clone(), n);
        }
    }

    /// True when every entry of `other` is at most the same entry here.
    pub fn dominates(&self, other: &VersionVector) -> bool {
        other
            .entries
            .iter()
            .all(|(a, &n)| self.get(a.as_str()) >= n)
    }

    /// Entries in actor order.
    pub fn iter(&self) -> impl Iterator<Item = (&ActorId, u64)> + '_ {
        self.entries.iter().map(|(a, &n)| (a, n))
    }

    /// Number of actors with a non-zero entry.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing has been seen.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<A: Into<ActorId>> FromIterator<(A, u64)> for VersionVector {
    fn from_iter<I: IntoIterator<Item = (A, u64)>>(iter: I) -> Self {
        let mut vv = VersionVector::new();
        for (a, n) in iter {
            vv.observe(a, n);
        }
        vv
    }
}
