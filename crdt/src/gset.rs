//! The grow-only set, [`GSet`], and its delta, [`GSetDelta`].
//!
//! Elements are only ever added. To answer a peer's compact summary, each insert of an
//! element not yet present gets a fresh dot `(own actor, next counter)`, so the set is a
//! dot store (element -> dots, see `dot_map.rs`) whose causal context is exactly the set of
//! its dots. Merging is the union of elements and of their dots (an element inserted
//! concurrently on several replicas keeps one dot per insert).
//!
//! Invariants ([`GSet::check_invariants`], also checked on decode): every element holds at
//! least one dot, no dot is held twice, and the context holds exactly the held dots.
//!
//! Sync: the summary is the context; a delta carries the entries whose dots the peer has
//! not seen, with those dots as its context.

use crate::dot_map::{check_unique, Clock, DotList, DotMap};
use crate::{ActorId, Crdt, DeltaCrdt, DotSet, Error};
use alloc::format;
use alloc::vec::Vec;
use core::borrow::Borrow;

/// A grow-only set.
///
/// Takes an actor id (unlike the seed's `GSet::new()`): the dots of inserts are what
/// lets [`delta_since`](DeltaCrdt::delta_since) work from a small summary instead of the
/// peer's whole set. `PartialEq` compares replicated state, not the local actor id.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut a = GSet::new("a");
/// assert!(a.insert("apple"));
/// assert!(!a.insert("apple"));
/// let mut b = GSet::new("b");
/// b.insert("banana");
///
/// b.apply_delta(&a.delta_since(&b.summary()));
/// a.merge(&b);
/// assert_eq!(a, b);
/// assert_eq!(a.iter().copied().collect::<Vec<_>>(), ["apple", "banana"]);
/// ```
#[derive(Clone, Debug)]
pub struct GSet<T> {
    store: DotMap<T>,
    ctx: DotSet,
    clock: Clock,
}

/// A delta of a [`GSet`]: the element entries a peer lacks. Deltas join like states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GSetDelta<T> {
    store: DotMap<T>,
    ctx: DotSet,
}

impl<T: Ord + Clone> GSet<T> {
    /// An empty set for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let ctx = DotSet::new();
        GSet {
            clock: Clock::new(actor.into(), &ctx),
            store: DotMap::default(),
            ctx,
        }
    }

    /// A copy of this replica's state for a new replica `actor` (which must not be in use
    /// elsewhere).
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        GSet {
            clock: Clock::new(actor.into(), &self.ctx),
            store: self.store.clone(),
            ctx: self.ctx.clone(),
        }
    }

    /// This replica's actor id.
    pub fn actor(&self) -> &ActorId {
        &self.clock.actor
    }

    /// Inserts `value`; returns true if it was not present. Inserting a present element
    /// changes nothing. Returns false without inserting if the replica's counter is
    /// exhausted (see [`try_insert`](GSet::try_insert)).
    pub fn insert(&mut self, value: T) -> bool {
        self.try_insert(value).unwrap_or(false)
    }

    /// [`insert`](GSet::insert), reporting [`Error::CounterExhausted`] when this actor has
    /// used all 2^64 counters.
    pub fn try_insert(&mut self, value: T) -> Result<bool, Error> {
        if self.store.entries.contains_key(&value) {
            return Ok(false);
        }
        let dot = self.clock.tick(&mut self.ctx)?;
        self.store.entries.insert(value, DotList::One(dot));
        Ok(true)
    }

    /// True when `value` is in the set.
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.store.entries.contains_key(value)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.store.entries.len()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.store.entries.is_empty()
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.store.entries.keys()
    }

    /// The causal context: the dots of every insert this replica has seen.
    pub fn context(&self) -> &DotSet {
        &self.ctx
    }

    /// Checks the invariants: every element holds at least one dot, no dot is held twice,
    /// and the context holds exactly the held dots.
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_grow_only(&[&self.store], &self.ctx)
    }
}

/// The invariants of a grow-only dot store family sharing one context: valid lists,
/// every dot in the context, no dot twice, and no context dot that is not held.
pub(crate) fn check_grow_only<T: Ord + Clone>(
    stores: &[&DotMap<T>],
    ctx: &DotSet,
) -> Result<(), Error> {
    ctx.check_invariants()?;
    let mut all = Vec::new();
    for store in stores {
        store.check(ctx, &mut all)?;
    }
    check_unique(&mut all)?;
    let held = u128::try_from(all.len()).unwrap_or(u128::MAX);
    if ctx.dot_count() != held {
        return Err(Error::InvalidState(format!(
            "grow-only set: the context has {} dots but the set holds {held}",
            ctx.dot_count()
        )));
    }
    Ok(())
}

impl<T: Ord + Clone> GSetDelta<T> {
    /// True when the delta carries nothing.
    pub fn is_empty(&self) -> bool {
        self.store.entries.is_empty()
    }

    /// The number of element entries carried.
    pub fn len(&self) -> usize {
        self.store.entries.len()
    }

    /// Checks the same invariants as [`GSet::check_invariants`].
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_grow_only(&[&self.store], &self.ctx)
    }
}

impl<T: PartialEq> PartialEq for GSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store && self.ctx == other.ctx
    }
}
impl<T: Eq> Eq for GSet<T> {}

impl<T: Ord + Clone> Extend<T> for GSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<T: Ord + Clone> Crdt for GSet<T> {
    fn merge(&mut self, other: &Self) {
        self.store.join_union(&other.store);
        self.ctx.union(&other.ctx);
        self.clock.sync(&self.ctx);
    }
}

impl<T: Ord + Clone> Crdt for GSetDelta<T> {
    fn merge(&mut self, other: &Self) {
        self.store.join_union(&other.store);
        self.ctx.union(&other.ctx);
    }
}

impl<T: Ord + Clone> DeltaCrdt for GSet<T> {
    type Delta = GSetDelta<T>;
    type Summary = DotSet;

    fn apply_delta(&mut self, delta: &GSetDelta<T>) {
        self.store.join_union(&delta.store);
        self.ctx.union(&delta.ctx);
        self.clock.sync(&self.ctx);
    }

    fn summary(&self) -> DotSet {
        self.ctx.clone()
    }

    fn delta_since(&self, summary: &DotSet) -> GSetDelta<T> {
        let mut known = Vec::new();
        let store = self.store.since(summary, &mut known);
        // The context is exactly the held dots, so the unseen ones are `ctx - summary`.
        GSetDelta {
            store,
            ctx: self.ctx.difference(summary),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Wire form: see `dot_map::wire`. Decoding checks the invariants.
    use super::{check_grow_only, Clock, GSet, GSetDelta};
    use crate::dot_map::wire::{DeltaRaw, DeltaRef, StateRaw, StateRef};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Serialize> Serialize for GSet<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            StateRef {
                actor: &self.clock.actor,
                entries: &self.store.entries,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for GSet<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = StateRaw::<T>::deserialize(d)?;
            check_grow_only(&[&raw.entries], &raw.ctx).map_err(D::Error::custom)?;
            Ok(GSet {
                clock: Clock::new(raw.actor, &raw.ctx),
                store: raw.entries,
                ctx: raw.ctx,
            })
        }
    }

    impl<T: Serialize> Serialize for GSetDelta<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            DeltaRef {
                entries: &self.store.entries,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for GSetDelta<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = DeltaRaw::<T>::deserialize(d)?;
            check_grow_only(&[&raw.entries], &raw.ctx).map_err(D::Error::custom)?;
            Ok(GSetDelta {
                store: raw.entries,
                ctx: raw.ctx,
            })
        }
    }
}
