//! One target per decoder: the engine's log records, run blocks and manifest (through
//! `crdt_store::fuzzing`), and the version envelope of crdt-migrate.

use crdt_migrate::envelope::{self, Detected};

/// The log record framing and commit payloads (format-spec/log.md).
pub fn log_record(data: &[u8]) {
    crdt_store::fuzzing::log_record(data);
}

/// Run blocks: framing, data entries, index, bloom filter, footer, keys and values
/// (format-spec/runs.md, keys.md).
pub fn block(data: &[u8]) {
    crdt_store::fuzzing::block(data);
}

/// The manifest, superblocks and file header (format-spec/manifest.md,
/// header-and-superblocks.md).
pub fn manifest(data: &[u8]) {
    crdt_store::fuzzing::manifest(data);
}

/// The version envelope (format-spec/envelope.md): what [`envelope::detect`] accepts
/// re-encodes to the same bytes, and what [`envelope::encode`] writes is detected as
/// itself. Odd first bytes wrap the rest in a valid envelope first.
pub fn envelope(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        let version = (mode >> 1).max(1);
        let tag = mode % (envelope::MAX_TYPE_TAG + 1);
        let Ok(wrapped) = envelope::encode(version, tag, rest) else {
            panic!("encode refused version {version} tag {tag}");
        };
        match envelope::detect(&wrapped) {
            Ok(Detected::Envelope(e)) => {
                assert_eq!(
                    (e.schema_version, e.type_tag, e.payload),
                    (version, tag, rest)
                );
            }
            other => panic!("a fresh envelope detected as {other:?}"),
        }
        wrapped
    } else {
        rest.to_vec()
    };
    match envelope::detect(&bytes) {
        Ok(Detected::Envelope(e)) => {
            let again = envelope::encode(e.schema_version, e.type_tag, e.payload);
            assert_eq!(
                again.as_deref().ok(),
                Some(bytes.as_slice()),
                "envelope round trip"
            );
        }
        Ok(Detected::Plain(p)) => assert_eq!(p, bytes.as_slice()),
        Err(_) => {}
    }
    // The migrator on hostile bytes: an error or a value, never a panic.
    let m = crdt_migrate::Migrator::new();
    let _ = m.upgrade_latest("fuzz", &bytes);
    let _ = m.upgrade("fuzz", mode % 11, &bytes, mode);
}
