//! Finding out what a file is (from its first bytes, never its name) and opening it: the
//! CLI's face of [`crdt_inspect::Db`].
//!
//! Read commands go through [`open_read`]: the file must exist and is opened read-only, so
//! they never create or change a file. `.crdt`, SQLite and redb files are told apart by
//! their header bytes.

use std::path::Path;

pub use crdt_inspect::{detect, Db, Kind, CRDT_MAGIC, REDB_MAGIC, SQLITE_MAGIC};

use crate::error::Result;

/// Opens an existing database read-only.
pub fn open_read(path: &Path) -> Result<Db> {
    Ok(Db::open_read(path)?)
}

/// Opens an existing database for writing.
pub fn open_write(path: &Path) -> Result<Db> {
    Ok(Db::open_write(path)?)
}

/// Opens a database for writing, creating a new database of `kind` when `path` does not
/// exist.
pub fn open_or_create(path: &Path, kind: Kind) -> Result<Db> {
    Ok(Db::open_or_create(path, kind)?)
}

/// The `--format` of commands that create a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A native `.crdt` file.
    #[default]
    Crdt,
    /// A SQLite database (crdt-store's `SqliteStore`).
    Sqlite,
    /// A redb database (crdt-store's `RedbStore`).
    Redb,
}

impl From<Format> for Kind {
    fn from(f: Format) -> Kind {
        match f {
            Format::Crdt => Kind::Crdt,
            Format::Sqlite => Kind::Sqlite,
            Format::Redb => Kind::Redb,
        }
    }
}
