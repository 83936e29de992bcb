//! Canonical dumps of a store's contents through the public API, for comparing backends.

use std::collections::BTreeMap;

use crdt_store::{Event, EventStore, KeyRange, Snapshot};

/// Everything observable about a store, limited to the given entity names for events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dump {
    pub namespaces: Vec<String>,
    pub state: BTreeMap<String, Vec<(String, Vec<u8>)>>,
    pub events: BTreeMap<(String, String), Vec<Event>>,
    pub snapshots: BTreeMap<(String, String), Snapshot>,
}

/// Dump `s`; any error is returned (damage tests expect `Corrupted`).
pub fn dump<S: EventStore>(s: &S, entities: &[&str]) -> crdt_store::Result<Dump> {
    let mut d = Dump {
        namespaces: s.list_namespaces()?,
        ..Dump::default()
    };
    for ns in d.namespaces.clone() {
        let pairs: Vec<_> = s
            .scan(&ns, KeyRange::all())?
            .collect::<crdt_store::Result<_>>()?;
        if !pairs.is_empty() {
            d.state.insert(ns.clone(), pairs);
        }
        for e in entities {
            let evs: Vec<Event> = s
                .events_since(&ns, e, 0)?
                .collect::<crdt_store::Result<_>>()?;
            if evs.len() as u64 != s.event_count(&ns, e)? {
                return Err(crdt_store::Error::InvalidArgument(
                    "event_count mismatch".into(),
                ));
            }
            if !evs.is_empty() {
                d.events.insert((ns.clone(), e.to_string()), evs);
            }
            if let Some(snap) = s.load_snapshot(&ns, e)? {
                d.snapshots.insert((ns.clone(), e.to_string()), snap);
            }
        }
    }
    Ok(d)
}
