//! Checked reading and writing of the text encoding's primitives
//! (`format-spec/text-encoding.md`, "Notation"): LEB128 varints, zigzag, raw bytes. The
//! [`Reader`] never reads past its input and reports the byte offset of every problem.

use crate::Error;
use alloc::string::ToString;
use alloc::vec::Vec;

/// Appends `v` as an unsigned LEB128 varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7F) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `d` as unsigned: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...
pub(super) fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}

/// The inverse of [`zigzag`].
pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A cursor over untrusted bytes.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The offset of the next byte.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// A decode error at the current offset.
    pub fn error(&self, reason: &str) -> Error {
        Error::Decode {
            offset: self.pos,
            reason: reason.to_string(),
        }
    }

    pub fn u8(&mut self) -> Result<u8, Error> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.error("unexpected end of input"))?;
        self.pos += 1;
        Ok(b)
    }

    /// `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.error("length runs past the end of the input"))?;
        let s = self.buf.get(self.pos..end).unwrap_or(&[]);
        self.pos = end;
        Ok(s)
    }

    /// An unsigned LEB128 varint of at most 10 bytes that fits in 64 bits.
    pub fn varint(&mut self) -> Result<u64, Error> {
        let start = self.pos;
        let mut v: u64 = 0;
        for i in 0..10u32 {
            let b = self.u8()?;
            let part = u64::from(b & 0x7F);
            if i == 9 && part > 1 {
                self.pos = start;
                return Err(self.error("varint does not fit in 64 bits"));
            }
            v |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.pos = start;
        Err(self.error("varint longer than 10 bytes"))
    }

    /// A count of items that take at least one byte each: at most the bytes left (TXT-2).
    pub fn count(&mut self, what: &str) -> Result<usize, Error> {
        let at = self.pos;
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => {
                self.pos = at;
                Err(self.error(&alloc::format!(
                    "{what} count {n} exceeds the {} bytes left",
                    self.remaining()
                )))
            }
        }
    }
}
