//! `crdt status DB`: sizes, format version, namespaces with entity / event / snapshot
//! counts, and for `.crdt` files the runs and the log.

use std::path::PathBuf;

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

pub use crdt_inspect::{FileStatus, NamespaceStatus, RunStatus, StatusLine};

/// The status of an open database, as the lines `--json` prints.
pub fn report(db: &Db) -> Result<Vec<StatusLine>> {
    Ok(crdt_inspect::status(db)?.lines())
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
            StatusLine::File(FileStatus {
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
            }) => {
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
            StatusLine::Namespace(NamespaceStatus {
                name,
                entities,
                states,
                events,
                snapshots,
            }) => {
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
            StatusLine::Run(RunStatus {
                id, bytes, entries, ..
            }) => {
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
    let lines = report(&db)?;
    print(&mut Out::stdout(args.json), &lines)?;
    Ok(0)
}
