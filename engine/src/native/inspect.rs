//! Read-only inspection for tools (the `crdt` CLI, the dev UI): every record of the file
//! across namespaces, decoded from the internal keyspace (format-spec/keys.md), and the
//! file's layout (format-spec/README.md: header, superblocks, log, runs, manifest).
//!
//! Nothing here writes. Records come from the same merged, newest-wins scan as reads, so
//! overwritten, deleted and truncated entries are not reported; a damaged block surfaces
//! as an `Err` item, after which the iterator ends.

use crate::error::{Error, Result};
use crate::kv::KvRead;
use crate::records::{decode_record, Floors, Record, RecordIter};

use super::NativeStore;

/// A run, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunInfo {
    /// Run id (newer runs have larger ids).
    pub id: u64,
    /// Byte offset of the run in the file.
    pub offset: u64,
    /// Bytes of the run's extent.
    pub bytes: u64,
    /// Entries (including deletes) in the run.
    pub entries: u64,
}

/// The layout of an open `.crdt` file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Layout {
    /// Format version from the header.
    pub format_version: u32,
    /// Page size in bytes.
    pub page_size: u64,
    /// Bytes below the high-water mark.
    pub file_bytes: u64,
    /// Bytes in use (file bytes minus free pages).
    pub live_bytes: u64,
    /// Bytes in free pages.
    pub free_bytes: u64,
    /// Bytes of the log extent.
    pub log_bytes: u64,
    /// Bytes held in the memtable.
    pub memtable_bytes: u64,
    /// Manifest generation.
    pub generation: u64,
    /// The live runs, oldest first (compaction is size-tiered: one level of runs).
    pub runs: Vec<RunInfo>,
}

/// One copy of a superblock slot (format-spec/header-and-superblocks.md): each of the two
/// slot pages holds the 64-byte record twice, and the valid copy with the highest
/// generation names the current manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuperblockInfo {
    /// Slot number (0 or 1; generation `g` is written to slot `g mod 2`).
    pub slot: u8,
    /// Copy within the slot (0 or 1).
    pub copy: u8,
    /// Byte offset of this copy in the file.
    pub offset: u64,
    /// Generation, when the copy is valid (magic, checksum, generation > 0).
    pub generation: Option<u64>,
    /// First page of the manifest it names, when valid.
    pub manifest_page: Option<u64>,
    /// Length of that manifest in bytes, when valid.
    pub manifest_len: Option<u32>,
}

impl NativeStore {
    /// The file's layout: sizes, log, runs.
    pub fn layout(&self) -> Layout {
        let page = crate::format::header::PAGE_SIZE as u64;
        let w = self.inner.writer.lock();
        let v = self.inner.view.read();
        let file_pages = w.alloc.file_pages();
        let free_pages = w.alloc.free_pages();
        Layout {
            format_version: self.inner.file_version,
            page_size: page,
            file_bytes: file_pages.saturating_mul(page),
            live_bytes: file_pages.saturating_sub(free_pages).saturating_mul(page),
            free_bytes: free_pages.saturating_mul(page),
            log_bytes: w.manifest.log.byte_len(),
            memtable_bytes: v.mem_bytes as u64,
            generation: w.manifest.generation,
            runs: w
                .manifest
                .runs
                .iter()
                .map(|r| RunInfo {
                    id: r.id,
                    offset: r.extent.byte_offset(),
                    bytes: r.extent.byte_len(),
                    entries: r.entry_count,
                })
                .collect(),
        }
    }

    /// The four superblock copies as the file holds them now (a copy beyond the end of
    /// the file reads as zeros, i.e. invalid). Read-only; for inspection tools.
    pub fn superblocks(&self) -> Result<Vec<SuperblockInfo>> {
        use crate::format::superblock::{Superblock, FIRST_SLOT_PAGE, LEN};
        let page = crate::format::header::PAGE_SIZE as u64;
        let path = &self.inner.path;
        let file_len = self.inner.io.len().map_err(|source| Error::Io {
            path: path.clone(),
            op: "stat",
            source,
        })?;
        let mut out = Vec::with_capacity(4);
        for slot in 0..2u8 {
            for copy in 0..2u8 {
                let offset =
                    (FIRST_SLOT_PAGE + u64::from(slot)) * page + u64::from(copy) * LEN as u64;
                let mut buf = [0u8; LEN];
                let avail = file_len.saturating_sub(offset).min(LEN as u64) as usize;
                if let Some(dst) = buf.get_mut(..avail) {
                    if !dst.is_empty() {
                        self.inner
                            .io
                            .read_at(offset, dst)
                            .map_err(|source| Error::Io {
                                path: path.clone(),
                                op: "read superblock",
                                source,
                            })?;
                    }
                }
                let sb = Superblock::decode(&buf);
                out.push(SuperblockInfo {
                    slot,
                    copy,
                    offset,
                    generation: sb.map(|s| s.generation),
                    manifest_page: sb.map(|s| s.manifest_page),
                    manifest_len: sb.map(|s| s.manifest_len),
                });
            }
        }
        Ok(out)
    }

    /// Every live record of every namespace, in key order (states, then events, then
    /// snapshots, then counters, per format-spec/keys.md).
    ///
    /// Events below their entity's truncation floor (truncated, not yet dropped by
    /// compaction) are not reported, nor are the floors themselves: a tool sees exactly
    /// what `events_since` would return.
    pub fn records(&self) -> Result<RecordIter<'_>> {
        crate::records::records(self)
    }

    /// The live records of namespace `ns` only, in key order: one range scan per key
    /// type, so other namespaces are not read.
    pub fn records_in(&self, ns: &str) -> Result<RecordIter<'_>> {
        crate::records::records_in(self, ns)
    }

    /// Every readable record, for repair tools: a damaged data block is reported and the
    /// scan resumes after its key range (so records of other runs in that range are lost
    /// too); a record whose key or value does not decode is reported and skipped.
    pub fn records_skipping_damage(&self) -> (Vec<Record>, Vec<Error>) {
        let (mut records, mut errors) = (Vec::new(), Vec::new());
        let floors = crate::records::floors(self).unwrap_or_else(|e| {
            errors.push(e);
            Floors::new()
        });
        let mut start: Vec<u8> = Vec::new();
        'scan: loop {
            let iter = match self.kv_scan(&start, None) {
                Ok(it) => it,
                Err(e) => {
                    errors.push(e);
                    break;
                }
            };
            for item in iter {
                match item {
                    Ok((key, value)) => {
                        match decode_record(&self.inner.path, &floors, &key, value) {
                            Ok(Some(r)) => records.push(r),
                            Ok(None) => {}
                            Err(e) => errors.push(e),
                        }
                    }
                    Err(e) => {
                        let resume = match &e {
                            Error::Corrupted { offset, .. } => self.block_end_key(*offset),
                            _ => None,
                        };
                        errors.push(e);
                        match resume {
                            Some(mut next) if next >= start => {
                                next.push(0);
                                start = next;
                                continue 'scan;
                            }
                            _ => break 'scan,
                        }
                    }
                }
            }
            break;
        }
        (records, errors)
    }

    /// The last seq handed out for `(ns, entity)` (its sequence counter): kept when every
    /// event was truncated, so numbering never restarts.
    pub fn last_seq(&self, ns: &str, entity: &str) -> Result<Option<u64>> {
        crate::records::last_seq(self, ns, entity)
    }

    /// The keys / entities of `ns` starting with `prefix` that have a state, a snapshot
    /// or a sequence counter (so every entity that ever had an event), in byte order,
    /// streamed from range scans (nothing is collected): the pageable listing of a
    /// namespace.
    pub fn entity_keys(&self, ns: &str, prefix: &str) -> Result<crate::NameIter<'_>> {
        crate::records::entity_keys(self, ns, prefix)
    }

    fn block_end_key(&self, offset: u64) -> Option<Vec<u8>> {
        let runs = std::sync::Arc::clone(&self.inner.view.read().runs);
        runs.iter().find_map(|r| r.block_last_key_at(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventStore, StateStore, WriteBatch};

    #[test]
    fn records_cover_every_key_type_and_layout_lists_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.crdt");
        let s = NativeStore::open(&path).unwrap();
        s.put("a", "k", b"v").unwrap();
        s.append_event("b", "e", b"x", 7, "n").unwrap();
        s.save_snapshot("b", "e", b"s", 1, 2).unwrap();
        s.flush().unwrap();
        let recs: Vec<Record> = s.records().unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 4);
        assert!(matches!(&recs[0], Record::State { ns, key, .. } if ns == "a" && key == "k"));
        assert!(
            matches!(&recs[1], Record::Event { event, .. } if event.seq == 1 && event.timestamp == 7)
        );
        assert!(matches!(&recs[2], Record::Snapshot { snapshot, .. } if snapshot.version == 2));
        assert!(matches!(&recs[3], Record::Counter { last_seq: 1, .. }));
        assert_eq!(s.last_seq("b", "e").unwrap(), Some(1));
        assert_eq!(s.last_seq("b", "nope").unwrap(), None);
        let layout = s.layout();
        let sbs = s.superblocks().unwrap();
        assert_eq!(sbs.len(), 4);
        let newest = sbs.iter().filter_map(|b| b.generation).max();
        assert_eq!(newest, Some(layout.generation));
        assert!(sbs.iter().all(|b| b.offset >= 4096 && b.offset < 3 * 4096));
        assert_eq!(layout.runs.len(), 1);
        assert_eq!(layout.format_version, 2, "new files are version 2 (HDR-4)");
        assert!(layout.live_bytes <= layout.file_bytes);
    }

    #[test]
    fn truncated_events_are_not_records() {
        let dir = tempfile::tempdir().unwrap();
        let s = NativeStore::open(dir.path().join("t.crdt")).unwrap();
        for i in 0..4u64 {
            s.append_event("n", "e", b"x", i, "node").unwrap();
        }
        assert_eq!(s.truncate_events_before("n", "e", 3).unwrap(), 2);
        for flushed in [false, true] {
            if flushed {
                s.flush().unwrap();
            }
            let seqs: Vec<u64> = s
                .records()
                .unwrap()
                .filter_map(|r| match r.unwrap() {
                    Record::Event { event, .. } => Some(event.seq),
                    _ => None,
                })
                .collect();
            assert_eq!(seqs, [3, 4], "flushed: {flushed}");
            let (recs, errs) = s.records_skipping_damage();
            assert!(errs.is_empty());
            assert_eq!(
                recs.iter()
                    .filter(|r| matches!(r, Record::Event { .. }))
                    .count(),
                2
            );
        }
    }

    #[test]
    fn a_damaged_block_is_skipped_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.crdt");
        let s = NativeStore::open(&path).unwrap();
        let mut b = WriteBatch::new();
        for i in 0..400 {
            b.put("n", &format!("k{i:04}"), &[9u8; 100]);
        }
        s.commit(&b).unwrap();
        s.flush().unwrap();
        let offset = s.layout().runs.first().map(|r| r.offset);
        s.close().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let at = offset.unwrap() as usize + 30;
        bytes[at] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let s = NativeStore::open_read_only(&path).unwrap();
        assert!(s.records().unwrap().any(|r| r.is_err()));
        let (recs, errors) = s.records_skipping_damage();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].is_corrupted());
        assert!(!recs.is_empty() && recs.len() < 400, "{}", recs.len());
    }
}
