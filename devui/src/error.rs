//! The dev UI's error type: what went wrong starting the server or answering a request,
//! and the HTTP status each request error maps to.

use std::net::SocketAddr;

use axum::http::StatusCode;

/// Why the server could not start or a request could not be answered.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The database could not be opened (missing, not a database, damaged header); the
    /// message names the file.
    Open(crdt_inspect::Error),
    /// Reading the open database failed (damage found, I/O error); the message names the
    /// file and, for damage, the offset.
    Read(crdt_inspect::Error),
    /// The listening socket could not be created.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `--bind` is not an IP address.
    BadAddress {
        /// What was given.
        given: String,
    },
    /// Serving failed after start (I/O error on the listener, runtime failure).
    Serve(std::io::Error),
    /// A request named something the database does not hold (HTTP 404).
    NotFound(String),
    /// A request had a bad query parameter (HTTP 400).
    BadRequest(String),
}

/// Result of the dev UI's functions.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The HTTP status a request error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Open(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Open(e) => write!(f, "cannot open the database read-only: {e}"),
            Error::Read(e) => write!(f, "reading the database: {e}"),
            Error::Bind { addr, source } => write!(
                f,
                "cannot listen on {addr}: {source} (pick another port with --port)"
            ),
            Error::BadAddress { given } => write!(
                f,
                "--bind {given:?} is not an IP address (use e.g. 127.0.0.1 or ::1)"
            ),
            Error::Serve(e) => write!(f, "server stopped: {e}"),
            Error::NotFound(what) => write!(f, "not found: {what}"),
            Error::BadRequest(why) => write!(f, "bad request: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } | Error::Serve(source) => Some(source),
            Error::Open(e) | Error::Read(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crdt_inspect::Error> for Error {
    fn from(e: crdt_inspect::Error) -> Self {
        Error::Read(e)
    }
}
