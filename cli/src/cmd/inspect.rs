//! `crdt inspect DB [KEY] [-n NS] [--events] [--last N]`: without KEY, one line per
//! entity; with KEY, the entity's state and snapshot (envelope version, type, decoded
//! value) and, with `--events`, its events.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crdt_store::Record;
use serde::{Deserialize, Serialize};

use crate::decode::{decode, summary, Decoded};
use crate::error::{Failure, Result};
use crate::open::open_read;
use crate::output::Out;

/// Arguments of `crdt inspect`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt inspect app.crdt                       # every entity\n  crdt inspect app.crdt readme -n docs        # one entity, value decoded\n  crdt inspect app.crdt task-1 --events --last 10 --json"
)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
    /// Key / entity to show (default: list every entity).
    pub key: Option<String>,
    /// Namespace.
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// Show the entity's events.
    #[arg(long)]
    pub events: bool,
    /// Only the last N events.
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// Print JSON Lines (see cli/README.md).
    #[arg(long)]
    pub json: bool,
}

/// One line of `crdt inspect --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InspectLine {
    /// An entity: summary (listing mode, and first line of detail mode).
    Entity {
        /// Namespace.
        ns: String,
        /// Key / entity.
        key: String,
        /// Type of the state value (`ORSet`, `application`, `plain`), if any.
        state_type: Option<String>,
        /// Events stored.
        events: u64,
        /// Last seq handed out.
        last_seq: Option<u64>,
        /// Seq covered by the snapshot, if any.
        snapshot_at: Option<u64>,
    },
    /// The state value.
    State {
        /// Namespace.
        ns: String,
        /// Key.
        key: String,
        /// Stored size.
        bytes: u64,
        /// Decoded value.
        decoded: Decoded,
    },
    /// The snapshot.
    Snapshot {
        /// Namespace.
        ns: String,
        /// Entity.
        key: String,
        /// Last event folded in.
        at_seq: u64,
        /// Schema version.
        version: u32,
        /// Stored size.
        bytes: u64,
        /// Decoded state.
        decoded: Decoded,
    },
    /// An event.
    Event {
        /// Namespace.
        ns: String,
        /// Entity.
        key: String,
        /// Seq.
        seq: u64,
        /// Timestamp.
        timestamp: u64,
        /// Producing replica.
        node_id: String,
        /// Payload size.
        bytes: u64,
        /// Decoded payload.
        decoded: Decoded,
    },
}

#[derive(Default)]
struct Entity {
    state: Option<Vec<u8>>,
    snapshot: Option<crdt_store::Snapshot>,
    events: Vec<crdt_store::Event>,
    event_count: u64,
    last_seq: Option<u64>,
}

fn type_name(d: &Decoded) -> String {
    match (&d.envelope, &d.element_type) {
        (Some(e), Some(t)) => format!("{}<{t}>", e.type_name),
        (Some(e), None) => e.type_name.clone(),
        (None, _) => "plain".into(),
    }
}

/// Collects the entities matching the filters with one scan of the file.
fn scan_entities(
    db: &crate::open::Db,
    args: &Args,
    keep_events: bool,
    entities: &mut BTreeMap<(String, String), Entity>,
) -> Result<()> {
    let ns_ok = |n: &str| args.namespace.as_deref().is_none_or(|w| w == n);
    let key_ok = |k: &str| args.key.as_deref().is_none_or(|w| w == k);
    for r in db.records()? {
        let r = r?;
        let (ns, key) = match &r {
            Record::State { ns, key, .. } => (ns, key),
            Record::Event { ns, entity, .. }
            | Record::Snapshot { ns, entity, .. }
            | Record::Counter { ns, entity, .. } => (ns, entity),
            _ => continue,
        };
        if !ns_ok(ns) || !key_ok(key) {
            continue;
        }
        let e = entities.entry((ns.clone(), key.clone())).or_default();
        match r {
            Record::State { value, .. } => e.state = Some(value),
            Record::Snapshot { snapshot, .. } => e.snapshot = Some(snapshot),
            Record::Counter { last_seq, .. } => e.last_seq = Some(last_seq),
            Record::Event { event, .. } => {
                e.event_count += 1;
                if keep_events {
                    e.events.push(event);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The lines `crdt inspect` prints.
pub fn report(args: &Args) -> Result<Vec<InspectLine>> {
    let db = open_read(&args.db)?;
    let keep_events = args.key.is_some() && args.events;
    let mut entities: BTreeMap<(String, String), Entity> = BTreeMap::new();
    if let (Some(ns), Some(key)) = (&args.namespace, &args.key) {
        // One entity: direct lookups instead of a scan of the whole file.
        let store = db.store();
        let mut e = Entity {
            state: store.get(ns, key)?,
            snapshot: store.load_snapshot(ns, key)?,
            last_seq: db.last_seq(ns, key)?,
            ..Entity::default()
        };
        for ev in store.events_since(ns, key, 0)? {
            let ev = ev?;
            e.event_count += 1;
            if keep_events {
                e.events.push(ev);
            }
        }
        if e.state.is_some() || e.snapshot.is_some() || e.last_seq.is_some() {
            entities.insert((ns.clone(), key.clone()), e);
        }
    } else {
        scan_entities(&db, args, keep_events, &mut entities)?;
    }
    if let (Some(key), true) = (&args.key, entities.is_empty()) {
        let place = args
            .namespace
            .as_deref()
            .map(|n| format!(" in namespace {n}"))
            .unwrap_or_default();
        return Err(Failure::msg(format!("no key or entity {key:?}{place}")));
    }
    let mut lines = Vec::new();
    for ((ns, key), e) in entities {
        let decoded = e.state.as_deref().map(decode);
        lines.push(InspectLine::Entity {
            ns: ns.clone(),
            key: key.clone(),
            state_type: decoded.as_ref().map(type_name),
            events: e.event_count,
            last_seq: e.last_seq,
            snapshot_at: e.snapshot.as_ref().map(|s| s.at_seq),
        });
        if args.key.is_none() {
            continue;
        }
        if let (Some(bytes), Some(decoded)) = (&e.state, decoded) {
            lines.push(InspectLine::State {
                ns: ns.clone(),
                key: key.clone(),
                bytes: bytes.len() as u64,
                decoded,
            });
        }
        if let Some(s) = &e.snapshot {
            lines.push(InspectLine::Snapshot {
                ns: ns.clone(),
                key: key.clone(),
                at_seq: s.at_seq,
                version: s.version,
                bytes: s.state.len() as u64,
                decoded: decode(&s.state),
            });
        }
        let skip = args
            .last
            .map(|n| e.events.len().saturating_sub(n))
            .unwrap_or(0);
        for ev in e.events.into_iter().skip(skip) {
            lines.push(InspectLine::Event {
                ns: ns.clone(),
                key: key.clone(),
                seq: ev.seq,
                timestamp: ev.timestamp,
                node_id: ev.node_id,
                bytes: ev.data.len() as u64,
                decoded: decode(&ev.data),
            });
        }
    }
    Ok(lines)
}

/// Prints the lines as text or JSON Lines.
pub fn print(out: &mut Out, lines: &[InspectLine]) -> Result<()> {
    for l in lines {
        if out.json {
            out.record(l)?;
            continue;
        }
        match l {
            InspectLine::Entity {
                ns,
                key,
                state_type,
                events,
                last_seq,
                snapshot_at,
            } => {
                let mut s = format!(
                    "{ns}/{key}  {}  {events} events",
                    state_type.as_deref().unwrap_or("(no state)")
                );
                if let Some(l) = last_seq {
                    s.push_str(&format!(" (last seq {l})"));
                }
                if let Some(a) = snapshot_at {
                    s.push_str(&format!("  snapshot at seq {a}"));
                }
                out.heading(s)?;
            }
            InspectLine::State { bytes, decoded, .. } => {
                out.line(format!("  state    ({bytes} B) {}", summary(decoded)))?;
            }
            InspectLine::Snapshot {
                at_seq,
                version,
                bytes,
                decoded,
                ..
            } => out.line(format!(
                "  snapshot at seq {at_seq}, version {version} ({bytes} B) {}",
                summary(decoded)
            ))?,
            InspectLine::Event {
                seq,
                timestamp,
                node_id,
                bytes,
                decoded,
                ..
            } => out.line(format!(
                "  event #{seq}  t={timestamp}  node={node_id}  ({bytes} B) {}",
                summary(decoded)
            ))?,
        }
    }
    out.flush()
}

/// Runs `crdt inspect`.
pub fn exec(args: &Args) -> Result<u8> {
    let lines = report(args)?;
    print(&mut Out::stdout(args.json), &lines)?;
    Ok(0)
}
