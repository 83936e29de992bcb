//! File header codec: page 0 (format-spec/header-and-superblocks.md, "File header").
//!
//! Layout (32 bytes, LE): magic[8] ‖ version u32 ‖ page_size u32 ‖ flags u32 ‖ reserved u32 ‖
//! crc u32 (of bytes 0..24) ‖ reserved u32. Invariant: written once at creation.

use super::cursor::{put_u32_le, Bad, Cursor};

/// `\x89CRDT\r\n\x1a`.
pub(crate) const MAGIC: [u8; 8] = [0x89, b'C', b'R', b'D', b'T', 0x0D, 0x0A, 0x1A];
pub(crate) const VERSION: u32 = 1;
pub(crate) const PAGE_SIZE: usize = 4096;
pub(crate) const HEADER_LEN: usize = 32;
const CRC_OFFSET: usize = 24;

pub(crate) fn encode() -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(&MAGIC);
    put_u32_le(&mut out, VERSION);
    put_u32_le(&mut out, PAGE_SIZE as u32);
    put_u32_le(&mut out, 0);
    put_u32_le(&mut out, 0);
    let crc = crc32fast::hash(&out);
    put_u32_le(&mut out, crc);
    put_u32_le(&mut out, 0);
    out
}

/// HDR-1, HDR-2.
pub(crate) fn decode(buf: &[u8]) -> Result<(), Bad> {
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
    if version != VERSION {
        return Err(c.bad(format!(
            "format version {version} is not supported (this build reads version {VERSION})"
        )));
    }
    if page_size as usize != PAGE_SIZE {
        return Err(c.bad(format!("page size {page_size}, expected {PAGE_SIZE}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdr_roundtrip_and_spec_bytes() {
        let h = encode();
        assert_eq!(h.len(), HEADER_LEN);
        assert_eq!(&h[24..28], &[0x36, 0x09, 0x10, 0xfe]);
        assert!(decode(&h).is_ok());
    }

    #[test]
    fn hdr_1_2_rejects() {
        let h = encode();
        let mut bad = h.clone();
        bad[0] = b'S';
        assert!(decode(&bad).unwrap_err().detail.contains("magic"));
        let mut bad = h.clone();
        bad[8] = 2;
        assert!(decode(&bad).is_err());
        assert!(decode(&h[..10]).is_err());
    }
}
