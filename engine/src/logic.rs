//! The semantics of [`crate::StateStore`] and [`crate::EventStore`], written once over the
//! internal [`KvStore`] layer and shared by every backend that stores internal keys.
//!
//! A [`WriteBatch`] is *resolved* under the writer lock into plain mutations (an append reads
//! and bumps the entity's sequence counter; a truncate raises the entity's truncation floor,
//! a range tombstone that reads apply and compaction uses to drop the events), so the log
//! holds only puts and deletes and replay never re-runs logic (format-spec/log.md).

use std::collections::BTreeSet;

use crate::api::{BatchOp, CommitOutcome, EventIter, KeyRange, StateIter, WriteBatch};
use crate::error::{Error, Result};
use crate::keys::{self, Snapshot};
use crate::kv::{KvRead, KvStore, Mutation, Overlay};
use crate::limits;

/// Corruption found in data that came through a backend. Memory never produces it; the
/// native engine checks blocks by checksum first, so this is a logic-level inconsistency.
/// A stored key or value that does not decode. The block that held it passed its
/// checksum, so the offset of the damage is not known here: the error names the file and
/// the key (offset 0 means "within the data of this key").
fn bad_data(path: &std::path::Path, key: &[u8]) -> impl Fn(crate::format::cursor::Bad) -> Error {
    let path = path.to_path_buf();
    let key_hex: String = key.iter().take(64).map(|b| format!("{b:02x}")).collect();
    move |b| Error::Corrupted {
        path: path.clone(),
        offset: 0,
        structure: b.structure,
        detail: format!("{} (internal key {key_hex})", b.detail),
    }
}

fn validate(op: &BatchOp) -> Result<()> {
    match op {
        BatchOp::Put { ns, key, value } => {
            limits::ns_key(ns, key)?;
            limits::value(value)
        }
        BatchOp::Delete { ns, key } => limits::ns_key(ns, key),
        BatchOp::AppendEvent {
            ns,
            entity,
            data,
            node_id,
            ..
        } => {
            limits::ns_key(ns, entity)?;
            limits::node_id(node_id)?;
            limits::value(data)
        }
        BatchOp::SaveSnapshot {
            ns, entity, state, ..
        } => {
            limits::ns_key(ns, entity)?;
            limits::value(state)
        }
        BatchOp::TruncateEventsBefore { ns, entity, .. } => limits::ns_key(ns, entity),
    }
}

fn apply_op(view: &mut Overlay<'_>, op: &BatchOp, out: &mut CommitOutcome) -> Result<()> {
    match op {
        BatchOp::Put { ns, key, value } => view.put(keys::state_key(ns, key), value.clone()),
        BatchOp::Delete { ns, key } => view.delete(keys::state_key(ns, key)),
        BatchOp::AppendEvent {
            ns,
            entity,
            data,
            timestamp,
            node_id,
        } => {
            let ckey = keys::counter_key(ns, entity);
            let last = read_u64(view, &ckey)?;
            let seq = last.checked_add(1).ok_or_else(|| {
                Error::InvalidArgument(format!("event seq of ({ns:?}, {entity:?}) exhausted"))
            })?;
            view.put(
                keys::event_key(ns, entity, seq),
                keys::encode_event_value(*timestamp, node_id, data),
            );
            view.put(ckey, seq.to_le_bytes().to_vec());
            out.event_seqs.push(seq);
        }
        BatchOp::SaveSnapshot {
            ns,
            entity,
            state,
            at_seq,
            version,
        } => view.put(
            keys::snapshot_key(ns, entity),
            keys::encode_snapshot_value(state, *at_seq, *version),
        ),
        BatchOp::TruncateEventsBefore {
            ns,
            entity,
            before_seq,
        } => {
            // A range tombstone: raise the entity's floor. It never passes the next seq to
            // be assigned, so later appends stay visible.
            let floor = read_u64(view, &keys::floor_key(ns, entity))?;
            let last = read_u64(view, &keys::counter_key(ns, entity))?;
            let new_floor = (*before_seq).min(last.saturating_add(1));
            let mut removed = 0u64;
            if new_floor > floor {
                let start = keys::event_key(ns, entity, floor);
                let end = keys::event_key(ns, entity, new_floor);
                for r in view.kv_scan(&start, Some(&end))? {
                    r?;
                    removed += 1;
                }
            }
            // Seqs below `new_floor` were all assigned already, so with nothing to remove
            // there is nothing to hide: no floor is written.
            if removed > 0 {
                view.put(
                    keys::floor_key(ns, entity),
                    new_floor.to_le_bytes().to_vec(),
                );
            }
            out.truncated.push(removed);
        }
    }
    Ok(())
}

/// A sequence counter or truncation floor; 0 when absent.
fn read_u64<S: KvRead + ?Sized>(s: &S, key: &[u8]) -> Result<u64> {
    match s.kv_get(key)? {
        Some(v) => keys::decode_u64(&v).map_err(bad_data(s.location(), key)),
        None => Ok(0),
    }
}

/// Commit `batch` atomically on `store`.
pub(crate) fn commit<S: KvStore + ?Sized>(store: &S, batch: &WriteBatch) -> Result<CommitOutcome> {
    for op in batch.ops() {
        validate(op)?;
    }
    let mut outcome = CommitOutcome::default();
    store.kv_commit(&mut |base: &dyn KvRead| -> Result<Vec<Mutation>> {
        outcome = CommitOutcome::default();
        let mut view = Overlay::new(base);
        for op in batch.ops() {
            apply_op(&mut view, op, &mut outcome)?;
        }
        Ok(view.into_mutations())
    })?;
    Ok(outcome)
}

pub(crate) fn get<S: KvRead + ?Sized>(s: &S, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
    limits::ns_key(ns, key)?;
    keys::with_state_key(ns, key, |k| s.kv_get(k))
}

pub(crate) fn list_keys<S: KvRead + ?Sized>(s: &S, ns: &str) -> Result<Vec<String>> {
    scan(s, ns, KeyRange::all())?
        .map(|r| r.map(|(k, _)| k))
        .collect()
}

/// Internal `[start, end)` for a user range inside `prefix`.
fn internal_bounds(prefix: &[u8], range: &KeyRange) -> (Vec<u8>, Option<Vec<u8>>) {
    use std::ops::Bound;
    let with = |k: &str, successor: bool| {
        let mut v = prefix.to_vec();
        v.extend_from_slice(k.as_bytes());
        if successor {
            v.push(0);
        }
        v
    };
    let start = match &range.start {
        Bound::Unbounded => prefix.to_vec(),
        Bound::Included(k) => with(k, false),
        Bound::Excluded(k) => with(k, true),
    };
    let end = match &range.end {
        Bound::Unbounded => keys::prefix_end(prefix),
        Bound::Excluded(k) => Some(with(k, false)),
        Bound::Included(k) => Some(with(k, true)),
    };
    (start, end)
}

pub(crate) fn scan<'a, S: KvRead + ?Sized>(
    s: &'a S,
    ns: &str,
    range: KeyRange,
) -> Result<StateIter<'a>> {
    limits::namespace(ns)?;
    let prefix = keys::ns_prefix(keys::TYPE_STATE, ns);
    let (start, end) = internal_bounds(&prefix, &range);
    if matches!(&end, Some(e) if *e <= start) {
        return Ok(Box::new(std::iter::empty()));
    }
    let inner = s.kv_scan(&start, end.as_deref())?;
    let path = s.location().to_path_buf();
    Ok(Box::new(inner.map(move |r| {
        let (k, v) = r?;
        let key = keys::state_user_key(&prefix, &k).map_err(bad_data(&path, &k))?;
        Ok((key, v))
    })))
}

/// Distinct namespaces, by seeking past each namespace instead of reading its keys.
pub(crate) fn list_namespaces<S: KvRead + ?Sized>(s: &S) -> Result<Vec<String>> {
    let mut out = BTreeSet::new();
    for kind in [
        keys::TYPE_STATE,
        keys::TYPE_EVENT,
        keys::TYPE_SNAPSHOT,
        keys::TYPE_COUNTER,
        keys::TYPE_FLOOR,
    ] {
        let mut from = vec![kind];
        let type_end = vec![kind + 1];
        loop {
            let first = s.kv_scan(&from, Some(&type_end))?.next();
            let Some(item) = first else { break };
            let (k, _) = item?;
            let decoded = keys::decode_key(&k).map_err(bad_data(s.location(), &k))?;
            let ns = decoded.namespace().to_string();
            match keys::prefix_end(&keys::ns_prefix(kind, &ns)) {
                Some(next) => from = next,
                None => {
                    out.insert(ns);
                    break;
                }
            }
            out.insert(ns);
        }
    }
    Ok(out.into_iter().collect())
}

pub(crate) fn events_since<'a, S: KvRead + ?Sized>(
    s: &'a S,
    ns: &str,
    entity: &str,
    after_seq: u64,
) -> Result<EventIter<'a>> {
    limits::ns_key(ns, entity)?;
    let Some(first) = after_seq.checked_add(1) else {
        return Ok(Box::new(std::iter::empty()));
    };
    let first = first.max(read_u64(s, &keys::floor_key(ns, entity))?);
    let prefix = keys::event_prefix(ns, entity);
    let start = keys::event_key(ns, entity, first);
    let end = keys::prefix_end(&prefix);
    let inner = s.kv_scan(&start, end.as_deref())?;
    let path = s.location().to_path_buf();
    Ok(Box::new(inner.map(move |r| {
        let (k, v) = r?;
        let seq = match keys::decode_key(&k).map_err(bad_data(&path, &k))? {
            keys::DecodedKey::Event { seq, .. } => seq,
            _ => {
                return Err(bad_data(&path, &k)(crate::format::cursor::Bad::new(
                    "key",
                    "non-event key in an event range",
                )))
            }
        };
        keys::decode_event_value(seq, &v).map_err(bad_data(&path, &k))
    })))
}

pub(crate) fn event_count<S: KvRead + ?Sized>(s: &S, ns: &str, entity: &str) -> Result<u64> {
    limits::ns_key(ns, entity)?;
    let prefix = keys::event_prefix(ns, entity);
    let end = keys::prefix_end(&prefix);
    let start = keys::event_key(ns, entity, read_u64(s, &keys::floor_key(ns, entity))?);
    let mut n = 0u64;
    for r in s.kv_scan(&start, end.as_deref())? {
        r?;
        n += 1;
    }
    Ok(n)
}

pub(crate) fn load_snapshot<S: KvRead + ?Sized>(
    s: &S,
    ns: &str,
    entity: &str,
) -> Result<Option<Snapshot>> {
    limits::ns_key(ns, entity)?;
    let key = keys::snapshot_key(ns, entity);
    match s.kv_get(&key)? {
        None => Ok(None),
        Some(v) => keys::decode_snapshot_value(&v)
            .map(Some)
            .map_err(bad_data(s.location(), &key)),
    }
}

/// Implement [`crate::StateStore`] and [`crate::EventStore`] for a type that implements
/// [`KvStore`], through the functions of this module.
macro_rules! impl_store_traits {
    ($ty:ty) => {
        impl $crate::api::StateStore for $ty {
            fn put(&self, ns: &str, key: &str, value: &[u8]) -> $crate::Result<()> {
                let mut b = $crate::api::WriteBatch::new();
                b.put(ns, key, value);
                $crate::logic::commit(self, &b).map(|_| ())
            }
            fn get(&self, ns: &str, key: &str) -> $crate::Result<Option<Vec<u8>>> {
                $crate::logic::get(self, ns, key)
            }
            fn delete(&self, ns: &str, key: &str) -> $crate::Result<()> {
                let mut b = $crate::api::WriteBatch::new();
                b.delete(ns, key);
                $crate::logic::commit(self, &b).map(|_| ())
            }
            fn exists(&self, ns: &str, key: &str) -> $crate::Result<bool> {
                $crate::logic::get(self, ns, key).map(|v| v.is_some())
            }
            fn list_keys(&self, ns: &str) -> $crate::Result<Vec<String>> {
                $crate::logic::list_keys(self, ns)
            }
            fn list_namespaces(&self) -> $crate::Result<Vec<String>> {
                $crate::logic::list_namespaces(self)
            }
            fn scan(
                &self,
                ns: &str,
                range: $crate::api::KeyRange,
            ) -> $crate::Result<$crate::api::StateIter<'_>> {
                $crate::logic::scan(self, ns, range)
            }
        }

        impl $crate::api::EventStore for $ty {
            fn append_event(
                &self,
                ns: &str,
                entity: &str,
                data: &[u8],
                timestamp: u64,
                node_id: &str,
            ) -> $crate::Result<u64> {
                let mut b = $crate::api::WriteBatch::new();
                b.append_event(ns, entity, data, timestamp, node_id);
                let out = $crate::logic::commit(self, &b)?;
                out.event_seqs
                    .first()
                    .copied()
                    .ok_or_else(|| $crate::Error::InvalidArgument("append produced no seq".into()))
            }
            fn events_since(
                &self,
                ns: &str,
                entity: &str,
                after_seq: u64,
            ) -> $crate::Result<$crate::api::EventIter<'_>> {
                $crate::logic::events_since(self, ns, entity, after_seq)
            }
            fn event_count(&self, ns: &str, entity: &str) -> $crate::Result<u64> {
                $crate::logic::event_count(self, ns, entity)
            }
            fn save_snapshot(
                &self,
                ns: &str,
                entity: &str,
                state: &[u8],
                at_seq: u64,
                version: u32,
            ) -> $crate::Result<()> {
                let mut b = $crate::api::WriteBatch::new();
                b.save_snapshot(ns, entity, state, at_seq, version);
                $crate::logic::commit(self, &b).map(|_| ())
            }
            fn load_snapshot(
                &self,
                ns: &str,
                entity: &str,
            ) -> $crate::Result<Option<$crate::api::Snapshot>> {
                $crate::logic::load_snapshot(self, ns, entity)
            }
            fn truncate_events_before(
                &self,
                ns: &str,
                entity: &str,
                before_seq: u64,
            ) -> $crate::Result<u64> {
                let mut b = $crate::api::WriteBatch::new();
                b.truncate_events_before(ns, entity, before_seq);
                let out = $crate::logic::commit(self, &b)?;
                Ok(out.truncated.first().copied().unwrap_or(0))
            }
            fn commit(
                &self,
                batch: &$crate::api::WriteBatch,
            ) -> $crate::Result<$crate::api::CommitOutcome> {
                $crate::logic::commit(self, batch)
            }
        }
    };
}
pub(crate) use impl_store_traits;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// A reader whose one snapshot value is garbage, as a crafted file could hold.
    struct Crafted(PathBuf);

    impl KvRead for Crafted {
        fn location(&self) -> &Path {
            &self.0
        }
        fn kv_get(&self, _key: &[u8]) -> Result<Option<Vec<u8>>> {
            Ok(Some(vec![1, 2, 3]))
        }
        fn kv_scan(&self, _start: &[u8], _end: Option<&[u8]>) -> Result<crate::kv::KvIter<'_>> {
            Ok(Box::new(std::iter::once(Ok((vec![0xEE], vec![1])))))
        }
    }

    #[test]
    fn undecodable_stored_data_names_the_file_and_key() {
        let r = Crafted(PathBuf::from("/data/app.crdt"));
        for err in [
            load_snapshot(&r, "ns", "e").unwrap_err(),
            list_namespaces(&r).unwrap_err(),
        ] {
            match err {
                Error::Corrupted { path, detail, .. } => {
                    assert_eq!(path, Path::new("/data/app.crdt"));
                    assert!(detail.contains("internal key"), "{detail}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
