//! A small replica network for the convergence properties of counters and registers:
//! replicas forked from a shared state do local operations and sync by deltas made from
//! summaries (held back in flight, delivered late, duplicated, to any replica, in any
//! order) and by full merges; at the end everything is delivered and all replicas sync.
#![allow(dead_code)]

use crdt_kit::DeltaCrdt;
use proptest::prelude::*;
use std::fmt::Debug;

/// A CRDT the simulator can drive.
pub trait Replica: DeltaCrdt + Clone + PartialEq + Debug
where
    Self::Delta: Clone + Debug,
{
    /// A local operation.
    type Op: Clone + Debug;
    /// A copy of the state for another actor.
    fn fork_as(&self, actor: &str) -> Self;
    /// Performs a local operation.
    fn apply_op(&mut self, op: &Self::Op);
}

/// One step of a run. Replica and message indices are reduced modulo the counts.
#[derive(Clone, Debug)]
pub enum Step<Op> {
    /// A local operation on a replica.
    Local(usize, Op),
    /// `from` answers `to`'s summary with a delta, which goes in flight.
    SendFromSummary(usize, usize),
    /// `from` makes a delta from `to`'s whole state (`delta(&to)`), which goes in flight.
    SendFromState(usize, usize),
    /// Delivers an in-flight delta to a replica (maybe not the one it was made for);
    /// with `keep` it stays in flight and may arrive again.
    Deliver { msg: usize, to: usize, keep: bool },
    /// `to` merges `from`'s whole state.
    Merge(usize, usize),
}

/// Steps over `n` replicas with local operations from `op`.
pub fn steps<O: Clone + Debug + 'static>(
    op: impl Strategy<Value = O> + 'static,
    max_len: usize,
) -> impl Strategy<Value = Vec<Step<O>>> {
    let step = prop_oneof![
        4 => (0..8usize, op).prop_map(|(r, o)| Step::Local(r, o)),
        2 => (0..8usize, 0..8usize).prop_map(|(a, b)| Step::SendFromSummary(a, b)),
        1 => (0..8usize, 0..8usize).prop_map(|(a, b)| Step::SendFromState(a, b)),
        3 => (0..64usize, 0..8usize, any::<bool>())
            .prop_map(|(msg, to, keep)| Step::Deliver { msg, to, keep }),
        1 => (0..8usize, 0..8usize).prop_map(|(a, b)| Step::Merge(a, b)),
    ];
    proptest::collection::vec(step, 0..max_len)
}

/// Replicas and the deltas in flight between them.
pub struct Network<R: Replica>
where
    R::Delta: Clone + Debug,
{
    /// The replicas, actors `r0`, `r1`, ...
    pub replicas: Vec<R>,
    /// Deltas sent and not (or not yet only) delivered.
    pub in_flight: Vec<R::Delta>,
}

impl<R: Replica> Network<R>
where
    R::Delta: Clone + Debug,
{
    /// `n` replicas forked from `base`.
    pub fn fork(base: &R, n: usize) -> Self {
        let replicas = (0..n).map(|i| base.fork_as(&format!("r{i}"))).collect();
        Network {
            replicas,
            in_flight: Vec::new(),
        }
    }

    /// Runs the steps; `observe` sees every replica state after each step.
    pub fn run(&mut self, steps: &[Step<R::Op>], mut observe: impl FnMut(&R)) {
        let n = self.replicas.len();
        for step in steps {
            match step {
                Step::Local(r, op) => self.replicas[r % n].apply_op(op),
                Step::SendFromSummary(a, b) => {
                    let summary = self.replicas[b % n].summary();
                    self.in_flight
                        .push(self.replicas[a % n].delta_since(&summary));
                }
                Step::SendFromState(a, b) => {
                    let d = self.replicas[a % n].delta(&self.replicas[b % n]);
                    self.in_flight.push(d);
                }
                Step::Deliver { msg, to, keep } => {
                    if !self.in_flight.is_empty() {
                        let i = msg % self.in_flight.len();
                        let d = if *keep {
                            self.in_flight[i].clone()
                        } else {
                            self.in_flight.swap_remove(i)
                        };
                        self.replicas[to % n].apply_delta(&d);
                    }
                }
                Step::Merge(a, b) => {
                    let from = self.replicas[a % n].clone();
                    self.replicas[b % n].merge(&from);
                }
            }
            self.replicas.iter().for_each(&mut observe);
        }
    }

    /// Delivers every delta still in flight (in the order given by `seed`, each to the
    /// replica `seed` picks), then syncs all pairs by summary deltas and by merges.
    pub fn finish(&mut self, seed: u64) {
        let n = self.replicas.len();
        let mut rng = seed | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng as usize
        };
        while !self.in_flight.is_empty() {
            let i = next() % self.in_flight.len();
            let d = self.in_flight.swap_remove(i);
            self.replicas[next() % n].apply_delta(&d);
        }
        for i in 0..n {
            for j in 0..n {
                let summary = self.replicas[j].summary();
                let d = self.replicas[i].delta_since(&summary);
                self.replicas[j].apply_delta(&d);
            }
        }
        for i in 0..n {
            for j in 0..n {
                let from = self.replicas[i].clone();
                self.replicas[j].merge(&from);
            }
        }
    }

    /// Asserts that all replicas are equal.
    pub fn assert_converged(&self) {
        for r in &self.replicas[1..] {
            assert_eq!(r, &self.replicas[0]);
        }
    }
}

/// Forks three replicas from `base`, runs `steps`, and checks the laws on the result.
pub fn laws_after<R: Replica>(base: &R, steps: &[Step<R::Op>]) -> Network<R>
where
    R::Delta: Clone + Debug,
{
    let mut net = Network::fork(base, 3);
    net.run(steps, |_| {});
    check_laws(&net.replicas[0], &net.replicas[1], &net.replicas[2]);
    net
}

/// Forks `n` replicas from `base`, runs `steps` (`observe` sees every state), delivers
/// everything, syncs, and asserts that all replicas are equal.
pub fn converge<R: Replica>(
    base: &R,
    n: usize,
    steps: &[Step<R::Op>],
    seed: u64,
    observe: impl FnMut(&R),
) -> Network<R>
where
    R::Delta: Clone + Debug,
{
    let mut net = Network::fork(base, n);
    net.run(steps, observe);
    net.finish(seed);
    net.assert_converged();
    net
}

/// Checks merge commutativity, associativity, idempotence and both delta equivalences.
pub fn check_laws<R: Replica>(a: &R, b: &R, c: &R)
where
    R::Delta: Clone + Debug,
{
    let merged = |x: &R, y: &R| {
        let mut m = x.clone();
        m.merge(y);
        m
    };
    // Commutativity.
    assert_eq!(merged(a, b), merged(b, a));
    // Associativity.
    assert_eq!(merged(&merged(a, b), c), merged(a, &merged(b, c)));
    // Idempotence.
    assert_eq!(merged(a, a), *a);
    assert_eq!(merged(&merged(a, b), b), merged(a, b));
    // Delta equivalence, both ways of making the delta, in both directions.
    for (x, y) in [(a, b), (b, a), (a, c), (c, b)] {
        let expected = merged(y, x);
        let mut via_state = y.clone();
        via_state.apply_delta(&x.delta(y));
        assert_eq!(via_state, expected);
        let mut via_summary = y.clone();
        via_summary.apply_delta(&x.delta_since(&y.summary()));
        assert_eq!(via_summary, expected);
        // A delta applied twice changes nothing more.
        via_summary.apply_delta(&x.delta_since(&y.summary()));
        assert_eq!(via_summary, expected);
    }
}
