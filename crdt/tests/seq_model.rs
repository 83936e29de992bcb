//! Model tests: a single replica of `TextCrdt` / `Rga` against `String` / `Vec`, and a
//! long sequential typing session that would expose O(n^2) behaviour.
mod common;

use crdt_kit::prelude::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum TextOp {
    Insert(usize, char),
    InsertStr(usize, String),
    Remove(usize),
    RemoveRange(usize, usize),
    Splice(usize, usize, String),
}

fn text_op() -> impl Strategy<Value = TextOp> {
    let s = "[a-cé😀]{0,6}";
    prop_oneof![
        (any::<usize>(), prop::char::range('a', 'e')).prop_map(|(i, c)| TextOp::Insert(i, c)),
        (any::<usize>(), s).prop_map(|(i, s)| TextOp::InsertStr(i, s)),
        any::<usize>().prop_map(TextOp::Remove),
        (any::<usize>(), 0usize..5).prop_map(|(i, n)| TextOp::RemoveRange(i, n)),
        (any::<usize>(), 0usize..4, s).prop_map(|(i, n, s)| TextOp::Splice(i, n, s)),
    ]
}

fn char_index(s: &str, i: usize) -> usize {
    s.char_indices().nth(i).map_or(s.len(), |(b, _)| b)
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn text_matches_string_model(ops in prop::collection::vec(text_op(), 0..40)) {
        let mut t = TextCrdt::new("a");
        let mut m = String::new();
        for op in ops {
            let len = m.chars().count();
            match op {
                TextOp::Insert(i, c) => {
                    let i = i % (len + 2);
                    let r = t.insert(i, c);
                    if i <= len { prop_assert!(r.is_ok()); m.insert(char_index(&m, i), c); }
                    else { prop_assert_eq!(r, Err(Error::IndexOutOfBounds { index: i, len })); }
                }
                TextOp::InsertStr(i, s) => {
                    let i = i % (len + 2);
                    let r = t.insert_str(i, &s);
                    if i <= len { prop_assert!(r.is_ok()); m.insert_str(char_index(&m, i), &s); }
                    else { prop_assert!(r.is_err()); }
                }
                TextOp::Remove(i) => {
                    let i = i % (len + 1);
                    let r = t.remove(i);
                    if i < len { let b = char_index(&m, i); let c = m.remove(b); prop_assert_eq!(r, Ok(c)); }
                    else { prop_assert!(r.is_err()); }
                }
                TextOp::RemoveRange(i, n) => {
                    let i = i % (len + 2);
                    let r = t.remove_range(i, n);
                    if i + n <= len { prop_assert!(r.is_ok()); let (a, b) = (char_index(&m, i), char_index(&m, i + n)); m.replace_range(a..b, ""); }
                    else { prop_assert!(r.is_err()); }
                }
                TextOp::Splice(i, n, s) => {
                    let i = i % (len + 2);
                    let r = t.splice(i, n, &s);
                    if i + n <= len { prop_assert!(r.is_ok()); let (a, b) = (char_index(&m, i), char_index(&m, i + n)); m.replace_range(a..b, &s); }
                    else { prop_assert!(r.is_err()); }
                }
            }
            prop_assert_eq!(t.to_string(), m.clone());
            prop_assert_eq!(t.len(), m.chars().count());
            t.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }

    #[test]
    fn rga_matches_vec_model(ops in prop::collection::vec((0u8..4, any::<usize>(), any::<u32>(), 0usize..4), 0..40)) {
        let mut r = Rga::new("a");
        let mut m: Vec<u32> = Vec::new();
        for (kind, i, v, n) in ops {
            let len = m.len();
            let i = i % (len + 2);
            match kind {
                0 => {
                    let res = r.insert_at(i, v);
                    if i <= len { prop_assert!(res.is_ok()); m.insert(i, v); } else { prop_assert!(res.is_err()); }
                }
                1 => {
                    let vals: Vec<u32> = (0..n as u32).map(|k| v.wrapping_add(k)).collect();
                    let res = r.insert_all(i, vals.clone());
                    if i <= len { prop_assert!(res.is_ok()); m.splice(i..i, vals); } else { prop_assert!(res.is_err()); }
                }
                2 => {
                    let res = r.remove(i);
                    if i < len { prop_assert_eq!(res, Ok(m.remove(i))); } else { prop_assert!(res.is_err()); }
                }
                _ => {
                    let res = r.remove_range(i, n);
                    if i + n <= len { prop_assert!(res.is_ok()); m.drain(i..i + n); } else { prop_assert!(res.is_err()); }
                }
            }
            prop_assert_eq!(r.to_vec(), m.clone());
            for (k, x) in m.iter().enumerate() { prop_assert_eq!(r.get(k), Some(x)); }
            prop_assert_eq!(r.get(m.len()), None);
            r.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }
}

/// 20,000 keystrokes with backspaces and cursor jumps: catches quadratic behaviour.
#[test]
fn long_typing_session() {
    let mut t = TextCrdt::new("writer");
    let mut m = String::new();
    let mut cursor = 0usize;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for step in 0..20_000u32 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = m.len();
        if seed % 97 == 0 {
            cursor = (seed as usize / 97) % (len + 1);
        }
        if seed % 7 == 0 && cursor > 0 {
            cursor -= 1;
            t.remove(cursor).unwrap();
            m.remove(cursor);
        } else {
            let c = (b'a' + (step % 26) as u8) as char;
            t.insert(cursor, c).unwrap();
            m.insert(cursor, c);
            cursor += 1;
        }
    }
    assert_eq!(t.to_string(), m);
    t.check_invariants().unwrap();
    let copy = TextCrdt::new("reader");
    let mut copy = copy;
    copy.merge(&t);
    assert_eq!(copy.to_string(), m);
    copy.check_invariants().unwrap();
}
