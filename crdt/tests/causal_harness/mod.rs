//! A replica-history harness shared by the law tests of the dot-based types (sets,
//! MVRegister, DotSet): random operations on several replicas forked from a common
//! state, synchronised by full merges and by deltas computed from summaries that are
//! held back, duplicated, delivered late, shuffled or to the wrong replica.
#![allow(dead_code)]

use crdt_kit::{Crdt, DeltaCrdt};
use proptest::prelude::*;
use std::fmt::Debug;

/// A type under test.
pub trait Subject: Crdt + DeltaCrdt + Clone + PartialEq + Debug
where
    Self::Summary: Clone + Debug,
    Self::Delta: Clone + Debug,
{
    /// One local operation.
    type Op: Clone + Debug;
    /// What users see (compared besides the replicated state).
    type Value: PartialEq + Debug;
    /// A new replica.
    fn fresh(actor: &str) -> Self;
    /// A copy for another actor.
    fn fork_as(&self, actor: &str) -> Self;
    /// Applies an operation.
    fn apply(&mut self, op: &Self::Op);
    /// The user-visible value.
    fn value(&self) -> Self::Value;
    /// Panics when an invariant is broken.
    fn check(&self);
    /// Random operations.
    fn op() -> BoxedStrategy<Self::Op>;
}

/// One step of a history over `n` replicas (indices are taken modulo `n`).
#[derive(Clone, Debug)]
pub enum Step<Op> {
    /// A local operation on a replica.
    Op(usize, Op),
    /// `.0` merges the whole state of `.1`.
    Merge(usize, usize),
    /// Remember the summary of a replica (to answer it later: a held-back summary).
    Snapshot(usize),
    /// Replica `from` makes a delta for a remembered summary; it is queued for the
    /// summary's owner.
    MakeDelta { from: usize, summary: usize },
    /// Delivers a queued delta: to its owner or to another replica, once or twice.
    Deliver {
        delta: usize,
        to: Option<usize>,
        twice: bool,
    },
}

/// Random histories.
pub fn steps<Op: Clone + Debug + 'static>(
    op: BoxedStrategy<Op>,
    max_len: usize,
) -> impl Strategy<Value = Vec<Step<Op>>> {
    let step = prop_oneof![
        6 => (0..5usize, op).prop_map(|(i, o)| Step::Op(i, o)),
        1 => (0..5usize, 0..5usize).prop_map(|(i, j)| Step::Merge(i, j)),
        2 => (0..5usize).prop_map(Step::Snapshot),
        2 => (0..5usize, 0..8usize).prop_map(|(from, summary)| Step::MakeDelta { from, summary }),
        2 => (0..8usize, proptest::option::weighted(0.3, 0..5usize), any::<bool>())
            .prop_map(|(delta, to, twice)| Step::Deliver { delta, to, twice }),
    ];
    proptest::collection::vec(step, 0..max_len)
}

/// A history run: the replicas, plus the deltas still in flight.
pub struct Run<S: Subject>
where
    S::Summary: Clone + Debug,
    S::Delta: Clone + Debug,
{
    pub replicas: Vec<S>,
    pub held: Vec<(usize, S::Summary)>,
    pub queue: Vec<(usize, S::Delta)>,
}

impl<S: Subject> Run<S>
where
    S::Summary: Clone + Debug,
    S::Delta: Clone + Debug,
{
    /// `n` replicas forked from a base state made by `base` on one replica.
    pub fn new(base: &[S::Op], n: usize) -> Self {
        let mut origin = S::fresh("origin");
        for op in base {
            origin.apply(op);
        }
        origin.check();
        let replicas = (0..n).map(|i| origin.fork_as(&format!("r{i}"))).collect();
        Run {
            replicas,
            held: Vec::new(),
            queue: Vec::new(),
        }
    }

    /// Plays one step, checking the invariants of the replica it changed.
    pub fn step(&mut self, step: &Step<S::Op>) {
        let n = self.replicas.len();
        match step {
            Step::Op(i, op) => {
                self.replicas[i % n].apply(op);
                self.replicas[i % n].check();
            }
            Step::Merge(i, j) => {
                let other = self.replicas[j % n].clone();
                self.replicas[i % n].merge(&other);
                self.replicas[i % n].check();
            }
            Step::Snapshot(i) => self.held.push((i % n, self.replicas[i % n].summary())),
            Step::MakeDelta { from, summary } => {
                if !self.held.is_empty() {
                    let (owner, s) = &self.held[summary % self.held.len()];
                    let delta = self.replicas[from % n].delta_since(s);
                    self.queue.push((*owner, delta));
                }
            }
            Step::Deliver { delta, to, twice } => {
                if !self.queue.is_empty() {
                    let (owner, d) = self.queue.remove(delta % self.queue.len());
                    let target = to.map_or(owner, |t| t % n);
                    self.replicas[target].apply_delta(&d);
                    if *twice {
                        self.replicas[target].apply_delta(&d);
                    }
                    self.replicas[target].check();
                }
            }
        }
    }

    /// Plays a whole history.
    pub fn play(base: &[S::Op], n: usize, steps: &[Step<S::Op>]) -> Self {
        let mut run = Run::new(base, n);
        for s in steps {
            run.step(s);
        }
        run
    }

    /// The join of every replica, by full merges.
    pub fn joined(&self) -> S {
        let mut all = self.replicas[0].clone();
        for r in &self.replicas[1..] {
            all.merge(r);
        }
        all
    }

    /// Delivers what is still in flight in a seeded shuffled order (some twice), then
    /// syncs everyone by fresh deltas only; every replica must end equal to the join.
    pub fn converge(mut self, seed: u64) {
        let expected = self.joined();
        let mut rng = seed | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        while !self.queue.is_empty() {
            let i = (next() % self.queue.len() as u64) as usize;
            let (owner, d) = self.queue.swap_remove(i);
            self.replicas[owner].apply_delta(&d);
            if next() % 3 == 0 {
                self.replicas[owner].apply_delta(&d);
            }
            self.replicas[owner].check();
        }
        let n = self.replicas.len();
        for _round in 0..2 {
            for i in 0..n {
                for j in 0..n {
                    if i != j {
                        let d = self.replicas[j].delta_since(&self.replicas[i].summary());
                        self.replicas[i].apply_delta(&d);
                        self.replicas[i].check();
                    }
                }
            }
        }
        for r in &self.replicas {
            assert_eq!(r, &expected);
            assert_eq!(r.value(), expected.value());
        }
    }
}

fn merged<S: Crdt + Clone>(a: &S, b: &S) -> S {
    let mut out = a.clone();
    out.merge(b);
    out
}

/// Merge laws and delta equivalence on the three first replicas of a run.
pub fn check_laws<S: Subject>(run: &Run<S>)
where
    S::Summary: Clone + Debug,
    S::Delta: Clone + Debug,
{
    let (a, b, c) = (&run.replicas[0], &run.replicas[1], &run.replicas[2]);
    // Commutative, associative, idempotent.
    let ab = merged(a, b);
    assert_eq!(ab, merged(b, a));
    assert_eq!(ab.value(), merged(b, a).value());
    assert_eq!(merged(&ab, c), merged(a, &merged(b, c)));
    assert_eq!(&merged(a, a), a);
    ab.check();
    // Delta equivalence, both ways of making a delta, for every ordered pair.
    for (x, y) in [(a, b), (b, a), (a, c), (c, b)] {
        let want = merged(y, x);
        let mut by_state = y.clone();
        by_state.apply_delta(&x.delta(y));
        assert_eq!(by_state, want);
        let mut by_summary = y.clone();
        let d = x.delta_since(&y.summary());
        by_summary.apply_delta(&d);
        by_summary.apply_delta(&d); // twice: idempotent
        by_summary.check();
        assert_eq!(by_summary, want);
        assert_eq!(by_summary.value(), want.value());
        // The same delta applied to a third replica is safe: joining the sender later
        // gives the same state as joining it directly.
        let mut other = c.clone();
        other.apply_delta(&d);
        other.check();
        other.merge(x);
        assert_eq!(other, merged(c, x));
    }
    // A delta from a held-back (stale) summary, applied late to its owner (which has
    // seen at least that summary): still exactly a merge.
    for (owner, s) in &run.held {
        let late = &run.replicas[*owner];
        let mut got = late.clone();
        got.apply_delta(&a.delta_since(s));
        got.check();
        assert_eq!(got, merged(late, a));
    }
}
