//! The write path, run under the writer lock: commit (log append, durability, memtable),
//! flush (memtable to run, log rotation), compaction (merge runs), and `publish`, the
//! manifest + superblock protocol of format-spec/header-and-superblocks.md.
//!
//! Invariants: a commit's records are written before its mutations become visible; after
//! any failed write or sync the handle is poisoned (LOG-8); nothing the newest durable
//! manifest references is overwritten (SB-4): new runs and manifests go to free pages, and
//! replaced runs are only released after the superblock flip, once no reader holds them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::Result;
use crate::format::header::PAGE_SIZE;
use crate::format::manifest::{Extent, Manifest, RunMeta, MAX_LOG_PAGES};
use crate::format::superblock::Superblock;
use crate::format::{commit as commit_codec, log_record};
use crate::keys;
use crate::kv::{Entry, Mutation};
use crate::limits;

use super::alloc::Allocator;
use super::run::{self, Run};
use super::{compaction, Durability, Inner};

/// State owned by the writer lock.
#[derive(Debug)]
pub(crate) struct Writer {
    /// The newest durable manifest.
    pub manifest: Manifest,
    /// Where that manifest lives.
    pub manifest_extent: Extent,
    /// Next free byte in the log extent.
    pub log_pos: usize,
    pub alloc: Allocator,
    /// Runs replaced by compaction, released once no reader holds them.
    pub retired: Vec<Arc<Run>>,
    pub next_commit: u64,
}

/// Group commit ([`Durability::GroupCommit`]): committers that wait for durability elect
/// one leader, which syncs everything written so far; the others park and are all woken
/// at once when that sync is over (no lock is handed from one to the next). A committer
/// whose commit a finished sync covers returns without taking any lock.
///
/// The leader may first wait for more commits, as RocksDB's write-thread leader collects
/// its group or PostgreSQL's `commit_delay` does when `commit_siblings` transactions are
/// active: when the last groups had several members, it parks until the commits in flight
/// are written and at least as many as the recent peak group are (the committer whose
/// commit completes the group wakes it), for at most half the measured sync time (capped
/// at [`MAX_GATHER`]). A lone writer (groups of one) never waits; after a burst of
/// concurrent writers, the peak decays by a quarter per sync.
#[derive(Debug, Default)]
pub(super) struct GroupCommit {
    /// The highest commit number known to be durable (raised only by a successful sync).
    synced: AtomicU64,
    /// The highest commit number written to the log.
    written: AtomicU64,
    /// Committers between the start of `kv_commit` and the return of `group_sync`.
    in_flight: AtomicU64,
    /// Recent peak group size: the last group's size, or the previous peak decayed.
    peak: AtomicU64,
    /// Moving average of the leaders' sync times, in nanoseconds.
    sync_nanos: AtomicU64,
    state: parking_lot::Mutex<Leadership>,
}

#[derive(Debug, Default)]
struct Leadership {
    leading: bool,
    /// Committers waiting for the running sync.
    parked: Vec<std::thread::Thread>,
    /// A leader waiting for its group to reach this many commits.
    gatherer: Option<(std::thread::Thread, u64)>,
}

/// The longest a group-commit leader waits for more commits.
pub(super) const MAX_GATHER: std::time::Duration = std::time::Duration::from_millis(1);

/// Counts a committer as in flight until dropped.
pub(super) struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Ends a leadership (also if the leader unwinds): the waiters are all woken at once, and
/// none needs a lock to see the outcome.
struct StepDown<'a>(&'a GroupCommit);

impl Drop for StepDown<'_> {
    fn drop(&mut self) {
        let parked = {
            let mut st = self.0.state.lock();
            st.leading = false;
            std::mem::take(&mut st.parked)
        };
        for t in parked {
            t.unpark();
        }
    }
}

impl GroupCommit {
    /// Count a committer in flight (see [`GroupCommit`]) until the guard drops.
    pub(super) fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(&self.in_flight)
    }

    /// The highest commit number written to the log.
    pub(super) fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Commits written but not yet known durable.
    fn uncovered(&self) -> u64 {
        let written = self.written.load(Ordering::Acquire);
        written.saturating_sub(self.synced.load(Ordering::Acquire))
    }

    /// Wait (bounded) for the group to fill; returns its size when the leader goes on.
    /// The leader parks; the committer whose commit fills the group wakes it.
    fn gather(&self) -> u64 {
        let peak = self.peak.load(Ordering::Relaxed);
        let mut group = self.uncovered();
        if peak <= 1 {
            return group;
        }
        let bound = std::time::Duration::from_nanos(self.sync_nanos.load(Ordering::Relaxed) / 2)
            .min(MAX_GATHER);
        let start = std::time::Instant::now();
        loop {
            let want = peak.max(self.in_flight.load(Ordering::Acquire));
            let left = bound.saturating_sub(start.elapsed());
            if group >= want || left.is_zero() {
                self.state.lock().gatherer = None;
                return group;
            }
            {
                let mut st = self.state.lock();
                // Checked under the lock, where committers look for a gatherer to wake:
                // a commit that fills the group after this check sees the gatherer.
                group = self.uncovered();
                if group >= want {
                    continue;
                }
                st.gatherer = Some((std::thread::current(), want));
            }
            std::thread::park_timeout(left);
            group = self.uncovered();
        }
    }

    /// Note a finished sync that took `took` for a group of `group` commits.
    fn record(&self, took: std::time::Duration, group: u64) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let avg = self.sync_nanos.load(Ordering::Relaxed);
        let avg = if avg == 0 {
            nanos
        } else {
            avg - avg / 8 + nanos / 8
        };
        self.sync_nanos.store(avg, Ordering::Relaxed);
        // The peak decays by a quarter (at least one) per smaller group, so that after a
        // burst (or a pipelined writer's large group) leaders soon stop waiting for it.
        let peak = self.peak.load(Ordering::Relaxed);
        let decayed = peak.saturating_sub((peak / 4).max(1));
        self.peak.store(group.max(decayed), Ordering::Relaxed);
    }
}

/// The largest the log grows to without a commit that needs more (`Options::log_pages`).
pub(super) fn max_log_pages(opts: &super::Options) -> u32 {
    opts.log_pages.clamp(1, MAX_LOG_PAGES)
}

pub(super) fn pages_for(len: usize) -> u32 {
    u32::try_from(len.div_ceil(PAGE_SIZE)).unwrap_or(u32::MAX)
}

impl Inner {
    pub(super) fn write(&self, offset: u64, data: &[u8], op: &'static str) -> Result<()> {
        match self.io.write_at(offset, data) {
            Ok(()) => Ok(()),
            Err(e) => self.poison(op, e),
        }
    }

    pub(super) fn sync(&self, op: &'static str) -> Result<()> {
        match self.io.sync() {
            Ok(()) => Ok(()),
            Err(e) => self.poison(op, e),
        }
    }

    /// The run version this file's new runs get: the file's (HDR-4).
    pub(super) fn run_version(&self) -> u8 {
        crate::format::header::run_version(self.file_version)
    }

    /// Append one commit; returns its number, or `None` if there was nothing to commit.
    pub(super) fn commit(
        &self,
        w: &mut Writer,
        resolve: &mut dyn FnMut() -> Result<Vec<Mutation>>,
    ) -> Result<Option<u64>> {
        let mutations = resolve()?;
        if mutations.is_empty() {
            return Ok(None);
        }
        let payload = commit_codec::encode(&mutations);
        limits::commit(payload.len())?;
        let log_bytes = w.manifest.log.byte_len() as usize;
        let mut framed = log_record::frame(&payload, w.manifest.log_id, w.log_pos);
        if w.log_pos + framed.len() > log_bytes {
            // The log is full: flush the memtable and start a log twice as large (up to
            // `Options::log_pages`), or as large as this commit needs.
            let needed = u32::try_from(log_record::pages_needed(payload.len()))
                .unwrap_or(u32::MAX)
                .min(MAX_LOG_PAGES);
            let doubled = w
                .manifest
                .log
                .pages
                .saturating_mul(2)
                .min(max_log_pages(&self.opts));
            self.flush(w, Some(needed.max(doubled)))?;
            framed = log_record::frame(&payload, w.manifest.log_id, w.log_pos);
        }
        let at = w.manifest.log.byte_offset() + w.log_pos as u64;
        self.write(at, &framed, "append to log")?;
        w.log_pos += framed.len();
        let n = w.next_commit;
        w.next_commit += 1;
        self.group.written.store(n, Ordering::Release);
        if self.opts.durability == Durability::Immediate {
            self.sync("sync log")?;
        }
        let full = {
            let mut v = self.view.write();
            for m in mutations {
                let (k, val) = match m {
                    Mutation::Put(k, val) => (k, Some(val)),
                    Mutation::Delete(k) => (k, None),
                };
                v.mem_bytes += k.len() + val.as_ref().map_or(0, Vec::len) + 32;
                v.mem.insert(k, val);
            }
            v.mem_bytes >= self.opts.memtable_bytes
        };
        if full {
            self.flush(w, None)?;
        }
        Ok(Some(n))
    }

    /// Group commit: return once commit `n` (already written to the log) is durable,
    /// sharing one sync with every other commit written meanwhile. See [`GroupCommit`].
    pub(super) fn group_sync(&self, n: u64) -> Result<()> {
        let g = &self.group;
        loop {
            // Covered: a successful sync that started after commit `n` was written has
            // completed, whatever happened since. No lock on this path.
            if g.synced.load(Ordering::Acquire) >= n {
                return Ok(());
            }
            if self.poisoned.load(Ordering::Acquire) {
                return Err(crate::Error::Poisoned);
            }
            let mut st = g.state.lock();
            // Checked again under the lock: a leader raises `synced` (or poisons) before it
            // takes the lock to step down, so a waiter that finds a leader here is parked
            // before that leader's wake-up list is taken.
            if g.synced.load(Ordering::Acquire) >= n {
                return Ok(());
            }
            if self.poisoned.load(Ordering::Acquire) {
                return Err(crate::Error::Poisoned);
            }
            if st.leading {
                st.parked.push(std::thread::current());
                if let Some((_, want)) = &st.gatherer {
                    if g.uncovered() >= *want {
                        if let Some((leader, _)) = st.gatherer.take() {
                            leader.unpark();
                        }
                    }
                }
                drop(st);
                // Woken by the leader when its sync is over (an `unpark` that comes first
                // makes this return at once; a spurious return just checks again).
                std::thread::park();
                continue;
            }
            st.leading = true;
            drop(st);
            let _step_down = StepDown(g);
            self.lead_sync()?;
        }
    }

    /// The leader's part: wait briefly for more commits (see [`GroupCommit`]), then sync
    /// everything written so far and publish it as durable.
    fn lead_sync(&self) -> Result<()> {
        let g = &self.group;
        let group = g.gather();
        let target = g.written.load(Ordering::Acquire);
        let started = std::time::Instant::now();
        self.sync("sync log (group commit)")?;
        g.record(started.elapsed(), group);
        // Poisoning (LOG-8): `synced` is raised only by a sync that returned Ok and only if
        // no other write or sync of this handle failed before now. After a failed sync
        // nothing is known about which pages reached the disk (a failed writeback may
        // have dropped them), so a later successful sync proves nothing either; the
        // failing thread sets `poisoned` before it returns, hence before any later leader
        // gets here. A failure that the kernel reports while this sync runs is reported
        // to this sync as well. Waiters whose commits this sync does not cover see
        // `poisoned` when they wake and return `Error::Poisoned`, never Ok.
        if self.poisoned.load(Ordering::Acquire) {
            return Err(crate::Error::Poisoned);
        }
        g.synced.fetch_max(target, Ordering::AcqRel);
        Ok(())
    }

    /// Allocate pages. While a read-only open elsewhere may still read an older generation
    /// (SB-5), freed extents are left alone and the file grows instead.
    pub(super) fn alloc(&self, w: &mut Writer, pages: u32) -> Extent {
        if self.io.readers_present() {
            w.alloc.alloc_at_end(pages)
        } else {
            w.alloc.alloc(pages)
        }
    }

    /// Write zeros over `[from, extent end)` (byte offsets), so that later log appends
    /// overwrite allocated, written pages and a data sync has no file-system metadata
    /// (size, block map) to flush.
    pub(super) fn zero_fill(&self, extent: Extent, from: u64) -> Result<()> {
        const CHUNK: usize = 64 * 1024;
        let zeros = vec![0u8; CHUNK];
        let end = extent.byte_offset() + extent.byte_len();
        let mut at = from.max(extent.byte_offset());
        while at < end {
            let n = usize::try_from(end - at).unwrap_or(CHUNK).min(CHUNK);
            self.write(at, zeros.get(..n).unwrap_or(&[]), "zero-fill log")?;
            at += n as u64;
        }
        Ok(())
    }

    pub(super) fn open_run(&self, meta: Option<RunMeta>) -> Result<Option<Arc<Run>>> {
        let Some(meta) = meta else { return Ok(None) };
        let run = Run::open(
            Arc::clone(&self.io),
            &self.path,
            meta,
            Arc::clone(&self.cache),
        )?;
        Ok(Some(Arc::new(run)))
    }

    /// Release retired runs that no reader holds any more.
    pub(super) fn reclaim(&self, w: &mut Writer) {
        let mut keep = Vec::new();
        for r in w.retired.drain(..) {
            if Arc::strong_count(&r) == 1 {
                // Pairs with the readers' release of their `Arc<Run>`: their last look into
                // the run's mapped pages happens before the pages are reused.
                std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
                w.alloc.release(r.meta.extent);
            } else {
                keep.push(r);
            }
        }
        w.retired = keep;
    }

    /// Write `bytes` as a new run in free pages.
    pub(super) fn write_run(
        &self,
        w: &mut Writer,
        id: u64,
        bytes: &[u8],
        count: u64,
    ) -> Result<RunMeta> {
        let extent = self.alloc(w, pages_for(bytes.len()));
        self.write(extent.byte_offset(), bytes, "write run")?;
        Ok(RunMeta {
            id,
            extent,
            run_len: bytes.len() as u64,
            entry_count: count,
        })
    }

    /// Publish `next` (generation, file_pages and free list are filled in here): write the
    /// manifest to free pages, sync, write the superblock slot, sync, then release the old
    /// manifest's pages.
    ///
    /// Shrinking (SB-6): when no reader is registered, the free extent at the end of the
    /// file is dropped from the new manifest (its high-water mark is lowered) before the
    /// manifest is placed, and the file is cut to the new mark only after the superblock
    /// sync. A crash in between leaves a file longer than its mark, which is valid.
    pub(super) fn publish(&self, w: &mut Writer, mut next: Manifest) -> Result<()> {
        next.generation = w.manifest.generation + 1;
        let may_shrink = !self.io.readers_present();
        if may_shrink {
            w.alloc.trim_tail();
        }
        // Upper bound of the encoded size: allocation removes at most one free extent.
        let bound = 24 + 44 + 36 * next.runs.len() + 12 * (w.alloc.free_list().len() + 1);
        let extent = if may_shrink {
            w.alloc.alloc(pages_for(bound))
        } else {
            w.alloc.alloc_at_end(pages_for(bound))
        };
        next.file_pages = w.alloc.file_pages();
        next.free = w.alloc.free_list().to_vec();
        let bytes = next.encode();
        self.write(extent.byte_offset(), &bytes, "write manifest")?;
        self.sync("sync manifest")?;
        let sb = Superblock {
            generation: next.generation,
            manifest_page: extent.start,
            manifest_len: crate::format::cursor::len_u32(bytes.len()),
        };
        let slot = Superblock::slot_page(sb.generation) * PAGE_SIZE as u64;
        self.write(slot, &sb.encode_slot(), "write superblock")?;
        self.sync("sync superblock")?;
        let old = std::mem::replace(&mut w.manifest_extent, extent);
        w.alloc.release(old);
        let mark = next.file_pages * PAGE_SIZE as u64;
        w.manifest = next;
        if may_shrink {
            self.cut_file(mark);
        }
        Ok(())
    }

    /// Cut the file to `len` bytes if it is longer. Not synced, and a failure is ignored:
    /// a file longer than its high-water mark is valid, and the next cut retries.
    fn cut_file(&self, len: u64) {
        if self.io.len().is_ok_and(|now| now > len) {
            let _ = self.io.truncate(len);
        }
    }

    /// Give free pages at the end of the file back to the file system (SB-6): runs that sit
    /// at the top of the file are first copied into free extents below them (first fit),
    /// so that a compacted file does not keep its old high-water mark. Needs the
    /// `compacting` lock (no compaction may hold the runs it moves).
    ///
    /// `small_log`: also give an empty log back its initial size (an explicit `compact()`,
    /// open and close: a database at rest should not carry a 4 MiB empty log; background
    /// compactions keep the log's size, which a write burst will need again).
    pub(super) fn shrink(&self, w: &mut Writer, small_log: bool, defrag: bool) -> Result<()> {
        self.reclaim(w);
        if small_log && !self.small_log(w)? {
            return Ok(());
        }
        if !self.move_down(w)? {
            return Ok(());
        }
        if defrag && self.lift_top_run(w)? && !self.move_down(w)? {
            return Ok(());
        }
        let mark = w.alloc.file_pages() * PAGE_SIZE as u64;
        if w.alloc.has_free_tail() || self.io.len().is_ok_and(|now| now > mark) {
            let next = w.manifest.clone();
            self.publish(w, next)?;
        }
        Ok(())
    }

    /// Move the topmost live extent into a hole below it, repeatedly (first fit). Returns
    /// `false` when it stopped because a reader is registered.
    fn move_down(&self, w: &mut Writer) -> Result<bool> {
        // Each step moves the topmost live extent into a hole below it; bounded, because a
        // manifest may need more pages than the one it replaces.
        for _ in 0..64 {
            // Probed before every move: a reader that registers later reads the newest
            // durable generation, which references none of the free pages a move uses.
            if self.io.readers_present() {
                return Ok(false);
            }
            let top_run = w
                .manifest
                .runs
                .iter()
                .max_by_key(|r| r.extent.end())
                .copied();
            let log = w.manifest.log;
            let man = w.manifest_extent;
            let top = top_run
                .map(|r| r.extent)
                .into_iter()
                .chain([log, man])
                .max_by_key(Extent::end)
                .unwrap_or(man);
            let Some(hole) = w.alloc.fit_below(top.pages, top.start) else {
                break;
            };
            if top == man {
                // A new generation places its manifest first fit.
                let next = w.manifest.clone();
                self.publish(w, next)?;
            } else if top == log {
                // Only an empty log moves (its commits would have to move with it).
                if !self.log_is_empty(w) {
                    break;
                }
                self.replace_log(w, log.pages)?;
            } else if let Some(run) = top_run {
                self.relocate(w, run, hole.start)?;
                self.reclaim(w);
                if w.retired.iter().any(|r| r.meta.extent == run.extent) {
                    // A reader still holds the old copy; its pages are freed later.
                    break;
                }
            }
        }
        Ok(true)
    }

    /// Defragment (explicit `compact()` only): when the topmost run cannot move down but
    /// the holes below it add up to more than 1/64 of the file (the pages of a log
    /// that grew for a large commit, left between small extents), copy the run to the end
    /// of the file, so that the holes and its old pages merge and [`Inner::move_down`] can
    /// then place it low. Costs one extra copy of that run. Returns whether it moved.
    fn lift_top_run(&self, w: &mut Writer) -> Result<bool> {
        let Some(top) = w
            .manifest
            .runs
            .iter()
            .max_by_key(|r| r.extent.end())
            .copied()
        else {
            return Ok(false);
        };
        let holes_below: u64 = w
            .alloc
            .free_list()
            .iter()
            .filter(|e| e.end() <= top.extent.start)
            .map(|e| u64::from(e.pages))
            .sum();
        let worth_it = holes_below >= 256 && holes_below * 64 > top.extent.end();
        if !worth_it || self.io.readers_present() {
            return Ok(false);
        }
        // An empty log between the holes and the run would split them again: replace it
        // first (first fit puts it at the lowest hole).
        let log = w.manifest.log;
        if self.log_is_empty(w) && w.alloc.fit_below(log.pages, log.start).is_some() {
            self.replace_log(w, log.pages)?;
        }
        let dest = w.alloc.alloc_at_end(top.extent.pages);
        self.relocate_to(w, top, dest)?;
        self.reclaim(w);
        Ok(true)
    }

    /// Give an empty, grown log back its initial size (first fit, so it lands low in the
    /// file). Returns `false` when a reader is registered (nothing may move then).
    pub(super) fn small_log(&self, w: &mut Writer) -> Result<bool> {
        let initial = max_log_pages(&self.opts).min(super::recovery::INITIAL_LOG_PAGES);
        if w.manifest.log.pages > initial && self.log_is_empty(w) {
            if self.io.readers_present() {
                return Ok(false);
            }
            self.replace_log(w, initial)?;
        }
        Ok(true)
    }

    /// No commit since the last flush: the log can be replaced without moving commits.
    fn log_is_empty(&self, w: &Writer) -> bool {
        w.log_pos == 0 && self.view.read().mem_bytes == 0
    }

    /// Publish a new, zero-filled, empty log of `pages` (first fit) with a new log id, and
    /// free the old one. The log must be empty.
    fn replace_log(&self, w: &mut Writer, pages: u32) -> Result<()> {
        let old = w.manifest.log;
        let mut next = w.manifest.clone();
        next.log = w.alloc.alloc(pages);
        self.zero_fill(next.log, 0)?;
        next.log_id += 1;
        self.publish(w, next)?;
        w.alloc.release(old);
        Ok(())
    }

    /// Copy `len` bytes from offset `from` to offset `to` through a bounded buffer.
    pub(super) fn copy_bytes(&self, from: u64, to: u64, len: u64) -> Result<()> {
        const CHUNK: u64 = 1024 * 1024;
        let mut buf = Vec::new();
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(CHUNK);
            buf.resize(n as usize, 0);
            self.io
                .read_at(from + done, &mut buf)
                .map_err(|source| crate::Error::Io {
                    path: self.path.clone(),
                    op: "read pages to move",
                    source,
                })?;
            self.write(to + done, &buf, "move pages")?;
            done += n;
        }
        Ok(())
    }

    /// Copy run `meta` into the free extent starting at page `to`, publish, and retire the
    /// old copy. Runs are position independent (offsets inside a run are relative).
    fn relocate(&self, w: &mut Writer, meta: RunMeta, to: u64) -> Result<()> {
        let dest = w.alloc.alloc(meta.extent.pages);
        debug_assert_eq!(dest.start, to);
        self.relocate_to(w, meta, dest)
    }

    /// Copy run `meta` into the allocated extent `dest`, publish, and retire the old copy.
    fn relocate_to(&self, w: &mut Writer, meta: RunMeta, dest: Extent) -> Result<()> {
        if let Err(e) = self.copy_bytes(meta.extent.byte_offset(), dest.byte_offset(), meta.run_len)
        {
            w.alloc.release(dest);
            return Err(e);
        }
        let moved = RunMeta {
            extent: dest,
            ..meta
        };
        let mut next = w.manifest.clone();
        for r in next.runs.iter_mut().filter(|r| r.id == meta.id) {
            *r = moved;
        }
        self.publish(w, next)?;
        let opened = self.open_run(Some(moved))?;
        let mut v = self.view.write();
        let mut runs: Vec<Arc<Run>> = Vec::with_capacity(v.runs.len());
        for r in v.runs.iter() {
            match &opened {
                Some(new) if r.meta.id == meta.id => {
                    w.retired.push(Arc::clone(r));
                    runs.push(Arc::clone(new));
                }
                _ => runs.push(Arc::clone(r)),
            }
        }
        v.runs = Arc::new(runs);
        Ok(())
    }

    /// Flush the memtable into a run and start a new log (LOG-7). `grow_log`: make the new
    /// log extent at least this many pages.
    pub(super) fn flush(&self, w: &mut Writer, grow_log: Option<u32>) -> Result<()> {
        let frozen = {
            let mut v = self.view.write();
            let mem = std::mem::take(&mut v.mem);
            v.mem_bytes = 0;
            let frozen = Arc::new(mem);
            v.frozen = Some(Arc::clone(&frozen));
            frozen
        };
        self.reclaim(w);
        let mut next = w.manifest.clone();
        let drop_tombstones = next.runs.is_empty();
        let mut new_run = None;
        if !frozen.is_empty() {
            let keep = |(_, v): &(&Vec<u8>, &Option<Vec<u8>>)| !(drop_tombstones && v.is_none());
            let kept = frozen.iter().filter(keep).count();
            let mut entries = frozen
                .iter()
                .filter(keep)
                .map(|(k, v)| Ok((k.clone(), v.clone())));
            let (bytes, count) = run::build(&mut entries, kept, self.run_version())?;
            if count > 0 {
                let meta = self.write_run(w, next.next_run_id, &bytes, count)?;
                next.next_run_id += 1;
                next.runs.push(meta);
                new_run = Some(meta);
            }
        }
        let mut old_log = None;
        if let Some(pages) = grow_log {
            if pages > next.log.pages {
                old_log = Some(next.log);
                next.log = self.alloc(w, pages);
                // Step 1 of the protocol: the new log's pages are written (zeros) before
                // the manifest that names them.
                self.zero_fill(next.log, 0)?;
            }
        }
        next.log_id += 1;
        if frozen.is_empty() && grow_log.is_none() && w.log_pos == 0 {
            // Nothing to publish.
            self.view.write().frozen = None;
            return Ok(());
        }
        self.publish(w, next)?;
        w.log_pos = 0;
        if let Some(old) = old_log {
            w.alloc.release(old);
        }
        let opened = self.open_run(new_run)?;
        {
            let mut v = self.view.write();
            let mut runs: Vec<Arc<Run>> = Vec::with_capacity(v.runs.len() + 1);
            runs.extend(opened);
            runs.extend(v.runs.iter().cloned());
            v.runs = Arc::new(runs);
            v.frozen = None;
        }
        if self.opts.auto_compaction
            && compaction::choose(&w.manifest.runs, self.opts.max_runs).is_some()
        {
            self.compaction_wanted.store(true, Ordering::Release);
        }
        Ok(())
    }
}

pub(super) fn rewrite(rewriter: Option<&super::ValueRewriter>, k: Vec<u8>, v: Vec<u8>) -> Entry {
    use super::ValueKind;
    let Some(f) = rewriter else {
        return (k, Some(v));
    };
    // A value that does not decode is kept as it is: compaction never makes damage worse.
    let new = match keys::decode_key(&k) {
        Ok(keys::DecodedKey::State { ns, key }) => f(ValueKind::State, &ns, &key, &v),
        Ok(keys::DecodedKey::Event { ns, entity, seq }) => {
            keys::decode_event_value(seq, &v).ok().and_then(|ev| {
                f(ValueKind::Event, &ns, &entity, &ev.data)
                    .map(|data| keys::encode_event_value(ev.timestamp, &ev.node_id, &data))
            })
        }
        Ok(keys::DecodedKey::Snapshot { ns, entity }) => {
            keys::decode_snapshot_value(&v).ok().and_then(|snap| {
                f(ValueKind::Snapshot, &ns, &entity, &snap.state)
                    .map(|state| keys::encode_snapshot_value(&state, snap.at_seq, snap.version))
            })
        }
        _ => None,
    };
    (k, Some(new.unwrap_or(v)))
}
