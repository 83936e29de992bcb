//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not a public API, no
//! stability promise). Each function feeds arbitrary bytes to the on-disk codecs of
//! format-spec/ and panics only when a property is broken: a decoder panicking, a decoded
//! value that does not re-encode to the bytes it came from, or a valid encoding that does
//! not decode back. The first input byte picks the mode: odd bytes wrap the rest in valid
//! framing (checksums, lengths) so that the fuzzer reaches the structure behind them.
//!
//! Everything else the targets need is public already: `NativeStore::open_io` and
//! [`crate::io::SimDisk`].
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use crate::format::block::{self, IndexEntry};
use crate::format::bloom::{self, Bloom};
use crate::format::commit;
use crate::format::footer::{self, Footer};
use crate::format::header;
use crate::format::log_record;
use crate::format::manifest::{self, Manifest};
use crate::format::superblock::{self, Superblock};
use crate::keys;
use crate::kv::Mutation;

/// Bytes of the format that a fuzzing dictionary should hold: magics and the values of
/// the tag bytes (`fuzz/dict/*.dict` are checked against this list).
pub fn format_tokens() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("file_magic", header::MAGIC.to_vec()),
        ("superblock_magic", superblock::MAGIC.to_vec()),
        ("manifest_magic", manifest::MAGIC.to_vec()),
        ("run_footer_magic", footer::MAGIC.to_vec()),
        ("run_footer_magic_v2", footer::MAGIC_V2.to_vec()),
    ]
}

/// The log: replays arbitrary bytes (even mode) or frames the chunks of the input as
/// commits (odd mode) and checks that replay returns exactly those commits, that every
/// decodable commit payload re-encodes to itself, and that replay stops at damage.
pub fn log_record(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let log_id = u64::from(mode >> 1);
    if mode & 1 == 0 {
        let r = log_record::replay(rest, log_id);
        let mut last = 0;
        for (payload, end) in &r.commits {
            assert!(*end > last && *end <= rest.len() && payload.len() < *end);
            last = *end;
            check_commit(payload);
        }
        // The commits found re-frame into a log that replays to the same commits.
        let payloads: Vec<Vec<u8>> = r.commits.into_iter().map(|(p, _)| p).collect();
        let again = frame_all(&payloads, log_id);
        assert_eq!(replay_payloads(&again, log_id), payloads);
        return;
    }
    // Odd mode: each chunk (u8 length prefix) is a commit payload.
    let mut payloads = Vec::new();
    let mut c = rest;
    while let Some((&len, tail)) = c.split_first() {
        // A length byte of 0xff stands for a long payload: the chunk repeated to 5000 bytes.
        let n = usize::from(len).min(tail.len());
        let (chunk, tail) = tail.split_at(n);
        let payload = if len == 0xff {
            chunk.iter().copied().cycle().take(5000).collect()
        } else {
            chunk.to_vec()
        };
        check_commit(&payload);
        payloads.push(payload);
        c = tail;
    }
    let log = frame_all(&payloads, log_id);
    assert_eq!(replay_payloads(&log, log_id), payloads);
    // Damage one byte chosen by the input: replay returns a prefix of the commits.
    if !log.is_empty() {
        let at = usize::from(mode).wrapping_mul(rest.len() + 1) % log.len();
        let mut damaged = log.clone();
        damaged[at] ^= mode | 1;
        let got = replay_payloads(&damaged, log_id);
        assert!(got.len() <= payloads.len() && got.iter().zip(&payloads).all(|(a, b)| a == b));
    }
}

fn frame_all(payloads: &[Vec<u8>], log_id: u64) -> Vec<u8> {
    let mut log = Vec::new();
    for p in payloads {
        let bytes = log_record::frame(p, log_id, log.len());
        log.extend_from_slice(&bytes);
    }
    log
}

fn replay_payloads(log: &[u8], log_id: u64) -> Vec<Vec<u8>> {
    let r = log_record::replay(log, log_id);
    assert!(r.stop.is_some());
    r.commits.into_iter().map(|(p, _)| p).collect()
}

/// A commit payload: if it decodes, it re-encodes to the same bytes.
fn check_commit(payload: &[u8]) {
    if let Ok(muts) = commit::decode(payload) {
        assert_eq!(commit::encode(&muts), payload, "commit round trip");
        for m in &muts {
            let (Mutation::Put(k, _) | Mutation::Delete(k)) = m;
            let _ = keys::decode_key(k);
        }
    }
}

/// Run blocks: the block framing, data block entries, index block, bloom filter, footer,
/// and the keys and values stored in entries. Even mode decodes the input as a framed
/// block; odd mode frames it (compressed or not) first, then decodes the contents as each
/// kind of block and builds a data block and filter from the input's chunks.
pub fn block(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(raw) = block::unframe(rest, "data block") {
            check_block_contents(&raw, mode);
        }
        return;
    }
    let framed = block::frame(rest, mode & 2 != 0);
    assert_eq!(block::unframe(&framed, "data block").as_deref(), Ok(rest));
    check_block_contents(rest, mode);

    // Build a data block and filter from the input's chunks (u8 length prefixes).
    let mut entries = std::collections::BTreeMap::new();
    let mut c = rest;
    while let Some((&len, tail)) = c.split_first() {
        let n = usize::from(len >> 1).min(tail.len());
        let (key, tail) = tail.split_at(n);
        entries.insert(key.to_vec(), (len & 1 == 0).then(|| key.repeat(2)));
        c = tail;
    }
    let mut raw = Vec::new();
    for (k, v) in &entries {
        block::push_entry(&mut raw, k, v.as_deref());
    }
    let got = block::unframe(&block::frame(&raw, true), "data block").unwrap();
    let decoded = block::decode_entries(&got).unwrap();
    assert!(decoded.into_iter().eq(entries.clone()));
    // The same entries as a version 2 block (writers write no empty block, RUN-6 rejects
    // one): decodes back, and the in-place reader checks it and finds every entry.
    if let Some(last) = entries.keys().next_back() {
        let v2 = block::encode_v2(&raw);
        assert_eq!(block::decode_v2(&v2).as_ref(), Ok(&raw), "v2 round trip");
        let framed = block::frame(&v2, false);
        assert_eq!(block::check_plain_block_v2(&framed, last), Ok(true));
        for (k, v) in &entries {
            let found = block::find_in_plain_block_v2(&framed, k);
            assert_eq!(found, Some(v.as_deref()), "v2 in-place lookup");
        }
    }
    for version in [1, 2] {
        let raw = bloom::build_version(entries.keys().map(Vec::as_slice), version);
        let filter = Bloom::decode_version(&raw, version).unwrap();
        assert!(
            entries.keys().all(|k| filter.may_contain(k)),
            "bloom false negative (run version {version})"
        );
    }
}

fn check_block_contents(raw: &[u8], mode: u8) {
    // Differential: the reader's in-place decoder accepts exactly what the reference
    // decoder accepts, with the same entries, and its lookups find each of them.
    let reference = block::decode_entries(raw);
    match (block::DataBlock::decode(raw.to_vec()), &reference) {
        (Ok(b), Ok(entries)) => {
            assert_eq!(b.len(), entries.len(), "entry count");
            for (i, (k, v)) in entries.iter().enumerate() {
                assert_eq!(b.entry(i), (k.clone(), v.clone()), "entry {i}");
                assert_eq!(b.find(k), Some(v.as_deref()), "lookup {i}");
            }
        }
        (Err(_), Err(_)) => {}
        (fast, reference) => panic!(
            "data block decoders disagree: DataBlock {:?}, reference {:?}",
            fast.map(|b| b.len()),
            reference.as_ref().map(Vec::len)
        ),
    }
    // The in-place reader of point reads: it accepts the same bytes framed uncompressed
    // (given the reference's last key), finds every entry, and never panics.
    let framed = block::frame(raw, false);
    let last = reference.as_ref().ok().and_then(|e| e.last());
    let checked = block::check_plain_block(&framed, last.map_or(&[][..], |(k, _)| k));
    match &reference {
        Ok(entries) if !entries.is_empty() => {
            let Ok(Some(skips)) = checked else {
                panic!("in-place check rejects a valid block: {checked:?}")
            };
            for (k, v) in entries {
                for s in [skips, block::Skips::default()] {
                    let found = block::find_in_plain_block(&framed, k, s);
                    assert_eq!(found, Some(v.as_deref()), "in-place lookup");
                }
            }
        }
        _ => assert!(checked.is_err(), "in-place check accepts an invalid block"),
    }
    // Never a panic, whatever the bytes and the skips.
    let probe = raw.get(..8).unwrap_or(raw);
    let wild = raw
        .get(..8)
        .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    if let Some(s) = block::Skips::unpack(wild | 1 << 63) {
        let _ = block::find_in_plain_block(raw, probe, s);
        let _ = block::find_in_plain_block(&framed, probe, s);
    }
    check_v2_block_contents(raw);
    if let Ok(entries) = reference {
        let mut again = Vec::new();
        for (k, v) in &entries {
            block::push_entry(&mut again, k, v.as_deref());
            check_entry(k, v.as_deref());
        }
        assert_eq!(again, raw, "data block round trip");
    }
    // The data end is unknown here: take it from the input so some indexes validate.
    let data_end = raw.get(4..12).map_or(0, |b| {
        u64::from_le_bytes(b.try_into().unwrap_or_default()) % (1 << 20)
    });
    for end in [data_end, u64::from(mode) * 13] {
        if let Ok(index) = block::decode_index(raw, end) {
            let again: Vec<IndexEntry> = index;
            assert_eq!(block::encode_index(&again), raw, "index round trip");
        }
    }
    for version in [1, 2] {
        if let Ok(b) = Bloom::decode_version(raw, version) {
            let _ = b.may_contain(raw);
        }
    }
    if raw.len() >= footer::LEN {
        let (body, tail) = raw.split_at(raw.len() - footer::LEN);
        if let Ok(f) = Footer::decode(tail, body.len() as u64 + footer::LEN as u64) {
            // Bytes 32..36 are reserved and not interpreted; the rest round-trips.
            let again = f.encode();
            assert_eq!(again[..32], tail[..32], "footer round trip");
            assert_eq!(
                Footer::decode(&again, body.len() as u64 + footer::LEN as u64),
                Ok(f)
            );
        }
    }
}

/// The bytes as a version 2 data block (RUN-6): the in-place checker accepts exactly what
/// the decoding reader accepts (given the decoded last key), the in-place lookup finds
/// every decoded entry, the writer encodes the decoded entries into a block that decodes
/// to them again, and nothing panics.
fn check_v2_block_contents(raw: &[u8]) {
    let decoded = block::decode_v2(raw).and_then(|v1| block::decode_entries(&v1));
    let framed = block::frame(raw, false);
    let probe = raw.get(..12).unwrap_or(raw);
    let _ = block::find_in_plain_block_v2(&framed, probe);
    let _ = block::find_in_plain_block_v2(raw, probe);
    match decoded {
        Ok(entries) => {
            let last = entries.last().map_or(&[][..], |(k, _)| k);
            assert_eq!(
                block::check_plain_block_v2(&framed, last),
                Ok(true),
                "v2 in-place check rejects what decode_v2 accepts"
            );
            for (k, v) in &entries {
                let found = block::find_in_plain_block_v2(&framed, k);
                assert_eq!(found, Some(v.as_deref()), "v2 in-place lookup");
            }
            let mut v1 = Vec::new();
            for (k, v) in &entries {
                block::push_entry(&mut v1, k, v.as_deref());
            }
            // Written again by the writer (its own choice of prefix): the same entries.
            let again = block::encode_v2(&v1);
            assert_eq!(block::decode_v2(&again).as_ref(), Ok(&v1), "v2 re-encoding");
        }
        Err(_) => assert!(
            block::check_plain_block_v2(&framed, probe).is_err(),
            "v2 in-place check accepts what decode_v2 rejects"
        ),
    }
}

/// A stored entry: its key decodes or not; event, snapshot and counter values decode or
/// not, and what decodes re-encodes to the same bytes.
fn check_entry(key: &[u8], value: Option<&[u8]>) {
    let Ok(k) = keys::decode_key(key) else {
        return;
    };
    let Some(v) = value else { return };
    match k {
        keys::DecodedKey::Event { seq, .. } => {
            if let Ok(e) = keys::decode_event_value(seq, v) {
                assert_eq!(
                    keys::encode_event_value(e.timestamp, &e.node_id, &e.data),
                    v
                );
            }
        }
        keys::DecodedKey::Snapshot { .. } => {
            if let Ok(s) = keys::decode_snapshot_value(v) {
                assert_eq!(
                    keys::encode_snapshot_value(&s.state, s.at_seq, s.version),
                    v
                );
            }
        }
        keys::DecodedKey::Counter { .. } | keys::DecodedKey::Floor { .. } => {
            if let Ok(n) = keys::decode_u64(v) {
                assert_eq!(n.to_le_bytes(), v);
            }
        }
        keys::DecodedKey::State { .. } => {}
    }
}

/// The manifest, superblocks and file header. Even mode decodes the input as it is; odd
/// mode wraps it as a manifest body with a valid header (magic, generation, length, crc)
/// so the body's structure is what gets fuzzed. What decodes re-encodes to the same bytes
/// and passes validation.
pub fn manifest(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let generation = u64::from(mode >> 1);
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let mut out = manifest::MAGIC.to_vec();
        out.extend_from_slice(&generation.to_le_bytes());
        out.extend_from_slice(&u32::try_from(rest.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(rest).to_le_bytes());
        out.extend_from_slice(rest);
        out
    };
    if let Ok(m) = Manifest::decode(&bytes, generation) {
        assert_eq!(m.encode(), bytes, "manifest round trip");
        assert!(m.validate(None).is_ok());
    }
    let _ = Manifest::decode(&bytes, generation.wrapping_add(1));
    // Superblock slots: what decodes re-encodes to the same record.
    let half = rest.len() / 2;
    let (a, b) = rest.split_at(half);
    if let Some(sb) = Superblock::newest(&[a, b]) {
        // Readers ignore the reserved bytes (SB-2 names what makes a copy valid), so the
        // fields before them must match a copy in the input, and re-encoding is stable.
        let one = sb.encode();
        let fields = &one[..28];
        let copies = [a.get(..64), a.get(64..128), b.get(..64), b.get(64..128)];
        assert!(copies.iter().flatten().any(|c| c.get(..28) == Some(fields)));
        assert_eq!(Superblock::decode(&one), Some(sb));
    }
    if let Ok(version) = header::decode(rest) {
        // Flags and reserved words (bytes 16..24) are not interpreted by versions 1 and 2.
        assert_eq!(rest.get(..16), header::encode_version(version).get(..16));
    }
}
