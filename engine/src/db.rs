//! [`CrdtDb`]: typed, versioned values over any store.
//!
//! Every value goes through a version envelope (`format-spec/envelope.md`, crate
//! `crdt-migrate`): `save` wraps it at the type's `SCHEMA_VERSION`, `load` upgrades older
//! envelopes through the registered migration chain of the type's table and (by default)
//! writes the upgraded bytes back, so the next read does not migrate again.
//!
//! Namespaces: a type's values live in the namespace named by its table
//! (`CrdtVersioned::TABLE`, `"default"` unless set); `save_ns` / `load_ns` name another.
//! Eager migration (`migrate_all`, and the native engine's compaction, which `CrdtDb::open`
//! hooks) upgrades the state values of every namespace whose name is a table with steps.
//! Events and snapshots carry envelopes too and migrate lazily on every read
//! ([`CrdtDb::events`], [`CrdtDb::load_snapshot`]); the native engine's compaction also
//! upgrades them (events with the chain of their event type's table, see
//! [`CrdtDb::register_events`]). `migrate_all` covers state values only: the store traits
//! have no way to rewrite an event in place.
//!
//! Concurrency: the read-modify-write sequences of one `CrdtDb` (write-back, `merge_into`,
//! `compact_entity`) hold a mutex, and write-back only replaces the bytes it read, so a
//! concurrent `save` through the same handle is never overwritten by an older upgrade.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use crdt_kit::Crdt;
use crdt_migrate::{envelope, CrdtVersioned, Migration, Migrator, PlainValues};
use parking_lot::{Mutex, RwLock};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Error, EventStore, KeyRange, NativeStore, Options, Result, ValueKind, WriteBatch};

/// A typed, versioned database over a store `S` (by default the native `.crdt` engine).
///
/// ```
/// use crdt_store::{CrdtDb, CrdtVersioned, MemoryStore};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct SensorReading { temperature: f32, humidity: f32 }
///
/// impl CrdtVersioned for SensorReading {
///     const SCHEMA_VERSION: u8 = 1;
/// }
///
/// let db = CrdtDb::with_store(MemoryStore::new());
/// db.save("sensor-42", &SensorReading { temperature: 22.5, humidity: 65.0 }).unwrap();
/// let reading: Option<SensorReading> = db.load("sensor-42").unwrap();
/// assert_eq!(reading.unwrap().temperature, 22.5);
/// ```
///
/// The seed's "With Persistence" snippet, unchanged, over SQLite (feature `sqlite`):
///
#[cfg_attr(feature = "sqlite", doc = "```")]
#[cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
/// use crdt_store::{CrdtDb, CrdtVersioned, SqliteStore};
/// use serde::{Serialize, Deserialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct SensorReading { temperature: f32, humidity: f32 }
///
/// impl CrdtVersioned for SensorReading {
///     const SCHEMA_VERSION: u8 = 1;
/// }
///
/// # let dir = tempfile::tempdir().unwrap();
/// # std::env::set_current_dir(dir.path()).unwrap();
/// let store = SqliteStore::open("sensors.db").unwrap();
/// let mut db = CrdtDb::with_store(store);
///
/// // Save — automatically wrapped in a version envelope
/// db.save("sensor-42", &SensorReading { temperature: 22.5, humidity: 65.0 }).unwrap();
///
/// // Load — automatically migrated if the schema changed
/// let reading: Option<SensorReading> = db.load("sensor-42").unwrap();
/// # assert_eq!(reading.unwrap().humidity, 65.0);
/// ```
pub struct CrdtDb<S> {
    store: S,
    migrator: Arc<RwLock<Migrator>>,
    /// For each namespace with event streams, the table whose chain migrates its events.
    event_tables: Arc<RwLock<BTreeMap<String, &'static str>>>,
    write_back: bool,
    write_lock: Mutex<()>,
}

/// One event read through [`CrdtDb::events`], its payload decoded (and migrated) to `E`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedEvent<E> {
    /// Sequence number within its entity, from 1.
    pub seq: u64,
    /// The caller's timestamp.
    pub timestamp: u64,
    /// The replica that produced it.
    pub node_id: String,
    /// The payload at the app's current schema version.
    pub value: E,
}

/// What [`CrdtDb::migrate_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Values read.
    pub scanned: u64,
    /// Values upgraded and rewritten.
    pub migrated: u64,
}

impl CrdtDb<NativeStore> {
    /// Opens (or creates) a `.crdt` file with default options: the default embedded path.
    ///
    /// The engine's compaction is hooked to this database's migrations, so after
    /// `store().compact()` no state, snapshot or (registered) event value of a migrated
    /// table is left at an old version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Options::default())
    }

    /// Opens a `.crdt` file with options. A value rewriter already in `options` runs
    /// first; the migration rewrite applies to its result.
    pub fn open_with(path: impl AsRef<Path>, mut options: Options) -> Result<Self> {
        let migrator = Arc::new(RwLock::new(Migrator::new()));
        let event_tables: Arc<RwLock<BTreeMap<String, &'static str>>> = Arc::default();
        let (hooked, tables) = (Arc::clone(&migrator), Arc::clone(&event_tables));
        let user = options.value_rewriter.take();
        options.value_rewriter = Some(Arc::new(
            move |kind: ValueKind, ns: &str, key: &str, value: &[u8]| {
                let rewritten = user.as_ref().and_then(|f| f(kind, ns, key, value));
                let current = rewritten.as_deref().unwrap_or(value);
                // Events migrate with their event type's chain; states and snapshots with
                // the namespace's own.
                let table = match kind {
                    ValueKind::Event => match tables.read().get(ns) {
                        Some(t) => (*t).to_string(),
                        None => return rewritten,
                    },
                    _ => ns.to_string(),
                };
                // A value a step cannot upgrade stays as it is; reading it reports the error.
                match hooked.read().upgrade_latest(&table, current) {
                    Ok(Some(upgraded)) => Some(upgraded),
                    _ => rewritten,
                }
            },
        ));
        let store = NativeStore::open_with(path, options)?;
        Ok(CrdtDb {
            store,
            migrator,
            event_tables,
            write_back: true,
            write_lock: Mutex::new(()),
        })
    }
}

impl<S: EventStore> CrdtDb<S> {
    /// A database over an existing store (the seed's constructor).
    pub fn with_store(store: S) -> Self {
        CrdtDb {
            store,
            migrator: Arc::new(RwLock::new(Migrator::new())),
            event_tables: Arc::default(),
            write_back: true,
            write_lock: Mutex::new(()),
        }
    }

    /// Registers a migration step (the `<fn>_migration()` that `#[migration]` generates).
    pub fn register(&self, migration: Migration) -> Result<&Self> {
        self.migrator
            .write()
            .register(migration)
            .map_err(|source| Error::Value {
                ns: migration.table().to_string(),
                key: String::new(),
                source,
            })?;
        Ok(self)
    }

    /// Registers steps, builder style.
    pub fn with_migrations(self, migrations: impl IntoIterator<Item = Migration>) -> Result<Self> {
        for m in migrations {
            self.register(m)?;
        }
        Ok(self)
    }

    /// Declares that the event streams of `T`'s namespace hold events of type `E`, so that
    /// compaction migrates them with `E`'s chain. [`CrdtDb::append_event`] declares it too;
    /// call this after reopening a file if compaction may run before the first append.
    pub fn register_events<T: CrdtVersioned, E: CrdtVersioned>(&self) -> &Self {
        self.event_tables
            .write()
            .insert(T::TABLE.to_string(), E::TABLE);
        self
    }

    /// Whether `load` writes migrated values back (default: yes).
    pub fn write_back(mut self, on: bool) -> Self {
        self.write_back = on;
        self
    }

    /// How values stored without an envelope are read (default: an error).
    pub fn plain_values(self, policy: PlainValues) -> Self {
        {
            let mut m = self.migrator.write();
            let current = std::mem::take(&mut *m);
            *m = current.plain_values(policy);
        }
        self
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Saves `value` under `key` in its table's namespace.
    pub fn save<T: CrdtVersioned + Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.save_ns(T::TABLE, key, value)
    }

    /// Saves `value` under `(ns, key)`.
    pub fn save_ns<T: CrdtVersioned + Serialize>(
        &self,
        ns: &str,
        key: &str,
        value: &T,
    ) -> Result<()> {
        let bytes = envelope_of(ns, key, value)?;
        let _guard = self.write_lock.lock();
        self.store.put(ns, key, &bytes)
    }

    /// Loads the value under `key` from its table's namespace, migrating it if needed.
    pub fn load<T: CrdtVersioned + DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.load_ns(T::TABLE, key)
    }

    /// Loads the value under `(ns, key)`, migrating it through `T`'s table's chain. With
    /// write-back on, a migrated value is stored back at `T::SCHEMA_VERSION`. A value newer
    /// than `T` is `crdt_migrate::Error::FutureVersion`; a failing step writes nothing.
    pub fn load_ns<T: CrdtVersioned + DeserializeOwned>(
        &self,
        ns: &str,
        key: &str,
    ) -> Result<Option<T>> {
        let Some(stored) = self.store.get(ns, key)? else {
            return Ok(None);
        };
        let (value, upgraded) = self
            .migrator
            .read()
            .read::<T>(&stored)
            .map_err(|source| value_error(ns, key, source))?;
        if let (true, Some(bytes)) = (self.write_back, upgraded.write_back) {
            let _guard = self.write_lock.lock();
            // Only replace what was read: a save in between wins.
            if self.store.get(ns, key)?.as_deref() == Some(&stored[..]) {
                self.store.put(ns, key, &bytes)?;
            }
        }
        Ok(Some(value))
    }

    /// Deletes `key` from `T`'s table's namespace.
    pub fn delete<T: CrdtVersioned>(&self, key: &str) -> Result<()> {
        let _guard = self.write_lock.lock();
        self.store.delete(T::TABLE, key)
    }

    /// Loads the CRDT under `key`, merges `remote` into it and saves the result in one
    /// commit; returns the merged value. A missing value starts as `remote`.
    pub fn merge_into<T>(&self, key: &str, remote: &T) -> Result<T>
    where
        T: Crdt + Clone + CrdtVersioned + Serialize + DeserializeOwned,
    {
        let ns = T::TABLE;
        let _guard = self.write_lock.lock();
        let merged = match self.store.get(ns, key)? {
            None => remote.clone(),
            Some(stored) => {
                let (mut local, _) = self
                    .migrator
                    .read()
                    .read::<T>(&stored)
                    .map_err(|source| value_error(ns, key, source))?;
                local.merge(remote);
                local
            }
        };
        self.store.put(ns, key, &envelope_of(ns, key, &merged)?)?;
        Ok(merged)
    }

    /// Event sourcing: appends `event` to the log of `(T::TABLE, key)` and stores the
    /// entity's new `state`, in one atomic commit. Returns the event's seq.
    pub fn append_event<E, T>(
        &self,
        key: &str,
        event: &E,
        state: &T,
        timestamp: u64,
        node_id: &str,
    ) -> Result<u64>
    where
        E: CrdtVersioned + Serialize,
        T: CrdtVersioned + Serialize,
    {
        let ns = T::TABLE;
        if self.event_tables.read().get(ns) != Some(&E::TABLE) {
            self.register_events::<T, E>();
        }
        let mut batch = WriteBatch::new();
        batch.append_event(ns, key, &envelope_of(ns, key, event)?, timestamp, node_id);
        batch.put(ns, key, &envelope_of(ns, key, state)?);
        let _guard = self.write_lock.lock();
        let outcome = self.store.commit(&batch)?;
        outcome.event_seqs.first().copied().ok_or_else(|| {
            Error::InvalidArgument("the store reported no seq for the appended event".into())
        })
    }

    /// The events of `(ns, entity)` after `after_seq`, decoded and migrated to `E`.
    pub fn events<E: CrdtVersioned + DeserializeOwned>(
        &self,
        ns: &str,
        entity: &str,
        after_seq: u64,
    ) -> Result<impl Iterator<Item = Result<TypedEvent<E>>> + '_> {
        let migrator = Arc::clone(&self.migrator);
        let (ns, entity) = (ns.to_string(), entity.to_string());
        let raw = self.store.events_since(&ns, &entity, after_seq)?;
        Ok(raw.map(move |ev| {
            let ev = ev?;
            let (value, _) =
                migrator
                    .read()
                    .read::<E>(&ev.data)
                    .map_err(|source| Error::Value {
                        ns: ns.clone(),
                        key: format!("{entity}#{}", ev.seq),
                        source,
                    })?;
            Ok(TypedEvent {
                seq: ev.seq,
                timestamp: ev.timestamp,
                node_id: ev.node_id,
                value,
            })
        }))
    }

    /// The entity's snapshot decoded (and migrated) to `T`, with the seq it covers.
    pub fn load_snapshot<T: CrdtVersioned + DeserializeOwned>(
        &self,
        ns: &str,
        entity: &str,
    ) -> Result<Option<(T, u64)>> {
        let Some(snap) = self.store.load_snapshot(ns, entity)? else {
            return Ok(None);
        };
        let (value, _) = self
            .migrator
            .read()
            .read::<T>(&snap.state)
            .map_err(|source| value_error(ns, entity, source))?;
        Ok(Some((value, snap.at_seq)))
    }

    /// Snapshots the entity's current state at its last event and truncates the events it
    /// covers, in one atomic commit. Returns how many events were removed (0 when the entity
    /// has no state or no events).
    pub fn compact_entity(&self, ns: &str, entity: &str) -> Result<u64> {
        let _guard = self.write_lock.lock();
        let Some(state) = self.store.get(ns, entity)? else {
            return Ok(0);
        };
        let mut last = None;
        for ev in self.store.events_since(ns, entity, 0)? {
            last = Some(ev?.seq);
        }
        let Some(last) = last else { return Ok(0) };
        let version = match envelope::detect(&state) {
            Ok(envelope::Detected::Envelope(e)) => u32::from(e.schema_version),
            _ => 0,
        };
        let mut batch = WriteBatch::new();
        batch.save_snapshot(ns, entity, &state, last, version);
        batch.truncate_events_before(ns, entity, last.saturating_add(1));
        let outcome = self.store.commit(&batch)?;
        Ok(outcome.truncated.first().copied().unwrap_or(0))
    }

    /// Eagerly upgrades every state value of every table that has migration steps, to the
    /// newest version of its chain. Values that are current or plain are left alone; the
    /// first value a step cannot upgrade stops the scan with its error (nothing is written
    /// for it).
    pub fn migrate_all(&self) -> Result<MigrationReport> {
        const CHUNK: usize = 256;
        let tables: Vec<&'static str> = self.migrator.read().tables().collect();
        let mut report = MigrationReport::default();
        for table in tables {
            // Scan in chunks, resuming after the last key, so memory stays bounded and no
            // scan is open while the chunk is written.
            let mut after: Option<String> = None;
            loop {
                let range = KeyRange {
                    start: after.clone().map_or(Bound::Unbounded, Bound::Excluded),
                    end: Bound::Unbounded,
                };
                let mut chunk = Vec::new();
                for item in self.store.scan(table, range)?.take(CHUNK) {
                    chunk.push(item?);
                }
                let Some((last, _)) = chunk.last() else { break };
                after = Some(last.clone());
                let full = chunk.len() == CHUNK;
                let _guard = self.write_lock.lock();
                for (key, value) in chunk {
                    report.scanned += 1;
                    let upgraded = self
                        .migrator
                        .read()
                        .upgrade_latest(table, &value)
                        .map_err(|source| value_error(table, &key, source))?;
                    if let Some(bytes) = upgraded {
                        if self.store.get(table, &key)?.as_deref() == Some(&value[..]) {
                            self.store.put(table, &key, &bytes)?;
                            report.migrated += 1;
                        }
                    }
                }
                if !full {
                    break;
                }
            }
        }
        Ok(report)
    }
}

fn value_error(ns: &str, key: &str, source: crdt_migrate::Error) -> Error {
    Error::Value {
        ns: ns.to_string(),
        key: key.to_string(),
        source,
    }
}

fn envelope_of<T: CrdtVersioned + Serialize + ?Sized>(
    ns: &str,
    key: &str,
    value: &T,
) -> Result<Vec<u8>> {
    crdt_migrate::write(value).map_err(|source| value_error(ns, key, source))
}
