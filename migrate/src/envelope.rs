//! The version envelope codec: layout, encode, decode, nothing else.
//!
//! Spec: `format-spec/envelope.md`. Each MUST rule there has a test here named after it.
//!
//! ```text
//! 0  magic CD 45 4E 56 | 4 format | 5 schema_version | 6 type_tag | 7 flags
//! 8  payload_len u32le | 12 payload | 12+n crc32 u32le of [0, 12+n)
//! ```

use crate::Error;

/// The four magic bytes that open every envelope.
pub const MAGIC: [u8; 4] = [0xCD, 0x45, 0x4E, 0x56];
/// The envelope format this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// Bytes an envelope adds around its payload.
pub const OVERHEAD: usize = 16;
/// The highest type tag defined by format version 1.
pub const MAX_TYPE_TAG: u8 = 9;

const HEADER: usize = 12;
const OFF_FORMAT: usize = 4;
const OFF_VERSION: usize = 5;
const OFF_TAG: usize = 6;
const OFF_FLAGS: usize = 7;
const OFF_LEN: usize = 8;

/// A decoded envelope header with a borrowed payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The schema version of the payload (1..=255).
    pub schema_version: u8,
    /// What the payload is: 0 for application types, 1..=9 for crdt-kit types.
    pub type_tag: u8,
    /// The postcard payload.
    pub payload: &'a [u8],
}

/// What a stored byte string turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected<'a> {
    /// A valid envelope.
    Envelope(Envelope<'a>),
    /// Not an envelope: a value stored without one (MUST-2).
    Plain(&'a [u8]),
}

/// Wraps a payload: the bytes to store.
pub fn encode(schema_version: u8, type_tag: u8, payload: &[u8]) -> Result<Vec<u8>, Error> {
    if schema_version == 0 {
        return Err(Error::Unsupported {
            field: "schema_version",
            value: 0,
        });
    }
    if type_tag > MAX_TYPE_TAG {
        return Err(Error::Unsupported {
            field: "type_tag",
            value: u32::from(type_tag),
        });
    }
    let len = u32::try_from(payload.len()).map_err(|_| Error::TooLarge { len: payload.len() })?;
    if payload.len() > u32::MAX as usize - OVERHEAD {
        return Err(Error::TooLarge { len: payload.len() });
    }
    let mut out = Vec::with_capacity(payload.len() + OVERHEAD);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[FORMAT_VERSION, schema_version, type_tag, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Classifies stored bytes: an envelope, a plain value, or an error for damaged or
/// unsupported envelopes (MUST-2 to MUST-5).
pub fn detect(bytes: &[u8]) -> Result<Detected<'_>, Error> {
    let Some(header) = bytes.get(..HEADER) else {
        return Ok(Detected::Plain(bytes));
    };
    if header[..4] != MAGIC || bytes.len() < OVERHEAD {
        return Ok(Detected::Plain(bytes));
    }
    let len = u32::from_le_bytes([
        header[OFF_LEN],
        header[OFF_LEN + 1],
        header[OFF_LEN + 2],
        header[OFF_LEN + 3],
    ]);
    let Some(total) = (len as usize).checked_add(OVERHEAD) else {
        return Ok(Detected::Plain(bytes));
    };
    if total != bytes.len() {
        return Ok(Detected::Plain(bytes));
    }
    if header[OFF_FORMAT] != FORMAT_VERSION {
        return Err(Error::Unsupported {
            field: "envelope format",
            value: u32::from(header[OFF_FORMAT]),
        });
    }
    let body_end = HEADER + len as usize;
    let (body, crc_bytes) = bytes.split_at(body_end);
    let stored = u32::from_le_bytes([crc_bytes[0], crc_bytes[1], crc_bytes[2], crc_bytes[3]]);
    let computed = crc32fast::hash(body);
    if stored != computed {
        return Err(Error::Damaged {
            offset: body_end,
            detail: format!(
                "checksum {stored:#010x} does not match the contents ({computed:#010x})"
            ),
        });
    }
    if header[OFF_FLAGS] != 0 {
        return Err(Error::Unsupported {
            field: "flags",
            value: u32::from(header[OFF_FLAGS]),
        });
    }
    if header[OFF_VERSION] == 0 {
        return Err(Error::Unsupported {
            field: "schema_version",
            value: 0,
        });
    }
    if header[OFF_TAG] > MAX_TYPE_TAG {
        return Err(Error::Unsupported {
            field: "type_tag",
            value: u32::from(header[OFF_TAG]),
        });
    }
    Ok(Detected::Envelope(Envelope {
        schema_version: header[OFF_VERSION],
        type_tag: header[OFF_TAG],
        payload: &body[HEADER..],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of format-spec/envelope.md, byte for byte.
    const ENVELOPE_V1_SENSOR: [u8; 23] = [
        0xCD, 0x45, 0x4E, 0x56, 0x01, 0x01, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x02, 0x73, 0x31,
        0x00, 0x00, 0xAC, 0x41, 0xC3, 0x12, 0x29, 0x6B,
    ];

    #[derive(serde::Serialize)]
    struct SensorV1 {
        device_id: String,
        temperature: f32,
    }

    #[test]
    fn envelope_v1_sensor() {
        let payload = postcard::to_allocvec(&SensorV1 {
            device_id: "s1".into(),
            temperature: 21.5,
        })
        .unwrap();
        let bytes = encode(1, 0, &payload).unwrap();
        assert_eq!(bytes, ENVELOPE_V1_SENSOR);
        let Detected::Envelope(e) = detect(&ENVELOPE_V1_SENSOR).unwrap() else {
            panic!("not detected")
        };
        assert_eq!(
            (e.schema_version, e.type_tag, e.payload),
            (1, 0, &payload[..])
        );
    }

    #[test]
    fn rule_layout() {
        let bytes = encode(200, 9, b"").unwrap();
        assert_eq!(bytes.len(), OVERHEAD);
        assert_eq!(&bytes[..8], &[0xCD, 0x45, 0x4E, 0x56, 1, 200, 9, 0]);
        assert_eq!(&bytes[8..12], &[0, 0, 0, 0]);
        assert!(encode(0, 0, b"x").is_err());
        assert!(encode(1, 10, b"x").is_err());
    }

    #[test]
    fn rule_plain_is_never_an_envelope() {
        // Short values, values without the magic, values with the magic but a length that
        // does not match: all plain.
        for plain in [&b""[..], b"\xCD", b"\xCDENV", b"hello world, a plain value"] {
            assert_eq!(detect(plain).unwrap(), Detected::Plain(plain));
        }
        let mut tricky = ENVELOPE_V1_SENSOR.to_vec();
        tricky.push(0);
        assert_eq!(detect(&tricky).unwrap(), Detected::Plain(&tricky[..]));
        tricky.truncate(ENVELOPE_V1_SENSOR.len() - 2);
        assert_eq!(detect(&tricky).unwrap(), Detected::Plain(&tricky[..]));
        // A huge length field never overflows or allocates.
        let mut huge = ENVELOPE_V1_SENSOR.to_vec();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(detect(&huge).unwrap(), Detected::Plain(&huge[..]));
    }

    #[test]
    fn rule_crc_mismatch_is_damage() {
        for i in 0..ENVELOPE_V1_SENSOR.len() {
            let mut bad = ENVELOPE_V1_SENSOR;
            bad[i] ^= 0x01;
            match detect(&bad) {
                // Flips in the magic or length make it plain; everything else is damage.
                Ok(Detected::Plain(_)) => assert!(i < 4 || (8..12).contains(&i), "byte {i}"),
                Err(Error::Damaged { offset, .. }) => assert_eq!(offset, 19),
                Err(Error::Unsupported {
                    field: "envelope format",
                    ..
                }) => assert_eq!(i, 4),
                other => panic!("byte {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn rule_reserved_fields() {
        for (field, at, value) in [
            ("flags", 7, 1u8),
            ("schema_version", 5, 0),
            ("type_tag", 6, 10),
        ] {
            let mut body = ENVELOPE_V1_SENSOR[..19].to_vec();
            body[at] = value;
            let crc = crc32fast::hash(&body);
            body.extend_from_slice(&crc.to_le_bytes());
            match detect(&body) {
                Err(Error::Unsupported { field: f, value: v }) => {
                    assert_eq!((f, v), (field, u32::from(value)))
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn rule_future_format() {
        let mut body = ENVELOPE_V1_SENSOR[..19].to_vec();
        body[4] = 2;
        let crc = crc32fast::hash(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        assert!(matches!(
            detect(&body),
            Err(Error::Unsupported {
                field: "envelope format",
                value: 2
            })
        ));
    }

    proptest::proptest! {
        #[test]
        fn round_trip(version in 1u8.., tag in 0u8..=MAX_TYPE_TAG, payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let bytes = encode(version, tag, &payload).unwrap();
            let got = detect(&bytes).unwrap();
            proptest::prop_assert_eq!(got, Detected::Envelope(Envelope { schema_version: version, type_tag: tag, payload: &payload }));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = detect(&bytes);
        }
    }
}
