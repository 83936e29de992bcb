use crdt_migrate::crdt_schema;

#[crdt_schema(version = 0, table = "t")]
struct A;

#[crdt_schema(version = 1, table = "t", tabel = "u")]
struct B;

fn main() {}
