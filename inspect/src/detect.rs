//! Finding out what a file is, from its first bytes, never its name.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `.crdt` header magic (format-spec/header.md).
pub const CRDT_MAGIC: [u8; 8] = [0x89, b'C', b'R', b'D', b'T', 0x0D, 0x0A, 0x1A];
/// SQLite's header string.
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// redb's magic number.
pub const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// What a file holds, judged by its header bytes. Serialized as its [`Kind::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A native `.crdt` database.
    Crdt,
    /// A SQLite database (the `SqliteStore` adapter).
    Sqlite,
    /// A redb database (the `RedbStore` adapter).
    Redb,
}

impl Kind {
    /// The name shown to users: `crdt`, `sqlite` or `redb`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Crdt => "crdt",
            Kind::Sqlite => "sqlite",
            Kind::Redb => "redb",
        }
    }

    /// The kind whose magic `head` (the first bytes of a file) starts with.
    pub fn from_header(head: &[u8]) -> Option<Kind> {
        if head.starts_with(&CRDT_MAGIC) {
            Some(Kind::Crdt)
        } else if head.starts_with(SQLITE_MAGIC) {
            Some(Kind::Sqlite)
        } else if head.starts_with(&REDB_MAGIC) {
            Some(Kind::Redb)
        } else {
            None
        }
    }
}

/// Reads the first 16 bytes of `path` and says what it is; a missing path, a directory,
/// an empty file or an unknown header is an error. Never creates or changes the file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("notes.txt");
/// std::fs::write(&path, "hello").unwrap();
/// assert!(crdt_inspect::detect(&path).is_err());
/// assert!(crdt_inspect::detect(&dir.path().join("missing")).is_err());
/// ```
pub fn detect(path: &Path) -> Result<Kind> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::IsDirectory { path: path.into() });
    }
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    match Kind::from_header(&head) {
        Some(k) => Ok(k),
        None if head.is_empty() => Err(Error::Empty { path: path.into() }),
        None => Err(Error::NotADatabase { path: path.into() }),
    }
}
