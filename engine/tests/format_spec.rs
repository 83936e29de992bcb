//! Named tests for the MUST rules of format-spec/ that are not covered by the codec unit
//! tests in `src/format/` (each test name starts with its rule id).

mod common;

use std::sync::Arc;

use crdt_store::io::{CutMode, SimDisk};
use crdt_store::{Error, EventStore, NativeStore, Options, StateStore};

fn small() -> Options {
    Options {
        memtable_bytes: 4096,
        log_pages: 2,
        max_runs: 2,
        // Deterministic I/O: these tests count steps or leak handles to simulate crashes.
        background_compaction: false,
        ..Options::default()
    }
}

fn open(disk: &Arc<SimDisk>) -> crdt_store::Result<NativeStore> {
    NativeStore::open_io(disk.file(), "spec.crdt", small(), false)
}

#[test]
fn hdr_3_unfinished_creation_is_initialised_only_by_a_writable_open() {
    // A power cut during creation: the header was written, no superblock yet.
    let mut bytes = vec![0u8; 4 * 4096];
    let header = common::golden::build_basic();
    bytes[..32].copy_from_slice(&header[..32]);
    let disk = SimDisk::with_bytes(bytes);
    let ro = NativeStore::open_io(disk.file(), "spec.crdt", small(), true).unwrap_err();
    assert!(
        matches!(
            ro,
            Error::Corrupted {
                structure: "file header",
                ..
            }
        ),
        "{ro}"
    );
    let rw = open(&disk).unwrap();
    rw.put("n", "k", b"v").unwrap();
    assert_eq!(rw.stats().generation, 1);
}

#[test]
fn hdr_3_a_longer_file_with_zeroed_superblocks_is_damage_not_new() {
    // A database whose superblock pages were zeroed: its data must not be overwritten.
    let mut bytes = common::golden::build_basic();
    assert!(
        bytes.len() > 4 * 4096,
        "the golden file holds data past creation"
    );
    bytes[4096..3 * 4096].fill(0);
    let disk = SimDisk::with_bytes(bytes.clone());
    for read_only in [false, true] {
        match NativeStore::open_io(disk.file(), "spec.crdt", small(), read_only) {
            Err(e) => assert!(e.is_corrupted(), "{e}"),
            Ok(_) => panic!("a damaged database was opened (read_only = {read_only})"),
        }
    }
    assert_eq!(disk.bytes(), bytes, "nothing was written");
}

#[test]
fn key_5_6_seqs_start_at_one_and_survive_truncation_and_reopen() {
    let disk = SimDisk::new();
    let s = open(&disk).unwrap();
    assert_eq!(s.append_event("n", "e", b"", 0, "x").unwrap(), 1);
    assert_eq!(s.append_event("n", "e", b"", 0, "x").unwrap(), 2);
    assert_eq!(s.truncate_events_before("n", "e", 10).unwrap(), 2);
    s.compact().unwrap();
    drop(s);
    let s = open(&disk).unwrap();
    assert_eq!(s.append_event("n", "e", b"", 0, "x").unwrap(), 3);
}

#[test]
fn log_6_immediate_commit_is_durable_when_it_returns() {
    let disk = SimDisk::new();
    let s = open(&disk).unwrap();
    for i in 0..20u8 {
        s.put("n", &format!("k{i}"), &[i]).unwrap();
    }
    std::mem::forget(s);
    disk.power_cut(CutMode::DropAll, 1);
    let s = open(&disk).unwrap();
    assert_eq!(s.list_keys("n").unwrap().len(), 20);
}

#[test]
fn log_7_writable_open_flushes_replayed_commits_and_rotates_the_log() {
    let disk = SimDisk::new();
    let s = open(&disk).unwrap();
    s.put("n", "a", b"1").unwrap();
    let generation = s.stats().generation;
    std::mem::forget(s);
    disk.power_cut(CutMode::DropAll, 1);
    let s = open(&disk).unwrap();
    let st = s.stats();
    assert!(
        st.generation > generation,
        "a new manifest names a new log id"
    );
    assert_eq!(st.memtable_bytes, 0, "replayed commits were flushed");
    assert_eq!(st.runs, 1);
    // A new commit after the rotation is not followed by stale records on the next replay.
    s.put("n", "b", b"2").unwrap();
    std::mem::forget(s);
    disk.power_cut(CutMode::DropAll, 2);
    let s = open(&disk).unwrap();
    assert_eq!(s.list_keys("n").unwrap(), ["a", "b"]);
    // A read-only open replays without writing.
    let before = disk.bytes();
    let ro = NativeStore::open_io(disk.file(), "spec.crdt", small(), true).unwrap();
    assert_eq!(ro.list_keys("n").unwrap(), ["a", "b"]);
    assert_eq!(disk.bytes(), before);
}

#[test]
fn log_8_failed_write_poisons_the_handle() {
    let disk = SimDisk::new();
    let s = open(&disk).unwrap();
    s.put("n", "a", b"1").unwrap();
    disk.fail_once(disk.ops() + 1);
    assert!(matches!(s.put("n", "b", b"2"), Err(Error::Io { .. })));
    assert!(matches!(s.put("n", "c", b"3"), Err(Error::Poisoned)));
    assert!(matches!(
        s.append_event("n", "e", b"", 0, "x"),
        Err(Error::Poisoned)
    ));
}

#[test]
fn man_4_pages_leaked_by_crashed_flushes_are_reclaimed_on_open() {
    let disk = SimDisk::new();
    let mut pages = Vec::new();
    for round in 0..15u64 {
        let s = open(&disk).unwrap();
        s.put("n", &format!("k{round}"), &[1u8; 3000]).unwrap();
        // Fail the flush right after the run was written (before the manifest is synced).
        disk.fail_from(disk.ops() + 2);
        assert!(s.flush().is_err());
        std::mem::forget(s);
        disk.power_cut(CutMode::KeepAll, round);
        pages.push(open(&disk).unwrap().stats().file_pages);
    }
    let s = open(&disk).unwrap();
    assert_eq!(s.list_keys("n").unwrap().len(), 15);
    assert!(
        pages[14] < pages[4] + 20,
        "file keeps growing across crashed flushes: {pages:?}"
    );
}

#[test]
fn sb_3_bad_manifest_is_corrupted_not_an_older_generation() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../format-spec/golden");
    let err = NativeStore::open_read_only(dir.join("v1-basic.manifest-flipped.crdt")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Corrupted {
                structure: "manifest",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn sb_4_cut_at_every_step_of_a_flush_keeps_a_whole_generation() {
    let setup = |disk: &Arc<SimDisk>| {
        let s = open(disk).unwrap();
        for i in 0..30u32 {
            s.put("n", &format!("k{i:02}"), &[i as u8; 500]).unwrap();
        }
        s
    };
    let probe = SimDisk::new();
    let s = setup(&probe);
    let before = probe.ops();
    s.compact().unwrap();
    let steps = probe.ops() - before;
    for k in 1..=steps {
        for mode in [CutMode::DropAll, CutMode::KeepAll, CutMode::Random] {
            let disk = SimDisk::new();
            let s = setup(&disk);
            disk.fail_from(disk.ops() + k);
            let _ = s.compact();
            std::mem::forget(s);
            disk.power_cut(mode, k);
            let s = open(&disk).unwrap();
            assert_eq!(s.list_keys("n").unwrap().len(), 30, "cut at {k} ({mode:?})");
            s.check_invariants().unwrap();
        }
    }
}

/// The worked examples of header-and-superblocks.md and manifest.md, byte for byte.
#[test]
fn spec_examples_fresh_database_bytes() {
    let disk = SimDisk::new();
    let opts = Options {
        background_compaction: false,
        ..Options::default()
    };
    let s = NativeStore::open_io(disk.file(), "fresh.crdt", opts, false).unwrap();
    drop(s);
    let b = disk.bytes();
    // Header, two slots, manifest, and the 16-page log, written (zero-filled): 80 KiB.
    assert_eq!(b.len(), 20 * 4096);
    let hex = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        hex(&b[..32]),
        "89 43 52 44 54 0d 0a 1a 02 00 00 00 00 10 00 00 \
         00 00 00 00 00 00 00 00 c4 bd d8 d7 00 00 00 00"
    );
    assert!(b[4096..8192].iter().all(|&x| x == 0), "slot 0 unused");
    let slot = &b[8192..8192 + 64];
    assert_eq!(
        hex(&slot[..32]),
        "43 52 44 54 53 55 50 52 01 00 00 00 00 00 00 00 \
         03 00 00 00 00 00 00 00 44 00 00 00 00 00 00 00"
    );
    assert_eq!(&b[8192 + 64..8192 + 128], slot, "second copy");
    let manifest = &b[3 * 4096..3 * 4096 + 68];
    assert_eq!(&manifest[..8], b"CRDTMANI");
    assert_eq!(
        hex(&manifest[24..]),
        "14 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 \
         04 00 00 00 00 00 00 00 10 00 00 00 01 00 00 00 \
         00 00 00 00 00 00 00 00 00 00 00 00"
    );
}
