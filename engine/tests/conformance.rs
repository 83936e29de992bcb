//! The conformance suite (tests/common/suite.rs) run against every backend.

mod common;

use crdt_store::io::SimDisk;
use crdt_store::{Durability, MemoryStore, NativeStore, Options};

/// Small memtable and log so that the suite also exercises flushes, log growth and
/// compaction.
fn small() -> Options {
    Options {
        memtable_bytes: 16 * 1024,
        log_pages: 4,
        max_runs: 3,
        block_cache_bytes: 64 * 1024,
        ..Options::default()
    }
}

fn native_file() -> (tempfile::TempDir, NativeStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = NativeStore::open(dir.path().join("conformance.crdt")).unwrap();
    (dir, store)
}

fn native_sim_small() -> ((), NativeStore) {
    let store = NativeStore::open_io(SimDisk::new().file(), "sim.crdt", small(), false).unwrap();
    ((), store)
}

fn native_group_commit() -> (tempfile::TempDir, NativeStore) {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        durability: Durability::GroupCommit,
        ..small()
    };
    let store = NativeStore::open_with(dir.path().join("group.crdt"), opts).unwrap();
    (dir, store)
}

conformance_tests!(memory, ((), MemoryStore::new()));
conformance_tests!(native, native_file());
conformance_tests!(native_small_sim, native_sim_small());
conformance_tests!(native_group_commit, native_group_commit());

/// Handles are shared between threads.
#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<MemoryStore>();
    assert_send_sync::<NativeStore>();
}

#[cfg(feature = "sqlite")]
fn sqlite_file() -> (tempfile::TempDir, crdt_store::SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = crdt_store::SqliteStore::open(dir.path().join("conformance.db")).unwrap();
    (dir, store)
}

#[cfg(feature = "redb")]
fn redb_file() -> (tempfile::TempDir, crdt_store::RedbStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = crdt_store::RedbStore::open(dir.path().join("conformance.redb")).unwrap();
    (dir, store)
}

#[cfg(feature = "sqlite")]
conformance_tests!(sqlite, sqlite_file());
#[cfg(feature = "sqlite")]
conformance_tests!(
    sqlite_memory,
    ((), crdt_store::SqliteStore::open_in_memory().unwrap())
);
#[cfg(feature = "redb")]
conformance_tests!(redb, redb_file());
