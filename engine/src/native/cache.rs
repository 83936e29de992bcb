//! The bounded block cache: decoded data blocks keyed by (run cache id, block index).
//!
//! Invariant: the total raw size of cached blocks stays at or below the budget given in
//! `Options::block_cache_bytes`; eviction is first-in first-out, which is cheap and enough
//! for the sequential and point-read patterns of the engine.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::format::block::DataBlock;

pub(crate) type Block = Arc<DataBlock>;

/// Hasher for the cache's `(run, block)` keys: a multiply-xorshift mix of the integers
/// (SipHash costs more than the rest of a cached point read). Keys are not attacker-chosen.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(29) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<(u64, usize), (Block, usize), BuildHasherDefault<KeyHasher>>,
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
            c.insert((1, i), Arc::new(DataBlock::default()), 30);
            assert!(c.bytes() <= 100);
        }
        assert!(c.get((1, 9)).is_some());
        assert!(c.get((1, 0)).is_none());
        c.insert((2, 0), Arc::new(DataBlock::default()), 1000);
        assert!(c.get((2, 0)).is_none());
    }
}
