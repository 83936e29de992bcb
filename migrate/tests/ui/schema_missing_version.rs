use crdt_migrate::crdt_schema;

#[crdt_schema(table = "t")]
struct A {
    x: u32,
}

fn main() {}
