//! The entropy coding of the text encoding's body (`format-spec/text-encoding.md`,
//! "Entropy-coded body"): one canonical Huffman code over bytes, code lengths at most
//! [`MAX_BITS`], stored as 256 four-bit lengths, codes packed most significant bit first.
//!
//! Decoding checks the code (lengths form a prefix code: Kraft sum at most 1), every code
//! read (an unassigned code is an error), the announced size (at most 8 symbols per input
//! byte, TXT-2) and that the input is used up to its last byte (padding bits are zero).

use super::varint::Reader;
use crate::Error;
use alloc::vec;
use alloc::vec::Vec;

/// Longest code.
const MAX_BITS: u8 = 15;
/// Codes up to this length are decoded by one table lookup.
const LUT_BITS: u8 = 11;
/// Bytes of the code-length table.
pub(super) const TABLE_BYTES: usize = 128;

/// Code lengths (0: unused) for the byte frequencies `freq`, none above [`MAX_BITS`].
fn code_lengths(freq: &[u64; 256]) -> [u8; 256] {
    let mut f: Vec<u64> = freq.to_vec();
    loop {
        let lens = huffman_lengths(&f);
        if lens.iter().all(|&l| l <= MAX_BITS) {
            return lens;
        }
        // Too deep: flatten the distribution and retry.
        for x in f.iter_mut().filter(|x| **x > 0) {
            *x = (*x >> 1) | 1;
        }
    }
}

/// Plain Huffman code lengths (no limit). A single used symbol gets length 1.
fn huffman_lengths(f: &[u64]) -> [u8; 256] {
    let mut lens = [0u8; 256];
    // Nodes: (weight, id); ids < 256 are leaves; parent links per node.
    let mut parent: Vec<usize> = Vec::new();
    let mut nodes: Vec<(u64, usize)> = f
        .iter()
        .enumerate()
        .filter(|(_, &w)| w > 0)
        .map(|(s, &w)| (w, s))
        .collect();
    if nodes.len() == 1 {
        if let Some(&(_, s)) = nodes.first() {
            if let Some(l) = lens.get_mut(s) {
                *l = 1;
            }
        }
        return lens;
    }
    parent.resize(256, usize::MAX);
    // Repeatedly join the two lightest nodes (O(n^2) on at most 256 symbols).
    while nodes.len() > 1 {
        nodes.sort_unstable_by(|a, b| b.cmp(a));
        let (Some(a), Some(b)) = (nodes.pop(), nodes.pop()) else {
            break;
        };
        let id = parent.len();
        parent.push(usize::MAX);
        for child in [a.1, b.1] {
            if let Some(p) = parent.get_mut(child) {
                *p = id;
            }
        }
        nodes.push((a.0 + b.0, id));
    }
    for (s, l) in lens.iter_mut().enumerate() {
        if f.get(s).copied().unwrap_or(0) == 0 {
            continue;
        }
        let (mut depth, mut n) = (0u32, s);
        while let Some(&p) = parent.get(n).filter(|&&p| p != usize::MAX) {
            depth += 1;
            n = p;
        }
        *l = depth.min(255) as u8;
    }
    lens
}

/// Canonical codes for `lens`: symbols sorted by (length, value) get consecutive codes.
fn canonical(lens: &[u8; 256]) -> [u32; 256] {
    let mut codes = [0u32; 256];
    let mut code = 0u32;
    for len in 1..=MAX_BITS {
        for (s, &l) in lens.iter().enumerate() {
            if l == len {
                if let Some(c) = codes.get_mut(s) {
                    *c = code;
                }
                code += 1;
            }
        }
        code <<= 1;
    }
    codes
}

/// The code-length table followed by the packed codes of `src`.
pub(super) fn encode(src: &[u8]) -> Vec<u8> {
    let mut freq = [0u64; 256];
    for &b in src {
        if let Some(f) = freq.get_mut(b as usize) {
            *f += 1;
        }
    }
    let lens = code_lengths(&freq);
    let codes = canonical(&lens);
    let mut out = Vec::with_capacity(TABLE_BYTES + src.len());
    for pair in lens.chunks(2) {
        let (a, b) = (
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        );
        out.push(a << 4 | b);
    }
    let (mut acc, mut nbits) = (0u64, 0u32);
    for &b in src {
        let len = u32::from(lens.get(b as usize).copied().unwrap_or(0));
        acc = acc << len | u64::from(codes.get(b as usize).copied().unwrap_or(0));
        nbits += len;
        while nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
        }
    }
    if nbits > 0 {
        out.push((acc << (8 - nbits)) as u8);
    }
    out
}

/// Decodes `raw_len` bytes from the rest of `r` (which must end with the stream).
pub(super) fn decode(r: &mut Reader<'_>, raw_len: u64) -> Result<Vec<u8>, Error> {
    let table = r.bytes(TABLE_BYTES)?;
    let mut lens = [0u8; 256];
    for (i, &b) in table.iter().enumerate() {
        if let (Some(x), Some(y)) = (lens.get_mut(2 * i), Some(b >> 4)) {
            *x = y;
        }
        if let Some(x) = lens.get_mut(2 * i + 1) {
            *x = b & 0x0F;
        }
    }
    // Kraft: the lengths must form a prefix code.
    let kraft: u64 = lens
        .iter()
        .filter(|&&l| l > 0)
        .map(|&l| 1u64 << (MAX_BITS - l))
        .sum();
    if kraft > 1 << MAX_BITS {
        return Err(r.error("entropy code lengths do not form a prefix code"));
    }
    if raw_len > (r.remaining() as u64).saturating_mul(8) {
        return Err(r.error("entropy-coded body announces more bytes than it can hold"));
    }
    // Canonical decoding tables: per length, the first code, the count, and where its
    // symbols start in `syms` (sorted by length, then value).
    let mut count = [0u32; MAX_BITS as usize + 1];
    for &l in &lens {
        if let Some(c) = count.get_mut(l as usize) {
            *c += 1;
        }
    }
    let mut syms: Vec<u8> = Vec::with_capacity(256);
    for len in 1..=MAX_BITS {
        for (s, &l) in lens.iter().enumerate() {
            if l == len {
                syms.push(s as u8);
            }
        }
    }
    let mut first = [0u32; MAX_BITS as usize + 1];
    let mut index = [0u32; MAX_BITS as usize + 1];
    let (mut code, mut idx) = (0u32, 0u32);
    for len in 1..=MAX_BITS as usize {
        let n = count.get(len).copied().unwrap_or(0);
        if let (Some(f), Some(i)) = (first.get_mut(len), index.get_mut(len)) {
            *f = code;
            *i = idx;
        }
        code = (code + n) << 1;
        idx += n;
    }
    let raw = usize::try_from(raw_len).map_err(|_| r.error("body too large"))?;
    let bits = r.bytes(r.remaining())?;
    let mut out = vec![0u8; 0];
    out.reserve_exact(raw);
    let mut pos = 0usize; // bit position
    let total = bits.len() * 8;
    let bit = |p: usize| -> u32 {
        let byte = bits.get(p / 8).copied().unwrap_or(0);
        u32::from(byte >> (7 - (p % 8)) & 1)
    };
    // Fast path: a table indexed by the next LUT_BITS bits gives the symbol and length of
    // every code of at most LUT_BITS bits (entry: symbol | length << 8; 0: none).
    let mut lut = vec![0u16; 1 << LUT_BITS];
    for len in 1..=LUT_BITS as usize {
        let n = count.get(len).copied().unwrap_or(0);
        let f = first.get(len).copied().unwrap_or(0);
        let i0 = index.get(len).copied().unwrap_or(0);
        for k in 0..n {
            let Some(&sym) = syms.get((i0 + k) as usize) else {
                continue;
            };
            let shift = LUT_BITS as usize - len;
            let from = ((f + k) as usize) << shift;
            let entry = u16::from(sym) | (len as u16) << 8;
            for e in lut.iter_mut().skip(from).take(1 << shift) {
                *e = entry;
            }
        }
    }
    // The next LUT_BITS bits from bit `p` (zeros past the end).
    let peek = |p: usize| -> usize {
        let at = p / 8;
        let b = |i: usize| u32::from(bits.get(at + i).copied().unwrap_or(0));
        let window = b(0) << 16 | b(1) << 8 | b(2);
        (window >> (24 - LUT_BITS as usize - p % 8)) as usize & ((1 << LUT_BITS) - 1)
    };
    while out.len() < raw {
        let entry = lut.get(peek(pos)).copied().unwrap_or(0);
        let len = usize::from(entry >> 8);
        if len > 0 && pos + len <= total {
            out.push(entry as u8);
            pos += len;
            continue;
        }
        // Longer codes, unassigned codes and the end of the input: one bit at a time.
        let mut code = 0u32;
        let mut found = None;
        for len in 1..=MAX_BITS as usize {
            if pos >= total {
                return Err(r.error("entropy-coded body ends inside a code"));
            }
            code = code << 1 | bit(pos);
            pos += 1;
            let n = count.get(len).copied().unwrap_or(0);
            let f = first.get(len).copied().unwrap_or(0);
            if code >= f && code - f < n {
                let i = index.get(len).copied().unwrap_or(0) + (code - f);
                found = syms.get(i as usize).copied();
                break;
            }
        }
        match found {
            Some(s) => out.push(s),
            None => return Err(r.error("entropy-coded body holds an unassigned code")),
        }
    }
    if total - pos >= 8 || (pos..total).any(|p| bit(p) != 0) {
        return Err(r.error("entropy-coded body has trailing bytes or non-zero padding"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes with Fibonacci-like frequencies (codes from 1 bit up to `MAX_BITS`, so both
    /// the table and the bit-by-bit path decode), in a scrambled order.
    fn skewed() -> Vec<u8> {
        let (mut a, mut b) = (1usize, 1usize);
        let mut src = Vec::new();
        for sym in 0..24u8 {
            src.extend(core::iter::repeat_n(sym, a));
            (a, b) = (b, a + b);
        }
        let mut x = 12345u64;
        for i in (1..src.len()).rev() {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            src.swap(i, (x >> 33) as usize % (i + 1));
        }
        src
    }

    #[test]
    fn round_trip_short_and_long_codes() {
        let src = skewed();
        let enc = encode(&src);
        let lens = &enc[..TABLE_BYTES];
        let max = lens.iter().map(|b| (b >> 4).max(b & 15)).max().unwrap();
        assert!(max > LUT_BITS, "the test needs codes longer than the table");
        let back = decode(&mut Reader::new(&enc), src.len() as u64).unwrap();
        assert_eq!(back, src);
    }

    #[test]
    fn truncated_or_padded_streams_are_errors() {
        let src = skewed();
        let enc = encode(&src);
        for cut in [1, 2, 3, 100] {
            let short = &enc[..enc.len() - cut];
            assert!(decode(&mut Reader::new(short), src.len() as u64).is_err());
        }
        let mut long = enc.clone();
        long.push(0);
        assert!(decode(&mut Reader::new(&long), src.len() as u64).is_err());
        let mut bad_pad = enc;
        if let Some(last) = bad_pad.last_mut() {
            *last |= 1;
        }
        let r = decode(&mut Reader::new(&bad_pad), src.len() as u64);
        assert!(r.is_err() || r.unwrap() != src);
    }
}
