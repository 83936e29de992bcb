//! Records: every live record of a database in its export form ([`ExportRecord`], the
//! `crdt export` format `crdt-export` version 1, documented in cli/README.md), and a
//! paged, filtered listing of them ([`records`]).

use crdt_store::Record;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::entity::Page;
use crate::error::Result;
use crate::hex::hex;
use crate::SCHEMA_VERSION;

/// Export format name, in the header.
pub const FORMAT: &str = "crdt-export";
/// Export format version.
pub const VERSION: u32 = 1;

/// One line of `crdt export --jsonl` (and one element of `records` in JSON mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExportRecord {
    /// First line of JSON Lines output.
    Header {
        /// Always `crdt-export`.
        format: String,
        /// Format version (1).
        version: u32,
    },
    /// A state value.
    State {
        /// Namespace.
        ns: String,
        /// Key.
        key: String,
        /// Stored bytes, hex.
        value_hex: String,
    },
    /// An event.
    Event {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Seq (from 1).
        seq: u64,
        /// Caller's timestamp.
        timestamp: u64,
        /// Producing replica.
        node_id: String,
        /// Payload, hex.
        data_hex: String,
    },
    /// A snapshot.
    Snapshot {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Last event folded in.
        at_seq: u64,
        /// Schema version.
        version: u32,
        /// State bytes, hex.
        state_hex: String,
    },
    /// The entity's sequence counter (the last seq handed out).
    Counter {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Last seq.
        last_seq: u64,
    },
}

/// The whole export in JSON (not JSON Lines) mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportDocument {
    /// Always `crdt-export`.
    pub format: String,
    /// Format version (1).
    pub version: u32,
    /// The records, in key order.
    pub records: Vec<ExportRecord>,
}

impl ExportRecord {
    /// The JSON Lines header.
    pub fn header() -> Self {
        ExportRecord::Header {
            format: FORMAT.into(),
            version: VERSION,
        }
    }

    /// `(namespace, key or entity)` of a data record.
    pub fn location(&self) -> Option<(&str, &str)> {
        match self {
            ExportRecord::Header { .. } => None,
            ExportRecord::State { ns, key, .. } => Some((ns, key)),
            ExportRecord::Event { ns, entity, .. }
            | ExportRecord::Snapshot { ns, entity, .. }
            | ExportRecord::Counter { ns, entity, .. } => Some((ns, entity)),
        }
    }
}

impl ExportRecord {
    /// The export form of a store record (`None` for record kinds this build does not
    /// know).
    pub fn from_record(r: Record) -> Option<Self> {
        Some(match r {
            Record::State { ns, key, value } => ExportRecord::State {
                ns,
                key,
                value_hex: hex(&value),
            },
            Record::Event { ns, entity, event } => ExportRecord::Event {
                ns,
                entity,
                seq: event.seq,
                timestamp: event.timestamp,
                node_id: event.node_id,
                data_hex: hex(&event.data),
            },
            Record::Snapshot {
                ns,
                entity,
                snapshot,
            } => ExportRecord::Snapshot {
                ns,
                entity,
                at_seq: snapshot.at_seq,
                version: snapshot.version,
                state_hex: hex(&snapshot.state),
            },
            Record::Counter {
                ns,
                entity,
                last_seq,
            } => ExportRecord::Counter {
                ns,
                entity,
                last_seq,
            },
            _ => return None,
        })
    }
}

/// A page of records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordPage {
    /// [`SCHEMA_VERSION`] of these types.
    pub schema_version: u32,
    /// The page asked for.
    pub page: Page,
    /// Whether records follow this page.
    pub more: bool,
    /// This page, in key order.
    pub records: Vec<ExportRecord>,
}

/// Whether a record passes the key / namespace filters (the header never does).
pub fn selected(rec: &ExportRecord, key: Option<&str>, ns: Option<&str>) -> bool {
    match rec.location() {
        None => false,
        Some((n, k)) => key.is_none_or(|want| want == k) && ns.is_none_or(|want| want == n),
    }
}

/// The records of namespace `ns` / key `key` (`None`: all), the window `page` of them,
/// streamed: at most `page.limit` records are held.
///
/// ```
/// use crdt_inspect::{records, Db, ExportRecord, Page};
/// use crdt_store::{NativeStore, StateStore};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.crdt");
/// let store = NativeStore::open(&path).unwrap();
/// store.put("docs", "a", b"1").unwrap();
/// store.put("docs", "b", b"2").unwrap();
/// store.close().unwrap();
/// let db = Db::open_read(&path).unwrap();
/// let page = records(&db, Some("docs"), None, Page::new(1, 1)).unwrap();
/// assert!(!page.more);
/// assert!(matches!(&page.records[..], [ExportRecord::State { key, .. }] if key == "b"));
/// ```
pub fn records(db: &Db, ns: Option<&str>, key: Option<&str>, page: Page) -> Result<RecordPage> {
    let mut out = Vec::new();
    let mut index = 0u64;
    let mut more = false;
    for r in db.records()? {
        let Some(rec) = ExportRecord::from_record(r?) else {
            continue;
        };
        if !selected(&rec, key, ns) {
            continue;
        }
        if index >= page.offset {
            if index - page.offset >= page.limit {
                more = true;
                break;
            }
            out.push(rec);
        }
        index += 1;
    }
    Ok(RecordPage {
        schema_version: SCHEMA_VERSION,
        page,
        more,
        records: out,
    })
}
