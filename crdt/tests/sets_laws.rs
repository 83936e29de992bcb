//! Laws, convergence and models of GSet, TwoPSet and ORSet.

mod causal_harness;
mod common;

use causal_harness::{check_laws, steps, Run, Step, Subject};
use crdt_kit::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub enum SetOp {
    Insert(u8),
    Remove(u8),
}

fn insert_or_remove(values: u8) -> BoxedStrategy<SetOp> {
    prop_oneof![
        3 => (0..values).prop_map(SetOp::Insert),
        2 => (0..values).prop_map(SetOp::Remove),
    ]
    .boxed()
}

impl Subject for ORSet<u8> {
    type Op = SetOp;
    type Value = Vec<u8>;
    fn fresh(actor: &str) -> Self {
        ORSet::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply(&mut self, op: &SetOp) {
        match *op {
            SetOp::Insert(v) => {
                let was = self.contains(&v);
                assert_eq!(self.insert(v), !was);
            }
            SetOp::Remove(v) => {
                let was = self.contains(&v);
                assert_eq!(self.remove(&v), was);
            }
        }
        assert!(!matches!(op, SetOp::Insert(v) if !self.contains(v)));
    }
    fn value(&self) -> Vec<u8> {
        self.iter().copied().collect()
    }
    fn check(&self) {
        self.check_invariants().unwrap();
        assert_eq!(self.len(), self.iter().count());
    }
    fn op() -> BoxedStrategy<SetOp> {
        insert_or_remove(8)
    }
}

impl Subject for GSet<u8> {
    type Op = u8;
    type Value = Vec<u8>;
    fn fresh(actor: &str) -> Self {
        GSet::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply(&mut self, &v: &u8) {
        let was = self.contains(&v);
        assert_eq!(self.insert(v), !was);
        assert!(self.contains(&v));
    }
    fn value(&self) -> Vec<u8> {
        self.iter().copied().collect()
    }
    fn check(&self) {
        self.check_invariants().unwrap();
    }
    fn op() -> BoxedStrategy<u8> {
        (0..16u8).boxed()
    }
}

impl Subject for TwoPSet<u8> {
    type Op = SetOp;
    type Value = Vec<u8>;
    fn fresh(actor: &str) -> Self {
        TwoPSet::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply(&mut self, op: &SetOp) {
        match *op {
            SetOp::Insert(v) => {
                let can = !self.contains(&v) && !self.is_removed(&v);
                assert_eq!(self.insert(v), can);
            }
            SetOp::Remove(v) => {
                let was = self.contains(&v);
                assert_eq!(self.remove(&v), was);
                assert!(!self.contains(&v));
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
        insert_or_remove(10)
    }
}

/// The law and convergence properties of one type.
macro_rules! laws {
    ($name:ident, $ty:ty) => {
        mod $name {
            use super::*;
            proptest! {
                #![proptest_config(common::config())]

                #[test]
                fn merge_laws_and_delta_equivalence(
                    base in proptest::collection::vec(<$ty>::op(), 0..6),
                    history in steps(<$ty>::op(), 30),
                ) {
                    check_laws(&Run::<$ty>::play(&base, 3, &history));
                }

                #[test]
                fn replicas_converge(
                    base in proptest::collection::vec(<$ty>::op(), 0..6),
                    n in 3..=5usize,
                    history in steps(<$ty>::op(), 40),
                    seed in any::<u64>(),
                ) {
                    Run::<$ty>::play(&base, n, &history).converge(seed);
                }
            }
        }
    };
}

laws!(or_set, ORSet<u8>);
laws!(g_set, GSet<u8>);
laws!(two_p_set, TwoPSet<u8>);

/// The add-wins specification, on the operations themselves: an insert observes (and
/// so supersedes) the inserts of its element visible to its replica; a remove observes
/// them likewise. An element is present when some insert of it is seen and not observed
/// by a seen operation.
#[derive(Default, Clone)]
struct AddWinsModel {
    /// Per replica: ids of the operations seen.
    seen: Vec<BTreeSet<usize>>,
    /// Per operation: (element, is_insert, observed insert ids).
    ops: Vec<(u8, bool, BTreeSet<usize>)>,
}

impl AddWinsModel {
    fn visible(&self, r: usize, v: u8) -> BTreeSet<usize> {
        let seen = &self.seen[r];
        let observed: BTreeSet<usize> = seen
            .iter()
            .flat_map(|&o| self.ops[o].2.iter().copied())
            .collect();
        seen.iter()
            .copied()
            .filter(|&o| self.ops[o].0 == v && self.ops[o].1 && !observed.contains(&o))
            .collect()
    }
    fn value(&self, r: usize) -> Vec<u8> {
        (0..8).filter(|&v| !self.visible(r, v).is_empty()).collect()
    }
    fn op(&mut self, r: usize, v: u8, insert: bool) {
        let observed = self.visible(r, v);
        self.ops.push((v, insert, observed));
        let id = self.ops.len() - 1;
        self.seen[r].insert(id);
    }
}

proptest! {
    #![proptest_config(common::config())]

    /// One replica, a sequence of operations: the set behaves as a `BTreeSet`.
    #[test]
    fn or_set_sequential_model(ops in proptest::collection::vec(insert_or_remove(8), 0..60)) {
        let mut set = ORSet::new("solo");
        let mut model = BTreeSet::new();
        for op in ops {
            match op {
                SetOp::Insert(v) => prop_assert_eq!(set.insert(v), model.insert(v)),
                SetOp::Remove(v) => prop_assert_eq!(set.remove(&v), model.remove(&v)),
            }
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().collect::<Vec<_>>());
            prop_assert_eq!(set.len(), model.len());
        }
    }

    /// Several replicas with full merges: every replica's value is the add-wins model's.
    #[test]
    fn or_set_add_wins_model(
        steps in proptest::collection::vec((0..3usize, 0..4usize, 0..3usize, 0..8u8), 0..40),
    ) {
        let mut sets: Vec<ORSet<u8>> = (0..3).map(|i| ORSet::new(format!("r{i}"))).collect();
        let mut model = AddWinsModel { seen: vec![BTreeSet::new(); 3], ops: Vec::new() };
        for (r, kind, other, v) in steps {
            match kind {
                0 | 1 => {
                    sets[r].insert(v);
                    model.op(r, v, true);
                }
                2 => {
                    sets[r].remove(&v);
                    model.op(r, v, false);
                }
                _ => {
                    let d = sets[other].delta_since(&sets[r].summary());
                    sets[r].apply_delta(&d);
                    let theirs = model.seen[other].clone();
                    model.seen[r].extend(theirs);
                }
            }
            for (i, s) in sets.iter().enumerate() {
                prop_assert_eq!(s.iter().copied().collect::<Vec<_>>(), model.value(i));
            }
        }
    }

    /// Once a replica has seen an element removed, it never holds it again.
    #[test]
    fn two_p_set_never_resurrects(
        base in proptest::collection::vec(<TwoPSet<u8>>::op(), 0..6),
        history in steps(<TwoPSet<u8>>::op(), 40),
    ) {
        let mut run = Run::<TwoPSet<u8>>::new(&base, 3);
        let mut removed: Vec<BTreeSet<u8>> = vec![BTreeSet::new(); 3];
        for step in &history {
            run.step(step);
            for (r, set) in run.replicas.iter().enumerate() {
                for v in &removed[r] {
                    prop_assert!(set.is_removed(v) && !set.contains(v));
                }
                removed[r].extend((0..10).filter(|v| set.is_removed(v)));
            }
        }
    }
}

#[test]
fn seed_example_add_wins() {
    let mut phone = ORSet::new("phone");
    phone.insert("A");
    phone.insert("B");
    phone.insert("C");
    let mut laptop = phone.fork("laptop");
    assert!(phone.remove(&"C"));
    laptop.insert("D");
    laptop.insert("E");
    assert!(!laptop.insert("C"));
    let (p, l) = (phone.clone(), laptop.clone());
    phone.merge(&l);
    laptop.merge(&p);
    assert_eq!(phone, laptop);
    assert!(phone.contains(&"C"));
    assert_eq!(phone.len(), 5);
}

#[test]
fn or_set_remove_of_absent_element_is_false() {
    let mut s: ORSet<String> = ORSet::new("a");
    assert!(!s.remove("ghost"));
    s.insert("x".to_string());
    assert!(s.remove("x"));
    assert!(!s.remove("x"));
    assert!(s.is_empty());
}

#[test]
fn or_set_delta_from_stale_summary() {
    let mut a = ORSet::new("a");
    let mut b = a.fork("b");
    a.insert(1);
    let stale = b.summary();
    b.apply_delta(&a.delta_since(&stale));
    a.insert(2);
    a.remove(&1);
    // b answers with its old summary: the delta repeats what b has and adds the rest.
    let d = a.delta_since(&stale);
    b.apply_delta(&d);
    assert_eq!(b, a);
    assert_eq!(b.iter().collect::<Vec<_>>(), [&2]);
}

#[test]
fn or_set_delta_with_removal_covered_by_summary() {
    let mut a = ORSet::new("a");
    a.extend([1, 2, 3]);
    let mut b = a.fork("b");
    a.remove(&2);
    let d = a.delta_since(&b.summary());
    assert_eq!(d.len(), 0); // nothing new to carry
    assert_eq!(d.context().ranges().count(), 1); // only the dot of 2, as one range
    b.apply_delta(&d);
    assert_eq!(b.iter().copied().collect::<Vec<_>>(), [1, 3]);
    assert_eq!(b, a);
}

#[test]
fn or_set_delta_context_never_kills_live_copies_of_the_sender() {
    // a holds 1 (dot a1) and b has seen it; a's delta for b must not claim a1 without
    // carrying it, or b would drop its copy of 1.
    let mut a = ORSet::new("a");
    a.insert(1);
    a.insert(9);
    let mut b = a.fork("b");
    a.remove(&9);
    a.insert(5);
    let d = a.delta_since(&b.summary());
    assert!(!d.context().contains(&Dot::new("a", 1)));
    b.apply_delta(&d);
    assert!(b.contains(&1) && b.contains(&5) && !b.contains(&9));
}

#[test]
fn two_p_set_re_add_after_remove_has_no_effect() {
    let mut a = TwoPSet::new("a");
    assert!(a.insert(7));
    assert!(!a.insert(7));
    assert!(a.remove(&7));
    assert!(!a.remove(&7));
    let before = a.clone();
    assert!(!a.insert(7));
    assert_eq!(a, before);
    assert!(a.is_removed(&7) && !a.contains(&7) && a.is_empty());
    // A concurrent add elsewhere does not bring it back.
    let mut b = TwoPSet::new("b");
    b.insert(7);
    b.merge(&a);
    assert!(!b.contains(&7));
}

#[test]
fn two_p_set_remove_of_absent_element_is_false() {
    let mut a: TwoPSet<u8> = TwoPSet::new("a");
    assert!(!a.remove(&1));
    assert!(!a.is_removed(&1));
    assert!(a.insert(1));
}

#[test]
fn g_set_delta_carries_only_what_the_peer_lacks() {
    let mut a = GSet::new("a");
    a.extend(0..100u32);
    let mut b = a.fork("b");
    b.insert(500);
    a.insert(200);
    let d = a.delta_since(&b.summary());
    assert_eq!(d.len(), 1);
    b.apply_delta(&d);
    a.merge(&b);
    assert_eq!(a, b);
    assert_eq!(a.len(), 102);
    // The summary is one range per actor, whatever the set's size.
    assert_eq!(a.summary().range_count(), 2);
}

#[test]
fn g_set_concurrent_inserts_of_one_element_converge() {
    let mut a = GSet::new("a");
    let mut b = GSet::new("b");
    a.insert("x");
    b.insert("x");
    let mut a2 = a.clone();
    a2.apply_delta(&b.delta(&a));
    b.merge(&a);
    assert_eq!(a2, b);
    assert_eq!(b.len(), 1);
    // Deltas from each side in any order give the same state.
    let mut c: GSet<&str> = GSet::new("c");
    c.apply_delta(&a.delta(&c));
    c.apply_delta(&b.delta(&c));
    assert_eq!(c, b);
}

#[test]
fn step_enum_is_usable() {
    // Keeps every variant of the harness exercised even with few cases.
    let mut run = Run::<ORSet<u8>>::new(&[SetOp::Insert(1)], 3);
    for s in [
        Step::Snapshot(1),
        Step::Op(0, SetOp::Remove(1)),
        Step::MakeDelta {
            from: 0,
            summary: 0,
        },
        Step::Deliver {
            delta: 0,
            to: None,
            twice: true,
        },
        Step::Merge(2, 1),
    ] {
        run.step(&s);
    }
    assert!(!run.replicas[1].contains(&1));
    run.converge(7);
}
