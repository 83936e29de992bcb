//! Group-commit probe: the shape of the `appends_8_threads` workload of `benches/` alone
//! (THREADS writers, each `append_event`ing to its own entity and waiting for durability,
//! `Durability::GroupCommit`, a new database in the current directory's temp space).
//!
//! ```text
//! cargo build -p crdt-store --release --example group_commit_probe
//! perf stat -e syscalls:sys_enter_fdatasync,context-switches,task-clock \
//!     target/release/examples/group_commit_probe [RUNS] [THREADS] [APPENDS]
//! ```
//!
//! Prints the wall time of each run; `perf stat` counts the syncs (commits per sync =
//! RUNS x APPENDS / fdatasync calls, less a few for each open and close), the context
//! switches and the CPU time. Defaults: 5 runs, 8 threads, 2,000 appends in all.

use std::time::Instant;

use crdt_store::{Durability, EventStore, NativeStore, Options};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("arguments: [RUNS] [THREADS] [APPENDS]"))
        .collect();
    let runs = args.first().copied().unwrap_or(5);
    let threads = args.get(1).copied().unwrap_or(8).max(1);
    let appends = args.get(2).copied().unwrap_or(2000);
    let value = vec![7u8; 150];
    for _ in 0..runs {
        let dir = tempfile::tempdir_in(".").expect("temporary directory");
        let opts = Options {
            durability: Durability::GroupCommit,
            ..Options::default()
        };
        let store = NativeStore::open_with(dir.path().join("probe.crdt"), opts).expect("open");
        let start = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (store, value) = (&store, &value);
                scope.spawn(move || {
                    let entity = format!("entity-{t}");
                    for _ in 0..appends / threads {
                        store
                            .append_event("ns", &entity, value, 0, "node")
                            .expect("append");
                    }
                });
            }
        });
        println!(
            "{threads} threads x {} durable appends: {:.2} ms",
            appends / threads,
            start.elapsed().as_secs_f64() * 1e3
        );
        store.close().expect("close");
    }
}
