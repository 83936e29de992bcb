//! Dot stores: the machinery under the set types (crate-private).
//!
//! A *dot store* maps each element to the [`Dot`]s of the operations that added it
//! (a [`DotList`], almost always one dot, kept inline). Together with the replica's causal
//! context (a [`DotSet`]) it forms the state of [`ORSet`](crate::ORSet),
//! [`GSet`](crate::GSet) and [`TwoPSet`](crate::TwoPSet), following Almeida, Shoker and
//! Baquero, "Delta State Replicated Data Types" (2018), and the optimised OR-Set of
//! Bieniusa et al. (2012).
//!
//! Invariants of a store paired with a context `ctx` (checked by [`DotMap::check`]):
//! - every dot list is non-empty, sorted and without repeats;
//! - no dot appears twice in the store (a dot names one operation on one element);
//! - every dot of the store is in `ctx`.
//!
//! Two joins:
//! - [`DotMap::join_causal`] (OR-Set): a dot survives when both sides hold it, or one side
//!   holds it and the other side's context has never seen it. A dot the other side has
//!   seen but no longer holds was removed there, and the removal wins over the stale copy.
//! - [`DotMap::join_union`] (grow-only stores, whose context is exactly their dots): the
//!   union of the dot lists.
//!
//! Both walk the two sorted maps once when the other side is large, and do point lookups
//! when it is small (a delta into a big replica).

use crate::Dot;
use crate::{ActorId, DotSet, Error};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use core::mem;

/// The dots of one element: non-empty, sorted, no repeats. One dot is stored inline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum DotList {
    /// The usual case.
    One(Dot),
    /// Two or more dots (concurrent adds of the same element), sorted.
    Many(Vec<Dot>),
}

impl DotList {
    pub(crate) fn as_slice(&self) -> &[Dot] {
        match self {
            DotList::One(d) => core::slice::from_ref(d),
            DotList::Many(v) => v,
        }
    }

    /// From a sorted list without repeats; `None` when empty.
    fn from_sorted(mut dots: Vec<Dot>) -> Option<DotList> {
        match dots.len() {
            0 => None,
            1 => dots.pop().map(DotList::One),
            _ => Some(DotList::Many(dots)),
        }
    }

    /// The dots satisfying `keep`; `None` when none does.
    fn filter(&self, mut keep: impl FnMut(&Dot) -> bool) -> Option<DotList> {
        match self {
            DotList::One(d) => keep(d).then(|| DotList::One(d.clone())),
            DotList::Many(v) => {
                DotList::from_sorted(v.iter().filter(|d| keep(d)).cloned().collect())
            }
        }
    }

    fn check(&self) -> Result<(), Error> {
        let dots = self.as_slice();
        if dots.is_empty() || matches!(self, DotList::Many(v) if v.len() < 2) {
            return Err(Error::InvalidState(format!(
                "dot list of {} dots in a `Many`",
                dots.len()
            )));
        }
        if dots.iter().zip(dots.iter().skip(1)).any(|(a, b)| a >= b) {
            return Err(Error::InvalidState("dot list not strictly sorted".into()));
        }
        Ok(())
    }
}

/// Merges two sorted dot lists, keeping a dot when `keep_a`/`keep_b` accept it (dots in
/// both lists are always kept).
fn join_lists(
    a: &DotList,
    b: &DotList,
    keep_a: impl Fn(&Dot) -> bool,
    keep_b: impl Fn(&Dot) -> bool,
) -> Option<DotList> {
    if let (DotList::One(x), DotList::One(y)) = (a, b) {
        if x == y {
            return Some(a.clone());
        }
    }
    let (a, b) = (a.as_slice(), b.as_slice());
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                out.push(x.clone());
                i += 1;
                j += 1;
            }
            (Some(x), y) if y.is_none_or(|y| x < y) => {
                if keep_a(x) {
                    out.push(x.clone());
                }
                i += 1;
            }
            (_, Some(y)) => {
                if keep_b(y) {
                    out.push(y.clone());
                }
                j += 1;
            }
            _ => break,
        }
    }
    DotList::from_sorted(out)
}

/// Element -> dots of the operations that added it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct DotMap<T> {
    pub(crate) entries: BTreeMap<T, DotList>,
}

impl<T> Default for DotMap<T> {
    fn default() -> Self {
        DotMap {
            entries: BTreeMap::new(),
        }
    }
}

/// When the other map has fewer than `len / POINT_RATIO` entries, joins look each of
/// its entries up instead of rebuilding the whole map.
const POINT_RATIO: usize = 8;

impl<T: Ord + Clone> DotMap<T> {
    /// Adds `dot` as the only dot of `value` (a fresh add that observed and so replaces
    /// the element's earlier dots). Returns true if the element was not present.
    pub(crate) fn put(&mut self, value: T, dot: Dot) -> bool {
        use alloc::collections::btree_map::Entry;
        match self.entries.entry(value) {
            Entry::Occupied(mut o) => {
                *o.get_mut() = DotList::One(dot);
                false
            }
            Entry::Vacant(v) => {
                v.insert(DotList::One(dot));
                true
            }
        }
    }

    /// The OR-Set join (see the module docs). `my_ctx` and `their_ctx` are the contexts
    /// before the join.
    pub(crate) fn join_causal(&mut self, my_ctx: &DotSet, other: &DotMap<T>, their_ctx: &DotSet) {
        let mine_kept = |d: &Dot| !their_ctx.contains(d);
        let theirs_kept = |d: &Dot| !my_ctx.contains(d);
        let may_remove = !my_ctx.is_disjoint(their_ctx);
        if !may_remove && other.entries.len().saturating_mul(POINT_RATIO) < self.entries.len() {
            // Nothing of ours is known to them, nothing of theirs to us: a plain union.
            self.point_union(other);
            return;
        }
        let mine = mem::take(&mut self.entries);
        let mut out: Vec<(T, DotList)> = Vec::with_capacity(mine.len() + other.entries.len());
        let mut theirs = other.entries.iter().peekable();
        for (k, dl) in mine {
            while let Some((ok, odl)) = theirs.next_if(|(ok, _)| **ok < k) {
                if let Some(kept) = odl.filter(theirs_kept) {
                    out.push((ok.clone(), kept));
                }
            }
            let joined = match theirs.next_if(|(ok, _)| **ok == k) {
                Some((_, odl)) => join_lists(&dl, odl, mine_kept, theirs_kept),
                None if may_remove => dl.filter(mine_kept),
                None => Some(dl),
            };
            if let Some(kept) = joined {
                out.push((k, kept));
            }
        }
        for (ok, odl) in theirs {
            if let Some(kept) = odl.filter(theirs_kept) {
                out.push((ok.clone(), kept));
            }
        }
        self.entries = out.into_iter().collect();
    }

    /// The grow-only join: the union of the dot lists.
    pub(crate) fn join_union(&mut self, other: &DotMap<T>) {
        if other.entries.len().saturating_mul(POINT_RATIO) < self.entries.len() {
            self.point_union(other);
            return;
        }
        if self.entries.is_empty() {
            self.entries = other.entries.clone();
            return;
        }
        let mine = mem::take(&mut self.entries);
        let mut out: Vec<(T, DotList)> = Vec::with_capacity(mine.len() + other.entries.len());
        let mut theirs = other.entries.iter().peekable();
        for (k, dl) in mine {
            while let Some((ok, odl)) = theirs.next_if(|(ok, _)| **ok < k) {
                out.push((ok.clone(), odl.clone()));
            }
            let joined = match theirs.next_if(|(ok, _)| **ok == k) {
                Some((_, odl)) => join_lists(&dl, odl, |_| true, |_| true).unwrap_or(dl),
                None => dl,
            };
            out.push((k, joined));
        }
        out.extend(theirs.map(|(k, v)| (k.clone(), v.clone())));
        self.entries = out.into_iter().collect();
    }

    fn point_union(&mut self, other: &DotMap<T>) {
        for (k, odl) in &other.entries {
            match self.entries.get_mut(k) {
                Some(dl) => {
                    if let Some(j) = join_lists(dl, odl, |_| true, |_| true) {
                        *dl = j;
                    }
                }
                None => {
                    self.entries.insert(k.clone(), odl.clone());
                }
            }
        }
    }

    /// The part of the store a peer with context `summary` lacks: per element, the dots
    /// not in `summary`. Pushes the dots the peer has seen onto `known`.
    pub(crate) fn since<'a>(&'a self, summary: &DotSet, known: &mut Vec<&'a Dot>) -> DotMap<T> {
        let mut out = Vec::new();
        for (k, dl) in &self.entries {
            let dots = dl.as_slice();
            let before = known.len();
            known.extend(dots.iter().filter(|d| summary.contains(d)));
            let seen = known.len() - before;
            if seen == dots.len() {
                continue;
            }
            let fresh = if seen == 0 {
                Some(dl.clone())
            } else {
                dl.filter(|d| !summary.contains(d))
            };
            if let Some(fresh) = fresh {
                out.push((k.clone(), fresh));
            }
        }
        DotMap {
            entries: out.into_iter().collect(),
        }
    }

    /// Checks the list invariants and that every dot is in `ctx`; pushes the dots onto
    /// `all` so the caller can check uniqueness across stores with [`check_unique`].
    pub(crate) fn check<'a>(&'a self, ctx: &DotSet, all: &mut Vec<&'a Dot>) -> Result<(), Error> {
        for dl in self.entries.values() {
            dl.check()?;
            for d in dl.as_slice() {
                if !ctx.contains(d) {
                    return Err(Error::InvalidState(format!(
                        "dot ({:?}, {}) is held but missing from the causal context",
                        d.actor, d.counter
                    )));
                }
                all.push(d);
            }
        }
        Ok(())
    }
}

/// Errors when a dot appears twice in `dots` (sorts it).
pub(crate) fn check_unique(dots: &mut [&Dot]) -> Result<(), Error> {
    dots.sort_unstable();
    match dots.windows(2).find(|w| w.first() == w.last()) {
        Some(w) => Err(Error::InvalidState(format!(
            "dot {:?} is held twice",
            w.first()
        ))),
        None => Ok(()),
    }
}

/// The dots in `ctx` except `known` (the live dots a peer has already seen): what a
/// delta's context must claim. Sorting `known` first makes building its dot set linear.
pub(crate) fn context_minus(ctx: &DotSet, known: &mut [&Dot]) -> DotSet {
    if known.is_empty() {
        return ctx.clone();
    }
    known.sort_unstable();
    let mut seen = DotSet::new();
    for d in known.iter() {
        seen.insert_counter(&d.actor, d.counter);
    }
    ctx.difference(&seen)
}

/// A replica's own identity and the last counter it used, which is always the highest
/// counter of its actor in its context (so a fresh dot is never reused).
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    pub(crate) actor: ActorId,
    last: u64,
}

impl Clock {
    pub(crate) fn new(actor: ActorId, ctx: &DotSet) -> Self {
        let last = ctx.max(actor.as_str());
        Clock { actor, last }
    }

    /// Re-reads the last counter after the context grew by a merge.
    pub(crate) fn sync(&mut self, ctx: &DotSet) {
        self.last = ctx.max(self.actor.as_str());
    }

    /// A fresh dot, recorded in `ctx`.
    pub(crate) fn tick(&mut self, ctx: &mut DotSet) -> Result<Dot, Error> {
        let counter = self
            .last
            .checked_add(1)
            .ok_or_else(|| Error::CounterExhausted {
                actor: self.actor.clone(),
            })?;
        ctx.insert_counter(&self.actor, counter);
        self.last = counter;
        Ok(Dot {
            actor: self.actor.clone(),
            counter,
        })
    }
}

#[cfg(feature = "serde")]
pub(crate) mod wire {
    //! A dot list is a sequence of dots; a dot map is a map with ascending keys. The
    //! one-store types (ORSet, GSet) encode as `(actor, entries, context)`, their deltas as
    //! `(entries, context)`.
    use super::{DotList, DotMap};
    use crate::serde_util::{SeqNoPrealloc, StrictMap};
    use crate::{ActorId, Dot, DotSet};
    use alloc::collections::BTreeMap;

    /// Encoding view of a one-store state.
    #[derive(Serialize)]
    pub(crate) struct StateRef<'a, T> {
        pub(crate) actor: &'a ActorId,
        pub(crate) entries: &'a BTreeMap<T, DotList>,
        pub(crate) ctx: &'a DotSet,
    }

    /// Decoded one-store state, not yet checked.
    #[derive(Deserialize)]
    #[serde(bound = "T: Deserialize<'de> + Ord")]
    pub(crate) struct StateRaw<T> {
        pub(crate) actor: ActorId,
        pub(crate) entries: DotMap<T>,
        pub(crate) ctx: DotSet,
    }

    /// Encoding view of a one-store delta.
    #[derive(Serialize)]
    pub(crate) struct DeltaRef<'a, T> {
        pub(crate) entries: &'a BTreeMap<T, DotList>,
        pub(crate) ctx: &'a DotSet,
    }

    /// Decoded one-store delta, not yet checked.
    #[derive(Deserialize)]
    #[serde(bound = "T: Deserialize<'de> + Ord")]
    pub(crate) struct DeltaRaw<T> {
        pub(crate) entries: DotMap<T>,
        pub(crate) ctx: DotSet,
    }
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for DotList {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.as_slice().serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for DotList {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let dots = SeqNoPrealloc::<Dot>::deserialize(d)?.0;
            let list =
                DotList::from_sorted(dots).ok_or_else(|| D::Error::custom("empty dot list"))?;
            list.check().map_err(D::Error::custom)?;
            Ok(list)
        }
    }

    impl<T: Serialize> Serialize for DotMap<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.entries.serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for DotMap<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(DotMap {
                entries: StrictMap::deserialize(d)?.0,
            })
        }
    }
}
