//! The write path, run under the writer lock: commit (log append, durability, memtable),
//! flush (memtable to run, log rotation), compaction (merge runs), and `publish`, the
//! manifest + superblock protocol of format-spec/header-and-superblocks.md.
//!
//! Invariants: a commit's records are written before its mutations become visible; after
//! any failed write or sync the handle is poisoned (LOG-8); nothing the newest durable
//! manifest references is overwritten (SB-4): new runs and manifests go to free pages, and
//! replaced runs are only released after the superblock flip, once no reader holds them.

use std::sync::atomic::Ordering;
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

fn pages_for(len: usize) -> u32 {
    u32::try_from(len.div_ceil(PAGE_SIZE)).unwrap_or(u32::MAX)
}

impl Inner {
    fn write(&self, offset: u64, data: &[u8], op: &'static str) -> Result<()> {
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
            let needed = u32::try_from(log_record::pages_needed(payload.len()))
                .unwrap_or(u32::MAX)
                .min(MAX_LOG_PAGES);
            self.flush(w, Some(needed))?;
            framed = log_record::frame(&payload, w.manifest.log_id, w.log_pos);
        }
        let at = w.manifest.log.byte_offset() + w.log_pos as u64;
        self.write(at, &framed, "append to log")?;
        w.log_pos += framed.len();
        let n = w.next_commit;
        w.next_commit += 1;
        self.written.store(n, Ordering::Release);
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

    /// Group commit: make commit `n` durable, sharing one sync with concurrent committers.
    pub(super) fn group_sync(&self, n: u64) -> Result<()> {
        let mut synced = self.synced.lock();
        if self.poisoned.load(Ordering::Acquire) {
            return Err(crate::Error::Poisoned);
        }
        if *synced >= n {
            return Ok(());
        }
        let target = self.written.load(Ordering::Acquire);
        self.sync("sync log (group commit)")?;
        *synced = target;
        Ok(())
    }

    /// Allocate pages. While a read-only open elsewhere may still read an older generation
    /// (SB-5), freed extents are left alone and the file grows instead.
    fn alloc(&self, w: &mut Writer, pages: u32) -> Extent {
        if self.io.readers_present() {
            w.alloc.alloc_at_end(pages)
        } else {
            w.alloc.alloc(pages)
        }
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
    pub(super) fn publish(&self, w: &mut Writer, mut next: Manifest) -> Result<()> {
        next.generation = w.manifest.generation + 1;
        // Upper bound of the encoded size: allocation removes at most one free extent.
        let bound = 24 + 44 + 36 * next.runs.len() + 12 * (w.alloc.free_list().len() + 1);
        let extent = self.alloc(w, pages_for(bound));
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
        w.manifest = next;
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
            let mut entries = frozen
                .iter()
                .filter(|(_, v)| !(drop_tombstones && v.is_none()))
                .map(|(k, v)| Ok((k.clone(), v.clone())));
            let (bytes, count) = run::build(&mut entries)?;
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
        if compaction::choose(&w.manifest.runs, self.opts.max_runs).is_some() {
            self.compaction_wanted.store(true, Ordering::Release);
        }
        Ok(())
    }
}

pub(super) fn rewrite(rewriter: Option<&super::ValueRewriter>, k: Vec<u8>, v: Vec<u8>) -> Entry {
    let Some(f) = rewriter else {
        return (k, Some(v));
    };
    if let Ok(keys::DecodedKey::State { ns, key }) = keys::decode_key(&k) {
        if let Some(new) = f(&ns, &key, &v) {
            return (k, Some(new));
        }
    }
    (k, Some(v))
}
