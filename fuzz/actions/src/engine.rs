//! The native engine end to end: arbitrary files ([`open_file`]), damaged valid files
//! ([`mutate_file`]) and random operations with power cuts against a `BTreeMap` model
//! ([`engine_model`]). All I/O goes through `SimDisk` (the engine's fault-injecting disk).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use crdt_store::io::{CutMode, SimDisk};
use crdt_store::{
    BatchOp, Durability, Error, Event, EventStore, KeyRange, NativeStore, Options, Record,
    Snapshot, StateStore, WriteBatch,
};

use crate::Input;

/// The name the fuzzed file goes by in error messages.
pub const PATH: &str = "fuzz.crdt";
/// Page size of format v1 (format-spec/README.md).
pub const PAGE: usize = 4096;

const NS: [&str; 3] = ["a", "b\0", "ü"];
const KEYS: [&str; 5] = ["", "k1", "k2", "k10", "日本"];
const ENTITIES: [&str; 2] = ["e1", "e\0"];

/// Small memtable, log and cache so that a few operations flush, rotate and compact; no
/// background thread, so runs are deterministic.
pub fn options() -> Options {
    Options {
        durability: Durability::Immediate,
        memtable_bytes: 2048,
        log_pages: 2,
        max_runs: 2,
        block_cache_bytes: 16 * 1024,
        background_compaction: false,
        ..Options::default()
    }
}

fn open(disk: &Arc<SimDisk>, read_only: bool) -> crdt_store::Result<NativeStore> {
    NativeStore::open_io(disk.file(), PATH, options(), read_only)
}

/// An error from hostile bytes must say which file it is about.
fn typed(e: &Error) {
    typed_for(e, std::path::Path::new(PATH));
}

fn typed_for(e: &Error, file: &std::path::Path) {
    if let Error::Corrupted { path, .. } | Error::Io { path, .. } = e {
        assert_eq!(path, file, "error names another file: {e}");
    }
    assert!(!e.to_string().is_empty());
}

fn ok<T>(r: crdt_store::Result<T>) -> Option<T> {
    r.map_err(|e| typed(&e)).ok()
}

/// Reads everything a user can read, through every API: each call returns a value or a
/// typed error; nothing panics.
pub fn read_all(store: &NativeStore) {
    let file = store.path();
    let err = |e: Error| typed_for(&e, file);
    let _ = store.layout();
    let _ = checked(err, store.check_invariants());
    let mut entities: BTreeSet<(String, String)> = BTreeSet::new();
    if let Some(records) = checked(err, store.records()) {
        for r in records.take(5000) {
            match r {
                Ok(Record::Event { ns, entity, .. } | Record::Snapshot { ns, entity, .. }) => {
                    entities.insert((ns, entity));
                }
                Ok(_) => {}
                Err(e) => {
                    err(e);
                    break;
                }
            }
        }
    }
    let (_, errors) = store.records_skipping_damage();
    errors.into_iter().for_each(err);
    let Some(namespaces) = checked(err, store.list_namespaces()) else {
        return;
    };
    for ns in namespaces.iter().take(50) {
        if let Some(keys) = checked(err, store.list_keys(ns)) {
            for k in keys.iter().take(50) {
                let _ = checked(err, store.get(ns, k));
            }
        }
        if let Some(scan) = checked(err, store.scan(ns, KeyRange::all())) {
            for r in scan.take(5000) {
                if r.map_err(err).is_err() {
                    break;
                }
            }
        }
    }
    for (ns, entity) in entities.iter().take(50) {
        let _ = checked(err, store.event_count(ns, entity));
        let _ = checked(err, store.load_snapshot(ns, entity));
        let _ = checked(err, store.last_seq(ns, entity));
        if let Some(events) = checked(err, store.events_since(ns, entity, 0)) {
            for e in events.take(5000) {
                if e.map_err(err).is_err() {
                    break;
                }
            }
        }
    }
}

fn checked<T>(on_err: impl Fn(Error), r: crdt_store::Result<T>) -> Option<T> {
    r.map_err(on_err).ok()
}

/// Opens `bytes` read-only and writable and reads everything. A writable open that works
/// must take a commit, show it, and keep it across a clean close and reopen.
fn open_and_check(bytes: Vec<u8>) {
    let disk = SimDisk::with_bytes(bytes);
    if let Some(store) = ok(open(&disk, true)) {
        read_all(&store);
    }
    let Some(store) = ok(open(&disk, false)) else {
        return;
    };
    read_all(&store);
    let mut b = WriteBatch::new();
    b.put("fuzz", "k", b"v")
        .append_event("fuzz", "e", b"x", 1, "n");
    let committed = ok(store.commit(&b)).is_some();
    if committed {
        if let Some(v) = ok(store.get("fuzz", "k")) {
            assert_eq!(v.as_deref(), Some(&b"v"[..]), "a commit is not visible");
        }
    }
    if ok(store.close()).is_none() || !committed {
        return;
    }
    if let Some(again) = ok(open(&disk, false)) {
        if let Some(v) = ok(again.get("fuzz", "k")) {
            assert_eq!(
                v.as_deref(),
                Some(&b"v"[..]),
                "a commit was lost by a clean close"
            );
        }
        read_all(&again);
    }
}

/// Arbitrary bytes opened as a `.crdt` file (read-only and writable), then everything
/// iterated: only values or typed errors naming the file.
/// One input in eight is also written to a real file and opened read-only through
/// `NativeStore::open_read_only` (memory-mapped reads, reader registration).
pub fn open_file(data: &[u8]) {
    open_and_check(data.to_vec());
    if data.len() % 8 == 3 {
        open_real_file(data);
    }
}

fn open_real_file(data: &[u8]) {
    let path = std::env::temp_dir().join(format!("crdt-fuzz-{}.crdt", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(store) = NativeStore::open_read_only(&path) {
        read_all(&store);
    }
    let _ = std::fs::remove_file(&path);
}

/// The model: what a store must hold after the acknowledged commits.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Model {
    state: BTreeMap<(String, String), Vec<u8>>,
    last_seq: BTreeMap<(String, String), u64>,
    events: BTreeMap<(String, String), Vec<Event>>,
    snapshots: BTreeMap<(String, String), Snapshot>,
}

impl Model {
    /// Applies a batch; returns what `commit` must return (seqs, truncated counts).
    pub fn apply(&mut self, batch: &WriteBatch) -> (Vec<u64>, Vec<u64>) {
        let (mut seqs, mut truncated) = (Vec::new(), Vec::new());
        for op in batch.ops() {
            match op {
                BatchOp::Put { ns, key, value } => {
                    self.state.insert((ns.clone(), key.clone()), value.clone());
                }
                BatchOp::Delete { ns, key } => {
                    self.state.remove(&(ns.clone(), key.clone()));
                }
                BatchOp::AppendEvent {
                    ns,
                    entity,
                    data,
                    timestamp,
                    node_id,
                } => {
                    let id = (ns.clone(), entity.clone());
                    let seq = self.last_seq.get(&id).copied().unwrap_or(0) + 1;
                    self.last_seq.insert(id.clone(), seq);
                    self.events.entry(id).or_default().push(Event {
                        seq,
                        timestamp: *timestamp,
                        node_id: node_id.clone(),
                        data: data.clone(),
                    });
                    seqs.push(seq);
                }
                BatchOp::SaveSnapshot {
                    ns,
                    entity,
                    state,
                    at_seq,
                    version,
                } => {
                    let snap = Snapshot {
                        state: state.clone(),
                        at_seq: *at_seq,
                        version: *version,
                    };
                    self.snapshots.insert((ns.clone(), entity.clone()), snap);
                }
                BatchOp::TruncateEventsBefore {
                    ns,
                    entity,
                    before_seq,
                } => {
                    let evs = self.events.entry((ns.clone(), entity.clone())).or_default();
                    let before = evs.len();
                    evs.retain(|e| e.seq >= *before_seq);
                    truncated.push((before - evs.len()) as u64);
                }
                _ => {}
            }
        }
        self.events.retain(|_, v| !v.is_empty());
        (seqs, truncated)
    }

    /// What `store` holds, read through the public API over the names the model uses.
    pub fn observe(store: &NativeStore) -> crdt_store::Result<Model> {
        let mut m = Model::default();
        for ns in NS {
            for r in store.scan(ns, KeyRange::all())? {
                let (k, v) = r?;
                m.state.insert((ns.to_string(), k), v);
            }
            for e in ENTITIES {
                let id = (ns.to_string(), e.to_string());
                let evs: Vec<Event> = store.events_since(ns, e, 0)?.collect::<Result<_, _>>()?;
                assert_eq!(store.event_count(ns, e)?, evs.len() as u64, "event_count");
                if !evs.is_empty() {
                    m.events.insert(id.clone(), evs);
                }
                if let Some(s) = store.last_seq(ns, e)? {
                    m.last_seq.insert(id.clone(), s);
                }
                if let Some(s) = store.load_snapshot(ns, e)? {
                    m.snapshots.insert(id, s);
                }
            }
        }
        Ok(m)
    }
}

/// One random batch over the model's names.
fn batch(input: &mut Input<'_>) -> WriteBatch {
    let mut b = WriteBatch::new();
    for _ in 0..1 + input.below(4) {
        let ns = NS[input.below(NS.len())];
        let key = KEYS[input.below(KEYS.len())];
        let e = ENTITIES[input.below(ENTITIES.len())];
        match input.u8() % 8 {
            0..=2 => b.put(ns, key, &input.value()),
            3 => b.delete(ns, key),
            4 | 5 => b.append_event(ns, e, &input.value(), input.u64(), "node"),
            6 => b.save_snapshot(ns, e, &input.value(), u64::from(input.u8()), 1),
            _ => b.truncate_events_before(ns, e, u64::from(input.u8() % 16)),
        };
    }
    b
}

/// Simulates a crash of the process holding `store`: every later I/O fails (so dropping
/// the handle writes nothing durable), then the power goes.
fn crash(store: NativeStore, disk: &Arc<SimDisk>, mode: CutMode, seed: u64) {
    disk.fail_from(disk.ops() + 1);
    drop(store);
    disk.power_cut(mode, seed);
}

/// Compares a reopened store with the model. Returns the model the store matches: the
/// acknowledged commits, or those plus the commit in flight at the crash.
fn expect(store: &NativeStore, model: &Model, in_flight: Option<&WriteBatch>, what: &str) -> Model {
    if let Err(e) = store.check_invariants() {
        panic!("{what}: invariants: {e}");
    }
    let got = match Model::observe(store) {
        Ok(m) => m,
        Err(e) => panic!("{what}: reading the store failed: {e}"),
    };
    if &got == model {
        return got;
    }
    if let Some(b) = in_flight {
        let mut with = model.clone();
        with.apply(b);
        if got == with {
            return got;
        }
        panic!("{what}: neither the acknowledged state nor it plus the commit in flight\n got {got:?}\nwant {model:?}\n  or {with:?}");
    }
    panic!("{what}: lost or invented data\n got {got:?}\nwant {model:?}");
}

/// Random operations on a NativeStore over SimDisk, checked against [`Model`]: commits
/// (batches of put / delete / append / snapshot / truncate), flush, compact, clean reopen,
/// a crash with a power cut (unsynced writes dropped, kept or torn), and an I/O failure
/// from a chosen operation on (the machine dying mid-commit). With `Durability::Immediate`
/// every acknowledged commit survives, the one in flight is all there or not at all.
pub fn engine_model(data: &[u8]) {
    let mut input = Input::new(data);
    let disk = SimDisk::new();
    let mut store = match open(&disk, false) {
        Ok(s) => s,
        Err(e) => panic!("creating a database failed: {e}"),
    };
    let mut model = Model::default();
    // The commit in flight when I/O started failing, and whether it has.
    let mut in_flight: Option<WriteBatch> = None;
    let mut failing = false;
    let mut steps = 0;
    while !input.is_empty() && steps < 64 {
        steps += 1;
        match input.u8() % 16 {
            0..=9 => {
                let b = batch(&mut input);
                match store.commit(&b) {
                    Ok(out) => {
                        let (seqs, truncated) = model.apply(&b);
                        assert_eq!((out.event_seqs, out.truncated), (seqs, truncated));
                    }
                    Err(e) => {
                        typed(&e);
                        assert!(failing, "a commit failed without an I/O failure: {e}");
                        in_flight.get_or_insert(b);
                    }
                }
            }
            10 => {
                if let Err(e) = store.flush() {
                    assert!(failing, "flush failed without an I/O failure: {e}");
                }
            }
            11 => {
                if let Err(e) = store.compact() {
                    assert!(failing, "compact failed without an I/O failure: {e}");
                }
            }
            12 if !failing => {
                if let Err(e) = store.close() {
                    panic!("a clean close failed: {e}");
                }
                store = match open(&disk, false) {
                    Ok(s) => s,
                    Err(e) => panic!("reopen after a clean close failed: {e}"),
                };
                model = expect(&store, &model, None, "clean reopen");
            }
            13 if !failing => {
                // The machine starts dying: from the k-th next I/O on, everything fails.
                disk.fail_from(disk.ops() + 1 + u64::from(input.u8() % 32));
                failing = true;
            }
            _ => {
                let mode = [CutMode::DropAll, CutMode::KeepAll, CutMode::Random][input.below(3)];
                let seed = input.u64();
                crash(store, &disk, mode, seed);
                store = match open(&disk, false) {
                    Ok(s) => s,
                    Err(e) => panic!("recovery after a power cut ({mode:?}) failed: {e}"),
                };
                model = expect(&store, &model, in_flight.as_ref(), "power cut");
                in_flight = None;
                failing = false;
            }
        }
    }
    crash(store, &disk, CutMode::Random, steps);
    let store = match open(&disk, false) {
        Ok(s) => s,
        Err(e) => panic!("recovery after the final power cut failed: {e}"),
    };
    expect(&store, &model, in_flight.as_ref(), "final power cut");
}

/// Valid files to damage, with the model each holds: a log-only file (crashed before any
/// flush), a file with runs (closed cleanly), and one with runs, free extents and a log
/// tail (compacted, written to, then crashed).
pub fn base_files() -> &'static [(Vec<u8>, Model)] {
    static FILES: OnceLock<Vec<(Vec<u8>, Model)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let script: Vec<u8> = (0u32..600)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut out = Vec::new();
        for shape in 0..3 {
            let disk = SimDisk::new();
            let Ok(store) = open(&disk, false) else {
                panic!("creating a base file failed");
            };
            let mut model = Model::default();
            let mut input = Input::new(&script);
            for i in 0..[6, 30, 40][shape] {
                let b = batch(&mut input);
                if store.commit(&b).is_err() {
                    panic!("base file commit failed");
                }
                model.apply(&b);
                if shape == 2 && i == 25 && store.compact().is_err() {
                    panic!("base file compact failed");
                }
            }
            if shape == 1 {
                if store.close().is_err() {
                    panic!("base file close failed");
                }
            } else {
                crash(store, &disk, CutMode::DropAll, 0);
            }
            out.push((disk.bytes(), model));
        }
        out
    })
}

/// A valid file with structure-aware damage: bit flips, bytes set, truncation, pages
/// zeroed or copied over others, superblock slots swapped or duplicated, bytes of the
/// input written at an offset. Opened and read like [`open_file`]; undamaged, it must hold
/// exactly its model.
pub fn mutate_file(data: &[u8]) {
    let mut input = Input::new(data);
    let files = base_files();
    let (base, model) = &files[input.below(files.len())];
    let mut bytes = base.clone();
    let mut damaged = false;
    for _ in 0..1 + input.below(8) {
        if input.is_empty() {
            break;
        }
        damaged = true;
        let len = bytes.len().max(1);
        let pages = len.div_ceil(PAGE);
        let at = (input.u16() as usize * 7 + input.u8() as usize) % len;
        match input.u8() % 10 {
            0 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << (input.u8() % 8);
                }
            }
            1 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = input.u8();
                }
            }
            2 => bytes.truncate(at),
            3 => {
                let p = input.below(pages);
                zero(&mut bytes, p * PAGE, PAGE);
            }
            4 => {
                let (from, to) = (input.below(pages), input.below(pages));
                copy_page(&mut bytes, from, to);
            }
            5 => {
                let one: Vec<u8> = page(&bytes, 1).to_vec();
                copy_page(&mut bytes, 2, 1);
                put(&mut bytes, 2 * PAGE, &one);
            }
            6 => {
                let (from, to) = if input.u8() & 1 == 0 { (1, 2) } else { (2, 1) };
                copy_page(&mut bytes, from, to);
            }
            7 => {
                let n = 1 + input.below(64);
                zero(&mut bytes, at, n);
            }
            8 => {
                let tail = input.bytes(255).to_vec();
                bytes.extend_from_slice(&tail);
            }
            _ => {
                let chunk = input.bytes(64).to_vec();
                put(&mut bytes, at, &chunk);
            }
        }
    }
    if !damaged {
        let disk = SimDisk::with_bytes(bytes);
        let store = match open(&disk, false) {
            Ok(s) => s,
            Err(e) => panic!("an undamaged base file does not open: {e}"),
        };
        expect(&store, model, None, "undamaged base file");
        return;
    }
    open_and_check(bytes);
}

fn page(bytes: &[u8], p: usize) -> &[u8] {
    let start = (p * PAGE).min(bytes.len());
    &bytes[start..(start + PAGE).min(bytes.len())]
}

fn put(bytes: &mut [u8], at: usize, src: &[u8]) {
    let end = at.saturating_add(src.len()).min(bytes.len());
    if at < end {
        bytes[at..end].copy_from_slice(&src[..end - at]);
    }
}

fn zero(bytes: &mut [u8], at: usize, n: usize) {
    let end = at.saturating_add(n).min(bytes.len());
    if at < end {
        bytes[at..end].fill(0);
    }
}

fn copy_page(bytes: &mut [u8], from: usize, to: usize) {
    let src = page(bytes, from).to_vec();
    put(bytes, to * PAGE, &src);
}
