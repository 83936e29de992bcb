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

/// Hostile bytes: every decoder returns an error or a value for arbitrary input, never
/// panics, and never allocates more than its input justifies.
#[cfg(test)]
mod hostile_tests {
    use proptest::prelude::*;

    proptest! {
        // Miri interprets every step: a few cases there check for UB, not coverage.
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 8 } else { 2000 },
            ..ProptestConfig::default()
        })]

        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = super::header::decode(&bytes);
            let _ = super::superblock::Superblock::newest(&[&bytes, &bytes]);
            let _ = super::manifest::Manifest::decode(&bytes, 1);
            let _ = super::commit::decode(&bytes);
            let _ = super::block::unframe(&bytes, "data block");
            let _ = super::block::decode_entries(&bytes);
            let _ = super::block::unframe_owned(bytes.clone(), "data block");
            if let Ok(b) = super::block::DataBlock::decode(bytes.clone()) {
                for i in 0..b.len() {
                    let _ = b.entry(i);
                }
                let _ = b.find(&bytes);
            }
            let _ = super::block::decode_v2(&bytes);
            let _ = super::block::check_plain_block_v2(&bytes, &bytes);
            let _ = super::block::find_in_plain_block_v2(&bytes, bytes.get(..20).unwrap_or(&[]));
            let _ = super::block::decode_index(&bytes, 100);
            if let Ok(b) = super::bloom::Bloom::decode_version(&bytes, 2) {
                let _ = b.may_contain(&bytes);
            }
            let _ = super::bloom::Bloom::decode_version(&bytes, 1);
            let _ = super::footer::Footer::decode(&bytes, bytes.len() as u64);
            let _ = crate::keys::decode_key(&bytes);
            let _ = crate::keys::decode_event_value(1, &bytes);
            let _ = crate::keys::decode_snapshot_value(&bytes);
            let r = super::log_record::replay(&bytes, 1);
            prop_assert!(r.commits.iter().all(|(p, end)| p.len() <= *end));
        }

        #[test]
        fn valid_manifest_with_mutations_never_panics(
            flips in proptest::collection::btree_map(0usize..116, 1u8..=255, 1..4)
        ) {
            let m = super::manifest::Manifest {
                generation: 3,
                file_pages: 100,
                log_id: 2,
                log: super::manifest::Extent { start: 4, pages: 8 },
                next_run_id: 3,
                runs: vec![super::manifest::RunMeta {
                    id: 2,
                    extent: super::manifest::Extent { start: 20, pages: 2 },
                    run_len: 5000,
                    entry_count: 7,
                }],
                free: vec![super::manifest::Extent { start: 30, pages: 5 }],
            };
            let mut bytes = m.encode();
            prop_assert_eq!(bytes.len(), 116);
            for (i, x) in flips {
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= x;
                }
            }
            // Any change is caught by the checksum or a structural check.
            prop_assert!(super::manifest::Manifest::decode(&bytes, 3) != Ok(m));
        }
    }
}
