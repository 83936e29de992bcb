//! Synchronisation of a sequence: which ops a peer lacks (`delta_since`), and how received
//! ops are integrated in any order (`apply_delta`, `merge`).
//!
//! Steps of `apply_ops` (see `README.md`): trim each op to the counters this replica
//! lacks; park it in `pending` under its first missing dependency (the actor's previous
//! counter, an origin, a delete target); otherwise validate it (origins and targets must be
//! inserted ids, no element an insert depends on may lie between its origins: `deps.rs`;
//! lengths must match) and integrate it; then wake the ops that waited for
//! the ids just integrated. Invariant: a pending op's key is an id not yet integrated.

use super::content::Content;
use super::core::{NewRun, Op, Seq};
use super::delta::{Delta, WireId, WireOp};
use super::log::{skip_targets, Target};
use super::tree::{Cursor, Id};
use crate::VersionVector;
use alloc::vec::Vec;

impl<C: Content> Seq<C> {
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
            let have = self.max_of(op.actor());
            let known = op
                .start()
                .checked_add(op.len())
                .is_none_or(|end| end <= have + 1);
            if known {
                continue;
            }
            // Dependencies are those of the whole op, even when part of it is already
            // known: an honest op's known part had the same ones, and a parked op then
            // waits for the same ids whatever else arrives (and after re-decoding).
            if let Some(dep) = self.missing_dep(&op) {
                self.pending.entry(dep).or_default().push(op);
                continue;
            }
            let Some(op) = self.trim(op) else {
                continue;
            };
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
        // Ids are looked up below: re-point the ids that leaf splits moved (deferred).
        self.tree.flush_index();
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
                let left_at = match left {
                    Some(l) => Some(self.tree.find_id(l)?),
                    None => None,
                };
                if !self.origins_in_order(left_at, right)
                    || !self.only_concurrent_between(actor, start, left, left_at, right)
                {
                    return None;
                }
                let run = NewRun {
                    actor,
                    start,
                    len,
                    left,
                    right,
                    left_at,
                };
                self.integrate_insert(run, |buf| {
                    buf.grow_for(content.units());
                    buf.extend_from(&content, 0..content.units())
                })?;
                self.record_deps(actor, start, [left, right]);
                Some(())
            }
            Op::Delete {
                actor,
                start,
                len,
                targets,
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
                for t in &targets {
                    let last = Id {
                        actor: t.actor,
                        counter: t.counter + t.len.saturating_sub(1),
                    };
                    self.record_deps(actor, start, [Some(last), None]);
                }
                Some(())
            }
        }
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

    /// True unless both origins are given and the right one is not after the left one
    /// (no honest replica makes such an op: its origins were neighbours, in this order).
    /// `left_at` is where the left origin is.
    fn origins_in_order(&self, left_at: Option<Cursor>, right: Option<Id>) -> bool {
        let (Some(cl), Some(r)) = (left_at, right) else {
            return true;
        };
        // Common case (no concurrent insert between them): the right origin is the
        // element right after the left one, found without a second lookup.
        if self.tree.id_after(cl) == Some(r) {
            return true;
        }
        let at = |id| self.tree.find_id(id).and_then(|c| self.tree.position(c));
        matches!((self.tree.position(cl), at(r)), (Some(a), Some(b)) if a < b)
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
}
