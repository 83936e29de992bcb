//! The JSON API under `/api/`: the same report types as `crdt status --json` and
//! `crdt inspect --json` (devui/README.md lists each route's shape). Errors are
//! `{"error": "...", "status": N}` with that HTTP status.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use crdt_inspect::{Db, EntityPage, EntityReport, ExportRecord, InspectLine};
use serde::Serialize;
use serde_json::json;

use crate::data;
use crate::error::{Error, Result};
use crate::params::{
    self, EntityQuery, Format, NamespaceQuery, NoQuery, RecordsQuery, StatusQuery, ValueQuery,
};
use crate::server::Shared;

/// Opens the database and runs `f` on the blocking pool.
pub(crate) async fn with_db<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&Db) -> Result<T> + Send + 'static,
) -> Result<T> {
    let _permit = state
        .readers
        .acquire()
        .await
        .map_err(|e| Error::Serve(std::io::Error::other(e)))?;
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&data::open(&state.db)?))
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

/// `format=jsonl`: one JSON object per line, as the CLI's `--json` prints them.
fn jsonl<T: Serialize>(r: Result<Vec<T>>) -> Response {
    let lines = r.and_then(|lines| {
        let mut out = Vec::new();
        for l in &lines {
            serde_json::to_writer(&mut out, l)
                .map_err(|e| Error::Serve(std::io::Error::other(e)))?;
            out.push(b'\n');
        }
        Ok(out)
    });
    match lines {
        Ok(body) => ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response(),
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
                "/api/status[?format=jsonl]": "StatusReport (crdt-inspect); format=jsonl: the lines of `crdt status --json`",
                "/api/namespace?ns=NS[&prefix=P][&offset=N][&limit=N][&format=jsonl]": "EntityPage: a page of entities",
                "/api/entity?ns=NS&key=K[&events_offset=N][&events_limit=N][&format=jsonl]": "EntityReport: an entity and a page of its events (default: the last page); format=jsonl: the lines of `crdt inspect --json`",
                "/api/records[?ns=NS][&key=K][&offset=N][&limit=N][&format=jsonl]": "RecordPage: stored records in the `crdt export` format; format=jsonl: the header line and the records, as `crdt export --jsonl` prints them",
                "/api/value?ns=NS&key=K&part=state|snapshot|event[&seq=N]": "the stored bytes (application/octet-stream)",
                "/api/format": "FormatView: superblocks, runs and sizes of a .crdt file",
            },
            "max_page": crate::MAX_PAGE,
        })
    }))
}

/// `GET /api/status`.
pub(crate) async fn status(
    State(state): State<Shared>,
    q: std::result::Result<Query<StatusQuery>, QueryRejection>,
) -> Response {
    let q = match params::take(q) {
        Ok(q) => q,
        Err(e) => return error(&e),
    };
    let report = with_db(&state, |db| Ok(crdt_inspect::status(db)?)).await;
    match q.format {
        Format::Report => answer(report),
        Format::Jsonl => jsonl(report.map(|r| r.lines())),
    }
}

/// `GET /api/namespace`.
pub(crate) async fn namespace(
    State(state): State<Shared>,
    q: std::result::Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    match namespace_page(&state, q).await {
        Ok((q, page)) if q.format == Format::Jsonl => jsonl(Ok(page
            .items
            .into_iter()
            .map(InspectLine::Entity)
            .collect())),
        r => answer(r.map(|(_, page)| page)),
    }
}

pub(crate) async fn namespace_page(
    state: &Shared,
    q: std::result::Result<Query<NamespaceQuery>, QueryRejection>,
) -> Result<(NamespaceQuery, EntityPage)> {
    let q = params::take(q)?;
    let page = q.page()?;
    with_db(state, move |db| {
        match data::namespace(db, &q.ns, &q.prefix, page)? {
            Some(p) => Ok((q, p)),
            None => Err(Error::NotFound(format!("namespace {:?}", q.ns))),
        }
    })
    .await
}

/// `GET /api/entity`.
pub(crate) async fn entity(
    State(state): State<Shared>,
    q: std::result::Result<Query<EntityQuery>, QueryRejection>,
) -> Response {
    match entity_detail(&state, q, |_, _| Ok(())).await {
        Ok((q, report, ())) if q.format == Format::Jsonl => jsonl(Ok(report.lines())),
        r => answer(r.map(|(_, report, ())| report)),
    }
}

/// The entity the query names, and whatever `more` reads from the same snapshot.
pub(crate) async fn entity_detail<T: Send + 'static>(
    state: &Shared,
    q: std::result::Result<Query<EntityQuery>, QueryRejection>,
    more: impl FnOnce(&Db, &EntityQuery) -> Result<T> + Send + 'static,
) -> Result<(EntityQuery, EntityReport, T)> {
    let q = params::take(q)?;
    let events = q.events()?;
    with_db(state, move |db| {
        match crdt_inspect::entity(db, &q.ns, &q.key, events)? {
            Some(r) => {
                let extra = more(db, &q)?;
                Ok((q, r, extra))
            }
            None => Err(Error::NotFound(format!(
                "entity {:?} in namespace {:?}",
                q.key, q.ns
            ))),
        }
    })
    .await
}

/// `GET /api/records`: records in the `crdt export` format, a page at a time.
pub(crate) async fn records(
    State(state): State<Shared>,
    q: std::result::Result<Query<RecordsQuery>, QueryRejection>,
) -> Response {
    let q = match params::take(q) {
        Ok(q) => q,
        Err(e) => return error(&e),
    };
    let format = q.format;
    let page = with_db(&state, move |db| {
        let page = q.page()?;
        Ok(crdt_inspect::records(
            db,
            q.ns.as_deref(),
            q.key.as_deref(),
            page,
        )?)
    })
    .await;
    match format {
        Format::Report => answer(page),
        Format::Jsonl => jsonl(page.map(|p| {
            let header = ExportRecord::Header {
                format: crdt_inspect::FORMAT.to_string(),
                version: crdt_inspect::VERSION,
            };
            std::iter::once(header).chain(p.records).collect()
        })),
    }
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
    with_db(state, move |db| {
        match data::value(db, &q.ns, &q.key, part)? {
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
    answer(format_report(&state, q).await)
}

pub(crate) async fn format_report(
    state: &Shared,
    q: std::result::Result<Query<NoQuery>, QueryRejection>,
) -> Result<crdt_inspect::FormatView> {
    params::take(q)?;
    with_db(state, |db| {
        crdt_inspect::format_view(db)?.ok_or_else(|| {
            Error::NotFound(format!(
                "format view: {} is a {} database; the view shows .crdt files",
                db.path().display(),
                db.kind().name()
            ))
        })
    })
    .await
}
