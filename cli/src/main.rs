//! The `crdt` binary: parses the command line and hands it to [`crdt_cli::run`].
//!
//! Errors are one line `crdt: <cause>`, never a backtrace: a panic (a bug here, or in a
//! storage engine meeting a damaged file: redb asserts on some) is reported the same way
//! with exit 2, and the default panic message is silenced.

use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(|| crdt_cli::main_with_args(std::env::args_os())) {
        Ok(code) => ExitCode::from(code),
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            eprintln!("crdt: internal error: {why} (please report it)");
            ExitCode::from(2)
        }
    }
}
