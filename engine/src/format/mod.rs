//! Codecs for the on-disk structures of format-spec/, one module per structure: layout,
//! constants, encode, decode, nothing else (STYLE.md habit 2).

pub(crate) mod block;
pub(crate) mod bloom;
pub(crate) mod commit;
pub(crate) mod cursor;
pub(crate) mod footer;
pub(crate) mod header;
pub(crate) mod log_record;
pub(crate) mod manifest;
pub(crate) mod superblock;
