//! `GCounter` and `PNCounter` for JavaScript. Amounts are JS numbers checked to be safe
//! integers; values are returned as numbers when exact (else an error names
//! `valueBigInt()`), or exactly as `bigint`.

use crate::wire::{self, crdt_class};
use crate::Error;
use crdt_kit::{GCounterDelta, PNCounterDelta, PNCounterSummary, VersionVector};
use wasm_bindgen::prelude::*;

/// A grow-only counter (`crdt_kit::GCounter`).
#[wasm_bindgen]
pub struct GCounter {
    inner: crdt_kit::GCounter,
}

#[wasm_bindgen]
impl GCounter {
    /// A counter at 0 for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> GCounter {
        GCounter {
            inner: crdt_kit::GCounter::new(actor),
        }
    }

    /// Adds 1; throws if this replica's count would pass 2^64 - 1.
    pub fn increment(&mut self) -> Result<(), Error> {
        Ok(self.inner.try_increment()?)
    }

    /// Adds `n` (a safe integer); throws if it is not one or the count would overflow.
    #[wasm_bindgen(js_name = incrementBy)]
    pub fn increment_by(&mut self, n: f64) -> Result<(), Error> {
        Ok(self
            .inner
            .try_increment_by(wire::safe_integer(n, "incrementBy(n)")?)?)
    }

    /// The total as a number; throws if it exceeds `Number.MAX_SAFE_INTEGER`.
    pub fn value(&self) -> Result<f64, Error> {
        wire::exact_number(
            self.inner.value_u128(),
            "the counter's value",
            Some("valueBigInt()"),
        )
    }

    /// The exact total.
    #[wasm_bindgen(js_name = valueBigInt)]
    pub fn value_big_int(&self) -> u128 {
        self.inner.value_u128()
    }

    /// How many increments `actor` made, as far as this replica knows, as a `bigint`.
    #[wasm_bindgen(js_name = countFor)]
    pub fn count_for(&self, actor: &str) -> u64 {
        self.inner.count_for(actor)
    }
}

crdt_class!(
    GCounter,
    crdt_kit::GCounter,
    GCounterDelta,
    VersionVector,
    "GCounter"
);

/// A counter with increments and decrements (`crdt_kit::PNCounter`).
#[wasm_bindgen]
pub struct PNCounter {
    inner: crdt_kit::PNCounter,
}

#[wasm_bindgen]
impl PNCounter {
    /// A counter at 0 for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> PNCounter {
        PNCounter {
            inner: crdt_kit::PNCounter::new(actor),
        }
    }

    /// Adds 1; throws on overflow of this replica's increments.
    pub fn increment(&mut self) -> Result<(), Error> {
        Ok(self.inner.try_increment()?)
    }

    /// Subtracts 1; throws on overflow of this replica's decrements.
    pub fn decrement(&mut self) -> Result<(), Error> {
        Ok(self.inner.try_decrement()?)
    }

    /// Adds `n` (a safe integer).
    #[wasm_bindgen(js_name = incrementBy)]
    pub fn increment_by(&mut self, n: f64) -> Result<(), Error> {
        Ok(self
            .inner
            .try_increment_by(wire::safe_integer(n, "incrementBy(n)")?)?)
    }

    /// Subtracts `n` (a safe integer).
    #[wasm_bindgen(js_name = decrementBy)]
    pub fn decrement_by(&mut self, n: f64) -> Result<(), Error> {
        Ok(self
            .inner
            .try_decrement_by(wire::safe_integer(n, "decrementBy(n)")?)?)
    }

    /// The value (increments minus decrements) as a number; throws if its magnitude
    /// exceeds `Number.MAX_SAFE_INTEGER`.
    pub fn value(&self) -> Result<f64, Error> {
        let v = self.inner.value_i128();
        let what = "the counter's value";
        let exact = Some("valueBigInt()");
        let magnitude = wire::exact_number(v.unsigned_abs(), what, exact).map_err(|_| {
            Error::Unrepresentable {
                what,
                value: v.to_string(),
                exact,
            }
        })?;
        Ok(if v < 0 { -magnitude } else { magnitude })
    }

    /// The exact value.
    #[wasm_bindgen(js_name = valueBigInt)]
    pub fn value_big_int(&self) -> i128 {
        self.inner.value_i128()
    }
}

crdt_class!(
    PNCounter,
    crdt_kit::PNCounter,
    PNCounterDelta,
    PNCounterSummary,
    "PNCounter"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_merge_and_refuse_bad_amounts() {
        let mut a = GCounter::new("a");
        a.increment_by(5.0).unwrap();
        let mut b = a.fork("b");
        b.increment().unwrap();
        a.apply_delta(&b.delta_since(&a.summary().unwrap()).unwrap())
            .unwrap();
        assert_eq!(a.value().unwrap(), 6.0);
        assert_eq!(a.count_for("b"), 1);
        for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, 2f64.powi(53)] {
            assert!(
                matches!(a.increment_by(bad), Err(Error::NotAnInteger { .. })),
                "{bad}"
            );
        }
        assert_eq!(a.value().unwrap(), 6.0, "a refused amount changes nothing");

        let mut p = PNCounter::new("p");
        p.decrement_by(3.0).unwrap();
        p.increment().unwrap();
        assert_eq!(p.value().unwrap(), -2.0);
        assert_eq!(p.value_big_int(), -2);
        let q = PNCounter::decode(&p.encode().unwrap()).unwrap();
        assert!(q.equals(&p));
        assert_eq!(q.actor(), "p");
    }

    #[test]
    fn values_past_safe_integers_are_an_error_not_a_rounding() {
        let mut a = GCounter::new("a");
        a.increment_by(wire::MAX_SAFE_INTEGER as f64).unwrap();
        assert_eq!(a.value().unwrap(), wire::MAX_SAFE_INTEGER as f64);
        a.increment().unwrap();
        let err = a.value().unwrap_err();
        assert!(err.to_string().contains("valueBigInt"), "{err}");
        assert_eq!(a.value_big_int(), u128::from(wire::MAX_SAFE_INTEGER) + 1);
    }
}
