use crdt_migrate::{crdt_schema, migration};

#[crdt_schema(version = 1, table = "t")]
#[derive(serde::Serialize, serde::Deserialize)]
struct V1 {
    x: u32,
}

#[crdt_schema(version = 3, table = "other")]
#[derive(serde::Serialize, serde::Deserialize)]
struct V3 {
    x: u32,
}

// Declares 1 -> 2 but returns a v3 of another table.
#[migration(from = 1, to = 2)]
fn wrong(old: V1) -> V3 {
    V3 { x: old.x }
}

fn main() {}
