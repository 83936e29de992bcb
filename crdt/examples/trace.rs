//! Replays a real sequential editing trace (see `shared/data/traces/README.md`) into a
//! `TextCrdt` with `splice`, checks the result against `endContent`, and prints the time,
//! the heap retained by the document, the peak heap while applying, and the encoded size.
//!
//! ```text
//! cargo run --release -p crdt-kit --features serde --example trace -- path/to/automerge-paper.json.gz
//! ```
//! Trace data: the `editing-traces` collection by Joseph Gentle, CC BY 4.0.

use crdt_kit::{Crdt, TextCrdt};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Counts live and peak heap bytes (the example's only unsafe code: forwarding to the
/// system allocator, as `GlobalAlloc` requires).
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

type Patch = (usize, usize, String);

fn read_json(path: &str) -> serde_json::Value {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut json = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut json)
        .expect("gzip");
    serde_json::from_str(&json).expect("json")
}

fn patches_of(txn: &serde_json::Value) -> Vec<Patch> {
    let mut patches = Vec::new();
    for p in txn["patches"].as_array().expect("patches") {
        let pos = p[0].as_u64().expect("pos") as usize;
        let del = p[1].as_u64().expect("delete count") as usize;
        let ins = p[2].as_str().expect("insert").to_string();
        patches.push((pos, del, ins));
    }
    patches
}

/// Replays a concurrent trace: each transaction starts from its parents' states merged,
/// made by its agent's replica; at the end every branch is merged.
fn concurrent(v: &serde_json::Value) {
    let txns = v["txns"].as_array().expect("txns");
    let start = Instant::now();
    let mut docs: Vec<Option<TextCrdt>> = Vec::with_capacity(txns.len());
    let mut uses: Vec<u64> = txns
        .iter()
        .map(|t| t["numChildren"].as_u64().expect("numChildren"))
        .collect();
    let mut finals = Vec::new();
    for (i, txn) in txns.iter().enumerate() {
        let agent = format!("agent{}", txn["agent"].as_u64().expect("agent"));
        let parents: Vec<usize> = txn["parents"]
            .as_array()
            .expect("parents")
            .iter()
            .map(|p| p.as_u64().expect("parent") as usize)
            .collect();
        let mut doc = match parents.first() {
            None => TextCrdt::new(agent.as_str()),
            Some(&p) => {
                uses[p] -= 1;
                if uses[p] == 0 {
                    docs[p].take().expect("parent state")
                } else {
                    docs[p].clone().expect("parent state")
                }
            }
        };
        for &p in parents.iter().skip(1) {
            doc.merge(docs[p].as_ref().expect("parent state"));
            uses[p] -= 1;
            if uses[p] == 0 {
                docs[p] = None;
            }
        }
        if doc.actor().as_str() != agent {
            doc = doc.fork(agent.as_str());
        }
        for (pos, del, ins) in patches_of(txn) {
            if let Err(e) = doc.splice(pos, del, &ins) {
                panic!("txn {i} (parents {parents:?}, {agent}): {e}");
            }
        }
        if uses[i] == 0 {
            finals.push(doc);
            docs.push(None);
        } else {
            docs.push(Some(doc));
        }
    }
    let mut all = finals.pop().expect("a final state");
    for d in &finals {
        all.merge(d);
    }
    all.check_invariants().expect("invariants");
    let ok = all.to_string() == v["endContent"].as_str().expect("endContent");
    println!(
        "concurrent trace: {} txns replayed in {:.1} ms; {} chars; equals endContent: {ok}",
        txns.len(),
        start.elapsed().as_secs_f64() * 1e3,
        all.len()
    );
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        let candidates = ["../shared", "../../shared", "/work/shared"]
            .map(|d| format!("{d}/data/traces/automerge-paper.json.gz"));
        candidates
            .iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or(&candidates[0])
            .clone()
    });
    let v = read_json(&path);
    if v["kind"].as_str() == Some("concurrent") {
        concurrent(&v);
        return;
    }
    let txns = v["txns"].as_array().expect("txns");
    let patches: Vec<Patch> = txns.iter().flat_map(patches_of).collect();
    let end = v["endContent"].as_str().expect("endContent").to_string();
    let rounds: usize = std::env::var("TRACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    for round in 0..rounds {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let mut doc = TextCrdt::new("author");
        for (pos, del, ins) in &patches {
            doc.splice(*pos, *del, ins).expect("patch in range");
        }
        let took = start.elapsed();
        let retained = LIVE.load(Ordering::Relaxed) - base;
        let peak = PEAK.load(Ordering::Relaxed) - base;
        assert_eq!(doc.to_string(), end, "final content differs");
        let (est, runs) = doc.memory_stats();
        println!(
            "round {round}: {} patches in {:.1} ms; retained {:.2} MB (estimate {:.2} MB), peak {:.2} MB, {runs} runs, {} chars",
            patches.len(),
            took.as_secs_f64() * 1e3,
            retained as f64 / 1e6,
            est as f64 / 1e6,
            peak as f64 / 1e6,
            doc.len()
        );
        if round + 1 == rounds {
            doc.check_invariants().expect("invariants");
            let t = Instant::now();
            let bytes = doc.encode();
            let enc = t.elapsed();
            let t = Instant::now();
            let back = TextCrdt::decode(&bytes).expect("decode");
            println!(
                "TextCrdt::encode: {:.1} KB in {:.1} ms, decoded in {:.1} ms",
                bytes.len() as f64 / 1e3,
                enc.as_secs_f64() * 1e3,
                t.elapsed().as_secs_f64() * 1e3
            );
            assert_eq!(back, doc);
            #[cfg(feature = "serde")]
            println!(
                "serde (postcard): {:.1} KB",
                postcard::to_allocvec(&doc).expect("encode").len() as f64 / 1e3
            );
        }
    }
}
