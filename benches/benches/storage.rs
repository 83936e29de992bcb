//! Criterion benches of the storage backends (issue 5): every workload of
//! `src/storage_workloads.rs` on NativeStore, SqliteStore (WAL+FULL, WAL+NORMAL), RedbStore
//! (Immediate, None) and MemoryStore. One iteration = one timed workload on a fresh store.
//! `CRDT_BENCH_SCALE=full` uses the sizes (slow); the default is the small scale.
//! For a table of medians and ratios run `cargo run -p crdt-benches --release --bin
//! storage-compare`.

#[path = "../src/storage_workloads.rs"]
mod workloads;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use workloads::{Backend, Data, Scale, Workload};

fn scale() -> Scale {
    match std::env::var("CRDT_BENCH_SCALE").as_deref() {
        Ok("full") => Scale::FULL,
        _ => Scale::SMALL,
    }
}

fn storage(c: &mut Criterion) {
    let sc = scale();
    let data = Data::new(sc.items);
    for w in Workload::ALL {
        let mut g = c.benchmark_group(format!("storage/{}", w.name()));
        // Each iteration is a whole workload (milliseconds to seconds): flat sampling.
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_secs(2))
            .throughput(Throughput::Elements(w.ops(&sc) as u64));
        for backend in Backend::ALL {
            g.bench_function(backend.name(), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| w.run(backend, &sc, &data)).sum())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, storage);
criterion_main!(benches);
