//! `crdt verify`.

use std::path::PathBuf;

use crate::error::{Failure, Result};

/// Arguments of `crdt verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
}

/// Runs `crdt verify`.
pub fn exec(_args: &Args) -> Result<u8> {
    Err(Failure::msg("not implemented"))
}
