//! CRDT laws and convergence for `LWWRegister`.

mod common;
mod delta_sim;

use crdt_kit::prelude::*;
use crdt_kit::LWWStamp;
use delta_sim::{check_laws, converge, laws_after, steps, Replica};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// `set_with_timestamp(value, timestamp)`; small timestamps so that ties are common.
#[derive(Clone, Debug)]
pub struct Write {
    value: u8,
    timestamp: u64,
}

impl Replica for LWWRegister<u8> {
    type Op = Write;
    fn fork_as(&self, actor: &str) -> Self {
        self.fork(actor)
    }
    fn apply_op(&mut self, w: &Write) {
        let before = self.stamp().clone();
        let took = self.set_with_timestamp(w.value, w.timestamp);
        // A write takes effect exactly when its stamp beats the current one.
        assert_eq!(took, self.stamp() > &before);
        if took {
            assert_eq!(self.value(), &w.value);
            assert_eq!(self.timestamp(), w.timestamp);
            assert_eq!(self.writer(), self.actor());
        } else {
            assert_eq!(self.stamp(), &before);
        }
        // Older loses, newer wins; equal timestamps are decided by writer and seq.
        if w.timestamp < before.timestamp() {
            assert!(!took);
        }
        if w.timestamp > before.timestamp() {
            assert!(took);
        }
    }
}

fn write() -> impl Strategy<Value = Write> {
    (any::<u8>(), 0..6u64).prop_map(|(value, timestamp)| Write { value, timestamp })
}

fn base(writes: &[Write]) -> LWWRegister<u8> {
    let mut r = LWWRegister::with_timestamp("base", 0u8, 0);
    writes.iter().for_each(|w| r.apply_op(w));
    r
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn lww_laws(start in proptest::collection::vec(write(), 0..3),
                run in steps(write(), 30)) {
        laws_after(&base(&start), &run);
    }

    /// Independent registers with equal timestamps and different writers and values: the
    /// merge is still commutative (the writer id breaks the tie).
    #[test]
    fn lww_ties_commute(x in any::<u8>(), y in any::<u8>(), ts in 0..3u64, ts2 in 0..3u64) {
        let a = LWWRegister::with_timestamp("a", x, ts);
        let b = LWWRegister::with_timestamp("b", y, ts2);
        let c = LWWRegister::with_timestamp("c", x.wrapping_add(1), ts);
        check_laws(&a, &b, &c);
    }

    #[test]
    fn lww_converges(start in proptest::collection::vec(write(), 0..3),
                     n in 3..=5usize,
                     run in steps(write(), 60),
                     seed in any::<u64>()) {
        // Every stamp ever seen belongs to exactly one value: distinct writes never
        // share a stamp.
        let mut seen: BTreeMap<LWWStamp, u8> = BTreeMap::new();
        let net = converge(&base(&start), n, &run, seed, |r| {
            let v = *seen.entry(r.stamp().clone()).or_insert(*r.value());
            assert_eq!(v, *r.value(), "two values with the stamp {:?}", r.stamp());
        });
        // The survivor is the greatest write.
        let survivor = net.replicas[0].clone();
        if let Some((stamp, value)) = seen.iter().next_back() {
            prop_assert_eq!(survivor.stamp(), stamp);
            prop_assert_eq!(survivor.value(), value);
        }
        prop_assert_eq!(net.replicas[1].delta(&survivor), None);
    }
}
