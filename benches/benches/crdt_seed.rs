//! The seed's benchmark table, under the seed's criterion names (one group per row, the
//! function id `crdt-kit`), with throughput in elements. Compare with the "here" column of
//! `shared/data/seed-bench.md`.

use crdt_benches::crdt::seed;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn seed_table(c: &mut Criterion) {
    for mut row in seed::rows() {
        let mut group = c.benchmark_group(row.name);
        group.throughput(Throughput::Elements(row.elements));
        group.bench_function("crdt-kit", |b| b.iter(|| (row.run)()));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = seed_table
}
criterion_main!(benches);
