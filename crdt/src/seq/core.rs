//! The replicated sequence core shared by `Rga<T>` and `TextCrdt`: local edits, YATA
//! integration of remote ops, the pending queue, deltas, equality and invariants.
//!
//! State: an actor table with one [`ActorLog`] per actor (the ops, RLE), the [`Tree`]
//! (document order of all inserted ids, tombstones included), the local actor, and the
//! pending queue of received ops whose dependencies are missing.
//!
//! Integration of an insert run (YATA, as in Yjs; see `README.md` beside this file):
//! start right after the left origin, scan the elements up to the right origin, and
//! place the run by the YATA rules; the scan visits whole runs, so a typed word is
//! placed in one step. A delete marks its target ids deleted (a tombstone keeps its place).
//!
//! Dependencies of an op: the same actor's previous counter, its origins, its delete
//! targets. An op that lacks one waits in `pending`, keyed by the first missing id, and is
//! retried when that id is integrated.
//!
//! Equality and summary cover integrated ops only: pending ops are not yet part of the
//! replicated state (they are kept, encoded with the state, and integrate as soon as their
//! dependencies arrive). The local actor is not replicated state either.

use super::content::Content;
use super::delta::{Delta, WireId, WireOp};
use super::log::{skip_targets, ActorLog, Target};
use super::tree::{Cursor, Id, Tree};
use crate::{ActorId, Error, VersionVector};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use core::ops::Range;

/// An op in local actor numbering, with its own content.
#[derive(Clone, Debug)]
pub(crate) enum Op<C> {
    Insert {
        actor: u32,
        start: u64,
        len: u64,
        left: Option<Id>,
        right: Option<Id>,
        content: C,
    },
    Delete {
        actor: u32,
        start: u64,
        len: u64,
        targets: Vec<Target>,
    },
}

impl<C> Op<C> {
    fn actor(&self) -> u32 {
        match self {
            Op::Insert { actor, .. } | Op::Delete { actor, .. } => *actor,
        }
    }
    fn start(&self) -> u64 {
        match self {
            Op::Insert { start, .. } | Op::Delete { start, .. } => *start,
        }
    }
    fn len(&self) -> u64 {
        match self {
            Op::Insert { len, .. } | Op::Delete { len, .. } => *len,
        }
    }
}

/// An insert run to integrate: counters `start..start + len` of `actor`.
struct NewRun {
    actor: u32,
    start: u64,
    len: u64,
    left: Option<Id>,
    right: Option<Id>,
}

/// The sequence core.
#[derive(Clone, Debug)]
pub(crate) struct Seq<C> {
    logs: Vec<ActorLog<C>>,
    actor_ix: BTreeMap<ActorId, u32>,
    local: u32,
    local_id: ActorId,
    tree: Tree,
    /// Ops waiting for a dependency, keyed by the first missing id.
    pending: BTreeMap<Id, Vec<Op<C>>>,
}

impl<C: Content> Seq<C> {
    pub fn new(actor: ActorId) -> Self {
        let mut s = Seq {
            logs: Vec::new(),
            actor_ix: BTreeMap::new(),
            local: 0,
            local_id: actor.clone(),
            tree: Tree::default(),
            pending: BTreeMap::new(),
        };
        s.local = s.intern(&actor);
        s
    }

    /// A copy with the same history and another local actor.
    pub fn fork(&self, actor: ActorId) -> Self {
        let mut s = self.clone();
        s.local = s.intern(&actor);
        s.local_id = actor;
        s
    }

    /// The local actor.
    pub fn actor(&self) -> &ActorId {
        &self.local_id
    }

    fn intern(&mut self, actor: &ActorId) -> u32 {
        if let Some(&i) = self.actor_ix.get(actor) {
            return i;
        }
        let i = self.logs.len() as u32;
        self.logs.push(ActorLog::new(actor.clone()));
        self.actor_ix.insert(actor.clone(), i);
        i
    }

    fn max_of(&self, actor: u32) -> u64 {
        self.logs.get(actor as usize).map_or(0, |l| l.max)
    }

    /// Number of visible elements.
    pub fn len(&self) -> usize {
        usize::try_from(self.tree.visible_len()).unwrap_or(usize::MAX)
    }

    /// Number of ops waiting for dependencies.
    pub fn pending_len(&self) -> usize {
        self.pending.values().map(Vec::len).sum()
    }

    /// The content buffer and unit offset of the visible element at `pos`.
    pub fn locate(&self, pos: usize) -> Option<(&C, usize)> {
        let c = self.tree.find_visible(pos as u64)?;
        let sp = self.tree.span(c.leaf, c.idx)?;
        let log = self.logs.get(sp.actor as usize)?;
        Some((&log.content, log.unit_of(sp.counter + c.off)?))
    }

    /// Visible content as (buffer, unit range) chunks in document order.
    pub fn chunks(&self) -> impl Iterator<Item = (&C, Range<usize>)> + '_ {
        self.tree
            .spans()
            .filter(|s| !s.deleted())
            .flat_map(move |sp| {
                let log = self.logs.get(sp.actor as usize);
                let mut c = sp.counter;
                let end = sp.end();
                core::iter::from_fn(move || {
                    let log = log?;
                    if c >= end {
                        return None;
                    }
                    let run = log.insert_run(c)?;
                    let stop = run.end().min(end);
                    let from = log.content.skip(run.content, c - run.start);
                    let to = log.content.skip(from, stop - c);
                    c = stop;
                    Some((&log.content, from..to))
                })
            })
    }

    fn check_pos(&self, pos: usize, len: usize) -> Result<(), Error> {
        if pos > len {
            return Err(Error::IndexOutOfBounds { index: pos, len });
        }
        Ok(())
    }

    /// Inserts `n` elements at visible position `pos`; `append` adds them to the local
    /// actor's content buffer.
    pub fn insert_local(
        &mut self,
        pos: usize,
        n: u64,
        append: impl FnOnce(&mut C),
    ) -> Result<(), Error> {
        let len = self.len();
        self.check_pos(pos, len)?;
        if n == 0 {
            return Ok(());
        }
        let actor = self.local;
        let start = self.max_of(actor) + 1;
        if start.checked_add(n).is_none() {
            return Err(Error::CounterExhausted {
                actor: self.actor().clone(),
            });
        }
        let (left, right, hint) = if pos == 0 {
            (
                None,
                self.tree
                    .first()
                    .and_then(|(l, i)| self.tree.span(l, i))
                    .map(|s| s.id_at(0)),
                None,
            )
        } else {
            let c = self
                .tree
                .find_visible_near(pos as u64 - 1)
                .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
            let sp = self
                .tree
                .span(c.leaf, c.idx)
                .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
            let right = if c.off + 1 < sp.len() {
                Some(sp.id_at(c.off + 1))
            } else {
                self.tree
                    .next(c.leaf, c.idx)
                    .and_then(|(l, i)| self.tree.span(l, i))
                    .map(|s| s.id_at(0))
            };
            (Some(sp.id_at(c.off)), right, Some(c))
        };
        let run = NewRun {
            actor,
            start,
            len: n,
            left,
            right,
        };
        self.integrate_insert(run, hint, append).ok_or_else(|| {
            Error::InvalidState(format!("local insert at {pos} failed to integrate"))
        })
    }

    /// Deletes `n` visible elements from position `pos`.
    pub fn delete_local(&mut self, pos: usize, n: usize) -> Result<(), Error> {
        let len = self.len();
        let end = pos
            .checked_add(n)
            .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
        if end > len {
            return Err(Error::IndexOutOfBounds {
                index: end.max(pos),
                len,
            });
        }
        if n == 0 {
            return Ok(());
        }
        let actor = self.local;
        if self.max_of(actor).checked_add(n as u64).is_none() {
            return Err(Error::CounterExhausted {
                actor: self.actor().clone(),
            });
        }
        let mut rem = n as u64;
        while rem > 0 {
            let c = self
                .tree
                .find_visible_near(pos as u64)
                .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
            let sp = self
                .tree
                .span(c.leaf, c.idx)
                .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
            let id = sp.id_at(c.off);
            let (m, _) = self
                .tree
                .delete_at(c, rem)
                .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
            // Each piece joins the same delete run in the log.
            if let Some(log) = self.logs.get_mut(actor as usize) {
                log.push_delete(&[Target {
                    actor: id.actor,
                    counter: id.counter,
                    len: m,
                    rev: false,
                }]);
            }
            rem -= m;
        }
        Ok(())
    }

    /// Places an insert run by YATA and records it; `hint` is the left origin's cursor
    /// when the caller has it, `append` adds the run's elements to the actor's content.
    /// `None` when the anchors are missing (only possible for unvalidated ops).
    fn integrate_insert(
        &mut self,
        run: NewRun,
        hint: Option<Cursor>,
        append: impl FnOnce(&mut C),
    ) -> Option<()> {
        let NewRun {
            actor,
            start,
            len,
            left,
            right,
        } = run;
        // The run goes after `dest` (None: at the very start).
        let (mut dest, mut cur) = match left {
            Some(l) => {
                let c = match hint {
                    Some(c) => c,
                    None => self.tree.find_id(l)?,
                };
                let (leaf, idx) = self.tree.split_after(c)?;
                let sp = self.tree.span(leaf, idx)?;
                let next =
                    self.tree
                        .next(leaf, idx)
                        .map(|(leaf, idx)| Cursor { leaf, idx, off: 0 });
                (
                    Some(Cursor {
                        leaf,
                        idx,
                        off: sp.len() - 1,
                    }),
                    next,
                )
            }
            None => (
                None,
                self.tree
                    .first()
                    .map(|(leaf, idx)| Cursor { leaf, idx, off: 0 }),
            ),
        };
        // Scanned segments (start id, length, scan number); segments numbered at or after
        // `conflict_from` are the YATA "conflicting" set.
        let mut scanned: Vec<(Id, u64, u32)> = Vec::new();
        let (mut n, mut conflict_from) = (0u32, 0u32);
        while let Some(c) = cur {
            let sp = self.tree.span(c.leaf, c.idx)?;
            let id = sp.id_at(c.off);
            if Some(id) == right {
                break;
            }
            let olog = self.logs.get(sp.actor as usize)?;
            let run = olog.insert_run(id.counter)?;
            let mut seg = (sp.len() - c.off).min(run.end() - id.counter);
            if let Some(r) = right {
                if r.actor == id.actor && r.counter > id.counter && r.counter < id.counter + seg {
                    seg = r.counter - id.counter;
                }
            }
            let o_left = run.origin_left_of(sp.actor, id.counter);
            let o_right = run.origin_right();
            scanned.push((id, seg, n));
            let moved = if o_left == left {
                if Some(&olog.id) < self.logs.get(actor as usize).map(|l| &l.id) {
                    true
                } else if o_right == right {
                    break;
                } else {
                    false
                }
            } else if let Some(ol) = o_left {
                let hit = scanned.iter().find(|(s, l, _)| {
                    s.actor == ol.actor && s.counter <= ol.counter && ol.counter < s.counter + l
                });
                match hit {
                    Some(&(_, _, k)) => k < conflict_from,
                    None => break,
                }
            } else {
                break;
            };
            n += 1;
            if moved {
                dest = Some(Cursor {
                    leaf: c.leaf,
                    idx: c.idx,
                    off: c.off + seg - 1,
                });
                conflict_from = n;
            }
            cur = if c.off + seg < sp.len() {
                Some(Cursor {
                    off: c.off + seg,
                    ..c
                })
            } else {
                self.tree
                    .next(c.leaf, c.idx)
                    .map(|(leaf, idx)| Cursor { leaf, idx, off: 0 })
            };
        }
        let after = match dest {
            Some(c) => Some(self.tree.split_after(c)?),
            None => None,
        };
        self.tree.insert_run(after, actor, start, len);
        let log = self.logs.get_mut(actor as usize)?;
        let unit = log.content.units();
        append(&mut log.content);
        log.push_insert(actor, len, left, right, unit);
        Some(())
    }

    /// The ids `actor, counter..counter + len` are all inserted (not delete) ids.
    fn are_insert_ids(&self, t: &Target) -> bool {
        let Some(log) = self.logs.get(t.actor as usize) else {
            return false;
        };
        let mut c = t.counter;
        let end = t.counter.saturating_add(t.len);
        while c < end {
            match log.insert_run(c) {
                Some(r) => c = r.end(),
                None => return false,
            }
        }
        true
    }

    fn is_insert_id(&self, id: Id) -> bool {
        self.are_insert_ids(&Target {
            actor: id.actor,
            counter: id.counter,
            len: 1,
            rev: false,
        })
    }

    /// The first dependency of `op` not yet integrated.
    fn missing_dep(&self, op: &Op<C>) -> Option<Id> {
        let (actor, start) = (op.actor(), op.start());
        if self.max_of(actor) + 1 < start {
            return Some(Id {
                actor,
                counter: start - 1,
            });
        }
        let covered = |id: Id| id.counter <= self.max_of(id.actor);
        match op {
            Op::Insert { left, right, .. } => [left, right]
                .into_iter()
                .flatten()
                .find(|id| !covered(**id))
                .copied(),
            Op::Delete { targets, .. } => targets
                .iter()
                .map(|t| Id {
                    actor: t.actor,
                    counter: t.counter + t.len - 1,
                })
                .find(|id| !covered(*id)),
        }
    }

    /// Drops the part of `op` this replica already has; `None` when it has all of it.
    fn trim(&self, op: Op<C>) -> Option<Op<C>> {
        let have = self.max_of(op.actor());
        let end = op.start().checked_add(op.len())?;
        if end <= have + 1 {
            return None;
        }
        if op.start() > have {
            return Some(op);
        }
        let k = have + 1 - op.start();
        Some(match op {
            Op::Insert {
                actor,
                len,
                right,
                content,
                ..
            } => {
                let from = content.skip(0, k);
                let mut rest = C::default();
                rest.extend_from(&content, from..content.units());
                Op::Insert {
                    actor,
                    start: have + 1,
                    len: len - k,
                    left: Some(Id {
                        actor,
                        counter: have,
                    }),
                    right,
                    content: rest,
                }
            }
            Op::Delete {
                actor,
                len,
                targets,
                ..
            } => Op::Delete {
                actor,
                start: have + 1,
                len: len - k,
                targets: skip_targets(&targets, k),
            },
        })
    }

    /// Integrates ops (any order, duplicates allowed), buffering those whose dependencies
    /// are missing. Returns how many ops were rejected as invalid.
    pub fn apply_ops(&mut self, ops: Vec<Op<C>>) -> usize {
        let mut rejected = 0;
        let mut queue = ops;
        queue.reverse();
        while let Some(op) = queue.pop() {
            let Some(op) = self.trim(op) else {
                continue;
            };
            if let Some(dep) = self.missing_dep(&op) {
                self.pending.entry(dep).or_default().push(op);
                continue;
            }
            let actor = op.actor();
            let before = self.max_of(actor);
            if self.integrate(op).is_none() {
                rejected += 1;
                continue;
            }
            let after = self.max_of(actor);
            let lo = Id {
                actor,
                counter: before + 1,
            };
            let hi = Id {
                actor,
                counter: after,
            };
            let woken: Vec<Id> = self.pending.range(lo..=hi).map(|(k, _)| *k).collect();
            for k in woken {
                if let Some(ops) = self.pending.remove(&k) {
                    queue.extend(ops);
                }
            }
        }
        rejected
    }

    /// Integrates one op whose dependencies are present, after validating it.
    fn integrate(&mut self, op: Op<C>) -> Option<()> {
        match op {
            Op::Insert {
                actor,
                start,
                len,
                left,
                right,
                content,
            } => {
                let valid = len > 0
                    && content.count() == len
                    && start.checked_add(len).is_some()
                    && [left, right]
                        .into_iter()
                        .flatten()
                        .all(|id| self.is_insert_id(id));
                if !valid {
                    return None;
                }
                let run = NewRun {
                    actor,
                    start,
                    len,
                    left,
                    right,
                };
                self.integrate_insert(run, None, |buf| {
                    buf.extend_from(&content, 0..content.units())
                })
            }
            Op::Delete {
                actor,
                len,
                targets,
                ..
            } => {
                let sum = targets.iter().try_fold(0u64, |s, t| s.checked_add(t.len));
                if len == 0
                    || sum != Some(len)
                    || !targets.iter().all(|t| t.len > 0 && self.are_insert_ids(t))
                {
                    return None;
                }
                for t in &targets {
                    let (mut c, mut rem) = (t.counter, t.len);
                    while rem > 0 {
                        let cur = self.tree.find_id(Id {
                            actor: t.actor,
                            counter: c,
                        })?;
                        let (m, _) = self.tree.delete_at(cur, rem)?;
                        c += m;
                        rem -= m;
                    }
                }
                self.logs.get_mut(actor as usize)?.push_delete(&targets);
                Some(())
            }
        }
    }

    /// The integrated version vector.
    pub fn summary(&self) -> VersionVector {
        self.logs.iter().map(|l| (l.id.clone(), l.max)).collect()
    }

    /// Every integrated op that a replica with version vector `vv` lacks.
    pub fn delta_since(&self, vv: &VersionVector) -> Delta<C> {
        let mut out = Delta::default();
        let mut map: Vec<Option<u32>> = alloc::vec![None; self.logs.len()];
        let mut wire = |out: &mut Delta<C>, actor: u32| -> u32 {
            if let Some(Some(i)) = map.get(actor as usize) {
                return *i;
            }
            let i = out.actors.len() as u32;
            if let (Some(slot), Some(log)) =
                (map.get_mut(actor as usize), self.logs.get(actor as usize))
            {
                *slot = Some(i);
                out.actors.push(log.id.clone());
            }
            i
        };
        for (a, log) in self.logs.iter().enumerate() {
            let actor = a as u32;
            let have = vv.get(log.id.as_str());
            if have >= log.max {
                continue;
            }
            let wa = wire(&mut out, actor);
            let mut i = log.inserts.partition_point(|r| r.end() <= have + 1);
            let mut d = log.deletes.partition_point(|r| r.end() <= have + 1);
            loop {
                let ins = log.inserts.get(i);
                let del = log.deletes.get(d);
                let take_insert = match (ins, del) {
                    (Some(r), Some(x)) => r.start < x.start,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                if take_insert {
                    let Some(r) = ins else { break };
                    let k = have.saturating_sub(r.start - 1).min(r.len);
                    let start = r.start + k;
                    let left = if k > 0 {
                        Some(Id {
                            actor,
                            counter: start - 1,
                        })
                    } else {
                        r.origin_left()
                    };
                    let from = log.content.skip(r.content, k);
                    let to = log.content.skip(from, r.len - k);
                    out.content.extend_from(&log.content, from..to);
                    let left = left.map(|id| (wire(&mut out, id.actor), id.counter));
                    let right = r
                        .origin_right()
                        .map(|id| (wire(&mut out, id.actor), id.counter));
                    out.ops.push(WireOp::Insert {
                        actor: wa,
                        start,
                        len: r.len - k,
                        left,
                        right,
                    });
                    i += 1;
                } else {
                    let Some(x) = del else { break };
                    let k = have.saturating_sub(x.start - 1).min(x.len);
                    let targets = skip_targets(log.targets_of(x), k)
                        .into_iter()
                        .map(|t| (wire(&mut out, t.actor), t.counter, t.len, t.rev))
                        .collect();
                    out.ops.push(WireOp::Delete {
                        actor: wa,
                        start: x.start + k,
                        len: x.len - k,
                        targets,
                    });
                    d += 1;
                }
            }
        }
        out
    }

    /// The pending ops, as a delta (to encode them with the state).
    #[cfg(feature = "serde")]
    pub fn pending_delta(&self) -> Delta<C> {
        let mut out: Delta<C> = Delta {
            actors: self.logs.iter().map(|l| l.id.clone()).collect(),
            ..Delta::default()
        };
        for op in self.pending.values().flatten() {
            match op {
                Op::Insert {
                    actor,
                    start,
                    len,
                    left,
                    right,
                    content,
                } => {
                    out.content.extend_from(content, 0..content.units());
                    out.ops.push(WireOp::Insert {
                        actor: *actor,
                        start: *start,
                        len: *len,
                        left: left.map(|i| (i.actor, i.counter)),
                        right: right.map(|i| (i.actor, i.counter)),
                    });
                }
                Op::Delete {
                    actor,
                    start,
                    len,
                    targets,
                } => out.ops.push(WireOp::Delete {
                    actor: *actor,
                    start: *start,
                    len: *len,
                    targets: targets
                        .iter()
                        .map(|t| (t.actor, t.counter, t.len, t.rev))
                        .collect(),
                }),
            }
        }
        out
    }

    /// Converts a (structurally valid) delta into local ops; ops that do not fit the
    /// delta's own structure are dropped and counted.
    fn ops_of(&mut self, delta: &Delta<C>) -> (Vec<Op<C>>, usize) {
        let actors: Vec<u32> = delta.actors.iter().map(|a| self.intern(a)).collect();
        let local = |wa: u32| actors.get(wa as usize).copied();
        let id = |w: &WireId| {
            local(w.0).map(|actor| Id {
                actor,
                counter: w.1,
            })
        };
        let mut ops = Vec::with_capacity(delta.ops.len());
        let mut bad = 0;
        let mut unit = 0usize;
        for op in &delta.ops {
            match op {
                WireOp::Insert {
                    actor,
                    start,
                    len,
                    left,
                    right,
                } => {
                    let to = delta.content.skip(unit, *len);
                    let mut content = C::default();
                    content.extend_from(&delta.content, unit..to);
                    unit = to;
                    let l = left.as_ref().map(id);
                    let r = right.as_ref().map(id);
                    let dangling = matches!(l, Some(None)) || matches!(r, Some(None));
                    match local(*actor) {
                        Some(actor) if !dangling => ops.push(Op::Insert {
                            actor,
                            start: *start,
                            len: *len,
                            left: l.flatten(),
                            right: r.flatten(),
                            content,
                        }),
                        _ => bad += 1,
                    }
                }
                WireOp::Delete {
                    actor,
                    start,
                    len,
                    targets,
                } => {
                    let ts: Option<Vec<Target>> = targets
                        .iter()
                        .map(|&(a, c, l, rev)| {
                            local(a).map(|actor| Target {
                                actor,
                                counter: c,
                                len: l,
                                rev,
                            })
                        })
                        .collect();
                    match (local(*actor), ts) {
                        (Some(actor), Some(targets)) => ops.push(Op::Delete {
                            actor,
                            start: *start,
                            len: *len,
                            targets,
                        }),
                        _ => bad += 1,
                    }
                }
            }
        }
        (ops, bad)
    }

    /// Applies a delta; returns the number of rejected ops.
    pub fn apply_delta(&mut self, delta: &Delta<C>) -> usize {
        if delta.validate().is_err() {
            return delta.ops.len().max(1);
        }
        let (ops, bad) = self.ops_of(delta);
        bad + self.apply_ops(ops)
    }

    /// Applies `other`'s ops that this replica lacks.
    pub fn merge(&mut self, other: &Self) {
        let delta = other.delta_since(&self.summary());
        self.apply_delta(&delta);
    }

    /// All ids in document order as maximal runs `(actor, counter, len, deleted)`.
    fn runs(&self) -> Vec<(&ActorId, u64, u64, bool)> {
        let mut out: Vec<(&ActorId, u64, u64, bool)> = Vec::new();
        for sp in self.tree.spans() {
            let Some(log) = self.logs.get(sp.actor as usize) else {
                continue;
            };
            if let Some(last) = out.last_mut() {
                if last.0 == &log.id && last.1 + last.2 == sp.counter && last.3 == sp.deleted() {
                    last.2 += sp.len();
                    continue;
                }
            }
            out.push((&log.id, sp.counter, sp.len(), sp.deleted()));
        }
        out
    }

    /// Visible elements in order.
    pub fn elems(&self) -> impl Iterator<Item = C::Elem> + '_ {
        self.chunks().flat_map(|(buf, r)| {
            let mut u = r.start;
            core::iter::from_fn(move || {
                if u >= r.end {
                    return None;
                }
                let e = buf.elem_at(u)?;
                u = buf.skip(u, 1);
                Some(e)
            })
        })
    }

    /// Replicated-state equality: integrated ops, document order with tombstones, and
    /// visible content. Ignores the local actor and the pending queue.
    pub fn state_eq(&self, other: &Self) -> bool {
        self.summary() == other.summary()
            && self.runs() == other.runs()
            && self.elems().eq(other.elems())
    }

    /// Checks every invariant of the tree, the logs and their agreement.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |why: &str| Err(Error::InvalidState(format!("sequence: {why}")));
        self.tree.check()?;
        if self.logs.get(self.local as usize).map(|l| &l.id) != Some(&self.local_id) {
            return bad("local actor missing from the actor table");
        }
        if self.actor_ix.len() != self.logs.len() {
            return bad("actor table and index differ");
        }
        for (i, log) in self.logs.iter().enumerate() {
            if self.actor_ix.get(&log.id) != Some(&(i as u32)) {
                return bad("actor index points to the wrong log");
            }
            log.check(&|a| self.max_of(a))?;
        }
        let in_tree = self.tree.ids_per_actor();
        for (i, log) in self.logs.iter().enumerate() {
            if in_tree.get(i).copied().unwrap_or(0) != log.inserted() {
                return bad("tree does not hold exactly the inserted ids");
            }
        }
        // Every span lies within insert runs; deleted spans are exactly the delete targets.
        let mut dead_tree: Vec<Vec<(u64, u64)>> = alloc::vec![Vec::new(); self.logs.len()];
        for sp in self.tree.spans() {
            if !self.are_insert_ids(&Target {
                actor: sp.actor,
                counter: sp.counter,
                len: sp.len(),
                rev: false,
            }) {
                return bad("tree holds an id that is not an inserted id");
            }
            if sp.deleted() {
                if let Some(v) = dead_tree.get_mut(sp.actor as usize) {
                    v.push((sp.counter, sp.end()));
                }
            }
        }
        let mut dead_log: Vec<Vec<(u64, u64)>> = alloc::vec![Vec::new(); self.logs.len()];
        for log in &self.logs {
            for t in &log.targets {
                if let Some(v) = dead_log.get_mut(t.actor as usize) {
                    v.push((t.counter, t.counter + t.len));
                }
            }
        }
        for (a, b) in dead_tree.iter_mut().zip(dead_log.iter_mut()) {
            if union(a) != union(b) {
                return bad("deleted elements differ from the delete ops' targets");
            }
        }
        self.check_order()?;
        for k in self.pending.keys() {
            if k.counter <= self.max_of(k.actor) {
                return bad("a pending op waits for an id that is integrated");
            }
        }
        Ok(())
    }

    /// Checks that the document order respects every insert's origins: the left origin
    /// comes before the run, the right origin after it, and a run's elements are in
    /// counter order.
    fn check_order(&self) -> Result<(), Error> {
        let bad = |why: &str| Err(Error::InvalidState(format!("sequence order: {why}")));
        // Per actor: span start counter -> (length, position counting tombstones).
        let mut starts: Vec<BTreeMap<u64, (u64, u64)>> =
            alloc::vec![BTreeMap::new(); self.logs.len()];
        let mut raw = 0u64;
        for sp in self.tree.spans() {
            if let Some(m) = starts.get_mut(sp.actor as usize) {
                m.insert(sp.counter, (sp.len(), raw));
            }
            raw += sp.len();
        }
        let at = |id: Id| -> Option<u64> {
            let (&s, &(l, p)) = starts
                .get(id.actor as usize)?
                .range(..=id.counter)
                .next_back()?;
            (id.counter < s + l).then_some(p + (id.counter - s))
        };
        for (a, log) in self.logs.iter().enumerate() {
            let actor = a as u32;
            for r in &log.inserts {
                let first = at(Id {
                    actor,
                    counter: r.start,
                });
                let last = at(Id {
                    actor,
                    counter: r.end() - 1,
                });
                if let Some(ol) = r.origin_left() {
                    if at(ol).is_none() || at(ol) >= first {
                        return bad("an insert run is not after its left origin");
                    }
                }
                if let Some(or) = r.origin_right() {
                    if at(or).is_none() || at(or) <= last {
                        return bad("an insert run is not before its right origin");
                    }
                }
                let inner = starts
                    .get(a)
                    .into_iter()
                    .flat_map(|m| m.range(r.start + 1..r.end()));
                for (&c, _) in inner {
                    if at(Id {
                        actor,
                        counter: c - 1,
                    }) >= at(Id { actor, counter: c })
                    {
                        return bad("a run's elements are out of counter order");
                    }
                }
            }
        }
        Ok(())
    }

    /// Heap bytes, roughly (tree, index, logs).
    pub fn heap_bytes(&self) -> usize {
        let logs: usize = self
            .logs
            .iter()
            .map(|l| {
                l.inserts.capacity() * core::mem::size_of::<super::log::InsertRun>()
                    + l.deletes.capacity() * core::mem::size_of::<super::log::DeleteRun>()
                    + l.targets.capacity() * core::mem::size_of::<Target>()
                    + l.content.units()
            })
            .sum();
        self.tree.heap_bytes() + logs
    }

    /// Number of spans in the tree (memory statistics).
    pub fn span_count(&self) -> usize {
        self.tree.span_count()
    }
}

fn union(v: &mut [(u64, u64)]) -> Vec<(u64, u64)> {
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &(s, e) in v.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn doc() -> Seq<String> {
        let mut s = Seq::new(ActorId::from("a"));
        s.insert_local(0, 5, |b: &mut String| b.push_str("hello"))
            .unwrap();
        s.insert_local(2, 2, |b: &mut String| b.push_str("XY"))
            .unwrap();
        s.delete_local(1, 2).unwrap();
        s.check().unwrap();
        s
    }

    #[test]
    fn check_catches_a_log_gap() {
        let mut s = doc();
        s.logs[0].max += 1;
        assert!(s.check().is_err());
    }

    #[test]
    fn check_catches_deletes_that_disagree_with_tombstones() {
        let mut s = doc();
        s.logs[0].targets[0].counter = 4;
        assert!(s.check().is_err());
    }

    #[test]
    fn check_catches_an_order_that_breaks_origins() {
        let mut s = doc();
        s.logs[0].inserts[1].set_origin_right(Some(Id {
            actor: 0,
            counter: 1,
        }));
        assert!(s.check().is_err());
    }

    #[test]
    fn check_catches_a_bad_index_or_sum() {
        let mut s = doc();
        s.tree.corrupt_for_test();
        assert!(s.check().is_err());
    }
}
