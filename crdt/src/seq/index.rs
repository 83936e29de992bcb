//! The id index of the sequence tree: per actor, ranges of counters -> the leaf that holds
//! those ids. A remote op finds its anchor through it in O(log n) without scanning the
//! document; the ids a leaf split moved are re-pointed later, in bulk, by
//! `Tree::flush_index`.
//!
//! Each actor's highest range is kept outside its map (`tail`): typing extends it, which
//! costs a comparison instead of a B-tree search.
//!
//! Invariant (checked by `Tree::check` after a flush): every id in the tree maps to the
//! leaf holding it, and the ranges hold no other ids; a tail starts after every range in
//! its map. Adjacent ranges may point to the same leaf (not always joined).

use super::tree::Id;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// One actor's ranges: counter start -> (length, leaf), plus the highest range apart.
#[derive(Clone, Debug, Default)]
struct ActorRanges {
    map: BTreeMap<u64, (u64, u32)>,
    /// The highest range `(start, len, leaf)`, starting after every key of `map`.
    tail: Option<(u64, u64, u32)>,
}

/// Per actor: ranges of counters -> leaf.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdIndex {
    ranges: Vec<ActorRanges>,
}

impl IdIndex {
    /// The leaf that holds `id`.
    pub fn leaf_of(&self, id: Id) -> Option<u32> {
        let a = self.ranges.get(id.actor as usize)?;
        if let Some((start, len, leaf)) = a.tail {
            if id.counter >= start {
                return (id.counter - start < len).then_some(leaf);
            }
        }
        let (&start, &(len, leaf)) = a.map.range(..=id.counter).next_back()?;
        (id.counter < start + len).then_some(leaf)
    }

    /// Number of ids of `actor` in the index.
    pub fn covered(&self, actor: usize) -> u64 {
        self.ranges.get(actor).map_or(0, |a| {
            a.map.values().map(|v| v.0).sum::<u64>() + a.tail.map_or(0, |t| t.1)
        })
    }

    /// Approximate heap bytes.
    pub fn heap_bytes(&self) -> usize {
        self.ranges.iter().map(|a| a.map.len() * 40).sum()
    }

    /// Forgets every id of actor 0 (tests of `Tree::check`).
    #[cfg(test)]
    pub fn clear_for_test(&mut self) {
        if let Some(a) = self.ranges.get_mut(0) {
            a.map.clear();
            a.tail = None;
        }
    }

    /// Points the ids `actor, start..start + len` to `leaf`.
    pub fn set(&mut self, actor: u32, start: u64, len: u64, leaf: u32) {
        while self.ranges.len() <= actor as usize {
            self.ranges.push(ActorRanges::default());
        }
        let Some(a) = self.ranges.get_mut(actor as usize) else {
            return;
        };
        // Fastest path (typing): the ids continue the tail in the same leaf.
        match a.tail {
            Some((s, l, lf)) if s + l == start && lf == leaf => {
                a.tail = Some((s, l + len, lf));
                return;
            }
            Some((s, l, _)) if s + l <= start => {
                // New highest range: the old tail joins the map, above all its keys (so
                // only the map's last range can continue it).
                if let Some((s, l, lf)) = a.tail.take() {
                    push_highest(&mut a.map, s, l, lf);
                }
                a.tail = Some((start, len, leaf));
                return;
            }
            Some((s, _, _)) if start + len <= s => {}
            Some((s, l, lf)) if s <= start && start + len <= s + l => {
                // Part of the tail moves to another leaf (a split): cut it out.
                if lf == leaf {
                    return;
                }
                if s < start {
                    insert_joined(&mut a.map, s, start - s, lf);
                }
                let end = start + len;
                if end < s + l {
                    insert_joined(&mut a.map, start, len, leaf);
                    a.tail = Some((end, s + l - end, lf));
                } else {
                    a.tail = Some((start, len, leaf));
                }
                return;
            }
            Some(_) => {
                if let Some((s, l, lf)) = a.tail.take() {
                    insert_joined(&mut a.map, s, l, lf);
                }
            }
            None => {
                let above = a
                    .map
                    .last_key_value()
                    .is_none_or(|(&k, &(l, _))| k + l <= start);
                if above {
                    a.tail = Some((start, len, leaf));
                    return;
                }
            }
        }
        set_in(&mut a.map, start, len, leaf);
    }
}

/// Points the ids `start..start + len` of one actor's map to `leaf`.
fn set_in(map: &mut BTreeMap<u64, (u64, u32)>, start: u64, len: u64, leaf: u32) {
    let end = start + len;
    // Common case (a leaf split re-points moved ids): the ids lie inside one range. Cut
    // it in place: its head keeps its key (or, when the ids start it, the key now maps
    // them), then at most two inserts. No join: an adjacent range to the same leaf stays
    // apart, which `leaf_of` does not mind (a flush re-points neighbouring spans as one
    // range, so few such pairs arise).
    if let Some((&s, e)) = map.range_mut(..=start).next_back() {
        let (l, lf) = *e;
        if s + l >= end {
            if lf == leaf {
                return;
            }
            if s == start {
                *e = (len, leaf);
            } else {
                e.0 = start - s;
                map.insert(start, (len, leaf));
            }
            if end < s + l {
                map.insert(end, (s + l - end, lf));
            }
            return;
        }
    }
    // Cut ranges that straddle `start` or `end`, drop the ranges inside.
    for cut in [start, end] {
        if let Some((&s, &(l, lf))) = map.range(..cut).next_back() {
            if s + l > cut {
                map.insert(s, (cut - s, lf));
                map.insert(cut, (s + l - cut, lf));
            }
        }
    }
    while let Some((&k, _)) = map.range(start..end).next() {
        map.remove(&k);
    }
    insert_joined(map, start, len, leaf);
}

/// Adds the range `start..start + len` -> `leaf`, above every range of `map`, joined with
/// the last range when that one continues into it and points to the same leaf.
fn push_highest(map: &mut BTreeMap<u64, (u64, u32)>, start: u64, len: u64, leaf: u32) {
    if let Some(mut last) = map.last_entry() {
        let ps = *last.key();
        let e = last.get_mut();
        if ps + e.0 == start && e.1 == leaf {
            e.0 += len;
            return;
        }
    }
    map.insert(start, (len, leaf));
}

/// Inserts the range `start..start + len` -> `leaf` (no range overlaps it), joined with
/// the neighbouring ranges that continue it and point to the same leaf.
fn insert_joined(map: &mut BTreeMap<u64, (u64, u32)>, start: u64, len: u64, leaf: u32) {
    let end = start + len;
    let mut l = len;
    if let Some(&(nl, nlf)) = map.get(&end) {
        if nlf == leaf {
            map.remove(&end);
            l += nl;
        }
    }
    if let Some((&ps, e)) = map.range_mut(..start).next_back() {
        if ps + e.0 == start && e.1 == leaf {
            e.0 += l;
            return;
        }
    }
    map.insert(start, (l, leaf));
}
