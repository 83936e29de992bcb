//! Dependency clocks, and the rule that keeps hostile inserts out: **no op an insert
//! depends on may lie between its origins**.
//!
//! An op's dependencies are its actor's previous op, its origins and its delete targets;
//! a replica integrates an op only after all of them, so the ops an op depends on
//! (transitively: its *closure*) are present whenever and wherever it integrates. Because
//! every op depends on its actor's previous one, the closure holds a prefix of each
//! actor's counters: it is a version vector. [`ActorLog::knows`](super::log::ActorLog)
//! stores it per actor as steps (`from`, `max`) per other actor, recorded when an op
//! brings an origin or target its actor's earlier ops did not already depend on (typing
//! after one's own or already known elements records nothing).
//!
//! YATA places an insert correctly in any delivery order only if its origins were
//! neighbours when it was made, so everything between them is concurrent with it. For a
//! received op that means: no element of its closure lies between its origins (elements
//! of the closure are present on every replica when the op integrates, in the same
//! order, so the answer is the same everywhere). An op that breaks it was not made by
//! an honest replica (its origins were never neighbours for it) and is rejected, like
//! an op whose right origin precedes its left one. Without the rule such an op lands in
//! different places depending on what else has arrived (two replicas diverge, and a
//! decoded state, which replays ops in another order, differs from the encoded one).

use super::content::Content;
use super::core::Seq;
use super::tree::{Cursor, Id};
use alloc::vec::Vec;

impl<C: Content> Seq<C> {
    /// The highest counter of actor `j` that element or op `(a, k)` depends on, itself
    /// included (0: none).
    pub(super) fn knows(&self, a: u32, k: u64, j: u32) -> u64 {
        if a == j {
            return k;
        }
        self.logs
            .get(a as usize)
            .and_then(|l| l.knows.get(&j))
            .and_then(|steps| {
                let i = steps.partition_point(|&(from, _)| from <= k);
                steps.get(i.checked_sub(1)?).map(|&(_, max)| max)
            })
            .unwrap_or(0)
    }

    /// True when no element between the left origin (at `left_at`; `None`: the document
    /// start) and the right origin (`None`: the document end) is in the closure of the
    /// insert `actor, start..` with origins `left`, `right` (see the module docs).
    pub(super) fn only_concurrent_between(
        &self,
        actor: u32,
        start: u64,
        left: Option<Id>,
        left_at: Option<Cursor>,
        right: Option<Id>,
    ) -> bool {
        let prev = start.saturating_sub(1);
        let in_closure = |id: Id| {
            let known = [left, right]
                .into_iter()
                .flatten()
                .map(|d| self.knows(d.actor, d.counter, id.actor))
                .fold(self.knows(actor, prev, id.actor), u64::max);
            id.counter <= known
        };
        let mut cur = match left_at {
            Some(c) => self.tree.advance(c, 1),
            None => self
                .tree
                .first()
                .map(|(leaf, idx)| Cursor { leaf, idx, off: 0 }),
        };
        while let Some(c) = cur {
            let Some(sp) = self.tree.span(c.leaf, c.idx) else {
                return false;
            };
            let id = sp.id_at(c.off);
            if Some(id) == right {
                return true;
            }
            // The span's elements from `c` on, up to the right origin if it is among
            // them; the first has the smallest counter, so it decides for all.
            let mut n = sp.len() - c.off;
            if let Some(r) = right {
                if r.actor == id.actor && r.counter > id.counter && r.counter < id.counter + n {
                    n = r.counter - id.counter;
                }
            }
            if in_closure(id) {
                return false;
            }
            cur = self.tree.advance(c, n);
        }
        right.is_none()
    }

    /// Records that the op of `actor` starting at counter `start` depends on `deps`
    /// (its origins, or the last id of a delete target range). Inlined: an op that
    /// depends only on its own actor's elements (typing, local deletes of one's own
    /// text) records nothing and returns at once.
    #[inline(always)]
    pub(super) fn record_deps(&mut self, actor: u32, start: u64, deps: [Option<Id>; 2]) {
        let [a, b] = deps;
        if a.is_some_and(|d| d.actor != actor) || b.is_some_and(|d| d.actor != actor) {
            self.record_other_deps(actor, start, deps);
        }
    }

    #[cold]
    #[inline(never)]
    fn record_other_deps(&mut self, actor: u32, start: u64, deps: [Option<Id>; 2]) {
        let prev = start.saturating_sub(1);
        let mut gained: Vec<(u32, u64)> = Vec::new();
        for d in deps.into_iter().flatten() {
            if d.actor == actor || d.counter <= self.knows(actor, prev, d.actor) {
                // Already in the closure, and so is everything `d` depends on.
                continue;
            }
            gained.push((d.actor, d.counter));
            if let Some(log) = self.logs.get(d.actor as usize) {
                let others: Vec<u32> = log.knows.keys().copied().collect();
                for j in others {
                    gained.push((j, self.knows(d.actor, d.counter, j)));
                }
            }
        }
        for (j, max) in gained {
            if j == actor || max <= self.knows(actor, prev, j) {
                continue;
            }
            let Some(log) = self.logs.get_mut(actor as usize) else {
                return;
            };
            let steps = log.knows.entry(j).or_default();
            match steps.last_mut() {
                Some(last) if last.0 == start => last.1 = last.1.max(max),
                _ => steps.push((start, max)),
            }
        }
    }
}
