//! Text CRDTs on the real editing traces (Joseph Gentle's editing-traces, CC BY 4.0):
//! crdt-kit's `TextCrdt` and the peers through their public APIs, in one run.
//!
//! - `<trace>/apply`: every patch applied to a new document (throughput: chars inserted +
//!   deleted); the result is checked against `endContent` once before timing;
//! - `<trace>/encode`, `<trace>/decode`: the final document's bytes (`TextCrdt::encode` for crdt-kit,
//!   each peer's own format);
//! - retained memory after apply is printed (counting global allocator of this binary);
//! - `<concurrent trace>/replay`: forks and merges, checked against `endContent`;
//! - `Rga<u32> random edits/n`: n = 10^3, 10^4, 10^5 random inserts and removes.
//!
//! automerge and yrs take seconds per run (yrs with one transaction for a whole trace takes
//! minutes on automerge-paper): they run only with `CRDT_BENCH_SLOW_PEERS=1` (yrs with one
//! transaction only on traces up to 50k patches); `crdt-compare` measures them by default.

use std::hint::black_box;
use std::time::Duration;

use crdt_benches::crdt::kit::{self, Kit};
use crdt_benches::crdt::peers::{self, Automerge, DiamondTypes, Loro, YrsOneTxn, YrsPerEdit};
use crdt_benches::crdt::{apply_checked, TextEngine};
use crdt_benches::mem;
use crdt_benches::traces::{self, SeqTrace};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

#[global_allocator]
static ALLOC: mem::Counting = mem::Counting;

fn must<T>(r: Result<T, String>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Checks the engine once, prints its retained and encoded bytes, then benches apply.
fn apply<E: TextEngine>(g: &mut BenchmarkGroup<'_, WallTime>, trace: &SeqTrace) -> Vec<u8> {
    let (doc, retained) = mem::retained(|| apply_checked::<E>(trace));
    let mut doc = must(doc);
    let bytes = must(E::encode(&mut doc));
    println!(
        "{}/{}: retained {} bytes after apply, encoded {} bytes",
        trace.name,
        E::NAME,
        retained.map_or("?".into(), |b| b.to_string()),
        bytes.len()
    );
    g.bench_function(E::NAME, |b| {
        b.iter_with_large_drop(|| must(E::apply(black_box(trace))))
    });
    bytes
}

fn codec<E: TextEngine>(c: &mut Criterion, trace: &SeqTrace, bytes: &[u8]) {
    let mut doc = must(E::decode(bytes));
    let mut g = c.benchmark_group(format!("{}/encode", trace.name));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(E::NAME, |b| b.iter(|| must(E::encode(&mut doc))));
    g.finish();
    let mut g = c.benchmark_group(format!("{}/decode", trace.name));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(E::NAME, |b| {
        b.iter_with_large_drop(|| must(E::decode(black_box(bytes))))
    });
    g.finish();
}

fn sequential(c: &mut Criterion) {
    let slow = std::env::var_os("CRDT_BENCH_SLOW_PEERS").is_some();
    let (seq, _) = traces::list().expect("traces folder");
    for name in seq {
        let trace = traces::load_seq(&name).expect("trace loads");
        let mut g = c.benchmark_group(format!("{name}/apply"));
        g.throughput(Throughput::Elements(trace.edit_count()));
        g.sample_size(10).measurement_time(Duration::from_secs(3));
        let kit_bytes = apply::<Kit>(&mut g, &trace);
        let dt_bytes = apply::<DiamondTypes>(&mut g, &trace);
        let loro_bytes = apply::<Loro>(&mut g, &trace);
        if slow {
            apply::<YrsPerEdit>(&mut g, &trace);
            apply::<Automerge>(&mut g, &trace);
            if trace.patches.len() <= 50_000 {
                apply::<YrsOneTxn>(&mut g, &trace);
            }
        }
        g.finish();
        codec::<Kit>(c, &trace, &kit_bytes);
        codec::<DiamondTypes>(c, &trace, &dt_bytes);
        codec::<Loro>(c, &trace, &loro_bytes);
    }
}

fn concurrent(c: &mut Criterion) {
    let (_, conc) = traces::list().expect("traces folder");
    for name in conc {
        let trace = traces::load_conc(&name).expect("trace loads");
        must(kit::replay_checked(&trace));
        must(peers::diamond_concurrent(&trace));
        let mut g = c.benchmark_group(format!("{name}/replay"));
        let patches: usize = trace.txns.iter().map(|t| t.patches.len()).sum();
        g.throughput(Throughput::Elements(patches as u64));
        g.sample_size(10).measurement_time(Duration::from_secs(3));
        g.bench_function("crdt-kit", |b| {
            b.iter(|| must(kit::replay_concurrent(&trace)))
        });
        g.bench_function("diamond-types", |b| {
            b.iter(|| must(peers::diamond_concurrent(&trace)))
        });
        g.finish();
    }
}

fn rga_random(c: &mut Criterion) {
    let mut g = c.benchmark_group("Rga<u32> random edits");
    g.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(n.to_string(), |b| {
            b.iter(|| must(kit::rga_random(n, 42)).len())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = sequential, concurrent, rga_random
}
criterion_main!(benches);
