//! `CrdtDb`: version envelopes, lazy and eager migration, event sourcing, CRDT merge.

use crdt_kit::prelude::*;
use crdt_migrate::envelope::{self, Detected};
use crdt_store::{
    crdt_schema, migration, CrdtDb, CrdtVersioned, EventStore, KeyRange, MemoryStore, NativeStore,
    StateStore,
};
use serde::{Deserialize, Serialize};

#[crdt_schema(version = 1, table = "sensors")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct SensorV1 {
    id: String,
    celsius: f32,
}

#[crdt_schema(version = 2, table = "sensors")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct SensorV2 {
    id: String,
    celsius: f32,
    humidity: Option<f32>,
}

#[crdt_schema(version = 3, table = "sensors")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct SensorV3 {
    id: String,
    celsius: f32,
    humidity: Option<f32>,
    label: String,
}

#[migration(from = 1, to = 2)]
fn add_humidity(old: SensorV1) -> SensorV2 {
    SensorV2 {
        id: old.id,
        celsius: old.celsius,
        humidity: None,
    }
}

#[migration(from = 2, to = 3)]
fn add_label(old: SensorV2) -> Result<SensorV3, String> {
    if old.id.is_empty() {
        return Err("a sensor needs an id".into());
    }
    Ok(SensorV3 {
        label: format!("sensor {}", old.id),
        id: old.id,
        celsius: old.celsius,
        humidity: old.humidity,
    })
}

#[crdt_schema(version = 1, table = "users")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct UserV1 {
    name: String,
}

#[crdt_schema(version = 2, table = "users")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct UserV2 {
    name: String,
    admin: bool,
}

#[migration(from = 1, to = 2)]
fn add_admin(old: UserV1) -> UserV2 {
    UserV2 {
        admin: false,
        name: old.name,
    }
}

fn stored_version<S: StateStore>(store: &S, ns: &str, key: &str) -> u8 {
    let bytes = store.get(ns, key).unwrap().expect("stored");
    match envelope::detect(&bytes).unwrap() {
        Detected::Envelope(e) => e.schema_version,
        Detected::Plain(_) => 0,
    }
}

fn v3_db(path: &std::path::Path) -> CrdtDb<NativeStore> {
    CrdtDb::open(path)
        .unwrap()
        .with_migrations([
            add_humidity_migration(),
            add_label_migration(),
            add_admin_migration(),
        ])
        .unwrap()
}

#[test]
fn v1_data_reopened_by_v3_code_migrates_once_and_writes_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.crdt");
    {
        let v1 = CrdtDb::open(&path).unwrap();
        v1.save(
            "s1",
            &SensorV1 {
                id: "s1".into(),
                celsius: 21.5,
            },
        )
        .unwrap();
        v1.save(
            "s2",
            &SensorV1 {
                id: "s2".into(),
                celsius: 19.0,
            },
        )
        .unwrap();
    }
    let db = v3_db(&path);
    assert_eq!(stored_version(db.store(), "sensors", "s1"), 1);
    let s1: SensorV3 = db.load("s1").unwrap().unwrap();
    assert_eq!(
        s1,
        SensorV3 {
            id: "s1".into(),
            celsius: 21.5,
            humidity: None,
            label: "sensor s1".into()
        }
    );
    // Written back at v3: the second read finds v3 bytes and migrates nothing.
    assert_eq!(stored_version(db.store(), "sensors", "s1"), 3);
    let raw = db.store().get("sensors", "s1").unwrap();
    let again: SensorV3 = db.load("s1").unwrap().unwrap();
    assert_eq!(again, s1);
    assert_eq!(db.store().get("sensors", "s1").unwrap(), raw);
    // The other value is untouched until read.
    assert_eq!(stored_version(db.store(), "sensors", "s2"), 1);
}

#[test]
fn write_back_can_be_turned_off() {
    let db = CrdtDb::with_store(MemoryStore::new()).write_back(false);
    db.register(add_humidity_migration()).unwrap();
    db.save(
        "s",
        &SensorV1 {
            id: "s".into(),
            celsius: 1.0,
        },
    )
    .unwrap();
    let _: SensorV2 = db.load("s").unwrap().unwrap();
    assert_eq!(stored_version(db.store(), "sensors", "s"), 1);
}

#[test]
fn two_tables_keep_independent_chains_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.crdt");
    {
        let db = CrdtDb::open(&path).unwrap();
        db.save(
            "s",
            &SensorV1 {
                id: "s".into(),
                celsius: 3.0,
            },
        )
        .unwrap();
        db.save("u", &UserV1 { name: "ada".into() }).unwrap();
    }
    let db = v3_db(&path);
    let u: UserV2 = db.load("u").unwrap().unwrap();
    assert_eq!(
        u,
        UserV2 {
            name: "ada".into(),
            admin: false
        }
    );
    assert_eq!(stored_version(db.store(), "users", "u"), 2);
    assert_eq!(
        stored_version(db.store(), "sensors", "s"),
        1,
        "reading users ran no sensor step"
    );
    let s: SensorV3 = db.load("s").unwrap().unwrap();
    assert_eq!(s.label, "sensor s");
}

#[test]
fn future_versions_are_refused_and_left_alone() {
    let db = CrdtDb::with_store(MemoryStore::new());
    db.save(
        "s",
        &SensorV3 {
            id: "s".into(),
            celsius: 0.0,
            humidity: None,
            label: "x".into(),
        },
    )
    .unwrap();
    let before = db.store().get("sensors", "s").unwrap();
    let err = db.load::<SensorV2>("s").unwrap_err();
    match &err {
        crdt_store::Error::Value {
            source:
                crdt_migrate::Error::FutureVersion {
                    stored: 3,
                    supported: 2,
                    ..
                },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("upgrade the app"), "{err}");
    assert_eq!(db.store().get("sensors", "s").unwrap(), before);
}

#[test]
fn a_failing_migration_changes_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fail.crdt");
    {
        let db = CrdtDb::open(&path).unwrap();
        db.save(
            "bad",
            &SensorV1 {
                id: String::new(),
                celsius: 0.0,
            },
        )
        .unwrap();
    }
    let file_before = std::fs::read(&path).unwrap();
    {
        let db = v3_db(&path);
        let before = db.store().get("sensors", "bad").unwrap();
        let err = db.load::<SensorV3>("bad").unwrap_err();
        assert!(err.to_string().contains("a sensor needs an id"), "{err}");
        assert_eq!(db.store().get("sensors", "bad").unwrap(), before);
        assert!(db.migrate_all().is_err());
        assert_eq!(db.store().get("sensors", "bad").unwrap(), before);
    }
    let db = CrdtDb::open(&path).unwrap();
    assert_eq!(stored_version(db.store(), "sensors", "bad"), 1);
    let _ = file_before;
}

#[test]
fn migrate_all_upgrades_every_value_of_every_table() {
    let db = CrdtDb::with_store(MemoryStore::new());
    for i in 0..600 {
        db.save(
            &format!("s{i:04}"),
            &SensorV1 {
                id: format!("{i}"),
                celsius: i as f32,
            },
        )
        .unwrap();
    }
    db.save("u", &UserV1 { name: "bob".into() }).unwrap();
    let db = db
        .with_migrations([
            add_humidity_migration(),
            add_label_migration(),
            add_admin_migration(),
        ])
        .unwrap();
    let report = db.migrate_all().unwrap();
    assert_eq!((report.scanned, report.migrated), (601, 601));
    assert_eq!(db.migrate_all().unwrap().migrated, 0);
    for item in db.store().scan("sensors", KeyRange::all()).unwrap() {
        let (_, v) = item.unwrap();
        assert!(
            matches!(envelope::detect(&v).unwrap(), Detected::Envelope(e) if e.schema_version == 3)
        );
    }
}

#[test]
fn compaction_leaves_no_old_version_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compact.crdt");
    {
        let db = CrdtDb::open(&path).unwrap();
        for i in 0..300 {
            db.save(
                &format!("s{i:03}"),
                &SensorV1 {
                    id: format!("{i}"),
                    celsius: 1.0,
                },
            )
            .unwrap();
        }
        db.save("u", &UserV1 { name: "eve".into() }).unwrap();
        db.store().flush().unwrap();
    }
    let db = v3_db(&path);
    db.store().compact().unwrap();
    let mut seen = 0;
    for ns in ["sensors", "users"] {
        for item in db.store().scan(ns, KeyRange::all()).unwrap() {
            let (key, v) = item.unwrap();
            let Detected::Envelope(e) = envelope::detect(&v).unwrap() else {
                panic!("plain {key}")
            };
            let want = if ns == "users" { 2 } else { 3 };
            assert_eq!(e.schema_version, want, "{ns}/{key}");
            seen += 1;
        }
    }
    assert_eq!(seen, 301);
}

#[test]
fn merge_into_loads_merges_and_saves() {
    let db = CrdtDb::with_store(MemoryStore::new());
    let mut phone = GCounter::new("phone");
    phone.increment_by(3);
    let mut laptop = GCounter::new("laptop");
    laptop.increment_by(4);
    assert_eq!(db.merge_into("views", &phone).unwrap().value(), 3);
    assert_eq!(db.merge_into("views", &laptop).unwrap().value(), 7);
    assert_eq!(
        db.merge_into("views", &phone).unwrap().value(),
        7,
        "merging twice changes nothing"
    );
    let stored: GCounter = db.load("views").unwrap().unwrap();
    assert_eq!(stored.value(), 7);
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hello").unwrap();
    let mut other = doc.fork("b");
    other.insert_str(5, " world").unwrap();
    db.merge_into("note", &doc).unwrap();
    assert_eq!(
        db.merge_into("note", &other).unwrap().to_string(),
        "hello world"
    );
}

#[crdt_schema(version = 1, table = "task_events")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum TaskEvent {
    Created(String),
    Done,
}

#[crdt_schema(version = 1, table = "tasks")]
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Task {
    title: String,
    done: bool,
}

#[test]
fn event_sourcing_appends_event_and_state_together_and_compacts_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let db = CrdtDb::open(dir.path().join("events.crdt")).unwrap();
    let mut task = Task {
        title: "milk".into(),
        done: false,
    };
    let s1 = db
        .append_event("t1", &TaskEvent::Created("milk".into()), &task, 10, "phone")
        .unwrap();
    task.done = true;
    let s2 = db
        .append_event("t1", &TaskEvent::Done, &task, 11, "phone")
        .unwrap();
    assert_eq!((s1, s2), (1, 2));
    assert_eq!(db.load::<Task>("t1").unwrap().unwrap(), task);
    let events: Vec<_> = db
        .events::<TaskEvent>("tasks", "t1", 0)
        .unwrap()
        .map(|e| e.unwrap().value)
        .collect();
    assert_eq!(events, [TaskEvent::Created("milk".into()), TaskEvent::Done]);

    assert_eq!(db.compact_entity("tasks", "t1").unwrap(), 2);
    assert_eq!(db.store().event_count("tasks", "t1").unwrap(), 0);
    let (snap, at): (Task, u64) = db.load_snapshot("tasks", "t1").unwrap().unwrap();
    assert_eq!((snap, at), (task.clone(), 2));
    // Seqs continue after the snapshot.
    assert_eq!(
        db.append_event("t1", &TaskEvent::Done, &task, 12, "laptop")
            .unwrap(),
        3
    );
    assert_eq!(db.compact_entity("tasks", "missing").unwrap(), 0);
}

#[test]
fn crdt_kit_values_are_tagged() {
    let db = CrdtDb::with_store(MemoryStore::new());
    let mut set = ORSet::new("a");
    set.insert("x".to_string());
    db.save("cart", &set).unwrap();
    let raw = db
        .store()
        .get(<ORSet<String> as CrdtVersioned>::TABLE, "cart")
        .unwrap()
        .unwrap();
    let Detected::Envelope(e) = envelope::detect(&raw).unwrap() else {
        panic!()
    };
    assert_eq!(crdt_migrate::type_tag::name(e.type_tag), Some("ORSet"));
    assert!(
        db.load::<GCounter>("cart").is_err(),
        "a set is not a counter"
    );
}

mod v2 {
    use super::*;

    #[crdt_schema(version = 2, table = "task_events")]
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum TaskEvent {
        Created { title: String, by: String },
        Done,
    }

    #[migration(from = 1, to = 2)]
    pub fn name_the_creator(old: super::TaskEvent) -> TaskEvent {
        match old {
            super::TaskEvent::Created(title) => TaskEvent::Created {
                title,
                by: "unknown".into(),
            },
            super::TaskEvent::Done => TaskEvent::Done,
        }
    }

    #[crdt_schema(version = 2, table = "tasks")]
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Task {
        pub title: String,
        pub done: bool,
        pub priority: u8,
    }

    #[migration(from = 1, to = 2)]
    pub fn add_priority(old: super::Task) -> Task {
        Task {
            title: old.title,
            done: old.done,
            priority: 3,
        }
    }
}

#[test]
fn compaction_migrates_events_and_snapshots_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ev.crdt");
    {
        let db = CrdtDb::open(&path).unwrap();
        let task = Task {
            title: "milk".into(),
            done: false,
        };
        db.append_event("t1", &TaskEvent::Created("milk".into()), &task, 1, "a")
            .unwrap();
        db.append_event("t2", &TaskEvent::Created("eggs".into()), &task, 2, "a")
            .unwrap();
        db.compact_entity("tasks", "t2").unwrap(); // t2's state is now a snapshot too
        db.append_event("t2", &TaskEvent::Done, &task, 3, "a")
            .unwrap();
        db.store().flush().unwrap();
    }
    let db = CrdtDb::open(&path)
        .unwrap()
        .with_migrations([
            v2::name_the_creator_migration(),
            v2::add_priority_migration(),
        ])
        .unwrap();
    db.register_events::<v2::Task, v2::TaskEvent>();
    db.store().compact().unwrap();
    let mut checked = 0;
    for entity in ["t1", "t2"] {
        for ev in db.store().events_since("tasks", entity, 0).unwrap() {
            let ev = ev.unwrap();
            let Detected::Envelope(e) = envelope::detect(&ev.data).unwrap() else {
                panic!()
            };
            assert_eq!(e.schema_version, 2, "{entity}#{}", ev.seq);
            checked += 1;
        }
        assert_eq!(stored_version(db.store(), "tasks", entity), 2);
    }
    assert_eq!(checked, 2, "t1's event and t2's event after the snapshot");
    let snap = db.store().load_snapshot("tasks", "t2").unwrap().unwrap();
    let Detected::Envelope(e) = envelope::detect(&snap.state).unwrap() else {
        panic!()
    };
    assert_eq!(e.schema_version, 2);
    let events: Vec<_> = db
        .events::<v2::TaskEvent>("tasks", "t1", 0)
        .unwrap()
        .map(|e| e.unwrap().value)
        .collect();
    assert_eq!(
        events,
        [v2::TaskEvent::Created {
            title: "milk".into(),
            by: "unknown".into()
        }]
    );
    let (snapshot, at): (v2::Task, u64) = db.load_snapshot("tasks", "t2").unwrap().unwrap();
    assert_eq!((snapshot.priority, at), (3, 1));
}
