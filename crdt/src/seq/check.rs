//! The executable invariants of a sequence ([`Seq::check`]): the tree's own checks, each
//! actor's op log, and their agreement (the tree holds exactly the inserted ids, the
//! tombstones are exactly the delete targets, the order respects every insert's origins).

use super::content::Content;
use super::core::Seq;
use super::log::Target;
use super::tree::Id;
use crate::Error;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

impl<C: Content> Seq<C> {
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
    use crate::ActorId;
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
