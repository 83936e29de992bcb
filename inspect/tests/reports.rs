//! The reports on real `.crdt` files: paging, event windows, JSON shapes, detection.

use std::path::{Path, PathBuf};

use crdt_inspect::{
    detect, entities, entity, format_view, records, status, Db, Error, Events, ExportRecord,
    InspectLine, Kind, Page, StatusLine, StatusReport,
};
use crdt_store::{EventStore, NativeStore, StateStore};

/// Namespaces `a` (keys k0..k9, states) and `b` (entity `log` with 20 events and a
/// snapshot at seq 5, entity `gone` whose events were all truncated).
fn fixture(dir: &Path) -> PathBuf {
    let path = dir.join("t.crdt");
    let s = NativeStore::open(&path).unwrap();
    for i in 0..10 {
        s.put("a", &format!("k{i}"), format!("v{i}").as_bytes())
            .unwrap();
    }
    for t in 0..20u64 {
        s.append_event("b", "log", &t.to_le_bytes(), 1000 + t, "node-a")
            .unwrap();
    }
    s.save_snapshot("b", "log", b"snap", 5, 1).unwrap();
    s.append_event("b", "gone", b"x", 1, "n").unwrap();
    s.truncate_events_before("b", "gone", 2).unwrap();
    s.close().unwrap();
    path
}

#[test]
fn entities_are_paged_in_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_read(&fixture(dir.path())).unwrap();
    let all = entities(&db, None, None, Page::ALL).unwrap();
    assert_eq!(all.total, 12);
    let page = entities(&db, None, None, Page::new(9, 2)).unwrap();
    let got: Vec<_> = page
        .items
        .iter()
        .map(|e| (e.ns.as_str(), e.key.as_str()))
        .collect();
    assert_eq!(got, [("a", "k9"), ("b", "gone")]);
    let gone = &page.items[1];
    assert_eq!(
        (gone.events, gone.last_seq, gone.state_type.clone()),
        (0, Some(1), None)
    );
    let log = entities(&db, Some("b"), Some("lo"), Page::new(0, 10)).unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].events, 20);
    assert_eq!(log.items[0].snapshot_at, Some(5));
    let past_end = entities(&db, Some("a"), None, Page::new(50, 10)).unwrap();
    assert_eq!((past_end.total, past_end.items.len()), (10, 0));
    assert_eq!(all.items[0].state_type.as_deref(), Some("plain"));
}

#[test]
fn entity_event_windows() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_read(&fixture(dir.path())).unwrap();
    let seqs = |ev: Events| {
        let r = entity(&db, "b", "log", ev).unwrap().unwrap();
        assert_eq!(r.summary.events, 20);
        (
            r.events_offset,
            r.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        )
    };
    assert_eq!(seqs(Events::None), (20, vec![]));
    assert_eq!(seqs(Events::Last(0)), (20, vec![]));
    assert_eq!(seqs(Events::Last(3)), (17, vec![18, 19, 20]));
    assert_eq!(seqs(Events::Page(Page::new(4, 3))), (4, vec![5, 6, 7]));
    assert_eq!(seqs(Events::Page(Page::new(19, 5))), (19, vec![20]));
    assert_eq!(seqs(Events::All).1.len(), 20);
    let r = entity(&db, "b", "log", Events::Last(1)).unwrap().unwrap();
    let ev = &r.events[0];
    assert_eq!(
        (ev.timestamp, ev.node_id.as_str(), ev.bytes),
        (1019, "node-a", 8)
    );
    let snap = r.snapshot.as_ref().unwrap();
    assert_eq!((snap.at_seq, snap.version), (5, 1));
    assert_eq!(snap.decoded.value, serde_json::json!({ "text": "snap" }));
    // Lines: entity, snapshot, event (no state).
    let kinds: Vec<&str> = r
        .lines()
        .iter()
        .map(|l| match l {
            InspectLine::Entity(_) => "entity",
            InspectLine::State(_) => "state",
            InspectLine::Snapshot(_) => "snapshot",
            InspectLine::Event(_) => "event",
        })
        .collect();
    assert_eq!(kinds, ["entity", "snapshot", "event"]);
    // An entity whose events were all truncated still exists through its counter.
    let gone = entity(&db, "b", "gone", Events::All).unwrap().unwrap();
    assert_eq!((gone.summary.events, gone.summary.last_seq), (0, Some(1)));
    assert!(entity(&db, "b", "never", Events::All).unwrap().is_none());
    assert!(entity(&db, "zz", "log", Events::All).unwrap().is_none());
}

#[test]
fn json_shapes_are_the_cli_lines() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_read(&fixture(dir.path())).unwrap();
    let report = status(&db).unwrap();
    assert_eq!(report.schema_version, crdt_inspect::SCHEMA_VERSION);
    let lines = report.lines();
    let first = serde_json::to_string(&lines[0]).unwrap();
    assert!(first.starts_with(r#"{"kind":"file","path":"#), "{first}");
    let ns = serde_json::to_value(&lines[1]).unwrap();
    assert_eq!(
        ns,
        serde_json::json!({"kind":"namespace","name":"a","entities":10,"states":10,"events":0,"snapshots":0})
    );
    for l in &lines {
        let back: StatusLine = serde_json::from_str(&serde_json::to_string(l).unwrap()).unwrap();
        assert_eq!(&back, l);
    }
    // Unknown fields are refused inside a tagged line and in a report.
    let extra =
        r#"{"kind":"namespace","name":"a","entities":1,"states":1,"events":0,"snapshots":0,"x":1}"#;
    assert!(serde_json::from_str::<StatusLine>(extra).is_err());
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<StatusReport>(&json).unwrap(), report);
    let b = report.namespaces.iter().find(|n| n.name == "b").unwrap();
    assert_eq!((b.entities, b.events, b.snapshots), (2, 20, 1));
}

#[test]
fn records_pages_say_when_more_follow() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_read(&fixture(dir.path())).unwrap();
    let p = records(&db, Some("a"), None, Page::new(0, 4)).unwrap();
    assert!(p.more);
    assert_eq!(p.records.len(), 4);
    let p = records(&db, Some("a"), None, Page::new(8, 4)).unwrap();
    assert!(!p.more);
    assert_eq!(p.records.len(), 2);
    let p = records(&db, Some("b"), Some("log"), Page::ALL).unwrap();
    let events = p
        .records
        .iter()
        .filter(|r| matches!(r, ExportRecord::Event { .. }))
        .count();
    assert_eq!(events, 20);
}

#[test]
fn format_view_names_the_current_superblock() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path());
    let db = Db::open_read(&path).unwrap();
    let v = format_view(&db).unwrap().unwrap();
    let current: Vec<_> = v.superblocks.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].generation, Some(v.generation));
    assert_eq!(u64::from(current[0].slot), v.generation % 2);
    assert!(!v.runs.is_empty());
    assert!(v.live_bytes <= v.file_bytes);
}

#[test]
fn detection_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    assert_eq!(detect(&fixture(dir.path())).unwrap(), Kind::Crdt);
    assert_eq!(
        detect(&p("s", b"SQLite format 3\0rest")).unwrap(),
        Kind::Sqlite
    );
    let redb = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A, 0];
    assert_eq!(detect(&p("r", &redb)).unwrap(), Kind::Redb);
    assert!(matches!(detect(&p("e", b"")), Err(Error::Empty { .. })));
    assert!(matches!(
        detect(&p("x", b"hello")),
        Err(Error::NotADatabase { .. })
    ));
    let missing = dir.path().join("missing.crdt");
    let e = Db::open_read(&missing).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }));
    assert!(e.to_string().ends_with("missing.crdt: no such file"), "{e}");
    assert!(!missing.exists(), "a read-only open never creates a file");
    assert!(matches!(detect(dir.path()), Err(Error::IsDirectory { .. })));
}

#[test]
fn a_db_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Db>();
    let dir = tempfile::tempdir().unwrap();
    let db = std::sync::Arc::new(Db::open_read(&fixture(dir.path())).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let db = std::sync::Arc::clone(&db);
            std::thread::spawn(move || entities(&db, Some("a"), None, Page::new(i, 1)).unwrap())
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap().items[0].key, format!("k{i}"));
    }
}
