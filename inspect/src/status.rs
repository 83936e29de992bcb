//! `status`: sizes, format, namespaces with their counts, and the runs of a `.crdt` file.

use std::collections::{BTreeMap, BTreeSet};

use crdt_store::Record;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::Result;
use crate::SCHEMA_VERSION;

/// The file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileStatus {
    /// Path as given.
    pub path: String,
    /// `crdt`, `sqlite` or `redb`.
    pub format: String,
    /// On-disk format version (`.crdt` only).
    pub format_version: Option<u32>,
    /// Size of the file on disk.
    pub file_bytes: u64,
    /// Bytes in use (file minus free pages); `.crdt` and SQLite.
    pub live_bytes: Option<u64>,
    /// Bytes of free pages, reusable; `.crdt` and SQLite.
    pub free_bytes: Option<u64>,
    /// Bytes of the log extent (`.crdt`).
    pub log_bytes: Option<u64>,
    /// Manifest generation (`.crdt`).
    pub generation: Option<u64>,
    /// Number of runs (`.crdt`).
    pub runs: Option<u64>,
    /// Number of namespaces.
    pub namespaces: u64,
}

/// One namespace and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceStatus {
    /// Its name.
    pub name: String,
    /// Distinct keys / entities with state, events, a snapshot or a sequence counter.
    pub entities: u64,
    /// State values.
    pub states: u64,
    /// Events stored (after truncation).
    pub events: u64,
    /// Snapshots.
    pub snapshots: u64,
}

/// One run of a `.crdt` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunStatus {
    /// Run id (newer runs have larger ids).
    pub id: u64,
    /// Level (always 0: compaction is size-tiered, one level of runs).
    pub level: u32,
    /// Byte offset in the file.
    pub offset: u64,
    /// Bytes.
    pub bytes: u64,
    /// Entries, including deletes.
    pub entries: u64,
}

impl From<&crdt_store::RunInfo> for RunStatus {
    fn from(r: &crdt_store::RunInfo) -> Self {
        RunStatus {
            id: r.id,
            level: 0,
            offset: r.offset,
            bytes: r.bytes,
            entries: r.entries,
        }
    }
}

/// One line of `crdt status --json`: the `kind` field names the variant
/// (`file`, `namespace`, `run`), the other fields are those of the inner struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StatusLine {
    /// The file as a whole (first line).
    File(FileStatus),
    /// One namespace.
    Namespace(NamespaceStatus),
    /// One run.
    Run(RunStatus),
}

/// The status of a database (what `crdt status` shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    /// [`SCHEMA_VERSION`] of these types.
    pub schema_version: u32,
    /// The file.
    pub file: FileStatus,
    /// Namespaces in name order.
    pub namespaces: Vec<NamespaceStatus>,
    /// Runs, oldest first (empty for SQLite and redb).
    pub runs: Vec<RunStatus>,
}

impl StatusReport {
    /// The report as the lines `crdt status --json` prints: file, namespaces, runs.
    pub fn lines(&self) -> Vec<StatusLine> {
        let mut lines = vec![StatusLine::File(self.file.clone())];
        lines.extend(self.namespaces.iter().cloned().map(StatusLine::Namespace));
        lines.extend(self.runs.iter().cloned().map(StatusLine::Run));
        lines
    }
}

#[derive(Default)]
struct NsCount {
    entities: BTreeSet<String>,
    states: u64,
    events: u64,
    snapshots: u64,
}

/// The status of `db`, counted with one scan of its records (memory: the entity names,
/// not the values).
///
/// ```
/// use crdt_store::{NativeStore, StateStore};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.crdt");
/// let store = NativeStore::open(&path).unwrap();
/// store.put("docs", "readme", b"hello").unwrap();
/// store.close().unwrap();
///
/// let db = crdt_inspect::Db::open_read(&path).unwrap();
/// let report = crdt_inspect::status(&db).unwrap();
/// assert_eq!(report.file.format, "crdt");
/// assert_eq!(report.namespaces[0].name, "docs");
/// assert_eq!(report.namespaces[0].states, 1);
/// ```
pub fn status(db: &Db) -> Result<StatusReport> {
    let mut ns: BTreeMap<String, NsCount> = BTreeMap::new();
    for r in db.records()? {
        match r? {
            Record::State { ns: n, key, .. } => {
                let c = ns.entry(n).or_default();
                c.states += 1;
                c.entities.insert(key);
            }
            Record::Event { ns: n, entity, .. } => {
                let c = ns.entry(n).or_default();
                c.events += 1;
                c.entities.insert(entity);
            }
            Record::Snapshot { ns: n, entity, .. } => {
                let c = ns.entry(n).or_default();
                c.snapshots += 1;
                c.entities.insert(entity);
            }
            Record::Counter { ns: n, entity, .. } => {
                ns.entry(n).or_default().entities.insert(entity);
            }
            _ => {}
        }
    }
    let layout = db.layout();
    let space = db.space()?;
    let file = FileStatus {
        path: db.path().display().to_string(),
        format: db.kind().name().to_string(),
        format_version: layout.as_ref().map(|l| l.format_version),
        file_bytes: db.file_bytes()?,
        live_bytes: space.map(|s| s.live_bytes),
        free_bytes: space.map(|s| s.free_bytes),
        log_bytes: layout.as_ref().map(|l| l.log_bytes),
        generation: layout.as_ref().map(|l| l.generation),
        runs: layout.as_ref().map(|l| l.runs.len() as u64),
        namespaces: ns.len() as u64,
    };
    let namespaces = ns
        .into_iter()
        .map(|(name, c)| NamespaceStatus {
            name,
            entities: c.entities.len() as u64,
            states: c.states,
            events: c.events,
            snapshots: c.snapshots,
        })
        .collect();
    let runs = layout
        .map(|l| l.runs)
        .unwrap_or_default()
        .iter()
        .map(RunStatus::from)
        .collect();
    Ok(StatusReport {
        schema_version: SCHEMA_VERSION,
        file,
        namespaces,
        runs,
    })
}
