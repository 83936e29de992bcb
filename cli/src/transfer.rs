//! The export format (one [`ExportRecord`] per record, documented in cli/README.md) and
//! the writer that puts records back into a database with the same event seqs: the
//! shared core of `export`, `import` and `salvage`.
//!
//! Event seqs cannot be chosen through the store API (they are assigned 1, 2, 3, ...), so
//! an entity whose first stored event is seq `f` is written as `f - 1` placeholder events,
//! its real events, and a truncation before `f` (batches of at most 512 operations): the
//! result has the same seqs and the same sequence counter as the original.

use std::collections::{BTreeMap, BTreeSet};

use crdt_store::{EventStore, WriteBatch};

use crate::error::{Failure, Result};
use crate::output::unhex;

pub use crdt_inspect::{ExportDocument, ExportRecord, FORMAT, VERSION};

/// Parses an export file: a JSON document or JSON Lines.
pub fn parse(text: &str) -> Result<Vec<ExportRecord>> {
    if let Ok(doc) = serde_json::from_str::<ExportDocument>(text) {
        check_header(&doc.format, doc.version)?;
        return Ok(doc.records);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let rec: ExportRecord = serde_json::from_str(line)
            .map_err(|e| Failure::msg(format!("line {}: not an export record: {e}", i + 1)))?;
        if let ExportRecord::Header { format, version } = &rec {
            check_header(format, *version)?;
            continue;
        }
        out.push(rec);
    }
    Ok(out)
}

fn check_header(format: &str, version: u32) -> Result<()> {
    if format != FORMAT || version != VERSION {
        return Err(Failure::msg(format!(
            "unsupported export format {format} v{version} (this build reads {FORMAT} v{VERSION})"
        )));
    }
    Ok(())
}

fn bytes(field: &str, s: &str) -> Result<Vec<u8>> {
    unhex(s).ok_or_else(|| Failure::msg(format!("{field}: not valid hex")))
}

#[derive(Default)]
struct EntityLog {
    events: Vec<(u64, u64, String, Vec<u8>)>,
    last_seq: Option<u64>,
}

/// Ops per commit when writing records back.
const BATCH_OPS: usize = 512;

/// Writes `records` into `store`, preserving event seqs. Entities that already have an
/// event log in `store` (listed in `existing_logs`) are refused. Returns how many records
/// were written.
pub fn write(
    store: &dyn EventStore,
    records: Vec<ExportRecord>,
    existing_logs: &BTreeSet<(String, String)>,
) -> Result<u64> {
    let mut batch = WriteBatch::new();
    let mut written = 0u64;
    let mut logs: BTreeMap<(String, String), EntityLog> = BTreeMap::new();
    let mut snapshots = Vec::new();
    let flush = |batch: &mut WriteBatch, force: bool| -> Result<()> {
        if batch.len() >= BATCH_OPS || (force && !batch.is_empty()) {
            store.commit(batch)?;
            *batch = WriteBatch::new();
        }
        Ok(())
    };
    for rec in records {
        match rec {
            ExportRecord::Header { .. } => continue,
            ExportRecord::State { ns, key, value_hex } => {
                batch.put(&ns, &key, &bytes("value_hex", &value_hex)?);
                flush(&mut batch, false)?;
            }
            ExportRecord::Event {
                ns,
                entity,
                seq,
                timestamp,
                node_id,
                data_hex,
            } => {
                let data = bytes("data_hex", &data_hex)?;
                logs.entry((ns, entity))
                    .or_default()
                    .events
                    .push((seq, timestamp, node_id, data));
            }
            ExportRecord::Counter {
                ns,
                entity,
                last_seq,
            } => logs.entry((ns, entity)).or_default().last_seq = Some(last_seq),
            ExportRecord::Snapshot {
                ns,
                entity,
                at_seq,
                version,
                state_hex,
            } => snapshots.push((ns, entity, at_seq, version, bytes("state_hex", &state_hex)?)),
        }
        written += 1;
    }
    for ((ns, entity), mut log) in logs {
        if existing_logs.contains(&(ns.clone(), entity.clone())) {
            return Err(Failure::msg(format!(
                "{ns}/{entity}: the target already has an event log for this entity; import into a new file"
            )));
        }
        flush(&mut batch, true)?;
        log.events.sort_by_key(|e| e.0);
        let last_event = log.events.last().map(|e| e.0);
        let last_seq = log.last_seq.or(last_event).unwrap_or(0);
        let first = log.events.first().map(|e| e.0).unwrap_or(last_seq + 1);
        let contiguous = log
            .events
            .iter()
            .enumerate()
            .all(|(i, e)| Some(e.0) == first.checked_add(i as u64));
        if !contiguous || last_event.is_some_and(|l| l != last_seq) || first == 0 {
            return Err(Failure::msg(format!(
                "{ns}/{entity}: event seqs are not contiguous up to the counter ({last_seq})"
            )));
        }
        for _ in 1..first {
            batch.append_event(&ns, &entity, &[], 0, "");
            flush(&mut batch, false)?;
        }
        for (_, ts, node, data) in &log.events {
            batch.append_event(&ns, &entity, data, *ts, node);
            flush(&mut batch, false)?;
        }
        if first > 1 {
            batch.truncate_events_before(&ns, &entity, first);
        }
    }
    for (ns, entity, at_seq, version, state) in snapshots {
        batch.save_snapshot(&ns, &entity, &state, at_seq, version);
        flush(&mut batch, false)?;
    }
    flush(&mut batch, true)?;
    Ok(written)
}
