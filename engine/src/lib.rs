//! Storage for crdt-kit: the [`StateStore`] and [`EventStore`] traits, the in-memory
//! [`MemoryStore`], and the native single-file engine (`.crdt` files, described
//! normatively in `format-spec/`).
//!
//! Every backend has the same semantics, checked by one conformance suite
//! (`tests/conformance.rs`): keys iterate in byte order, event seqs start at 1 per
//! `(namespace, entity)` and are never reused, and a [`WriteBatch`] is all or nothing.
//! Limits are documented in [`limits`].
//!
//! Backends:
//! - [`NativeStore`]: the default, one `.crdt` file per database; an LSM tree (log,
//!   memtable, sorted runs, manifest, two superblock slots) that survives power cuts at any
//!   moment. [`Options`] choose the [`Durability`] (default `Immediate`), memtable and cache
//!   sizes, and compaction. A second writer gets [`Error::Locked`];
//!   [`NativeStore::open_read_only`] opens a file another process is writing.
//! - [`MemoryStore`]: the same semantics in memory.
//!
//! All file I/O goes through [`io::FileIo`]; [`io::SimDisk`] injects failed writes, failed
//! syncs and power cuts for tests.
//!
//! ```
//! use crdt_store::{EventStore, MemoryStore, StateStore};
//!
//! let mut store = MemoryStore::new();
//!
//! // State persistence
//! store.put("sensors", "s1", b"data").unwrap();
//!
//! // Event sourcing
//! let seq = store.append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a").unwrap();
//!
//! // Snapshots + compaction
//! store.save_snapshot("sensors", "s1", b"state", seq, 1).unwrap();
//! store.truncate_events_before("sensors", "s1", seq).unwrap();
//! ```
#![warn(missing_docs)]
#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::host_endian_bytes
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(any(feature = "sqlite", feature = "redb"))]
mod adapters;
mod api;
mod db;
mod error;
mod format;
/// Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`): not a public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod io;
mod keys;
mod kv;
pub mod limits;
mod logic;
mod memory;
mod native;
mod records;

#[cfg(feature = "redb")]
pub use adapters::{RedbOptions, RedbStore};
#[cfg(feature = "sqlite")]
pub use adapters::{SqliteConfig, SqliteStore, Synchronous};
pub use api::{
    BatchOp, CommitOutcome, Event, EventIter, EventStore, KeyRange, Snapshot, StateIter,
    StateStore, WriteBatch,
};
pub use crdt_migrate::{crdt_schema, migration, CrdtVersioned, Migration, Migrator, PlainValues};
pub use db::{CrdtDb, MigrationReport, TypedEvent};
pub use error::{Error, Result};
pub use memory::MemoryStore;
pub use native::{
    CommitTicket, Durability, Layout, NativeStore, Options, RunInfo, Stats, SuperblockInfo,
    ValueKind, ValueRewriter,
};
pub use records::{NameIter, Record, RecordIter};
