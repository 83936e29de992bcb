//! The `crdt` binary: parses the command line and hands it to [`crdt_cli::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = crdt_cli::Cli::parse();
    ExitCode::from(crdt_cli::run(cli))
}
