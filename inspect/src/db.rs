//! An opened database of any supported kind.
//!
//! Read-only opens ([`Db::open_read`]) require the file to exist and never create or
//! change it. Adding a backend is one [`Kind`] variant, one magic check in
//! [`crate::detect()`], and one arm in [`Db`]'s methods.

use std::path::{Path, PathBuf};

use crdt_store::{EventStore, Layout, NativeStore, Record, RecordIter};

use crate::detect::{detect, Kind};
use crate::error::{Error, Result};

enum Backend {
    Native(NativeStore),
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
        match detect(path)? {
            Kind::Crdt if read_only => Ok(Db::native(path, NativeStore::open_read_only(path)?)),
            Kind::Crdt => Ok(Db::native(path, NativeStore::open(path)?)),
            kind @ (Kind::Sqlite | Kind::Redb) => Err(Error::Unsupported {
                path: path.into(),
                kind,
            }),
        }
    }

    /// Opens a database for writing, creating a new `.crdt` file when `path` does not
    /// exist.
    pub fn open_or_create(path: &Path) -> Result<Db> {
        if path.exists() {
            Db::open_write(path)
        } else {
            Ok(Db::native(path, NativeStore::open(path)?))
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
        match &self.backend {
            Backend::Native(s) => s,
        }
    }

    /// The `.crdt` store, when this is one.
    pub fn as_native(&self) -> Option<&NativeStore> {
        match &self.backend {
            Backend::Native(s) => Some(s),
        }
    }

    /// The kind of file.
    pub fn kind(&self) -> Kind {
        match &self.backend {
            Backend::Native(_) => Kind::Crdt,
        }
    }

    /// Every live record across namespaces, in key order (states, events, snapshots,
    /// counters).
    pub fn records(&self) -> Result<RecordIter<'_>> {
        match &self.backend {
            Backend::Native(s) => Ok(s.records()?),
        }
    }

    /// Every readable record, skipping damaged blocks; the damage found on the way.
    pub fn records_skipping_damage(&self) -> (Vec<Record>, Vec<crdt_store::Error>) {
        match &self.backend {
            Backend::Native(s) => s.records_skipping_damage(),
        }
    }

    /// The sequence counter (last seq handed out) of `(ns, entity)`.
    pub fn last_seq(&self, ns: &str, entity: &str) -> Result<Option<u64>> {
        match &self.backend {
            Backend::Native(s) => Ok(s.last_seq(ns, entity)?),
        }
    }

    /// Runs the backend's own structural checks.
    pub fn check(&self) -> Result<()> {
        match &self.backend {
            Backend::Native(s) => Ok(s.check_invariants()?),
        }
    }

    /// The backend's compaction (merging the runs of a `.crdt` file).
    pub fn compact(&self) -> Result<()> {
        match &self.backend {
            Backend::Native(s) => Ok(s.compact()?),
        }
    }

    /// Flushes and closes.
    pub fn close(self) -> Result<()> {
        match self.backend {
            Backend::Native(s) => Ok(s.close()?),
        }
    }

    /// Engine layout, for backends that have one (`.crdt`).
    pub fn layout(&self) -> Option<Layout> {
        match &self.backend {
            Backend::Native(s) => Some(s.layout()),
        }
    }

    /// Size of the file on disk.
    pub fn file_bytes(&self) -> Result<u64> {
        Ok(std::fs::metadata(&self.path)
            .map_err(|e| Error::io(&self.path, e))?
            .len())
    }
}
