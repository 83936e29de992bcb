//! CRDT benchmarks: the seed's table ([`seed`]), crdt-kit on the traces ([`kit`]), and the
//! peers through their public APIs ([`peers`]), all behind one [`TextEngine`] interface so
//! the criterion benches and `crdt-compare` measure the same code.

pub mod kit;
pub mod peers;
pub mod seed;

use crate::traces::SeqTrace;

/// A text CRDT library driven through its public API.
pub trait TextEngine {
    /// Name shown in tables and criterion ids.
    const NAME: &'static str;
    /// The document type.
    type Doc;

    /// Applies every patch of the trace, in order, to a new document.
    fn apply(trace: &SeqTrace) -> Result<Self::Doc, String>;
    /// The document's text.
    fn content(doc: &Self::Doc) -> String;
    /// The document's whole state as bytes (the library's own snapshot format).
    fn encode(doc: &mut Self::Doc) -> Result<Vec<u8>, String>;
    /// Loads a document from [`TextEngine::encode`]'s bytes.
    fn decode(bytes: &[u8]) -> Result<Self::Doc, String>;
}

/// Applies the trace and checks the result against `endContent`.
pub fn apply_checked<E: TextEngine>(trace: &SeqTrace) -> Result<E::Doc, String> {
    let doc = E::apply(trace)?;
    check(E::NAME, &trace.name, &E::content(&doc), &trace.end_content)?;
    Ok(doc)
}

/// `Err` naming the engine, trace and first differing char when `got != want`.
pub fn check(engine: &str, trace: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let at = got
        .chars()
        .zip(want.chars())
        .take_while(|(a, b)| a == b)
        .count();
    Err(format!(
        "{engine} on {trace}: result differs from endContent at char {at} (got {} chars, want {})",
        got.chars().count(),
        want.chars().count()
    ))
}

/// A small deterministic generator (SplitMix64), so inputs are seeded without a dependency.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}
