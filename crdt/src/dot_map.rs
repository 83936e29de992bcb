//! Dot stores: the machinery under the set types (crate-private).
//!
//! A *dot store* maps each element to the dots of the operations that added it
//! (a [`DotList`], almost always one dot, kept inline). Together with the replica's causal
//! context (a [`DotSet`]) it forms the state of [`ORSet`](crate::ORSet); the grow-only
//! [`GSet`](crate::GSet) and [`TwoPSet`](crate::TwoPSet) use the same dots and lists in a
//! merge-friendly layout (`grow_map.rs`). Following Almeida, Shoker and Baquero, "Delta
//! State Replicated Data Types" (2018), and the optimised OR-Set of Bieniusa et al. (2012).
//!
//! Invariants of a store paired with a context `ctx` (checked by [`DotMap::check`]):
//! - every dot list is non-empty, sorted and without repeats;
//! - no dot appears twice in the store (a dot names one operation on one element);
//! - every dot of the store is in `ctx`.
//!
//! The join ([`DotMap::join_causal`], the OR-Set rule): a dot survives when both sides
//! hold it, or one side holds it and the other side's context has never seen it. A dot
//! the other side has seen but no longer holds was removed there, and the removal wins
//! over the stale copy. (Grow-only stores, whose context is exactly their dots, join by
//! union: `grow_map.rs`.) When the other side is large it walks both sorted maps once
//! into a new map; when it is small (a delta into a big replica) it updates in place:
//! one `retain` pass drops our dots it conveys as removed (skipped when the contexts are
//! disjoint), then its entries are merged by lookup.
//!
//! A stored dot is an [`LDot`] `(actor index, counter)`: the index is the actor's
//! position in the context's (sorted) actor list, so a dot is 16 bytes on 64-bit targets, `Copy`, and
//! compares in the same order as `(actor id, counter)`. Indices are rewritten when the
//! actor list changes: on a join that brings new actors ([`Joint`]), when a replica's own
//! actor first enters its context ([`DotMap::shift_from`]), and when a delta is cut from
//! a state ([`DotMap::rebase`]). On the wire, dots are indices into the context sent
//! alongside, so actor ids are not repeated per element.

use crate::{ActorId, Dot, DotSet, Error};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::mem;

/// A stored dot: (index of the actor in the context's actor list, counter).
pub(crate) type LDot = (usize, u64);

/// The dots of one element: non-empty, sorted, no repeats. One dot is stored inline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum DotList {
    /// The usual case.
    One(LDot),
    /// Two or more dots (concurrent adds of the same element), sorted.
    Many(Vec<LDot>),
}

impl DotList {
    pub(crate) fn as_slice(&self) -> &[LDot] {
        match self {
            DotList::One(d) => core::slice::from_ref(d),
            DotList::Many(v) => v,
        }
    }

    /// From a sorted slice without repeats; `None` when empty.
    pub(crate) fn from_slice(dots: &[LDot]) -> Option<DotList> {
        match dots {
            [] => None,
            [d] => Some(DotList::One(*d)),
            _ => Some(DotList::Many(dots.to_vec())),
        }
    }

    /// From a sorted list without repeats; `None` when empty.
    fn from_sorted(mut dots: Vec<LDot>) -> Option<DotList> {
        match dots.len() {
            0 => None,
            1 => dots.pop().map(DotList::One),
            _ => Some(DotList::Many(dots)),
        }
    }

    /// The dots satisfying `keep`; `None` when none does.
    fn filter(&self, mut keep: impl FnMut(LDot) -> bool) -> Option<DotList> {
        match self {
            DotList::One(d) => keep(*d).then_some(DotList::One(*d)),
            DotList::Many(v) => {
                DotList::from_sorted(v.iter().copied().filter(|d| keep(*d)).collect())
            }
        }
    }

    /// Rewrites actor indices through a monotone map (so the list stays sorted).
    pub(crate) fn remap(&mut self, map: impl Fn(usize) -> usize) {
        match self {
            DotList::One(d) => d.0 = map(d.0),
            DotList::Many(v) => v.iter_mut().for_each(|d| d.0 = map(d.0)),
        }
    }

    /// The union of two lists.
    pub(crate) fn union(&self, other: &DotList) -> DotList {
        join_lists(self, other, |_| true, |_| true).unwrap_or_else(|| self.clone())
    }

    /// The dots `seen` rejects (`None` if none); pushes the others onto `known`.
    pub(crate) fn split_seen(
        &self,
        seen: &impl Fn(LDot) -> bool,
        known: &mut Vec<LDot>,
    ) -> Option<DotList> {
        let dots = self.as_slice();
        let before = known.len();
        known.extend(dots.iter().copied().filter(|d| seen(*d)));
        match known.len() - before {
            0 => Some(self.clone()),
            n if n == dots.len() => None,
            _ => self.filter(|d| !seen(d)),
        }
    }

    /// Checks the list and that every dot is in `ctx`; pushes the dots onto `all`.
    pub(crate) fn check_in(&self, ctx: &DotSet, all: &mut Vec<LDot>) -> Result<(), Error> {
        self.check_shape()?;
        check_dots_in(self.as_slice(), ctx, all)
    }

    /// Checks that a `Many` holds two dots or more (the rest is [`check_dots_in`]'s).
    pub(crate) fn check_shape(&self) -> Result<(), Error> {
        match self {
            DotList::Many(v) if v.len() < 2 => Err(Error::InvalidState(format!(
                "dot list of {} dots in a `Many`",
                v.len()
            ))),
            _ => Ok(()),
        }
    }

    /// Checks a decoded list: shape, non-empty, strictly sorted.
    #[cfg(feature = "serde")]
    fn check(&self) -> Result<(), Error> {
        self.check_shape()?;
        check_sorted(self.as_slice())
    }
}

/// Checks that a dot list is non-empty and strictly sorted.
fn check_sorted(dots: &[LDot]) -> Result<(), Error> {
    if dots.is_empty() {
        return Err(Error::InvalidState("empty dot list".into()));
    }
    if dots.windows(2).any(|w| matches!(w, [a, b] if a >= b)) {
        return Err(Error::InvalidState("dot list not strictly sorted".into()));
    }
    Ok(())
}

/// Checks a dot list (non-empty, strictly sorted) and that every dot is in `ctx`; pushes
/// the dots onto `all`.
pub(crate) fn check_dots_in(dots: &[LDot], ctx: &DotSet, all: &mut Vec<LDot>) -> Result<(), Error> {
    check_sorted(dots)?;
    for &(i, c) in dots {
        if !ctx.contains_at(i, c) {
            return Err(Error::InvalidState(format!(
                "dot (actor #{i}, {c}) is held but missing from the causal context"
            )));
        }
        all.push((i, c));
    }
    Ok(())
}

/// Merges two sorted dot lists, keeping a dot when `keep_a`/`keep_b` accept it (dots in
/// both lists are always kept).
fn join_lists(
    a: &DotList,
    b: &DotList,
    keep_a: impl Fn(LDot) -> bool,
    keep_b: impl Fn(LDot) -> bool,
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
        match (a.get(i).copied(), b.get(j).copied()) {
            (Some(x), Some(y)) if x == y => {
                out.push(x);
                i += 1;
                j += 1;
            }
            (Some(x), y) if y.is_none_or(|y| x < y) => {
                if keep_a(x) {
                    out.push(x);
                }
                i += 1;
            }
            (_, Some(y)) => {
                if keep_b(y) {
                    out.push(y);
                }
                j += 1;
            }
            _ => break,
        }
    }
    DotList::from_sorted(out)
}

/// How the actor indices of two contexts map into the index space of their union.
pub(crate) struct Joint {
    /// My index -> joint index; `None` when unchanged.
    mine: Option<Vec<usize>>,
    /// Their index -> joint index; `None` when unchanged.
    theirs: Option<Vec<usize>>,
    /// Joint index -> my index.
    in_mine: Vec<Option<usize>>,
    /// Joint index -> their index.
    in_theirs: Vec<Option<usize>>,
}

impl Joint {
    /// Computed before `my_ctx` absorbs `their_ctx`.
    pub(crate) fn new(my_ctx: &DotSet, their_ctx: &DotSet) -> Joint {
        let (na, nb) = (my_ctx.actor_count(), their_ctx.actor_count());
        let mut mine = Vec::with_capacity(na);
        let mut theirs = Vec::with_capacity(nb);
        let mut in_mine = Vec::with_capacity(na + nb);
        let mut in_theirs = Vec::with_capacity(na + nb);
        let (mut i, mut j) = (0, 0);
        loop {
            let joint = in_mine.len();
            match (my_ctx.actor_at(i), their_ctx.actor_at(j)) {
                (Some(a), Some(b)) if a == b => {
                    mine.push(joint);
                    theirs.push(joint);
                    in_mine.push(Some(i));
                    in_theirs.push(Some(j));
                    i += 1;
                    j += 1;
                }
                (Some(a), b) if b.is_none_or(|b| a < b) => {
                    mine.push(joint);
                    in_mine.push(Some(i));
                    in_theirs.push(None);
                    i += 1;
                }
                (_, Some(_)) => {
                    theirs.push(joint);
                    in_mine.push(None);
                    in_theirs.push(Some(j));
                    j += 1;
                }
                _ => break,
            }
        }
        let identity = |v: &[usize]| v.iter().enumerate().all(|(i, &n)| i == n);
        Joint {
            mine: (!identity(&mine)).then_some(mine),
            theirs: (!identity(&theirs)).then_some(theirs),
            in_mine,
            in_theirs,
        }
    }

    /// My index -> joint index, when it changes.
    pub(crate) fn mine(&self) -> Option<&[usize]> {
        self.mine.as_deref()
    }

    /// Their index -> joint index, when it changes.
    pub(crate) fn theirs(&self) -> Option<&[usize]> {
        self.theirs.as_deref()
    }

    /// One of their lists in the joint index space.
    pub(crate) fn lift_theirs(&self, list: &DotList) -> DotList {
        Joint::lift(&self.theirs, list)
    }

    fn lift(map: &Option<Vec<usize>>, list: &DotList) -> DotList {
        let mut list = list.clone();
        if let Some(m) = map {
            list.remap(|i| m.get(i).copied().unwrap_or(i));
        }
        list
    }

    /// True when the context behind `index_of` (joint -> own index) has seen `d`.
    fn seen(index_of: &[Option<usize>], ctx: &DotSet, d: LDot) -> bool {
        index_of
            .get(d.0)
            .copied()
            .flatten()
            .is_some_and(|i| ctx.contains_at(i, d.1))
    }
}

/// Element -> dots of the operations that added it.
///
/// Elements added in ascending order (increasing ids, the usual case) are pushed onto
/// `tail` instead of the B-tree, whose insert would search every node on the way down:
/// the keys of `tail` are strictly ascending and all above every key of `entries`. Any
/// other change first moves the tail into the B-tree (in bulk when it is large).
#[derive(Clone, Debug)]
pub(crate) struct DotMap<T> {
    entries: BTreeMap<T, DotList>,
    tail: Vec<(T, DotList)>,
}

impl<T> Default for DotMap<T> {
    fn default() -> Self {
        DotMap {
            entries: BTreeMap::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for DotMap<T> {
    /// Equal content, whatever the split between the B-tree and the tail.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl<T: Eq> Eq for DotMap<T> {}

impl<T> DotMap<T> {
    /// The number of elements.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() + self.tail.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.tail.is_empty()
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&T, &DotList)> + '_ {
        self.entries
            .iter()
            .chain(self.tail.iter().map(|(k, v)| (k, v)))
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut DotList> + '_ {
        self.entries
            .values_mut()
            .chain(self.tail.iter_mut().map(|(_, v)| v))
    }
}

impl<T: Ord> DotMap<T> {
    fn find_in_tail<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.tail.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The dots of `key`.
    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&DotList>
    where
        T: Borrow<Q>,
    {
        match self.find_in_tail(key) {
            Ok(i) => self.tail.get(i).map(|(_, v)| v),
            Err(_) => self.entries.get(key),
        }
    }

    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.get(key).is_some()
    }

    /// Moves the tail into the B-tree.
    fn normalize(&mut self) {
        if self.tail.is_empty() {
            return;
        }
        if self.tail.len().saturating_mul(POINT_RATIO) < self.entries.len() {
            for (k, v) in self.tail.drain(..) {
                self.entries.insert(k, v);
            }
        } else {
            // Sorted input: both steps build the tree in bulk, O(n + tail).
            let mut tail: BTreeMap<T, DotList> = self.tail.drain(..).collect();
            self.entries.append(&mut tail);
        }
    }

    /// Removes `key`; returns true if it was present.
    pub(crate) fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        if self.find_in_tail(key).is_ok() {
            self.normalize();
        }
        self.entries.remove(key).is_some()
    }
}

/// When the other map has fewer than `len / POINT_RATIO` entries, joins look each of
/// its entries up instead of rebuilding the whole map.
const POINT_RATIO: usize = 8;

impl<T: Ord + Clone> DotMap<T> {
    /// Adds `dot` as the only dot of `value` (a fresh add that observed and so replaces
    /// the element's earlier dots). Returns true if the element was not present.
    pub(crate) fn put(&mut self, value: T, dot: LDot) -> bool {
        use alloc::collections::btree_map::Entry;
        let above_all = match self.tail.last() {
            Some((k, _)) => *k < value,
            None => self
                .entries
                .last_key_value()
                .is_none_or(|(k, _)| *k < value),
        };
        if above_all {
            self.tail.push((value, DotList::One(dot)));
            return true;
        }
        match self.find_in_tail(&value) {
            Ok(i) => {
                if let Some((_, v)) = self.tail.get_mut(i) {
                    *v = DotList::One(dot);
                }
                return false;
            }
            // Inside the tail's range: it must go into the B-tree with the tail.
            Err(i) if i > 0 => self.normalize(),
            // Below the tail: the B-tree's range.
            Err(_) => {}
        }
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

    /// A new actor entered the context at index `pos`: later indices move up by one.
    pub(crate) fn shift_from(&mut self, pos: usize) {
        for dl in self.values_mut() {
            dl.remap(|i| if i >= pos { i + 1 } else { i });
        }
    }

    /// Rewrites indices into `from` as indices into `to` (which holds every actor of
    /// this store's dots); `map` is `from.index_map(to)`.
    pub(crate) fn rebase(&mut self, map: &[Option<usize>]) {
        if map.iter().enumerate().all(|(i, m)| *m == Some(i)) {
            return;
        }
        for dl in self.values_mut() {
            dl.remap(|i| map.get(i).copied().flatten().unwrap_or(i));
        }
    }

    /// The OR-Set join (see the module docs). `my_ctx` and `their_ctx` are the contexts
    /// before the join; afterwards the store's indices refer to their union.
    pub(crate) fn join_causal(
        &mut self,
        my_ctx: &DotSet,
        other: &DotMap<T>,
        their_ctx: &DotSet,
        joint: &Joint,
    ) {
        let mine_kept = |d: LDot| !Joint::seen(&joint.in_theirs, their_ctx, d);
        let theirs_kept = |d: LDot| !Joint::seen(&joint.in_mine, my_ctx, d);
        let may_remove = !my_ctx.is_disjoint(their_ctx);
        self.normalize();
        if other.len().saturating_mul(POINT_RATIO) < self.entries.len() {
            // A small delta into a big replica: update in place.
            if may_remove {
                // Drop, in place, our dots they have seen but do not hold.
                self.entries.retain(|k, dl| {
                    if let Some(m) = &joint.mine {
                        dl.remap(|i| m.get(i).copied().unwrap_or(i));
                    }
                    if dl.as_slice().iter().all(|d| mine_kept(*d)) {
                        return true;
                    }
                    let held = other.get(k).map(|odl| joint.lift_theirs(odl));
                    let in_theirs =
                        |d: LDot| held.as_ref().is_some_and(|h| h.as_slice().contains(&d));
                    match dl.filter(|d| mine_kept(d) || in_theirs(d)) {
                        Some(kept) => {
                            *dl = kept;
                            true
                        }
                        None => false,
                    }
                });
            } else {
                self.remap_mine(joint);
            }
            self.point_merge(other, joint, theirs_kept);
            return;
        }
        let mine = mem::take(&mut self.entries);
        let mut out: Vec<(T, DotList)> = Vec::with_capacity(mine.len() + other.len());
        let mut theirs = other.iter().peekable();
        for (k, dl) in mine {
            while let Some((ok, odl)) = theirs.next_if(|(ok, _)| **ok < k) {
                if let Some(kept) = Joint::lift(&joint.theirs, odl).filter(theirs_kept) {
                    out.push((ok.clone(), kept));
                }
            }
            let dl = Joint::lift(&joint.mine, &dl);
            let joined = match theirs.next_if(|(ok, _)| **ok == k) {
                Some((_, odl)) => join_lists(
                    &dl,
                    &Joint::lift(&joint.theirs, odl),
                    mine_kept,
                    theirs_kept,
                ),
                None if may_remove => dl.filter(mine_kept),
                None => Some(dl),
            };
            if let Some(kept) = joined {
                out.push((k, kept));
            }
        }
        for (ok, odl) in theirs {
            if let Some(kept) = Joint::lift(&joint.theirs, odl).filter(theirs_kept) {
                out.push((ok.clone(), kept));
            }
        }
        self.entries = out.into_iter().collect();
    }

    fn remap_mine(&mut self, joint: &Joint) {
        if let Some(m) = &joint.mine {
            for dl in self.entries.values_mut() {
                dl.remap(|i| m.get(i).copied().unwrap_or(i));
            }
        }
    }

    /// Adds their dots that `keep` accepts, entry by entry (ours already remapped).
    fn point_merge(&mut self, other: &DotMap<T>, joint: &Joint, keep: impl Fn(LDot) -> bool) {
        for (k, odl) in other.iter() {
            let Some(kept) = joint.lift_theirs(odl).filter(&keep) else {
                continue;
            };
            match self.entries.get_mut(k) {
                Some(dl) => *dl = dl.union(&kept),
                None => {
                    self.entries.insert(k.clone(), kept);
                }
            }
        }
    }

    /// The part of the store a peer with context `summary` lacks: per element, the dots
    /// not in `summary` (indices still into `my_ctx`: [`rebase`](DotMap::rebase) them
    /// onto the delta's context). Pushes the dots the peer has seen onto `known`.
    pub(crate) fn since(
        &self,
        my_ctx: &DotSet,
        summary: &DotSet,
        known: &mut Vec<LDot>,
    ) -> DotMap<T> {
        let fresh = unseen_entries(self.iter(), my_ctx, summary, known);
        DotMap {
            entries: fresh.into_iter().collect(),
            tail: Vec::new(),
        }
    }

    /// Checks the list invariants and that every dot is in `ctx`; pushes the dots onto
    /// `all` so the caller can check uniqueness across stores with [`check_unique`].
    pub(crate) fn check(&self, ctx: &DotSet, all: &mut Vec<LDot>) -> Result<(), Error> {
        let ascending = self
            .tail
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.0 < b.0));
        let above = match (self.entries.last_key_value(), self.tail.first()) {
            (Some((last, _)), Some((first, _))) => last < first,
            _ => true,
        };
        if !ascending || !above {
            return Err(Error::InvalidState(
                "dot store: appended entries out of order".into(),
            ));
        }
        for (_, dl) in self.iter() {
            dl.check_in(ctx, all)?;
        }
        Ok(())
    }
}

/// Per entry (in order), the dots a peer with context `summary` has not seen, for the
/// entries that have any; pushes the seen ones onto `known`.
pub(crate) fn unseen_entries<'a, T: Clone + 'a>(
    entries: impl Iterator<Item = (&'a T, &'a DotList)>,
    my_ctx: &DotSet,
    summary: &DotSet,
    known: &mut Vec<LDot>,
) -> Vec<(T, DotList)> {
    let seen = seen_by(my_ctx, summary);
    entries
        .filter_map(|(k, dl)| dl.split_seen(&seen, known).map(|fresh| (k.clone(), fresh)))
        .collect()
}

/// A test for "the peer with context `summary` has seen this dot of `my_ctx`".
pub(crate) fn seen_by<'a>(my_ctx: &DotSet, summary: &'a DotSet) -> impl Fn(LDot) -> bool + 'a {
    let to_summary = my_ctx.index_map(summary);
    move |(i, c): LDot| {
        to_summary
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|j| summary.contains_at(j, c))
    }
}

/// Errors when a dot appears twice in `dots` (sorts it).
pub(crate) fn check_unique(dots: &mut [LDot]) -> Result<(), Error> {
    dots.sort_unstable();
    match dots.windows(2).find(|w| w.first() == w.last()) {
        Some(w) => Err(Error::InvalidState(format!(
            "dot {:?} is held twice",
            w.first()
        ))),
        None => Ok(()),
    }
}

/// The dots in `ctx` except `known` (live dots a peer has already seen): what a delta's
/// context must claim.
pub(crate) fn context_minus(ctx: &DotSet, known: &mut [LDot]) -> DotSet {
    if known.is_empty() {
        return ctx.clone();
    }
    known.sort_unstable();
    ctx.minus_indexed(known)
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

    fn next(&self) -> Result<u64, Error> {
        self.last
            .checked_add(1)
            .ok_or_else(|| Error::CounterExhausted {
                actor: self.actor.clone(),
            })
    }

    /// A fresh dot, recorded in `ctx`.
    pub(crate) fn tick(&mut self, ctx: &mut DotSet) -> Result<Dot, Error> {
        let counter = self.next()?;
        ctx.insert_at(&self.actor, counter);
        self.last = counter;
        Ok(Dot {
            actor: self.actor.clone(),
            counter,
        })
    }

    /// A fresh dot for a dot store, recorded in `ctx`; also the index from which the
    /// store's indices must shift (see [`DotMap::shift_from`]) when the actor is new.
    pub(crate) fn tick_indexed(
        &mut self,
        ctx: &mut DotSet,
    ) -> Result<(LDot, Option<usize>), Error> {
        let counter = self.next()?;
        let (index, new) = ctx.insert_at(&self.actor, counter);
        self.last = counter;
        Ok(((index, counter), new.then_some(index)))
    }
}

#[cfg(feature = "serde")]
pub(crate) mod wire {
    //! A dot list is a sequence of dots; a dot map is a map with ascending keys. The
    //! one-store types (ORSet, GSet) encode as `(actor, entries, context)`, their deltas as
    //! `(entries, context)`.
    use super::LDot;
    use super::{DotList, DotMap};
    use crate::serde_util::{SeqNoPrealloc, StrictMap};
    use crate::{ActorId, DotSet};

    /// Encoding view of a one-store state (`E`: the store).
    #[derive(Serialize)]
    pub(crate) struct StateRef<'a, E> {
        pub(crate) actor: &'a ActorId,
        pub(crate) entries: &'a E,
        pub(crate) ctx: &'a DotSet,
    }

    /// Decoded one-store state, not yet checked.
    #[derive(Deserialize)]
    #[serde(bound = "E: Deserialize<'de>")]
    pub(crate) struct StateRaw<E> {
        pub(crate) actor: ActorId,
        pub(crate) entries: E,
        pub(crate) ctx: DotSet,
    }

    /// Encoding view of a one-store delta.
    #[derive(Serialize)]
    pub(crate) struct DeltaRef<'a, E> {
        pub(crate) entries: &'a E,
        pub(crate) ctx: &'a DotSet,
    }

    /// Decoded one-store delta, not yet checked.
    #[derive(Deserialize)]
    #[serde(bound = "E: Deserialize<'de>")]
    pub(crate) struct DeltaRaw<E> {
        pub(crate) entries: E,
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
            let dots = SeqNoPrealloc::<LDot>::deserialize(d)?.0;
            let list =
                DotList::from_sorted(dots).ok_or_else(|| D::Error::custom("empty dot list"))?;
            list.check().map_err(D::Error::custom)?;
            Ok(list)
        }
    }

    impl<T: Serialize> Serialize for DotMap<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.iter())
        }
    }

    impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for DotMap<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(DotMap {
                entries: StrictMap::deserialize(d)?.0,
                tail: alloc::vec::Vec::new(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Puts (mostly ascending, so the tail fills), removes and lookups against a
        /// `BTreeMap`; the same content built in another order compares equal.
        #[test]
        fn puts_and_removes_match_a_model(
            ops in proptest::collection::vec((0..3u8, 0..64u16), 0..200),
        ) {
            let mut map = DotMap::default();
            let mut model = BTreeMap::new();
            let mut next = 0u16;
            for (i, &(op, k)) in ops.iter().enumerate() {
                let dot = (0, i as u64 + 1);
                match op {
                    0 => {
                        // Ascending run: the tail's fast path.
                        next = next.wrapping_add(1 + k % 3);
                        prop_assert_eq!(map.put(next, dot), model.insert(next, dot).is_none());
                    }
                    1 => {
                        prop_assert_eq!(map.put(k, dot), model.insert(k, dot).is_none());
                    }
                    _ => prop_assert_eq!(map.remove(&k), model.remove(&k).is_some()),
                }
                prop_assert_eq!(map.contains_key(&k), model.contains_key(&k));
            }
            let mut ctx = DotSet::new();
            ctx.insert_range("a", 1..=ops.len() as u64);
            map.check(&ctx, &mut Vec::new()).unwrap();
            prop_assert_eq!(map.len(), model.len());
            let got: Vec<(u16, LDot)> = map.iter().map(|(k, d)| (*k, d.as_slice()[0])).collect();
            let want: Vec<(u16, LDot)> = model.iter().map(|(k, d)| (*k, *d)).collect();
            prop_assert_eq!(&got, &want);
            let mut rebuilt = DotMap::default();
            for &(k, d) in want.iter().rev() {
                rebuilt.put(k, d);
            }
            prop_assert_eq!(&rebuilt, &map);
        }
    }
}
