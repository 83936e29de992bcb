//! `NativeStore::refresh` on read-only handles: a viewer follows a writer that commits,
//! flushes and compacts, in this process and in a child process. Every state a refresh
//! shows must be a whole prefix of the writer's commits (each commit puts `KEYS` state
//! keys and appends one event), never going back.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crdt_store::{Durability, EventStore, NativeStore, Options, StateStore, WriteBatch};

const CHILD_ENV: &str = "CRDT_REFRESH_CHILD";
const KEYS: u64 = 5;
const CHILD_COMMITS: u64 = 400;

fn options(background: bool) -> Options {
    Options {
        memtable_bytes: 8 * 1024,
        log_pages: 4,
        max_runs: 2,
        durability: Durability::None,
        background_compaction: background,
        ..Options::default()
    }
}

fn commit(store: &NativeStore, i: u64) {
    let mut b = WriteBatch::new();
    for k in 0..KEYS {
        b.put("n", &format!("c{i:05}-{k}"), &[(i % 251) as u8; 120]);
    }
    b.append_event("n", "e", &i.to_le_bytes(), i, "writer");
    store.commit(&b).unwrap();
}

/// The number of whole commits the viewer sees; panics if what it sees is not a prefix.
fn commits_seen(viewer: &NativeStore) -> u64 {
    let events = viewer.event_count("n", "e").unwrap();
    let keys = viewer.list_keys("n").unwrap();
    assert_eq!(
        keys.len() as u64,
        events * KEYS,
        "a partial commit is visible"
    );
    let seqs: Vec<u64> = viewer
        .events_since("n", "e", 0)
        .unwrap()
        .map(|e| e.unwrap().seq)
        .collect();
    assert_eq!(seqs, (1..=events).collect::<Vec<_>>());
    events
}

#[test]
fn refresh_follows_a_writer_in_this_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.crdt");
    let writer = NativeStore::open_with(&path, options(true)).unwrap();
    commit(&writer, 1);
    let viewer = NativeStore::open_read_only(&path).unwrap();
    assert_eq!(commits_seen(&viewer), 1);
    assert!(!viewer.refresh().unwrap(), "nothing new");
    assert!(
        !writer.refresh().unwrap(),
        "a writable handle sees its own commits"
    );
    let done = Arc::new(AtomicU64::new(1));
    let follower = {
        let done = Arc::clone(&done);
        let viewer = viewer.clone();
        std::thread::spawn(move || {
            let mut last = 1;
            let mut refreshes = 0;
            loop {
                let finished = done.load(Ordering::Acquire) == u64::MAX;
                let before = done.load(Ordering::Acquire);
                let changed = viewer.refresh().unwrap();
                let seen = commits_seen(&viewer);
                assert!(seen >= last, "went back from {last} to {seen}");
                assert!(
                    before == u64::MAX || seen >= before,
                    "{seen} < {before} acknowledged"
                );
                assert!(changed || seen == last, "new commits but refresh said no");
                refreshes += u64::from(changed);
                last = seen;
                if finished {
                    return (last, refreshes);
                }
            }
        })
    };
    for i in 2..=300 {
        commit(&writer, i);
        done.store(i, Ordering::Release);
        if i % 100 == 0 {
            writer.compact().unwrap();
        }
    }
    done.store(u64::MAX, Ordering::Release);
    let (last, refreshes) = follower.join().unwrap();
    assert_eq!(last, 300);
    assert!(refreshes > 1, "{refreshes}");
    // The viewer is registered: the writer reused no page it may read.
    viewer.refresh().unwrap();
    assert_eq!(commits_seen(&viewer), 300);
}

/// In child mode: commit `CHILD_COMMITS` times, printing `ACK i` after each, then exit.
#[test]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not a child: nothing to do.
    };
    let store = NativeStore::open_with(&path, options(true)).unwrap();
    let stdout = std::io::stdout();
    writeln!(stdout.lock(), "READY").unwrap();
    for i in 1..=CHILD_COMMITS {
        commit(&store, i);
        let mut out = stdout.lock();
        writeln!(out, "ACK {i}").unwrap();
        out.flush().unwrap();
    }
    store.close().unwrap();
    writeln!(stdout.lock(), "DONE").unwrap();
}

#[test]
fn refresh_follows_a_writer_in_a_child_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("child.crdt");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until the child has created the file.
    for line in lines.by_ref() {
        if line.unwrap().contains("READY") {
            break;
        }
    }
    let viewer = NativeStore::open_read_only(&path).unwrap();
    let acked = Arc::new(AtomicU64::new(0));
    let reader = {
        let acked = Arc::clone(&acked);
        std::thread::spawn(move || {
            for line in lines {
                let line = line.unwrap();
                if let Some(n) = line.split_whitespace().last().and_then(|n| n.parse().ok()) {
                    acked.store(n, Ordering::Release);
                }
            }
        })
    };
    let mut last = 0;
    let mut steps = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while last < CHILD_COMMITS {
        assert!(
            std::time::Instant::now() < deadline,
            "stuck at {last} commits"
        );
        let before = acked.load(Ordering::Acquire);
        viewer.refresh().unwrap();
        let seen = commits_seen(&viewer);
        assert!(
            seen >= last && seen >= before,
            "{seen}: last {last}, acked {before}"
        );
        steps += u64::from(seen != last);
        last = seen;
        std::thread::yield_now();
    }
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
    viewer.refresh().unwrap();
    assert_eq!(commits_seen(&viewer), CHILD_COMMITS);
    assert!(steps > 1, "the viewer followed the writer in {steps} steps");
}
