//! `Rga` (a list of strings) and `TextCrdt` for JavaScript. Positions are JS numbers
//! checked to be non-negative integers; in `TextCrdt` they count Unicode scalar values
//! (what `Array.from(text)` counts), not UTF-16 code units.

use crate::wire::{self, crdt_class};
use crate::Error;
use crdt_kit::{RgaDelta, TextDelta, VersionVector};
use wasm_bindgen::prelude::*;

/// The reads both sequence classes share: `length`, `isEmpty`, `pendingLength`.
macro_rules! sequence_reads {
    ($class:ident, $unit:literal) => {
        #[wasm_bindgen]
        impl $class {
            #[doc = concat!("Number of ", $unit, ".")]
            #[wasm_bindgen(getter)]
            pub fn length(&self) -> f64 {
                wire::to_number(self.inner.len())
            }

            /// True when the sequence is empty.
            #[wasm_bindgen(js_name = isEmpty)]
            pub fn is_empty(&self) -> bool {
                self.inner.is_empty()
            }

            /// Number of received operations waiting for operations they depend on.
            #[wasm_bindgen(getter, js_name = pendingLength)]
            pub fn pending_length(&self) -> f64 {
                wire::to_number(self.inner.pending_len())
            }
        }
    };
}

/// An ordered list of strings (`crdt_kit::Rga<String>`).
#[wasm_bindgen]
pub struct Rga {
    inner: crdt_kit::Rga<String>,
}

#[wasm_bindgen]
impl Rga {
    /// An empty list for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> Rga {
        Rga {
            inner: crdt_kit::Rga::new(actor),
        }
    }

    /// Inserts `value` at `index` (`0..=length`); throws when out of bounds.
    #[wasm_bindgen(js_name = insertAt)]
    pub fn insert_at(&mut self, index: f64, value: String) -> Result<(), Error> {
        Ok(self.inner.insert_at(wire::index(index, "index")?, value)?)
    }

    /// Inserts all `values` at `index` as one run; throws when out of bounds.
    #[wasm_bindgen(js_name = insertAll)]
    pub fn insert_all(&mut self, index: f64, values: Vec<String>) -> Result<(), Error> {
        Ok(self
            .inner
            .insert_all(wire::index(index, "index")?, values)?)
    }

    /// Removes and returns the element at `index`; throws when out of bounds.
    pub fn remove(&mut self, index: f64) -> Result<String, Error> {
        Ok(self.inner.remove(wire::index(index, "index")?)?)
    }

    /// Removes `count` elements from `start`; throws (changing nothing) when the range
    /// passes the end.
    #[wasm_bindgen(js_name = removeRange)]
    pub fn remove_range(&mut self, start: f64, count: f64) -> Result<(), Error> {
        let (start, count) = (wire::index(start, "start")?, wire::index(count, "count")?);
        Ok(self.inner.remove_range(start, count)?)
    }

    /// The element at `index`, or `undefined` past the end.
    pub fn get(&self, index: f64) -> Result<Option<String>, Error> {
        Ok(self.inner.get(wire::index(index, "index")?).cloned())
    }

    /// The elements in order.
    #[wasm_bindgen(js_name = toArray)]
    pub fn to_array(&self) -> Vec<String> {
        self.inner.to_vec()
    }
}

sequence_reads!(Rga, "elements");
crdt_class!(
    Rga,
    crdt_kit::Rga<String>,
    RgaDelta<String>,
    VersionVector,
    "Rga"
);

/// Collaborative text (`crdt_kit::TextCrdt`).
#[wasm_bindgen]
pub struct TextCrdt {
    inner: crdt_kit::TextCrdt,
}

#[wasm_bindgen]
impl TextCrdt {
    /// Empty text for replica `actor`.
    #[wasm_bindgen(constructor)]
    pub fn new(actor: &str) -> TextCrdt {
        TextCrdt {
            inner: crdt_kit::TextCrdt::new(actor),
        }
    }

    /// Inserts one character `ch` at `index`; throws when `ch` is not exactly one
    /// character or `index` is out of bounds.
    pub fn insert(&mut self, index: f64, ch: &str) -> Result<(), Error> {
        let index = wire::index(index, "index")?;
        let mut chars = ch.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(self.inner.insert(index, c)?),
            _ => Err(Error::NotOneChar {
                chars: ch.chars().count(),
            }),
        }
    }

    /// Inserts `text` at `index` as one run; throws when out of bounds.
    #[wasm_bindgen(js_name = insertStr)]
    pub fn insert_str(&mut self, index: f64, text: &str) -> Result<(), Error> {
        Ok(self.inner.insert_str(wire::index(index, "index")?, text)?)
    }

    /// Removes and returns the character at `index`; throws when out of bounds.
    pub fn remove(&mut self, index: f64) -> Result<String, Error> {
        Ok(self.inner.remove(wire::index(index, "index")?)?.to_string())
    }

    /// Removes `count` characters from `start`; throws (changing nothing) when the range
    /// passes the end.
    #[wasm_bindgen(js_name = removeRange)]
    pub fn remove_range(&mut self, start: f64, count: f64) -> Result<(), Error> {
        let (start, count) = (wire::index(start, "start")?, wire::index(count, "count")?);
        Ok(self.inner.remove_range(start, count)?)
    }

    /// Deletes `deleteCount` characters at `pos`, then inserts `insert` there (one edit of
    /// a text field); throws (changing nothing) when the deleted range passes the end.
    pub fn splice(
        &mut self,
        pos: f64,
        #[wasm_bindgen(js_name = "deleteCount")] delete_count: f64,
        insert: &str,
    ) -> Result<(), Error> {
        let pos = wire::index(pos, "pos")?;
        let delete_count = wire::index(delete_count, "deleteCount")?;
        Ok(self.inner.splice(pos, delete_count, insert)?)
    }

    /// The character at `index`, or `undefined` past the end.
    pub fn get(&self, index: f64) -> Result<Option<String>, Error> {
        Ok(self
            .inner
            .get(wire::index(index, "index")?)
            .map(String::from))
    }

    /// The text.
    #[wasm_bindgen(js_name = toString)]
    #[allow(clippy::inherent_to_string)]
    pub fn to_string(&self) -> String {
        self.inner.to_string()
    }
}

sequence_reads!(TextCrdt, "characters (Unicode scalar values)");
crdt_class!(
    TextCrdt,
    crdt_kit::TextCrdt,
    TextDelta,
    VersionVector,
    "TextCrdt"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_edits_sync_and_refuse_bad_positions() {
        let mut laptop = TextCrdt::new("laptop");
        laptop.insert_str(0.0, "offline-first").unwrap();
        let mut phone = laptop.fork("phone");
        laptop.insert_str(0.0, "truly ").unwrap();
        phone.insert(13.0, "!").unwrap();
        phone
            .apply_delta(&laptop.delta_since(&phone.summary().unwrap()).unwrap())
            .unwrap();
        laptop.apply_delta(&phone.delta(&laptop).unwrap()).unwrap();
        assert_eq!(laptop.to_string(), "truly offline-first!");
        assert!(laptop.equals(&phone));

        let err = phone.insert_str(99.0, "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "index 99 is out of bounds for a sequence of length 20"
        );
        assert!(matches!(
            phone.insert(0.0, "ab"),
            Err(Error::NotOneChar { chars: 2 })
        ));
        assert!(matches!(
            phone.remove(-1.0),
            Err(Error::NotAnInteger { .. })
        ));
        assert!(phone.splice(18.0, 5.0, "?").is_err());
        assert_eq!(
            phone.to_string(),
            "truly offline-first!",
            "refused edits change nothing"
        );
        phone.splice(6.0, 7.0, "local").unwrap();
        assert_eq!(
            (phone.to_string(), phone.get(0.0).unwrap()),
            ("truly local-first!".into(), Some("t".into()))
        );
    }

    #[test]
    fn rga_lists_strings() {
        let mut a = Rga::new("a");
        a.insert_all(0.0, vec!["x".into(), "z".into()]).unwrap();
        a.insert_at(1.0, "y".into()).unwrap();
        assert_eq!(a.remove(0.0).unwrap(), "x");
        let b = Rga::decode(&a.encode().unwrap()).unwrap();
        assert_eq!(
            (b.to_array(), b.length()),
            (vec!["y".to_string(), "z".into()], 2.0)
        );
        assert!(a.remove_range(1.0, 2.0).is_err());
        assert_eq!(a.get(5.0).unwrap(), None);
    }
}
