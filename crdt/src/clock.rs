//! Hybrid logical clock: [`HybridClock`] issues [`HybridTimestamp`]s.
//!
//! A hybrid logical clock (Kulkarni et al., 2014) stamps events with
//! `(physical ms, logical counter, node)`. Timestamps stay close to wall-clock time, yet
//! they are strictly increasing on each node even when the wall clock stalls or goes
//! backwards, and an event received from another node is stamped after the remote event.
//!
//! **Algorithm.** With `pt` the time source's reading and `(l, c)` the last timestamp:
//! - [`now`](HybridClock::now): if `pt > l` the result is `(pt, 0)`, else `(l, c + 1)`.
//! - [`receive`](HybridClock::receive) of a remote `(lr, cr)`: `l' = max(l, lr, pt)`;
//!   the counter is `max(c, cr) + 1` if `l' == l == lr`, `c + 1` if only `l' == l`,
//!   `cr + 1` if only `l' == lr`, and `0` otherwise.
//!
//! **Invariants and refusals** (a refused call leaves the clock unchanged):
//! - Issued timestamps are strictly increasing (total order: physical, logical, node).
//! - The logical counter is a `u16` and never wraps: when it would, the call returns
//!   [`Error::ClockExhausted`]; it succeeds again once the time source passes the stuck
//!   millisecond. (65,536 timestamps per millisecond per node.)
//! - A remote timestamp more than [`max_drift`](HybridClock::max_drift) ahead of the local
//!   time source ([`DEFAULT_MAX_DRIFT_MS`] = 60 s by default) is refused with
//!   [`Error::ClockDrift`], so one node with a broken clock cannot drag every clock it
//!   talks to into the future.
//!
//! **With [`LWWRegister`](crate::LWWRegister)**: [`HybridTimestamp::as_u64`] packs a
//! timestamp into the register's `u64` (48 bits of ms, 16 of counter) preserving order;
//! the register's own writer id breaks ties, as the node would.

use crate::{ActorId, Error};
use core::fmt;

/// Default [`HybridClock::max_drift`]: 60,000 ms.
pub const DEFAULT_MAX_DRIFT_MS: u64 = 60_000;

/// A hybrid logical clock timestamp: physical milliseconds, a logical counter for events
/// within the same millisecond, and the node that issued it.
///
/// Ordered by physical time, then logical counter, then node id. Displayed as
/// `physical.logical@node`.
///
/// ```
/// use crdt_kit::HybridTimestamp;
/// let a = HybridTimestamp::new(1_000, 0, "n1");
/// let b = HybridTimestamp::new(1_000, 1, "n0");
/// assert!(a < b);
/// assert!(a.as_u64() < b.as_u64());
/// assert_eq!(b.to_string(), "1000.1@n0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HybridTimestamp {
    physical: u64,
    logical: u16,
    node: ActorId,
}

impl HybridTimestamp {
    /// Largest physical time that [`as_u64`](Self::as_u64) packs exactly: 2^48 - 1 ms,
    /// in the year 10889.
    pub const MAX_PACKED_PHYSICAL: u64 = (1 << 48) - 1;

    /// Makes a timestamp.
    pub fn new(physical_ms: u64, logical: u16, node: impl Into<ActorId>) -> Self {
        HybridTimestamp {
            physical: physical_ms,
            logical,
            node: node.into(),
        }
    }

    /// Physical time in milliseconds (since the Unix epoch with the std time source).
    pub fn physical(&self) -> u64 {
        self.physical
    }

    /// Logical counter: orders events within the same millisecond.
    pub fn logical(&self) -> u16 {
        self.logical
    }

    /// The node that issued the timestamp.
    pub fn node(&self) -> &ActorId {
        &self.node
    }

    /// Packs physical and logical time into one `u64`: `physical << 16 | logical`, for
    /// [`LWWRegister::set_with_timestamp`](crate::LWWRegister::set_with_timestamp).
    ///
    /// Order-preserving: `a <= b` implies `a.as_u64() <= b.as_u64()`. Exact (distinct
    /// `(physical, logical)` give distinct values) up to [`Self::MAX_PACKED_PHYSICAL`];
    /// beyond it the result saturates at `u64::MAX`. The node is not packed.
    pub fn as_u64(&self) -> u64 {
        if self.physical > Self::MAX_PACKED_PHYSICAL {
            u64::MAX
        } else {
            (self.physical << 16) | u64::from(self.logical)
        }
    }

    /// The inverse of [`as_u64`](Self::as_u64) (for values it produced exactly).
    pub fn from_u64(packed: u64, node: impl Into<ActorId>) -> Self {
        HybridTimestamp {
            physical: packed >> 16,
            logical: u16::try_from(packed & 0xFFFF).unwrap_or(u16::MAX),
            node: node.into(),
        }
    }
}

impl fmt::Display for HybridTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}@{}", self.physical, self.logical, self.node)
    }
}

/// Milliseconds since the Unix epoch from the system clock (0 before the epoch).
#[cfg(feature = "std")]
pub(crate) fn system_time_ms() -> u64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        Err(_) => 0,
    }
}

/// A hybrid logical clock for one node. `F` is the time source (milliseconds).
///
/// [`HybridClock::new`] (feature `std`) reads the system clock;
/// [`HybridClock::with_time_source`] takes any `FnMut() -> u64`, for `no_std` targets
/// (an RTC, a tick counter) and for tests.
///
/// A clock is a service, not replicated data: it is `Clone` (when its time source is)
/// and `Debug`, but not `PartialEq` (time sources cannot be compared) nor serde. To
/// carry its state across a restart, persist [`last`](Self::last) and pass it to
/// [`receive`](Self::receive) on start-up.
///
/// ```
/// use crdt_kit::{Error, HybridClock, HybridTimestamp};
///
/// let mut clock = HybridClock::with_time_source("node-a", || 5_000).with_max_drift(1_000);
/// let t1 = clock.now()?;
/// let t2 = clock.now()?; // the time source has not moved: the counter has
/// assert!(t1 < t2);
/// assert_eq!((t2.physical(), t2.logical()), (5_000, 1));
///
/// // A message from a node slightly ahead: our clock moves past it.
/// let t3 = clock.receive(&HybridTimestamp::new(5_500, 7, "node-b"))?;
/// assert_eq!((t3.physical(), t3.logical()), (5_500, 8));
///
/// // One from a node an hour ahead is refused, and the clock is unchanged.
/// let far = HybridTimestamp::new(5_000 + 3_600_000, 0, "node-c");
/// assert!(matches!(clock.receive(&far), Err(Error::ClockDrift { .. })));
/// assert_eq!(clock.last(), t3);
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct HybridClock<F = fn() -> u64> {
    node: ActorId,
    time: F,
    physical: u64,
    logical: u16,
    max_drift_ms: u64,
}

#[cfg(feature = "std")]
impl HybridClock<fn() -> u64> {
    /// A clock for `node` reading the system clock (ms since the Unix epoch).
    pub fn new(node: impl Into<ActorId>) -> Self {
        HybridClock::with_time_source(node, system_time_ms as fn() -> u64)
    }
}

impl<F: FnMut() -> u64> HybridClock<F> {
    /// A clock for `node` reading milliseconds from `time_source`. The source need not be
    /// monotonic; it should be roughly synchronised across nodes for timestamps to be
    /// meaningful, and must be in milliseconds for the drift bound to mean what it says.
    pub fn with_time_source(node: impl Into<ActorId>, time_source: F) -> Self {
        HybridClock {
            node: node.into(),
            time: time_source,
            physical: 0,
            logical: 0,
            max_drift_ms: DEFAULT_MAX_DRIFT_MS,
        }
    }

    /// Sets how far ahead of the local time source a received timestamp may be (builder).
    pub fn with_max_drift(mut self, max_drift_ms: u64) -> Self {
        self.max_drift_ms = max_drift_ms;
        self
    }

    /// Sets how far ahead of the local time source a received timestamp may be.
    pub fn set_max_drift(&mut self, max_drift_ms: u64) {
        self.max_drift_ms = max_drift_ms;
    }

    /// How far (ms) ahead of the local time source a received timestamp may be.
    pub fn max_drift(&self) -> u64 {
        self.max_drift_ms
    }

    /// The node this clock stamps for.
    pub fn node(&self) -> &ActorId {
        &self.node
    }

    /// The latest timestamp issued or received (`0.0@node` before the first).
    pub fn last(&self) -> HybridTimestamp {
        HybridTimestamp::new(self.physical, self.logical, self.node.clone())
    }

    /// A timestamp for a local event, greater than every timestamp this clock issued or
    /// received before.
    ///
    /// # Errors
    /// [`Error::ClockExhausted`] if the time source has not passed the last timestamp's
    /// millisecond and its logical counter is at `u16::MAX` (clock unchanged).
    pub fn now(&mut self) -> Result<HybridTimestamp, Error> {
        let pt = (self.time)();
        if pt > self.physical {
            self.physical = pt;
            self.logical = 0;
        } else {
            self.logical = next_logical(self.physical, self.logical)?;
        }
        Ok(self.last())
    }

    /// Merges a timestamp received from another node and returns a local timestamp
    /// greater than both it and every timestamp this clock issued before.
    ///
    /// # Errors
    /// - [`Error::ClockDrift`] if `remote` is more than [`max_drift`](Self::max_drift)
    ///   ms ahead of the local time source;
    /// - [`Error::ClockExhausted`] if the logical counter would pass `u16::MAX`.
    ///
    /// Either way the clock is unchanged.
    pub fn receive(&mut self, remote: &HybridTimestamp) -> Result<HybridTimestamp, Error> {
        let pt = (self.time)();
        if remote.physical > pt.saturating_add(self.max_drift_ms) {
            return Err(Error::ClockDrift {
                remote_ms: remote.physical,
                local_ms: pt,
                max_drift_ms: self.max_drift_ms,
            });
        }
        let physical = self.physical.max(remote.physical).max(pt);
        let logical = match (physical == self.physical, physical == remote.physical) {
            (true, true) => next_logical(physical, self.logical.max(remote.logical))?,
            (true, false) => next_logical(physical, self.logical)?,
            (false, true) => next_logical(physical, remote.logical)?,
            (false, false) => 0,
        };
        self.physical = physical;
        self.logical = logical;
        Ok(self.last())
    }
}

/// `logical + 1`, or [`Error::ClockExhausted`] for the millisecond `physical`.
fn next_logical(physical: u64, logical: u16) -> Result<u16, Error> {
    logical.checked_add(1).ok_or(Error::ClockExhausted {
        physical_ms: physical,
    })
}

impl<F> fmt::Debug for HybridClock<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HybridClock")
            .field("node", &self.node)
            .field("physical", &self.physical)
            .field("logical", &self.logical)
            .field("max_drift_ms", &self.max_drift_ms)
            .finish_non_exhaustive()
    }
}
