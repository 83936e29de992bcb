//! [`SimDisk`]: an in-memory disk with fault injection for crash tests.
//!
//! It keeps the *durable* image (what survives a power cut) and the *current* image (what
//! reads see), plus the list of writes since the last successful sync. Faults:
//! - `fail_op(n)`: the n-th I/O operation (write or sync, counted from 1) fails, and every
//!   later one too (the machine is dying); a failing write may be applied partially.
//! - `power_cut(mode, seed)`: the current image becomes the durable image plus, per
//!   [`CutMode`], none / all / a random subset of the unsynced writes, the last one
//!   possibly torn at a random byte.

use std::io;
use std::sync::Arc;

use parking_lot::Mutex;

use super::FileIo;

/// What survives of the unsynced writes at a power cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutMode {
    /// Every unsynced write is lost.
    DropAll,
    /// Every unsynced write survives (as if the cache was flushed in time).
    KeepAll,
    /// Each unsynced write survives or not at random; a surviving one may be torn.
    Random,
}

#[derive(Debug, Default)]
struct State {
    durable: Vec<u8>,
    current: Vec<u8>,
    unsynced: Vec<Op>,
    ops: u64,
    fail_from: Option<u64>,
    fail_only: bool,
    rng: u64,
    syncs: u64,
    sync_delay: std::time::Duration,
    fail_next_sync: bool,
    readers: bool,
}

impl State {
    fn next_rand(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn tick(&mut self) -> bool {
        self.ops += 1;
        match self.fail_from {
            Some(n) if self.fail_only => self.ops == n,
            Some(n) => self.ops >= n,
            None => false,
        }
    }
}

/// An operation not yet synced: a write, or a truncation (`None` data) to `offset` bytes.
type Op = (u64, Option<Vec<u8>>);

fn apply_op(image: &mut Vec<u8>, offset: u64, data: Option<&[u8]>) {
    match data {
        Some(d) => apply(image, offset, d),
        None => image.truncate(usize::try_from(offset).unwrap_or(usize::MAX)),
    }
}

fn apply(image: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let Ok(start) = usize::try_from(offset) else {
        return;
    };
    let end = start + data.len();
    if image.len() < end {
        image.resize(end, 0);
    }
    if let Some(dst) = image.get_mut(start..end) {
        dst.copy_from_slice(data);
    }
}

/// A simulated disk holding one file. Clone the `Arc` to reopen "the same file".
#[derive(Debug, Default)]
pub struct SimDisk {
    state: Mutex<State>,
}

impl SimDisk {
    /// An empty disk.
    pub fn new() -> Arc<SimDisk> {
        Arc::new(SimDisk::default())
    }

    /// A disk whose file holds `bytes`, all durable.
    pub fn with_bytes(bytes: Vec<u8>) -> Arc<SimDisk> {
        let disk = SimDisk::default();
        {
            let mut s = disk.state.lock();
            s.durable = bytes.clone();
            s.current = bytes;
        }
        Arc::new(disk)
    }

    /// Operations (writes and syncs) performed so far.
    pub fn ops(&self) -> u64 {
        self.state.lock().ops
    }

    /// Successful syncs so far.
    pub fn syncs(&self) -> u64 {
        self.state.lock().syncs
    }

    /// Pretend a read-only open in another process is registered (see
    /// [`FileIo::readers_present`]).
    pub fn set_readers_present(&self, present: bool) {
        self.state.lock().readers = present;
    }

    /// Make every sync take this long (to test group commit).
    pub fn set_sync_delay(&self, delay: std::time::Duration) {
        self.state.lock().sync_delay = delay;
    }

    /// Make the next sync fail (once), whichever operation it is.
    pub fn fail_next_sync(&self) {
        self.state.lock().fail_next_sync = true;
    }

    /// Make operation number `n` (counted from 1) and all later ones fail.
    pub fn fail_from(&self, n: u64) {
        let mut s = self.state.lock();
        s.fail_from = Some(n);
        s.fail_only = false;
    }

    /// Make only operation number `n` fail (e.g. one failing sync).
    pub fn fail_once(&self, n: u64) {
        let mut s = self.state.lock();
        s.fail_from = Some(n);
        s.fail_only = true;
    }

    /// Simulate a power cut: see [`CutMode`]. Clears any injected failure.
    pub fn power_cut(&self, mode: CutMode, seed: u64) {
        let mut s = self.state.lock();
        s.rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut image = std::mem::take(&mut s.durable);
        let writes = std::mem::take(&mut s.unsynced);
        let n = writes.len();
        for (i, (off, data)) in writes.into_iter().enumerate() {
            let keep = match mode {
                CutMode::DropAll => false,
                CutMode::KeepAll => true,
                CutMode::Random => s.next_rand().is_multiple_of(2),
            };
            if !keep {
                continue;
            }
            let Some(data) = data else {
                apply_op(&mut image, off, None);
                continue;
            };
            let torn = mode == CutMode::Random && i + 1 == n && s.next_rand().is_multiple_of(2);
            let len = if torn && !data.is_empty() {
                (s.next_rand() % data.len() as u64) as usize
            } else {
                data.len()
            };
            apply(&mut image, off, data.get(..len).unwrap_or(&[]));
        }
        s.current = image.clone();
        s.durable = image;
        s.fail_from = None;
    }

    /// The bytes a reader sees now.
    pub fn bytes(&self) -> Vec<u8> {
        self.state.lock().current.clone()
    }

    /// A [`FileIo`] handle on this disk.
    pub fn file(self: &Arc<Self>) -> Arc<dyn FileIo> {
        Arc::new(SimFile {
            disk: Arc::clone(self),
        })
    }
}

#[derive(Debug)]
struct SimFile {
    disk: Arc<SimDisk>,
}

fn injected() -> io::Error {
    io::Error::other("injected I/O failure")
}

impl FileIo for SimFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let s = self.disk.state.lock();
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let src = s
            .current
            .get(start..start.saturating_add(buf.len()))
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Lends the bytes under the disk's lock, so that the tests on a `SimDisk` run the
    /// engine's in-place read path too.
    fn read_in_place(&self, offset: u64, len: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<bool> {
        let s = self.disk.state.lock();
        let src = usize::try_from(offset)
            .ok()
            .and_then(|start| s.current.get(start..start.checked_add(len)?));
        // Out of range: the caller's `read_at` reports it.
        let Some(src) = src else { return Ok(false) };
        f(src);
        Ok(true)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut s = self.disk.state.lock();
        if s.tick() {
            // A dying write may reach the cache partially.
            let len = (s.next_rand() % (data.len() as u64 + 1)) as usize;
            let part = data.get(..len).unwrap_or(&[]).to_vec();
            apply(&mut s.current, offset, &part);
            s.unsynced.push((offset, Some(part)));
            return Err(injected());
        }
        apply(&mut s.current, offset, data);
        s.unsynced.push((offset, Some(data.to_vec())));
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        let delay = self.disk.state.lock().sync_delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut s = self.disk.state.lock();
        if s.tick() || std::mem::take(&mut s.fail_next_sync) {
            return Err(injected());
        }
        s.syncs += 1;
        let writes = std::mem::take(&mut s.unsynced);
        for (off, data) in writes {
            apply_op(&mut s.durable, off, data.as_deref());
        }
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.disk.state.lock().current.len() as u64)
    }

    fn truncate(&self, len: u64) -> io::Result<()> {
        let mut s = self.disk.state.lock();
        if s.tick() {
            return Err(injected());
        }
        apply_op(&mut s.current, len, None);
        s.unsynced.push((len, None));
        Ok(())
    }

    fn readers_present(&self) -> bool {
        self.disk.state.lock().readers
    }
}
