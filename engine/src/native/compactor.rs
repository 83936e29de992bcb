//! The compaction worker: runs the policy of `compaction.rs`, merges the chosen runs
//! without holding the writer lock, then publishes the result under it
//! (see README.md in this folder, "Compaction").
//!
//! Invariants: one compaction at a time (`compacting` mutex); the chosen runs are a
//! contiguous range ending at the newest run at choose time, and the merged run takes the
//! id of the newest of them, so runs flushed meanwhile (higher ids) still shadow it;
//! tombstones are dropped only when the oldest run is part of the merge; replaced runs are
//! released only when no reader holds them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use parking_lot::{Condvar, Mutex};

use crate::error::Result;
use crate::keys;
use crate::kv::{EntryIter, MergeIter};

use crate::format::manifest::{Extent, RunMeta};

use super::run::{Run, RunBuilder};
use super::writer::{pages_for, rewrite};
use super::{compaction, Inner};

impl Inner {
    /// One compaction: of every run (`all`) or of what the policy chooses. Returns whether
    /// anything was merged.
    pub(super) fn compact_once(&self, all: bool) -> Result<bool> {
        let _one = self.compacting.lock();
        let picked = self.with_writer(|inner, w| {
            let total = w.manifest.runs.len();
            let count = if all {
                total
            } else if !inner.opts.auto_compaction {
                0
            } else {
                match compaction::choose(&w.manifest.runs, inner.opts.max_runs) {
                    Some(c) => c.count.min(total),
                    None => 0,
                }
            };
            let runs: Vec<Arc<Run>> = inner.view.read().runs.iter().take(count).cloned().collect();
            let worth_it = runs.len() > 1 || (all && inner.opts.value_rewriter.is_some());
            if runs.is_empty() || !worth_it {
                return Ok(None);
            }
            // The output is written while it is merged, into an extent reserved now and
            // sized from the inputs (the merge only drops entries; the sink grows it if a
            // value rewriter makes it larger).
            let input: u64 = runs.iter().map(|r| r.meta.run_len).sum();
            let pages = pages_for(usize::try_from(input).unwrap_or(usize::MAX));
            let reserved = inner.alloc(w, pages);
            Ok(Some((runs, count == total, reserved)))
        })?;
        let Some((chosen, includes_oldest, reserved)) = picked else {
            return Ok(false);
        };
        // Upper bound of the output's entries, for the filter (an entry takes at least a
        // byte of its run, which bounds a damaged count).
        let expected: u64 = chosen
            .iter()
            .map(|r| r.meta.entry_count.min(r.meta.run_len))
            .sum();
        let mut sink = ExtentSink {
            inner: self,
            extent: reserved,
            pos: 0,
        };
        match self.merge_into(&chosen, includes_oldest, expected, &mut sink) {
            Ok(n) => self.publish_compaction(chosen, n, &sink, all),
            Err(e) => {
                // Never referenced by a manifest: the pages can be reused at once.
                self.writer.lock().alloc.release(sink.extent);
                Err(e)
            }
        }
    }

    /// Merge `chosen` (newest first) into `sink` as a run; returns its entry count.
    fn merge_into(
        &self,
        chosen: &[Arc<Run>],
        includes_oldest: bool,
        expected: u64,
        sink: &mut ExtentSink<'_>,
    ) -> Result<u64> {
        // Durable truncation floors (range tombstones over events); floors only rise, so
        // dropping events below them is safe even if newer floors appear meanwhile.
        let floors = self.truncation_floors()?;
        // Merge without holding the writer lock: runs are immutable.
        let sources: Vec<EntryIter<'static>> = chosen.iter().map(Run::iter_all).collect();
        let mut merged = MergeIter::new(sources);
        let rewriter = self.opts.value_rewriter.clone();
        let mut write = |b: &[u8]| sink.write(b);
        let mut builder = RunBuilder::new(
            usize::try_from(expected).unwrap_or(usize::MAX),
            &mut write,
            self.run_version(),
        );
        while let Some(entry) = merged.next_entry() {
            match entry? {
                (k, _) if below_floor(&floors, &k) => {}
                (_, None) if includes_oldest => {}
                (k, Some(v)) => {
                    let (k, v) = rewrite(rewriter.as_ref(), k, v);
                    builder.push(&k, v.as_deref())?;
                }
                (k, None) => builder.push(&k, None)?,
            }
        }
        Ok(builder.finish()?.1)
    }

    /// Publish the merged run written to `sink` in place of `chosen`, then shrink (giving an
    /// empty log its initial size too if this is a full compaction).
    fn publish_compaction(
        &self,
        chosen: Vec<Arc<Run>>,
        n: u64,
        sink: &ExtentSink<'_>,
        all: bool,
    ) -> Result<bool> {
        let run_len = sink.pos;
        let used = if n > 0 {
            pages_for(usize::try_from(run_len).unwrap_or(usize::MAX)).min(sink.extent.pages)
        } else {
            0
        };
        let ids: HashSet<u64> = chosen.iter().map(|r| r.meta.id).collect();
        let newest_id = chosen.iter().map(|r| r.meta.id).max().unwrap_or(0);
        let reserved = sink.extent;
        self.with_writer(|inner, w| {
            inner.reclaim(w);
            if used < reserved.pages {
                w.alloc.release(Extent {
                    start: reserved.start + u64::from(used),
                    pages: reserved.pages - used,
                });
            }
            let mut next = w.manifest.clone();
            next.runs.retain(|r| !ids.contains(&r.id));
            let meta = (n > 0).then_some(RunMeta {
                id: newest_id,
                extent: Extent {
                    start: reserved.start,
                    pages: used,
                },
                run_len,
                entry_count: n,
            });
            if let Some(m) = meta {
                let at = next.runs.partition_point(|r| r.id < m.id);
                next.runs.insert(at, m);
            }
            inner.publish(w, next)?;
            let opened = inner.open_run(meta)?;
            {
                let mut v = inner.view.write();
                let mut runs: Vec<Arc<Run>> = v
                    .runs
                    .iter()
                    .filter(|r| !ids.contains(&r.meta.id))
                    .cloned()
                    .collect();
                if let Some(r) = opened {
                    // Newest first: higher ids before lower ones.
                    let at = runs.partition_point(|x| x.meta.id > r.meta.id);
                    runs.insert(at, r);
                }
                v.runs = Arc::new(runs);
            }
            w.retired.extend(chosen.iter().cloned());
            Ok(())
        })?;
        drop(chosen);
        self.with_writer(|inner, w| inner.shrink(w, all, all))?;
        Ok(true)
    }

    /// Every entity's truncation floor found in the runs, keyed by its event prefix. Only
    /// runs count: they are durable, while a floor still in the memtable may belong to a
    /// commit that a power cut can undo (with durability `None` or group commit), and
    /// dropping its events first would make that commit partly visible.
    fn truncation_floors(&self) -> Result<HashMap<Vec<u8>, u64>> {
        let runs = Arc::clone(&self.view.read().runs);
        let start = [keys::TYPE_FLOOR];
        let end = [keys::TYPE_FLOOR + 1];
        let sources: Vec<EntryIter<'static>> =
            runs.iter().map(|r| r.iter(&start, Some(&end))).collect();
        let mut out = HashMap::new();
        for item in MergeIter::new(sources) {
            let (k, v) = item?;
            let floor = keys::decode_u64(&v).map_err(|b| b.at(&self.path, 0))?;
            if let Ok(keys::DecodedKey::Floor { ns, entity }) = keys::decode_key(&k) {
                out.insert(keys::event_prefix(&ns, &entity), floor);
            }
        }
        Ok(out)
    }

    /// Run the compactions a flush asked for: wake the background worker, or run them here.
    pub(super) fn after_write(&self) {
        if !self.compaction_wanted.load(Ordering::Acquire) {
            return;
        }
        match self.background.get() {
            Some(bg) => bg.wake(),
            None => {
                self.compaction_wanted.store(false, Ordering::Release);
                // Errors poison the handle where they matter (I/O); the next write reports it.
                while let Ok(true) = self.compact_once(false) {}
            }
        }
    }
}

/// Where compaction streams its output: a reserved extent, moved to a larger one (copying
/// what was written) if the output outgrows it.
struct ExtentSink<'a> {
    inner: &'a Inner,
    extent: Extent,
    pos: u64,
}

impl ExtentSink<'_> {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        let end = self.pos + data.len() as u64;
        if end > self.extent.byte_len() {
            let want = end.max(self.extent.byte_len().saturating_mul(2));
            let pages = pages_for(usize::try_from(want).unwrap_or(usize::MAX));
            let bigger = {
                let mut w = self.inner.writer.lock();
                self.inner.alloc(&mut w, pages)
            };
            let moved =
                self.inner
                    .copy_bytes(self.extent.byte_offset(), bigger.byte_offset(), self.pos);
            let old = std::mem::replace(&mut self.extent, bigger);
            self.inner.writer.lock().alloc.release(old);
            moved?;
        }
        self.inner
            .write(self.extent.byte_offset() + self.pos, data, "write run")?;
        self.pos = end;
        Ok(())
    }
}

/// Whether `key` is an event below its entity's truncation floor.
fn below_floor(floors: &HashMap<Vec<u8>, u64>, key: &[u8]) -> bool {
    keys::split_event_key(key)
        .and_then(|(prefix, seq)| floors.get(prefix).map(|f| seq < *f))
        .unwrap_or(false)
}

#[derive(Debug, Default)]
struct Signal {
    wake: bool,
    stop: bool,
}

/// The background compaction thread's mailbox.
#[derive(Debug, Default)]
pub(super) struct Background {
    signal: Mutex<Signal>,
    cond: Condvar,
}

impl Background {
    fn wake(&self) {
        self.signal.lock().wake = true;
        self.cond.notify_one();
    }

    pub(super) fn stop(&self) {
        self.signal.lock().stop = true;
        self.cond.notify_one();
    }

    /// Start the worker for `inner`; it holds only a weak reference between compactions.
    /// Without a thread (spawn failed), compaction runs on the writer's thread.
    pub(super) fn spawn(inner: &Arc<Inner>) -> Closer {
        let bg = Arc::new(Background::default());
        let mailbox = Arc::clone(&bg);
        let weak: Weak<Inner> = Arc::downgrade(inner);
        let spawned = std::thread::Builder::new()
            .name("crdt-store-compaction".into())
            .spawn(move || worker(&mailbox, &weak));
        match spawned {
            Ok(handle) if inner.background.set(Arc::clone(&bg)).is_ok() => Closer {
                background: Some(bg),
                worker: Mutex::new(Some(handle)),
            },
            _ => {
                bg.stop();
                Closer::default()
            }
        }
    }
}

/// Owned by every handle of a store: when the last handle is dropped it stops the worker
/// and waits for it, so the file is closed (and its lock released) when drop returns.
#[derive(Debug, Default)]
pub(super) struct Closer {
    background: Option<Arc<Background>>,
    worker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Closer {
    fn drop(&mut self) {
        if let Some(bg) = &self.background {
            bg.stop();
        }
        if let Some(handle) = self.worker.lock().take() {
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
    }
}

fn worker(bg: &Background, weak: &Weak<Inner>) {
    loop {
        {
            let mut s = bg.signal.lock();
            while !s.wake && !s.stop {
                bg.cond.wait(&mut s);
            }
            if s.stop {
                return;
            }
            s.wake = false;
        }
        let Some(inner) = weak.upgrade() else { return };
        inner.compaction_wanted.store(false, Ordering::Release);
        while let Ok(true) = inner.compact_once(false) {}
    }
}
