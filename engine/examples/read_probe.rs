//! Point-read probe for profiling the read path of `NativeStore` alone (the shape of the
//! `random_reads` workload of `benches/`: 24-byte keys, 150-byte random values, bulk load in
//! commits of 50,000, then random reads of present keys).
//!
//! ```text
//! cargo run -p crdt-store --release --example read_probe -- [ITEMS] [READS] [settle|now]
//! valgrind --tool=callgrind target/release/examples/read_probe 200000 200000 settle
//! ```
//!
//! `settle` runs `compact()` before timing (no background merge competes with the reads);
//! `now` (the default) reads right after the load, as the benchmark does. Prints the wall
//! and process CPU time per read (CPU from `/proc/self/stat` where there is one).

use std::time::Instant;

use crdt_store::{Durability, EventStore, NativeStore, Options, StateStore, WriteBatch};

#[path = "probe/mod.rs"]
mod probe;
use probe::Rng;

/// Process CPU time in seconds (user + system), where `/proc/self/stat` exists.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let items: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let reads: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(items);
    let settle = args.get(2).is_some_and(|a| a == "settle");
    let mut rng = Rng::seeded();
    let keys = rng.keys(items);
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = Options {
        durability: Durability::GroupCommit,
        ..Options::default()
    };
    let store = NativeStore::open_with(dir.path().join("probe.crdt"), opts).expect("open");
    let t = Instant::now();
    for chunk in keys.chunks(50_000) {
        let mut b = WriteBatch::new();
        for k in chunk {
            let v = rng.value();
            b.put("bench", k, &v);
        }
        store.commit(&b).expect("commit");
    }
    eprintln!("load: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    if settle {
        store.compact().expect("compact");
    }
    eprintln!("runs: {}", store.stats().runs);
    let picks: Vec<usize> = (0..reads)
        .map(|_| (rng.next_u64() % items as u64) as usize)
        .collect();
    // The floor: what the loop costs without the store (the key's string and a value-sized
    // allocation, as every read returns one).
    let t = Instant::now();
    let mut sum = 0usize;
    for &i in &picks {
        let v = std::hint::black_box(keys[i].as_bytes().to_vec());
        sum += std::hint::black_box(vec![0u8; 150]).len() + v.len();
    }
    eprintln!(
        "floor (key string + value-sized allocation): {:.0} ns/read ({sum})",
        t.elapsed().as_secs_f64() * 1e9 / reads as f64
    );
    let cpu = cpu_seconds();
    let t = Instant::now();
    let mut found = 0usize;
    for &i in &picks {
        found += usize::from(store.get("bench", &keys[i]).expect("get").is_some());
    }
    let wall = t.elapsed().as_secs_f64();
    assert_eq!(found, reads);
    let cpu = cpu.zip(cpu_seconds()).map(|(a, b)| b - a);
    println!(
        "{reads} reads of {items} items: wall {:.0} ns/read, cpu {}",
        wall * 1e9 / reads as f64,
        cpu.map_or("n/a".to_string(), |c| format!(
            "{:.0} ns/read",
            c * 1e9 / reads as f64
        )),
    );
}
