//! The CLI's error: a one-line cause and the exit code it maps to.
//!
//! Exit codes (documented in cli/README.md): 0 success, 1 a negative result (damage found
//! by `verify`), 2 the command could not run. A closed stdout pipe is [`Failure::Quiet`]:
//! exit 0 and no message, like `cat` or `rg`.

use std::fmt;

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// The command could not run (exit 2); printed as `crdt: <cause>`.
    Error(String),
    /// The reader of stdout went away; exit 0 quietly.
    Quiet,
}

/// Result of the CLI's library functions.
pub type Result<T> = std::result::Result<T, Failure>;

impl Failure {
    /// An error with a message.
    pub fn msg(cause: impl fmt::Display) -> Self {
        Failure::Error(cause.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error(m) => f.write_str(m),
            Failure::Quiet => f.write_str("output closed"),
        }
    }
}

impl From<crdt_store::Error> for Failure {
    fn from(e: crdt_store::Error) -> Self {
        Failure::msg(e)
    }
}

impl From<crdt_inspect::Error> for Failure {
    fn from(e: crdt_inspect::Error) -> Self {
        Failure::msg(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::Quiet
        } else {
            Failure::msg(e)
        }
    }
}

impl From<crdt_migrate::Error> for Failure {
    fn from(e: crdt_migrate::Error) -> Self {
        Failure::msg(e)
    }
}
