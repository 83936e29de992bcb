//! Reading the database for one request, through `crdt-inspect` (the layer the `crdt` CLI
//! uses, so pages and API show what `crdt status` / `crdt inspect` print).
//!
//! Every request opens the file read-only ([`open`]), so each response is one consistent
//! snapshot of the last committed state, including commits an app made a moment ago while
//! it holds the file open for writing. What crdt-inspect does not cover is here: the
//! namespace-exists check behind a 404, and the stored bytes of one value.

use std::path::Path;

use crdt_inspect::{entities, Db, EntityPage, Page};

use crate::error::{Error, Result};

/// Opens the database read-only for one request.
pub fn open(path: &Path) -> Result<Db> {
    Db::open_read(path).map_err(Error::Open)
}

/// Entities of `ns` with keys starting with `prefix`, the window `page`; `None` when the
/// namespace holds nothing at all (a filter that matches nothing is an empty page).
pub fn namespace(db: &Db, ns: &str, prefix: &str, page: Page) -> Result<Option<EntityPage>> {
    let prefix = (!prefix.is_empty()).then_some(prefix);
    let found = entities(db, Some(ns), prefix, page)?;
    if found.total > 0 {
        return Ok(Some(found));
    }
    let exists = prefix.is_some() && entities(db, Some(ns), None, Page::new(0, 0))?.total > 0;
    Ok(exists.then_some(found))
}

/// Which stored value of an entity (`part` of `/value` and `/api/value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The state value.
    State,
    /// The snapshot's state.
    Snapshot,
    /// The payload of the event with this seq.
    Event(u64),
}

/// The stored bytes of one value, `None` when there is no such value.
pub fn value(db: &Db, ns: &str, key: &str, part: Part) -> Result<Option<Vec<u8>>> {
    let store = db.store();
    let read = |e: crdt_store::Error| Error::Read(e.into());
    match part {
        Part::State => store.get(ns, key).map_err(read),
        Part::Snapshot => Ok(store.load_snapshot(ns, key).map_err(read)?.map(|s| s.state)),
        Part::Event(seq) => {
            let after = seq.saturating_sub(1);
            match store.events_since(ns, key, after).map_err(read)?.next() {
                Some(ev) => Ok(Some(ev.map_err(read)?)
                    .filter(|e| e.seq == seq)
                    .map(|e| e.data)),
                None => Ok(None),
            }
        }
    }
}
