//! `LWWRegister` and `MVRegister` of strings for JavaScript (store JSON with
//! `JSON.stringify` for structured values). LWW timestamps are `bigint` milliseconds (or
//! packed HLC timestamps, see `setWithClock`), exact both ways.

use crate::clock::HybridClock;
use crate::wire::{self, crdt_class, Checked};
use crate::Error;
use crdt_kit::{DotSet, LWWEntry, LWWStamp, MVRegisterDelta};
use wasm_bindgen::prelude::*;

/// A last-writer-wins register of a string (`crdt_kit::LWWRegister<String>`).
#[wasm_bindgen]
pub struct LWWRegister {
    inner: crdt_kit::LWWRegister<String>,
}

#[wasm_bindgen]
impl LWWRegister {
    /// A register for replica `actor` holding `value`, written now (`Date.now()`).
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str, value: String) -> LWWRegister {
        LWWRegister::with_timestamp(actor, value, wire::now_ms())
    }

    /// A register for replica `actor` holding `value`, written at `timestamp`.
    #[wasm_bindgen(js_name = withTimestamp)]
    pub fn with_timestamp(actor: &str, value: String, timestamp: u64) -> LWWRegister {
        LWWRegister {
            inner: crdt_kit::LWWRegister::with_timestamp(actor, value, timestamp),
        }
    }

    /// The current value.
    #[wasm_bindgen(getter)]
    pub fn value(&self) -> String {
        self.inner.value().clone()
    }

    /// The timestamp of the current value's write.
    #[wasm_bindgen(getter)]
    pub fn timestamp(&self) -> u64 {
        self.inner.timestamp()
    }

    /// The replica that wrote the current value.
    #[wasm_bindgen(getter)]
    pub fn writer(&self) -> String {
        self.inner.writer().to_string()
    }

    /// Writes `value` now: stamped `Date.now()`, or just past the current value's stamp if
    /// that is not older, so a local write always supersedes what this replica has seen.
    /// Throws only when no greater stamp exists (current timestamp 2^64 - 1).
    pub fn set(&mut self, value: String) -> Result<(), Error> {
        let timestamp = wire::now_ms().max(self.inner.timestamp());
        if self.inner.set_with_timestamp(value.clone(), timestamp) {
            return Ok(());
        }
        match timestamp.checked_add(1) {
            Some(later) if self.inner.set_with_timestamp(value, later) => Ok(()),
            _ => Err(crdt_kit::Error::CounterExhausted {
                actor: self.inner.actor().clone(),
            }
            .into()),
        }
    }

    /// Writes `value` at `timestamp` if that write wins over the current value; returns
    /// whether it did (an older write loses and changes nothing).
    #[wasm_bindgen(js_name = setWithTimestamp)]
    pub fn set_with_timestamp(&mut self, value: String, timestamp: u64) -> bool {
        self.inner.set_with_timestamp(value, timestamp)
    }

    /// Writes `value` stamped `clock.now()` (packed, see `HybridTimestamp.asU64()`);
    /// returns whether it won. Throws when the clock is exhausted. Use one kind of
    /// timestamp per register: packed HLC values are far greater than milliseconds.
    #[wasm_bindgen(js_name = setWithClock)]
    pub fn set_with_clock(
        &mut self,
        value: String,
        clock: &mut HybridClock,
    ) -> Result<bool, Error> {
        Ok(self.inner.set_with_clock(value, clock.inner_mut())?)
    }
}

/// An `LWWRegister` has no structural invariant: any value with any stamp is a valid state.
impl Checked for crdt_kit::LWWRegister<String> {
    fn check(&self) -> Result<(), crdt_kit::Error> {
        Ok(())
    }
}

crdt_class!(@unchecked LWWRegister, crdt_kit::LWWRegister<String>, Option<LWWEntry<String>>, LWWStamp, "LWWRegister");

/// A multi-value register of strings (`crdt_kit::MVRegister<String>`): concurrent writes
/// are all kept until a later write resolves the conflict.
#[wasm_bindgen]
pub struct MVRegister {
    inner: crdt_kit::MVRegister<String>,
}

#[wasm_bindgen]
impl MVRegister {
    /// An empty register for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> MVRegister {
        MVRegister {
            inner: crdt_kit::MVRegister::new(actor),
        }
    }

    /// Writes `value`, overwriting every value this replica has seen. Throws when this
    /// actor has used every operation counter.
    pub fn set(&mut self, value: String) -> Result<(), Error> {
        Ok(self.inner.try_set(value)?)
    }

    /// The current values: one, or several after concurrent writes (ordered by writer,
    /// then counter), or none before the first write.
    pub fn values(&self) -> Vec<String> {
        self.inner.values().into_iter().cloned().collect()
    }

    /// True when concurrent writes are unresolved (more than one value).
    #[wasm_bindgen(js_name = isConflicted)]
    pub fn is_conflicted(&self) -> bool {
        self.inner.is_conflicted()
    }

    /// True before the first write.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

crdt_class!(
    MVRegister,
    crdt_kit::MVRegister<String>,
    MVRegisterDelta<String>,
    DotSet,
    "MVRegister"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lww_later_write_wins_and_older_loses() {
        let mut a = LWWRegister::with_timestamp("a", "draft".into(), 10);
        let mut b = a.fork("b");
        assert!(b.set_with_timestamp("final".into(), 20));
        assert!(!a.set_with_timestamp("old".into(), 5));
        a.apply_delta(&b.delta(&a).unwrap()).unwrap();
        assert_eq!(
            (a.value(), a.timestamp(), a.writer()),
            ("final".into(), 20, "b".into())
        );
        a.set("now".into()).unwrap();
        assert!(a.timestamp() > 20);
        assert_eq!(a.writer(), "a");
    }

    #[test]
    fn lww_set_throws_when_no_greater_stamp_exists() {
        let mut a = LWWRegister::with_timestamp("b", "x".into(), u64::MAX).fork("a");
        let err = a.set("y".into()).unwrap_err();
        assert!(matches!(
            err,
            Error::Crdt(crdt_kit::Error::CounterExhausted { .. })
        ));
        assert_eq!(a.value(), "x");
    }

    #[test]
    fn mv_keeps_concurrent_writes() {
        let mut a = MVRegister::new("a");
        let mut b = MVRegister::new("b");
        a.set("red".into()).unwrap();
        b.set("blue".into()).unwrap();
        a.merge(&b);
        assert_eq!(a.values(), ["red", "blue"]);
        assert!(a.is_conflicted());
        a.set("purple".into()).unwrap();
        b.apply_delta(&a.delta_since(&b.summary().unwrap()).unwrap())
            .unwrap();
        assert_eq!(b.values(), ["purple"]);
    }
}
