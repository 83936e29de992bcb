//! The `crdt` command-line tool, as a library: every subcommand is a module of [`cmd`]
//! with its argument struct and an `exec` function, so tests can run them in-process.
//!
//! Conventions (cli/README.md): `--json` prints JSON Lines; exit codes are 0 success, 1 a
//! negative result (damage found), 2 the command could not run; errors are one line
//! `crdt: <cause>` on stderr; read commands open files read-only and never create them.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod cmd;
pub mod error;
pub mod open;
pub mod output;
pub mod transfer;

use clap::{Parser, Subcommand};

pub use crdt_inspect::decode;
pub use error::{Failure, Result};

/// Top-level command line.
#[derive(Debug, Parser)]
#[command(
    name = "crdt",
    version,
    about = "Inspect, verify, export and repair crdt-kit databases",
    after_help = "Examples:\n  crdt demo                      # try it: three replicas, merged and stored\n  crdt status app.crdt           # overview\n  crdt inspect app.crdt doc-1 --events\n  crdt verify app.crdt           # exit 0 clean, 1 damaged, 2 could not run\n  crdt export app.crdt --jsonl > backup.jsonl\n\nExit codes: 0 success, 1 negative result (damage found), 2 error."
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a demo database: three offline replicas edit, merge, persist and compact.
    Demo(cmd::demo::Args),
    /// Database overview: sizes, format, namespaces, runs.
    Status(cmd::status::Args),
    /// Entity detail: envelope, type, decoded value, events, snapshot.
    Inspect(cmd::inspect::Args),
    /// Snapshot and truncate long event logs, then compact the file.
    Compact(cmd::compact::Args),
    /// Export records as JSON (or JSON Lines): a lossless backup.
    Export(cmd::export::Args),
    /// Import records written by `crdt export`.
    Import(cmd::import::Args),
    /// Check every checksum and structure (exit 1 when damage is found).
    Verify(cmd::verify::Args),
    /// Copy every readable record into a new file.
    Salvage(cmd::salvage::Args),
    /// Generate Rust code from a crdt-schema.toml.
    Generate(cmd::generate::Args),
    /// Web inspector on 127.0.0.1: namespaces, entities, events, the file format.
    DevUi(cmd::dev_ui::Args),
}

/// Parses `args` (program name first) and runs them. Usage errors follow the same
/// convention as every other error: one line `crdt: <cause>` and exit 2; `--help` and
/// `--version` print to stdout and exit 0.
pub fn main_with_args<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::error::ErrorKind;
    match Cli::try_parse_from(args) {
        Ok(cli) => run(cli),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            // A closed pipe while printing help is not worth a message.
            let _ = e.print();
            0
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print(); // usage on stderr
            2
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let cause: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let cause = cause.join(" ");
            let cause = cause.strip_prefix("error: ").unwrap_or(&cause);
            eprintln!("crdt: {cause} (see crdt --help)");
            2
        }
    }
}

/// Runs a parsed command line, prints any error as `crdt: <cause>`, and returns the exit
/// code.
pub fn run(cli: Cli) -> u8 {
    let result = match cli.command {
        Command::Demo(a) => cmd::demo::exec(&a),
        Command::Status(a) => cmd::status::exec(&a),
        Command::Inspect(a) => cmd::inspect::exec(&a),
        Command::Compact(a) => cmd::compact::exec(&a),
        Command::Export(a) => cmd::export::exec(&a),
        Command::Import(a) => cmd::import::exec(&a),
        Command::Verify(a) => cmd::verify::exec(&a),
        Command::Salvage(a) => cmd::salvage::exec(&a),
        Command::Generate(a) => cmd::generate::exec(&a),
        Command::DevUi(a) => cmd::dev_ui::exec(&a),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Quiet) => 0,
        Err(Failure::Error(cause)) => {
            eprintln!("crdt: {cause}");
            2
        }
    }
}
