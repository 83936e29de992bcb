//! `crdt demo [DIR]`: the first command for newcomers. Three replicas (alice, bob, carol)
//! start from a shared document, edit offline, merge in different orders and converge;
//! the result is stored in a `.crdt` file with `CrdtDb`, an event-sourced task is compacted
//! (snapshot + truncate), the file is compacted, and its status is printed.

use std::path::{Path, PathBuf};

use crdt_kit::{Crdt, GCounter, ORSet, TextCrdt};
use crdt_migrate::CrdtVersioned;
use crdt_store::{CrdtDb, NativeStore};
use serde::{Deserialize, Serialize};

use crate::error::{Failure, Result};
use crate::open::{open_read, Db};
use crate::output::Out;

/// Arguments of `crdt demo`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt demo            # in a new temporary directory\n  crdt demo ./try-it   # in ./try-it (created if missing)"
)]
pub struct Args {
    /// Directory for `demo.crdt` (default: a new temporary directory).
    pub dir: Option<PathBuf>,
}

/// An event of the demo's event-sourced task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TaskEvent {
    /// The task was created.
    Created {
        /// Title.
        title: String,
    },
    /// The title changed.
    Renamed {
        /// New title.
        title: String,
    },
    /// The task was completed.
    Completed,
}

impl CrdtVersioned for TaskEvent {
    const SCHEMA_VERSION: u8 = 1;
    const TABLE: &'static str = "tasks";
}

/// The state of the demo's task, folded from its events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Title.
    pub title: String,
    /// Completed?
    pub done: bool,
}

impl CrdtVersioned for Task {
    const SCHEMA_VERSION: u8 = 1;
    const TABLE: &'static str = "tasks";
}

impl Task {
    fn apply(&mut self, e: &TaskEvent) {
        match e {
            TaskEvent::Created { title } | TaskEvent::Renamed { title } => {
                self.title.clone_from(title)
            }
            TaskEvent::Completed => self.done = true,
        }
    }
}

fn fail(e: impl std::fmt::Display) -> Failure {
    Failure::msg(e)
}

fn demo_dir(arg: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = arg {
        std::fs::create_dir_all(d)
            .map_err(|e| fail(format!("{}: cannot create directory: {e}", d.display())))?;
        return Ok(d.to_path_buf());
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("crdt-demo-{}-{nanos:x}", std::process::id()));
    std::fs::create_dir(&dir)
        .map_err(|e| fail(format!("{}: cannot create directory: {e}", dir.display())))?;
    Ok(dir)
}

/// Builds the demo database at `path` (which must not exist), narrating to `out`.
pub fn build(path: &Path, out: &mut Out) -> Result<()> {
    if path.exists() {
        return Err(fail(format!(
            "{}: already exists; give the demo an empty directory",
            path.display()
        )));
    }
    out.heading("1. alice writes a document, a tag set and a view counter")?;
    let mut doc = TextCrdt::new("alice");
    doc.insert_str(0, "Hello world").map_err(fail)?;
    let mut tags = ORSet::new("alice");
    tags.insert("draft".to_string());
    let mut views = GCounter::new("alice");
    views.increment();
    out.line(format!("   text: {:?}", doc.to_string()))?;

    out.heading("2. bob and carol copy it, then all three edit offline")?;
    let (mut doc_b, mut doc_c) = (doc.fork("bob"), doc.fork("carol"));
    let (mut tags_b, mut tags_c) = (tags.fork("bob"), tags.fork("carol"));
    let (mut views_b, mut views_c) = (views.fork("bob"), views.fork("carol"));
    doc.insert_str(0, "Hi! ").map_err(fail)?;
    doc_b.insert_str(6, "brave new ").map_err(fail)?;
    let end = doc_c.len();
    doc_c.insert_str(end, ", from carol").map_err(fail)?;
    tags.remove("draft");
    tags.insert("published".to_string());
    tags_b.insert("reviewed".to_string());
    tags_c.insert("draft".to_string()); // carol re-adds concurrently: add wins
    views.increment_by(2);
    views_b.increment_by(5);
    views_c.increment();
    for (who, d) in [("alice", &doc), ("bob", &doc_b), ("carol", &doc_c)] {
        out.line(format!("   {who:<6} text: {:?}", d.to_string()))?;
    }

    out.heading("3. they sync in different orders and converge")?;
    let mut a = doc.clone();
    a.merge(&doc_b);
    a.merge(&doc_c);
    let mut c = doc_c.clone();
    c.merge(&doc);
    c.merge(&doc_b);
    if a != c {
        return Err(fail("demo replicas diverged: this is a bug in crdt-kit"));
    }
    tags.merge(&tags_b);
    tags.merge(&tags_c);
    views.merge(&views_b);
    views.merge(&views_c);
    out.line(format!("   text:  {:?}", a.to_string()))?;
    out.line(format!(
        "   tags:  {:?}",
        tags.iter().cloned().collect::<Vec<_>>()
    ))?;
    out.line(format!(
        "   views: {} (alice 3, bob 5, carol 1)",
        views.value()
    ))?;

    out.heading(format!("4. saved with CrdtDb in {}", path.display()))?;
    let db = CrdtDb::open(path)?;
    db.save_ns("docs", "readme", &a)?;
    db.save_ns("docs", "readme-tags", &tags)?;
    db.save_ns("stats", "readme-views", &views)?;
    let mut task = Task::default();
    let events = [
        (
            1_000,
            "alice",
            TaskEvent::Created {
                title: "write the readme".into(),
            },
        ),
        (
            1_500,
            "bob",
            TaskEvent::Renamed {
                title: "write the README".into(),
            },
        ),
        (
            2_000,
            "carol",
            TaskEvent::Renamed {
                title: "write the README, with examples".into(),
            },
        ),
        (2_500, "alice", TaskEvent::Completed),
    ];
    for (ts, node, e) in &events {
        task.apply(e);
        db.append_event("task-1", e, &task, *ts, node)?;
    }
    let mut second = Task::default();
    for (ts, node, e) in [
        (
            3_000,
            "bob",
            TaskEvent::Created {
                title: "try crdt inspect".into(),
            },
        ),
        (
            3_100,
            "carol",
            TaskEvent::Renamed {
                title: "try crdt inspect --events".into(),
            },
        ),
    ] {
        second.apply(&e);
        db.append_event("task-2", &e, &second, ts, node)?;
    }
    out.line(format!(
        "   docs/readme, docs/readme-tags, stats/readme-views, tasks/task-1 ({} events), tasks/task-2 (2 events)",
        events.len()
    ))?;

    out.heading("5. compacted: task-1 snapshotted and its events truncated, runs merged")?;
    let removed = db.compact_entity(Task::TABLE, "task-1")?;
    db.store().compact()?;
    out.line(format!("   {removed} events folded into a snapshot"))?;
    let store: NativeStore = db.into_store();
    store.close()?;
    out.flush()
}

/// Runs `crdt demo`.
pub fn exec(args: &Args) -> Result<u8> {
    let dir = demo_dir(args.dir.as_deref())?;
    let path = dir.join("demo.crdt");
    let mut out = Out::stdout(false);
    out.line(format!("Demo database: {}", path.display()))?;
    out.line("")?;
    build(&path, &mut out)?;
    out.line("")?;
    out.heading("6. status")?;
    let db: Db = open_read(&path)?;
    let lines = super::status::report(&db)?;
    super::status::print(&mut out, &lines)?;
    out.line("")?;
    out.line(format!(
        "Next: crdt inspect {p} readme -n docs   |   crdt inspect {p} task-2 -n tasks --events   |   crdt verify {p}",
        p = path.display()
    ))?;
    out.flush()?;
    Ok(0)
}
