//! # crdt-migrate
//!
//! Version envelopes and schema migrations for values stored by crdt-kit apps.
//!
//! Every stored value is wrapped in a small envelope (format-spec/envelope.md): magic,
//! envelope format, schema version, type tag, postcard payload, CRC-32. An app declares the
//! version of each stored type ([`CrdtVersioned`], or `#[crdt_schema(version, table)]`) and
//! registers its migration steps (`#[migration(from, to)]` functions) with a [`Migrator`].
//! Reading a value written by an older version runs the steps of its table in order,
//! deterministically, and hands back the upgraded envelope to write back.
//!
//! ```
//! use crdt_migrate::{crdt_schema, migration, Migrator};
//! use serde::{Deserialize, Serialize};
//!
//! #[crdt_schema(version = 1, table = "sensors")]
//! #[derive(Serialize, Deserialize)]
//! struct SensorV1 { device_id: String, temperature: f32 }
//!
//! #[crdt_schema(version = 2, table = "sensors")]
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct SensorV2 { device_id: String, temperature: f32, humidity: Option<f32> }
//!
//! #[migration(from = 1, to = 2)]
//! fn add_humidity(old: SensorV1) -> SensorV2 {
//!     SensorV2 { device_id: old.device_id, temperature: old.temperature, humidity: None }
//! }
//!
//! // Registration is explicit (one call per step): it works on every target, wasm included.
//! let migrator = Migrator::new().with(add_humidity_migration()).unwrap();
//!
//! let stored = crdt_migrate::write(&SensorV1 { device_id: "s1".into(), temperature: 21.5 }).unwrap();
//! let (now, upgraded) = migrator.read::<SensorV2>(&stored).unwrap();
//! assert_eq!(now, SensorV2 { device_id: "s1".into(), temperature: 21.5, humidity: None });
//! assert_eq!(upgraded.stored_version, 1);
//! assert!(upgraded.write_back.is_some()); // the caller stores these bytes: no second migration
//! ```

//!
//! The seed's "Schema Migrations" snippet, unchanged:
//!
//! ```
//! # use serde::{Deserialize, Serialize};
//! use crdt_migrate::{crdt_schema, migration};
//!
//! #[crdt_schema(version = 1, table = "sensors")]
//! #[derive(Serialize, Deserialize)]
//! struct SensorV1 { device_id: String, temperature: f32 }
//!
//! #[crdt_schema(version = 2, table = "sensors")]
//! #[derive(Serialize, Deserialize)]
//! struct SensorV2 { device_id: String, temperature: f32, humidity: Option<f32> }
//!
//! #[migration(from = 1, to = 2)]
//! fn add_humidity(old: SensorV1) -> SensorV2 {
//!     SensorV2 { device_id: old.device_id, temperature: old.temperature, humidity: None }
//! }
//! # let _ = crdt_migrate::Migrator::new().with(add_humidity_migration()).unwrap();
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod envelope;
mod error;
mod migrator;
mod schema;

pub use error::Error;
pub use migrator::{
    decode_payload, encode_payload, write, Migration, Migrator, PlainValues, StepFn, Upgraded,
};
pub use schema::{type_tag, CrdtVersioned, DEFAULT_TABLE};

#[cfg(feature = "macros")]
pub use crdt_migrate_macros::{crdt_schema, migration};

/// Used by the code that the macros generate; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::schema::const_str_eq;

    /// A fallible step's error, as the step's reason.
    pub fn step_error(e: impl core::fmt::Display) -> crate::Error {
        crate::Error::StepFailed {
            table: String::new(),
            step: "",
            from: 0,
            to: 0,
            reason: e.to_string(),
        }
    }
}
