//! Bloom filter codec and probe (format-spec/runs.md, "Filter block contents").
//!
//! `hashes u8 ‖ bits_len u32 ‖ bits`, from FNV-1a 64. Run version 1: bit positions
//! `(h1 + i*h2) mod nbits` over the whole array. Run version 2 (*blocked*): every position
//! of a key lies in one 512-bit block (one cache line), so a probe reads one line.
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

/// Bytes of one block of a blocked (run version 2) filter: 512 bits, one cache line.
pub(crate) const BLOCK_BYTES: usize = 64;

/// The positions of a key of hash `h` in a blocked filter of `nblocks` blocks (RUN-4,
/// format-spec/runs.md): the block `(h1 * nblocks) >> 32`, and in it the bits
/// `(a + i * d) mod 512` with `a = h >> 32` and the odd step `d = (h >> 41) | 1` (so the
/// positions of one key are distinct). Returns the block's first byte and the positions.
fn blocked_positions(h: u64, hashes: u8, nblocks: u32) -> (usize, impl Iterator<Item = u32>) {
    let block = ((u64::from(h as u32) * u64::from(nblocks)) >> 32) as usize;
    let a = (h >> 32) as u32;
    let d = ((h >> 41) as u32) | 1;
    let bits = (0..u32::from(hashes)).map(move |i| a.wrapping_add(i.wrapping_mul(d)) & 511);
    (block * BLOCK_BYTES, bits)
}

/// Builds a filter for a number of keys known in advance (or an upper bound of it: more
/// bits than needed only lower the false-positive rate). Memory: the final bit array.
#[derive(Debug)]
pub(crate) struct BloomBuilder {
    bits: Vec<u8>,
    nbits: u32,
    /// Blocked layout (run version 2).
    blocked: bool,
}

impl BloomBuilder {
    /// A filter of run version 1 (bits spread over the whole array).
    pub(crate) fn new(expected_keys: usize) -> BloomBuilder {
        Self::for_version(expected_keys, 1)
    }

    /// A filter of run version `version`: 1, or 2 (blocked; its size a whole number of
    /// 64-byte blocks).
    pub(crate) fn for_version(expected_keys: usize, version: u8) -> BloomBuilder {
        let bytes = expected_keys.saturating_mul(BITS_PER_KEY).div_ceil(8);
        let blocked = version >= 2;
        let bytes = if blocked {
            let max = (u32::MAX / 8) as usize / BLOCK_BYTES * BLOCK_BYTES;
            bytes.next_multiple_of(BLOCK_BYTES).clamp(BLOCK_BYTES, max)
        } else {
            bytes.clamp(8, (u32::MAX / 8) as usize)
        };
        BloomBuilder {
            bits: vec![0u8; bytes],
            nbits: len_u32(bytes).saturating_mul(8),
            blocked,
        }
    }

    pub(crate) fn add(&mut self, key: &[u8]) {
        if self.blocked {
            let nblocks = len_u32(self.bits.len() / BLOCK_BYTES);
            let (base, bits) = blocked_positions(fnv1a64(key), HASHES, nblocks);
            for p in bits {
                if let Some(byte) = self.bits.get_mut(base + (p / 8) as usize) {
                    *byte |= 1 << (p % 8);
                }
            }
            return;
        }
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

/// Build the filter block contents of run version `version` for `keys`.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn build_version<'a>(
    keys: impl ExactSizeIterator<Item = &'a [u8]>,
    version: u8,
) -> Vec<u8> {
    let mut b = BloomBuilder::for_version(keys.len(), version);
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
    /// Blocks of a blocked (run version 2) filter; 0 for a version 1 filter.
    nblocks: u32,
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
    /// Decode the filter of a run of version `version` (RUN-4: a blocked filter's
    /// `bits_len` is a non-zero multiple of 64).
    pub(crate) fn decode_version(raw: &[u8], version: u8) -> Result<Bloom, Bad> {
        let mut c = Cursor::new(raw, "filter block");
        let hashes = c.u8()?;
        let len = c.u32_le()? as usize;
        let bits = c.bytes(len)?.to_vec();
        if hashes == 0 || bits.is_empty() || !c.is_empty() || len > (u32::MAX / 8) as usize {
            return Err(c.bad("empty or malformed filter"));
        }
        // At least 8 bits (one byte), so the magic is defined.
        let nbits = len_u32(bits.len()).saturating_mul(8);
        let nblocks = if version >= 2 {
            if !len.is_multiple_of(BLOCK_BYTES) {
                return Err(c.bad("blocked filter length is not a multiple of 64"));
            }
            len_u32(len / BLOCK_BYTES)
        } else {
            0
        };
        Ok(Bloom {
            hashes,
            bits,
            nbits,
            magic: fast_mod_magic(nbits),
            nblocks,
        })
    }

    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn may_contain(&self, key: &[u8]) -> bool {
        self.may_contain_hash(key_hash(key))
    }

    /// [`Bloom::may_contain`] for a key whose [`key_hash`] is `h`: the positions of
    /// [`positions_of`], with the remainder computed by [`fast_mod`].
    pub(crate) fn may_contain_hash(&self, h: u64) -> bool {
        if self.nblocks > 0 {
            let (base, mut bits) = blocked_positions(h, self.hashes, self.nblocks);
            let Some(block) = self.bits.get(base..base + BLOCK_BYTES) else {
                return true;
            };
            return bits.all(|p| {
                block
                    .get((p / 8) as usize)
                    .is_some_and(|b| b & (1 << (p % 8)) != 0)
            });
        }
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
        let f = Bloom::decode_version(&b.finish(), 1).unwrap();
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

    /// Test vector of the blocked filter (format-spec/runs.md): the positions of one key.
    #[test]
    fn run_4_blocked_filter_positions() {
        let key = [1u8, 0, 1, 0x73, 0x6b];
        let h = fnv1a64(&key);
        let (base, bits) = blocked_positions(h, 7, 1);
        assert_eq!(base, 0);
        let bits: Vec<u32> = bits.collect();
        let (a, d) = ((h >> 32) as u32, ((h >> 41) as u32) | 1);
        assert_eq!(bits[0], a & 511);
        assert_eq!(bits[6], a.wrapping_add(6 * d) & 511);
        let mut sorted = bits.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 7, "distinct positions");
        // The filter of the worked example: one block, exactly these 7 bits set.
        let raw = build_version(std::iter::once(&key[..]), 2);
        assert_eq!(&raw[..5], &[7, 64, 0, 0, 0]);
        assert_eq!(raw.len(), 5 + 64);
        let set: u32 = raw[5..].iter().map(|b| b.count_ones()).sum();
        assert_eq!(set, 7);
        for p in &bits {
            assert_ne!(raw[5 + (*p / 8) as usize] & (1 << (p % 8)), 0);
        }
        assert_eq!(
            format!("{:016x}", h),
            EXAMPLE_HASH,
            "the spec's worked example"
        );
        assert_eq!(bits, EXAMPLE_BITS);
    }

    /// FNV-1a 64 of the worked example's key and its blocked positions (runs.md).
    const EXAMPLE_HASH: &str = "e0e340aeacea4fbd";
    const EXAMPLE_BITS: [u32; 7] = [174, 79, 496, 401, 306, 211, 116];

    #[test]
    fn run_4_blocked_no_false_negatives_few_false_positives() {
        for n in [1usize, 10, 1000, 20_000] {
            let keys: Vec<Vec<u8>> = (0..n as u32).map(|i| i.to_be_bytes().to_vec()).collect();
            let raw = build_version(keys.iter().map(Vec::as_slice), 2);
            let b = Bloom::decode_version(&raw, 2).unwrap();
            assert_eq!(b.bits.len() % BLOCK_BYTES, 0);
            assert!(keys.iter().all(|k| b.may_contain(k)), "{n}");
            let probes = 20_000u32;
            let fp = (0..probes)
                .filter(|i| b.may_contain(&(i + 1_000_000).to_be_bytes()))
                .count();
            // 10 bits per key, 7 hashes in 512-bit blocks: about 1% (0.8% unblocked).
            assert!(n < 1000 || fp < 400, "{n}: {fp}/{probes} false positives");
        }
        // Not a multiple of 64 bytes: corrupt for a version 2 run, fine for version 1.
        let mut odd = vec![7u8, 65, 0, 0, 0];
        odd.extend([0xffu8; 65]);
        assert!(Bloom::decode_version(&odd, 2).is_err());
        assert!(Bloom::decode_version(&odd, 1).is_ok());
        assert!(Bloom::decode_version(&[7, 0, 0, 0, 0], 2).is_err());
    }

    #[test]
    fn run_4_no_false_negatives_few_false_positives() {
        let keys: Vec<Vec<u8>> = (0..1000u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let raw = build_version(keys.iter().map(Vec::as_slice), 1);
        let b = Bloom::decode_version(&raw, 1).unwrap();
        assert!(keys.iter().all(|k| b.may_contain(k)));
        let fp = (1000..11_000u32)
            .filter(|i| b.may_contain(&i.to_be_bytes()))
            .count();
        assert!(fp < 300, "false positive rate too high: {fp}/10000");
        assert!(Bloom::decode_version(&[0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1).is_err());
        assert!(Bloom::decode_version(&[7, 0, 0, 0, 0], 1).is_err());
    }
}
