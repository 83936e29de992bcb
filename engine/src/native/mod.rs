//! [`NativeStore`]: the single-file LSM engine that reads and writes `.crdt` files
//! (format-spec/README.md).
//!
//! Map of this folder: `recovery.rs` opens files (header, superblocks, manifest, log
//! replay), `writer.rs` commits, flushes and compacts under the writer lock, `run.rs` builds
//! and reads sorted runs, `compaction.rs` is the policy, `alloc.rs` the free-extent
//! allocator, `cache.rs` the block cache.
//!
//! Concurrency: one writer at a time (a mutex); readers take a short read lock on the
//! [`View`] to look at the memtable and clone the list of runs, so they never wait for a
//! flush or compaction, and scans work on a snapshot (the memtable range is copied, runs are
//! immutable and kept alive by `Arc` until no reader holds them).

mod alloc;
mod cache;
mod compaction;
mod compactor;
mod inspect;
mod recovery;
mod run;
mod writer;

pub use inspect::{Layout, RunInfo, SuperblockInfo};

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};

use crate::error::{Error, Result};
use crate::io::FileIo;
use crate::kv::{EntryIter, KvIter, KvRead, KvStore, MergeIter, Mutation};

use cache::BlockCache;
use run::Run;
use writer::Writer;

/// When a commit counts as durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// The log is synced before each commit returns (the default).
    #[default]
    Immediate,
    /// Commits from concurrent threads share one sync; each commit still returns only after
    /// a sync that covers it. Other threads may read a commit before that sync completes.
    GroupCommit,
    /// No sync on commit: a power cut may lose recent commits (never a partial one).
    None,
}

/// Which kind of stored value a [`ValueRewriter`] is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// A state value (`put`).
    State,
    /// An event's payload (`append_event` data); its seq, timestamp and node id are kept.
    Event,
    /// A snapshot's state bytes; its `at_seq` and `version` are kept.
    Snapshot,
}

/// Rewrites values as compaction passes over them: `(kind, namespace, key or entity,
/// bytes)` to `Some(new bytes)` or `None` to keep them. Used by migrations to upgrade
/// version envelopes. It must be deterministic and must not block.
pub type ValueRewriter = Arc<dyn Fn(ValueKind, &str, &str, &[u8]) -> Option<Vec<u8>> + Send + Sync>;

/// Settings for [`NativeStore::open_with`].
#[derive(Clone)]
pub struct Options {
    /// Durability of commits. Default [`Durability::Immediate`].
    pub durability: Durability,
    /// Flush the memtable into a run once it holds this many bytes. Default 4 MiB.
    pub memtable_bytes: usize,
    /// Largest size of the log extent in 4 KiB pages. Default 1024 (4 MiB). A new
    /// database starts with a 64 KiB log (or this size, if smaller); when a commit does not
    /// fit, the memtable is flushed and the log doubles, up to this size (a single commit
    /// larger than it gets a log of its own size).
    pub log_pages: u32,
    /// Budget of the block cache in bytes. Default 8 MiB.
    pub block_cache_bytes: usize,
    /// Runs are merged automatically by a size-ratio policy (the newest runs down to the
    /// oldest one no larger than all newer runs together), which keeps about
    /// log2(data / memtable) runs; besides, every run is merged once there are more than
    /// this. Default 8.
    pub max_runs: usize,
    /// Merge runs automatically after flushes (default). Off: runs accumulate until
    /// [`NativeStore::compact`], e.g. for a bulk import compacted once at the end (point
    /// reads look at every run meanwhile).
    pub auto_compaction: bool,
    /// Optional value rewriter applied by compaction.
    pub value_rewriter: Option<ValueRewriter>,
    /// Run automatic compactions on a background thread (default) instead of on the thread
    /// of the commit that triggered them. Tests that count I/O steps turn it off.
    pub background_compaction: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            durability: Durability::Immediate,
            memtable_bytes: 4 * 1024 * 1024,
            log_pages: 1024,
            block_cache_bytes: 8 * 1024 * 1024,
            max_runs: 8,
            auto_compaction: true,
            value_rewriter: None,
            background_compaction: true,
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("durability", &self.durability)
            .field("memtable_bytes", &self.memtable_bytes)
            .field("log_pages", &self.log_pages)
            .field("block_cache_bytes", &self.block_cache_bytes)
            .field("max_runs", &self.max_runs)
            .field("auto_compaction", &self.auto_compaction)
            .field(
                "value_rewriter",
                &self.value_rewriter.as_ref().map(|_| ".."),
            )
            .finish()
    }
}

/// The memtable: the entries committed since the last flush, sorted, plus a one-probe
/// filter of their key hashes, so that a point read for a key the memtable does not hold
/// (nearly every read of a large store) skips the search of the `BTreeMap`, whose keys are
/// separate heap allocations (a cache miss per comparison).
///
/// Invariant: every key of `map` has its bit set in `bits` (no false negatives).
#[derive(Debug)]
struct Memtable {
    map: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// `1 << bits_log2` bits, indexed by the top bits of a multiplicative hash of
    /// `bloom::key_hash`; grown (and refilled from `map`) to keep at least 8 bits per key.
    bits: Vec<u64>,
    bits_log2: u32,
}

/// The filter starts at 4096 bits (512 bytes) and stops growing at 2^23 (1 MiB).
const MEM_FILTER_MIN_LOG2: u32 = 12;
const MEM_FILTER_MAX_LOG2: u32 = 23;

impl Default for Memtable {
    fn default() -> Self {
        Memtable {
            map: BTreeMap::new(),
            bits: vec![0; 1 << (MEM_FILTER_MIN_LOG2 - 6)],
            bits_log2: MEM_FILTER_MIN_LOG2,
        }
    }
}

impl std::ops::Deref for Memtable {
    type Target = BTreeMap<Vec<u8>, Option<Vec<u8>>>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl Memtable {
    fn new() -> Memtable {
        Memtable::default()
    }

    fn bit(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits_log2)) as usize
    }

    fn set(&mut self, hash: u64) {
        let b = self.bit(hash);
        if let Some(w) = self.bits.get_mut(b / 64) {
            *w |= 1 << (b % 64);
        }
    }

    fn insert(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let hash = crate::format::bloom::key_hash(&key);
        self.map.insert(key, value);
        if self.map.len() << 3 > 1 << self.bits_log2 && self.bits_log2 < MEM_FILTER_MAX_LOG2 {
            // Grow 4x and refill from the keys (amortised: every key is hashed again at
            // most once per growth).
            self.bits_log2 = (self.bits_log2 + 2).min(MEM_FILTER_MAX_LOG2);
            self.bits = vec![0; 1 << (self.bits_log2 - 6)];
            let hashes: Vec<u64> = self
                .map
                .keys()
                .map(|k| crate::format::bloom::key_hash(k))
                .collect();
            for h in hashes {
                self.set(h);
            }
        } else {
            self.set(hash);
        }
    }

    /// The entry for `key`, whose `bloom::key_hash` is `hash`.
    fn get_hashed(&self, key: &[u8], hash: u64) -> Option<&Option<Vec<u8>>> {
        let b = self.bit(hash);
        let set = self
            .bits
            .get(b / 64)
            .is_some_and(|w| w & (1 << (b % 64)) != 0);
        if set {
            self.map.get(key)
        } else {
            None
        }
    }
}

/// What readers see: the memtable, a memtable being flushed, and the runs (newest first).
#[derive(Debug, Default)]
struct View {
    mem: Memtable,
    mem_bytes: usize,
    frozen: Option<Arc<Memtable>>,
    runs: Arc<Vec<Arc<Run>>>,
}

struct Inner {
    path: PathBuf,
    /// The file's format version (header, HDR-4).
    file_version: u32,
    io: Arc<dyn FileIo>,
    opts: Options,
    read_only: bool,
    poisoned: AtomicBool,
    view: RwLock<View>,
    writer: Mutex<Writer>,
    cache: Arc<BlockCache>,
    /// Group commit: commits written and known durable, leader election, waiters.
    group: writer::GroupCommit,
    /// Held by the one running compaction.
    compacting: Mutex<()>,
    /// A flush found that the policy wants a compaction.
    compaction_wanted: AtomicBool,
    /// The background compaction worker, if running.
    background: OnceLock<Arc<compactor::Background>>,
}

/// The native engine: one `.crdt` file, an LSM tree of a log, a memtable and sorted runs.
/// Clones are handles to the same open database; dropping the last one flushes the
/// memtable and closes the file (use [`NativeStore::close`] to see errors).
///
/// ```
/// use crdt_store::{EventStore, NativeStore, StateStore};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.crdt");
/// {
///     let store = NativeStore::open(&path).unwrap();
///     store.put("sensors", "s1", b"data").unwrap();
///     assert_eq!(store.append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a").unwrap(), 1);
/// }
/// let store = NativeStore::open_read_only(&path).unwrap();
/// assert_eq!(store.get("sensors", "s1").unwrap().as_deref(), Some(&b"data"[..]));
/// assert_eq!(store.event_count("sensors", "s1").unwrap(), 1);
/// ```
#[derive(Clone)]
pub struct NativeStore {
    // Dropped first: stops and joins the compaction worker, so that dropping the last
    // handle closes the file.
    _closer: Arc<compactor::Closer>,
    inner: Arc<Inner>,
}

impl fmt::Debug for NativeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeStore")
            .field("path", &self.inner.path)
            .field("read_only", &self.inner.read_only)
            .finish_non_exhaustive()
    }
}

/// Counters describing a store, for tools and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Live runs.
    pub runs: usize,
    /// Pages in use by the file (its high-water mark).
    pub file_pages: u64,
    /// Free pages available for reuse.
    pub free_pages: u64,
    /// Bytes in the memtable.
    pub memtable_bytes: usize,
    /// Current manifest generation.
    pub generation: u64,
    /// Pages of the log extent (it starts at 16 and doubles up to [`Options::log_pages`]).
    pub log_pages: u32,
}

impl NativeStore {
    /// Open or create the database at `path` for writing, with default [`Options`].
    /// A second writable open of the same file, from this or another process, fails with
    /// [`Error::Locked`].
    pub fn open(path: impl AsRef<Path>) -> Result<NativeStore> {
        Self::open_with(path, Options::default())
    }

    /// Open or create the database at `path` for writing.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<NativeStore> {
        let path = path.as_ref();
        let existed = path.exists();
        let file = match crate::io::RealFile::open_locked(path) {
            Ok(f) => f,
            Err(crate::io::real::OpenFailure::Locked) => {
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                })
            }
            Err(crate::io::real::OpenFailure::Io(source)) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    op: "open",
                    source,
                })
            }
        };
        let store = Self::open_io(Arc::new(file), path, options, false)?;
        if !existed {
            // Make the new directory entry durable too, or a power cut could lose the file.
            sync_parent_dir(path)?;
        }
        Ok(store)
    }

    /// Open an existing database read-only, without taking the writer lock: it sees the
    /// last committed state at the time of opening, even while a writer holds the file,
    /// until [`NativeStore::refresh`] moves it to a newer one. While it is open it is
    /// registered as a reader (SB-5): the writer reuses no freed pages and does not shrink
    /// the file, so keep read-only handles open only as long as needed.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<NativeStore> {
        let path = path.as_ref();
        let file = crate::io::RealFile::open_read_only(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            op: "open",
            source,
        })?;
        Self::open_io(Arc::new(file), path, Options::default(), true)
    }

    /// Open a database over any [`FileIo`] (tests use [`crate::io::SimDisk`]); `path` is
    /// used in error messages only.
    pub fn open_io(
        io: Arc<dyn FileIo>,
        path: impl AsRef<Path>,
        options: Options,
        read_only: bool,
    ) -> Result<NativeStore> {
        let inner = Arc::new(recovery::open(io, path.as_ref(), options, read_only)?);
        let closer = if !read_only && inner.opts.background_compaction {
            compactor::Background::spawn(&inner)
        } else {
            compactor::Closer::default()
        };
        inner.after_write();
        Ok(NativeStore {
            _closer: Arc::new(closer),
            inner,
        })
    }

    /// Move a read-only handle to the newest committed state of the file: the newest
    /// superblock generation and the commits the writer has logged since, so a viewer
    /// (CLI, dev UI) can follow a database an app is writing. Returns whether anything new
    /// became visible. Safe against a writer in another process that commits, flushes and
    /// compacts meanwhile: the handle's reader registration (SB-5) keeps every page it may
    /// read from being reused, and a refresh that overlaps a new generation starts over.
    /// Scans already running keep their snapshot. On a writable handle it returns
    /// `Ok(false)`: that handle always sees its own commits.
    ///
    /// ```
    /// use crdt_store::{NativeStore, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("live.crdt");
    /// let writer = NativeStore::open(&path).unwrap();
    /// let viewer = NativeStore::open_read_only(&path).unwrap();
    /// writer.put("sensors", "s1", b"21.5").unwrap();
    /// assert_eq!(viewer.get("sensors", "s1").unwrap(), None);
    /// assert!(viewer.refresh().unwrap());
    /// assert_eq!(viewer.get("sensors", "s1").unwrap().as_deref(), Some(&b"21.5"[..]));
    /// assert!(!viewer.refresh().unwrap());
    /// ```
    pub fn refresh(&self) -> Result<bool> {
        if !self.inner.read_only {
            return Ok(false);
        }
        self.inner.refresh()
    }

    /// The file this store reads.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Flush the memtable into a run now.
    pub fn flush(&self) -> Result<()> {
        self.inner.with_writer(|inner, w| inner.flush(w, None))?;
        self.inner.after_write();
        Ok(())
    }

    /// Merge every run into one, dropping overwritten values, deletes and truncated events,
    /// and applying the value rewriter; then give free space back to the file system
    /// (the log returns to its initial 64 KiB, the file is cut to its live size).
    pub fn compact(&self) -> Result<()> {
        self.inner.with_writer(|inner, w| {
            inner.flush(w, None)?;
            // The log shrinks before the merge, not after: the grown log's pages are then
            // free while the merged run is placed and moved down, instead of becoming a
            // hole under it that the file cannot give back.
            inner.small_log(w).map(|_| ())
        })?;
        if !self.inner.compact_once(true)? {
            // Nothing to merge; the file may still shrink.
            self.inner.shrink_now(true)?;
        }
        Ok(())
    }

    /// Flush and close, reporting any error (dropping the last handle flushes too, but
    /// cannot report errors).
    pub fn close(self) -> Result<()> {
        if self.inner.read_only {
            return Ok(());
        }
        self.flush()?;
        self.inner.shrink_now(false)
    }

    /// Counters describing the store.
    pub fn stats(&self) -> Stats {
        let w = self.inner.writer.lock();
        let v = self.inner.view.read();
        Stats {
            runs: v.runs.len(),
            file_pages: w.alloc.file_pages(),
            free_pages: w.alloc.free_pages(),
            memtable_bytes: v.mem_bytes,
            generation: w.manifest.generation,
            log_pages: w.manifest.log.pages,
        }
    }

    /// Run the internal invariant checks (tests call this after each step).
    pub fn check_invariants(&self) -> Result<()> {
        let w = self.inner.writer.lock();
        w.manifest
            .validate(Some(w.manifest_extent))
            .map_err(|b| b.at(&self.inner.path, 0))
    }
}

/// Windows cannot open a directory as a file to sync it; NTFS journals the new entry.
#[cfg(not(unix))]
fn sync_parent_dir(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            op: "sync directory",
            source,
        })
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(bg) = self.background.get() {
            bg.stop();
        }
        if self.read_only || self.poisoned.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let needs_flush = self.view.read().mem_bytes > 0;
        if needs_flush {
            let mut w = self.writer.lock();
            // Errors cannot be reported from drop; the log still holds the commits.
            let _ = self.flush(&mut w, None);
        }
        // Errors cannot be reported; a longer file is valid and the next open shrinks it.
        let _ = self.shrink_now(false);
    }
}

impl Inner {
    fn poison<T>(&self, op: &'static str, source: std::io::Error) -> Result<T> {
        self.poisoned
            .store(true, std::sync::atomic::Ordering::Release);
        Err(Error::Io {
            path: self.path.clone(),
            op,
            source,
        })
    }

    /// Give the free tail of the file back (SB-6), under the compaction and writer locks;
    /// `defrag` (explicit `compact()`): also lift a run over large holes below it.
    fn shrink_now(&self, defrag: bool) -> Result<()> {
        let _one = self.compacting.lock();
        self.with_writer(|inner, w| inner.shrink(w, true, defrag))
    }

    fn with_writer<T>(&self, f: impl FnOnce(&Inner, &mut Writer) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let mut w = self.writer.lock();
        if self.poisoned.load(std::sync::atomic::Ordering::Acquire) {
            return Err(Error::Poisoned);
        }
        f(self, &mut w)
    }

    fn get_entry(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let hash = crate::format::bloom::key_hash(key);
        let runs = {
            let v = self.view.read();
            if let Some(hit) = v.mem.get_hashed(key, hash) {
                return Ok(hit.clone());
            }
            if let Some(hit) = v.frozen.as_ref().and_then(|f| f.get_hashed(key, hash)) {
                return Ok(hit.clone());
            }
            Arc::clone(&v.runs)
        };
        let last = runs.len().saturating_sub(1);
        for (i, r) in runs.iter().enumerate() {
            if let Some(hit) = r.get(key, hash, i == last)? {
                return Ok(hit);
            }
        }
        Ok(None)
    }

    fn scan_entries(&self, start: &[u8], end: Option<&[u8]>) -> Vec<EntryIter<'static>> {
        let range = |m: &Memtable| -> Vec<Result<crate::kv::Entry>> {
            let upper = match end {
                Some(e) => Bound::Excluded(e.to_vec()),
                None => Bound::Unbounded,
            };
            m.range((Bound::Included(start.to_vec()), upper))
                .map(|(k, v)| Ok((k.clone(), v.clone())))
                .collect()
        };
        let v = self.view.read();
        let mut sources: Vec<EntryIter<'static>> = vec![Box::new(range(&v.mem).into_iter())];
        if let Some(f) = &v.frozen {
            sources.push(Box::new(range(f).into_iter()));
        }
        let runs = Arc::clone(&v.runs);
        drop(v);
        for r in runs.iter() {
            sources.push(r.iter(start, end));
        }
        sources
    }
}

impl KvRead for NativeStore {
    fn location(&self) -> &Path {
        &self.inner.path
    }
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get_entry(key)
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        Ok(Box::new(MergeIter::new(
            self.inner.scan_entries(start, end),
        )))
    }
}

impl KvStore for NativeStore {
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()> {
        let group = self.inner.opts.durability == Durability::GroupCommit;
        // Counted from before the writer lock: a group-commit leader waits for the
        // committers in flight (see `writer::GroupCommit`).
        let _in_flight = group.then(|| self.inner.group.enter());
        let n = self.write_commit(resolve)?;
        if group && n > 0 {
            self.inner.group_sync(n)
        } else {
            Ok(())
        }
    }
}

/// A commit made by [`NativeStore::commit_pipelined`], to pass to
/// [`NativeStore::wait_durable`]. Tickets are ordered like their commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitTicket(u64);

/// A [`KvStore`] over a `NativeStore` whose commits do not wait for a group sync; it
/// keeps the number of its last commit (0: nothing was committed).
struct Pipelined<'a> {
    store: &'a NativeStore,
    commit: AtomicU64,
}

impl KvRead for Pipelined<'_> {
    fn location(&self) -> &Path {
        self.store.location()
    }
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.store.kv_get(key)
    }
    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        self.store.kv_scan(start, end)
    }
}

impl KvStore for Pipelined<'_> {
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()> {
        let n = self.store.write_commit(resolve)?;
        self.commit.store(n, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

impl NativeStore {
    /// Write one commit under the writer lock; its number, or 0 if there was nothing to
    /// commit. No group sync.
    fn write_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<u64> {
        let n = self
            .inner
            .with_writer(|inner, w| inner.commit(w, &mut || resolve(self)))?;
        self.inner.after_write();
        Ok(n.unwrap_or(0))
    }

    /// Commit `batch` like [`EventStore::commit`](crate::EventStore::commit), but with
    /// [`Durability::GroupCommit`] or [`Durability::None`] return as soon as it is written
    /// to the log (readers see it), without waiting for a sync: a writer that need not
    /// block on each commit can go on and later call [`NativeStore::wait_durable`] with
    /// the ticket (or a later one), so that several of its commits share one sync. With
    /// [`Durability::Immediate`] the commit is synced before this returns, as always.
    ///
    /// ```
    /// use crdt_store::{Durability, EventStore, NativeStore, Options, WriteBatch};
    /// let dir = tempfile::tempdir().unwrap();
    /// let opts = Options { durability: Durability::GroupCommit, ..Options::default() };
    /// let store = NativeStore::open_with(dir.path().join("log.crdt"), opts).unwrap();
    /// let mut last = None;
    /// for i in 0..100u32 {
    ///     let mut batch = WriteBatch::new();
    ///     batch.append_event("sensors", "s1", &i.to_le_bytes(), u64::from(i), "node-a");
    ///     let (outcome, ticket) = store.commit_pipelined(&batch).unwrap();
    ///     assert_eq!(outcome.event_seqs, vec![u64::from(i) + 1]);
    ///     last = Some(ticket);
    /// }
    /// // One sync makes all 100 durable.
    /// store.wait_durable(last.unwrap()).unwrap();
    /// assert_eq!(store.event_count("sensors", "s1").unwrap(), 100);
    /// ```
    pub fn commit_pipelined(
        &self,
        batch: &crate::WriteBatch,
    ) -> Result<(crate::CommitOutcome, CommitTicket)> {
        let p = Pipelined {
            store: self,
            commit: AtomicU64::new(0),
        };
        let outcome = crate::logic::commit(&p, batch)?;
        Ok((outcome, CommitTicket(p.commit.into_inner())))
    }

    /// Return once the commit of `ticket` (and every commit made before it through this
    /// handle or its clones) is durable, syncing if no sync covers it yet; concurrent
    /// waiters share one sync, as with [`Durability::GroupCommit`]. In every durability
    /// mode, so with [`Durability::None`] it makes chosen commits durable. Errors: the
    /// sync's I/O error, [`Error::Poisoned`] if an earlier write or sync failed before the
    /// commit was known durable, [`Error::InvalidArgument`] for a ticket of another
    /// store.
    pub fn wait_durable(&self, ticket: CommitTicket) -> Result<()> {
        if ticket.0 > self.inner.group.written() {
            return Err(Error::InvalidArgument(format!(
                "commit ticket {} was not made by this store ({})",
                ticket.0,
                self.inner.path.display()
            )));
        }
        if self.inner.opts.durability == Durability::Immediate {
            // Synced before `commit_pipelined` returned.
            return Ok(());
        }
        self.inner.group_sync(ticket.0)
    }
}

crate::logic::impl_store_traits!(NativeStore);

#[cfg(test)]
mod tests {
    use super::*;

    /// The memtable filter has no false negatives across its growths, and skips most
    /// absent keys.
    #[test]
    fn memtable_filter_finds_every_key() {
        let mut m = Memtable::new();
        let key = |i: u32| format!("key-{i}").into_bytes();
        for i in 0..50_000u32 {
            m.insert(key(i), (i % 3 != 0).then(|| vec![1]));
            if i.is_power_of_two() || i % 9_973 == 0 {
                for j in 0..=i {
                    let k = key(j);
                    let h = crate::format::bloom::key_hash(&k);
                    assert_eq!(m.get_hashed(&k, h), m.map.get(&k), "key {j} after {i}");
                }
            }
        }
        assert_eq!(m.bits_log2, 20);
        let skipped = (50_000..60_000u32)
            .filter(|&i| {
                let k = key(i);
                let b = m.bit(crate::format::bloom::key_hash(&k));
                m.bits[b / 64] & (1 << (b % 64)) == 0
            })
            .count();
        assert!(
            skipped > 9_000,
            "only {skipped} of 10,000 absent keys skipped"
        );
    }
}
