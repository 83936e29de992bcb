//! Real-process crash test: a writer child process is killed with SIGKILL at random
//! moments; after each kill every commit the child acknowledged must be in the file, and
//! every commit must be whole (its state key and its event together).
//!
//! 100 kills by default; `CRDT_SIGKILL_ROUNDS=10000 cargo test -p crdt-store --test sigkill`
//! runs more. The child is this test binary re-run with `CRDT_SIGKILL_CHILD` set.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crdt_store::{EventStore, NativeStore, Options, StateStore, WriteBatch};

const CHILD_ENV: &str = "CRDT_SIGKILL_CHILD";

fn options() -> Options {
    Options {
        memtable_bytes: 8 * 1024,
        log_pages: 4,
        max_runs: 4,
        ..Options::default()
    }
}

/// In child mode: append commits forever, printing `ACK i` after each one returns.
#[test]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not a child: nothing to do.
    };
    let store = NativeStore::open_with(&path, options()).unwrap();
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

fn verify(path: &std::path::Path, acked: u64) -> u64 {
    let store = NativeStore::open_with(path, options()).unwrap();
    store.check_invariants().unwrap();
    let count = store.event_count("n", "e").unwrap();
    assert!(
        count >= acked,
        "acknowledged {acked} commits, found {count}"
    );
    let seqs: Vec<u64> = store
        .events_since("n", "e", 0)
        .unwrap()
        .map(|e| e.unwrap().seq)
        .collect();
    assert_eq!(seqs, (1..=count).collect::<Vec<_>>());
    // Every commit is whole: the state key written with each event is there, and no key
    // exists without its event.
    let keys = store.list_keys("n").unwrap();
    assert_eq!(keys.len() as u64, count);
    for i in [1, count / 2 + 1, count]
        .into_iter()
        .filter(|&i| i >= 1 && i <= count)
    {
        assert_eq!(
            store.get("n", &format!("k{i}")).unwrap(),
            Some(vec![(i % 251) as u8; 100])
        );
    }
    count
}

#[test]
fn sigkill_never_loses_an_acknowledged_commit() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let rounds: u64 = std::env::var("CRDT_SIGKILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.crdt");
    let exe = std::env::current_exe().unwrap();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let started = Instant::now();
    let mut total_acked = 0u64;
    for round in 0..rounds {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(&exe)
            .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
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
        // Kill at a random moment: sometimes during startup/recovery, mostly mid-writes.
        std::thread::sleep(Duration::from_micros(rng % 40_000));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let acked = reader.join().unwrap().max(total_acked);
        let count = verify(&path, acked);
        total_acked = count;
        assert!(
            started.elapsed() < Duration::from_secs(60 + rounds / 10),
            "too slow at round {round}"
        );
    }
    assert!(total_acked > 0, "the child never committed anything");
    eprintln!("{rounds} kills, {total_acked} commits survived");
}
