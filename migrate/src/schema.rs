//! What a stored type declares about itself: its schema version, its table and its kind.

/// The table (namespace) used by types that do not name one.
pub const DEFAULT_TABLE: &str = "default";

/// A type stored with a version envelope.
///
/// Implement it by hand (the seed's way) or with `#[crdt_schema(version = N, table = "t")]`:
///
/// ```
/// use crdt_migrate::CrdtVersioned;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct SensorReading { temperature: f32, humidity: f32 }
///
/// impl CrdtVersioned for SensorReading {
///     const SCHEMA_VERSION: u8 = 1;
/// }
/// assert_eq!(SensorReading::TABLE, "default");
/// ```
pub trait CrdtVersioned {
    /// The schema version this build of the app reads and writes (1..=255).
    const SCHEMA_VERSION: u8;
    /// The table (namespace) the type's values live in; each table has its own migration chain.
    const TABLE: &'static str = DEFAULT_TABLE;
    /// What the payload is, recorded in the envelope (format-spec/envelope.md):
    /// 0 for application types, 1..=9 for crdt-kit types.
    const TYPE_TAG: u8 = 0;
}

/// Compares two strings in a `const` context (used by the macros' compile-time checks).
#[doc(hidden)]
pub const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
