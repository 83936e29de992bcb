//! The public storage traits [`StateStore`] and [`EventStore`], the batch type
//! [`WriteBatch`], and the iterator and range types they use.
//!
//! Semantics are identical on every backend (format-spec/keys.md): keys iterate in
//! lexicographic byte order, event seqs start at 1 per `(namespace, entity)` and are never
//! reused, and a [`WriteBatch`] commits all of its operations or none.

use std::ops::Bound;

use crate::error::Result;
pub use crate::keys::{Event, Snapshot};

/// Iterator over `(key, value)` pairs of one namespace, in key order.
pub type StateIter<'a> = Box<dyn Iterator<Item = Result<(String, Vec<u8>)>> + Send + 'a>;
/// Iterator over an entity's events, in seq order.
pub type EventIter<'a> = Box<dyn Iterator<Item = Result<Event>> + Send + 'a>;

/// A range of keys within a namespace, for [`StateStore::scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// Lower bound.
    pub start: Bound<String>,
    /// Upper bound.
    pub end: Bound<String>,
}

impl KeyRange {
    /// Every key.
    pub fn all() -> Self {
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// Keys `k` with `start <= k < end`.
    pub fn between(start: impl Into<String>, end: impl Into<String>) -> Self {
        KeyRange {
            start: Bound::Included(start.into()),
            end: Bound::Excluded(end.into()),
        }
    }

    /// Keys `k >= start`.
    pub fn starting_at(start: impl Into<String>) -> Self {
        KeyRange {
            start: Bound::Included(start.into()),
            end: Bound::Unbounded,
        }
    }
}

/// Key-value state, grouped in namespaces.
///
/// Methods take `&self`: handles are `Send + Sync` and can be shared between threads.
///
/// ```
/// use crdt_store::{KeyRange, MemoryStore, StateStore};
/// let store = MemoryStore::new();
/// store.put("sensors", "s1", b"21.5").unwrap();
/// store.put("sensors", "s2", b"19.0").unwrap();
/// assert_eq!(store.get("sensors", "s1").unwrap().as_deref(), Some(&b"21.5"[..]));
/// let keys: Vec<String> = store
///     .scan("sensors", KeyRange::all())
///     .unwrap()
///     .map(|r| r.map(|(k, _)| k))
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(keys, ["s1", "s2"]);
/// ```
pub trait StateStore: Send + Sync {
    /// Store `value` under `(ns, key)`, replacing any previous value.
    fn put(&self, ns: &str, key: &str, value: &[u8]) -> Result<()>;
    /// The value under `(ns, key)`.
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>>;
    /// Remove `(ns, key)`; removing a missing key is not an error.
    fn delete(&self, ns: &str, key: &str) -> Result<()>;
    /// Whether `(ns, key)` holds a value.
    fn exists(&self, ns: &str, key: &str) -> Result<bool>;
    /// Every key of `ns`, sorted. Prefer [`StateStore::scan`] for large namespaces.
    fn list_keys(&self, ns: &str) -> Result<Vec<String>>;
    /// Every namespace that holds state, events, snapshots or sequence counters, sorted.
    fn list_namespaces(&self) -> Result<Vec<String>>;
    /// Stream the `(key, value)` pairs of `ns` within `range`, in key order, without
    /// collecting them.
    fn scan(&self, ns: &str, range: KeyRange) -> Result<StateIter<'_>>;
}

/// Event sourcing: per-entity append-only event streams with snapshots.
///
/// ```
/// use crdt_store::{EventStore, MemoryStore, StateStore};
/// let store = MemoryStore::new();
/// assert_eq!(store.append_event("sensors", "s1", b"a", 1000, "node-a").unwrap(), 1);
/// assert_eq!(store.append_event("sensors", "s1", b"b", 1001, "node-a").unwrap(), 2);
/// store.save_snapshot("sensors", "s1", b"state", 2, 1).unwrap();
/// assert_eq!(store.truncate_events_before("sensors", "s1", 2).unwrap(), 1);
/// let seqs: Vec<u64> = store.events_since("sensors", "s1", 0).unwrap().map(|e| e.unwrap().seq).collect();
/// assert_eq!(seqs, [2]);
/// ```
///
/// `&S`, `Arc<S>` and `Box<S>` (also of `dyn EventStore`) are stores too, so a
/// [`CrdtDb`](crate::CrdtDb) can work over a store the app keeps using or shares:
///
/// ```
/// use crdt_store::{CrdtDb, CrdtVersioned, MemoryStore, StateStore};
/// # #[derive(serde::Serialize, serde::Deserialize)]
/// # struct Reading { celsius: f32 }
/// # impl CrdtVersioned for Reading { const SCHEMA_VERSION: u8 = 1; }
/// let store = MemoryStore::new();
/// let db = CrdtDb::with_store(&store);
/// db.save("sensor-42", &Reading { celsius: 22.5 }).unwrap();
/// // The store is still the app's: the saved record is in it.
/// assert!(store.exists("default", "sensor-42").unwrap());
/// ```
pub trait EventStore: StateStore {
    /// Append an event to `(ns, entity)` and return its seq (1, 2, 3, ...; never reused).
    fn append_event(
        &self,
        ns: &str,
        entity: &str,
        data: &[u8],
        timestamp: u64,
        node_id: &str,
    ) -> Result<u64>;
    /// Events of `(ns, entity)` with `seq > after_seq`, in seq order.
    fn events_since(&self, ns: &str, entity: &str, after_seq: u64) -> Result<EventIter<'_>>;
    /// Number of events of `(ns, entity)` currently stored (after truncation).
    fn event_count(&self, ns: &str, entity: &str) -> Result<u64>;
    /// Save (replace) the snapshot of `(ns, entity)`.
    fn save_snapshot(
        &self,
        ns: &str,
        entity: &str,
        state: &[u8],
        at_seq: u64,
        version: u32,
    ) -> Result<()>;
    /// The snapshot of `(ns, entity)`, if any.
    fn load_snapshot(&self, ns: &str, entity: &str) -> Result<Option<Snapshot>>;
    /// Delete the events of `(ns, entity)` with `seq < before_seq`; returns how many.
    fn truncate_events_before(&self, ns: &str, entity: &str, before_seq: u64) -> Result<u64>;
    /// Apply every operation of `batch` in one atomic commit.
    fn commit(&self, batch: &WriteBatch) -> Result<CommitOutcome>;
}

/// Forward every method of [`StateStore`] and [`EventStore`] to the store a smart pointer
/// or reference leads to, so `&store`, `Arc<store>` and `Box<store>` are stores too.
macro_rules! forward_store {
    ($($ptr:ty),*) => {$(
        impl<T: StateStore + ?Sized> StateStore for $ptr {
            fn put(&self, ns: &str, key: &str, value: &[u8]) -> Result<()> {
                (**self).put(ns, key, value)
            }
            fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
                (**self).get(ns, key)
            }
            fn delete(&self, ns: &str, key: &str) -> Result<()> {
                (**self).delete(ns, key)
            }
            fn exists(&self, ns: &str, key: &str) -> Result<bool> {
                (**self).exists(ns, key)
            }
            fn list_keys(&self, ns: &str) -> Result<Vec<String>> {
                (**self).list_keys(ns)
            }
            fn list_namespaces(&self) -> Result<Vec<String>> {
                (**self).list_namespaces()
            }
            fn scan(&self, ns: &str, range: KeyRange) -> Result<StateIter<'_>> {
                (**self).scan(ns, range)
            }
        }

        impl<T: EventStore + ?Sized> EventStore for $ptr {
            fn append_event(
                &self,
                ns: &str,
                entity: &str,
                data: &[u8],
                timestamp: u64,
                node_id: &str,
            ) -> Result<u64> {
                (**self).append_event(ns, entity, data, timestamp, node_id)
            }
            fn events_since(
                &self,
                ns: &str,
                entity: &str,
                after_seq: u64,
            ) -> Result<EventIter<'_>> {
                (**self).events_since(ns, entity, after_seq)
            }
            fn event_count(&self, ns: &str, entity: &str) -> Result<u64> {
                (**self).event_count(ns, entity)
            }
            fn save_snapshot(
                &self,
                ns: &str,
                entity: &str,
                state: &[u8],
                at_seq: u64,
                version: u32,
            ) -> Result<()> {
                (**self).save_snapshot(ns, entity, state, at_seq, version)
            }
            fn load_snapshot(&self, ns: &str, entity: &str) -> Result<Option<Snapshot>> {
                (**self).load_snapshot(ns, entity)
            }
            fn truncate_events_before(
                &self,
                ns: &str,
                entity: &str,
                before_seq: u64,
            ) -> Result<u64> {
                (**self).truncate_events_before(ns, entity, before_seq)
            }
            fn commit(&self, batch: &WriteBatch) -> Result<CommitOutcome> {
                (**self).commit(batch)
            }
        }
    )*};
}

forward_store!(&T, std::sync::Arc<T>, Box<T>);

/// One operation of a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchOp {
    /// [`StateStore::put`].
    Put {
        /// Namespace.
        ns: String,
        /// Key.
        key: String,
        /// Value.
        value: Vec<u8>,
    },
    /// [`StateStore::delete`].
    Delete {
        /// Namespace.
        ns: String,
        /// Key.
        key: String,
    },
    /// [`EventStore::append_event`].
    AppendEvent {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Event payload.
        data: Vec<u8>,
        /// Caller's timestamp.
        timestamp: u64,
        /// Producing replica.
        node_id: String,
    },
    /// [`EventStore::save_snapshot`].
    SaveSnapshot {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Serialized state.
        state: Vec<u8>,
        /// Last event folded in.
        at_seq: u64,
        /// Schema version.
        version: u32,
    },
    /// [`EventStore::truncate_events_before`].
    TruncateEventsBefore {
        /// Namespace.
        ns: String,
        /// Entity.
        entity: String,
        /// Events with a smaller seq are removed.
        before_seq: u64,
    },
}

/// Operations applied together by [`EventStore::commit`]: all of them or none. Later
/// operations see the effects of earlier ones (two appends get consecutive seqs).
///
/// ```
/// use crdt_store::{EventStore, MemoryStore, StateStore, WriteBatch};
/// let store = MemoryStore::new();
/// let mut batch = WriteBatch::new();
/// batch.append_event("tasks", "t1", b"Created", 1, "phone");
/// batch.put("tasks", "t1", b"{title: buy milk}");
/// let outcome = store.commit(&batch).unwrap();
/// assert_eq!(outcome.event_seqs, [1]);
/// assert!(store.exists("tasks", "t1").unwrap());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<BatchOp>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue a put.
    pub fn put(&mut self, ns: &str, key: &str, value: &[u8]) -> &mut Self {
        self.ops.push(BatchOp::Put {
            ns: ns.into(),
            key: key.into(),
            value: value.to_vec(),
        });
        self
    }

    /// Queue a delete.
    pub fn delete(&mut self, ns: &str, key: &str) -> &mut Self {
        self.ops.push(BatchOp::Delete {
            ns: ns.into(),
            key: key.into(),
        });
        self
    }

    /// Queue an event append; its seq is reported in [`CommitOutcome::event_seqs`].
    pub fn append_event(
        &mut self,
        ns: &str,
        entity: &str,
        data: &[u8],
        timestamp: u64,
        node_id: &str,
    ) -> &mut Self {
        self.ops.push(BatchOp::AppendEvent {
            ns: ns.into(),
            entity: entity.into(),
            data: data.to_vec(),
            timestamp,
            node_id: node_id.into(),
        });
        self
    }

    /// Queue a snapshot save.
    pub fn save_snapshot(
        &mut self,
        ns: &str,
        entity: &str,
        state: &[u8],
        at_seq: u64,
        version: u32,
    ) -> &mut Self {
        self.ops.push(BatchOp::SaveSnapshot {
            ns: ns.into(),
            entity: entity.into(),
            state: state.to_vec(),
            at_seq,
            version,
        });
        self
    }

    /// Queue a truncation; the count is reported in [`CommitOutcome::truncated`].
    pub fn truncate_events_before(&mut self, ns: &str, entity: &str, before_seq: u64) -> &mut Self {
        self.ops.push(BatchOp::TruncateEventsBefore {
            ns: ns.into(),
            entity: entity.into(),
            before_seq,
        });
        self
    }

    /// The queued operations.
    pub fn ops(&self) -> &[BatchOp] {
        &self.ops
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Number of queued operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }
}

/// What a committed [`WriteBatch`] produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitOutcome {
    /// The seq of each `AppendEvent`, in batch order.
    pub event_seqs: Vec<u64>,
    /// The number of events removed by each `TruncateEventsBefore`, in batch order.
    pub truncated: Vec<u64>,
}
