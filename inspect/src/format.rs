//! The on-disk structure of a `.crdt` file (format-spec/): superblocks, sizes, log,
//! manifest generation and runs, from the engine's [`crdt_store::Layout`] and
//! [`crdt_store::NativeStore::superblocks`].

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::Result;
use crate::status::RunStatus;
use crate::SCHEMA_VERSION;

/// The structure of a `.crdt` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatView {
    /// [`SCHEMA_VERSION`] of these types.
    pub schema_version: u32,
    /// On-disk format version from the header.
    pub format_version: u32,
    /// Page size in bytes.
    pub page_size: u64,
    /// Bytes below the high-water mark.
    pub file_bytes: u64,
    /// Bytes in use (file bytes minus free pages).
    pub live_bytes: u64,
    /// Bytes of free pages.
    pub free_bytes: u64,
    /// Bytes of the log extent.
    pub log_bytes: u64,
    /// Bytes held in the memtable (the log's records not yet in a run).
    pub memtable_bytes: u64,
    /// Manifest generation (the newest valid superblock's).
    pub generation: u64,
    /// The four superblock copies (two slots, two copies each).
    pub superblocks: Vec<SuperblockView>,
    /// The live runs, oldest first.
    pub runs: Vec<RunStatus>,
}

/// One copy of a superblock slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuperblockView {
    /// Slot (0 or 1): generation `g` is written to slot `g mod 2`.
    pub slot: u8,
    /// Copy within the slot (0 or 1).
    pub copy: u8,
    /// Byte offset in the file.
    pub offset: u64,
    /// Whether the copy is valid (magic, checksum, generation above 0).
    pub valid: bool,
    /// Whether it is the copy in use (valid, with the highest generation).
    pub current: bool,
    /// Generation, when valid.
    pub generation: Option<u64>,
    /// First page of the manifest it names, when valid.
    pub manifest_page: Option<u64>,
    /// Bytes of that manifest, when valid.
    pub manifest_len: Option<u32>,
}

/// The structure of `db` when it is a `.crdt` file; `None` for SQLite and redb, whose
/// internals are their own.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.crdt");
/// crdt_store::NativeStore::open(&path).unwrap().close().unwrap();
/// let db = crdt_inspect::Db::open_read(&path).unwrap();
/// let view = crdt_inspect::format_view(&db).unwrap().unwrap();
/// assert_eq!(view.superblocks.iter().filter(|s| s.current).count(), 1);
/// ```
pub fn format_view(db: &Db) -> Result<Option<FormatView>> {
    let (Some(l), Some(store)) = (db.layout(), db.as_native()) else {
        return Ok(None);
    };
    let raw = store.superblocks()?;
    let newest = raw.iter().filter_map(|s| s.generation).max();
    let mut current_seen = false;
    let superblocks = raw
        .iter()
        .map(|s| {
            let current = !current_seen && s.generation.is_some() && s.generation == newest;
            current_seen |= current;
            SuperblockView {
                slot: s.slot,
                copy: s.copy,
                offset: s.offset,
                valid: s.generation.is_some(),
                current,
                generation: s.generation,
                manifest_page: s.manifest_page,
                manifest_len: s.manifest_len,
            }
        })
        .collect();
    Ok(Some(FormatView {
        schema_version: SCHEMA_VERSION,
        format_version: l.format_version,
        page_size: l.page_size,
        file_bytes: l.file_bytes,
        live_bytes: l.live_bytes,
        free_bytes: l.free_bytes,
        log_bytes: l.log_bytes,
        memtable_bytes: l.memtable_bytes,
        generation: l.generation,
        superblocks,
        runs: l.runs.iter().map(RunStatus::from).collect(),
    }))
}
