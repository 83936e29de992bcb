//! File-size probe: the `file_size` workload of `benches/` on `NativeStore` alone (24-byte
//! keys, 150-byte random values, bulk load in commits of 50,000, remove the first half in
//! commits of 10,000, `compact()`), printing the file's pages by what they hold.
//!
//! ```text
//! cargo run -p crdt-store --release --example size_probe -- [ITEMS]
//! ```

use crdt_store::{Durability, EventStore, NativeStore, Options, WriteBatch};

#[path = "probe/mod.rs"]
mod probe;
use probe::Rng;

fn main() {
    let items: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let mut rng = Rng::seeded();
    let keys = rng.keys(items);
    let dir = tempfile::tempdir().expect("temp dir");
    // `SIZE_PROBE_KEEP=FILE` keeps the database for `crdt status FILE`.
    let path = std::env::var_os("SIZE_PROBE_KEEP")
        .map_or_else(|| dir.path().join("size.crdt"), std::path::PathBuf::from);
    let _ = std::fs::remove_file(&path);
    let opts = Options {
        durability: Durability::GroupCommit,
        ..Options::default()
    };
    let store = NativeStore::open_with(&path, opts).expect("open");
    for chunk in keys.chunks(50_000) {
        let mut b = WriteBatch::new();
        for k in chunk {
            let v = rng.value();
            b.put("bench", k, &v);
        }
        store.commit(&b).expect("commit");
    }
    for chunk in keys[..items / 2].chunks(10_000) {
        let mut b = WriteBatch::new();
        for k in chunk {
            b.delete("bench", k);
        }
        store.commit(&b).expect("commit");
    }
    let len = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    println!("before compact: {} bytes, {:?}", len(&path), store.stats());
    store.compact().expect("compact");
    println!("after compact:  {} bytes, {:?}", len(&path), store.stats());
    let live = (items - items / 2) as u64;
    println!(
        "live: {live} items, {} bytes of keys + values; file bytes per live item: {:.1}",
        live * (24 + 150),
        len(&path) as f64 / live as f64
    );
}
