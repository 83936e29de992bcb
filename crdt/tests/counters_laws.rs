//! CRDT laws and convergence for `GCounter` and `PNCounter`.

mod common;
mod delta_sim;

use crdt_kit::prelude::*;
use delta_sim::{check_laws, converge, laws_after, steps, Replica, Step};
use proptest::prelude::*;

impl Replica for GCounter {
    type Op = u64;
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply_op(&mut self, n: &u64) {
        self.increment_by(*n);
    }
}

/// `+n` or `-n`.
#[derive(Clone, Debug)]
pub enum PnOp {
    Inc(u64),
    Dec(u64),
}

impl Replica for PNCounter {
    type Op = PnOp;
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply_op(&mut self, op: &PnOp) {
        match op {
            PnOp::Inc(1) => self.increment(),
            PnOp::Dec(1) => self.decrement(),
            PnOp::Inc(n) => self.increment_by(*n),
            PnOp::Dec(n) => self.decrement_by(*n),
        }
    }
}

fn g_op() -> impl Strategy<Value = u64> {
    prop_oneof![Just(1u64), 0..1_000u64]
}

fn pn_op() -> impl Strategy<Value = PnOp> {
    prop_oneof![
        (0..1_000u64).prop_map(PnOp::Inc),
        (0..1_000u64).prop_map(PnOp::Dec),
        Just(PnOp::Inc(1)),
        Just(PnOp::Dec(1)),
    ]
}

fn total_increments(base: &[u64], run: &[Step<u64>]) -> u64 {
    let local: u64 = run
        .iter()
        .map(|s| match s {
            Step::Local(_, n) => *n,
            _ => 0,
        })
        .sum();
    base.iter().sum::<u64>() + local
}

fn pn_total(ops: impl IntoIterator<Item = PnOp>) -> i64 {
    ops.into_iter()
        .map(|op| match op {
            PnOp::Inc(n) => n as i64,
            PnOp::Dec(n) => -(n as i64),
        })
        .sum()
}

fn pn_base(ops: &[PnOp]) -> PNCounter {
    let mut base = PNCounter::new("base");
    ops.iter().for_each(|op| base.apply_op(op));
    base
}

fn g_base(ops: &[u64]) -> GCounter {
    let mut base = GCounter::new("base");
    ops.iter().for_each(|n| base.increment_by(*n));
    base
}

/// A counter that has merged counts of many actors (ids with long shared prefixes and
/// of both inline and heap lengths), so merges take the bulk path too.
fn wide_gcounter() -> impl Strategy<Value = GCounter> {
    proptest::collection::vec((0..40u32, 1..100u64), 0..30).prop_map(|counts| {
        let mut c = GCounter::new("me");
        for (who, n) in counts {
            let name = match who % 4 {
                0 => format!("sensor-{who}"),
                1 => format!("sensor-{who}-with-a-long-name-on-the-heap"),
                2 => format!("{who}"),
                _ => "sensor-".repeat(who as usize % 3 + 1),
            };
            let mut one = GCounter::new(name);
            one.increment_by(n);
            c.merge(&one);
        }
        c
    })
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn gcounter_laws_many_actors(a in wide_gcounter(), b in wide_gcounter(),
                                 c in wide_gcounter()) {
        let b = b.fork("b");
        check_laws(&a, &b, &c);
        prop_assert_eq!(a.delta(&b), a.delta_since(&b.summary()));
        let mut m = a.clone();
        m.merge(&b);
        m.check_invariants().unwrap();
        for (actor, n) in m.entries() {
            prop_assert_eq!(n, a.count_for(actor).max(b.count_for(actor)));
        }
    }

    /// Laws on three replicas with a shared history (built by local ops, deltas, merges).
    #[test]
    fn gcounter_laws(base in proptest::collection::vec(g_op(), 0..4),
                     run in steps(g_op(), 30)) {
        let net = laws_after(&g_base(&base), &run);
        let (a, b) = (&net.replicas[0], &net.replicas[1]);
        // The state-based delta is the summary-based one.
        prop_assert_eq!(a.delta(b), a.delta_since(&b.summary()));
        prop_assert_eq!(a.value_u128(), u128::from(a.value()));
    }

    #[test]
    fn gcounter_converges(base in proptest::collection::vec(g_op(), 0..4),
                          n in 3..=5usize,
                          run in steps(g_op(), 60),
                          seed in any::<u64>()) {
        let net = converge(&g_base(&base), n, &run, seed, |_| {});
        let total = total_increments(&base, &run);
        for r in &net.replicas {
            prop_assert_eq!(r.value(), total);
        }
        // Synced replicas have nothing to send each other.
        prop_assert!(net.replicas[0].delta(&net.replicas[1]).is_empty());
    }

    #[test]
    fn pncounter_laws(base in proptest::collection::vec(pn_op(), 0..4),
                      run in steps(pn_op(), 30)) {
        let net = laws_after(&pn_base(&base), &run);
        let (a, b) = (&net.replicas[0], &net.replicas[1]);
        prop_assert_eq!(a.delta(b), a.delta_since(&b.summary()));
        prop_assert_eq!(i128::from(a.value()), a.value_i128());
    }

    #[test]
    fn pncounter_converges(base in proptest::collection::vec(pn_op(), 0..4),
                           n in 3..=5usize,
                           run in steps(pn_op(), 60),
                           seed in any::<u64>()) {
        let net = converge(&pn_base(&base), n, &run, seed, |_| {});
        let local = run.iter().filter_map(|s| match s {
            Step::Local(_, op) => Some(op.clone()),
            _ => None,
        });
        let total = pn_total(base.iter().cloned().chain(local));
        for r in &net.replicas {
            prop_assert_eq!(r.value(), total);
        }
        prop_assert!(net.replicas[0].delta(&net.replicas[1]).is_empty());
    }
}
