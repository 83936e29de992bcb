//! Event log, snapshots and compaction: every change to an order is an event appended in
//! the same atomic commit as the order's new state; compaction snapshots the state and
//! truncates the events it covers.
//!
//! Run: `cargo run -p crdt-store --example event_sourcing`

use crdt_store::{crdt_schema, CrdtDb, EventStore, Result};
use serde::{Deserialize, Serialize};

#[crdt_schema(version = 1, table = "order_events")]
#[derive(Serialize, Deserialize, Debug, Clone)]
enum OrderEvent {
    Placed { items: u32 },
    Paid { cents: u64 },
    Shipped,
}

#[crdt_schema(version = 1, table = "orders")]
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
struct Order {
    items: u32,
    paid_cents: u64,
    shipped: bool,
}

impl Order {
    fn apply(&mut self, e: &OrderEvent) {
        match e {
            OrderEvent::Placed { items } => self.items = *items,
            OrderEvent::Paid { cents } => self.paid_cents += cents,
            OrderEvent::Shipped => self.shipped = true,
        }
    }
}

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("crdt-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| crdt_store::Error::InvalidArgument(e.to_string()))?;
    let db = CrdtDb::open(dir.join("orders.crdt"))?;

    let mut order = Order::default();
    let events = [
        OrderEvent::Placed { items: 3 },
        OrderEvent::Paid { cents: 4_999 },
        OrderEvent::Shipped,
    ];
    for (t, e) in events.iter().enumerate() {
        order.apply(e);
        let seq = db.append_event("o-1", e, &order, 1_700_000_000_000 + t as u64, "till-2")?;
        println!("event #{seq}: {e:?}");
    }

    // Rebuild the state from the log: it equals the stored state.
    let mut replayed = Order::default();
    for ev in db.events::<OrderEvent>("orders", "o-1", 0)? {
        replayed.apply(&ev?.value);
    }
    let stored: Order = db.load("o-1")?.expect("saved with each event");
    println!("replayed: {replayed:?}\nstored:   {stored:?}");
    assert_eq!(format!("{replayed:?}"), format!("{stored:?}"));

    // Compaction: snapshot + truncate, atomically.
    let removed = db.compact_entity("orders", "o-1")?;
    let (snapshot, at): (Order, u64) = db.load_snapshot("orders", "o-1")?.expect("just saved");
    println!("compacted: {removed} events removed, snapshot at #{at}: {snapshot:?}");
    println!("events left: {}", db.store().event_count("orders", "o-1")?);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
