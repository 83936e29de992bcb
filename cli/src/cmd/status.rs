//! `crdt status DB`: sizes, format version, namespaces with entity / event / snapshot
//! counts, and for `.crdt` files the runs and the log.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crdt_store::Record;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::open::{open_read, Db};
use crate::output::{human_bytes, Out};

/// Arguments of `crdt status`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  crdt status app.crdt\n  crdt status app.crdt --json | jq .")]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
    /// Print JSON Lines (see cli/README.md).
    #[arg(long)]
    pub json: bool,
}

/// One line of `crdt status --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StatusLine {
    /// The file as a whole (first line).
    File {
        /// Path as given.
        path: String,
        /// `crdt`, `sqlite` or `redb`.
        format: String,
        /// On-disk format version.
        format_version: Option<u32>,
        /// Size of the file on disk.
        file_bytes: u64,
        /// Bytes in use (file minus free pages).
        live_bytes: Option<u64>,
        /// Bytes of free pages, reusable.
        free_bytes: Option<u64>,
        /// Bytes of the log extent.
        log_bytes: Option<u64>,
        /// Manifest generation.
        generation: Option<u64>,
        /// Number of runs.
        runs: Option<u64>,
        /// Number of namespaces.
        namespaces: u64,
    },
    /// One namespace.
    Namespace {
        /// Its name.
        name: String,
        /// Distinct keys / entities with state, events or a snapshot.
        entities: u64,
        /// State values.
        states: u64,
        /// Events stored (after truncation).
        events: u64,
        /// Snapshots.
        snapshots: u64,
    },
    /// One run of a `.crdt` file (size-tiered compaction keeps a single level).
    Run {
        /// Run id.
        id: u64,
        /// Level (always 0: size-tiered).
        level: u32,
        /// Byte offset.
        offset: u64,
        /// Bytes.
        bytes: u64,
        /// Entries, including deletes.
        entries: u64,
    },
}

#[derive(Default)]
struct NsCount {
    entities: BTreeSet<String>,
    states: u64,
    events: u64,
    snapshots: u64,
}

/// The status of an open database, as the lines `--json` prints.
pub fn report(path: &Path, db: &Db) -> Result<Vec<StatusLine>> {
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
    let file_bytes = std::fs::metadata(path)?.len();
    let layout = db.layout();
    let mut lines = vec![StatusLine::File {
        path: path.display().to_string(),
        format: db.kind().name().to_string(),
        format_version: layout.as_ref().map(|l| l.format_version),
        file_bytes,
        live_bytes: layout.as_ref().map(|l| l.live_bytes),
        free_bytes: layout.as_ref().map(|l| l.free_bytes),
        log_bytes: layout.as_ref().map(|l| l.log_bytes),
        generation: layout.as_ref().map(|l| l.generation),
        runs: layout.as_ref().map(|l| l.runs.len() as u64),
        namespaces: ns.len() as u64,
    }];
    for (name, c) in ns {
        lines.push(StatusLine::Namespace {
            name,
            entities: c.entities.len() as u64,
            states: c.states,
            events: c.events,
            snapshots: c.snapshots,
        });
    }
    for r in layout.map(|l| l.runs).unwrap_or_default() {
        lines.push(StatusLine::Run {
            id: r.id,
            level: 0,
            offset: r.offset,
            bytes: r.bytes,
            entries: r.entries,
        });
    }
    Ok(lines)
}

fn opt_bytes(v: Option<u64>) -> String {
    v.map(human_bytes).unwrap_or_else(|| "-".into())
}

/// Prints a status report.
pub fn print(out: &mut Out, lines: &[StatusLine]) -> Result<()> {
    if out.json {
        for l in lines {
            out.record(l)?;
        }
        return out.flush();
    }
    let mut header_done = false;
    for l in lines {
        match l {
            StatusLine::File {
                path,
                format,
                format_version,
                file_bytes,
                live_bytes,
                free_bytes,
                log_bytes,
                generation,
                runs,
                namespaces,
            } => {
                out.heading(path)?;
                let version = format_version.map(|v| format!(" v{v}")).unwrap_or_default();
                out.line(format!("  format        {format}{version}"))?;
                out.line(format!(
                    "  size          {} (live {}, free {})",
                    human_bytes(*file_bytes),
                    opt_bytes(*live_bytes),
                    opt_bytes(*free_bytes)
                ))?;
                out.line(format!("  log           {}", opt_bytes(*log_bytes)))?;
                if let Some(g) = generation {
                    out.line(format!("  generation    {g}"))?;
                }
                if let Some(r) = runs {
                    out.line(format!("  runs          {r} (one level, size-tiered)"))?;
                }
                out.line(format!("  namespaces    {namespaces}"))?;
            }
            StatusLine::Namespace {
                name,
                entities,
                states,
                events,
                snapshots,
            } => {
                if !header_done {
                    out.line("")?;
                    out.heading(format!(
                        "  {:<20} {:>9} {:>9} {:>9} {:>9}",
                        "namespace", "entities", "states", "events", "snapshots"
                    ))?;
                    header_done = true;
                }
                out.line(format!(
                    "  {name:<20} {entities:>9} {states:>9} {events:>9} {snapshots:>9}"
                ))?;
            }
            StatusLine::Run {
                id, bytes, entries, ..
            } => {
                out.line(format!(
                    "  run {id:<6} {:>10}  {entries} entries",
                    human_bytes(*bytes)
                ))?;
            }
        }
    }
    out.flush()
}

/// Runs `crdt status`.
pub fn exec(args: &Args) -> Result<u8> {
    let db = open_read(&args.db)?;
    let lines = report(&args.db, &db)?;
    print(&mut Out::stdout(args.json), &lines)?;
    Ok(0)
}
