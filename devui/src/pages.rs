//! The HTML pages: overview, namespace, entity, value and format, plus the 404 and error
//! pages. Every stored string is written through [`Html::text`] / [`Html::attr`] and every
//! link through [`Link`] (see `html.rs`); values longer than [`INLINE_CHARS`] are cut with
//! a link to `/value`, which pages through the whole value.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use crdt_inspect::{
    decode, type_name, Decoded, EntityPage, EntityReport, FormatView, RunStatus, StatusReport,
};

use crate::api::{self, with_db};
use crate::data::{self, Part};
use crate::error::{Error, Result};
use crate::html::{clip, human_bytes, page_end, page_start, Html, Link, Nav};
use crate::params::{self, EntityQuery, NamespaceQuery, NoQuery, OverviewQuery, ValueQuery};
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

/// Namespaces per overview page.
pub const NAMESPACE_PAGE: u64 = 200;

/// `GET /[?ns_offset=N]`: file, namespaces (a page of them), runs.
pub(crate) async fn overview(
    State(state): State<Shared>,
    q: std::result::Result<Query<OverviewQuery>, QueryRejection>,
) -> Response {
    let r = match params::take(q) {
        Ok(q) => with_db(&state, |db| Ok(crdt_inspect::status(db)?))
            .await
            .map(|report| (q, report)),
        Err(e) => Err(e),
    };
    respond(
        &state,
        r.map(|(q, report)| render_overview(&state, &q, &report)),
    )
}

fn render_overview(state: &Shared, q: &OverviewQuery, r: &StatusReport) -> String {
    let mut h = page_start("Overview", &state.shown, Nav::Overview);
    let f = &r.file;
    h.raw("<h1>Overview</h1><table class=\"kv\" id=\"file\">")
        .kv("File", &f.path)
        .kv("Format", &f.format)
        .kv("Format version", &opt(&f.format_version))
        .kv("Size", &human_bytes(f.file_bytes))
        .kv("Live", &opt_bytes(&f.live_bytes))
        .kv("Free", &opt_bytes(&f.free_bytes))
        .kv("Log", &opt_bytes(&f.log_bytes))
        .kv("Generation", &opt(&f.generation))
        .kv("Runs", &opt(&f.runs))
        .kv("Namespaces", &f.namespaces.to_string())
        .raw("</table><h2>Namespaces</h2>");
    if r.namespaces.is_empty() {
        h.raw("<p class=\"muted\">The database is empty.</p>");
    } else {
        let total = r.namespaces.len() as u64;
        let first = q.ns_offset.min(total);
        let shown = r
            .namespaces
            .iter()
            .skip(usize::try_from(first).unwrap_or(usize::MAX))
            .take(NAMESPACE_PAGE as usize);
        if total > NAMESPACE_PAGE {
            let end = first.saturating_add(NAMESPACE_PAGE).min(total);
            h.raw("<p class=\"muted\">")
                .text(&format!("Namespaces {}–{end} of {total}", first + 1))
                .raw("</p>");
        }
        h.raw("<table id=\"namespaces\"><thead><tr><th>Namespace</th><th>Entities</th>")
            .raw("<th>States</th><th>Events</th><th>Snapshots</th></tr></thead><tbody>");
        for n in shown {
            h.raw("<tr><td class=\"key\">")
                .link(&ns_link(&n.name), &clip(&n.name, KEY_CHARS))
                .raw("</td>")
                .num(n.entities)
                .num(n.states)
                .num(n.events)
                .num(n.snapshots)
                .raw("</tr>");
        }
        h.raw("</tbody></table>");
        if total > NAMESPACE_PAGE {
            let at = |o: u64| Link::to("/").q("ns_offset", o);
            let shown = total.saturating_sub(first).min(NAMESPACE_PAGE);
            list_pager(&mut h, (first, shown, total, NAMESPACE_PAGE), at);
        }
    }
    if !r.runs.is_empty() {
        h.raw("<h2>Runs</h2><p class=\"muted\">Size-tiered compaction: every run is at level 0. ")
            .raw("<a href=\"/format\">File layout</a></p>");
        runs_table(&mut h, &r.runs);
    }
    page_end(h)
}

/// The runs of a `.crdt` file (overview and format page).
fn runs_table(h: &mut Html, runs: &[RunStatus]) {
    h.raw("<table class=\"runs\"><thead><tr><th>Run</th><th>Level</th><th>Offset</th>")
        .raw("<th>Size</th><th>Entries</th></tr></thead><tbody>");
    for r in runs {
        h.raw("<tr>")
            .num(r.id)
            .num(r.level)
            .num(r.offset)
            .num(human_bytes(r.bytes))
            .num(r.entries)
            .raw("</tr>");
    }
    h.raw("</tbody></table>");
}

/// `GET /namespace?ns=..[&prefix=..][&offset=..][&limit=..]`.
pub(crate) async fn namespace(
    State(state): State<Shared>,
    q: std::result::Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    let r = api::namespace_page(&state, q).await;
    respond(&state, r.map(|(q, p)| render_namespace(&state, &q, &p)))
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
    (offset, shown, total, limit): (u64, u64, u64, u64),
    at: impl Fn(u64) -> Link,
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

fn render_namespace(state: &Shared, q: &NamespaceQuery, p: &EntityPage) -> String {
    let mut h = page_start(&format!("Namespace {}", q.ns), &state.shown, Nav::Other);
    h.raw("<p class=\"crumbs\"><a href=\"/\">Overview</a> / namespace</p>")
        .raw("<h1>Namespace <span class=\"key\" id=\"ns-name\">")
        .text(&q.ns)
        .raw("</span></h1>")
        .raw("<form class=\"filter\" method=\"get\" action=\"/namespace\">")
        .raw("<input type=\"hidden\" name=\"ns\" value=")
        .attr(&q.ns)
        .raw("><label>Key prefix <input name=\"prefix\" value=")
        .attr(&q.prefix)
        .raw(" placeholder=\"(all keys)\"></label><button type=\"submit\">Filter</button></form>");
    let shown = p.items.len() as u64;
    h.raw("<p class=\"muted\" id=\"count\">");
    if p.items.is_empty() {
        h.text(&format!("No entity of {} matches.", p.total));
    } else {
        h.text(&format!(
            "Entities {}–{} of {}",
            p.page.offset + 1,
            p.page.offset + shown,
            p.total
        ));
    }
    if !q.prefix.is_empty() {
        h.text(" with the key prefix ")
            .el("<span class=\"key\">", &q.prefix, "</span>");
    }
    h.raw("</p><table id=\"entities\"><thead><tr><th>Key</th><th>State type</th>")
        .raw("<th>Events</th><th>Last seq</th><th>Snapshot at</th></tr></thead><tbody>");
    for e in &p.items {
        h.raw("<tr><td class=\"key\">")
            .link(&entity_link(&e.ns, &e.key), &clip(&e.key, KEY_CHARS))
            .raw("</td><td>")
            .text(e.state_type.as_deref().unwrap_or("(no state)"))
            .raw("</td>")
            .num(e.events)
            .num(opt(&e.last_seq))
            .num(opt(&e.snapshot_at))
            .raw("</tr>");
    }
    h.raw("</tbody></table>");
    let at = |offset: u64| {
        Link::to("/namespace")
            .q("ns", &q.ns)
            .q("prefix", &q.prefix)
            .q("offset", offset)
            .q("limit", p.page.limit)
    };
    list_pager(&mut h, (p.page.offset, shown, p.total, p.page.limit), at);
    page_end(h)
}

/// `GET /entity?ns=..&key=..[&events_offset=..][&events_limit=..]`.
pub(crate) async fn entity(
    State(state): State<Shared>,
    q: std::result::Result<Query<EntityQuery>, QueryRejection>,
) -> Response {
    // The stored bytes for the hex views, from the same snapshot as the report.
    let raw = |db: &crdt_inspect::Db, q: &EntityQuery| {
        Ok((
            data::value(db, &q.ns, &q.key, Part::State)?,
            data::value(db, &q.ns, &q.key, Part::Snapshot)?,
        ))
    };
    let r = api::entity_detail(&state, q, raw).await;
    respond(
        &state,
        r.map(|(q, report, raw)| render_entity(&state, &q, &report, &raw)),
    )
}

/// A value whose decoded form is only text (`{"text": s}`: a TextCrdt, printable plain
/// bytes) as that text; anything else as JSON, `pretty` or on one line.
fn readable(d: &Decoded, pretty: bool) -> String {
    if let Some(serde_json::Value::String(t)) = d
        .value
        .as_object()
        .and_then(|o| o.get("text").filter(|_| o.len() == 1))
    {
        return t.clone();
    }
    let json = if pretty {
        serde_json::to_string_pretty(&d.value)
    } else {
        serde_json::to_string(&d.value)
    };
    json.unwrap_or_else(|e| e.to_string())
}

fn type_label(d: &Decoded) -> String {
    match d.envelope {
        Some(_) => type_name(d),
        None => "plain (no envelope)".into(),
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
    let text = readable(d, true);
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

/// The stored state and snapshot bytes, for the hex views.
type Raw = (Option<Vec<u8>>, Option<Vec<u8>>);

fn render_entity(state: &Shared, q: &EntityQuery, r: &EntityReport, raw: &Raw) -> String {
    let (ns, key) = (q.ns.as_str(), q.key.as_str());
    let mut h = page_start(
        &format!("{} / {}", ns, clip(key, KEY_CHARS)),
        &state.shown,
        Nav::Other,
    );
    let s = &r.summary;
    h.raw("<p class=\"crumbs\"><a href=\"/\">Overview</a> / ")
        .link(&ns_link(ns), &clip(ns, KEY_CHARS))
        .raw(" / entity</p><h1>Entity <span class=\"key\" id=\"entity-key\">")
        .text(key)
        .raw("</span></h1><table class=\"kv\" id=\"summary\">")
        .kv("Namespace", ns)
        .kv(
            "State type",
            s.state_type.as_deref().unwrap_or("(no state)"),
        )
        .kv("Events stored", &s.events.to_string())
        .kv("Last seq", &opt(&s.last_seq))
        .kv("Snapshot at seq", &opt(&s.snapshot_at))
        .raw("</table>");
    if let Some(st) = &r.state {
        h.raw("<section id=\"state\"><h2>State</h2>");
        let place = (ns, key, Part::State);
        decoded_block(&mut h, &st.decoded, st.bytes, raw.0.as_deref(), place);
        h.raw("</section>");
    }
    if let Some(sn) = &r.snapshot {
        h.raw("<section id=\"snapshot\"><h2>Snapshot</h2><p>")
            .text(&format!(
                "At seq {}, schema version {}.",
                sn.at_seq, sn.version
            ))
            .raw("</p>");
        let place = (ns, key, Part::Snapshot);
        decoded_block(&mut h, &sn.decoded, sn.bytes, raw.1.as_deref(), place);
        h.raw("</section>");
    }
    h.raw("<section id=\"events\"><h2>Event log</h2>");
    let shown = r.events.len() as u64;
    if s.events == 0 {
        h.raw("<p class=\"muted\">No events stored.</p>");
    } else {
        h.raw("<p class=\"muted\">").text(&format!(
            "Events {}–{} of {} (in seq order)",
            r.events_offset + 1,
            r.events_offset + shown,
            s.events
        ));
        h.raw("</p><table id=\"event-log\"><thead><tr><th>Seq</th><th>Timestamp</th>")
            .raw("<th>Node</th><th>Size</th><th>Payload</th><th></th></tr></thead><tbody>");
        for ev in &r.events {
            let d = &ev.decoded;
            let text = format!("{}: {}", type_name(d), readable(d, false));
            h.raw("<tr>")
                .num(ev.seq)
                .num(ev.timestamp)
                .raw("<td class=\"key\">")
                .text(&clip(&ev.node_id, KEY_CHARS))
                .raw("</td>")
                .num(human_bytes(ev.bytes))
                .raw("<td><code>")
                .text(&clip(&text, EVENT_CHARS))
                .raw("</code>");
            if let Some(err) = &d.error {
                h.el("<div class=\"error\">", &clip(err, EVENT_CHARS), "</div>");
            }
            h.raw("</td><td>")
                .link(&value_link(ns, key, Part::Event(ev.seq)), "view")
                .raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        let limit = q.events_limit().unwrap_or(crate::DEFAULT_PAGE as u64);
        let at = |o: u64| {
            entity_link(ns, key)
                .q("events_offset", o)
                .q("events_limit", limit)
        };
        list_pager(&mut h, (r.events_offset, shown, s.events, limit), at);
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
    let text = readable(&decoded, true);
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
    let r = api::format_report(&state, q).await;
    respond(&state, r.map(|f| render_format(&state, &f)))
}

/// `x` and `width` of a segment `[offset, offset + len)` of a file of `total` bytes, on a
/// bar 1000 units wide (at least 1 unit, so small extents stay visible).
fn segment(offset: u64, len: u64, total: u64) -> (u64, u64) {
    let total = total.max(1);
    let x = offset.saturating_mul(1000) / total;
    let w = (len.saturating_mul(1000) / total).max(1);
    (x.min(1000), w.min(1000 - x.min(999)))
}

/// The file as a bar: header and superblocks, the current manifest, the runs.
fn file_map(h: &mut Html, f: &FormatView) {
    let total = f.file_bytes.max(1);
    h.raw("<svg class=\"map\" viewBox=\"0 0 1000 24\" preserveAspectRatio=\"none\" ")
        .raw("role=\"img\" aria-label=\"file map\">")
        .raw("<rect class=\"free\" x=\"0\" y=\"0\" width=\"1000\" height=\"24\"></rect>");
    let mut rect = |class: &'static str, offset: u64, len: u64, title: String| {
        let (x, w) = segment(offset, len, total);
        h.raw("<rect class=\"")
            .raw(class)
            .raw("\" y=\"0\" height=\"24\" x=")
            .attr(&x.to_string())
            .raw(" width=")
            .attr(&w.to_string())
            .raw("><title>")
            .text(&title)
            .raw("</title></rect>");
    };
    rect("head", 0, 3 * f.page_size, "header and superblocks".into());
    if let Some(sb) = f.superblocks.iter().find(|s| s.current) {
        if let (Some(page), Some(len)) = (sb.manifest_page, sb.manifest_len) {
            let at = page.saturating_mul(f.page_size);
            rect("manifest", at, u64::from(len), format!("manifest at {at}"));
        }
    }
    for r in &f.runs {
        let title = format!("run {} at {}: {}", r.id, r.offset, human_bytes(r.bytes));
        rect("run", r.offset, r.bytes, title);
    }
    h.raw("</svg><p class=\"legend muted\"><span class=\"sw head\"></span> header, superblocks ")
        .raw("<span class=\"sw manifest\"></span> manifest <span class=\"sw run\"></span> runs ")
        .raw("<span class=\"sw free\"></span> log, free pages</p>");
}

fn render_format(state: &Shared, f: &FormatView) -> String {
    let mut h = page_start("Format", &state.shown, Nav::Format);
    h.raw("<h1>File format</h1>");
    file_map(&mut h, f);
    h.raw("<table class=\"kv\" id=\"layout\">")
        .kv("Format", &format!("crdt version {}", f.format_version))
        .kv("Page size", &human_bytes(f.page_size))
        .kv("High-water mark", &human_bytes(f.file_bytes))
        .kv("Live", &human_bytes(f.live_bytes))
        .kv("Free pages", &human_bytes(f.free_bytes))
        .kv("Log extent", &human_bytes(f.log_bytes))
        .kv(
            "Memtable (log not yet in a run)",
            &human_bytes(f.memtable_bytes),
        )
        .kv("Manifest generation", &f.generation.to_string())
        .raw("</table><h2>Superblocks</h2>")
        .raw("<p class=\"muted\">Two slots, two copies each; generation g is written to slot ")
        .raw("g mod 2, and the valid copy with the highest generation is current.</p>")
        .raw("<table id=\"superblocks\"><thead><tr><th>Slot</th><th>Copy</th><th>Offset</th>")
        .raw("<th>State</th><th>Generation</th><th>Manifest page</th><th>Manifest size</th>")
        .raw("</tr></thead><tbody>");
    for sb in &f.superblocks {
        let what = match (sb.valid, sb.current) {
            (_, true) => "current",
            (true, false) if sb.generation == Some(f.generation) => "valid (second copy)",
            (true, false) => "valid (older)",
            (false, _) => "invalid or unused",
        };
        h.raw("<tr>")
            .num(sb.slot)
            .num(sb.copy)
            .num(sb.offset)
            .el("<td>", what, "</td>")
            .num(opt(&sb.generation))
            .num(opt(&sb.manifest_page))
            .num(opt(&sb.manifest_len))
            .raw("</tr>");
    }
    h.raw("</tbody></table><h2>Runs</h2>");
    if f.runs.is_empty() {
        h.raw("<p class=\"muted\">No runs: every record is still in the log.</p>");
    } else {
        runs_table(&mut h, &f.runs);
    }
    page_end(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_boundary_never_splits_a_character() {
        let s = "aé€😀b";
        for at in 0..=s.len() + 3 {
            let b = floor_boundary(s, at);
            assert!(s.is_char_boundary(b) && b <= at.min(s.len()), "{at} -> {b}");
        }
        assert_eq!(floor_boundary(s, 2), 1);
    }

    #[test]
    fn segments_stay_on_the_bar() {
        assert_eq!(segment(0, 4096, 4096 * 1000), (0, 1));
        assert_eq!(segment(500, 500, 1000), (500, 500));
        assert_eq!(segment(999, 10, 1000), (999, 1));
        assert_eq!(segment(5000, 10, 1000), (1000, 1));
        let (x, w) = segment(u64::MAX, u64::MAX, 0);
        assert!(x <= 1000 && w >= 1);
    }

    #[test]
    fn hexdump_lines() {
        let d = hexdump(b"<a>\x00\xffzzzzzzzzzzzzzz", 32);
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("00000020  3c 61 3e 00 ff 7a"), "{d}");
        assert!(lines[0].ends_with("|<a>..zzzzzzzzzzz|"), "{d}");
        assert!(lines[1].starts_with("00000030  7a 7a 7a "), "{d}");
    }
}
