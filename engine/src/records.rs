//! Records: the public, decoded view of the internal keyspace (format-spec/keys.md) for
//! tools such as the `crdt` CLI and the dev UI, on every backend.
//!
//! Every backend stores the same internal keys behind the crate-internal `KvRead` layer,
//! so one decoder serves them all: [`NativeStore::records`](crate::NativeStore::records),
//! and with their features `SqliteStore::records` / `RedbStore::records`, and
//! [`MemoryStore::records`](crate::MemoryStore::records). Records come in key order
//! (states, events, snapshots, counters); truncation floors and the events below them are
//! hidden, so a tool sees exactly what `events_since` returns.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::keys::{
    decode_event_value, decode_key, decode_snapshot_value, decode_u64, DecodedKey, Event, Snapshot,
    TYPE_FLOOR,
};
use crate::kv::KvRead;

/// One live record of the keyspace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Record {
    /// A state value (`StateStore::put`).
    State {
        /// Namespace.
        ns: String,
        /// Key.
        key: String,
        /// Stored bytes.
        value: Vec<u8>,
    },
    /// An event (`EventStore::append_event`).
    Event {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// The event.
        event: Event,
    },
    /// A snapshot (`EventStore::save_snapshot`).
    Snapshot {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// The snapshot.
        snapshot: Snapshot,
    },
    /// The sequence counter of an entity: the last seq handed out.
    Counter {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Last seq assigned.
        last_seq: u64,
    },
}

/// Iterator over [`Record`]s in key order.
pub type RecordIter<'a> = Box<dyn Iterator<Item = Result<Record>> + Send + 'a>;

/// Every entity's truncation floor, by `(ns, entity)`.
pub(crate) type Floors = BTreeMap<(String, String), u64>;

/// Decodes one internal entry; `None` for entries a tool must not see (floors, truncated
/// events).
pub(crate) fn decode_record(
    path: &std::path::Path,
    floors: &Floors,
    key: &[u8],
    value: Vec<u8>,
) -> Result<Option<Record>> {
    let bad = |b: crate::format::cursor::Bad| -> Error { b.at(path, 0) };
    Ok(Some(match decode_key(key).map_err(bad)? {
        DecodedKey::State { ns, key } => Record::State { ns, key, value },
        DecodedKey::Event { ns, entity, seq } => {
            let id = (ns, entity);
            if seq < floors.get(&id).copied().unwrap_or(0) {
                return Ok(None);
            }
            let (ns, entity) = id;
            Record::Event {
                ns,
                entity,
                event: decode_event_value(seq, &value).map_err(bad)?,
            }
        }
        DecodedKey::Snapshot { ns, entity } => Record::Snapshot {
            ns,
            entity,
            snapshot: decode_snapshot_value(&value).map_err(bad)?,
        },
        DecodedKey::Counter { ns, entity } => Record::Counter {
            ns,
            entity,
            last_seq: decode_u64(&value).map_err(bad)?,
        },
        DecodedKey::Floor { .. } => return Ok(None),
    }))
}

/// Every entity's truncation floor (format-spec/keys.md, KEY-6): events with a lower seq
/// are truncated.
pub(crate) fn floors<R: KvRead + ?Sized>(kv: &R) -> Result<Floors> {
    let mut out = Floors::new();
    let path = kv.location();
    for item in kv.kv_scan(&[TYPE_FLOOR], Some(&[TYPE_FLOOR + 1]))? {
        let (key, value) = item?;
        let bad = |b: crate::format::cursor::Bad| b.at(path, 0);
        if let DecodedKey::Floor { ns, entity } = decode_key(&key).map_err(bad)? {
            out.insert((ns, entity), decode_u64(&value).map_err(bad)?);
        }
    }
    Ok(out)
}

/// Every live record of `kv`, in key order.
pub(crate) fn records<R: KvRead + Sync + ?Sized>(kv: &R) -> Result<RecordIter<'_>> {
    let path = kv.location().to_path_buf();
    let floors = floors(kv)?;
    let iter = kv.kv_scan(&[], None)?;
    Ok(Box::new(iter.filter_map(move |item| match item {
        Ok((key, value)) => decode_record(&path, &floors, &key, value).transpose(),
        Err(e) => Some(Err(e)),
    })))
}

/// Every readable record: an entry whose key or value does not decode is reported and
/// skipped; a failing read ends the scan (reported). Backends with blocks of their own
/// (the native engine) resume after a damaged block instead.
pub(crate) fn records_skipping_damage<R: KvRead + ?Sized>(kv: &R) -> (Vec<Record>, Vec<Error>) {
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let floors = floors(kv).unwrap_or_else(|e| {
        errors.push(e);
        Floors::new()
    });
    let path = kv.location();
    match kv.kv_scan(&[], None) {
        Err(e) => errors.push(e),
        Ok(iter) => {
            for item in iter {
                match item {
                    Ok((key, value)) => match decode_record(path, &floors, &key, value) {
                        Ok(Some(r)) => records.push(r),
                        Ok(None) => {}
                        Err(e) => errors.push(e),
                    },
                    Err(e) => {
                        errors.push(e);
                        break;
                    }
                }
            }
        }
    }
    (records, errors)
}

/// The sequence counter (last seq handed out) of `(ns, entity)`.
pub(crate) fn last_seq<R: KvRead + ?Sized>(kv: &R, ns: &str, entity: &str) -> Result<Option<u64>> {
    match kv.kv_get(&crate::keys::counter_key(ns, entity))? {
        None => Ok(None),
        Some(v) => decode_u64(&v).map(Some).map_err(|b| b.at(kv.location(), 0)),
    }
}

/// Inherent `records`, `records_skipping_damage` and `last_seq` methods for a backend
/// that implements `KvRead`.
macro_rules! impl_records {
    ($ty:ty) => {
        impl $ty {
            /// Every live record of every namespace, in key order (states, events,
            /// snapshots, counters; format-spec/keys.md). Truncated events and floors are
            /// hidden. Read-only; for inspection tools.
            pub fn records(&self) -> $crate::Result<$crate::RecordIter<'_>> {
                $crate::records::records(self)
            }

            /// Every readable record, and the errors met on the way (an undecodable entry
            /// is skipped; a failing read ends the scan).
            pub fn records_skipping_damage(&self) -> (Vec<$crate::Record>, Vec<$crate::Error>) {
                $crate::records::records_skipping_damage(self)
            }

            /// The last seq handed out for `(ns, entity)` (its sequence counter), kept
            /// when every event was truncated.
            pub fn last_seq(&self, ns: &str, entity: &str) -> $crate::Result<Option<u64>> {
                $crate::records::last_seq(self, ns, entity)
            }
        }
    };
}
pub(crate) use impl_records;
