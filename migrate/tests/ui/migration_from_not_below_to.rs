use crdt_migrate::{crdt_schema, migration};

#[crdt_schema(version = 2, table = "t")]
#[derive(serde::Serialize, serde::Deserialize)]
struct V2 {
    x: u32,
}

#[migration(from = 2, to = 2)]
fn same(old: V2) -> V2 {
    old
}

fn main() {}
