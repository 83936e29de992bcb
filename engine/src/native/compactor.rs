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

use super::run::{self, Run};
use super::writer::rewrite;
use super::{compaction, Inner};

impl Inner {
    /// One compaction: of every run (`all`) or of what the policy chooses. Returns whether
    /// anything was merged.
    pub(super) fn compact_once(&self, all: bool) -> Result<bool> {
        let _one = self.compacting.lock();
        let (chosen, includes_oldest) = self.with_writer(|inner, w| {
            let total = w.manifest.runs.len();
            let count = if all {
                total
            } else {
                match compaction::choose(&w.manifest.runs, inner.opts.max_runs) {
                    Some(c) => c.count.min(total),
                    None => 0,
                }
            };
            let runs: Vec<Arc<Run>> = inner.view.read().runs.iter().take(count).cloned().collect();
            Ok((runs, count == total))
        })?;
        let worth_it = chosen.len() > 1 || (all && self.opts.value_rewriter.is_some());
        if chosen.is_empty() || !worth_it {
            return Ok(false);
        }
        // Durable truncation floors (range tombstones over events); floors only rise, so
        // dropping events below them is safe even if newer floors appear meanwhile.
        let floors = self.truncation_floors()?;
        // Merge without holding the writer lock: runs are immutable.
        let (bytes, n) = {
            let sources: Vec<EntryIter<'static>> = chosen.iter().map(Run::iter_all).collect();
            let mut merged = MergeIter::new(sources);
            let rewriter = self.opts.value_rewriter.clone();
            let mut entries = std::iter::from_fn(|| loop {
                match merged.next_entry()? {
                    Err(e) => return Some(Err(e)),
                    Ok((k, _)) if below_floor(&floors, &k) => continue,
                    Ok((_, None)) if includes_oldest => continue,
                    Ok((k, Some(v))) => return Some(Ok(rewrite(rewriter.as_ref(), k, v))),
                    Ok(entry) => return Some(Ok(entry)),
                }
            });
            run::build(&mut entries)?
        };
        let ids: HashSet<u64> = chosen.iter().map(|r| r.meta.id).collect();
        let newest_id = chosen.iter().map(|r| r.meta.id).max().unwrap_or(0);
        self.with_writer(|inner, w| {
            inner.reclaim(w);
            let mut next = w.manifest.clone();
            next.runs.retain(|r| !ids.contains(&r.id));
            let meta = if n > 0 {
                let m = inner.write_run(w, newest_id, &bytes, n)?;
                let at = next.runs.partition_point(|r| r.id < m.id);
                next.runs.insert(at, m);
                Some(m)
            } else {
                None
            };
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
        self.with_writer(|inner, w| inner.shrink(w))?;
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
