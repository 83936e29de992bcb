//! The bindings as JavaScript sees them, run in Node by `wasm-bindgen-test-runner`
//! (`cargo test -p crdt-wasm --target wasm32-unknown-unknown`, see wasm/ci.sh): every
//! class, the `Date.now()` clock, and errors turned into thrown JS `Error`s.
#![cfg(target_arch = "wasm32")]

use crdt_wasm::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// The message of the JS `Error` an `Err` becomes when thrown.
fn thrown(err: Error) -> String {
    let value: JsValue = err.into();
    let error: js_sys::Error = value.dyn_into().expect("an Err is thrown as a JS Error");
    String::from(error.message())
}

#[wasm_bindgen_test]
fn gcounter_and_pncounter() {
    let mut a = GCounter::new("a");
    a.increment_by(41.0).unwrap();
    let mut b = GCounter::new("b");
    b.increment().unwrap();
    a.merge(&b);
    assert_eq!(a.value().unwrap(), 42.0);
    assert_eq!(a.value_big_int(), 42);
    assert_eq!(
        thrown(a.increment_by(-3.0).unwrap_err()),
        "incrementBy(n) must be an integer from 0 to 9007199254740991, got -3"
    );

    let mut p = PNCounter::new("p");
    p.decrement_by(5.0).unwrap();
    let mut q = PNCounter::decode(&p.encode().unwrap()).unwrap().fork("q");
    q.increment().unwrap();
    p.apply_delta(&q.delta_since(&p.summary().unwrap()).unwrap())
        .unwrap();
    assert_eq!((p.value().unwrap(), p.value_big_int()), (-4.0, -4));
}

#[wasm_bindgen_test]
fn lww_register_reads_date_now_and_hybrid_clock() {
    let before = js_sys::Date::now() as u64;
    let mut r = LWWRegister::new("a", "draft".into());
    assert!(r.timestamp() >= before);
    r.set("final".into()).unwrap();
    assert_eq!(r.value(), "final");
    let mut clock = HybridClock::new("a");
    assert!(
        r.set_with_clock("hlc".into(), &mut clock).unwrap(),
        "a packed HLC stamp is later than ms"
    );
    assert_eq!(r.timestamp(), clock.last().as_u64());
    let mut s = LWWRegister::with_timestamp("b", "old".into(), 1);
    s.apply_delta(&r.delta(&s).unwrap()).unwrap();
    assert_eq!(
        (s.value(), s.writer()),
        ("hlc".to_string(), "a".to_string())
    );
}

#[wasm_bindgen_test]
fn mv_register() {
    let mut a = MVRegister::new("a");
    let mut b = MVRegister::new("b");
    a.set("red".into()).unwrap();
    b.set("blue".into()).unwrap();
    a.apply_delta(&b.delta(&a).unwrap()).unwrap();
    assert_eq!(a.values(), ["red", "blue"]);
    assert!(a.is_conflicted());
}

#[wasm_bindgen_test]
fn sets() {
    let mut g = GSet::new("g");
    assert!(g.insert("x".into()).unwrap());
    assert!(!g.insert("x".into()).unwrap());
    assert_eq!((g.size(), g.contains("x")), (1.0, true));

    let mut t = TwoPSet::new("t");
    t.insert("x".into()).unwrap();
    t.remove("x").unwrap();
    let mut u = TwoPSet::new("u");
    u.insert("x".into()).unwrap();
    u.apply_delta(&t.delta(&u).unwrap()).unwrap();
    assert!(u.is_removed("x") && u.is_empty());

    let mut o = ORSet::new("o");
    o.insert("b".into()).unwrap();
    o.insert("a".into()).unwrap();
    let mut p = ORSet::decode(&o.encode().unwrap()).unwrap().fork("p");
    assert!(p.remove("a"));
    o.apply_delta(&p.delta_since(&o.summary().unwrap()).unwrap())
        .unwrap();
    assert_eq!(o.to_array(), ["b"]);
}

#[wasm_bindgen_test]
fn rga_and_text() {
    let mut r = Rga::new("r");
    r.insert_all(0.0, vec!["a".into(), "c".into()]).unwrap();
    r.insert_at(1.0, "b".into()).unwrap();
    assert_eq!(r.to_array(), ["a", "b", "c"]);
    assert_eq!(
        thrown(r.remove(3.0).unwrap_err()),
        "index 3 is out of bounds for a sequence of length 3"
    );

    let mut t = TextCrdt::new("left");
    t.insert_str(0.0, "héllo 🌍").unwrap();
    assert_eq!(t.length(), 7.0, "positions count Unicode scalar values");
    let mut u = t.fork("right");
    t.insert(7.0, "!").unwrap();
    u.splice(0.0, 1.0, "H").unwrap();
    u.apply_delta(&t.delta_since(&u.summary().unwrap()).unwrap())
        .unwrap();
    t.apply_delta(&u.delta(&t).unwrap()).unwrap();
    assert_eq!(t.to_string(), "Héllo 🌍!");
    assert!(t.equals(&u));
    assert_eq!(
        thrown(t.insert(0.0, "ab").unwrap_err()),
        "insert() takes exactly one character, got 2; use insertStr() for text"
    );
}

#[wasm_bindgen_test]
fn hybrid_clock_refuses_a_far_future_timestamp() {
    let mut clock = HybridClock::new("n");
    let t1 = clock.now().unwrap();
    let t2 = clock.now().unwrap();
    assert_eq!(t2.compare(&t1), 1);
    let far = HybridTimestamp::new(js_sys::Date::now() + 3_600_000.0, 0.0, "m").unwrap();
    let message = thrown(clock.receive(&far).unwrap_err());
    assert!(
        message.contains("the maximum allowed drift is 60000 ms"),
        "{message}"
    );
    assert!(clock.last().equals(&t2));
    assert_eq!(
        HybridTimestamp::new(5.0, 1.0, "n").unwrap().to_string(),
        "5.1@n"
    );
}

#[wasm_bindgen_test]
fn bad_bytes_throw_for_every_class() {
    let junk: &[u8] = &[
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];
    let msg = thrown(TextCrdt::decode(junk).err().unwrap());
    assert!(
        msg.starts_with("cannot decode a TextCrdt from 11 bytes"),
        "{msg}"
    );
    assert!(GCounter::decode(junk).is_err());
    assert!(PNCounter::decode(junk).is_err());
    assert!(LWWRegister::decode(junk).is_err());
    assert!(MVRegister::decode(junk).is_err());
    assert!(GSet::decode(junk).is_err());
    assert!(TwoPSet::decode(junk).is_err());
    assert!(ORSet::decode(junk).is_err());
    assert!(Rga::decode(junk).is_err());
    assert!(HybridTimestamp::decode(junk).is_err());

    let mut t = TextCrdt::new("t");
    let mut delta = TextCrdt::new("u").delta(&t).unwrap();
    delta.push(0);
    let msg = thrown(t.apply_delta(&delta).unwrap_err());
    assert!(msg.contains("1 trailing"), "{msg}");
    assert!(t.delta_since(junk).is_err());
    assert!(GCounter::new("g").apply_delta(junk).is_err());
    assert!(ORSet::new("o").delta_since(junk).is_err());
}
