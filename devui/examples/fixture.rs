//! Writes the dev UI's fixture database: `cargo run -p crdt-dev-ui --example fixture -- PATH`.
//!
//! The end-to-end browser test (`e2e/run.sh`) and the route tests (`tests/routes.rs`) use
//! it: decoded crdt-kit values (ORSet, TextCrdt, GCounter), an event log with a snapshot,
//! a value long enough to be cut, a namespace with more entities than one page, and hostile
//! names (a key `<script>alert(1)</script>`, markup in a value and in a namespace).

use crdt_kit::{GCounter, ORSet, TextCrdt};
use crdt_store::{EventStore, NativeStore, StateStore};

/// The key that must render as text.
pub const XSS_KEY: &str = "<script>alert(1)</script>";
/// A namespace name with markup and quotes.
pub const XSS_NS: &str = "x\"ss'<b>ns</b>";
/// Entities in the `sensors` namespace (more than one page of 50).
pub const SENSORS: usize = 120;
/// Characters of the long text in `docs/long`.
pub const LONG_CHARS: usize = 20_000;

/// Creates the fixture at `path` (which must not exist).
pub fn build(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let db = NativeStore::open(path)?;
    let mut tags = ORSet::new("editor");
    for t in ["draft", "published", "reviewed"] {
        tags.insert(t.to_string());
    }
    db.put("docs", "readme-tags", &crdt_migrate::write(&tags)?)?;
    let mut text = TextCrdt::new("editor");
    text.insert_str(0, "Hello from the dev UI")?;
    db.put("docs", "readme", &crdt_migrate::write(&text)?)?;
    let mut long = TextCrdt::new("editor");
    long.insert_str(0, &"0123456789".repeat(LONG_CHARS / 10))?;
    db.put("docs", "long", &crdt_migrate::write(&long)?)?;

    for i in 0..SENSORS {
        let mut c = GCounter::new("gateway");
        for _ in 0..=i % 7 {
            c.increment();
        }
        db.put("sensors", &format!("s-{i:03}"), &crdt_migrate::write(&c)?)?;
    }

    for (i, title) in ["write docs", "review docs", "ship it"].iter().enumerate() {
        let seq = db.append_event(
            "tasks",
            "task-1",
            format!("{{\"op\":\"rename\",\"title\":\"{title}\"}}").as_bytes(),
            1_000 + i as u64,
            "alice",
        )?;
        if seq == 2 {
            db.save_snapshot("tasks", "task-1", b"{\"title\":\"review docs\"}", 2, 1)?;
        }
    }

    let mut hostile = ORSet::new("mallory");
    hostile.insert("<img src=x onerror=alert(2)>".to_string());
    db.put("xss", XSS_KEY, &crdt_migrate::write(&hostile)?)?;
    db.put(XSS_NS, "k\"'&<>", b"<b>plain</b>")?;
    db.close()?;
    Ok(())
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args_os().nth(1) else {
        return Err("usage: fixture PATH".into());
    };
    let path = std::path::PathBuf::from(path);
    if path.exists() {
        return Err(format!("{}: exists; remove it first", path.display()).into());
    }
    build(&path)?;
    println!("{}", path.display());
    Ok(())
}
