//! Every validation rule: the error names the entity, version and field, and nothing is
//! generated.

use crdt_codegen::{generate_str, Error};

fn entity(name: &str, table: &str, versions: &[&str]) -> String {
    let mut s = format!("[[entity]]\nname = \"{name}\"\ntable = \"{table}\"\n");
    for (i, fields) in versions.iter().enumerate() {
        s.push_str(&format!(
            "[[entity.versions]]\nversion = {}\nfields = [{fields}]\n",
            i + 1
        ));
    }
    s
}

fn err(toml: &str) -> (Option<String>, Option<u32>, Option<String>, String) {
    match generate_str(toml) {
        Err(Error::Invalid {
            entity,
            version,
            field,
            reason,
        }) => (entity, version, field, reason),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

const TITLE: &str = r#"{ name = "title", type = "String" }"#;

#[test]
fn non_contiguous_versions() {
    let toml = r#"
        [[entity]]
        name = "Task"
        table = "tasks"
        [[entity.versions]]
        version = 1
        fields = [{ name = "title", type = "String" }]
        [[entity.versions]]
        version = 3
        fields = [{ name = "title", type = "String" }]
    "#;
    let (e, v, f, reason) = err(toml);
    assert_eq!((e.as_deref(), v, f), (Some("Task"), Some(3), None));
    assert!(reason.contains("expected version 2"), "{reason}");
}

#[test]
fn versions_must_start_at_one() {
    let toml =
        "[[entity]]\nname = \"A\"\ntable = \"a\"\n[[entity.versions]]\nversion = 2\nfields = []\n";
    assert_eq!(err(toml).1, Some(2));
}

#[test]
fn removed_field() {
    let toml = entity(
        "Task",
        "tasks",
        &[
            &format!("{TITLE}, {{ name = \"done\", type = \"bool\" }}"),
            TITLE,
        ],
    );
    let (e, v, f, reason) = err(&toml);
    assert_eq!(
        (e.as_deref(), v, f.as_deref()),
        (Some("Task"), Some(2), Some("done"))
    );
    assert!(reason.contains("removed"), "{reason}");
}

#[test]
fn changed_type() {
    let toml = entity(
        "Task",
        "tasks",
        &[TITLE, r#"{ name = "title", type = "u32" }"#],
    );
    let (_, v, f, reason) = err(&toml);
    assert_eq!((v, f.as_deref()), (Some(2), Some("title")));
    assert!(reason.contains("String to u32"), "{reason}");
}

#[test]
fn changed_crdt_wrapper_is_a_type_change() {
    let toml = entity(
        "T",
        "t",
        &[
            TITLE,
            r#"{ name = "title", type = "String", crdt = "LWWRegister" }"#,
        ],
    );
    assert!(err(&toml).3.contains("LWWRegister<String>"));
}

#[test]
fn added_field_without_default() {
    let toml = entity(
        "Task",
        "tasks",
        &[
            TITLE,
            &format!("{TITLE}, {{ name = \"n\", type = \"u32\" }}"),
        ],
    );
    let (_, v, f, reason) = err(&toml);
    assert_eq!((v, f.as_deref()), (Some(2), Some("n")));
    assert!(reason.contains("default"), "{reason}");
}

#[test]
fn added_option_and_crdt_fields_need_no_default() {
    let toml = entity(
        "Task",
        "tasks",
        &[TITLE, &format!("{TITLE}, {{ name = \"p\", type = \"Option<u8>\" }}, {{ name = \"c\", type = \"u64\", crdt = \"GCounter\" }}")],
    );
    let files = generate_str(&toml).unwrap();
    let m = &files
        .iter()
        .find(|f| f.name == "task_migrations.rs")
        .unwrap()
        .contents;
    assert!(m.contains("p: None,"));
    assert!(m.contains("let actor = super::helpers::replica_id();"));
    assert!(m.contains("c: crdt_kit::GCounter::new(actor),"));
    let file = |name: &str| &files.iter().find(|f| f.name == name).unwrap().contents;
    assert!(file("helpers.rs").contains("pub fn replica_id() -> &'static str"));
    assert!(file("mod.rs").contains("replica_id, set_replica_id}"));
    // No migration creates a CRDT: no replica id machinery.
    let plain = generate_str(&entity(
        "Task",
        "tasks",
        &[
            TITLE,
            &format!("{TITLE}, {{ name = \"p\", type = \"Option<u8>\" }}"),
        ],
    ))
    .unwrap();
    assert!(!plain.iter().any(|f| f.contents.contains("replica_id")));
}

#[test]
fn unknown_crdt() {
    let toml = entity(
        "T",
        "t",
        &[r#"{ name = "x", type = "String", crdt = "LWWMap" }"#],
    );
    let (e, v, f, reason) = err(&toml);
    assert_eq!(
        (e.as_deref(), v, f.as_deref()),
        (Some("T"), Some(1), Some("x"))
    );
    assert!(reason.contains("unknown CRDT type \"LWWMap\""), "{reason}");
}

#[test]
fn relation_to_missing_entity() {
    let toml = entity(
        "Task",
        "tasks",
        &[r#"{ name = "project_id", type = "String", relation = "Project" }"#],
    );
    let (_, _, f, reason) = err(&toml);
    assert_eq!(f.as_deref(), Some("project_id"));
    assert!(reason.contains("Project"), "{reason}");
}

#[test]
fn duplicate_names() {
    let twice = format!(
        "{}{}",
        entity("A", "a", &[TITLE]),
        entity("A", "b", &[TITLE])
    );
    assert!(err(&twice).3.contains("two entities"));
    let tables = format!(
        "{}{}",
        entity("A", "a", &[TITLE]),
        entity("B", "a", &[TITLE])
    );
    assert!(err(&tables).3.contains("table"));
    let fields = entity("A", "a", &[&format!("{TITLE}, {TITLE}")]);
    assert_eq!(err(&fields).2.as_deref(), Some("title"));
    let files = format!(
        "{}{}",
        entity("A", "a", &[TITLE]),
        entity("Helpers", "h", &[TITLE])
    );
    assert!(err(&files).3.contains("collide"));
}

#[test]
fn invalid_identifiers() {
    assert!(err(&entity("task", "t", &[TITLE]))
        .3
        .contains("UpperCamelCase"));
    assert!(err(&entity("Ta-sk", "t", &[TITLE]))
        .3
        .contains("UpperCamelCase"));
    let kw = entity("T", "t", &[r#"{ name = "type", type = "String" }"#]);
    assert_eq!(err(&kw).2.as_deref(), Some("type"));
    let bad_ty = entity("T", "t", &[r#"{ name = "x", type = "Vec<String" }"#]);
    assert!(err(&bad_ty).3.contains("type"));
    let bad_table = entity("T", "t a/b", &[TITLE]);
    assert!(err(&bad_table).3.contains("table"));
}

#[test]
fn defaults_must_be_complete_expressions() {
    let toml = entity(
        "T",
        "t",
        &[
            TITLE,
            &format!("{TITLE}, {{ name = \"n\", type = \"u32\", default = \"todo!()\" }}"),
        ],
    );
    assert!(err(&toml).3.contains("complete Rust expression"));
    let crdt_default = entity(
        "T",
        "t",
        &[r#"{ name = "s", type = "String", crdt = "ORSet", default = "x" }"#],
    );
    assert!(err(&crdt_default).3.contains("starts empty"));
}

#[test]
fn empty_schema_and_unknown_keys() {
    assert!(err("").3.contains("no [[entity]]"));
    match generate_str("[[entity]]\nname = \"A\"\ntable = \"a\"\ntabel = 1\n") {
        Err(Error::Parse { detail }) => assert!(detail.contains("tabel"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_file_has_the_header_and_no_todo() {
    let toml = entity(
        "Task",
        "tasks",
        &[
            TITLE,
            &format!("{TITLE}, {{ name = \"n\", type = \"u32\", default = \"0\" }}"),
        ],
    );
    for f in generate_str(&toml).unwrap() {
        assert!(f.contents.starts_with(crdt_codegen::HEADER), "{}", f.name);
        assert!(!f.contents.contains("todo!"), "{}", f.name);
    }
}

#[test]
fn output_is_deterministic() {
    let toml = entity("Task", "tasks", &[TITLE]);
    assert_eq!(generate_str(&toml).unwrap(), generate_str(&toml).unwrap());
}
