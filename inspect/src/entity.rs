//! Entities: a paged listing ([`entities`]) and the detail of one ([`entity`]): state,
//! snapshot and events, each decoded.

use std::collections::{BTreeMap, VecDeque};

use crdt_store::Record;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::decode::{decode, Decoded};
use crate::error::Result;
use crate::SCHEMA_VERSION;

/// A window of a listing: skip `offset` items, return at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Items to skip.
    pub offset: u64,
    /// Most items to return.
    pub limit: u64,
}

impl Page {
    /// Everything (the CLI's listings).
    pub const ALL: Page = Page {
        offset: 0,
        limit: u64::MAX,
    };

    /// `limit` items after skipping `offset`.
    pub fn new(offset: u64, limit: u64) -> Page {
        Page { offset, limit }
    }

    fn contains(&self, index: u64) -> bool {
        index >= self.offset && index - self.offset < self.limit
    }
}

/// An entity (or plain key) in a listing: what it holds, without values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitySummary {
    /// Namespace.
    pub ns: String,
    /// Key / entity.
    pub key: String,
    /// Type of the state value (`ORSet<String>`, `application`, `plain`), if there is one.
    pub state_type: Option<String>,
    /// Events stored.
    pub events: u64,
    /// Last seq handed out.
    pub last_seq: Option<u64>,
    /// Seq covered by the snapshot, if any.
    pub snapshot_at: Option<u64>,
}

/// A state value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateView {
    /// Namespace.
    pub ns: String,
    /// Key.
    pub key: String,
    /// Stored size.
    pub bytes: u64,
    /// Decoded value.
    pub decoded: Decoded,
}

/// A snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotView {
    /// Namespace.
    pub ns: String,
    /// Entity.
    pub key: String,
    /// Last event folded in.
    pub at_seq: u64,
    /// Schema version.
    pub version: u32,
    /// Stored size.
    pub bytes: u64,
    /// Decoded state.
    pub decoded: Decoded,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventView {
    /// Namespace.
    pub ns: String,
    /// Entity.
    pub key: String,
    /// Seq.
    pub seq: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Producing replica.
    pub node_id: String,
    /// Payload size.
    pub bytes: u64,
    /// Decoded payload.
    pub decoded: Decoded,
}

/// One line of `crdt inspect --json`: `kind` names the variant (`entity`, `state`,
/// `snapshot`, `event`), the other fields are those of the inner struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InspectLine {
    /// An entity summary (listing mode, and first line of detail mode).
    Entity(EntitySummary),
    /// The state value.
    State(StateView),
    /// The snapshot.
    Snapshot(SnapshotView),
    /// An event.
    Event(EventView),
}

/// A page of entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityPage {
    /// [`SCHEMA_VERSION`] of these types.
    pub schema_version: u32,
    /// The page asked for.
    pub page: Page,
    /// Entities matching the filters (all pages).
    pub total: u64,
    /// This page, in `(ns, key)` order.
    pub items: Vec<EntitySummary>,
}

/// Which events [`entity`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Events {
    /// No events (only their count).
    None,
    /// Every event.
    All,
    /// The last N events.
    Last(u64),
    /// A window of the events, oldest first.
    Page(Page),
}

/// The detail of one entity (what `crdt inspect DB KEY -n NS` shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityReport {
    /// [`SCHEMA_VERSION`] of these types.
    pub schema_version: u32,
    /// Summary (`events` is the total count).
    pub summary: EntitySummary,
    /// The state value.
    pub state: Option<StateView>,
    /// The snapshot.
    pub snapshot: Option<SnapshotView>,
    /// Index (0-based, oldest first) of the first event in `events`.
    pub events_offset: u64,
    /// The events selected by [`Events`], oldest first.
    pub events: Vec<EventView>,
}

impl EntityReport {
    /// The report as the lines `crdt inspect --json` prints: entity, state, snapshot,
    /// events.
    pub fn lines(&self) -> Vec<InspectLine> {
        let mut lines = vec![InspectLine::Entity(self.summary.clone())];
        lines.extend(self.state.clone().map(InspectLine::State));
        lines.extend(self.snapshot.clone().map(InspectLine::Snapshot));
        lines.extend(self.events.iter().cloned().map(InspectLine::Event));
        lines
    }
}

/// `ORSet<String>`, `application`, `plain`: the type shown for a decoded value.
pub fn type_name(d: &Decoded) -> String {
    match (&d.envelope, &d.element_type) {
        (Some(e), Some(t)) => format!("{}<{t}>", e.type_name),
        (Some(e), None) => e.type_name.clone(),
        (None, _) => "plain".into(),
    }
}

enum Counted {
    Event,
    Snapshot(u64),
    Counter(u64),
}

#[derive(Default)]
struct Counts {
    events: u64,
    last_seq: Option<u64>,
    snapshot_at: Option<u64>,
}

/// Entities of namespace `ns` (all namespaces when `None`) whose key starts with
/// `prefix`, in `(ns, key)` order, the window `page` of them. Only the page's state
/// values are read and decoded; the scan keeps names and counts, never values.
///
/// ```
/// use crdt_inspect::{entities, Db, Page};
/// use crdt_store::{NativeStore, StateStore};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.crdt");
/// let store = NativeStore::open(&path).unwrap();
/// for i in 0..5 {
///     store.put("tasks", &format!("task-{i}"), b"x").unwrap();
/// }
/// store.close().unwrap();
/// let db = Db::open_read(&path).unwrap();
/// let page = entities(&db, Some("tasks"), Some("task-"), Page::new(2, 2)).unwrap();
/// assert_eq!(page.total, 5);
/// let keys: Vec<_> = page.items.iter().map(|e| e.key.as_str()).collect();
/// assert_eq!(keys, ["task-2", "task-3"]);
/// ```
pub fn entities(db: &Db, ns: Option<&str>, prefix: Option<&str>, page: Page) -> Result<EntityPage> {
    let wanted =
        |n: &str, k: &str| ns.is_none_or(|w| w == n) && prefix.is_none_or(|p| k.starts_with(p));
    let mut found: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for r in db.records()? {
        let (n, k, what) = match r? {
            Record::State { ns, key, .. } => (ns, key, None),
            Record::Event { ns, entity, .. } => (ns, entity, Some(Counted::Event)),
            Record::Snapshot {
                ns,
                entity,
                snapshot,
            } => (ns, entity, Some(Counted::Snapshot(snapshot.at_seq))),
            Record::Counter {
                ns,
                entity,
                last_seq,
            } => (ns, entity, Some(Counted::Counter(last_seq))),
            _ => continue,
        };
        if !wanted(&n, &k) {
            continue;
        }
        let c = found.entry((n, k)).or_default();
        match what {
            None => {}
            Some(Counted::Event) => c.events += 1,
            Some(Counted::Snapshot(at)) => c.snapshot_at = Some(at),
            Some(Counted::Counter(last)) => c.last_seq = Some(last),
        }
    }
    let total = found.len() as u64;
    let mut items = Vec::new();
    for (i, ((n, k), c)) in found.into_iter().enumerate() {
        if !page.contains(i as u64) {
            continue;
        }
        let state_type = db.store().get(&n, &k)?.map(|v| type_name(&decode(&v)));
        items.push(EntitySummary {
            ns: n,
            key: k,
            state_type,
            events: c.events,
            last_seq: c.last_seq,
            snapshot_at: c.snapshot_at,
        });
    }
    Ok(EntityPage {
        schema_version: SCHEMA_VERSION,
        page,
        total,
        items,
    })
}

/// The detail of `(ns, key)` by direct lookups (no scan of the file), with the events
/// `events` selects (streamed: at most the selected events are held). `None` when the
/// key has no state, snapshot, sequence counter or event.
///
/// ```
/// use crdt_inspect::{entity, Db, Events};
/// use crdt_store::{EventStore, NativeStore};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.crdt");
/// let store = NativeStore::open(&path).unwrap();
/// for t in 0..10 {
///     store.append_event("log", "e1", b"tick", t, "node-a").unwrap();
/// }
/// store.close().unwrap();
/// let db = Db::open_read(&path).unwrap();
/// let r = entity(&db, "log", "e1", Events::Last(3)).unwrap().unwrap();
/// assert_eq!(r.summary.events, 10);
/// assert_eq!(r.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [8, 9, 10]);
/// assert!(entity(&db, "log", "nope", Events::All).unwrap().is_none());
/// ```
pub fn entity(db: &Db, ns: &str, key: &str, events: Events) -> Result<Option<EntityReport>> {
    let store = db.store();
    let state = store.get(ns, key)?;
    let snapshot = store.load_snapshot(ns, key)?;
    let last_seq = db.last_seq(ns, key)?;
    let window = match events {
        Events::None => Page::new(0, 0),
        Events::All | Events::Last(_) => Page::ALL,
        Events::Page(p) => p,
    };
    let keep_last = match events {
        Events::Last(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => None,
    };
    let mut kept: VecDeque<(u64, crdt_store::Event)> = VecDeque::new();
    let mut count = 0u64;
    for ev in store.events_since(ns, key, 0)? {
        let ev = ev?;
        if window.contains(count) {
            if keep_last.is_some_and(|n| kept.len() >= n) {
                kept.pop_front();
            }
            if keep_last != Some(0) {
                kept.push_back((count, ev));
            }
        }
        count += 1;
    }
    if state.is_none() && snapshot.is_none() && last_seq.is_none() && count == 0 {
        return Ok(None);
    }
    let decoded = state.as_deref().map(decode);
    let summary = EntitySummary {
        ns: ns.into(),
        key: key.into(),
        state_type: decoded.as_ref().map(type_name),
        events: count,
        last_seq,
        snapshot_at: snapshot.as_ref().map(|s| s.at_seq),
    };
    let state = match (state, decoded) {
        (Some(bytes), Some(decoded)) => Some(StateView {
            ns: ns.into(),
            key: key.into(),
            bytes: bytes.len() as u64,
            decoded,
        }),
        _ => None,
    };
    let snapshot = snapshot.map(|s| SnapshotView {
        ns: ns.into(),
        key: key.into(),
        at_seq: s.at_seq,
        version: s.version,
        bytes: s.state.len() as u64,
        decoded: decode(&s.state),
    });
    let events_offset = kept.front().map(|(i, _)| *i).unwrap_or(count);
    let events = kept
        .into_iter()
        .map(|(_, ev)| EventView {
            ns: ns.into(),
            key: key.into(),
            seq: ev.seq,
            timestamp: ev.timestamp,
            bytes: ev.data.len() as u64,
            decoded: decode(&ev.data),
            node_id: ev.node_id,
        })
        .collect();
    Ok(Some(EntityReport {
        schema_version: SCHEMA_VERSION,
        summary,
        state,
        snapshot,
        events_offset,
        events,
    }))
}
