//! Grow-only counter ([`GCounter`]) and its delta ([`GCounterDelta`]).
//!
//! **State.** For every actor, how many increments it has made. The value is the sum.
//! A replica keeps its own count in a field (so `increment` is one saturating add, no
//! map lookup) and every other actor's count in a `Vec` sorted by actor id, each with a
//! sort key (the id's first 8 bytes as a number) so that searching compares integers.
//!
//! **Invariants** ([`GCounter::check_invariants`], enforced on decode): the other actors
//! are strictly sorted, none of them is the replica's own actor, every sort key matches
//! its id, and no stored count is 0 (absent means 0), so two states that mean the same
//! thing are equal.
//!
//! **Merge** is the pointwise maximum of the counts: a peer's few entries are found by
//! binary search and updated or inserted in place, many are merged in one linear pass. A count only ever grows, so it is a
//! version: the [`DeltaCrdt::Summary`] is a [`VersionVector`] holding the counts
//! themselves, and a delta is the entries above the peer's vector. Applying a delta is the
//! same pointwise maximum, so late, duplicated or misdirected deltas are harmless.
//!
//! **Overflow.** Counts never wrap and nothing panics: [`GCounter::increment_by`]
//! saturates the replica's own count at `u64::MAX`, [`GCounter::try_increment_by`] refuses
//! with [`Error::Overflow`] instead (state unchanged), [`GCounter::value`] saturates the
//! sum at `u64::MAX` and [`GCounter::value_u128`] returns the exact sum.

use crate::{ActorId, Crdt, DeltaCrdt, Error, VersionVector};
use alloc::vec::Vec;
use core::fmt;

/// Sorted `(actor, count)` pairs: the shape of counts inside counters and their deltas.
pub(crate) type Counts = Vec<(ActorId, u64)>;

#[cfg(feature = "serde")]
/// Checks the invariants of a count list: strictly sorted actors, no zero count.
pub(crate) fn check_counts(counts: &[(ActorId, u64)]) -> Result<(), Error> {
    if counts.iter().any(|(_, n)| *n == 0) {
        return Err(Error::InvalidState(
            "a counter entry has a zero count".into(),
        ));
    }
    if counts
        .windows(2)
        .any(|w| matches!(w, [(a, _), (b, _)] if a >= b))
    {
        return Err(Error::InvalidState(
            "counter entries are not strictly sorted by actor".into(),
        ));
    }
    Ok(())
}

/// A grow-only counter: each replica increments, merge takes the maximum per replica,
/// the value is the sum.
///
/// `PartialEq` compares the replicated counts only, not the local actor id: two replicas
/// that have seen the same increments are equal.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// // Edge sensor node collects temperature readings
/// let mut sensor_a = GCounter::new("sensor-a");
/// let mut sensor_b = GCounter::new("sensor-b");
///
/// // Each sensor counts events independently (no network needed)
/// sensor_a.increment_by(142); // 142 events detected
/// sensor_b.increment_by(89);  // 89 events detected
///
/// // When the gateway collects data — merge. Order doesn't matter.
/// sensor_a.merge(&sensor_b);
/// assert_eq!(sensor_a.value(), 231); // exact total, no double-counting
///
/// // Delta sync: only send what changed (saves bandwidth on LoRa/BLE)
/// let mut gateway = GCounter::new("gateway");
/// let delta = sensor_a.delta(&gateway);  // minimal payload
/// gateway.apply_delta(&delta);            // gateway is up to date
/// assert_eq!(gateway.value(), 231);
/// ```
#[derive(Clone)]
pub struct GCounter {
    actor: ActorId,
    /// `sort_key(&actor)`.
    key: u64,
    /// This replica's own count.
    own: u64,
    /// Every other actor's count: sorted by actor, no `actor`, no zero.
    others: Vec<Slot>,
}

/// Another actor's count, with the actor's [`sort_key`].
#[derive(Clone, PartialEq, Eq)]
struct Slot {
    key: u64,
    actor: ActorId,
    count: u64,
}

/// The first 8 bytes of an actor id, zero-padded, as a big-endian number.
///
/// `sort_key(a) < sort_key(b)` implies `a < b` (byte order), so slots compare by key
/// first and look at the whole ids only when the keys are equal: most comparisons are
/// one integer compare instead of a `memcmp`.
fn sort_key(actor: &[u8]) -> u64 {
    let mut prefix = [0u8; 8];
    prefix.iter_mut().zip(actor).for_each(|(p, b)| *p = *b);
    u64::from_be_bytes(prefix)
}

impl Slot {
    fn as_triple(&self) -> (u64, &ActorId, u64) {
        (self.key, &self.actor, self.count)
    }

    /// Orders this slot against the actor `(key, actor)`.
    fn cmp_to(&self, key: u64, actor: &[u8]) -> core::cmp::Ordering {
        self.key
            .cmp(&key)
            .then_with(|| self.actor.as_bytes().cmp(actor))
    }
}

impl GCounter {
    /// A counter at 0 for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let actor = actor.into();
        GCounter {
            key: sort_key(actor.as_bytes()),
            actor,
            own: 0,
            others: Vec::new(),
        }
    }

    /// A copy of this state for another replica `actor` (the usual way to start a new
    /// replica from an existing one). If `actor` already has a count, it continues from it.
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        let mut forked = GCounter::new(actor);
        forked.absorb(self.slots());
        forked
    }

    /// This replica's actor id.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// Adds 1 to this replica's count (saturating at `u64::MAX`).
    pub fn increment(&mut self) {
        self.own = self.own.saturating_add(1);
    }

    /// Adds `n` to this replica's count, saturating at `u64::MAX`; use
    /// [`try_increment_by`](GCounter::try_increment_by) to be told instead.
    pub fn increment_by(&mut self, n: u64) {
        self.own = self.own.saturating_add(n);
    }

    /// Adds 1, or returns [`Error::Overflow`] (state unchanged) if the count is `u64::MAX`.
    pub fn try_increment(&mut self) -> Result<(), Error> {
        self.try_increment_by(1)
    }

    /// Adds `n`, or returns [`Error::Overflow`] (state unchanged) if this replica's count
    /// would pass `u64::MAX`.
    ///
    /// ```
    /// use crdt_kit::{Error, GCounter};
    /// let mut c = GCounter::new("a");
    /// c.increment_by(u64::MAX - 1);
    /// assert!(c.try_increment_by(1).is_ok());
    /// assert_eq!(c.try_increment_by(1), Err(Error::Overflow { actor: "a".into() }));
    /// assert_eq!(c.value(), u64::MAX);
    /// ```
    pub fn try_increment_by(&mut self, n: u64) -> Result<(), Error> {
        match self.own.checked_add(n) {
            Some(own) => {
                self.own = own;
                Ok(())
            }
            None => Err(Error::Overflow {
                actor: self.actor.clone(),
            }),
        }
    }

    /// The sum of all counts, saturating at `u64::MAX` (see [`value_u128`](Self::value_u128)).
    pub fn value(&self) -> u64 {
        self.others
            .iter()
            .fold(self.own, |sum, s| sum.saturating_add(s.count))
    }

    /// The exact sum of all counts (cannot overflow: each count is at most `u64::MAX`).
    pub fn value_u128(&self) -> u128 {
        self.others
            .iter()
            .fold(u128::from(self.own), |sum, s| sum + u128::from(s.count))
    }

    /// How many increments `actor` has made, as far as this replica knows.
    pub fn count_for(&self, actor: impl AsRef<str>) -> u64 {
        let actor = actor.as_ref().as_bytes();
        if actor == self.actor.as_bytes() {
            return self.own;
        }
        let key = sort_key(actor);
        match self.others.binary_search_by(|s| s.cmp_to(key, actor)) {
            Ok(i) => self.others.get(i).map_or(0, |s| s.count),
            Err(_) => 0,
        }
    }

    /// The non-zero counts, in actor order (this replica's own included).
    pub fn entries(&self) -> impl Iterator<Item = (&ActorId, u64)> + '_ {
        self.slots().map(|(_, a, n)| (a, n))
    }

    /// [`entries`](Self::entries) with each actor's sort key.
    fn slots(&self) -> impl Iterator<Item = (u64, &ActorId, u64)> + '_ {
        let split = self
            .others
            .partition_point(|s| s.cmp_to(self.key, self.actor.as_bytes()).is_lt());
        let (before, after) = self
            .others
            .split_at_checked(split)
            .unwrap_or((&self.others, &[]));
        let own = (self.own > 0).then_some((self.key, &self.actor, self.own));
        before
            .iter()
            .map(Slot::as_triple)
            .chain(own)
            .chain(after.iter().map(Slot::as_triple))
    }

    /// Checks the structural invariants (see the module docs); `Err` describes the first
    /// broken one. Always `Ok` for states built through this crate's API or decoding.
    pub fn check_invariants(&self) -> Result<(), Error> {
        let broken = |why: &str| Err(Error::InvalidState(why.into()));
        let keys_ok = self.key == sort_key(self.actor.as_bytes())
            && self
                .others
                .iter()
                .all(|s| s.key == sort_key(s.actor.as_bytes()));
        if !keys_ok {
            return broken("a counter entry has a stale sort key");
        }
        if self.others.iter().any(|s| s.count == 0) {
            return broken("a counter entry has a zero count");
        }
        if self.others.windows(2).any(|w| match w {
            [a, b] => a.actor >= b.actor,
            _ => false,
        }) {
            return broken("counter entries are not strictly sorted by actor");
        }
        if self.others.iter().any(|s| s.actor == self.actor) {
            return broken("the replica's own actor is stored twice");
        }
        Ok(())
    }

    /// Builds a replica of `actor` from counts, checking their invariants (decoding).
    #[cfg(feature = "serde")]
    pub(crate) fn from_counts(actor: ActorId, counts: Counts) -> Result<Self, Error> {
        check_counts(&counts)?;
        let mut counter = GCounter::new(actor);
        counter.absorb(counts.iter().map(|(a, n)| (sort_key(a.as_bytes()), a, *n)));
        Ok(counter)
    }

    /// Pointwise maximum with `(sort key, actor, count)` triples sorted by actor.
    ///
    /// A few triples (a peer's own count, a small delta) are binary-searched and inserted
    /// in place; many are merged in one linear pass.
    fn absorb<'a>(&mut self, entries: impl Iterator<Item = (u64, &'a ActorId, u64)>) {
        if entries.size_hint().0 > 8 {
            self.absorb_linear(entries);
            return;
        }
        let mut from = 0;
        for (key, actor, n) in entries {
            if key == self.key && *actor == self.actor {
                self.own = self.own.max(n);
                continue;
            }
            let rest = self.others.get_mut(from..).unwrap_or_default();
            match rest.binary_search_by(|s| s.cmp_to(key, actor.as_bytes())) {
                Ok(i) => {
                    if let Some(mine) = rest.get_mut(i) {
                        mine.count = mine.count.max(n);
                    }
                    from += i + 1;
                }
                Err(i) if n > 0 => {
                    let slot = Slot {
                        key,
                        actor: actor.clone(),
                        count: n,
                    };
                    self.others.insert(from + i, slot);
                    from += i + 1;
                }
                Err(i) => from += i,
            }
        }
    }

    /// [`absorb`](Self::absorb) for many triples: one pass over both sorted lists.
    fn absorb_linear<'a>(&mut self, entries: impl Iterator<Item = (u64, &'a ActorId, u64)>) {
        let old = core::mem::take(&mut self.others);
        let mut out = Vec::with_capacity(old.len() + entries.size_hint().0);
        let mut mine = old.into_iter().peekable();
        for (key, actor, n) in entries {
            if key == self.key && *actor == self.actor {
                self.own = self.own.max(n);
                continue;
            }
            let actor_bytes = actor.as_bytes();
            while let Some(slot) = mine.next_if(|s| s.cmp_to(key, actor_bytes).is_lt()) {
                out.push(slot);
            }
            match mine.next_if(|s| s.cmp_to(key, actor_bytes).is_eq()) {
                Some(slot) => out.push(Slot {
                    count: slot.count.max(n),
                    ..slot
                }),
                None if n > 0 => out.push(Slot {
                    key,
                    actor: actor.clone(),
                    count: n,
                }),
                None => {}
            }
        }
        out.extend(mine);
        self.others = out;
    }
}

impl PartialEq for GCounter {
    fn eq(&self, other: &Self) -> bool {
        if self.actor == other.actor {
            self.own == other.own && self.others == other.others
        } else {
            self.entries().eq(other.entries())
        }
    }
}
impl Eq for GCounter {}

impl fmt::Debug for GCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GCounter")
            .field("actor", &self.actor)
            .field("counts", &DebugCounts(self))
            .finish()
    }
}

/// Formats a counter's counts as a map.
struct DebugCounts<'a>(&'a GCounter);

impl fmt::Debug for DebugCounts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.entries()).finish()
    }
}

impl Crdt for GCounter {
    fn merge(&mut self, other: &Self) {
        self.absorb(other.slots());
    }
}

/// What one [`GCounter`] replica sends another: the counts the peer is behind on.
///
/// `delta.is_empty()` means there is nothing to send.
///
/// ```
/// use crdt_kit::prelude::*;
/// let mut a = GCounter::new("a");
/// a.increment_by(3);
/// let mut b = a.fork("b");
/// b.increment();
/// let delta = b.delta_since(&a.summary());
/// assert_eq!(delta.iter().collect::<Vec<_>>(), [(&ActorId::from("b"), 1)]);
/// a.apply_delta(&delta);
/// assert_eq!(a.value(), 4);
/// assert!(b.delta(&a).is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawDelta"))]
pub struct GCounterDelta {
    /// Sorted by actor, no zero count.
    entries: Counts,
}

impl GCounterDelta {
    /// The `(actor, count)` pairs carried, in actor order.
    pub fn iter(&self) -> impl Iterator<Item = (&ActorId, u64)> + '_ {
        self.entries.iter().map(|(a, n)| (a, *n))
    }

    /// Number of actors carried.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the delta carries nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl DeltaCrdt for GCounter {
    type Delta = GCounterDelta;
    type Summary = VersionVector;

    fn delta(&self, other: &Self) -> GCounterDelta {
        let entries = self
            .entries()
            .filter(|(a, n)| *n > other.count_for(a))
            .map(|(a, n)| (a.clone(), n))
            .collect();
        GCounterDelta { entries }
    }

    fn apply_delta(&mut self, delta: &GCounterDelta) {
        self.absorb(delta.iter().map(|(a, n)| (sort_key(a.as_bytes()), a, n)));
    }

    fn summary(&self) -> VersionVector {
        self.entries().map(|(a, n)| (a.clone(), n)).collect()
    }

    fn delta_since(&self, summary: &VersionVector) -> GCounterDelta {
        let entries = self
            .entries()
            .filter(|(a, n)| *n > summary.get(a.as_str()))
            .map(|(a, n)| (a.clone(), n))
            .collect();
        GCounterDelta { entries }
    }
}

#[cfg(feature = "serde")]
pub(crate) use serde_impl::CountsRef;

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{check_counts, Counts, GCounter, GCounterDelta};
    use crate::{ActorId, Error};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialises a counter's entries as a sequence of `(actor, count)`.
    pub(crate) struct CountsRef<'a>(pub(crate) &'a GCounter);

    impl Serialize for CountsRef<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.entries())
        }
    }

    #[derive(Serialize)]
    struct Ref<'a> {
        actor: &'a ActorId,
        counts: CountsRef<'a>,
    }

    #[derive(Deserialize)]
    struct Raw {
        actor: ActorId,
        counts: Counts,
    }

    /// Wire form: `{ actor, counts: [(actor, count), ...] }`, counts sorted, none zero.
    impl Serialize for GCounter {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Ref {
                actor: &self.actor,
                counts: CountsRef(self),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for GCounter {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = Raw::deserialize(d)?;
            GCounter::from_counts(raw.actor, raw.counts).map_err(serde::de::Error::custom)
        }
    }

    #[derive(Deserialize)]
    pub(super) struct RawDelta {
        entries: Counts,
    }

    impl TryFrom<RawDelta> for GCounterDelta {
        type Error = Error;
        fn try_from(raw: RawDelta) -> Result<Self, Error> {
            check_counts(&raw.entries)?;
            Ok(GCounterDelta {
                entries: raw.entries,
            })
        }
    }
}
#[cfg(feature = "serde")]
use serde_impl::RawDelta;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorb_inserts_many_and_few() {
        let mut a = GCounter::new("m");
        for (i, name) in ["z", "b", "x", "d", "a", "c", "y"].iter().enumerate() {
            let mut o = GCounter::new(*name);
            o.increment_by(i as u64 + 1);
            a.merge(&o);
        }
        let mut big = GCounter::new("q");
        big.merge(&a);
        big.increment();
        let mut c = GCounter::new("e");
        c.increment();
        c.merge(&big);
        let names: Vec<&str> = c.entries().map(|(a, _)| a.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d", "e", "q", "x", "y", "z"]);
        assert_eq!(c.value(), 28 + 2);
        assert_eq!(c.count_for("x"), 3);
        assert_eq!(c.count_for("nobody"), 0);
    }
}
