//! First benchmark of the storage backends: put, get and append_event on MemoryStore and
//! NativeStore (durability Immediate and None). Inputs are seeded; the full comparison
//! with SQLite and redb lives in its own crate (later issue).

use std::hint::black_box;

use crdt_store::{Durability, EventStore, MemoryStore, NativeStore, Options, StateStore};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const VALUE: [u8; 100] = [7u8; 100];

fn native(durability: Durability) -> (tempfile::TempDir, NativeStore) {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        durability,
        ..Options::default()
    };
    let store = NativeStore::open_with(dir.path().join("bench.crdt"), opts).unwrap();
    (dir, store)
}

fn keys(n: u64) -> Vec<String> {
    // Seeded pseudo-random order.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("key-{:016x}", x)
        })
        .collect()
}

fn bench_put(c: &mut Criterion) {
    let mut g = c.benchmark_group("put");
    g.throughput(Throughput::Elements(1));
    let ks = keys(100_000);
    let mem = MemoryStore::new();
    let mut i = 0usize;
    g.bench_function("memory", |b| {
        b.iter(|| {
            i = (i + 1) % ks.len();
            mem.put("bench", &ks[i], &VALUE).unwrap()
        })
    });
    for (name, d) in [
        ("native_none", Durability::None),
        ("native_immediate", Durability::Immediate),
    ] {
        let (_dir, store) = native(d);
        let mut i = 0usize;
        g.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % ks.len();
                store.put("bench", &ks[i], &VALUE).unwrap()
            })
        });
    }
    g.finish();
}

fn bench_get(c: &mut Criterion) {
    let mut g = c.benchmark_group("get");
    g.throughput(Throughput::Elements(1));
    let ks = keys(20_000);
    let mem = MemoryStore::new();
    let (_dir, store) = native(Durability::None);
    for k in &ks {
        mem.put("bench", k, &VALUE).unwrap();
        store.put("bench", k, &VALUE).unwrap();
    }
    store.flush().unwrap();
    let mut i = 0usize;
    g.bench_function("memory_hit", |b| {
        b.iter(|| {
            i = (i + 7) % ks.len();
            black_box(mem.get("bench", &ks[i]).unwrap())
        })
    });
    g.bench_function("native_hit_from_runs", |b| {
        b.iter(|| {
            i = (i + 7) % ks.len();
            black_box(store.get("bench", &ks[i]).unwrap())
        })
    });
    g.bench_function("native_miss", |b| {
        b.iter(|| black_box(store.get("bench", "absent-key").unwrap()))
    });
    g.finish();
}

fn bench_append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append_event");
    g.throughput(Throughput::Elements(1));
    let mem = MemoryStore::new();
    g.bench_function("memory", |b| {
        b.iter(|| mem.append_event("bench", "e", &VALUE, 1, "node").unwrap())
    });
    for (name, d) in [
        ("native_none", Durability::None),
        ("native_immediate", Durability::Immediate),
    ] {
        let (_dir, store) = native(d);
        g.bench_function(name, |b| {
            b.iter(|| store.append_event("bench", "e", &VALUE, 1, "node").unwrap())
        });
    }
    g.bench_function("native_open_and_replay_empty", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| NativeStore::open(dir.path().join("x.crdt")).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench_put, bench_get, bench_append
}
criterion_main!(benches);
