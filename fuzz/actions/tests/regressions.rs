//! Replays every input of `fuzz/regressions/<target>/` (crashes the fuzzer found, kept
//! after the fix, each named after what it found) and every generated seed, through the
//! same functions the fuzz targets call, under the allocation limit of the targets.

use std::path::Path;

#[global_allocator]
static ALLOC: crdt_fuzz::LimitAlloc = crdt_fuzz::LimitAlloc;

fn regressions_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../regressions")
}

#[test]
fn every_regression_input_replays_clean() {
    let mut replayed = 0;
    for (name, run) in crdt_fuzz::TARGETS {
        let dir = regressions_dir().join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files.iter().filter(|f| f.is_file()) {
            let data = std::fs::read(f).unwrap();
            eprintln!("{name}: {}", f.display());
            run(&data);
            replayed += 1;
        }
    }
    eprintln!("{replayed} regression inputs replayed");
}

#[test]
fn every_regression_folder_is_a_target() {
    let Ok(entries) = std::fs::read_dir(regressions_dir()) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().into_string().unwrap();
        if e.path().is_dir() {
            assert!(
                crdt_fuzz::target(&name).is_some(),
                "fuzz/regressions/{name}: no such target"
            );
        }
    }
}

#[test]
fn every_target_has_seeds_that_run_clean() {
    for (name, run) in crdt_fuzz::TARGETS {
        let seeds = crdt_fuzz::seeds::seeds(name);
        assert!(!seeds.is_empty(), "{name} has no seeds");
        for s in &seeds {
            run(s);
        }
    }
}

#[test]
fn targets_survive_short_and_empty_inputs() {
    for (_, run) in crdt_fuzz::TARGETS {
        run(&[]);
        for b in 0..=255u8 {
            run(&[b]);
            run(&[b, 0xff]);
            run(&[b, 0xff, b]);
        }
    }
}

/// The values of a libFuzzer dictionary file (`name="..."` lines, `\xNN` escapes).
fn dictionary(name: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../dict")
            .join(name),
    )
    .unwrap();
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('"'))
    {
        let quoted = &line[line.find('"').unwrap() + 1..line.rfind('"').unwrap()];
        let mut bytes = Vec::new();
        let mut it = quoted.bytes();
        while let Some(b) = it.next() {
            if b == b'\\' {
                match it.next().unwrap() {
                    b'x' => {
                        let hex = [it.next().unwrap(), it.next().unwrap()];
                        bytes.push(
                            u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap(),
                        );
                    }
                    other => bytes.push(other),
                }
            } else {
                bytes.push(b);
            }
        }
        out.push(bytes);
    }
    out
}

#[test]
fn dictionaries_hold_the_format_magics() {
    let engine = dictionary("engine.dict");
    for (name, magic) in crdt_store::fuzzing::format_tokens() {
        assert!(engine.contains(&magic), "engine.dict lacks {name}");
    }
    let envelope = dictionary("envelope.dict");
    assert!(envelope.contains(&crdt_migrate::envelope::MAGIC.to_vec()));
    assert!(!dictionary("crdt.dict").is_empty());
}

fn replay(target: &str, file: &str) {
    let data = std::fs::read(regressions_dir().join(target).join(file)).unwrap();
    crdt_fuzz::target(target).unwrap()(&data);
}

/// manifest: a superblock copy whose reserved bytes are not zero is valid (SB-2); only
/// the interpreted fields round-trip.
#[test]
fn superblock_reserved_bytes_are_not_reencoded() {
    replay("manifest", "superblock_reserved_bytes_are_not_reencoded");
}

/// crdt_decode: an Rga state whose ops come in an order no encoder writes decodes to a
/// valid state equal to what its re-encoding decodes to; the bytes settle after one pass.
#[test]
fn rga_state_reencodes_differently() {
    replay("crdt_decode", "rga_state_reencodes_differently");
}
