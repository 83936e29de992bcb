//! `crdt dev-ui` as a user runs it: the binary prints its URL, serves the database, and its
//! JSON API answers with exactly the lines `crdt status --json` and `crdt inspect --json`
//! print; a non-loopback `--bind` prints a warning.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crdt_store::{EventStore, NativeStore, StateStore};

fn fixture(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("app.crdt");
    let db = NativeStore::open(&path).unwrap();
    let mut set = crdt_kit::ORSet::new("a");
    set.insert("milk".to_string());
    db.put(
        "cart",
        "<script>alert(1)</script>",
        &crdt_migrate::write(&set).unwrap(),
    )
    .unwrap();
    for t in 0..3 {
        db.append_event("tasks", "task-1", format!("e{t}").as_bytes(), t, "node-a")
            .unwrap();
    }
    db.close().unwrap();
    path
}

/// A running `crdt dev-ui`, killed on drop. Its stdout is closed after the first line, as
/// with `crdt dev-ui db | head -1`: the server must keep serving.
struct Server {
    child: Child,
    addr: String,
    stderr: std::process::ChildStderr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crdt"))
        .arg("dev-ui")
        .arg(db)
        .args(["--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"));
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let stderr = child.stderr.take().unwrap();
    Server {
        child,
        addr,
        stderr,
    }
}

/// `GET path` over HTTP/1.1; the status line and the body.
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

fn crdt(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crdt"));
    for a in args {
        c.arg(a);
    }
    c.output().unwrap()
}

#[test]
fn api_answers_what_the_cli_prints() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let server = start(&db, &[]);
    assert!(server.addr.starts_with("127.0.0.1:"), "{}", server.addr);

    let cli = crdt(&[&"status", &db, &"--json"]);
    let (status, body) = get(&server.addr, "/api/status?format=jsonl");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, String::from_utf8(cli.stdout).unwrap());

    let cli = crdt(&[
        &"inspect",
        &db,
        &"task-1",
        &"-n",
        &"tasks",
        &"--events",
        &"--json",
    ]);
    let (_, body) = get(
        &server.addr,
        "/api/entity?ns=tasks&key=task-1&events_offset=0&format=jsonl",
    );
    assert_eq!(body, String::from_utf8(cli.stdout).unwrap());

    let cli = crdt(&[&"export", &db, &"--jsonl"]);
    let (_, body) = get(&server.addr, "/api/records?limit=500&format=jsonl");
    assert_eq!(body, String::from_utf8(cli.stdout).unwrap());

    let (status, page) = get(&server.addr, "/namespace?ns=cart");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert"));
    let (status, _) = get(&server.addr, "/entity?ns=cart&key=nope");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
}

#[test]
fn non_loopback_bind_warns_and_bad_addresses_fail() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut server = start(&db, &["--bind", "0.0.0.0"]);
    let mut warning = String::new();
    BufReader::new(&mut server.stderr)
        .read_line(&mut warning)
        .unwrap();
    assert!(
        warning.starts_with("warning: listening on 0.0.0.0:"),
        "{warning}"
    );
    assert!(warning.contains("no authentication"), "{warning}");
    drop(server);

    let o = crdt(&[&"dev-ui", &db, &"--bind", &"example.org"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("crdt: --bind \"example.org\" is not an IP address"),
        "{err}"
    );
    let o = crdt(&[&"dev-ui", &dir.path().join("missing.crdt"), &"--port", &"0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .contains("no such file"));
}
