//! Native Rust <-> JavaScript interop of delta bytes (issue 10).
//!
//! Each of the nine types has one scenario, written twice: here with crdt-kit, and in
//! `tests/js/scenarios.mjs` with the JS classes. Run by replica `actor`, the scenario
//! ends in a state whose delta against a fresh replica is what we exchange.
//!
//! - `golden/rust/`: the deltas of `scenario("rust")` made here, and `values.json`, the
//!   value each gives when applied. `rust_golden_deltas_are_stable` checks them
//!   (`CRDT_WASM_BLESS=1` rewrites them); the JS test applies them in WebAssembly.
//! - `golden/js/` (or `$CRDT_WASM_JS_DELTAS`, where wasm/ci.sh has Node write fresh ones):
//!   the deltas of `scenario("js")` made in JS and the values JS saw.
//!   `js_deltas_apply_natively` applies them here and checks the values, and that native
//!   `scenario("js")` encodes to the very same bytes.
#![cfg(not(target_arch = "wasm32"))]

use crdt_kit::{
    DeltaCrdt, GCounter, GSet, LWWEntry, LWWRegister, MVRegister, ORSet, PNCounter, Rga, TextCrdt,
    TwoPSet,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The receiving replica's actor in both directions.
const PEER: &str = "peer";

/// One type's scenario: the delta bytes of `scenario(actor)` against a fresh replica, and
/// a function that applies delta bytes to a fresh replica and returns its value as JSON.
struct Case {
    name: &'static str,
    delta: fn(&str) -> Vec<u8>,
    apply: fn(&[u8]) -> Value,
}

fn bytes<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("postcard encodes every delta")
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
    let (value, rest) = postcard::take_from_bytes(bytes).expect("valid delta bytes");
    assert!(rest.is_empty(), "{} trailing bytes", rest.len());
    value
}

fn delta_of<T: DeltaCrdt>(state: &T, fresh: &T) -> Vec<u8>
where
    T::Delta: Serialize,
{
    bytes(&state.delta(fresh))
}

fn applied<T: DeltaCrdt>(mut fresh: T, delta: &[u8]) -> T
where
    T::Delta: DeserializeOwned,
{
    fresh.apply_delta(&decode(delta));
    fresh
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "GCounter",
            delta: |actor| {
                let mut c = GCounter::new(actor);
                c.try_increment_by(5).unwrap();
                c.try_increment().unwrap();
                delta_of(&c, &GCounter::new(PEER))
            },
            apply: |d| json!(applied(GCounter::new(PEER), d).value()),
        },
        Case {
            name: "PNCounter",
            delta: |actor| {
                let mut c = PNCounter::new(actor);
                c.try_increment_by(10).unwrap();
                c.try_decrement_by(3).unwrap();
                delta_of(&c, &PNCounter::new(PEER))
            },
            apply: |d| json!(applied(PNCounter::new(PEER), d).value()),
        },
        Case {
            name: "LWWRegister",
            delta: |actor| {
                let mut r = LWWRegister::with_timestamp(actor, String::from("first"), 1_000);
                assert!(r.set_with_timestamp("second".into(), 2_000));
                let fresh = LWWRegister::with_timestamp(PEER, String::new(), 0);
                let delta: Option<LWWEntry<String>> = r.delta(&fresh);
                bytes(&delta)
            },
            apply: |d| {
                let fresh = LWWRegister::with_timestamp(PEER, String::new(), 0);
                json!(applied(fresh, d).value())
            },
        },
        Case {
            name: "MVRegister",
            delta: |actor| {
                let mut r = MVRegister::new(actor);
                r.try_set(String::from("x")).unwrap();
                r.try_set(String::from("y")).unwrap();
                delta_of(&r, &MVRegister::new(PEER))
            },
            apply: |d| json!(applied(MVRegister::<String>::new(PEER), d).values()),
        },
        Case {
            name: "GSet",
            delta: |actor| {
                let mut s = GSet::new(actor);
                for v in ["b", "a", "c"] {
                    s.try_insert(String::from(v)).unwrap();
                }
                delta_of(&s, &GSet::new(PEER))
            },
            apply: |d| {
                json!(applied(GSet::<String>::new(PEER), d)
                    .iter()
                    .collect::<Vec<_>>())
            },
        },
        Case {
            name: "TwoPSet",
            delta: |actor| {
                let mut s = TwoPSet::new(actor);
                s.try_insert(String::from("a")).unwrap();
                s.try_insert(String::from("b")).unwrap();
                s.try_remove("a").unwrap();
                delta_of(&s, &TwoPSet::new(PEER))
            },
            apply: |d| {
                json!(applied(TwoPSet::<String>::new(PEER), d)
                    .iter()
                    .collect::<Vec<_>>())
            },
        },
        Case {
            name: "ORSet",
            delta: |actor| {
                let mut s = ORSet::new(actor);
                for v in ["apple", "banana", "cherry"] {
                    s.try_insert(String::from(v)).unwrap();
                }
                s.remove("banana");
                delta_of(&s, &ORSet::new(PEER))
            },
            apply: |d| {
                json!(applied(ORSet::<String>::new(PEER), d)
                    .iter()
                    .collect::<Vec<_>>())
            },
        },
        Case {
            name: "Rga",
            delta: |actor| {
                let mut l = Rga::new(actor);
                l.insert_all(0, vec![String::from("one"), String::from("three")])
                    .unwrap();
                l.insert_at(1, String::from("two")).unwrap();
                delta_of(&l, &Rga::new(PEER))
            },
            apply: |d| json!(applied(Rga::<String>::new(PEER), d).to_vec()),
        },
        Case {
            name: "TextCrdt",
            delta: |actor| {
                let mut t = TextCrdt::new(actor);
                t.insert_str(0, "hello world").unwrap();
                t.splice(0, 1, "H").unwrap();
                t.insert(11, '!').unwrap();
                t.insert_str(5, " 🌍").unwrap();
                delta_of(&t, &TextCrdt::new(PEER))
            },
            apply: |d| json!(applied(TextCrdt::new(PEER), d).to_string()),
        },
    ]
}

fn golden(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(dir)
}

fn read_values(dir: &Path) -> BTreeMap<String, Value> {
    let path = dir.join("values.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn rust_golden_deltas_are_stable() {
    let dir = golden("rust");
    let bless = std::env::var_os("CRDT_WASM_BLESS").is_some();
    let mut values = BTreeMap::new();
    for case in cases() {
        let delta = (case.delta)("rust");
        let value = (case.apply)(&delta);
        let path = dir.join(format!("{}.delta", case.name));
        if bless {
            std::fs::write(&path, &delta).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            committed, delta,
            "{}: native encoding changed; the JS side applies these bytes",
            case.name
        );
        values.insert(case.name.to_string(), value);
    }
    let text = serde_json::to_string_pretty(&values).unwrap() + "\n";
    if bless {
        std::fs::write(dir.join("values.json"), &text).unwrap();
    }
    assert_eq!(read_values(&dir), values);
}

#[test]
fn js_deltas_apply_natively() {
    let dir = std::env::var_os("CRDT_WASM_JS_DELTAS").map_or_else(|| golden("js"), PathBuf::from);
    let values = read_values(&dir);
    assert_eq!(
        values.len(),
        cases().len(),
        "{}: one value per type",
        dir.display()
    );
    for case in cases() {
        let path = dir.join(format!("{}.delta", case.name));
        let from_js = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            from_js,
            (case.delta)("js"),
            "{}: JS and native Rust encode the same delta differently",
            case.name
        );
        assert_eq!(
            (case.apply)(&from_js),
            values[case.name],
            "{}: applied natively, the JS delta gives another value",
            case.name
        );
    }
}
