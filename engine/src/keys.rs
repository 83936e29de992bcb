//! The ordered keyspace: internal keys for state, events, snapshots and sequence counters,
//! and the event and snapshot value layouts (format-spec/keys.md).
//!
//! Invariant (KEY-1): the encoding is injective and the namespace component is length
//! prefixed, so no key of one namespace is a prefix of a key of another. The last component
//! runs to the end of the key, which keeps state keys in the user's byte order (KEY-2).
//! Both `MemoryStore` and `NativeStore` store data under these keys, so they share ordering.

use crate::format::cursor::{put_u16_le, put_u64_le, Bad, Cursor};

/// Key type bytes (format-spec/keys.md, "Key types"). 0 is reserved.
pub(crate) const TYPE_STATE: u8 = 0x01;
pub(crate) const TYPE_EVENT: u8 = 0x02;
pub(crate) const TYPE_SNAPSHOT: u8 = 0x03;
pub(crate) const TYPE_COUNTER: u8 = 0x04;
pub(crate) const TYPE_FLOOR: u8 = 0x05;

/// `len as u16 BE ‖ bytes`; callers checked the limits, which are far below `u16::MAX`.
fn lp(out: &mut Vec<u8>, s: &str) {
    let len = u16::try_from(s.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// `type ‖ lp(ns)`: the prefix shared by all keys of one type in one namespace.
pub(crate) fn ns_prefix(kind: u8, ns: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + ns.len());
    out.push(kind);
    lp(&mut out, ns);
    out
}

/// `kind ‖ lp(ns) ‖ last`, for the key types whose last component is a name.
fn named_key(kind: u8, ns: &str, last: &str) -> Vec<u8> {
    let mut out = ns_prefix(kind, ns);
    out.extend_from_slice(last.as_bytes());
    out
}

pub(crate) fn state_key(ns: &str, key: &str) -> Vec<u8> {
    named_key(TYPE_STATE, ns, key)
}

/// Call `f` with [`state_key`]`(ns, key)`, built in a buffer on the stack when it fits in
/// 256 bytes (a point read then allocates nothing for its key).
pub(crate) fn with_state_key<T>(ns: &str, key: &str, f: impl FnOnce(&[u8]) -> T) -> T {
    let mut buf = [0u8; 256];
    let len = 3 + ns.len() + key.len();
    let ns_len = u16::try_from(ns.len()).unwrap_or(u16::MAX).to_be_bytes();
    let parts: [&[u8]; 4] = [&[TYPE_STATE], &ns_len, ns.as_bytes(), key.as_bytes()];
    match buf.get_mut(..len) {
        Some(out) => {
            let mut at = 0;
            for p in parts {
                if let Some(dst) = out.get_mut(at..at + p.len()) {
                    dst.copy_from_slice(p);
                }
                at += p.len();
            }
            f(out)
        }
        None => f(&state_key(ns, key)),
    }
}

pub(crate) fn snapshot_key(ns: &str, entity: &str) -> Vec<u8> {
    named_key(TYPE_SNAPSHOT, ns, entity)
}

pub(crate) fn counter_key(ns: &str, entity: &str) -> Vec<u8> {
    named_key(TYPE_COUNTER, ns, entity)
}

/// The truncation floor of an entity: its events with a smaller seq are deleted
/// (a range tombstone, format-spec/keys.md KEY-6).
pub(crate) fn floor_key(ns: &str, entity: &str) -> Vec<u8> {
    named_key(TYPE_FLOOR, ns, entity)
}

/// `02 ‖ lp(ns) ‖ lp(entity)`: every event of one entity starts with this.
pub(crate) fn event_prefix(ns: &str, entity: &str) -> Vec<u8> {
    let mut out = ns_prefix(TYPE_EVENT, ns);
    lp(&mut out, entity);
    out
}

pub(crate) fn event_key(ns: &str, entity: &str, seq: u64) -> Vec<u8> {
    let mut out = event_prefix(ns, entity);
    out.extend_from_slice(&seq.to_be_bytes());
    out
}

/// The smallest byte string greater than every string starting with `prefix`, or `None`
/// if there is none (all 0xFF).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

fn utf8(bytes: &[u8], what: &str) -> Result<String, Bad> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Bad::new("key", format!("{what} is not UTF-8")))
}

/// A decoded internal key (KEY-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodedKey {
    State {
        ns: String,
        key: String,
    },
    Event {
        ns: String,
        entity: String,
        seq: u64,
    },
    Snapshot {
        ns: String,
        entity: String,
    },
    Counter {
        ns: String,
        entity: String,
    },
    Floor {
        ns: String,
        entity: String,
    },
}

impl DecodedKey {
    pub(crate) fn namespace(&self) -> &str {
        match self {
            DecodedKey::State { ns, .. }
            | DecodedKey::Event { ns, .. }
            | DecodedKey::Snapshot { ns, .. }
            | DecodedKey::Counter { ns, .. }
            | DecodedKey::Floor { ns, .. } => ns,
        }
    }
}

pub(crate) fn decode_key(key: &[u8]) -> Result<DecodedKey, Bad> {
    let mut c = Cursor::new(key, "key");
    let kind = c.u8()?;
    let ns_len = c.u16_be()? as usize;
    let ns = utf8(c.bytes(ns_len)?, "namespace")?;
    match kind {
        TYPE_STATE => Ok(DecodedKey::State {
            ns,
            key: utf8(c.rest(), "key")?,
        }),
        TYPE_SNAPSHOT => Ok(DecodedKey::Snapshot {
            ns,
            entity: utf8(c.rest(), "entity")?,
        }),
        TYPE_FLOOR => Ok(DecodedKey::Floor {
            ns,
            entity: utf8(c.rest(), "entity")?,
        }),
        TYPE_COUNTER => Ok(DecodedKey::Counter {
            ns,
            entity: utf8(c.rest(), "entity")?,
        }),
        TYPE_EVENT => {
            let e_len = c.u16_be()? as usize;
            let entity = utf8(c.bytes(e_len)?, "entity")?;
            let seq = c.u64_be()?;
            if !c.is_empty() {
                return Err(c.bad("event key has bytes after the seq"));
            }
            Ok(DecodedKey::Event { ns, entity, seq })
        }
        other => Err(c.bad(format!("unknown key type {other:#04x}"))),
    }
}

/// For an event key: its entity prefix (`02 ‖ lp(ns) ‖ lp(entity)`) and seq. `None` for
/// other keys or malformed ones.
pub(crate) fn split_event_key(key: &[u8]) -> Option<(&[u8], u64)> {
    if key.first() != Some(&TYPE_EVENT) || key.len() < 8 {
        return None;
    }
    let (prefix, seq) = key.split_at(key.len() - 8);
    let seq: [u8; 8] = seq.try_into().ok()?;
    Some((prefix, u64::from_be_bytes(seq)))
}

/// Decode the user key of a state key that is known to start with `prefix`.
pub(crate) fn state_user_key(prefix: &[u8], key: &[u8]) -> Result<String, Bad> {
    let rest = key
        .strip_prefix(prefix)
        .ok_or_else(|| Bad::new("key", "state key outside its namespace"))?;
    utf8(rest, "key")
}

/// An event as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    /// Sequence number within its `(namespace, entity)`, starting at 1.
    pub seq: u64,
    /// The caller's timestamp (usually milliseconds since the Unix epoch).
    pub timestamp: u64,
    /// The replica that produced the event.
    pub node_id: String,
    /// The event's payload.
    pub data: Vec<u8>,
}

/// A saved snapshot of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// The serialized state.
    pub state: Vec<u8>,
    /// The seq of the last event folded into `state`.
    pub at_seq: u64,
    /// The schema version of `state`.
    pub version: u32,
}

pub(crate) fn encode_event_value(timestamp: u64, node_id: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + node_id.len() + data.len());
    put_u64_le(&mut out, timestamp);
    put_u16_le(&mut out, u16::try_from(node_id.len()).unwrap_or(u16::MAX));
    out.extend_from_slice(node_id.as_bytes());
    out.extend_from_slice(data);
    out
}

pub(crate) fn decode_event_value(seq: u64, value: &[u8]) -> Result<Event, Bad> {
    let mut c = Cursor::new(value, "event value");
    let timestamp = c.u64_le()?;
    let node_len = c.u16_le()? as usize;
    let node = c.bytes(node_len)?;
    let node_id = String::from_utf8(node.to_vec()).map_err(|_| c.bad("node id is not UTF-8"))?;
    Ok(Event {
        seq,
        timestamp,
        node_id,
        data: c.rest().to_vec(),
    })
}

pub(crate) fn encode_snapshot_value(state: &[u8], at_seq: u64, version: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + state.len());
    put_u64_le(&mut out, at_seq);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(state);
    out
}

pub(crate) fn decode_snapshot_value(value: &[u8]) -> Result<Snapshot, Bad> {
    let mut c = Cursor::new(value, "snapshot value");
    let at_seq = c.u64_le()?;
    let version = c.u32_le()?;
    Ok(Snapshot {
        state: c.rest().to_vec(),
        at_seq,
        version,
    })
}

/// The value of a sequence counter or truncation floor: `u64 LE`.
pub(crate) fn decode_u64(value: &[u8]) -> Result<u64, Bad> {
    let mut c = Cursor::new(value, "sequence counter");
    let v = c.u64_le()?;
    if !c.is_empty() {
        return Err(c.bad("trailing bytes"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_state_key_is_state_key() {
        let long = "k".repeat(300);
        for (ns, key) in [
            ("", ""),
            ("ns", "key"),
            ("n", long.as_str()),
            (&long[..250], "ab"),
        ] {
            assert_eq!(with_state_key(ns, key, <[u8]>::to_vec), state_key(ns, key));
        }
    }

    #[test]
    fn key_1_2_3_spec_examples() {
        assert_eq!(state_key("s", "k"), [1, 0, 1, 0x73, 0x6b]);
        assert_eq!(state_key("", ""), [1, 0, 0]);
        assert_eq!(state_key("a\0", "é"), [1, 0, 2, 0x61, 0, 0xc3, 0xa9]);
        let ev = event_key("sensors", "s1", 1);
        assert_eq!(
            ev,
            [
                2, 0, 7, b's', b'e', b'n', b's', b'o', b'r', b's', 0, 2, b's', b'1', 0, 0, 0, 0, 0,
                0, 0, 1
            ]
        );
        assert!(event_key("n", "e", 2) > event_key("n", "e", 1));
        assert!(event_key("n", "e", 256) > event_key("n", "e", 255));
        // KEY-1: namespace "a" + key "bc" differs from namespace "ab" + key "c".
        assert_ne!(state_key("a", "bc"), state_key("ab", "c"));
        // KEY-2: order within a namespace is the user's byte order.
        assert!(state_key("n", "a") < state_key("n", "aa"));
        assert!(state_key("n", "aa") < state_key("n", "b"));
    }

    #[test]
    fn key_4_decode_roundtrip_and_rejects() {
        let k = event_key("ns\0", "ü", 42);
        assert_eq!(
            decode_key(&k),
            Ok(DecodedKey::Event {
                ns: "ns\0".into(),
                entity: "ü".into(),
                seq: 42
            })
        );
        assert!(decode_key(&[]).is_err());
        assert!(decode_key(&[9, 0, 0]).is_err());
        assert!(decode_key(&[1, 0, 5, b'a']).is_err());
        assert!(decode_key(&[1, 0, 1, 0xff]).is_err());
        let mut long = k.clone();
        long.push(0);
        assert!(decode_key(&long).is_err());
    }

    #[test]
    fn values_roundtrip() {
        let v = encode_event_value(1000, "node-a", b"SetTemp(23.1)");
        assert_eq!(&v[..10], &[0xe8, 3, 0, 0, 0, 0, 0, 0, 6, 0]);
        let e = decode_event_value(3, &v).unwrap();
        assert_eq!(
            (e.seq, e.timestamp, e.node_id.as_str(), &e.data[..]),
            (3, 1000, "node-a", &b"SetTemp(23.1)"[..])
        );
        let s = decode_snapshot_value(&encode_snapshot_value(b"st", 5, 2)).unwrap();
        assert_eq!((s.at_seq, s.version, &s.state[..]), (5, 2, &b"st"[..]));
        assert!(decode_event_value(1, &v[..9]).is_err());
        assert!(decode_snapshot_value(&[1, 2]).is_err());
    }

    #[test]
    fn prefix_end_works() {
        assert_eq!(prefix_end(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff]), None);
    }
}
