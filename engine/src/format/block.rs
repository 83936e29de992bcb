//! Block codec for runs: the framing shared by data, index and filter blocks, the data
//! block entries (run version 1: entries only; version 2: entries with the block's common
//! key prefix stored once and an entry table at the end, RUN-6) and the index block
//! (format-spec/runs.md).
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

/// Frame `raw`, compressing with lz4 when that saves at least an eighth of it (RUN-2).
pub(crate) fn frame(raw: &[u8], try_compress: bool) -> Vec<u8> {
    let compressed = if try_compress {
        Some(lz4_flex::block::compress(raw)).filter(|c| c.len() <= raw.len() - raw.len() / 8)
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
    match check_frame(buf, structure)? {
        Stored::Plain => Ok(buf.get(FRAME_LEN..).unwrap_or(&[]).to_vec()),
        Stored::Lz4(out) => Ok(out),
    }
}

/// [`unframe`] taking the block's bytes by value: an uncompressed block (the common case
/// for incompressible values) is returned in the same buffer, without a second copy.
pub(crate) fn unframe_owned(mut buf: Vec<u8>, structure: &'static str) -> Result<Vec<u8>, Bad> {
    match check_frame(&buf, structure)? {
        Stored::Plain => {
            buf.drain(..FRAME_LEN.min(buf.len()));
            Ok(buf)
        }
        Stored::Lz4(out) => Ok(out),
    }
}

enum Stored {
    /// The raw bytes follow the frame header as they are.
    Plain,
    /// The decompressed raw bytes.
    Lz4(Vec<u8>),
}

fn check_frame(buf: &[u8], structure: &'static str) -> Result<Stored, Bad> {
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
        NONE if stored_len == raw_len => Ok(Stored::Plain),
        // lz4 cannot expand data more than 255-fold: a larger raw_len is damage, and
        // checking it first keeps a 30-byte block from allocating 80 MiB.
        LZ4 if raw_len <= stored_len.saturating_mul(255).saturating_add(16) => {
            let mut out = vec![0u8; raw_len];
            match lz4_flex::block::decompress_into(stored, &mut out) {
                Ok(n) if n == raw_len => Ok(Stored::Lz4(out)),
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

/// Decode the entries of a data block, checking they are strictly increasing (the
/// reference decoder [`DataBlock::decode`] is tested and fuzzed against).
#[cfg(any(test, feature = "fuzzing"))]
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

/// Walk the entries of a data block's raw bytes, checking the RUN-1 entry rules (known
/// kinds, tombstones without values, keys strictly increasing, nothing past the end), and
/// call `visit(entry offset, key)` for each. The one checker of data block entries: the
/// decoded-block cache ([`DataBlock::decode`]) and in-place lookups ([`check_plain_block`])
/// both go through it.
fn walk_checked<'a>(raw: &'a [u8], mut visit: impl FnMut(usize, &'a [u8])) -> Result<(), Bad> {
    let mut prev: Option<&[u8]> = None;
    let mut c = Cursor::new(raw, "data block");
    while !c.is_empty() {
        let at = raw.len() - c.remaining();
        let kind = c.u8()?;
        let klen = c.u32_le()? as usize;
        let vlen = c.u32_le()? as usize;
        let key = c.bytes(klen)?;
        c.bytes(vlen)?;
        if !(kind == KIND_VALUE || kind == KIND_TOMBSTONE && vlen == 0) {
            return Err(c.bad(format!("bad entry kind {kind}")));
        }
        if prev.is_some_and(|p| p >= key) {
            return Err(c.bad("keys out of order"));
        }
        prev = Some(key);
        visit(at, key);
    }
    Ok(())
}

/// Whether a framed block (its on-disk bytes) is stored uncompressed, judged by its
/// compression byte alone (nothing is checked: [`check_plain_block`] does that).
pub(crate) fn is_plain(framed: &[u8]) -> bool {
    framed.get(4) == Some(&NONE)
}

/// Where a lookup in a checked, uncompressed block may start walking: the offsets (in the
/// block's raw bytes) of its entries at 1/4, 1/2 and 3/4, so a lookup compares two keys
/// and walks about an eighth of the block instead of half of it. An offset of 0 (the
/// first entry) is always a correct start; it stands for offsets too large to pack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Skips([u32; 3]);

impl Skips {
    const BITS: u32 = 21;
    const MASK: u64 = (1 << Self::BITS) - 1;
    /// Set in every packed value, so a packed value is never 0.
    const PACKED: u64 = 1 << 63;

    /// From the offsets of the entries at 1/4, 1/2 and 3/4 (0 for one too large to pack).
    fn new(offsets: [u32; 3]) -> Skips {
        Skips(offsets.map(|o| if u64::from(o) <= Self::MASK { o } else { 0 }))
    }

    /// From the offsets of all of a block's entries.
    fn from_offsets(offsets: &[u32]) -> Skips {
        let n = offsets.len();
        let at = |i: usize| offsets.get(i).copied().unwrap_or(0);
        Skips::new([at(n / 4), at(n / 2), at(3 * n / 4)])
    }

    /// The skips in one non-zero `u64` (a run keeps one per block in an atomic).
    pub(crate) fn pack(self) -> u64 {
        let [a, b, c] = self.0.map(|o| u64::from(o) & Self::MASK);
        Self::PACKED | a << (2 * Self::BITS) | b << Self::BITS | c
    }

    /// [`Skips::pack`] undone; `None` for 0 (nothing packed).
    pub(crate) fn unpack(v: u64) -> Option<Skips> {
        let o = |shift: u32| ((v >> shift) & Self::MASK) as u32;
        (v & Self::PACKED != 0).then(|| Skips([o(2 * Self::BITS), o(Self::BITS), o(0)]))
    }
}

/// Check a framed data block in place against RUN-1 (crc, lengths, entries) and its
/// index entry (`last_key`), if it is stored uncompressed; nothing is allocated. Returns
/// the block's [`Skips`] for [`find_in_plain_block`], or `Ok(None)` if the block is
/// compressed and was not checked (decode it with [`unframe`]).
pub(crate) fn check_plain_block(framed: &[u8], last_key: &[u8]) -> Result<Option<Skips>, Bad> {
    if !is_plain(framed) {
        return Ok(None);
    }
    if let Stored::Lz4(_) = check_frame(framed, "data block")? {
        // Unreachable: the compression byte said "none".
        return Ok(None);
    }
    let raw = framed.get(FRAME_LEN..).unwrap_or(&[]);
    let (mut n, mut last) = (0usize, None);
    walk_checked(raw, |_, k| {
        n += 1;
        last = Some(k);
    })?;
    if last != Some(last_key) {
        return Err(Bad::new("data block", "last key differs from the index"));
    }
    // Second pass over the checked entries, for the offsets of entries n/4, n/2, 3n/4.
    let wanted = [n / 4, n / 2, 3 * n / 4];
    let mut offsets = [0u32; 3];
    let (mut i, mut at) = (0usize, 0usize);
    while let Some(next) = next_entry(raw, at) {
        for (w, o) in wanted.iter().zip(offsets.iter_mut()) {
            if *w == i {
                *o = u32::try_from(at).unwrap_or(0);
            }
        }
        i += 1;
        at = next;
    }
    Ok(Some(Skips::new(offsets)))
}

/// The offset of the entry after the one at `at`, if one starts at `at`.
fn next_entry(raw: &[u8], at: usize) -> Option<usize> {
    let (_, klen, vlen) = entry_header(raw.get(at..at.checked_add(ENTRY_HEADER)?)?);
    let next = (at + ENTRY_HEADER).checked_add(klen)?.checked_add(vlen)?;
    (next <= raw.len()).then_some(next)
}

/// The key of the entry at `at`.
fn key_at(raw: &[u8], at: usize) -> Option<&[u8]> {
    let (_, klen, _) = entry_header(raw.get(at..at.checked_add(ENTRY_HEADER)?)?);
    let k = at + ENTRY_HEADER;
    raw.get(k..k.checked_add(klen)?)
}

/// Look `key` up in a framed, uncompressed data block in place: jump to the last of the
/// block's [`Skips`] whose key is `<= key`, then walk the entries (the v1 block has no
/// offset table; keys are sorted, so the walk stops at the first key `>= key`).
/// `Some(None)`: a tombstone. Meant for a block that passed [`check_plain_block`] (which
/// gave `skips`); on other bytes or skips it still never panics nor reads out of bounds,
/// and returns `None` at the first malformed entry.
pub(crate) fn find_in_plain_block<'a>(
    framed: &'a [u8],
    key: &[u8],
    skips: Skips,
) -> Option<Option<&'a [u8]>> {
    let raw = framed.get(FRAME_LEN..)?;
    let [q1, q2, q3] = skips.0.map(|o| o as usize);
    let le = |at: usize| key_at(raw, at).is_some_and(|k| k <= key);
    let mut at = if le(q2) {
        if le(q3) {
            q3
        } else {
            q2
        }
    } else if le(q1) {
        q1
    } else {
        0
    };
    while let Some(h) = raw.get(at..at.checked_add(ENTRY_HEADER)?) {
        let (kind, klen, vlen) = entry_header(h);
        let k_at = at + ENTRY_HEADER;
        let v_at = k_at.checked_add(klen)?;
        let next = v_at.checked_add(vlen)?;
        let k = raw.get(k_at..v_at)?;
        match k.cmp(key) {
            std::cmp::Ordering::Less => at = next,
            std::cmp::Ordering::Equal => {
                let v = raw.get(v_at..next)?;
                return Some((kind == KIND_VALUE).then_some(v));
            }
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
}

/// `(kind, key_len, value_len)` of a 9-byte entry header (shorter input reads as zeros).
fn entry_header(h: &[u8]) -> (u8, usize, usize) {
    let u32_at = |o: usize| {
        let mut b = [0u8; 4];
        if let Some(s) = h.get(o..o + 4) {
            b.copy_from_slice(s);
        }
        u32::from_le_bytes(b) as usize
    };
    (h.first().copied().unwrap_or(0), u32_at(1), u32_at(5))
}

/// Bytes of a version 2 block after the entries: `prefix_len u32 ‖ count u32` at the very
/// end, preceded by `count` table rows and the prefix.
const V2_TRAILER: usize = 8;
/// A table row: `offset u32 LE ‖ hint[4]`.
const V2_ROW: usize = 8;

/// The hint of a suffix: its first 4 bytes, zero-padded (RUN-6).
fn hint(suffix: &[u8]) -> [u8; 4] {
    let mut h = [0u8; 4];
    for (d, s) in h.iter_mut().zip(suffix) {
        *d = *s;
    }
    h
}

fn u32_le_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(u32::from_le_bytes(a) as usize)
}

/// The raw contents of a version 2 data block holding the entries of `v1`, the raw
/// contents of a version 1 block (what [`push_entry`] appends; the writer's own bytes):
/// the keys' common prefix is stored once and the entry table appended (RUN-6).
pub(crate) fn encode_v2(v1: &[u8]) -> Vec<u8> {
    let mut items: Vec<(u8, &[u8], &[u8])> = Vec::new();
    let mut at = 0usize;
    while let Some(next) = next_entry(v1, at) {
        let (kind, klen, _) = entry_header(v1.get(at..).unwrap_or(&[]));
        let k = at + ENTRY_HEADER;
        let v = k + klen;
        items.push((
            kind,
            v1.get(k..v).unwrap_or(&[]),
            v1.get(v..next).unwrap_or(&[]),
        ));
        at = next;
    }
    let prefix: &[u8] = match (items.first(), items.last()) {
        (Some(f), Some(l)) => {
            let n = f.1.iter().zip(l.1).take_while(|(a, b)| a == b).count();
            f.1.get(..n).unwrap_or(&[])
        }
        _ => &[],
    };
    let mut out = Vec::with_capacity(v1.len() + V2_ROW * items.len() + V2_TRAILER);
    let mut rows = Vec::with_capacity(V2_ROW * items.len());
    for (kind, key, value) in &items {
        let suffix = key.get(prefix.len()..).unwrap_or(&[]);
        put_u32_le(&mut rows, len_u32(out.len()));
        rows.extend_from_slice(&hint(suffix));
        out.push(*kind);
        put_u32_le(&mut out, len_u32(suffix.len()));
        put_u32_le(&mut out, len_u32(value.len()));
        out.extend_from_slice(suffix);
        out.extend_from_slice(value);
    }
    out.extend_from_slice(prefix);
    out.extend_from_slice(&rows);
    put_u32_le(&mut out, len_u32(prefix.len()));
    put_u32_le(&mut out, len_u32(items.len()));
    out
}

/// Frame a data block of a version 2 run from `v1`, its entries as [`push_entry`] appends
/// them: lz4-compressed in the version 1 layout when `try_compress` and that saves an
/// eighth (RUN-2; such a
/// block is decoded whole to be read, and lz4 shares the keys' prefixes by itself), else
/// uncompressed in the version 2 layout (RUN-6), which point reads search in place.
pub(crate) fn frame_v2(v1: &[u8], try_compress: bool) -> Vec<u8> {
    let framed = frame(v1, try_compress);
    if is_plain(&framed) {
        frame(&encode_v2(v1), false)
    } else {
        framed
    }
}

/// Where the parts of a version 2 block lie, from its last 8 bytes (nothing else checked).
struct V2Layout<'a> {
    /// The entries: `raw[..entries_end]`.
    entries_end: usize,
    prefix: &'a [u8],
    rows: &'a [u8],
    count: usize,
}

impl<'a> V2Layout<'a> {
    fn of(raw: &'a [u8]) -> Option<V2Layout<'a>> {
        let trailer = raw.len().checked_sub(V2_TRAILER)?;
        let prefix_len = u32_le_at(raw, trailer)?;
        let count = u32_le_at(raw, trailer + 4)?;
        let rows_at = trailer.checked_sub(count.checked_mul(V2_ROW)?)?;
        let entries_end = rows_at.checked_sub(prefix_len)?;
        Some(V2Layout {
            entries_end,
            prefix: raw.get(entries_end..rows_at)?,
            rows: raw.get(rows_at..trailer)?,
            count,
        })
    }

    /// [`V2Layout::of`] as a checked decode: also refuses a prefix that, repeated in every
    /// entry of the version 1 form, would exceed RUN-1's limit (no writer makes one: the
    /// version 1 form of a written block is its entries as they were pushed).
    fn parse(raw: &'a [u8]) -> Result<V2Layout<'a>, Bad> {
        let l = V2Layout::of(raw)
            .ok_or_else(|| Bad::new("data block", "entry table does not fit the block"))?;
        if l.prefix.len().saturating_mul(l.count) > MAX_RAW_LEN {
            return Err(Bad::new("data block", "prefix too long for its entries"));
        }
        Ok(l)
    }

    /// Row `i`: `(offset, hint)`.
    fn row(&self, i: usize) -> Option<(usize, &'a [u8])> {
        let at = i.checked_mul(V2_ROW)?;
        let r = self.rows.get(at..at.checked_add(V2_ROW)?)?;
        Some((u32_le_at(r, 0)?, r.get(4..)?))
    }
}

/// Walk a version 2 block's raw bytes checking RUN-6 (except the last key against the
/// index, which the callers check) and the RUN-1 entry rules, calling `visit(kind, suffix,
/// value)` for each entry in order. Returns the block's prefix and last suffix.
fn walk_v2<'a>(
    raw: &'a [u8],
    mut visit: impl FnMut(u8, &'a [u8], &'a [u8]),
) -> Result<(&'a [u8], &'a [u8]), Bad> {
    let bad = |detail: &str| Bad::new("data block", detail.to_string());
    let l = V2Layout::parse(raw)?;
    if l.count == 0 {
        return Err(bad("entry table is empty"));
    }
    let entries = raw.get(..l.entries_end).unwrap_or(&[]);
    // A point read checks each block once with this loop: plain offsets, no cursor.
    let mut at = 0usize;
    let mut prev: Option<(&[u8], &[u8])> = None;
    for i in 0..l.count {
        let (offset, row_hint) = l.row(i).ok_or_else(|| bad("entry table row missing"))?;
        if offset != at {
            return Err(bad("entry table offset differs from the entry"));
        }
        let cut = || bad("entry runs past the entries");
        let h = entries.get(at..at + ENTRY_HEADER).ok_or_else(cut)?;
        let (kind, slen, vlen) = entry_header(h);
        let s_at = at + ENTRY_HEADER;
        let v_at = s_at.checked_add(slen).ok_or_else(cut)?;
        let next = v_at.checked_add(vlen).ok_or_else(cut)?;
        let (Some(suffix), Some(value)) = (entries.get(s_at..v_at), entries.get(v_at..next)) else {
            return Err(cut());
        };
        if !(kind == KIND_VALUE || kind == KIND_TOMBSTONE && vlen == 0) {
            return Err(bad(&format!("bad entry kind {kind}")));
        }
        if row_hint != hint(suffix) {
            return Err(bad("entry table hint differs from the key"));
        }
        // A greater hint orders the keys by itself (format-spec/runs.md); compare the
        // suffixes only when the hints are equal.
        if prev.is_some_and(|(p, p_hint)| p_hint > row_hint || p_hint == row_hint && p >= suffix) {
            return Err(bad("keys out of order"));
        }
        prev = Some((suffix, row_hint));
        visit(kind, suffix, value);
        at = next;
    }
    if at != entries.len() {
        return Err(bad("entries do not end where the entry table starts"));
    }
    Ok((l.prefix, prev.map_or(&[], |(p, _)| p)))
}

/// Decode a version 2 block's raw bytes (RUN-6) into the raw bytes of the version 1 block
/// with the same entries (full keys), which [`DataBlock::decode`] takes.
pub(crate) fn decode_v2(raw: &[u8]) -> Result<Vec<u8>, Bad> {
    // The version 1 form repeats the prefix in every entry (bounded by `parse`).
    let l = V2Layout::parse(raw)?;
    let mut out = Vec::with_capacity(raw.len() + l.prefix.len() * l.count);
    let prefix = l.prefix;
    walk_v2(raw, |kind, suffix, value| {
        out.push(kind);
        put_u32_le(&mut out, len_u32(prefix.len() + suffix.len()));
        put_u32_le(&mut out, len_u32(value.len()));
        out.extend_from_slice(prefix);
        out.extend_from_slice(suffix);
        out.extend_from_slice(value);
    })?;
    Ok(out)
}

/// [`check_plain_block`] for a version 2 block: checks the frame, RUN-6 and the last key
/// against the index in place (nothing allocated). `Ok(true)`: checked, search it with
/// [`find_in_plain_block_v2`]; `Ok(false)`: compressed, not checked (decode it).
pub(crate) fn check_plain_block_v2(framed: &[u8], last_key: &[u8]) -> Result<bool, Bad> {
    if !is_plain(framed) {
        return Ok(false);
    }
    if let Stored::Lz4(_) = check_frame(framed, "data block")? {
        return Ok(false);
    }
    let raw = framed.get(FRAME_LEN..).unwrap_or(&[]);
    let (prefix, last) = walk_v2(raw, |_, _, _| {})?;
    let matches = last_key.len() == prefix.len() + last.len()
        && last_key.starts_with(prefix)
        && last_key.ends_with(last);
    if !matches {
        return Err(Bad::new("data block", "last key differs from the index"));
    }
    Ok(true)
}

/// Look `key` up in a framed, uncompressed version 2 data block in place: binary-search
/// the entry table by hint, then compare the suffixes of the entries with an equal hint
/// (usually one). `Some(None)`: a tombstone. Meant for a block that passed
/// [`check_plain_block_v2`]; on other bytes it still never panics nor reads out of bounds,
/// and returns `None` at the first malformed row or entry.
pub(crate) fn find_in_plain_block_v2<'a>(framed: &'a [u8], key: &[u8]) -> Option<Option<&'a [u8]>> {
    let raw = framed.get(FRAME_LEN..)?;
    let l = V2Layout::of(raw)?;
    // Every key of the block starts with the prefix.
    let suffix = key.strip_prefix(l.prefix)?;
    let h = hint(suffix);
    let (mut lo, mut hi) = (0, l.count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if l.row(mid)?.1 < &h[..] {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let entries = raw.get(..l.entries_end)?;
    for i in lo..l.count {
        let (at, row_hint) = l.row(i)?;
        if row_hint != h {
            return None;
        }
        let (kind, slen, vlen) = entry_header(entries.get(at..at.checked_add(ENTRY_HEADER)?)?);
        let s_at = at + ENTRY_HEADER;
        let v_at = s_at.checked_add(slen)?;
        match entries.get(s_at..v_at)?.cmp(suffix) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => {
                let v = entries.get(v_at..v_at.checked_add(vlen)?)?;
                return Some((kind == KIND_VALUE).then_some(v));
            }
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
}

/// A decoded data block kept as its raw bytes plus the offset of each entry, so a lookup
/// binary-searches in place and copies only the value it returns (no allocation per
/// entry). Built only by [`DataBlock::decode`], which checks every entry, so the accessors
/// never meet malformed bytes; they still use checked slicing and return empty slices
/// rather than panic.
#[derive(Debug, Default)]
pub(crate) struct DataBlock {
    raw: Vec<u8>,
    /// Start of each entry's header in `raw`.
    offsets: Vec<u32>,
}

/// Entry header: kind u8 ‖ key_len u32 ‖ value_len u32.
const ENTRY_HEADER: usize = 9;

impl DataBlock {
    /// Decode and check (RUN-1 entry rules: known kinds, tombstones without values, keys
    /// strictly increasing) the raw bytes of a data block.
    pub(crate) fn decode(raw: Vec<u8>) -> Result<DataBlock, Bad> {
        let mut offsets = Vec::new();
        walk_checked(&raw, |at, _| offsets.push(len_u32(at)))?;
        Ok(DataBlock { raw, offsets })
    }

    /// Where in-place lookups in this block may start (see [`find_in_plain_block`]).
    pub(crate) fn skips(&self) -> Skips {
        Skips::from_offsets(&self.offsets)
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Bytes held (for the cache budget).
    pub(crate) fn footprint(&self) -> usize {
        self.raw.capacity() + 4 * self.offsets.capacity() + 64
    }

    fn header(&self, i: usize) -> (usize, u8, usize, usize) {
        let at = self.offsets.get(i).map_or(usize::MAX, |&o| o as usize);
        let h = self
            .raw
            .get(at..at.saturating_add(ENTRY_HEADER))
            .unwrap_or(&[0; ENTRY_HEADER]);
        let (kind, klen, vlen) = entry_header(h);
        (at.saturating_add(ENTRY_HEADER), kind, klen, vlen)
    }

    /// The key of entry `i`.
    pub(crate) fn key(&self, i: usize) -> &[u8] {
        let (k, _, klen, _) = self.header(i);
        self.raw.get(k..k.saturating_add(klen)).unwrap_or(&[])
    }

    /// The value of entry `i`, `None` for a tombstone.
    pub(crate) fn value(&self, i: usize) -> Option<&[u8]> {
        let (k, kind, klen, vlen) = self.header(i);
        if kind != KIND_VALUE {
            return None;
        }
        let v = k.saturating_add(klen);
        Some(self.raw.get(v..v.saturating_add(vlen)).unwrap_or(&[]))
    }

    /// Index of the first entry whose key is `>= key` (`len()` if none).
    pub(crate) fn lower_bound(&self, key: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The entry for exactly `key`: `Some(None)` is a tombstone.
    pub(crate) fn find(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        let i = self.lower_bound(key);
        (i < self.len() && self.key(i) == key).then(|| self.value(i))
    }

    /// The entry at `i` as owned bytes.
    pub(crate) fn entry(&self, i: usize) -> Entry {
        (self.key(i).to_vec(), self.value(i).map(<[u8]>::to_vec))
    }
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
        // 64 incompressible bytes then 16 repeated ones: lz4 saves less than an eighth.
        let mut barely: Vec<u8> = (0..64u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        barely.extend_from_slice(&[9u8; 16]);
        let c = lz4_flex::block::compress(&barely);
        assert!(c.len() < barely.len() && c.len() > barely.len() - barely.len() / 8);
        assert_eq!(
            frame(&barely, true)[4],
            NONE,
            "RUN-2: lz4 only when it saves an eighth"
        );
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
    fn data_block_agrees_with_decode_entries() {
        let mut raw = Vec::new();
        let keys: Vec<Vec<u8>> = (0..50u32).map(|i| (i * 3).to_be_bytes().to_vec()).collect();
        for (i, k) in keys.iter().enumerate() {
            let v = (i % 4 != 0).then(|| vec![i as u8; i]);
            push_entry(&mut raw, k, v.as_deref());
        }
        let entries = decode_entries(&raw).unwrap();
        let b = DataBlock::decode(raw.clone()).unwrap();
        assert_eq!(b.len(), entries.len());
        for (i, (k, v)) in entries.iter().enumerate() {
            assert_eq!(b.entry(i), (k.clone(), v.clone()));
            assert_eq!(b.find(k), Some(v.as_deref()));
            assert_eq!(b.lower_bound(k), i);
        }
        // Keys between and around the stored ones.
        for probe in 0..160u32 {
            let k = probe.to_be_bytes();
            let expect = entries.partition_point(|(e, _)| e.as_slice() < &k[..]);
            assert_eq!(b.lower_bound(&k), expect);
            assert_eq!(b.find(&k).is_some(), probe % 3 == 0 && probe < 150);
        }
        // Every truncation and every single-byte flip is either rejected or decodes to the
        // same entries as decode_entries (no panic, no disagreement), by both readers.
        for cut in 0..raw.len() {
            let r = &raw[..cut];
            let ok = DataBlock::decode(r.to_vec())
                .map(|b| (0..b.len()).map(|i| b.entry(i)).collect::<Vec<_>>());
            assert_eq!(ok.ok(), decode_entries(r).ok(), "cut {cut}");
            in_place_agrees(r);
        }
        for i in 0..raw.len() {
            let mut r = raw.clone();
            r[i] ^= 0x41;
            let ok = DataBlock::decode(r.clone())
                .map(|b| (0..b.len()).map(|i| b.entry(i)).collect::<Vec<_>>());
            assert_eq!(ok.ok(), decode_entries(&r).ok(), "flip {i}");
            in_place_agrees(&r);
        }
        // The in-place lookup on the whole block, between and around the stored keys.
        let framed = frame(&raw, false);
        let skips = check_plain_block(&framed, keys.last().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(skips, b.skips(), "both readers find the same skips");
        assert_eq!(Skips::unpack(skips.pack()), Some(skips));
        assert_eq!(Skips::unpack(0), None);
        assert_ne!(skips, Skips::default());
        for probe in 0..160u32 {
            let k = probe.to_be_bytes();
            for s in [skips, Skips::default()] {
                let found = find_in_plain_block(&framed, &k, s);
                assert_eq!(found, b.find(&k), "probe {probe}");
            }
        }
        // Wrong skips (not entry starts, past the end): no panic.
        for wild in [1u32, 7, 100, 5000, (1 << 21) - 1] {
            let s = Skips([wild, wild + 1, wild * 2]);
            for probe in 0..160u32 {
                let _ = find_in_plain_block(&framed, &probe.to_be_bytes(), s);
            }
        }
    }

    /// The in-place reader accepts a plain block exactly when the reference decoder accepts
    /// its entries (and the last key matches the index), then finds every entry; on bytes
    /// it never checked it does not panic.
    fn in_place_agrees(raw: &[u8]) {
        let reference = decode_entries(raw);
        let framed = frame(raw, false);
        let last = reference.as_ref().ok().and_then(|e| e.last().cloned());
        let checked = check_plain_block(&framed, last.as_ref().map_or(&[][..], |(k, _)| k));
        match &reference {
            Ok(entries) if !entries.is_empty() => {
                let skips = checked.unwrap().unwrap();
                for (k, v) in entries {
                    for s in [skips, Skips::default()] {
                        let found = find_in_plain_block(&framed, k, s);
                        assert_eq!(found, Some(v.as_deref()));
                    }
                }
            }
            _ => assert!(checked.is_err(), "accepted what the reference rejects"),
        }
        assert!(check_plain_block(&framed, b"another last key").is_err());
        let _ = find_in_plain_block(&framed, b"probe", Skips::default());
        let _ = find_in_plain_block(raw, &[0], Skips([3, 9, 27]));
    }

    /// The version 2 block of the worked example in format-spec/runs.md, byte by byte.
    #[test]
    fn run_6_spec_example_v2_block() {
        let mut v1 = Vec::new();
        push_entry(&mut v1, &[1, 0, 1, 0x73, 0x6b], Some(b"v"));
        let raw = encode_v2(&v1);
        #[rustfmt::skip]
        let expect = [
            1, 0, 0, 0, 0, 1, 0, 0, 0, 0x76, // entry: kind 1, suffix_len 0, value_len 1, "v"
            1, 0, 1, 0x73, 0x6b, // prefix
            0, 0, 0, 0, 0, 0, 0, 0, // row: offset 0, hint 00 00 00 00
            5, 0, 0, 0, 1, 0, 0, 0, // prefix_len 5, count 1
        ];
        assert_eq!(raw, expect);
        let framed = frame(&raw, true);
        assert_eq!(&framed[4..13], &[1, 31, 0, 0, 0, 31, 0, 0, 0]);
        assert_eq!(framed.len(), 44);
        assert_eq!(decode_v2(&raw), Ok(v1));
        assert_eq!(
            check_plain_block_v2(&framed, &[1, 0, 1, 0x73, 0x6b]),
            Ok(true)
        );
        let found = find_in_plain_block_v2(&framed, &[1, 0, 1, 0x73, 0x6b]);
        assert_eq!(found, Some(Some(&b"v"[..])));
    }

    /// A second test vector: three entries sharing the prefix `key-`, one a tombstone.
    #[test]
    fn run_6_three_entry_v2_block() {
        let mut v1 = Vec::new();
        push_entry(&mut v1, b"key-aa", Some(b"1"));
        push_entry(&mut v1, b"key-ab", None);
        push_entry(&mut v1, b"key-b", Some(b""));
        let raw = encode_v2(&v1);
        #[rustfmt::skip]
        let expect: Vec<u8> = [
            &[1, 2, 0, 0, 0, 1, 0, 0, 0][..], b"aa", b"1", // @0
            &[2, 2, 0, 0, 0, 0, 0, 0, 0][..], b"ab", // @12
            &[1, 1, 0, 0, 0, 0, 0, 0, 0][..], b"b", // @23
            b"key-", // prefix
            &[0, 0, 0, 0][..], b"aa\0\0", &[12, 0, 0, 0][..], b"ab\0\0", &[23, 0, 0, 0][..], b"b\0\0\0",
            &[4, 0, 0, 0, 3, 0, 0, 0][..],
        ]
        .concat();
        assert_eq!(raw, expect);
        assert_eq!(decode_v2(&raw), Ok(v1));
        let framed = frame(&raw, false);
        assert_eq!(check_plain_block_v2(&framed, b"key-b"), Ok(true));
        assert!(check_plain_block_v2(&framed, b"key-ab").is_err());
        let find = |k: &[u8]| find_in_plain_block_v2(&framed, k);
        assert_eq!(find(b"key-aa"), Some(Some(&b"1"[..])));
        assert_eq!(find(b"key-ab"), Some(None));
        assert_eq!(find(b"key-b"), Some(Some(&b""[..])));
        for absent in [
            &b"key-"[..],
            b"key-a",
            b"key-aaa",
            b"key-ac",
            b"key-c",
            b"kex",
            b"",
            b"z",
        ] {
            assert_eq!(find(absent), None, "{absent:?}");
        }
    }

    /// Version 2 blocks answer every lookup as the version 1 reference decoder of the same
    /// entries does, and on every truncation or flipped byte either are rejected by both
    /// RUN-6 checkers (in place and decoding) or decode to what the in-place reader finds.
    #[test]
    fn run_6_v2_block_agrees_with_the_reference_and_survives_damage() {
        let mut v1 = Vec::new();
        // Keys with equal hints (same first 4 bytes after the prefix) and varying lengths.
        let keys: Vec<Vec<u8>> = (0..40u32)
            .map(|i| {
                let mut k = b"pre/".to_vec();
                k.extend_from_slice(&(i / 3).to_be_bytes());
                k.extend(std::iter::repeat_n(b'x', (i % 3) as usize));
                k
            })
            .collect();
        for (i, k) in keys.iter().enumerate() {
            let v = (i % 5 != 0).then(|| vec![i as u8; i % 7]);
            push_entry(&mut v1, k, v.as_deref());
        }
        let entries = decode_entries(&v1).unwrap();
        let raw = encode_v2(&v1);
        assert_eq!(decode_v2(&raw).as_ref(), Ok(&v1));
        let framed = frame(&raw, false);
        let last = keys.last().unwrap();
        assert_eq!(check_plain_block_v2(&framed, last), Ok(true));
        let b = DataBlock::decode(v1.clone()).unwrap();
        let mut probes: Vec<Vec<u8>> = keys.clone();
        for k in &keys {
            let mut longer = k.clone();
            longer.push(0);
            probes.push(longer);
            probes.push(k[..k.len() - 1].to_vec());
        }
        probes.extend([
            b"pre".to_vec(),
            b"pre/".to_vec(),
            b"zzz".to_vec(),
            Vec::new(),
        ]);
        for p in &probes {
            assert_eq!(find_in_plain_block_v2(&framed, p), b.find(p), "{p:?}");
        }
        assert_eq!(entries.len(), 40);
        for cut in 0..raw.len() {
            v2_damaged_agrees(&raw[..cut], last, &probes);
        }
        for i in 0..raw.len() {
            for x in [0x01u8, 0x41, 0xff] {
                let mut r = raw.clone();
                r[i] ^= x;
                v2_damaged_agrees(&r, last, &probes);
            }
        }
    }

    fn v2_damaged_agrees(raw: &[u8], last: &[u8], probes: &[Vec<u8>]) {
        let framed = frame(raw, false);
        let in_place = check_plain_block_v2(&framed, last);
        let decoded = decode_v2(raw).and_then(DataBlock::decode);
        let decoded_ok = decoded
            .as_ref()
            .ok()
            .filter(|b| b.len() > 0 && b.key(b.len() - 1) == last);
        assert_eq!(in_place.is_ok(), decoded_ok.is_some(), "checkers disagree");
        for p in probes {
            let found = find_in_plain_block_v2(&framed, p);
            if let Some(b) = decoded_ok {
                assert_eq!(found, b.find(p));
            }
        }
    }

    #[test]
    fn check_plain_block_checks_the_frame_and_skips_lz4() {
        let mut raw = Vec::new();
        push_entry(&mut raw, b"a", Some(&[b'x'; 100]));
        let lz4 = frame(&raw, true);
        assert_eq!(lz4[4], LZ4);
        assert_eq!(check_plain_block(&lz4, b"a"), Ok(None));
        let plain = frame(&raw, false);
        assert_eq!(check_plain_block(&plain, b"a"), Ok(Some(Skips::default())));
        for i in (0..plain.len()).filter(|&i| i != 4) {
            let mut bad = plain.clone();
            bad[i] ^= 0x10;
            assert!(check_plain_block(&bad, b"a").is_err(), "flip at {i}");
        }
        for cut in 0..plain.len() {
            let r = check_plain_block(&plain[..cut], b"a");
            assert!(!matches!(r, Ok(Some(_))), "cut {cut}");
        }
    }

    #[test]
    fn unframe_owned_matches_unframe() {
        for raw in [vec![7u8; 3], b"abcabcabcabcabcabcabcabcabcabcabc".to_vec()] {
            let f = frame(&raw, true);
            assert_eq!(
                unframe_owned(f.clone(), "data block"),
                unframe(&f, "data block")
            );
            let mut bad = f.clone();
            bad[FRAME_LEN] ^= 1;
            assert!(unframe_owned(bad, "data block").is_err());
        }
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
