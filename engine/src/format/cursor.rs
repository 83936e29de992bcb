//! Checked byte cursor for decoding on-disk structures, and the [`Bad`] decode error.
//!
//! Every read checks the remaining length first and returns [`Bad`] instead of panicking, so
//! decoders never slice out of bounds on damaged bytes (STYLE.md habit 5). All integers are
//! little-endian except where a decoder asks for big-endian (keys, format-spec/keys.md).

use std::path::Path;

use crate::error::Error;

/// A decode failure before the caller knows the file and absolute offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bad {
    /// Structure name as in format-spec/.
    pub structure: &'static str,
    /// What check failed.
    pub detail: String,
}

impl Bad {
    pub(crate) fn new(structure: &'static str, detail: impl Into<String>) -> Self {
        Bad {
            structure,
            detail: detail.into(),
        }
    }

    /// Attach the file and absolute offset, giving the public error.
    pub(crate) fn at(self, path: &Path, offset: u64) -> Error {
        Error::Corrupted {
            path: path.to_path_buf(),
            offset,
            structure: self.structure,
            detail: self.detail,
        }
    }
}

/// Reads fixed-width integers and byte strings from a slice, never past its end.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    structure: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], structure: &'static str) -> Self {
        Cursor {
            buf,
            pos: 0,
            structure,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn bad(&self, detail: impl Into<String>) -> Bad {
        Bad::new(self.structure, detail)
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                self.bad(format!(
                    "needs {n} bytes at {}, only {} left",
                    self.pos,
                    self.remaining()
                ))
            })?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| self.bad("range"))?;
        self.pos = end;
        Ok(out)
    }

    /// Remaining bytes, consuming them.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let out = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        out
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Bad> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Bad> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16_le(&mut self) -> Result<u16, Bad> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub(crate) fn u16_be(&mut self) -> Result<u16, Bad> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub(crate) fn u32_le(&mut self) -> Result<u32, Bad> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64_le(&mut self) -> Result<u64, Bad> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64_be(&mut self) -> Result<u64, Bad> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `u32 LE` length followed by that many bytes, the length checked against `max`
    /// and against the remaining bytes before anything is allocated.
    pub(crate) fn len_prefixed(&mut self, max: usize, what: &str) -> Result<&'a [u8], Bad> {
        let len = self.u32_le()? as usize;
        if len > max {
            return Err(self.bad(format!("{what} length {len} exceeds {max}")));
        }
        self.bytes(len)
    }
}

/// Little-endian writers for encoders.
pub(crate) fn put_u16_le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_u32_le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_u64_le(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Length as `u32` for an encoder; lengths are bounded by the limits so this cannot fail in
/// practice, but it saturates instead of truncating, and the decoder's checks catch it.
pub(crate) fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
