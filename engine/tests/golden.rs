//! Golden files (format-spec/golden/): files written by format version 1 (with runs of
//! run version 1) and by the current writer (format version 2, runs of version 2) open and hold the
//! documented contents; the deliberately damaged copies give the documented errors. The
//! v1 files are frozen (the writer no longer makes version 1 runs); regenerate the v2 files
//! with `cargo test -p crdt-store --test golden -- --ignored`.

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

/// The damaged copies of `v{version}-basic.crdt` (whose runs have that run version).
fn damaged(bytes: &[u8], version: u8) -> Vec<(String, Damage)> {
    let slot = newest_slot_offset(bytes);
    let manifest = find(bytes, b"CRDTMANI");
    let footer_magic = find(bytes, format!("CRDTRUN{version}").as_bytes());
    let name = |what: &str| format!("v{version}-basic.{what}.crdt");
    vec![
        (name("superblock-copy-flipped"), Damage::Flip(slot + 12)),
        (name("manifest-flipped"), Damage::Flip(manifest + 30)),
        (name("run-footer-flipped"), Damage::Flip(footer_magic - 20)),
        (name("bad-magic"), Damage::Flip(1)),
        (name("truncated"), Damage::Truncate(footer_magic)),
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
    std::fs::write(dir().join("v2-basic.crdt"), &bytes).unwrap();
    std::fs::write(dir().join("v2-log.crdt"), build_log()).unwrap();
    for (name, d) in damaged(&bytes, 2) {
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

/// The run versions of a golden file's runs, from their footer magics.
fn run_versions(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(dir().join(name)).unwrap();
    bytes
        .windows(8)
        .filter_map(|w| match w {
            b"CRDTRUN1" => Some(1),
            b"CRDTRUN2" => Some(2),
            _ => None,
        })
        .collect()
}

fn spot_checks(s: &NativeStore) {
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
fn golden_v1_basic_opens_with_documented_contents() {
    assert_eq!(run_versions("v1-basic.crdt"), [1, 1]);
    spot_checks(&open_documented("v1-basic.crdt"));
}

#[test]
fn golden_v2_basic_opens_with_documented_contents() {
    assert_eq!(run_versions("v2-basic.crdt"), [2, 2]);
    spot_checks(&open_documented("v2-basic.crdt"));
}

#[test]
fn golden_v1_log_replays_the_log() {
    assert_eq!(run_versions("v1-log.crdt"), [1]);
    open_documented("v1-log.crdt");
}

#[test]
fn golden_v2_log_replays_the_log() {
    assert_eq!(run_versions("v2-log.crdt"), [2]);
    open_documented("v2-log.crdt");
    assert_eq!(
        std::fs::read(dir().join("v2-log.crdt")).unwrap(),
        build_log()
    );
}

/// HDR-4: a version 1 file opened for writing continues its seqs and stays version 1: new
/// flushes and compaction write version 1 runs, so builds that read only version 1 keep
/// reading it.
#[test]
fn golden_v1_basic_opens_for_writing_and_stays_version_1() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("copy.crdt");
    std::fs::copy(dir().join("v1-basic.crdt"), &path).unwrap();
    let s = NativeStore::open(&path).unwrap();
    s.put("sensors", "s3", b"new").unwrap();
    s.flush().unwrap();
    let s3 = |s: &NativeStore| s.get("sensors", "s3").unwrap();
    assert_eq!(s3(&s).as_deref(), Some(&b"new"[..]));
    spot_checks(&s);
    // Three version 1 runs, unless background compaction merged them already (the same
    // answers either way).
    assert!((1..=3).contains(&s.stats().runs));
    let file_runs = || {
        std::fs::read(&path)
            .unwrap()
            .windows(8)
            .filter_map(|w| match w {
                b"CRDTRUN1" => Some(1),
                b"CRDTRUN2" => Some(2),
                _ => None,
            })
            .collect::<Vec<u8>>()
    };
    s.compact().unwrap();
    assert_eq!(s.stats().runs, 1);
    assert_eq!(s.layout().format_version, 1);
    // Free pages may still hold old runs' bytes: what matters is that no version 2 run
    // was ever written.
    let runs = file_runs();
    assert!(!runs.is_empty() && runs.iter().all(|&v| v == 1), "{runs:?}");
    assert_eq!(
        std::fs::read(&path).unwrap()[8],
        1,
        "header still version 1"
    );
    spot_checks(&s);
    assert_eq!(s3(&s).as_deref(), Some(&b"new"[..]));
    assert_eq!(s.append_event("sensors", "s1", b"next", 1, "n").unwrap(), 4);
    drop(s);
    let s = NativeStore::open_read_only(&path).unwrap();
    assert_eq!(s.get("sensors", "gone").unwrap(), None);
    assert_eq!(s3(&s).as_deref(), Some(&b"new"[..]));
    let seqs: Vec<u64> = s
        .events_since("sensors", "s1", 0)
        .unwrap()
        .map(|e| e.unwrap().seq)
        .collect();
    assert_eq!(seqs, [2, 3, 4]);
}

#[test]
fn golden_file_matches_the_current_writer() {
    // The writer is deterministic: if this fails, the format or the writer changed; decide
    // whether that needs a new format version before regenerating.
    let committed = std::fs::read(dir().join("v2-basic.crdt")).unwrap();
    assert!(
        build_basic() == committed,
        "v2-basic.crdt differs from what the writer produces now"
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
    for v in [1, 2] {
        let bytes = std::fs::read(dir().join(format!("v{v}-basic.crdt"))).unwrap();
        let name = |what: &str| format!("v{v}-basic.{what}.crdt");
        // The committed copies are the documented damage of the committed file.
        for (file, d) in damaged(&bytes, v) {
            assert_eq!(std::fs::read(dir().join(&file)).unwrap(), apply(&bytes, &d));
        }
        // SB-2: one damaged superblock copy is survived with all data.
        open_documented(&name("superblock-copy-flipped"));
        let manifest = find(&bytes, b"CRDTMANI") as u64;
        assert_eq!(
            corrupted(&name("manifest-flipped")),
            (name("manifest-flipped"), manifest, "manifest")
        );
        assert_eq!(corrupted(&name("bad-magic")).2, "file header");
        assert_eq!(corrupted(&name("run-footer-flipped")).2, "run footer");
        // The file ends inside a run; whichever structure is read first past the end
        // reports it.
        let (_, _, structure) = corrupted(&name("truncated"));
        assert!(
            matches!(structure, "manifest" | "run footer"),
            "{structure}"
        );
    }
}
