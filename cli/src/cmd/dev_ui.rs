//! `crdt dev-ui DB`: the web inspector (crate `crdt-dev-ui`), served on 127.0.0.1 until
//! Ctrl-C. The database is opened read-only for every request, so the pages show what an
//! app that holds the file open has committed.

use std::path::PathBuf;

use crate::error::{Failure, Result};

/// Arguments of `crdt dev-ui`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt dev-ui app.crdt                 # http://127.0.0.1:4242/\n  crdt dev-ui app.crdt --port 0        # any free port (printed)\n  crdt dev-ui app.crdt --bind 0.0.0.0  # reachable from other machines: no authentication\n\nRead-only. JSON under /api/ (the types of `crdt status --json` / `crdt inspect --json`)."
)]
pub struct Args {
    /// Database to inspect (opened read-only).
    pub db: PathBuf,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 4242)]
    pub port: u16,
    /// Address to listen on; anything but loopback prints a warning.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
}

/// Serves until Ctrl-C (exit 0); exit 2 when the database cannot be opened or the address
/// cannot be bound.
pub fn exec(args: &Args) -> Result<u8> {
    let config = crdt_dev_ui::Config::new(&args.db)
        .port(args.port)
        .bind(&args.bind)
        .map_err(Failure::msg)?;
    crdt_dev_ui::run(&config).map_err(Failure::msg)?;
    Ok(0)
}
