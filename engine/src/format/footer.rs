//! Run footer codec (format-spec/runs.md, "Footer").
//!
//! 48 bytes at the end of a run: index_offset u64 ‖ index_len u32 ‖ filter_offset u64 ‖
//! filter_len u32 ‖ entry_count u64 ‖ reserved u32 ‖ crc u32 (of bytes 0..36) ‖ magic, the
//! run version: "CRDTRUN1" or "CRDTRUN2" (the version of its data blocks).
//! [`Footer::decode`] enforces RUN-5 (magic, crc, index and filter inside the run).

use super::cursor::Bad;
use super::cursor::{put_u32_le, put_u64_le, Cursor};

pub(crate) const LEN: usize = 48;
/// Footer magic of a version 1 run.
pub(crate) const MAGIC: [u8; 8] = *b"CRDTRUN1";
/// Footer magic of a version 2 run (data blocks with an entry table, RUN-6).
pub(crate) const MAGIC_V2: [u8; 8] = *b"CRDTRUN2";
/// The run version writers write.
pub(crate) const CURRENT_VERSION: u8 = 2;
const CRC_OFFSET: usize = 36;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Footer {
    pub index_offset: u64,
    pub index_len: u32,
    pub filter_offset: u64,
    pub filter_len: u32,
    pub entry_count: u64,
    /// Run version (1 or 2), from the magic: the layout of the run's data blocks.
    pub version: u8,
}

impl Footer {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        put_u64_le(&mut out, self.index_offset);
        put_u32_le(&mut out, self.index_len);
        put_u64_le(&mut out, self.filter_offset);
        put_u32_le(&mut out, self.filter_len);
        put_u64_le(&mut out, self.entry_count);
        put_u32_le(&mut out, 0);
        let crc = crc32fast::hash(&out);
        put_u32_le(&mut out, crc);
        out.extend_from_slice(if self.version == 1 { &MAGIC } else { &MAGIC_V2 });
        out
    }

    /// RUN-5; `run_len` is the run's length from the manifest.
    pub(crate) fn decode(buf: &[u8], run_len: u64) -> Result<Footer, Bad> {
        let mut c = Cursor::new(buf, "run footer");
        let f = Footer {
            index_offset: c.u64_le()?,
            index_len: c.u32_le()?,
            filter_offset: c.u64_le()?,
            filter_len: c.u32_le()?,
            entry_count: c.u64_le()?,
            version: 0,
        };
        let _reserved = c.u32_le()?;
        let crc = c.u32_le()?;
        let version = match c.bytes(8)? {
            m if m == MAGIC => 1,
            m if m == MAGIC_V2 => 2,
            _ => return Err(c.bad("bad magic")),
        };
        let f = Footer { version, ..f };
        if crc != crc32fast::hash(buf.get(..CRC_OFFSET).unwrap_or(&[])) {
            return Err(c.bad("checksum mismatch"));
        }
        let body_end = run_len.saturating_sub(LEN as u64);
        let index_end = f.index_offset.saturating_add(u64::from(f.index_len));
        let filter_end = f.filter_offset.saturating_add(u64::from(f.filter_len));
        if index_end != f.filter_offset || filter_end != body_end {
            return Err(c.bad("index and filter do not tile the end of the run"));
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_5_footer_checks() {
        let f = Footer {
            index_offset: 28,
            index_len: 38,
            filter_offset: 66,
            filter_len: 26,
            entry_count: 1,
            version: 1,
        };
        for version in [1, 2] {
            let f = Footer { version, ..f };
            let b = f.encode();
            assert_eq!(b.len(), LEN);
            assert_eq!(
                &b[40..],
                if version == 1 {
                    b"CRDTRUN1"
                } else {
                    b"CRDTRUN2"
                }
            );
            assert_eq!(Footer::decode(&b, 140), Ok(f));
            assert!(Footer::decode(&b, 141).is_err());
            for i in 0..LEN {
                let mut bad = b.clone();
                bad[i] ^= 0x80;
                assert!(Footer::decode(&bad, 140).is_err(), "flip at {i}");
            }
            let mut v3 = b.clone();
            v3[47] = b'3';
            assert!(Footer::decode(&v3, 140).is_err(), "unknown run version");
        }
    }
}
