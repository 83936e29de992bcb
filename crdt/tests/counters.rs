//! Edge cases of `GCounter` and `PNCounter`: overflow, i64 range, forks, seed examples.

use crdt_kit::prelude::*;

/// A counter of `actor` that has counted `n`.
fn counted(actor: &str, n: u64) -> GCounter {
    let mut c = GCounter::new(actor);
    c.increment_by(n);
    c
}

#[test]
fn increment_saturates_own_count_at_u64_max() {
    let mut c = GCounter::new("a");
    c.increment_by(u64::MAX - 1);
    c.increment();
    assert_eq!(c.value(), u64::MAX);
    c.increment();
    c.increment_by(5);
    assert_eq!(c.count_for("a"), u64::MAX);
    c.check_invariants().unwrap();
}

#[test]
fn try_increment_reports_overflow_and_leaves_state_unchanged() {
    let mut c = GCounter::new("a");
    c.increment_by(u64::MAX - 2);
    let before = c.clone();
    assert_eq!(
        c.try_increment_by(3),
        Err(Error::Overflow { actor: "a".into() })
    );
    assert_eq!(c, before);
    c.try_increment_by(2).unwrap();
    assert_eq!(
        c.try_increment(),
        Err(Error::Overflow { actor: "a".into() })
    );
    assert_eq!(c.value(), u64::MAX);
    let msg = Error::Overflow { actor: "a".into() }.to_string();
    assert!(msg.contains("overflow"), "{msg}");
}

#[test]
fn value_saturates_across_actors_and_value_u128_is_exact() {
    let mut a = counted("a", u64::MAX);
    let b = counted("b", u64::MAX);
    let c = counted("c", 7);
    a.merge(&b);
    a.merge(&c);
    assert_eq!(a.value(), u64::MAX);
    assert_eq!(a.value_u128(), 2 * u128::from(u64::MAX) + 7);
}

#[test]
fn pncounter_value_clamps_to_i64_range() {
    let mut up = PNCounter::new("up");
    up.increment_by(u64::MAX);
    assert_eq!(up.value(), i64::MAX);
    assert_eq!(up.value_i128(), i128::from(u64::MAX));

    let mut down = PNCounter::new("down");
    down.decrement_by(u64::MAX);
    assert_eq!(down.value(), i64::MIN);
    assert_eq!(down.value_i128(), -i128::from(u64::MAX));

    // Exactly at the bounds: no clamping.
    let mut edge = PNCounter::new("e");
    edge.increment_by(i64::MAX as u64);
    assert_eq!(edge.value(), i64::MAX);
    edge.decrement_by(i64::MAX as u64);
    edge.decrement();
    assert_eq!(edge.value(), -1);
    let mut low = PNCounter::new("l");
    low.decrement_by(1u64 << 63);
    assert_eq!(low.value(), i64::MIN);
    low.decrement();
    assert_eq!(low.value(), i64::MIN);
    assert_eq!(low.value_i128(), i128::from(i64::MIN) - 1);

    // Far beyond i64, then back inside: the value is exact again.
    up.merge(&down);
    assert_eq!(up.value(), 0);
}

#[test]
fn pncounter_try_ops_report_overflow() {
    let mut c = PNCounter::new("a");
    c.try_increment_by(u64::MAX).unwrap();
    c.try_decrement_by(u64::MAX).unwrap();
    let before = c.clone();
    assert_eq!(
        c.try_increment(),
        Err(Error::Overflow { actor: "a".into() })
    );
    assert_eq!(
        c.try_decrement(),
        Err(Error::Overflow { actor: "a".into() })
    );
    assert_eq!(
        c.try_decrement_by(1),
        Err(Error::Overflow { actor: "a".into() })
    );
    assert_eq!(c, before);
    assert_eq!(c.value(), 0);
    c.increment();
    c.decrement();
    assert_eq!(c, before);
}

#[test]
fn equality_ignores_the_local_actor() {
    let a = counted("a", 3);
    let b = a.fork("b");
    assert_eq!(a, b);
    assert_eq!(b.actor().as_str(), "b");
    assert_eq!(b.count_for("a"), 3);
    assert_eq!(b.count_for("b"), 0);
}

#[test]
fn fork_to_a_known_actor_continues_its_count() {
    let mut a = counted("a", 3);
    a.merge(&counted("b", 4));
    // A replica restored from `a`'s state under the id "b" keeps counting from 4.
    let mut b2 = a.fork("b");
    b2.increment();
    assert_eq!(b2.count_for("b"), 5);
    assert_eq!(b2.value(), 8);
    b2.check_invariants().unwrap();
    let entries: Vec<(&str, u64)> = b2.entries().map(|(a, n)| (a.as_str(), n)).collect();
    assert_eq!(entries, [("a", 3), ("b", 5)]);
}

#[test]
fn merge_with_same_actor_takes_the_max() {
    let mut a = counted("x", 5);
    let mut stale = counted("x", 2);
    a.merge(&stale);
    assert_eq!(a.value(), 5);
    stale.merge(&a);
    assert_eq!(stale.value(), 5);
}

#[test]
fn merge_many_replicas_in_any_order() {
    let replicas: Vec<GCounter> = (0..100u64)
        .map(|i| {
            let mut c = GCounter::new(i);
            c.increment_by(i + 1);
            c
        })
        .collect();
    let mut forward = GCounter::new("f");
    replicas.iter().for_each(|r| forward.merge(r));
    let mut backward = GCounter::new("b");
    replicas.iter().rev().for_each(|r| backward.merge(r));
    let mut bulk = GCounter::new("k");
    bulk.merge(&forward);
    assert_eq!(forward, backward);
    assert_eq!(forward, bulk);
    assert_eq!(forward.value(), 5050);
    forward.check_invariants().unwrap();
    assert_eq!(forward.summary().len(), 100);
}

#[test]
fn delta_carries_only_what_the_peer_lacks() {
    let mut us = counted("edge-us-east", 5000);
    let eu = counted("edge-eu-west", 3200);
    let mut central = GCounter::new("central");
    central.apply_delta(&us.delta(&central));
    central.apply_delta(&eu.delta_since(&central.summary()));
    assert_eq!(central.value(), 8200);
    let empty = GCounter::new("x").delta(&GCounter::new("y"));
    assert_eq!(us.delta(&central), empty);
    assert!(empty.is_empty());
    assert_eq!(
        us.delta(&central),
        GCounter::new("dummy").delta(&GCounter::new("dummy"))
    );
    us.increment();
    let d = us.delta(&central);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d.iter().collect::<Vec<_>>(),
        [(&"edge-us-east".into(), 5001)]
    );
}

#[test]
fn seed_inventory_example() {
    let mut warehouse = PNCounter::new("warehouse");
    let mut nyc = PNCounter::new("store-nyc");
    let mut la = PNCounter::new("store-la");
    warehouse.increment_by(100);
    nyc.decrement_by(35);
    la.decrement_by(22);
    warehouse.merge(&nyc);
    warehouse.merge(&la);
    let mut reverse = la.clone();
    reverse.merge(&nyc);
    reverse.merge(&warehouse);
    assert_eq!(warehouse.value(), 43);
    assert_eq!(reverse.value(), 43);
    assert_eq!(warehouse, reverse);
    let d = warehouse.delta_since(&reverse.summary());
    assert!(d.is_empty());
    assert_eq!(warehouse.increments().value(), 100);
    assert_eq!(warehouse.decrements().value(), 57);
    warehouse.check_invariants().unwrap();
}
