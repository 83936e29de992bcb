//! Damage tests: for a small valid file, every single-byte flip and every truncation length
//! gives either the correct data or a typed `Corrupted` error naming the file, an offset
//! and a structure; never a panic, a hang or a huge allocation.

mod common;

use common::dump::{dump, Dump};
use common::golden::{build_basic, build_log, expected, log_prefix_states, ENTITIES};
use crdt_store::io::SimDisk;
use crdt_store::{Error, NativeStore, Options};

fn outcome(bytes: Vec<u8>) -> Result<Dump, Error> {
    let store = NativeStore::open_io(
        SimDisk::with_bytes(bytes).file(),
        "damaged.crdt",
        Options::default(),
        true,
    )?;
    dump(&store, &ENTITIES)
}

fn check(what: &str, bytes: Vec<u8>, want: &Dump) -> bool {
    match outcome(bytes) {
        Ok(got) => {
            assert_eq!(&got, want, "{what}: wrong data without an error");
            false
        }
        Err(Error::Corrupted { path, .. }) => {
            assert_eq!(path.to_str(), Some("damaged.crdt"), "{what}");
            true
        }
        Err(other) => panic!("{what}: expected Corrupted, got {other:?}"),
    }
}

#[test]
fn every_single_byte_flip_is_detected_or_harmless() {
    let bytes = build_basic();
    let want = dump(&expected(), &ENTITIES).unwrap();
    let mut detected = 0;
    for i in 0..bytes.len() {
        for mask in [0xffu8, 0x01] {
            let mut b = bytes.clone();
            b[i] ^= mask;
            if check(&format!("flip {mask:#04x} at {i}"), b, &want) {
                detected += 1;
            }
        }
    }
    assert!(detected > 100, "only {detected} flips detected");
}

#[test]
fn every_truncation_is_detected_or_harmless() {
    let bytes = build_basic();
    let want = dump(&expected(), &ENTITIES).unwrap();
    for len in 0..bytes.len() {
        check(&format!("truncate to {len}"), bytes[..len].to_vec(), &want);
    }
}

/// A file whose last commits are only in the log: damage in the log can only end the
/// replay early (LOG-4), so the result is part 1 plus a prefix of part 2's commits, or
/// `Corrupted`; never a state with a gap or a partial batch.
#[test]
fn log_damage_yields_a_prefix_of_the_commits_or_corrupted() {
    let bytes = build_log();
    let states: Vec<Dump> = log_prefix_states()
        .iter()
        .map(|m| dump(m, &ENTITIES).unwrap())
        .collect();
    let mut shorter = 0;
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x20;
        match outcome(b) {
            Ok(got) => {
                let at = states.iter().position(|s| *s == got);
                assert!(at.is_some(), "flip at {i}: not a prefix state");
                if at != Some(4) {
                    shorter += 1;
                }
            }
            Err(Error::Corrupted { .. }) => {}
            Err(other) => panic!("flip at {i}: {other:?}"),
        }
    }
    assert!(shorter > 0, "no flip hit the log");
}

#[test]
fn writable_open_of_damaged_file_is_refused_not_repaired() {
    let mut bytes = build_basic();
    let at = bytes.windows(8).rposition(|w| w == b"CRDTMANI").unwrap();
    bytes[at + 40] ^= 0x10;
    let disk = SimDisk::with_bytes(bytes.clone());
    let err =
        NativeStore::open_io(disk.file(), "damaged.crdt", Options::default(), false).unwrap_err();
    assert!(err.is_corrupted(), "{err}");
    assert_eq!(disk.bytes(), bytes, "a refused open must not write");
}

mod random_damage {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(common::config())]

        /// Several random byte changes, optionally a truncation: never a panic, and any
        /// error is `Corrupted`. (With several changes an older generation may legitimately
        /// be used, so the data itself is not compared.)
        #[test]
        fn random_multi_byte_damage_never_panics(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let mut bytes = golden_bytes().to_vec();
            for (i, x) in flips {
                let at = i.index(bytes.len());
                bytes[at] ^= x;
            }
            if let Some(c) = cut {
                bytes.truncate(c.index(bytes.len()));
            }
            match outcome(bytes) {
                Ok(_) | Err(Error::Corrupted { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }

    fn golden_bytes() -> &'static [u8] {
        static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        BYTES.get_or_init(build_basic)
    }
}
