//! The multi-value register, [`MVRegister`], and its delta, [`MVRegisterDelta`].
//!
//! Each write gets a fresh dot `(own actor, next counter)` and replaces every value the
//! writer has seen. Writes that did not see each other are concurrent, and all their
//! values are kept until a later write (that has seen them all) resolves the conflict.
//!
//! State: the live `(dot, value)` pairs, sorted by dot, and a [`DotSet`] context of every
//! write seen. Join: a pair survives when both sides hold it, or one side holds it and the
//! other side has never seen its dot (a seen-but-absent dot was overwritten there).
//!
//! Invariants ([`MVRegister::check_invariants`], also checked on decode): pairs strictly
//! sorted by dot (so no dot twice) and every dot in the context.
//!
//! Sync: the summary is the context. A delta carries the pairs whose dots the peer has
//! not seen, and claims every dot of our context except the live ones the peer has seen,
//! so it conveys overwrites without ever deleting a value the sender still holds.

use crate::dot_map::{context_minus, Clock};
use crate::{ActorId, Crdt, DeltaCrdt, Dot, DotSet, Error};
use alloc::format;
use alloc::vec::Vec;
use core::mem;

/// A register that keeps every concurrently written value.
///
/// `PartialEq` compares replicated state (values, their dots, the context), not the
/// local actor id.
///
/// ```
/// use crdt_kit::prelude::*;
///
/// let mut phone = MVRegister::new("phone");
/// phone.set("draft");
/// let mut laptop = phone.fork("laptop");
/// phone.set("blue");
/// laptop.set("red");
///
/// phone.apply_delta(&laptop.delta_since(&phone.summary()));
/// assert!(phone.is_conflicted());
/// assert_eq!(phone.values(), [&"red", &"blue"]); // by dot: actor, then counter
///
/// phone.set("purple"); // has seen both: resolves the conflict
/// laptop.merge(&phone);
/// assert_eq!(laptop.values(), [&"purple"]);
/// ```
#[derive(Clone, Debug)]
pub struct MVRegister<T> {
    values: Vec<(Dot, T)>,
    ctx: DotSet,
    clock: Clock,
}

/// A delta of an [`MVRegister`]: new values and the overwritten dots. Deltas join like
/// states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MVRegisterDelta<T> {
    values: Vec<(Dot, T)>,
    ctx: DotSet,
}

impl<T: Clone> MVRegister<T> {
    /// An unset register for the replica `actor`.
    pub fn new(actor: impl Into<ActorId>) -> Self {
        let ctx = DotSet::new();
        MVRegister {
            clock: Clock::new(actor.into(), &ctx),
            values: Vec::new(),
            ctx,
        }
    }

    /// A copy of this replica's state for a new replica `actor` (which must not be in use
    /// elsewhere).
    pub fn fork(&self, actor: impl Into<ActorId>) -> Self {
        MVRegister {
            clock: Clock::new(actor.into(), &self.ctx),
            values: self.values.clone(),
            ctx: self.ctx.clone(),
        }
    }

    /// This replica's actor id.
    pub fn actor(&self) -> &ActorId {
        &self.clock.actor
    }

    /// Writes `value`, replacing every value this replica has seen. Does nothing if the
    /// replica's counter is exhausted (see [`try_set`](MVRegister::try_set)).
    pub fn set(&mut self, value: T) {
        // The only error is an exhausted counter, documented above.
        let _ = self.try_set(value);
    }

    /// [`set`](MVRegister::set), reporting [`Error::CounterExhausted`] when this actor has
    /// used all 2^64 counters.
    pub fn try_set(&mut self, value: T) -> Result<(), Error> {
        let dot = self.clock.tick(&mut self.ctx)?;
        self.values.clear();
        self.values.push((dot, value));
        Ok(())
    }

    /// The current values, ordered by their dots (actor, then counter): one value
    /// normally, several after concurrent writes, none before the first write.
    pub fn values(&self) -> Vec<&T> {
        self.values.iter().map(|(_, v)| v).collect()
    }

    /// The current values with the dots of the writes that made them.
    pub fn entries(&self) -> impl Iterator<Item = (&Dot, &T)> + '_ {
        self.values.iter().map(|(d, v)| (d, v))
    }

    /// True when concurrent writes left more than one value.
    pub fn is_conflicted(&self) -> bool {
        self.values.len() > 1
    }

    /// True before the first write (seen by this replica).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The causal context: every write this replica has seen.
    pub fn context(&self) -> &DotSet {
        &self.ctx
    }

    /// Checks the invariants: values strictly sorted by dot (so no dot twice) and every dot
    /// in the context.
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_parts(&self.values, &self.ctx)
    }
}

fn check_parts<T>(values: &[(Dot, T)], ctx: &DotSet) -> Result<(), Error> {
    ctx.check_invariants()?;
    if values.windows(2).any(|w| matches!(w, [a, b] if a.0 >= b.0)) {
        return Err(Error::InvalidState(
            "register values not strictly sorted by dot".into(),
        ));
    }
    match values.iter().find(|(d, _)| !ctx.contains(d)) {
        Some((d, _)) => Err(Error::InvalidState(format!(
            "register value dot ({:?}, {}) is missing from the causal context",
            d.actor, d.counter
        ))),
        None => Ok(()),
    }
}

/// The join of two (values, context) pairs, into `values`; `ctx` is not updated.
fn join_values<T: Clone>(
    values: &mut Vec<(Dot, T)>,
    ctx: &DotSet,
    other: &[(Dot, T)],
    other_ctx: &DotSet,
) {
    let mine = mem::take(values);
    let mut out = Vec::with_capacity(mine.len() + other.len());
    let mut theirs = other.iter().peekable();
    for (d, v) in mine {
        while let Some((od, ov)) = theirs.next_if(|(od, _)| *od < d) {
            if !ctx.contains(od) {
                out.push((od.clone(), ov.clone()));
            }
        }
        if theirs.next_if(|(od, _)| *od == d).is_some() || !other_ctx.contains(&d) {
            out.push((d, v));
        }
    }
    out.extend(theirs.filter(|(od, _)| !ctx.contains(od)).cloned());
    *values = out;
}

impl<T: Clone> MVRegisterDelta<T> {
    /// True when the delta carries nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.ctx.is_empty()
    }

    /// Checks the same invariants as [`MVRegister::check_invariants`].
    pub fn check_invariants(&self) -> Result<(), Error> {
        check_parts(&self.values, &self.ctx)
    }
}

impl<T: PartialEq> PartialEq for MVRegister<T> {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values && self.ctx == other.ctx
    }
}
impl<T: Eq> Eq for MVRegister<T> {}

impl<T: Clone> Crdt for MVRegister<T> {
    fn merge(&mut self, other: &Self) {
        join_values(&mut self.values, &self.ctx, &other.values, &other.ctx);
        self.ctx.union(&other.ctx);
        self.clock.sync(&self.ctx);
    }
}

impl<T: Clone> Crdt for MVRegisterDelta<T> {
    fn merge(&mut self, other: &Self) {
        join_values(&mut self.values, &self.ctx, &other.values, &other.ctx);
        self.ctx.union(&other.ctx);
    }
}

impl<T: Clone> DeltaCrdt for MVRegister<T> {
    type Delta = MVRegisterDelta<T>;
    type Summary = DotSet;

    fn apply_delta(&mut self, delta: &MVRegisterDelta<T>) {
        join_values(&mut self.values, &self.ctx, &delta.values, &delta.ctx);
        self.ctx.union(&delta.ctx);
        self.clock.sync(&self.ctx);
    }

    fn summary(&self) -> DotSet {
        self.ctx.clone()
    }

    fn delta_since(&self, summary: &DotSet) -> MVRegisterDelta<T> {
        let (seen, fresh): (Vec<_>, Vec<_>) =
            self.values.iter().partition(|(d, _)| summary.contains(d));
        let mut known: Vec<&Dot> = seen.into_iter().map(|(d, _)| d).collect();
        MVRegisterDelta {
            values: fresh.into_iter().cloned().collect(),
            ctx: context_minus(&self.ctx, &mut known),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Wire form: `(actor, values, context)` for a register, `(values, context)` for a
    //! delta; values are `(dot, value)` pairs in ascending dot order.
    use super::{check_parts, Clock, MVRegister, MVRegisterDelta};
    use crate::serde_util::SeqNoPrealloc;
    use crate::{ActorId, Dot, DotSet};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Serialize> Serialize for MVRegister<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            (&self.clock.actor, &self.values, &self.ctx).serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Clone> Deserialize<'de> for MVRegister<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (actor, values, ctx) =
                <(ActorId, SeqNoPrealloc<(Dot, T)>, DotSet)>::deserialize(d)?;
            check_parts(&values.0, &ctx).map_err(D::Error::custom)?;
            Ok(MVRegister {
                clock: Clock::new(actor, &ctx),
                values: values.0,
                ctx,
            })
        }
    }

    impl<T: Serialize> Serialize for MVRegisterDelta<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            (&self.values, &self.ctx).serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de> + Clone> Deserialize<'de> for MVRegisterDelta<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (values, ctx) = <(SeqNoPrealloc<(Dot, T)>, DotSet)>::deserialize(d)?;
            check_parts(&values.0, &ctx).map_err(D::Error::custom)?;
            Ok(MVRegisterDelta {
                values: values.0,
                ctx,
            })
        }
    }
}
