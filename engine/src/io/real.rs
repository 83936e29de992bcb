//! [`RealFile`]: the production [`FileIo`] over `std::fs::File`.
//!
//! Writes use positional `pwrite`; reads copy from a shared read-only memory map of the
//! file (memmap2), remapped when the file has grown past it. The engine never shrinks a
//! file, which is what makes the map safe to keep (format-spec/README.md, medium).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;
use parking_lot::RwLock;

use super::FileIo;

/// A real file.
#[derive(Debug)]
pub struct RealFile {
    file: File,
    map: RwLock<Option<Arc<Mmap>>>,
}

/// Why a writable open could not get the lock.
#[derive(Debug)]
pub(crate) enum OpenFailure {
    Io(io::Error),
    Locked,
}

impl RealFile {
    /// Open (creating if missing) for reading and writing, holding an exclusive lock.
    pub(crate) fn open_locked(path: &Path) -> Result<RealFile, OpenFailure> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(OpenFailure::Io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(OpenFailure::Locked),
            Err(std::fs::TryLockError::Error(e)) => return Err(OpenFailure::Io(e)),
        }
        Ok(RealFile {
            file,
            map: RwLock::new(None),
        })
    }

    /// Open an existing file read-only, without the writer lock, registered as a reader
    /// before anything is read (see [`FileIo::readers_present`]).
    pub(crate) fn open_read_only(path: &Path) -> io::Result<RealFile> {
        let file = OpenOptions::new().read(true).open(path)?;
        // Best effort: without registration a writer may reuse pages this reader maps,
        // which then reads as `Corrupted`, never as wrong data (blocks are checksummed).
        let _ = reader_lock::register(&file);
        Ok(RealFile {
            file,
            map: RwLock::new(None),
        })
    }

    fn mapped(&self, end: u64) -> io::Result<Option<Arc<Mmap>>> {
        if let Some(m) = self.map.read().as_ref() {
            if m.len() as u64 >= end {
                return Ok(Some(Arc::clone(m)));
            }
        }
        let len = self.file.metadata()?.len();
        if len < end || len == 0 {
            return Ok(None);
        }
        // SAFETY: the map is read-only and the engine never truncates the file; other
        // processes are expected not to truncate a `.crdt` file that is open
        // (format-spec/README.md, "What is assumed of the medium").
        #[allow(unsafe_code)]
        let map = Arc::new(unsafe { Mmap::map(&self.file)? });
        *self.map.write() = Some(Arc::clone(&map));
        Ok(Some(map))
    }
}

impl FileIo for RealFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.saturating_add(buf.len() as u64);
        if let Some(map) = self.mapped(end)? {
            let range = usize::try_from(offset).ok().zip(usize::try_from(end).ok());
            if let Some(src) = range.and_then(|(s, e)| map.get(s..e)) {
                buf.copy_from_slice(src);
                return Ok(());
            }
        }
        self.file.read_exact_at(buf, offset)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.file.write_all_at(data, offset)
    }

    fn sync(&self) -> io::Result<()> {
        // fdatasync: flushes the data and the metadata needed to read it back (the size).
        self.file.sync_data()
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        // Drop the map first: pages past the new end must not be reachable through it
        // (reading them would fault). Reads in flight hold their own `Arc` of the old map
        // and only touch pages below `len`, which stay mapped.
        let mut map = self.map.write();
        *map = None;
        self.file.set_len(len)
    }

    fn readers_present(&self) -> bool {
        reader_lock::present(&self.file)
    }
}

/// Reader registration: a shared open-file-description lock on byte 1 of the file (Linux
/// `F_OFD_SETLK`), which the writer probes with `F_OFD_GETLK`. OFD locks belong to the open
/// file, so they also work between handles of one process, and they are independent of the
/// whole-file writer lock.
#[cfg(target_os = "linux")]
mod reader_lock {
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;

    fn lock_request(kind: libc::c_short) -> libc::flock {
        // SAFETY: `flock` is a plain C struct for which all-zero bytes are a valid value.
        #[allow(unsafe_code)]
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = kind;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        fl.l_start = 1;
        fl.l_len = 1;
        fl
    }

    pub(super) fn register(file: &File) -> io::Result<()> {
        let mut fl = lock_request(libc::F_RDLCK as libc::c_short);
        // SAFETY: valid fd for the life of `file`; `fl` is a valid, exclusively borrowed
        // flock struct as F_OFD_SETLK requires.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    pub(super) fn present(file: &File) -> bool {
        let mut fl = lock_request(libc::F_WRLCK as libc::c_short);
        // SAFETY: as above; F_OFD_GETLK writes the conflicting lock (if any) into `fl`.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut fl) };
        // On failure (old kernel) assume no readers rather than never reusing pages.
        rc == 0 && fl.l_type != libc::F_UNLCK as libc::c_short
    }
}

#[cfg(not(target_os = "linux"))]
mod reader_lock {
    use std::fs::File;
    use std::io;

    pub(super) fn register(_file: &File) -> io::Result<()> {
        Ok(())
    }

    pub(super) fn present(_file: &File) -> bool {
        false
    }
}
