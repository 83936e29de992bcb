//! `crdt verify DB`: checks every structure and checksum the file has.
//!
//! `.crdt`: opening checks the header, the superblocks, the manifest, every run's footer,
//! index and bloom filter, and replays the log; a full scan then reads (and checksums)
//! every data block, decodes every key, event and snapshot, and checks the envelope
//! checksum of every stored value; finally the engine's own invariant checks run.
//! SQLite and redb: the same scan and record decoding, then SQLite's
//! `PRAGMA integrity_check` or redb's integrity check (every page checksum; on the
//! read-only open a repair redb would make stays in memory). Exit 0 when clean, 1 when
//! damage was found (each finding says what and where), 2 when the check could not run.

use std::path::PathBuf;

use crdt_migrate::envelope;
use crdt_store::Record;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::output::Out;

/// Arguments of `crdt verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt verify app.crdt && echo clean\n  crdt verify app.crdt --json\n\nExit codes: 0 clean, 1 damage found, 2 could not run."
)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
    /// Print JSON Lines (see cli/README.md).
    #[arg(long)]
    pub json: bool,
}

/// One line of `crdt verify --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum VerifyLine {
    /// One finding.
    Damage {
        /// Where: `file`, or `ns/key`, `ns/entity#seq`, `ns/entity (snapshot)`.
        location: String,
        /// What is wrong.
        detail: String,
    },
    /// Last line.
    Summary {
        /// Records read.
        records: u64,
        /// Findings.
        damaged: u64,
        /// No findings.
        clean: bool,
    },
}

fn check_value(location: String, bytes: &[u8], found: &mut Vec<VerifyLine>) {
    if let Err(e) = envelope::detect(bytes) {
        found.push(VerifyLine::Damage {
            location,
            detail: format!("value envelope: {e}"),
        });
    }
}

/// Verifies `path`: the findings and the summary, or an error when it could not run.
pub fn report(path: &std::path::Path) -> Result<Vec<VerifyLine>> {
    let mut found = Vec::new();
    let mut records = 0u64;
    let db = match crdt_inspect::Db::open_read(path) {
        Ok(db) => Some(db),
        Err(e) if e.is_corrupted() => {
            found.push(VerifyLine::Damage {
                location: "file".into(),
                detail: e.to_string(),
            });
            None
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(mut db) = db {
        let (recs, errors) = db.records_skipping_damage();
        for e in errors {
            found.push(VerifyLine::Damage {
                location: "file".into(),
                detail: e.to_string(),
            });
        }
        for r in &recs {
            records += 1;
            match r {
                Record::State { ns, key, value } => {
                    check_value(format!("{ns}/{key}"), value, &mut found)
                }
                Record::Event { ns, entity, event } => check_value(
                    format!("{ns}/{entity}#{}", event.seq),
                    &event.data,
                    &mut found,
                ),
                Record::Snapshot {
                    ns,
                    entity,
                    snapshot,
                } => check_value(
                    format!("{ns}/{entity} (snapshot)"),
                    &snapshot.state,
                    &mut found,
                ),
                _ => {}
            }
        }
        for detail in db.check()? {
            found.push(VerifyLine::Damage {
                location: "file".into(),
                detail,
            });
        }
    }
    let damaged = found.len() as u64;
    found.push(VerifyLine::Summary {
        records,
        damaged,
        clean: damaged == 0,
    });
    Ok(found)
}

/// Runs `crdt verify`.
pub fn exec(args: &Args) -> Result<u8> {
    let lines = report(&args.db)?;
    let mut out = Out::stdout(args.json);
    let mut damaged = false;
    for l in &lines {
        if out.json {
            out.record(l)?;
        }
        match l {
            VerifyLine::Damage { location, detail } => {
                damaged = true;
                if !out.json {
                    out.line(format!("damage: {location}: {detail}"))?;
                }
            }
            VerifyLine::Summary {
                records, damaged, ..
            } => {
                if !out.json {
                    if *damaged == 0 {
                        out.line(format!("{}: clean ({records} records)", args.db.display()))?;
                    } else {
                        out.line(format!(
                            "{}: {damaged} problem(s) found ({records} records readable)",
                            args.db.display()
                        ))?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(if damaged { 1 } else { 0 })
}
