//! The checked-in generated code is what crdt-codegen produces today, and the example's
//! steps hold: migration v1 -> v2, CRDT merges, event sourcing with compaction.

use crdt_example_tasks::*;

#[test]
fn generated_code_is_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = crdt_codegen::read_schema(&dir.join("crdt-schema.toml")).unwrap();
    let files = crdt_codegen::generate(&schema).unwrap();
    let out = crdt_codegen::output_dir(&dir.join("crdt-schema.toml"), &schema, None);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    expected.sort();
    assert_eq!(
        names,
        expected,
        "stale or missing files in {}",
        out.display()
    );
    for f in files {
        let on_disk = std::fs::read_to_string(out.join(&f.name)).unwrap();
        assert!(
            on_disk == f.contents,
            "{} is out of date: run `cargo run -p crdt-cli -- generate --schema examples/tasks/crdt-schema.toml`",
            f.name
        );
    }
}

#[test]
fn v1_task_migrates_and_is_written_back() {
    let db = generated::create_memory_db().unwrap();
    db.save(
        "t",
        &TaskV1 {
            title: "a".into(),
            done: true,
        },
    )
    .unwrap();
    let t: Task = db.load("t").unwrap().unwrap();
    assert_eq!(
        t,
        TaskV2 {
            title: "a".into(),
            done: true,
            priority: None,
            tags: vec![],
            project_id: String::new()
        }
    );
    let stored = crdt_store::StateStore::get(db.store(), "tasks", "t")
        .unwrap()
        .unwrap();
    assert_eq!(stored[5], 2, "written back at schema version 2");
}

#[test]
fn project_replicas_converge() {
    let a = new_project("a", "P", 1);
    let mut b = fork_project(&a, "b");
    let mut a = a;
    a.name.set_with_timestamp("P2".into(), 5);
    b.members.insert("x".into());
    let m1 = merge_projects(&a, &b);
    let m2 = merge_projects(&b, &a);
    assert_eq!(m1, m2);
    assert_eq!(m1.name.value(), "P2");
    assert!(m1.members.contains("x") && m1.members.contains("a"));
}

#[test]
fn events_replay_after_compaction() {
    let db = generated::create_memory_db().unwrap();
    let events = [
        (
            1,
            "n",
            TaskEvent::Created {
                title: "t".into(),
                project_id: "p".into(),
            },
        ),
        (2, "n", TaskEvent::Tagged("x".into())),
        (3, "m", TaskEvent::Completed),
    ];
    let state = record(&db, "k", &events).unwrap();
    assert_eq!(replay(&db, "k").unwrap(), state);
    assert_eq!(db.compact_entity("tasks", "k").unwrap(), 3);
    assert_eq!(replay(&db, "k").unwrap(), state);
    let more = record(&db, "k", &[(4, "n", TaskEvent::Prioritized(2))]).unwrap();
    assert_eq!(replay(&db, "k").unwrap(), more);
}
