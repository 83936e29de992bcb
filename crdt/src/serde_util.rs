//! Decoding helpers shared by the types' `Deserialize` impls.
//!
//! Both read a length-prefixed collection without trusting the length: nothing is
//! allocated ahead of the items actually decoded, so a hostile length field costs
//! nothing. [`StrictMap`] also rejects keys that are not strictly ascending, so every
//! decoded map is in the canonical order its encoder wrote.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A sequence decoded without preallocating from its length field.
pub(crate) struct SeqNoPrealloc<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for SeqNoPrealloc<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = SeqNoPrealloc<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(SeqNoPrealloc(out))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// A map whose keys must arrive in strictly ascending order.
pub(crate) struct StrictMap<K, V>(pub(crate) BTreeMap<K, V>);

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for StrictMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Vis<K, V> {
            type Value = StrictMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with strictly ascending keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: BTreeMap<K, V> = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<K, V>()? {
                    if out.last_key_value().is_some_and(|(last, _)| *last >= k) {
                        return Err(de::Error::custom("map keys are not strictly ascending"));
                    }
                    out.insert(k, v);
                }
                Ok(StrictMap(out))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}
