//! The observed-remove set (add-wins), [`ORSet`], and its delta, [`ORSetDelta`].
//!
//! Every insert gets a fresh dot `(own actor, next counter)`; the element is present while
//! at least one of its dots is live. Removing an element drops its live dots but keeps
//! them in the causal context, so a stale copy of the element elsewhere loses against the
//! removal, while an insert the remover had not seen (a dot outside its context) survives:
//! concurrent insert and remove of the same element leave it present (add wins).
//!
//! State: a dot store (element -> dots, see `dot_map.rs`) and a [`DotSet`] context.
//! Invariants ([`ORSet::check_invariants`], also checked on decode): every held dot is in
//! the context, no dot is held twice, every element holds at least one dot.
//!
//! Sync: the summary is the context. A delta for a peer with summary `S` carries the
//! element entries whose dots are outside `S`, and a context of every dot of ours except
//! the live dots the peer has already seen. So the dots it claims without carrying are
//! exactly our removed ones: applying it can never delete a live element the sender still
//! holds, and `b.apply_delta(&a.delta(&b)) == b.merge(&a)`.

use crate::dot_map::{check_unique, context_minus, Clock, DotMap, Joint};
use crate::{ActorId, Crdt, DeltaCrdt, DotSet, Error};
use alloc::vec::Vec;
use core::borrow::Borrow;

/// An add-wins observed-remove set.
///
/// `PartialEq` compares replicated state (elements, their dots, the causal context), not
/// the local actor id, so two replicas that have seen the same operations are equal.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut phone = ORSet::new("phone");
/// phone.insert("A");
/// phone.insert("B");
/// phone.insert("C");
/// let mut laptop = phone.fork("laptop");
///
/// phone.remove(&"C");
/// laptop.insert("D");
/// laptop.insert("E");
/// laptop.insert("C"); // concurrent with the remove: the add wins
///
/// // Sync by deltas from summaries, or by merging whole states.
/// let to_laptop = phone.delta_since(&laptop.summary());
/// laptop.apply_delta(&to_laptop);
/// phone.merge(&laptop);
/// assert_eq!(phone, laptop);
/// assert!(phone.contains(&"C"));
/// assert_eq!(phone.len(), 5);
/// ```
#[derive(Clone, Debug)]
pub struct ORSet<T> {
    store: DotMap<T>,
    ctx: DotSet,
    clock: Clock,
}

/// A delta of an [`ORSet`]: new element entries and the dots whose removal it conveys.
///
/// Deltas join like states ([`Crdt::merge`]), so several can be batched into one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ORSetDelta<T> {
    store: DotMap<T>,
    ctx: DotSet,
}

impl<T: Ord + Clone> ORSet<T> {
    /// An empty set for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let ctx = DotSet::new();
        ORSet {
            clock: Clock::new(actor.into(), &ctx),
            store: DotMap::default(),
            ctx,
        }
    }

    /// A copy of this replica's state for a new replica `actor` (which must not be in use
    /// elsewhere).
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        ORSet {
            clock: Clock::new(actor.into(), &self.ctx),
            store: self.store.clone(),
            ctx: self.ctx.clone(),
        }
    }

    /// This replica's actor id.
    pub fn actor(&self) -> &ActorId {
        &self.clock.actor
    }

    /// Inserts `value` with a fresh dot; returns true if it was not present.
    ///
    /// Inserting a present element still records a new dot, so this insert wins against
    /// removes of it that are concurrent with it. Does nothing and returns false if the
    /// replica's counter is exhausted (see [`try_insert`](ORSet::try_insert)).
    pub fn insert(&mut self, value: T) -> bool {
        self.try_insert(value).unwrap_or(false)
    }

    /// [`insert`](ORSet::insert), reporting [`Error::CounterExhausted`] when this actor has
    /// used all 2^64 counters.
    pub fn try_insert(&mut self, value: T) -> Result<bool, Error> {
        let (dot, shift) = self.clock.tick_indexed(&mut self.ctx)?;
        if let Some(pos) = shift {
            self.store.shift_from(pos);
        }
        Ok(self.store.put(value, dot))
    }

    /// Removes `value` (every insert of it this replica has seen); returns true if it was
    /// present. Inserts it has not seen, made concurrently elsewhere, survive.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.store.remove(value)
    }

    /// True when `value` is present.
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

    /// The causal context: every dot this replica has seen (also its summary).
    pub fn context(&self) -> &DotSet {
        &self.ctx
    }

    /// Checks the invariants: every element holds at least one dot, no dot is held twice,
    /// every held dot is in the context. Decoding checks them too.
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_parts(&self.store, &self.ctx)
    }

    fn join(&mut self, store: &DotMap<T>, ctx: &DotSet) {
        let joint = Joint::new(&self.ctx, ctx);
        self.store.join_causal(&self.ctx, store, ctx, &joint);
        self.ctx.union(ctx);
        self.clock.sync(&self.ctx);
    }
}

fn check_parts<T: Ord + Clone>(store: &DotMap<T>, ctx: &DotSet) -> Result<(), Error> {
    ctx.check_invariants()?;
    let mut all = Vec::new();
    store.check(ctx, &mut all)?;
    check_unique(&mut all)
}

impl<T: Ord + Clone> ORSetDelta<T> {
    /// True when the delta carries nothing.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty() && self.ctx.is_empty()
    }

    /// The number of element entries carried.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// The dots whose status the delta conveys.
    pub fn context(&self) -> &DotSet {
        &self.ctx
    }

    /// Checks the same invariants as [`ORSet::check_invariants`].
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_parts(&self.store, &self.ctx)
    }
}

impl<T: PartialEq> PartialEq for ORSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.store == other.store && self.ctx == other.ctx
    }
}
impl<T: Eq> Eq for ORSet<T> {}

impl<T: Ord + Clone> Extend<T> for ORSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<T: Ord + Clone> Crdt for ORSet<T> {
    fn merge(&mut self, other: &Self) {
        self.join(&other.store, &other.ctx);
    }
}

impl<T: Ord + Clone> Crdt for ORSetDelta<T> {
    fn merge(&mut self, other: &Self) {
        let joint = Joint::new(&self.ctx, &other.ctx);
        self.store
            .join_causal(&self.ctx, &other.store, &other.ctx, &joint);
        self.ctx.union(&other.ctx);
    }
}

impl<T: Ord + Clone> DeltaCrdt for ORSet<T> {
    type Delta = ORSetDelta<T>;
    type Summary = DotSet;

    fn apply_delta(&mut self, delta: &ORSetDelta<T>) {
        self.join(&delta.store, &delta.ctx);
    }

    fn summary(&self) -> DotSet {
        self.ctx.clone()
    }

    fn delta_since(&self, summary: &DotSet) -> ORSetDelta<T> {
        let mut known = Vec::new();
        let mut store = self.store.since(&self.ctx, summary, &mut known);
        let ctx = context_minus(&self.ctx, &mut known);
        store.rebase(&self.ctx.index_map(&ctx));
        ORSetDelta { store, ctx }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Wire form: see `dot_map::wire`. Decoding checks the invariants.
    use super::{check_parts, Clock, DotMap, ORSet, ORSetDelta};
    use crate::dot_map::wire::{DeltaRaw, DeltaRef, StateRaw, StateRef};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Serialize> Serialize for ORSet<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            StateRef {
                actor: &self.clock.actor,
                entries: &self.store,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for ORSet<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = StateRaw::<DotMap<T>>::deserialize(d)?;
            check_parts(&raw.entries, &raw.ctx).map_err(D::Error::custom)?;
            Ok(ORSet {
                clock: Clock::new(raw.actor, &raw.ctx),
                store: raw.entries,
                ctx: raw.ctx,
            })
        }
    }

    impl<T: Serialize> Serialize for ORSetDelta<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            DeltaRef {
                entries: &self.store,
                ctx: &self.ctx,
            }
            .serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for ORSetDelta<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = DeltaRaw::<DotMap<T>>::deserialize(d)?;
            check_parts(&raw.entries, &raw.ctx).map_err(D::Error::custom)?;
            Ok(ORSetDelta {
                store: raw.entries,
                ctx: raw.ctx,
            })
        }
    }
}
