//! Block codec for runs: the framing shared by data, index and filter blocks, the data
//! block entries and the index block (format-spec/runs.md).
//!
//! Framing: crc u32 (of bytes 4..) ‖ compression u8 (1 none, 2 lz4) ‖ raw_len u32 ‖
//! stored_len u32 ‖ stored bytes. Decoding checks the crc before decompressing and bounds
//! every allocation by `raw_len <= MAX_RAW_LEN` (RUN-1).

use super::cursor::{len_u32, put_u32_le, put_u64_le, Bad, Cursor};
use crate::kv::Entry;

pub(crate) const FRAME_LEN: usize = 13;
const NONE: u8 = 1;
const LZ4: u8 = 2;
/// RUN-1: largest decompressed block.
pub(crate) const MAX_RAW_LEN: usize = 80 * 1024 * 1024;
/// A writer closes a data block once it holds this many raw bytes.
pub(crate) const TARGET_BLOCK_LEN: usize = 4096;

const KIND_VALUE: u8 = 1;
const KIND_TOMBSTONE: u8 = 2;

/// Frame `raw`, compressing with lz4 when that makes it smaller (RUN-2).
pub(crate) fn frame(raw: &[u8], try_compress: bool) -> Vec<u8> {
    let compressed = if try_compress {
        Some(lz4_flex::block::compress(raw)).filter(|c| c.len() < raw.len())
    } else {
        None
    };
    let (kind, stored) = match &compressed {
        Some(c) => (LZ4, c.as_slice()),
        None => (NONE, raw),
    };
    let mut out = Vec::with_capacity(FRAME_LEN + stored.len());
    put_u32_le(&mut out, 0);
    out.push(kind);
    put_u32_le(&mut out, len_u32(raw.len()));
    put_u32_le(&mut out, len_u32(stored.len()));
    out.extend_from_slice(stored);
    let crc = crc32fast::hash(out.get(4..).unwrap_or(&[]));
    if let Some(dst) = out.get_mut(..4) {
        dst.copy_from_slice(&crc.to_le_bytes());
    }
    out
}

/// Check and unframe a block; `buf` is exactly the block's on-disk bytes.
pub(crate) fn unframe(buf: &[u8], structure: &'static str) -> Result<Vec<u8>, Bad> {
    let mut c = Cursor::new(buf, structure);
    let crc = c.u32_le()?;
    if crc32fast::hash(buf.get(4..).unwrap_or(&[])) != crc {
        return Err(c.bad("checksum mismatch"));
    }
    let kind = c.u8()?;
    let raw_len = c.u32_le()? as usize;
    let stored_len = c.u32_le()? as usize;
    if raw_len > MAX_RAW_LEN {
        return Err(c.bad(format!("raw length {raw_len} above the limit")));
    }
    if stored_len != c.remaining() {
        return Err(c.bad("stored length does not match the block length"));
    }
    let stored = c.rest();
    match kind {
        NONE if stored_len == raw_len => Ok(stored.to_vec()),
        // lz4 cannot expand data more than 255-fold: a larger raw_len is damage, and
        // checking it first keeps a 30-byte block from allocating 80 MiB.
        LZ4 if raw_len <= stored_len.saturating_mul(255).saturating_add(16) => {
            let mut out = vec![0u8; raw_len];
            match lz4_flex::block::decompress_into(stored, &mut out) {
                Ok(n) if n == raw_len => Ok(out),
                _ => Err(Bad::new(
                    structure,
                    "lz4 data does not decompress to raw_len",
                )),
            }
        }
        _ => Err(Bad::new(
            structure,
            format!("bad compression {kind} or lengths"),
        )),
    }
}

pub(crate) fn push_entry(out: &mut Vec<u8>, key: &[u8], value: Option<&[u8]>) {
    out.push(if value.is_some() {
        KIND_VALUE
    } else {
        KIND_TOMBSTONE
    });
    put_u32_le(out, len_u32(key.len()));
    put_u32_le(out, len_u32(value.map_or(0, <[u8]>::len)));
    out.extend_from_slice(key);
    out.extend_from_slice(value.unwrap_or(&[]));
}

/// Decode the entries of a data block, checking they are strictly increasing.
pub(crate) fn decode_entries(raw: &[u8]) -> Result<Vec<Entry>, Bad> {
    let mut c = Cursor::new(raw, "data block");
    let mut out: Vec<Entry> = Vec::new();
    while !c.is_empty() {
        let kind = c.u8()?;
        let klen = c.u32_le()? as usize;
        let vlen = c.u32_le()? as usize;
        let key = c.bytes(klen)?.to_vec();
        let value = c.bytes(vlen)?;
        let value = match kind {
            KIND_VALUE => Some(value.to_vec()),
            KIND_TOMBSTONE if vlen == 0 => None,
            _ => return Err(c.bad(format!("bad entry kind {kind}"))),
        };
        if out.last().is_some_and(|(prev, _)| *prev >= key) {
            return Err(c.bad("keys out of order"));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// One index entry: a data block's position and last key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    pub offset: u64,
    pub len: u32,
    pub last_key: Vec<u8>,
}

pub(crate) fn encode_index(entries: &[IndexEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    put_u32_le(&mut out, len_u32(entries.len()));
    for e in entries {
        put_u64_le(&mut out, e.offset);
        put_u32_le(&mut out, e.len);
        put_u32_le(&mut out, len_u32(e.last_key.len()));
        out.extend_from_slice(&e.last_key);
    }
    out
}

/// RUN-3: decode and check that blocks are contiguous from 0, end by `data_end`, and that
/// last keys increase.
pub(crate) fn decode_index(raw: &[u8], data_end: u64) -> Result<Vec<IndexEntry>, Bad> {
    let mut c = Cursor::new(raw, "index block");
    let count = c.u32_le()? as usize;
    if count.saturating_mul(16) > c.remaining() {
        return Err(c.bad(format!("count {count} exceeds the block")));
    }
    let mut out: Vec<IndexEntry> = Vec::with_capacity(count);
    let mut expected_offset = 0u64;
    for _ in 0..count {
        let offset = c.u64_le()?;
        let len = c.u32_le()?;
        let key = c
            .len_prefixed(super::commit::MAX_INTERNAL_KEY, "last key")?
            .to_vec();
        if offset != expected_offset || (len as usize) < FRAME_LEN {
            return Err(c.bad("data blocks are not contiguous"));
        }
        expected_offset = offset.saturating_add(u64::from(len));
        if out.last().is_some_and(|p| p.last_key >= key) {
            return Err(c.bad("last keys out of order"));
        }
        out.push(IndexEntry {
            offset,
            len,
            last_key: key,
        });
    }
    if expected_offset != data_end || !c.is_empty() {
        return Err(c.bad("index does not cover the data blocks exactly"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_1_2_frame_roundtrip_and_checks() {
        let raw: Vec<u8> = b"abcabcabcabcabcabcabcabcabcabcabcabc".to_vec();
        let f = frame(&raw, true);
        assert_eq!(f[4], LZ4);
        assert_eq!(unframe(&f, "data block"), Ok(raw.clone()));
        let plain = frame(b"xyz", true);
        assert_eq!(plain[4], NONE, "lz4 only when smaller");
        for i in 0..f.len() {
            let mut bad = f.clone();
            bad[i] ^= 0x01;
            assert!(unframe(&bad, "data block").is_err(), "flip at {i}");
        }
        for cut in 0..f.len() {
            assert!(unframe(&f[..cut], "data block").is_err());
        }
    }

    #[test]
    fn run_1_lz4_raw_len_is_bounded_before_allocating() {
        let raw = vec![b'a'; 1000];
        let mut f = frame(&raw, true);
        assert_eq!(f[4], LZ4);
        f[5..9].copy_from_slice(&(70u32 * 1024 * 1024).to_le_bytes());
        let crc = crc32fast::hash(&f[4..]);
        f[..4].copy_from_slice(&crc.to_le_bytes());
        assert!(unframe(&f, "data block").is_err());
    }

    #[test]
    fn spec_example_data_block() {
        let mut raw = Vec::new();
        push_entry(&mut raw, &[1, 0, 1, 0x73, 0x6b], Some(b"v"));
        assert_eq!(raw, [1, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0x73, 0x6b, 0x76]);
        assert_eq!(frame(&raw, true).len(), 28);
        assert_eq!(
            decode_entries(&raw),
            Ok(vec![(vec![1, 0, 1, 0x73, 0x6b], Some(b"v".to_vec()))])
        );
    }

    #[test]
    fn run_3_index_checks() {
        let idx = vec![
            IndexEntry {
                offset: 0,
                len: 20,
                last_key: b"b".to_vec(),
            },
            IndexEntry {
                offset: 20,
                len: 30,
                last_key: b"d".to_vec(),
            },
        ];
        let raw = encode_index(&idx);
        assert_eq!(decode_index(&raw, 50), Ok(idx.clone()));
        assert!(decode_index(&raw, 49).is_err());
        let mut unordered = idx.clone();
        unordered[1].last_key = b"a".to_vec();
        assert!(decode_index(&encode_index(&unordered), 50).is_err());
    }
}
