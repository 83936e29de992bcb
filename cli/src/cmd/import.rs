//! `crdt import DB FILE [--format crdt|sqlite|redb]`: writes the records of a `crdt
//! export` file (JSON or JSON Lines) into DB, an existing `.crdt`, SQLite or redb database
//! or a new one of `--format` (default `crdt`), with the same event seqs, timestamps,
//! nodes, snapshots and counters.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crdt_store::Record;

use crate::error::{Failure, Result};
use crate::open::{open_or_create, Format};
use crate::output::Out;
use crate::transfer;

/// Arguments of `crdt import`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt export old.crdt --jsonl > dump.jsonl && crdt import new.crdt dump.jsonl\n  crdt export app.db --jsonl | crdt import app.crdt -        # SQLite -> .crdt\n  crdt import app.redb dump.jsonl --format redb               # a new redb file"
)]
pub struct Args {
    /// Database file (created if missing).
    pub db: PathBuf,
    /// Export file (`-` for stdin).
    pub file: PathBuf,
    /// Kind of database to create when DB does not exist (an existing DB keeps its own).
    #[arg(long, value_enum, default_value_t = Format::Crdt)]
    pub format: Format,
}

/// Runs `crdt import`.
pub fn exec(args: &Args) -> Result<u8> {
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|e| Failure::msg(format!("{}: {e}", args.file.display())))?
    };
    let records = transfer::parse(&text)?;
    let db = open_or_create(&args.db, args.format.into())?;
    let mut existing = BTreeSet::new();
    for r in db.records()? {
        if let Record::Counter { ns, entity, .. } = r? {
            existing.insert((ns, entity));
        }
    }
    let n = transfer::write(db.store(), records, &existing)?;
    db.close()?;
    let mut out = Out::stdout(false);
    out.line(format!("imported {n} records into {}", args.db.display()))?;
    out.flush()?;
    Ok(0)
}
