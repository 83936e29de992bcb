//! Every route of the dev UI, driven in-process with `tower::ServiceExt::oneshot` against
//! the fixture database (examples/fixture.rs), plus one test over a real socket.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use crdt_store::{NativeStore, StateStore};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.crdt");
    fixture::build(&path).unwrap();
    Fixture { _dir: dir, path }
}

struct Got {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
    fn json(&self) -> Value {
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/json",
            "{}",
            self.text()
        );
        serde_json::from_slice(&self.body).unwrap()
    }
}

async fn request(db: &Path, method: Method, uri: &str, host: &str) -> Got {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, host)
        .body(Body::empty())
        .unwrap();
    let res = crdt_dev_ui::router(db).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Got {
        status,
        headers,
        body,
    }
}

async fn get(db: &Path, uri: &str) -> Got {
    request(db, Method::GET, uri, "127.0.0.1:4242").await
}

/// A page that must be 200 HTML; returns its text.
async fn page(db: &Path, uri: &str) -> String {
    let g = get(db, uri).await;
    assert_eq!(g.status, StatusCode::OK, "{uri}: {}", g.text());
    assert_eq!(g.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    g.text()
}

/// The end-to-end test imports e2e/fixture.jsonl: it must be the export of this fixture.
/// Regenerate it with `cargo run -p crdt-dev-ui --example fixture -- /tmp/f.crdt &&
/// crdt export /tmp/f.crdt --jsonl > devui/e2e/fixture.jsonl`.
#[test]
fn e2e_fixture_is_the_export_of_the_fixture() {
    let f = fixture();
    let db = crdt_inspect::Db::open_read(&f.path).unwrap();
    let records = crdt_inspect::records(&db, None, None, crdt_inspect::Page::ALL).unwrap();
    let mut expected =
        vec![serde_json::json!({"kind": "header", "format": "crdt-export", "version": 1})];
    expected.extend(
        records
            .records
            .iter()
            .map(|r| serde_json::to_value(r).unwrap()),
    );
    let committed: Vec<Value> = include_str!("../e2e/fixture.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(committed, expected, "devui/e2e/fixture.jsonl is stale");
}

#[tokio::test]
async fn overview_lists_file_namespaces_and_runs() {
    let f = fixture();
    let html = page(&f.path, "/").await;
    for ns in ["docs", "sensors", "tasks", "xss"] {
        assert!(html.contains(&format!(">{ns}</a>")), "{ns} missing");
    }
    assert!(html.contains("<a href=\"/namespace?ns=sensors\">sensors</a>"));
    // The hostile namespace name: escaped as text, percent-encoded in its link.
    assert!(html.contains("x&quot;ss&#39;&lt;b&gt;ns&lt;/b&gt;"));
    assert!(html.contains("href=\"/namespace?ns=x%22ss%27%3Cb%3Ens%3C%2Fb%3E\""));
    assert!(!html.contains("<b>ns</b>"));
    assert!(html.contains("Format version"));
    let g = get(&f.path, "/").await;
    let csp = g.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"));
    assert_eq!(g.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(g.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn namespace_pages_and_filters() {
    let f = fixture();
    let html = page(&f.path, "/namespace?ns=sensors").await;
    assert_eq!(
        html.matches("href=\"/entity?ns=sensors&amp;key=s-").count(),
        50
    );
    assert!(html.contains("Entities 1–50 of 120"));
    assert!(html.contains("href=\"/namespace?ns=sensors&amp;prefix=&amp;offset=50&amp;limit=50\""));
    let html = page(&f.path, "/namespace?ns=sensors&offset=100&limit=50").await;
    assert_eq!(html.matches("key=s-1").count(), 20);
    assert!(html.contains("Entities 101–120 of 120"));
    let html = page(&f.path, "/namespace?ns=sensors&prefix=s-11").await;
    assert_eq!(
        html.matches("href=\"/entity?ns=sensors&amp;key=s-11")
            .count(),
        10
    );
    assert!(html.contains("GCounter"));
    let html = page(&f.path, "/namespace?ns=sensors&prefix=zzz").await;
    assert!(html.contains("No entity of 0 matches."));

    let j = get(&f.path, "/api/namespace?ns=sensors&offset=40&limit=30").await;
    assert_eq!(j.status, StatusCode::OK);
    let j = j.json();
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["total"], 120);
    assert_eq!(j["page"], serde_json::json!({"offset": 40, "limit": 30}));
    let entities = j["items"].as_array().unwrap();
    assert_eq!(entities.len(), 30);
    assert_eq!(entities[0]["ns"], "sensors");
    assert_eq!(entities[0]["key"], "s-040");
    assert_eq!(entities[0]["state_type"], "GCounter");
    let last = get(&f.path, "/api/namespace?ns=sensors&offset=110")
        .await
        .json();
    assert_eq!(last["items"].as_array().unwrap().len(), 10);
    let empty = get(&f.path, "/api/namespace?ns=sensors&prefix=zzz")
        .await
        .json();
    assert_eq!(empty["total"], 0);
}

#[tokio::test]
async fn entity_shows_envelope_decoded_value_and_hex() {
    let f = fixture();
    let html = page(&f.path, "/entity?ns=docs&key=readme-tags").await;
    assert!(html.contains("schema version 1"), "{html}");
    assert!(html.contains("ORSet&lt;String&gt;"));
    for t in ["draft", "published", "reviewed"] {
        assert!(html.contains(&format!("&quot;{t}&quot;")), "{t}");
    }
    assert!(html.contains("00000000  "), "hex view");
    let text = page(&f.path, "/entity?ns=docs&key=readme").await;
    assert!(text.contains("Hello from the dev UI"));
}

#[tokio::test]
async fn entity_event_log_is_paged_and_decoded() {
    let f = fixture();
    let html = page(&f.path, "/entity?ns=tasks&key=task-1").await;
    assert!(html.contains("id=\"snapshot\""));
    assert!(html.contains("At seq 2, schema version 1."));
    assert!(html.contains("review docs"));
    assert!(html.contains("Events 1–3 of 3"));
    assert!(html.contains("ship it"));
    let html = page(
        &f.path,
        "/entity?ns=tasks&key=task-1&events_offset=1&events_limit=1",
    )
    .await;
    assert!(html.contains("Events 2–2 of 3"));
    assert!(!html.contains("ship it"));
    assert!(html.contains("events_offset=2&amp;events_limit=1"));

    let j = get(&f.path, "/api/entity?ns=tasks&key=task-1&events_limit=2")
        .await
        .json();
    assert_eq!(j["summary"]["events"], 3);
    assert_eq!(j["events_offset"], 1, "default: the last page");
    assert_eq!(j["state"], Value::Null);
    assert_eq!(j["snapshot"]["at_seq"], 2);
    let events = j["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["seq"], 2);
    assert_eq!(events[1]["node_id"], "alice");
    assert!(events[1]["decoded"]["value"]["text"]
        .as_str()
        .unwrap()
        .contains("ship it"));
    let uri = "/api/entity?ns=tasks&key=task-1&events_offset=0&events_limit=1";
    let j = get(&f.path, uri).await.json();
    assert_eq!(j["events_offset"], 0);
    assert_eq!(j["events"][0]["seq"], 1);
}

#[tokio::test]
async fn stored_strings_are_escaped_everywhere() {
    let f = fixture();
    let ns = get(&f.path, "/namespace?ns=xss").await.text();
    assert!(ns.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(ns.contains("href=\"/entity?ns=xss&amp;key=%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""));
    let uri = "/entity?ns=xss&key=%3Cscript%3Ealert%281%29%3C%2Fscript%3E";
    let html = page(&f.path, uri).await;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    for page_text in [&ns, &html] {
        assert!(!page_text.contains("<script>alert"));
        assert!(!page_text.contains("<img src=x"));
        // The only script element is the embedded one.
        assert_eq!(page_text.matches("<script").count(), 1);
    }
    let q = "/namespace?ns=x%22ss%27%3Cb%3Ens%3C%2Fb%3E";
    let html = page(&f.path, q).await;
    assert!(
        html.contains("value=\"x&quot;ss&#39;&lt;b&gt;ns&lt;/b&gt;\""),
        "attribute"
    );
    assert!(html.contains("k&quot;&#39;&amp;&lt;&gt;"));
    let html = page(
        &f.path,
        "/entity?ns=x%22ss%27%3Cb%3Ens%3C%2Fb%3E&key=k%22%27%26%3C%3E",
    )
    .await;
    assert!(html.contains("&lt;b&gt;plain&lt;/b&gt;"));
    assert!(!html.contains("<b>plain</b>"));
    // Stored text inside the error page is escaped too.
    let g = get(&f.path, "/entity?ns=xss&key=%3Cscript%3Ealert(9)").await;
    assert_eq!(g.status, StatusCode::NOT_FOUND);
    assert!(g.text().contains("&lt;script&gt;alert(9)") && !g.text().contains("<script>alert"));
}

#[tokio::test]
async fn unknown_names_are_404() {
    let f = fixture();
    for uri in [
        "/namespace?ns=nope",
        "/entity?ns=docs&key=nope",
        "/entity?ns=nope&key=readme",
        "/value?ns=docs&key=nope&part=state",
        "/value?ns=docs&key=readme&part=snapshot",
        "/value?ns=tasks&key=task-1&part=event&seq=99",
        "/no/such/page",
    ] {
        let g = get(&f.path, uri).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(g.text().contains("Not found"), "{uri}");
    }
    for uri in [
        "/api/namespace?ns=nope",
        "/api/entity?ns=docs&key=nope",
        "/api/value?ns=tasks&key=task-1&part=event&seq=99",
        "/api/nope",
    ] {
        let g = get(&f.path, uri).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(g.json()["status"], 404, "{uri}");
    }
}

#[tokio::test]
async fn bad_query_parameters_are_400() {
    let f = fixture();
    for q in [
        "namespace?ns=sensors&limit=0",
        "namespace?ns=sensors&limit=501",
        "namespace?ns=sensors&limit=ten",
        "namespace?ns=sensors&offset=-1",
        "namespace?ns=sensors&colour=red",
        "namespace",
        "entity?ns=docs",
        "entity?ns=tasks&key=task-1&events_limit=100000",
        "entity?ns=tasks&key=task-1&events_offset=x",
        "value?ns=docs&key=readme&part=everything",
        "value?ns=tasks&key=task-1&part=event",
        "value?ns=docs&key=readme&part=state&seq=1",
        "status?x=1",
        "format?x=1",
    ] {
        let api = format!("/api/{q}");
        let g = get(&f.path, &api).await;
        assert_eq!(g.status, StatusCode::BAD_REQUEST, "{api}: {}", g.text());
        assert_eq!(g.json()["status"], 400);
        if !q.starts_with("status") {
            let html = format!("/{q}");
            let g = get(&f.path, &html).await;
            assert_eq!(g.status, StatusCode::BAD_REQUEST, "{html}");
            assert!(g.text().contains("Bad request"));
        }
    }
    let g = get(
        &f.path,
        "/value?ns=docs&key=readme&part=state&offset=999999",
    )
    .await;
    assert_eq!(g.status, StatusCode::BAD_REQUEST);
    let g = get(&f.path, "/?x=1").await;
    assert_eq!(g.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn large_values_are_cut_with_a_link_to_all_of_it() {
    let f = fixture();
    let html = page(&f.path, "/entity?ns=docs&key=long").await;
    assert!(html.contains("see the whole value"));
    assert!(
        html.len() < 32 * 1024,
        "entity page is {} bytes",
        html.len()
    );
    assert!(html.contains("href=\"/value?ns=docs&amp;key=long&amp;part=state\""));
    let html = page(&f.path, "/value?ns=docs&key=long&part=state").await;
    assert!(
        html.contains("id=\"decoded\">0123456789"),
        "a text is shown as text"
    );
    assert!(html.contains("Bytes 0–"));
    // Every character of the text is reachable, a bounded page at a time.
    let mut seen = 0;
    let mut offset = 0usize;
    loop {
        let html = page(
            &f.path,
            &format!("/value?ns=docs&key=long&part=state&offset={offset}"),
        )
        .await;
        assert!(html.len() < 80 * 1024);
        let pre = html.split("id=\"decoded\">").nth(1).unwrap();
        let pre = pre.split("</pre>").next().unwrap();
        seen += pre.matches("0123456789").count();
        match html
            .split("offset=")
            .filter_map(|s| s.split("&amp;").next())
            .filter_map(|s| s.parse::<usize>().ok())
            .find(|o| *o > offset)
        {
            Some(next) if html.contains("next ›</a>") => offset = next,
            _ => break,
        }
    }
    assert!(seen >= fixture::LONG_CHARS / 10 - 2, "{seen}");

    let raw = get(&f.path, "/api/value?ns=docs&key=long&part=state").await;
    assert_eq!(raw.status, StatusCode::OK);
    assert_eq!(
        raw.headers[header::CONTENT_TYPE],
        "application/octet-stream"
    );
    let db = NativeStore::open_read_only(&f.path).unwrap();
    assert_eq!(raw.body, db.get("docs", "long").unwrap().unwrap());
    let ev = get(&f.path, "/api/value?ns=tasks&key=task-1&part=event&seq=3").await;
    assert_eq!(ev.body, b"{\"op\":\"rename\",\"title\":\"ship it\"}");
    let hex = page(
        &f.path,
        "/value?ns=tasks&key=task-1&part=event&seq=1&hex_offset=16",
    )
    .await;
    assert!(hex.contains("00000010  "));
}

/// JSON Lines as the CLI prints them (`crdt_cli::output::Out::record`): one
/// `serde_json::to_writer` per line, `\n` after each.
fn cli_lines<T: serde::Serialize>(lines: &[T]) -> String {
    lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap() + "\n")
        .collect()
}

#[tokio::test]
async fn api_matches_the_cli_json() {
    use crdt_inspect::{Db, Events, Page};
    let f = fixture();
    let db = Db::open_read(&f.path).unwrap();
    let status = crdt_inspect::status(&db).unwrap();
    let j = get(&f.path, "/api/status").await.json();
    assert_eq!(j, serde_json::to_value(&status).unwrap());
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["file"]["namespaces"], 5);
    let g = get(&f.path, "/api/status?format=jsonl").await;
    assert_eq!(g.headers[header::CONTENT_TYPE], "application/x-ndjson");
    assert_eq!(g.text(), cli_lines(&status.lines()));
    assert!(g.text().starts_with("{\"kind\":\"file\","));

    // `crdt inspect DB task-1 -n tasks --events --json`
    let all = crdt_inspect::entity(&db, "tasks", "task-1", Events::All)
        .unwrap()
        .unwrap();
    let uri = "/api/entity?ns=tasks&key=task-1&events_offset=0&events_limit=500";
    assert_eq!(
        get(&f.path, uri).await.json(),
        serde_json::to_value(&all).unwrap()
    );
    let g = get(&f.path, &format!("{uri}&format=jsonl")).await;
    assert_eq!(g.text(), cli_lines(&all.lines()));
    // `--last 2`
    let last = crdt_inspect::entity(&db, "tasks", "task-1", Events::Last(2))
        .unwrap()
        .unwrap();
    let g = get(
        &f.path,
        "/api/entity?ns=tasks&key=task-1&events_limit=2&format=jsonl",
    )
    .await;
    assert_eq!(g.text(), cli_lines(&last.lines()));

    // `crdt inspect DB -n sensors --json` lists the same entities, a page at a time.
    let page = crdt_inspect::entities(&db, Some("sensors"), None, Page::new(10, 5)).unwrap();
    let j = get(&f.path, "/api/namespace?ns=sensors&offset=10&limit=5")
        .await
        .json();
    assert_eq!(j, serde_json::to_value(&page).unwrap());
    let g = get(
        &f.path,
        "/api/namespace?ns=sensors&offset=10&limit=5&format=jsonl",
    )
    .await;
    let lines: Vec<_> = page
        .items
        .into_iter()
        .map(crdt_inspect::InspectLine::Entity)
        .collect();
    assert_eq!(g.text(), cli_lines(&lines));

    let view = crdt_inspect::format_view(&db).unwrap().unwrap();
    let j = get(&f.path, "/api/format").await.json();
    assert_eq!(j, serde_json::to_value(&view).unwrap());
    assert_eq!(j["format_version"], 2);
    assert_eq!(j["superblocks"].as_array().unwrap().len(), 4);
    let j = get(&f.path, "/api").await.json();
    assert!(j["routes"]["/api/format"].is_string());
    let g = get(&f.path, "/api/status?format=xml").await;
    assert_eq!(g.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn format_page_and_assets() {
    let f = fixture();
    let html = page(&f.path, "/format").await;
    assert!(html.contains("crdt version 2"));
    assert!(html.contains("Manifest generation"));
    assert_eq!(html.matches("<td>current</td>").count(), 1, "{html}");
    assert!(html.contains("<svg class=\"map\""));
    assert!(html.contains("<rect class=\"run\""));
    let css = get(&f.path, "/assets/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(css.text().contains("--bg"));
    let js = get(&f.path, "/assets/app.js").await;
    assert_eq!(
        js.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(js.text().contains("location.reload"));
}

#[tokio::test]
async fn read_only_no_traversal_no_foreign_hosts() {
    let f = fixture();
    for m in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let g = request(&f.path, m.clone(), "/api/status", "localhost").await;
        assert_eq!(g.status, StatusCode::METHOD_NOT_ALLOWED, "{m}");
    }
    let head = request(&f.path, Method::HEAD, "/", "localhost").await;
    assert_eq!(head.status, StatusCode::OK);
    for uri in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
        "/assets/style.css/..%2f..%2fCargo.toml",
        "/..%2f..%2fetc%2fpasswd",
        "/fixture.crdt",
    ] {
        let g = get(&f.path, uri).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let g = request(&f.path, Method::GET, "/api/status", "attacker.example:4242").await;
    assert_eq!(g.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(!g.text().contains("docs"));
    for host in ["localhost:4242", "[::1]:4242", "127.0.0.1"] {
        let g = request(&f.path, Method::GET, "/api/status", host).await;
        assert_eq!(g.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn shows_live_data_of_a_file_a_writer_holds_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.crdt");
    let writer = NativeStore::open(&path).unwrap();
    writer.put("live", "first", b"1").unwrap();
    let html = page(&path, "/namespace?ns=live").await;
    assert!(html.contains(">first</a>"));
    assert!(!html.contains(">second</a>"));
    // The writer still holds the file: the next request sees its new commit.
    writer.put("live", "second", b"2").unwrap();
    let html = page(&path, "/namespace?ns=live").await;
    assert!(html.contains(">second</a>"), "{html}");
    let before = std::fs::read(&path).unwrap();
    let _ = page(&path, "/").await;
    let _ = page(&path, "/entity?ns=live&key=first").await;
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the server wrote to the file"
    );
    writer.close().unwrap();
}

#[tokio::test]
async fn serves_over_a_real_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = fixture();
    let config = crdt_dev_ui::Config::new(&f.path).port(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        crdt_dev_ui::serve(&config, listener, async {
            let _ = stopped.await;
        })
        .await
    });
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET /api/status HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(out.contains("\"schema_version\":1"), "{out}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();

    // A missing database is refused at start, before any request.
    let missing = crdt_dev_ui::Config::new(f.path.with_extension("missing")).port(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let e = crdt_dev_ui::serve(&missing, listener, async {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no such file"), "{e}");
}

#[tokio::test]
async fn damaged_and_missing_files_are_errors_not_panics() {
    let f = fixture();
    let view = {
        let db = crdt_inspect::Db::open_read(&f.path).unwrap();
        crdt_inspect::format_view(&db).unwrap().unwrap()
    };
    let run = view.runs.first().unwrap();
    let mut bytes = std::fs::read(&f.path).unwrap();
    let at = usize::try_from(run.offset).unwrap() + 40;
    bytes[at] ^= 0xFF;
    std::fs::write(&f.path, &bytes).unwrap();
    let g = get(&f.path, "/").await;
    assert_eq!(g.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", g.text());
    assert!(g.text().contains("reading the database"), "{}", g.text());
    let j = get(&f.path, "/api/status").await;
    assert_eq!(j.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(j.json()["error"].as_str().unwrap().contains("fixture.crdt"));

    std::fs::remove_file(&f.path).unwrap();
    let g = get(&f.path, "/").await;
    assert_eq!(g.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(g.text().contains("no such file"), "{}", g.text());
    let j = get(&f.path, "/api/entity?ns=docs&key=readme").await;
    assert_eq!(j.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(j.json()["status"], 503);
}

#[tokio::test]
async fn concurrent_requests_all_answer() {
    let f = fixture();
    let app = crdt_dev_ui::router(&f.path);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let uri = if i % 2 == 0 {
                "/api/status"
            } else {
                "/namespace?ns=sensors"
            };
            let req = Request::get(uri)
                .header(header::HOST, "localhost")
                .body(Body::empty())
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
}

#[tokio::test]
async fn records_api_is_the_export_format() {
    use crdt_inspect::{Db, Page};
    let f = fixture();
    // The whole fixture fits one page: byte for byte `crdt export --jsonl` of it, which
    // is the committed e2e fixture.
    let g = get(&f.path, "/api/records?limit=500&format=jsonl").await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.headers[header::CONTENT_TYPE], "application/x-ndjson");
    assert_eq!(g.text(), include_str!("../e2e/fixture.jsonl"));

    let db = Db::open_read(&f.path).unwrap();
    let page = crdt_inspect::records(&db, Some("sensors"), None, Page::new(100, 10)).unwrap();
    let j = get(&f.path, "/api/records?ns=sensors&offset=100&limit=10")
        .await
        .json();
    assert_eq!(j, serde_json::to_value(&page).unwrap());
    assert_eq!(j["records"].as_array().unwrap().len(), 10);
    assert_eq!(j["more"], true);
    let j = get(&f.path, "/api/records?ns=tasks&key=task-1")
        .await
        .json();
    let kinds: Vec<&str> = j["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["event", "event", "event", "snapshot", "counter"]);
    for bad in ["limit=0", "limit=501", "offset=x", "nope=1", "format=csv"] {
        let g = get(&f.path, &format!("/api/records?{bad}")).await;
        assert_eq!(g.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn overview_pages_many_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.crdt");
    let db = NativeStore::open(&path).unwrap();
    for i in 0..250 {
        db.put(&format!("ns-{i:03}"), "k", b"v").unwrap();
    }
    db.close().unwrap();
    let html = page(&path, "/").await;
    assert!(html.contains("Namespaces 1–200 of 250"));
    assert_eq!(html.matches("href=\"/namespace?ns=ns-").count(), 200);
    assert!(html.contains("href=\"/?ns_offset=200\""));
    let html = page(&path, "/?ns_offset=200").await;
    assert!(html.contains("Namespaces 201–250 of 250"));
    assert_eq!(html.matches("href=\"/namespace?ns=ns-").count(), 50);
    assert!(html.contains(">ns-249</a>") && !html.contains(">ns-199</a>"));
    assert_eq!(
        get(&path, "/?ns_offset=x").await.status,
        StatusCode::BAD_REQUEST
    );
    // The API answers the whole report, as `crdt status --json` does.
    let j = get(&path, "/api/status").await.json();
    assert_eq!(j["namespaces"].as_array().unwrap().len(), 250);
}
