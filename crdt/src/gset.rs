//! The grow-only set, [`GSet`], and its delta, [`GSetDelta`].
//!
//! Elements are only ever added. To answer a peer's compact summary, each insert of an
//! element not yet present gets a fresh dot `(own actor, next counter)`, so the set is a
//! grow-only dot store (element -> dots, laid out as a sorted run plus recent inserts, see
//! `grow_map.rs`) whose causal context is exactly the set of its dots. Merging is the
//! union of elements and of their dots (an element inserted concurrently on several
//! replicas keeps one dot per insert), done as one linear walk.
//!
//! Invariants ([`GSet::check_invariants`], also checked on decode): every element holds at
//! least one dot, no dot is held twice, and the context holds exactly the held dots.
//!
//! Sync: the summary is the context; a delta carries the entries whose dots the peer has
//! not seen, with those dots as its context.

use crate::dot_map::{check_unique, Clock, Joint, LDot};
use crate::grow_map::GrowMap;
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
    store: GrowMap<T>,
    ctx: DotSet,
    clock: Clock,
}

/// A delta of a [`GSet`]: the element entries a peer lacks. Deltas join like states.
#[derive(Clone, Debug)]
pub struct GSetDelta<T> {
    store: GrowMap<T>,
    ctx: DotSet,
}

impl<T: Ord + Clone> GSet<T> {
    /// An empty set for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let ctx = DotSet::new();
        GSet {
            clock: Clock::new(actor.into(), &ctx),
            store: GrowMap::default(),
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
        let (clock, ctx) = (&mut self.clock, &mut self.ctx);
        self.store.insert_new(value, |store| {
            let (dot, shift) = clock.tick_indexed(ctx)?;
            if let Some(pos) = shift {
                store.shift_from(pos);
            }
            Ok(dot)
        })
    }

    /// True when `value` is in the set.
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.store.contains_key(value)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.store.iter().map(|(k, _)| k)
    }

    /// The causal context: the dots of every insert this replica has seen.
    pub fn context(&self) -> &DotSet {
        &self.ctx
    }

    /// Checks the invariants: every element holds at least one insert dot, no dot is
    /// held twice, and the context holds exactly the held dots. Decoding checks them too.
    pub fn check_invariants(&self) -> Result<(), Error> {
        let mut all = Vec::new();
        self.store.check(&self.ctx, &mut all)?;
        check_grow_only(&self.ctx, all)
    }
}

/// The invariants of grow-only stores sharing one context, given all their dots: valid
/// context, no dot twice, and no context dot that is not held.
pub(crate) fn check_grow_only(ctx: &DotSet, mut all: Vec<LDot>) -> Result<(), Error> {
    ctx.check_invariants()?;
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
        self.store.is_empty()
    }

    /// The number of element entries carried.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Checks the same invariants as [`GSet::check_invariants`].
    pub fn check_invariants(&self) -> Result<(), Error> {
        let mut all = Vec::new();
        self.store.check(&self.ctx, &mut all)?;
        check_grow_only(&self.ctx, all)
    }
}

impl<T: Ord> PartialEq for GSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store && self.ctx == other.ctx
    }
}
impl<T: Ord> Eq for GSet<T> {}

impl<T: Ord> PartialEq for GSetDelta<T> {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store && self.ctx == other.ctx
    }
}
impl<T: Ord> Eq for GSetDelta<T> {}

impl<T: Ord + Clone> Extend<T> for GSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<T: Ord + Clone> Crdt for GSet<T> {
    fn merge(&mut self, other: &Self) {
        let joint = Joint::new(&self.ctx, &other.ctx);
        self.store.join_union(&other.store, &joint);
        self.ctx.union(&other.ctx);
        self.clock.sync(&self.ctx);
    }
}

impl<T: Ord + Clone> Crdt for GSetDelta<T> {
    fn merge(&mut self, other: &Self) {
        let joint = Joint::new(&self.ctx, &other.ctx);
        self.store.join_union(&other.store, &joint);
        self.ctx.union(&other.ctx);
    }
}

impl<T: Ord + Clone> DeltaCrdt for GSet<T> {
    type Delta = GSetDelta<T>;
    type Summary = DotSet;

    fn apply_delta(&mut self, delta: &GSetDelta<T>) {
        let joint = Joint::new(&self.ctx, &delta.ctx);
        self.store.join_union(&delta.store, &joint);
        self.ctx.union(&delta.ctx);
        self.clock.sync(&self.ctx);
    }

    fn summary(&self) -> DotSet {
        self.ctx.clone()
    }

    fn delta_since(&self, summary: &DotSet) -> GSetDelta<T> {
        let mut known = Vec::new();
        let mut store = self.store.since(&self.ctx, summary, &mut known);
        // The context is exactly the held dots, so the unseen ones are `ctx - summary`.
        let ctx = self.ctx.difference(summary);
        store.rebase(&self.ctx.index_map(&ctx));
        GSetDelta { store, ctx }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Wire form: see `dot_map::wire`. Decoding checks the invariants.
    use super::{check_grow_only, Clock, GSet, GSetDelta, GrowMap};
    use crate::dot_map::wire::{DeltaRaw, DeltaRef, StateRaw, StateRef};
    use alloc::vec::Vec;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Serialize + Ord + Clone> Serialize for GSet<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            StateRef {
                actor: &self.clock.actor,
                entries: &self.store,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for GSet<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = StateRaw::<GrowMap<T>>::deserialize(d)?;
            let mut all = Vec::new();
            raw.entries
                .check(&raw.ctx, &mut all)
                .map_err(D::Error::custom)?;
            check_grow_only(&raw.ctx, all).map_err(D::Error::custom)?;
            Ok(GSet {
                clock: Clock::new(raw.actor, &raw.ctx),
                store: raw.entries,
                ctx: raw.ctx,
            })
        }
    }

    impl<T: Serialize + Ord + Clone> Serialize for GSetDelta<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            DeltaRef {
                entries: &self.store,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for GSetDelta<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = DeltaRaw::<GrowMap<T>>::deserialize(d)?;
            let mut all = Vec::new();
            raw.entries
                .check(&raw.ctx, &mut all)
                .map_err(D::Error::custom)?;
            check_grow_only(&raw.ctx, all).map_err(D::Error::custom)?;
            Ok(GSetDelta {
                store: raw.entries,
                ctx: raw.ctx,
            })
        }
    }
}
