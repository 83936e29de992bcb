//! The crash loops, in one place for `tests/crash.rs`, `tests/sigkill.rs` and
//! `examples/crash_campaign.rs` (which includes this file with `#[path]`, next to
//! `dump.rs`):
//! - power cuts through `SimDisk`: a seeded workload is cut at every I/O step (that write
//!   or sync fails, every later one too), with unsynced writes dropped, kept, or randomly
//!   kept and torn; the reopened store must hold every acknowledged commit, and the commit
//!   in flight entirely or not at all; then it must take a write that survives another cut;
//! - SIGKILL: a child process commits forever, printing `ACK i` after each commit returns;
//!   it is killed at a random moment and the file must hold every acknowledged commit,
//!   each one whole.
//!
//! Outcomes are counted in a [`Tally`] rather than asserted, so the campaign can report
//! them; the tests assert the tally is clean.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use super::dump::{dump, Dump};
use crdt_store::io::{CutMode, SimDisk};
use crdt_store::{
    Durability, EventStore, MemoryStore, NativeStore, Options, StateStore, WriteBatch,
};

/// What a campaign saw. `lost`, `partial` and `panics` must stay 0.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Seeded power-cut workloads run.
    pub workloads: u64,
    /// Power cuts simulated (each followed by recovery and checks).
    pub cuts: u64,
    /// Child processes killed with SIGKILL.
    pub kills: u64,
    /// Acknowledged commits checked after a cut or kill (summed over cuts and kills).
    pub acked_checked: u64,
    /// Cuts or kills after which an acknowledged commit was missing (or recovery failed).
    pub lost: u64,
    /// Cuts or kills after which part of a batch was visible.
    pub partial: u64,
    /// Workloads or rounds that panicked.
    pub panics: u64,
    /// What went wrong, one line per failure (the first few).
    pub failures: Vec<String>,
}

impl Tally {
    /// Whether nothing was lost, partial or panicked.
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.partial == 0 && self.panics == 0
    }

    fn fail(&mut self, kind: Failure, what: String) {
        match kind {
            Failure::Lost => self.lost += 1,
            Failure::Partial => self.partial += 1,
            Failure::Panic => self.panics += 1,
        }
        if self.failures.len() < 20 {
            self.failures.push(what);
        }
    }

    /// Runs `f`, counting a panic instead of unwinding further.
    pub fn guard(&mut self, what: &str, f: impl FnOnce(&mut Tally)) {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        if let Err(p) = r {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            self.fail(Failure::Panic, format!("{what}: panic: {msg}"));
        }
    }

    /// One line per counter, as the campaign prints them.
    pub fn report(&self) -> String {
        format!(
            "workloads: {}\ncuts: {}\nkills: {}\nacknowledged commits checked: {}\nlost: {}\npartial batches seen: {}\npanics: {}",
            self.workloads, self.cuts, self.kills, self.acked_checked, self.lost, self.partial, self.panics
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Failure {
    Lost,
    Partial,
    Panic,
}

/// Entities the power-cut workloads write events to.
pub const ENTITIES: [&str; 2] = ["e1", "e2"];

/// xorshift64: seeded, reproducible.
pub struct Rng(pub u64);
impl Rng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One step of a power-cut workload.
pub enum Action {
    /// A batch commit.
    Commit(WriteBatch),
    /// `NativeStore::flush`.
    Flush,
    /// `NativeStore::compact`.
    Compact,
}

/// A seeded workload: batches of put / delete / append / truncate, some flushes and
/// compactions; values up to 2000 bytes so the small memtable and log overflow.
pub fn workload(seed: u64, len: usize) -> Vec<Action> {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    (0..len)
        .map(|_| match r.below(20) {
            0 => Action::Flush,
            1 => Action::Compact,
            _ => {
                let mut b = WriteBatch::new();
                for _ in 0..1 + r.below(4) {
                    let ns = ["a", "b"][r.below(2) as usize];
                    let key = format!("k{}", r.below(12));
                    let e = ENTITIES[r.below(2) as usize];
                    let size = if r.below(8) == 0 { 2000 } else { r.below(60) } as usize;
                    let v = vec![r.below(256) as u8; size];
                    match r.below(6) {
                        0 | 1 => b.put(ns, &key, &v),
                        2 => b.delete(ns, &key),
                        3 | 4 => b.append_event(ns, e, &v, r.next(), "node"),
                        _ => b.truncate_events_before(ns, e, r.below(10)),
                    };
                }
                Action::Commit(b)
            }
        })
        .collect()
}

/// Small memtable and log so a short workload flushes, rotates and compacts.
pub fn cut_options(durability: Durability) -> Options {
    Options {
        durability,
        memtable_bytes: 2048,
        log_pages: 2,
        max_runs: 2,
        block_cache_bytes: 16 * 1024,
        // Deterministic I/O: these loops count steps or leak handles to simulate crashes.
        background_compaction: false,
        ..Options::default()
    }
}

/// Opens the database on `disk`.
pub fn open_sim(disk: &Arc<SimDisk>, durability: Durability) -> crdt_store::Result<NativeStore> {
    NativeStore::open_io(disk.file(), "crash.crdt", cut_options(durability), false)
}

/// Runs the workload until the first error. Returns the model of acknowledged commits,
/// how many there were, and the commit in flight when the error happened, if any.
pub fn run(store: &NativeStore, actions: &[Action]) -> (MemoryStore, u64, Option<WriteBatch>) {
    let model = MemoryStore::new();
    let mut acked = 0;
    for a in actions {
        match a {
            Action::Commit(b) => match store.commit(b) {
                Ok(_) => {
                    model.commit(b).unwrap();
                    acked += 1;
                }
                Err(_) => return (model, acked, Some(b.clone())),
            },
            Action::Flush => {
                if store.flush().is_err() {
                    return (model, acked, None);
                }
            }
            Action::Compact => {
                if store.compact().is_err() {
                    return (model, acked, None);
                }
            }
        }
    }
    (model, acked, None)
}

/// The observable contents of a model.
pub fn snapshot_of(model: &MemoryStore) -> Dump {
    dump(model, &ENTITIES).unwrap()
}

/// I/O steps (writes and syncs) the workload takes without faults.
pub fn io_steps(actions: &[Action]) -> u64 {
    let disk = SimDisk::new();
    let store = open_sim(&disk, Durability::Immediate).unwrap();
    let before = disk.ops();
    let (_, _, failed) = run(&store, actions);
    assert!(failed.is_none(), "the workload failed without faults");
    // Leaked on purpose: dropping would flush, and these loops count steps.
    std::mem::forget(store);
    disk.ops() - before
}

/// Cuts the power at I/O step `k` of `actions` (mode by `k`), recovers and checks.
pub fn cut_at(seed: u64, actions: &[Action], k: u64, tally: &mut Tally) {
    let disk = SimDisk::new();
    let store = open_sim(&disk, Durability::Immediate).unwrap();
    disk.fail_from(disk.ops() + k);
    let (model, acked, in_flight) = run(&store, actions);
    std::mem::forget(store);
    let mode = [CutMode::DropAll, CutMode::KeepAll, CutMode::Random][(k % 3) as usize];
    disk.power_cut(mode, seed * 1000 + k);
    tally.cuts += 1;
    tally.acked_checked += acked;
    let at = format!("seed {seed} cut at op {k} ({mode:?})");
    let reopened = match open_sim(&disk, Durability::Immediate) {
        Ok(s) => s,
        Err(e) => return tally.fail(Failure::Lost, format!("{at}: reopen failed: {e}")),
    };
    reopened.check_invariants().unwrap();
    let got = dump(&reopened, &ENTITIES).unwrap();
    if got != snapshot_of(&model) {
        let Some(b) = in_flight.as_ref() else {
            return tally.fail(Failure::Lost, format!("{at}: lost an acknowledged commit"));
        };
        model.commit(b).unwrap();
        if got != snapshot_of(&model) {
            return tally.fail(
                Failure::Partial,
                format!("{at}: state is neither acked nor acked + in-flight"),
            );
        }
    }
    // `model` now matches what recovery returned. The store works after recovery, and an
    // acknowledged commit survives another cut (LOG-7).
    let mut b = WriteBatch::new();
    b.put("after", "k", b"v")
        .append_event("after", "e1", b"x", 1, "n");
    let out = reopened.commit(&b).unwrap();
    assert_eq!(out, model.commit(&b).unwrap(), "{at}: seqs after recovery");
    std::mem::forget(reopened);
    disk.power_cut(CutMode::DropAll, k);
    tally.cuts += 1;
    tally.acked_checked += 1;
    let again = open_sim(&disk, Durability::Immediate).unwrap();
    if dump(&again, &ENTITIES).unwrap() != snapshot_of(&model) {
        tally.fail(
            Failure::Lost,
            format!("{at}: the commit after recovery was lost"),
        );
    }
}

/// Power cut at every I/O step of the seeded workload of `len` actions.
pub fn cut_everywhere(seed: u64, len: usize, tally: &mut Tally) {
    let actions = workload(seed, len);
    let total = io_steps(&actions);
    assert!(total > 20, "workload too small: {total} ops");
    tally.workloads += 1;
    for k in 1..=total {
        tally.guard(&format!("seed {seed} cut at op {k}"), |t| {
            cut_at(seed, &actions, k, t)
        });
    }
}

/// Options of the SIGKILL writer: small memtable and log, so kills land in flushes and
/// compactions too.
pub fn kill_options() -> Options {
    Options {
        memtable_bytes: 8 * 1024,
        log_pages: 4,
        max_runs: 4,
        ..Options::default()
    }
}

/// The child of the SIGKILL loop: appends commits to `path` forever (each a state key
/// and an event), printing `ACK i` once commit `i` returned.
pub fn child_writer(path: &str) -> ! {
    let store = NativeStore::open_with(path, kill_options()).unwrap();
    let mut i = store.event_count("n", "e").unwrap() + 1;
    let stdout = std::io::stdout();
    loop {
        let mut b = WriteBatch::new();
        b.put("n", &format!("k{i}"), &[(i % 251) as u8; 100])
            .append_event("n", "e", &i.to_le_bytes(), i, "child");
        let out = store.commit(&b).unwrap();
        assert_eq!(out.event_seqs, [i]);
        let mut lock = stdout.lock();
        writeln!(lock, "ACK {i}").unwrap();
        lock.flush().unwrap();
        i += 1;
    }
}

/// After a kill: every acknowledged commit is in the file, events are numbered 1..=count
/// without gaps, and each commit is whole (its key exists exactly when its event does).
/// Returns the commits found.
pub fn verify_killed(path: &Path, acked: u64, tally: &mut Tally) -> u64 {
    let store = match NativeStore::open_with(path, kill_options()) {
        Ok(s) => s,
        Err(e) => {
            tally.fail(Failure::Lost, format!("reopen after a kill failed: {e}"));
            return acked;
        }
    };
    store.check_invariants().unwrap();
    let count = store.event_count("n", "e").unwrap();
    tally.acked_checked += acked;
    if count < acked {
        tally.fail(
            Failure::Lost,
            format!("acknowledged {acked} commits, found {count}"),
        );
    }
    let seqs: Vec<u64> = store
        .events_since("n", "e", 0)
        .unwrap()
        .map(|e| e.unwrap().seq)
        .collect();
    let keys = store.list_keys("n").unwrap();
    let whole = seqs == (1..=count).collect::<Vec<_>>()
        && keys.len() as u64 == count
        && [1, count / 2 + 1, count]
            .into_iter()
            .filter(|&i| i >= 1 && i <= count)
            .all(|i| store.get("n", &format!("k{i}")).unwrap() == Some(vec![(i % 251) as u8; 100]));
    if !whole {
        tally.fail(
            Failure::Partial,
            format!("{count} events but {} keys or a gap in seqs", keys.len()),
        );
    }
    count
}

/// One SIGKILL round: start `child` (which must run [`child_writer`] on `path`), kill it
/// after `delay`, and verify the file. `acked_before` is what earlier rounds left; returns
/// the commits now in the file.
pub fn kill_round(
    mut child: Command,
    path: &Path,
    delay: Duration,
    acked_before: u64,
    tally: &mut Tally,
) -> u64 {
    let mut child = child
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut last = 0u64;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("ACK ").and_then(|n| n.parse().ok()) {
                last = n;
            }
        }
        last
    });
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    tally.kills += 1;
    let acked = reader.join().unwrap().max(acked_before);
    verify_killed(path, acked, tally)
}
