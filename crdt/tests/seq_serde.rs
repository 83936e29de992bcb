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
