//! The executable invariants of the sequence tree ([`Tree::check`]): cached sums equal
//! recomputed ones, parent and `next` links agree with the shape, all leaves are at one
//! depth, spans are non-empty and hold each id once, and the id index points every id to
//! its leaf.

use super::tree::{Id, Tree, INNER_CAP, LEAF_CAP, NIL};
use crate::Error;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

impl Tree {
    /// Checks every structural invariant; `known` gives, per actor, how many ids the tree
    /// must hold (the inserted ids of the actor's log).
    pub fn check(&self) -> Result<(), Error> {
        let bad = |why: &str| Err(Error::InvalidState(format!("sequence tree: {why}")));
        // The stale list names exactly the leaves flagged stale, each once.
        let flagged = self.leaves.iter().filter(|l| l.stale).count();
        let mut listed = self.stale.clone();
        listed.sort_unstable();
        listed.dedup();
        let listed_flagged = listed
            .iter()
            .all(|&l| self.leaves.get(l as usize).is_some_and(|l| l.stale));
        if flagged != self.stale.len() || listed.len() != self.stale.len() || !listed_flagged {
            return bad("stale leaf list differs from the stale flags");
        }
        if !self.stale.is_empty() {
            // The index is exact once the deferred re-pointing is done.
            let mut flushed = self.clone();
            flushed.flush_index();
            return flushed.check();
        }
        // Walk the tree from the root, checking sums, parents and depth; collect leaves.
        let mut order: Vec<u32> = Vec::new();
        let mut stack: Vec<(u32, u32, u32)> = vec![(self.root, self.height, NIL)];
        while let Some((node, h, parent)) = stack.pop() {
            if h == 0 {
                let Some(l) = self.leaves.get(node as usize) else {
                    return bad("missing leaf");
                };
                if l.parent != parent || !self.slot_ok(parent, l.slot, node) {
                    return bad("leaf parent link");
                }
                if l.spans.is_empty() && self.height > 0 {
                    return bad("empty leaf below the root");
                }
                if l.spans.len() > LEAF_CAP {
                    return bad("overfull leaf");
                }
                order.push(node);
                continue;
            }
            let Some(n) = self.inners.get(node as usize) else {
                return bad("missing inner node");
            };
            if n.parent != parent
                || n.leaf_children != (h == 1)
                || !self.slot_ok(parent, n.slot, node)
            {
                return bad("inner node links");
            }
            if n.children.is_empty()
                || n.children.len() != n.sums.len()
                || n.children.len() > INNER_CAP
            {
                return bad("inner node size");
            }
            for (c, s) in n.children.iter().zip(&n.sums) {
                if self.node_sum(*c, h == 1) != *s {
                    return bad("cached sums differ from recomputed ones");
                }
            }
            for &c in n.children.iter().rev() {
                stack.push((c, h - 1, node));
            }
        }
        if self.sum() != self.sum_from_root() {
            return bad("cached totals differ from the root's sums");
        }
        if order.len() != self.leaves.len() || order.first() != Some(&0) {
            return bad("unreachable leaf or leaf 0 is not first");
        }
        for w in order.windows(2) {
            if self.leaves.get(w[0] as usize).map(|l| l.next) != Some(w[1]) {
                return bad("leaf chain out of order");
            }
        }
        if order
            .last()
            .and_then(|&l| self.leaves.get(l as usize))
            .map(|l| l.next)
            != Some(NIL)
        {
            return bad("last leaf has a successor");
        }
        // Spans: non-empty, each id once, index agrees.
        let mut seen: Vec<BTreeMap<u64, u64>> = Vec::new();
        for &leaf in &order {
            let Some(l) = self.leaves.get(leaf as usize) else {
                return bad("missing leaf");
            };
            for sp in &l.spans {
                if sp.len() == 0 {
                    return bad("empty span");
                }
                while seen.len() <= sp.actor as usize {
                    seen.push(BTreeMap::new());
                }
                if let Some(m) = seen.get_mut(sp.actor as usize) {
                    m.insert(sp.counter, sp.len());
                }
                for probe in [sp.counter, sp.end() - 1] {
                    let id = Id {
                        actor: sp.actor,
                        counter: probe,
                    };
                    match self.find_id(id) {
                        Some(c) if c.leaf == leaf => {}
                        _ => return bad("id index does not point to the span's leaf"),
                    }
                }
            }
        }
        for (actor, m) in seen.iter().enumerate() {
            let mut expect = None;
            for (&s, &l) in m {
                if let Some(e) = expect {
                    if s < e {
                        return bad("an id appears twice");
                    }
                }
                expect = Some(s + l);
            }
            let covered: u64 = m.values().sum();
            let indexed: u64 = self.index.covered(actor);
            if covered != indexed {
                return bad("id index covers other ids than the tree");
            }
        }
        Ok(())
    }

    /// True when `node` sits in slot `slot` of `parent` (or is the root).
    fn slot_ok(&self, parent: u32, slot: u32, node: u32) -> bool {
        parent == NIL
            || self
                .inners
                .get(parent as usize)
                .and_then(|p| p.children.get(slot as usize))
                == Some(&node)
    }

    /// Per actor, the number of ids held (for cross-checks with the op log).
    pub fn ids_per_actor(&self) -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        for sp in self.spans() {
            while out.len() <= sp.actor as usize {
                out.push(0);
            }
            if let Some(n) = out.get_mut(sp.actor as usize) {
                *n += sp.len();
            }
        }
        out
    }
}

#[cfg(test)]
impl Tree {
    /// Breaks the id index (tests of `check`).
    pub fn corrupt_for_test(&mut self) {
        self.index.clear_for_test();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big() -> Tree {
        let mut t = Tree::default();
        // Insert 2000 single-id runs at alternating ends to force splits.
        for c in 1..=2000u64 {
            let after = if c % 2 == 0 { None } else { t.first() };
            t.insert_run(after, (c % 3) as u32, c, 1);
        }
        t.check().unwrap();
        t
    }

    #[test]
    fn splits_keep_sums_and_index() {
        let t = big();
        assert!(t.height >= 2);
        assert_eq!(t.sum().raw, 2000);
        for c in [1u64, 777, 2000] {
            let cur = t
                .find_id(Id {
                    actor: (c % 3) as u32,
                    counter: c,
                })
                .unwrap();
            assert_eq!(t.span(cur.leaf, cur.idx).unwrap().id_at(cur.off).counter, c);
        }
    }

    #[test]
    fn splits_defer_re_pointing_until_a_flush() {
        let mut t = big();
        assert!(!t.stale.is_empty(), "splits leave stale leaves");
        // Before the flush, ids of stale leaves are found by the fallback scan.
        let probe = |t: &Tree| {
            (1..=2000u64).all(|c| {
                let id = Id {
                    actor: (c % 3) as u32,
                    counter: c,
                };
                t.find_id(id)
                    .and_then(|cur| t.span(cur.leaf, cur.idx))
                    .is_some_and(|sp| sp.actor == id.actor && sp.counter <= c && c < sp.end())
            })
        };
        assert!(probe(&t));
        t.flush_index();
        assert!(t.stale.is_empty() && t.leaves.iter().all(|l| !l.stale));
        // After it, the index alone points every id to its leaf.
        for (leaf, l) in t.leaves.iter().enumerate() {
            for sp in &l.spans {
                for c in [sp.counter, sp.end() - 1] {
                    let id = Id {
                        actor: sp.actor,
                        counter: c,
                    };
                    assert_eq!(t.index.leaf_of(id), Some(leaf as u32));
                }
            }
        }
        assert!(probe(&t));
        t.check().unwrap();
    }

    #[test]
    fn check_catches_a_stale_list_that_misses_a_leaf() {
        let mut t = big();
        t.stale.pop();
        assert!(t.check().is_err());
    }

    #[test]
    fn check_catches_a_stale_sum() {
        let mut t = big();
        t.inners[0].sums[0].vis += 1;
        assert!(t.check().is_err());
    }

    #[test]
    fn check_catches_a_broken_chain() {
        let mut t = big();
        t.leaves[0].next = NIL;
        assert!(t.check().is_err());
    }
}
