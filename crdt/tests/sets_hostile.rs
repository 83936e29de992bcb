//! Hostile bytes: random and mutated postcard encodings of every set/register type, their
//! deltas and DotSet decode to an error or to a value whose invariants hold, and such a
//! value can be merged, synced and used without panicking.
#![cfg(feature = "serde")]

mod causal_harness;
mod common;

use causal_harness::{steps, Run, Subject};
use common::{decode, encode};
use crdt_kit::prelude::*;
use proptest::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// Byte-level damage to a valid encoding.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let m = prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ];
    proptest::collection::vec(m, 1..4)
}

fn mutate(mut bytes: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let len = bytes.len();
        match *m {
            Mutation::Flip(i, b) if len > 0 => bytes[i % len] ^= b,
            Mutation::Set(i, b) if len > 0 => bytes[i % len] = b,
            Mutation::Insert(i, b) => bytes.insert(i % (len + 1), b),
            Mutation::Delete(i) if len > 0 => {
                bytes.remove(i % len);
            }
            Mutation::Truncate(i) => bytes.truncate(i % (len + 1)),
            _ => {}
        }
    }
    bytes
}

/// Decodes `bytes` as a state; if it decodes, its invariants hold, it re-encodes to the
/// same bytes, and it merges and syncs with `peer` without panicking. (The result of a
/// merge with a well-formed forgery, e.g. one dot claimed for another element, cannot be
/// told from honest history and may fail `check`; it must still never panic.)
fn decode_state<S>(bytes: &[u8], peer: &S)
where
    S: Subject + DeserializeOwned + Serialize,
    S::Summary: Clone + std::fmt::Debug,
    S::Delta: Clone + std::fmt::Debug + DeserializeOwned,
{
    if let Ok(got) = decode::<S>(bytes) {
        got.check();
        assert_eq!(encode(&decode::<S>(&encode(&got)).unwrap()), encode(&got));
        let mut both = got.clone();
        both.merge(peer);
        let _ = both.value();
        let mut synced = peer.clone();
        synced.apply_delta(&got.delta_since(&peer.summary()));
        let _ = synced.value();
        let mut back = got.clone();
        back.apply_delta(&synced.delta(&got));
        let _ = back.value();
    }
}

fn decode_delta<S>(bytes: &[u8], peer: &S)
where
    S: Subject,
    S::Summary: Clone + std::fmt::Debug,
    S::Delta: Clone + std::fmt::Debug + DeserializeOwned,
{
    if let Ok(d) = decode::<S::Delta>(bytes) {
        let mut p = peer.clone();
        p.apply_delta(&d);
        let _ = p.value();
        let _ = p.delta_since(&S::fresh("x").summary());
    }
}

/// The hostile-bytes properties of one type (set, delta, summary).
macro_rules! hostile {
    ($name:ident, $ty:ty, $delta:ty) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(common::config())]

                #[test]
                fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
                    let peer = <$ty>::fresh("peer");
                    decode_state::<$ty>(&bytes, &peer);
                    decode_delta::<$ty>(&bytes, &peer);
                    if let Ok(s) = decode::<DotSet>(&bytes) {
                        s.check_invariants().unwrap();
                    }
                }

                #[test]
                fn mutated_encodings(
                    history in steps(<$ty>::op(), 16),
                    ms in mutations(),
                ) {
                    let run = Run::<$ty>::play(&[], 3, &history);
                    let (a, b) = (&run.replicas[0], &run.replicas[1]);
                    decode_state::<$ty>(&mutate(encode(a), &ms), b);
                    let delta: $delta = a.delta_since(&b.summary());
                    let back: $delta = decode(&encode(&delta)).unwrap();
                    prop_assert_eq!(&back, &delta);
                    decode_delta::<$ty>(&mutate(encode(&delta), &ms), b);
                    if let Ok(s) = decode::<DotSet>(&mutate(encode(&a.summary()), &ms)) {
                        s.check_invariants().unwrap();
                    }
                }
            }
        }
    };
}

hostile!(or_set, ORSet<u8>, ORSetDelta<u8>);
hostile!(g_set, GSet<u8>, GSetDelta<u8>);
hostile!(two_p_set, TwoPSet<u8>, TwoPSetDelta<u8>);
hostile!(mv_register, MVRegister<u8>, MVRegisterDelta<u8>);

// The Subject impls live in the law-test crates; these are the same, for this crate.
#[derive(Clone, Debug)]
pub enum SetOp {
    Insert(u8),
    Remove(u8),
}

fn set_op() -> BoxedStrategy<SetOp> {
    prop_oneof![
        (0..6u8).prop_map(SetOp::Insert),
        (0..6u8).prop_map(SetOp::Remove)
    ]
    .boxed()
}

macro_rules! set_subject {
    ($ty:ty, $remove:expr) => {
        impl Subject for $ty {
            type Op = SetOp;
            type Value = Vec<u8>;
            fn fresh(actor: &str) -> Self {
                <$ty>::new(actor)
            }
            fn fork_as(&self, actor: &str) -> Self {
                self.fork(actor)
            }
            fn apply(&mut self, op: &SetOp) {
                match *op {
                    SetOp::Insert(v) => {
                        self.insert(v);
                    }
                    SetOp::Remove(v) => {
                        let remove: fn(&mut $ty, u8) = $remove;
                        remove(self, v);
                    }
                }
            }
            fn value(&self) -> Vec<u8> {
                self.iter().copied().collect()
            }
            fn check(&self) {
                self.check_invariants().unwrap();
                assert_eq!(self.len(), self.iter().count());
            }
            fn op() -> BoxedStrategy<SetOp> {
                set_op()
            }
        }
    };
}

set_subject!(ORSet<u8>, |s, v| {
    s.remove(&v);
});
set_subject!(TwoPSet<u8>, |s, v| {
    s.remove(&v);
});
set_subject!(GSet<u8>, |s, v| {
    s.insert(v.wrapping_add(6));
});

impl Subject for MVRegister<u8> {
    type Op = SetOp;
    type Value = Vec<u8>;
    fn fresh(actor: &str) -> Self {
        MVRegister::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply(&mut self, op: &SetOp) {
        let (SetOp::Insert(v) | SetOp::Remove(v)) = *op;
        self.set(v);
    }
    fn value(&self) -> Vec<u8> {
        self.values().into_iter().copied().collect()
    }
    fn check(&self) {
        self.check_invariants().unwrap();
    }
    fn op() -> BoxedStrategy<SetOp> {
        set_op()
    }
}

#[test]
fn huge_length_fields_fail_fast() {
    // A map/sequence length of ~2^35 followed by nothing: an error, no allocation.
    let huge = [0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
    assert!(decode::<DotSet>(&huge).is_err());
    let mut set = vec![1, b'a'];
    set.extend_from_slice(&huge);
    assert!(decode::<ORSet<u8>>(&set).is_err());
    assert!(decode::<MVRegister<u8>>(&set).is_err());
    assert!(decode::<GSetDelta<u8>>(&huge).is_err());
}

#[test]
fn non_canonical_dot_sets_are_rejected() {
    let ok = encode(
        &[("a", vec![(1u64, 2u64), (4, 4)])]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    );
    assert!(decode::<DotSet>(&ok).is_ok());
    for bad in [
        vec![("a", vec![(1u64, 2u64), (3, 4)])], // touching
        vec![("a", vec![(3, 4), (1, 1)])],       // unsorted
        vec![("a", vec![(0, 1)])],               // counter 0
        vec![("a", vec![(2, 1)])],               // empty range
        vec![("a", vec![])],                     // empty list
    ] {
        let map: std::collections::BTreeMap<_, _> = bad.into_iter().collect();
        assert!(decode::<DotSet>(&encode(&map)).is_err());
    }
    // Actors out of order (a map encoded by hand: length, then entries).
    let mut raw = vec![2u8];
    raw.extend(encode(&("b", vec![(1u64, 1u64)])));
    raw.extend(encode(&("a", vec![(1u64, 1u64)])));
    assert!(decode::<DotSet>(&raw).is_err());
}

#[test]
fn a_state_whose_dot_is_outside_its_context_is_rejected() {
    let mut s = ORSet::new("a");
    s.insert(1u8);
    let good = encode(&s);
    assert!(decode::<ORSet<u8>>(&good).is_ok());
    // Same entries, empty context.
    let forged = encode(&(
        "a",
        [(1u8, vec![Dot::new("a", 1)])]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
        DotSet::new(),
    ));
    assert!(decode::<ORSet<u8>>(&forged).is_err());
    // A dot held by two elements.
    let mut ctx = DotSet::new();
    ctx.insert(Dot::new("a", 1));
    let twice = encode(&(
        "a",
        [(1u8, vec![Dot::new("a", 1)]), (2u8, vec![Dot::new("a", 1)])]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
        ctx,
    ));
    assert!(decode::<ORSet<u8>>(&twice).is_err());
}
