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
    TYPE_COUNTER, TYPE_EVENT, TYPE_FLOOR, TYPE_SNAPSHOT, TYPE_STATE,
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
    floors_in(kv, &[TYPE_FLOOR], Some(&[TYPE_FLOOR + 1]))
}

/// The truncation floors whose keys are in `[start, end)`.
fn floors_in<R: KvRead + ?Sized>(kv: &R, start: &[u8], end: Option<&[u8]>) -> Result<Floors> {
    let mut out = Floors::new();
    let path = kv.location();
    for item in kv.kv_scan(start, end)? {
        let (key, value) = item?;
        let bad = |b: crate::format::cursor::Bad| b.at(path, 0);
        if let DecodedKey::Floor { ns, entity } = decode_key(&key).map_err(bad)? {
            out.insert((ns, entity), decode_u64(&value).map_err(bad)?);
        }
    }
    Ok(out)
}

/// The live records of namespace `ns` only, in key order (states, events, snapshots,
/// counters): one range scan per key type, so other namespaces are not read.
pub(crate) fn records_in<'a, R: KvRead + Sync + ?Sized>(
    kv: &'a R,
    ns: &str,
) -> Result<RecordIter<'a>> {
    let path = kv.location().to_path_buf();
    let floor_start = crate::keys::ns_prefix(TYPE_FLOOR, ns);
    let floors = floors_in(
        kv,
        &floor_start,
        crate::keys::prefix_end(&floor_start).as_deref(),
    )?;
    let mut scans = Vec::with_capacity(4);
    for kind in [TYPE_STATE, TYPE_EVENT, TYPE_SNAPSHOT, TYPE_COUNTER] {
        let start = crate::keys::ns_prefix(kind, ns);
        scans.push(kv.kv_scan(&start, crate::keys::prefix_end(&start).as_deref())?);
    }
    Ok(Box::new(scans.into_iter().flatten().filter_map(
        move |item| match item {
            Ok((key, value)) => decode_record(&path, &floors, &key, value).transpose(),
            Err(e) => Some(Err(e)),
        },
    )))
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

/// Iterator over entity / key names, in byte order.
pub type NameIter<'a> = Box<dyn Iterator<Item = Result<String>> + Send + 'a>;

/// The keys of namespace `ns` starting with `prefix` that have a state value, a snapshot
/// or a sequence counter (every entity that ever had an event has one), in byte order,
/// each once: three range scans merged, so nothing is collected.
pub(crate) fn entity_keys<'a, R: KvRead + ?Sized>(
    kv: &'a R,
    ns: &str,
    prefix: &str,
) -> Result<NameIter<'a>> {
    let path = kv.location().to_path_buf();
    let mut sources = Vec::with_capacity(3);
    for kind in [TYPE_STATE, TYPE_SNAPSHOT, TYPE_COUNTER] {
        let ns_start = crate::keys::ns_prefix(kind, ns);
        let mut start = ns_start.clone();
        start.extend_from_slice(prefix.as_bytes());
        let end = crate::keys::prefix_end(&start);
        let path = path.clone();
        let names = kv.kv_scan(&start, end.as_deref())?.map(move |item| {
            let (key, _) = item?;
            crate::keys::state_user_key(&ns_start, &key).map_err(|b| b.at(&path, 0))
        });
        sources.push(names.peekable());
    }
    Ok(Box::new(std::iter::from_fn(move || {
        // The smallest head among the sources (an error first), then every source whose
        // head is that name moves on: each name once.
        let mut min: Option<String> = None;
        for src in sources.iter_mut() {
            match src.peek() {
                Some(Err(_)) => return src.next(),
                Some(Ok(name)) if min.as_ref().is_none_or(|m| name < m) => {
                    min = Some(name.clone());
                }
                _ => {}
            }
        }
        let min = min?;
        for src in sources.iter_mut() {
            if matches!(src.peek(), Some(Ok(n)) if *n == min) {
                src.next();
            }
        }
        Some(Ok(min))
    })))
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

            /// The live records of namespace `ns` only, in key order: one range scan
            /// per key type, so other namespaces are not read.
            pub fn records_in(&self, ns: &str) -> $crate::Result<$crate::RecordIter<'_>> {
                $crate::records::records_in(self, ns)
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

            /// The keys / entities of `ns` starting with `prefix` that have a state, a
            /// snapshot or a sequence counter (so every entity that ever had an event),
            /// in byte order, streamed from range scans (nothing is collected): the
            /// pageable listing of a namespace.
            pub fn entity_keys(
                &self,
                ns: &str,
                prefix: &str,
            ) -> $crate::Result<$crate::NameIter<'_>> {
                $crate::records::entity_keys(self, ns, prefix)
            }
        }
    };
}
pub(crate) use impl_records;

#[cfg(test)]
mod tests {
    use crate::{EventStore, MemoryStore, NativeStore};

    /// Names from states, snapshots and counters, each once, in byte order; prefixes and
    /// namespaces that are prefixes of each other stay apart.
    fn entity_keys_merge<S: EventStore>(s: &S, keys: impl Fn(&str, &str) -> Vec<String>) {
        s.put("a", "k2", b"v").unwrap();
        s.put("a", "k1", b"v").unwrap();
        s.append_event("a", "k1", b"e", 1, "n").unwrap(); // state + counter
        s.append_event("a", "e9", b"e", 1, "n").unwrap(); // counter only
        s.save_snapshot("a", "s5", b"s", 0, 1).unwrap(); // snapshot only
        s.append_event("a", "gone", b"e", 1, "n").unwrap();
        s.truncate_events_before("a", "gone", 2).unwrap(); // counter survives
        s.put("ab", "k0", b"v").unwrap(); // "a" is a prefix of "ab"
        s.put("a", "\u{e9}", b"v").unwrap(); // non-ASCII sorts by bytes
        assert_eq!(
            keys("a", ""),
            ["e9", "gone", "k1", "k2", "s5", "\u{e9}"].map(String::from)
        );
        assert_eq!(keys("a", "k"), ["k1", "k2"].map(String::from));
        assert_eq!(keys("ab", ""), ["k0"].map(String::from));
        assert!(keys("zz", "").is_empty());
    }

    fn collect(it: crate::Result<super::NameIter<'_>>) -> Vec<String> {
        it.unwrap().map(|k| k.unwrap()).collect()
    }

    #[test]
    fn records_in_reads_one_namespace_like_a_filtered_scan() {
        let dir = tempfile::tempdir().unwrap();
        let n = NativeStore::open(dir.path().join("t.crdt")).unwrap();
        let m = MemoryStore::new();
        for s in [&n as &dyn EventStore, &m] {
            for ns in ["a", "ab", "b"] {
                s.put(ns, "k", b"v").unwrap();
                for t in 0..4 {
                    s.append_event(ns, "e", b"x", t, "n").unwrap();
                }
                s.truncate_events_before(ns, "e", 3).unwrap();
                s.save_snapshot(ns, "e", b"s", 2, 1).unwrap();
            }
        }
        n.flush().unwrap();
        for ns in ["a", "ab", "b", "none"] {
            let want: Vec<_> = n
                .records()
                .unwrap()
                .map(|r| r.unwrap())
                .filter(|r| match r {
                    super::Record::State { ns: x, .. }
                    | super::Record::Event { ns: x, .. }
                    | super::Record::Snapshot { ns: x, .. }
                    | super::Record::Counter { ns: x, .. } => x == ns,
                })
                .collect();
            let got: Vec<_> = n.records_in(ns).unwrap().map(|r| r.unwrap()).collect();
            assert_eq!(got, want, "{ns}");
            let mem: Vec<_> = m.records_in(ns).unwrap().map(|r| r.unwrap()).collect();
            assert_eq!(mem, want, "{ns}");
        }
        assert_eq!(n.records_in("a").unwrap().count(), 5); // state, events 3 and 4, snapshot, counter
    }

    #[test]
    fn entity_keys_on_every_backend() {
        let m = MemoryStore::new();
        entity_keys_merge(&m, |ns, p| collect(m.entity_keys(ns, p)));
        let dir = tempfile::tempdir().unwrap();
        let n = NativeStore::open(dir.path().join("t.crdt")).unwrap();
        entity_keys_merge(&n, |ns, p| collect(n.entity_keys(ns, p)));
        n.flush().unwrap();
        assert_eq!(
            collect(n.entity_keys("a", "")).len(),
            6,
            "after a flush too"
        );
        #[cfg(feature = "sqlite")]
        {
            let s = crate::SqliteStore::open(dir.path().join("t.db")).unwrap();
            entity_keys_merge(&s, |ns, p| collect(s.entity_keys(ns, p)));
        }
        #[cfg(feature = "redb")]
        {
            let r = crate::RedbStore::open(dir.path().join("t.redb")).unwrap();
            entity_keys_merge(&r, |ns, p| collect(r.entity_keys(ns, p)));
        }
    }
}
