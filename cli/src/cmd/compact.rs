//! `crdt compact DB [--threshold N]`: for every entity with more than N events, snapshot
//! its state at its last event and truncate the events the snapshot covers
//! (`CrdtDb::compact_entity`), then run the backend's compaction: merge the runs of a
//! `.crdt` file, `VACUUM` and checkpoint a SQLite file, redb's `compact`. Prints sizes
//! before and after, and a progress bar on stderr for long runs on a terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use crdt_store::Record;

use crate::error::Result;
use crate::open::{open_write, Db};
use crate::output::{human_bytes, Out};

/// Arguments of `crdt compact`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt compact app.crdt\n  crdt compact app.crdt --threshold 10"
)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
    /// Compact entities with more than this many events.
    #[arg(long, default_value_t = 100)]
    pub threshold: u64,
}

fn sizes(db: &Db) -> Result<(u64, Option<u64>)> {
    Ok((db.file_bytes()?, db.space()?.map(|s| s.live_bytes)))
}

/// A one-line progress bar on stderr, shown only when stderr is a terminal and the run
/// is long enough to need one (more than 50 entities).
struct Progress {
    total: usize,
    done: usize,
    on: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        let on = total > 50 && std::io::stderr().is_terminal();
        Progress { total, done: 0, on }
    }

    fn step(&mut self, what: &str) {
        if self.on {
            let width = 30;
            let filled = (self.done * width).checked_div(self.total).unwrap_or(width);
            let bar: String = "#".repeat(filled) + &" ".repeat(width - filled.min(width));
            eprint!("\r[{bar}] {}/{} {what:<40.40}", self.done, self.total);
        }
        self.done = (self.done + 1).min(self.total);
    }

    fn done(&self) {
        if self.on {
            eprint!("\r{:80}\r", "");
        }
    }
}

/// Runs `crdt compact`.
pub fn exec(args: &Args) -> Result<u8> {
    let mut db = open_write(&args.db)?;
    let before = sizes(&db)?;
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in db.records()? {
        if let Record::Event { ns, entity, .. } = r? {
            *counts.entry((ns, entity)).or_default() += 1;
        }
    }
    let mut out = Out::stdout(false);
    let (mut entities, mut removed) = (0u64, 0u64);
    let todo: Vec<_> = counts
        .iter()
        .filter(|(_, n)| **n > args.threshold)
        .collect();
    let mut progress = Progress::new(todo.len());
    for ((ns, entity), n) in todo {
        progress.step(&format!("{ns}/{entity}"));
        let r = db.compact_entity(ns, entity)?;
        out.line(format!(
            "{ns}/{entity}: {n} events, {r} folded into a snapshot"
        ))?;
        entities += 1;
        removed += r;
    }
    progress.step("merging runs");
    db.compact()?;
    progress.done();
    let after = sizes(&db)?;
    db.close()?;
    let live = |v: Option<u64>| v.map(human_bytes).unwrap_or_else(|| "-".into());
    out.line(format!(
        "{entities} entities compacted, {removed} events removed"
    ))?;
    out.line(format!(
        "size {} -> {} (live {} -> {})",
        human_bytes(before.0),
        human_bytes(after.0),
        live(before.1),
        live(after.1)
    ))?;
    out.flush()?;
    Ok(0)
}
