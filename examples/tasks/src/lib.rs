//! The task manager of the crdt-kit README, as a library so its steps are tested.
//!
//! `src/generated/` is written by `crdt generate --schema crdt-schema.toml` (checked in; a
//! test fails when it is out of date). This file adds what a schema cannot say: the task
//! events and how they fold into a task, and the steps `main.rs` narrates.

#![warn(missing_docs)]

#[rustfmt::skip]
pub mod generated;

use crdt_kit::{Crdt, LWWRegister, ORSet};
use crdt_migrate::crdt_schema;
use crdt_store::{CrdtDb, EventStore, StateStore};
use serde::{Deserialize, Serialize};

pub use generated::{Project, ProjectV1, Task, TaskV1, TaskV2};

/// What happened to a task: the event log of event sourcing.
#[crdt_schema(version = 1, table = "task_events")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TaskEvent {
    /// Created with a title, in a project.
    Created {
        /// Title.
        title: String,
        /// Project key.
        project_id: String,
    },
    /// A tag was added.
    Tagged(String),
    /// Priority set.
    Prioritized(u8),
    /// Completed.
    Completed,
}

/// Folds one event into the task's state.
pub fn apply(task: &mut Task, event: &TaskEvent) {
    match event {
        TaskEvent::Created { title, project_id } => {
            task.title.clone_from(title);
            task.project_id.clone_from(project_id);
        }
        TaskEvent::Tagged(tag) => {
            if !task.tags.contains(tag) {
                task.tags.push(tag.clone());
            }
        }
        TaskEvent::Prioritized(p) => task.priority = Some(*p),
        TaskEvent::Completed => task.done = true,
    }
}

/// An empty task.
pub fn empty_task() -> Task {
    TaskV2 {
        title: String::new(),
        done: false,
        priority: None,
        tags: Vec::new(),
        project_id: String::new(),
    }
}

/// A new project created on `replica`.
pub fn new_project(replica: &str, name: &str, ts: u64) -> Project {
    let mut members = ORSet::new(replica);
    members.insert(replica.to_string());
    ProjectV1 {
        name: LWWRegister::with_timestamp(replica, name.to_string(), ts),
        members,
    }
}

/// A copy of `p` for another replica (same replicated state, new local actor).
pub fn fork_project(p: &Project, replica: &str) -> Project {
    ProjectV1 {
        name: p.name.fork(replica),
        members: p.members.fork(replica),
    }
}

/// Merges two replicas of a project (the generated `Crdt` impl, field by field).
pub fn merge_projects(a: &Project, b: &Project) -> Project {
    let mut m = a.clone();
    m.merge(b);
    m
}

/// Appends `events` to `key`'s log, storing the folded state with each one; returns the
/// final state.
pub fn record<S: EventStore + StateStore>(
    db: &CrdtDb<S>,
    key: &str,
    events: &[(u64, &str, TaskEvent)],
) -> crdt_store::Result<Task> {
    let mut task = db.load::<Task>(key)?.unwrap_or_else(empty_task);
    for (ts, node, e) in events {
        apply(&mut task, e);
        db.append_event(key, e, &task, *ts, node)?;
    }
    Ok(task)
}

/// Rebuilds a task from its snapshot and the events after it.
pub fn replay<S: EventStore + StateStore>(db: &CrdtDb<S>, key: &str) -> crdt_store::Result<Task> {
    let (mut task, after) =
        match db.load_snapshot::<Task>(<Task as crdt_migrate::CrdtVersioned>::TABLE, key)? {
            Some((t, seq)) => (t, seq),
            None => (empty_task(), 0),
        };
    for ev in db.events::<TaskEvent>(<Task as crdt_migrate::CrdtVersioned>::TABLE, key, after)? {
        apply(&mut task, &ev?.value);
    }
    Ok(task)
}
