//! Everything an application usually needs: `use crdt_kit::prelude::*;`.

pub use crate::{ActorId, Crdt, DeltaCrdt, Dot, Error, Rga, TextCrdt, VersionVector};
pub use crate::{ActorId, Crdt, DeltaCrdt, Dot, Error, VersionVector};
pub use crate::{
    DotSet, GSet, GSetDelta, MVRegister, MVRegisterDelta, ORSet, ORSetDelta, TwoPSet, TwoPSetDelta,
};
pub use crate::{GCounter, HybridClock, HybridTimestamp, LWWRegister, PNCounter};
