//! Compaction policy: which runs to merge (a pure function, tested without I/O).
//!
//! Size-tiered on the newest runs: starting from the newest run, keep adding the next older
//! run while it is at most twice the size of what is already chosen. Only a suffix of the
//! newest runs is ever merged, so the merged run takes the place (and the id) of the newest
//! run it replaces and shadowing order is preserved; the cost of a compaction is the size
//! of the runs it merges, not of the file. See README.md in this folder, "Compaction".

use crate::format::manifest::RunMeta;

/// What to merge: the `count` newest runs (`runs[len - count ..]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    pub count: usize,
}

/// Decide whether to compact `runs` (oldest first). `max_runs`: compact once there are
/// more runs than this.
pub(crate) fn choose(runs: &[RunMeta], max_runs: usize) -> Option<Choice> {
    if runs.len() <= max_runs.max(1) {
        return None;
    }
    let mut total = 0u64;
    let mut count = 0usize;
    for r in runs.iter().rev() {
        if count >= 2 && r.run_len > total.saturating_mul(2) {
            break;
        }
        total = total.saturating_add(r.run_len);
        count += 1;
    }
    // If the tiers are too uneven to pick at least half, merge everything so the run count
    // stays bounded.
    if runs.len() - count > max_runs / 2 {
        count = runs.len();
    }
    Some(Choice { count })
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
    fn no_compaction_under_the_limit() {
        assert_eq!(choose(&runs(&[10, 10, 10]), 4), None);
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
