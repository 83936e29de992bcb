//! The sync message of a sequence: operations named by replica-independent ids.
//!
//! A [`Delta`] lists op runs in a self-contained form: actors are named by an index into
//! the delta's own actor table, insert runs carry their origins and their elements (all
//! elements of all insert runs, in op order, concatenated in `content`), delete runs carry
//! their target id ranges. The same format is the body of an encoded sequence state
//! (all ops since the empty version vector).
//!
//! Structural validity (checked on decode and before applying): actor indices are in
//! range, counters are >= 1 and do not overflow, lengths are >= 1, targets sum to the
//! delete's length, and `content` holds exactly the inserted element count.

use super::content::Content;
use crate::{ActorId, Error};
use alloc::format;
use alloc::vec::Vec;

/// An id in a delta: (index into the delta's actor table, counter).
pub(crate) type WireId = (u32, u64);

/// One op run of a delta.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum WireOp {
    /// `len` elements with counters `start..`, the next `len` elements of `content`.
    Insert {
        actor: u32,
        start: u64,
        len: u64,
        left: Option<WireId>,
        right: Option<WireId>,
    },
    /// `len` deletes with counters `start..`, of the elements in `targets`
    /// (`(actor, counter, len, reversed)` ranges; see `log::Target`).
    Delete {
        actor: u32,
        start: u64,
        len: u64,
        targets: Vec<(u32, u64, u64, bool)>,
    },
}

/// Operations of a sequence in transit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Delta<C> {
    pub actors: Vec<ActorId>,
    pub ops: Vec<WireOp>,
    pub content: C,
}

impl WireOp {
    /// `(actor, start, len)` of the op.
    pub fn head(&self) -> (u32, u64, u64) {
        match self {
            WireOp::Insert {
                actor, start, len, ..
            }
            | WireOp::Delete {
                actor, start, len, ..
            } => (*actor, *start, *len),
        }
    }
}

impl<C: Content> Default for Delta<C> {
    fn default() -> Self {
        Delta {
            actors: Vec::new(),
            ops: Vec::new(),
            content: C::default(),
        }
    }
}

impl<C: Content> Delta<C> {
    /// True when the delta carries no op.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Checks the structure (see the module docs).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |why: &str| Err(Error::InvalidState(format!("sequence delta: {why}")));
        let n = self.actors.len() as u64;
        let ok_id = |a: u32, c: u64| u64::from(a) < n && c >= 1;
        let mut inserted: u64 = 0;
        for op in &self.ops {
            match op {
                WireOp::Insert {
                    actor,
                    start,
                    len,
                    left,
                    right,
                } => {
                    if !ok_id(*actor, *start) || *len == 0 || start.checked_add(*len).is_none() {
                        return bad("insert run with a bad actor, counter or length");
                    }
                    if [left, right]
                        .into_iter()
                        .flatten()
                        .any(|&(a, c)| !ok_id(a, c))
                    {
                        return bad("origin with a bad actor or counter");
                    }
                    inserted = match inserted.checked_add(*len) {
                        Some(v) => v,
                        None => return bad("too many inserted elements"),
                    };
                }
                WireOp::Delete {
                    actor,
                    start,
                    len,
                    targets,
                } => {
                    if !ok_id(*actor, *start) || *len == 0 || start.checked_add(*len).is_none() {
                        return bad("delete run with a bad actor, counter or length");
                    }
                    let mut sum: u64 = 0;
                    for &(a, c, l, _) in targets {
                        if !ok_id(a, c) || l == 0 || c.checked_add(l).is_none() {
                            return bad("delete target with a bad actor, counter or length");
                        }
                        sum = sum.saturating_add(l);
                    }
                    if sum != *len {
                        return bad("delete targets do not add up to its length");
                    }
                }
            }
        }
        if inserted != self.content.count() {
            return bad("content does not hold exactly the inserted elements");
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{Content, Delta, WireOp};
    use crate::ActorId;
    use alloc::vec::Vec;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct RawRef<'a, C> {
        actors: &'a [ActorId],
        ops: &'a [WireOp],
        content: &'a C,
    }

    #[derive(Deserialize)]
    struct Raw<C> {
        actors: Vec<ActorId>,
        ops: Vec<WireOp>,
        content: C,
    }

    impl<C: Serialize> Serialize for Delta<C> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            RawRef {
                actors: &self.actors,
                ops: &self.ops,
                content: &self.content,
            }
            .serialize(s)
        }
    }

    impl<'de, C: Content + Deserialize<'de>> Deserialize<'de> for Delta<C> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = Raw::<C>::deserialize(d)?;
            let delta = Delta {
                actors: raw.actors,
                ops: raw.ops,
                content: raw.content,
            };
            delta.validate().map_err(serde::de::Error::custom)?;
            Ok(delta)
        }
    }
}
