//! The crate's one error type, and how it crosses into JavaScript: every `Err` becomes a
//! thrown JS `Error` whose message is this type's `Display`.

use core::fmt;
use wasm_bindgen::{JsError, JsValue};

/// Everything a binding can refuse. In JavaScript it is thrown as an `Error` with this
/// message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Bytes given to `decode`, `applyDelta` or `deltaSince` are not a valid encoding.
    Decode {
        /// What was being decoded (e.g. "TextCrdt delta").
        what: &'static str,
        /// How many bytes were given.
        len: usize,
        /// Why postcard or the type's validation refused them.
        reason: String,
    },
    /// The bytes hold a valid value followed by bytes that belong to nothing.
    TrailingBytes {
        /// What was being decoded.
        what: &'static str,
        /// Where the value ended.
        used: usize,
        /// How many bytes were given.
        len: usize,
    },
    /// A JS number that must be an integer in `0..=max` is not one.
    NotAnInteger {
        /// The argument's name.
        what: &'static str,
        /// The number given.
        got: f64,
        /// The largest allowed value (`Number.MAX_SAFE_INTEGER` for amounts and positions).
        max: u64,
    },
    /// A value is too large to be a JS number exactly.
    Unrepresentable {
        /// What the value is.
        what: &'static str,
        /// The exact value, in decimal.
        value: String,
        /// The method that returns it exactly, if there is one.
        exact: Option<&'static str>,
    },
    /// `TextCrdt.insert` takes exactly one character.
    NotOneChar {
        /// How many characters (Unicode scalar values) were given.
        chars: usize,
    },
    /// Serialising a value failed (postcard reported it).
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// postcard's reason.
        reason: String,
    },
    /// The CRDT refused the operation (index out of bounds, overflow, clock drift, ...).
    Crdt(crdt_kit::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode { what, len, reason } => {
                write!(f, "cannot decode a {what} from {len} bytes: {reason}")
            }
            Error::TrailingBytes { what, used, len } => write!(
                f,
                "cannot decode a {what}: it ends at byte {used} but {len} bytes were given \
                 ({} trailing); pass exactly the bytes that were produced",
                len.saturating_sub(*used)
            ),
            Error::NotAnInteger { what, got, max } => {
                write!(f, "{what} must be an integer from 0 to {max}, got {got}")
            }
            Error::Unrepresentable { what, value, exact } => {
                write!(f, "{what} {value} is beyond Number.MAX_SAFE_INTEGER")?;
                match exact {
                    Some(method) => write!(f, "; {method} returns it exactly as a bigint"),
                    None => Ok(()),
                }
            }
            Error::NotOneChar { chars } => write!(
                f,
                "insert() takes exactly one character, got {chars}; use insertStr() for text"
            ),
            Error::Encode { what, reason } => write!(f, "cannot encode a {what}: {reason}"),
            Error::Crdt(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {}

impl From<crdt_kit::Error> for Error {
    fn from(e: crdt_kit::Error) -> Self {
        Error::Crdt(e)
    }
}

/// What wasm-bindgen throws for an `Err`: a JS `Error` carrying the message.
impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        JsError::new(&e.to_string()).into()
    }
}
