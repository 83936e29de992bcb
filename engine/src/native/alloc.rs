//! Page allocation: the free-extent list and the file's high-water mark
//! (format-spec/manifest.md, free extents).
//!
//! Invariant: `free` is sorted by start, coalesced, and holds only pages that the newest
//! durable manifest does not reference (SB-4); allocation is first fit, and the file grows
//! only when no free extent is large enough, so compaction keeps the file near its live size.

use crate::format::manifest::{Extent, FIRST_EXTENT_PAGE};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Allocator {
    free: Vec<Extent>,
    file_pages: u64,
}

impl Allocator {
    /// Free = every page in `[FIRST_EXTENT_PAGE, file_pages)` not covered by `used`, so
    /// pages leaked by a crash (MAN-4) are reclaimed on open.
    pub(crate) fn from_used(file_pages: u64, used: &[Extent]) -> Allocator {
        let mut used = used.to_vec();
        used.sort();
        let mut a = Allocator {
            free: Vec::new(),
            file_pages,
        };
        let mut at = FIRST_EXTENT_PAGE;
        for e in used {
            if e.start > at {
                a.push_gap(at, e.start);
            }
            at = at.max(e.end());
        }
        if file_pages > at {
            a.push_gap(at, file_pages);
        }
        a
    }

    fn push_gap(&mut self, mut from: u64, to: u64) {
        while from < to {
            let pages = u32::try_from(to - from).unwrap_or(u32::MAX);
            self.free.push(Extent { start: from, pages });
            from += u64::from(pages);
        }
    }

    pub(crate) fn file_pages(&self) -> u64 {
        self.file_pages
    }

    pub(crate) fn free_list(&self) -> &[Extent] {
        &self.free
    }

    pub(crate) fn free_pages(&self) -> u64 {
        self.free.iter().map(|e| u64::from(e.pages)).sum()
    }

    pub(crate) fn alloc(&mut self, pages: u32) -> Extent {
        let pages = pages.max(1);
        if let Some(i) = self.free.iter().position(|e| e.pages >= pages) {
            let e = self.free.remove(i);
            if e.pages > pages {
                self.free.insert(
                    i,
                    Extent {
                        start: e.start + u64::from(pages),
                        pages: e.pages - pages,
                    },
                );
            }
            return Extent {
                start: e.start,
                pages,
            };
        }
        let out = Extent {
            start: self.file_pages,
            pages,
        };
        self.file_pages += u64::from(pages);
        out
    }

    /// Drop the free extent that ends at the high-water mark, lowering it: the pages past
    /// the new mark can be cut off the file once a manifest with the lower mark is durable.
    /// Returns whether the mark moved.
    pub(crate) fn trim_tail(&mut self) -> bool {
        let mut moved = false;
        while let Some(last) = self.free.last() {
            if last.end() != self.file_pages {
                break;
            }
            self.file_pages = last.start;
            self.free.pop();
            moved = true;
        }
        moved
    }

    /// Whether a free extent ends at the high-water mark.
    pub(crate) fn has_free_tail(&self) -> bool {
        self.free.last().is_some_and(|e| e.end() == self.file_pages)
    }

    /// The first free extent of at least `pages` pages that starts below `below` (first fit),
    /// without allocating it.
    pub(crate) fn fit_below(&self, pages: u32, below: u64) -> Option<Extent> {
        self.free
            .iter()
            .find(|e| e.pages >= pages && e.start < below)
            .copied()
    }

    /// Allocate past the high-water mark, leaving free extents alone (used while readers
    /// of an older generation may still map them).
    pub(crate) fn alloc_at_end(&mut self, pages: u32) -> Extent {
        let out = Extent {
            start: self.file_pages,
            pages: pages.max(1),
        };
        self.file_pages += u64::from(out.pages);
        out
    }

    pub(crate) fn release(&mut self, e: Extent) {
        let i = self.free.partition_point(|f| f.start < e.start);
        self.free.insert(i, e);
        // Coalesce neighbours.
        let mut merged: Vec<Extent> = Vec::with_capacity(self.free.len());
        for f in self.free.drain(..) {
            match merged.last_mut() {
                Some(last)
                    if last.end() == f.start
                        && u64::from(last.pages) + u64::from(f.pages) <= u64::from(u32::MAX) =>
                {
                    last.pages += f.pages;
                }
                _ => merged.push(f),
            }
        }
        self.free = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_fit_reuse_and_coalesce() {
        let mut a = Allocator::from_used(10, &[Extent { start: 3, pages: 2 }]);
        assert_eq!(a.free_list(), &[Extent { start: 5, pages: 5 }]);
        let x = a.alloc(2);
        assert_eq!(x, Extent { start: 5, pages: 2 });
        let big = a.alloc(10);
        assert_eq!(big.start, 10);
        assert_eq!(a.file_pages(), 20);
        a.release(x);
        a.release(Extent { start: 3, pages: 2 });
        assert_eq!(a.free_list(), &[Extent { start: 3, pages: 7 }]);
        assert_eq!(a.free_pages(), 7);
    }

    #[test]
    fn trim_tail_lowers_the_high_water_mark() {
        let mut a = Allocator::from_used(20, &[Extent { start: 3, pages: 2 }]);
        assert_eq!(
            a.fit_below(4, 6),
            Some(Extent {
                start: 5,
                pages: 15
            })
        );
        assert_eq!(a.fit_below(4, 5), None);
        assert!(a.has_free_tail());
        assert!(a.trim_tail());
        assert_eq!((a.file_pages(), a.free_pages()), (5, 0));
        assert!(!a.trim_tail());
        let x = a.alloc(3);
        assert_eq!(x, Extent { start: 5, pages: 3 });
        a.release(Extent { start: 3, pages: 2 });
        assert!(!a.has_free_tail());
    }
}
