//! Correctness while fast: crdt-kit reproduces the traces exactly.

use crdt_benches::crdt::kit::{self, Kit};
use crdt_benches::crdt::{apply_checked, seed, TextEngine};
use crdt_benches::traces;

/// The smallest sequential trace, applied with `splice`, equals `endContent`; so do the
/// decoded bytes of the final document.
#[test]
fn smallest_sequential_trace_equals_end_content() {
    let (seq, _) = traces::list().expect("traces folder");
    let name = seq.first().expect("a sequential trace");
    let trace = traces::load_seq(name).expect("trace loads");
    let mut doc = apply_checked::<Kit>(&trace).expect("equals endContent");
    doc.check_invariants().expect("invariants hold");
    let bytes = Kit::encode(&mut doc).expect("encodes");
    let back = Kit::decode(&bytes).expect("decodes");
    assert_eq!(back, doc);
    assert_eq!(back.to_string(), trace.end_content);
}

/// Every concurrent trace converges on every replica (equal states, no pending ops) to
/// `endContent`.
#[test]
fn concurrent_traces_converge_to_end_content() {
    let (_, conc) = traces::list().expect("traces folder");
    assert!(!conc.is_empty(), "no concurrent trace found");
    for name in conc {
        let trace = traces::load_conc(&name).expect("trace loads");
        let replicas = kit::replay_checked(&trace).expect("converges to endContent");
        assert_eq!(replicas.len(), trace.num_agents);
        for r in &replicas {
            r.check_invariants().expect("invariants hold");
        }
    }
}

/// Each row of the seed's table runs and produces what the seed's bench expects.
#[test]
fn seed_rows_compute_the_expected_values() {
    let expected = [
        1000, 1000, 10000, 0, 1000, 750, 1500, 8, 1000, 500, 1000, 1000, 1000, 600, 600,
    ];
    let rows = seed::rows();
    assert_eq!(rows.len(), expected.len());
    for (mut row, want) in rows.into_iter().zip(expected) {
        assert_eq!((row.run)(), want, "{}", row.name);
    }
}

/// Random `Rga` edits are seeded: the same seed gives the same list.
#[test]
fn rga_random_is_deterministic() {
    let a = kit::rga_random(2000, 7).expect("valid edits");
    let b = kit::rga_random(2000, 7).expect("valid edits");
    assert_eq!(a.to_vec(), b.to_vec());
    assert!(!a.is_empty());
    a.check_invariants().expect("invariants hold");
}
