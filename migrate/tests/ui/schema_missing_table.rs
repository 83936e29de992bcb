use crdt_migrate::crdt_schema;

#[crdt_schema(version = 1)]
struct A {
    x: u32,
}

fn main() {}
