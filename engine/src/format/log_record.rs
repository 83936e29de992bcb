//! Log record framing codec (format-spec/log.md, "Record layout").
//!
//! A record is `crc u32 ‖ len u16 ‖ type u8 ‖ payload`, with
//! `crc = crc32(log_id LE ‖ type ‖ payload)`; records never cross a 4096-byte block
//! (LOG-1); a commit larger than the rest of a block is split FIRST/MIDDLE*/LAST (LOG-2).
//! [`replay`] implements the stopping rules of LOG-3..LOG-5.

use super::header::PAGE_SIZE;

pub(crate) const HEADER_LEN: usize = 7;
pub(crate) const FULL: u8 = 1;
pub(crate) const FIRST: u8 = 2;
pub(crate) const MIDDLE: u8 = 3;
pub(crate) const LAST: u8 = 4;

fn record_crc(log_id: u64, kind: u8, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&log_id.to_le_bytes());
    h.update(&[kind]);
    h.update(payload);
    h.finalize()
}

/// Bytes to write at log position `pos` so that `payload` becomes one commit, including any
/// zero trailer of a block with fewer than 7 bytes left (LOG-1). The new end position is
/// `pos + returned.len()`.
pub(crate) fn frame(payload: &[u8], log_id: u64, pos: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + HEADER_LEN * (2 + payload.len() / PAGE_SIZE));
    let mut pos = pos;
    let mut rest = payload;
    let mut first = true;
    loop {
        let left_in_block = PAGE_SIZE - pos % PAGE_SIZE;
        if left_in_block < HEADER_LEN {
            out.resize(out.len() + left_in_block, 0);
            pos += left_in_block;
            continue;
        }
        let room = left_in_block - HEADER_LEN;
        let take = room.min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        let last = tail.is_empty();
        let kind = match (first, last) {
            (true, true) => FULL,
            (true, false) => FIRST,
            (false, false) => MIDDLE,
            (false, true) => LAST,
        };
        out.extend_from_slice(&record_crc(log_id, kind, chunk).to_le_bytes());
        // `take` <= 4089, so it fits in a u16.
        out.extend_from_slice(&u16::try_from(take).unwrap_or(u16::MAX).to_le_bytes());
        out.push(kind);
        out.extend_from_slice(chunk);
        pos += HEADER_LEN + take;
        rest = tail;
        first = false;
        if last {
            return out;
        }
    }
}

/// Bytes of log needed for a payload of `len` starting at a block boundary, rounded up to
/// whole pages.
pub(crate) fn pages_needed(len: usize) -> usize {
    let per_block = PAGE_SIZE - HEADER_LEN;
    len / per_block + 1
}

/// Why replay stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// An all-zero header or the end of the log extent: nothing was written past the end.
    Clean,
    /// A record failed a check (torn tail or damage).
    Torn,
}

/// The whole commits found in a log, in order, with the position after each.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    pub commits: Vec<(Vec<u8>, usize)>,
    pub stop: Option<Stop>,
}

/// LOG-3..LOG-5: scan `log` (the bytes of the log extent; missing bytes read as zero).
pub(crate) fn replay(log: &[u8], log_id: u64) -> Replay {
    let mut out = Replay::default();
    let mut pos = 0usize;
    let mut open: Option<Vec<u8>> = None;
    let stop = loop {
        let left_in_block = PAGE_SIZE - pos % PAGE_SIZE;
        if left_in_block < HEADER_LEN {
            pos += left_in_block; // LOG-5: block trailer
            continue;
        }
        let Some(header) = log.get(pos..pos + HEADER_LEN) else {
            break Stop::Clean;
        };
        if header.iter().all(|&b| b == 0) {
            break if open.is_some() {
                Stop::Torn
            } else {
                Stop::Clean
            };
        }
        let mut c = super::cursor::Cursor::new(header, "log record");
        let (Ok(crc), Ok(len), Ok(kind)) = (c.u32_le(), c.u16_le(), c.u8()) else {
            break Stop::Torn;
        };
        let len = usize::from(len);
        if len > left_in_block - HEADER_LEN {
            break Stop::Torn;
        }
        let Some(payload) = log.get(pos + HEADER_LEN..pos + HEADER_LEN + len) else {
            break Stop::Torn;
        };
        if record_crc(log_id, kind, payload) != crc {
            break Stop::Torn;
        }
        pos += HEADER_LEN + len;
        match (kind, open.as_mut()) {
            (FULL, None) => out.commits.push((payload.to_vec(), pos)),
            (FIRST, None) => open = Some(payload.to_vec()),
            (MIDDLE, Some(buf)) => buf.extend_from_slice(payload),
            (LAST, Some(buf)) => {
                buf.extend_from_slice(payload);
                let done = std::mem::take(buf);
                open = None;
                out.commits.push((done, pos));
            }
            _ => break Stop::Torn,
        }
    };
    out.stop = Some(stop);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(payloads: &[Vec<u8>], id: u64) -> Vec<u8> {
        let mut log = Vec::new();
        for p in payloads {
            let bytes = frame(p, id, log.len());
            log.extend_from_slice(&bytes);
        }
        log.resize(
            log.len().div_ceil(PAGE_SIZE).max(1) * PAGE_SIZE + PAGE_SIZE,
            0,
        );
        log
    }

    #[test]
    fn spec_example_bytes() {
        let payload = [
            1, 0, 0, 0, 1, 5, 0, 0, 0, 1, 0, 1, 0x73, 0x6b, 1, 0, 0, 0, 0x76,
        ];
        let rec = frame(&payload, 7, 0);
        assert_eq!(&rec[..7], &[0x17, 0x29, 0x79, 0x13, 0x13, 0, 1]);
        assert_eq!(rec.len(), 26);
        let two = frame(&[0u8; 10_000], 7, 26);
        assert_eq!(two.len(), 3 * 7 + 10_000);
        assert_eq!(two[6], FIRST);
        assert_eq!(u16::from_le_bytes([two[4], two[5]]), 4063);
        assert_eq!(two[7 + 4063 + 6], MIDDLE);
        assert_eq!(two[2 * 7 + 4063 + 4089 + 6], LAST);
        let three = frame(&[0u8; 10_000], 7, 0);
        assert_eq!(three.len(), 3 * 7 + 10_000);
    }

    #[test]
    fn log_1_2_fragments_roundtrip() {
        let payloads: Vec<Vec<u8>> = [0usize, 1, 4089, 4090, 10_000, 3, 20_000]
            .iter()
            .map(|&n| (0..n).map(|i| (i % 253) as u8).collect())
            .collect();
        let log = log_with(&payloads, 9);
        let r = replay(&log, 9);
        assert_eq!(r.stop, Some(Stop::Clean));
        let got: Vec<_> = r.commits.into_iter().map(|(p, _)| p).collect();
        assert_eq!(got, payloads);
    }

    #[test]
    fn log_1_5_trailer_is_skipped() {
        // A payload leaving exactly 3 bytes in the first block forces a trailer.
        let p1 = vec![1u8; PAGE_SIZE - 7 - 3];
        let p2 = vec![2u8; 10];
        let log = log_with(&[p1.clone(), p2.clone()], 1);
        assert_eq!(&log[PAGE_SIZE - 3..PAGE_SIZE], &[0, 0, 0]);
        let got: Vec<_> = replay(&log, 1)
            .commits
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(got, vec![p1, p2]);
    }

    #[test]
    fn log_3_other_log_id_never_verifies() {
        let log = log_with(&[vec![1, 2, 3]], 1);
        let r = replay(&log, 2);
        assert!(r.commits.is_empty());
        assert_eq!(r.stop, Some(Stop::Torn));
    }

    #[test]
    fn log_4_torn_tail_drops_only_the_partial_commit() {
        let payloads = vec![vec![1u8; 100], vec![2u8; 9000]];
        let log = log_with(&payloads, 5);
        let first_end = 107;
        for cut in [
            first_end + 1,
            first_end + 7,
            first_end + 4000,
            first_end + 9000,
        ] {
            let mut torn = log.clone();
            for b in torn.iter_mut().skip(cut) {
                *b = 0;
            }
            let r = replay(&torn, 5);
            assert_eq!(r.commits.len(), 1, "cut at {cut}");
            assert_eq!(r.stop, Some(Stop::Torn));
        }
        let mut flipped = log.clone();
        flipped[first_end + 20] ^= 0x40;
        assert_eq!(replay(&flipped, 5).commits.len(), 1);
        // MIDDLE/LAST without FIRST.
        let mut orphan = log.clone();
        orphan.drain(..PAGE_SIZE);
        let r = replay(&orphan, 5);
        assert!(r.commits.is_empty());
    }
}
