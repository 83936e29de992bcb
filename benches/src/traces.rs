//! The editing traces: loading the `.json.gz` files and their two formats.
//!
//! The traces are Joseph Gentle's `editing-traces` collection (CC BY 4.0), kept in the shared
//! data folder (`shared/data/traces/` beside the repository). A *sequential* trace is a list of
//! patches `(pos, delete_count, insert)` applied in order to one document; a *concurrent* trace
//! is a list of transactions, each made by one agent on the document its `parents` left.
//! Positions count unicode scalar values.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use serde::Deserialize;

/// One patch: at char `pos`, delete `del` chars, then insert `ins`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Patch(pub usize, pub usize, pub String);

#[derive(Deserialize)]
struct RawSeqTxn {
    patches: Vec<Patch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSeq {
    #[serde(default)]
    start_content: String,
    end_content: String,
    txns: Vec<RawSeqTxn>,
}

/// A sequential trace, its transactions flattened into one patch list.
#[derive(Debug, Clone)]
pub struct SeqTrace {
    /// File stem, e.g. `automerge-paper`.
    pub name: String,
    /// Document before the first patch (empty in every trace we ship).
    pub start_content: String,
    /// Expected document after the last patch.
    pub end_content: String,
    /// Every patch, in order.
    pub patches: Vec<Patch>,
}

impl SeqTrace {
    /// Number of chars inserted plus chars deleted: the "elements" of criterion's throughput.
    pub fn edit_count(&self) -> u64 {
        self.patches
            .iter()
            .map(|p| (p.1 + p.2.chars().count()) as u64)
            .sum()
    }
}

/// One transaction of a concurrent trace.
#[derive(Debug, Clone, Deserialize)]
pub struct ConcTxn {
    /// Indexes of earlier transactions whose merged state this one was made on.
    pub parents: Vec<usize>,
    /// The agent (0-based) that made it.
    pub agent: usize,
    /// Its patches, positions relative to the parents' state and to the earlier patches.
    pub patches: Vec<Patch>,
}

/// A concurrent trace.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConcTrace {
    /// File stem.
    #[serde(skip)]
    pub name: String,
    /// Expected document once every transaction is merged.
    pub end_content: String,
    /// Number of agents.
    pub num_agents: usize,
    /// The transactions, each after its parents.
    pub txns: Vec<ConcTxn>,
}

/// The traces folder: `$CRDT_TRACES_DIR`, else `shared/data/traces` in the first ancestor of
/// this crate that has it (the repository's parent in the project layout).
pub fn traces_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CRDT_TRACES_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in here.ancestors() {
        let candidate = dir.join("shared/data/traces");
        if candidate.is_dir() {
            return Ok(candidate);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "shared/data/traces not found above the crate; set CRDT_TRACES_DIR",
    ))
}

fn read_gz(path: &Path) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(File::open(path)?).read_to_end(&mut out)?;
    Ok(out)
}

fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.trim_end_matches(".json.gz").to_owned()
}

/// Whether the file is a concurrent trace: its `kind` field comes first, so only the head of
/// the stream is decompressed.
fn is_concurrent(path: &Path) -> io::Result<bool> {
    let mut head = Vec::new();
    GzDecoder::new(File::open(path)?)
        .take(64)
        .read_to_end(&mut head)?;
    Ok(head.windows(12).any(|w| w == b"\"concurrent\""))
}

/// Loads one sequential trace by file stem (e.g. `"rustcode"`).
pub fn load_seq(name: &str) -> io::Result<SeqTrace> {
    let path = traces_dir()?.join(format!("{name}.json.gz"));
    let raw: RawSeq = serde_json::from_slice(&read_gz(&path)?)?;
    Ok(SeqTrace {
        name: name.to_owned(),
        start_content: raw.start_content,
        end_content: raw.end_content,
        patches: raw.txns.into_iter().flat_map(|t| t.patches).collect(),
    })
}

/// Loads one concurrent trace by file stem.
pub fn load_conc(name: &str) -> io::Result<ConcTrace> {
    let path = traces_dir()?.join(format!("{name}.json.gz"));
    let mut trace: ConcTrace = serde_json::from_slice(&read_gz(&path)?)?;
    trace.name = name.to_owned();
    Ok(trace)
}

/// The stems of every trace in the folder, split into (sequential, concurrent), each sorted
/// by file size (smallest first).
pub fn list() -> io::Result<(Vec<String>, Vec<String>)> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(traces_dir()?)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .map(|p| (p.metadata().map(|m| m.len()).unwrap_or(0), p))
        .collect();
    files.sort();
    let (mut seq, mut conc) = (Vec::new(), Vec::new());
    for (_, path) in files {
        if is_concurrent(&path)? {
            conc.push(stem(&path));
        } else {
            seq.push(stem(&path));
        }
    }
    Ok((seq, conc))
}
