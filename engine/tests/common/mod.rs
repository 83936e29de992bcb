//! Shared test helpers.
#![allow(dead_code)]

pub mod dump;
pub mod golden;
pub mod suite;

/// proptest config: 1,000 cases unless `CRDT_PROPTEST_CASES` says otherwise.
pub fn config() -> proptest::test_runner::Config {
    let cases = std::env::var("CRDT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    proptest::test_runner::Config {
        cases,
        ..proptest::test_runner::Config::default()
    }
}

/// `len` incompressible bytes (xorshift) from `seed`: stored sizes then reflect the data.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
