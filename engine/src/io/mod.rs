//! The I/O seam: every file operation of the native engine goes through [`FileIo`].
//!
//! [`RealFile`] is the production implementation (positional writes, `fsync`, reads through
//! a memory map, an exclusive `flock`-style lock for writers). [`SimDisk`] is an in-memory
//! disk for tests that can fail a chosen write or sync, and simulate a power cut that drops,
//! keeps or tears each write made since the last successful sync.

pub(crate) mod real;
mod sim;

pub use real::{readers_file, RealFile};
pub use sim::{CutMode, SimDisk};

use std::io;

/// File operations used by the engine. Offsets are absolute byte offsets.
pub trait FileIo: Send + Sync + std::fmt::Debug {
    /// Fill `buf` from `offset`; reading past the end is `UnexpectedEof`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Call `f` with the `len` bytes at `offset` where they lie, without copying them, if
    /// this implementation can (a memory map); returns `Ok(true)` once `f` has run, or
    /// `Ok(false)` without calling it, and the caller then copies with
    /// [`FileIo::read_at`]. The slice lives only during the call: the implementation keeps
    /// the bytes mapped until `f` returns. The default never lends bytes.
    fn read_in_place(&self, offset: u64, len: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<bool> {
        let _ = (offset, len, f);
        Ok(false)
    }
    /// Write all of `data` at `offset`, growing the file if needed.
    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()>;
    /// Make every write so far durable.
    fn sync(&self) -> io::Result<()>;
    /// Current length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Shrink the file to `len` bytes (the engine calls it only for pages that no durable
    /// manifest and no reader references). The default keeps the file as it is: a file
    /// longer than its high-water mark is always valid.
    fn truncate(&self, len: u64) -> io::Result<()> {
        let _ = len;
        Ok(())
    }
    /// Whether a read-only open (another open of the file) is registered as a reader. While
    /// one is, the writer does not reuse freed pages, so the reader's runs stay intact.
    fn readers_present(&self) -> bool {
        false
    }
    /// Whether the file is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}
