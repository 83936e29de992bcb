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

/// `threads` writers, each committing `per` puts as soon as its previous one returned.
fn group_commit_writers(store: &NativeStore, threads: usize, per: usize) {
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (store, start) = (store, &start);
            scope.spawn(move || {
                start.wait();
                for i in 0..per {
                    store.put("n", &format!("t{t}-{i}"), b"v").unwrap();
                }
            });
        }
    });
}

/// A group-commit store on a simulated disk whose syncs take `sync_delay`.
fn group_store(sync_delay: Duration) -> (std::sync::Arc<SimDisk>, NativeStore) {
    let disk = SimDisk::new();
    disk.set_sync_delay(sync_delay);
    let opts = Options {
        durability: Durability::GroupCommit,
        background_compaction: false,
        ..Options::default()
    };
    let store = NativeStore::open_io(disk.file(), "group.crdt", opts, false).unwrap();
    (disk, store)
}

/// The keys of namespace "n" that survive a power cut losing every unsynced write (the
/// handle is leaked, not closed): every commit that returned must be among them.
fn keys_after_power_cut(store: NativeStore, disk: &std::sync::Arc<SimDisk>) -> usize {
    std::mem::forget(store);
    disk.power_cut(crdt_store::io::CutMode::DropAll, 1);
    let store = NativeStore::open_io(disk.file(), "group.crdt", Options::default(), false).unwrap();
    store.list_keys("n").unwrap().len()
}

/// 8 writers that each wait for their own commit share syncs: with a 2 ms sync, the
/// commits written while one sync runs all go into the next one, and the leader's short
/// wait for the group to fill keeps groups from splitting into halves that alternate.
/// Ideal is one sync per round of 8 commits (25); one commit per sync would be 200.
#[test]
fn group_commit_shares_syncs_between_threads() {
    let (disk, store) = group_store(Duration::from_millis(2));
    let before = disk.syncs();
    let (threads, per) = (8, 25);
    group_commit_writers(&store, threads, per);
    let syncs = disk.syncs() - before;
    let commits = (threads * per) as u64;
    eprintln!("group commit: {syncs} syncs for {commits} commits");
    assert!(
        syncs * 4 <= commits,
        "{syncs} syncs for {commits} commits: groups of fewer than 4"
    );
    assert_eq!(keys_after_power_cut(store, &disk), threads * per);
}

/// A lone group-commit writer syncs once per commit (there is nobody to share with) and
/// each commit is durable when it returns.
#[test]
fn group_commit_lone_writer_syncs_each_commit() {
    let (disk, store) = group_store(Duration::ZERO);
    let before = disk.syncs();
    group_commit_writers(&store, 1, 30);
    assert_eq!(disk.syncs() - before, 30);
    assert_eq!(keys_after_power_cut(store, &disk), 30);
}

/// The group's sync fails while 8 committers wait for it: every one of them gets an error
/// (the leader the I/O error, the others `Poisoned`), none is told its commit is durable,
/// and the handle stays poisoned.
#[test]
fn group_commit_failed_sync_fails_every_waiter() {
    // Long enough for the other 7 to write their commits and wait while it runs.
    let (disk, store) = group_store(Duration::from_millis(100));
    let ops = disk.ops();
    disk.fail_next_sync();
    let threads = 8;
    let start = std::sync::Barrier::new(threads);
    let results: Vec<crdt_store::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (store, start) = (&store, &start);
                scope.spawn(move || {
                    start.wait();
                    store.put("n", &format!("t{t}"), b"v")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let io_errors = results
        .iter()
        .filter(|r| matches!(r, Err(crdt_store::Error::Io { .. })))
        .count();
    let poisoned = results
        .iter()
        .filter(|r| matches!(r, Err(crdt_store::Error::Poisoned)))
        .count();
    assert_eq!((io_errors, poisoned), (1, threads - 1), "{results:?}");
    // All 8 commits were written (so all 8 were waiting) and one sync was tried.
    assert_eq!(disk.ops() - ops, threads as u64 + 1);
    assert!(matches!(
        store.put("n", "after", b"v"),
        Err(crdt_store::Error::Poisoned)
    ));
}

/// A pipelined writer's commits wait for no sync; one `wait_durable` makes all of them
/// durable with one sync, earlier tickets are then covered, a ticket of another store is
/// refused, and a failed sync fails the tickets it should have covered.
#[test]
fn pipelined_commits_share_one_sync() {
    let (disk, store) = group_store(Duration::ZERO);
    let before = disk.syncs();
    let mut tickets = Vec::new();
    for i in 0..50u32 {
        let mut b = WriteBatch::new();
        b.put("n", &format!("k{i}"), b"v")
            .append_event("n", "e", &i.to_le_bytes(), 0, "w");
        let (outcome, ticket) = store.commit_pipelined(&b).unwrap();
        assert_eq!(outcome.event_seqs, vec![u64::from(i) + 1]);
        tickets.push(ticket);
    }
    assert!(tickets.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(disk.syncs(), before, "a pipelined commit synced");
    store.wait_durable(tickets[49]).unwrap();
    store.wait_durable(tickets[10]).unwrap();
    assert_eq!(disk.syncs() - before, 1);
    // An empty batch commits nothing; its ticket is durable at once.
    let (_, empty) = store.commit_pipelined(&WriteBatch::new()).unwrap();
    store.wait_durable(empty).unwrap();
    let (_, other) = group_store(Duration::ZERO);
    assert!(matches!(
        other.wait_durable(tickets[49]),
        Err(crdt_store::Error::InvalidArgument(_))
    ));
    assert_eq!(disk.syncs() - before, 1);
    // A failed sync: the ticket it should have covered gets the I/O error, a ticket an
    // earlier sync covered is still durable (Ok), the handle is poisoned.
    disk.fail_next_sync();
    let mut b = WriteBatch::new();
    b.put("n", "lost", b"v");
    let (_, lost) = store.commit_pipelined(&b).unwrap();
    assert!(matches!(
        store.wait_durable(lost),
        Err(crdt_store::Error::Io { .. })
    ));
    assert!(matches!(
        store.wait_durable(lost),
        Err(crdt_store::Error::Poisoned)
    ));
    store.wait_durable(tickets[49]).unwrap();
    assert!(matches!(
        store.commit_pipelined(&b),
        Err(crdt_store::Error::Poisoned)
    ));
    assert_eq!(keys_after_power_cut(store, &disk), 50);
}

/// With `Durability::None`, `wait_durable` makes chosen commits durable: those before the
/// ticket survive a power cut, an unwaited later one need not.
#[test]
fn wait_durable_syncs_with_durability_none() {
    let disk = SimDisk::new();
    let opts = Options {
        durability: Durability::None,
        background_compaction: false,
        ..Options::default()
    };
    let store = NativeStore::open_io(disk.file(), "group.crdt", opts, false).unwrap();
    let mut last = None;
    for i in 0..20 {
        let mut b = WriteBatch::new();
        b.put("n", &format!("k{i}"), b"v");
        last = Some(store.commit_pipelined(&b).unwrap().1);
    }
    store.wait_durable(last.unwrap()).unwrap();
    store.put("n", "unwaited", b"v").unwrap();
    assert_eq!(keys_after_power_cut(store, &disk), 20);
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

/// The value of key `i` written in round `round`: `i ‖ round ‖ filler`, the filler
/// incompressible for some key ranges (blocks stored plain, read in place from the map)
/// and repetitive for others (lz4 blocks, read through the decoded-block cache).
fn versioned_value(i: u32, round: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(160);
    v.extend_from_slice(&i.to_le_bytes());
    v.extend_from_slice(&round.to_le_bytes());
    let mut x = u64::from(i) << 32 | u64::from(round) | 1;
    let compressible = (i / 64).is_multiple_of(2);
    while v.len() < 160 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(if compressible { b'c' } else { x as u8 });
    }
    v
}

/// Point reads from several threads while the writer flushes, compacts in the background,
/// moves runs and cuts the file (`compact()`, SB-6) and grows it again: every read of a
/// committed key returns a whole value of that key, never an error. A read that looked at
/// a page after it was reused would fail its checks or return another key's bytes; one
/// that touched a cut page would die of SIGBUS.
#[test]
fn point_reads_while_compaction_shrink_and_growth_run() {
    use std::sync::atomic::AtomicU32;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reads.crdt");
    let opts = Options {
        memtable_bytes: 16 * 1024,
        log_pages: 4,
        max_runs: 3,
        durability: Durability::None,
        ..Options::default()
    };
    let store = NativeStore::open_with(&path, opts).unwrap();
    const KEYS: u32 = 2000;
    let key = |i: u32| format!("k{i:05}");
    // Keys below `loaded` are committed; every round rewrites all of them.
    let loaded = AtomicU32::new(0);
    let round_done = AtomicU32::new(0);
    let done = AtomicBool::new(false);
    // (times the file grew, times it shrank), sampled by a watcher thread.
    let changes = std::sync::Mutex::new((0u32, 0u32));
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..3u64)
            .map(|t| {
                let (store, loaded, round_done, done) = (&store, &loaded, &round_done, &done);
                scope.spawn(move || {
                    let mut x = 0x2545_F491_4F6C_DD1D ^ (t + 1);
                    let mut reads = 0u64;
                    while !done.load(Ordering::Acquire) || reads == 0 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let (n, min_round) = (
                            loaded.load(Ordering::Acquire),
                            round_done.load(Ordering::Acquire),
                        );
                        let i = (x % u64::from(KEYS)) as u32;
                        let got = store.get("n", &key(i)).unwrap();
                        match got {
                            Some(v) => {
                                let round = u32::from_le_bytes(v[4..8].try_into().unwrap());
                                assert_eq!(v, versioned_value(i, round), "key {i}");
                                assert!(round >= min_round, "key {i}: round {round} < {min_round}");
                            }
                            None => assert!(i >= n, "committed key {i} missing ({n} loaded)"),
                        }
                        assert!(!store.exists("n", &format!("absent{i}")).unwrap());
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        scope.spawn(|| {
            let mut last = 0;
            while !done.load(Ordering::Acquire) {
                let len = std::fs::metadata(&path).map_or(last, |m| m.len());
                let mut c = changes.lock().unwrap();
                c.0 += u32::from(len > last);
                c.1 += u32::from(len < last);
                last = len;
                drop(c);
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        for round in 0..6u32 {
            for start in (0..KEYS).step_by(100) {
                let mut b = WriteBatch::new();
                for i in start..start + 100 {
                    b.put("n", &key(i), &versioned_value(i, round));
                }
                store.commit(&b).unwrap();
                loaded.fetch_max(start + 100, Ordering::AcqRel);
            }
            // Every value of the previous rounds is now overwritten: publish the floor
            // readers check against, then merge (freeing the old runs' pages), move runs
            // down and cut the file.
            round_done.store(round, Ordering::Release);
            store.compact().unwrap();
        }
        done.store(true, Ordering::Release);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    });
    let (grew, shrank) = *changes.lock().unwrap();
    assert!(
        grew > 1 && shrank > 0,
        "the file grew {grew} times, shrank {shrank} times"
    );
    store.check_invariants().unwrap();
}
