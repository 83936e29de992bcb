//! The documented size limits (format-spec/README.md, "Limits") and their checks.
//!
//! Every backend calls these before accepting data, so code moves between backends unchanged.

use crate::error::{Error, Result};

/// Longest namespace, in bytes.
pub const MAX_NAMESPACE_LEN: usize = 1024;
/// Longest key or entity name, in bytes.
pub const MAX_KEY_LEN: usize = 16 * 1024;
/// Longest node id, in bytes.
pub const MAX_NODE_ID_LEN: usize = 1024;
/// Longest value, event data or snapshot state, in bytes.
pub const MAX_VALUE_LEN: usize = 16 * 1024 * 1024;
/// Largest encoded commit (one batch), in bytes.
pub const MAX_COMMIT_LEN: usize = 64 * 1024 * 1024;

fn check(what: &'static str, len: usize, max: usize) -> Result<()> {
    if len > max {
        Err(Error::TooLarge { what, len, max })
    } else {
        Ok(())
    }
}

pub(crate) fn namespace(ns: &str) -> Result<()> {
    check("namespace", ns.len(), MAX_NAMESPACE_LEN)
}

pub(crate) fn key(key: &str) -> Result<()> {
    check("key", key.len(), MAX_KEY_LEN)
}

pub(crate) fn node_id(node: &str) -> Result<()> {
    check("node id", node.len(), MAX_NODE_ID_LEN)
}

pub(crate) fn value(value: &[u8]) -> Result<()> {
    check("value", value.len(), MAX_VALUE_LEN)
}

pub(crate) fn commit(len: usize) -> Result<()> {
    check("commit", len, MAX_COMMIT_LEN)
}

pub(crate) fn ns_key(ns: &str, k: &str) -> Result<()> {
    namespace(ns)?;
    key(k)
}
