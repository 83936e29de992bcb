//! Last-writer-wins register ([`LWWRegister`]), its stamp ([`LWWStamp`]) and delta
//! ([`LWWEntry`]).
//!
//! **State.** One value and the stamp of the write that produced it:
//! `(timestamp, writer, seq)`, compared in that order. `timestamp` is the caller's `u64`
//! (wall-clock ms, or a packed [`HybridTimestamp`](crate::HybridTimestamp)); `writer` is
//! the id of the replica that wrote the value, stored with it, so equal timestamps from
//! different writers are ordered the same way on every replica; `seq` orders two writes by
//! the same writer with the same timestamp.
//!
//! **Invariant.** No two distinct writes share a stamp, provided each live replica has
//! its own actor id: a replica's state always holds its own latest stamp or a greater one,
//! so a new write by it either gets a stamp above everything it wrote before or loses.
//!
//! **Merge** keeps the value with the greater stamp: a join on a total order, so it is
//! commutative, associative and idempotent even with equal timestamps. The summary is the
//! current stamp; a delta is the value and stamp if newer than the peer's, else `None`.

use crate::{ActorId, Crdt, DeltaCrdt};

/// The stamp of a write: compared by timestamp, then writer id, then sequence number.
///
/// ```
/// use crdt_kit::LWWStamp;
/// assert!(LWWStamp::new(5, "b", 0) < LWWStamp::new(6, "a", 0));
/// assert!(LWWStamp::new(5, "a", 9) < LWWStamp::new(5, "b", 0));
/// assert!(LWWStamp::new(5, "a", 0) < LWWStamp::new(5, "a", 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LWWStamp {
    timestamp: u64,
    writer: ActorId,
    seq: u64,
}

impl LWWStamp {
    /// Makes a stamp.
    pub fn new(timestamp: u64, writer: impl Into<ActorId>, seq: u64) -> Self {
        LWWStamp {
            timestamp,
            writer: writer.into(),
            seq,
        }
    }

    /// The write's timestamp.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The replica that wrote.
    pub fn writer(&self) -> &ActorId {
        &self.writer
    }

    /// Orders writes by the same writer with the same timestamp (0 for the first).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// A value with the stamp of its write: the payload of a non-empty [`LWWRegister`] delta.
///
/// ```
/// use crdt_kit::prelude::*;
/// let old = LWWRegister::with_timestamp("a", 1, 10);
/// let new = LWWRegister::with_timestamp("b", 2, 20);
/// let delta = new.delta_since(&old.summary());
/// assert_eq!(delta.as_ref().map(|e| (e.value, e.stamp.timestamp())), Some((2, 20)));
/// assert_eq!(old.delta_since(&new.summary()), None); // nothing newer to send
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LWWEntry<T> {
    /// The value written.
    pub value: T,
    /// Its stamp.
    pub stamp: LWWStamp,
}

/// A register holding the value of the latest write; ties on timestamp go to the
/// greater writer id.
///
/// `PartialEq` compares value and stamp, not the local actor id.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut price = LWWRegister::with_timestamp("admin", "USD 79.99", 900);
/// price.merge(&LWWRegister::with_timestamp("algo", "USD 64.99", 1100));
/// price.merge(&LWWRegister::with_timestamp("admin-2", "USD 99.99", 800)); // older
/// assert_eq!(*price.value(), "USD 64.99");
///
/// // Same timestamp, two writers: both merge orders pick "us" (the greater id).
/// let eu = LWWRegister::with_timestamp("eu", "EUR 60", 1200);
/// let us = LWWRegister::with_timestamp("us", "USD 65", 1200);
/// let (mut a, mut b) = (eu.clone(), us.clone());
/// a.merge(&us);
/// b.merge(&eu);
/// assert_eq!(a, b);
/// assert_eq!(*a.value(), "USD 65");
///
/// // A write older than the current value loses, and says so.
/// assert!(!price.set_with_timestamp("USD 1.00", 1000));
/// assert_eq!(*price.value(), "USD 64.99");
///
/// // The same writer twice with the same timestamp: the later write wins.
/// let mut label = LWWRegister::with_timestamp("admin", "draft", 7);
/// assert!(label.set_with_timestamp("final", 7));
/// assert_eq!((*label.value(), label.stamp().seq()), ("final", 1));
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LWWRegister<T> {
    actor: ActorId,
    value: T,
    stamp: LWWStamp,
}

impl<T> LWWRegister<T> {
    /// A register for replica `actor` holding `value`, written now (system clock, ms since
    /// the Unix epoch).
    #[cfg(feature = "std")]
    pub fn new(actor: impl Into<ActorId>, value: T) -> Self {
        Self::with_timestamp(actor, value, crate::clock::system_time_ms())
    }

    /// A register for replica `actor` holding `value`, written at `timestamp` by `actor`.
    pub fn with_timestamp(actor: impl Into<ActorId>, value: T, timestamp: u64) -> Self {
        let actor = actor.into();
        LWWRegister {
            stamp: LWWStamp::new(timestamp, actor.clone(), 0),
            actor,
            value,
        }
    }

    /// This replica's actor id (the writer of its future writes).
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// The current value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Consumes the register, returning the value.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The timestamp of the current value's write.
    pub fn timestamp(&self) -> u64 {
        self.stamp.timestamp
    }

    /// The replica that wrote the current value.
    pub fn writer(&self) -> &ActorId {
        &self.stamp.writer
    }

    /// The current value's full stamp.
    pub fn stamp(&self) -> &LWWStamp {
        &self.stamp
    }

    /// Writes `value` at `timestamp`, if that write wins over the current value.
    ///
    /// Returns whether it took effect. The write's stamp is `(timestamp, actor, seq)`,
    /// `seq` one past the current stamp's if this replica wrote the current value at the
    /// same timestamp, else 0. So:
    /// - an older `timestamp` than the current value's loses (returns `false`);
    /// - an equal one wins over this replica's own write (a later write by the same
    ///   writer), and against another writer's goes to the greater actor id;
    /// - a newer one wins.
    ///
    /// It also returns `false` in the one case where no greater stamp exists
    /// (`u64::MAX` writes by this replica at one timestamp).
    pub fn set_with_timestamp(&mut self, value: T, timestamp: u64) -> bool {
        match self.next_stamp(timestamp) {
            Some(stamp) => {
                self.value = value;
                self.stamp = stamp;
                true
            }
            None => false,
        }
    }

    /// Writes `value` now (system clock): the write supersedes the current value even if
    /// that was stamped ahead of the local clock.
    ///
    /// The timestamp is the system time, or, if the current value's timestamp is not
    /// older, that timestamp (or one past it, if needed to win the tie). So a local
    /// write is never lost to a value this replica has already seen, and timestamps stay
    /// monotonic when the wall clock goes backwards. Returns `false` only when no greater
    /// stamp exists (a current timestamp of `u64::MAX`).
    #[cfg(feature = "std")]
    pub fn set(&mut self, value: T) -> bool {
        let timestamp = crate::clock::system_time_ms().max(self.stamp.timestamp);
        let stamp = self.next_stamp(timestamp).or_else(|| {
            timestamp
                .checked_add(1)
                .and_then(|later| self.next_stamp(later))
        });
        match stamp {
            Some(stamp) => {
                self.value = value;
                self.stamp = stamp;
                true
            }
            None => false,
        }
    }

    /// Writes `value` stamped by a hybrid logical clock:
    /// `set_with_timestamp(value, clock.now()?.as_u64())`. Use one kind of timestamp per
    /// register: packed HLC timestamps are far greater than plain milliseconds.
    ///
    /// # Errors
    /// [`Error::ClockExhausted`](crate::Error::ClockExhausted) from the clock.
    pub fn set_with_clock<F: FnMut() -> u64>(
        &mut self,
        value: T,
        clock: &mut crate::HybridClock<F>,
    ) -> Result<bool, crate::Error> {
        let timestamp = clock.now()?.as_u64();
        Ok(self.set_with_timestamp(value, timestamp))
    }

    /// A copy of this state for another replica `actor`.
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self
    where
        T: Clone,
    {
        LWWRegister {
            actor: actor.into(),
            value: self.value.clone(),
            stamp: self.stamp.clone(),
        }
    }

    /// The stamp a write by this replica at `timestamp` would get, if it wins.
    fn next_stamp(&self, timestamp: u64) -> Option<LWWStamp> {
        let current = &self.stamp;
        let seq = if timestamp == current.timestamp && self.actor == current.writer {
            current.seq.checked_add(1)?
        } else {
            0
        };
        let wins =
            (timestamp, &self.actor, seq) > (current.timestamp, &current.writer, current.seq);
        wins.then(|| LWWStamp::new(timestamp, self.actor.clone(), seq))
    }
}

impl<T: PartialEq> PartialEq for LWWRegister<T> {
    fn eq(&self, other: &Self) -> bool {
        self.stamp == other.stamp && self.value == other.value
    }
}
impl<T: Eq> Eq for LWWRegister<T> {}

impl<T: Clone> LWWRegister<T> {
    /// Takes `value` if `stamp` is greater than the current stamp.
    fn absorb(&mut self, value: &T, stamp: &LWWStamp) {
        if *stamp > self.stamp {
            self.value.clone_from(value);
            self.stamp.timestamp = stamp.timestamp;
            self.stamp.seq = stamp.seq;
            self.stamp.writer.clone_from(&stamp.writer);
        }
    }
}

impl<T: Clone> Crdt for LWWRegister<T> {
    fn merge(&mut self, other: &Self) {
        self.absorb(&other.value, &other.stamp);
    }
}

impl<T: Clone> DeltaCrdt for LWWRegister<T> {
    type Delta = Option<LWWEntry<T>>;
    type Summary = LWWStamp;

    fn apply_delta(&mut self, delta: &Option<LWWEntry<T>>) {
        if let Some(entry) = delta {
            self.absorb(&entry.value, &entry.stamp);
        }
    }

    fn summary(&self) -> LWWStamp {
        self.stamp.clone()
    }

    fn delta_since(&self, summary: &LWWStamp) -> Option<LWWEntry<T>> {
        (self.stamp > *summary).then(|| LWWEntry {
            value: self.value.clone(),
            stamp: self.stamp.clone(),
        })
    }

    fn delta(&self, other: &Self) -> Option<LWWEntry<T>> {
        self.delta_since(&other.stamp)
    }
}
