//! Turning stored bytes into something a person can read.
//!
//! A value is first classified by its version envelope (format-spec/envelope.md). The
//! payload of a crdt-kit type (type tags 1..=9) is decoded with postcard into that type and
//! shown by its meaning: a GCounter's value and per-actor counts, a set's elements, a
//! text's string. The element type of generic types is not recorded, so the common ones
//! are tried in order (String, u64, i64, bytes) and the one that decodes the whole payload
//! is named in `element_type`; application payloads and anything else are shown as hex.

use crdt_kit::{GCounter, GSet, LWWRegister, MVRegister, ORSet, PNCounter, Rga, TextCrdt, TwoPSet};
use crdt_migrate::envelope::{self, Detected};
use crdt_migrate::type_tag;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use crate::hex::hex;

/// A stored value, decoded as far as possible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decoded {
    /// The envelope header, or `None` for a value stored without one.
    pub envelope: Option<EnvelopeInfo>,
    /// The guessed element type of a generic crdt-kit type.
    pub element_type: Option<String>,
    /// The readable value.
    pub value: Value,
    /// Why the value could not be decoded, if it could not.
    pub error: Option<String>,
}

/// The header fields of a version envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeInfo {
    /// Schema version of the payload.
    pub schema_version: u8,
    /// Type tag number.
    pub type_tag: u8,
    /// Type tag name (`GCounter`, `ORSet`, `application`, ...).
    pub type_name: String,
    /// Payload length.
    pub payload_bytes: usize,
}

/// Bytes of unknown meaning, serialized as hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex(&self.0))
    }
}

fn take<T: DeserializeOwned>(payload: &[u8]) -> Option<T> {
    match postcard::take_from_bytes::<T>(payload) {
        Ok((v, [])) => Some(v),
        _ => None,
    }
}

fn raw(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            json!({ "text": s })
        }
        _ => json!({ "hex": hex(bytes) }),
    }
}

/// Tries each common element type; the first that decodes the whole payload wins.
macro_rules! guess {
    ($payload:expr, $render:ident) => {
        $render::<String>($payload)
            .map(|v| ("String", v))
            .or_else(|| $render::<u64>($payload).map(|v| ("u64", v)))
            .or_else(|| $render::<i64>($payload).map(|v| ("i64", v)))
            .or_else(|| $render::<Bytes>($payload).map(|v| ("bytes", v)))
    };
}

/// A u128 as a JSON number when it fits in u64, else as a decimal string.
fn big(v: u128) -> Value {
    u64::try_from(v)
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(v.to_string()))
}

fn counts(c: &GCounter) -> Value {
    let mut m = Map::new();
    for (actor, n) in c.entries() {
        m.insert(actor.as_str().to_string(), json!(n));
    }
    Value::Object(m)
}

fn lww<T: DeserializeOwned + Serialize>(p: &[u8]) -> Option<Value> {
    let r: LWWRegister<T> = take(p)?;
    Some(json!({ "value": r.value(), "timestamp": r.timestamp(), "writer": r.writer().as_str() }))
}

fn mv<T: DeserializeOwned + Serialize + Ord + Clone>(p: &[u8]) -> Option<Value> {
    let r: MVRegister<T> = take(p)?;
    Some(json!({ "values": r.values(), "conflicted": r.is_conflicted() }))
}

fn gset<T: DeserializeOwned + Serialize + Ord + Clone>(p: &[u8]) -> Option<Value> {
    let s: GSet<T> = take(p)?;
    Some(json!({ "elements": s.iter().collect::<Vec<_>>() }))
}

fn twop<T: DeserializeOwned + Serialize + Ord + Clone>(p: &[u8]) -> Option<Value> {
    let s: TwoPSet<T> = take(p)?;
    Some(json!({ "elements": s.iter().collect::<Vec<_>>() }))
}

fn orset<T: DeserializeOwned + Serialize + Ord + Clone>(p: &[u8]) -> Option<Value> {
    let s: ORSet<T> = take(p)?;
    Some(json!({ "elements": s.iter().collect::<Vec<_>>() }))
}

fn rga<T: DeserializeOwned + Serialize + Clone + PartialEq + core::fmt::Debug>(
    p: &[u8],
) -> Option<Value> {
    let s: Rga<T> = take(p)?;
    Some(json!({ "elements": s.iter().collect::<Vec<_>>() }))
}

/// Decodes the payload of a crdt-kit type: `(element type, value)`.
fn crdt_payload(tag: u8, p: &[u8]) -> Option<(Option<&'static str>, Value)> {
    let plain = |v: Option<Value>| v.map(|v| (None, v));
    let generic = |v: Option<(&'static str, Value)>| v.map(|(t, v)| (Some(t), v));
    match tag {
        type_tag::GCOUNTER => plain(take::<GCounter>(p).map(|c| {
            json!({ "value": big(c.value_u128()), "counts": counts(&c) })
        })),
        type_tag::PNCOUNTER => plain(take::<PNCounter>(p).map(|c| {
            json!({
                "value": i64::try_from(c.value_i128()).map(Value::from).unwrap_or_else(|_| Value::from(c.value_i128().to_string())),
                "increments": counts(c.increments()),
                "decrements": counts(c.decrements()),
            })
        })),
        type_tag::LWW_REGISTER => generic(guess!(p, lww)),
        type_tag::MV_REGISTER => generic(guess!(p, mv)),
        type_tag::GSET => generic(guess!(p, gset)),
        type_tag::TWOP_SET => generic(guess!(p, twop)),
        type_tag::OR_SET => generic(guess!(p, orset)),
        type_tag::RGA => generic(guess!(p, rga)),
        type_tag::TEXT => plain(take::<TextCrdt>(p).map(|t| json!({ "text": t.to_string() }))),
        _ => None,
    }
}

/// Decodes stored bytes; never fails (what cannot be decoded is shown as hex with a reason).
pub fn decode(bytes: &[u8]) -> Decoded {
    match envelope::detect(bytes) {
        Ok(Detected::Plain(b)) => Decoded {
            envelope: None,
            element_type: None,
            value: raw(b),
            error: None,
        },
        Ok(Detected::Envelope(env)) => {
            let info = EnvelopeInfo {
                schema_version: env.schema_version,
                type_tag: env.type_tag,
                type_name: type_tag::name(env.type_tag)
                    .unwrap_or("unknown")
                    .to_string(),
                payload_bytes: env.payload.len(),
            };
            if env.type_tag == type_tag::APPLICATION {
                return Decoded {
                    envelope: Some(info),
                    element_type: None,
                    value: json!({ "hex": hex(env.payload) }),
                    error: None,
                };
            }
            match crdt_payload(env.type_tag, env.payload) {
                Some((elem, value)) => Decoded {
                    envelope: Some(info),
                    element_type: elem.map(str::to_string),
                    value,
                    error: None,
                },
                None => Decoded {
                    envelope: Some(info),
                    element_type: None,
                    value: json!({ "hex": hex(env.payload) }),
                    error: Some(format!(
                        "the payload does not decode as a {} of String, u64, i64 or bytes",
                        type_tag::name(env.type_tag).unwrap_or("value")
                    )),
                },
            }
        }
        Err(e) => Decoded {
            envelope: None,
            element_type: None,
            value: json!({ "hex": hex(bytes) }),
            error: Some(e.to_string()),
        },
    }
}

/// A one-line summary of a decoded value for text output.
pub fn summary(d: &Decoded) -> String {
    let ty = match (&d.envelope, &d.element_type) {
        (Some(e), Some(t)) => format!("{}<{t}> v{}", e.type_name, e.schema_version),
        (Some(e), None) => format!("{} v{}", e.type_name, e.schema_version),
        (None, _) => "plain".to_string(),
    };
    let mut s = format!("{ty}: {}", d.value);
    if let Some(err) = &d.error {
        s.push_str(&format!(" (undecodable: {err})"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: deterministic noise without a dependency.
    fn noise(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut set = ORSet::new("a");
        set.insert("x".to_string());
        let mut text = TextCrdt::new("a");
        text.insert_str(0, "hi").unwrap();
        let valid = [
            crdt_migrate::write(&set).unwrap(),
            crdt_migrate::write(&text).unwrap(),
            crdt_migrate::write(&GCounter::new("a")).unwrap(),
        ];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..3000 {
            let mut bytes = valid[round % valid.len()].clone();
            let flips = 1 + noise(&mut s) % 4;
            for _ in 0..flips {
                let at = (noise(&mut s) % bytes.len() as u64) as usize;
                bytes[at] = noise(&mut s) as u8;
            }
            let _ = decode(&bytes);
            // Re-seal the envelope so that the payload decoders see the damage.
            let payload = &bytes[12..bytes.len() - 4];
            let resealed = envelope::encode(1, bytes[6] % 10, payload).unwrap();
            assert!(decode(&resealed).envelope.is_some());
        }
    }

    #[test]
    fn unknown_element_types_fall_back_to_hex() {
        let mut set = ORSet::new("a");
        set.insert((1u8, 2u8));
        let d = decode(&crdt_migrate::write(&set).unwrap());
        assert_eq!(d.envelope.unwrap().type_name, "ORSet");
        assert!(d.error.is_some() || d.element_type.is_some());
    }
}
