//! `crdt inspect`.

use std::path::PathBuf;

use crate::error::{Failure, Result};

/// Arguments of `crdt inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database file.
    pub db: PathBuf,
}

/// Runs `crdt inspect`.
pub fn exec(_args: &Args) -> Result<u8> {
    Err(Failure::msg("not implemented"))
}
