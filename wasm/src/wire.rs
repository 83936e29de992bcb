//! Crossing the boundary: postcard bytes in and out (exactly one value, nothing trailing),
//! JS numbers checked into Rust integers, and the wall clock of the platform.

use crate::Error;
use serde::{de::DeserializeOwned, Serialize};

/// `Number.MAX_SAFE_INTEGER`: the largest integer every smaller one of which a JS number
/// holds exactly.
pub(crate) const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The postcard bytes of `value`, as native Rust's `postcard::to_allocvec` gives them.
pub(crate) fn encode<T: Serialize + ?Sized>(
    value: &T,
    what: &'static str,
) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|e| Error::Encode {
        what,
        reason: e.to_string(),
    })
}

/// Decodes exactly one `T` from `bytes`; trailing bytes are an error, not ignored.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, Error> {
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| Error::Decode {
        what,
        len: bytes.len(),
        reason: e.to_string(),
    })?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(Error::TrailingBytes {
            what,
            used: bytes.len() - rest.len(),
            len: bytes.len(),
        })
    }
}

/// A JS number that must be an integer in `0..=max` (`max` at most `MAX_SAFE_INTEGER`).
pub(crate) fn integer_up_to(x: f64, max: u64, what: &'static str) -> Result<u64, Error> {
    // `x as u64` is exact here: x is integral and within 0..=max <= 2^53-1.
    if x.fract() == 0.0 && (0.0..=max.min(MAX_SAFE_INTEGER) as f64).contains(&x) {
        Ok(x as u64)
    } else {
        Err(Error::NotAnInteger { what, got: x, max })
    }
}

/// A JS number that must be an integer in `0..=MAX_SAFE_INTEGER`.
pub(crate) fn safe_integer(x: f64, what: &'static str) -> Result<u64, Error> {
    integer_up_to(x, MAX_SAFE_INTEGER, what)
}

/// A position or count given as a JS number.
pub(crate) fn index(x: f64, what: &'static str) -> Result<usize, Error> {
    let max = u64::try_from(usize::MAX).map_or(MAX_SAFE_INTEGER, |m| m.min(MAX_SAFE_INTEGER));
    let n = integer_up_to(x, max, what)?;
    usize::try_from(n).map_err(|_| Error::NotAnInteger { what, got: x, max })
}

/// A position or length returned to JS (lengths of wasm32 memory always fit).
pub(crate) fn to_number(n: usize) -> f64 {
    n as f64
}

/// An exact count as a JS number, or an error naming `exact`, the method that returns it
/// as a `bigint`.
pub(crate) fn exact_number(
    n: u128,
    what: &'static str,
    exact: Option<&'static str>,
) -> Result<f64, Error> {
    if n <= u128::from(MAX_SAFE_INTEGER) {
        Ok(n as f64)
    } else {
        Err(Error::Unrepresentable {
            what,
            value: n.to_string(),
            exact,
        })
    }
}

/// Milliseconds since the Unix epoch: `Date.now()` in JS.
#[cfg(target_arch = "wasm32")]
pub(crate) fn now_ms() -> u64 {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Date, js_name = now)]
        fn date_now() -> f64;
    }
    // Date.now() is a non-negative integer below 2^53; `as` saturates anything else.
    date_now() as u64
}

/// Milliseconds since the Unix epoch: the system clock when built natively (tests).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Checks a decoded state's invariants (defence in depth: decoding already validates).
pub(crate) trait Checked {
    /// `Ok` when the state is well formed.
    fn check(&self) -> Result<(), crdt_kit::Error>;
}

/// The methods every CRDT class shares: identity, merge, delta sync, whole-state bytes.
/// `$class` wraps `inner: $ty`; `$name` names it in error messages.
macro_rules! crdt_class {
    ($class:ident, $ty:ty, $delta:ty, $summary:ty, $name:literal) => {
        impl $crate::wire::Checked for $ty {
            fn check(&self) -> Result<(), crdt_kit::Error> {
                self.check_invariants()
            }
        }
        crdt_class!(@methods $class, $ty, $delta, $summary, $name);
    };
    (@unchecked $class:ident, $ty:ty, $delta:ty, $summary:ty, $name:literal) => {
        crdt_class!(@methods $class, $ty, $delta, $summary, $name);
    };
    (@methods $class:ident, $ty:ty, $delta:ty, $summary:ty, $name:literal) => {
        #[wasm_bindgen::prelude::wasm_bindgen]
        impl $class {
            /// A copy of this state for another replica `actor`: same history, new writer.
            pub fn fork(&self, actor: &str) -> $class {
                $class {
                    inner: self.inner.fork(actor),
                }
            }

            /// This replica's actor id.
            #[wasm_bindgen(getter)]
            pub fn actor(&self) -> String {
                self.inner.actor().to_string()
            }

            /// Merges another replica's whole state into this one.
            pub fn merge(&mut self, other: &$class) {
                crdt_kit::Crdt::merge(&mut self.inner, &other.inner);
            }

            /// The changes in this replica that `other` lacks, as postcard bytes.
            pub fn delta(&self, other: &$class) -> Result<Vec<u8>, $crate::Error> {
                let delta: $delta = crdt_kit::DeltaCrdt::delta(&self.inner, &other.inner);
                $crate::wire::encode(&delta, concat!($name, " delta"))
            }

            /// What this replica has seen, as postcard bytes to send to a peer, which
            /// answers with `deltaSince(summary)`.
            pub fn summary(&self) -> Result<Vec<u8>, $crate::Error> {
                let summary: $summary = crdt_kit::DeltaCrdt::summary(&self.inner);
                $crate::wire::encode(&summary, concat!($name, " summary"))
            }

            /// The changes in this replica that a peer with `summary` (bytes from its
            /// `summary()`) lacks, as postcard bytes.
            #[wasm_bindgen(js_name = deltaSince)]
            pub fn delta_since(&self, summary: &[u8]) -> Result<Vec<u8>, $crate::Error> {
                let summary: $summary = $crate::wire::decode(summary, concat!($name, " summary"))?;
                let delta: $delta = crdt_kit::DeltaCrdt::delta_since(&self.inner, &summary);
                $crate::wire::encode(&delta, concat!($name, " delta"))
            }

            /// Applies delta bytes made by `delta()` or `deltaSince()` of any replica (JS
            /// or native Rust). Safe to apply late, twice or out of order.
            #[wasm_bindgen(js_name = applyDelta)]
            pub fn apply_delta(&mut self, delta: &[u8]) -> Result<(), $crate::Error> {
                let delta: $delta = $crate::wire::decode(delta, concat!($name, " delta"))?;
                crdt_kit::DeltaCrdt::apply_delta(&mut self.inner, &delta);
                Ok(())
            }

            /// The whole state (actor included) as postcard bytes.
            pub fn encode(&self) -> Result<Vec<u8>, $crate::Error> {
                $crate::wire::encode(&self.inner, $name)
            }

            /// A replica from bytes made by `encode()` (here or in native Rust).
            pub fn decode(bytes: &[u8]) -> Result<$class, $crate::Error> {
                let inner: $ty = $crate::wire::decode(bytes, $name)?;
                $crate::wire::Checked::check(&inner)?;
                Ok($class { inner })
            }

            /// True when both replicas hold the same replicated state (the actor ids may
            /// differ).
            pub fn equals(&self, other: &$class) -> bool {
                self.inner == other.inner
            }
        }

        impl $class {
            /// The native value.
            pub fn as_inner(&self) -> &$ty {
                &self.inner
            }

            /// Wraps a native value.
            pub fn from_inner(inner: $ty) -> Self {
                $class { inner }
            }
        }
    };
}
pub(crate) use crdt_class;
