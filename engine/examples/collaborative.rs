//! Multi-node merge + persist: three nodes edit a shared document and a counter offline,
//! each persisting to its own `.crdt` file; on reconnect every node merges the others'
//! state into its file with `merge_into`, and all files end with the same content.
//!
//! Run: `cargo run -p crdt-store --example collaborative`

use crdt_kit::prelude::*;
use crdt_store::{CrdtDb, NativeStore, Result};

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("crdt-collab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| crdt_store::Error::InvalidArgument(e.to_string()))?;

    let mut base = TextCrdt::new("origin");
    base.insert_str(0, "Meeting notes").map_err(invalid)?;
    let names = ["alice", "bob", "carol"];
    let mut dbs: Vec<CrdtDb<NativeStore>> = Vec::new();
    for name in names {
        let db = CrdtDb::open(dir.join(format!("{name}.crdt")))?;
        // Offline edits, persisted locally.
        let mut doc = base.fork(name);
        let mut visits = GCounter::new(name);
        match name {
            "alice" => doc.insert_str(0, "[draft] ").map_err(invalid)?,
            "bob" => doc.insert_str(doc.len(), " - agenda").map_err(invalid)?,
            _ => doc.splice(0, 7, "Team meeting").map_err(invalid)?,
        }
        visits.increment_by(name.len() as u64);
        db.save("notes", &doc)?;
        db.save("visits", &visits)?;
        println!("{name:>5} offline: {doc}");
        dbs.push(db);
    }

    // Reconnect: every node merges every other node's persisted state.
    for i in 0..dbs.len() {
        for j in 0..dbs.len() {
            if i == j {
                continue;
            }
            let doc: TextCrdt = dbs[j].load("notes")?.expect("saved");
            let visits: GCounter = dbs[j].load("visits")?.expect("saved");
            dbs[i].merge_into("notes", &doc)?;
            dbs[i].merge_into("visits", &visits)?;
        }
    }
    let mut results = Vec::new();
    for (name, db) in names.iter().zip(&dbs) {
        let doc: TextCrdt = db.load("notes")?.expect("saved");
        let visits: GCounter = db.load("visits")?.expect("saved");
        println!("{name:>5} merged:  {doc}  (visits {})", visits.value());
        results.push((doc.to_string(), visits.value()));
    }
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "all nodes converge"
    );
    drop(dbs);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn invalid(e: crdt_kit::Error) -> crdt_store::Error {
    crdt_store::Error::InvalidArgument(e.to_string())
}
