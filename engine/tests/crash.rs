//! Power-cut tests through the fault-injecting `SimDisk`: for seeded random workloads, cut
//! the power at every I/O step (that write or sync fails, every later one too), with the
//! unsynced writes dropped, kept, or randomly kept and torn; then reopen and compare with a
//! model: every acknowledged commit is there, the one in flight is there entirely or not at
//! all, nothing else. Then write once more and reopen again (LOG-7).

mod common;

use std::sync::Arc;

use common::dump::{dump, Dump};
use crdt_store::io::{CutMode, SimDisk};
use crdt_store::{Durability, EventStore, MemoryStore, NativeStore, Options, WriteBatch};

const ENTITIES: [&str; 2] = ["e1", "e2"];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

enum Action {
    Commit(WriteBatch),
    Flush,
    Compact,
}

fn workload(seed: u64, len: usize) -> Vec<Action> {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    (0..len)
        .map(|_| match r.below(20) {
            0 => Action::Flush,
            1 => Action::Compact,
            _ => {
                let mut b = WriteBatch::new();
                for _ in 0..1 + r.below(4) {
                    let ns = ["a", "b"][r.below(2) as usize];
                    let key = format!("k{}", r.below(12));
                    let e = ENTITIES[r.below(2) as usize];
                    let size = if r.below(8) == 0 { 2000 } else { r.below(60) } as usize;
                    let v = vec![r.below(256) as u8; size];
                    match r.below(6) {
                        0 | 1 => b.put(ns, &key, &v),
                        2 => b.delete(ns, &key),
                        3 | 4 => b.append_event(ns, e, &v, r.next(), "node"),
                        _ => b.truncate_events_before(ns, e, r.below(10)),
                    };
                }
                Action::Commit(b)
            }
        })
        .collect()
}

fn opts(durability: Durability) -> Options {
    Options {
        durability,
        memtable_bytes: 2048,
        log_pages: 2,
        max_runs: 2,
        block_cache_bytes: 16 * 1024,
        // Deterministic I/O: these tests count steps or leak handles to simulate crashes.
        background_compaction: false,
        ..Options::default()
    }
}

fn open(disk: &Arc<SimDisk>, durability: Durability) -> crdt_store::Result<NativeStore> {
    NativeStore::open_io(disk.file(), "crash.crdt", opts(durability), false)
}

/// Run the workload until the first error. Returns the model of acknowledged commits and
/// the commit that was in flight when the error happened, if any.
fn run(store: &NativeStore, actions: &[Action]) -> (MemoryStore, Option<WriteBatch>) {
    let model = MemoryStore::new();
    for a in actions {
        match a {
            Action::Commit(b) => match store.commit(b) {
                Ok(_) => {
                    model.commit(b).unwrap();
                }
                Err(_) => return (model, Some(b.clone())),
            },
            Action::Flush => {
                if store.flush().is_err() {
                    return (model, None);
                }
            }
            Action::Compact => {
                if store.compact().is_err() {
                    return (model, None);
                }
            }
        }
    }
    (model, None)
}

fn snapshot_of(model: &MemoryStore) -> Dump {
    dump(model, &ENTITIES).unwrap()
}

fn cut_everywhere(seed: u64, len: usize) {
    let actions = workload(seed, len);
    let total = {
        let disk = SimDisk::new();
        let store = open(&disk, Durability::Immediate).unwrap();
        let before = disk.ops();
        let (_, failed) = run(&store, &actions);
        assert!(failed.is_none());
        std::mem::forget(store);
        disk.ops() - before
    };
    assert!(total > 20, "workload too small: {total} ops");
    let mut checked = 0;
    for k in 1..=total {
        let disk = SimDisk::new();
        let store = open(&disk, Durability::Immediate).unwrap();
        disk.fail_from(disk.ops() + k);
        let (model, in_flight) = run(&store, &actions);
        std::mem::forget(store);
        let mode = [CutMode::DropAll, CutMode::KeepAll, CutMode::Random][(k % 3) as usize];
        disk.power_cut(mode, seed * 1000 + k);
        let reopened = open(&disk, Durability::Immediate)
            .unwrap_or_else(|e| panic!("seed {seed} cut at op {k} ({mode:?}): reopen failed: {e}"));
        reopened.check_invariants().unwrap();
        let got = dump(&reopened, &ENTITIES).unwrap();
        let acked = snapshot_of(&model);
        if got != acked {
            let b = in_flight.as_ref().unwrap_or_else(|| {
                panic!("seed {seed} cut at {k} ({mode:?}): lost an acked commit")
            });
            model.commit(b).unwrap();
            assert_eq!(
                got,
                snapshot_of(&model),
                "seed {seed} cut at {k} ({mode:?}): state is neither acked nor acked + in-flight"
            );
        }
        // `model` now matches what recovery returned. The store works after recovery, and
        // an acknowledged commit survives another cut.
        let mut b = WriteBatch::new();
        b.put("after", "k", b"v")
            .append_event("after", "e1", b"x", 1, "n");
        let out = reopened.commit(&b).unwrap();
        assert_eq!(
            out,
            model.commit(&b).unwrap(),
            "seed {seed} cut at {k}: seqs after recovery"
        );
        std::mem::forget(reopened);
        disk.power_cut(CutMode::DropAll, k);
        let again = open(&disk, Durability::Immediate).unwrap();
        assert_eq!(
            dump(&again, &ENTITIES).unwrap(),
            snapshot_of(&model),
            "seed {seed} cut at {k}"
        );
        checked += 1;
    }
    eprintln!("seed {seed}: {checked} cut points checked");
}

#[test]
fn power_cut_at_every_io_step_seed_1() {
    cut_everywhere(1, 60);
}

#[test]
fn power_cut_at_every_io_step_seed_2() {
    cut_everywhere(2, 60);
}

#[test]
fn power_cut_at_every_io_step_seed_3() {
    cut_everywhere(3, 60);
}

/// With durability `None` commits are not synced, so a cut may lose recent ones, but what
/// survives is a prefix of the commits: never a partial batch, never a gap.
#[test]
fn durability_none_loses_a_suffix_never_a_partial_batch() {
    let actions = workload(7, 60);
    for k in [5u64, 17, 33, 64, 90, 120] {
        let disk = SimDisk::new();
        let store = open(&disk, Durability::None).unwrap();
        disk.fail_from(disk.ops() + k);
        let prefixes: Vec<Dump> = {
            let model = MemoryStore::new();
            let mut out = vec![snapshot_of(&model)];
            for a in &actions {
                if let Action::Commit(b) = a {
                    model.commit(b).unwrap();
                    out.push(snapshot_of(&model));
                }
            }
            out
        };
        let _ = run(&store, &actions);
        std::mem::forget(store);
        disk.power_cut(CutMode::Random, k);
        let reopened = open(&disk, Durability::None).unwrap();
        let got = dump(&reopened, &ENTITIES).unwrap();
        assert!(
            prefixes.contains(&got),
            "cut at {k}: not a prefix of the commits"
        );
    }
}

/// More seeds on demand: `CRDT_CRASH_SEEDS=50 cargo test -p crdt-store --test crash`.
#[test]
fn power_cut_at_every_io_step_extra_seeds() {
    let extra: u64 = std::env::var("CRDT_CRASH_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for seed in 100..100 + extra {
        cut_everywhere(seed, 60);
    }
}
