//! `crdt dev-ui`: the web inspector, which arrives in its own issue.

use std::path::PathBuf;

use crate::error::{Failure, Result};

/// Arguments of `crdt dev-ui`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database to inspect.
    pub db: Option<PathBuf>,
    /// Port to listen on.
    #[arg(long, default_value_t = 4242)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
}

/// Checks that DB is a database it could show (`.crdt`, SQLite or redb, opened
/// read-only), then exits 2: the UI itself is not implemented yet.
pub fn exec(args: &Args) -> Result<u8> {
    if let Some(db) = &args.db {
        crate::open::open_read(db)?;
    }
    Err(Failure::msg(
        "not yet available: the dev UI arrives in its own issue",
    ))
}
