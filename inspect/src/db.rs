//! An opened database of any supported kind.
//!
//! Read-only opens ([`Db::open_read`]) require the file to exist and never create or
//! change it: `.crdt` files through [`NativeStore::open_read_only`], SQLite files through
//! `SqliteStore::open_read_only` and redb files through `RedbStore::open_read_only` (see
//! their documentation for what each engine does). Adding a backend is one [`Kind`]
//! variant, one magic check in [`crate::detect()`], and one arm in [`Db`]'s methods.

use std::path::{Path, PathBuf};

#[cfg(feature = "redb")]
use crdt_store::RedbStore;
#[cfg(feature = "sqlite")]
use crdt_store::SqliteStore;
use crdt_store::{EventStore, Layout, NativeStore, Record, RecordIter};

use crate::detect::{detect, Kind};
use crate::error::{Error, Result};

enum Backend {
    Native(NativeStore),
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore),
    #[cfg(feature = "redb")]
    Redb(RedbStore),
}

/// Calls `$body` with `$s` bound to the store of whatever backend `$self` holds.
macro_rules! each {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            Backend::Native($s) => $body,
            #[cfg(feature = "sqlite")]
            Backend::Sqlite($s) => $body,
            #[cfg(feature = "redb")]
            Backend::Redb($s) => $body,
        }
    };
}

/// An open database: its path, its kind and the store.
pub struct Db {
    path: PathBuf,
    backend: Backend,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .field("kind", &self.kind())
            .finish()
    }
}

/// Space use of a database file, where the backend reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    /// Bytes in use.
    pub live_bytes: u64,
    /// Bytes of free pages, reusable without growing the file.
    pub free_bytes: u64,
}

impl Db {
    /// Opens an existing database read-only; the kind comes from the header.
    pub fn open_read(path: &Path) -> Result<Db> {
        Db::open_existing(path, true)
    }

    /// Opens an existing database for writing.
    pub fn open_write(path: &Path) -> Result<Db> {
        Db::open_existing(path, false)
    }

    fn open_existing(path: &Path, read_only: bool) -> Result<Db> {
        Db::open_kind(path, detect(path)?, read_only)
    }

    /// Creates a new, empty database of `kind` at `path`, which must not exist.
    pub fn create(path: &Path, kind: Kind) -> Result<Db> {
        if path.exists() {
            return Err(Error::Exists { path: path.into() });
        }
        Db::open_kind(path, kind, false)
    }

    /// Opens `path` as a `kind` database; the writable opens create a missing file.
    fn open_kind(path: &Path, kind: Kind, read_only: bool) -> Result<Db> {
        let backend = match kind {
            Kind::Crdt if read_only => Backend::Native(NativeStore::open_read_only(path)?),
            Kind::Crdt => Backend::Native(NativeStore::open(path)?),
            #[cfg(feature = "sqlite")]
            Kind::Sqlite if read_only => Backend::Sqlite(SqliteStore::open_read_only(path)?),
            #[cfg(feature = "sqlite")]
            Kind::Sqlite => Backend::Sqlite(SqliteStore::open(path)?),
            #[cfg(feature = "redb")]
            Kind::Redb if read_only => Backend::Redb(RedbStore::open_read_only(path)?),
            #[cfg(feature = "redb")]
            Kind::Redb => Backend::Redb(RedbStore::open(path)?),
            #[allow(unreachable_patterns)] // with every feature on, every kind is handled
            kind => {
                return Err(Error::Unsupported {
                    path: path.into(),
                    kind,
                })
            }
        };
        Ok(Db {
            path: path.into(),
            backend,
        })
    }

    /// Opens a database for writing, creating a new database of `kind` when `path` does
    /// not exist (an existing file keeps its own kind).
    pub fn open_or_create(path: &Path, kind: Kind) -> Result<Db> {
        if path.exists() {
            Db::open_write(path)
        } else {
            Db::create(path, kind)
        }
    }

    /// Wraps an already open `.crdt` store.
    pub fn native(path: &Path, store: NativeStore) -> Db {
        Db {
            path: path.into(),
            backend: Backend::Native(store),
        }
    }

    /// The path the database was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store behind the traits.
    pub fn store(&self) -> &dyn EventStore {
        each!(&self.backend, s => s)
    }

    /// The `.crdt` store, when this is one.
    pub fn as_native(&self) -> Option<&NativeStore> {
        match &self.backend {
            Backend::Native(s) => Some(s),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The kind of file.
    pub fn kind(&self) -> Kind {
        match &self.backend {
            Backend::Native(_) => Kind::Crdt,
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => Kind::Sqlite,
            #[cfg(feature = "redb")]
            Backend::Redb(_) => Kind::Redb,
        }
    }

    /// Every live record across namespaces, in key order (states, events, snapshots,
    /// counters).
    pub fn records(&self) -> Result<RecordIter<'_>> {
        Ok(each!(&self.backend, s => s.records())?)
    }

    /// Every readable record, skipping damage; the damage found on the way.
    pub fn records_skipping_damage(&self) -> (Vec<Record>, Vec<crdt_store::Error>) {
        each!(&self.backend, s => s.records_skipping_damage())
    }

    /// The sequence counter (last seq handed out) of `(ns, entity)`.
    pub fn last_seq(&self, ns: &str, entity: &str) -> Result<Option<u64>> {
        Ok(each!(&self.backend, s => s.last_seq(ns, entity))?)
    }

    /// Runs the backend's own structural checks and returns what they found (empty when
    /// clean): the native engine's invariant checks, SQLite's `PRAGMA integrity_check`,
    /// redb's integrity check (any repair it makes stays in memory on a read-only open).
    pub fn check(&mut self) -> Result<Vec<String>> {
        let found = match &mut self.backend {
            Backend::Native(s) => match s.check_invariants() {
                Ok(()) => Vec::new(),
                Err(e) => vec![e.to_string()],
            },
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s
                .integrity_check()?
                .into_iter()
                .map(|f| format!("sqlite integrity check: {f}"))
                .collect(),
            #[cfg(feature = "redb")]
            Backend::Redb(s) => match s.check_integrity() {
                Ok(true) => Vec::new(),
                Ok(false) => vec!["redb integrity check failed (redb can repair it: \
                     open the file with a writable RedbStore)"
                    .to_string()],
                Err(e) => vec![e.to_string()],
            },
        };
        Ok(found)
    }

    /// The backend's compaction: merging the runs of a `.crdt` file, SQLite's `VACUUM`
    /// and WAL checkpoint, redb's `compact`.
    pub fn compact(&mut self) -> Result<()> {
        match &mut self.backend {
            Backend::Native(s) => s.compact()?,
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.compact()?,
            #[cfg(feature = "redb")]
            Backend::Redb(s) => {
                s.compact()?;
            }
        }
        Ok(())
    }

    /// Snapshots `(ns, entity)`'s state at its last event and truncates the events the
    /// snapshot covers, in one commit (`CrdtDb::compact_entity`); returns how many events
    /// were removed.
    pub fn compact_entity(&self, ns: &str, entity: &str) -> Result<u64> {
        Ok(
            each!(&self.backend, s => crdt_store::CrdtDb::with_store(s.clone()).compact_entity(ns, entity))?,
        )
    }

    /// Flushes and closes.
    #[allow(irrefutable_let_patterns)] // without the adapter features
    pub fn close(self) -> Result<()> {
        // The adapters commit every write; dropping them closes them.
        if let Backend::Native(s) = self.backend {
            s.close()?;
        }
        Ok(())
    }

    /// Engine layout, for backends that have one (`.crdt`).
    pub fn layout(&self) -> Option<Layout> {
        self.as_native().map(NativeStore::layout)
    }

    /// Bytes in use and free, for backends that report them: `.crdt` (from the layout)
    /// and SQLite (`page_count`, `freelist_count`, `page_size`); `None` for redb.
    pub fn space(&self) -> Result<Option<Space>> {
        match &self.backend {
            Backend::Native(s) => {
                let l = s.layout();
                Ok(Some(Space {
                    live_bytes: l.live_bytes,
                    free_bytes: l.free_bytes,
                }))
            }
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => {
                let num = |name: &str| -> Result<u64> {
                    let v = s.pragma_value(name)?;
                    v.parse().map_err(|_| {
                        Error::Store(crdt_store::Error::InvalidArgument(format!(
                            "PRAGMA {name} returned {v:?}"
                        )))
                    })
                };
                let page = num("page_size")?;
                let pages = num("page_count")?;
                let free = num("freelist_count")?;
                Ok(Some(Space {
                    live_bytes: pages.saturating_sub(free).saturating_mul(page),
                    free_bytes: free.saturating_mul(page),
                }))
            }
            #[cfg(feature = "redb")]
            Backend::Redb(_) => Ok(None),
        }
    }

    /// Size of the file on disk.
    pub fn file_bytes(&self) -> Result<u64> {
        Ok(std::fs::metadata(&self.path)
            .map_err(|e| Error::io(&self.path, e))?
            .len())
    }
}
