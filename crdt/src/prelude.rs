//! Everything an application usually needs: `use crdt_kit::prelude::*;`.

pub use crate::{ActorId, Crdt, DeltaCrdt, Dot, Error, Rga, TextCrdt, VersionVector};
