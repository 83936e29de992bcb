//! `cargo run -p crdt-example-tasks`: narrates the task manager, step by step.

use crdt_example_tasks::{
    fork_project, generated, merge_projects, new_project, record, replay, Project, Task, TaskEvent,
    TaskV1,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("crdt-example-tasks-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("tasks.crdt");
    let _ = std::fs::remove_file(&path);
    println!("Database: {}\n", path.display());
    let db = generated::create_db(&path)?;

    println!("1. An old version of the app (schema v1) saved a task.");
    let old = TaskV1 {
        title: "Write the docs".into(),
        done: false,
    };
    db.save("task-1", &old)?;
    println!("   stored: {old:?}\n");

    println!("2. This version reads it as v2: the generated migration adds the new fields.");
    let task: Option<Task> = db.load("task-1")?;
    println!("   loaded: {task:?}");
    println!("   (written back at v2, so it migrates once)\n");

    println!("3. Two replicas edit a project offline (CRDT fields).");
    let laptop = new_project("laptop", "Website", 1_000);
    let mut phone = fork_project(&laptop, "phone");
    let mut laptop = laptop;
    laptop
        .name
        .set_with_timestamp("Website relaunch".into(), 2_000);
    laptop.members.insert("ana".into());
    phone.members.insert("ben".into());
    phone.members.remove("laptop");
    println!(
        "   laptop: name {:?}, members {:?}",
        laptop.name.value(),
        laptop.members.iter().collect::<Vec<_>>()
    );
    println!(
        "   phone:  name {:?}, members {:?}",
        phone.name.value(),
        phone.members.iter().collect::<Vec<_>>()
    );
    let merged: Project = merge_projects(&laptop, &phone);
    assert_eq!(merged, merge_projects(&phone, &laptop));
    println!(
        "   merged (either order): name {:?}, members {:?}\n",
        merged.name.value(),
        merged.members.iter().collect::<Vec<_>>()
    );
    db.save("website", &laptop)?;
    let stored = db.merge_into("website", &phone)?;
    println!(
        "   db.merge_into stored the same result: {}\n",
        stored == merged
    );

    println!("4. Event sourcing: task-2's history is an event log.");
    let events = [
        (
            3_000,
            "laptop",
            TaskEvent::Created {
                title: "Launch".into(),
                project_id: "website".into(),
            },
        ),
        (3_100, "phone", TaskEvent::Tagged("release".into())),
        (3_200, "laptop", TaskEvent::Prioritized(1)),
        (3_300, "phone", TaskEvent::Completed),
    ];
    let state = record(&db, "task-2", &events)?;
    for (ts, node, e) in &events {
        println!("   t={ts} {node:<6} {e:?}");
    }
    println!("   state: {state:?}\n");

    println!("5. Compaction: a snapshot replaces the events; replay gives the same task.");
    let removed = db.compact_entity("tasks", "task-2")?;
    let replayed = replay(&db, "task-2")?;
    println!(
        "   {removed} events folded into the snapshot; replayed == state: {}",
        replayed == state
    );
    db.into_store().close()?;
    println!("\nTry: cargo run -p crdt-cli -- status {}", path.display());
    Ok(())
}
