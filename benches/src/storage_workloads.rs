//! Storage workloads shared by the criterion bench (`benches/storage.rs`) and the
//! `storage-compare` summary command: the same data, the same steps, every backend.
//!
//! Modelled on redb's published benchmark: 24-byte keys, 150-byte values, a fixed seed.
//! Each measurement opens a fresh store in a temporary directory (`CRDT_BENCH_DIR`, else
//! the system temp dir; it must be a real disk for durable workloads to mean anything),
//! runs an untimed setup, then times only the workload.
//!
//! SQLite runs in WAL mode with a 256 MiB `mmap_size` (NativeStore reads through a memory
//! map too) and the same 8 MiB page cache as NativeStore's block cache. Equal durability: `native` (GroupCommit: every commit returns after a sync that covers
//! it), `sqlite-full` (WAL, `synchronous=FULL`) and `redb` (Immediate) sync every commit;
//! `native-none`, `sqlite-normal` (WAL, `synchronous=NORMAL`) and `redb-none` do not.
//! Bulk load and removals commit in chunks of 50,000 and 10,000 items on every backend,
//! because one native commit is limited to 64 MiB (`limits::MAX_COMMIT_LEN`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crdt_store::{
    Durability, EventStore, KeyRange, MemoryStore, NativeStore, Options, RedbOptions, RedbStore,
    SqliteConfig, SqliteStore, Synchronous, WriteBatch,
};

/// The namespace every workload writes.
pub const NS: &str = "bench";
/// Key length in bytes (redb's benchmark).
pub const KEY_LEN: usize = 24;
/// Value length in bytes (redb's benchmark).
pub const VALUE_LEN: usize = 150;
const BULK_CHUNK: usize = 50_000;
const REMOVE_CHUNK: usize = 10_000;
const SEED: u64 = 0x005E_ED0F_C4D7_u64;

/// Sizes of every workload.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Items loaded by the bulk load (and preloaded for reads, scans, removals).
    pub items: usize,
    /// Individual durable puts.
    pub single_puts: usize,
    /// Number of batches, and items per batch.
    pub batches: usize,
    /// Items per batch.
    pub batch_len: usize,
    /// Random point reads.
    pub reads: usize,
    /// Range scans, each of `scan_len` items.
    pub scans: usize,
    /// Items per range scan.
    pub scan_len: usize,
    /// Events appended by each writer thread.
    pub appends_per_thread: usize,
    /// Snapshot writes (and reads) of 1 MiB.
    pub snapshots: usize,
    /// Events in the stream read by `events_since`.
    pub events: usize,
    /// Full `events_since` scans of that stream.
    pub event_scans: usize,
    /// `CrdtDb::save` calls of a 1 KiB CRDT document (each its own commit).
    pub crdt_saves: usize,
    /// `CrdtDb::load` calls of such documents, from [`NOTES`] stored ones.
    pub crdt_loads: usize,
    /// Repetitions whose median is reported by `storage-compare`.
    pub reps: usize,
}

impl Scale {
    /// Finishes `storage-compare` in under two minutes on two cores.
    pub const SMALL: Scale = Scale {
        items: 20_000,
        single_puts: 100,
        batches: 20,
        batch_len: 1_000,
        reads: 20_000,
        scans: 2_000,
        scan_len: 10,
        appends_per_thread: 50,
        snapshots: 10,
        events: 10_000,
        event_scans: 5,
        crdt_saves: 100,
        crdt_loads: 5_000,
        reps: 3,
    };
    /// The sizes: 1,000 individual durable puts, 100 batches of 1,000.
    pub const FULL: Scale = Scale {
        items: 1_000_000,
        single_puts: 1_000,
        batches: 100,
        batch_len: 1_000,
        reads: 1_000_000,
        scans: 100_000,
        scan_len: 10,
        appends_per_thread: 250,
        snapshots: 50,
        events: 100_000,
        event_scans: 10,
        crdt_saves: 1_000,
        crdt_loads: 100_000,
        reps: 5,
    };
}

/// One backend configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// NativeStore with the given durability.
    Native(Durability),
    /// SqliteStore (WAL) with the given `synchronous`.
    Sqlite(Synchronous),
    /// RedbStore with the given durability.
    Redb(Durability),
    /// MemoryStore.
    Memory,
}

impl Backend {
    /// Every configuration, durable ones first.
    pub const ALL: [Backend; 7] = [
        Backend::Native(Durability::GroupCommit),
        Backend::Sqlite(Synchronous::Full),
        Backend::Redb(Durability::Immediate),
        Backend::Native(Durability::None),
        Backend::Sqlite(Synchronous::Normal),
        Backend::Redb(Durability::None),
        Backend::Memory,
    ];

    /// Short name for tables and bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Native(Durability::None) => "native-none",
            Backend::Native(_) => "native",
            Backend::Sqlite(Synchronous::Full) => "sqlite-full",
            Backend::Sqlite(Synchronous::Normal) => "sqlite-normal",
            Backend::Sqlite(Synchronous::Off) => "sqlite-off",
            Backend::Redb(Durability::None) => "redb-none",
            Backend::Redb(_) => "redb",
            Backend::Memory => "memory",
        }
    }

    /// Whether commits are synced before they return.
    pub fn durable(self) -> bool {
        matches!(
            self,
            Backend::Native(Durability::Immediate | Durability::GroupCommit)
                | Backend::Sqlite(Synchronous::Full)
                | Backend::Redb(Durability::Immediate | Durability::GroupCommit)
        )
    }

    /// Open a fresh, empty store in a new temporary directory.
    pub fn open(self) -> Opened {
        let base = std::env::var_os("CRDT_BENCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&base).expect("create CRDT_BENCH_DIR");
        let dir = tempfile::tempdir_in(base).expect("temp dir");
        let store = match self {
            Backend::Native(durability) => {
                let opts = Options {
                    durability,
                    ..Options::default()
                };
                Store::Native(NativeStore::open_with(dir.path().join("b.crdt"), opts).unwrap())
            }
            Backend::Sqlite(synchronous) => {
                // NativeStore reads through a memory map: give SQLite one too.
                let config = SqliteConfig {
                    synchronous,
                    mmap_bytes: 256 << 20,
                    ..SqliteConfig::default()
                };
                Store::Sqlite(
                    SqliteStore::open_with_config(dir.path().join("b.db"), config).unwrap(),
                )
            }
            Backend::Redb(durability) => {
                let opts = RedbOptions {
                    durability,
                    ..RedbOptions::default()
                };
                Store::Redb(RedbStore::open_with(dir.path().join("b.redb"), opts).unwrap())
            }
            Backend::Memory => Store::Memory(MemoryStore::new()),
        };
        Opened { dir, store }
    }
}

/// An open store of any backend.
pub enum Store {
    /// NativeStore.
    Native(NativeStore),
    /// SqliteStore.
    Sqlite(SqliteStore),
    /// RedbStore.
    Redb(RedbStore),
    /// MemoryStore.
    Memory(MemoryStore),
}

/// A store with the directory that holds its files.
pub struct Opened {
    dir: tempfile::TempDir,
    /// The store.
    pub store: Store,
}

impl Opened {
    /// The store behind the common traits.
    pub fn get(&self) -> &dyn EventStore {
        match &self.store {
            Store::Native(s) => s,
            Store::Sqlite(s) => s,
            Store::Redb(s) => s,
            Store::Memory(s) => s,
        }
    }

    /// Reclaim space the backend's own way.
    pub fn compact(&mut self) {
        match &mut self.store {
            Store::Native(s) => s.compact().unwrap(),
            Store::Sqlite(s) => s.compact().unwrap(),
            Store::Redb(s) => {
                s.compact().unwrap();
            }
            Store::Memory(_) => {}
        }
    }

    /// Bytes of every file in the store's directory (database, WAL, ...).
    pub fn disk_bytes(&self) -> u64 {
        std::fs::read_dir(self.dir.path())
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Seeded xorshift64*.
pub struct Rng(u64);

impl Rng {
    /// A generator with the fixed seed plus `stream`.
    pub fn new(stream: u64) -> Self {
        Rng(SEED ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `n` keys of [`KEY_LEN`] hex digits.
fn seeded_keys(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| format!("{:016x}{:08x}", rng.next_u64(), rng.next_u64() as u32))
        .collect()
}

/// The seeded data: `items` keys of 24 bytes and values of 150 bytes.
pub struct Data {
    /// Keys in insertion (random) order.
    pub keys: Vec<String>,
    /// Values, one per key.
    pub values: Vec<Vec<u8>>,
}

impl Data {
    /// Generate `n` items from the fixed seed.
    pub fn new(n: usize) -> Self {
        let mut rng = Rng::new(1);
        let keys = seeded_keys(&mut rng, n);
        let values = (0..n)
            .map(|_| (0..VALUE_LEN).map(|_| rng.next_u64() as u8).collect())
            .collect();
        Data { keys, values }
    }

    /// `n` items with the same keys as [`Data::new`] whose values are crdt-kit states as an
    /// app keeps them (postcard, the encoding `CrdtDb` writes inside its version
    /// envelope): a sensor's record of two last-writer-wins registers (its name, its last
    /// reading), an observed-remove set of tags and an alert counter, edited by three
    /// gateways. About 150 bytes each, like [`Data::new`]'s values, but with the structure
    /// of real states (repeated actor ids, small integers) instead of random bytes.
    pub fn crdt_states(n: usize) -> Self {
        use crdt_kit::prelude::*;

        #[derive(serde::Serialize)]
        struct Sensor {
            name: LWWRegister<String>,
            reading: LWWRegister<(i32, u16)>,
            tags: ORSet<String>,
            alerts: GCounter,
        }
        const TAGS: [&str; 6] = ["indoor", "outdoor", "battery", "mains", "calibrated", "eu"];
        let keys = seeded_keys(&mut Rng::new(1), n);
        let mut vr = Rng::new(3);
        let values = (0..n)
            .map(|i| {
                let gw = |k: u64| format!("gateway-{:02}", k % 3);
                let t = 1_700_000_000_000 + vr.below(86_400_000) as u64;
                let mut tags = ORSet::new(gw(vr.next_u64()));
                for _ in 0..3 {
                    tags.insert(TAGS[vr.below(TAGS.len())].to_string());
                }
                let mut alerts = GCounter::new(gw(vr.next_u64()));
                alerts.increment_by(vr.below(5) as u64);
                let s = Sensor {
                    name: LWWRegister::with_timestamp(
                        gw(vr.next_u64()),
                        format!("sensor-{i:07}"),
                        t,
                    ),
                    reading: LWWRegister::with_timestamp(
                        gw(vr.next_u64()),
                        (1500 + vr.below(1500) as i32, 300 + vr.below(600) as u16),
                        t + 60_000,
                    ),
                    tags,
                    alerts,
                };
                postcard::to_stdvec(&s).unwrap_or_default()
            })
            .collect();
        Data { keys, values }
    }

    /// Bytes of keys and values of the items `range`.
    pub fn payload(&self, range: std::ops::Range<usize>) -> (u64, u64) {
        let k = self.keys.get(range.clone()).unwrap_or(&[]);
        let v = self.values.get(range).unwrap_or(&[]);
        (
            k.iter().map(|x| x.len() as u64).sum(),
            v.iter().map(|x| x.len() as u64).sum(),
        )
    }
}

/// Documents stored for the `CrdtDb` load workload (and cycled through by the saves).
pub const NOTES: usize = 1_000;

/// The document of the `CrdtDb` workloads: a shared note as an app keeps it, edited on
/// four devices (a title and a body as last-writer-wins registers, an observed-remove set
/// of tags, a view counter). About 1 KiB in postcard ([`Note::sample`]).
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    title: crdt_kit::LWWRegister<String>,
    body: crdt_kit::LWWRegister<String>,
    tags: crdt_kit::ORSet<String>,
    views: crdt_kit::GCounter,
}

impl crdt_store::CrdtVersioned for Note {
    const SCHEMA_VERSION: u8 = 1;
}

impl Note {
    /// Note number `i` (deterministic).
    pub fn sample(i: usize) -> Note {
        use crdt_kit::Crdt;
        let device = |d: usize| format!("device-{:02}", (i + d) % 4);
        let t = 1_700_000_000_000 + i as u64 * 1_000;
        let mut tags = crdt_kit::ORSet::new(device(0));
        let mut views = crdt_kit::GCounter::new(device(0));
        for d in 0..4 {
            let mut t2 = crdt_kit::ORSet::new(device(d));
            for k in 0..4 {
                t2.insert(format!("tag-{}-{}", (i + d * 7 + k) % 23, k));
            }
            tags.merge(&t2);
            let mut v = crdt_kit::GCounter::new(device(d));
            v.increment_by((i % 97 + d) as u64);
            views.merge(&v);
        }
        let words = [
            "sensor", "gateway", "offline", "merge", "replica", "battery",
        ];
        let body: String = (0..90)
            .map(|w| words[(i + w * 5) % words.len()])
            .collect::<Vec<_>>()
            .join(" ");
        Note {
            title: crdt_kit::LWWRegister::with_timestamp(device(1), format!("note {i}"), t),
            body: crdt_kit::LWWRegister::with_timestamp(device(2), body, t + 5),
            tags,
            views,
        }
    }

    /// The key of note `i`.
    pub fn key(i: usize) -> String {
        format!("note-{:06}", i % NOTES)
    }
}

/// Put items `range` of `data` in chunks of `chunk` per commit.
fn load(s: &dyn EventStore, data: &Data, range: std::ops::Range<usize>, chunk: usize) {
    let mut i = range.start;
    while i < range.end {
        let end = (i + chunk).min(range.end);
        let mut b = WriteBatch::new();
        for j in i..end {
            b.put(NS, &data.keys[j], &data.values[j]);
        }
        s.commit(&b).unwrap();
        i = end;
    }
}

/// Delete the first half of the first `items` keys in commits of 10,000.
fn remove_half(s: &dyn EventStore, data: &Data, items: usize) {
    for chunk in data.keys[..items / 2].chunks(REMOVE_CHUNK) {
        let mut b = WriteBatch::new();
        for k in chunk {
            b.delete(NS, k);
        }
        s.commit(&b).unwrap();
    }
}

/// Every workload of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `items` puts in commits of 50,000.
    BulkLoad,
    /// `single_puts` individual `put` calls (each its own commit).
    SinglePuts,
    /// `batches` commits of `batch_len` puts.
    Batches,
    /// `reads` random `get`s of present keys.
    RandomReads,
    /// `scans` scans of `scan_len` items from random present keys.
    RangeScans,
    /// Delete half the items in commits of 10,000.
    Removals,
    /// One thread appending `appends_per_thread` events.
    Appends1,
    /// Eight threads appending `appends_per_thread` events each.
    Appends8,
    /// `snapshots` saves of a 1 MiB snapshot.
    SnapshotWrite,
    /// `snapshots` loads of a 1 MiB snapshot.
    SnapshotRead,
    /// `event_scans` full `events_since(0)` scans of `events` events.
    EventsSince,
    /// `crdt_saves` `CrdtDb::save` calls of a 1 KiB [`Note`].
    CrdtDbSave,
    /// `crdt_loads` `CrdtDb::load` calls of random ones of [`NOTES`] stored notes.
    CrdtDbLoad,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 13] = [
        Workload::BulkLoad,
        Workload::SinglePuts,
        Workload::Batches,
        Workload::RandomReads,
        Workload::RangeScans,
        Workload::Removals,
        Workload::Appends1,
        Workload::Appends8,
        Workload::SnapshotWrite,
        Workload::SnapshotRead,
        Workload::EventsSince,
        Workload::CrdtDbSave,
        Workload::CrdtDbLoad,
    ];

    /// Short name for tables and bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Workload::BulkLoad => "bulk_load",
            Workload::SinglePuts => "individual_puts",
            Workload::Batches => "batch_writes",
            Workload::RandomReads => "random_reads",
            Workload::RangeScans => "range_scans",
            Workload::Removals => "removals",
            Workload::Appends1 => "appends_1_thread",
            Workload::Appends8 => "appends_8_threads",
            Workload::SnapshotWrite => "snapshot_write_1mib",
            Workload::SnapshotRead => "snapshot_read_1mib",
            Workload::EventsSince => "events_since_scan",
            Workload::CrdtDbSave => "crdtdb_save_1kib",
            Workload::CrdtDbLoad => "crdtdb_load_1kib",
        }
    }

    /// Operations timed by one run (for ops/s).
    pub fn ops(self, sc: &Scale) -> usize {
        match self {
            Workload::BulkLoad => sc.items,
            Workload::SinglePuts => sc.single_puts,
            Workload::Batches => sc.batches * sc.batch_len,
            Workload::RandomReads => sc.reads,
            Workload::RangeScans => sc.scans,
            Workload::Removals => sc.items / 2,
            Workload::Appends1 => sc.appends_per_thread,
            Workload::Appends8 => 8 * sc.appends_per_thread,
            Workload::SnapshotWrite | Workload::SnapshotRead => sc.snapshots,
            Workload::EventsSince => sc.event_scans * sc.events,
            Workload::CrdtDbSave => sc.crdt_saves,
            Workload::CrdtDbLoad => sc.crdt_loads,
        }
    }

    /// Whether `data` must hold `items` items for this workload.
    pub fn needs_items(self) -> bool {
        matches!(
            self,
            Workload::BulkLoad | Workload::RandomReads | Workload::RangeScans | Workload::Removals
        )
    }

    /// Set up a fresh store of `backend`, then time the workload once.
    pub fn run(self, backend: Backend, sc: &Scale, data: &Data) -> Duration {
        self.run_measured(backend, sc, data).wall
    }

    /// [`Workload::run`], also measuring the CPU time the process spent meanwhile.
    pub fn run_measured(self, backend: Backend, sc: &Scale, data: &Data) -> Measured {
        let opened = backend.open();
        let s = opened.get();
        let items = data.keys.len().min(sc.items);
        if matches!(
            self,
            Workload::RandomReads | Workload::RangeScans | Workload::Removals
        ) {
            load(s, data, 0..items, BULK_CHUNK);
        }
        let mut rng = Rng::new(2);
        let value = vec![0xA5u8; VALUE_LEN];
        let snapshot = vec![0x5Au8; 1 << 20];
        match self {
            Workload::SnapshotRead => s.save_snapshot(NS, "snap", &snapshot, 1, 1).unwrap(),
            Workload::CrdtDbLoad => {
                let db = crdt_store::CrdtDb::with_store(s);
                for i in 0..NOTES {
                    db.save(&Note::key(i), &Note::sample(i)).unwrap();
                }
            }
            Workload::EventsSince => {
                let mut done = 0;
                while done < sc.events {
                    let mut b = WriteBatch::new();
                    for _ in 0..1000.min(sc.events - done) {
                        b.append_event(NS, "stream", &value, 0, "node");
                        done += 1;
                    }
                    s.commit(&b).unwrap();
                }
            }
            _ => {}
        }
        // Precompute inputs so only the store is timed.
        let notes: Vec<(String, Note)> = match self {
            Workload::CrdtDbSave => (0..NOTES.min(sc.crdt_saves))
                .map(|i| (Note::key(i), Note::sample(i)))
                .collect(),
            _ => Vec::new(),
        };
        let note_keys: Vec<String> = match self {
            Workload::CrdtDbLoad => (0..sc.crdt_loads)
                .map(|_| Note::key(rng.below(NOTES)))
                .collect(),
            _ => Vec::new(),
        };
        let picks: Vec<usize> = (0..sc.reads.max(sc.scans))
            .map(|_| rng.below(items.max(1)))
            .collect();
        let cpu_start = process_cpu();
        let start = Instant::now();
        match self {
            Workload::BulkLoad => load(s, data, 0..items, BULK_CHUNK),
            Workload::SinglePuts => {
                for i in 0..sc.single_puts {
                    s.put(NS, &data.keys[i % data.keys.len()], &value).unwrap();
                }
            }
            Workload::Batches => {
                for b_i in 0..sc.batches {
                    let mut b = WriteBatch::new();
                    for j in 0..sc.batch_len {
                        let k = (b_i * sc.batch_len + j) % data.keys.len();
                        b.put(NS, &data.keys[k], &value);
                    }
                    s.commit(&b).unwrap();
                }
            }
            Workload::RandomReads => {
                let mut found = 0usize;
                for &i in &picks[..sc.reads] {
                    found += usize::from(s.get(NS, &data.keys[i]).unwrap().is_some());
                }
                assert_eq!(found, sc.reads);
            }
            Workload::RangeScans => {
                let mut n = 0usize;
                for &i in &picks[..sc.scans] {
                    let range = KeyRange::starting_at(data.keys[i].as_str());
                    n += s.scan(NS, range).unwrap().take(sc.scan_len).count();
                }
                assert!(n >= sc.scans);
            }
            Workload::Removals => remove_half(s, data, items),
            Workload::Appends1 => appends(s, 1, sc.appends_per_thread, &value),
            Workload::Appends8 => appends(s, 8, sc.appends_per_thread, &value),
            Workload::SnapshotWrite => {
                for i in 0..sc.snapshots {
                    s.save_snapshot(NS, "snap", &snapshot, i as u64, 1).unwrap();
                }
            }
            Workload::SnapshotRead => {
                for _ in 0..sc.snapshots {
                    let snap = s.load_snapshot(NS, "snap").unwrap().unwrap();
                    assert_eq!(snap.state.len(), 1 << 20);
                }
            }
            Workload::EventsSince => {
                for _ in 0..sc.event_scans {
                    let n = s.events_since(NS, "stream", 0).unwrap().count();
                    assert_eq!(n, sc.events);
                }
            }
            Workload::CrdtDbSave => {
                let db = crdt_store::CrdtDb::with_store(s);
                for i in 0..sc.crdt_saves {
                    let (key, note) = &notes[i % notes.len()];
                    db.save(key, note).unwrap();
                }
            }
            Workload::CrdtDbLoad => {
                let db = crdt_store::CrdtDb::with_store(s);
                for key in &note_keys {
                    let note: Option<Note> = db.load(key).unwrap();
                    assert!(note.is_some());
                }
            }
        }
        Measured {
            wall: start.elapsed(),
            cpu: process_cpu().saturating_sub(cpu_start),
        }
    }
}

/// One timed run of a workload.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Elapsed time.
    pub wall: Duration,
    /// User + system CPU time of the whole process (every thread, background compaction
    /// included). On an oversubscribed machine a CPU-bound workload's wall time is mostly
    /// time spent waiting for a core; its CPU time is not. Durable workloads wait for the
    /// disk, which CPU time does not show.
    pub cpu: Duration,
}

/// User + system CPU time of this process so far.
#[cfg(unix)]
fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes the `rusage` struct it is given; all-zero bytes are a
    // valid value of that plain C struct.
    #[allow(unsafe_code)]
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut ru) != 0 {
            return Duration::ZERO;
        }
        ru
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

#[cfg(not(unix))]
fn process_cpu() -> Duration {
    Duration::ZERO
}

/// `threads` writers each appending `per` events to their own entity.
fn appends(s: &dyn EventStore, threads: usize, per: usize, value: &[u8]) {
    std::thread::scope(|scope| {
        for t in 0..threads {
            scope.spawn(move || {
                let entity = format!("entity-{t}");
                let node = format!("node-{t}");
                for _ in 0..per {
                    s.append_event(NS, &entity, value, 0, &node).unwrap();
                }
            });
        }
    });
}

/// Bytes on disk after loading every item and removing half of them, before and after
/// the backend's compaction.
pub fn file_sizes(backend: Backend, data: &Data) -> (u64, u64) {
    let mut opened = backend.open();
    let n = data.keys.len();
    load(opened.get(), data, 0..n, BULK_CHUNK);
    remove_half(opened.get(), data, n);
    let before = opened.disk_bytes();
    opened.compact();
    (before, opened.disk_bytes())
}
