//! The crate's one error type: a schema that cannot be read or generated, with the place
//! (entity, version, field) and what to do about it.

use std::fmt;
use std::path::PathBuf;

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The TOML does not parse or does not have the schema's shape.
    Parse {
        /// The parser's message (with line and column).
        detail: String,
    },
    /// The schema parses but cannot be generated.
    Invalid {
        /// Entity name, if the problem is inside one.
        entity: Option<String>,
        /// Version, if the problem is inside one.
        version: Option<u32>,
        /// Field, if the problem is about one.
        field: Option<String>,
        /// What is wrong and what to do.
        reason: String,
    },
    /// Reading the schema or writing a generated file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn invalid(
        entity: Option<&str>,
        version: Option<u32>,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            entity: entity.map(str::to_string),
            version,
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse { detail } => write!(f, "schema does not parse: {detail}"),
            Error::Invalid {
                entity,
                version,
                field,
                reason,
            } => {
                let mut place = Vec::new();
                if let Some(e) = entity {
                    place.push(format!("entity {e}"));
                }
                if let Some(v) = version {
                    place.push(format!("version {v}"));
                }
                if let Some(x) = field {
                    place.push(format!("field {x}"));
                }
                if place.is_empty() {
                    write!(f, "{reason}")
                } else {
                    write!(f, "{}: {reason}", place.join(", "))
                }
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
