//! Concurrency: readers see consistent snapshots while a writer commits and background
//! compaction runs; group commit shares syncs between concurrent committers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crdt_store::io::SimDisk;
use crdt_store::{Durability, EventStore, KeyRange, NativeStore, Options, StateStore, WriteBatch};

#[test]
fn readers_see_whole_batches_during_writes_and_background_compaction() {
    let opts = Options {
        memtable_bytes: 4096,
        log_pages: 2,
        max_runs: 2,
        durability: Durability::None,
        ..Options::default()
    };
    let store = NativeStore::open_io(SimDisk::new().file(), "conc.crdt", opts, false).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for round in 0..400u32 {
                // Every batch sets all ten keys to the same value.
                let mut b = WriteBatch::new();
                for k in 0..10 {
                    b.put("n", &format!("k{k}"), &round.to_le_bytes());
                }
                b.append_event("n", "e", &round.to_le_bytes(), 0, "w");
                store.commit(&b).unwrap();
            }
            done.store(true, Ordering::Release);
        });
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut scans = 0;
                    while !done.load(Ordering::Acquire) || scans == 0 {
                        let values: Vec<Vec<u8>> = store
                            .scan("n", KeyRange::all())
                            .unwrap()
                            .map(|r| r.unwrap().1)
                            .collect();
                        if !values.is_empty() {
                            assert_eq!(values.len(), 10);
                            assert!(values.iter().all(|v| *v == values[0]), "torn batch seen");
                        }
                        scans += 1;
                    }
                    scans
                })
            })
            .collect();
        writer.join().unwrap();
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    });
    assert_eq!(store.event_count("n", "e").unwrap(), 400);
    store.check_invariants().unwrap();
}

#[test]
fn group_commit_shares_syncs_between_threads() {
    let disk = SimDisk::new();
    disk.set_sync_delay(Duration::from_millis(2));
    let opts = Options {
        durability: Durability::GroupCommit,
        background_compaction: false,
        ..Options::default()
    };
    let store = NativeStore::open_io(disk.file(), "group.crdt", opts, false).unwrap();
    let before = disk.syncs();
    let threads = 8;
    let per = 20;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let store = &store;
            scope.spawn(move || {
                for i in 0..per {
                    store.put("n", &format!("t{t}-{i}"), b"v").unwrap();
                }
            });
        }
    });
    let syncs = disk.syncs() - before;
    let commits = (threads * per) as u64;
    assert!(
        syncs < commits,
        "{syncs} syncs for {commits} commits: no sharing"
    );
    // Every commit is durable once it returned (no clean close: leak the handle).
    std::mem::forget(store);
    disk.power_cut(crdt_store::io::CutMode::DropAll, 1);
    let store = NativeStore::open_io(disk.file(), "group.crdt", Options::default(), false).unwrap();
    assert_eq!(store.list_keys("n").unwrap().len(), threads * per);
    eprintln!("group commit: {syncs} syncs for {commits} commits");
}

/// Read-only opens racing with a writer that flushes (rotating the log) and compacts:
/// each sees every commit acknowledged before it started, and only whole batches.
#[test]
fn read_only_opens_see_the_last_committed_state_while_a_writer_runs() {
    use std::sync::atomic::AtomicU64;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.crdt");
    let opts = Options {
        memtable_bytes: 2048,
        log_pages: 2,
        max_runs: 3,
        durability: Durability::None,
        ..Options::default()
    };
    let writer = NativeStore::open_with(&path, opts).unwrap();
    let acked = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for i in 1..=1500u64 {
                let mut b = WriteBatch::new();
                b.put("n", &format!("k{i:05}"), &[1u8; 64]).append_event(
                    "n",
                    "e",
                    &i.to_le_bytes(),
                    i,
                    "w",
                );
                writer.commit(&b).unwrap();
                acked.store(i, Ordering::Release);
            }
            done.store(true, Ordering::Release);
        });
        let mut opens = 0;
        while !done.load(Ordering::Acquire) {
            let before = acked.load(Ordering::Acquire);
            let reader = NativeStore::open_read_only(&path).unwrap();
            let count = reader.event_count("n", "e").unwrap();
            assert!(
                count >= before,
                "reader saw {count} commits, {before} were acknowledged"
            );
            assert_eq!(
                reader.list_keys("n").unwrap().len() as u64,
                count,
                "partial batch"
            );
            opens += 1;
        }
        assert!(opens > 0);
    });
}
