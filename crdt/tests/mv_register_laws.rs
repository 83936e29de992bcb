//! Laws, convergence and a model of MVRegister.

mod causal_harness;
mod common;

use causal_harness::{check_laws, steps, Run, Subject};
use crdt_kit::prelude::*;
use proptest::prelude::*;

impl Subject for MVRegister<u8> {
    type Op = u8;
    type Value = Vec<u8>;
    fn fresh(actor: &str) -> Self {
        MVRegister::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply(&mut self, &v: &u8) {
        self.set(v);
        assert_eq!(self.values(), [&v]);
    }
    fn value(&self) -> Vec<u8> {
        self.values().into_iter().copied().collect()
    }
    fn check(&self) {
        self.check_invariants().unwrap();
        assert_eq!(self.is_conflicted(), self.values().len() > 1);
    }
    fn op() -> BoxedStrategy<u8> {
        any::<u8>().boxed()
    }
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn merge_laws_and_delta_equivalence(
        base in proptest::collection::vec(any::<u8>(), 0..3),
        history in steps(<MVRegister<u8>>::op(), 30),
    ) {
        check_laws(&Run::<MVRegister<u8>>::play(&base, 3, &history));
    }

    #[test]
    fn replicas_converge(
        base in proptest::collection::vec(any::<u8>(), 0..3),
        n in 3..=5usize,
        history in steps(<MVRegister<u8>>::op(), 40),
        seed in any::<u64>(),
    ) {
        Run::<MVRegister<u8>>::play(&base, n, &history).converge(seed);
    }

    /// After a full sync, the values are exactly the last write of each replica that
    /// wrote since the last sync (concurrent writes), and one write resolves them.
    #[test]
    fn concurrent_writes_are_all_kept(writes in proptest::collection::vec(proptest::option::of(any::<u8>()), 2..5)) {
        let origin = MVRegister::new("origin");
        let mut regs: Vec<_> = (0..writes.len()).map(|i| origin.fork(format!("r{i}"))).collect();
        for (r, w) in regs.iter_mut().zip(&writes) {
            if let Some(v) = w {
                r.set(*v);
            }
        }
        let mut all = origin.clone();
        for r in &regs {
            all.apply_delta(&r.delta_since(&all.summary()));
        }
        let mut want: Vec<u8> = writes.iter().flatten().copied().collect();
        want.sort_unstable();
        let mut got: Vec<u8> = all.values().into_iter().copied().collect();
        got.sort_unstable();
        prop_assert_eq!(got, want);
        all.set(0);
        prop_assert_eq!(all.values(), [&0]);
        for r in &mut regs {
            r.merge(&all);
            prop_assert_eq!(r.values(), [&0]);
        }
    }
}

#[test]
fn delta_to_a_replica_that_already_has_the_value() {
    let mut a = MVRegister::new("a");
    a.set("v");
    let mut b = a.fork("b");
    let stale = MVRegister::<&str>::new("c").summary();
    let d = a.delta_since(&stale); // carries "v" again
    b.apply_delta(&d);
    b.apply_delta(&d);
    assert_eq!(b.values(), [&"v"]);
    assert_eq!(b, a);
}

#[test]
fn concurrent_sets_kept_then_a_set_after_merge_resolves() {
    let mut a = MVRegister::new("a");
    let mut b = MVRegister::new("b");
    a.set(1);
    b.set(2);
    let (a0, b0) = (a.clone(), b.clone());
    a.apply_delta(&b0.delta(&a0));
    b.merge(&a0);
    assert_eq!(a, b);
    assert!(a.is_conflicted());
    assert_eq!(a.values(), [&1, &2]);
    b.set(3);
    a.apply_delta(&b.delta_since(&a.summary()));
    assert_eq!(a.values(), [&3]);
    assert!(!a.is_conflicted());
    assert_eq!(a, b);
}

#[test]
fn overwrite_delta_does_not_resurrect_or_delete_wrongly() {
    let mut a = MVRegister::new("a");
    a.set(1);
    let mut b = a.fork("b");
    b.set(2); // b overwrote 1
    let stale = a.delta_since(&DotSet::new()); // still carries 1
    b.apply_delta(&stale); // late: 1 was overwritten at b, stays gone
    assert_eq!(b.values(), [&2]);
    a.apply_delta(&b.delta(&a));
    assert_eq!(a.values(), [&2]);
}

#[test]
fn unset_register_is_empty() {
    let r: MVRegister<u8> = MVRegister::new("a");
    assert!(r.is_empty() && r.values().is_empty() && !r.is_conflicted());
}
