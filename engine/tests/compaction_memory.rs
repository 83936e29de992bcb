//! Compaction streams its output: the peak heap memory of compacting many megabytes of
//! runs stays bounded (a block, the index, the filter's bits, the bounded block cache),
//! instead of growing with the runs merged. A counting global allocator measures it.
//! `CRDT_COMPACTION_MIB=256` merges more (default 64 MiB of runs).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;
use common::noise;

use crdt_store::{Durability, EventStore, NativeStore, Options, StateStore, WriteBatch};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const MIB: usize = 1024 * 1024;

#[test]
fn compaction_memory_stays_bounded() {
    let mib: usize = std::env::var("CRDT_COMPACTION_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.crdt");
    let opts = Options {
        durability: Durability::None,
        memtable_bytes: 8 * MIB,
        block_cache_bytes: MIB,
        max_runs: 1000,
        auto_compaction: false,
        background_compaction: false,
        ..Options::default()
    };
    let s = NativeStore::open_with(&path, opts).unwrap();
    const VALUE: usize = 2048;
    let per_run = 8 * MIB / VALUE;
    let runs = mib.div_ceil(8);
    for r in 0..runs {
        for chunk in 0..per_run / 256 {
            let mut b = WriteBatch::new();
            for i in 0..256 {
                // Each run overwrites half of the previous one's keys and adds new ones.
                let key = (r * per_run / 2 + chunk * 256 + i) as u64;
                b.put(
                    "big",
                    &format!("{key:010}"),
                    &noise(key ^ (r as u64) << 40, VALUE),
                );
            }
            s.commit(&b).unwrap();
        }
        s.flush().unwrap();
    }
    let before = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(before >= mib * MIB, "{before} bytes of runs");
    assert!(s.stats().runs >= runs, "{:?}", s.stats());

    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    s.compact().unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(s.stats().runs, 1);
    let keys = (runs - 1) * per_run / 2 + per_run;
    assert_eq!(s.list_keys("big").unwrap().len(), keys);
    eprintln!(
        "compacted {} MiB of runs ({keys} live keys) with a peak of {:.2} MiB of heap; file {} -> {} MiB",
        before / MIB,
        peak as f64 / MIB as f64,
        before / MIB,
        std::fs::metadata(&path).unwrap().len() as usize / MIB
    );
    // Block cache (1 MiB) + one 1 MiB copy buffer + blocks, index and filter of the
    // output; independent of the size of the runs.
    assert!(
        peak < 6 * MIB,
        "peak {peak} bytes while compacting {before} bytes"
    );
}
