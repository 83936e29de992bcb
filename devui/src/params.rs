//! Query parameters of the routes, validated: unknown parameters, non-numbers and page
//! sizes outside `1..=MAX_PAGE` are a 400 with a message naming the parameter.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use serde::Deserialize;

use crdt_inspect::{Events, Page};

use crate::data::Part;
use crate::error::{Error, Result};
use crate::{DEFAULT_PAGE, MAX_PAGE};

/// Turns axum's query extraction into our 400.
pub fn take<T>(q: std::result::Result<Query<T>, QueryRejection>) -> Result<T> {
    q.map(|Query(t)| t)
        .map_err(|e| Error::BadRequest(e.body_text()))
}

fn page_size(name: &str, v: Option<usize>) -> Result<usize> {
    match v {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => Err(Error::BadRequest(format!(
            "{name}={n}: page sizes are 1 to {MAX_PAGE}"
        ))),
    }
}

/// `limit` items from `offset`, the size checked (`limit` is the parameter's name).
fn window(offset: u64, limit: Option<usize>) -> Result<Page> {
    Ok(Page::new(offset, page_size("limit", limit)? as u64))
}

/// The shape of an `/api/` answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The crdt-inspect report as one JSON document (default).
    #[default]
    Report,
    /// JSON Lines, byte for byte what the CLI's `--json` prints.
    Jsonl,
}

/// `/api/status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// Answer shape.
    #[serde(default)]
    pub format: Format,
}

/// `/namespace`, `/api/namespace`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceQuery {
    /// Namespace.
    pub ns: String,
    /// Key prefix (empty: all).
    #[serde(default)]
    pub prefix: String,
    /// First entity.
    #[serde(default)]
    pub offset: u64,
    limit: Option<usize>,
    /// Answer shape (`/api/` only).
    #[serde(default)]
    pub format: Format,
}

impl NamespaceQuery {
    /// The page asked for, its size checked.
    pub fn page(&self) -> Result<Page> {
        window(self.offset, self.limit)
    }
}

/// `/entity`, `/api/entity`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityQuery {
    /// Namespace.
    pub ns: String,
    /// Key / entity.
    pub key: String,
    /// First event shown (index in seq order); default: the last page.
    pub events_offset: Option<u64>,
    events_limit: Option<usize>,
    /// Answer shape (`/api/` only).
    #[serde(default)]
    pub format: Format,
}

impl EntityQuery {
    /// The events asked for: a window, or the last page; its size checked.
    pub fn events(&self) -> Result<Events> {
        let limit = page_size("events_limit", self.events_limit)? as u64;
        Ok(match self.events_offset {
            Some(offset) => Events::Page(Page::new(offset, limit)),
            None => Events::Last(limit),
        })
    }

    /// The event page size, checked.
    pub fn events_limit(&self) -> Result<u64> {
        Ok(page_size("events_limit", self.events_limit)? as u64)
    }
}

/// `/value`, `/api/value`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueQuery {
    /// Namespace.
    pub ns: String,
    /// Key / entity.
    pub key: String,
    /// `state`, `snapshot` or `event`.
    part: String,
    /// The event's seq (with `part=event`).
    seq: Option<u64>,
    /// Byte offset into the decoded text (HTML view only).
    #[serde(default)]
    pub offset: usize,
    /// Byte offset into the stored bytes for the hex view (HTML view only).
    #[serde(default)]
    pub hex_offset: usize,
}

impl ValueQuery {
    /// Which value, checked.
    pub fn part(&self) -> Result<Part> {
        match (self.part.as_str(), self.seq) {
            ("state", None) => Ok(Part::State),
            ("snapshot", None) => Ok(Part::Snapshot),
            ("event", Some(seq)) => Ok(Part::Event(seq)),
            ("event", None) => Err(Error::BadRequest("part=event needs seq=N".into())),
            ("state" | "snapshot", Some(_)) => {
                Err(Error::BadRequest("seq is only for part=event".into()))
            }
            (other, _) => Err(Error::BadRequest(format!(
                "part={other:?}: expected state, snapshot or event"
            ))),
        }
    }
}

/// The name of a [`Part`] in query strings.
pub fn part_name(p: Part) -> &'static str {
    match p {
        Part::State => "state",
        Part::Snapshot => "snapshot",
        Part::Event(_) => "event",
    }
}

/// `/api/records`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsQuery {
    /// Only this namespace.
    pub ns: Option<String>,
    /// Only this key / entity.
    pub key: Option<String>,
    /// First record.
    #[serde(default)]
    pub offset: u64,
    limit: Option<usize>,
    /// Answer shape.
    #[serde(default)]
    pub format: Format,
}

impl RecordsQuery {
    /// The page asked for, its size checked.
    pub fn page(&self) -> Result<Page> {
        window(self.offset, self.limit)
    }
}

/// `/`: the overview pages its namespace table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// First namespace shown.
    #[serde(default)]
    pub ns_offset: u64,
}

/// Routes without parameters still refuse unknown ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}
