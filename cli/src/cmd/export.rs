//! `crdt export DB [KEY] [-n NS] [--jsonl]`: every record (state, events with seq,
//! timestamp and node, snapshots, sequence counters) as JSON; bytes as hex. `crdt import`
//! reads it back losslessly.

use std::path::PathBuf;

use crate::error::Result;
use crate::open::open_read;
use crate::output::Out;
use crate::transfer::{ExportDocument, ExportRecord, FORMAT, VERSION};

pub use crdt_inspect::selected;

/// Arguments of `crdt export`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt export app.crdt > backup.json\n  crdt export app.crdt --jsonl -n sensors | head\n  crdt export app.crdt sensor-42 -n sensors"
)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
    /// Only this key / entity.
    pub key: Option<String>,
    /// Only this namespace.
    #[arg(short = 'n', long = "namespace")]
    pub namespace: Option<String>,
    /// JSON Lines: a header line, then one record per line (streams; pipe-friendly).
    #[arg(long)]
    pub jsonl: bool,
}

/// Runs `crdt export`.
pub fn exec(args: &Args) -> Result<u8> {
    let db = open_read(&args.db)?;
    let mut out = Out::stdout(true);
    let filter = |r: &ExportRecord| selected(r, args.key.as_deref(), args.namespace.as_deref());
    if args.jsonl {
        out.record(&ExportRecord::header())?;
        for r in db.records()? {
            if let Some(rec) = ExportRecord::from_record(r?) {
                if filter(&rec) {
                    out.record(&rec)?;
                }
            }
        }
    } else {
        let mut records = Vec::new();
        for r in db.records()? {
            if let Some(rec) = ExportRecord::from_record(r?) {
                if filter(&rec) {
                    records.push(rec);
                }
            }
        }
        out.record(&ExportDocument {
            format: FORMAT.into(),
            version: VERSION,
            records,
        })?;
    }
    out.flush()?;
    Ok(0)
}
