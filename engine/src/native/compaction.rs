//! Compaction policy: which runs to merge (a pure function, tested without I/O).
//!
//! Size ratio on the newest runs: the newest runs are merged down to the oldest run that is
//! no larger than all the runs newer than it together. Flushes of equal size then merge
//! like a binary counter, so the run sizes at least double from newest to oldest and a
//! point read finds at most about log2(data / memtable) runs to look at (3 after a bulk
//! load of 50 memtables, where a size-tiered policy waiting for `max_runs` kept 8 to 12),
//! for about log2 rewrites of each entry. Only a suffix of the newest runs is ever merged,
//! so the merged run takes the place (and the id) of the newest run it replaces and
//! shadowing order is preserved. See README.md in this folder, "Compaction".

use crate::format::manifest::RunMeta;

/// What to merge: the `count` newest runs (`runs[len - count ..]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    pub count: usize,
}

/// Decide whether to compact `runs` (oldest first). `max_runs`: merge every run if there
/// are more than this and the ratio rule chose nothing.
pub(crate) fn choose(runs: &[RunMeta], max_runs: usize) -> Option<Choice> {
    let mut newer = 0u64;
    let mut count = 0usize;
    for (k, r) in runs.iter().rev().enumerate() {
        if k >= 1 && r.run_len <= newer {
            count = k + 1;
        }
        newer = newer.saturating_add(r.run_len);
    }
    if count < 2 && runs.len() > max_runs.max(1) {
        count = runs.len();
    }
    (count >= 2).then_some(Choice { count })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::manifest::Extent;

    fn runs(sizes: &[u64]) -> Vec<RunMeta> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &s)| RunMeta {
                id: i as u64 + 1,
                extent: Extent {
                    start: 3 + i as u64,
                    pages: 1,
                },
                run_len: s,
                entry_count: 1,
            })
            .collect()
    }

    #[test]
    fn no_compaction_while_sizes_double() {
        assert_eq!(choose(&runs(&[40, 20, 10]), 4), None);
        assert_eq!(choose(&runs(&[10]), 4), None);
        assert_eq!(choose(&runs(&[]), 4), None);
    }

    #[test]
    fn equal_runs_merge_like_a_binary_counter() {
        assert_eq!(choose(&runs(&[10, 10]), 8), Some(Choice { count: 2 }));
        assert_eq!(choose(&runs(&[10, 10, 10]), 8), Some(Choice { count: 3 }));
        // 40 is larger than 20 + 10, and the two newest merge into 20 first.
        assert_eq!(choose(&runs(&[40, 10, 10]), 8), Some(Choice { count: 2 }));
        // A small run between larger newer ones is taken with them.
        assert_eq!(
            choose(&runs(&[100, 1, 10, 1, 1]), 8),
            Some(Choice { count: 4 })
        );
    }

    #[test]
    fn flushes_keep_few_runs() {
        // Simulate 50 equal flushes with each compaction done at once: the run count stays
        // logarithmic, and each entry is rewritten about log2(50) times at most.
        let mut sizes: Vec<u64> = Vec::new();
        let mut written = 0u64;
        for _ in 0..50 {
            sizes.push(100);
            written += 100;
            while let Some(c) = choose(&runs(&sizes), 8) {
                let merged: u64 = sizes.split_off(sizes.len() - c.count).iter().sum();
                written += merged;
                sizes.push(merged);
            }
            assert!(sizes.len() <= 6, "{sizes:?}");
        }
        assert!(written <= 50 * 100 * 7, "write amplification {written}");
    }

    #[test]
    fn merges_the_small_newest_tier() {
        // A big old run and many small new ones: only the small ones are merged.
        let r = runs(&[1_000_000, 10, 10, 10, 10, 10]);
        assert_eq!(choose(&r, 4), Some(Choice { count: 5 }));
    }

    #[test]
    fn uneven_tiers_fall_back_to_merging_all() {
        let r = runs(&[1000, 500, 250, 100, 10, 1]);
        let c = choose(&r, 2).unwrap();
        assert_eq!(c.count, 6);
    }
}
