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

/// The type tags of format-spec/envelope.md for the crdt-kit types.
pub mod type_tag {
    /// An application type.
    pub const APPLICATION: u8 = 0;
    /// `crdt_kit::GCounter`.
    pub const GCOUNTER: u8 = 1;
    /// `crdt_kit::PNCounter`.
    pub const PNCOUNTER: u8 = 2;
    /// `crdt_kit::LWWRegister<T>`.
    pub const LWW_REGISTER: u8 = 3;
    /// `crdt_kit::MVRegister<T>`.
    pub const MV_REGISTER: u8 = 4;
    /// `crdt_kit::GSet<T>`.
    pub const GSET: u8 = 5;
    /// `crdt_kit::TwoPSet<T>`.
    pub const TWOP_SET: u8 = 6;
    /// `crdt_kit::ORSet<T>`.
    pub const OR_SET: u8 = 7;
    /// `crdt_kit::Rga<T>`.
    pub const RGA: u8 = 8;
    /// `crdt_kit::TextCrdt`.
    pub const TEXT: u8 = 9;

    /// The name of a type tag, for tools that show envelopes.
    pub fn name(tag: u8) -> Option<&'static str> {
        Some(match tag {
            APPLICATION => "application",
            GCOUNTER => "GCounter",
            PNCOUNTER => "PNCounter",
            LWW_REGISTER => "LWWRegister",
            MV_REGISTER => "MVRegister",
            GSET => "GSet",
            TWOP_SET => "TwoPSet",
            OR_SET => "ORSet",
            RGA => "Rga",
            TEXT => "TextCrdt",
            _ => return None,
        })
    }
}

/// The crdt-kit types are stored at schema version 1 of their own wire format (postcard
/// of their serde form); their type tags let tools decode them without the app's types.
macro_rules! crdt_types {
    ($($ty:ty => $tag:ident $(, $g:ident)?;)*) => {$(
        impl$(<$g>)? CrdtVersioned for $ty {
            const SCHEMA_VERSION: u8 = 1;
            const TYPE_TAG: u8 = type_tag::$tag;
        }
    )*};
}

crdt_types! {
    crdt_kit::GCounter => GCOUNTER;
    crdt_kit::PNCounter => PNCOUNTER;
    crdt_kit::LWWRegister<T> => LWW_REGISTER, T;
    crdt_kit::MVRegister<T> => MV_REGISTER, T;
    crdt_kit::GSet<T> => GSET, T;
    crdt_kit::TwoPSet<T> => TWOP_SET, T;
    crdt_kit::ORSet<T> => OR_SET, T;
    crdt_kit::TextCrdt => TEXT;
}

impl<T: Clone + PartialEq + core::fmt::Debug> CrdtVersioned for crdt_kit::Rga<T> {
    const SCHEMA_VERSION: u8 = 1;
    const TYPE_TAG: u8 = type_tag::RGA;
}
