//! The JSON API under `/api/`: the same report types as `crdt status --json` and
//! `crdt inspect --json` (devui/README.md lists each route's shape). Errors are
//! `{"error": "...", "status": N}` with that HTTP status.

use std::path::Path;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use crdt_cli::open::Db;
use serde::Serialize;
use serde_json::json;

use crate::data;
use crate::error::{Error, Result};
use crate::params::{self, EntityQuery, NamespaceQuery, NoQuery, ValueQuery};
use crate::server::Shared;

/// Opens the database and runs `f` on the blocking pool.
pub(crate) async fn with_db<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&Path, &Db) -> Result<T> + Send + 'static,
) -> Result<T> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let db = data::open(&state.db)?;
        f(&state.db, &db)
    })
    .await
    .map_err(|e| Error::Serve(std::io::Error::other(e)))?
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn answer<T: Serialize>(r: Result<T>) -> Response {
    match r {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => error(&e),
    }
}

/// A JSON error response.
pub(crate) fn error(e: &Error) -> Response {
    let status = e.status();
    json_response(
        status,
        &json!({ "error": e.to_string(), "status": status.as_u16() }),
    )
}

/// `GET /api`: the routes.
pub(crate) async fn index(q: std::result::Result<Query<NoQuery>, QueryRejection>) -> Response {
    answer(params::take(q).map(|_| {
        json!({
            "routes": {
                "/api/status": "the lines of `crdt status --json`, as an array",
                "/api/namespace?ns=NS[&prefix=P][&offset=N][&limit=N]": "a page of entities",
                "/api/entity?ns=NS&key=K[&events_offset=N][&events_limit=N]": "an entity and a page of its events",
                "/api/value?ns=NS&key=K&part=state|snapshot|event[&seq=N]": "the stored bytes (application/octet-stream)",
                "/api/format": "the layout of a .crdt file",
            },
            "max_page": crate::MAX_PAGE,
        })
    }))
}

/// `GET /api/status`.
pub(crate) async fn status(
    State(state): State<Shared>,
    q: std::result::Result<Query<NoQuery>, QueryRejection>,
) -> Response {
    if let Err(e) = params::take(q) {
        return error(&e);
    }
    answer(with_db(&state, data::status).await)
}

/// `GET /api/namespace`.
pub(crate) async fn namespace(
    State(state): State<Shared>,
    q: std::result::Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    answer(namespace_page(&state, q).await)
}

pub(crate) async fn namespace_page(
    state: &Shared,
    q: std::result::Result<Query<NamespaceQuery>, QueryRejection>,
) -> Result<data::EntityPage> {
    let q = params::take(q)?;
    let limit = q.limit()?;
    with_db(state, move |path, db| {
        data::entities(path, db, &q.ns, &q.prefix, q.offset, limit)?
            .ok_or_else(|| Error::NotFound(format!("namespace {:?}", q.ns)))
    })
    .await
}

/// `GET /api/entity`.
pub(crate) async fn entity(
    State(state): State<Shared>,
    q: std::result::Result<Query<EntityQuery>, QueryRejection>,
) -> Response {
    answer(entity_detail(&state, q).await)
}

pub(crate) async fn entity_detail(
    state: &Shared,
    q: std::result::Result<Query<EntityQuery>, QueryRejection>,
) -> Result<data::EntityDetail> {
    let q = params::take(q)?;
    let limit = q.events_limit()?;
    with_db(state, move |path, db| {
        data::entity(path, db, &q.ns, &q.key, q.events_offset, limit)?
            .ok_or_else(|| Error::NotFound(format!("entity {:?} in namespace {:?}", q.key, q.ns)))
    })
    .await
}

/// `GET /api/value`: the stored bytes, as a download.
pub(crate) async fn value(
    State(state): State<Shared>,
    q: std::result::Result<Query<ValueQuery>, QueryRejection>,
) -> Response {
    match stored_value(&state, q).await {
        Ok((_, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"value.bin\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error(&e),
    }
}

pub(crate) async fn stored_value(
    state: &Shared,
    q: std::result::Result<Query<ValueQuery>, QueryRejection>,
) -> Result<(ValueQuery, Vec<u8>)> {
    let q = params::take(q)?;
    let part = q.part()?;
    with_db(state, move |path, db| {
        match data::value(path, db, &q.ns, &q.key, part)? {
            Some(v) => Ok((q, v)),
            None => Err(Error::NotFound(format!(
                "{} of {:?} in namespace {:?}",
                match part {
                    data::Part::Event(seq) => format!("event #{seq}"),
                    p => params::part_name(p).to_string(),
                },
                q.key,
                q.ns
            ))),
        }
    })
    .await
}

/// `GET /api/format`.
pub(crate) async fn format(
    State(state): State<Shared>,
    q: std::result::Result<Query<NoQuery>, QueryRejection>,
) -> Response {
    if let Err(e) = params::take(q) {
        return error(&e);
    }
    answer(with_db(&state, data::format_view).await)
}
