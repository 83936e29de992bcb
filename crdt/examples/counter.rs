//! Distributed counters: three offline devices count, then sync by merge and by deltas.
//!
//! Run: `cargo run -p crdt-kit --example counter`

use crdt_kit::prelude::*;

fn main() {
    println!("crdt-kit: distributed counters\n");

    // Three sensors count events while offline.
    let mut door = GCounter::new("sensor-door");
    let mut hall = GCounter::new("sensor-hall");
    let mut yard = GCounter::new("sensor-yard");
    door.increment_by(142);
    hall.increment_by(89);
    for _ in 0..17 {
        yard.increment();
    }
    println!(
        "offline counts: door={} hall={} yard={}",
        door.value(),
        hall.value(),
        yard.value()
    );

    // The gateway syncs with deltas: it sends a compact summary of what it has,
    // each sensor answers with only what the gateway lacks.
    let mut gateway = GCounter::new("gateway");
    for sensor in [&door, &hall, &yard] {
        let delta = sensor.delta_since(&gateway.summary());
        gateway.apply_delta(&delta);
    }
    println!("gateway after delta sync: {}", gateway.value());
    assert_eq!(gateway.value(), 142 + 89 + 17);

    // Syncing again sends nothing new, and re-applying an old delta changes nothing.
    let again = door.delta_since(&gateway.summary());
    let before = gateway.clone();
    gateway.apply_delta(&again);
    assert_eq!(gateway, before);
    println!("second sync is a no-op: {}", gateway == before);

    // Merge order does not matter.
    let mut ab = door.clone();
    ab.merge(&hall);
    ab.merge(&yard);
    let mut ba = yard.clone();
    ba.merge(&hall);
    ba.merge(&door);
    assert_eq!(ab.value(), ba.value());
    println!("merge in either order: {} == {}", ab.value(), ba.value());

    // Stock with increments and decrements.
    let mut warehouse = PNCounter::new("warehouse");
    let mut shop = PNCounter::new("shop");
    warehouse.increment_by(100);
    shop.decrement_by(35);
    warehouse.merge(&shop);
    shop.merge(&warehouse);
    println!(
        "\nstock after sync: warehouse={} shop={}",
        warehouse.value(),
        shop.value()
    );
    assert_eq!(warehouse.value(), 65);
    assert_eq!(shop.value(), 65);
}
