//! The conformance suite (tests/common/suite.rs) run against every backend.

mod common;

use crdt_store::MemoryStore;

conformance_tests!(memory, ((), MemoryStore::new()));
