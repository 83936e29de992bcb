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
//! retried when that id is integrated (`sync.rs`). Invariants: `check.rs`.
//!
//! Equality and summary cover integrated ops only: pending ops are not yet part of the
//! replicated state (they are kept, encoded with the state, and integrate as soon as their
//! dependencies arrive). The local actor is not replicated state either.

use super::content::Content;
use super::log::{ActorLog, Target};
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
    pub(super) fn actor(&self) -> u32 {
        match self {
            Op::Insert { actor, .. } | Op::Delete { actor, .. } => *actor,
        }
    }
    pub(super) fn start(&self) -> u64 {
        match self {
            Op::Insert { start, .. } | Op::Delete { start, .. } => *start,
        }
    }
    pub(super) fn len(&self) -> u64 {
        match self {
            Op::Insert { len, .. } | Op::Delete { len, .. } => *len,
        }
    }
}

/// An insert run to integrate: counters `start..start + len` of `actor`.
pub(super) struct NewRun {
    pub actor: u32,
    pub start: u64,
    pub len: u64,
    pub left: Option<Id>,
    pub right: Option<Id>,
    /// Where `left` is in the tree (found while validating the op).
    pub left_at: Option<Cursor>,
}

/// The sequence core.
#[derive(Clone, Debug)]
pub(crate) struct Seq<C> {
    pub(super) logs: Vec<ActorLog<C>>,
    pub(super) actor_ix: BTreeMap<ActorId, u32>,
    pub(super) local: u32,
    pub(super) local_id: ActorId,
    pub(super) tree: Tree,
    /// Ops waiting for a dependency, keyed by the first missing id.
    pub(super) pending: BTreeMap<Id, Vec<Op<C>>>,
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

    pub(super) fn intern(&mut self, actor: &ActorId) -> u32 {
        if let Some(&i) = self.actor_ix.get(actor) {
            return i;
        }
        let i = self.logs.len() as u32;
        self.logs.push(ActorLog::new(actor.clone()));
        self.actor_ix.insert(actor.clone(), i);
        i
    }

    pub(super) fn max_of(&self, actor: u32) -> u64 {
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
        // A local insert goes right after the element at `pos - 1` (its left origin) and
        // before the next element, tombstones included (its right origin): no concurrent
        // insert sits between them, so the YATA scan would stop at once and is skipped.
        let (left, right, after) = if pos == 0 {
            let right = self
                .tree
                .first()
                .and_then(|(l, i)| self.tree.span(l, i))
                .map(|s| s.id_at(0));
            (None, right, None)
        } else {
            let oob = || Error::IndexOutOfBounds { index: pos, len };
            let c = self
                .tree
                .find_visible_near(pos as u64 - 1)
                .ok_or_else(oob)?;
            let sp = self.tree.span(c.leaf, c.idx).ok_or_else(oob)?;
            let right = self.tree.id_after(c);
            let after = self.tree.split_after(c).ok_or_else(oob)?;
            (Some(sp.id_at(c.off)), right, Some(after))
        };
        let last = self.tree.insert_run(after, actor, start, n);
        // The cursor cache: the span holding the run's last element, which is visible
        // element `pos + n - 1`.
        if let Some((leaf, idx)) = last {
            if let Some(sp) = self.tree.span(leaf, idx) {
                let into = (start + n - 1).saturating_sub(sp.counter);
                self.tree
                    .set_hint(leaf, idx, (pos as u64 + n - 1).saturating_sub(into));
            }
        }
        let log = self
            .logs
            .get_mut(actor as usize)
            .ok_or_else(|| Error::InvalidState(format!("local insert at {pos}: no log")))?;
        let unit = log.content.units();
        append(&mut log.content);
        log.push_insert(actor, n, left, right, unit);
        self.record_deps(actor, start, [left, right]);
        Ok(())
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
        let start = self.max_of(actor) + 1;
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
            let (m, at) = self
                .tree
                .delete_at(c, rem)
                .ok_or(Error::IndexOutOfBounds { index: pos, len })?;
            // The cursor cache: the span at `c` now starts where it did, `pos - c.off`.
            if let Some((leaf, idx)) = at {
                self.tree.set_hint(leaf, idx, pos as u64 - c.off);
            }
            // Each piece joins the same delete run in the log.
            if let Some(log) = self.logs.get_mut(actor as usize) {
                log.push_delete(&[Target {
                    actor: id.actor,
                    counter: id.counter,
                    len: m,
                    rev: false,
                }]);
            }
            let last = Id {
                actor: id.actor,
                counter: id.counter + m - 1,
            };
            self.record_deps(actor, start, [Some(last), None]);
            rem -= m;
        }
        Ok(())
    }

    /// Places a remote insert run by YATA and records it; `append` adds the run's
    /// elements to the actor's content. `None` when the anchors are missing (only possible
    /// for unvalidated ops).
    pub(super) fn integrate_insert(
        &mut self,
        run: NewRun,
        append: impl FnOnce(&mut C),
    ) -> Option<()> {
        let NewRun {
            actor,
            start,
            len,
            left,
            right,
            left_at,
        } = run;
        // The run goes after `dest` (None: at the very start).
        let (mut dest, mut cur) = match left {
            Some(l) => {
                let c = match left_at {
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
            cur = self.tree.advance(c, seg);
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
    pub(super) fn are_insert_ids(&self, t: &Target) -> bool {
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

    pub(super) fn is_insert_id(&self, id: Id) -> bool {
        self.are_insert_ids(&Target {
            actor: id.actor,
            counter: id.counter,
            len: 1,
            rev: false,
        })
    }

    /// The integrated version vector.
    pub fn summary(&self) -> VersionVector {
        self.logs.iter().map(|l| (l.id.clone(), l.max)).collect()
    }

    /// All ids in document order as maximal runs `(actor, counter, len, deleted)`.
    pub(super) fn runs(&self) -> Vec<(&ActorId, u64, u64, bool)> {
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
