//! Golden files (format-spec/golden/): files written by format version 1 open and hold the
//! documented contents; the deliberately damaged copies give the documented errors.
//! Regenerate with `cargo test -p crdt-store --test golden -- --ignored`.

mod common;

use std::path::PathBuf;

use common::dump::dump;
use common::golden::{build_basic, build_log, expected, ENTITIES};
use crdt_store::{Error, EventStore, NativeStore, StateStore};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../format-spec/golden")
}

/// The damaged copies: (file name, byte offset to xor with 0xff, or truncation length).
enum Damage {
    Flip(usize),
    Truncate(usize),
}

/// Offsets of the structures in v1-basic.crdt, found from the file itself.
fn find(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .rposition(|w| w == needle)
        .expect("structure present")
}

fn newest_slot_offset(bytes: &[u8]) -> usize {
    let gen = |off: usize| u64::from_le_bytes(bytes[off + 8..off + 16].try_into().unwrap());
    if gen(4096) > gen(8192) {
        4096
    } else {
        8192
    }
}

fn damaged(bytes: &[u8]) -> Vec<(&'static str, Damage)> {
    let slot = newest_slot_offset(bytes);
    let manifest = find(bytes, b"CRDTMANI");
    let footer_magic = find(bytes, b"CRDTRUN1");
    vec![
        (
            "v1-basic.superblock-copy-flipped.crdt",
            Damage::Flip(slot + 12),
        ),
        (
            "v1-basic.manifest-flipped.crdt",
            Damage::Flip(manifest + 30),
        ),
        (
            "v1-basic.run-footer-flipped.crdt",
            Damage::Flip(footer_magic - 20),
        ),
        ("v1-basic.bad-magic.crdt", Damage::Flip(1)),
        ("v1-basic.truncated.crdt", Damage::Truncate(footer_magic)),
    ]
}

fn apply(bytes: &[u8], d: &Damage) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match d {
        Damage::Flip(i) => out[*i] ^= 0xff,
        Damage::Truncate(n) => out.truncate(*n),
    }
    out
}

#[test]
#[ignore = "writes format-spec/golden/; run by hand when adding a format version"]
fn regenerate_golden_files() {
    let bytes = build_basic();
    std::fs::create_dir_all(dir()).unwrap();
    std::fs::write(dir().join("v1-basic.crdt"), &bytes).unwrap();
    std::fs::write(dir().join("v1-log.crdt"), build_log()).unwrap();
    for (name, d) in damaged(&bytes) {
        std::fs::write(dir().join(name), apply(&bytes, &d)).unwrap();
    }
}

/// Open a golden file read-only and check it holds the documented contents.
fn open_documented(name: &str) -> NativeStore {
    let s = NativeStore::open_read_only(dir().join(name)).unwrap();
    assert_eq!(
        dump(&s, &ENTITIES).unwrap(),
        dump(&expected(), &ENTITIES).unwrap(),
        "{name}"
    );
    s
}

#[test]
fn golden_v1_basic_opens_with_documented_contents() {
    let s = open_documented("v1-basic.crdt");
    // Spot checks of format-spec/golden/README.md.
    assert_eq!(
        s.get("sensors", "s1").unwrap().as_deref(),
        Some(&b"data"[..])
    );
    assert_eq!(s.get("sensors", "gone").unwrap(), None);
    assert_eq!(s.list_namespaces().unwrap(), ["config", "sensors", "ü\0"]);
    let seqs: Vec<u64> = s
        .events_since("sensors", "s1", 0)
        .unwrap()
        .map(|e| e.unwrap().seq)
        .collect();
    assert_eq!(seqs, [2, 3]);
    assert_eq!(s.load_snapshot("sensors", "s1").unwrap().unwrap().at_seq, 3);
}

#[test]
fn golden_v1_log_replays_the_log() {
    open_documented("v1-log.crdt");
    assert_eq!(
        std::fs::read(dir().join("v1-log.crdt")).unwrap(),
        build_log()
    );
}

#[test]
fn golden_v1_basic_opens_for_writing_and_continues_seqs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("copy.crdt");
    std::fs::copy(dir().join("v1-basic.crdt"), &path).unwrap();
    let s = NativeStore::open(&path).unwrap();
    assert_eq!(s.append_event("sensors", "s1", b"next", 1, "n").unwrap(), 4);
}

#[test]
fn golden_file_matches_the_current_writer() {
    // The writer is deterministic: if this fails, the format or the writer changed; decide
    // whether that needs a new format version before regenerating.
    let committed = std::fs::read(dir().join("v1-basic.crdt")).unwrap();
    assert!(
        build_basic() == committed,
        "v1-basic.crdt differs from what the writer produces now"
    );
}

fn corrupted(name: &str) -> (String, u64, &'static str) {
    let path = dir().join(name);
    let result = NativeStore::open_read_only(&path).and_then(|s| dump(&s, &ENTITIES).map(|_| ()));
    match result {
        Err(Error::Corrupted {
            path: p,
            offset,
            structure,
            ..
        }) => {
            assert_eq!(p, path);
            (name.to_string(), offset, structure)
        }
        other => panic!("{name}: expected Corrupted, got {other:?}"),
    }
}

#[test]
fn golden_damaged_copies_give_documented_results() {
    let bytes = std::fs::read(dir().join("v1-basic.crdt")).unwrap();
    // SB-2: one damaged superblock copy is survived with all data.
    open_documented("v1-basic.superblock-copy-flipped.crdt");
    let manifest = find(&bytes, b"CRDTMANI") as u64;
    assert_eq!(
        corrupted("v1-basic.manifest-flipped.crdt"),
        (
            "v1-basic.manifest-flipped.crdt".into(),
            manifest,
            "manifest"
        )
    );
    assert_eq!(corrupted("v1-basic.bad-magic.crdt").2, "file header");
    assert_eq!(
        corrupted("v1-basic.run-footer-flipped.crdt").2,
        "run footer"
    );
    // The file ends inside a run; whichever structure is read first past the end reports it.
    let (_, _, structure) = corrupted("v1-basic.truncated.crdt");
    assert!(
        matches!(structure, "manifest" | "run footer"),
        "{structure}"
    );
}
