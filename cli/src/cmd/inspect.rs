//! `crdt inspect DB [KEY] [-n NS] [--events] [--last N]`: without KEY, one line per
//! entity; with KEY, the entity's state and snapshot (envelope version, type, decoded
//! value) and, with `--events`, its events.

use std::path::PathBuf;

use crdt_inspect::{entities, entity, summary, Events, Page};

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

pub use crdt_inspect::{EntitySummary, EventView, InspectLine, SnapshotView, StateView};

/// The lines `crdt inspect` prints.
pub fn report(args: &Args) -> Result<Vec<InspectLine>> {
    let db = open_read(&args.db)?;
    let Some(key) = &args.key else {
        let page = entities(&db, args.namespace.as_deref(), None, Page::ALL)?;
        return Ok(page.items.into_iter().map(InspectLine::Entity).collect());
    };
    let events = match (args.events, args.last) {
        (false, _) => Events::None,
        (true, None) => Events::All,
        (true, Some(n)) => Events::Last(n as u64),
    };
    let namespaces: Vec<String> = match &args.namespace {
        Some(ns) => vec![ns.clone()],
        None => entities(&db, None, Some(key), Page::ALL)?
            .items
            .into_iter()
            .filter(|e| &e.key == key)
            .map(|e| e.ns)
            .collect(),
    };
    let mut lines = Vec::new();
    for ns in namespaces {
        if let Some(report) = entity(&db, &ns, key, events)? {
            lines.extend(report.lines());
        }
    }
    if lines.is_empty() {
        let place = args
            .namespace
            .as_deref()
            .map(|n| format!(" in namespace {n}"))
            .unwrap_or_default();
        return Err(Failure::msg(format!("no key or entity {key:?}{place}")));
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
            InspectLine::Entity(EntitySummary {
                ns,
                key,
                state_type,
                events,
                last_seq,
                snapshot_at,
            }) => {
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
            InspectLine::State(StateView { bytes, decoded, .. }) => {
                out.line(format!("  state    ({bytes} B) {}", summary(decoded)))?;
            }
            InspectLine::Snapshot(SnapshotView {
                at_seq,
                version,
                bytes,
                decoded,
                ..
            }) => out.line(format!(
                "  snapshot at seq {at_seq}, version {version} ({bytes} B) {}",
                summary(decoded)
            ))?,
            InspectLine::Event(EventView {
                seq,
                timestamp,
                node_id,
                bytes,
                decoded,
                ..
            }) => out.line(format!(
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
