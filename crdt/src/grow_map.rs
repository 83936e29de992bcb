//! A grow-only dot store laid out for fast merges: the store under [`GSet`](crate::GSet)
//! and the two stores of [`TwoPSet`](crate::TwoPSet) (crate-private).
//!
//! Same content as a `DotMap` (element -> dots, see `dot_map.rs`), stored as a sorted
//! vector (`run`) plus a small B-tree of recent inserts (`recent`) whose keys are not in
//! the run. Inserts go to `recent`; when it outgrows a quarter of the run it is merged in
//! (each element is moved O(1) times on average). A join walks both sides' sorted
//! sequences once into a new run: plain vector pushes, no tree building, which is what
//! makes `GSet::merge` several times cheaper than a B-tree rebuild. Elements never
//! leave a grow-only store, so the run never needs a removal.
//!
//! Invariants (checked by [`GrowMap::check`]): the run is strictly sorted, `recent` and
//! the run share no key, and every dot list is valid (see `dot_map.rs`).

use crate::dot_map::{unseen_entries, DotList, Joint, LDot};
use crate::{DotSet, Error};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;
use core::iter::Peekable;

/// `recent` is merged into the run when it holds more than this many entries and more
/// than a quarter of the run.
const MIN_RECENT: usize = 32;

/// A grow-only dot store: sorted run plus recent inserts.
pub(crate) struct GrowMap<T> {
    run: Vec<(T, DotList)>,
    recent: BTreeMap<T, DotList>,
}

impl<T: Clone> Clone for GrowMap<T> {
    fn clone(&self) -> Self {
        GrowMap {
            run: self.run.clone(),
            recent: self.recent.clone(),
        }
    }
}

impl<T> Default for GrowMap<T> {
    fn default() -> Self {
        GrowMap {
            run: Vec::new(),
            recent: BTreeMap::new(),
        }
    }
}

/// The entries of a run and a map, in key order (their keys are disjoint).
pub(crate) struct Entries<'a, T> {
    run: Peekable<core::slice::Iter<'a, (T, DotList)>>,
    recent: Peekable<alloc::collections::btree_map::Iter<'a, T, DotList>>,
}

impl<'a, T: Ord> Iterator for Entries<'a, T> {
    type Item = (&'a T, &'a DotList);
    fn next(&mut self) -> Option<Self::Item> {
        let take_run = match (self.run.peek(), self.recent.peek()) {
            (Some((a, _)), Some((b, _))) => a < *b,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_run {
            self.run.next().map(|(k, v)| (k, v))
        } else {
            self.recent.next()
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Exact: encoders need the length up front.
        let n = self.run.len() + self.recent.len();
        (n, Some(n))
    }
}

impl<T: Ord> GrowMap<T> {
    /// The number of elements.
    pub(crate) fn len(&self) -> usize {
        self.run.len() + self.recent.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.run.is_empty() && self.recent.is_empty()
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> Entries<'_, T> {
        Entries {
            run: self.run.iter().peekable(),
            recent: self.recent.iter().peekable(),
        }
    }
}

impl<T: Ord + Clone> GrowMap<T> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.run.binary_search_by(|(k, _)| k.borrow().cmp(key))
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
        if self.run.last().is_none_or(|(k, _)| *k < value) && self.recent.is_empty() {
            // In order (the common case of increasing ids): append to the run.
            self.run.push((value, DotList::One(dot)));
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
            Ok(i) => self.run.get(i).map(|(k, _)| k),
            Err(_) => self.recent.get_key_value(key).map(|(k, _)| k),
        }
    }

    fn maybe_flush(&mut self) {
        if self.recent.len() > MIN_RECENT && self.recent.len() > self.run.len() / 4 {
            self.flush();
        }
    }

    /// Merges `recent` into the run.
    fn flush(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        let run = core::mem::take(&mut self.run);
        let recent = core::mem::take(&mut self.recent);
        let mut out = Vec::with_capacity(run.len() + recent.len());
        let mut r = recent.into_iter().peekable();
        for (k, v) in run {
            while let Some(e) = r.next_if(|(rk, _)| *rk < k) {
                out.push(e);
            }
            out.push((k, v));
        }
        out.extend(r);
        self.run = out;
    }

    fn for_each_list(&mut self, mut f: impl FnMut(&mut DotList)) {
        self.run.iter_mut().for_each(|(_, v)| f(v));
        self.recent.values_mut().for_each(f);
    }

    /// A new actor entered the context at index `pos`: later indices move up by one.
    pub(crate) fn shift_from(&mut self, pos: usize) {
        self.for_each_list(|dl| dl.remap(|i| if i >= pos { i + 1 } else { i }));
    }

    /// Rewrites indices as `DotMap::rebase` does.
    pub(crate) fn rebase(&mut self, map: &[Option<usize>]) {
        if map.iter().enumerate().all(|(i, m)| *m == Some(i)) {
            return;
        }
        self.for_each_list(|dl| dl.remap(|i| map.get(i).copied().flatten().unwrap_or(i)));
    }

    /// The grow-only join: the union of the dot lists. Indices as in `DotMap::join_causal`.
    pub(crate) fn join_union(&mut self, other: &GrowMap<T>, joint: &Joint) {
        if let Some(m) = joint.mine() {
            self.for_each_list(|dl| dl.remap(|i| m.get(i).copied().unwrap_or(i)));
        }
        if other.len().saturating_mul(8) < self.len() {
            // A small delta into a big set: point updates.
            for (k, odl) in other.iter() {
                let odl = joint.lift_theirs(odl);
                let slot = match self.find(k) {
                    Ok(i) => self.run.get_mut(i).map(|(_, v)| v),
                    Err(_) => self.recent.get_mut(k),
                };
                match slot {
                    Some(dl) => *dl = dl.union(&odl),
                    None => {
                        self.recent.insert(k.clone(), odl);
                    }
                }
            }
            self.maybe_flush();
            return;
        }
        self.flush();
        let mine = core::mem::take(&mut self.run);
        let mut out = Vec::with_capacity(mine.len() + other.len());
        let mut theirs = other.iter().peekable();
        for (k, dl) in mine {
            while let Some((ok, odl)) = theirs.next_if(|(ok, _)| **ok < k) {
                out.push((ok.clone(), joint.lift_theirs(odl)));
            }
            let joined = match theirs.next_if(|(ok, _)| **ok == k) {
                Some((_, odl)) => dl.union(&joint.lift_theirs(odl)),
                None => dl,
            };
            out.push((k, joined));
        }
        out.extend(theirs.map(|(k, v)| (k.clone(), joint.lift_theirs(v))));
        self.run = out;
    }

    /// The entries a peer with context `summary` lacks, as `DotMap::since`.
    pub(crate) fn since(
        &self,
        my_ctx: &DotSet,
        summary: &DotSet,
        known: &mut Vec<LDot>,
    ) -> GrowMap<T> {
        GrowMap {
            run: unseen_entries(self.iter(), my_ctx, summary, known),
            recent: BTreeMap::new(),
        }
    }

    /// Checks the layout and the dot lists; pushes every dot onto `all`.
    pub(crate) fn check(&self, ctx: &DotSet, all: &mut Vec<LDot>) -> Result<(), Error> {
        if self
            .run
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.0 >= b.0))
        {
            return Err(Error::InvalidState(
                "grow-only store: run not strictly sorted".into(),
            ));
        }
        if self.recent.keys().any(|k| self.find(k).is_ok()) {
            return Err(Error::InvalidState(
                "grow-only store: a key is stored twice".into(),
            ));
        }
        for (_, dl) in self.iter() {
            dl.check_in(ctx, all)?;
        }
        Ok(())
    }

    /// From entries in strictly ascending key order.
    #[cfg(feature = "serde")]
    pub(crate) fn from_sorted(run: Vec<(T, DotList)>) -> Self {
        GrowMap {
            run,
            recent: BTreeMap::new(),
        }
    }
}

impl<T: Ord> PartialEq for GrowMap<T> {
    /// Equal content, whatever the split between run and recent inserts.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl<T: Ord> Eq for GrowMap<T> {}

impl<T: fmt::Debug> fmt::Debug for GrowMap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrowMap")
            .field("run", &self.run)
            .field("recent", &self.recent)
            .finish()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Encoded exactly as a `DotMap`: a map with ascending keys.
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
            Ok(GrowMap::from_sorted(map.into_iter().collect()))
        }
    }
}
