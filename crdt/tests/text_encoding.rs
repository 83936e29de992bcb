//! The compact text encoding (`format-spec/text-encoding.md`): its test vectors and one
//! test per rule (named `txt_<n>_...`), round trips of random and concurrent histories,
//! and hostile bytes (every truncation, byte flips) that must give `Error::Decode`, never
//! a panic.

use crdt_kit::prelude::*;
use crdt_kit::Error;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn vector_1() -> Vec<u8> {
    hex("43 4B 54 58 01 00  01 01 61  00  02  04 00 00  03 01 07 02  00  02 68 69")
}

fn vector_2() -> Vec<u8> {
    hex("43 4B 54 58 01 01  01 01 61 00  01 18 00 00  00  0C 07 04 61 62 63 64 04 04")
}

fn is_decode_error(r: Result<TextCrdt, Error>) -> bool {
    matches!(r, Err(Error::Decode { .. }))
}

#[test]
fn txt_vectors_1_typed_then_deleted() {
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hi").unwrap();
    doc.remove(0).unwrap();
    assert_eq!(doc.encode(), vector_1());
    let back = TextCrdt::decode(&vector_1()).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.to_string(), "i");
}

#[test]
fn txt_vectors_2_compressed_text_block() {
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "abcdabcdabcd").unwrap();
    assert_eq!(doc.encode(), vector_2());
    let back = TextCrdt::decode(&vector_2()).unwrap();
    assert_eq!(back.to_string(), "abcdabcdabcd");
    assert_eq!(back, doc);
}

#[test]
fn txt_1_rejects_magic_version_and_flags() {
    let mut v = vector_1();
    v[0] = b'X';
    assert!(matches!(
        TextCrdt::decode(&v),
        Err(Error::Decode { offset: 0, .. })
    ));
    let mut v = vector_1();
    v[4] = 2;
    assert!(matches!(
        TextCrdt::decode(&v),
        Err(Error::Decode { offset: 4, .. })
    ));
    let mut v = vector_1();
    v[5] = 0x04;
    assert!(matches!(
        TextCrdt::decode(&v),
        Err(Error::Decode { offset: 5, .. })
    ));
    assert!(is_decode_error(TextCrdt::decode(&[])));
}

#[test]
fn txt_2_counts_are_bounded_by_the_input() {
    // 2^62 actors announced in a few bytes: an error, not an allocation.
    let v = hex("43 4B 54 58 01 00  FF FF FF FF FF FF FF FF 3F");
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // A compressed block announcing far more than it can expand to.
    let v = hex("43 4B 54 58 01 01  01 01 61 00  01 18 00 00  00  FF FF FF 7F 02 00 61");
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // An over-long varint.
    let v = hex("43 4B 54 58 01 00  FF FF FF FF FF FF FF FF FF FF 01");
    assert!(is_decode_error(TextCrdt::decode(&v)));
}

/// A document big enough for the entropy-coded body (flags bit 1).
fn long_doc() -> TextCrdt {
    let mut doc = TextCrdt::new("writer");
    let words = [
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dogs ",
    ];
    for i in 0..400usize {
        let pos = (i * 7919) % (doc.len() + 1);
        doc.insert_str(pos, words[i % words.len()]).unwrap();
        if i % 5 == 0 {
            doc.remove_range(pos, 2.min(doc.len() - pos)).unwrap();
        }
    }
    doc
}

#[test]
fn txt_entropy_coded_body_round_trips() {
    let doc = long_doc();
    let bytes = doc.encode();
    assert_eq!(bytes[5] & 0x02, 0x02, "the body is entropy-coded");
    let back = TextCrdt::decode(&bytes).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.encode(), bytes);
    // A code-length table that over-subscribes the code space (all 256 symbols of length 1).
    let mut v = bytes.clone();
    let mut table = 6; // after the varint body length
    while v[table] & 0x80 != 0 {
        table += 1;
    }
    table += 1;
    for b in &mut v[table..table + 128] {
        *b = 0x11;
    }
    assert!(is_decode_error(TextCrdt::decode(&v)));
}

#[test]
fn txt_2_every_truncation_is_an_error() {
    for v in [
        vector_1(),
        vector_2(),
        sample().encode(),
        long_doc().encode(),
    ] {
        for cut in 0..v.len() {
            assert!(is_decode_error(TextCrdt::decode(&v[..cut])), "cut {cut}");
        }
        let mut longer = v.clone();
        longer.push(0);
        assert!(is_decode_error(TextCrdt::decode(&longer)));
    }
}

#[test]
fn txt_3_actors_and_references_are_checked() {
    // The same actor twice.
    let v = hex("43 4B 54 58 01 00  02 01 61 01 61  00  00 00  00  00");
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // Local actor outside the table.
    let mut v = vector_1();
    v[9] = 1;
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // A delete target naming actor 1 (x = 4) in a table of 1.
    let mut v = vector_1();
    v[16] = 4;
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // Actor id that is not UTF-8.
    let mut v = vector_1();
    v[8] = 0xFF;
    assert!(is_decode_error(TextCrdt::decode(&v)));
}

#[test]
fn txt_4_text_must_match_the_runs() {
    // One char more than the insert runs hold.
    let v = hex("43 4B 54 58 01 00  01 01 61  00  02  04 00 00  03 01 07 02  00  03 68 69 6A");
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // Invalid UTF-8 text.
    let v = hex("43 4B 54 58 01 00  01 01 61  00  02  04 00 00  03 01 07 02  00  02 FF 69");
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // A match offset before the start of the output.
    let mut v = vector_2();
    let last = v.len() - 1;
    v[last] = 9;
    assert!(is_decode_error(TextCrdt::decode(&v)));
}

#[test]
fn txt_5_ops_must_integrate() {
    // The delete targets counter 5 (3 + unzigzag(4)), which was never inserted.
    let v = hex("43 4B 54 58 01 00  01 01 61  00  02  04 00 00  03 01 09 02  00  02 68 69");
    assert!(is_decode_error(TextCrdt::decode(&v)));
    // An insert whose left origin is itself (counter 1 + unzigzag(0)).
    let v = hex("43 4B 54 58 01 00  01 01 61  00  01  02 01 00  00  01 68");
    assert!(is_decode_error(TextCrdt::decode(&v)));
}

/// A history with two actors, concurrent edits, deletes both ways and a pending op.
fn sample() -> TextCrdt {
    let mut a = TextCrdt::new("alice");
    a.insert_str(0, "Hello wonderful world, hello again")
        .unwrap();
    let mut b = a.fork("bob");
    a.remove_range(6, 10).unwrap();
    b.insert_str(5, ", dear").unwrap();
    for _ in 0..3 {
        b.remove(b.len() - 1).unwrap();
    }
    a.merge(&b);
    // A pending op: c's second edit arrives without its first.
    let mut c = a.fork("carol");
    let before = c.summary();
    c.insert_str(0, ">> ").unwrap();
    let first = c.delta_since(&before);
    let mid = c.summary();
    c.insert_str(3, "note: ").unwrap();
    let second = c.delta_since(&mid);
    a.apply_delta(&second);
    assert_eq!(a.pending_len(), 1);
    let _ = first;
    a
}

#[test]
fn txt_6_round_trip_is_canonical_with_pending_ops() {
    let doc = sample();
    let bytes = doc.encode();
    let back = TextCrdt::decode(&bytes).unwrap();
    back.check_invariants().unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.to_string(), doc.to_string());
    assert_eq!(back.pending_len(), 1);
    assert_eq!(back.actor(), doc.actor());
    assert_eq!(back.encode(), bytes);
}

#[test]
fn decoded_replica_keeps_syncing() {
    let doc = sample();
    let mut back = TextCrdt::decode(&doc.encode()).unwrap();
    let mut other = TextCrdt::new("dave");
    other.merge(&back);
    back.insert_str(0, "!").unwrap();
    other.merge(&back);
    assert_eq!(other.to_string(), back.to_string());
}

#[test]
fn byte_flips_never_panic() {
    let bytes = sample().encode();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x10, 0x80] {
            let mut v = bytes.clone();
            v[i] ^= bit;
            if let Ok(doc) = TextCrdt::decode(&v) {
                doc.check_invariants().unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_histories_round_trip(
        edits in prop::collection::vec((any::<u16>(), 0usize..4, "[a-dé ]{0,6}", any::<bool>()), 1..60)
    ) {
        let mut a = TextCrdt::new("a");
        let mut b = TextCrdt::new("b");
        for (pos, del, ins, on_b) in edits {
            let doc = if on_b { &mut b } else { &mut a };
            let len = doc.len();
            let p = pos as usize % (len + 1);
            let d = del.min(len - p);
            doc.splice(p, d, &ins).unwrap();
            if pos % 7 == 0 {
                a.merge(&b);
            }
        }
        a.merge(&b);
        let bytes = a.encode();
        let back = TextCrdt::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &a);
        prop_assert_eq!(back.to_string(), a.to_string());
        prop_assert_eq!(back.encode(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut v = b"CKTX\x01".to_vec();
        v.extend(bytes);
        if let Ok(doc) = TextCrdt::decode(&v) {
            doc.check_invariants().unwrap();
        }
    }
}
