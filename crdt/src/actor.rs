//! Replica identities.
//!
//! An [`ActorId`] names the replica that made a change. Users pass plain strings
//! (`GCounter::new("phone")`), so the id is a string, compared byte for byte: two
//! different strings are two different actors, always; nothing is hashed or truncated.
//!
//! Ids of up to [`INLINE_CAPACITY`] bytes (almost every real one: device names, UUIDs
//! in hex without dashes are 32 bytes and go to the heap) are stored inline, so
//! cloning and comparing them costs no allocation.

use alloc::boxed::Box;
use alloc::string::String;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};

/// How many bytes of an actor id are stored without a heap allocation.
pub const INLINE_CAPACITY: usize = 22;

/// The identity of a replica: any string, compared byte for byte.
///
/// ```
/// use crdt_kit::ActorId;
/// let a = ActorId::from("phone");
/// let b: ActorId = String::from("phone").into();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "phone");
/// assert!(ActorId::from("a") < ActorId::from("b"));
/// ```
pub struct ActorId(Repr);

enum Repr {
    Inline {
        len: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    Heap(Box<str>),
}

impl Clone for ActorId {
    fn clone(&self) -> Self {
        ActorId(self.0.clone())
    }

    #[inline]
    fn clone_from(&mut self, source: &Self) {
        self.0.clone_from(&source.0);
    }
}

impl Clone for Repr {
    fn clone(&self) -> Self {
        match self {
            Repr::Inline { len, bytes } => Repr::Inline {
                len: *len,
                bytes: *bytes,
            },
            Repr::Heap(s) => Repr::Heap(s.clone()),
        }
    }

    /// In place when both ids are inline (the usual case): registers and clocks take a
    /// winner's id on every merge.
    #[inline]
    fn clone_from(&mut self, source: &Self) {
        match (self, source) {
            (Repr::Inline { len, bytes }, Repr::Inline { len: l, bytes: b }) => {
                *len = *l;
                *bytes = *b;
            }
            (this, source) => *this = source.clone(),
        }
    }
}

impl ActorId {
    /// Makes an actor id from a string.
    pub fn new(name: &str) -> Self {
        let raw = name.as_bytes();
        if raw.len() <= INLINE_CAPACITY {
            let mut bytes = [0u8; INLINE_CAPACITY];
            bytes[..raw.len()].copy_from_slice(raw);
            // `raw.len() <= 22`, so it fits a u8.
            ActorId(Repr::Inline {
                len: raw.len() as u8,
                bytes,
            })
        } else {
            ActorId(Repr::Heap(Box::from(name)))
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                let raw = &bytes[..usize::from(*len)];
                // Only ever filled from a `&str` of exactly this length.
                core::str::from_utf8(raw).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }

    /// The id's bytes (UTF-8). Comparisons use these, without re-validating UTF-8.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Heap(s) => s.as_bytes(),
        }
    }

    /// The length of the id in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for the empty id `""` (allowed, but a poor name for a replica).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for ActorId {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for ActorId {}

impl PartialOrd for ActorId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ActorId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}
impl Hash for ActorId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ActorId {
    fn from(s: &str) -> Self {
        ActorId::new(s)
    }
}
impl From<&String> for ActorId {
    fn from(s: &String) -> Self {
        ActorId::new(s)
    }
}
impl From<String> for ActorId {
    fn from(s: String) -> Self {
        if s.len() <= INLINE_CAPACITY {
            ActorId::new(&s)
        } else {
            ActorId(Repr::Heap(s.into_boxed_str()))
        }
    }
}
impl From<&ActorId> for ActorId {
    fn from(a: &ActorId) -> Self {
        a.clone()
    }
}
impl From<u64> for ActorId {
    /// Numeric replica ids are written in decimal: `ActorId::from(7) == ActorId::from("7")`.
    fn from(n: u64) -> Self {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut n = n;
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        ActorId::new(core::str::from_utf8(&buf[i..]).unwrap_or("0"))
    }
}
impl AsRef<str> for ActorId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}
impl core::borrow::Borrow<str> for ActorId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::ActorId;
    use core::fmt;
    use serde::de::{self, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for ActorId {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    struct ActorVisitor;
    impl<'de> Visitor<'de> for ActorVisitor {
        type Value = ActorId;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an actor id string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<ActorId, E> {
            Ok(ActorId::new(v))
        }
        fn visit_string<E: de::Error>(self, v: alloc::string::String) -> Result<ActorId, E> {
            Ok(ActorId::from(v))
        }
    }

    impl<'de> Deserialize<'de> for ActorId {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(ActorVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn inline_and_heap_compare_by_content() {
        let long = "a-very-long-replica-name-that-does-not-fit-inline";
        assert_eq!(ActorId::from(long), ActorId::from(String::from(long)));
        assert_eq!(ActorId::from(long).as_str(), long);
        assert_ne!(ActorId::from("ab"), ActorId::from("ab\0"));
        let exactly = "x".repeat(INLINE_CAPACITY);
        let over = "x".repeat(INLINE_CAPACITY + 1);
        assert!(ActorId::from(exactly.as_str()) < ActorId::from(over.as_str()));
        assert_eq!(format!("{:?}", ActorId::from("é")), "\"é\"");
    }

    #[test]
    fn clone_from_covers_every_pair_of_representations() {
        let long = "a-very-long-replica-name-that-does-not-fit-inline";
        let ids = [
            "a",
            "ab\0",
            "",
            long,
            "another-long-replica-name-on-the-heap!",
        ];
        for to in ids {
            for from in ids {
                let mut id = ActorId::from(to);
                let source = ActorId::from(from);
                id.clone_from(&source);
                assert_eq!(id, source);
                assert_eq!(id.as_str(), from);
                assert_eq!(source.clone().as_str(), from);
            }
        }
    }

    #[test]
    fn numbers_are_decimal() {
        assert_eq!(ActorId::from(0u64).as_str(), "0");
        assert_eq!(ActorId::from(u64::MAX).as_str(), "18446744073709551615");
    }
}
