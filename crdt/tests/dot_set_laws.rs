//! Laws and a model of DotSet (the causal context of the set types).

mod causal_harness;
mod common;

use causal_harness::{check_laws, steps, Run, Subject};
use crdt_kit::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub enum DotOp {
    Insert(u8, u64),
    Range(u8, u64, u64),
}

fn actor(i: u8) -> String {
    format!("a{i}")
}

fn dot_op() -> BoxedStrategy<DotOp> {
    prop_oneof![
        3 => (0..3u8, 0..24u64).prop_map(|(a, c)| DotOp::Insert(a, c)),
        1 => (0..3u8, 0..24u64, 0..6u64).prop_map(|(a, s, l)| DotOp::Range(a, s, s + l)),
    ]
    .boxed()
}

fn model_apply(m: &mut BTreeSet<(String, u64)>, op: &DotOp) {
    match *op {
        DotOp::Insert(a, c) if c > 0 => {
            m.insert((actor(a), c));
        }
        DotOp::Insert(..) => {}
        DotOp::Range(a, s, e) => m.extend((s.max(1)..=e).map(|c| (actor(a), c))),
    }
}

fn model_of(s: &DotSet) -> BTreeSet<(String, u64)> {
    s.dots()
        .map(|d| (d.actor.as_str().to_string(), d.counter))
        .collect()
}

impl Subject for DotSet {
    type Op = DotOp;
    type Value = Vec<Dot>;
    fn fresh(_: &str) -> Self {
        DotSet::new()
    }
    fn fork_as(&self, _: &str) -> Self {
        self.clone()
    }
    fn apply(&mut self, op: &DotOp) {
        match *op {
            DotOp::Insert(a, c) => {
                let was = self.contains(&Dot::new(actor(a), c));
                assert_eq!(self.insert(Dot::new(actor(a), c)), !was && c > 0);
            }
            DotOp::Range(a, s, e) => self.insert_range(actor(a), s..=e),
        }
    }
    fn value(&self) -> Vec<Dot> {
        self.dots().collect()
    }
    fn check(&self) {
        self.check_invariants().unwrap();
    }
    fn op() -> BoxedStrategy<DotOp> {
        dot_op()
    }
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn merge_laws_and_delta_equivalence(
        base in proptest::collection::vec(dot_op(), 0..4),
        history in steps(dot_op(), 30),
    ) {
        check_laws(&Run::<DotSet>::play(&base, 3, &history));
    }

    #[test]
    fn replicas_converge(
        n in 3..=5usize,
        history in steps(dot_op(), 40),
        seed in any::<u64>(),
    ) {
        Run::<DotSet>::play(&[], n, &history).converge(seed);
    }

    /// Every operation agrees with a plain set of (actor, counter) pairs, and equal sets
    /// are `==` (the representation is canonical).
    #[test]
    fn set_algebra_matches_a_model(
        xs in proptest::collection::vec(dot_op(), 0..20),
        ys in proptest::collection::vec(dot_op(), 0..20),
    ) {
        let (mut a, mut b) = (DotSet::new(), DotSet::new());
        let (mut ma, mut mb) = (BTreeSet::new(), BTreeSet::new());
        for op in &xs {
            a.apply(op);
            model_apply(&mut ma, op);
        }
        for op in &ys {
            b.apply(op);
            model_apply(&mut mb, op);
        }
        a.check_invariants().unwrap();
        prop_assert_eq!(model_of(&a), ma.clone());
        prop_assert_eq!(a.dot_count(), ma.len() as u128);
        let diff = a.difference(&b);
        let inter = a.intersection(&b);
        diff.check_invariants().unwrap();
        inter.check_invariants().unwrap();
        prop_assert_eq!(model_of(&diff), ma.difference(&mb).cloned().collect::<BTreeSet<_>>());
        prop_assert_eq!(model_of(&inter), ma.intersection(&mb).cloned().collect::<BTreeSet<_>>());
        prop_assert_eq!(a.is_disjoint(&b), ma.is_disjoint(&mb));
        prop_assert_eq!(a.is_superset(&b), ma.is_superset(&mb));
        let mut u = a.clone();
        u.union(&b);
        prop_assert_eq!(model_of(&u), ma.union(&mb).cloned().collect::<BTreeSet<_>>());
        // Canonical: rebuilt dot by dot in another order, the set is equal.
        let rebuilt: DotSet = model_of(&u).into_iter().rev().map(|(a, c)| Dot::new(a, c)).collect();
        prop_assert_eq!(&rebuilt, &u);
        for (a, c) in ma.iter().take(5) {
            prop_assert!(u.contains_counter(a, *c));
            prop_assert!(u.max(a) >= *c);
        }
    }
}

#[test]
fn version_vector_round_trip() {
    let vv: VersionVector = [("a", 3), ("b", 1)].into_iter().collect();
    let s = DotSet::from(&vv);
    assert_eq!(s.range_count(), 2);
    assert_eq!(s.to_version_vector(), Some(vv));
    let mut gap = s.clone();
    gap.insert(Dot::new("a", 5));
    assert_eq!(gap.to_version_vector(), None);
    assert_eq!(DotSet::from(VersionVector::new()), DotSet::new());
}
