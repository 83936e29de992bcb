//! The op log: every operation a replica has integrated, per actor, run-length encoded.
//!
//! An actor's counters 1, 2, 3, ... are shared by its inserts and deletes. Consecutive
//! typing is one [`InsertRun`] (`start`, `len`, the first element's origins; every later
//! element's left origin is the element before it), a paste is one run, and a delete of
//! `n` elements is one [`DeleteRun`] of `n` counters naming its targets as id ranges.
//! The log answers "which ops does a peer with version vector `vv` lack" in time
//! proportional to the answer, and "what are the origins/content of element `id`" in
//! O(log n).
//!
//! Invariants (checked by [`ActorLog::check`]): insert and delete runs together cover
//! the counters `1..=max` exactly once, in order; each insert run's content is exactly
//! `len` elements, stored in order in `content`; each delete run's targets sum to `len`.

use super::content::Content;
use super::tree::Id;
use crate::{ActorId, Error};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

/// A run of elements inserted by one actor with consecutive counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InsertRun {
    pub start: u64,
    pub len: u64,
    /// The element left of the first element when it was inserted (`None`: the
    /// document start). Packed: 12 bytes instead of 24 for an `Option<Id>`.
    left: PackedId,
    /// The element right of the run when it was inserted (`None`: the document end).
    right: PackedId,
    /// Unit offset of the first element in the actor's content buffer.
    pub content: usize,
}

/// An `Option<Id>` in 12 bytes with 4-byte alignment: actor `u32::MAX` is "none" (no
/// actor has that index), the counter is split in two halves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PackedId {
    actor: u32,
    lo: u32,
    hi: u32,
}

fn pack(id: Option<Id>) -> PackedId {
    match id {
        Some(id) => PackedId {
            actor: id.actor,
            lo: id.counter as u32,
            hi: (id.counter >> 32) as u32,
        },
        None => PackedId {
            actor: u32::MAX,
            lo: 0,
            hi: 0,
        },
    }
}

fn unpack(p: PackedId) -> Option<Id> {
    (p.actor != u32::MAX).then_some(Id {
        actor: p.actor,
        counter: u64::from(p.lo) | (u64::from(p.hi) << 32),
    })
}

impl InsertRun {
    /// The left origin of the run's first element (None: the document start).
    pub fn origin_left(&self) -> Option<Id> {
        unpack(self.left)
    }
    /// The right origin of the run (None: the document end).
    pub fn origin_right(&self) -> Option<Id> {
        unpack(self.right)
    }
    #[cfg(test)]
    pub fn set_origin_right(&mut self, id: Option<Id>) {
        self.right = pack(id);
    }
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
    /// The left origin of the element with counter `c` of this run.
    pub fn origin_left_of(&self, actor: u32, c: u64) -> Option<Id> {
        if c == self.start {
            self.origin_left()
        } else {
            Some(Id {
                actor,
                counter: c - 1,
            })
        }
    }
}

/// A range of target ids of a delete: counters `counter..counter + len` of `actor`,
/// deleted in increasing order, or in decreasing order when `rev` (backspacing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub actor: u32,
    pub counter: u64,
    pub len: u64,
    pub rev: bool,
}

/// A run of deleted elements: counters `start..start + len`, one per target element.
/// Its targets are `ActorLog::targets[targets.start..targets.end]` (one shared vector
/// per actor, so a delete run costs no allocation of its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeleteRun {
    pub start: u64,
    pub len: u64,
    pub targets: core::ops::Range<usize>,
}

impl DeleteRun {
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// Everything one actor did, in counter order.
#[derive(Clone, Debug)]
pub(crate) struct ActorLog<C> {
    pub id: ActorId,
    /// Highest counter integrated (0: none).
    pub max: u64,
    pub inserts: Vec<InsertRun>,
    pub deletes: Vec<DeleteRun>,
    /// The target ranges of all delete runs, in run order.
    pub targets: Vec<Target>,
    pub content: C,
    /// The dependency clock (see `deps.rs`): for another actor `j`, `(from, max)` steps
    /// in increasing order: this actor's ops from counter `from` on depend, directly or
    /// through other ops, on `j`'s counters `1..=max`.
    pub knows: BTreeMap<u32, Vec<(u64, u64)>>,
}

impl<C: Content> ActorLog<C> {
    pub fn new(id: ActorId) -> Self {
        ActorLog {
            id,
            max: 0,
            inserts: Vec::new(),
            deletes: Vec::new(),
            targets: Vec::new(),
            content: C::default(),
            knows: BTreeMap::new(),
        }
    }

    /// The insert run holding counter `c`.
    pub fn insert_run(&self, c: u64) -> Option<&InsertRun> {
        let i = self.inserts.partition_point(|r| r.end() <= c);
        self.inserts.get(i).filter(|r| r.start <= c)
    }

    /// The unit offset of element `c` in `content`.
    pub fn unit_of(&self, c: u64) -> Option<usize> {
        let run = self.insert_run(c)?;
        Some(self.content.skip(run.content, c - run.start))
    }

    /// Appends an insert run (counters `max + 1 ..`) whose elements are already in
    /// `content` from unit `unit`. Merges with the previous run when it continues it.
    pub fn push_insert(
        &mut self,
        actor: u32,
        len: u64,
        origin_left: Option<Id>,
        origin_right: Option<Id>,
        unit: usize,
    ) {
        let start = self.max + 1;
        self.max += len;
        if let Some(last) = self.inserts.last_mut() {
            if last.end() == start
                && origin_left
                    == Some(Id {
                        actor,
                        counter: start - 1,
                    })
                && origin_right == last.origin_right()
            {
                last.len += len;
                return;
            }
        }
        grow(&mut self.inserts, 1);
        self.inserts.push(InsertRun {
            start,
            len,
            left: pack(origin_left),
            right: pack(origin_right),
            content: unit,
        });
    }

    /// Appends a delete run (counters `max + 1 ..`), merging with the previous one.
    pub fn push_delete(&mut self, targets: &[Target]) {
        let len: u64 = targets.iter().map(|t| t.len).sum();
        if len == 0 {
            return;
        }
        let start = self.max + 1;
        self.max += len;
        let mut rest = targets;
        match self.deletes.last_mut() {
            Some(last) if last.end() == start && last.targets.end == self.targets.len() => {
                last.len += len;
            }
            _ => {
                // A new run: its first target must not join the previous run's last one.
                let first = self.targets.len();
                if let Some((t, more)) = targets.split_first() {
                    grow(&mut self.targets, 1);
                    self.targets.push(*t);
                    rest = more;
                }
                grow(&mut self.deletes, 1);
                self.deletes.push(DeleteRun {
                    start,
                    len,
                    targets: first..first,
                });
            }
        }
        for t in rest {
            push_target(&mut self.targets, *t);
        }
        let end = self.targets.len();
        if let Some(last) = self.deletes.last_mut() {
            last.targets.end = end;
        }
    }

    /// The target ranges of a delete run.
    pub fn targets_of(&self, run: &DeleteRun) -> &[Target] {
        self.targets.get(run.targets.clone()).unwrap_or(&[])
    }

    /// Checks the log's own invariants. `max_of` gives each actor's integrated maximum,
    /// so origins and targets can be checked to point at integrated ids.
    pub fn check(&self, max_of: &dyn Fn(u32) -> u64) -> Result<(), Error> {
        let bad = |why: &str| {
            Err(Error::InvalidState(format!(
                "op log of {:?}: {why}",
                self.id
            )))
        };
        let (mut i, mut d, mut next) = (0usize, 0usize, 1u64);
        let mut units = 0usize;
        let mut next_target = 0usize;
        loop {
            let ins = self.inserts.get(i);
            let del = self.deletes.get(d);
            match (ins, del) {
                (Some(r), _) if r.start == next => {
                    if r.len == 0 || r.content != units {
                        return bad("insert run empty or content out of order");
                    }
                    units = self.content.skip(units, r.len);
                    for o in [r.origin_left(), r.origin_right()].into_iter().flatten() {
                        if o.counter == 0 || o.counter > max_of(o.actor) {
                            return bad("origin is not an integrated id");
                        }
                    }
                    next = r.end();
                    i += 1;
                }
                (_, Some(r)) if r.start == next => {
                    if r.targets.start != next_target || r.targets.end < r.targets.start {
                        return bad("delete runs do not own consecutive target ranges");
                    }
                    next_target = r.targets.end;
                    let sum: u64 = self.targets_of(r).iter().map(|t| t.len).sum();
                    if r.len == 0 || sum != r.len {
                        return bad("delete run length differs from its targets");
                    }
                    for t in self.targets_of(r) {
                        if t.len == 0 || t.counter == 0 || t.counter + t.len - 1 > max_of(t.actor) {
                            return bad("delete target is not an integrated id");
                        }
                    }
                    next = r.end();
                    d += 1;
                }
                (None, None) => break,
                _ => return bad("counters are not contiguous"),
            }
        }
        if next != self.max + 1 {
            return bad("runs do not end at the integrated maximum");
        }
        if next_target != self.targets.len() {
            return bad("target ranges not owned by any delete run");
        }
        if units != self.content.units() {
            return bad("content buffer holds more than the insert runs");
        }
        let inserted: u64 = self.inserts.iter().map(|r| r.len).sum();
        if self.content.count() != inserted {
            return bad("content length differs from inserted count");
        }
        Ok(())
    }

    /// Number of inserted ids.
    pub fn inserted(&self) -> u64 {
        self.inserts.iter().map(|r| r.len).sum()
    }
}

/// Appends a target range, joining it with the last one when the ids continue it
/// forwards (deleting ahead) or backwards (backspacing).
pub(crate) fn push_target(targets: &mut Vec<Target>, t: Target) {
    if let Some(last) = targets.last_mut() {
        if last.actor == t.actor {
            let last_fwd = !last.rev || last.len == 1;
            let t_fwd = !t.rev || t.len == 1;
            if last_fwd && t_fwd && last.counter + last.len == t.counter {
                last.len += t.len;
                last.rev = false;
                return;
            }
            let last_back = last.rev || last.len == 1;
            let t_back = t.rev || t.len == 1;
            if last_back && t_back && t.counter + t.len == last.counter {
                last.counter = t.counter;
                last.len += t.len;
                last.rev = true;
                return;
            }
        }
    }
    grow(targets, 1);
    targets.push(t);
}

/// Makes room for `additional` more items, growing by an eighth instead of doubling: the
/// logs only grow, so this keeps their spare capacity (retained memory) under an eighth
/// while appends stay amortised O(1).
pub(crate) fn grow<T>(v: &mut Vec<T>, additional: usize) {
    if v.capacity() - v.len() < additional {
        v.reserve_exact(additional.max(v.len() / 8).max(8));
    }
}

/// The targets of a delete run after skipping its first `skip` elements.
pub(crate) fn skip_targets(targets: &[Target], mut skip: u64) -> Vec<Target> {
    let mut out = Vec::new();
    for t in targets {
        if skip >= t.len {
            skip -= t.len;
            continue;
        }
        // A reversed range deletes its highest ids first: skipping drops the top.
        let counter = if t.rev { t.counter } else { t.counter + skip };
        out.push(Target {
            actor: t.actor,
            counter,
            len: t.len - skip,
            rev: t.rev,
        });
        skip = 0;
    }
    out
}
