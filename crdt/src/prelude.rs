//! Everything an application usually needs: `use crdt_kit::prelude::*;`.

pub use crate::{
    ActorId, Crdt, DeltaCrdt, Dot, DotSet, Error, GCounter, GSet, HybridClock, HybridTimestamp,
    LWWRegister, MVRegister, ORSet, PNCounter, Rga, TextCrdt, TwoPSet, VersionVector,
};
