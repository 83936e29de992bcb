//! [`RedbStore`]: the store's semantics over redb.
//!
//! Layout: one redb table `crdt_kv: &[u8] -> &[u8]` holding internal keys
//! (format-spec/keys.md); redb orders `&[u8]` keys bytewise, the order every backend
//! iterates in. Every commit is one write transaction (redb serializes writers) in which the
//! batch is resolved and applied. Point reads open a read transaction; scans iterate one
//! read transaction's range, a consistent snapshot that does not block writers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadableTable, TableDefinition};

use super::{check_commit_len, hidden_events};
use crate::error::{Error, Result};
use crate::kv::{KvIter, KvRead, KvStore, Mutation};
use crate::Durability;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("crdt_kv");

/// Settings for [`RedbStore::open_with`].
///
/// ```
/// use crdt_store::{Durability, RedbOptions};
/// let opts = RedbOptions { durability: Durability::None, ..RedbOptions::default() };
/// assert_eq!(opts.durability, Durability::None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedbOptions {
    /// [`Durability::Immediate`] and [`Durability::GroupCommit`] commit with redb's
    /// `Durability::Immediate` (synced before the commit returns); [`Durability::None`]
    /// with redb's `Durability::None`. Default `Immediate`.
    pub durability: Durability,
    /// redb's page cache, in bytes. Default 8 MiB (the native block cache default).
    pub cache_bytes: usize,
}

impl Default for RedbOptions {
    fn default() -> Self {
        RedbOptions {
            durability: Durability::Immediate,
            cache_bytes: 8 * 1024 * 1024,
        }
    }
}

/// A store in a redb database file, with exactly the semantics of [`crate::NativeStore`].
///
/// Like `NativeStore`, one file is open in one handle at a time: a second open fails with
/// [`Error::Locked`]. Cloning is cheap and shares the database.
///
/// ```
/// use crdt_store::{EventStore, RedbStore, StateStore};
/// let dir = tempfile::tempdir().unwrap();
/// let store = RedbStore::open(dir.path().join("sensors.redb")).unwrap();
/// store.put("sensors", "s1", b"data").unwrap();
/// assert_eq!(store.append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a").unwrap(), 1);
/// ```
#[derive(Clone)]
pub struct RedbStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    options: RedbOptions,
    db: redb::Database,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.inner.path)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// Map a redb error to the crate's [`Error`], keeping the variant a user acts on.
fn map_err(path: &Path, op: &'static str, e: impl Into<redb::Error>) -> Error {
    match e.into() {
        redb::Error::DatabaseAlreadyOpen => Error::Locked {
            path: path.to_path_buf(),
        },
        redb::Error::Corrupted(detail) => Error::Corrupted {
            path: path.to_path_buf(),
            offset: 0,
            structure: "redb database",
            detail,
        },
        redb::Error::Io(source) => Error::Io {
            path: path.to_path_buf(),
            op,
            source,
        },
        other => Error::Io {
            path: path.to_path_buf(),
            op,
            source: std::io::Error::other(other),
        },
    }
}

impl RedbStore {
    /// Open (or create) the database at `path` with [`RedbOptions::default`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, RedbOptions::default())
    }

    /// Open (or create) the database at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: RedbOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let db = redb::Builder::new()
            .set_cache_size(options.cache_bytes)
            .create(&path)
            .map_err(|e| map_err(&path, "open", e))?;
        // Create the table up front so reads never meet a missing table.
        let txn = db.begin_write().map_err(|e| map_err(&path, "begin", e))?;
        txn.open_table(TABLE)
            .map_err(|e| map_err(&path, "create table", e))?;
        txn.commit().map_err(|e| map_err(&path, "commit", e))?;
        Ok(RedbStore {
            inner: Arc::new(Inner { path, options, db }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The settings this store was opened with.
    pub fn options(&self) -> &RedbOptions {
        &self.inner.options
    }

    /// Reclaim free space (redb's `Database::compact`), after making pending
    /// [`Durability::None`] commits durable. Needs the only handle: fails with
    /// [`Error::InvalidArgument`] while clones exist. Returns whether redb compacted.
    pub fn compact(&mut self) -> Result<bool> {
        let path = self.inner.path.clone();
        let inner = Arc::get_mut(&mut self.inner).ok_or_else(|| {
            Error::InvalidArgument("RedbStore::compact needs the only handle (drop clones)".into())
        })?;
        // redb refuses to compact while non-durable commits are pending: make them durable
        // with an empty Immediate commit first.
        let mut txn = inner
            .db
            .begin_write()
            .map_err(|e| map_err(&path, "begin", e))?;
        txn.set_durability(redb::Durability::Immediate);
        txn.commit().map_err(|e| map_err(&path, "commit", e))?;
        inner.db.compact().map_err(|e| map_err(&path, "compact", e))
    }

    fn read_table(&self) -> Result<redb::ReadOnlyTable<&'static [u8], &'static [u8]>> {
        let path = &self.inner.path;
        let txn = self
            .inner
            .db
            .begin_read()
            .map_err(|e| map_err(path, "begin read", e))?;
        txn.open_table(TABLE)
            .map_err(|e| map_err(path, "open table", e))
    }
}

/// One raw item of a redb range over [`TABLE`].
type RangeItem<'a> = std::result::Result<
    (
        redb::AccessGuard<'a, &'static [u8]>,
        redb::AccessGuard<'a, &'static [u8]>,
    ),
    redb::StorageError,
>;

fn pair(path: &Path, r: RangeItem<'_>) -> Result<(Vec<u8>, Vec<u8>)> {
    let (k, v) = r.map_err(|e| map_err(path, "read", e))?;
    Ok((k.value().to_vec(), v.value().to_vec()))
}

impl KvRead for RedbStore {
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let table = self.read_table()?;
        let got = table
            .get(key)
            .map_err(|e| map_err(&self.inner.path, "read", e))?;
        Ok(got.map(|v| v.value().to_vec()))
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        let table = self.read_table()?;
        let path = &self.inner.path;
        let range = match end {
            Some(end) => table.range::<&[u8]>(start..end),
            None => table.range::<&[u8]>(start..),
        }
        .map_err(|e| map_err(path, "scan", e))?;
        Ok(Box::new(range.map(move |r| pair(path, r))))
    }
}

/// Reads inside the commit's write transaction (they see its own uncommitted writes).
struct TxRead<'t, 'txn> {
    table: &'t redb::Table<'txn, &'static [u8], &'static [u8]>,
    path: &'t Path,
}

impl KvRead for TxRead<'_, '_> {
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let got = self
            .table
            .get(key)
            .map_err(|e| map_err(self.path, "read", e))?;
        Ok(got.map(|v| v.value().to_vec()))
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        // Inside a commit only truncation scans (it counts one entity's events below the new
        // floor); the write table's range borrows the table, so the rows are read here.
        let range = match end {
            Some(end) => self.table.range::<&[u8]>(start..end),
            None => self.table.range::<&[u8]>(start..),
        }
        .map_err(|e| map_err(self.path, "scan", e))?;
        let rows: Vec<_> = range.map(|r| pair(self.path, r)).collect::<Result<_>>()?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

impl KvStore for RedbStore {
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()> {
        let path = &self.inner.path;
        let mut txn = self
            .inner
            .db
            .begin_write()
            .map_err(|e| map_err(path, "begin", e))?;
        txn.set_durability(match self.inner.options.durability {
            Durability::Immediate | Durability::GroupCommit => redb::Durability::Immediate,
            Durability::None => redb::Durability::None,
        });
        {
            let mut table = txn
                .open_table(TABLE)
                .map_err(|e| map_err(path, "open table", e))?;
            let mutations = resolve(&TxRead {
                table: &table,
                path,
            })?;
            if mutations.is_empty() {
                drop(table);
                return txn.abort().map_err(|e| map_err(path, "abort", e));
            }
            check_commit_len(&mutations)?;
            for m in &mutations {
                match m {
                    Mutation::Put(k, v) => table.insert(k.as_slice(), v.as_slice()).map(|_| ()),
                    Mutation::Delete(k) => table.remove(k.as_slice()).map(|_| ()),
                }
                .map_err(|e| map_err(path, "write", e))?;
                if let Mutation::Put(k, v) = m {
                    if let Some((start, end)) = hidden_events(k, v) {
                        table
                            .retain_in::<&[u8], _>(start.as_slice()..end.as_slice(), |_, _| false)
                            .map_err(|e| map_err(path, "drop truncated events", e))?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| map_err(path, "commit", e))
    }
}

crate::logic::impl_store_traits!(RedbStore);
