//! Model test: random put / delete / append / snapshot / truncate / batch / flush / compact /
//! reopen sequences on NativeStore (over SimDisk, small memtable and log so that flushes,
//! log growth and compactions happen) checked against a plain `BTreeMap` model.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use crdt_store::io::{CutMode, SimDisk};
use crdt_store::{Event, EventStore, NativeStore, Options, Snapshot, StateStore, WriteBatch};
use proptest::prelude::*;

const NS: [&str; 3] = ["a", "b\0", "ü"];
const KEYS: [&str; 6] = ["", "k1", "k2", "k10", "日本", "k\0"];
const ENTITIES: [&str; 3] = ["e1", "e2", "e\0"];

#[derive(Debug, Clone)]
enum Op {
    Put(usize, usize, Vec<u8>),
    Delete(usize, usize),
    Append(usize, usize, Vec<u8>, u64),
    Snapshot(usize, usize, Vec<u8>, u64, u32),
    Truncate(usize, usize, u64),
}

#[derive(Debug, Clone)]
enum Step {
    One(Op),
    Batch(Vec<Op>),
    Flush,
    Compact,
    Reopen,
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => (0usize..3000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..NS.len(), 0..KEYS.len(), value()).prop_map(|(n, k, v)| Op::Put(n, k, v)),
        2 => (0..NS.len(), 0..KEYS.len()).prop_map(|(n, k)| Op::Delete(n, k)),
        4 => (0..NS.len(), 0..ENTITIES.len(), value(), any::<u64>())
            .prop_map(|(n, e, v, t)| Op::Append(n, e, v, t)),
        1 => (0..NS.len(), 0..ENTITIES.len(), value(), 0u64..20, any::<u32>())
            .prop_map(|(n, e, v, s, ver)| Op::Snapshot(n, e, v, s, ver)),
        1 => (0..NS.len(), 0..ENTITIES.len(), 0u64..25).prop_map(|(n, e, s)| Op::Truncate(n, e, s)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        10 => op().prop_map(Step::One),
        2 => proptest::collection::vec(op(), 0..6).prop_map(Step::Batch),
        1 => Just(Step::Flush),
        1 => Just(Step::Compact),
        1 => Just(Step::Reopen),
    ]
}

type Key = (String, String);

#[derive(Debug, Default, Clone)]
struct Model {
    state: BTreeMap<Key, Vec<u8>>,
    last_seq: BTreeMap<Key, u64>,
    events: BTreeMap<Key, BTreeMap<u64, Event>>,
    snapshots: BTreeMap<Key, Snapshot>,
}

impl Model {
    /// Returns the seq of an append or the count of a truncate.
    fn apply(&mut self, op: &Op) -> Option<u64> {
        let k = |n: usize, k: &str| (NS[n].to_string(), k.to_string());
        match op {
            Op::Put(n, key, v) => {
                self.state.insert(k(*n, KEYS[*key]), v.clone());
                None
            }
            Op::Delete(n, key) => {
                self.state.remove(&k(*n, KEYS[*key]));
                None
            }
            Op::Append(n, e, v, t) => {
                let id = k(*n, ENTITIES[*e]);
                let seq = self.last_seq.get(&id).copied().unwrap_or(0) + 1;
                self.last_seq.insert(id.clone(), seq);
                self.events.entry(id).or_default().insert(
                    seq,
                    Event {
                        seq,
                        timestamp: *t,
                        node_id: "node".into(),
                        data: v.clone(),
                    },
                );
                Some(seq)
            }
            Op::Snapshot(n, e, v, s, ver) => {
                self.snapshots.insert(
                    k(*n, ENTITIES[*e]),
                    Snapshot {
                        state: v.clone(),
                        at_seq: *s,
                        version: *ver,
                    },
                );
                None
            }
            Op::Truncate(n, e, s) => {
                let evs = self.events.entry(k(*n, ENTITIES[*e])).or_default();
                let keep = evs.split_off(s);
                let removed = evs.len() as u64;
                *evs = keep;
                Some(removed)
            }
        }
    }

    fn namespaces(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .state
            .keys()
            .chain(self.last_seq.keys())
            .chain(self.snapshots.keys())
            .map(|(n, _)| n.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

fn add_to_batch(b: &mut WriteBatch, op: &Op) {
    match op {
        Op::Put(n, k, v) => b.put(NS[*n], KEYS[*k], v),
        Op::Delete(n, k) => b.delete(NS[*n], KEYS[*k]),
        Op::Append(n, e, v, t) => b.append_event(NS[*n], ENTITIES[*e], v, *t, "node"),
        Op::Snapshot(n, e, v, s, ver) => b.save_snapshot(NS[*n], ENTITIES[*e], v, *s, *ver),
        Op::Truncate(n, e, s) => b.truncate_events_before(NS[*n], ENTITIES[*e], *s),
    };
}

fn run_one(s: &NativeStore, op: &Op) -> Option<u64> {
    match op {
        Op::Put(n, k, v) => s.put(NS[*n], KEYS[*k], v).map(|_| None),
        Op::Delete(n, k) => s.delete(NS[*n], KEYS[*k]).map(|_| None),
        Op::Append(n, e, v, t) => s
            .append_event(NS[*n], ENTITIES[*e], v, *t, "node")
            .map(Some),
        Op::Snapshot(n, e, v, sq, ver) => s
            .save_snapshot(NS[*n], ENTITIES[*e], v, *sq, *ver)
            .map(|_| None),
        Op::Truncate(n, e, sq) => s
            .truncate_events_before(NS[*n], ENTITIES[*e], *sq)
            .map(Some),
    }
    .unwrap()
}

fn check(s: &NativeStore, m: &Model) {
    s.check_invariants().unwrap();
    assert_eq!(s.list_namespaces().unwrap(), m.namespaces());
    for ns in NS {
        let got: Vec<(String, Vec<u8>)> = s
            .scan(ns, crdt_store::KeyRange::all())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want: Vec<(String, Vec<u8>)> = m
            .state
            .iter()
            .filter(|((n, _), _)| n == ns)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(got, want, "namespace {ns:?}");
        for e in ENTITIES {
            let id = (ns.to_string(), e.to_string());
            let got: Vec<Event> = s
                .events_since(ns, e, 0)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let want: Vec<Event> = m
                .events
                .get(&id)
                .map(|evs| evs.values().cloned().collect())
                .unwrap_or_default();
            assert_eq!(got, want, "events of {id:?}");
            assert_eq!(
                s.load_snapshot(ns, e).unwrap(),
                m.snapshots.get(&id).cloned()
            );
        }
    }
}

fn opts() -> Options {
    Options {
        memtable_bytes: 1024,
        log_pages: 2,
        max_runs: 2,
        block_cache_bytes: 16 * 1024,
        // Deterministic I/O: these tests count steps or leak handles to simulate crashes.
        background_compaction: false,
        ..Options::default()
    }
}

fn open(disk: &Arc<SimDisk>) -> NativeStore {
    NativeStore::open_io(disk.file(), "model.crdt", opts(), false).unwrap()
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn native_store_matches_btreemap_model(steps in proptest::collection::vec(step(), 1..60)) {
        let disk = SimDisk::new();
        let mut store = open(&disk);
        let mut model = Model::default();
        for (i, st) in steps.iter().enumerate() {
            match st {
                Step::One(op) => {
                    let want = model.apply(op);
                    let got = run_one(&store, op);
                    prop_assert_eq!(got, want, "step {} {:?}", i, op);
                }
                Step::Batch(ops) => {
                    let mut b = WriteBatch::new();
                    let mut seqs = Vec::new();
                    let mut truncated = Vec::new();
                    for op in ops {
                        add_to_batch(&mut b, op);
                        match (op, model.apply(op)) {
                            (Op::Append(..), Some(s)) => seqs.push(s),
                            (Op::Truncate(..), Some(n)) => truncated.push(n),
                            _ => {}
                        }
                    }
                    let out = store.commit(&b).unwrap();
                    prop_assert_eq!(out.event_seqs, seqs);
                    prop_assert_eq!(out.truncated, truncated);
                }
                Step::Flush => store.flush().unwrap(),
                Step::Compact => {
                    store.compact().unwrap();
                    check(&store, &model);
                }
                Step::Reopen => {
                    // Immediate durability: a power cut right after the last commit loses
                    // nothing. Half the time close cleanly, half the time cut the power.
                    if i % 2 == 0 {
                        drop(store);
                    } else {
                        std::mem::forget(store);
                        disk.power_cut(CutMode::Random, i as u64);
                    }
                    store = open(&disk);
                    check(&store, &model);
                }
            }
        }
        check(&store, &model);
    }
}
