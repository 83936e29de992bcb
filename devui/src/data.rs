//! What the pages and the API show, read from the database: the overview, one page of a
//! namespace's entities, one entity with a page of its events, the file's layout, and one
//! stored value.
//!
//! Every request opens the file read-only ([`open`]), so each response is one consistent
//! snapshot of the last committed state, including commits an app made a moment ago while
//! it holds the file open. Report types are the CLI's (`crdt status --json`,
//! `crdt inspect --json`), so the API and the CLI print the same objects.

use std::collections::BTreeMap;
use std::path::Path;

use crdt_cli::cmd::inspect::InspectLine;
use crdt_cli::cmd::status::StatusLine;
use crdt_cli::decode::{decode, Decoded};
use crdt_cli::open::{open_read, Db};
use crdt_store::Record;
use serde::Serialize;

use crate::error::{Error, Result};

/// Opens the database read-only for one request.
pub fn open(path: &Path) -> Result<Db> {
    open_read(path).map_err(|e| Error::Open {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })
}

fn store_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        cause: e.to_string(),
    }
}

/// The overview: the lines of `crdt status --json`.
pub fn status(path: &Path, db: &Db) -> Result<Vec<StatusLine>> {
    crdt_cli::cmd::status::report(path, db).map_err(|e| store_err(path, e))
}

/// One page of a namespace's entities (`GET /api/namespace`).
#[derive(Debug, Clone, Serialize)]
pub struct EntityPage {
    /// Namespace.
    pub ns: String,
    /// Key prefix filter (empty: every key).
    pub prefix: String,
    /// Index of the first entity of this page among those matching the prefix.
    pub offset: usize,
    /// Page size asked for.
    pub limit: usize,
    /// Entities matching the prefix.
    pub total: usize,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<usize>,
    /// The entities: `kind: "entity"` lines of `crdt inspect --json`.
    pub entities: Vec<InspectLine>,
}

#[derive(Default)]
struct Summary {
    has_state: bool,
    events: u64,
    last_seq: Option<u64>,
    snapshot_at: Option<u64>,
}

fn type_name(d: &Decoded) -> String {
    match (&d.envelope, &d.element_type) {
        (Some(e), Some(t)) => format!("{}<{t}>", e.type_name),
        (Some(e), None) => e.type_name.clone(),
        (None, _) => "plain".into(),
    }
}

/// The entities of `ns` whose key starts with `prefix`, `limit` from `offset`; `None` when
/// the namespace holds nothing at all.
pub fn entities(
    path: &Path,
    db: &Db,
    ns: &str,
    prefix: &str,
    offset: usize,
    limit: usize,
) -> Result<Option<EntityPage>> {
    let mut found = false;
    let mut keys: BTreeMap<String, Summary> = BTreeMap::new();
    for r in db.records().map_err(|e| store_err(path, e))? {
        let r = r.map_err(|e| store_err(path, e))?;
        let (n, key) = match &r {
            Record::State { ns, key, .. } => (ns, key),
            Record::Event { ns, entity, .. }
            | Record::Snapshot { ns, entity, .. }
            | Record::Counter { ns, entity, .. } => (ns, entity),
            _ => continue,
        };
        if n != ns {
            continue;
        }
        found = true;
        if !key.starts_with(prefix) {
            continue;
        }
        let s = keys.entry(key.clone()).or_default();
        match r {
            Record::State { .. } => s.has_state = true,
            Record::Event { .. } => s.events += 1,
            Record::Snapshot { snapshot, .. } => s.snapshot_at = Some(snapshot.at_seq),
            Record::Counter { last_seq, .. } => s.last_seq = Some(last_seq),
            _ => {}
        }
    }
    if !found {
        return Ok(None);
    }
    let total = keys.len();
    let store = db.store();
    let mut entities = Vec::new();
    for (key, s) in keys.into_iter().skip(offset).take(limit) {
        let state_type = if s.has_state {
            store
                .get(ns, &key)
                .map_err(|e| store_err(path, e))?
                .map(|v| type_name(&decode(&v)))
        } else {
            None
        };
        entities.push(InspectLine::Entity {
            ns: ns.to_string(),
            key,
            state_type,
            events: s.events,
            last_seq: s.last_seq,
            snapshot_at: s.snapshot_at,
        });
    }
    let end = offset.saturating_add(limit);
    Ok(Some(EntityPage {
        ns: ns.to_string(),
        prefix: prefix.to_string(),
        offset,
        limit,
        total,
        next_offset: (end < total).then_some(end),
        entities,
    }))
}

/// One entity with one page of its event log (`GET /api/entity`).
#[derive(Debug, Clone, Serialize)]
pub struct EntityDetail {
    /// `crdt inspect --json` lines: `entity`, then `state` and `snapshot` if present, then
    /// the events of this page in seq order.
    pub lines: Vec<InspectLine>,
    /// Events stored for the entity.
    pub events_total: usize,
    /// Index (in seq order) of the first event shown.
    pub events_offset: usize,
    /// Page size asked for.
    pub events_limit: usize,
    /// The stored state bytes, for the hex view (not part of the JSON).
    #[serde(skip)]
    pub raw_state: Option<Vec<u8>>,
    /// The stored snapshot bytes, for the hex view (not part of the JSON).
    #[serde(skip)]
    pub raw_snapshot: Option<Vec<u8>>,
}

/// The entity `key` of `ns` with events `[offset, offset + limit)` (`offset` `None`: the
/// last page); `None` when it has no state, snapshot or events.
pub fn entity(
    path: &Path,
    db: &Db,
    ns: &str,
    key: &str,
    events_offset: Option<usize>,
    events_limit: usize,
) -> Result<Option<EntityDetail>> {
    let err = |e: crdt_store::Error| store_err(path, e);
    let store = db.store();
    let state = store.get(ns, key).map_err(err)?;
    let snapshot = store.load_snapshot(ns, key).map_err(err)?;
    let last_seq = db.last_seq(ns, key).map_err(err)?;
    // Count first, then keep only the page: a long log is never held in memory.
    let mut total = 0usize;
    for ev in store.events_since(ns, key, 0).map_err(err)? {
        ev.map_err(err)?;
        total += 1;
    }
    if state.is_none() && snapshot.is_none() && last_seq.is_none() && total == 0 {
        return Ok(None);
    }
    let offset = events_offset
        .unwrap_or_else(|| total.saturating_sub(events_limit))
        .min(total);
    let decoded = state.as_deref().map(decode);
    let mut lines = vec![InspectLine::Entity {
        ns: ns.to_string(),
        key: key.to_string(),
        state_type: decoded.as_ref().map(type_name),
        events: total as u64,
        last_seq,
        snapshot_at: snapshot.as_ref().map(|s| s.at_seq),
    }];
    if let (Some(bytes), Some(decoded)) = (&state, decoded) {
        lines.push(InspectLine::State {
            ns: ns.to_string(),
            key: key.to_string(),
            bytes: bytes.len() as u64,
            decoded,
        });
    }
    if let Some(s) = &snapshot {
        lines.push(InspectLine::Snapshot {
            ns: ns.to_string(),
            key: key.to_string(),
            at_seq: s.at_seq,
            version: s.version,
            bytes: s.state.len() as u64,
            decoded: decode(&s.state),
        });
    }
    for ev in store
        .events_since(ns, key, 0)
        .map_err(err)?
        .skip(offset)
        .take(events_limit)
    {
        let ev = ev.map_err(err)?;
        lines.push(InspectLine::Event {
            ns: ns.to_string(),
            key: key.to_string(),
            seq: ev.seq,
            timestamp: ev.timestamp,
            node_id: ev.node_id,
            bytes: ev.data.len() as u64,
            decoded: decode(&ev.data),
        });
    }
    Ok(Some(EntityDetail {
        lines,
        events_total: total,
        events_offset: offset,
        events_limit,
        raw_state: state,
        raw_snapshot: snapshot.map(|s| s.state),
    }))
}

/// Which stored value of an entity (`part` of `/value` and `/api/value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The state value.
    State,
    /// The snapshot's state.
    Snapshot,
    /// The payload of the event with this seq.
    Event(u64),
}

/// The stored bytes of one value, `None` when there is no such value.
pub fn value(path: &Path, db: &Db, ns: &str, key: &str, part: Part) -> Result<Option<Vec<u8>>> {
    let err = |e: crdt_store::Error| store_err(path, e);
    let store = db.store();
    match part {
        Part::State => store.get(ns, key).map_err(err),
        Part::Snapshot => Ok(store.load_snapshot(ns, key).map_err(err)?.map(|s| s.state)),
        Part::Event(seq) => {
            let since = seq.saturating_sub(1);
            match store.events_since(ns, key, since).map_err(err)?.next() {
                Some(ev) => {
                    let ev = ev.map_err(err)?;
                    Ok((ev.seq == seq).then_some(ev.data))
                }
                None => Ok(None),
            }
        }
    }
}

/// The layout of a `.crdt` file (`GET /api/format`).
#[derive(Debug, Clone, Serialize)]
pub struct FormatView {
    /// `crdt`, `sqlite` or `redb`.
    pub format: String,
    /// Size of the file on disk.
    pub file_bytes: u64,
    /// Engine layout; `None` for backends without one.
    pub layout: Option<LayoutView>,
}

/// [`crdt_store::Layout`], serializable.
#[derive(Debug, Clone, Serialize)]
pub struct LayoutView {
    /// Format version from the header.
    pub format_version: u32,
    /// Page size.
    pub page_size: u64,
    /// Bytes below the high-water mark.
    pub file_bytes: u64,
    /// Bytes in use.
    pub live_bytes: u64,
    /// Bytes of free pages.
    pub free_bytes: u64,
    /// Bytes of the log extent.
    pub log_bytes: u64,
    /// Bytes in the memtable (log records replayed at open).
    pub memtable_bytes: u64,
    /// Manifest generation.
    pub generation: u64,
    /// Runs, oldest first: `kind: "run"` lines of `crdt status --json`.
    pub runs: Vec<StatusLine>,
}

/// The file's layout.
pub fn format_view(path: &Path, db: &Db) -> Result<FormatView> {
    let file_bytes = std::fs::metadata(path)
        .map_err(|e| store_err(path, e))?
        .len();
    let layout = db.layout().map(|l| LayoutView {
        format_version: l.format_version,
        page_size: l.page_size,
        file_bytes: l.file_bytes,
        live_bytes: l.live_bytes,
        free_bytes: l.free_bytes,
        log_bytes: l.log_bytes,
        memtable_bytes: l.memtable_bytes,
        generation: l.generation,
        runs: l
            .runs
            .iter()
            .map(|r| StatusLine::Run {
                id: r.id,
                level: 0,
                offset: r.offset,
                bytes: r.bytes,
                entries: r.entries,
            })
            .collect(),
    });
    Ok(FormatView {
        format: db.kind().name().to_string(),
        file_bytes,
        layout,
    })
}
