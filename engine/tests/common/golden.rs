//! The contents of the golden file `format-spec/golden/v1-basic.crdt`, applied to any
//! store: the file is made by applying them to a NativeStore on a SimDisk, and tests
//! compare it with the same operations applied to a MemoryStore.

use crdt_store::io::SimDisk;
use crdt_store::{EventStore, NativeStore, Options, WriteBatch};

pub const ENTITIES: [&str; 2] = ["s1", "s2"];

/// First part: flushed into run 1. Second part: run 2 (written by the clean close).
pub fn part1<S: EventStore>(s: &S) {
    s.put("sensors", "s1", b"data").unwrap();
    s.put("sensors", "gone", b"soon deleted").unwrap();
    let big: Vec<u8> = b"temperature=21.5;"
        .iter()
        .copied()
        .cycle()
        .take(3000)
        .collect();
    s.put("sensors", "s2", &big).unwrap();
    for (i, t) in [1000u64, 1001, 1002].iter().enumerate() {
        let seq = s
            .append_event(
                "sensors",
                "s1",
                format!("SetTemp(2{i}.0)").as_bytes(),
                *t,
                "node-a",
            )
            .unwrap();
        assert_eq!(seq, i as u64 + 1);
    }
}

pub fn part2<S: EventStore>(s: &S) {
    part2_commits(s, usize::MAX);
}

/// The first `n` commits of part 2 (there are 4).
pub fn part2_commits<S: EventStore>(s: &S, n: usize) {
    let steps: [&dyn Fn(&S); 4] = [
        &|s| s.delete("sensors", "gone").unwrap(),
        &|s| s.put("config", "", b"").unwrap(),
        &|s| s.put("ü\0", "ключ", &[0, 1, 2]).unwrap(),
        &|s| {
            let mut b = WriteBatch::new();
            b.save_snapshot("sensors", "s1", b"state@3", 3, 1)
                .truncate_events_before("sensors", "s1", 2)
                .append_event("sensors", "s2", b"", 5, "node-\0b");
            s.commit(&b).unwrap();
        },
    ];
    for step in steps.iter().take(n) {
        step(s);
    }
}

pub fn options() -> Options {
    Options {
        log_pages: 2,
        // Deterministic I/O: these tests count steps or leak handles to simulate crashes.
        background_compaction: false,
        ..Options::default()
    }
}

/// Part 1, flush, part 2; then a clean close, or (`clean = false`) the handle is leaked as
/// in a crash so part 2 stays in the log.
fn build(name: &str, clean: bool) -> Vec<u8> {
    let disk = SimDisk::new();
    let s = NativeStore::open_io(disk.file(), name, options(), false).unwrap();
    part1(&s);
    s.flush().unwrap();
    part2(&s);
    if clean {
        s.close().unwrap();
    } else {
        std::mem::forget(s);
    }
    disk.bytes()
}

/// The bytes of v1-basic.crdt.
pub fn build_basic() -> Vec<u8> {
    build("v1-basic.crdt", true)
}

/// The bytes of v1-log.crdt: like v1-basic, but part 2 is only in the log.
pub fn build_log() -> Vec<u8> {
    build("v1-log.crdt", false)
}

/// The states a damaged v1-log.crdt may show: part 1 plus any prefix of part 2's commits.
pub fn log_prefix_states() -> Vec<crdt_store::MemoryStore> {
    (0..=4)
        .map(|n| {
            let m = crdt_store::MemoryStore::new();
            part1(&m);
            part2_commits(&m, n);
            m
        })
        .collect()
}

pub fn expected() -> crdt_store::MemoryStore {
    let m = crdt_store::MemoryStore::new();
    part1(&m);
    part2(&m);
    m
}
