//! Read-only inspection of crdt-kit databases, shared by the `crdt` CLI and the dev UI:
//! what a file is ([`detect()`]), opening it without changing it ([`Db::open_read`]),
//! decoding stored values into readable JSON ([`decode()`]), and the serializable
//! reports the CLI prints with `--json` ([`status()`], [`entities()`], [`entity()`],
//! [`records()`], [`format_view()`]).
//!
//! Every report is `serde` serializable; the JSON Lines the CLI prints are the `*Line`
//! enums (internally tagged by `kind`), whose variants hold the same structs the report
//! types hold, so a web UI returning [`StatusReport`] or [`EntityReport`] as JSON shows
//! the same fields the CLI prints. Listings take a [`Page`] (offset + limit) and keep at
//! most a page of values in memory. [`SCHEMA_VERSION`] is in every top-level report;
//! fields are only added with a new schema version.
//!
//! Nothing here writes, except [`Db::open_write`] / [`Db::open_or_create`] handles that
//! the CLI's write commands use.
//!
//! ```
//! use crdt_inspect::{entity, status, Db, Events};
//! use crdt_store::{NativeStore, StateStore};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("app.crdt");
//! let store = NativeStore::open(&path).unwrap();
//! let mut set = crdt_kit::ORSet::new("replica-a");
//! set.insert("draft".to_string());
//! store.put("docs", "tags", &crdt_migrate::write(&set).unwrap()).unwrap();
//! store.close().unwrap();
//!
//! let db = Db::open_read(&path).unwrap();
//! assert_eq!(status(&db).unwrap().namespaces.len(), 1);
//! let tags = entity(&db, "docs", "tags", Events::None).unwrap().unwrap();
//! assert_eq!(tags.summary.state_type.as_deref(), Some("ORSet<String>"));
//! let json = serde_json::to_value(&tags.state.unwrap().decoded.value).unwrap();
//! assert_eq!(json, serde_json::json!({ "elements": ["draft"] }));
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
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

/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod db;
pub mod decode;
pub mod detect;
pub mod entity;
pub mod error;
pub mod format;
pub mod hex;
pub mod records;
pub mod status;
pub mod units;

pub use db::{Db, Space};
pub use decode::{decode, summary, Decoded, EnvelopeInfo};
pub use detect::{detect, Kind, CRDT_MAGIC, REDB_MAGIC, SQLITE_MAGIC};
pub use entity::{
    entities, entity, type_name, EntityPage, EntityReport, EntitySummary, EventView, Events,
    InspectLine, Page, SnapshotView, StateView,
};
pub use error::{Error, Result};
pub use format::{format_view, FormatView, SuperblockView};
pub use records::{records, selected, ExportDocument, ExportRecord, RecordPage, FORMAT, VERSION};
pub use status::{status, FileStatus, NamespaceStatus, RunStatus, StatusLine, StatusReport};
pub use units::human_bytes;

/// Version of the report types' JSON shape. Bumped when a field changes meaning or is
/// removed; adding a field also bumps it. Version 1: the fields documented on each type.
pub const SCHEMA_VERSION: u32 = 1;
