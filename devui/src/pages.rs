//! The HTML pages: overview, namespace, entity, value and format, plus the 404 and error
//! pages. Every stored string is written through [`Html::text`] / [`Html::attr`] and every
//! link through [`Link`] (see `html.rs`); values longer than [`INLINE_CHARS`] are cut with
//! a link to `/value`, which pages through the whole value.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use crdt_cli::cmd::inspect::InspectLine;
use crdt_cli::cmd::status::StatusLine;
use crdt_cli::decode::{decode, Decoded};
use crdt_cli::output::human_bytes;

use crate::api::{self, with_db};
use crate::data::{self, Part};
use crate::error::{Error, Result};
use crate::html::{clip, page_end, page_start, Html, Link, Nav};
use crate::params::{self, EntityQuery, NamespaceQuery, NoQuery, ValueQuery};
use crate::server::Shared;

/// Characters of a decoded value shown inline before it is cut.
pub const INLINE_CHARS: usize = 4 * 1024;
/// Characters of an event payload shown in the event table.
pub const EVENT_CHARS: usize = 240;
/// Characters of a key shown in listings.
pub const KEY_CHARS: usize = 120;
/// Bytes of the hex view shown inline on the entity page.
pub const INLINE_HEX: usize = 256;
/// Characters of decoded text per `/value` page.
pub const VALUE_PAGE_CHARS: usize = 64 * 1024;
/// Bytes per `/value` hex page.
pub const HEX_PAGE: usize = 4096;

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

fn error_page(state: &Shared, e: &Error) -> Response {
    let title = match e {
        Error::NotFound(_) => "Not found",
        Error::BadRequest(_) => "Bad request",
        _ => "Error",
    };
    let mut h = page_start(title, &state.shown, Nav::Other);
    h.el("<h1>", title, "</h1>")
        .el("<p class=\"error\">", &e.to_string(), "</p>")
        .raw("<p><a href=\"/\">Back to the overview</a></p>");
    html(e.status(), page_end(h))
}

fn respond(state: &Shared, r: Result<String>) -> Response {
    match r {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => error_page(state, &e),
    }
}

/// Any path without a route.
pub(crate) async fn not_found(State(state): State<Shared>, uri: axum::http::Uri) -> Response {
    let e = Error::NotFound(format!("no page at {}", uri.path()));
    if uri.path().starts_with("/api/") {
        api::error(&e)
    } else {
        error_page(&state, &e)
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_else(|| "–".into())
}

fn opt_bytes(v: &Option<u64>) -> String {
    v.map(human_bytes).unwrap_or_else(|| "–".into())
}

fn ns_link(ns: &str) -> Link {
    Link::to("/namespace").q("ns", ns)
}

fn entity_link(ns: &str, key: &str) -> Link {
    Link::to("/entity").q("ns", ns).q("key", key)
}

/// A link to one stored value: `/value` (paged view) or `/api/value` (download).
fn part_link(path: &'static str, ns: &str, key: &str, part: Part) -> Link {
    let l = Link::to(path)
        .q("ns", ns)
        .q("key", key)
        .q("part", params::part_name(part));
    match part {
        Part::Event(seq) => l.q("seq", seq),
        _ => l,
    }
}

fn value_link(ns: &str, key: &str, part: Part) -> Link {
    part_link("/value", ns, key, part)
}

fn raw_link(ns: &str, key: &str, part: Part) -> Link {
    part_link("/api/value", ns, key, part)
}

/// `GET /`: file, namespaces, runs.
pub(crate) async fn overview(
    State(state): State<Shared>,
    q: std::result::Result<Query<NoQuery>, QueryRejection>,
) -> Response {
    let r = match params::take(q) {
        Ok(_) => with_db(&state, data::status).await,
        Err(e) => Err(e),
    };
    respond(&state, r.map(|lines| render_overview(&state, &lines)))
}

fn render_overview(state: &Shared, lines: &[StatusLine]) -> String {
    let mut h = page_start("Overview", &state.shown, Nav::Overview);
    h.raw("<h1>Overview</h1>");
    let mut namespaces = Html::new();
    let mut runs = Html::new();
    let (mut n_ns, mut n_runs) = (0, 0);
    for l in lines {
        match l {
            StatusLine::File {
                path,
                format,
                format_version,
                file_bytes,
                live_bytes,
                free_bytes,
                log_bytes,
                generation,
                runs,
                namespaces,
            } => {
                h.raw("<table class=\"kv\" id=\"file\">")
                    .kv("File", path)
                    .kv("Format", format)
                    .kv("Format version", &opt(format_version))
                    .kv("Size", &human_bytes(*file_bytes))
                    .kv("Live", &opt_bytes(live_bytes))
                    .kv("Free", &opt_bytes(free_bytes))
                    .kv("Log", &opt_bytes(log_bytes))
                    .kv("Generation", &opt(generation))
                    .kv("Runs", &opt(runs))
                    .kv("Namespaces", &namespaces.to_string())
                    .raw("</table>");
            }
            StatusLine::Namespace {
                name,
                entities,
                states,
                events,
                snapshots,
            } => {
                n_ns += 1;
                namespaces.raw("<tr><td class=\"key\">");
                namespaces.link(&ns_link(name), &clip(name, KEY_CHARS));
                namespaces
                    .raw("</td><td class=\"num\">")
                    .show(entities)
                    .raw("</td><td class=\"num\">")
                    .show(states)
                    .raw("</td><td class=\"num\">")
                    .show(events)
                    .raw("</td><td class=\"num\">")
                    .show(snapshots)
                    .raw("</td></tr>");
            }
            StatusLine::Run {
                id,
                level,
                offset,
                bytes,
                entries,
            } => {
                n_runs += 1;
                runs.raw("<tr><td class=\"num\">")
                    .show(id)
                    .raw("</td><td class=\"num\">")
                    .show(level)
                    .raw("</td><td class=\"num\">")
                    .show(offset)
                    .raw("</td><td class=\"num\">")
                    .text(&human_bytes(*bytes))
                    .raw("</td><td class=\"num\">")
                    .show(entries)
                    .raw("</td></tr>");
            }
        }
    }
    h.raw("<h2>Namespaces</h2>");
    if n_ns == 0 {
        h.raw("<p class=\"muted\">The database is empty.</p>");
    } else {
        h.raw("<table id=\"namespaces\"><thead><tr><th>Namespace</th><th>Entities</th>")
            .raw("<th>States</th><th>Events</th><th>Snapshots</th></tr></thead><tbody>");
        h.raw_html(namespaces);
        h.raw("</tbody></table>");
    }
    if n_runs > 0 {
        h.raw("<h2>Runs</h2><p class=\"muted\">Size-tiered compaction: every run is at level 0. ")
            .raw("<a href=\"/format\">File layout</a></p>")
            .raw("<table id=\"runs\"><thead><tr><th>Run</th><th>Level</th><th>Offset</th>")
            .raw("<th>Size</th><th>Entries</th></tr></thead><tbody>");
        h.raw_html(runs);
        h.raw("</tbody></table>");
    }
    page_end(h)
}

/// `GET /namespace?ns=..[&prefix=..][&offset=..][&limit=..]`.
pub(crate) async fn namespace(
    State(state): State<Shared>,
    q: std::result::Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    let r = api::namespace_page(&state, q).await;
    respond(&state, r.map(|p| render_namespace(&state, &p)))
}

fn pager(
    h: &mut Html,
    first: Option<Link>,
    prev: Option<Link>,
    next: Option<Link>,
    last: Option<Link>,
) {
    h.raw("<nav class=\"pager\">");
    for (l, label) in [
        (first, "« first"),
        (prev, "‹ previous"),
        (next, "next ›"),
        (last, "last »"),
    ] {
        match l {
            Some(l) => {
                h.link(&l, label);
            }
            None => {
                h.el("<span class=\"off\">", label, "</span>");
            }
        }
    }
    h.raw("</nav>");
}

/// The pager of a list: `shown` items from `offset` of `total`, pages of `limit`.
fn list_pager(
    h: &mut Html,
    (offset, shown, total, limit): (usize, usize, usize, usize),
    at: impl Fn(usize) -> Link,
) {
    let end = offset.saturating_add(shown);
    let more = end < total;
    pager(
        h,
        (offset > 0).then(|| at(0)),
        (offset > 0).then(|| at(offset.saturating_sub(limit))),
        more.then(|| at(end)),
        more.then(|| at(total.saturating_sub(limit))),
    );
}

fn render_namespace(state: &Shared, p: &data::EntityPage) -> String {
    let mut h = page_start(&format!("Namespace {}", p.ns), &state.shown, Nav::Other);
    h.raw("<p class=\"crumbs\"><a href=\"/\">Overview</a> / namespace</p>")
        .raw("<h1>Namespace <span class=\"key\" id=\"ns-name\">")
        .text(&p.ns)
        .raw("</span></h1>")
        .raw("<form class=\"filter\" method=\"get\" action=\"/namespace\">")
        .raw("<input type=\"hidden\" name=\"ns\" value=")
        .attr(&p.ns)
        .raw("><label>Key prefix <input name=\"prefix\" value=")
        .attr(&p.prefix)
        .raw(" placeholder=\"(all keys)\"></label><button type=\"submit\">Filter</button></form>");
    let shown_end = p.offset.saturating_add(p.entities.len());
    h.raw("<p class=\"muted\" id=\"count\">");
    if p.entities.is_empty() {
        h.text(&format!("No entity of {} matches.", p.total));
    } else {
        h.text(&format!(
            "Entities {}–{} of {}",
            p.offset + 1,
            shown_end,
            p.total
        ));
    }
    if !p.prefix.is_empty() {
        h.text(" with the key prefix ")
            .el("<span class=\"key\">", &p.prefix, "</span>");
    }
    h.raw("</p>");
    let at = |offset: usize| {
        Link::to("/namespace")
            .q("ns", &p.ns)
            .q("prefix", &p.prefix)
            .q("offset", offset)
            .q("limit", p.limit)
    };
    h.raw("<table id=\"entities\"><thead><tr><th>Key</th><th>State type</th><th>Events</th>")
        .raw("<th>Last seq</th><th>Snapshot at</th></tr></thead><tbody>");
    for e in &p.entities {
        if let InspectLine::Entity {
            ns,
            key,
            state_type,
            events,
            last_seq,
            snapshot_at,
        } = e
        {
            h.raw("<tr><td class=\"key\">")
                .link(&entity_link(ns, key), &clip(key, KEY_CHARS))
                .raw("</td><td>")
                .text(state_type.as_deref().unwrap_or("(no state)"))
                .raw("</td><td class=\"num\">")
                .show(events)
                .raw("</td><td class=\"num\">")
                .text(&opt(last_seq))
                .raw("</td><td class=\"num\">")
                .text(&opt(snapshot_at))
                .raw("</td></tr>");
        }
    }
    h.raw("</tbody></table>");
    list_pager(&mut h, (p.offset, p.entities.len(), p.total, p.limit), at);
    page_end(h)
}

/// `GET /entity?ns=..&key=..[&events_offset=..][&events_limit=..]`.
pub(crate) async fn entity(
    State(state): State<Shared>,
    q: std::result::Result<Query<EntityQuery>, QueryRejection>,
) -> Response {
    let r = api::entity_detail(&state, q).await;
    respond(&state, r.map(|d| render_entity(&state, &d)))
}

fn pretty(d: &Decoded) -> String {
    serde_json::to_string_pretty(&d.value).unwrap_or_else(|e| e.to_string())
}

fn type_label(d: &Decoded) -> String {
    match (&d.envelope, &d.element_type) {
        (Some(e), Some(t)) => format!("{}<{t}>", e.type_name),
        (Some(e), None) => e.type_name.clone(),
        (None, _) => "plain (no envelope)".into(),
    }
}

/// The envelope table, the decoded value (cut at [`INLINE_CHARS`]) and the first bytes in
/// hex, with links to the whole value.
fn decoded_block(
    h: &mut Html,
    d: &Decoded,
    bytes: u64,
    raw: Option<&[u8]>,
    (ns, key, part): (&str, &str, Part),
) {
    let more = &value_link(ns, key, part);
    h.raw("<table class=\"kv\">");
    match &d.envelope {
        Some(e) => {
            h.kv("Envelope", &format!("schema version {}", e.schema_version))
                .kv("Type", &format!("{} (tag {})", type_label(d), e.type_tag))
                .kv("Payload", &human_bytes(e.payload_bytes as u64));
        }
        None => {
            h.kv("Envelope", "none (plain bytes)");
        }
    }
    h.kv("Stored", &human_bytes(bytes)).raw("</table>");
    if let Some(err) = &d.error {
        h.el("<p class=\"error\">Not decoded: ", err, "</p>");
    }
    let text = pretty(d);
    h.raw("<pre class=\"value\">")
        .text(&clip(&text, INLINE_CHARS))
        .raw("</pre>");
    if text.chars().nth(INLINE_CHARS).is_some() {
        h.raw("<p class=\"more\">Cut at ")
            .show(INLINE_CHARS)
            .raw(" characters: ")
            .link(more, "see the whole value")
            .raw("</p>");
    }
    if let Some(raw) = raw {
        h.raw("<details class=\"raw\" open><summary>Raw bytes (hex)</summary><pre class=\"hex\">")
            .text(&hexdump(raw.get(..INLINE_HEX).unwrap_or(raw), 0))
            .raw("</pre><p>");
        if raw.len() > INLINE_HEX {
            h.link(more, "all bytes").raw(" · ");
        }
        h.link(&raw_link(ns, key, part), "download")
            .raw("</p></details>");
    }
}

/// `offset  xx xx .. xx  |ascii|`, 16 bytes per line.
fn hexdump(bytes: &[u8], base: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 4 + 16);
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(s, "{:08x}  ", base + i * 16);
        for j in 0..16 {
            match chunk.get(j) {
                Some(b) => {
                    let _ = write!(s, "{b:02x} ");
                }
                None => s.push_str("   "),
            }
        }
        s.push_str(" |");
        for b in chunk {
            s.push(if b.is_ascii_graphic() || *b == b' ' {
                char::from(*b)
            } else {
                '.'
            });
        }
        s.push_str("|\n");
    }
    s
}

fn render_entity(state: &Shared, d: &data::EntityDetail) -> String {
    let (ns, key) = match d.lines.first() {
        Some(InspectLine::Entity { ns, key, .. }) => (ns.as_str(), key.as_str()),
        _ => ("", ""),
    };
    let mut h = page_start(
        &format!("{} / {}", ns, clip(key, KEY_CHARS)),
        &state.shown,
        Nav::Other,
    );
    h.raw("<p class=\"crumbs\"><a href=\"/\">Overview</a> / ")
        .link(&ns_link(ns), &clip(ns, KEY_CHARS))
        .raw(" / entity</p><h1>Entity <span class=\"key\" id=\"entity-key\">")
        .text(key)
        .raw("</span></h1>");
    let mut events = Html::new();
    let mut n_events = 0usize;
    for l in &d.lines {
        match l {
            InspectLine::Entity {
                state_type,
                events,
                last_seq,
                snapshot_at,
                ..
            } => {
                h.raw("<table class=\"kv\" id=\"summary\">")
                    .kv("Namespace", ns)
                    .kv("State type", state_type.as_deref().unwrap_or("(no state)"))
                    .kv("Events stored", &events.to_string())
                    .kv("Last seq", &opt(last_seq))
                    .kv("Snapshot at seq", &opt(snapshot_at))
                    .raw("</table>");
            }
            InspectLine::State { bytes, decoded, .. } => {
                h.raw("<section id=\"state\"><h2>State</h2>");
                let place = (ns, key, Part::State);
                decoded_block(&mut h, decoded, *bytes, d.raw_state.as_deref(), place);
                h.raw("</section>");
            }
            InspectLine::Snapshot {
                at_seq,
                version,
                bytes,
                decoded,
                ..
            } => {
                h.raw("<section id=\"snapshot\"><h2>Snapshot</h2><p>")
                    .text(&format!("At seq {at_seq}, schema version {version}."))
                    .raw("</p>");
                let place = (ns, key, Part::Snapshot);
                decoded_block(&mut h, decoded, *bytes, d.raw_snapshot.as_deref(), place);
                h.raw("</section>");
            }
            InspectLine::Event {
                seq,
                timestamp,
                node_id,
                bytes,
                decoded,
                ..
            } => {
                n_events += 1;
                let text = format!("{}: {}", type_label(decoded), decoded.value);
                events
                    .raw("<tr><td class=\"num\">")
                    .show(seq)
                    .raw("</td><td class=\"num\">")
                    .show(timestamp)
                    .raw("</td><td class=\"key\">")
                    .text(&clip(node_id, KEY_CHARS))
                    .raw("</td><td class=\"num\">")
                    .text(&human_bytes(*bytes))
                    .raw("</td><td><code>")
                    .text(&clip(&text, EVENT_CHARS))
                    .raw("</code>");
                if let Some(err) = &decoded.error {
                    events.el("<div class=\"error\">", &clip(err, EVENT_CHARS), "</div>");
                }
                events
                    .raw("</td><td>")
                    .link(&value_link(ns, key, Part::Event(*seq)), "view")
                    .raw("</td></tr>");
            }
        }
    }
    h.raw("<section id=\"events\"><h2>Event log</h2>");
    if d.events_total == 0 {
        h.raw("<p class=\"muted\">No events stored.</p>");
    } else {
        h.raw("<p class=\"muted\">").text(&format!(
            "Events {}–{} of {} (in seq order)",
            d.events_offset + 1,
            d.events_offset + n_events,
            d.events_total
        ));
        h.raw("</p><table id=\"event-log\"><thead><tr><th>Seq</th><th>Timestamp</th><th>Node</th>")
            .raw("<th>Size</th><th>Payload</th><th></th></tr></thead><tbody>");
        h.raw_html(events);
        h.raw("</tbody></table>");
        let at = |o: usize| {
            entity_link(ns, key)
                .q("events_offset", o)
                .q("events_limit", d.events_limit)
        };
        let window = (d.events_offset, n_events, d.events_total, d.events_limit);
        list_pager(&mut h, window, at);
    }
    h.raw("</section>");
    page_end(h)
}

/// `GET /value?ns=..&key=..&part=..[&seq=..][&offset=..][&hex_offset=..]`: one value,
/// decoded text and hex, a page of each.
pub(crate) async fn value(
    State(state): State<Shared>,
    q: std::result::Result<Query<ValueQuery>, QueryRejection>,
) -> Response {
    let r = api::stored_value(&state, q).await;
    respond(
        &state,
        r.and_then(|(q, bytes)| render_value(&state, &q, &bytes)),
    )
}

/// The largest char boundary of `s` at or below `at`.
fn floor_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn render_value(state: &Shared, q: &ValueQuery, bytes: &[u8]) -> Result<String> {
    let part = q.part()?;
    let decoded = decode(bytes);
    let what = match part {
        Part::State => "state".to_string(),
        Part::Snapshot => "snapshot".to_string(),
        Part::Event(seq) => format!("event #{seq}"),
    };
    let mut h = page_start(
        &format!("{} {}", clip(&q.key, KEY_CHARS), what),
        &state.shown,
        Nav::Other,
    );
    h.raw("<p class=\"crumbs\"><a href=\"/\">Overview</a> / ")
        .link(&ns_link(&q.ns), &clip(&q.ns, KEY_CHARS))
        .raw(" / ")
        .link(&entity_link(&q.ns, &q.key), &clip(&q.key, KEY_CHARS))
        .raw(" / value</p><h1>")
        .text(&what)
        .raw(" of <span class=\"key\">")
        .text(&q.key)
        .raw("</span></h1><table class=\"kv\">")
        .kv("Type", &type_label(&decoded))
        .kv("Stored", &human_bytes(bytes.len() as u64))
        .raw("</table>");
    if let Some(err) = &decoded.error {
        h.el("<p class=\"error\">Not decoded: ", err, "</p>");
    }
    let link = |offset: usize, hex_offset: usize| {
        value_link(&q.ns, &q.key, part)
            .q("offset", offset)
            .q("hex_offset", hex_offset)
    };
    // Decoded text, one page.
    let text = pretty(&decoded);
    if q.offset > text.len() {
        return Err(Error::BadRequest(format!(
            "offset={} is past the end of the decoded text ({} bytes)",
            q.offset,
            text.len()
        )));
    }
    let start = floor_boundary(&text, q.offset);
    let end = floor_boundary(&text, start.saturating_add(VALUE_PAGE_CHARS));
    h.raw("<h2>Decoded</h2><p class=\"muted\">")
        .text(&format!(
            "Bytes {}–{} of {} of the decoded text",
            start,
            end,
            text.len()
        ))
        .raw("</p><pre class=\"value\" id=\"decoded\">")
        .text(text.get(start..end).unwrap_or(""))
        .raw("</pre>");
    pager(
        &mut h,
        (start > 0).then(|| link(0, q.hex_offset)),
        (start > 0).then(|| link(start.saturating_sub(VALUE_PAGE_CHARS), q.hex_offset)),
        (end < text.len()).then(|| link(end, q.hex_offset)),
        None,
    );
    // Hex, one page.
    if q.hex_offset > bytes.len() {
        return Err(Error::BadRequest(format!(
            "hex_offset={} is past the end of the value ({} bytes)",
            q.hex_offset,
            bytes.len()
        )));
    }
    let hs = q.hex_offset / 16 * 16;
    let he = hs.saturating_add(HEX_PAGE).min(bytes.len());
    h.raw("<h2>Hex</h2><p class=\"muted\">")
        .text(&format!("Bytes {}–{} of {} · ", hs, he, bytes.len()))
        .link(&raw_link(&q.ns, &q.key, part), "download")
        .raw("</p><pre class=\"hex\" id=\"hex\">")
        .text(&hexdump(bytes.get(hs..he).unwrap_or(&[]), hs))
        .raw("</pre>");
    pager(
        &mut h,
        (hs > 0).then(|| link(start, 0)),
        (hs > 0).then(|| link(start, hs.saturating_sub(HEX_PAGE))),
        (he < bytes.len()).then(|| link(start, he)),
        None,
    );
    Ok(page_end(h))
}

/// `GET /format`: the layout of a `.crdt` file.
pub(crate) async fn format(
    State(state): State<Shared>,
    q: std::result::Result<Query<NoQuery>, QueryRejection>,
) -> Response {
    let r = match params::take(q) {
        Ok(_) => with_db(&state, data::format_view).await,
        Err(e) => Err(e),
    };
    respond(&state, r.map(|f| render_format(&state, &f)))
}

fn render_format(state: &Shared, f: &data::FormatView) -> String {
    let mut h = page_start("Format", &state.shown, Nav::Format);
    h.raw("<h1>File format</h1>");
    let Some(l) = &f.layout else {
        h.raw("<p class=\"muted\">This is a ")
            .text(&f.format)
            .raw(" database: the format view shows the layout of .crdt files only.</p>");
        return page_end(h);
    };
    h.raw("<table class=\"kv\" id=\"layout\">")
        .kv(
            "Format",
            &format!("{} version {}", f.format, l.format_version),
        )
        .kv("Page size", &human_bytes(l.page_size))
        .kv("File on disk", &human_bytes(f.file_bytes))
        .kv("High-water mark", &human_bytes(l.file_bytes))
        .kv("Live", &human_bytes(l.live_bytes))
        .kv("Free pages", &human_bytes(l.free_bytes))
        .kv("Log extent", &human_bytes(l.log_bytes))
        .kv("Memtable (replayed log)", &human_bytes(l.memtable_bytes))
        .kv("Manifest generation", &l.generation.to_string())
        .raw("</table><h2>Runs</h2>");
    if l.runs.is_empty() {
        h.raw("<p class=\"muted\">No runs: every record is still in the log.</p>");
    } else {
        h.raw("<table id=\"format-runs\"><thead><tr><th>Run</th><th>Level</th><th>Offset</th>")
            .raw("<th>Pages</th><th>Size</th><th>Entries</th></tr></thead><tbody>");
        for r in &l.runs {
            if let StatusLine::Run {
                id,
                level,
                offset,
                bytes,
                entries,
            } = r
            {
                h.raw("<tr><td class=\"num\">")
                    .show(id)
                    .raw("</td><td class=\"num\">")
                    .show(level)
                    .raw("</td><td class=\"num\">")
                    .show(offset)
                    .raw("</td><td class=\"num\">")
                    .show(bytes / l.page_size.max(1))
                    .raw("</td><td class=\"num\">")
                    .text(&human_bytes(*bytes))
                    .raw("</td><td class=\"num\">")
                    .show(entries)
                    .raw("</td></tr>");
            }
        }
        h.raw("</tbody></table>");
    }
    page_end(h)
}
