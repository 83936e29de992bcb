//! Shared helpers of the property tests.
#![allow(dead_code)]

use proptest::test_runner::Config;

/// Cases per property: 1,000 by default, `CRDT_PROPTEST_CASES=N` for longer runs.
pub fn cases() -> u32 {
    std::env::var("CRDT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// The proptest configuration every CRDT law test uses.
pub fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Encodes with postcard, the crate family's wire format.
#[cfg(feature = "serde")]
pub fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("encoding into a Vec cannot fail")
}

/// Decodes with postcard.
#[cfg(feature = "serde")]
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, postcard::Error> {
    postcard::from_bytes(bytes)
}
