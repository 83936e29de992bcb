//! Finding out what a file is (from its first bytes, never its name) and opening it: the
//! CLI's face of [`crdt_inspect::Db`].
//!
//! Read commands go through [`open_read`]: the file must exist and is opened read-only, so
//! they never create or change a file.

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

/// Opens a database for writing, creating a new `.crdt` file when `path` does not exist.
pub fn open_or_create(path: &Path) -> Result<Db> {
    Ok(Db::open_or_create(path)?)
}
