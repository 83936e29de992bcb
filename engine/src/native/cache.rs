//! The bounded block cache: decoded data blocks keyed by (run cache id, block index).
//!
//! Invariant: the total raw size of cached blocks stays at or below the budget given in
//! `Options::block_cache_bytes`; eviction is first-in first-out, which is cheap and enough
//! for the sequential and point-read patterns of the engine.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::kv::Entry;

pub(crate) type Block = Arc<Vec<Entry>>;

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<(u64, usize), (Block, usize)>,
    order: VecDeque<(u64, usize)>,
    bytes: usize,
}

#[derive(Debug, Default)]
pub(crate) struct BlockCache {
    budget: usize,
    inner: Mutex<Inner>,
}

impl BlockCache {
    pub(crate) fn new(budget: usize) -> BlockCache {
        BlockCache {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn get(&self, key: (u64, usize)) -> Option<Block> {
        self.inner.lock().map.get(&key).map(|(b, _)| Arc::clone(b))
    }

    pub(crate) fn insert(&self, key: (u64, usize), block: Block, size: usize) {
        if size > self.budget {
            return;
        }
        let mut g = self.inner.lock();
        if g.map.contains_key(&key) {
            return;
        }
        while g.bytes + size > self.budget {
            let Some(old) = g.order.pop_front() else {
                break;
            };
            if let Some((_, s)) = g.map.remove(&old) {
                g.bytes -= s;
            }
        }
        g.bytes += size;
        g.order.push_back(key);
        g.map.insert(key, (block, size));
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_budget() {
        let c = BlockCache::new(100);
        for i in 0..10 {
            c.insert((1, i), Arc::new(vec![]), 30);
            assert!(c.bytes() <= 100);
        }
        assert!(c.get((1, 9)).is_some());
        assert!(c.get((1, 0)).is_none());
        c.insert((2, 0), Arc::new(vec![]), 1000);
        assert!(c.get((2, 0)).is_none());
    }
}
