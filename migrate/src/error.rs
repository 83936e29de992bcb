//! The crate's one error type.

use std::fmt;

/// Everything that can go wrong while enveloping, decoding or migrating a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The stored value was written by a newer schema than this app knows.
    /// Upgrade the app; the stored bytes were left untouched.
    FutureVersion {
        /// The table (namespace) of the value.
        table: String,
        /// The schema version found in the envelope.
        stored: u8,
        /// The newest version this app supports.
        supported: u8,
    },
    /// No migration step is registered from `from` in `table`, so `from -> target` cannot run.
    MissingStep {
        /// The table.
        table: String,
        /// The version that has no outgoing step.
        from: u8,
        /// The version the app wanted.
        target: u8,
    },
    /// A migration step returned an error; the stored bytes were left untouched.
    StepFailed {
        /// The table.
        table: String,
        /// The step's name (the `#[migration]` function).
        step: &'static str,
        /// The step's source version.
        from: u8,
        /// Its target version.
        to: u8,
        /// What the step said.
        reason: String,
    },
    /// A migration step panicked; the stored bytes were left untouched.
    StepPanicked {
        /// The table.
        table: String,
        /// The step's name.
        step: &'static str,
        /// The panic message, when it was a string.
        message: String,
    },
    /// The envelope's checksum does not match: the bytes were damaged.
    Damaged {
        /// Byte offset of the damaged field within the value.
        offset: usize,
        /// What was wrong.
        detail: String,
    },
    /// The envelope uses a format version, flag or type tag this build does not know.
    Unsupported {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
    },
    /// The value has no envelope and the database is not configured to accept plain values.
    NotEnveloped {
        /// How many bytes the value has.
        len: usize,
    },
    /// A payload could not be encoded or decoded as the expected type.
    Payload {
        /// The Rust type involved.
        type_name: &'static str,
        /// The schema version of the payload.
        version: u8,
        /// What postcard reported.
        detail: String,
    },
    /// The envelope holds another kind of value than the one asked for.
    TypeMismatch {
        /// The type tag of the type asked for.
        expected: u8,
        /// The type tag in the envelope.
        found: u8,
    },
    /// A payload larger than an envelope can hold (4 GiB - 1).
    TooLarge {
        /// The payload's length.
        len: usize,
    },
    /// The migrations registered for a table contradict each other.
    InvalidChain {
        /// The table.
        table: String,
        /// What is wrong.
        detail: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::FutureVersion { table, stored, supported } => write!(
                f,
                "value in table {table:?} has schema version {stored}, newer than this app's {supported}; \
                 upgrade the app (the stored value was not changed)"
            ),
            Error::MissingStep { table, from, target } => write!(
                f,
                "no migration registered from version {from} in table {table:?} (needed to reach {target}); \
                 register the #[migration(from = {from}, ..)] function"
            ),
            Error::StepFailed { table, step, from, to, reason } => write!(
                f,
                "migration {step} ({from} -> {to}) of table {table:?} failed: {reason} (the stored value was not changed)"
            ),
            Error::StepPanicked { table, step, message } => write!(
                f,
                "migration {step} of table {table:?} panicked: {message} (the stored value was not changed)"
            ),
            Error::Damaged { offset, detail } => {
                write!(f, "damaged version envelope at byte {offset}: {detail}")
            }
            Error::Unsupported { field, value } => write!(
                f,
                "version envelope has unsupported {field} {value}; it was written by a newer crdt-kit"
            ),
            Error::NotEnveloped { len } => write!(
                f,
                "value of {len} bytes has no version envelope; enable plain values (assume a version) to read legacy data"
            ),
            Error::Payload { type_name, version, detail } => {
                write!(f, "payload is not a valid {type_name} at schema version {version}: {detail}")
            }
            Error::TypeMismatch { expected, found } => write!(
                f,
                "version envelope holds a value of type tag {found}, not the requested type tag {expected}"
            ),
            Error::TooLarge { len } => {
                write!(f, "payload of {len} bytes is larger than an envelope can hold (4 GiB - 1)")
            }
            Error::InvalidChain { table, detail } => {
                write!(f, "invalid migration chain for table {table:?}: {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}
