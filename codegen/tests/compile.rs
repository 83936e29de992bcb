//! Generated code compiles: several schemas are generated into one temporary crate (path
//! dependencies on this workspace's crates) which is built once with `cargo build`, with
//! `#![deny(warnings, missing_docs)]`; then tests inside that crate check that migrated
//! CRDT fields get the process's replica id. The crate and its target directory live under this
//! workspace's `target/codegen-check/`, so later runs rebuild only the generated code.

use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: &str = include_str!("../../examples/tasks/crdt-schema.toml");

/// Every CRDT type, added by migrations with automatic defaults, and an LWW default.
const ALL_CRDTS: &str = r#"
[[entity]]
name = "Board"
table = "boards"

[[entity.versions]]
version = 1
fields = [{ name = "title", type = "String", crdt = "LWWRegister" }]

[[entity.versions]]
version = 2
fields = [
    { name = "title", type = "String", crdt = "LWWRegister" },
    { name = "views", type = "u64", crdt = "GCounter" },
    { name = "votes", type = "i64", crdt = "PNCounter" },
    { name = "owner", type = "String", crdt = "MVRegister" },
    { name = "seen", type = "u64", crdt = "GSet" },
    { name = "banned", type = "String", crdt = "TwoPSet" },
    { name = "labels", type = "String", crdt = "ORSet" },
    { name = "order", type = "String", crdt = "Rga" },
    { name = "notes", type = "String", crdt = "TextCrdt" },
    { name = "color", type = "String", crdt = "LWWRegister", default = "\"blue\".to_string()" },
]
"#;

/// Plain types, three versions, a self relation, an entity with one version.
const PLAIN: &str = r#"
[[entity]]
name = "SensorReading"
table = "readings"

[[entity.versions]]
version = 1
fields = [
    { name = "device", type = "String" },
    { name = "celsius", type = "f64" },
]

[[entity.versions]]
version = 2
fields = [
    { name = "device", type = "String" },
    { name = "celsius", type = "f64" },
    { name = "raw", type = "Vec<u8>", default = "vec![0u8; 2]" },
]

[[entity.versions]]
version = 3
fields = [
    { name = "device", type = "String" },
    { name = "celsius", type = "f64" },
    { name = "raw", type = "Vec<u8>", default = "vec![0u8; 2]" },
    { name = "previous", type = "Option<String>", relation = "SensorReading" },
    { name = "offset", type = "i64", default = "-1" },
]

[[entity]]
name = "Device"
table = "devices"

[[entity.versions]]
version = 1
fields = [{ name = "id", type = "String" }, { name = "tags", type = "std::collections::BTreeMap<String, u32>" }]
"#;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `cargo <cmd>` on the generated crate, with its own target directory.
fn cargo(cmd: &str, krate: &Path, root: &Path) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args([cmd, "--quiet", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

#[test]
fn generated_code_builds() {
    let ws = workspace();
    let root = ws.join("target").join("codegen-check");
    let krate = root.join("crate");
    let src = krate.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).unwrap();
    let dep = |name: &str, dir: &str| {
        format!(
            "{name} = {{ path = {:?} }}\n",
            ws.join(dir).display().to_string()
        )
    };
    let manifest = format!(
        "[package]\nname = \"codegen-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[profile.dev]\ndebug = 0\n\n[dependencies]\n{}{}\
         crdt-kit = {{ path = {:?}, features = [\"std\", \"serde\"] }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n",
        dep("crdt-store", "engine"),
        dep("crdt-migrate", "migrate"),
        ws.join("crdt").display().to_string()
    );
    std::fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    if !krate.join("Cargo.lock").exists() {
        std::fs::copy(ws.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    }
    let mut lib =
        String::from("//! Generated code under test.\n#![deny(warnings, missing_docs)]\n");
    for (name, schema) in [("seed", SEED), ("all_crdts", ALL_CRDTS), ("plain", PLAIN)] {
        let files = crdt_codegen::generate_str(schema).unwrap_or_else(|e| panic!("{name}: {e}"));
        crdt_codegen::write_files(&src.join(name), &files).unwrap();
        lib.push_str(&format!("/// Schema {name}.\npub mod {name};\n"));
    }
    // Use the helpers so that they are type-checked in context, too.
    lib.push_str(
        "/// Opens every schema's memory database.\npub fn open_all() {\n    \
         let _ = seed::create_memory_db();\n    let _ = all_crdts::create_memory_db();\n    \
         let _ = plain::create_db(\"x.crdt\");\n}\n",
    );
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    let out = cargo("build", &krate, &root);
    assert!(
        out.status.success(),
        "generated code does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Generated files are what rustfmt would write (skipped when rustfmt is not installed).
    let mut fmt = Command::new("rustfmt");
    fmt.args(["--check", "--edition", "2021"]);
    for name in ["seed", "all_crdts", "plain"] {
        fmt.arg(src.join(name).join("mod.rs"));
    }
    if let Ok(o) = fmt.output() {
        assert!(
            o.status.success(),
            "generated code is not rustfmt-clean:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    // Migrated CRDT fields get this process's replica id, never a shared fixed actor: run
    // tests inside the generated crate (each test file is its own process).
    let tests = krate.join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::write(tests.join("replica_set.rs"), REPLICA_SET_TEST).unwrap();
    std::fs::write(tests.join("replica_fresh.rs"), REPLICA_FRESH_TEST).unwrap();
    let out = cargo("test", &krate, &root);
    assert!(
        out.status.success(),
        "replica tests of the generated code failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The app sets its device id: migrated CRDT fields carry it.
const REPLICA_SET_TEST: &str = r#"
use codegen_check::all_crdts::{self, Board, BoardV1};

#[test]
fn migrated_crdt_fields_use_the_replica_id_the_app_set() {
    assert!(all_crdts::set_replica_id("device-a"));
    assert!(!all_crdts::set_replica_id("device-b"), "the id is fixed once set");
    let db = all_crdts::create_memory_db().unwrap();
    let v1 = BoardV1 { title: crdt_kit::LWWRegister::new("ui", "Plans".to_string()) };
    db.save("b", &v1).unwrap();
    let b: Board = db.load("b").unwrap().unwrap();
    for actor in [
        b.views.actor(), b.votes.actor(), b.owner.actor(), b.seen.actor(),
        b.banned.actor(), b.labels.actor(), b.order.actor(), b.notes.actor(), b.color.actor(),
    ] {
        assert_eq!(actor.as_str(), "device-a");
    }
    assert_eq!(b.title.actor().as_str(), "ui", "copied fields keep their actor");
}
"#;

/// Nothing set: a fresh id per process, not a fixed one.
const REPLICA_FRESH_TEST: &str = r#"
use codegen_check::all_crdts::{self, Board, BoardV1};

#[test]
fn without_an_id_each_process_gets_a_fresh_one() {
    let db = all_crdts::create_memory_db().unwrap();
    let v1 = BoardV1 { title: crdt_kit::LWWRegister::new("ui", "Plans".to_string()) };
    db.save("b", &v1).unwrap();
    let b: Board = db.load("b").unwrap().unwrap();
    let id = all_crdts::replica_id();
    assert!(id.starts_with("replica-") && id.len() == 24, "{id}");
    assert_eq!(b.views.actor().as_str(), id);
    assert_eq!(b.labels.actor().as_str(), id);
    let (x, y) = (all_crdts::helpers::fresh_replica_id(), all_crdts::helpers::fresh_replica_id());
    assert_ne!(x, y);
    assert_ne!(x, id);
}
"#;
