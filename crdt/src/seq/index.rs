//! The id index of the sequence tree: per actor, ranges of counters -> the leaf that holds
//! those ids. A remote op finds its anchor through it in O(log n) without scanning the
//! document; leaf splits re-point the ranges of the spans they move.
//!
//! Invariant (checked by `Tree::check`): every id in the tree maps to the leaf holding it,
//! and the ranges hold no other ids.

use super::tree::Id;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Per actor: counter start -> (length, leaf).
#[derive(Clone, Debug, Default)]
pub(crate) struct IdIndex {
    ranges: Vec<BTreeMap<u64, (u64, u32)>>,
}

impl IdIndex {
    /// The leaf that holds `id`.
    pub fn leaf_of(&self, id: Id) -> Option<u32> {
        let map = self.ranges.get(id.actor as usize)?;
        let (&start, &(len, leaf)) = map.range(..=id.counter).next_back()?;
        (id.counter < start + len).then_some(leaf)
    }

    /// Number of ids of `actor` in the index.
    pub fn covered(&self, actor: usize) -> u64 {
        self.ranges
            .get(actor)
            .map_or(0, |m| m.values().map(|v| v.0).sum())
    }

    /// Approximate heap bytes.
    pub fn heap_bytes(&self) -> usize {
        self.ranges.iter().map(|m| m.len() * 40).sum()
    }

    /// Forgets every id of actor 0 (tests of `Tree::check`).
    #[cfg(test)]
    pub fn clear_for_test(&mut self) {
        if let Some(m) = self.ranges.get_mut(0) {
            m.clear();
        }
    }

    fn ensure_actor(&mut self, actor: u32) {
        while self.ranges.len() <= actor as usize {
            self.ranges.push(BTreeMap::new());
        }
    }

    /// Points the ids `actor, start..start + len` to `leaf`.
    pub fn set(&mut self, actor: u32, start: u64, len: u64, leaf: u32) {
        self.ensure_actor(actor);
        let Some(map) = self.ranges.get_mut(actor as usize) else {
            return;
        };
        let end = start + len;
        // Fastest path (typing): the new ids follow the actor's highest range.
        if let Some(mut last) = map.last_entry() {
            let (k, (l, lf)) = (*last.key(), *last.get());
            if k + l == start && lf == leaf {
                last.get_mut().0 += len;
                return;
            }
            if k + l <= start {
                map.insert(start, (len, leaf));
                return;
            }
        }
        // Fast path: extend the range that ends at `start` when it points to `leaf`.
        if let Some((&s, e)) = map.range_mut(..start).next_back() {
            if s + e.0 == start && e.1 == leaf && map.range(start..end).next().is_none() {
                if let Some(e) = map.get_mut(&s) {
                    e.0 += len;
                }
                let merged_end = end;
                if let Some(&(nl, nleaf)) = map.get(&merged_end) {
                    if nleaf == leaf {
                        map.remove(&merged_end);
                        if let Some(e) = map.get_mut(&s) {
                            e.0 += nl;
                        }
                    }
                }
                return;
            }
        }
        // Cut ranges that straddle `start` or `end`.
        for cut in [start, end] {
            if let Some((&s, &(l, lf))) = map.range(..cut).next_back() {
                if s + l > cut {
                    map.insert(s, (cut - s, lf));
                    map.insert(cut, (s + l - cut, lf));
                }
            }
        }
        let inside: Vec<u64> = map.range(start..end).map(|(&k, _)| k).collect();
        for k in inside {
            map.remove(&k);
        }
        let (mut s, mut l) = (start, len);
        if let Some((&ps, &(pl, plf))) = map.range(..start).next_back() {
            if ps + pl == start && plf == leaf {
                s = ps;
                l += pl;
            }
        }
        if let Some(&(nl, nlf)) = map.get(&end) {
            if nlf == leaf {
                map.remove(&end);
                l += nl;
            }
        }
        map.insert(s, (l, leaf));
    }
}
