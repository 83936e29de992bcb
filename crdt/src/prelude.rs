//! Everything an application usually needs: `use crdt_kit::prelude::*;`.

pub use crate::{
    ActorId, Crdt, DeltaCrdt, Dot, DotSet, Error, GCounter, GCounterDelta, GSet, GSetDelta,
    HybridClock, HybridTimestamp, LWWRegister, MVRegister, MVRegisterDelta, ORSet, ORSetDelta,
    PNCounter, PNCounterDelta, Rga, RgaDelta, TextCrdt, TextDelta, TwoPSet, TwoPSetDelta,
    VersionVector,
};
