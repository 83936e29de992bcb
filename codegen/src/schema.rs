//! The `crdt-schema.toml` model, as the seed README documents it:
//!
//! ```toml
//! [config]
//! output = "src/generated"
//!
//! [[entity]]
//! name = "Task"
//! table = "tasks"
//!
//! [[entity.versions]]
//! version = 1
//! fields = [
//!     { name = "title", type = "String" },
//!     { name = "tags", type = "String", crdt = "ORSet" },
//!     { name = "project_id", type = "String", default = "String::new()", relation = "Project" },
//! ]
//! ```
//!
//! Unknown keys are errors, so a typo (`defualt`) is reported rather than ignored.

use serde::Deserialize;

use crate::Error;

/// A whole schema file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// `[config]`.
    #[serde(default)]
    pub config: Config,
    /// `[[entity]]` tables.
    #[serde(default)]
    pub entity: Vec<Entity>,
}

/// `[config]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Output directory, relative to the schema file (default `src/generated`).
    pub output: Option<String>,
}

/// One `[[entity]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Rust type name (UpperCamelCase).
    pub name: String,
    /// Table (namespace) its values live in.
    pub table: String,
    /// Versions, oldest first: 1, 2, 3, ...
    #[serde(default)]
    pub versions: Vec<Version>,
}

/// One `[[entity.versions]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// Schema version (1..=255).
    pub version: u32,
    /// The fields of this version.
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// One field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Field name (snake_case).
    pub name: String,
    /// Rust type (`String`, `Option<u8>`, `Vec<String>`); for a CRDT field, the element
    /// type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Rust expression used when a migration adds the field.
    pub default: Option<String>,
    /// CRDT wrapper: `GCounter`, `PNCounter`, `LWWRegister`, `MVRegister`, `GSet`,
    /// `TwoPSet`, `ORSet`, `Rga`, `TextCrdt`.
    pub crdt: Option<String>,
    /// The entity this field refers to (documentation; checked to exist).
    pub relation: Option<String>,
}

impl Schema {
    /// Parses TOML text.
    pub fn parse(text: &str) -> Result<Schema, Error> {
        toml::from_str(text).map_err(|e| Error::Parse {
            detail: e.to_string().trim_end().replace('\n', " "),
        })
    }
}

/// The CRDT wrappers a field can use, and whether they take the field's type as element.
pub const CRDT_TYPES: &[(&str, bool)] = &[
    ("GCounter", false),
    ("PNCounter", false),
    ("LWWRegister", true),
    ("MVRegister", true),
    ("GSet", true),
    ("TwoPSet", true),
    ("ORSet", true),
    ("Rga", true),
    ("TextCrdt", false),
];

impl Field {
    /// The Rust type of the field as generated (`LWWRegister<String>`, `GCounter`, `bool`).
    pub fn rust_type(&self) -> String {
        match self.crdt.as_deref() {
            None => self.ty.clone(),
            Some(c) => match CRDT_TYPES.iter().find(|(n, _)| *n == c) {
                Some((_, true)) => format!("{c}<{}>", self.ty),
                _ => c.to_string(),
            },
        }
    }
}
