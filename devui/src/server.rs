//! The HTTP server: configuration, the route table, and the layer every response passes
//! through (Host check against DNS rebinding, security headers, no caching).
//!
//! Invariants: only `GET`/`HEAD` routes exist (anything else is 405); the only file the
//! server reads is the configured database; assets are compiled in.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::html::{APP_JS, STYLE_CSS};
use crate::{api, pages};

/// What to serve and where.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database file (opened read-only for each request).
    pub db: PathBuf,
    /// Address to listen on; 127.0.0.1 unless asked otherwise.
    pub ip: IpAddr,
    /// Port (0: any free port; the bound one is printed).
    pub port: u16,
}

impl Config {
    /// Serve `db` on 127.0.0.1:4242.
    pub fn new(db: impl Into<PathBuf>) -> Self {
        Config {
            db: db.into(),
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 4242,
        }
    }

    /// Sets the listening address from a `--bind` argument (`127.0.0.1`, `::1`, `0.0.0.0`).
    pub fn bind(mut self, ip: &str) -> Result<Self> {
        self.ip = ip
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| Error::BadAddress {
                given: ip.to_string(),
            })?;
        Ok(self)
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

/// Shared by every request.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The database.
    pub db: PathBuf,
    /// The file name as shown in page headers.
    pub shown: String,
    /// The listening address (for the Host check); `None` in tests without a socket.
    pub bound: Option<IpAddr>,
    /// Requests reading the database at once, at most [`MAX_READERS`]; others wait.
    pub readers: tokio::sync::Semaphore,
}

/// Requests that read the database at the same time (each opens the file and may scan
/// it): a few browser tabs on auto-refresh cannot pile up work on a large file.
pub const MAX_READERS: usize = 4;

pub(crate) type Shared = Arc<AppState>;

/// Opens the listening socket.
pub(crate) async fn bind(config: &Config) -> Result<TcpListener> {
    let addr = SocketAddr::new(config.ip, config.port);
    TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })
}

/// The routes for the database `db`, as a tower service (tests drive it with `oneshot`).
/// Requests must carry a `Host` of `localhost`, `127.0.0.1` or `[::1]` (any port) unless
/// the server listens on another address.
pub fn router(db: impl Into<PathBuf>) -> Router {
    routes(Arc::new(state(db.into(), None)))
}

fn state(db: PathBuf, bound: Option<IpAddr>) -> AppState {
    AppState {
        shown: db.display().to_string(),
        db,
        bound,
        readers: tokio::sync::Semaphore::new(MAX_READERS),
    }
}

fn routes(state: Shared) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/namespace", get(pages::namespace))
        .route("/entity", get(pages::entity))
        .route("/value", get(pages::value))
        .route("/format", get(pages::format))
        .route("/api", get(api::index))
        .route("/api/status", get(api::status))
        .route("/api/namespace", get(api::namespace))
        .route("/api/entity", get(api::entity))
        .route("/api/records", get(api::records))
        .route("/api/value", get(api::value))
        .route("/api/format", get(api::format))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Checks the database opens, then serves on `listener` until `shutdown` completes.
pub async fn serve(
    config: &Config,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let path = config.db.clone();
    // Fail at start, not on the first page, when the file is missing or not a database.
    tokio::task::spawn_blocking(move || crate::data::open(&path).map(drop))
        .await
        .map_err(|e| Error::Serve(std::io::Error::other(e)))??;
    let bound = listener.local_addr().map_err(Error::Serve)?.ip();
    let app = routes(Arc::new(state(config.db.clone(), Some(bound))));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(Error::Serve)
}

/// Whether `host` (a Host header: name, IPv4 or `[IPv6]`, optional `:port`) names this
/// server. Loopback names always do; when the server listens on another address, any
/// name does (the user asked for remote access with `--bind`).
fn host_allowed(host: &str, bound: Option<IpAddr>) -> bool {
    if bound.is_some_and(|ip| !ip.is_loopback()) {
        return true;
    }
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || Some(ip) == bound)
}

/// Rejects foreign Host headers (a page on another site that resolves its own name to
/// 127.0.0.1 must not read the database) and adds the security headers to every response.
async fn guard(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let mut res = if host_allowed(host, state.bound) {
        next.run(req).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "this server only answers requests for localhost\n",
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLE_CSS,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_check() {
        let lo = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for ok in [
            "localhost",
            "localhost:4242",
            "127.0.0.1:1",
            "[::1]:80",
            "LOCALHOST",
        ] {
            assert!(host_allowed(ok, lo), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4242",
            "127.0.0.1.evil:1",
            "",
            "[::2]",
        ] {
            assert!(!host_allowed(bad, lo), "{bad}");
        }
        let any = Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert!(host_allowed("gateway.lan:4242", any));
    }

    #[test]
    fn bind_parses_addresses() {
        let c = Config::new("x").bind("::1").unwrap();
        assert_eq!(c.ip.to_string(), "::1");
        assert!(Config::new("x").bind("[::1]").is_ok());
        assert!(Config::new("x").bind("localhost").is_err());
    }
}
