//! `crdt import DB FILE`: writes the records of a `crdt export` file (JSON or JSON Lines)
//! into DB (a new `.crdt` file is created when DB does not exist), with the same event
//! seqs, timestamps, nodes, snapshots and counters.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crdt_store::Record;

use crate::error::{Failure, Result};
use crate::open::open_or_create;
use crate::output::Out;
use crate::transfer;

/// Arguments of `crdt import`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt export old.crdt --jsonl > dump.jsonl && crdt import new.crdt dump.jsonl"
)]
pub struct Args {
    /// Database file (created if missing).
    pub db: PathBuf,
    /// Export file (`-` for stdin).
    pub file: PathBuf,
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
    let db = open_or_create(&args.db)?;
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
