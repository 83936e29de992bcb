//! The `crdt` binary: parses the command line and hands it to [`crdt_cli::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(crdt_cli::main_with_args(std::env::args_os()))
}
