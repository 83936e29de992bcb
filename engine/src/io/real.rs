//! [`RealFile`]: the production [`FileIo`] over `std::fs::File`.
//!
//! Writes use positional writes (`pwrite` on Unix, `WriteFile` at an offset on Windows);
//! reads copy from, or look in place into ([`FileIo::read_in_place`]), a shared read-only
//! memory map of the file (memmap2), remapped when the file has grown past it. The writer shrinks the file only while no reader is registered
//! (SB-6) and drops its own map first, which is what makes the maps safe to keep
//! (format-spec/README.md, medium).
//!
//! Locks (all through `std::fs::File`'s advisory locks: `flock` on Unix, `LockFileEx` on
//! Windows), see format-spec/header-and-superblocks.md:
//! - the writer lock: an exclusive lock on the database file (on Windows, whose locks are
//!   mandatory and would block readers, on the side file `<path>-lock`);
//! - reader registration (SB-5): every read-only open holds a shared lock on the side file
//!   `<path>-readers` for its lifetime; the writer probes it with a non-blocking exclusive
//!   lock, which fails while any reader holds it.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use parking_lot::RwLock;

use super::FileIo;

/// A real file.
#[derive(Debug)]
pub struct RealFile {
    file: File,
    map: RwLock<Option<Arc<Mmap>>>,
    /// The reader-registration side file (SB-5).
    readers: PathBuf,
    /// A read-only open's registration (its shared lock), held until it is dropped.
    _registration: Option<File>,
    /// The writer lock, where it is not on the file itself (Windows).
    _writer_lock: Option<File>,
    /// Whether reads may go through the memory map: not for a reader that could not
    /// register, since a writer that does not know of it may cut the file (SB-6), and
    /// touching a mapped page past the end of a file is a fault, not an error.
    use_map: bool,
}

/// Why a writable open could not get the lock.
#[derive(Debug)]
pub(crate) enum OpenFailure {
    Io(io::Error),
    Locked,
}

/// `<path><suffix>`: a side file next to the database.
fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// The file whose shared locks register readers (SB-5): `<path>-readers`.
pub fn readers_file(path: &Path) -> PathBuf {
    side_file(path, "-readers")
}

/// Take the writer lock on `file` (non-blocking).
fn lock_exclusive(file: &File) -> Result<(), OpenFailure> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(OpenFailure::Locked),
        Err(TryLockError::Error(e)) => Err(OpenFailure::Io(e)),
    }
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
        let writer_lock = if cfg!(windows) {
            let side = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(side_file(path, "-lock"))
                .map_err(OpenFailure::Io)?;
            lock_exclusive(&side)?;
            Some(side)
        } else {
            lock_exclusive(&file)?;
            None
        };
        // The writer creates the readers' side file (SB-5), so a read-only open of a
        // database this engine has written creates no file (read tools promise that).
        // Best effort: without it, readers create it themselves or read unregistered.
        let _ = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(readers_file(path));
        Ok(RealFile {
            file,
            map: RwLock::new(None),
            readers: readers_file(path),
            _registration: None,
            _writer_lock: writer_lock,
            use_map: true,
        })
    }

    /// Open an existing file read-only, without the writer lock, registered as a reader
    /// before anything is read (see [`FileIo::readers_present`]).
    pub(crate) fn open_read_only(path: &Path) -> io::Result<RealFile> {
        let file = OpenOptions::new().read(true).open(path)?;
        let readers = readers_file(path);
        // Best effort: a reader that cannot register (a read-only directory without the
        // side file, a file system without locks) may meet pages a writer reused or cut,
        // which read as `Corrupted` (blocks are checksummed), never as wrong data; it reads
        // with `pread` rather than the map, so a cut file is an error, not a fault.
        let registration = register(&readers);
        Ok(RealFile {
            file,
            map: RwLock::new(None),
            readers,
            use_map: registration.is_some(),
            _registration: registration,
            _writer_lock: None,
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
        // SAFETY: the map is read-only. The writer shrinks the file only while no reader
        // is registered and only by pages no durable manifest references (SB-6), after
        // dropping its own map; other processes are expected not to truncate a `.crdt`
        // file that is open (format-spec/README.md, "What is assumed of the medium").
        #[allow(unsafe_code)]
        let map = Arc::new(unsafe { Mmap::map(&self.file)? });
        *self.map.write() = Some(Arc::clone(&map));
        Ok(Some(map))
    }
}

/// Register a reader: a shared lock on the side file, held as long as the returned file.
fn register(readers: &Path) -> Option<File> {
    let side = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(readers)
        .or_else(|_| OpenOptions::new().read(true).open(readers))
        .ok()?;
    // Blocking: the writer holds the exclusive lock only for the instant of a probe.
    side.lock_shared().ok()?;
    Some(side)
}

/// Whether a reader is registered. When this cannot be told (the side file cannot be
/// opened or locked), the answer is yes: the writer then neither reuses pages nor shrinks
/// the file, which is always safe.
fn readers_registered(readers: &Path) -> bool {
    let side = match OpenOptions::new().read(true).open(readers) {
        Ok(f) => f,
        // No reader ever registered next to this file.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return false,
        Err(_) => return true,
    };
    match side.try_lock() {
        Ok(()) => {
            let _ = side.unlock();
            false
        }
        Err(_) => true,
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_all_at(file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = buf.get_mut(n..).unwrap_or_default();
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_all_at(file: &File, mut data: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !data.is_empty() {
        match file.seek_write(data, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                data = data.get(n..).unwrap_or_default();
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl FileIo for RealFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.saturating_add(buf.len() as u64);
        if !self.use_map {
            return read_exact_at(&self.file, buf, offset);
        }
        if let Some(map) = self.mapped(end)? {
            let range = usize::try_from(offset).ok().zip(usize::try_from(end).ok());
            if let Some(src) = range.and_then(|(s, e)| map.get(s..e)) {
                buf.copy_from_slice(src);
                return Ok(());
            }
        }
        read_exact_at(&self.file, buf, offset)
    }

    fn read_in_place(&self, offset: u64, len: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<bool> {
        if !self.use_map {
            return Ok(false);
        }
        let end = offset.saturating_add(len as u64);
        let Some((s, e)) = usize::try_from(offset).ok().zip(usize::try_from(end).ok()) else {
            return Ok(false);
        };
        // `f` runs under the map's read lock: `truncate` takes the write lock before it
        // drops the map and cuts the file, so no page can be cut while `f` looks at it.
        // (The engine cuts only pages no live run uses, and the caller holds its run; the
        // lock makes this independent of that reasoning.)
        for _ in 0..2 {
            {
                let map = self.map.read();
                if let Some(src) = map.as_ref().and_then(|m| m.get(s..e)) {
                    f(src);
                    return Ok(true);
                }
            }
            // The file grew past the map (or was never mapped): map it again, then retry
            // under the lock.
            if self.mapped(end)?.is_none() {
                return Ok(false);
            }
        }
        Ok(false)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        write_all_at(&self.file, data, offset)
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
        readers_registered(&self.readers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SB-5: a reader holds a shared lock on `<path>-readers`; the writer's probe sees it,
    /// and answers "registered" whenever it cannot tell.
    #[test]
    fn sb_5_registration_through_the_readers_side_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.crdt");
        let side = readers_file(&db);
        assert_eq!(side, dir.path().join("a.crdt-readers"));
        assert!(!readers_registered(&side), "no side file: no reader");
        let reader = register(&side).expect("registers");
        assert!(readers_registered(&side));
        let second = register(&side).expect("readers share the lock");
        drop(reader);
        assert!(readers_registered(&side));
        drop(second);
        assert!(!readers_registered(&side));
        // Cannot tell (the side file's directory is a regular file): assume a reader.
        let not_a_dir = dir.path().join("plain");
        std::fs::write(&not_a_dir, b"").unwrap();
        assert!(readers_registered(&readers_file(&not_a_dir.join("b.crdt"))));
    }
}
