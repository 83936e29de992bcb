//! The hybrid logical clock: monotonicity, counter exhaustion, drift, receive.

mod common;

use crdt_kit::{Error, HybridClock, HybridTimestamp, DEFAULT_MAX_DRIFT_MS};
use proptest::prelude::*;
use std::cell::Cell;
use std::rc::Rc;

/// A clock whose time source the test sets.
fn manual(node: &str, start: u64) -> (HybridClock<impl FnMut() -> u64>, Rc<Cell<u64>>) {
    let time = Rc::new(Cell::new(start));
    let source = Rc::clone(&time);
    (
        HybridClock::with_time_source(node, move || source.get()),
        time,
    )
}

#[test]
fn monotonic_when_the_wall_clock_goes_backwards() {
    let (mut clock, time) = manual("a", 10_000);
    let t1 = clock.now().unwrap();
    assert_eq!((t1.physical(), t1.logical()), (10_000, 0));
    time.set(4_000); // NTP step backwards
    let t2 = clock.now().unwrap();
    let t3 = clock.now().unwrap();
    assert!(t1 < t2 && t2 < t3);
    assert_eq!((t3.physical(), t3.logical()), (10_000, 2));
    time.set(10_001); // the wall clock catches up: the counter resets
    let t4 = clock.now().unwrap();
    assert_eq!((t4.physical(), t4.logical()), (10_001, 0));
    assert_eq!(t4.node().as_str(), "a");
}

#[test]
fn logical_counter_exhaustion_is_an_error_not_a_wrap() {
    let (mut clock, time) = manual("a", 7);
    let mut last = clock.now().unwrap();
    for _ in 0..u16::MAX {
        let t = clock.now().unwrap();
        assert!(t > last);
        last = t;
    }
    assert_eq!(last.logical(), u16::MAX);
    let before = clock.last();
    assert_eq!(clock.now(), Err(Error::ClockExhausted { physical_ms: 7 }));
    assert_eq!(clock.now(), Err(Error::ClockExhausted { physical_ms: 7 }));
    assert_eq!(clock.last(), before);
    // receive at the same millisecond cannot count either.
    let same = HybridTimestamp::new(7, 3, "b");
    assert_eq!(
        clock.receive(&same),
        Err(Error::ClockExhausted { physical_ms: 7 })
    );
    assert_eq!(clock.last(), before);
    // Once the time source moves on, the clock works again.
    time.set(8);
    let t = clock.now().unwrap();
    assert_eq!((t.physical(), t.logical()), (8, 0));
    assert!(Error::ClockExhausted { physical_ms: 7 }
        .to_string()
        .contains("7 ms"));
}

#[test]
fn receive_exhaustion_from_a_remote_counter_at_max() {
    let (mut clock, _time) = manual("a", 100);
    // Remote ahead of us (within drift) with its counter at the maximum.
    let remote = HybridTimestamp::new(150, u16::MAX, "b");
    assert_eq!(
        clock.receive(&remote),
        Err(Error::ClockExhausted { physical_ms: 150 })
    );
    assert_eq!(clock.last(), HybridTimestamp::new(0, 0, "a"));
}

#[test]
fn far_future_remote_timestamps_are_refused() {
    let (mut clock, _time) = manual("a", 1_000_000);
    clock.now().unwrap();
    let before = clock.last();
    let far = HybridTimestamp::new(1_000_000 + DEFAULT_MAX_DRIFT_MS + 1, 0, "evil");
    assert_eq!(
        clock.receive(&far),
        Err(Error::ClockDrift {
            remote_ms: 1_000_000 + DEFAULT_MAX_DRIFT_MS + 1,
            local_ms: 1_000_000,
            max_drift_ms: DEFAULT_MAX_DRIFT_MS,
        })
    );
    assert_eq!(clock.last(), before);
    let max = HybridTimestamp::new(u64::MAX, u16::MAX, "evil");
    assert!(matches!(clock.receive(&max), Err(Error::ClockDrift { .. })));
    assert_eq!(clock.last(), before);
    // Exactly at the bound is accepted.
    let edge = HybridTimestamp::new(1_000_000 + DEFAULT_MAX_DRIFT_MS, 4, "b");
    let t = clock.receive(&edge).unwrap();
    assert_eq!(
        (t.physical(), t.logical()),
        (1_000_000 + DEFAULT_MAX_DRIFT_MS, 5)
    );
    let msg = Error::ClockDrift {
        remote_ms: 10,
        local_ms: 4,
        max_drift_ms: 5,
    }
    .to_string();
    assert!(msg.contains("6 ms ahead"), "{msg}");
}

#[test]
fn max_drift_is_configurable() {
    let (clock, time) = manual("a", 1_000);
    let mut clock = clock.with_max_drift(10);
    assert_eq!(clock.max_drift(), 10);
    assert!(clock.receive(&HybridTimestamp::new(1_011, 0, "b")).is_err());
    assert!(clock.receive(&HybridTimestamp::new(1_010, 0, "b")).is_ok());
    clock.set_max_drift(0);
    time.set(2_000);
    assert!(clock.receive(&HybridTimestamp::new(2_001, 0, "b")).is_err());
    assert!(clock.receive(&HybridTimestamp::new(2_000, 0, "b")).is_ok());
}

#[test]
fn receive_advances_past_the_remote() {
    let (mut clock, time) = manual("a", 500);
    clock.now().unwrap();
    // Remote ahead: take its physical time and count past its counter.
    let r1 = HybridTimestamp::new(600, 9, "b");
    let t1 = clock.receive(&r1).unwrap();
    assert!(t1 > r1);
    assert_eq!((t1.physical(), t1.logical()), (600, 10));
    // Remote behind: our own counter moves on.
    let t2 = clock.receive(&HybridTimestamp::new(100, 50, "c")).unwrap();
    assert_eq!((t2.physical(), t2.logical()), (600, 11));
    // Same millisecond as ours, larger counter: past both.
    let t3 = clock.receive(&HybridTimestamp::new(600, 40, "c")).unwrap();
    assert_eq!((t3.physical(), t3.logical()), (600, 41));
    // Wall clock ahead of both: counter resets.
    time.set(700);
    let t4 = clock.receive(&HybridTimestamp::new(650, 3, "c")).unwrap();
    assert_eq!((t4.physical(), t4.logical()), (700, 0));
    let t5 = clock.now().unwrap();
    assert!(t5 > t4);
    assert_eq!(clock.node().as_str(), "a");
}

/// `HybridClock::new` reads the system clock, which needs `std`.
#[cfg(feature = "std")]
#[test]
fn system_clock_source() {
    let mut clock = HybridClock::new("sys");
    let a = clock.now().unwrap();
    let b = clock.now().unwrap();
    assert!(a < b);
    // Sometime after 2020.
    assert!(a.physical() > 1_577_836_800_000);
    let debug = format!("{clock:?}");
    assert!(debug.contains("sys"), "{debug}");
    let copy = clock.clone();
    assert_eq!(copy.last(), clock.last());
}

#[test]
fn display_and_packing() {
    let t = HybridTimestamp::new(1_700_000_000_123, 7, "node-1");
    assert_eq!(t.to_string(), "1700000000123.7@node-1");
    assert_eq!(HybridTimestamp::from_u64(t.as_u64(), "node-1"), t);
    let top = HybridTimestamp::new(HybridTimestamp::MAX_PACKED_PHYSICAL, u16::MAX, "x");
    assert_eq!(top.as_u64(), u64::MAX);
    assert_eq!(HybridTimestamp::new(u64::MAX, 0, "x").as_u64(), u64::MAX);
}

proptest! {
    #![proptest_config(common::config())]

    /// Packing preserves order, and is exact within range.
    #[test]
    fn packing_preserves_order(p1 in any::<u64>(), l1 in any::<u16>(),
                               p2 in any::<u64>(), l2 in any::<u16>(),
                               small in 0..=HybridTimestamp::MAX_PACKED_PHYSICAL) {
        let a = HybridTimestamp::new(p1, l1, "n");
        let b = HybridTimestamp::new(p2, l2, "n");
        if a <= b {
            prop_assert!(a.as_u64() <= b.as_u64());
        } else {
            prop_assert!(a.as_u64() >= b.as_u64());
        }
        let exact = HybridTimestamp::new(small, l1, "n");
        prop_assert_eq!(HybridTimestamp::from_u64(exact.as_u64(), "n"), exact);
    }

    /// Whatever the time source and the remote timestamps do, successful calls return
    /// strictly increasing timestamps above every accepted remote one, and failed calls
    /// change nothing.
    #[test]
    fn strictly_increasing_under_any_time_source(
        events in proptest::collection::vec(
            (0..2_000u64, proptest::option::of((0..2_200u64, any::<u16>()))), 1..80)
    ) {
        let (clock, time) = manual("me", 0);
        let mut clock = clock.with_max_drift(100);
        let mut last = clock.last();
        for (now, remote) in events {
            time.set(now);
            let before = clock.last();
            let result = match &remote {
                None => clock.now(),
                Some((p, l)) => clock.receive(&HybridTimestamp::new(*p, *l, "peer")),
            };
            match result {
                Ok(t) => {
                    prop_assert!(t > last);
                    prop_assert!(t.physical() >= now);
                    if let Some((p, l)) = remote {
                        prop_assert!((t.physical(), t.logical()) > (p, l));
                        prop_assert!(p <= now + 100);
                    }
                    prop_assert_eq!(&clock.last(), &t);
                    last = t;
                }
                Err(e) => {
                    prop_assert_eq!(clock.last(), before);
                    let drift = matches!(e, Error::ClockDrift { .. });
                    let exhausted = matches!(e, Error::ClockExhausted { .. });
                    prop_assert!(drift || exhausted);
                    if drift {
                        prop_assert!(remote.is_some_and(|(p, _)| p > now + 100));
                    }
                }
            }
        }
    }
}
