//! Superblock slot codec (format-spec/header-and-superblocks.md, "Superblock slots").
//!
//! Layout (64 bytes, LE): magic "CRDTSUPR" ‖ generation u64 ‖ manifest_page u64 ‖
//! manifest_len u32 ‖ reserved[32] ‖ crc u32 (of bytes 0..60). Slot `g mod 2` holds
//! generation `g` (SB-1); the newest valid slot wins (SB-2).

use super::cursor::{put_u32_le, put_u64_le, Cursor};

pub(crate) const MAGIC: [u8; 8] = *b"CRDTSUPR";
pub(crate) const LEN: usize = 64;
const CRC_OFFSET: usize = 60;

/// First page of slot 0; slot 1 is the next page.
pub(crate) const FIRST_SLOT_PAGE: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Superblock {
    pub generation: u64,
    pub manifest_page: u64,
    pub manifest_len: u32,
}

impl Superblock {
    /// The page this generation is written to (SB-1).
    pub(crate) fn slot_page(generation: u64) -> u64 {
        FIRST_SLOT_PAGE + generation % 2
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        out.extend_from_slice(&MAGIC);
        put_u64_le(&mut out, self.generation);
        put_u64_le(&mut out, self.manifest_page);
        put_u32_le(&mut out, self.manifest_len);
        out.resize(CRC_OFFSET, 0);
        let crc = crc32fast::hash(&out);
        put_u32_le(&mut out, crc);
        out
    }

    /// `None` if the slot is not valid (SB-2): wrong magic, bad crc, or generation 0.
    pub(crate) fn decode(buf: &[u8]) -> Option<Superblock> {
        let mut c = Cursor::new(buf, "superblock");
        if c.bytes(8).ok()? != MAGIC {
            return None;
        }
        let generation = c.u64_le().ok()?;
        let manifest_page = c.u64_le().ok()?;
        let manifest_len = c.u32_le().ok()?;
        c.bytes(CRC_OFFSET - 28).ok()?;
        let crc = c.u32_le().ok()?;
        let covered = buf.get(..CRC_OFFSET)?;
        if crc != crc32fast::hash(covered) || generation == 0 {
            return None;
        }
        Some(Superblock {
            generation,
            manifest_page,
            manifest_len,
        })
    }

    /// The bytes written to a slot page: the record twice (SB-2).
    pub(crate) fn encode_slot(&self) -> Vec<u8> {
        let one = self.encode();
        let mut out = one.clone();
        out.extend_from_slice(&one);
        out
    }

    /// SB-2: the valid copy with the highest generation among the slot pages given.
    pub(crate) fn newest(slots: &[&[u8]]) -> Option<Superblock> {
        slots
            .iter()
            .flat_map(|page| [page.get(..LEN), page.get(LEN..2 * LEN)])
            .flatten()
            .filter_map(Self::decode)
            .max_by_key(|sb| sb.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sb_1_2_newest_valid_wins() {
        let a = Superblock {
            generation: 4,
            manifest_page: 3,
            manifest_len: 68,
        };
        let b = Superblock { generation: 5, ..a };
        assert_eq!(Superblock::slot_page(4), 1);
        assert_eq!(Superblock::slot_page(5), 2);
        let (ea, eb) = (a.encode_slot(), b.encode_slot());
        assert_eq!(ea.len(), 2 * LEN);
        assert_eq!(Superblock::newest(&[&ea, &eb]), Some(b));
        // One damaged copy: the other copy of the same slot still wins.
        let mut flipped = eb.clone();
        flipped[20] ^= 1;
        assert_eq!(Superblock::newest(&[&ea, &flipped]), Some(b));
        // Both copies torn: the older slot wins.
        let mut torn = flipped.clone();
        torn[LEN + 20] ^= 1;
        assert_eq!(Superblock::newest(&[&ea, &torn]), Some(a));
        assert_eq!(Superblock::newest(&[&torn, &[0; 64]]), None);
        let zero_gen = Superblock { generation: 0, ..a };
        assert_eq!(Superblock::decode(&zero_gen.encode()), None);
    }
}
