//! Encoding of a whole sequence state (serde feature).
//!
//! Layout: `{ actor, ops, pending }` where `ops` is the [`Delta`] of every integrated op
//! (runs, not elements: a typed paragraph is one insert run) and `pending` the ops still
//! waiting for dependencies. The tree and index are not stored: decoding rebuilds them by
//! integrating `ops`, which is also the validation. Every op must integrate (a reference
//! to a missing id, a gap in an actor's counters, a bad length or a count that does not
//! match the content is an error), and the rebuilt state must pass
//! [`Seq::check`](super::core::Seq::check).

use super::content::Content;
use super::core::Seq;
use super::delta::Delta;
use crate::ActorId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize)]
struct RawRef<'a, C> {
    actor: &'a ActorId,
    ops: &'a Delta<C>,
    pending: &'a Delta<C>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "C: Content + Deserialize<'de>"))]
struct Raw<C> {
    actor: ActorId,
    ops: Delta<C>,
    pending: Delta<C>,
}

impl<C: Content + Serialize> Serialize for Seq<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ops = self.delta_since(&crate::VersionVector::new());
        let pending = self.pending_delta();
        RawRef {
            actor: self.actor(),
            ops: &ops,
            pending: &pending,
        }
        .serialize(s)
    }
}

impl<'de, C: Content + Deserialize<'de>> Deserialize<'de> for Seq<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let raw = Raw::<C>::deserialize(d)?;
        let mut seq = Seq::new(raw.actor);
        if seq.apply_delta(&raw.ops) > 0 || seq.pending_len() > 0 {
            return Err(D::Error::custom("sequence state: an op does not integrate"));
        }
        if seq.apply_delta(&raw.pending) > 0 {
            return Err(D::Error::custom("sequence state: an invalid pending op"));
        }
        seq.check().map_err(D::Error::custom)?;
        Ok(seq)
    }
}
