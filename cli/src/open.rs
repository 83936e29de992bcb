//! Finding out what a file is (from its first bytes, never its name) and opening it.
//!
//! Read commands go through [`open_read`]: the file must exist and is opened read-only, so
//! they never create or change a file. Adding a backend is one [`Kind`] variant, one magic
//! check in [`detect`], and one arm in [`Db`]'s methods.

use std::io::Read;
use std::path::Path;

use crdt_store::{EventStore, Layout, NativeStore, Record, RecordIter};

use crate::error::{Failure, Result};

/// `.crdt` header magic (format-spec/header.md).
pub const CRDT_MAGIC: [u8; 8] = [0x89, b'C', b'R', b'D', b'T', 0x0D, 0x0A, 0x1A];
/// SQLite's header string.
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// redb's magic number.
pub const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// What a file holds, judged by its header bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A native `.crdt` database.
    Crdt,
    /// A SQLite database (the `SqliteStore` adapter).
    Sqlite,
    /// A redb database (the `RedbStore` adapter).
    Redb,
}

impl Kind {
    /// The name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Crdt => "crdt",
            Kind::Sqlite => "sqlite",
            Kind::Redb => "redb",
        }
    }
}

/// Reads the first bytes of `path` and says what it is; a missing path, a directory or an
/// unknown header is an error.
pub fn detect(path: &Path) -> Result<Kind> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::msg(format!("{}: {}", path.display(), io_cause(&e))))?;
    if meta.is_dir() {
        return Err(Failure::msg(format!(
            "{}: is a directory, not a database",
            path.display()
        )));
    }
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(|e| Failure::msg(format!("{}: {}", path.display(), io_cause(&e))))?;
    if head.starts_with(&CRDT_MAGIC) {
        Ok(Kind::Crdt)
    } else if head.starts_with(SQLITE_MAGIC) {
        Ok(Kind::Sqlite)
    } else if head.starts_with(&REDB_MAGIC) {
        Ok(Kind::Redb)
    } else if head.is_empty() {
        Err(Failure::msg(format!(
            "{}: empty file, not a database",
            path.display()
        )))
    } else {
        Err(Failure::msg(format!(
            "{}: not a database (no .crdt, SQLite or redb header)",
            path.display()
        )))
    }
}

fn io_cause(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn adapter_missing(path: &Path, kind: Kind) -> Failure {
    Failure::msg(format!(
        "{}: {} database: supported once the SQLite/redb adapters land",
        path.display(),
        kind.name()
    ))
}

/// An open database of any supported kind.
pub enum Db {
    /// A `.crdt` file.
    Native(NativeStore),
}

impl Db {
    /// The store behind the traits.
    pub fn store(&self) -> &dyn EventStore {
        match self {
            Db::Native(s) => s,
        }
    }

    /// The kind of file.
    pub fn kind(&self) -> Kind {
        match self {
            Db::Native(_) => Kind::Crdt,
        }
    }

    /// Every live record across namespaces.
    pub fn records(&self) -> Result<RecordIter<'_>> {
        match self {
            Db::Native(s) => Ok(s.records()?),
        }
    }

    /// Every readable record, skipping damaged blocks; the damage found on the way.
    pub fn records_skipping_damage(&self) -> (Vec<Record>, Vec<crdt_store::Error>) {
        match self {
            Db::Native(s) => s.records_skipping_damage(),
        }
    }

    /// The sequence counter of `(ns, entity)`.
    pub fn last_seq(&self, ns: &str, entity: &str) -> crdt_store::Result<Option<u64>> {
        match self {
            Db::Native(s) => s.last_seq(ns, entity),
        }
    }

    /// Runs the engine's own structural checks.
    pub fn check(&self) -> crdt_store::Result<()> {
        match self {
            Db::Native(s) => s.check_invariants(),
        }
    }

    /// Merges the file's runs (engine compaction).
    pub fn compact(&self) -> crdt_store::Result<()> {
        match self {
            Db::Native(s) => s.compact(),
        }
    }

    /// Flushes and closes.
    pub fn close(self) -> crdt_store::Result<()> {
        match self {
            Db::Native(s) => s.close(),
        }
    }

    /// Engine layout, for backends that have one.
    pub fn layout(&self) -> Option<Layout> {
        match self {
            Db::Native(s) => Some(s.layout()),
        }
    }
}

/// Opens an existing database read-only.
pub fn open_read(path: &Path) -> Result<Db> {
    match detect(path)? {
        Kind::Crdt => Ok(Db::Native(NativeStore::open_read_only(path)?)),
        k @ (Kind::Sqlite | Kind::Redb) => Err(adapter_missing(path, k)),
    }
}

/// Opens an existing database for writing.
pub fn open_write(path: &Path) -> Result<Db> {
    match detect(path)? {
        Kind::Crdt => Ok(Db::Native(NativeStore::open(path)?)),
        k @ (Kind::Sqlite | Kind::Redb) => Err(adapter_missing(path, k)),
    }
}

/// Opens a database for writing, creating a new `.crdt` file when `path` does not exist.
pub fn open_or_create(path: &Path) -> Result<Db> {
    if path.exists() {
        open_write(path)
    } else {
        Ok(Db::Native(NativeStore::open(path)?))
    }
}
