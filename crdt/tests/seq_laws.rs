//! CRDT laws and convergence for `TextCrdt` and `Rga<u32>`: merge is commutative,
//! associative and idempotent; deltas equal merges; replicas that fork from a shared
//! history, edit concurrently and sync by delayed, duplicated, shuffled deltas converge.
mod common;

use crdt_kit::prelude::*;
use crdt_kit::{RgaDelta, TextDelta};
use proptest::prelude::*;
use std::fmt::Debug;

/// A random edit; positions are reduced modulo the document length, so every edit is valid.
#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, String),
    Remove(usize, usize),
    Splice(usize, usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let s = "[a-dé😀]{1,4}";
    prop_oneof![
        3 => (any::<usize>(), s).prop_map(|(i, s)| Edit::Insert(i, s)),
        2 => (any::<usize>(), 1usize..4).prop_map(|(i, n)| Edit::Remove(i, n)),
        1 => (any::<usize>(), 0usize..3, s).prop_map(|(i, n, s)| Edit::Splice(i, n, s)),
    ]
}

trait Doc: Crdt + DeltaCrdt<Summary = VersionVector> + Clone + PartialEq + Debug
where
    Self::Delta: Clone + Debug,
{
    fn make(actor: &str) -> Self;
    fn fork_as(&self, actor: &str) -> Self;
    fn length(&self) -> usize;
    fn edit(&mut self, e: &Edit);
    fn check(&self) -> Result<(), TestCaseError>;
    fn waiting(&self) -> usize;
}

impl Doc for TextCrdt {
    fn make(actor: &str) -> Self {
        TextCrdt::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn length(&self) -> usize {
        self.len()
    }
    fn edit(&mut self, e: &Edit) {
        let len = self.len();
        let r = match e {
            Edit::Insert(i, s) if s.chars().count() == 1 => {
                self.insert(i % (len + 1), s.chars().next().unwrap())
            }
            Edit::Insert(i, s) => self.insert_str(i % (len + 1), s),
            Edit::Remove(_, _) if len == 0 => Ok(()),
            Edit::Remove(i, 1) => self.remove(i % len).map(|_| ()),
            Edit::Remove(i, n) => {
                let at = i % len;
                self.remove_range(at, (*n).min(len - at))
            }
            Edit::Splice(i, n, s) => {
                let at = i % (len + 1);
                self.splice(at, (*n).min(len - at), s)
            }
        };
        r.unwrap();
    }
    fn check(&self) -> Result<(), TestCaseError> {
        self.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))
    }
    fn waiting(&self) -> usize {
        self.pending_len()
    }
}

impl Doc for Rga<u32> {
    fn make(actor: &str) -> Self {
        Rga::new(actor)
    }
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn length(&self) -> usize {
        self.len()
    }
    fn edit(&mut self, e: &Edit) {
        let len = self.len();
        let vals = |s: &str| s.chars().map(|c| c as u32).collect::<Vec<u32>>();
        let r = match e {
            Edit::Insert(i, s) if s.chars().count() == 1 => {
                self.insert_at(i % (len + 1), vals(s)[0])
            }
            Edit::Insert(i, s) => self.insert_all(i % (len + 1), vals(s)),
            Edit::Remove(_, _) if len == 0 => Ok(()),
            Edit::Remove(i, 1) => self.remove(i % len).map(|_| ()),
            Edit::Remove(i, n) => {
                let at = i % len;
                self.remove_range(at, (*n).min(len - at))
            }
            Edit::Splice(i, n, s) => {
                let at = i % (len + 1);
                self.remove_range(at, (*n).min(len - at))
                    .and_then(|_| self.insert_all(at, vals(s)))
            }
        };
        r.unwrap();
    }
    fn check(&self) -> Result<(), TestCaseError> {
        self.check_invariants()
            .map_err(|e| TestCaseError::fail(e.to_string()))
    }
    fn waiting(&self) -> usize {
        self.pending_len()
    }
}

/// Three replicas: a shared base edited by `base`, then forks edited by `a`, `b`, `c`.
fn replicas<D: Doc>(base: &[Edit], edits: [&[Edit]; 3]) -> Vec<D>
where
    D::Delta: Clone + Debug,
{
    let mut root = D::make("root");
    for e in base {
        root.edit(e);
    }
    ["a", "b", "c"]
        .iter()
        .zip(edits)
        .map(|(name, es)| {
            let mut d = root.fork_as(name);
            for e in es {
                d.edit(e);
            }
            d
        })
        .collect()
}

fn merged<D: Doc>(x: &D, y: &D) -> D
where
    D::Delta: Clone + Debug,
{
    let mut m = x.clone();
    m.merge(y);
    m
}

fn laws<D: Doc>(base: &[Edit], a: &[Edit], b: &[Edit], c: &[Edit]) -> Result<(), TestCaseError>
where
    D::Delta: Clone + Debug,
{
    let r = replicas::<D>(base, [a, b, c]);
    let (a, b, c) = (&r[0], &r[1], &r[2]);
    // Commutativity.
    let ab = merged(a, b);
    let ba = merged(b, a);
    prop_assert_eq!(&ab, &ba);
    ab.check()?;
    // Associativity.
    prop_assert_eq!(merged(&ab, c), merged(a, &merged(b, c)));
    // Idempotence.
    prop_assert_eq!(&merged(a, a), a);
    prop_assert_eq!(merged(&ab, b), ab.clone());
    // Delta equivalence, from the state and from the summary.
    let mut via_delta = b.clone();
    via_delta.apply_delta(&a.delta(b));
    prop_assert_eq!(&via_delta, &ba);
    let mut via_summary = b.clone();
    via_summary.apply_delta(&a.delta_since(&b.summary()));
    prop_assert_eq!(&via_summary, &ba);
    via_summary.check()?;
    prop_assert_eq!(via_summary.summary(), ba.summary());
    // A fresh replica with another actor is equal after merging (actor is not state).
    let mut fresh = D::make("zz");
    fresh.merge(&ab);
    prop_assert_eq!(&fresh, &ab);
    Ok(())
}

/// Steps of the convergence scenario.
#[derive(Clone, Debug)]
enum Step {
    Edit(usize, Edit),
    /// Replica `from` computes a delta for `to` from `to`'s summary; it is queued.
    Send(usize, usize),
    /// Deliver queued message `k` (mod queue length); `dup` keeps it queued.
    Deliver(usize, bool),
    /// Full state merge `to <- from`.
    Merge(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..5, edit()).prop_map(|(i, e)| Step::Edit(i, e)),
        2 => (0usize..5, 0usize..5).prop_map(|(a, b)| Step::Send(a, b)),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(k, d)| Step::Deliver(k, d)),
        1 => (0usize..5, 0usize..5).prop_map(|(a, b)| Step::Merge(a, b)),
    ]
}

fn converge<D: Doc>(n: usize, base: &[Edit], steps: &[Step]) -> Result<(), TestCaseError>
where
    D::Delta: Clone + Debug,
{
    let mut root = D::make("root");
    for e in base {
        root.edit(e);
    }
    let mut reps: Vec<D> = (0..n).map(|i| root.fork_as(&format!("r{i}"))).collect();
    let mut queue: Vec<(usize, D::Delta)> = Vec::new();
    for s in steps {
        // The replica this step changed (the others are untouched): checked right after it.
        let touched = match s {
            Step::Edit(i, _) => i % n,
            Step::Send(f, _) => f % n,
            Step::Deliver(_, _) => queue.first().map_or(0, |q| q.0),
            Step::Merge(t, _) => t % n,
        };
        match s {
            Step::Edit(i, e) => reps[i % n].edit(e),
            Step::Send(f, t) => {
                let (f, t) = (f % n, t % n);
                let d = reps[f].delta_since(&reps[t].summary());
                queue.push((t, d));
            }
            Step::Deliver(k, dup) => {
                if !queue.is_empty() {
                    let k = k % queue.len();
                    let (t, d) = if *dup {
                        queue[k].clone()
                    } else {
                        queue.swap_remove(k)
                    };
                    reps[t].apply_delta(&d);
                    reps[t].check()?;
                }
            }
            Step::Merge(t, f) => {
                let (t, f) = (t % n, f % n);
                let src = reps[f].clone();
                reps[t].merge(&src);
            }
        }
        reps[touched].check()?;
    }
    // Late deliveries of everything still queued, then a full sync.
    for (t, d) in queue.drain(..).rev() {
        reps[t].apply_delta(&d);
        reps[t].check()?;
    }
    for _ in 0..2 {
        for t in 0..n {
            for f in 0..n {
                let d = reps[f].delta_since(&reps[t].summary());
                reps[t].apply_delta(&d);
            }
        }
    }
    for r in &reps {
        r.check()?;
        prop_assert_eq!(r.waiting(), 0);
        prop_assert_eq!(r, &reps[0]);
        prop_assert_eq!(r.length(), reps[0].length());
    }
    Ok(())
}

/// A document of many runs (random single-char inserts and deletes from a seed), so that
/// syncs cross leaf and inner-node boundaries of the tree.
fn fragmented_base(seed: u64, n: usize) -> Vec<Edit> {
    let mut x = seed | 1;
    let mut len = 0usize;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = (x >> 8) as usize;
        if x % 5 == 0 && len > 0 {
            out.push(Edit::Remove(at, 1 + (x % 3) as usize));
            len = len.saturating_sub(1 + (x % 3) as usize);
        } else {
            let c = char::from(b'a' + (x % 26) as u8);
            out.push(Edit::Insert(at, c.to_string()));
            len += 1;
        }
    }
    out
}

fn edits(max: usize) -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 0..max)
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn text_laws(base in edits(6), a in edits(6), b in edits(6), c in edits(6)) {
        laws::<TextCrdt>(&base, &a, &b, &c)?;
    }

    #[test]
    fn rga_laws(base in edits(6), a in edits(6), b in edits(6), c in edits(6)) {
        laws::<Rga<u32>>(&base, &a, &b, &c)?;
    }

    #[test]
    fn text_converges(n in 3usize..=5, base in edits(5), steps in prop::collection::vec(step(), 0..30)) {
        converge::<TextCrdt>(n, &base, &steps)?;
    }

    #[test]
    fn rga_converges(n in 3usize..=5, base in edits(5), steps in prop::collection::vec(step(), 0..30)) {
        converge::<Rga<u32>>(n, &base, &steps)?;
    }
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn text_converges_on_a_fragmented_document(seed in any::<u64>(), n in 3usize..=4, steps in prop::collection::vec(step(), 0..12)) {
        converge::<TextCrdt>(n, &fragmented_base(seed, 500), &steps)?;
    }
}

#[test]
fn delta_types_are_nameable() {
    let t = TextCrdt::new("a");
    let d: TextDelta = t.delta_since(&VersionVector::new());
    assert!(d.is_empty());
    let r: Rga<u8> = Rga::new("a");
    let d: RgaDelta<u8> = r.delta(&Rga::new("b"));
    assert!(d.is_empty());
}
