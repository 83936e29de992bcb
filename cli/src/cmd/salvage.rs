//! `crdt salvage DB OUT [--format crdt|sqlite|redb]`: copies every readable record of a
//! damaged `.crdt`, SQLite or redb database into a new database (default `.crdt`), with the same keys, event seqs, snapshots and counters. Values whose
//! envelope is damaged are copied as they are (verify still reports them). A damaged data
//! block is skipped with its key range. Exit 0 when everything was copied, 1 when
//! something was unreadable and skipped (each skip is listed), 2 when nothing could run.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::error::{Failure, Result};
use crate::open::{open_read, Db, Format};
use crate::output::Out;
use crate::transfer::{self, ExportRecord};

/// Arguments of `crdt salvage`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt verify app.crdt || crdt salvage app.crdt app-rescued.crdt"
)]
pub struct Args {
    /// Damaged database (read-only).
    pub db: PathBuf,
    /// New file to write (must not exist).
    pub out: PathBuf,
    /// Kind of database to write.
    #[arg(long, value_enum, default_value_t = Format::Crdt)]
    pub format: Format,
}

/// Runs `crdt salvage`.
pub fn exec(args: &Args) -> Result<u8> {
    if args.out.exists() {
        return Err(Failure::msg(format!(
            "{}: already exists; salvage writes a new file",
            args.out.display()
        )));
    }
    let src = open_read(&args.db).map_err(|e| {
        Failure::msg(format!(
            "{e} (salvage needs the file's header, superblock and manifest to be readable)"
        ))
    })?;
    let (found, lost) = src.records_skipping_damage();
    let records: Vec<ExportRecord> = found
        .into_iter()
        .filter_map(ExportRecord::from_record)
        .collect();
    let dst = Db::create(&args.out, args.format.into())?;
    let n = transfer::write(dst.store(), records, &BTreeSet::new())?;
    dst.close()?;
    let mut out = Out::stdout(false);
    out.line(format!("copied {n} records into {}", args.out.display()))?;
    for e in &lost {
        out.line(format!("skipped (unreadable): {e}"))?;
    }
    out.flush()?;
    Ok(if lost.is_empty() { 0 } else { 1 })
}
