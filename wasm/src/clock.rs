//! The hybrid logical clock for JavaScript: `HybridClock` reads `Date.now()` and issues
//! `HybridTimestamp`s. Physical times are JS numbers (ms); packed timestamps
//! (`asU64`/`fromU64`, the form an `LWWRegister` stores) are `bigint`.

use crate::wire;
use crate::Error;
use core::cmp::Ordering;
use wasm_bindgen::prelude::*;

/// A hybrid logical clock timestamp: physical ms, logical counter, node
/// (`crdt_kit::HybridTimestamp`). Ordered by physical time, then counter, then node.
#[wasm_bindgen]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HybridTimestamp {
    inner: crdt_kit::HybridTimestamp,
}

#[wasm_bindgen]
impl HybridTimestamp {
    /// A timestamp; throws unless `physical` is a safe integer and `logical` an integer in
    /// `0..=65535`.
    #[wasm_bindgen(constructor)]
    pub fn new(physical: f64, logical: f64, node: &str) -> Result<HybridTimestamp, Error> {
        let physical = wire::safe_integer(physical, "physical")?;
        let logical = wire::integer_up_to(logical, u64::from(u16::MAX), "logical")?;
        let logical = u16::try_from(logical).map_err(|_| Error::NotAnInteger {
            what: "logical",
            got: logical as f64,
            max: u64::from(u16::MAX),
        })?;
        Ok(HybridTimestamp {
            inner: crdt_kit::HybridTimestamp::new(physical, logical, node),
        })
    }

    /// Physical time in ms; throws if it is beyond `Number.MAX_SAFE_INTEGER` (only a
    /// decoded timestamp can be).
    #[wasm_bindgen(getter)]
    pub fn physical(&self) -> Result<f64, Error> {
        wire::exact_number(u128::from(self.inner.physical()), "the physical time", None)
    }

    /// The logical counter.
    #[wasm_bindgen(getter)]
    pub fn logical(&self) -> f64 {
        f64::from(self.inner.logical())
    }

    /// The node that issued it.
    #[wasm_bindgen(getter)]
    pub fn node(&self) -> String {
        self.inner.node().to_string()
    }

    /// Packed into 64 bits (48 of ms, 16 of counter), order-preserving: the timestamp an
    /// `LWWRegister` stores.
    #[wasm_bindgen(js_name = asU64)]
    pub fn as_u64(&self) -> u64 {
        self.inner.as_u64()
    }

    /// The inverse of `asU64()`.
    #[wasm_bindgen(js_name = fromU64)]
    pub fn from_u64(packed: u64, node: &str) -> HybridTimestamp {
        HybridTimestamp {
            inner: crdt_kit::HybridTimestamp::from_u64(packed, node),
        }
    }

    /// `physical.logical@node`.
    #[wasm_bindgen(js_name = toString)]
    #[allow(clippy::inherent_to_string)]
    pub fn to_string(&self) -> String {
        self.inner.to_string()
    }

    /// -1, 0 or 1 as this timestamp is before, equal to or after `other` (for
    /// `Array.prototype.sort`).
    pub fn compare(&self, other: &HybridTimestamp) -> i32 {
        match self.inner.cmp(&other.inner) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    /// True when both are the same timestamp.
    pub fn equals(&self, other: &HybridTimestamp) -> bool {
        self.inner == other.inner
    }

    /// Postcard bytes, as native Rust encodes a `HybridTimestamp`.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        wire::encode(&self.inner, "HybridTimestamp")
    }

    /// A timestamp from `encode()` bytes.
    pub fn decode(bytes: &[u8]) -> Result<HybridTimestamp, Error> {
        Ok(HybridTimestamp {
            inner: wire::decode(bytes, "HybridTimestamp")?,
        })
    }
}

impl HybridTimestamp {
    /// The native value.
    pub fn as_inner(&self) -> &crdt_kit::HybridTimestamp {
        &self.inner
    }
}

/// A hybrid logical clock for one node, reading `Date.now()` (`crdt_kit::HybridClock`).
#[wasm_bindgen]
pub struct HybridClock {
    inner: crdt_kit::HybridClock<fn() -> u64>,
}

#[wasm_bindgen]
impl HybridClock {
    /// A clock for `node` (max drift 60 000 ms).
    #[wasm_bindgen(constructor)]
    pub fn new(node: &str) -> HybridClock {
        HybridClock::with_time_source(node, wire::now_ms)
    }

    /// A timestamp for a local event, greater than every one issued or received before.
    /// Throws when 65 536 timestamps were issued within one millisecond.
    pub fn now(&mut self) -> Result<HybridTimestamp, Error> {
        Ok(HybridTimestamp {
            inner: self.inner.now()?,
        })
    }

    /// Merges a timestamp from another node; returns a local timestamp after both. Throws
    /// (clock unchanged) when `remote` is more than `maxDrift` ms ahead of `Date.now()`.
    pub fn receive(&mut self, remote: &HybridTimestamp) -> Result<HybridTimestamp, Error> {
        Ok(HybridTimestamp {
            inner: self.inner.receive(&remote.inner)?,
        })
    }

    /// The latest timestamp issued or received (`0.0@node` before the first).
    pub fn last(&self) -> HybridTimestamp {
        HybridTimestamp {
            inner: self.inner.last(),
        }
    }

    /// The node this clock stamps for.
    #[wasm_bindgen(getter)]
    pub fn node(&self) -> String {
        self.inner.node().to_string()
    }

    /// How far (ms) ahead of the local clock a received timestamp may be.
    #[wasm_bindgen(getter, js_name = maxDrift)]
    pub fn max_drift(&self) -> Result<f64, Error> {
        wire::exact_number(u128::from(self.inner.max_drift()), "maxDrift", None)
    }

    /// Sets `maxDrift` (a safe integer of ms).
    #[wasm_bindgen(js_name = setMaxDrift)]
    pub fn set_max_drift(&mut self, ms: f64) -> Result<(), Error> {
        self.inner
            .set_max_drift(wire::safe_integer(ms, "maxDrift")?);
        Ok(())
    }
}

impl HybridClock {
    /// A clock reading `time_source` (ms) instead of the wall clock (Rust only: tests and
    /// simulations).
    pub fn with_time_source(node: &str, time_source: fn() -> u64) -> HybridClock {
        HybridClock {
            inner: crdt_kit::HybridClock::with_time_source(node, time_source),
        }
    }

    pub(crate) fn inner_mut(&mut self) -> &mut crdt_kit::HybridClock<fn() -> u64> {
        &mut self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_orders_and_refuses_drift() {
        let mut clock = HybridClock::with_time_source("a", || 5_000);
        let t1 = clock.now().unwrap();
        let t2 = clock.now().unwrap();
        assert_eq!(
            (t2.compare(&t1), t2.logical(), t2.physical().unwrap()),
            (1, 1.0, 5_000.0)
        );
        let far = HybridTimestamp::new(5_000.0 + 3_600_000.0, 0.0, "b").unwrap();
        let err = clock.receive(&far).unwrap_err();
        assert!(
            err.to_string()
                .contains("maximum allowed drift is 60000 ms"),
            "{err}"
        );
        assert!(
            clock.last().equals(&t2),
            "a refused timestamp leaves the clock unchanged"
        );
        let back = HybridTimestamp::from_u64(t2.as_u64(), "a");
        assert!(back.equals(&t2));
        assert!(HybridTimestamp::decode(&t2.encode().unwrap())
            .unwrap()
            .equals(&t2));
        assert!(matches!(
            HybridTimestamp::new(1.0, 65_536.0, "n"),
            Err(Error::NotAnInteger { .. })
        ));
    }
}
