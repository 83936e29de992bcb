//! A grow-only dot store laid out for fast merges: the store under [`GSet`](crate::GSet)
//! and the two stores of [`TwoPSet`](crate::TwoPSet) (crate-private).
//!
//! Same content as a `DotMap` (element -> dots, see `dot_map.rs`), stored as a sorted
//! *run* in flat arrays plus a small B-tree of recent changes (`recent`):
//! - `keys`: the run's elements, strictly ascending;
//! - `dots`: their dots, element after element (each element's dots sorted);
//! - `bounds`: element `i` owns `dots[bounds[i]..bounds[i + 1]]` (so `bounds` starts at
//!   0 and has one more entry than `keys`), or empty when every element of the run holds
//!   exactly one dot (the usual case: then element `i` owns `dots[i]`).
//!
//! So cloning a run of `Copy` elements is three `memcpy`s and no element owns a heap
//! allocation, however many dots it holds. Inserts of elements that are not at the end,
//! and dots added to run elements by small deltas, go to `recent`; an element of the run
//! may also be in `recent` (*shadowed*): then its entry in `recent` is its whole dot list
//! (a superset of the run's). When `recent` outgrows a quarter of the run it is merged in
//! (each element is moved O(1) times on average).
//!
//! A join walks both runs once into new arrays, copying each stretch of keys that only
//! one side holds in bulk (found by galloping), and building a dot list only for keys
//! both sides hold; the actor indices of dots are rewritten on the way (see `Joint`).
//!
//! Invariants (checked by [`GrowMap::check`]): the run's keys are strictly ascending;
//! `dots`/`bounds` describe a non-empty list per key; `shadowed` counts the keys of
//! `recent` that are in the run, and each of those holds every dot the run holds for
//! it; every dot list is valid (see `dot_map.rs`).

use crate::dot_map::{check_dots_in, seen_by, DotList, Joint, LDot};
use crate::{DotSet, Error};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::iter::Peekable;
use core::ops::Range;

/// `recent` is merged into the run when it holds more than this many entries and more
/// than a quarter of the run.
const MIN_RECENT: usize = 32;

/// A grow-only dot store: a flat sorted run plus recent changes.
pub(crate) struct GrowMap<T> {
    keys: Vec<T>,
    dots: Vec<LDot>,
    bounds: Vec<usize>,
    recent: BTreeMap<T, DotList>,
    /// Keys of `recent` that are also in the run.
    shadowed: usize,
}

impl<T: Clone> Clone for GrowMap<T> {
    fn clone(&self) -> Self {
        GrowMap {
            keys: self.keys.clone(),
            dots: self.dots.clone(),
            bounds: self.bounds.clone(),
            recent: self.recent.clone(),
            shadowed: self.shadowed,
        }
    }
}

impl<T> Default for GrowMap<T> {
    fn default() -> Self {
        GrowMap {
            keys: Vec::new(),
            dots: Vec::new(),
            bounds: Vec::new(),
            recent: BTreeMap::new(),
            shadowed: 0,
        }
    }
}

/// Rewrites a dot's actor index through `map` (indices past its end are kept).
fn remap(map: &[usize], d: LDot) -> LDot {
    (map.get(d.0).copied().unwrap_or(d.0), d.1)
}

/// The number of leading elements of `xs` satisfying `pred` (true then false), found by
/// galloping: O(log n) where n is the answer.
fn gallop<T>(xs: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let mut hi = 1;
    while xs.get(hi - 1).is_some_and(&pred) {
        hi *= 2;
    }
    let lo = hi / 2;
    let hi = hi.min(xs.len());
    lo + xs.get(lo..hi).map_or(0, |s| s.partition_point(&pred))
}

/// The sorted union of two sorted dot lists without repeats, appended to `out`.
fn union_into(a: &[LDot], b: &[LDot], out: &mut Vec<LDot>) {
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => {
                    out.push(*x);
                    i += 1;
                }
                Ordering::Greater => {
                    out.push(*y);
                    j += 1;
                }
                Ordering::Equal => {
                    out.push(*x);
                    i += 1;
                    j += 1;
                }
            },
            (Some(_), None) => {
                out.extend_from_slice(a.get(i..).unwrap_or(&[]));
                break;
            }
            (None, Some(_)) => {
                out.extend_from_slice(b.get(j..).unwrap_or(&[]));
                break;
            }
            (None, None) => break,
        }
    }
}

/// Builds a run, key after key.
struct Run<T> {
    keys: Vec<T>,
    dots: Vec<LDot>,
    bounds: Vec<usize>,
}

impl<T: Clone> Run<T> {
    fn with_capacity(keys: usize, dots: usize) -> Self {
        Run {
            keys: Vec::with_capacity(keys),
            dots: Vec::with_capacity(dots),
            bounds: Vec::new(),
        }
    }

    /// Switches to explicit bounds for the first `upto` keys, which hold one dot each.
    fn materialize_bounds(&mut self, upto: usize) {
        if self.bounds.is_empty() {
            self.bounds.reserve(self.keys.capacity() + 1);
            self.bounds.extend(0..=upto);
        }
    }

    /// Closes the key just pushed, whose dots are the last `n` of `dots`.
    fn close(&mut self, n: usize) {
        if n != 1 {
            self.materialize_bounds(self.keys.len() - 1);
        }
        if !self.bounds.is_empty() {
            self.bounds.push(self.dots.len());
        }
    }

    /// Appends a key with its (sorted, non-empty) dots.
    fn push(&mut self, key: T, dots: &[LDot]) {
        self.keys.push(key);
        self.dots.extend_from_slice(dots);
        self.close(dots.len());
    }

    /// Appends a key with the union of two dot lists.
    fn push_union(&mut self, key: T, a: &[LDot], b: &[LDot]) {
        self.keys.push(key);
        let before = self.dots.len();
        match (a, b) {
            ([x], [y]) if x == y => self.dots.push(*x),
            ([x], [y]) => {
                self.dots.push(*x.min(y));
                self.dots.push(*x.max(y));
            }
            _ => union_into(a, b, &mut self.dots),
        }
        self.close(self.dots.len() - before);
    }

    /// Appends the dots of the run keys `range` of `src`, rewritten through `map`; the
    /// caller has just pushed those keys (copied or moved) onto `keys`.
    fn extend_dots(&mut self, src: &GrowMap<T>, range: Range<usize>, map: Option<&[usize]>) {
        let (ds, de) = (src.dot_start(range.start), src.dot_start(range.end));
        let n = range.end - range.start;
        let base = self.dots.len();
        let src_dots = src.dots.get(ds..de).unwrap_or(&[]);
        match map {
            None => self.dots.extend_from_slice(src_dots),
            Some(m) => self.dots.extend(src_dots.iter().map(|&d| remap(m, d))),
        }
        if de - ds != n {
            self.materialize_bounds(self.keys.len() - n);
        }
        if !self.bounds.is_empty() {
            if src.bounds.is_empty() {
                self.bounds.extend(base + 1..=base + n);
            } else if let Some(ends) = src.bounds.get(range.start + 1..=range.end) {
                self.bounds.extend(ends.iter().map(|&e| e - ds + base));
            }
        }
    }

    /// The store of this run alone (no recent changes).
    fn finish(self) -> GrowMap<T> {
        GrowMap {
            keys: self.keys,
            dots: self.dots,
            bounds: self.bounds,
            recent: BTreeMap::new(),
            shadowed: 0,
        }
    }
}

/// The entries of the run and of `recent`, in key order (a shadowed run entry is
/// replaced by its `recent` one).
pub(crate) struct Entries<'a, T> {
    map: &'a GrowMap<T>,
    next: usize,
    recent: Peekable<alloc::collections::btree_map::Iter<'a, T, DotList>>,
    left: usize,
}

impl<'a, T: Ord> Iterator for Entries<'a, T> {
    type Item = (&'a T, &'a [LDot]);
    fn next(&mut self) -> Option<Self::Item> {
        let map = self.map;
        let item = match (map.keys.get(self.next), self.recent.peek()) {
            (Some(k), Some((rk, _))) => match k.cmp(rk) {
                Ordering::Less => None,
                Ordering::Equal => {
                    self.next += 1;
                    self.recent.next().map(|(k, v)| (k, v.as_slice()))
                }
                Ordering::Greater => self.recent.next().map(|(k, v)| (k, v.as_slice())),
            },
            (Some(_), None) => None,
            (None, _) => self.recent.next().map(|(k, v)| (k, v.as_slice())),
        };
        let item = item.or_else(|| {
            let i = self.next;
            self.next += 1;
            map.keys.get(i).map(|k| (k, map.run_dots(i)))
        });
        if item.is_some() {
            self.left = self.left.saturating_sub(1);
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Exact: encoders need the length up front.
        (self.left, Some(self.left))
    }
}

impl<T: Ord> GrowMap<T> {
    /// The number of elements.
    pub(crate) fn len(&self) -> usize {
        self.keys.len() + self.recent.len() - self.shadowed
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.recent.is_empty()
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> Entries<'_, T> {
        Entries {
            map: self,
            next: 0,
            recent: self.recent.iter().peekable(),
            left: self.len(),
        }
    }
}

impl<T> GrowMap<T> {
    /// Where the dots of run key `i` start (`i` may be the run's length).
    fn dot_start(&self, i: usize) -> usize {
        if self.bounds.is_empty() {
            i
        } else {
            self.bounds.get(i).copied().unwrap_or(self.dots.len())
        }
    }

    /// The dots of run key `i`.
    fn run_dots(&self, i: usize) -> &[LDot] {
        let (s, e) = (self.dot_start(i), self.dot_start(i + 1));
        self.dots.get(s..e).unwrap_or(&[])
    }

    /// Rewrites every stored actor index through `f` (monotone, so lists stay sorted).
    fn remap_all(&mut self, f: impl Fn(usize) -> usize) {
        self.dots.iter_mut().for_each(|d| d.0 = f(d.0));
        self.recent.values_mut().for_each(|dl| dl.remap(&f));
    }
}

impl<T: Ord + Clone> GrowMap<T> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.keys.binary_search_by(|k| k.borrow().cmp(key))
    }

    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(key).is_ok() || self.recent.contains_key(key)
    }

    /// Inserts an element that is not present with its first dot. The dot comes from
    /// `make_dot`, called only when the element is absent; returns false when present.
    pub(crate) fn insert_new<E>(
        &mut self,
        value: T,
        make_dot: impl FnOnce(&mut Self) -> Result<LDot, E>,
    ) -> Result<bool, E> {
        if self.contains_key(&value) {
            return Ok(false);
        }
        let dot = make_dot(self)?;
        self.insert_absent(value, dot);
        Ok(true)
    }

    /// Inserts an element known to be absent with its first dot.
    pub(crate) fn insert_absent(&mut self, value: T, dot: LDot) {
        if self.recent.is_empty() && self.keys.last().is_none_or(|k| *k < value) {
            // In order (the common case of increasing ids): append to the run.
            self.keys.push(value);
            self.dots.push(dot);
            if !self.bounds.is_empty() {
                self.bounds.push(self.dots.len());
            }
        } else {
            self.recent.insert(value, DotList::One(dot));
            self.maybe_flush();
        }
    }

    /// The stored key equal to `key`.
    pub(crate) fn get_key<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
    {
        match self.find(key) {
            Ok(i) => self.keys.get(i),
            Err(_) => self.recent.get_key_value(key).map(|(k, _)| k),
        }
    }

    fn maybe_flush(&mut self) {
        if self.recent.len() > MIN_RECENT && self.recent.len() > self.keys.len() / 4 {
            self.flush();
        }
    }

    /// Merges `recent` into the run.
    fn flush(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        let cap = (self.len(), self.dots.len() + self.recent.len());
        let recent = core::mem::take(&mut self.recent);
        let mut out = Run::with_capacity(cap.0, cap.1);
        let mut keys = core::mem::take(&mut self.keys).into_iter();
        let mut i = 0;
        for (rk, rdl) in recent {
            let n = gallop(keys.as_slice(), |k| *k < rk);
            out.keys.extend(keys.by_ref().take(n));
            out.extend_dots(self, i..i + n, None);
            i += n;
            if keys.as_slice().first() == Some(&rk) {
                // Shadowed: the recent list is the whole list.
                keys.next();
                i += 1;
            }
            out.push(rk, rdl.as_slice());
        }
        let n = keys.len();
        out.keys.extend(keys);
        out.extend_dots(self, i..i + n, None);
        *self = out.finish();
    }

    /// A new actor entered the context at index `pos`: later indices move up by one.
    pub(crate) fn shift_from(&mut self, pos: usize) {
        self.remap_all(|i| if i >= pos { i + 1 } else { i });
    }

    /// Rewrites indices as `DotMap::rebase` does.
    pub(crate) fn rebase(&mut self, map: &[Option<usize>]) {
        if map.iter().enumerate().all(|(i, m)| *m == Some(i)) {
            return;
        }
        self.remap_all(|i| map.get(i).copied().flatten().unwrap_or(i));
    }

    /// Adds dots to one element (their indices already in this store's index space).
    fn add_dots(&mut self, key: &T, dots: &[LDot]) {
        let has_all = |held: &[LDot]| dots.iter().all(|d| held.binary_search(d).is_ok());
        if let Some(dl) = self.recent.get_mut(key) {
            if !has_all(dl.as_slice()) {
                let mut both = Vec::with_capacity(dl.as_slice().len() + dots.len());
                union_into(dl.as_slice(), dots, &mut both);
                if let Some(joined) = DotList::from_slice(&both) {
                    *dl = joined;
                }
            }
            return;
        }
        let joined = match self.find(key) {
            Ok(i) => {
                let held = self.run_dots(i);
                if has_all(held) {
                    return;
                }
                let mut both = Vec::with_capacity(held.len() + dots.len());
                union_into(held, dots, &mut both);
                self.shadowed += 1;
                DotList::from_slice(&both)
            }
            Err(_) => DotList::from_slice(dots),
        };
        if let Some(dl) = joined {
            self.recent.insert(key.clone(), dl);
        }
    }

    /// The grow-only join: the union of the dot lists. Indices as in `DotMap::join_causal`.
    pub(crate) fn join_union(&mut self, other: &GrowMap<T>, joint: &Joint) {
        if let Some(m) = joint.mine() {
            self.remap_all(|i| m.get(i).copied().unwrap_or(i));
        }
        let theirs = joint.theirs();
        if other.len().saturating_mul(8) < self.len() {
            // A small delta into a big set: point updates.
            let mut lifted = Vec::new();
            for (k, odl) in other.iter() {
                lifted.clear();
                match theirs {
                    Some(m) => lifted.extend(odl.iter().map(|&d| remap(m, d))),
                    None => lifted.extend_from_slice(odl),
                }
                self.add_dots(k, &lifted);
            }
            self.maybe_flush();
            return;
        }
        self.flush();
        self.join_runs(other, theirs);
        // Their recent changes (a small part of their store), entry by entry.
        let mut lifted = Vec::new();
        for (k, odl) in &other.recent {
            lifted.clear();
            match theirs {
                Some(m) => lifted.extend(odl.as_slice().iter().map(|&d| remap(m, d))),
                None => lifted.extend_from_slice(odl.as_slice()),
            }
            self.add_dots(k, &lifted);
        }
        self.maybe_flush();
    }

    /// Joins `other`'s run into this flushed store's run in one walk.
    fn join_runs(&mut self, other: &GrowMap<T>, theirs: Option<&[usize]>) {
        let mut out = Run::with_capacity(
            self.keys.len() + other.keys.len(),
            self.dots.len() + other.dots.len(),
        );
        let mut mine = core::mem::take(&mut self.keys).into_iter();
        let (mut i, mut j) = (0, 0);
        let mut lifted = Vec::new();
        while let (Some(a), Some(b)) = (mine.as_slice().first(), other.keys.get(j)) {
            match a.cmp(b) {
                Ordering::Less => {
                    let n = gallop(mine.as_slice(), |k| k < b);
                    out.keys.extend(mine.by_ref().take(n));
                    out.extend_dots(self, i..i + n, None);
                    i += n;
                }
                Ordering::Greater => {
                    let rest = other.keys.get(j..).unwrap_or(&[]);
                    let n = gallop(rest, |k| k < a);
                    out.keys.extend_from_slice(rest.get(..n).unwrap_or(&[]));
                    out.extend_dots(other, j..j + n, theirs);
                    j += n;
                }
                Ordering::Equal => {
                    let odl = other.run_dots(j);
                    let odl = match theirs {
                        Some(m) => {
                            lifted.clear();
                            lifted.extend(odl.iter().map(|&d| remap(m, d)));
                            &lifted[..]
                        }
                        None => odl,
                    };
                    if let Some(k) = mine.next() {
                        out.push_union(k, self.run_dots(i), odl);
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        let n = mine.len();
        out.keys.extend(mine);
        out.extend_dots(self, i..i + n, None);
        let rest = other.keys.get(j..).unwrap_or(&[]);
        out.keys.extend_from_slice(rest);
        out.extend_dots(other, j..j + rest.len(), theirs);
        *self = out.finish();
    }

    /// The entries a peer with context `summary` lacks, as `DotMap::since`: per element,
    /// the dots not in `summary` (indices still into `my_ctx`). Pushes the dots the peer
    /// has seen onto `known`.
    pub(crate) fn since(
        &self,
        my_ctx: &DotSet,
        summary: &DotSet,
        known: &mut Vec<LDot>,
    ) -> GrowMap<T> {
        let seen = seen_by(my_ctx, summary);
        let mut out = Run::with_capacity(0, 0);
        let mut fresh = Vec::new();
        for (k, dots) in self.iter() {
            fresh.clear();
            for &d in dots {
                if seen(d) {
                    known.push(d);
                } else {
                    fresh.push(d);
                }
            }
            if !fresh.is_empty() {
                out.push(k.clone(), &fresh);
            }
        }
        out.finish()
    }

    /// Checks the layout and the dot lists; pushes every dot onto `all`.
    pub(crate) fn check(&self, ctx: &DotSet, all: &mut Vec<LDot>) -> Result<(), Error> {
        let bad = |what: &str| {
            Err(Error::InvalidState(alloc::format!(
                "grow-only store: {what}"
            )))
        };
        if self.keys.windows(2).any(|w| matches!(w, [a, b] if a >= b)) {
            return bad("run not strictly sorted");
        }
        let bounds_ok = if self.bounds.is_empty() {
            self.dots.len() == self.keys.len()
        } else {
            self.bounds.len() == self.keys.len() + 1
                && self.bounds.first() == Some(&0)
                && self.bounds.last() == Some(&self.dots.len())
                && self.bounds.windows(2).all(|w| matches!(w, [a, b] if a < b))
        };
        if !bounds_ok {
            return bad("dot list bounds do not match the run");
        }
        let mut shadowed = 0;
        for (k, dl) in &self.recent {
            if let Ok(i) = self.find(k) {
                shadowed += 1;
                let held = dl.as_slice();
                if !self
                    .run_dots(i)
                    .iter()
                    .all(|d| held.binary_search(d).is_ok())
                {
                    return bad("a recent entry lacks dots of the run");
                }
            }
        }
        if shadowed != self.shadowed {
            return bad("count of shadowed run entries is stale");
        }
        for dl in self.recent.values() {
            dl.check_shape()?;
        }
        for (_, dots) in self.iter() {
            check_dots_in(dots, ctx, all)?;
        }
        Ok(())
    }

    /// From entries in strictly ascending key order (checked by [`check`](Self::check)).
    #[cfg(feature = "serde")]
    pub(crate) fn from_sorted(entries: impl Iterator<Item = (T, DotList)>) -> Self {
        let mut out = Run::with_capacity(entries.size_hint().0, entries.size_hint().0);
        for (k, dl) in entries {
            out.push(k, dl.as_slice());
        }
        out.finish()
    }
}

impl<T: Ord> PartialEq for GrowMap<T> {
    /// Equal content, whatever the split between run and recent changes.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl<T: Ord> Eq for GrowMap<T> {}

impl<T: fmt::Debug> fmt::Debug for GrowMap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrowMap")
            .field("keys", &self.keys)
            .field("dots", &self.dots)
            .field("bounds", &self.bounds)
            .field("recent", &self.recent)
            .field("shadowed", &self.shadowed)
            .finish()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Encoded exactly as a `DotMap`: a map with ascending keys to sequences of dots.
    use super::GrowMap;
    use crate::dot_map::DotList;
    use crate::serde_util::StrictMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Serialize + Ord> Serialize for GrowMap<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.iter())
        }
    }

    impl<'de, T: Deserialize<'de> + Ord + Clone> Deserialize<'de> for GrowMap<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let map = StrictMap::<T, DotList>::deserialize(d)?.0;
            Ok(GrowMap::from_sorted(map.into_iter()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use proptest::prelude::*;

    type Model = BTreeMap<u16, BTreeSet<LDot>>;

    /// A store and its model from `(key, counter)` adds of actor index 0: new keys are
    /// inserted, known ones gain the dot (the point-update path, shadowing run keys).
    fn build(adds: &[(u16, u64)]) -> (GrowMap<u16>, Model) {
        let mut map = GrowMap::default();
        let mut model = Model::new();
        for &(k, c) in adds {
            let dot = (0, c);
            if map.contains_key(&k) {
                map.add_dots(&k, &[dot]);
                map.maybe_flush();
            } else {
                map.insert_absent(k, dot);
            }
            model.entry(k).or_default().insert(dot);
        }
        (map, model)
    }

    fn ctx_of(actor: &str) -> DotSet {
        let mut ctx = DotSet::new();
        ctx.insert_range(actor, 1..=64);
        ctx
    }

    fn assert_matches(map: &GrowMap<u16>, model: &Model, ctx: &DotSet) {
        map.check(ctx, &mut Vec::new()).unwrap();
        assert_eq!(map.len(), model.len());
        let got: Vec<(u16, Vec<LDot>)> = map.iter().map(|(k, d)| (*k, d.to_vec())).collect();
        let want: Vec<(u16, Vec<LDot>)> = model
            .iter()
            .map(|(k, d)| (*k, d.iter().copied().collect()))
            .collect();
        assert_eq!(got, want);
    }

    proptest! {
        /// Every layout path (appends, recent inserts, shadowed keys, flushes, point
        /// joins, bulk walks with and without index rewriting) against a model.
        #[test]
        fn joins_match_a_model(
            xs in proptest::collection::vec((0..400u16, 1..64u64), 0..300),
            ys in proptest::collection::vec((0..400u16, 1..64u64), 0..300),
            sorted in any::<bool>(),
            same_actor in any::<bool>(),
        ) {
            let mut xs = xs;
            if sorted {
                xs.sort_unstable();
            }
            let (mut a, mut model) = build(&xs);
            let ctx_a = ctx_of("a");
            assert_matches(&a, &model, &ctx_a);
            let (b, b_model) = build(&ys);
            let ctx_b = ctx_of(if same_actor { "a" } else { "b" });
            assert_matches(&b, &b_model, &ctx_b);
            let joint = Joint::new(&ctx_a, &ctx_b);
            a.join_union(&b, &joint);
            let lift = if same_actor { 0 } else { 1 };
            for (k, dots) in b_model {
                model.entry(k).or_default().extend(dots.iter().map(|&(_, c)| (lift, c)));
            }
            let mut joint_ctx = ctx_a.clone();
            joint_ctx.union(&ctx_b);
            assert_matches(&a, &model, &joint_ctx);
        }
    }

    #[test]
    fn gallop_counts_the_leading_matches() {
        let xs: Vec<u32> = (0..100).collect();
        for n in [0, 1, 2, 3, 63, 64, 65, 99, 100] {
            assert_eq!(gallop(&xs, |&x| x < n), n as usize);
        }
        assert_eq!(gallop::<u32>(&[], |_| true), 0);
    }
}
