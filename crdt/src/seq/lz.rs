//! The text block compression of the text encoding (`format-spec/text-encoding.md`,
//! "Text block"): a byte-oriented LZ77 with varint tokens, written here so that the crate
//! keeps zero required dependencies.
//!
//! Stream: repeated `lit_len, literals, [code, offset]`; a match copies `code + 4` bytes
//! from `offset` bytes back (overlapping copies repeat a pattern). The compressor is
//! greedy with hash chains over 4-byte prefixes (at most [`CHAIN_DEPTH`] candidates per
//! position); the decompressor checks every length and offset against its input and the
//! announced output size (TXT-2, TXT-4), so hostile bytes give an error, never a panic or
//! an allocation larger than the announced size.

use super::varint::{put_varint, Reader};
use crate::Error;
use alloc::vec;
use alloc::vec::Vec;

/// Shortest match.
const MIN_MATCH: usize = 4;
/// Largest match code: matches are at most `MAX_CODE + MIN_MATCH` bytes (TXT-2 bounds the
/// expansion of a token by it).
pub(super) const MAX_CODE: u64 = 1023;
/// Bytes a token can produce per byte of input at most (a 4-byte token `00 FF 07 01`
/// produces 1027): `raw_len <= MAX_EXPANSION * comp_len`.
pub(super) const MAX_EXPANSION: u64 = 257;
/// Candidates tried per position.
const CHAIN_DEPTH: usize = 24;
const HASH_BITS: u32 = 15;

fn hash4(b: &[u8], i: usize) -> usize {
    let v = match b.get(i..i + 4) {
        Some(&[a, b2, c, d]) => u32::from_le_bytes([a, b2, c, d]),
        _ => 0,
    };
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Compresses `src` into the token stream (deterministic).
pub(super) fn compress(src: &[u8]) -> Vec<u8> {
    let n = src.len();
    let mut out = Vec::with_capacity(n / 2 + 16);
    let mut head = vec![u32::MAX; 1 << HASH_BITS];
    let mut prev = vec![u32::MAX; n];
    let mut lit_start = 0usize;
    let mut i = 0usize;
    let insert = |head: &mut Vec<u32>, prev: &mut Vec<u32>, i: usize| {
        if i + MIN_MATCH <= n {
            let h = hash4(src, i);
            if let (Some(hd), Some(p)) = (head.get_mut(h), prev.get_mut(i)) {
                *p = *hd;
                *hd = i as u32;
            }
        }
    };
    while i < n {
        let (mut best_len, mut best_off) = (0usize, 0usize);
        if i + MIN_MATCH <= n {
            let max_len = (n - i).min(MAX_CODE as usize + MIN_MATCH);
            let mut cand = head.get(hash4(src, i)).copied().unwrap_or(u32::MAX);
            let mut depth = 0;
            while cand != u32::MAX && depth < CHAIN_DEPTH {
                let c = cand as usize;
                let len = src
                    .get(c..)
                    .unwrap_or(&[])
                    .iter()
                    .zip(src.get(i..i + max_len).unwrap_or(&[]))
                    .take_while(|(a, b)| a == b)
                    .count();
                if len > best_len {
                    best_len = len;
                    best_off = i - c;
                    if len == max_len {
                        break;
                    }
                }
                cand = prev.get(c).copied().unwrap_or(u32::MAX);
                depth += 1;
            }
        }
        if best_len >= MIN_MATCH {
            put_varint(&mut out, (i - lit_start) as u64);
            out.extend_from_slice(src.get(lit_start..i).unwrap_or(&[]));
            put_varint(&mut out, (best_len - MIN_MATCH) as u64);
            put_varint(&mut out, best_off as u64);
            for j in i..i + best_len {
                insert(&mut head, &mut prev, j);
            }
            i += best_len;
            lit_start = i;
        } else {
            insert(&mut head, &mut prev, i);
            i += 1;
        }
    }
    if lit_start < n {
        put_varint(&mut out, (n - lit_start) as u64);
        out.extend_from_slice(src.get(lit_start..).unwrap_or(&[]));
    }
    out
}

/// Decompresses a token stream that must produce exactly `raw_len` bytes and use all of
/// `r`'s `comp_len` bytes. Errors carry absolute offsets (`r`'s base).
pub(super) fn decompress(
    r: &mut Reader<'_>,
    raw_len: u64,
    comp_len: u64,
) -> Result<Vec<u8>, Error> {
    if raw_len > MAX_EXPANSION.saturating_mul(comp_len) {
        return Err(r.error("compressed text announces more bytes than it can hold"));
    }
    let end = r.pos().saturating_add(comp_len as usize);
    let raw = usize::try_from(raw_len).map_err(|_| r.error("text block too large"))?;
    let mut out: Vec<u8> = Vec::with_capacity(raw);
    while out.len() < raw {
        let lit = r.varint()?;
        let lit = usize::try_from(lit).map_err(|_| r.error("literal run too long"))?;
        if lit > raw - out.len() {
            return Err(r.error("literal run passes the announced text length"));
        }
        out.extend_from_slice(r.bytes(lit)?);
        if out.len() == raw {
            break;
        }
        let code = r.varint()?;
        if code > MAX_CODE {
            return Err(r.error("match length code above 1023"));
        }
        let len = code as usize + MIN_MATCH;
        let off = r.varint()?;
        if off == 0 || off > out.len() as u64 {
            return Err(r.error("match offset outside the text produced so far"));
        }
        if len > raw - out.len() {
            return Err(r.error("match passes the announced text length"));
        }
        // Copy in chunks of at most `off` bytes: each chunk lies wholly in the output
        // produced so far (a match longer than its offset repeats the last `off` bytes).
        let off = off as usize;
        let mut left = len;
        while left > 0 {
            let n = left.min(off);
            let from = out.len() - off;
            if from + n > out.len() {
                return Err(r.error("match offset outside the text produced so far"));
            }
            out.extend_from_within(from..from + n);
            left -= n;
        }
    }
    if r.pos() != end {
        return Err(r.error("compressed text block does not end where its length says"));
    }
    Ok(out)
}
