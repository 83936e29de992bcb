//! Commit payload codec (format-spec/log.md, "Commit payload").
//!
//! `op_count u32 ‖ (tag u8 ‖ key_len u32 ‖ key ‖ [value_len u32 ‖ value])*`, tags 1 PUT and
//! 2 DELETE. Decoding checks every length before use (LOG-9).

use super::cursor::{len_u32, put_u32_le, Bad, Cursor};
use crate::kv::Mutation;
use crate::limits::{MAX_COMMIT_LEN, MAX_VALUE_LEN};

const TAG_PUT: u8 = 1;
const TAG_DELETE: u8 = 2;
/// Internal keys are bounded by the namespace, key and seq limits.
pub(crate) const MAX_INTERNAL_KEY: usize = 3 + 1024 + 2 + 16 * 1024 + 8;
/// Internal values: a user value plus the event header and node id.
pub(crate) const MAX_INTERNAL_VALUE: usize = MAX_VALUE_LEN + 10 + 1024;

pub(crate) fn encode(mutations: &[Mutation]) -> Vec<u8> {
    let size: usize = mutations
        .iter()
        .map(|m| match m {
            Mutation::Put(k, v) => 9 + k.len() + v.len(),
            Mutation::Delete(k) => 5 + k.len(),
        })
        .sum();
    let mut out = Vec::with_capacity(4 + size);
    put_u32_le(&mut out, len_u32(mutations.len()));
    for m in mutations {
        match m {
            Mutation::Put(k, v) => {
                out.push(TAG_PUT);
                put_u32_le(&mut out, len_u32(k.len()));
                out.extend_from_slice(k);
                put_u32_le(&mut out, len_u32(v.len()));
                out.extend_from_slice(v);
            }
            Mutation::Delete(k) => {
                out.push(TAG_DELETE);
                put_u32_le(&mut out, len_u32(k.len()));
                out.extend_from_slice(k);
            }
        }
    }
    out
}

pub(crate) fn decode(payload: &[u8]) -> Result<Vec<Mutation>, Bad> {
    if payload.len() > MAX_COMMIT_LEN + 1024 * 1024 {
        return Err(Bad::new("commit", "payload larger than the commit limit"));
    }
    let mut c = Cursor::new(payload, "commit");
    let count = c.u32_le()? as usize;
    // Each op takes at least 5 bytes: bound the allocation by the payload.
    if count.saturating_mul(5) > c.remaining() {
        return Err(c.bad(format!("op count {count} exceeds the payload")));
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let tag = c.u8()?;
        let key = c.len_prefixed(MAX_INTERNAL_KEY, "key")?.to_vec();
        match tag {
            TAG_PUT => {
                let value = c.len_prefixed(MAX_INTERNAL_VALUE, "value")?.to_vec();
                out.push(Mutation::Put(key, value));
            }
            TAG_DELETE => out.push(Mutation::Delete(key)),
            other => return Err(c.bad(format!("unknown op tag {other}"))),
        }
    }
    if !c.is_empty() {
        return Err(c.bad("bytes after the last op"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_9_spec_example_and_rejects() {
        let m = vec![Mutation::Put(vec![1, 0, 1, 0x73, 0x6b], b"v".to_vec())];
        let bytes = encode(&m);
        assert_eq!(
            bytes,
            [1, 0, 0, 0, 1, 5, 0, 0, 0, 1, 0, 1, 0x73, 0x6b, 1, 0, 0, 0, 0x76]
        );
        assert_eq!(decode(&bytes), Ok(m));
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err());
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode(&extra).is_err());
        assert!(decode(&[0xff, 0xff, 0xff, 0xff]).is_err());
        let del = vec![Mutation::Delete(vec![])];
        assert_eq!(decode(&encode(&del)), Ok(del));
    }
}
