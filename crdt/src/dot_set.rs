//! Dot sets: the causal context of the set and register types.
//!
//! A [`DotSet`] is a set of [`Dot`]s stored, per actor, as a sorted list of inclusive
//! counter ranges. It is what a replica of [`ORSet`](crate::ORSet),
//! [`MVRegister`](crate::MVRegister), [`GSet`](crate::GSet) or
//! [`TwoPSet`](crate::TwoPSet) has *seen*, and it is their
//! [`DeltaCrdt::Summary`](crate::DeltaCrdt::Summary). When every actor's counters are
//! gapless it is exactly a version vector (one range `1..=n` per actor), so it stays as
//! small as one; gaps only appear after partial deliveries or removals carried by deltas.
//!
//! Invariants (checked by [`DotSet::check_invariants`] and on every decode):
//! - no actor maps to an empty list;
//! - every range is non-empty and starts at counter 1 or later;
//! - the ranges of one actor are sorted and neither overlap nor touch (between two
//!   ranges there is at least one missing counter).
//!
//! So the representation is canonical: two dot sets holding the same dots are `==`, and
//! encode to the same bytes. Union, intersection and difference walk the sorted range
//! lists in one pass.

use crate::{ActorId, Crdt, DeltaCrdt, Dot, Error, VersionVector};
use alloc::format;
use alloc::vec::Vec;
use core::ops::RangeInclusive;

use crate::ranges::{
    push_coalesce, spans_contain, spans_cover, spans_difference, spans_disjoint, spans_insert,
    spans_intersection, spans_union, Span,
};

/// The per-actor range lists, sorted by actor. A sorted vector rather than a map: there
/// are few actors, and an actor's position is the index that dot stores use to refer to
/// it (see `dot_map.rs`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Actors(Vec<(ActorId, Vec<Span>)>);

impl Actors {
    fn find(&self, actor: &str) -> Result<usize, usize> {
        self.find_bytes(actor.as_bytes())
    }
    /// By the id's bytes, not `as_str`: the same order without re-validating UTF-8.
    fn find_bytes(&self, actor: &[u8]) -> Result<usize, usize> {
        self.0.binary_search_by(|(a, _)| a.as_bytes().cmp(actor))
    }
    fn get(&self, actor: &[u8]) -> Option<&Vec<Span>> {
        let i = self.find_bytes(actor).ok()?;
        self.0.get(i).map(|(_, s)| s)
    }
    fn get_mut(&mut self, actor: &[u8]) -> Option<&mut Vec<Span>> {
        let i = self.find_bytes(actor).ok()?;
        self.0.get_mut(i).map(|(_, s)| s)
    }
    /// Sets the spans of `actor` (non-empty); returns its index.
    fn insert(&mut self, actor: ActorId, spans: Vec<Span>) -> usize {
        match self.find_bytes(actor.as_bytes()) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = spans;
                }
                i
            }
            Err(i) => {
                self.0.insert(i, (actor, spans));
                i
            }
        }
    }
    fn iter(&self) -> impl Iterator<Item = (&ActorId, &Vec<Span>)> + '_ {
        self.0.iter().map(|(a, s)| (a, s))
    }
    fn values(&self) -> impl Iterator<Item = &Vec<Span>> + '_ {
        self.0.iter().map(|(_, s)| s)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A set of dots, stored as per-actor counter ranges (a causal context).
///
/// ```
/// use crdt_kit::{Dot, DotSet, VersionVector};
///
/// let mut seen = DotSet::new();
/// seen.insert(Dot::new("a", 1));
/// seen.insert(Dot::new("a", 2));
/// seen.insert(Dot::new("a", 5));
/// assert!(seen.contains(&Dot::new("a", 2)));
/// assert!(!seen.contains(&Dot::new("a", 3)));
/// assert_eq!(seen.ranges().map(|(_, r)| r).collect::<Vec<_>>(), vec![1..=2, 5..=5]);
///
/// // A gapless dot set is a version vector.
/// seen.insert_range("a", 3..=4);
/// let vv: VersionVector = [("a", 5)].into_iter().collect();
/// assert_eq!(seen, DotSet::from(&vv));
/// assert_eq!(seen.to_version_vector(), Some(vv));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DotSet {
    actors: Actors,
}

impl DotSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when the set holds no dot.
    pub fn is_empty(&self) -> bool {
        self.actors.is_empty()
    }

    /// How many dots the set holds (a `u128`: one actor alone can hold `u64::MAX`).
    pub fn dot_count(&self) -> u128 {
        self.actors
            .values()
            .flatten()
            .map(|&(s, e)| u128::from(e.saturating_sub(s)) + 1)
            .sum()
    }

    /// How many ranges the set is stored as (its size in memory and on the wire).
    pub fn range_count(&self) -> usize {
        self.actors.values().map(Vec::len).sum()
    }

    /// True when the dot is in the set.
    pub fn contains(&self, dot: &Dot) -> bool {
        self.contains_counter(dot.actor.as_str(), dot.counter)
    }

    /// True when the dot `(actor, counter)` is in the set.
    pub fn contains_counter(&self, actor: &str, counter: u64) -> bool {
        match self.actors.get(actor.as_bytes()) {
            Some(spans) => spans_contain(spans, counter),
            None => false,
        }
    }

    /// The highest counter of `actor` in the set (0 if none).
    pub fn max(&self, actor: &str) -> u64 {
        self.actors
            .get(actor.as_bytes())
            .and_then(|spans| spans.last())
            .map_or(0, |&(_, e)| e)
    }

    /// Adds a dot; returns true if it was not there. A counter of 0 is not a dot and is
    /// ignored (returns false).
    pub fn insert(&mut self, dot: Dot) -> bool {
        if dot.counter == 0 {
            return false;
        }
        if let Some(spans) = self.actors.get_mut(dot.actor.as_bytes()) {
            return spans_insert(spans, dot.counter);
        }
        self.actors
            .insert(dot.actor, alloc::vec![(dot.counter, dot.counter)]);
        true
    }

    /// Adds every counter of `counters` for `actor`. Counter 0 is skipped; an empty
    /// range adds nothing.
    pub fn insert_range(&mut self, actor: impl Into<ActorId>, counters: RangeInclusive<u64>) {
        let (start, end) = ((*counters.start()).max(1), *counters.end());
        if start > end {
            return;
        }
        let one = [(start, end)];
        let actor = actor.into();
        let merged = match self.actors.get(actor.as_bytes()) {
            Some(spans) => spans_union(spans, &one),
            None => one.to_vec(),
        };
        self.actors.insert(actor, merged);
    }

    /// Adds every dot of `other` (set union, in place). Also [`Crdt::merge`].
    pub fn union(&mut self, other: &DotSet) {
        for (actor, theirs) in other.actors.iter() {
            match self.actors.get_mut(actor.as_bytes()) {
                Some(mine) => {
                    if !spans_cover(mine, theirs) {
                        *mine = spans_union(mine, theirs);
                    }
                }
                None => {
                    self.actors.insert(actor.clone(), theirs.clone());
                }
            }
        }
    }

    /// The dots of `self` that are not in `other`.
    pub fn difference(&self, other: &DotSet) -> DotSet {
        let mut out = Vec::new();
        for (actor, mine) in self.actors.iter() {
            let left = match other.actors.get(actor.as_bytes()) {
                Some(theirs) => spans_difference(mine, theirs),
                None => mine.clone(),
            };
            if !left.is_empty() {
                out.push((actor.clone(), left));
            }
        }
        DotSet {
            actors: Actors(out),
        }
    }

    /// The dots in both `self` and `other`.
    pub fn intersection(&self, other: &DotSet) -> DotSet {
        let mut out = Vec::new();
        for (actor, mine) in self.actors.iter() {
            if let Some(theirs) = other.actors.get(actor.as_bytes()) {
                let both = spans_intersection(mine, theirs);
                if !both.is_empty() {
                    out.push((actor.clone(), both));
                }
            }
        }
        DotSet {
            actors: Actors(out),
        }
    }

    /// True when no dot is in both sets.
    pub fn is_disjoint(&self, other: &DotSet) -> bool {
        let (small, big) = if self.actors.len() <= other.actors.len() {
            (self, other)
        } else {
            (other, self)
        };
        small
            .actors
            .iter()
            .all(|(actor, a)| match big.actors.get(actor.as_bytes()) {
                Some(b) => spans_disjoint(a, b),
                None => true,
            })
    }

    /// True when every dot of `other` is in `self`.
    pub fn is_superset(&self, other: &DotSet) -> bool {
        other.actors.iter().all(|(actor, theirs)| {
            self.actors
                .get(actor.as_bytes())
                .is_some_and(|mine| spans_cover(mine, theirs))
        })
    }

    /// The ranges of the set, in actor then counter order.
    pub fn ranges(&self) -> impl Iterator<Item = (&ActorId, RangeInclusive<u64>)> + '_ {
        self.actors
            .iter()
            .flat_map(|(a, spans)| spans.iter().map(move |&(s, e)| (a, s..=e)))
    }

    /// The ranges of one actor, in counter order.
    pub fn actor_ranges<'a>(
        &'a self,
        actor: &str,
    ) -> impl Iterator<Item = RangeInclusive<u64>> + 'a {
        self.actors
            .get(actor.as_bytes())
            .into_iter()
            .flatten()
            .map(|&(s, e)| s..=e)
    }

    /// Every dot, in actor then counter order. A gapless set of `n` counters yields `n`
    /// dots: prefer [`ranges`](DotSet::ranges) for large sets.
    pub fn dots(&self) -> impl Iterator<Item = Dot> + '_ {
        self.ranges().flat_map(|(a, r)| {
            r.map(move |counter| Dot {
                actor: a.clone(),
                counter,
            })
        })
    }

    /// The version vector this set is, if every actor's counters are gapless from 1.
    pub fn to_version_vector(&self) -> Option<VersionVector> {
        let mut vv = VersionVector::new();
        for (actor, spans) in self.actors.iter() {
            match spans.as_slice() {
                [(1, end)] => vv.observe(actor.clone(), *end),
                _ => return None,
            }
        }
        Some(vv)
    }

    /// Checks the representation: no actor without ranges, every range non-empty and
    /// starting at 1 or later, one actor's ranges sorted with a gap between neighbours.
    /// Always `Ok` for sets built through this API; decoding checks it too.
    pub fn check_invariants(&self) -> Result<(), Error> {
        for (actor, spans) in self.actors.iter() {
            check_spans(actor, spans)?;
        }
        Ok(())
    }

    /// Builds a dot set from per-actor range lists in ascending actor order, checking
    /// the invariants.
    #[cfg(feature = "serde")]
    pub(crate) fn from_parts(actors: Vec<(ActorId, Vec<Span>)>) -> Result<Self, Error> {
        if actors.windows(2).any(|w| matches!(w, [a, b] if a.0 >= b.0)) {
            return Err(Error::InvalidState(
                "dot set: actors not strictly ascending".into(),
            ));
        }
        let set = DotSet {
            actors: Actors(actors),
        };
        set.check_invariants()?;
        Ok(set)
    }

    // Index-based access for dot stores, whose dots name their actor by its position in
    // the context's actor list (see `dot_map.rs`).

    /// The number of actors.
    pub(crate) fn actor_count(&self) -> usize {
        self.actors.len()
    }

    /// The index of `actor`.
    pub(crate) fn index_of(&self, actor: &str) -> Option<usize> {
        self.actors.find(actor).ok()
    }

    /// The actor at `index`.
    pub(crate) fn actor_at(&self, index: usize) -> Option<&ActorId> {
        self.actors.0.get(index).map(|(a, _)| a)
    }

    /// True when the dot `(actor at index, counter)` is in the set.
    pub(crate) fn contains_at(&self, index: usize, counter: u64) -> bool {
        self.actors
            .0
            .get(index)
            .is_some_and(|(_, spans)| spans_contain(spans, counter))
    }

    /// Adds a dot of `actor`; returns the actor's index and whether the actor is new
    /// (then every index from it on has moved up by one).
    pub(crate) fn insert_at(&mut self, actor: &ActorId, counter: u64) -> (usize, bool) {
        match self.actors.find_bytes(actor.as_bytes()) {
            Ok(i) => {
                if let Some((_, spans)) = self.actors.0.get_mut(i) {
                    spans_insert(spans, counter);
                }
                (i, false)
            }
            Err(i) => {
                self.actors
                    .0
                    .insert(i, (actor.clone(), alloc::vec![(counter, counter)]));
                (i, true)
            }
        }
    }

    /// For each actor of `self`, its index in `other` (if any).
    pub(crate) fn index_map(&self, other: &DotSet) -> Vec<Option<usize>> {
        let theirs = &other.actors.0;
        let mut j = 0;
        self.actors
            .0
            .iter()
            .map(|(a, _)| {
                while theirs.get(j).is_some_and(|(b, _)| b < a) {
                    j += 1;
                }
                theirs.get(j).and_then(|(b, _)| (b == a).then_some(j))
            })
            .collect()
    }

    /// The dots of `self` minus `known`: dots given as `(actor index, counter)` into
    /// `self`, sorted.
    pub(crate) fn minus_indexed(&self, known: &[(usize, u64)]) -> DotSet {
        let mut out = Vec::with_capacity(self.actors.len());
        let mut rest = known;
        for (i, (actor, spans)) in self.actors.0.iter().enumerate() {
            let n = rest.partition_point(|&(a, _)| a <= i);
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            let mut drop: Vec<Span> = Vec::new();
            for &(a, c) in mine {
                if a == i {
                    push_coalesce(&mut drop, (c, c));
                }
            }
            let left = if drop.is_empty() {
                spans.clone()
            } else {
                spans_difference(spans, &drop)
            };
            if !left.is_empty() {
                out.push((actor.clone(), left));
            }
        }
        DotSet {
            actors: Actors(out),
        }
    }
}

fn check_spans(actor: &ActorId, spans: &[Span]) -> Result<(), Error> {
    if spans.is_empty() {
        return Err(Error::InvalidState(format!(
            "dot set: actor {actor:?} has an empty range list"
        )));
    }
    let mut prev_end: Option<u64> = None;
    for &(s, e) in spans {
        if s == 0 || s > e {
            return Err(Error::InvalidState(format!(
                "dot set: actor {actor:?} has an invalid range {s}..={e}"
            )));
        }
        if let Some(p) = prev_end {
            // The previous range must end at least two below: a gap of one counter or more.
            if p.checked_add(1).is_none_or(|next| next >= s) {
                return Err(Error::InvalidState(format!(
                    "dot set: ranges of actor {actor:?} overlap, touch or are unsorted at {s}"
                )));
            }
        }
        prev_end = Some(e);
    }
    Ok(())
}

impl From<&VersionVector> for DotSet {
    fn from(vv: &VersionVector) -> Self {
        let actors = vv
            .iter()
            .filter(|&(_, n)| n > 0)
            .map(|(a, n)| (a.clone(), alloc::vec![(1, n)]))
            .collect();
        DotSet {
            actors: Actors(actors),
        }
    }
}

impl From<VersionVector> for DotSet {
    fn from(vv: VersionVector) -> Self {
        DotSet::from(&vv)
    }
}

impl FromIterator<Dot> for DotSet {
    fn from_iter<I: IntoIterator<Item = Dot>>(iter: I) -> Self {
        let mut set = DotSet::new();
        set.extend(iter);
        set
    }
}

impl Extend<Dot> for DotSet {
    fn extend<I: IntoIterator<Item = Dot>>(&mut self, iter: I) {
        for dot in iter {
            self.insert(dot);
        }
    }
}

impl Crdt for DotSet {
    fn merge(&mut self, other: &Self) {
        self.union(other);
    }
}

/// A dot set's delta is the dots the peer lacks; its summary is the peer's dot set.
impl DeltaCrdt for DotSet {
    type Delta = DotSet;
    type Summary = DotSet;

    fn apply_delta(&mut self, delta: &DotSet) {
        self.union(delta);
    }

    fn summary(&self) -> DotSet {
        self.clone()
    }

    fn delta_since(&self, summary: &DotSet) -> DotSet {
        self.difference(summary)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Wire form: a map from actor to a sequence of `(start, end)` pairs, actors in
    //! ascending order. Decoding rejects anything that is not canonical.
    use super::{DotSet, Span};
    use crate::serde_util::{SeqNoPrealloc, StrictMap};
    use crate::ActorId;
    use serde::{Deserialize, Deserializer, Serializer};

    impl serde::Serialize for DotSet {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.actors.iter())
        }
    }

    impl<'de> Deserialize<'de> for DotSet {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = StrictMap::<ActorId, SeqNoPrealloc<Span>>::deserialize(d)?;
            let actors = raw.0.into_iter().map(|(a, v)| (a, v.0)).collect();
            DotSet::from_parts(actors).map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn insert_joins_neighbours() {
        let mut s = DotSet::new();
        for c in [5, 1, 3, 2, 4, 9] {
            assert!(s.insert(Dot::new("a", c)));
        }
        assert!(!s.insert(Dot::new("a", 3)));
        assert!(!s.insert(Dot::new("a", 0)));
        assert_eq!(s.actor_ranges("a").collect::<Vec<_>>(), vec![1..=5, 9..=9]);
        assert_eq!(s.dot_count(), 6);
        s.check_invariants().unwrap();
    }

    #[test]
    fn difference_and_intersection_split_ranges() {
        let mut a = DotSet::new();
        a.insert_range("x", 1..=10);
        let mut b = DotSet::new();
        b.insert_range("x", 3..=4);
        b.insert_range("x", 8..=20);
        assert_eq!(
            a.difference(&b).actor_ranges("x").collect::<Vec<_>>(),
            vec![1..=2, 5..=7]
        );
        assert_eq!(
            a.intersection(&b).actor_ranges("x").collect::<Vec<_>>(),
            vec![3..=4, 8..=10]
        );
    }

    #[test]
    fn extremes_do_not_overflow() {
        let mut a = DotSet::new();
        a.insert_range("x", u64::MAX - 1..=u64::MAX);
        assert!(a.insert(Dot::new("x", u64::MAX - 3)));
        assert!(a.insert(Dot::new("x", u64::MAX - 2)));
        assert_eq!(
            a.actor_ranges("x").collect::<Vec<_>>(),
            vec![u64::MAX - 3..=u64::MAX]
        );
        let mut b = DotSet::new();
        b.insert_range("x", 1..=u64::MAX);
        assert!(a.difference(&b).is_empty());
        assert_eq!(
            b.difference(&a).actor_ranges("x").collect::<Vec<_>>(),
            vec![1..=u64::MAX - 4]
        );
        assert_eq!(b.dot_count(), u128::from(u64::MAX));
    }
}
