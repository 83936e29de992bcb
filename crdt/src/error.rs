//! The crate's one error type.

use crate::ActorId;
use alloc::string::String;
use core::fmt;

/// Everything that can go wrong in `crdt-kit`. Operations that can fail return
/// `Result<_, Error>`; nothing in the crate panics on user input or decoded bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A position past the end of a sequence.
    IndexOutOfBounds {
        /// The position asked for.
        index: usize,
        /// The sequence's length at the time.
        len: usize,
    },
    /// A counter would pass `u64::MAX` (or `i64` range for a value).
    Overflow {
        /// The replica whose count would overflow.
        actor: ActorId,
    },
    /// A remote timestamp is further ahead of the local clock than the allowed drift.
    ClockDrift {
        /// Physical time of the remote timestamp (ms).
        remote_ms: u64,
        /// The local physical time (ms).
        local_ms: u64,
        /// The configured maximum drift (ms).
        max_drift_ms: u64,
    },
    /// The hybrid clock's logical counter is exhausted for this millisecond and the
    /// physical clock has not moved on; try again once it has.
    ClockExhausted {
        /// The millisecond whose logical counter ran out.
        physical_ms: u64,
    },
    /// A replica's own actor has run out of operation counters.
    CounterExhausted {
        /// The replica.
        actor: ActorId,
    },
    /// A state (typically decoded from bytes) breaks a structural invariant.
    InvalidState(String),
    /// Bytes given to a `decode` function are not a valid encoding: `offset` is the byte
    /// where the problem was found, `reason` what was wrong (truncated or corrupted data,
    /// or bytes that are not this kind of encoding at all).
    Decode {
        /// Byte offset in the input.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::IndexOutOfBounds { index, len } => {
                write!(f, "index {index} is out of bounds for a sequence of length {len}")
            }
            Error::Overflow { actor } => {
                write!(f, "counter of actor {actor:?} would overflow")
            }
            Error::ClockDrift { remote_ms, local_ms, max_drift_ms } => write!(
                f,
                "remote timestamp {remote_ms} ms is {} ms ahead of the local clock ({local_ms} ms); \
                 the maximum allowed drift is {max_drift_ms} ms",
                remote_ms.saturating_sub(*local_ms)
            ),
            Error::ClockExhausted { physical_ms } => write!(
                f,
                "hybrid clock logical counter exhausted at {physical_ms} ms; wait for the physical clock to advance"
            ),
            Error::CounterExhausted { actor } => {
                write!(f, "actor {actor:?} has used every operation counter; use a new actor id")
            }
            Error::InvalidState(why) => write!(f, "invalid CRDT state: {why}"),
            Error::Decode { offset, reason } => {
                write!(f, "invalid encoding at byte {offset}: {reason}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
