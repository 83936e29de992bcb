//! [`RedbStore`]: the store's semantics over redb.
//!
//! Layout: one redb table `crdt_kv: &[u8] -> &[u8]` holding internal keys
//! (format-spec/keys.md); redb orders `&[u8]` keys bytewise, the order every backend
//! iterates in. Every commit is one write transaction (redb serializes writers) in which the
//! batch is resolved and applied. Point reads open a read transaction; scans iterate one
//! read transaction's range, a consistent snapshot that does not block writers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadableTable, TableDefinition};

use super::{check_commit_len, hidden_events};
use crate::error::{Error, Result};
use crate::kv::{KvIter, KvRead, KvStore, Mutation};
use crate::Durability;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("crdt_kv");

/// Settings for [`RedbStore::open_with`].
///
/// ```
/// use crdt_store::{Durability, RedbOptions};
/// let opts = RedbOptions { durability: Durability::None, ..RedbOptions::default() };
/// assert_eq!(opts.durability, Durability::None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedbOptions {
    /// [`Durability::Immediate`] and [`Durability::GroupCommit`] commit with redb's
    /// `Durability::Immediate` (synced before the commit returns); [`Durability::None`]
    /// with redb's `Durability::None`. Default `Immediate`.
    pub durability: Durability,
    /// redb's page cache, in bytes. Default 8 MiB (the native block cache default).
    pub cache_bytes: usize,
}

impl Default for RedbOptions {
    fn default() -> Self {
        RedbOptions {
            durability: Durability::Immediate,
            cache_bytes: 8 * 1024 * 1024,
        }
    }
}

/// A store in a redb database file, with exactly the semantics of [`crate::NativeStore`].
///
/// Like `NativeStore`, one file is open in one handle at a time: a second open fails with
/// [`Error::Locked`]. Cloning is cheap and shares the database.
///
/// ```
/// use crdt_store::{EventStore, RedbStore, StateStore};
/// let dir = tempfile::tempdir().unwrap();
/// let store = RedbStore::open(dir.path().join("sensors.redb")).unwrap();
/// store.put("sensors", "s1", b"data").unwrap();
/// assert_eq!(store.append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a").unwrap(), 1);
/// ```
#[derive(Clone)]
pub struct RedbStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    options: RedbOptions,
    /// Always `Some` until drop.
    db: Option<redb::Database>,
    /// Opened with [`RedbStore::open_read_only`] (over [`CopyOnWrite`]).
    read_only: bool,
    /// redb panicked on damaged data ([`guard`]): its state is unknown, so the handle
    /// refuses further use and the database is leaked instead of dropped (redb's drop
    /// would panic again on its poisoned locks).
    broken: std::sync::atomic::AtomicBool,
}

impl Inner {
    fn new(path: PathBuf, options: RedbOptions, db: redb::Database, read_only: bool) -> Self {
        Inner {
            path,
            options,
            db: Some(db),
            read_only,
            broken: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn is_broken(&self) -> bool {
        self.broken.load(std::sync::atomic::Ordering::Acquire)
    }

    fn unusable(&self) -> Error {
        Error::Corrupted {
            path: self.path.clone(),
            offset: 0,
            structure: "redb database",
            detail: "an earlier read found the database damaged; reopen it".into(),
        }
    }

    fn db(&self) -> Result<&redb::Database> {
        match &self.db {
            Some(db) if !self.is_broken() => Ok(db),
            _ => Err(self.unusable()),
        }
    }

    /// Runs `f` under [`guard`], marking the handle broken if redb panics.
    fn guarded<T>(&self, op: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        guard(&self.path, Some(&self.broken), op, f)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.is_broken() {
            std::mem::forget(self.db.take());
        }
    }
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.inner.path)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// Map a redb error to the crate's [`Error`], keeping the variant a user acts on.
fn map_err(path: &Path, op: &'static str, e: impl Into<redb::Error>) -> Error {
    match e.into() {
        redb::Error::DatabaseAlreadyOpen => Error::Locked {
            path: path.to_path_buf(),
        },
        redb::Error::Corrupted(detail) => Error::Corrupted {
            path: path.to_path_buf(),
            offset: 0,
            structure: "redb database",
            detail,
        },
        redb::Error::Io(source) => Error::Io {
            path: path.to_path_buf(),
            op,
            source,
        },
        other => Error::Io {
            path: path.to_path_buf(),
            op,
            source: std::io::Error::other(other),
        },
    }
}

impl RedbStore {
    /// Open (or create) the database at `path` with [`RedbOptions::default`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, RedbOptions::default())
    }

    /// Open (or create) the database at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: RedbOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let db = guard(&path, None, "open", || {
            redb::Builder::new()
                .set_cache_size(options.cache_bytes)
                .create(&path)
                .map_err(|e| map_err(&path, "open", e))
        })?;
        // Create the table up front so reads never meet a missing table.
        let txn = db.begin_write().map_err(|e| map_err(&path, "begin", e))?;
        txn.open_table(TABLE)
            .map_err(|e| map_err(&path, "create table", e))?;
        txn.commit().map_err(|e| map_err(&path, "commit", e))?;
        Ok(RedbStore {
            inner: Arc::new(Inner::new(path, options, db, false)),
        })
    }

    /// Opens an existing database for reading only, for inspection tools: the file is
    /// never written, a missing path is an error (never a new database), and every commit
    /// fails with [`Error::ReadOnly`].
    ///
    /// redb 2.6 has no read-only open: opening a database always writes its header (the
    /// "recovery required" flag, cleared again on close) and runs a repair after an
    /// unclean shutdown. So the database is opened over a copy-on-write backend: reads
    /// come from the file (opened read-only), and what redb writes (the header flag, a
    /// repair) stays in memory and is dropped with the handle. The file is held with a
    /// shared lock, so a redb writer that has it open makes this fail with
    /// [`Error::Locked`] (redb itself allows one open handle per file), and no writer can
    /// open it while it is being inspected.
    ///
    /// ```
    /// use crdt_store::{RedbStore, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("app.redb");
    /// RedbStore::open(&path).unwrap().put("ns", "k", b"v").unwrap();
    /// let before = std::fs::read(&path).unwrap();
    /// let ro = RedbStore::open_read_only(&path).unwrap();
    /// assert_eq!(ro.get("ns", "k").unwrap().as_deref(), Some(&b"v"[..]));
    /// assert!(ro.put("ns", "k", b"w").is_err());
    /// drop(ro);
    /// assert_eq!(std::fs::read(&path).unwrap(), before);
    /// ```
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = std::fs::File::open(&path).map_err(|source| Error::Io {
            path: path.clone(),
            op: "open read-only",
            source,
        })?;
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(Error::Locked { path }),
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(Error::Io {
                    path,
                    op: "lock",
                    source,
                })
            }
        }
        let backend = CopyOnWrite::new(file).map_err(|source| Error::Io {
            path: path.clone(),
            op: "stat",
            source,
        })?;
        let options = RedbOptions::default();
        let db = guard(&path, None, "open", || {
            redb::Builder::new()
                .set_cache_size(options.cache_bytes)
                .create_with_backend(backend)
                .map_err(|e| map_err(&path, "open", e))
        })?;
        let store = RedbStore {
            inner: Arc::new(Inner::new(path, options, db, true)),
        };
        // A file with no crdt table is not one of ours (and an empty file became an empty
        // database in memory only).
        store
            .inner
            .guarded("open table", || store.read_table().map(|_| ()))?;
        Ok(store)
    }

    /// redb's full integrity check (every page checksum and the allocator state).
    /// `Ok(true)` when the database is sound, `Ok(false)` when redb found damage it can
    /// repair; corruption it cannot repair is [`Error::Corrupted`]. On a handle from
    /// [`RedbStore::open_read_only`] the repair stays in memory and the file is not
    /// touched; on a writable handle redb repairs the file. Needs the only handle.
    pub fn check_integrity(&mut self) -> Result<bool> {
        let inner = Arc::get_mut(&mut self.inner).ok_or_else(|| {
            Error::InvalidArgument(
                "RedbStore::check_integrity needs the only handle (drop clones)".into(),
            )
        })?;
        let unusable = inner.unusable();
        let Inner {
            path, db, broken, ..
        } = inner;
        let db = match db {
            Some(db) if !broken.load(std::sync::atomic::Ordering::Acquire) => db,
            _ => return Err(unusable),
        };
        guard(path, Some(broken), "check integrity", || {
            db.check_integrity()
                .map_err(|e| map_err(path, "check integrity", e))
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The settings this store was opened with.
    pub fn options(&self) -> &RedbOptions {
        &self.inner.options
    }

    /// Reclaim free space (redb's `Database::compact`), after making pending
    /// [`Durability::None`] commits durable. Needs the only handle: fails with
    /// [`Error::InvalidArgument`] while clones exist. Returns whether redb compacted.
    pub fn compact(&mut self) -> Result<bool> {
        if self.inner.read_only {
            return Err(Error::ReadOnly);
        }
        let path = self.inner.path.clone();
        let inner = Arc::get_mut(&mut self.inner).ok_or_else(|| {
            Error::InvalidArgument("RedbStore::compact needs the only handle (drop clones)".into())
        })?;
        // redb refuses to compact while non-durable commits are pending: make them durable
        // with an empty Immediate commit first.
        let unusable = inner.unusable();
        let db = match inner.db.as_mut() {
            Some(db) if !inner.broken.load(std::sync::atomic::Ordering::Acquire) => db,
            _ => return Err(unusable),
        };
        let mut txn = db.begin_write().map_err(|e| map_err(&path, "begin", e))?;
        txn.set_durability(redb::Durability::Immediate);
        txn.commit().map_err(|e| map_err(&path, "commit", e))?;
        db.compact().map_err(|e| map_err(&path, "compact", e))
    }

    fn read_table(&self) -> Result<redb::ReadOnlyTable<&'static [u8], &'static [u8]>> {
        let path = &self.inner.path;
        let txn = self
            .inner
            .db()?
            .begin_read()
            .map_err(|e| map_err(path, "begin read", e))?;
        txn.open_table(TABLE)
            .map_err(|e| map_err(path, "open table", e))
    }
}

/// Bytes of one overlay page of [`CopyOnWrite`].
const OVERLAY_PAGE: u64 = 4096;

/// A redb storage backend that reads a file and keeps every write in memory, so redb can
/// open (and even repair) a database without the file changing. Pages written are held
/// whole; reads merge them over the file.
#[derive(Debug)]
struct CopyOnWrite {
    file: std::fs::File,
    state: parking_lot::Mutex<Overlay>,
}

#[derive(Debug)]
struct Overlay {
    /// Logical length (set by redb; starts as the file's).
    len: u64,
    /// Length of the file on disk, beyond which reads are zeros.
    file_len: u64,
    pages: std::collections::HashMap<u64, Box<[u8]>>,
}

impl CopyOnWrite {
    fn new(file: std::fs::File) -> std::io::Result<Self> {
        let file_len = file.metadata()?.len();
        Ok(CopyOnWrite {
            file,
            state: parking_lot::Mutex::new(Overlay {
                len: file_len,
                file_len,
                pages: std::collections::HashMap::new(),
            }),
        })
    }

    /// Page `index` as the file has it (zeros past its end).
    fn file_page(&self, file_len: u64, index: u64) -> std::io::Result<Box<[u8]>> {
        let mut page = vec![0u8; OVERLAY_PAGE as usize].into_boxed_slice();
        let start = index * OVERLAY_PAGE;
        let avail = file_len.saturating_sub(start).min(OVERLAY_PAGE) as usize;
        if let Some(dst) = page.get_mut(..avail) {
            read_exact_at(&self.file, dst, start)?;
        }
        Ok(page)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = buf.get_mut(n..).unwrap_or_default();
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// The overlay pages `[offset, offset + len)` touches, with the byte range of each that
/// it covers: `(page index, start in page, start in the buffer, bytes)`.
fn spans(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
    let end = offset.saturating_add(len as u64);
    let first = offset / OVERLAY_PAGE;
    let last = end.div_ceil(OVERLAY_PAGE);
    (first..last).filter_map(move |index| {
        let page_start = index * OVERLAY_PAGE;
        let from = offset.max(page_start);
        let to = end.min(page_start + OVERLAY_PAGE);
        (from < to).then(|| {
            (
                index,
                (from - page_start) as usize,
                (from - offset) as usize,
                (to - from) as usize,
            )
        })
    })
}

impl redb::StorageBackend for CopyOnWrite {
    fn len(&self) -> std::io::Result<u64> {
        Ok(self.state.lock().len)
    }

    fn read(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let state = self.state.lock();
        if offset
            .checked_add(len as u64)
            .is_none_or(|end| end > state.len)
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "read of {len} bytes at {offset} past the end ({})",
                    state.len
                ),
            ));
        }
        let mut out = vec![0u8; len];
        for (index, in_page, in_buf, n) in spans(offset, len) {
            let dst = out.get_mut(in_buf..in_buf + n).unwrap_or_default();
            match state.pages.get(&index) {
                Some(page) => {
                    dst.copy_from_slice(page.get(in_page..in_page + n).unwrap_or_default())
                }
                None => {
                    let at = index * OVERLAY_PAGE + in_page as u64;
                    let avail = state.file_len.saturating_sub(at).min(n as u64) as usize;
                    if let Some(d) = dst.get_mut(..avail) {
                        read_exact_at(&self.file, d, at)?;
                    }
                }
            }
        }
        Ok(out)
    }

    fn set_len(&self, len: u64) -> std::io::Result<()> {
        let mut state = self.state.lock();
        if len < state.len {
            // Bytes past a shrink read as zeros if the length grows again.
            let keep = len.div_ceil(OVERLAY_PAGE);
            state.pages.retain(|&index, _| index < keep);
            state.file_len = state.file_len.min(len);
            if let Some(page) = state.pages.get_mut(&(len / OVERLAY_PAGE)) {
                let from = (len % OVERLAY_PAGE) as usize;
                page.get_mut(from..).unwrap_or_default().fill(0);
            }
        }
        state.len = len;
        Ok(())
    }

    fn sync_data(&self, _eventual: bool) -> std::io::Result<()> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
        let mut state = self.state.lock();
        let file_len = state.file_len;
        for (index, in_page, in_buf, n) in spans(offset, data.len()) {
            let page = match state.pages.entry(index) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(self.file_page(file_len, index)?)
                }
            };
            page.get_mut(in_page..in_page + n)
                .unwrap_or_default()
                .copy_from_slice(data.get(in_buf..in_buf + n).unwrap_or_default());
        }
        state.len = state.len.max(offset.saturating_add(data.len() as u64));
        Ok(())
    }
}

/// One raw item of a redb range over [`TABLE`].
type RangeItem<'a> = std::result::Result<
    (
        redb::AccessGuard<'a, &'static [u8]>,
        redb::AccessGuard<'a, &'static [u8]>,
    ),
    redb::StorageError,
>;

fn pair(path: &Path, r: RangeItem<'_>) -> Result<(Vec<u8>, Vec<u8>)> {
    let (k, v) = r.map_err(|e| map_err(path, "read", e))?;
    Ok((k.value().to_vec(), v.value().to_vec()))
}

impl KvRead for RedbStore {
    fn location(&self) -> &Path {
        &self.inner.path
    }

    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let path = &self.inner.path;
        self.inner.guarded("read", || {
            let table = self.read_table()?;
            let got = table.get(key).map_err(|e| map_err(path, "read", e))?;
            Ok(got.map(|v| v.value().to_vec()))
        })
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        let path = &self.inner.path;
        let range = self.inner.guarded("scan", || {
            let table = self.read_table()?;
            match end {
                Some(end) => table.range::<&[u8]>(start..end),
                None => table.range::<&[u8]>(start..),
            }
            .map_err(|e| map_err(path, "scan", e))
        })?;
        let mut range = Some(range);
        Ok(Box::new(std::iter::from_fn(move || {
            let r = range.as_mut()?;
            let item = self
                .inner
                .guarded("scan", || r.next().map(|r| pair(path, r)).transpose());
            if !matches!(item, Ok(Some(_))) {
                range = None; // ended, failed or panicked: stop
            }
            item.transpose()
        })))
    }
}

/// Runs `f`, turning a panic inside redb (which asserts on some damaged files instead of
/// returning an error) into [`Error::Corrupted`].
/// `broken` (the handle's flag) is set when that happens.
fn guard<T>(
    path: &Path,
    broken: Option<&std::sync::atomic::AtomicBool>,
    op: &'static str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        if let Some(b) = broken {
            b.store(true, std::sync::atomic::Ordering::Release);
        }
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "internal assertion".into());
        Err(Error::Corrupted {
            path: path.to_path_buf(),
            offset: 0,
            structure: "redb database",
            detail: format!("redb failed during {op}: {why}"),
        })
    })
}

/// Reads inside the commit's write transaction (they see its own uncommitted writes).
struct TxRead<'t, 'txn> {
    table: &'t redb::Table<'txn, &'static [u8], &'static [u8]>,
    path: &'t Path,
}

impl KvRead for TxRead<'_, '_> {
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let got = self
            .table
            .get(key)
            .map_err(|e| map_err(self.path, "read", e))?;
        Ok(got.map(|v| v.value().to_vec()))
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        // Inside a commit only truncation scans (it counts one entity's events below the new
        // floor); the write table's range borrows the table, so the rows are read here.
        let range = match end {
            Some(end) => self.table.range::<&[u8]>(start..end),
            None => self.table.range::<&[u8]>(start..),
        }
        .map_err(|e| map_err(self.path, "scan", e))?;
        let rows: Vec<_> = range.map(|r| pair(self.path, r)).collect::<Result<_>>()?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

impl KvStore for RedbStore {
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()> {
        if self.inner.read_only {
            return Err(Error::ReadOnly);
        }
        let path = &self.inner.path;
        let mut txn = self
            .inner
            .db()?
            .begin_write()
            .map_err(|e| map_err(path, "begin", e))?;
        txn.set_durability(match self.inner.options.durability {
            Durability::Immediate | Durability::GroupCommit => redb::Durability::Immediate,
            Durability::None => redb::Durability::None,
        });
        {
            let mut table = txn
                .open_table(TABLE)
                .map_err(|e| map_err(path, "open table", e))?;
            let mutations = resolve(&TxRead {
                table: &table,
                path,
            })?;
            if mutations.is_empty() {
                drop(table);
                return txn.abort().map_err(|e| map_err(path, "abort", e));
            }
            check_commit_len(&mutations)?;
            for m in &mutations {
                match m {
                    Mutation::Put(k, v) => table.insert(k.as_slice(), v.as_slice()).map(|_| ()),
                    Mutation::Delete(k) => table.remove(k.as_slice()).map(|_| ()),
                }
                .map_err(|e| map_err(path, "write", e))?;
                if let Mutation::Put(k, v) = m {
                    if let Some((start, end)) = hidden_events(k, v) {
                        table
                            .retain_in::<&[u8], _>(start.as_slice()..end.as_slice(), |_, _| false)
                            .map_err(|e| map_err(path, "drop truncated events", e))?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| map_err(path, "commit", e))
    }
}

crate::logic::impl_store_traits!(RedbStore);
crate::records::impl_records!(RedbStore);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventStore, StateStore, WriteBatch};

    fn fixture(path: &Path) {
        let s = RedbStore::open(path).unwrap();
        let mut b = WriteBatch::new();
        for i in 0..300 {
            b.put("ns", &format!("k{i:03}"), &[7u8; 200]);
        }
        s.commit(&b).unwrap();
        s.append_event("log", "e", b"x", 1, "n").unwrap();
    }

    #[test]
    fn read_only_open_never_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.redb");
        fixture(&path);
        let before = std::fs::read(&path).unwrap();
        {
            let mut ro = RedbStore::open_read_only(&path).unwrap();
            assert_eq!(ro.records().unwrap().count(), 302);
            assert_eq!(ro.last_seq("log", "e").unwrap(), Some(1));
            assert!(matches!(ro.put("ns", "k", b"w"), Err(Error::ReadOnly)));
            assert!(matches!(ro.compact(), Err(Error::ReadOnly)));
            assert!(ro.check_integrity().unwrap());
            // The writer is kept out while the file is inspected.
            assert!(matches!(RedbStore::open(&path), Err(Error::Locked { .. })));
            assert_eq!(ro.list_keys("ns").unwrap().len(), 300);
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // And a writer that has the file keeps inspectors out.
        let w = RedbStore::open(&path).unwrap();
        assert!(matches!(
            RedbStore::open_read_only(&path),
            Err(Error::Locked { .. })
        ));
        drop(w);
        let missing = dir.path().join("missing.redb");
        assert!(RedbStore::open_read_only(&missing).is_err());
        assert!(!missing.exists());
    }

    #[test]
    fn damage_is_an_error_or_a_failed_check_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.redb");
        fixture(&path);
        let clean = std::fs::read(&path).unwrap();
        let mut found = 0;
        // The header page and a spread of pages (the file is mostly preallocated space).
        let step = (clean.len() / 24).max(1);
        let offsets = (0..64).step_by(7).chain((4096..clean.len()).step_by(step));
        for (i, at) in offsets.enumerate() {
            let mut bytes = clean.clone();
            bytes[at] ^= 0x5a;
            let p = dir.path().join(format!("d{i}.redb"));
            std::fs::write(&p, &bytes).unwrap();
            match RedbStore::open_read_only(&p) {
                Err(_) => found += 1,
                Ok(mut s) => {
                    let scan_failed = match s.records() {
                        Err(_) => true,
                        Ok(mut it) => it.any(|r| r.is_err()),
                    };
                    if scan_failed || !s.check_integrity().unwrap_or(false) {
                        found += 1;
                    }
                }
            }
            assert_eq!(std::fs::read(&p).unwrap(), bytes, "the file was written");
        }
        assert!(found > 0);
    }
}
