//! The crate's one error type, [`Error`], and its [`Result`] alias.
//!
//! Corruption, I/O failures and misuse are different variants, each with the context a user
//! needs to act on (the file, the byte offset, the structure named as in `format-spec/`).

use std::fmt;
use std::path::PathBuf;

/// Result alias used throughout `crdt-store`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `crdt-store`.
///
/// ```
/// use crdt_store::{Error, MemoryStore, StateStore};
/// let store = MemoryStore::new();
/// let huge = "k".repeat(20_000);
/// match store.put("ns", &huge, b"v") {
///     Err(Error::TooLarge { what, len, max }) => assert_eq!((what, len, max), ("key", 20_000, 16_384)),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system I/O error on `path`.
    Io {
        /// The file being accessed.
        path: PathBuf,
        /// What the engine was doing (e.g. "write log", "sync").
        op: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file's bytes do not follow `format-spec/`: damage, or not a `.crdt` file.
    Corrupted {
        /// The file.
        path: PathBuf,
        /// Absolute byte offset of the damaged structure.
        offset: u64,
        /// The structure, named as in `format-spec/` (e.g. "superblock", "data block").
        structure: &'static str,
        /// What check failed.
        detail: String,
    },
    /// Another handle (in this or another process) holds the writer lock on `path`.
    Locked {
        /// The locked file.
        path: PathBuf,
    },
    /// A write was attempted on a handle opened read-only.
    ReadOnly,
    /// A write or sync failed earlier; the handle refuses writes until the file is reopened,
    /// because after a failed sync nothing is known about what reached the disk.
    Poisoned,
    /// A namespace, key, node id, value or commit is longer than the documented limit.
    TooLarge {
        /// Which item ("namespace", "key", "node id", "value", "commit").
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// Misuse of the API that is not covered by another variant.
    InvalidArgument(String),
    /// A stored value could not be enveloped, decoded or migrated (`CrdtDb`); names the
    /// namespace and key. Nothing was written.
    Value {
        /// The namespace (table).
        ns: String,
        /// The key or entity.
        key: String,
        /// What went wrong.
        source: crdt_migrate::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, op, source } => {
                write!(f, "I/O error during {op} on {}: {source}", path.display())
            }
            Error::Corrupted {
                path,
                offset,
                structure,
                detail,
            } => write!(
                f,
                "{} is corrupted: {structure} at byte offset {offset}: {detail}",
                path.display()
            ),
            Error::Locked { path } => write!(
                f,
                "{} is already open for writing by another handle or process; \
                 close it there or open this one read-only",
                path.display()
            ),
            Error::ReadOnly => write!(f, "this store was opened read-only"),
            Error::Poisoned => write!(
                f,
                "an earlier write or sync failed, so this handle refuses writes; reopen the store"
            ),
            Error::TooLarge { what, len, max } => {
                write!(f, "{what} is {len} bytes, the limit is {max} bytes")
            }
            Error::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
            Error::Value { ns, key, source } => {
                write!(f, "value {key:?} in namespace {ns:?}: {source}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Value { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// Whether this error reports damaged or foreign file contents.
    pub fn is_corrupted(&self) -> bool {
        matches!(self, Error::Corrupted { .. })
    }
}
