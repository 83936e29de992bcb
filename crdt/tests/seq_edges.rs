//! Named edge cases of the sequence types.
use crdt_kit::prelude::*;

fn sync(a: &mut TextCrdt, b: &mut TextCrdt) {
    let da = a.delta(b);
    let db = b.delta(a);
    b.apply_delta(&da);
    a.apply_delta(&db);
    a.check_invariants().unwrap();
    b.check_invariants().unwrap();
    assert_eq!(a, b);
}

fn type_at(t: &mut TextCrdt, at: usize, word: &str) {
    for (k, c) in word.chars().enumerate() {
        t.insert(at + k, c).unwrap();
        t.check_invariants().unwrap();
    }
}

#[test]
fn concurrent_words_do_not_interleave() {
    for base in ["", "12", "hello world"] {
        for at in [0, base.len() / 2, base.len()] {
            let mut a = TextCrdt::new("a");
            a.insert_str(0, base).unwrap();
            let mut b = a.fork("b");
            type_at(&mut a, at, "abc");
            type_at(&mut b, at, "xyz");
            sync(&mut a, &mut b);
            let got = a.to_string();
            let one = format!("{}abcxyz{}", &base[..at], &base[at..]);
            let two = format!("{}xyzabc{}", &base[..at], &base[at..]);
            assert!(got == one || got == two, "interleaved: {got:?}");
        }
    }
}

#[test]
fn concurrent_words_with_three_replicas_and_any_delivery_order() {
    let root = TextCrdt::new("root");
    let mut reps: Vec<TextCrdt> = ["p", "q", "r"].iter().map(|n| root.fork(*n)).collect();
    for (r, w) in reps.iter_mut().zip(["one", "two", "six"]) {
        type_at(r, 0, w);
    }
    let deltas: Vec<_> = reps
        .iter()
        .map(|r| r.delta_since(&VersionVector::new()))
        .collect();
    let orders = [[0, 1, 2], [2, 1, 0], [1, 2, 0]];
    let mut results = Vec::new();
    for order in orders {
        let mut t = TextCrdt::new("x");
        for k in order {
            t.apply_delta(&deltas[k]);
            t.check_invariants().unwrap();
        }
        results.push(t);
    }
    let s = results[0].to_string();
    assert_eq!(s.len(), 9);
    for w in ["one", "two", "six"] {
        assert!(s.contains(w), "{s:?} interleaves");
    }
    assert!(results.iter().all(|r| r == &results[0]));
}

#[test]
fn deleting_a_range_that_another_replica_inserts_into() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "hello world").unwrap();
    let mut b = a.fork("b");
    a.remove_range(3, 5).unwrap(); // "hel" + "rld"
    b.insert_str(5, "XX").unwrap(); // "helloXX world"
    sync(&mut a, &mut b);
    assert_eq!(a.to_string(), "helXXrld");
}

#[test]
fn concurrent_deletes_of_the_same_chars() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abcdef").unwrap();
    let mut b = a.fork("b");
    a.remove_range(1, 3).unwrap();
    b.remove_range(2, 3).unwrap();
    sync(&mut a, &mut b);
    assert_eq!(a.to_string(), "af");
}

#[test]
fn out_of_bounds_is_an_error() {
    let mut t = TextCrdt::new("a");
    assert_eq!(
        t.insert(1, 'x'),
        Err(Error::IndexOutOfBounds { index: 1, len: 0 })
    );
    assert_eq!(
        t.remove(0),
        Err(Error::IndexOutOfBounds { index: 0, len: 0 })
    );
    t.insert_str(0, "abc").unwrap();
    assert!(t.insert_str(4, "x").is_err());
    assert!(t.remove(3).is_err());
    assert!(t.remove_range(2, 2).is_err());
    assert!(t.remove_range(usize::MAX, 2).is_err());
    assert!(t.splice(2, 5, "x").is_err());
    assert!(t.splice(usize::MAX, usize::MAX, "x").is_err());
    assert_eq!(t.to_string(), "abc");
    let mut r: Rga<i32> = Rga::new("a");
    assert!(r.insert_at(1, 5).is_err());
    assert!(r.remove(0).is_err());
    assert_eq!(r.get(0), None);
    r.check_invariants().unwrap();
    t.check_invariants().unwrap();
}

#[test]
fn empty_strings_are_no_ops() {
    let mut t = TextCrdt::new("a");
    t.insert_str(0, "").unwrap();
    t.splice(0, 0, "").unwrap();
    t.remove_range(0, 0).unwrap();
    assert!(t.is_empty());
    assert_eq!(t.summary(), VersionVector::new());
    assert!(t.insert_str(1, "").is_err());
    t.check_invariants().unwrap();
}

#[test]
fn unicode_positions_count_chars() {
    let mut t = TextCrdt::new("a");
    t.insert_str(0, "héllo 😀 wörld").unwrap();
    assert_eq!(t.len(), 13);
    assert_eq!(t.remove(6), Ok('😀'));
    t.insert(6, '🎉').unwrap();
    t.splice(1, 1, "ё").unwrap();
    assert_eq!(t.to_string(), "hёllo 🎉 wörld");
    assert_eq!(t.get(10), Some('r'));
    let mut b = t.fork("b");
    b.insert_str(13, "!ß").unwrap();
    t.merge(&b);
    assert_eq!(t.to_string(), "hёllo 🎉 wörld!ß");
    t.check_invariants().unwrap();
}

#[test]
fn a_delta_applied_twice_changes_nothing_more() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abc").unwrap();
    let mut b = TextCrdt::new("b");
    let d = a.delta(&b);
    b.apply_delta(&d);
    let once = b.clone();
    b.apply_delta(&d);
    assert_eq!(b, once);
    assert_eq!(b.to_string(), "abc");
    b.check_invariants().unwrap();
}

#[test]
fn a_delta_before_the_one_it_depends_on_waits_then_integrates() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abc").unwrap();
    let b0 = TextCrdt::new("b");
    let first = a.delta(&b0);
    let after_first = {
        let mut x = b0.clone();
        x.apply_delta(&first);
        x
    };
    a.insert_str(1, "XY").unwrap();
    a.remove(0).unwrap();
    let second = a.delta(&after_first);
    let mut b = b0.clone();
    b.apply_delta(&second);
    assert_eq!(b.to_string(), "");
    assert!(b.pending_len() > 0);
    b.check_invariants().unwrap();
    b.apply_delta(&first);
    assert_eq!(b.pending_len(), 0);
    assert_eq!(b.to_string(), "XYbc");
    assert_eq!(b, a);
    b.check_invariants().unwrap();
}

#[test]
fn partially_known_runs_are_trimmed() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abc").unwrap();
    let mut b = a.fork("b");
    a.insert_str(3, "def").unwrap(); // one run "abcdef" in a's log
    let full = a.delta_since(&VersionVector::new());
    b.apply_delta(&full);
    assert_eq!(b.to_string(), "abcdef");
    assert_eq!(b, a);
    b.check_invariants().unwrap();
}

#[test]
fn rga_basics() {
    let mut r = Rga::new("a");
    r.insert_at(0, "x".to_string()).unwrap();
    r.insert_at(1, "y".to_string()).unwrap();
    r.insert_at(0, "w".to_string()).unwrap();
    assert_eq!(r.to_vec(), ["w", "x", "y"]);
    assert_eq!(r.remove(1).unwrap(), "x");
    assert_eq!(r.get(1).map(String::as_str), Some("y"));
    assert_eq!(r.iter().count(), 2);
    let mut s = r.fork("b");
    s.insert_at(2, "z".to_string()).unwrap();
    r.merge(&s);
    assert_eq!(r.to_vec(), ["w", "y", "z"]);
    assert_eq!(r.actor().as_str(), "a");
    r.check_invariants().unwrap();
}

#[test]
fn fork_with_the_same_actor_continues_its_counters() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "ab").unwrap();
    let mut b = a.fork("a");
    b.insert(2, 'c').unwrap();
    a.merge(&b);
    assert_eq!(a.to_string(), "abc");
    a.check_invariants().unwrap();
}

#[test]
fn large_documents_split_nodes() {
    let mut a = TextCrdt::new("a");
    let mut b = a.fork("b");
    // Interleaved edits produce many runs and force leaf and inner splits.
    for i in 0..3000usize {
        let t = if i % 2 == 0 { &mut a } else { &mut b };
        let at = (i * 7919) % (t.len() + 1);
        t.insert(at, char::from(b'a' + (i % 26) as u8)).unwrap();
        if i % 5 == 0 && t.len() > 3 {
            t.remove_range(at.min(t.len() - 2), 2).unwrap();
        }
        if i % 100 == 0 {
            sync(&mut a, &mut b);
        }
    }
    sync(&mut a, &mut b);
    let (_, spans) = a.memory_stats();
    assert!(spans > 1000, "{spans}");
}

#[test]
fn backspacing_is_one_reversed_run_and_trims_correctly() {
    let mut a = TextCrdt::new("a");
    a.insert_str(0, "abcdefgh").unwrap();
    let mut b = a.fork("b");
    let mut seen = b.clone();
    for k in 0..5 {
        a.remove(7 - k).unwrap();
        if k == 1 {
            // b learns of the first two backspaces only.
            seen.apply_delta(&a.delta(&seen));
            b.apply_delta(&a.delta(&b));
        }
    }
    assert_eq!(a.to_string(), "abc");
    assert_eq!(b.to_string(), "abcdef");
    // The rest of the same delete run arrives trimmed.
    let rest = a.delta_since(&seen.summary());
    b.apply_delta(&rest);
    assert_eq!(b.to_string(), "abc");
    assert_eq!(a, b);
    b.check_invariants().unwrap();
    // And a replica that saw nothing gets the whole run.
    let mut c = TextCrdt::new("c");
    c.merge(&a);
    assert_eq!(c, a);
    c.check_invariants().unwrap();
}

#[test]
fn debug_shows_the_value_not_the_internals() {
    let mut t = TextCrdt::new("a");
    t.insert_str(0, "hi").unwrap();
    assert_eq!(
        format!("{t:?}"),
        r#"TextCrdt { actor: "a", text: "hi", pending: 0 }"#
    );
    let mut r = Rga::new("b");
    r.insert_at(0, 1u8).unwrap();
    assert_eq!(
        format!("{r:?}"),
        r#"Rga { actor: "b", items: [1], pending: 0 }"#
    );
}

#[test]
fn concurrent_backward_typing_does_not_interleave() {
    for base in ["", "12", "hello"] {
        let mut a = TextCrdt::new("a");
        a.insert_str(0, base).unwrap();
        let mut b = a.fork("b");
        let at = base.len() / 2;
        // Each types a word backwards: every char goes in front of the previous one.
        for c in ['c', 'b', 'a'] {
            a.insert(at, c).unwrap();
        }
        for c in ['z', 'y', 'x'] {
            b.insert(at, c).unwrap();
        }
        sync(&mut a, &mut b);
        let got = a.to_string();
        let one = format!("{}abcxyz{}", &base[..at], &base[at..]);
        let two = format!("{}xyzabc{}", &base[..at], &base[at..]);
        assert!(got == one || got == two, "interleaved: {got:?}");
    }
}
