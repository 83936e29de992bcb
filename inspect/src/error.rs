//! The one error type of crdt-inspect. Every message names the file and says what to do or
//! what was wrong; the `crdt` CLI prints it as `crdt: <message>`.

use std::fmt;
use std::path::PathBuf;

use crate::detect::Kind;

/// Why an inspection could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The path does not exist (read-only opens never create a file).
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The path is a directory.
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },
    /// The file is empty.
    Empty {
        /// The path as given.
        path: PathBuf,
    },
    /// The header is not that of a `.crdt`, SQLite or redb file.
    NotADatabase {
        /// The path as given.
        path: PathBuf,
    },
    /// A database was to be created where a file already exists.
    Exists {
        /// The path as given.
        path: PathBuf,
    },
    /// A recognised kind of database this build cannot open.
    Unsupported {
        /// The path as given.
        path: PathBuf,
        /// What the header says it is.
        kind: Kind,
    },
    /// An I/O error outside the store (reading the header, the file size).
    Io {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The store reported an error (corruption names file, offset and what was wrong).
    Store(crdt_store::Error),
}

/// Result of crdt-inspect's functions.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound { path },
            _ => Error::Io { path, source },
        }
    }

    /// Whether the error means the file is damaged (as opposed to missing, locked or
    /// unsupported).
    pub fn is_corrupted(&self) -> bool {
        matches!(self, Error::Store(e) if e.is_corrupted())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound { path } => write!(f, "{}: no such file", path.display()),
            Error::IsDirectory { path } => {
                write!(f, "{}: is a directory, not a database", path.display())
            }
            Error::Empty { path } => write!(f, "{}: empty file, not a database", path.display()),
            Error::NotADatabase { path } => write!(
                f,
                "{}: not a database (no .crdt, SQLite or redb header)",
                path.display()
            ),
            Error::Exists { path } => write!(
                f,
                "{}: already exists; a new database is only created at a free path",
                path.display()
            ),
            Error::Unsupported { path, kind } => write!(
                f,
                "{}: {} database: this build has no {} support (crdt-inspect feature `{}`)",
                path.display(),
                kind.name(),
                kind.name(),
                kind.name()
            ),
            Error::Io { path, source } => match source.kind() {
                std::io::ErrorKind::PermissionDenied => {
                    write!(f, "{}: permission denied", path.display())
                }
                _ => write!(f, "{}: {source}", path.display()),
            },
            Error::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crdt_store::Error> for Error {
    fn from(e: crdt_store::Error) -> Self {
        Error::Store(e)
    }
}
