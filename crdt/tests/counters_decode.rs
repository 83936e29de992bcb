//! Hostile bytes: decoding counters, registers, their deltas and summaries, and HLC
//! timestamps from random or corrupted postcard bytes returns `Err` or a state that
//! satisfies the type's invariants. Never a panic.
#![cfg(feature = "serde")]

mod common;

use common::{decode, encode};
use crdt_kit::prelude::*;
use crdt_kit::{GCounterDelta, LWWEntry, LWWStamp, PNCounterDelta, PNCounterSummary};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

const ACTORS: [&str; 5] = ["a", "bb", "c", "phone", "a-long-actor-id-on-the-heap-0123"];

fn gcounter() -> impl Strategy<Value = GCounter> {
    (
        0..5usize,
        proptest::collection::vec((0..5usize, 0..u64::MAX), 0..6),
    )
        .prop_map(|(me, incs)| {
            let mut c = GCounter::new(ACTORS[me]);
            for (who, n) in incs {
                let mut other = GCounter::new(ACTORS[who]);
                other.increment_by(n);
                c.merge(&other);
            }
            c
        })
}

fn pncounter() -> impl Strategy<Value = PNCounter> {
    (
        0..5usize,
        proptest::collection::vec((0..5usize, any::<bool>(), 0..1000u64), 0..6),
    )
        .prop_map(|(me, ops)| {
            let mut c = PNCounter::new(ACTORS[me]);
            for (who, up, n) in ops {
                let mut other = PNCounter::new(ACTORS[who]);
                if up {
                    other.increment_by(n);
                } else {
                    other.decrement_by(n);
                }
                c.merge(&other);
            }
            c
        })
}

fn lww() -> impl Strategy<Value = LWWRegister<String>> {
    (0..5usize, ".{0,8}", any::<u64>(), any::<bool>()).prop_map(|(me, v, ts, again)| {
        let mut r = LWWRegister::with_timestamp(ACTORS[me], v.clone(), ts);
        if again {
            r.set_with_timestamp(v + "!", ts);
        }
        r
    })
}

/// Byte edits applied to a valid encoding: overwrite, insert, remove, truncate.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Remove),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    proptest::collection::vec(edit, 1..4)
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Set(i, b) => {
                if let Some(x) = bytes.get_mut(i % len) {
                    *x = b;
                }
            }
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Remove(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % len);
                }
            }
            Edit::Truncate(i) => bytes.truncate(i % len),
        }
    }
    bytes
}

/// Decodes; if that succeeds, checks invariants and that the state re-encodes to itself.
fn check<T>(bytes: &[u8], invariants: impl Fn(&T))
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    if let Ok(value) = decode::<T>(bytes) {
        invariants(&value);
        let again: T = decode(&encode(&value)).expect("a decoded value re-decodes");
        assert_eq!(again, value);
    }
}

fn gcounter_ok(c: &GCounter) {
    c.check_invariants().unwrap();
    let entries: Vec<(ActorId, u64)> = c.entries().map(|(a, n)| (a.clone(), n)).collect();
    assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(entries.iter().all(|(_, n)| *n > 0));
    assert_eq!(
        c.value_u128(),
        entries.iter().map(|(_, n)| u128::from(*n)).sum::<u128>()
    );
    for (a, n) in &entries {
        assert_eq!(c.count_for(a), *n);
    }
    let mut m = c.clone();
    m.merge(c);
    assert_eq!(&m, c);
}

fn gdelta_ok(d: &GCounterDelta) {
    let entries: Vec<(&ActorId, u64)> = d.iter().collect();
    assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(entries.iter().all(|(_, n)| *n > 0));
    assert_eq!(d.len(), entries.len());
    let mut c = GCounter::new("probe");
    c.apply_delta(d);
    gcounter_ok(&c);
}

fn pncounter_ok(c: &PNCounter) {
    c.check_invariants().unwrap();
    gcounter_ok(c.increments());
    gcounter_ok(c.decrements());
    assert_eq!(c.increments().actor(), c.decrements().actor());
}

fn pndelta_ok(d: &PNCounterDelta) {
    gdelta_ok(&d.increments);
    gdelta_ok(&d.decrements);
}

fn lww_ok(r: &LWWRegister<String>) {
    let mut m = r.clone();
    m.merge(r);
    assert_eq!(&m, r);
    assert_eq!(r.timestamp(), r.stamp().timestamp());
}

fn nothing<T>(_: &T) {}

/// Every type under test, decoded from the same bytes.
fn check_all(bytes: &[u8]) {
    check::<GCounter>(bytes, gcounter_ok);
    check::<GCounterDelta>(bytes, gdelta_ok);
    check::<PNCounter>(bytes, pncounter_ok);
    check::<PNCounterDelta>(bytes, pndelta_ok);
    check::<PNCounterSummary>(bytes, nothing);
    check::<LWWRegister<String>>(bytes, lww_ok);
    check::<Option<LWWEntry<String>>>(bytes, nothing);
    check::<LWWStamp>(bytes, nothing);
    check::<HybridTimestamp>(bytes, nothing);
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        check_all(&bytes);
    }

    #[test]
    fn mutated_counters(c in gcounter(), p in pncounter(), peer in gcounter(),
                        e in edits()) {
        check_all(&mutate(encode(&c), &e));
        check_all(&mutate(encode(&c.delta(&peer)), &e));
        check_all(&mutate(encode(&p), &e));
        check_all(&mutate(encode(&p.delta_since(&PNCounter::new("x").summary())), &e));
        check_all(&mutate(encode(&p.summary()), &e));
    }

    #[test]
    fn mutated_registers_and_timestamps(r in lww(), ts in any::<u64>(), l in any::<u16>(),
                                        e in edits()) {
        check_all(&mutate(encode(&r), &e));
        let empty = LWWRegister::with_timestamp("z", String::new(), 0);
        check_all(&mutate(encode(&r.delta(&empty)), &e));
        check_all(&mutate(encode(r.stamp()), &e));
        check_all(&mutate(encode(&HybridTimestamp::new(ts, l, "node")), &e));
    }

    #[test]
    fn valid_states_round_trip(c in gcounter(), p in pncounter(), r in lww(), peer in gcounter()) {
        prop_assert_eq!(decode::<GCounter>(&encode(&c)).unwrap(), c.clone());
        let d = c.delta(&peer);
        prop_assert_eq!(decode::<GCounterDelta>(&encode(&d)).unwrap(), d);
        prop_assert_eq!(decode::<PNCounter>(&encode(&p)).unwrap(), p.clone());
        let back: LWWRegister<String> = decode(&encode(&r)).unwrap();
        prop_assert_eq!(back.actor(), r.actor());
        prop_assert_eq!(back, r);
        // The local actor survives the trip too.
        let c2: GCounter = decode(&encode(&c)).unwrap();
        prop_assert_eq!(c2.actor(), c.actor());
        let p2: PNCounter = decode(&encode(&p)).unwrap();
        prop_assert_eq!(p2.actor(), p.actor());
    }
}

/// Postcard bytes of `{ actor, counts }` with the given entries.
fn raw_counter(actor: &str, counts: &[(&str, u64)]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Raw<'a> {
        actor: &'a str,
        counts: &'a [(&'a str, u64)],
    }
    encode(&Raw { actor, counts })
}

#[test]
fn broken_counter_invariants_are_rejected() {
    assert!(decode::<GCounter>(&raw_counter("a", &[("a", 1), ("b", 2)])).is_ok());
    for bad in [
        &[("b", 1), ("a", 2)][..], // unsorted
        &[("a", 1), ("a", 2)][..], // duplicate
        &[("a", 0)][..],           // zero
        &[("x", 3), ("y", 0)][..], // zero
    ] {
        let bytes = raw_counter("a", bad);
        assert!(decode::<GCounter>(&bytes).is_err(), "{bad:?}");
        // The delta has the same shape without the actor.
        assert!(decode::<GCounterDelta>(&bytes[2..]).is_err(), "{bad:?}");
    }
    // Own actor inside the counts lands in the own count.
    let c: GCounter = decode(&raw_counter("b", &[("a", 1), ("b", 2)])).unwrap();
    assert_eq!(c.count_for("b"), 2);
    c.check_invariants().unwrap();
    // A PNCounter with a broken half.
    #[derive(Serialize)]
    struct RawPn<'a> {
        actor: &'a str,
        increments: &'a [(&'a str, u64)],
        decrements: &'a [(&'a str, u64)],
    }
    let bad = encode(&RawPn {
        actor: "a",
        increments: &[("a", 1)],
        decrements: &[("b", 0)],
    });
    assert!(decode::<PNCounter>(&bad).is_err());
    let bad = encode(&RawPn {
        actor: "a",
        increments: &[("b", 1), ("a", 1)],
        decrements: &[],
    });
    assert!(decode::<PNCounter>(&bad).is_err());
}

#[test]
fn huge_length_prefixes_do_not_allocate() {
    // actor "a", then a count list claiming 2^35 entries.
    let bytes = [1, b'a', 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
    assert!(decode::<GCounter>(&bytes).is_err());
    assert!(decode::<PNCounter>(&bytes).is_err());
    assert!(decode::<GCounterDelta>(&bytes[2..]).is_err());
    // An actor id claiming 4 GiB.
    assert!(decode::<HybridTimestamp>(&[1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).is_err());
    assert!(decode::<LWWRegister<String>>(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).is_err());
}

#[test]
fn json_round_trip() {
    let mut c = PNCounter::new("edge");
    c.increment_by(5);
    c.decrement();
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"actor":"edge","increments":[["edge",5]],"decrements":[["edge",1]]}"#
    );
    assert_eq!(serde_json::from_str::<PNCounter>(&json).unwrap(), c);
    let t = HybridTimestamp::new(5, 1, "n");
    assert_eq!(
        serde_json::from_str::<HybridTimestamp>(&serde_json::to_string(&t).unwrap()).unwrap(),
        t
    );
    let r = LWWRegister::with_timestamp("a", 7u32, 9);
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        r#"{"actor":"a","value":7,"stamp":{"timestamp":9,"writer":"a","seq":0}}"#
    );
}
