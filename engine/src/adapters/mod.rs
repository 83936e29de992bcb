//! Adapters that run the crate's semantics over third-party storage engines, for users
//! who already ship one and for honest benchmarks against the native engine.
//!
//! Both adapters store the *internal keys* of format-spec/keys.md in a single ordered
//! table of byte strings and implement the crate-internal `KvStore` layer; the public
//! traits come from the shared `logic.rs`. So ordering (byte order of internal keys),
//! per-`(ns, entity)` sequences, snapshots, truncation counts and size-limit errors are the
//! same as `MemoryStore` and `NativeStore` by construction, and the conformance suite
//! checks it.
//!
//! - [`SqliteStore`] (feature `sqlite`): one `WITHOUT ROWID` table with BLOB keys, WAL,
//!   cached prepared statements, one `BEGIN IMMEDIATE` transaction per commit.
//! - [`RedbStore`] (feature `redb`): one redb table `&[u8] -> &[u8]`, one write
//!   transaction per commit, scans over a read transaction's range.

#[cfg(feature = "redb")]
mod redb_store;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "redb")]
pub use redb_store::{RedbOptions, RedbStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteConfig, SqliteStore, Synchronous};

use crate::error::Result;
use crate::keys;
use crate::kv::Mutation;
use crate::limits;

/// If `(key, value)` is a put of an entity's truncation floor (format-spec/keys.md, KEY-6),
/// the internal key range `[start, end)` of the events it hides. Adapters have no
/// compaction that drops hidden events, so (like `MemoryStore`) they delete them in the
/// same transaction that raises the floor.
pub(crate) fn hidden_events(key: &[u8], value: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let Ok(keys::DecodedKey::Floor { ns, entity }) = keys::decode_key(key) else {
        return None;
    };
    let floor = keys::decode_u64(value).ok()?;
    Some((
        keys::event_prefix(&ns, &entity),
        keys::event_key(&ns, &entity, floor),
    ))
}

/// Reject a commit whose mutations would encode to more than [`limits::MAX_COMMIT_LEN`]
/// bytes in the native log (format-spec/log.md, "Commit payload"), so an oversized batch
/// fails with the same `TooLarge { what: "commit" }` on every persistent backend.
pub(crate) fn check_commit_len(mutations: &[Mutation]) -> Result<()> {
    let len = mutations.iter().fold(4usize, |acc, m| {
        acc.saturating_add(match m {
            Mutation::Put(k, v) => 9 + k.len() + v.len(),
            Mutation::Delete(k) => 5 + k.len(),
        })
    });
    limits::commit(len)
}

#[cfg(test)]
mod tests {
    use crate::kv::KvRead;
    use crate::{keys, EventStore};

    /// Truncation hides events behind a floor and the adapters delete them physically in
    /// the same commit (no compaction would ever do it).
    fn truncated_events_are_gone<S: EventStore + KvRead>(s: &S) {
        for _ in 0..10 {
            s.append_event("n", "e", b"x", 0, "node").unwrap();
        }
        assert_eq!(s.truncate_events_before("n", "e", 8).unwrap(), 7);
        let prefix = keys::event_prefix("n", "e");
        let end = keys::prefix_end(&prefix);
        let stored = s.kv_scan(&prefix, end.as_deref()).unwrap().count();
        assert_eq!(stored, 3);
        assert_eq!(s.event_count("n", "e").unwrap(), 3);
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_drops_truncated_events() {
        truncated_events_are_gone(&super::SqliteStore::open_in_memory().unwrap());
        let dir = tempfile::tempdir().unwrap();
        truncated_events_are_gone(&super::SqliteStore::open(dir.path().join("t.db")).unwrap());
    }

    #[cfg(feature = "redb")]
    #[test]
    fn redb_drops_truncated_events() {
        let dir = tempfile::tempdir().unwrap();
        truncated_events_are_gone(&super::RedbStore::open(dir.path().join("t.redb")).unwrap());
    }
}
