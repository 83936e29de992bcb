//! Codecs for the on-disk structures of format-spec/, one module per structure.

#[allow(dead_code)] // parts are used by the native engine, the next layer
pub(crate) mod cursor;
