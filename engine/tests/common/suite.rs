//! The conformance suite: generic checks every backend must pass with identical results.
//!
//! Each check takes a factory (so it can make fresh stores) and is instantiated per backend
//! by `conformance_tests!` in `tests/conformance.rs`.

use crdt_store::limits::{MAX_KEY_LEN, MAX_NAMESPACE_LEN, MAX_NODE_ID_LEN, MAX_VALUE_LEN};
use crdt_store::{Error, EventStore, KeyRange, StateStore, WriteBatch};

fn keys_of<S: StateStore>(s: &S, ns: &str, range: KeyRange) -> Vec<String> {
    s.scan(ns, range).unwrap().map(|r| r.unwrap().0).collect()
}

fn seqs<S: EventStore>(s: &S, ns: &str, e: &str, after: u64) -> Vec<u64> {
    s.events_since(ns, e, after)
        .unwrap()
        .map(|r| r.unwrap().seq)
        .collect()
}

pub fn put_get_delete_exists<S: EventStore>(s: S) {
    assert_eq!(s.get("ns", "k").unwrap(), None);
    assert!(!s.exists("ns", "k").unwrap());
    s.put("ns", "k", b"v1").unwrap();
    assert_eq!(s.get("ns", "k").unwrap().as_deref(), Some(&b"v1"[..]));
    assert!(s.exists("ns", "k").unwrap());
    s.put("ns", "k", b"v2").unwrap();
    assert_eq!(s.get("ns", "k").unwrap().as_deref(), Some(&b"v2"[..]));
    assert_eq!(s.get("other", "k").unwrap(), None);
    s.delete("ns", "k").unwrap();
    assert_eq!(s.get("ns", "k").unwrap(), None);
    assert!(!s.exists("ns", "k").unwrap());
    // Deleting a missing key is fine.
    s.delete("ns", "missing").unwrap();
}

pub fn list_keys_and_namespaces<S: EventStore>(s: S) {
    assert!(s.list_namespaces().unwrap().is_empty());
    assert!(s.list_keys("a").unwrap().is_empty());
    for k in ["b", "a", "ab", "", "B", "a\0"] {
        s.put("a", k, k.as_bytes()).unwrap();
    }
    s.put("b", "x", b"").unwrap();
    s.append_event("events-only", "e", b"d", 1, "n").unwrap();
    s.save_snapshot("snap-only", "e", b"s", 0, 1).unwrap();
    s.put("zz", "k", b"v").unwrap();
    s.delete("zz", "k").unwrap();
    assert_eq!(s.list_keys("a").unwrap(), ["", "B", "a", "a\0", "ab", "b"]);
    assert_eq!(s.list_keys("b").unwrap(), ["x"]);
    assert_eq!(
        s.list_namespaces().unwrap(),
        ["a", "b", "events-only", "snap-only"]
    );
}

pub fn scan_ranges_and_order<S: EventStore>(s: S) {
    let keys = ["a", "aa", "ab", "b", "ba", "c", "é", "\u{10FFFF}"];
    for k in keys.iter().rev() {
        s.put("n", k, k.as_bytes()).unwrap();
    }
    s.put("m", "a", b"other ns").unwrap();
    s.put("nn", "a", b"other ns").unwrap();
    assert_eq!(keys_of(&s, "n", KeyRange::all()), keys);
    assert_eq!(keys_of(&s, "n", KeyRange::between("aa", "b")), ["aa", "ab"]);
    assert_eq!(
        keys_of(&s, "n", KeyRange::starting_at("c")),
        ["c", "é", "\u{10FFFF}"]
    );
    use std::ops::Bound;
    let r = KeyRange {
        start: Bound::Excluded("a".into()),
        end: Bound::Included("b".into()),
    };
    assert_eq!(keys_of(&s, "n", r), ["aa", "ab", "b"]);
    assert!(keys_of(&s, "n", KeyRange::between("c", "a")).is_empty());
    let pairs: Vec<(String, Vec<u8>)> = s
        .scan("n", KeyRange::between("b", "c"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        pairs,
        [("b".into(), b"b".to_vec()), ("ba".into(), b"ba".to_vec())]
    );
}

pub fn scan_many_keys_streams<S: EventStore>(s: S) {
    let mut b = WriteBatch::new();
    for i in 0..3000u32 {
        b.put("big", &format!("{i:05}"), &i.to_le_bytes());
    }
    s.commit(&b).unwrap();
    let mut it = s.scan("big", KeyRange::all()).unwrap();
    for i in 0..3000u32 {
        let (k, v) = it.next().unwrap().unwrap();
        assert_eq!(k, format!("{i:05}"));
        assert_eq!(v, i.to_le_bytes());
    }
    assert!(it.next().is_none());
}

pub fn unicode_and_nul<S: EventStore>(s: S) {
    let names = ["\0", "a\0b", "日本語", "emoji 🦀", "\u{FEFF}", ""];
    for ns in names {
        for key in names {
            s.put(ns, key, format!("{ns}|{key}").as_bytes()).unwrap();
        }
    }
    for ns in names {
        for key in names {
            assert_eq!(
                s.get(ns, key).unwrap(),
                Some(format!("{ns}|{key}").into_bytes())
            );
        }
        let mut sorted: Vec<&str> = names.to_vec();
        sorted.sort();
        assert_eq!(s.list_keys(ns).unwrap(), sorted);
    }
    let seq = s
        .append_event("日本語", "a\0b", b"\0\0", 7, "nöde\0🦀")
        .unwrap();
    assert_eq!(seq, 1);
    let ev: Vec<_> = s
        .events_since("日本語", "a\0b", 0)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].node_id, "nöde\0🦀");
    assert_eq!(ev[0].data, b"\0\0");
    assert_eq!(ev[0].timestamp, 7);
    let mut sorted: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    assert_eq!(s.list_namespaces().unwrap(), sorted);
}

pub fn empty_and_large_values<S: EventStore>(s: S) {
    s.put("", "", b"").unwrap();
    assert_eq!(s.get("", "").unwrap(), Some(vec![]));
    assert!(s.exists("", "").unwrap());
    let big_key = "k".repeat(MAX_KEY_LEN);
    let big_ns = "n".repeat(MAX_NAMESPACE_LEN);
    let value: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    s.put(&big_ns, &big_key, &value).unwrap();
    assert_eq!(s.get(&big_ns, &big_key).unwrap(), Some(value.clone()));
    let max_value = vec![7u8; MAX_VALUE_LEN];
    s.put("n", "max", &max_value).unwrap();
    assert_eq!(
        s.get("n", "max").unwrap().map(|v| v.len()),
        Some(MAX_VALUE_LEN)
    );
    let node = "x".repeat(MAX_NODE_ID_LEN);
    assert_eq!(s.append_event("n", &big_key, &value, 1, &node).unwrap(), 1);
}

fn too_large(r: crdt_store::Result<impl std::fmt::Debug>, what: &str) {
    match r {
        Err(Error::TooLarge { what: w, .. }) => assert_eq!(w, what),
        other => panic!("expected TooLarge({what}), got {other:?}"),
    }
}

pub fn limits_give_clear_errors<S: EventStore>(s: S) {
    let long_key = "k".repeat(MAX_KEY_LEN + 1);
    let long_ns = "n".repeat(MAX_NAMESPACE_LEN + 1);
    let long_node = "x".repeat(MAX_NODE_ID_LEN + 1);
    let long_value = vec![0u8; MAX_VALUE_LEN + 1];
    too_large(s.put("n", &long_key, b""), "key");
    too_large(s.put(&long_ns, "k", b""), "namespace");
    too_large(s.put("n", "k", &long_value), "value");
    too_large(s.get("n", &long_key), "key");
    too_large(s.append_event("n", "e", b"", 0, &long_node), "node id");
    too_large(s.append_event("n", "e", &long_value, 0, "n"), "value");
    too_large(s.save_snapshot("n", "e", &long_value, 0, 1), "value");
    let msg = s.put("n", &long_key, b"").unwrap_err().to_string();
    assert!(msg.contains("key") && msg.contains("16384"), "{msg}");
    // Nothing was written by the failed calls.
    assert!(s.list_namespaces().unwrap().is_empty());
    assert_eq!(s.event_count("n", "e").unwrap(), 0);
}

pub fn sequence_numbering<S: EventStore>(s: S) {
    for i in 1..=5u64 {
        assert_eq!(
            s.append_event("n", "a", &[i as u8], i * 10, "node")
                .unwrap(),
            i
        );
    }
    assert_eq!(s.append_event("n", "b", b"", 0, "node").unwrap(), 1);
    assert_eq!(s.append_event("m", "a", b"", 0, "node").unwrap(), 1);
    assert_eq!(s.event_count("n", "a").unwrap(), 5);
    assert_eq!(s.event_count("n", "b").unwrap(), 1);
    assert_eq!(s.event_count("n", "zzz").unwrap(), 0);
    assert_eq!(seqs(&s, "n", "a", 0), [1, 2, 3, 4, 5]);
    assert_eq!(seqs(&s, "n", "a", 3), [4, 5]);
    assert!(seqs(&s, "n", "a", 5).is_empty());
    assert!(seqs(&s, "n", "a", u64::MAX).is_empty());
    let ev: Vec<_> = s
        .events_since("n", "a", 1)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        (ev[0].seq, ev[0].timestamp, &ev[0].data[..]),
        (2, 20, &[2u8][..])
    );
    // Entity names that are prefixes of each other stay apart.
    assert_eq!(s.append_event("n", "ab", b"", 0, "x").unwrap(), 1);
    assert_eq!(seqs(&s, "n", "a", 0), [1, 2, 3, 4, 5]);
}

pub fn snapshot_and_truncate<S: EventStore>(s: S) {
    assert_eq!(s.load_snapshot("n", "e").unwrap(), None);
    for i in 0..10 {
        s.append_event("n", "e", &[i], 0, "node").unwrap();
    }
    s.save_snapshot("n", "e", b"state-v1", 4, 1).unwrap();
    let snap = s.load_snapshot("n", "e").unwrap().unwrap();
    assert_eq!(
        (&snap.state[..], snap.at_seq, snap.version),
        (&b"state-v1"[..], 4, 1)
    );
    s.save_snapshot("n", "e", b"state-v2", 8, 2).unwrap();
    let snap = s.load_snapshot("n", "e").unwrap().unwrap();
    assert_eq!(
        (&snap.state[..], snap.at_seq, snap.version),
        (&b"state-v2"[..], 8, 2)
    );
    assert_eq!(s.truncate_events_before("n", "e", 8).unwrap(), 7);
    assert_eq!(seqs(&s, "n", "e", 0), [8, 9, 10]);
    assert_eq!(s.event_count("n", "e").unwrap(), 3);
    assert_eq!(s.truncate_events_before("n", "e", 8).unwrap(), 0);
    assert_eq!(s.truncate_events_before("n", "e", 0).unwrap(), 0);
    assert_eq!(s.truncate_events_before("n", "e", 1000).unwrap(), 3);
    assert_eq!(s.event_count("n", "e").unwrap(), 0);
    // Seqs are never reused after truncation, and later events are not hidden.
    assert_eq!(s.append_event("n", "e", b"", 0, "node").unwrap(), 11);
    assert_eq!(seqs(&s, "n", "e", 0), [11]);
    assert_eq!(s.event_count("n", "e").unwrap(), 1);
    assert_eq!(s.truncate_events_before("n", "e", 11).unwrap(), 0);
    assert_eq!(s.truncate_events_before("n", "e", 12).unwrap(), 1);
    assert!(seqs(&s, "n", "e", 0).is_empty());
    // The snapshot survives truncation; state keys are unaffected.
    assert!(s.load_snapshot("n", "e").unwrap().is_some());
    assert_eq!(s.truncate_events_before("n", "nothing", 5).unwrap(), 0);
}

pub fn seed_readme_snippet<S: EventStore>(store: S) {
    store.put("sensors", "s1", b"data").unwrap();
    let seq = store
        .append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a")
        .unwrap();
    store
        .save_snapshot("sensors", "s1", b"state", seq, 1)
        .unwrap();
    store.truncate_events_before("sensors", "s1", seq).unwrap();
    assert_eq!(seq, 1);
    assert_eq!(store.event_count("sensors", "s1").unwrap(), 1);
    assert_eq!(
        store.get("sensors", "s1").unwrap().as_deref(),
        Some(&b"data"[..])
    );
}

pub fn batch_is_atomic_and_ordered<S: EventStore>(s: S) {
    s.put("n", "gone", b"x").unwrap();
    let mut b = WriteBatch::new();
    b.put("n", "k", b"1")
        .append_event("n", "e", b"a", 1, "node")
        .append_event("n", "e", b"b", 2, "node")
        .put("n", "k", b"2")
        .delete("n", "gone")
        .save_snapshot("n", "e", b"s", 2, 3)
        .truncate_events_before("n", "e", 2)
        .append_event("n", "e", b"c", 3, "node");
    let out = s.commit(&b).unwrap();
    assert_eq!(out.event_seqs, [1, 2, 3]);
    assert_eq!(out.truncated, [1]);
    assert_eq!(s.get("n", "k").unwrap().as_deref(), Some(&b"2"[..]));
    assert!(!s.exists("n", "gone").unwrap());
    assert_eq!(seqs(&s, "n", "e", 0), [2, 3]);
    assert_eq!(s.load_snapshot("n", "e").unwrap().unwrap().version, 3);

    // A batch with one invalid op changes nothing.
    let mut bad = WriteBatch::new();
    bad.put("n", "k", b"3")
        .append_event("n", "e", b"d", 4, "node")
        .put("n", &"k".repeat(MAX_KEY_LEN + 1), b"");
    assert!(s.commit(&bad).is_err());
    assert_eq!(s.get("n", "k").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(seqs(&s, "n", "e", 0), [2, 3]);
    // An empty batch is fine.
    assert_eq!(s.commit(&WriteBatch::new()).unwrap(), Default::default());
}

pub fn concurrent_appends_get_unique_seqs<S: EventStore>(s: S) {
    let threads = 4;
    let per = 50;
    let all: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let s = &s;
                scope.spawn(move || {
                    (0..per)
                        .map(|i| {
                            s.put("n", &format!("t{t}-{i}"), b"v").unwrap();
                            s.append_event("n", "shared", b"", 0, &format!("t{t}"))
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut sorted = all.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=(threads * per) as u64).collect::<Vec<_>>());
    assert_eq!(s.list_keys("n").unwrap().len(), threads * per);
}

/// Instantiate every check for one backend: `conformance_tests!(mod_name, factory_expr)`.
#[macro_export]
macro_rules! conformance_tests {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_tests!(@each $make;
                put_get_delete_exists, list_keys_and_namespaces, scan_ranges_and_order,
                scan_many_keys_streams, unicode_and_nul, empty_and_large_values,
                limits_give_clear_errors, sequence_numbering, snapshot_and_truncate,
                seed_readme_snippet, batch_is_atomic_and_ordered,
                concurrent_appends_get_unique_seqs);
        }
    };
    (@each $make:expr; $($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                let (_guard, store) = $make;
                $crate::common::suite::$check(store);
            }
        )*
    };
}
