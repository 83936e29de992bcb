//! Encoding of `TextCrdt`, `Rga<u32>` and their deltas: round trips, and hostile bytes
//! (random and mutated valid encodings) that must decode to an error or a valid state.
#![cfg(feature = "serde")]
mod common;

use common::{decode, encode};
use crdt_kit::prelude::*;
use crdt_kit::{RgaDelta, TextDelta};
use proptest::prelude::*;

fn sample_text(words: &[(usize, String)], deletes: &[(usize, usize)]) -> (TextCrdt, TextCrdt) {
    let mut a = TextCrdt::new("alice");
    a.insert_str(0, "shared ").unwrap();
    let mut b = a.fork("bob");
    for (i, (at, w)) in words.iter().enumerate() {
        let t = if i % 2 == 0 { &mut a } else { &mut b };
        t.insert_str(at % (t.len() + 1), w).unwrap();
    }
    for (i, (at, n)) in deletes.iter().enumerate() {
        let t = if i % 2 == 0 { &mut a } else { &mut b };
        if !t.is_empty() {
            let at = at % t.len();
            t.remove_range(at, (*n).min(t.len() - at)).unwrap();
        }
    }
    a.merge(&b);
    (a, b)
}

fn check_text_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(t) = decode::<TextCrdt>(bytes) {
        t.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let _ = t.to_string();
    }
    if let Ok(d) = decode::<TextDelta>(bytes) {
        let mut t = TextCrdt::new("x");
        t.apply_delta(&d);
        t.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut u = TextCrdt::new("y");
        u.insert_str(0, "abc").unwrap();
        u.apply_delta(&d);
        u.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    Ok(())
}

fn check_rga_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(r) = decode::<Rga<u32>>(bytes) {
        r.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let _ = r.to_vec();
    }
    if let Ok(d) = decode::<RgaDelta<u32>>(bytes) {
        let mut r = Rga::new("x");
        r.insert_at(0, 7).unwrap();
        r.apply_delta(&d);
        r.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    Ok(())
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, kind, v) in edits {
        if bytes.is_empty() {
            bytes.push(v);
            continue;
        }
        let at = at % bytes.len();
        match kind % 4 {
            0 => bytes[at] = v,
            1 => bytes[at] ^= 1 << (v % 8),
            2 => {
                bytes.truncate(at);
            }
            _ => bytes.insert(at, v),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn text_round_trips(words in prop::collection::vec((any::<usize>(), "[a-zé😀]{1,5}"), 0..8),
                        deletes in prop::collection::vec((any::<usize>(), 1usize..4), 0..4)) {
        let (a, b) = sample_text(&words, &deletes);
        let back: TextCrdt = decode(&encode(&a)).unwrap();
        prop_assert_eq!(&back, &a);
        prop_assert_eq!(back.to_string(), a.to_string());
        prop_assert_eq!(back.actor(), a.actor());
        back.check_invariants().unwrap();
        let d = a.delta(&b);
        let d2: TextDelta = decode(&encode(&d)).unwrap();
        prop_assert_eq!(&d2, &d);
        let s: VersionVector = decode(&encode(&a.summary())).unwrap();
        prop_assert_eq!(s, a.summary());
    }

    #[test]
    fn rga_round_trips(vals in prop::collection::vec((any::<usize>(), any::<u32>()), 0..20), dels in prop::collection::vec(any::<usize>(), 0..5)) {
        let mut r = Rga::new("r");
        for (at, v) in vals {
            r.insert_at(at % (r.len() + 1), v).unwrap();
        }
        for at in dels {
            if !r.is_empty() {
                r.remove(at % r.len()).unwrap();
            }
        }
        let back: Rga<u32> = decode(&encode(&r)).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_vec(), r.to_vec());
        let d = r.delta(&Rga::new("other"));
        let d2: RgaDelta<u32> = decode(&encode(&d)).unwrap();
        prop_assert_eq!(d2, d);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_text_bytes(&bytes)?;
        check_rga_bytes(&bytes)?;
    }

    #[test]
    fn mutated_text_encodings_never_panic(words in prop::collection::vec((any::<usize>(), "[a-cé]{1,4}"), 1..5),
                                          edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        let (a, b) = sample_text(&words, &[(1, 2)]);
        check_text_bytes(&mutate(encode(&a), &edits))?;
        check_text_bytes(&mutate(encode(&a.delta(&b)), &edits))?;
    }

    #[test]
    fn mutated_rga_encodings_never_panic(vals in prop::collection::vec(any::<u32>(), 1..10),
                                         edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        let mut r = Rga::new("r");
        r.insert_all(0, vals.clone()).unwrap();
        r.remove(0).unwrap();
        let mut s = r.fork("s");
        s.insert_at(s.len(), 99).unwrap();
        check_rga_bytes(&mutate(encode(&s), &edits))?;
        check_rga_bytes(&mutate(encode(&s.delta(&r)), &edits))?;
    }
}

#[test]
fn pending_ops_survive_encoding() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abc").unwrap();
    let first = a.delta_since(&VersionVector::new());
    let mut seen = VersionVector::new();
    seen.observe("a", 3);
    a.insert_str(3, "def").unwrap();
    let second = a.delta_since(&seen);
    let mut b = TextCrdt::new("b");
    b.apply_delta(&second);
    assert!(b.pending_len() > 0);
    let mut back: TextCrdt = decode(&encode(&b)).unwrap();
    assert_eq!(back.pending_len(), b.pending_len());
    back.check_invariants().unwrap();
    back.apply_delta(&first);
    assert_eq!(back.to_string(), "abcdef");
    assert_eq!(back.pending_len(), 0);
}

#[test]
fn a_state_whose_ops_do_not_integrate_is_rejected() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abc").unwrap();
    let mut b = a.fork("b");
    b.insert_str(1, "x").unwrap();
    // A state is (actor, integrated ops, pending ops); postcard encodes a struct like a
    // tuple. b's own op without a's ops references missing ids.
    let lacking = b.delta(&a);
    let none = TextCrdt::new("z").delta_since(&VersionVector::new());
    let bytes = encode(&("c", &lacking, &none));
    assert!(decode::<TextCrdt>(&bytes).is_err());
    // The complete set of ops decodes.
    let all = b.delta_since(&VersionVector::new());
    let back: TextCrdt = decode(&encode(&("c", &all, &none))).unwrap();
    assert_eq!(back, b);
    // The same ops as pending ops are fine: they wait.
    let back: TextCrdt = decode(&encode(&("c", &none, &lacking))).unwrap();
    assert!(back.pending_len() > 0);
    back.check_invariants().unwrap();
}

#[test]
fn encoding_stores_runs_not_chars() {
    let mut t = TextCrdt::new("a");
    let text = "x".repeat(10_000);
    for (i, c) in text.chars().enumerate() {
        t.insert(i, c).unwrap();
    }
    let bytes = encode(&t);
    assert!(bytes.len() < 10_100, "{} bytes", bytes.len());
}

/// Mirrors of the delta wire form, to build structurally valid but semantically hostile
/// deltas (origins that are delete ids or unknown, targets past the end, gaps, repeats).
#[derive(serde::Serialize, Clone, Debug)]
enum WireOp {
    Insert {
        actor: u32,
        start: u64,
        len: u64,
        left: Option<(u32, u64)>,
        right: Option<(u32, u64)>,
    },
    Delete {
        actor: u32,
        start: u64,
        len: u64,
        targets: Vec<(u32, u64, u64, bool)>,
    },
}

#[derive(serde::Serialize)]
struct WireDelta {
    actors: Vec<String>,
    ops: Vec<WireOp>,
    content: String,
}

/// A replica where "a" typed "hello" and "a" and "b" made `seed_ops` more edits each.
fn seeded_doc(seed_ops: usize) -> TextCrdt {
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hello").unwrap();
    let mut other = doc.fork("b");
    for k in 0..seed_ops {
        other.insert(k, 'z').unwrap();
        doc.remove(0).unwrap();
    }
    doc.merge(&other);
    doc
}

fn wire_op() -> impl Strategy<Value = WireOp> {
    let id = (0u32..3, 1u64..8);
    prop_oneof![
        (
            0u32..3,
            1u64..8,
            1u64..4,
            prop::option::of(id.clone()),
            prop::option::of(id.clone())
        )
            .prop_map(|(actor, start, len, left, right)| WireOp::Insert {
                actor,
                start,
                len,
                left,
                right
            }),
        (
            0u32..3,
            1u64..8,
            prop::collection::vec((0u32..3, 1u64..8, 1u64..3, any::<bool>()), 1..3)
        )
            .prop_map(|(actor, start, targets)| WireOp::Delete {
                actor,
                start,
                len: targets.iter().map(|t| t.2).sum(),
                targets,
            }),
    ]
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn hostile_but_well_formed_deltas_keep_invariants(ops in prop::collection::vec(wire_op(), 1..8), seed_ops in 0usize..4) {
        let inserted: u64 = ops.iter().map(|op| match op { WireOp::Insert { len, .. } => *len, _ => 0 }).sum();
        let content: String = (0..inserted).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let wire = WireDelta { actors: vec!["a".into(), "b".into(), "x".into()], ops, content };
        let delta: TextDelta = decode(&encode(&wire)).unwrap();
        let mut doc = seeded_doc(seed_ops);
        for target in [&mut doc, &mut TextCrdt::new("y")] {
            target.apply_delta(&delta);
            target.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
            target.apply_delta(&delta);
            target.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: TextCrdt = decode(&encode(&*target)).unwrap();
            prop_assert_eq!(&back, &*target);
            let _ = target.to_string();
        }
        let mut fresh = TextCrdt::new("q");
        fresh.merge(&doc);
        fresh.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
}

fn wire_text_delta(ops: Vec<WireOp>) -> TextDelta {
    let inserted: u64 = ops
        .iter()
        .map(|op| match op {
            WireOp::Insert { len, .. } => *len,
            _ => 0,
        })
        .sum();
    let content: String = "x".repeat(inserted as usize);
    let wire = WireDelta {
        actors: vec!["a".into(), "b".into()],
        ops,
        content,
    };
    decode(&encode(&wire)).unwrap()
}

#[test]
fn an_insert_whose_right_origin_precedes_its_left_origin_is_rejected() {
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hello").unwrap();
    // "b" claims to have typed between 'o' (a5) and 'h' (a1): impossible.
    let bad = wire_text_delta(vec![WireOp::Insert {
        actor: 1,
        start: 1,
        len: 1,
        left: Some((0, 5)),
        right: Some((0, 1)),
    }]);
    doc.apply_delta(&bad);
    assert_eq!(doc.to_string(), "hello");
    assert_eq!(doc.summary().get("b"), 0);
    doc.check_invariants().unwrap();
}

#[test]
fn an_op_that_depends_on_its_own_future_waits_forever_and_round_trips() {
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hi").unwrap();
    let bad = wire_text_delta(vec![WireOp::Insert {
        actor: 1,
        start: 1,
        len: 2,
        left: Some((1, 2)),
        right: None,
    }]);
    doc.apply_delta(&bad);
    assert_eq!(doc.pending_len(), 1);
    let back: TextCrdt = decode(&encode(&doc)).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.pending_len(), 1);
    back.check_invariants().unwrap();
}

/// A delta from `ops` over the named actors, its inserted text `content`.
fn named_delta(actors: &[&str], ops: Vec<WireOp>, content: &str) -> TextDelta {
    let wire = WireDelta {
        actors: actors.iter().map(|a| a.to_string()).collect(),
        ops,
        content: content.into(),
    };
    decode(&encode(&wire)).unwrap()
}

fn insert(actor: u32, left: Option<(u32, u64)>, right: Option<(u32, u64)>) -> WireOp {
    WireOp::Insert {
        actor,
        start: 1,
        len: 1,
        left,
        right,
    }
}

#[test]
fn an_insert_with_a_known_element_between_its_origins_is_rejected() {
    // The flaky case: x knows a3, hence a1 and a2, yet claims the document start as its
    // left origin, so 'h' and 'e' (a1, a2) lie between its origins.
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hello").unwrap();
    let ops = vec![insert(2, None, Some((0, 3))), insert(1, Some((0, 1)), None)];
    let delta = named_delta(&["a", "b", "x"], ops, "xb");
    doc.apply_delta(&delta);
    assert_eq!(doc.to_string(), "hellob");
    assert_eq!(doc.summary().get("x"), 0);
    doc.check_invariants().unwrap();
    let back: TextCrdt = decode(&encode(&doc)).unwrap();
    assert_eq!(back, doc);
    let back = TextCrdt::decode(&doc.encode()).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn an_insert_with_a_transitively_known_element_between_its_origins_is_rejected() {
    // c and d each typed after 'h' (a1), concurrently. x names c1 as its right origin
    // and the document start as its left one: a1, known to x through c1's left origin,
    // lies between. Accepted, x lands before or after d depending on the arrival order.
    let mut base = TextCrdt::new("a");
    base.insert_str(0, "h").unwrap();
    let c1 = named_delta(&["a", "c"], vec![insert(1, Some((0, 1)), None)], "c");
    let d1 = named_delta(&["a", "d"], vec![insert(1, Some((0, 1)), None)], "d");
    let x1 = named_delta(&["c", "x"], vec![insert(1, None, Some((0, 1)))], "X");
    let mut r1 = base.fork("r1");
    let mut r2 = base.fork("r2");
    for d in [&c1, &x1, &d1] {
        r1.apply_delta(d);
    }
    for d in [&c1, &d1, &x1] {
        r2.apply_delta(d);
    }
    assert_eq!(r1, r2);
    assert_eq!(r1.summary().get("x"), 0);
    // An honest x (left origin a1, right origin c1) is accepted.
    let honest = named_delta(
        &["a", "c", "x"],
        vec![insert(2, Some((0, 1)), Some((1, 1)))],
        "X",
    );
    r1.apply_delta(&honest);
    assert_eq!(r1.summary().get("x"), 1);
    r1.check_invariants().unwrap();
}

/// A permutation of `0..n` from random keys.
fn order(keys: &[u32], n: usize) -> Vec<usize> {
    let mut ix: Vec<usize> = (0..n).collect();
    ix.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(0), i));
    ix
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn hostile_ops_in_any_order_give_the_same_state(ops in prop::collection::vec(wire_op(), 1..8),
                                                     keys in prop::collection::vec(any::<u32>(), 8),
                                                     seed_ops in 0usize..4) {
        // One delta per op, applied in the given order on one replica and in a shuffled
        // order on another: both end in the same state (same accepted ops, same order).
        // Each id names one op: an actor that sends two different ops with the same id
        // (equivocation) is outside what ids without hashes can settle, so an op whose
        // counters overlap an earlier op of its actor is left out.
        let mut taken: Vec<(u32, u64, u64)> = Vec::new();
        let ops: Vec<WireOp> = ops.into_iter().filter(|op| {
            let (actor, start, len) = match op {
                WireOp::Insert { actor, start, len, .. } | WireOp::Delete { actor, start, len, .. } => (*actor, *start, *len),
            };
            let clash = taken.iter().any(|&(a, s, e)| a == actor && start < e && s < start + len);
            taken.push((actor, start, start + len));
            !clash
        }).collect();
        let deltas: Vec<TextDelta> = ops.iter().enumerate().map(|(i, op)| {
            let len = match op { WireOp::Insert { len, .. } => *len, _ => 0 };
            let content: String = (0..len).map(|k| char::from(b'a' + ((i as u64 * 3 + k) % 26) as u8)).collect();
            named_delta(&["a", "b", "x"], vec![op.clone()], &content)
        }).collect();
        let doc = seeded_doc(seed_ops);
        let mut one = doc.fork("r1");
        let mut two = doc.fork("r2");
        for d in &deltas {
            one.apply_delta(d);
        }
        for i in order(&keys, deltas.len()) {
            two.apply_delta(&deltas[i]);
        }
        one.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
        two.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(one.to_string(), two.to_string());
        let back = TextCrdt::decode(&one.encode()).unwrap();
        prop_assert_eq!(&back, &one);
    }
}
