//! Opening a file: create a fresh database, or read the header, pick the newest valid
//! superblock, check the manifest, open the runs and replay the log
//! (format-spec/header-and-superblocks.md, manifest.md, log.md).
//!
//! Invariants: every length read from disk is checked before it sizes an allocation; any
//! failed check is `Error::Corrupted` naming the file, the absolute offset and the
//! structure. A writable open that replayed commits or found a torn tail flushes them and
//! rotates the log id before any new append (LOG-7).

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::error::{Error, Result};
use crate::format::commit as commit_codec;
use crate::format::cursor::Bad;
use crate::format::header::{self, PAGE_SIZE};
use crate::format::log_record::{self, Stop};
use crate::format::manifest::{Extent, Manifest, FIRST_EXTENT_PAGE, MAX_MANIFEST_LEN};
use crate::format::superblock::{self, Superblock};
use crate::io::FileIo;
use crate::kv::Mutation;

use super::alloc::Allocator;
use super::cache::BlockCache;
use super::run::Run;
use super::writer::Writer;
use super::{Inner, Options, View};

const PAGE: u64 = PAGE_SIZE as u64;

fn io_err<'a>(path: &'a Path, op: &'static str) -> impl Fn(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        path: path.to_path_buf(),
        op,
        source,
    }
}

/// Read `len` bytes at `offset`; bytes past the end of the file read as zero.
fn read_padded(
    io: &dyn FileIo,
    path: &Path,
    offset: u64,
    len: usize,
    file_len: u64,
) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let avail = file_len.saturating_sub(offset).min(len as u64) as usize;
    if avail > 0 {
        let dst = buf.get_mut(..avail).unwrap_or(&mut []);
        io.read_at(offset, dst).map_err(io_err(path, "read"))?;
    }
    Ok(buf)
}

/// Pages of the log of a new database (64 KiB).
pub(super) const INITIAL_LOG_PAGES: u32 = 16;

/// Write a fresh database: header, manifest generation 1, then superblock 1 (HDR-3). The
/// log extent is zero-filled afterwards by the open (`Inner::prepare_for_writes`), so that
/// a crash during creation leaves a file of at most 4 pages.
fn create(io: &dyn FileIo, path: &Path, opts: &Options) -> Result<()> {
    // A new database starts with a small log that doubles when a commit does not fit
    // (writer.rs), so that an empty database is small.
    let log_pages = super::writer::max_log_pages(opts).min(INITIAL_LOG_PAGES);
    let manifest_extent = Extent {
        start: FIRST_EXTENT_PAGE,
        pages: 1,
    };
    let log = Extent {
        start: FIRST_EXTENT_PAGE + 1,
        pages: log_pages,
    };
    let m = Manifest {
        generation: 1,
        file_pages: log.end(),
        log_id: 1,
        log,
        next_run_id: 1,
        runs: Vec::new(),
        free: Vec::new(),
    };
    let mut first_pages = header::encode();
    first_pages.resize(3 * PAGE_SIZE, 0);
    let manifest = m.encode();
    let w = |off: u64, data: &[u8], op| io.write_at(off, data).map_err(io_err(path, op));
    w(0, &first_pages, "create header")?;
    w(manifest_extent.byte_offset(), &manifest, "create manifest")?;
    io.sync().map_err(io_err(path, "sync new file"))?;
    let sb = Superblock {
        generation: 1,
        manifest_page: manifest_extent.start,
        manifest_len: crate::format::cursor::len_u32(manifest.len()),
    };
    w(
        Superblock::slot_page(1) * PAGE,
        &sb.encode_slot(),
        "create superblock",
    )?;
    io.sync().map_err(io_err(path, "sync new file"))
}

/// How many pages [`create`] writes before the first superblock: the header pages and the
/// first manifest page. A longer file has held data, whatever its superblocks say.
const CREATION_PAGES: u64 = FIRST_EXTENT_PAGE + 1;

/// A file that never finished creation (HDR-3): no superblock slot was ever written, the
/// header is missing or valid, and the file is no longer than creation writes. A longer
/// file with zeroed superblocks is damage, never re-initialised (its data may be salvaged).
fn never_initialized(first: &[u8], file_len: u64) -> bool {
    let page = |i: usize| first.get(i * PAGE_SIZE..(i + 1) * PAGE_SIZE).unwrap_or(&[]);
    let zero = |b: &[u8]| b.iter().all(|&x| x == 0);
    file_len <= CREATION_PAGES * PAGE
        && zero(page(1))
        && zero(page(2))
        && (zero(page(0)) || header::decode(page(0)).is_ok())
}

/// How often a read-only open starts over because a writer published a new generation
/// while it was reading.
const READ_ONLY_RETRIES: u32 = 8;

pub(super) fn open(
    io: Arc<dyn FileIo>,
    path: &Path,
    opts: Options,
    read_only: bool,
) -> Result<Inner> {
    if !read_only {
        return open_attempt(io, path, opts, false);
    }
    // A read-only open races with the writer: if a new generation is published while we
    // read, the log we replayed may belong to a rotated log id, or pages we were about to
    // read may have been reused. Start over until the generation held still.
    for _ in 0..READ_ONLY_RETRIES {
        let before = current_superblock(&*io, path)?;
        let attempt = open_attempt(Arc::clone(&io), path, opts.clone(), true);
        let after = current_superblock(&*io, path)?;
        match attempt {
            Ok(inner) if before == after => return Ok(inner),
            Err(e) if before == after || !e.is_corrupted() => return Err(e),
            _ => continue,
        }
    }
    open_attempt(io, path, opts, true)
}

/// The newest valid superblock as the file is now.
fn current_superblock(io: &dyn FileIo, path: &Path) -> Result<Option<Superblock>> {
    let file_len = io.len().map_err(io_err(path, "stat"))?;
    let slots = read_padded(io, path, PAGE, 2 * PAGE_SIZE, file_len)?;
    let (a, b) = slots.split_at(PAGE_SIZE.min(slots.len()));
    Ok(Superblock::newest(&[a, b]))
}

/// What one generation of the file holds: its manifest, runs and the log's whole commits.
struct Loaded {
    manifest: Manifest,
    manifest_extent: Extent,
    runs: Vec<Arc<Run>>,
    mem: super::Memtable,
    mem_bytes: usize,
    log_pos: usize,
    torn: bool,
}

/// Read the generation that superblock `sb` names: check its manifest (SB-3, MAN-1,
/// MAN-2), open its runs (reusing those in `reuse`) and replay its log (LOG-3, LOG-4).
fn load(
    io: &Arc<dyn FileIo>,
    path: &Path,
    cache: &Arc<BlockCache>,
    sb: &Superblock,
    reuse: &[Arc<Run>],
) -> Result<Loaded> {
    // Everything the superblock names was written before it, so a length taken now covers
    // it even if a writer is appending concurrently.
    let file_len = io.len().map_err(io_err(path, "stat"))?;

    // Manifest (SB-3, MAN-1, MAN-2).
    let m_off = sb.manifest_page.saturating_mul(PAGE);
    let m_len = sb.manifest_len as usize;
    let manifest_extent = Extent {
        start: sb.manifest_page,
        pages: u32::try_from(m_len.div_ceil(PAGE_SIZE)).unwrap_or(u32::MAX),
    };
    if m_len > MAX_MANIFEST_LEN
        || m_off.saturating_add(m_len as u64) > file_len
        || sb.manifest_page < FIRST_EXTENT_PAGE
    {
        return Err(Bad::new("manifest", "the superblock points outside the file").at(path, m_off));
    }
    let m_bytes = read_padded(&**io, path, m_off, m_len, file_len)?;
    let manifest = Manifest::decode(&m_bytes, sb.generation).map_err(|b| b.at(path, m_off))?;
    manifest
        .validate(Some(manifest_extent))
        .map_err(|b| b.at(path, m_off))?;

    // Runs (an open run of the same id and place is reused: runs are immutable).
    let mut runs = Vec::with_capacity(manifest.runs.len());
    for meta in manifest.runs.iter().rev() {
        if let Some(r) = reuse.iter().find(|r| r.meta == *meta) {
            runs.push(Arc::clone(r));
            continue;
        }
        let end = meta.extent.byte_offset().saturating_add(meta.run_len);
        if end > file_len {
            return Err(Bad::new(
                "run footer",
                format!("run {} ends past the end of the file", meta.id),
            )
            .at(path, meta.extent.byte_offset()));
        }
        runs.push(Arc::new(Run::open(
            Arc::clone(io),
            path,
            *meta,
            Arc::clone(cache),
        )?));
    }

    // Log replay (LOG-3, LOG-4).
    let log_off = manifest.log.byte_offset();
    // Only the part of the log extent that exists is read: the rest reads as zero (LOG-4).
    let log_len = manifest
        .log
        .byte_len()
        .min(file_len.saturating_sub(log_off));
    let log_bytes = read_padded(&**io, path, log_off, log_len as usize, file_len)?;
    let replay = log_record::replay(&log_bytes, manifest.log_id);
    let mut mem = super::Memtable::new();
    let mut mem_bytes = 0usize;
    let mut log_pos = 0usize;
    let mut torn = replay.stop == Some(Stop::Torn);
    for (payload, end) in &replay.commits {
        let Ok(mutations) = commit_codec::decode(payload) else {
            torn = true;
            break;
        };
        for m in mutations {
            let (k, v) = match m {
                Mutation::Put(k, v) => (k, Some(v)),
                Mutation::Delete(k) => (k, None),
            };
            mem_bytes += k.len() + v.as_ref().map_or(0, Vec::len) + 32;
            mem.insert(k, v);
        }
        log_pos = *end;
    }

    Ok(Loaded {
        manifest,
        manifest_extent,
        runs,
        mem,
        mem_bytes,
        log_pos,
        torn,
    })
}

fn open_attempt(io: Arc<dyn FileIo>, path: &Path, opts: Options, read_only: bool) -> Result<Inner> {
    let mut file_len = io.len().map_err(io_err(path, "stat"))?;
    let mut first = read_padded(&*io, path, 0, 3 * PAGE_SIZE, file_len)?;
    if never_initialized(&first, file_len) {
        if read_only {
            return Err(Bad::new("file header", "empty file: not a .crdt database").at(path, 0));
        }
        create(&*io, path, &opts)?;
        file_len = io.len().map_err(io_err(path, "stat"))?;
        first = read_padded(&*io, path, 0, 3 * PAGE_SIZE, file_len)?;
    }
    let file_version = header::decode(first.get(..header::HEADER_LEN).unwrap_or(&[]))
        .map_err(|b| b.at(path, 0))?;
    let slot = |i: u64| {
        let start = ((superblock::FIRST_SLOT_PAGE + i) * PAGE) as usize;
        first.get(start..start + PAGE_SIZE).unwrap_or(&[])
    };
    let sb = Superblock::newest(&[slot(0), slot(1)])
        .ok_or_else(|| Bad::new("superblock", "neither superblock slot is valid").at(path, PAGE))?;
    let cache = Arc::new(BlockCache::new(opts.block_cache_bytes));
    let loaded = load(&io, path, &cache, &sb, &[])?;
    let (manifest, manifest_extent, log_pos) =
        (loaded.manifest, loaded.manifest_extent, loaded.log_pos);
    let (mem, mem_bytes, torn) = (loaded.mem, loaded.mem_bytes, loaded.torn);

    let mut used: Vec<Extent> = manifest.runs.iter().map(|r| r.extent).collect();
    used.push(manifest.log);
    used.push(manifest_extent);
    let alloc = Allocator::from_used(manifest.file_pages, &used);
    let needs_rotation = !read_only && (!mem.is_empty() || torn || log_pos > 0);
    let inner = Inner {
        path: path.to_path_buf(),
        file_version,
        io,
        opts,
        read_only,
        poisoned: AtomicBool::new(false),
        view: RwLock::new(View {
            mem,
            mem_bytes,
            frozen: None,
            runs: Arc::new(loaded.runs),
        }),
        writer: Mutex::new(Writer {
            manifest,
            manifest_extent,
            log_pos,
            alloc,
            retired: Vec::new(),
            next_commit: 1,
        }),
        cache,
        group: super::writer::GroupCommit::default(),
        compacting: Mutex::new(()),
        compaction_wanted: AtomicBool::new(false),
        background: std::sync::OnceLock::new(),
    };
    if needs_rotation {
        // LOG-7: make the replayed commits durable in a run and start a new log id.
        let mut w = inner.writer.lock();
        w.log_pos = w.log_pos.max(1);
        inner.flush(&mut w, None)?;
    }
    if !read_only {
        inner.prepare_for_writes()?;
    }
    Ok(inner)
}

impl Inner {
    /// A read-only handle: move to the newest committed state (see `NativeStore::refresh`).
    /// Like a read-only open it starts over when a generation is published while it reads.
    pub(super) fn refresh(&self) -> Result<bool> {
        let mut w = self.writer.lock();
        for _ in 0..READ_ONLY_RETRIES {
            let before = current_superblock(&*self.io, &self.path)?;
            let Some(sb) = before else {
                return Err(
                    Bad::new("superblock", "neither superblock slot is valid").at(&self.path, PAGE)
                );
            };
            let reuse = Arc::clone(&self.view.read().runs);
            let attempt = load(&self.io, &self.path, &self.cache, &sb, &reuse);
            if current_superblock(&*self.io, &self.path)? != before {
                continue;
            }
            let loaded = attempt?;
            let changed =
                loaded.manifest.generation != w.manifest.generation || loaded.log_pos != w.log_pos;
            if changed {
                let mut v = self.view.write();
                v.mem = loaded.mem;
                v.mem_bytes = loaded.mem_bytes;
                v.runs = Arc::new(loaded.runs);
                w.manifest = loaded.manifest;
                w.manifest_extent = loaded.manifest_extent;
                w.log_pos = loaded.log_pos;
            }
            return Ok(changed);
        }
        // The writer kept publishing: keep the consistent state this handle has.
        Ok(false)
    }

    /// After a writable open: make sure every page of the log extent exists (zero-filled,
    /// synced: a new database, or a file from a crash during creation), so appends never
    /// extend the file; then give a free tail back (SB-6), e.g. pages leaked by a crash.
    fn prepare_for_writes(&self) -> Result<()> {
        let _one = self.compacting.lock();
        let mut w = self.writer.lock();
        let log = w.manifest.log;
        let len = self.io.len().map_err(io_err(&self.path, "stat"))?;
        if len < log.end() * PAGE {
            self.zero_fill(log, len)?;
            self.sync("sync log extent")?;
        }
        self.shrink(&mut w, true, false)
    }
}
