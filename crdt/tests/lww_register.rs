//! Edge cases of `LWWRegister`: ties, repeated timestamps, stale writes, wall-clock and
//! HLC writes.

use crdt_kit::prelude::*;
use crdt_kit::{LWWEntry, LWWStamp};

fn merged<T: Clone>(a: &LWWRegister<T>, b: &LWWRegister<T>) -> LWWRegister<T> {
    let mut m = a.clone();
    m.merge(b);
    m
}

#[test]
fn equal_timestamps_different_writers_both_orders_agree() {
    let eu = LWWRegister::with_timestamp("eu", "EUR 60", 1200);
    let us = LWWRegister::with_timestamp("us", "USD 65", 1200);
    let ab = merged(&eu, &us);
    let ba = merged(&us, &eu);
    assert_eq!(ab, ba);
    assert_eq!(*ab.value(), "USD 65");
    assert_eq!(ab.writer().as_str(), "us");
    // The local actor is not replicated state.
    assert_eq!(ab.actor().as_str(), "eu");
    assert_eq!(ba.actor().as_str(), "us");
    // Deltas agree with merges.
    let mut d = eu.clone();
    d.apply_delta(&us.delta(&eu));
    assert_eq!(d, ab);
    assert_eq!(eu.delta(&us), None);
}

#[test]
fn seed_pricing_example() {
    let mut price = LWWRegister::with_timestamp("admin", "USD 79.99", 900);
    price.merge(&LWWRegister::with_timestamp("marketing", "USD 59.99", 1000));
    price.merge(&LWWRegister::with_timestamp("algo", "USD 64.99", 1100));
    price.merge(&LWWRegister::with_timestamp("admin-2", "USD 99.99", 800));
    assert_eq!(*price.value(), "USD 64.99");
    assert_eq!(price.timestamp(), 1100);
}

#[test]
fn same_writer_same_timestamp_gets_a_greater_stamp() {
    let mut r = LWWRegister::with_timestamp("w", 1, 50);
    let first = r.clone();
    assert!(r.set_with_timestamp(2, 50));
    assert!(r.set_with_timestamp(3, 50));
    assert_eq!(*r.value(), 3);
    assert_eq!(r.stamp(), &LWWStamp::new(50, "w", 2));
    // A peer that saw only the first write takes the last one.
    let mut peer = first.fork("p");
    peer.apply_delta(&r.delta_since(&peer.summary()));
    assert_eq!(peer, r);
    // ... and the stale first write cannot come back.
    let mut back = r.clone();
    back.merge(&first);
    assert_eq!(back, r);
}

#[test]
fn stale_set_loses_and_says_so() {
    let mut r = LWWRegister::with_timestamp("a", "new", 100);
    let before = r.clone();
    assert!(!r.set_with_timestamp("old", 99));
    assert_eq!(r, before);
    // Equal timestamp, but the current value's writer has the greater id: loses too.
    let mut other = LWWRegister::with_timestamp("a", "x", 0);
    other.merge(&LWWRegister::with_timestamp("b", "from b", 100));
    assert!(!other.set_with_timestamp("from a", 100));
    assert_eq!(*other.value(), "from b");
    // A newer timestamp wins.
    assert!(other.set_with_timestamp("from a", 101));
    assert_eq!(*other.value(), "from a");
    assert_eq!(other.writer().as_str(), "a");
}

#[test]
fn no_greater_stamp_means_the_write_is_refused() {
    let mut r = LWWRegister::with_timestamp("me", 0u8, 0);
    r.apply_delta(&Some(LWWEntry {
        value: 1,
        stamp: LWWStamp::new(u64::MAX, "me", u64::MAX),
    }));
    assert_eq!(*r.value(), 1);
    assert!(!r.set_with_timestamp(2, u64::MAX));
    #[cfg(feature = "std")]
    assert!(!r.set(3));
    assert_eq!(*r.value(), 1);
    assert_eq!(r.stamp().seq(), u64::MAX);
}

/// `LWWRegister::new` and `set` read the wall clock, which needs `std`.
#[cfg(feature = "std")]
#[test]
fn wall_clock_set_beats_a_value_stamped_in_the_future() {
    let future = u64::MAX / 2;
    let mut r = LWWRegister::new("zz-local", "mine");
    r.merge(&LWWRegister::with_timestamp("remote", "theirs", future));
    assert_eq!(*r.value(), "theirs");
    assert!(r.set("mine again"));
    assert_eq!(*r.value(), "mine again");
    assert_eq!(r.timestamp(), future);
    // Loses the tie by writer id: one millisecond later.
    let mut s = LWWRegister::new("a-local", "mine");
    s.merge(&LWWRegister::with_timestamp("zz-remote", "theirs", future));
    assert!(s.set("mine again"));
    assert_eq!(s.timestamp(), future + 1);
    // At u64::MAX with a greater writer there is nothing later.
    let mut t = LWWRegister::new("a", 1);
    t.merge(&LWWRegister::with_timestamp("b", 2, u64::MAX));
    assert!(!t.set(3));
    assert_eq!(*t.value(), 2);
}

/// `LWWRegister::new` and `set` read the wall clock, which needs `std`.
#[cfg(feature = "std")]
#[test]
fn wall_clock_writes_are_monotonic() {
    let mut r = LWWRegister::new("a", 0u32);
    let mut last = r.stamp().clone();
    for i in 1..200 {
        assert!(r.set(i));
        assert!(*r.stamp() > last);
        last = r.stamp().clone();
    }
    assert_eq!(*r.value(), 199);
}

#[test]
fn hlc_timestamps_drive_a_register() {
    let mut clock_a = HybridClock::with_time_source("a", || 1_000);
    let mut clock_b = HybridClock::with_time_source("b", || 1_000);
    let mut a = LWWRegister::with_timestamp("a", "a0", 0);
    let mut b = a.fork("b");
    assert!(a.set_with_clock("a1", &mut clock_a).unwrap());
    // b hears of a's write through its clock, then writes: b's write is later.
    let seen = HybridTimestamp::from_u64(a.timestamp(), a.writer());
    clock_b.receive(&seen).unwrap();
    assert!(b.set_with_clock("b1", &mut clock_b).unwrap());
    assert!(b.timestamp() > a.timestamp());
    a.merge(&b);
    assert_eq!(*a.value(), "b1");
    let t = HybridTimestamp::from_u64(a.timestamp(), "b");
    assert_eq!((t.physical(), t.logical()), (1_000, 2));
    // a's clock has not heard of b's write: a write stamped by it loses...
    let stale = clock_a.now().unwrap();
    assert!(!a.clone().set_with_timestamp("a2", stale.as_u64()));
    // ... until the clock receives the register's timestamp.
    clock_a
        .receive(&HybridTimestamp::from_u64(a.timestamp(), a.writer()))
        .unwrap();
    assert!(a.set_with_clock("a2", &mut clock_a).unwrap());
    assert_eq!(*a.value(), "a2");
}

#[test]
fn into_value_and_fork() {
    let r = LWWRegister::with_timestamp("a", String::from("v"), 3);
    let f = r.fork("b");
    assert_eq!(f, r);
    assert_eq!(f.actor().as_str(), "b");
    assert_eq!(f.writer().as_str(), "a");
    assert_eq!(r.into_value(), "v");
}
