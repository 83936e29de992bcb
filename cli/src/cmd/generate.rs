//! `crdt generate`.

use std::path::PathBuf;

use crate::error::{Failure, Result};

/// Arguments of `crdt generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
}

/// Runs `crdt generate`.
pub fn exec(_args: &Args) -> Result<u8> {
    Err(Failure::msg("not implemented"))
}
