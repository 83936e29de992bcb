//! Shared test helpers.
#![allow(dead_code)]

pub mod campaign;
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
