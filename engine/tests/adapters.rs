//! Adapter-specific behaviour of `SqliteStore` and `RedbStore` beyond the conformance suite:
//! persistence across reopen, several handles on one file, damaged files, commit-size
//! limits, compaction, scans interleaved with writes.
#![cfg(any(feature = "sqlite", feature = "redb"))]

use crdt_store::{Error, EventStore, KeyRange, StateStore, WriteBatch};

fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}

/// Data written by one handle, read back by a fresh one.
fn write_some<S: EventStore>(s: &S) {
    s.put("sensors", "s1", b"21.5").unwrap();
    for i in 0..5u8 {
        s.append_event("sensors", "s1", &[i], 1000 + u64::from(i), "node-a")
            .unwrap();
    }
    s.save_snapshot("sensors", "s1", b"state", 3, 2).unwrap();
    assert_eq!(s.truncate_events_before("sensors", "s1", 3).unwrap(), 2);
}

fn check_some<S: EventStore>(s: &S) {
    assert_eq!(
        s.get("sensors", "s1").unwrap().as_deref(),
        Some(&b"21.5"[..])
    );
    assert_eq!(s.event_count("sensors", "s1").unwrap(), 3);
    let snap = s.load_snapshot("sensors", "s1").unwrap().unwrap();
    assert_eq!((snap.at_seq, snap.version), (3, 2));
    // The sequence counter survived: seqs are never reused.
    assert_eq!(s.append_event("sensors", "s1", b"", 0, "n").unwrap(), 6);
    assert_eq!(s.list_namespaces().unwrap(), ["sensors"]);
}

/// A scan keeps working while the same handle commits between its items.
fn scan_interleaved_with_writes<S: EventStore>(s: &S) {
    let mut b = WriteBatch::new();
    for i in 0..2000u32 {
        b.put("n", &format!("{i:05}"), b"v");
    }
    s.commit(&b).unwrap();
    let mut seen = 0;
    for (i, item) in s.scan("n", KeyRange::all()).unwrap().enumerate() {
        let (k, _) = item.unwrap();
        assert!(k.as_str() >= "00000");
        if i % 100 == 0 {
            s.put("other", &k, b"x").unwrap();
            s.append_event("n", "e", b"", 0, "n").unwrap();
        }
        seen += 1;
    }
    assert_eq!(seen, 2000);
    assert_eq!(s.event_count("n", "e").unwrap(), 20);
}

/// A batch whose encoded commit exceeds `MAX_COMMIT_LEN` fails like on `NativeStore`.
fn oversized_commit<S: EventStore>(s: &S) {
    let value = vec![1u8; 15 * 1024 * 1024];
    let mut b = WriteBatch::new();
    for i in 0..5 {
        b.put("n", &format!("k{i}"), &value);
    }
    match s.commit(&b) {
        Err(Error::TooLarge { what, max, .. }) => {
            assert_eq!((what, max), ("commit", crdt_store::limits::MAX_COMMIT_LEN))
        }
        other => panic!("expected TooLarge(commit), got {other:?}"),
    }
    assert!(s.list_namespaces().unwrap().is_empty());
}

/// Put (or delete) 2,000 keys of 500 bytes in one batch, for the compaction tests.
fn fill<S: EventStore>(s: &S, put: bool) {
    let mut b = WriteBatch::new();
    for i in 0..2000u32 {
        let key = format!("{i:05}");
        if put {
            b.put("n", &key, &[7u8; 500]);
        } else {
            b.delete("n", &key);
        }
    }
    s.commit(&b).unwrap();
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use crdt_store::{Durability, SqliteConfig, SqliteStore, Synchronous};

    #[test]
    fn handle_is_send_sync_clone() {
        assert_send_sync::<SqliteStore>();
    }

    #[test]
    fn reopen_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reopen.db");
        write_some(&SqliteStore::open(&path).unwrap());
        check_some(&SqliteStore::open(&path).unwrap());
    }

    #[test]
    fn durability_maps_to_synchronous() {
        assert_eq!(Synchronous::from(Durability::Immediate), Synchronous::Full);
        assert_eq!(
            Synchronous::from(Durability::GroupCommit),
            Synchronous::Full
        );
        assert_eq!(Synchronous::from(Durability::None), Synchronous::Normal);
        let dir = tempfile::tempdir().unwrap();
        for sync in [Synchronous::Full, Synchronous::Normal, Synchronous::Off] {
            let config = SqliteConfig {
                synchronous: sync,
                mmap_bytes: 1 << 20,
                ..SqliteConfig::default()
            };
            let path = dir.path().join(format!("{sync:?}.db"));
            let s = SqliteStore::open_with_config(&path, config.clone()).unwrap();
            assert_eq!(s.config(), &config);
            let level = match sync {
                Synchronous::Full => "2",
                Synchronous::Normal => "1",
                Synchronous::Off => "0",
            };
            assert_eq!(s.pragma_value("synchronous").unwrap(), level);
            assert_eq!(s.pragma_value("journal_mode").unwrap(), "wal");
            assert_eq!(s.pragma_value("mmap_size").unwrap(), "1048576");
            assert!(matches!(
                s.pragma_value("synchronous = OFF"),
                Err(Error::InvalidArgument(_))
            ));
            write_some(&s);
            drop(s);
            check_some(&SqliteStore::open(&path).unwrap());
        }
    }

    #[test]
    fn two_handles_share_one_file_and_seqs_stay_unique() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let a = SqliteStore::open(&path).unwrap();
        let b = SqliteStore::open(&path).unwrap();
        a.put("n", "k", b"from a").unwrap();
        assert_eq!(b.get("n", "k").unwrap().as_deref(), Some(&b"from a"[..]));
        let seqs: Vec<u64> = std::thread::scope(|scope| {
            let ha = scope.spawn(|| {
                (0..50)
                    .map(|_| a.append_event("n", "e", b"", 0, "a").unwrap())
                    .collect::<Vec<_>>()
            });
            let hb = scope.spawn(|| {
                (0..50)
                    .map(|_| b.append_event("n", "e", b"", 0, "b").unwrap())
                    .collect::<Vec<_>>()
            });
            let mut all = ha.join().unwrap();
            all.extend(hb.join().unwrap());
            all
        });
        let mut sorted = seqs;
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=100).collect::<Vec<u64>>());
        assert_eq!(a.event_count("n", "e").unwrap(), 100);
    }

    const CHILD_ENV: &str = "CRDT_SQLITE_CHILD_DB";

    /// Run only as the child of `two_processes_share_one_file`: append 100 events.
    #[test]
    fn child_appender() {
        let Ok(path) = std::env::var(CHILD_ENV) else {
            return;
        };
        let s = SqliteStore::open(path).unwrap();
        for _ in 0..100 {
            s.append_event("n", "e", b"", 0, "child").unwrap();
        }
    }

    #[test]
    fn two_processes_share_one_file_and_seqs_stay_unique() {
        if std::env::var(CHILD_ENV).is_ok() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("processes.db");
        let s = SqliteStore::open(&path).unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["sqlite::child_appender", "--exact", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            s.append_event("n", "e", b"", 0, "parent").unwrap();
        }
        assert!(child.wait().unwrap().success());
        let events: Vec<_> = s
            .events_since("n", "e", 0)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=200).collect::<Vec<u64>>());
        let from_child = events.iter().filter(|e| e.node_id == "child").count();
        assert_eq!(from_child, 100);
    }

    #[test]
    fn foreign_file_is_corrupted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.db");
        std::fs::write(&path, vec![0xA5u8; 8192]).unwrap();
        match SqliteStore::open(&path) {
            Err(e) => assert!(e.is_corrupted(), "{e:?}"),
            Ok(s) => panic!("opened a foreign file: {s:?}"),
        }
    }

    #[test]
    fn scans_interleave_with_writes() {
        let dir = tempfile::tempdir().unwrap();
        scan_interleaved_with_writes(&SqliteStore::open(dir.path().join("scan.db")).unwrap());
        scan_interleaved_with_writes(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn oversized_commit_is_rejected() {
        oversized_commit(&SqliteStore::open_in_memory().unwrap());
    }

    #[test]
    fn compact_shrinks_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compact.db");
        let s = SqliteStore::open(&path).unwrap();
        fill(&s, true);
        s.compact().unwrap();
        let full = std::fs::metadata(&path).unwrap().len();
        fill(&s, false);
        s.compact().unwrap();
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after < full / 4, "{after} vs {full}");
        assert!(s.list_keys("n").unwrap().is_empty());
    }
}

#[cfg(feature = "redb")]
mod redb {
    use super::*;
    use crdt_store::{Durability, RedbOptions, RedbStore};

    #[test]
    fn handle_is_send_sync_clone() {
        assert_send_sync::<RedbStore>();
    }

    #[test]
    fn reopen_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reopen.redb");
        write_some(&RedbStore::open(&path).unwrap());
        check_some(&RedbStore::open(&path).unwrap());
    }

    #[test]
    fn durability_none_still_persists_on_clean_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.redb");
        let opts = RedbOptions {
            durability: Durability::None,
            ..RedbOptions::default()
        };
        let s = RedbStore::open_with(&path, opts.clone()).unwrap();
        assert_eq!(s.options(), &opts);
        write_some(&s);
        drop(s);
        let mut s = RedbStore::open_with(&path, opts).unwrap();
        check_some(&s);
        // Compaction first makes the pending non-durable commits durable.
        s.put("n", "k", b"v").unwrap();
        s.compact().unwrap();
        drop(s);
        check_some_after_compact(&RedbStore::open(&path).unwrap());
    }

    fn check_some_after_compact(s: &RedbStore) {
        assert_eq!(s.get("n", "k").unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(s.event_count("sensors", "s1").unwrap(), 4);
    }

    #[test]
    fn second_handle_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.redb");
        let first = RedbStore::open(&path).unwrap();
        match RedbStore::open(&path) {
            Err(Error::Locked { path: p }) => assert_eq!(p, path),
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(first);
        RedbStore::open(&path).unwrap();
    }

    #[test]
    fn foreign_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.redb");
        std::fs::write(&path, vec![0xA5u8; 8192]).unwrap();
        assert!(RedbStore::open(&path).is_err());
    }

    #[test]
    fn scans_interleave_with_writes() {
        let dir = tempfile::tempdir().unwrap();
        scan_interleaved_with_writes(&RedbStore::open(dir.path().join("scan.redb")).unwrap());
    }

    #[test]
    fn oversized_commit_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let opts = RedbOptions {
            durability: Durability::None,
            ..RedbOptions::default()
        };
        oversized_commit(&RedbStore::open_with(dir.path().join("big.redb"), opts).unwrap());
    }

    #[test]
    fn compact_needs_the_only_handle_and_shrinks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compact.redb");
        let mut s = RedbStore::open(&path).unwrap();
        fill(&s, true);
        let full = std::fs::metadata(&path).unwrap().len();
        let clone = s.clone();
        assert!(matches!(s.compact(), Err(Error::InvalidArgument(_))));
        drop(clone);
        fill(&s, false);
        s.compact().unwrap();
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after < full, "{after} vs {full}");
        assert!(s.list_keys("n").unwrap().is_empty());
    }
}
