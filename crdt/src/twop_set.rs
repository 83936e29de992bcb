//! The two-phase set, [`TwoPSet`], and its delta, [`TwoPSetDelta`].
//!
//! Two grow-only stores: the adds and the removes (tombstones). An element is present
//! when it has been added and never removed; a removal is permanent, so an element can be
//! added and removed once, and removals win over concurrent adds.
//!
//! Every add of an absent element and every removal of a present one gets a fresh dot
//! `(own actor, next counter)`, so both stores are dot stores (element -> dots, see
//! `dot_map.rs`) sharing one causal context that is exactly the set of their dots.
//! Merging is the union of both stores.
//!
//! Invariants ([`TwoPSet::check_invariants`], also checked on decode): every stored
//! element holds at least one dot, no dot is held twice across both stores, and the
//! context holds exactly the held dots. The number of present elements is cached and
//! recounted after each merge.
//!
//! Sync: the summary is the context; a delta carries the add and remove entries whose
//! dots the peer has not seen, with those dots as its context.

use crate::dot_map::{Clock, DotMap};
use crate::gset::check_grow_only;
use crate::{ActorId, Crdt, DeltaCrdt, DotSet, Error};
use alloc::vec::Vec;
use core::borrow::Borrow;

/// A set where removal is permanent (two-phase set).
///
/// `PartialEq` compares replicated state (adds, removes, context), not the local actor id.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut a = TwoPSet::new("a");
/// a.insert("token-1");
/// a.insert("token-2");
/// let mut b = a.fork("b");
/// assert!(a.remove(&"token-1"));
/// assert!(!a.insert("token-1")); // removed for good
///
/// b.apply_delta(&a.delta_since(&b.summary()));
/// assert!(!b.contains(&"token-1"));
/// assert_eq!(b.iter().collect::<Vec<_>>(), [&"token-2"]);
/// ```
#[derive(Clone, Debug)]
pub struct TwoPSet<T> {
    adds: DotMap<T>,
    removes: DotMap<T>,
    ctx: DotSet,
    clock: Clock,
    present: usize,
}

/// A delta of a [`TwoPSet`]: the adds and removes a peer lacks. Deltas join like states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoPSetDelta<T> {
    adds: DotMap<T>,
    removes: DotMap<T>,
    ctx: DotSet,
}

impl<T: Ord + Clone> TwoPSet<T> {
    /// An empty set for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let ctx = DotSet::new();
        TwoPSet {
            clock: Clock::new(actor.into(), &ctx),
            adds: DotMap::default(),
            removes: DotMap::default(),
            ctx,
            present: 0,
        }
    }

    /// A copy of this replica's state for a new replica `actor` (which must not be in use
    /// elsewhere).
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        TwoPSet {
            clock: Clock::new(actor.into(), &self.ctx),
            ..self.clone()
        }
    }

    /// This replica's actor id.
    pub fn actor(&self) -> &ActorId {
        &self.clock.actor
    }

    /// Inserts `value`; returns true if it was not present. Returns false and does
    /// nothing if it is present, was ever removed (seen by this replica), or the
    /// replica's counter is exhausted (see [`try_insert`](TwoPSet::try_insert)).
    pub fn insert(&mut self, value: T) -> bool {
        self.try_insert(value).unwrap_or(false)
    }

    /// [`insert`](TwoPSet::insert), reporting [`Error::CounterExhausted`] when this actor
    /// has used all 2^64 counters.
    pub fn try_insert(&mut self, value: T) -> Result<bool, Error> {
        if self.adds.entries.contains_key(&value) || self.removes.entries.contains_key(&value) {
            return Ok(false);
        }
        let dot = self.clock.tick(&mut self.ctx)?;
        self.adds.put(value, dot);
        self.present += 1;
        Ok(true)
    }

    /// Removes `value` for good; returns true if it was present. Returns false and does
    /// nothing if it is absent or the counter is exhausted (see
    /// [`try_remove`](TwoPSet::try_remove)).
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.try_remove(value).unwrap_or(false)
    }

    /// [`remove`](TwoPSet::remove), reporting [`Error::CounterExhausted`] when this actor
    /// has used all 2^64 counters.
    pub fn try_remove<Q>(&mut self, value: &Q) -> Result<bool, Error>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if !self.contains(value) {
            return Ok(false);
        }
        let Some(key) = self
            .adds
            .entries
            .get_key_value(value)
            .map(|(k, _)| k.clone())
        else {
            return Ok(false);
        };
        let dot = self.clock.tick(&mut self.ctx)?;
        self.removes.put(key, dot);
        self.present -= 1;
        Ok(true)
    }

    /// True when `value` has been added and not removed.
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.adds.entries.contains_key(value) && !self.removes.entries.contains_key(value)
    }

    /// True when `value` has been removed (it can never be present again).
    pub fn is_removed<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.removes.entries.contains_key(value)
    }

    /// The number of present elements.
    pub fn len(&self) -> usize {
        self.present
    }

    /// True when no element is present.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }

    /// The present elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        let removes = &self.removes.entries;
        self.adds
            .entries
            .keys()
            .filter(move |k| !removes.contains_key(*k))
    }

    /// The causal context: the dots of every add and remove this replica has seen.
    pub fn context(&self) -> &DotSet {
        &self.ctx
    }

    /// Checks the invariants: every stored element holds at least one dot, no dot is held
    /// twice across both stores, the context holds exactly the held dots, and the cached
    /// count of present elements is right.
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_grow_only(&[&self.adds, &self.removes], &self.ctx)?;
        if self.present != count_present(&self.adds, &self.removes) {
            return Err(Error::InvalidState(
                "two-phase set: cached length is stale".into(),
            ));
        }
        Ok(())
    }

    fn join(&mut self, adds: &DotMap<T>, removes: &DotMap<T>, ctx: &DotSet) {
        self.adds.join_union(adds);
        self.removes.join_union(removes);
        self.ctx.union(ctx);
        self.clock.sync(&self.ctx);
        self.present = count_present(&self.adds, &self.removes);
    }
}

fn count_present<T: Ord>(adds: &DotMap<T>, removes: &DotMap<T>) -> usize {
    if removes.entries.is_empty() {
        return adds.entries.len();
    }
    adds.entries
        .keys()
        .filter(|k| !removes.entries.contains_key(*k))
        .count()
}

impl<T: Ord + Clone> TwoPSetDelta<T> {
    /// True when the delta carries nothing.
    pub fn is_empty(&self) -> bool {
        self.adds.entries.is_empty() && self.removes.entries.is_empty()
    }

    /// Checks the same store invariants as [`TwoPSet::check_invariants`].
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_grow_only(&[&self.adds, &self.removes], &self.ctx)
    }
}

impl<T: PartialEq> PartialEq for TwoPSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.adds == other.adds && self.removes == other.removes && self.ctx == other.ctx
    }
}
impl<T: Eq> Eq for TwoPSet<T> {}

impl<T: Ord + Clone> Crdt for TwoPSet<T> {
    fn merge(&mut self, other: &Self) {
        self.join(&other.adds, &other.removes, &other.ctx);
    }
}

impl<T: Ord + Clone> Crdt for TwoPSetDelta<T> {
    fn merge(&mut self, other: &Self) {
        self.adds.join_union(&other.adds);
        self.removes.join_union(&other.removes);
        self.ctx.union(&other.ctx);
    }
}

impl<T: Ord + Clone> DeltaCrdt for TwoPSet<T> {
    type Delta = TwoPSetDelta<T>;
    type Summary = DotSet;

    fn apply_delta(&mut self, delta: &TwoPSetDelta<T>) {
        self.join(&delta.adds, &delta.removes, &delta.ctx);
    }

    fn summary(&self) -> DotSet {
        self.ctx.clone()
    }

    fn delta_since(&self, summary: &DotSet) -> TwoPSetDelta<T> {
        let mut known = Vec::new();
        TwoPSetDelta {
            adds: self.adds.since(summary, &mut known),
            removes: self.removes.since(summary, &mut known),
            ctx: self.ctx.difference(summary),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Wire form: `(actor, adds, removes, context)` for a set, `(adds, removes, context)`
    //! for a delta; each store maps elements (ascending) to dots.
    use super::{check_grow_only, count_present, Clock, DotMap, TwoPSet, TwoPSetDelta};
    use crate::dot_map::DotList;
    use crate::{ActorId, DotSet};
    use alloc::collections::BTreeMap;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct SetRef<'a, T> {
        actor: &'a ActorId,
        adds: &'a BTreeMap<T, DotList>,
        removes: &'a BTreeMap<T, DotList>,
        ctx: &'a DotSet,
    }

    #[derive(Deserialize)]
    #[serde(bound = "T: Deserialize<'de> + Ord")]
    struct SetRaw<T> {
        actor: ActorId,
        adds: DotMap<T>,
        removes: DotMap<T>,
        ctx: DotSet,
    }

    impl<T: Serialize> Serialize for TwoPSet<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            SetRef {
                actor: &self.clock.actor,
                adds: &self.adds.entries,
                removes: &self.removes.entries,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for TwoPSet<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = SetRaw::<T>::deserialize(d)?;
            check_grow_only(&[&raw.adds, &raw.removes], &raw.ctx).map_err(D::Error::custom)?;
            Ok(TwoPSet {
                clock: Clock::new(raw.actor, &raw.ctx),
                present: count_present(&raw.adds, &raw.removes),
                adds: raw.adds,
                removes: raw.removes,
                ctx: raw.ctx,
            })
        }
    }

    impl<T: Serialize> Serialize for TwoPSetDelta<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            (&self.adds.entries, &self.removes.entries, &self.ctx).serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for TwoPSetDelta<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (adds, removes, ctx) = <(DotMap<T>, DotMap<T>, DotSet)>::deserialize(d)?;
            check_grow_only(&[&adds, &removes], &ctx).map_err(D::Error::custom)?;
            Ok(TwoPSetDelta { adds, removes, ctx })
        }
    }
}
