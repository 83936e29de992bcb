//! The internal ordered key-value layer that every backend provides, and the merge of
//! sorted sources with shadowing.
//!
//! The public traits ([`crate::StateStore`], [`crate::EventStore`]) are implemented once, in
//! `logic.rs`, on top of [`KvStore`]; a backend only stores internal keys
//! (format-spec/keys.md) and commits [`Mutation`] lists atomically. Invariant of
//! [`MergeIter`]: it yields keys strictly increasing, each from the newest source that has
//! it, and hides tombstones.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;

use crate::error::Result;

/// `(key, value)` pairs in increasing key order.
pub(crate) type KvIter<'a> = Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + Send + 'a>;
/// A key with its value, or `None` for a tombstone.
pub(crate) type Entry = (Vec<u8>, Option<Vec<u8>>);
/// Entries in increasing key order.
pub(crate) type EntryIter<'a> = Box<dyn Iterator<Item = Result<Entry>> + Send + 'a>;

/// One change to the keyspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mutation {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
}

/// Read access to a consistent view of the keyspace.
pub(crate) trait KvRead {
    /// The file behind this reader, named in corruption errors (empty for memory).
    fn location(&self) -> &std::path::Path {
        std::path::Path::new("")
    }
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Keys in `[start, end)` (`end = None`: unbounded), increasing.
    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>>;
}

/// A backend: reads plus atomic commits.
pub(crate) trait KvStore: KvRead + Send + Sync {
    /// Under the writer lock, call `resolve` with the latest state and commit the mutations it
    /// returns as one atomic commit (all or nothing).
    fn kv_commit(
        &self,
        resolve: &mut dyn FnMut(&dyn KvRead) -> Result<Vec<Mutation>>,
    ) -> Result<()>;
}

/// Pending mutations of a batch layered over the state they will apply to, so later ops of a
/// batch see the effects of earlier ones (two appends get consecutive seqs).
pub(crate) struct Overlay<'a> {
    base: &'a dyn KvRead,
    pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a> Overlay<'a> {
    pub(crate) fn new(base: &'a dyn KvRead) -> Self {
        Overlay {
            base,
            pending: BTreeMap::new(),
        }
    }

    pub(crate) fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.pending.insert(key, Some(value));
    }

    pub(crate) fn delete(&mut self, key: Vec<u8>) {
        self.pending.insert(key, None);
    }

    pub(crate) fn into_mutations(self) -> Vec<Mutation> {
        self.pending
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => Mutation::Put(k, v),
                None => Mutation::Delete(k),
            })
            .collect()
    }
}

impl KvRead for Overlay<'_> {
    fn location(&self) -> &std::path::Path {
        self.base.location()
    }
    fn kv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.pending.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.kv_get(key),
        }
    }

    fn kv_scan(&self, start: &[u8], end: Option<&[u8]>) -> Result<KvIter<'_>> {
        let upper = match end {
            Some(e) => Bound::Excluded(e.to_vec()),
            None => Bound::Unbounded,
        };
        let pending: Vec<_> = self
            .pending
            .range((Bound::Included(start.to_vec()), upper))
            .map(|(k, v)| Ok((k.clone(), v.clone())))
            .collect();
        let base = self
            .base
            .kv_scan(start, end)?
            .map(|r| r.map(|(k, v)| (k, Some(v))));
        Ok(Box::new(MergeIter::new(vec![
            Box::new(pending.into_iter()),
            Box::new(base),
        ])))
    }
}

/// Merges sorted sources; `sources[0]` is the newest. Equal keys resolve to the newest
/// source; tombstones are hidden.
pub(crate) struct MergeIter<'a> {
    sources: Vec<std::iter::Peekable<EntryIter<'a>>>,
    failed: bool,
}

impl<'a> MergeIter<'a> {
    pub(crate) fn new(sources: Vec<EntryIter<'a>>) -> Self {
        MergeIter {
            sources: sources.into_iter().map(Iterator::peekable).collect(),
            failed: false,
        }
    }

    /// Next entry including tombstones (used by compaction, which must keep tombstones
    /// that still shadow older runs).
    pub(crate) fn next_entry(&mut self) -> Option<Result<Entry>> {
        if self.failed {
            return None;
        }
        // Find the smallest key; the first (newest) source holding it wins.
        let mut best: Option<(usize, Vec<u8>)> = None;
        for (i, src) in self.sources.iter_mut().enumerate() {
            match src.peek() {
                None => {}
                Some(Err(_)) => {
                    self.failed = true;
                    return match src.next() {
                        Some(Err(e)) => Some(Err(e)),
                        _ => None,
                    };
                }
                Some(Ok((k, _))) => {
                    let better = match &best {
                        None => true,
                        Some((_, bk)) => k.as_slice().cmp(bk.as_slice()) == Ordering::Less,
                    };
                    if better {
                        best = Some((i, k.clone()));
                    }
                }
            }
        }
        let (winner, key) = best?;
        let mut out = None;
        for (i, src) in self.sources.iter_mut().enumerate() {
            let same = matches!(src.peek(), Some(Ok((k, _))) if *k == key);
            if same {
                let item = src.next();
                if i == winner {
                    out = item;
                }
            }
        }
        out
    }
}

impl Iterator for MergeIter<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_entry()? {
                Err(e) => return Some(Err(e)),
                Ok((k, Some(v))) => return Some(Ok((k, v))),
                Ok((_, None)) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(items: &[(&str, Option<&str>)]) -> EntryIter<'static> {
        let v: Vec<_> = items
            .iter()
            .map(|(k, v)| Ok((k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))))
            .collect();
        Box::new(v.into_iter())
    }

    #[test]
    fn newest_wins_and_tombstones_hide() {
        let m = MergeIter::new(vec![
            src(&[("b", None), ("c", Some("c-new"))]),
            src(&[("a", Some("a")), ("b", Some("b-old")), ("c", Some("c-old"))]),
        ]);
        let out: Vec<_> = m.map(|r| r.unwrap()).collect();
        assert_eq!(
            out,
            vec![
                (b"a".to_vec(), b"a".to_vec()),
                (b"c".to_vec(), b"c-new".to_vec())
            ]
        );
    }
}
