//! `crdt-dev-ui`: a web inspector for crdt-kit database files, started by
//! `crdt dev-ui DB [--port 4242] [--bind 127.0.0.1]`.
//!
//! Pages: the overview (`/`), a namespace's entities (`/namespace`, paged, filtered by key
//! prefix), one entity (`/entity`: envelope, decoded value, snapshot, paged event log, hex),
//! one whole value (`/value`, paged), and the layout of a `.crdt` file (`/format`). The same
//! data as JSON under `/api/`, with the report types of `crdt status --json` and
//! `crdt inspect --json`. See devui/README.md for the routes and the security model.
//!
//! The server is read-only: it answers `GET` / `HEAD` only and opens the file read-only for
//! each request, so every page is one consistent snapshot of the last committed state, also
//! while an app holds the file open for writing. It serves one database and embedded assets,
//! never a path from a request.
//!
//! ```no_run
//! let config = crdt_dev_ui::Config::new("app.crdt");
//! crdt_dev_ui::run(&config)?; // prints the URL, serves until Ctrl-C
//! # Ok::<(), crdt_dev_ui::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// The README's example, compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod api;
pub mod data;
mod error;
pub mod html;
mod pages;
mod params;
mod server;

use std::io::Write as _;

pub use error::{Error, Result};
pub use server::{router, serve, Config};

/// Largest page of entities or events a request may ask for.
pub const MAX_PAGE: usize = 500;
/// Page size when a request does not say.
pub const DEFAULT_PAGE: usize = 50;

/// Starts the server on a new Tokio runtime, prints its URL (and a warning when it listens
/// on an address other than loopback) and serves until Ctrl-C.
pub fn run(config: &Config) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Serve)?;
    // A missing file or one that is not a database is reported before the port is taken.
    data::open(&config.db)?;
    rt.block_on(async {
        let listener = server::bind(config).await?;
        let addr = listener.local_addr().map_err(Error::Serve)?;
        // Nobody may be reading (`crdt dev-ui db | head -1`): a closed stdout or stderr
        // must not stop the server, so write errors are ignored.
        if !addr.ip().is_loopback() {
            let _ = writeln!(
                std::io::stderr(),
                "warning: listening on {addr}, reachable from other machines: anyone who can \
                 connect can read every record of {} (no authentication)",
                config.db.display()
            );
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "crdt dev-ui: {} at {}\nPress Ctrl-C to stop.",
            config.db.display(),
            url(addr)
        );
        let _ = out.flush();
        drop(out);
        serve(config, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
}

/// `http://addr/`, with IPv6 addresses in brackets.
pub fn url(addr: std::net::SocketAddr) -> String {
    format!("http://{addr}/")
}
