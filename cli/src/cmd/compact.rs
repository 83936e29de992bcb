//! `crdt compact DB [--threshold N]`: for every entity with more than N events, snapshot
//! its state at its last event and truncate the events the snapshot covers
//! (`CrdtDb::compact_entity`), then merge the file's runs. Prints sizes before and after.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crdt_store::{CrdtDb, Record};

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

fn sizes(db: &Db, path: &std::path::Path) -> Result<(u64, Option<u64>)> {
    Ok((
        std::fs::metadata(path)?.len(),
        db.layout().map(|l| l.live_bytes),
    ))
}

/// Runs `crdt compact`.
pub fn exec(args: &Args) -> Result<u8> {
    let db = open_write(&args.db)?;
    let before = sizes(&db, &args.db)?;
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in db.records()? {
        if let Record::Event { ns, entity, .. } = r? {
            *counts.entry((ns, entity)).or_default() += 1;
        }
    }
    let mut out = Out::stdout(false);
    let (mut entities, mut removed) = (0u64, 0u64);
    match &db {
        Db::Native(store) => {
            let cdb = CrdtDb::with_store(store.clone());
            for ((ns, entity), n) in counts.iter().filter(|(_, n)| **n > args.threshold) {
                let r = cdb.compact_entity(ns, entity)?;
                out.line(format!(
                    "{ns}/{entity}: {n} events, {r} folded into a snapshot"
                ))?;
                entities += 1;
                removed += r;
            }
        }
    }
    db.compact()?;
    let after = sizes(&db, &args.db)?;
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
