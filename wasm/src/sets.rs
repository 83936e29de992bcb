//! `GSet`, `TwoPSet` and `ORSet` of strings for JavaScript (JS `Set`-like: `insert`,
//! `remove`, `contains`, `size`, `toArray` in sorted order).

use crate::wire::{self, crdt_class};
use crate::Error;
use crdt_kit::{DotSet, GSetDelta, ORSetDelta, TwoPSetDelta};
use wasm_bindgen::prelude::*;

/// The reads every set class shares: `contains`, `size`, `isEmpty`, `toArray`.
macro_rules! set_reads {
    ($class:ident) => {
        #[wasm_bindgen]
        impl $class {
            /// True when `value` is present.
            pub fn contains(&self, value: &str) -> bool {
                self.inner.contains(value)
            }

            /// Number of present elements.
            #[wasm_bindgen(getter)]
            pub fn size(&self) -> f64 {
                wire::to_number(self.inner.len())
            }

            /// True when no element is present.
            #[wasm_bindgen(js_name = isEmpty)]
            pub fn is_empty(&self) -> bool {
                self.inner.is_empty()
            }

            /// The present elements in sorted order.
            #[wasm_bindgen(js_name = toArray)]
            pub fn to_array(&self) -> Vec<String> {
                self.inner.iter().cloned().collect()
            }
        }
    };
}

/// A grow-only set of strings (`crdt_kit::GSet<String>`).
#[wasm_bindgen]
pub struct GSet {
    inner: crdt_kit::GSet<String>,
}

#[wasm_bindgen]
impl GSet {
    /// An empty set for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> GSet {
        GSet {
            inner: crdt_kit::GSet::new(actor),
        }
    }

    /// Adds `value`; returns whether it was new. Throws when this actor has used every
    /// operation counter.
    pub fn insert(&mut self, value: String) -> Result<bool, Error> {
        Ok(self.inner.try_insert(value)?)
    }
}

set_reads!(GSet);
crdt_class!(
    GSet,
    crdt_kit::GSet<String>,
    GSetDelta<String>,
    DotSet,
    "GSet"
);

/// A two-phase set of strings (`crdt_kit::TwoPSet<String>`): a removed element can never
/// come back.
#[wasm_bindgen]
pub struct TwoPSet {
    inner: crdt_kit::TwoPSet<String>,
}

#[wasm_bindgen]
impl TwoPSet {
    /// An empty set for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> TwoPSet {
        TwoPSet {
            inner: crdt_kit::TwoPSet::new(actor),
        }
    }

    /// Adds `value`; returns whether it is now present and was not before (false for a
    /// value removed for good). Throws when this actor has used every operation counter.
    pub fn insert(&mut self, value: String) -> Result<bool, Error> {
        Ok(self.inner.try_insert(value)?)
    }

    /// Removes `value` for good; returns whether it was present. Throws when this actor
    /// has used every operation counter.
    pub fn remove(&mut self, value: &str) -> Result<bool, Error> {
        Ok(self.inner.try_remove(value)?)
    }

    /// True when `value` was removed (it can never be added again).
    #[wasm_bindgen(js_name = isRemoved)]
    pub fn is_removed(&self, value: &str) -> bool {
        self.inner.is_removed(value)
    }
}

set_reads!(TwoPSet);
crdt_class!(
    TwoPSet,
    crdt_kit::TwoPSet<String>,
    TwoPSetDelta<String>,
    DotSet,
    "TwoPSet"
);

/// An add-wins observed-remove set of strings (`crdt_kit::ORSet<String>`).
#[wasm_bindgen]
pub struct ORSet {
    inner: crdt_kit::ORSet<String>,
}

#[wasm_bindgen]
impl ORSet {
    /// An empty set for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> ORSet {
        ORSet {
            inner: crdt_kit::ORSet::new(actor),
        }
    }

    /// Adds `value` (a concurrent remove elsewhere does not undo this add); returns
    /// whether it was absent. Throws when this actor has used every operation counter.
    pub fn insert(&mut self, value: String) -> Result<bool, Error> {
        Ok(self.inner.try_insert(value)?)
    }

    /// Removes the adds of `value` this replica has seen; returns whether it was present.
    pub fn remove(&mut self, value: &str) -> bool {
        self.inner.remove(value)
    }
}

set_reads!(ORSet);
crdt_class!(
    ORSet,
    crdt_kit::ORSet<String>,
    ORSetDelta<String>,
    DotSet,
    "ORSet"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_set_add_wins_over_concurrent_remove() {
        let mut a = ORSet::new("a");
        assert!(a.insert("milk".into()).unwrap());
        let mut b = a.fork("b");
        assert!(b.remove("milk"));
        assert!(!a.insert("milk".into()).unwrap());
        a.insert("eggs".into()).unwrap();
        // a re-added concurrently with b's remove: a's second add survives.
        b.apply_delta(&a.delta_since(&b.summary().unwrap()).unwrap())
            .unwrap();
        a.apply_delta(&b.delta(&a).unwrap()).unwrap();
        assert_eq!(a.to_array(), ["eggs", "milk"]);
        assert!(a.equals(&b));
    }

    #[test]
    fn two_p_set_removal_is_for_good_and_g_set_grows() {
        let mut t = TwoPSet::new("t");
        t.insert("x".into()).unwrap();
        assert!(t.remove("x").unwrap());
        assert!(!t.insert("x".into()).unwrap());
        assert!(t.is_removed("x") && !t.contains("x") && t.is_empty());

        let mut g = GSet::new("g");
        g.insert("b".into()).unwrap();
        g.insert("a".into()).unwrap();
        let h = GSet::decode(&g.encode().unwrap()).unwrap();
        assert_eq!(
            (h.to_array(), h.size()),
            (vec!["a".to_string(), "b".into()], 2.0)
        );
    }
}
