//! What the probes (`read_probe`, `size_probe`) share: the benchmark's data generator.

/// xorshift64*, seeded like `benches/`' data.
pub struct Rng(pub u64);

impl Rng {
    /// The benchmark's seed.
    pub fn seeded() -> Rng {
        Rng(0x005E_ED0F_C4D7 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` random 24-byte keys (hex).
    pub fn keys(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| format!("{:016x}{:08x}", self.next_u64(), self.next_u64() as u32))
            .collect()
    }

    /// A random 150-byte value.
    pub fn value(&mut self) -> Vec<u8> {
        (0..150).map(|_| self.next_u64() as u8).collect()
    }
}
