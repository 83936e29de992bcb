//! The order of a sequence: a B-tree of id runs with cached lengths, plus an id index.
//!
//! Leaves hold [`Span`]s: a run of consecutive ids `(actor, counter..counter + len)` that
//! sit next to each other in the document and are all visible or all deleted
//! (tombstones stay in the tree; a deleted run costs 16 bytes whatever its length).
//! Inner nodes cache, per child, the total number of ids and of visible ids below it, so a
//! visible position is found in O(log n). Nodes live in two arenas (`leaves`, `inners`)
//! and point to each other by index; leaves are chained left to right by `next`.
//!
//! The id index maps, per actor, ranges of counters to the leaf that holds them, so a
//! remote operation finds its anchor in O(log n) without scanning the document. A leaf
//! split marks the new leaf stale; the moved ids are re-pointed by `flush_index` before
//! the next id lookup of a remote op (local edits never pay for it).
//!
//! Invariants (checked by `Tree::check` in `tree_check.rs`): every inner slot caches its
//! child's sums;
//! parent and `next` links agree with the tree shape; all leaves are at one depth; no span
//! is empty; every id appears once; the index points every id to its leaf or the id lies
//! in a stale leaf. Leaf 0 is
//! always the leftmost leaf (splits move the upper half to a new leaf).

use super::index::IdIndex;
use alloc::vec;
use alloc::vec::Vec;

/// Maximum spans per leaf before it splits.
pub(super) const LEAF_CAP: usize = 32;
/// Maximum children per inner node before it splits.
pub(super) const INNER_CAP: usize = 32;
/// "No node".
pub(crate) const NIL: u32 = u32::MAX;
/// The deleted flag, stored in the top bit of a span's length.
const DELETED: u32 = 1 << 31;
/// The longest span; longer runs are stored as several spans.
pub(crate) const MAX_SPAN: u64 = (DELETED - 1) as u64;

/// An operation id inside one replica: an index into the replica's actor table and a
/// counter (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Id {
    pub actor: u32,
    pub counter: u64,
}

/// A run of consecutive ids of one actor, adjacent in the document, all visible or all
/// deleted. 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub counter: u64,
    pub actor: u32,
    len_flag: u32,
}

impl Span {
    pub fn new(actor: u32, counter: u64, len: u64, deleted: bool) -> Span {
        let len = len.min(MAX_SPAN) as u32;
        Span {
            counter,
            actor,
            len_flag: if deleted { len | DELETED } else { len },
        }
    }
    pub fn len(&self) -> u64 {
        u64::from(self.len_flag & !DELETED)
    }
    pub fn deleted(&self) -> bool {
        self.len_flag & DELETED != 0
    }
    pub fn visible_len(&self) -> u64 {
        if self.deleted() {
            0
        } else {
            self.len()
        }
    }
    pub fn end(&self) -> u64 {
        self.counter + self.len()
    }
    pub fn id_at(&self, off: u64) -> Id {
        Id {
            actor: self.actor,
            counter: self.counter + off,
        }
    }
    /// The part `[from, to)` of this span, with the given deleted flag.
    fn part(&self, from: u64, to: u64, deleted: bool) -> Span {
        Span::new(self.actor, self.counter + from, to - from, deleted)
    }
    /// True when `next` continues this span (same actor, next counter, same flag, and the
    /// result still fits).
    fn joins(&self, next: &Span) -> bool {
        self.actor == next.actor
            && self.end() == next.counter
            && self.deleted() == next.deleted()
            && self.len() + next.len() <= MAX_SPAN
    }
}

/// Cached sums of a subtree: all ids and visible ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sum {
    pub raw: u64,
    pub vis: u64,
}

impl Sum {
    fn add(self, o: Sum) -> Sum {
        Sum {
            raw: self.raw + o.raw,
            vis: self.vis + o.vis,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Leaf {
    pub spans: Vec<Span>,
    pub parent: u32,
    /// This leaf's slot in its parent's `children`.
    pub slot: u32,
    pub next: u32,
    /// The id index may not point this leaf's spans here (it is in `Tree::stale`).
    pub stale: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Inner {
    pub children: Vec<u32>,
    pub sums: Vec<Sum>,
    pub parent: u32,
    /// This node's slot in its parent's `children`.
    pub slot: u32,
    /// The children are leaves (this node is just above the leaves).
    pub leaf_children: bool,
}

/// A position in the tree: leaf, span index in the leaf, offset in the span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub leaf: u32,
    pub idx: usize,
    pub off: u64,
}

/// The B-tree of spans and the id index.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    pub(super) leaves: Vec<Leaf>,
    pub(super) inners: Vec<Inner>,
    /// The root: a leaf when `height == 0`, an inner node otherwise.
    pub(super) root: u32,
    pub(super) height: u32,
    pub(super) index: IdIndex,
    /// Totals of the whole tree (the root's sums), kept up to date by every change.
    pub(super) total: Sum,
    /// The cursor cache: a span near the last local edit and the number of visible
    /// elements before it, so the next edit nearby skips the descent (typing edits next to
    /// the previous position). Every change of the tree clears it; local edits set it
    /// again once done (`Tree::set_hint`).
    hint: Option<Hint>,
    /// Leaves whose spans the id index may not point to yet: a leaf split moves half a
    /// leaf to a new leaf, and re-pointing those ids is deferred until an id is looked up
    /// (`flush_index`), so local editing, which never looks ids up, never pays for it,
    /// and a leaf that splits again before the next lookup is re-pointed once.
    /// Invariant: every id either is indexed to its leaf or sits in a stale leaf.
    pub(super) stale: Vec<u32>,
}

/// A span location and the number of visible elements before that span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hint {
    pub leaf: u32,
    pub idx: usize,
    pub vis: u64,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            leaves: vec![Leaf {
                spans: Vec::new(),
                parent: NIL,
                slot: 0,
                next: NIL,
                stale: false,
            }],
            inners: Vec::new(),
            root: 0,
            height: 0,
            index: IdIndex::default(),
            total: Sum::default(),
            hint: None,
            stale: Vec::new(),
        }
    }
}

pub(super) fn sum_spans(spans: &[Span]) -> Sum {
    spans.iter().fold(Sum::default(), |s, sp| Sum {
        raw: s.raw + sp.len(),
        vis: s.vis + sp.visible_len(),
    })
}

fn sum_slots(sums: &[Sum]) -> Sum {
    sums.iter().fold(Sum::default(), |a, b| a.add(*b))
}

impl Tree {
    /// Totals of the whole tree (cached).
    pub fn sum(&self) -> Sum {
        self.total
    }

    /// Totals of the whole tree, recomputed from the root's slots.
    pub(super) fn sum_from_root(&self) -> Sum {
        if self.height == 0 {
            self.leaves
                .get(self.root as usize)
                .map_or(Sum::default(), |l| sum_spans(&l.spans))
        } else {
            self.inners
                .get(self.root as usize)
                .map_or(Sum::default(), |n| sum_slots(&n.sums))
        }
    }

    /// Number of visible elements.
    pub fn visible_len(&self) -> u64 {
        self.sum().vis
    }

    /// Number of spans (for memory statistics).
    pub fn span_count(&self) -> usize {
        self.leaves.iter().map(|l| l.spans.len()).sum()
    }

    /// Approximate heap bytes used by the tree and index.
    pub fn heap_bytes(&self) -> usize {
        let leaves: usize = self
            .leaves
            .iter()
            .map(|l| l.spans.capacity() * 16 + 32)
            .sum();
        let inners: usize = self
            .inners
            .iter()
            .map(|n| n.children.capacity() * 4 + n.sums.capacity() * 16 + 64)
            .sum();
        let index = self.index.heap_bytes() + self.stale.capacity() * 4;
        leaves + inners + index
    }

    /// The span at a cursor.
    pub fn span(&self, leaf: u32, idx: usize) -> Option<Span> {
        self.leaves
            .get(leaf as usize)
            .and_then(|l| l.spans.get(idx))
            .copied()
    }

    /// The first span of the document, if any.
    pub fn first(&self) -> Option<(u32, usize)> {
        let mut leaf = 0u32;
        loop {
            let l = self.leaves.get(leaf as usize)?;
            if !l.spans.is_empty() {
                return Some((leaf, 0));
            }
            leaf = l.next;
        }
    }

    /// The span after `(leaf, idx)`.
    pub fn next(&self, leaf: u32, idx: usize) -> Option<(u32, usize)> {
        let l = self.leaves.get(leaf as usize)?;
        if idx + 1 < l.spans.len() {
            return Some((leaf, idx + 1));
        }
        let mut n = l.next;
        loop {
            let nl = self.leaves.get(n as usize)?;
            if !nl.spans.is_empty() {
                return Some((n, 0));
            }
            n = nl.next;
        }
    }

    /// Iterates over all spans in document order.
    pub fn spans(&self) -> impl Iterator<Item = &Span> + '_ {
        let mut leaf = 0u32;
        core::iter::from_fn(move || {
            let l = self.leaves.get(leaf as usize)?;
            leaf = l.next;
            Some(l.spans.iter())
        })
        .flatten()
    }

    /// The visible element at position `pos` (`pos < visible_len`).
    pub fn find_visible(&self, mut pos: u64) -> Option<Cursor> {
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = self.inners.get(node as usize)?;
            let mut chosen = None;
            for (i, s) in inner.sums.iter().enumerate() {
                if pos < s.vis {
                    chosen = Some(i);
                    break;
                }
                pos -= s.vis;
            }
            node = *inner.children.get(chosen?)?;
        }
        let leaf = self.leaves.get(node as usize)?;
        for (idx, sp) in leaf.spans.iter().enumerate() {
            let v = sp.visible_len();
            if pos < v {
                return Some(Cursor {
                    leaf: node,
                    idx,
                    off: pos,
                });
            }
            pos -= v;
        }
        None
    }

    /// Like [`Tree::find_visible`], starting from the cursor cache when it is set (a
    /// walk over a few spans of one leaf instead of a descent); sets the cache.
    pub fn find_visible_near(&mut self, pos: u64) -> Option<Cursor> {
        if let Some(c) = self.hint.and_then(|h| self.seek_in_leaf(h, pos)) {
            return Some(c);
        }
        let c = self.find_visible(pos)?;
        self.hint = Some(Hint {
            leaf: c.leaf,
            idx: c.idx,
            vis: pos - c.off,
        });
        Some(c)
    }

    /// The visible element at `pos`, searched from the hint's span within its leaf only.
    fn seek_in_leaf(&self, h: Hint, pos: u64) -> Option<Cursor> {
        let spans = &self.leaves.get(h.leaf as usize)?.spans;
        let (mut idx, mut vis) = (h.idx, h.vis);
        if pos >= vis {
            loop {
                let v = spans.get(idx)?.visible_len();
                if pos < vis + v {
                    break;
                }
                vis += v;
                idx += 1;
            }
        } else {
            loop {
                idx = idx.checked_sub(1)?;
                let v = spans.get(idx)?.visible_len();
                vis = vis.checked_sub(v)?;
                if pos >= vis {
                    break;
                }
            }
        }
        Some(Cursor {
            leaf: h.leaf,
            idx,
            off: pos - vis,
        })
    }

    /// Sets the cursor cache: `vis` visible elements precede span `(leaf, idx)` (which
    /// may be one past the leaf's last span).
    pub fn set_hint(&mut self, leaf: u32, idx: usize, vis: u64) {
        self.hint = Some(Hint { leaf, idx, vis });
    }

    /// The element with id `id`, through the index; ids the index does not point to yet
    /// are in the stale leaves, searched next (none once `flush_index` ran).
    pub fn find_id(&self, id: Id) -> Option<Cursor> {
        let indexed = self.index.leaf_of(id);
        if let Some(c) = indexed.and_then(|leaf| self.find_in_leaf(leaf, id)) {
            return Some(c);
        }
        self.stale
            .iter()
            .find_map(|&leaf| self.find_in_leaf(leaf, id))
    }

    /// The element with id `id` if leaf `leaf` holds it.
    fn find_in_leaf(&self, leaf: u32, id: Id) -> Option<Cursor> {
        let l = self.leaves.get(leaf as usize)?;
        l.spans
            .iter()
            .enumerate()
            .find(|(_, s)| s.actor == id.actor && s.counter <= id.counter && id.counter < s.end())
            .map(|(idx, s)| Cursor {
                leaf,
                idx,
                off: id.counter - s.counter,
            })
    }

    /// Points the id index to every span of the stale leaves (see `Tree::stale`); after
    /// it, `find_id` is one index lookup and one leaf scan. Costs one index update per
    /// span of a stale leaf.
    pub fn flush_index(&mut self) {
        for leaf in core::mem::take(&mut self.stale) {
            let Some(l) = self.leaves.get_mut(leaf as usize) else {
                continue;
            };
            l.stale = false;
            // Neighbouring spans whose ids continue each other (a run partly deleted)
            // are re-pointed as one range.
            let mut run: Option<(u32, u64, u64)> = None;
            for sp in &l.spans {
                match run {
                    Some((a, s, n)) if a == sp.actor && s + n == sp.counter => {
                        run = Some((a, s, n + sp.len()));
                    }
                    _ => {
                        if let Some((a, s, n)) = run {
                            self.index.set(a, s, n, leaf);
                        }
                        run = Some((sp.actor, sp.counter, sp.len()));
                    }
                }
            }
            if let Some((a, s, n)) = run {
                self.index.set(a, s, n, leaf);
            }
        }
    }

    /// True when the index may not point `leaf`'s spans to it.
    fn is_stale(&self, leaf: u32) -> bool {
        self.leaves.get(leaf as usize).is_some_and(|l| l.stale)
    }

    /// The element `n` places after `c`, where `c.off + n` is at most its span's length
    /// (so the answer is in the same span or starts the next one); `None` at the end.
    pub fn advance(&self, c: Cursor, n: u64) -> Option<Cursor> {
        let sp = self.span(c.leaf, c.idx)?;
        if c.off + n < sp.len() {
            return Some(Cursor {
                off: c.off + n,
                ..c
            });
        }
        let (leaf, idx) = self.next(c.leaf, c.idx)?;
        Some(Cursor { leaf, idx, off: 0 })
    }

    /// The id of the element right after the one at `c` (tombstones included).
    pub fn id_after(&self, c: Cursor) -> Option<Id> {
        let sp = self.span(c.leaf, c.idx)?;
        if c.off + 1 < sp.len() {
            return Some(sp.id_at(c.off + 1));
        }
        let (leaf, idx) = self.next(c.leaf, c.idx)?;
        self.span(leaf, idx).map(|s| s.id_at(0))
    }

    /// The position of the element at `c` counting every id (tombstones included).
    pub fn position(&self, c: Cursor) -> Option<u64> {
        let l = self.leaves.get(c.leaf as usize)?;
        let mut pos = c.off + l.spans.get(..c.idx)?.iter().map(Span::len).sum::<u64>();
        let mut slot = l.slot as usize;
        let mut parent = l.parent;
        while let Some(p) = self.inners.get(parent as usize) {
            pos += p.sums.get(..slot)?.iter().map(|s| s.raw).sum::<u64>();
            slot = p.slot as usize;
            parent = p.parent;
        }
        Some(pos)
    }

    /// Makes sure a span ends right after `c.off` (splitting it) and returns the
    /// `(leaf, idx)` of the span that now ends with that element.
    pub fn split_after(&mut self, c: Cursor) -> Option<(u32, usize)> {
        let sp = self.span(c.leaf, c.idx)?;
        let cut = c.off + 1;
        if cut >= sp.len() {
            return Some((c.leaf, c.idx));
        }
        let pieces = [
            sp.part(0, cut, sp.deleted()),
            sp.part(cut, sp.len(), sp.deleted()),
        ];
        let (leaf, idx) = self.replace(c.leaf, c.idx, &pieces);
        Some((leaf, idx))
    }

    /// Inserts a run of new, visible ids right after the span `after` (or at the very
    /// start when `None`). The span `after` must end where the run goes. Returns the
    /// location of the span that holds the run's last id.
    pub fn insert_run(
        &mut self,
        after: Option<(u32, usize)>,
        actor: u32,
        counter: u64,
        len: u64,
    ) -> Option<(u32, usize)> {
        let mut counter = counter;
        let mut left = len;
        let mut at = after;
        while left > 0 {
            let n = left.min(MAX_SPAN);
            let new = Span::new(actor, counter, n, false);
            at = Some(self.insert_span_after(at, new));
            counter += n;
            left -= n;
        }
        at
    }

    fn insert_span_after(&mut self, after: Option<(u32, usize)>, new: Span) -> (u32, usize) {
        let (leaf, idx) = match after {
            Some((leaf, idx)) => {
                // Extend the previous span when the new ids continue it.
                if let Some(prev) = self
                    .leaves
                    .get_mut(leaf as usize)
                    .and_then(|l| l.spans.get_mut(idx))
                {
                    if prev.joins(&new) {
                        prev.len_flag += new.len_flag;
                        if !self.is_stale(leaf) {
                            self.index.set(new.actor, new.counter, new.len(), leaf);
                        }
                        self.refresh_by(leaf, new.len(), new.visible_len());
                        return (leaf, idx);
                    }
                }
                (leaf, idx + 1)
            }
            None => (0, 0),
        };
        // A stale leaf's spans are all re-pointed by the next `flush_index`.
        if !self.is_stale(leaf) {
            self.index.set(new.actor, new.counter, new.len(), leaf);
        }
        self.splice(leaf, idx, 0, &[new])
    }

    /// Marks up to `n` elements deleted starting at cursor `c` (within one span). Returns
    /// the number of elements covered and, when they were visible before, the location of
    /// the span (or the place) where the span at `c` now begins: as many visible elements
    /// precede it as preceded `c`'s span.
    pub fn delete_at(&mut self, c: Cursor, n: u64) -> Option<(u64, Option<(u32, usize)>)> {
        let sp = self.span(c.leaf, c.idx)?;
        let m = n.min(sp.len() - c.off);
        if sp.deleted() {
            return Some((m, None));
        }
        let (from, to) = (c.off, c.off + m);
        let dead = sp.part(from, to, true);
        let spans = &self.leaves.get(c.leaf as usize)?.spans;
        // Join with a deleted neighbour in the same leaf where the ids continue.
        let prev_joins =
            from == 0 && c.idx > 0 && spans.get(c.idx - 1).is_some_and(|p| p.joins(&dead));
        let next_joins = to == sp.len() && spans.get(c.idx + 1).is_some_and(|x| dead.joins(x));
        let joined = prev_joins || next_joins;
        if prev_joins {
            if let Some(p) = self
                .leaves
                .get_mut(c.leaf as usize)
                .and_then(|l| l.spans.get_mut(c.idx - 1))
            {
                p.len_flag += m as u32;
            }
            self.refresh_by(c.leaf, m, 0);
        } else if next_joins {
            if let Some(x) = self
                .leaves
                .get_mut(c.leaf as usize)
                .and_then(|l| l.spans.get_mut(c.idx + 1))
            {
                x.counter = dead.counter;
                x.len_flag += m as u32;
            }
            self.refresh_by(c.leaf, m, 0);
        }
        // The live head, the deleted middle (unless joined to a neighbour), the live tail.
        let parts = [
            (from > 0).then(|| sp.part(0, from, false)),
            (!joined).then_some(dead),
            (to < sp.len()).then(|| sp.part(to, sp.len(), false)),
        ];
        let mut pieces = [sp; 3];
        let mut np = 0;
        for (slot, part) in pieces.iter_mut().zip(parts.into_iter().flatten()) {
            *slot = part;
            np += 1;
        }
        let at = self.replace(c.leaf, c.idx, pieces.get(..np).unwrap_or(&[]));
        Some((m, Some(at)))
    }

    /// Replaces span `idx` of `leaf` by `pieces` (possibly none); returns the location of
    /// the first piece (or of where it would be).
    fn replace(&mut self, leaf: u32, idx: usize, pieces: &[Span]) -> (u32, usize) {
        self.splice(leaf, idx, 1, pieces)
    }

    /// Replaces `remove` spans at `idx` of `leaf` by `pieces`, splitting the leaf when it
    /// overflows, and refreshes the cached sums. Returns the location of `pieces[0]`.
    fn splice(&mut self, leaf: u32, idx: usize, remove: usize, pieces: &[Span]) -> (u32, usize) {
        self.hint = None;
        let new_leaf = self.leaves.len() as u32;
        let Some(l) = self.leaves.get_mut(leaf as usize) else {
            return (leaf, idx);
        };
        let end = (idx + remove).min(l.spans.len());
        let idx = idx.min(end);
        let removed = l.spans.get(idx..end).map_or(Sum::default(), sum_spans);
        let added = sum_spans(pieces);
        // Leaves never hold more than LEAF_CAP + 2 spans before splitting: grow by a few
        // spans at a time up to that instead of doubling (leaves that stop changing keep
        // little spare room).
        let need = l.spans.len() + pieces.len();
        if need > l.spans.capacity() {
            let want = (need + 2).min(LEAF_CAP + 3).max(need);
            l.spans.reserve_exact(want - l.spans.len());
        }
        // The common shapes (one span added, replaced or split in two) without the
        // general `Vec::splice` machinery.
        match (end - idx, pieces) {
            (0, [p]) => l.spans.insert(idx, *p),
            (1, [p]) => {
                if let Some(slot) = l.spans.get_mut(idx) {
                    *slot = *p;
                }
            }
            (1, [p, q]) => {
                if let Some(slot) = l.spans.get_mut(idx) {
                    *slot = *p;
                }
                l.spans.insert(idx + 1, *q);
            }
            _ => {
                l.spans.splice(idx..end, pieces.iter().copied());
            }
        }
        if l.spans.len() <= LEAF_CAP {
            let draw = added.raw.wrapping_sub(removed.raw);
            let dvis = added.vis.wrapping_sub(removed.vis);
            self.refresh_by(leaf, draw, dvis);
            return (leaf, idx);
        }
        let mid = l.spans.len() / 2;
        let mut upper: Vec<Span> = Vec::with_capacity(l.spans.len() - mid + 2);
        upper.extend(l.spans.drain(mid..));
        l.spans.shrink_to(mid + 2);
        let old_next = l.next;
        l.next = new_leaf;
        let parent = l.parent;
        // The moved spans are re-pointed to the new leaf by the next `flush_index`.
        self.leaves.push(Leaf {
            spans: upper,
            parent,
            slot: 0,
            next: old_next,
            stale: true,
        });
        self.stale.push(new_leaf);
        self.add_child_after(parent, leaf, new_leaf, true);
        self.recompute_path(leaf);
        self.recompute_path(new_leaf);
        if idx >= mid {
            (new_leaf, idx - mid)
        } else {
            (leaf, idx)
        }
    }

    /// The cached sums of a node.
    pub(super) fn node_sum(&self, node: u32, is_leaf: bool) -> Sum {
        if is_leaf {
            self.leaves
                .get(node as usize)
                .map_or(Sum::default(), |l| sum_spans(&l.spans))
        } else {
            self.inners
                .get(node as usize)
                .map_or(Sum::default(), |n| sum_slots(&n.sums))
        }
    }

    fn set_parent(&mut self, node: u32, is_leaf: bool, parent: u32, slot: usize) {
        let slot = slot as u32;
        if is_leaf {
            if let Some(l) = self.leaves.get_mut(node as usize) {
                l.parent = parent;
                l.slot = slot;
            }
        } else if let Some(n) = self.inners.get_mut(node as usize) {
            n.parent = parent;
            n.slot = slot;
        }
    }

    /// Re-numbers the slots of `parent`'s children from slot `from` on.
    fn renumber(&mut self, parent: u32, from: usize) {
        let Some(p) = self.inners.get(parent as usize) else {
            return;
        };
        let leaf_children = p.leaf_children;
        let children: Vec<u32> = p.children.get(from..).unwrap_or(&[]).to_vec();
        for (i, c) in children.into_iter().enumerate() {
            self.set_parent(c, leaf_children, parent, from + i);
        }
    }

    /// Puts `new` (a fresh right sibling of `old`) into `parent`, growing the tree.
    fn add_child_after(&mut self, parent: u32, old: u32, new: u32, is_leaf: bool) {
        let old_sum = self.node_sum(old, is_leaf);
        let new_sum = self.node_sum(new, is_leaf);
        if parent == NIL {
            let root = self.inners.len() as u32;
            self.inners.push(Inner {
                children: vec![old, new],
                sums: vec![old_sum, new_sum],
                parent: NIL,
                slot: 0,
                leaf_children: is_leaf,
            });
            self.set_parent(old, is_leaf, root, 0);
            self.set_parent(new, is_leaf, root, 1);
            self.root = root;
            self.height += 1;
            return;
        }
        let Some(p) = self.inners.get_mut(parent as usize) else {
            return;
        };
        let slot = p
            .children
            .iter()
            .position(|&c| c == old)
            .unwrap_or(p.children.len().saturating_sub(1));
        if let Some(s) = p.sums.get_mut(slot) {
            *s = old_sum;
        }
        p.children.insert(slot + 1, new);
        p.sums.insert(slot + 1, new_sum);
        let full = p.children.len() > INNER_CAP;
        self.renumber(parent, slot + 1);
        if !full {
            return;
        }
        let Some(p) = self.inners.get_mut(parent as usize) else {
            return;
        };
        let mid = p.children.len() / 2;
        let children = p.children.split_off(mid);
        let sums = p.sums.split_off(mid);
        let grand = p.parent;
        let leaf_children = p.leaf_children;
        let sibling = self.inners.len() as u32;
        self.inners.push(Inner {
            children,
            sums,
            parent: grand,
            slot: 0,
            leaf_children,
        });
        self.renumber(sibling, 0);
        self.add_child_after(grand, parent, sibling, false);
    }

    /// Adds a change of `leaf`'s sums (`draw`, `dvis`, wrapping: they may be negative) to
    /// every cached sum on its path to the root.
    fn refresh_by(&mut self, leaf: u32, draw: u64, dvis: u64) {
        self.hint = None;
        if draw == 0 && dvis == 0 {
            return;
        }
        self.total.raw = self.total.raw.wrapping_add(draw);
        self.total.vis = self.total.vis.wrapping_add(dvis);
        let Some(l) = self.leaves.get(leaf as usize) else {
            return;
        };
        let mut slot = l.slot;
        let mut parent = l.parent;
        while let Some(p) = self.inners.get_mut(parent as usize) {
            if let Some(s) = p.sums.get_mut(slot as usize) {
                s.raw = s.raw.wrapping_add(draw);
                s.vis = s.vis.wrapping_add(dvis);
            }
            slot = p.slot;
            parent = p.parent;
        }
    }

    /// Recomputes every cached sum on the path from `leaf` to the root (after a split,
    /// when slots were set directly and a change cannot be propagated as a difference).
    fn recompute_path(&mut self, leaf: u32) {
        self.hint = None;
        let Some(l) = self.leaves.get(leaf as usize) else {
            return;
        };
        let mut sum = sum_spans(&l.spans);
        let mut slot = l.slot;
        let mut parent = l.parent;
        while let Some(p) = self.inners.get_mut(parent as usize) {
            if let Some(s) = p.sums.get_mut(slot as usize) {
                *s = sum;
            }
            sum = sum_slots(&p.sums);
            slot = p.slot;
            parent = p.parent;
        }
        self.total = self.sum_from_root();
    }
}
