//! [`SqliteStore`]: the store's semantics over SQLite (rusqlite, bundled).
//!
//! Layout: one table `kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID` holding internal keys
//! (format-spec/keys.md). SQLite compares BLOBs with `memcmp` then length, which is the
//! byte order every backend iterates in.
//!
//! Concurrency: one writer connection behind a mutex; every commit is one
//! `BEGIN IMMEDIATE` transaction in which the batch is resolved (sequence counters read,
//! truncation floors raised) and applied, so seqs stay unique even with several handles or
//! processes on one file. File-backed stores read through a small pool of extra connections
//! (WAL lets them run beside the writer); in-memory stores read through the writer.
//! Scans page by key range (`k >= ? AND k < ? ORDER BY k LIMIT ?`), so they never hold a
//! connection between items and never collect a namespace.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::{check_commit_len, hidden_events};
use crate::error::{Error, Result};
use crate::kv::{KvIter, KvRead, KvStore, Mutation};
use crate::Durability;

/// SQLite's `PRAGMA synchronous` setting (WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `FULL`: the WAL is synced at every commit; a commit that returned survives a power
    /// cut. Matches [`Durability::Immediate`] and [`Durability::GroupCommit`].
    #[default]
    Full,
    /// `NORMAL`: no sync at commit (only at checkpoints); a power cut may lose recent
    /// commits, never a partial one. Matches [`Durability::None`].
    Normal,
    /// `OFF`: SQLite never syncs; a power cut may corrupt the database. No native equivalent.
    Off,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
            Synchronous::Off => "OFF",
        }
    }
}

impl From<Durability> for Synchronous {
    fn from(d: Durability) -> Self {
        match d {
            Durability::Immediate | Durability::GroupCommit => Synchronous::Full,
            Durability::None => Synchronous::Normal,
        }
    }
}

/// Settings for [`SqliteStore::open_with_config`].
///
/// ```
/// use crdt_store::{Durability, SqliteConfig, Synchronous};
/// let config = SqliteConfig::from(Durability::None);
/// assert_eq!(config.synchronous, Synchronous::Normal);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteConfig {
    /// Sync policy. Default [`Synchronous::Full`] (the native default, `Immediate`).
    pub synchronous: Synchronous,
    /// Page cache per connection, in KiB (`PRAGMA cache_size = -N`). Default 8192 (8 MiB,
    /// the native block cache default).
    pub cache_kib: u32,
    /// How long a commit waits for another handle's write lock before failing with
    /// [`Error::Locked`]. Default 5 s.
    pub busy_timeout: Duration,
    /// Extra read connections kept for file-backed stores. Default 4.
    pub max_readers: usize,
    /// Memory-mapped I/O for reads, in bytes (`PRAGMA mmap_size`). Default 0 (SQLite's
    /// default: off); `NativeStore` reads through a memory map, so the benchmarks set it.
    pub mmap_bytes: u64,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig {
            synchronous: Synchronous::Full,
            cache_kib: 8 * 1024,
            busy_timeout: Duration::from_secs(5),
            max_readers: 4,
            mmap_bytes: 0,
        }
    }
}

impl From<Durability> for SqliteConfig {
    fn from(d: Durability) -> Self {
        SqliteConfig {
            synchronous: d.into(),
            ..SqliteConfig::default()
        }
    }
}

/// A store in an SQLite database file (or in memory), with exactly the semantics of
/// [`crate::NativeStore`] and [`crate::MemoryStore`].
///
/// Unlike `NativeStore`, several handles and processes may open one file; SQLite serializes
/// their commits. Cloning is cheap and shares the connections.
///
/// ```
/// use crdt_store::{EventStore, SqliteStore, StateStore};
/// # let dir = tempfile::tempdir().unwrap();
/// # std::env::set_current_dir(dir.path()).unwrap();
/// let store = SqliteStore::open("sensors.db").unwrap();
///
/// // State persistence
/// store.put("sensors", "s1", b"data").unwrap();
///
/// // Event sourcing
/// let seq = store.append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a").unwrap();
///
/// // Snapshots + compaction
/// store.save_snapshot("sensors", "s1", b"state", seq, 1).unwrap();
/// store.truncate_events_before("sensors", "s1", seq).unwrap();
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` for in-memory databases.
    path: Option<PathBuf>,
    /// Opened with [`SqliteStore::open_read_only`]: reads go through `writer` (the only,
    /// read-only connection) and commits fail with [`Error::ReadOnly`].
    read_only: bool,
    config: SqliteConfig,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY NOT NULL, v BLOB NOT NULL) WITHOUT ROWID";
const GET: &str = "SELECT v FROM kv WHERE k = ?1";
const PAGE_TO: &str = "SELECT k, v FROM kv WHERE k >= ?1 AND k < ?2 ORDER BY k LIMIT ?3";
const PAGE_OPEN: &str = "SELECT k, v FROM kv WHERE k >= ?1 ORDER BY k LIMIT ?2";
const UPSERT: &str =
    "INSERT INTO kv (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v";
const DELETE: &str = "DELETE FROM kv WHERE k = ?1";
const DELETE_RANGE: &str = "DELETE FROM kv WHERE k >= ?1 AND k < ?2";

/// First page of a scan: small, so `list_namespaces` (one item per namespace) stays cheap.
const FIRST_PAGE: usize = 16;
/// Pages double up to this many rows.
const MAX_PAGE: usize = 1024;

/// Map a SQLite error to the crate's [`Error`], keeping the variant a user acts on.
fn map_err(path: Option<&Path>, op: &'static str, e: rusqlite::Error) -> Error {
    let path_buf = || {
        path.map(Path::to_path_buf)
            .unwrap_or_else(|| ":memory:".into())
    };
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        match f.code {
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                return Error::Corrupted {
                    path: path_buf(),
                    offset: 0,
                    structure: "sqlite database",
                    detail: msg.clone().unwrap_or_else(|| f.to_string()),
                }
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return Error::Locked { path: path_buf() }
            }
            ErrorCode::ReadOnly => return Error::ReadOnly,
            _ => {}
        }
    }
    Error::Io {
        path: path_buf(),
        op,
        source: std::io::Error::other(e),
    }
}

impl SqliteStore {
    /// Open (or create) the database at `path` with [`SqliteConfig::default`]
    /// (WAL, `synchronous = FULL`).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_config(path, SqliteConfig::default())
    }

    /// Open (or create) the database at `path` with `config`.
    ///
    /// ```
    /// use crdt_store::{Durability, SqliteConfig, SqliteStore, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let store =
    ///     SqliteStore::open_with_config(dir.path().join("fast.db"), Durability::None.into())
    ///         .unwrap();
    /// store.put("ns", "k", b"v").unwrap();
    /// ```
    pub fn open_with_config(path: impl AsRef<Path>, config: SqliteConfig) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(|e| map_err(Some(&path), "open", e))?;
        Self::init(conn, Some(path), config)
    }

    /// Opens an existing database read-only (`SQLITE_OPEN_READ_ONLY`), for inspection
    /// tools. A missing path is an [`Error::Io`] (`NotFound`), never a new database; every commit
    /// fails with [`Error::ReadOnly`]; the schema is not created and no pragma that
    /// writes (journal mode) is issued.
    ///
    /// WAL side files: a database the adapter wrote is in WAL mode, and SQLite needs the
    /// `-shm` index to read a WAL database. When the `-wal` file exists (a writer is
    /// open, or did not close cleanly), the connection uses the existing `-wal` / `-shm`
    /// like any reader and sees every committed transaction; it never checkpoints.
    /// When there is no `-wal` file (the last writer closed cleanly, so every commit is
    /// in the main file), the database is opened with `immutable=1`: SQLite then reads
    /// the main file only and creates no `-wal` / `-shm` file at all. In that mode it
    /// takes no locks, so a writer that opens the file *during* the read is not seen
    /// (a short-lived inspection sees the state at open).
    ///
    /// ```
    /// use crdt_store::{SqliteStore, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("app.db");
    /// SqliteStore::open(&path).unwrap().put("ns", "k", b"v").unwrap();
    /// let ro = SqliteStore::open_read_only(&path).unwrap();
    /// assert_eq!(ro.get("ns", "k").unwrap().as_deref(), Some(&b"v"[..]));
    /// assert!(ro.put("ns", "k", b"w").is_err());
    /// assert!(SqliteStore::open_read_only(dir.path().join("missing.db")).is_err());
    /// ```
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        use rusqlite::OpenFlags;
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(Error::Io {
                path,
                op: "open read-only",
                source: std::io::ErrorKind::NotFound.into(),
            });
        }
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let uri = file_uri(&path, !Path::new(&wal).exists());
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let p = Some(path.as_path());
        let conn = Connection::open_with_flags(&uri, flags).map_err(|e| map_err(p, "open", e))?;
        let config = SqliteConfig {
            max_readers: 0,
            ..SqliteConfig::default()
        };
        configure(&conn, &config).map_err(|e| map_err(p, "configure", e))?;
        // Reading the schema here turns "not a database" into an error at open.
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'kv'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| map_err(p, "read schema", e))?;
        if tables != 1 {
            return Err(Error::Corrupted {
                path,
                offset: 0,
                structure: "sqlite database",
                detail: "no kv table: not a database written by SqliteStore".into(),
            });
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: Some(path),
                read_only: true,
                config,
                writer: Mutex::new(conn),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// SQLite's `PRAGMA integrity_check`: an empty list when the database is sound,
    /// else SQLite's findings (at most 100), one per line.
    ///
    /// ```
    /// use crdt_store::SqliteStore;
    /// let store = SqliteStore::open_in_memory().unwrap();
    /// assert!(store.integrity_check().unwrap().is_empty());
    /// ```
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let conn = self.inner.writer.lock();
        let mut st = conn
            .prepare("PRAGMA integrity_check(100)")
            .map_err(|e| map_err(self.path(), "integrity check", e))?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| map_err(self.path(), "integrity check", e))?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    /// A private in-memory database (gone when the last clone is dropped).
    ///
    /// ```
    /// use crdt_store::{SqliteStore, StateStore};
    /// let store = SqliteStore::open_in_memory().unwrap();
    /// store.put("ns", "k", b"v").unwrap();
    /// assert!(store.exists("ns", "k").unwrap());
    /// ```
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| map_err(None, "open", e))?;
        Self::init(conn, None, SqliteConfig::default())
    }

    fn init(conn: Connection, path: Option<PathBuf>, config: SqliteConfig) -> Result<Self> {
        let p = path.as_deref();
        configure(&conn, &config).map_err(|e| map_err(p, "configure", e))?;
        if path.is_some() {
            // Returns the mode actually in force; read it so a refusal is visible.
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(|e| map_err(p, "enable WAL", e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::InvalidArgument(format!(
                    "SQLite refused WAL mode (journal_mode is {mode})"
                )));
            }
        }
        let sync = format!("PRAGMA synchronous = {}", config.synchronous.pragma());
        conn.execute_batch(&sync)
            .map_err(|e| map_err(p, "set synchronous", e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| map_err(p, "create schema", e))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                read_only: false,
                config,
                writer: Mutex::new(conn),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The settings this store was opened with.
    pub fn config(&self) -> &SqliteConfig {
        &self.inner.config
    }

    /// The current value of `PRAGMA name` on the writer connection, as text (e.g.
    /// `synchronous` is `2` for FULL, `journal_mode` is `wal`). `name` must be a plain
    /// identifier.
    ///
    /// ```
    /// use crdt_store::SqliteStore;
    /// let store = SqliteStore::open_in_memory().unwrap();
    /// assert_eq!(store.pragma_value("synchronous").unwrap(), "2");
    /// ```
    pub fn pragma_value(&self, name: &str) -> Result<String> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Error::InvalidArgument(format!(
                "{name:?} is not a pragma name"
            )));
        }
        let conn = self.inner.writer.lock();
        conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Real(f) => f.to_string(),
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
            rusqlite::types::Value::Null => String::new(),
        })
        .map_err(|e| map_err(self.path(), "read pragma", e))
    }

    /// Reclaim free pages: checkpoint the WAL into the database, truncate the WAL and
    /// `VACUUM` (the counterpart of `NativeStore::compact`).
    pub fn compact(&self) -> Result<()> {
        if self.inner.read_only {
            return Err(Error::ReadOnly);
        }
        let conn = self.inner.writer.lock();
        let p = self.path();
        conn.execute_batch("VACUUM")
            .map_err(|e| map_err(p, "vacuum", e))?;
        if p.is_some() {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(|e| map_err(p, "checkpoint", e))?;
        }
        Ok(())
    }

    /// Run `f` on a read connection: a pooled one for files, the writer for memory.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let p = self.path();
        let Some(path) = p.filter(|_| !self.inner.read_only) else {
            let conn = self.inner.writer.lock();
            return f(&conn).map_err(|e| map_err(p, "read", e));
        };
        let pooled = self.inner.readers.lock().pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open(path).map_err(|e| map_err(p, "open reader", e))?;
                configure(&c, &self.inner.config).map_err(|e| map_err(p, "configure", e))?;
                c
            }
        };
        let out = f(&conn).map_err(|e| map_err(p, "read", e));
        let mut pool = self.inner.readers.lock();
        if pool.len() < self.inner.config.max_readers {
            pool.push(conn);
        }
        out
    }
}

/// A `file:` URI for `path` (percent-encoding what URIs reserve), read-only, with
/// `immutable=1` when asked.
fn file_uri(path: &Path, immutable: bool) -> String {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'%' | b'?' | b'#' => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(char::from(*b)),
        }
    }
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    uri
}

/// Settings shared by the writer and the readers.
fn configure(conn: &Connection, config: &SqliteConfig) -> rusqlite::Result<()> {
    conn.busy_timeout(config.busy_timeout)?;
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{}; PRAGMA mmap_size = {}",
        config.cache_kib, config.mmap_bytes
    ))?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(())
}

fn get_on(conn: &Connection, key: &[u8]) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.prepare_cached(GET)?
        .query_row([key], |r| r.get(0))
        .optional()
}

/// Up to `limit` pairs with `start <= k < end`.
fn page_on(
    conn: &Connection,
    start: &[u8],
    end: Option<&[u8]>,
    limit: usize,
) -> rusqlite::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
    match end {
        Some(end) => conn
            .prepare_cached(PAGE_TO)?
            .query_map(params![start, end, limit], row)?
            .collect(),
        None => conn
            .prepare_cached(PAGE_OPEN)?
            .query_map(params![start, limit], row)?
            .collect(),
    }
}

/// The smallest byte string greater than `key`: `key ‖ 0x00`.
fn successor(mut key: Vec<u8>) -> Vec<u8> {
    key.push(0);
    key
}

/// A key-range scan that fetches one page per query.
struct PagedScan<'a> {
    store: &'a SqliteStore,
    /// Inclusive start of the next page; `None` once the range is exhausted.
    next: Option<Vec<u8>>,
    end: Option<Vec<u8>>,
    page: usize,
    buf: std::vec::IntoIter<(Vec<u8>, Vec<u8>)>,
}

impl Iterator for PagedScan<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.buf.next() {
            return Some(Ok(item));
        }
        let start = self.next.take()?;
        let limit = self.page;
        let end = self.end.clone();
        let rows = match self
            .store
            .read(|c| page_on(c, &start, end.as_deref(), limit))
        {
            Ok(rows) => rows,
            Err(e) => return Some(Err(e)),
        };
        if rows.len() == limit {
            self.next = rows.last().map(|(k, _)| successor(k.clone()));
            self.page = (self.page * 2).min(MAX_PAGE);
        }
        self.buf = rows.into_iter();
        self.buf.next().map(Ok)
    }
}

impl KvRead for SqliteStore {
    fn location(&self) -> &Path {
        self.path().unwrap_or(Path::new(":memory:"))
    }

    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.read(|c| get_on(c, key))
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        Ok(Box::new(PagedScan {
            store: self,
            next: Some(start.to_vec()),
            end: end.map(<[u8]>::to_vec),
            page: FIRST_PAGE,
            buf: Vec::new().into_iter(),
        }))
    }
}

/// Reads inside the commit's transaction (they see its own uncommitted writes).
struct TxRead<'c> {
    conn: &'c Connection,
    path: Option<&'c Path>,
}

impl KvRead for TxRead<'_> {
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        get_on(self.conn, key).map_err(|e| map_err(self.path, "read", e))
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        // Inside a commit only truncation scans (it counts one entity's events below the new
        // floor); the connection is not `Sync`, so the rows are read here.
        let rows = page_on(self.conn, start, end, usize::MAX)
            .map_err(|e| map_err(self.path, "read", e))?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }
}

impl KvStore for SqliteStore {
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()> {
        if self.inner.read_only {
            return Err(Error::ReadOnly);
        }
        let p = self.path();
        let mut conn = self.inner.writer.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_err(p, "begin", e))?;
        let mutations = resolve(&TxRead { conn: &tx, path: p })?;
        if mutations.is_empty() {
            return Ok(()); // dropping `tx` rolls the empty transaction back
        }
        check_commit_len(&mutations)?;
        {
            let mut upsert = tx
                .prepare_cached(UPSERT)
                .map_err(|e| map_err(p, "prepare", e))?;
            let mut delete = tx
                .prepare_cached(DELETE)
                .map_err(|e| map_err(p, "prepare", e))?;
            for m in &mutations {
                match m {
                    Mutation::Put(k, v) => upsert.execute(params![k, v]),
                    Mutation::Delete(k) => delete.execute([k]),
                }
                .map_err(|e| map_err(p, "write", e))?;
                if let Mutation::Put(k, v) = m {
                    if let Some((start, end)) = hidden_events(k, v) {
                        tx.prepare_cached(DELETE_RANGE)
                            .and_then(|mut st| st.execute(params![start, end]))
                            .map_err(|e| map_err(p, "drop truncated events", e))?;
                    }
                }
            }
        }
        tx.commit().map_err(|e| map_err(p, "commit", e))
    }
}

crate::logic::impl_store_traits!(SqliteStore);
crate::records::impl_records!(SqliteStore);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventStore, StateStore};

    fn side_files(path: &Path) -> Vec<bool> {
        ["-wal", "-shm", "-journal"]
            .iter()
            .map(|suffix| {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                Path::new(&p).exists()
            })
            .collect()
    }

    #[test]
    fn read_only_open_of_a_closed_database_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        {
            let s = SqliteStore::open(&path).unwrap();
            s.put("ns", "k", b"v").unwrap();
            s.append_event("ns", "e", b"x", 1, "n").unwrap();
        }
        assert_eq!(side_files(&path), [false, false, false]);
        let before = std::fs::read(&path).unwrap();
        {
            let ro = SqliteStore::open_read_only(&path).unwrap();
            assert_eq!(ro.get("ns", "k").unwrap().as_deref(), Some(&b"v"[..]));
            assert_eq!(ro.records().unwrap().count(), 3);
            assert_eq!(ro.last_seq("ns", "e").unwrap(), Some(1));
            assert!(ro.integrity_check().unwrap().is_empty());
            assert!(matches!(ro.put("ns", "k", b"w"), Err(Error::ReadOnly)));
            assert!(matches!(ro.compact(), Err(Error::ReadOnly)));
            assert_eq!(side_files(&path), [false, false, false]);
        }
        assert_eq!(side_files(&path), [false, false, false]);
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn read_only_open_beside_a_writer_sees_its_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let w = SqliteStore::open(&path).unwrap();
        w.put("ns", "a", b"1").unwrap();
        let ro = SqliteStore::open_read_only(&path).unwrap();
        assert_eq!(ro.get("ns", "a").unwrap().as_deref(), Some(&b"1"[..]));
        w.put("ns", "b", b"2").unwrap();
        assert_eq!(ro.get("ns", "b").unwrap().as_deref(), Some(&b"2"[..]));
        drop(ro);
        w.put("ns", "c", b"3").unwrap();
        assert_eq!(w.list_keys("ns").unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn read_only_open_refuses_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.db");
        assert!(SqliteStore::open_read_only(&missing).is_err());
        assert!(!missing.exists());
        let other = dir.path().join("other.db");
        {
            let c = Connection::open(&other).unwrap();
            c.execute_batch("CREATE TABLE t (x)").unwrap();
        }
        let e = SqliteStore::open_read_only(&other).unwrap_err();
        assert!(e.is_corrupted(), "{e}");
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"SQLite format 3\0 but then garbage".repeat(40)).unwrap();
        assert!(SqliteStore::open_read_only(&junk).is_err());
    }
}
