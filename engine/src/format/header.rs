//! File header codec: page 0 (format-spec/header-and-superblocks.md, "File header").
//!
//! Layout (32 bytes, LE): magic[8] ‖ version u32 ‖ page_size u32 ‖ flags u32 ‖ reserved u32 ‖
//! crc u32 (of bytes 0..24) ‖ reserved u32. Invariant: written once at creation.
//!
//! The version says which run version the file may hold (HDR-4): 1 (runs of version 1
//! only: builds that read only version 1 keep reading it) or 2 (new files).

use super::cursor::{put_u32_le, Bad, Cursor};

/// `\x89CRDT\r\n\x1a`.
pub(crate) const MAGIC: [u8; 8] = [0x89, b'C', b'R', b'D', b'T', 0x0D, 0x0A, 0x1A];
/// The version new files get (they hold runs of version 2).
pub(crate) const VERSION: u32 = 2;
/// The oldest version this build reads; it keeps such a file at that version (HDR-4).
pub(crate) const OLDEST_VERSION: u32 = 1;
pub(crate) const PAGE_SIZE: usize = 4096;
pub(crate) const HEADER_LEN: usize = 32;
const CRC_OFFSET: usize = 24;

/// The header of a new file ([`VERSION`]).
pub(crate) fn encode() -> Vec<u8> {
    encode_version(VERSION)
}

/// The header of a file of `version` (tests and golden files of version 1).
pub(crate) fn encode_version(version: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(&MAGIC);
    put_u32_le(&mut out, version);
    put_u32_le(&mut out, PAGE_SIZE as u32);
    put_u32_le(&mut out, 0);
    put_u32_le(&mut out, 0);
    let crc = crc32fast::hash(&out);
    put_u32_le(&mut out, crc);
    put_u32_le(&mut out, 0);
    out
}

/// HDR-1, HDR-2; returns the file's version.
pub(crate) fn decode(buf: &[u8]) -> Result<u32, Bad> {
    let mut c = Cursor::new(buf, "file header");
    let magic = c.bytes(8)?;
    if magic != MAGIC {
        return Err(c.bad("bad magic: not a .crdt file"));
    }
    let version = c.u32_le()?;
    let page_size = c.u32_le()?;
    let _flags = c.u32_le()?;
    let _reserved = c.u32_le()?;
    let crc = c.u32_le()?;
    let covered = buf.get(..CRC_OFFSET).ok_or_else(|| c.bad("short header"))?;
    if crc != crc32fast::hash(covered) {
        return Err(c.bad("checksum mismatch"));
    }
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
        return Err(c.bad(format!(
            "format version {version} is not supported (this build reads versions \
             {OLDEST_VERSION} to {VERSION}; a newer crdt-store wrote this file)"
        )));
    }
    if page_size as usize != PAGE_SIZE {
        return Err(c.bad(format!("page size {page_size}, expected {PAGE_SIZE}")));
    }
    Ok(version)
}

/// The run version a file of header `version` holds and gets (HDR-4).
pub(crate) fn run_version(version: u32) -> u8 {
    if version >= 2 {
        super::footer::CURRENT_VERSION
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdr_roundtrip_and_spec_bytes() {
        let h = encode();
        assert_eq!(h.len(), HEADER_LEN);
        assert_eq!(h[8], 2, "new files are version 2");
        assert_eq!(&h[24..28], &[0xc4, 0xbd, 0xd8, 0xd7]);
        assert_eq!(decode(&h), Ok(2));
        let v1 = encode_version(1);
        assert_eq!(&v1[24..28], &[0x36, 0x09, 0x10, 0xfe]);
        assert_eq!(decode(&v1), Ok(1));
    }

    /// HDR-4: the run version follows the file's version.
    #[test]
    fn hdr_4_run_version() {
        assert_eq!(run_version(1), 1);
        assert_eq!(run_version(2), 2);
    }

    #[test]
    fn hdr_1_2_rejects() {
        let h = encode();
        let mut bad = h.clone();
        bad[0] = b'S';
        assert!(decode(&bad).unwrap_err().detail.contains("magic"));
        // Version 3 (with a matching crc, so the version itself is what is refused).
        let err = decode(&encode_version(3)).unwrap_err();
        assert!(
            err.detail.contains("format version 3 is not supported"),
            "{err:?}"
        );
        assert!(decode(&encode_version(0)).is_err());
        let mut bad = h.clone();
        bad[8] = 1;
        assert!(decode(&bad).unwrap_err().detail.contains("checksum"));
        assert!(decode(&h[..10]).is_err());
    }
}
