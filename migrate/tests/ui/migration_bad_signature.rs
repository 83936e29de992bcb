use crdt_migrate::{crdt_schema, migration};

#[crdt_schema(version = 1, table = "t")]
#[derive(serde::Serialize, serde::Deserialize)]
struct V1 {
    x: u32,
}

#[crdt_schema(version = 2, table = "t")]
#[derive(serde::Serialize, serde::Deserialize)]
struct V2 {
    x: u32,
}

#[migration(from = 1, to = 2)]
fn two_args(old: V1, extra: u32) -> V2 {
    V2 { x: old.x + extra }
}

#[migration(from = 1, to = 2)]
fn no_return(old: V1) {
    let _ = old;
}

fn main() {}
