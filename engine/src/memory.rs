//! [`MemoryStore`]: the in-memory backend, with exactly the semantics of the others.
//!
//! It keeps internal keys (format-spec/keys.md) in a `BTreeMap`, so ordering, limits and
//! sequence numbering are shared with `NativeStore` by construction. Commits serialize on
//! a writer mutex; reads take a short read lock. Scans page through the map (256 entries
//! per lock), so a long scan never holds the lock and sees commits made while it runs.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::error::Result;
use crate::kv::{KvIter, KvRead, KvStore, Mutation};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

/// An in-memory store, for tests and prototypes. Clones are handles to the same data.
///
/// ```
/// use crdt_store::{EventStore, MemoryStore, StateStore};
///
/// let mut store = MemoryStore::new();
///
/// // State persistence
/// store.put("sensors", "s1", b"data").unwrap();
///
/// // Event sourcing
/// let seq = store.append_event("sensors", "s1", b"SetTemp(23.1)", 1000, "node-a").unwrap();
///
/// // Snapshots + compaction
/// store.save_snapshot("sensors", "s1", b"state", seq, 1).unwrap();
/// store.truncate_events_before("sensors", "s1", seq).unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    map: Arc<RwLock<Map>>,
    writer: Arc<Mutex<()>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

const PAGE: usize = 256;

struct PagedScan {
    map: Arc<RwLock<Map>>,
    next: Option<Bound<Vec<u8>>>,
    end: Option<Vec<u8>>,
    buf: std::vec::IntoIter<(Vec<u8>, Vec<u8>)>,
}

impl Iterator for PagedScan {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.buf.next() {
            return Some(Ok(item));
        }
        let lower = self.next.take()?;
        let upper = match &self.end {
            Some(e) => Bound::Excluded(e.clone()),
            None => Bound::Unbounded,
        };
        if let (Bound::Included(l) | Bound::Excluded(l), Some(e)) = (&lower, &self.end) {
            if l >= e {
                return None;
            }
        }
        let page: Vec<_> = {
            let map = self.map.read();
            map.range((lower, upper))
                .take(PAGE)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        if page.len() == PAGE {
            self.next = page.last().map(|(k, _)| Bound::Excluded(k.clone()));
        }
        self.buf = page.into_iter();
        self.buf.next().map(Ok)
    }
}

impl KvRead for MemoryStore {
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.read().get(key).cloned())
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        Ok(Box::new(PagedScan {
            map: Arc::clone(&self.map),
            next: Some(Bound::Included(start.to_vec())),
            end: end.map(<[u8]>::to_vec),
            buf: Vec::new().into_iter(),
        }))
    }
}

impl KvStore for MemoryStore {
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()> {
        let _writer = self.writer.lock();
        let mutations = resolve(self)?;
        let mut map = self.map.write();
        for m in mutations {
            match m {
                Mutation::Put(k, v) => {
                    drop_truncated_events(&mut map, &k, &v);
                    map.insert(k, v);
                }
                Mutation::Delete(k) => {
                    map.remove(&k);
                }
            }
        }
        Ok(())
    }
}

/// A raised truncation floor hides events below it; memory has no compaction, so remove
/// them now.
fn drop_truncated_events(map: &mut Map, key: &[u8], value: &[u8]) {
    let Ok(crate::keys::DecodedKey::Floor { ns, entity }) = crate::keys::decode_key(key) else {
        return;
    };
    let Ok(floor) = crate::keys::decode_u64(value) else {
        return;
    };
    let start = crate::keys::event_prefix(&ns, &entity);
    let end = crate::keys::event_key(&ns, &entity, floor);
    let doomed: Vec<Vec<u8>> = map.range(start..end).map(|(k, _)| k.clone()).collect();
    for k in doomed {
        map.remove(&k);
    }
}

crate::logic::impl_store_traits!(MemoryStore);
crate::records::impl_records!(MemoryStore);
