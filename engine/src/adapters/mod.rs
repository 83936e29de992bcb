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
use crate::kv::Mutation;
use crate::limits;

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
