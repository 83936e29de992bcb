//! Counter with increments and decrements ([`PNCounter`]) and its delta and summary.
//!
//! **State.** Two grow-only counters ([`GCounter`]) for the same replica: one counts
//! increments, the other decrements. The value is their difference. Both halves keep the
//! [`GCounter`] invariants, and both belong to the same actor.
//!
//! **Merge, delta, summary**: those of the two halves, side by side. The summary is two
//! version vectors ([`PNCounterSummary`]), a delta two [`GCounterDelta`]s.
//!
//! **Overflow.** Each half saturates its own count at `u64::MAX` (the `try_*` methods
//! return [`Error::Overflow`] instead, state unchanged). The exact value is an `i128`
//! ([`PNCounter::value_i128`]); [`PNCounter::value`] clamps it into `i64` range, so a
//! counter beyond `i64::MAX` reads `i64::MAX` rather than wrapping to a negative number.

use crate::gcounter::{GCounter, GCounterDelta};
use crate::{ActorId, Crdt, DeltaCrdt, Error, VersionVector};

/// A counter that goes up and down: a pair of [`GCounter`]s, increments and decrements.
///
/// `PartialEq` compares the replicated counts only, not the local actor id.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut warehouse = PNCounter::new("warehouse");
/// let mut shop = PNCounter::new("shop");
/// warehouse.increment_by(100);
/// shop.decrement_by(35);
/// shop.increment();
/// warehouse.merge(&shop);
/// assert_eq!(warehouse.value(), 66);
///
/// // Delta sync from a summary.
/// shop.apply_delta(&warehouse.delta_since(&shop.summary()));
/// assert_eq!(shop, warehouse);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PNCounter {
    inc: GCounter,
    dec: GCounter,
}

/// What a [`PNCounter`] replica has seen: its two version vectors.
///
/// ```
/// use crdt_kit::prelude::*;
/// let mut c = PNCounter::new("a");
/// c.increment_by(5);
/// c.decrement();
/// let summary = c.summary();
/// assert_eq!((summary.increments.get("a"), summary.decrements.get("a")), (5, 1));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PNCounterSummary {
    /// Increment counts seen, per actor.
    pub increments: VersionVector,
    /// Decrement counts seen, per actor.
    pub decrements: VersionVector,
}

/// What one [`PNCounter`] replica sends another: the counts the peer is behind on.
///
/// ```
/// use crdt_kit::prelude::*;
/// let mut a = PNCounter::new("a");
/// let mut b = PNCounter::new("b");
/// b.decrement_by(2);
/// let delta = b.delta(&a);
/// assert!(delta.increments.is_empty() && !delta.decrements.is_empty());
/// a.apply_delta(&delta);
/// assert_eq!(a.value(), -2);
/// assert!(b.delta(&a).is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PNCounterDelta {
    /// Increment counts the peer lacks.
    pub increments: GCounterDelta,
    /// Decrement counts the peer lacks.
    pub decrements: GCounterDelta,
}

impl PNCounterDelta {
    /// True when the delta carries nothing.
    pub fn is_empty(&self) -> bool {
        self.increments.is_empty() && self.decrements.is_empty()
    }
}

impl PNCounter {
    /// A counter at 0 for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let actor = actor.into();
        PNCounter {
            inc: GCounter::new(actor.clone()),
            dec: GCounter::new(actor),
        }
    }

    /// A copy of this state for another replica `actor`.
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        let actor = actor.into();
        PNCounter {
            inc: self.inc.fork(actor.clone()),
            dec: self.dec.fork(actor),
        }
    }

    /// This replica's actor id.
    pub fn actor(&self) -> &ActorId {
        self.inc.actor()
    }

    /// Adds 1 (this replica's increment count saturates at `u64::MAX`).
    pub fn increment(&mut self) {
        self.inc.increment();
    }

    /// Subtracts 1 (this replica's decrement count saturates at `u64::MAX`).
    pub fn decrement(&mut self) {
        self.dec.increment();
    }

    /// Adds `n` (saturating this replica's increment count at `u64::MAX`).
    pub fn increment_by(&mut self, n: u64) {
        self.inc.increment_by(n);
    }

    /// Subtracts `n` (saturating this replica's decrement count at `u64::MAX`).
    pub fn decrement_by(&mut self, n: u64) {
        self.dec.increment_by(n);
    }

    /// Adds 1, or returns [`Error::Overflow`] (state unchanged).
    pub fn try_increment(&mut self) -> Result<(), Error> {
        self.inc.try_increment_by(1)
    }

    /// Subtracts 1, or returns [`Error::Overflow`] (state unchanged).
    pub fn try_decrement(&mut self) -> Result<(), Error> {
        self.dec.try_increment_by(1)
    }

    /// Adds `n`, or returns [`Error::Overflow`] (state unchanged) if this replica's
    /// increment count would pass `u64::MAX`.
    pub fn try_increment_by(&mut self, n: u64) -> Result<(), Error> {
        self.inc.try_increment_by(n)
    }

    /// Subtracts `n`, or returns [`Error::Overflow`] (state unchanged) if this replica's
    /// decrement count would pass `u64::MAX`.
    pub fn try_decrement_by(&mut self, n: u64) -> Result<(), Error> {
        self.dec.try_increment_by(n)
    }

    /// The value clamped into `i64` range (see [`value_i128`](Self::value_i128)).
    ///
    /// ```
    /// use crdt_kit::PNCounter;
    /// let mut c = PNCounter::new("a");
    /// c.increment_by(u64::MAX);
    /// assert_eq!(c.value(), i64::MAX);
    /// assert_eq!(c.value_i128(), i128::from(u64::MAX));
    /// ```
    pub fn value(&self) -> i64 {
        let exact = self.value_i128();
        i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
    }

    /// The exact value: total increments minus total decrements.
    pub fn value_i128(&self) -> i128 {
        // Each half is at most (number of actors) * u64::MAX, far below i128::MAX.
        let up = i128::try_from(self.inc.value_u128()).unwrap_or(i128::MAX);
        let down = i128::try_from(self.dec.value_u128()).unwrap_or(i128::MAX);
        up.saturating_sub(down)
    }

    /// Checks the structural invariants of both halves (see [`GCounter::check_invariants`])
    /// and that they belong to the same actor.
    pub fn check_invariants(&self) -> Result<(), Error> {
        self.inc.check_invariants()?;
        self.dec.check_invariants()?;
        if self.inc.actor() != self.dec.actor() {
            return Err(Error::InvalidState(
                "the two halves of a PNCounter belong to different actors".into(),
            ));
        }
        Ok(())
    }

    /// The increment half.
    pub fn increments(&self) -> &GCounter {
        &self.inc
    }

    /// The decrement half.
    pub fn decrements(&self) -> &GCounter {
        &self.dec
    }
}

impl Crdt for PNCounter {
    fn merge(&mut self, other: &Self) {
        self.inc.merge(&other.inc);
        self.dec.merge(&other.dec);
    }
}

impl DeltaCrdt for PNCounter {
    type Delta = PNCounterDelta;
    type Summary = PNCounterSummary;

    fn delta(&self, other: &Self) -> PNCounterDelta {
        PNCounterDelta {
            increments: self.inc.delta(&other.inc),
            decrements: self.dec.delta(&other.dec),
        }
    }

    fn apply_delta(&mut self, delta: &PNCounterDelta) {
        self.inc.apply_delta(&delta.increments);
        self.dec.apply_delta(&delta.decrements);
    }

    fn summary(&self) -> PNCounterSummary {
        PNCounterSummary {
            increments: self.inc.summary(),
            decrements: self.dec.summary(),
        }
    }

    fn delta_since(&self, summary: &PNCounterSummary) -> PNCounterDelta {
        PNCounterDelta {
            increments: self.inc.delta_since(&summary.increments),
            decrements: self.dec.delta_since(&summary.decrements),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::PNCounter;
    use crate::gcounter::{Counts, CountsRef, GCounter};
    use crate::ActorId;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct Ref<'a> {
        actor: &'a ActorId,
        increments: CountsRef<'a>,
        decrements: CountsRef<'a>,
    }

    #[derive(Deserialize)]
    struct Raw {
        actor: ActorId,
        increments: Counts,
        decrements: Counts,
    }

    /// Wire form: `{ actor, increments: [(actor, count)], decrements: [(actor, count)] }`.
    impl Serialize for PNCounter {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Ref {
                actor: self.actor(),
                increments: CountsRef(&self.inc),
                decrements: CountsRef(&self.dec),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for PNCounter {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = Raw::deserialize(d)?;
            let inc = GCounter::from_counts(raw.actor.clone(), raw.increments);
            let dec = GCounter::from_counts(raw.actor, raw.decrements);
            match (inc, dec) {
                (Ok(inc), Ok(dec)) => Ok(PNCounter { inc, dec }),
                (Err(e), _) | (_, Err(e)) => Err(serde::de::Error::custom(e)),
            }
        }
    }
}
