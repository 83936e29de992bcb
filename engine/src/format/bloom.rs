//! Bloom filter codec and probe (format-spec/runs.md, "Filter block contents").
//!
//! `hashes u8 ‖ bits_len u32 ‖ bits`; bit positions `(h1 + i*h2) mod nbits` from FNV-1a 64.
//! Invariant (RUN-4): no false negatives.

use super::cursor::{len_u32, put_u32_le, Bad, Cursor};

pub(crate) const BITS_PER_KEY: usize = 10;
pub(crate) const HASHES: u8 = 7;

fn fnv1a64(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The hash a filter probes with; computed once per lookup and shared by every run's
/// filter ([`Bloom::may_contain_hash`]).
pub(crate) fn key_hash(key: &[u8]) -> u64 {
    fnv1a64(key)
}

fn positions(key: &[u8], hashes: u8, nbits: u32) -> impl Iterator<Item = u32> {
    positions_of(fnv1a64(key), hashes, nbits)
}

fn positions_of(h: u64, hashes: u8, nbits: u32) -> impl Iterator<Item = u32> {
    let h1 = h as u32; // low half by definition (format-spec)
    let h2 = (h >> 32) as u32;
    (0..u32::from(hashes)).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) % nbits)
}

/// Builds a filter for a number of keys known in advance (or an upper bound of it: more
/// bits than needed only lower the false-positive rate). Memory: the final bit array.
#[derive(Debug)]
pub(crate) struct BloomBuilder {
    bits: Vec<u8>,
    nbits: u32,
}

impl BloomBuilder {
    pub(crate) fn new(expected_keys: usize) -> BloomBuilder {
        let bytes = expected_keys
            .saturating_mul(BITS_PER_KEY)
            .div_ceil(8)
            .clamp(8, (u32::MAX / 8) as usize);
        BloomBuilder {
            bits: vec![0u8; bytes],
            nbits: len_u32(bytes).saturating_mul(8),
        }
    }

    pub(crate) fn add(&mut self, key: &[u8]) {
        for p in positions(key, HASHES, self.nbits) {
            if let Some(byte) = self.bits.get_mut((p / 8) as usize) {
                *byte |= 1 << (p % 8);
            }
        }
    }

    /// The filter block contents.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + self.bits.len());
        out.push(HASHES);
        put_u32_le(&mut out, len_u32(self.bits.len()));
        out.extend_from_slice(&self.bits);
        out
    }
}

/// Build the filter block contents for `keys`.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn build<'a>(keys: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut b = BloomBuilder::new(keys.len());
    for k in keys {
        b.add(k);
    }
    b.finish()
}

/// A decoded filter.
#[derive(Debug, Clone)]
pub(crate) struct Bloom {
    hashes: u8,
    bits: Vec<u8>,
    nbits: u32,
    /// `ceil(2^64 / nbits)`, for [`fast_mod`].
    magic: u64,
}

/// `a % d` for the `magic = ceil(2^64 / d)` of `d`, by two multiplications instead of a
/// division (Lemire, Kaser, Kurz: "Faster remainder by direct computation", 2019; exact
/// for every 32-bit `a` and `d > 0`). A filter probe computes seven remainders.
fn fast_mod(a: u32, d: u32, magic: u64) -> u32 {
    let low = magic.wrapping_mul(u64::from(a));
    ((u128::from(low) * u128::from(d)) >> 64) as u32
}

/// The `magic` of [`fast_mod`] for `d > 1`.
fn fast_mod_magic(d: u32) -> u64 {
    (u64::MAX / u64::from(d.max(2))).wrapping_add(1)
}

impl Bloom {
    pub(crate) fn decode(raw: &[u8]) -> Result<Bloom, Bad> {
        let mut c = Cursor::new(raw, "filter block");
        let hashes = c.u8()?;
        let len = c.u32_le()? as usize;
        let bits = c.bytes(len)?.to_vec();
        if hashes == 0 || bits.is_empty() || !c.is_empty() || len > (u32::MAX / 8) as usize {
            return Err(c.bad("empty or malformed filter"));
        }
        // At least 8 bits (one byte), so the magic is defined.
        let nbits = len_u32(bits.len()).saturating_mul(8);
        Ok(Bloom {
            hashes,
            bits,
            nbits,
            magic: fast_mod_magic(nbits),
        })
    }

    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn may_contain(&self, key: &[u8]) -> bool {
        self.may_contain_hash(key_hash(key))
    }

    /// [`Bloom::may_contain`] for a key whose [`key_hash`] is `h`: the positions of
    /// [`positions_of`], with the remainder computed by [`fast_mod`].
    pub(crate) fn may_contain_hash(&self, h: u64) -> bool {
        let h1 = h as u32;
        let h2 = (h >> 32) as u32;
        (0..u32::from(self.hashes)).all(|i| {
            let p = fast_mod(h1.wrapping_add(i.wrapping_mul(h2)), self.nbits, self.magic);
            self.bits
                .get((p / 8) as usize)
                .is_some_and(|b| b & (1 << (p % 8)) != 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_mod_is_the_remainder() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let edges = [
            8u32,
            9,
            16,
            1000,
            1 << 20,
            (1 << 31) - 1,
            1 << 31,
            u32::MAX - 7,
        ];
        let random: Vec<u32> = (0..200).map(|_| (next() as u32).max(8)).collect();
        for d in edges.into_iter().chain(random) {
            let m = fast_mod_magic(d);
            for a in [0u32, 1, d - 1, d, d.wrapping_add(1), u32::MAX, u32::MAX - 1] {
                assert_eq!(fast_mod(a, d, m), a % d, "{a} % {d}");
            }
            for _ in 0..200 {
                let a = next() as u32;
                assert_eq!(fast_mod(a, d, m), a % d, "{a} % {d}");
            }
        }
    }

    #[test]
    fn probe_positions_match_the_builder() {
        // The reader's positions (fast_mod) are the format's (positions_of, `%`): a filter
        // of an odd size, so no power of two hides a difference.
        let mut b = BloomBuilder::new(777);
        for i in 0..777u32 {
            b.add(&i.to_le_bytes());
        }
        let f = Bloom::decode(&b.finish()).unwrap();
        for i in 0..20_000u32 {
            let k = i.to_le_bytes();
            let by_spec = positions(&k, f.hashes, f.nbits).all(|p| {
                f.bits
                    .get((p / 8) as usize)
                    .is_some_and(|b| b & (1 << (p % 8)) != 0)
            });
            assert_eq!(f.may_contain(&k), by_spec, "key {i}");
        }
    }

    #[test]
    fn run_4_no_false_negatives_few_false_positives() {
        let keys: Vec<Vec<u8>> = (0..1000u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let raw = build(keys.iter().map(Vec::as_slice));
        let b = Bloom::decode(&raw).unwrap();
        assert!(keys.iter().all(|k| b.may_contain(k)));
        let fp = (1000..11_000u32)
            .filter(|i| b.may_contain(&i.to_be_bytes()))
            .count();
        assert!(fp < 300, "false positive rate too high: {fp}/10000");
        assert!(Bloom::decode(&[0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Bloom::decode(&[7, 0, 0, 0, 0]).is_err());
    }
}
