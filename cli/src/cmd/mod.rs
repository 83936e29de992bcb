//! One module per subcommand: its `Args` and its `exec` (returning the exit code).

pub mod compact;
pub mod demo;
pub mod dev_ui;
pub mod export;
pub mod generate;
pub mod import;
pub mod inspect;
pub mod salvage;
pub mod status;
pub mod verify;
