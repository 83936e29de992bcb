//! Real-process crash test: a writer child process is killed with SIGKILL at random
//! moments; after each kill every commit the child acknowledged must be in the file, and
//! every commit must be whole (its state key and its event together).
//!
//! 100 kills by default; `CRDT_SIGKILL_ROUNDS=10000 cargo test -p crdt-store --test sigkill`
//! runs more (or `cargo run -p crdt-store --release --example crash_campaign -- --kills N`).
//! The child is this test binary re-run with `CRDT_SIGKILL_CHILD` set. The loop lives in
//! `common/campaign.rs`, shared with the campaign.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::campaign::{child_writer, kill_round, Rng, Tally};

const CHILD_ENV: &str = "CRDT_SIGKILL_CHILD";

/// In child mode: append commits forever, printing `ACK i` after each one returns.
#[test]
fn child_writer_mode() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child_writer(&path);
    }
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
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut total = 0u64;
    for round in 0..rounds {
        let mut child = Command::new(&exe);
        child
            .args([
                "child_writer_mode",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path);
        // Kill at a random moment: sometimes during startup/recovery, mostly mid-writes.
        let delay = Duration::from_micros(rng.below(40_000));
        total = kill_round(child, &path, delay, total, &mut tally);
        assert!(
            started.elapsed() < Duration::from_secs(60 + rounds / 10),
            "too slow at round {round}"
        );
    }
    assert!(tally.clean(), "{}\n{:#?}", tally.report(), tally.failures);
    assert!(total > 0, "the child never committed anything");
    eprintln!("{}\n{total} commits survived", tally.report());
}
