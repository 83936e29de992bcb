//! The real `crdt` binary on fixture files made here: a good `.crdt` file (from
//! `crdt demo` and from the store API), a damaged copy (flipped bytes), a truncated copy, a
//! SQLite-header file, a file that is not a database, and a missing path. `--json` output
//! is parsed back with the documented types (`deny_unknown_fields`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crdt_cli::cmd::inspect::{EventView, InspectLine, SnapshotView, StateView};
use crdt_cli::cmd::status::{FileStatus, NamespaceStatus, StatusLine};
use crdt_cli::cmd::verify::VerifyLine;
use crdt_cli::transfer::{ExportDocument, ExportRecord};
use crdt_kit::{GCounter, GSet, LWWRegister, MVRegister, ORSet, PNCounter, Rga, TextCrdt, TwoPSet};
use crdt_store::{EventStore, NativeStore};

fn crdt(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crdt"));
    for a in args {
        c.arg(a);
    }
    c.env("NO_COLOR", "1").output().unwrap()
}

/// Starts `crdt dev-ui DB --port 0`, reads the URL it prints, sends one GET for `path`,
/// stops the server and returns the raw HTTP response.
fn dev_ui_get(db: &dyn AsRef<std::ffi::OsStr>, path: &str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_crdt"))
        .arg("dev-ui")
        .arg(db)
        .args(["--port", "0"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    response
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

/// A one-line `crdt: ...` error and exit 2.
fn assert_error(o: &Output, needle: &str) {
    assert_eq!(code(o), 2, "stdout: {}\nstderr: {}", stdout(o), stderr(o));
    let err = stderr(o);
    assert!(err.starts_with("crdt: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err:?} does not contain {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

fn enveloped<T: crdt_migrate::CrdtVersioned + serde::Serialize>(v: &T) -> Vec<u8> {
    crdt_migrate::write(v).unwrap()
}

/// A file with every crdt-kit type, plain values, events with truncation, a snapshot and
/// a counter-only entity.
fn rich_fixture(path: &Path) {
    let s = NativeStore::open(path).unwrap();
    rich_content(&s);
    s.close().unwrap();
}

/// The content of [`rich_fixture`], into any store.
fn rich_content<S: EventStore>(s: &S) {
    let mut g = GCounter::new("a");
    g.increment_by(3);
    let mut g2 = g.fork("b");
    g2.increment_by(4);
    crdt_kit::Crdt::merge(&mut g, &g2);
    s.put("crdts", "gcounter", &enveloped(&g)).unwrap();
    let mut pn = PNCounter::new("a");
    pn.increment_by(5);
    pn.decrement_by(7);
    s.put("crdts", "pncounter", &enveloped(&pn)).unwrap();
    s.put(
        "crdts",
        "lww",
        &enveloped(&LWWRegister::with_timestamp("a", 42u64, 7)),
    )
    .unwrap();
    let mut mv = MVRegister::new("a");
    mv.set("x".to_string());
    s.put("crdts", "mv", &enveloped(&mv)).unwrap();
    let mut gs = GSet::new("a");
    gs.insert(-5i64);
    s.put("crdts", "gset", &enveloped(&gs)).unwrap();
    let mut tp = TwoPSet::new("a");
    tp.insert("keep".to_string());
    tp.insert("gone".to_string());
    tp.remove("gone");
    s.put("crdts", "twopset", &enveloped(&tp)).unwrap();
    let mut or = ORSet::new("a");
    or.insert(vec![0xffu8, 0]);
    s.put("crdts", "orset-bytes", &enveloped(&or)).unwrap();
    let mut rga = Rga::new("a");
    rga.insert_at(0, "first".to_string()).unwrap();
    s.put("crdts", "rga", &enveloped(&rga)).unwrap();
    let mut t = TextCrdt::new("a");
    t.insert_str(0, "hello").unwrap();
    s.put("crdts", "text", &enveloped(&t)).unwrap();
    s.put("plain", "utf8", b"just text").unwrap();
    s.put("plain", "binary", &[0, 1, 2, 0xff]).unwrap();
    // Enough data for several data blocks, so damage to one leaves others readable.
    let mut fill = crdt_store::WriteBatch::new();
    for i in 0..300 {
        fill.put("plain", &format!("fill-{i:03}"), &[b'f'; 100]);
    }
    s.commit(&fill).unwrap();
    for i in 0..5u64 {
        s.append_event("log", "e1", format!("ev{i}").as_bytes(), 1000 + i, "node-a")
            .unwrap();
    }
    s.truncate_events_before("log", "e1", 3).unwrap();
    s.save_snapshot("log", "e1", b"snap", 2, 1).unwrap();
    s.append_event("log", "gone", b"x", 1, "n").unwrap();
    s.truncate_events_before("log", "gone", 2).unwrap();
}

struct Fixtures {
    _dir: tempfile::TempDir,
    demo: PathBuf,
    rich: PathBuf,
    damaged: PathBuf,
    truncated: PathBuf,
    sqlite: PathBuf,
    redb: PathBuf,
    fake_sqlite: PathBuf,
    text: PathBuf,
    missing: PathBuf,
    dir: PathBuf,
}

fn fixtures() -> Fixtures {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let o = crdt(&[&"demo", &d.join("demo")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let demo = d.join("demo").join("demo.crdt");
    let rich = d.join("rich.crdt");
    rich_fixture(&rich);
    let damaged = d.join("damaged.crdt");
    let mut bytes = std::fs::read(&rich).unwrap();
    let run = NativeStore::open_read_only(&rich).unwrap().layout().runs[0].clone();
    let at = (run.offset + 40) as usize;
    bytes[at] ^= 0xff;
    bytes[at + 1] ^= 0x55;
    std::fs::write(&damaged, &bytes).unwrap();
    let truncated = d.join("truncated.crdt");
    let full = std::fs::read(&rich).unwrap();
    std::fs::write(&truncated, &full[..(run.offset as usize + 100)]).unwrap();
    // Real adapter files, with the content of `rich` (names say nothing: detection reads
    // the header).
    let sqlite = d.join("app-sqlite.db");
    rich_content(&crdt_store::SqliteStore::open(&sqlite).unwrap());
    let redb = d.join("app-redb.db");
    rich_content(&crdt_store::RedbStore::open(&redb).unwrap());
    let fake_sqlite = d.join("fake.sqlite");
    let mut sq = b"SQLite format 3\0".to_vec();
    sq.resize(4096, 0);
    std::fs::write(&fake_sqlite, sq).unwrap();
    let text = d.join("notes.txt");
    std::fs::write(&text, "hello, not a database\n").unwrap();
    Fixtures {
        demo,
        rich,
        damaged,
        truncated,
        sqlite,
        redb,
        fake_sqlite,
        text,
        missing: d.join("missing.crdt"),
        dir: d,
        _dir: dir,
    }
}

fn json_lines<T: serde::de::DeserializeOwned>(o: &Output) -> Vec<T> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn demo_prints_steps_and_status() {
    let f = fixtures();
    let o = crdt(&[&"status", &f.demo]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("format        crdt v2"), "{out}");
    assert!(out.contains("tasks"), "{out}");
    // A second demo into the same directory refuses to overwrite.
    let again = crdt(&[&"demo", &f.demo.parent().unwrap()]);
    assert_error(&again, "already exists");
}

#[test]
fn status_json() {
    let f = fixtures();
    let o = crdt(&[&"status", &f.rich, &"--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<StatusLine> = json_lines(&o);
    match &lines[0] {
        StatusLine::File(FileStatus {
            format,
            format_version,
            namespaces,
            runs,
            ..
        }) => {
            assert_eq!(
                (format.as_str(), *format_version, *namespaces),
                ("crdt", Some(2), 3)
            );
            assert!(runs.unwrap() >= 1);
        }
        other => panic!("{other:?}"),
    }
    let log = lines.iter().find_map(|l| match l {
        StatusLine::Namespace(NamespaceStatus {
            name,
            entities,
            events,
            snapshots,
            ..
        }) if name == "log" => Some((*entities, *events, *snapshots)),
        _ => None,
    });
    assert_eq!(log, Some((2, 3, 1)));
}

#[test]
fn inspect_decodes_every_crdt_type() {
    let f = fixtures();
    let show = |key: &str| -> InspectLine {
        let o = crdt(&[&"inspect", &f.rich, &key, &"-n", &"crdts", &"--json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let lines: Vec<InspectLine> = json_lines(&o);
        lines
            .into_iter()
            .find(|l| matches!(l, InspectLine::State(_)))
            .unwrap()
    };
    let value = |l: &InspectLine| match l {
        InspectLine::State(StateView { decoded, .. }) => {
            assert!(decoded.error.is_none(), "{decoded:?}");
            (
                decoded.envelope.as_ref().unwrap().type_name.clone(),
                decoded.element_type.clone(),
                decoded.value.clone(),
            )
        }
        _ => unreachable!(),
    };
    let (t, _, v) = value(&show("gcounter"));
    assert_eq!(t, "GCounter");
    assert_eq!(v["value"], 7);
    assert_eq!(v["counts"]["a"], 3);
    assert_eq!(v["counts"]["b"], 4);
    let (_, _, v) = value(&show("pncounter"));
    assert_eq!(v["value"], -2);
    let (_, e, v) = value(&show("lww"));
    assert_eq!(
        (e.as_deref(), &v["value"]),
        (Some("u64"), &serde_json::json!(42))
    );
    let (_, e, v) = value(&show("mv"));
    assert_eq!(
        (e.as_deref(), &v["values"]),
        (Some("String"), &serde_json::json!(["x"]))
    );
    let (_, _, v) = value(&show("gset"));
    assert!(v["elements"].as_array().unwrap().len() == 1, "{v}");
    let (_, _, v) = value(&show("twopset"));
    assert_eq!(v["elements"], serde_json::json!(["keep"]));
    let (_, e, v) = value(&show("orset-bytes"));
    assert_eq!(
        (e.as_deref(), &v["elements"]),
        (Some("bytes"), &serde_json::json!(["ff00"]))
    );
    let (_, _, v) = value(&show("rga"));
    assert_eq!(v["elements"], serde_json::json!(["first"]));
    let (t, _, v) = value(&show("text"));
    assert_eq!(
        (t.as_str(), &v["text"]),
        ("TextCrdt", &serde_json::json!("hello"))
    );
}

#[test]
fn inspect_events_last_and_listing() {
    let f = fixtures();
    let o = crdt(&[
        &"inspect",
        &f.rich,
        &"e1",
        &"--events",
        &"--last",
        &"2",
        &"--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<InspectLine> = json_lines(&o);
    let seqs: Vec<u64> = lines
        .iter()
        .filter_map(|l| match l {
            InspectLine::Event(EventView { seq, .. }) => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(seqs, [4, 5]);
    assert!(lines
        .iter()
        .any(|l| matches!(l, InspectLine::Snapshot(SnapshotView { at_seq: 2, .. }))));
    let all = crdt(&[&"inspect", &f.rich]);
    assert_eq!(code(&all), 0);
    assert!(
        stdout(&all).contains("crdts/text  TextCrdt"),
        "{}",
        stdout(&all)
    );
    assert_error(
        &crdt(&[&"inspect", &f.rich, &"nope"]),
        "no key or entity \"nope\"",
    );
}

fn export(path: &Path) -> Vec<ExportRecord> {
    let o = crdt(&[&"export", &path]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: ExportDocument = serde_json::from_slice(&o.stdout).unwrap();
    doc.records
}

#[test]
fn export_import_round_trip_is_lossless() {
    let f = fixtures();
    for (src, fmt) in [(&f.rich, "json"), (&f.demo, "jsonl")] {
        let dump = f.dir.join(format!("dump.{fmt}"));
        let args: Vec<&dyn AsRef<std::ffi::OsStr>> = if fmt == "jsonl" {
            vec![&"export", src, &"--jsonl"]
        } else {
            vec![&"export", src]
        };
        let o = crdt(&args);
        assert_eq!(code(&o), 0);
        std::fs::write(&dump, &o.stdout).unwrap();
        let copy = f.dir.join(format!("copy-{fmt}.crdt"));
        let i = crdt(&[&"import", &copy, &dump]);
        assert_eq!(code(&i), 0, "{}", stderr(&i));
        assert_eq!(export(&copy), export(src));
        // Importing the same events again is refused, not duplicated.
        if fmt == "json" {
            assert_error(
                &crdt(&[&"import", &copy, &dump]),
                "already has an event log",
            );
        }
    }
    let lines = crdt(&[&"export", &f.rich, &"--jsonl", &"-n", &"log"]);
    let recs: Vec<ExportRecord> = json_lines(&lines);
    assert!(matches!(recs[0], ExportRecord::Header { .. }));
    assert!(recs[1..].iter().all(|r| r.location().unwrap().0 == "log"));
}

#[test]
fn verify_clean_damaged_truncated() {
    let f = fixtures();
    let o = crdt(&[&"verify", &f.rich, &"--json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let lines: Vec<VerifyLine> = json_lines(&o);
    assert!(matches!(
        lines.last(),
        Some(VerifyLine::Summary { clean: true, .. })
    ));
    for bad in [&f.damaged, &f.truncated] {
        let o = crdt(&[&"verify", bad, &"--json"]);
        assert_eq!(
            code(&o),
            1,
            "{}: {}{}",
            bad.display(),
            stdout(&o),
            stderr(&o)
        );
        let lines: Vec<VerifyLine> = json_lines(&o);
        assert!(lines.iter().any(|l| matches!(l, VerifyLine::Damage { .. })));
        let text = crdt(&[&"verify", bad]);
        assert_eq!(code(&text), 1);
        assert!(stdout(&text).contains("damage: "), "{}", stdout(&text));
    }
}

#[test]
fn foreign_and_missing_files() {
    let f = fixtures();
    for cmd in ["status", "inspect", "export", "verify", "compact", "dev-ui"] {
        // A SQLite header over garbage: damage for verify, an error for the others.
        let fake = crdt(&[&cmd, &f.fake_sqlite]);
        if cmd == "verify" {
            assert_eq!(code(&fake), 1, "{}", stderr(&fake));
            assert!(stdout(&fake).contains("damage: file:"), "{}", stdout(&fake));
        } else {
            assert_error(&fake, "fake.sqlite");
        }
        assert_error(&crdt(&[&cmd, &f.text]), "not a database");
        assert_error(&crdt(&[&cmd, &f.missing]), "no such file");
        assert!(!f.missing.exists(), "{cmd} created the missing file");
    }
    assert_error(
        &crdt(&[&"salvage", &f.missing, &f.dir.join("out.crdt")]),
        "no such file",
    );
}

#[test]
fn read_commands_do_not_change_the_file() {
    let f = fixtures();
    let before = std::fs::read(&f.rich).unwrap();
    for args in [
        vec!["status"],
        vec!["inspect"],
        vec!["export", "--jsonl"],
        vec!["verify"],
    ] {
        let mut a: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&args[0], &f.rich];
        for x in &args[1..] {
            a.push(x);
        }
        assert_eq!(code(&crdt(&a)), 0);
    }
    assert!(std::fs::read(&f.rich).unwrap() == before);
}

#[test]
fn compact_shrinks_event_logs() {
    let f = fixtures();
    let o = crdt(&[&"compact", &f.rich, &"--threshold", &"1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("size ") && out.contains(" -> "), "{out}");
    // e1 has events but no state: nothing to snapshot, so its events stay.
    assert!(
        out.contains("0 events removed") || out.contains("events removed"),
        "{out}"
    );
    assert_eq!(code(&crdt(&[&"verify", &f.rich])), 0);
    let demo = crdt(&[&"compact", &f.demo, &"--threshold", &"1"]);
    assert!(
        stdout(&demo).contains("tasks/task-2: 2 events, 2 folded"),
        "{}",
        stdout(&demo)
    );
}

#[test]
fn salvage_copies_readable_records() {
    let f = fixtures();
    let out = f.dir.join("rescued.crdt");
    let o = crdt(&[&"salvage", &f.rich, &out]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(export(&out), export(&f.rich));
    assert_error(&crdt(&[&"salvage", &f.rich, &out]), "already exists");
    let from_damaged = f.dir.join("rescued2.crdt");
    let o = crdt(&[&"salvage", &f.damaged, &from_damaged]);
    // The damaged block is skipped (exit 1, listed); everything else is copied and the
    // copy verifies clean.
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("skipped (unreadable)"),
        "{}",
        stdout(&o)
    );
    assert_eq!(code(&crdt(&[&"verify", &from_damaged])), 0);
    let rescued = export(&from_damaged);
    assert!(!rescued.is_empty() && rescued.len() < export(&f.rich).len());
}

#[test]
fn closed_pipe_exits_quietly() {
    let f = fixtures();
    let big = f.dir.join("big.crdt");
    {
        let s = NativeStore::open(&big).unwrap();
        let mut b = crdt_store::WriteBatch::new();
        for i in 0..3000 {
            b.put("ns", &format!("key-{i:05}"), &[7u8; 100]);
        }
        s.commit(&b).unwrap();
        s.close().unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_crdt"))
        .args(["export", "--jsonl"])
        .arg(&big)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("header"));
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
}

#[test]
fn help_generate_and_dev_ui() {
    let h = crdt(&[&"--help"]);
    assert_eq!(code(&h), 0);
    assert!(stdout(&h).contains("Examples:"));
    for sub in ["status", "inspect", "verify", "export", "generate"] {
        assert!(
            stdout(&crdt(&[&sub, &"--help"])).contains("Examples:"),
            "{sub}"
        );
    }
    assert_error(&crdt(&[&"dev-ui", &"x.crdt"]), "x.crdt: no such file");

    let f = fixtures();
    let schema = f.dir.join("crdt-schema.toml");
    std::fs::write(
        &schema,
        include_str!("../../examples/tasks/crdt-schema.toml"),
    )
    .unwrap();
    let dry = crdt(&[&"generate", &"--schema", &schema, &"--dry-run"]);
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert!(!f.dir.join("src").exists());
    let gen = crdt(&[&"generate", &"--schema", &schema]);
    assert_eq!(code(&gen), 0, "{}", stderr(&gen));
    assert!(stdout(&gen).contains("Generated 5 files"));
    assert!(f.dir.join("src/generated/task_migrations.rs").exists());
    std::fs::write(&schema, "[[entity]]\nname = \"T\"\ntable = \"t\"\n[[entity.versions]]\nversion = 1\nfields = [{ name = \"x\", type = \"String\", crdt = \"Nope\" }]\n").unwrap();
    assert_error(
        &crdt(&[&"generate", &"--schema", &schema]),
        "entity T, version 1, field x: unknown CRDT type",
    );
}

#[test]
fn usage_errors_are_one_line() {
    assert_error(&crdt(&[&"status"]), "required arguments were not provided");
    assert_error(&crdt(&[&"bogus"]), "unrecognized subcommand 'bogus'");
    let none = crdt(&[]);
    assert_eq!(code(&none), 2);
    assert!(stderr(&none).contains("Usage:"));
    assert_eq!(code(&crdt(&[&"--version"])), 0);
}

#[test]
fn demo_without_dir_uses_a_new_temp_dir() {
    let o = crdt(&[&"demo"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    let path = PathBuf::from(first.strip_prefix("Demo database: ").unwrap());
    assert!(path.starts_with(std::env::temp_dir()), "{}", path.display());
    assert_eq!(code(&crdt(&[&"verify", &path])), 0);
    assert!(!out.contains('\u{1b}'), "NO_COLOR is set: no escape codes");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn inspect_lookup_and_scan_agree() {
    let f = fixtures();
    for (key, ns) in [
        ("e1", "log"),
        ("gone", "log"),
        ("text", "crdts"),
        ("binary", "plain"),
    ] {
        let direct = crdt(&[
            &"inspect",
            &f.rich,
            &key,
            &"-n",
            &ns,
            &"--events",
            &"--json",
        ]);
        let scanned = crdt(&[&"inspect", &f.rich, &key, &"--events", &"--json"]);
        assert_eq!(code(&direct), 0, "{}", stderr(&direct));
        assert_eq!(stdout(&direct), stdout(&scanned), "{ns}/{key}");
    }
    assert_error(
        &crdt(&[&"inspect", &f.rich, &"e1", &"-n", &"crdts"]),
        "no key or entity \"e1\" in namespace crdts",
    );
}

fn side_files(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal", "-lock"]
        .iter()
        .map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        })
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn sqlite_and_redb_files_in_every_read_command() {
    let f = fixtures();
    let reference = export(&f.rich);
    let lines = |args: &[&dyn AsRef<std::ffi::OsStr>]| -> Vec<InspectLine> {
        let o = crdt(args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        json_lines(&o)
    };
    let rich_listing = lines(&[&"inspect", &f.rich, &"--json"]);
    let rich_e1 = lines(&[&"inspect", &f.rich, &"e1", &"--events", &"--json"]);
    for (db, name) in [(&f.sqlite, "sqlite"), (&f.redb, "redb")] {
        let before = std::fs::read(db).unwrap();
        // status: the same namespaces and counts as the .crdt file.
        let o = crdt(&[&"status", db, &"--json"]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        let st: Vec<StatusLine> = json_lines(&o);
        match &st[0] {
            StatusLine::File(FileStatus {
                format,
                namespaces,
                runs,
                live_bytes,
                ..
            }) => {
                assert_eq!((format.as_str(), *namespaces, *runs), (name, 3, None));
                assert_eq!(live_bytes.is_some(), name == "sqlite");
            }
            other => panic!("{other:?}"),
        }
        assert!(st.iter().any(|l| matches!(l,
            StatusLine::Namespace(NamespaceStatus { name, entities: 2, events: 3, snapshots: 1, .. })
            if name == "log")));
        let text = crdt(&[&"status", db]);
        assert!(
            stdout(&text).contains(&format!("format        {name}\n")),
            "{}",
            stdout(&text)
        );
        // inspect: every value decoded exactly as from the .crdt file.
        assert_eq!(lines(&[&"inspect", db, &"--json"]), rich_listing, "{name}");
        assert_eq!(
            lines(&[&"inspect", db, &"e1", &"--events", &"--json"]),
            rich_e1,
            "{name}"
        );
        // export: the same records, in the same order.
        assert_eq!(export(db), reference, "{name}");
        // verify: clean.
        let v = crdt(&[&"verify", db]);
        assert_eq!(code(&v), 0, "{name}: {}{}", stdout(&v), stderr(&v));
        assert!(stdout(&v).contains("clean"), "{}", stdout(&v));
        // dev-ui serves it: the overview API answers with this file's status.
        let status = dev_ui_get(db, "/api/status");
        assert!(status.starts_with("HTTP/1.1 200"), "{name}: {status}");
        assert!(status.contains(&format!("\"{name}\"")), "{name}: {status}");
        // None of it changed the file or left side files behind.
        assert!(std::fs::read(db).unwrap() == before, "{name} changed");
        assert_eq!(side_files(db), Vec::<PathBuf>::new(), "{name}");
    }
}

#[test]
fn round_trips_between_every_backend_are_lossless() {
    let f = fixtures();
    let reference = export(&f.rich);
    let dump = f.dir.join("rich.jsonl");
    let o = crdt(&[&"export", &f.rich, &"--jsonl"]);
    std::fs::write(&dump, &o.stdout).unwrap();
    for (fmt, name) in [
        ("crdt", "a.crdt"),
        ("sqlite", "a.sqlite"),
        ("redb", "a.redb"),
    ] {
        let target = f.dir.join(name);
        let i = crdt(&[&"import", &target, &dump, &"--format", &fmt]);
        assert_eq!(code(&i), 0, "{fmt}: {}", stderr(&i));
        assert_eq!(export(&target), reference, "{fmt}");
        // And from there into every other backend.
        for (fmt2, name2) in [
            ("crdt", "b.crdt"),
            ("sqlite", "b.sqlite"),
            ("redb", "b.redb"),
        ] {
            let dump2 = f.dir.join("again.json");
            std::fs::write(&dump2, crdt(&[&"export", &target]).stdout).unwrap();
            let target2 = f.dir.join(format!("{fmt}-{name2}"));
            let i = crdt(&[&"import", &target2, &dump2, &"--format", &fmt2]);
            assert_eq!(code(&i), 0, "{fmt} -> {fmt2}: {}", stderr(&i));
            assert_eq!(export(&target2), reference, "{fmt} -> {fmt2}");
        }
    }
    // Importing into an existing adapter file keeps its kind (--format only names new files).
    let existing = f.dir.join("existing.db");
    drop(crdt_store::SqliteStore::open(&existing).unwrap());
    let i = crdt(&[&"import", &existing, &dump, &"--format", &"redb"]);
    assert_eq!(code(&i), 0, "{}", stderr(&i));
    assert_eq!(export(&existing), reference);
    let st = crdt(&[&"status", &existing]);
    assert!(
        stdout(&st).contains("format        sqlite"),
        "{}",
        stdout(&st)
    );
    assert_error(
        &crdt(&[&"import", &existing, &dump]),
        "already has an event log",
    );
}

#[test]
fn compact_and_salvage_on_sqlite_and_redb() {
    let f = fixtures();
    let demo_dump = f.dir.join("demo.json");
    std::fs::write(&demo_dump, crdt(&[&"export", &f.demo]).stdout).unwrap();
    for fmt in ["sqlite", "redb"] {
        let db = f.dir.join(format!("demo.{fmt}"));
        assert_eq!(
            code(&crdt(&[&"import", &db, &demo_dump, &"--format", &fmt])),
            0
        );
        let o = crdt(&[&"compact", &db, &"--threshold", &"1"]);
        assert_eq!(code(&o), 0, "{fmt}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains("tasks/task-2: 2 events, 2 folded"),
            "{fmt}: {out}"
        );
        assert!(out.contains("size ") && out.contains(" -> "), "{out}");
        assert_eq!(code(&crdt(&[&"verify", &db])), 0, "{fmt}");
        let task: Vec<InspectLine> = json_lines(&crdt(&[
            &"inspect",
            &db,
            &"task-2",
            &"-n",
            &"tasks",
            &"--events",
            &"--json",
        ]));
        assert!(
            task.iter().any(|l| matches!(l, InspectLine::Snapshot(_))),
            "{fmt}"
        );
        assert!(
            !task.iter().any(|l| matches!(l, InspectLine::Event(_))),
            "{fmt}"
        );
        // salvage into each kind.
        for out_fmt in ["crdt", "sqlite", "redb"] {
            let out = f.dir.join(format!("rescued-{fmt}.{out_fmt}"));
            let s = crdt(&[&"salvage", &db, &out, &"--format", &out_fmt]);
            assert_eq!(code(&s), 0, "{fmt} -> {out_fmt}: {}", stderr(&s));
            assert_eq!(export(&out), export(&db), "{fmt} -> {out_fmt}");
        }
    }
}

#[test]
fn damaged_sqlite_and_redb_files_are_reported_not_panicked_on() {
    let f = fixtures();
    for (db, name) in [(&f.sqlite, "sqlite"), (&f.redb, "redb")] {
        let clean = std::fs::read(db).unwrap();
        let mut damaged_found = 0;
        let step = (clean.len() / 16).max(1);
        for (i, at) in (100..clean.len()).step_by(step).enumerate() {
            let mut bytes = clean.clone();
            for b in bytes.iter_mut().skip(at).take(64) {
                *b ^= 0xa5;
            }
            let bad = f.dir.join(format!("bad-{name}-{i}"));
            std::fs::write(&bad, &bytes).unwrap();
            let v = crdt(&[&"verify", &bad]);
            let err = stderr(&v);
            assert!(
                !err.contains("panicked") && err.lines().count() <= 1,
                "{err}"
            );
            match code(&v) {
                0 => {}
                1 => damaged_found += 1,
                _ => assert!(err.starts_with("crdt: "), "{err}"),
            }
            for cmd in ["status", "inspect", "export"] {
                let o = crdt(&[&cmd, &bad]);
                let err = stderr(&o);
                assert!(
                    !err.contains("panicked") && err.lines().count() <= 1,
                    "{cmd}: {err}"
                );
                assert!(code(&o) == 0 || err.starts_with("crdt: "), "{cmd}: {err}");
            }
            assert!(
                std::fs::read(&bad).unwrap() == bytes,
                "{name}: verify wrote the file"
            );
        }
        assert!(
            damaged_found > 0,
            "{name}: no damage found in 16 damaged copies"
        );
    }
}
