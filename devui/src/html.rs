//! Building HTML safely: every piece of stored data goes through [`Html::text`] (element
//! content) or [`Html::attr`] (a quoted attribute value), and links are built with [`Link`],
//! which percent-encodes each query value. Markup itself can only be appended from
//! `&'static str` ([`Html::raw`]), so no runtime string reaches the page unescaped.
//!
//! The page frame (header, navigation, refresh controls) and the embedded assets live here
//! too; the pages themselves are in `pages.rs`.

use std::fmt::Write as _;

/// An HTML document under construction.
#[derive(Debug, Default)]
pub struct Html(String);

/// Escapes `s` for element content and double- or single-quoted attribute values.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are shown as U+FFFD: they are
            // invalid in HTML and can confuse terminals when the page is copied.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `s` escaped (see [`escape_into`]).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Percent-encodes `s` for a URL query value: everything except the RFC 3986 unreserved
/// characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` of its UTF-8 bytes.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A same-origin link: a fixed path and query parameters, each value percent-encoded.
#[derive(Debug, Clone)]
pub struct Link {
    path: &'static str,
    query: Vec<(&'static str, String)>,
}

impl Link {
    /// A link to `path` (one of the server's fixed routes).
    pub fn to(path: &'static str) -> Self {
        Link {
            path,
            query: Vec::new(),
        }
    }

    /// Adds a query parameter.
    pub fn q(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// The URL (not yet HTML-escaped: [`Html::link`] and [`Html::attr`] escape it).
    pub fn url(&self) -> String {
        let mut s = self.path.to_string();
        for (i, (name, value)) in self.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(name);
            s.push('=');
            s.push_str(&percent_encode(value));
        }
        s
    }
}

impl Html {
    /// An empty document.
    pub fn new() -> Self {
        Html(String::with_capacity(8 * 1024))
    }

    /// Appends markup. Only compile-time strings are accepted, so data cannot slip in.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// Appends another document built the same way.
    pub fn raw_html(&mut self, other: Html) -> &mut Self {
        self.0.push_str(&other.0);
        self
    }

    /// Appends text, escaped.
    pub fn text(&mut self, s: &str) -> &mut Self {
        escape_into(&mut self.0, s);
        self
    }

    /// Appends a number or other `Display` value, escaped.
    pub fn show(&mut self, v: impl std::fmt::Display) -> &mut Self {
        escape_into(&mut self.0, &v.to_string());
        self
    }

    /// Appends `"value"` (with the quotes), escaped, for an attribute.
    pub fn attr(&mut self, value: &str) -> &mut Self {
        self.0.push('"');
        escape_into(&mut self.0, value);
        self.0.push('"');
        self
    }

    /// `<a href="url">text</a>`.
    pub fn link(&mut self, to: &Link, text: &str) -> &mut Self {
        self.raw("<a href=")
            .attr(&to.url())
            .raw(">")
            .text(text)
            .raw("</a>")
    }

    /// `<tag>text</tag>` for a fixed tag.
    pub fn el(&mut self, open: &'static str, text: &str, close: &'static str) -> &mut Self {
        self.raw(open).text(text).raw(close)
    }

    /// A right-aligned table cell: `<td class="num">v</td>`, escaped.
    pub fn num(&mut self, v: impl std::fmt::Display) -> &mut Self {
        self.raw("<td class=\"num\">").show(v).raw("</td>")
    }

    /// A `<th>`/`<td>` pair in a key-value table.
    pub fn kv(&mut self, key: &'static str, value: &str) -> &mut Self {
        self.raw("<tr><th>")
            .raw(key)
            .raw("</th><td>")
            .text(value)
            .raw("</td></tr>")
    }

    /// The document so far.
    pub fn into_string(self) -> String {
        self.0
    }
}

pub use crdt_inspect::human_bytes;

/// Shortens `s` to at most `max` characters, appending `…` when it was cut.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", s.get(..at).unwrap_or(s))),
    }
}

/// The stylesheet, embedded (dark theme; no external fonts).
pub const STYLE_CSS: &str = include_str!("../assets/style.css");
/// The script: refresh button and auto-refresh, nothing else.
pub const APP_JS: &str = include_str!("../assets/app.js");

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// The overview.
    Overview,
    /// The format view.
    Format,
    /// Any other page.
    Other,
}

/// Starts a page: `<head>`, the header with the file name, navigation and refresh controls.
pub fn page_start(title: &str, file: &str, nav: Nav) -> Html {
    let mut h = Html::new();
    h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw(" · crdt dev-ui</title>")
        .raw("<link rel=\"stylesheet\" href=\"/assets/style.css\">")
        .raw("<script src=\"/assets/app.js\" defer></script></head><body>")
        .raw("<header><a class=\"brand\" href=\"/\">crdt dev-ui</a>")
        .raw("<span class=\"file\" title=")
        .attr(file)
        .raw(">")
        .text(file)
        .raw("</span><nav>");
    let cur = |h: &mut Html, on: bool| {
        h.raw(if on { " class=\"current\"" } else { "" });
    };
    h.raw("<a href=\"/\"");
    cur(&mut h, nav == Nav::Overview);
    h.raw(">Overview</a><a href=\"/format\"");
    cur(&mut h, nav == Nav::Format);
    h.raw(">Format</a></nav>")
        .raw("<span class=\"live\"><button id=\"refresh\" type=\"button\">Refresh</button>")
        .raw("<label><input id=\"auto\" type=\"checkbox\"> auto (2 s)</label></span>")
        .raw("</header><main>");
    h
}

/// Ends a page.
pub fn page_end(mut h: Html) -> String {
    h.raw("</main><footer>read-only view · data as of this page load</footer></body></html>\n");
    h.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c\nd"), "a\u{FFFD}b\u{FFFD}c\nd");
    }

    #[test]
    fn links_percent_encode_then_escape() {
        let l = Link::to("/entity").q("ns", "a b&c").q("key", "<x>/\"y\"é");
        assert_eq!(l.url(), "/entity?ns=a%20b%26c&key=%3Cx%3E%2F%22y%22%C3%A9");
        let mut h = Html::new();
        h.link(&l, "<x>");
        let s = h.into_string();
        assert!(
            s.starts_with("<a href=\"/entity?ns=a%20b%26c&amp;key="),
            "{s}"
        );
        assert!(s.ends_with(">&lt;x&gt;</a>"), "{s}");
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("héllo", 10), "héllo");
        assert_eq!(clip("héllo", 2), "hé…");
    }
}
