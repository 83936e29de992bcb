//! E-commerce entities across stores that go offline: stock (PN-counter), carts
//! (add-wins set), prices (last writer wins), revoked coupons (two-phase set), product
//! copy (collaborative text), order status (multi-value register), and page views
//! synced by deltas.
//!
//! Run: `cargo run -p crdt-kit --example ecommerce`

use crdt_kit::prelude::*;

fn main() -> Result<(), Error> {
    inventory();
    cart();
    pricing();
    coupons();
    product_copy()?;
    order_status();
    analytics();
    Ok(())
}

fn inventory() {
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
    println!(
        "stock: {} (either merge order: {})",
        warehouse.value(),
        reverse.value()
    );
    assert_eq!(warehouse.value(), 43);
    assert_eq!(reverse.value(), 43);
}

fn cart() {
    let mut phone = ORSet::new("phone");
    phone.insert("earbuds");
    phone.insert("case");
    phone.insert("cable");
    let mut laptop = phone.fork("laptop");
    phone.remove(&"cable");
    laptop.insert("cable"); // re-added concurrently with the remove: add wins
    laptop.insert("keyboard");
    phone.merge(&laptop);
    laptop.merge(&phone);
    let items: Vec<_> = phone.iter().copied().collect();
    println!("cart: {items:?}");
    assert!(phone.contains(&"cable"));
    assert_eq!(phone.len(), 4);
    assert_eq!(phone, laptop);
}

fn pricing() {
    let mut price = LWWRegister::with_timestamp("admin", "USD 79.99", 900);
    price.merge(&LWWRegister::with_timestamp("marketing", "USD 59.99", 1000));
    price.merge(&LWWRegister::with_timestamp("algo", "USD 64.99", 1100));
    price.merge(&LWWRegister::with_timestamp("admin-2", "USD 99.99", 800)); // stale
                                                                            // Equal timestamps: the writer's id breaks the tie, the same on every replica.
    let a = LWWRegister::with_timestamp("eu", "EUR 60", 1200);
    let b = LWWRegister::with_timestamp("us", "USD 65", 1200);
    let mut ab = a.clone();
    ab.merge(&b);
    let mut ba = b.clone();
    ba.merge(&a);
    println!(
        "price: {} (tie resolved to {} on both sides)",
        price.value(),
        ab.value()
    );
    assert_eq!(*price.value(), "USD 64.99");
    assert_eq!(ab, ba);
}

fn coupons() {
    let mut hq = TwoPSet::new("hq");
    hq.insert("SUMMER10");
    hq.insert("WELCOME5");
    let mut store = hq.fork("store");
    hq.remove(&"SUMMER10"); // revoked for good
    store.merge(&hq);
    let re_added = store.insert("SUMMER10");
    println!(
        "coupons: {:?} (re-adding a revoked coupon: {re_added})",
        store.iter().collect::<Vec<_>>()
    );
    assert!(!re_added);
    assert!(!store.contains(&"SUMMER10"));
}

fn product_copy() -> Result<(), Error> {
    let mut pm = TextCrdt::new("product-manager");
    pm.insert_str(0, "Ergonomic office chair")?;
    let mut designer = pm.fork("designer");
    let mut copywriter = pm.fork("copywriter");
    let end = designer.len();
    designer.insert_str(end, " with lumbar support")?;
    copywriter.insert_str(0, "[BESTSELLER] ")?;
    pm.merge(&designer);
    pm.merge(&copywriter);
    println!("copy: {pm}");
    assert_eq!(
        pm.to_string(),
        "[BESTSELLER] Ergonomic office chair with lumbar support"
    );
    Ok(())
}

fn order_status() {
    let mut warehouse = MVRegister::new("warehouse");
    warehouse.set("packed");
    let mut shipping = warehouse.fork("shipping");
    warehouse.set("ready-for-pickup");
    shipping.set("in-transit");
    warehouse.merge(&shipping);
    println!(
        "order status: {:?} (conflict: {})",
        warehouse.values(),
        warehouse.is_conflicted()
    );
    assert!(warehouse.is_conflicted());
    warehouse.set("in-transit");
    assert!(!warehouse.is_conflicted());
}

fn analytics() {
    let mut us = GCounter::new("edge-us-east");
    let mut eu = GCounter::new("edge-eu-west");
    let mut central = GCounter::new("central");
    us.increment_by(5000);
    eu.increment_by(3200);
    central.apply_delta(&us.delta(&central));
    central.apply_delta(&eu.delta_since(&central.summary()));
    println!("page views: {}", central.value());
    assert_eq!(central.value(), 8200);
    let empty = GCounter::new("x").delta(&GCounter::new("y"));
    assert_eq!(us.delta(&central), empty, "nothing left to send");
}
