//! Range algebra on one actor's counters (crate-private): sorted lists of inclusive
//! `(start, end)` ranges, the storage of [`DotSet`](crate::DotSet).
//!
//! Every list these functions take or return is canonical: ranges non-empty, starting at
//! 1 or later, sorted, and neither overlapping nor touching (a missing counter between
//! any two). Each operation walks its inputs once; nothing here can overflow at
//! `u64::MAX`.

use alloc::vec::Vec;

/// An inclusive range of counters, `start <= end`, `start >= 1`.
pub(crate) type Span = (u64, u64);

/// True when `c` lies in one of the sorted spans.
pub(crate) fn spans_contain(spans: &[Span], c: u64) -> bool {
    let i = spans.partition_point(|&(_, e)| e < c);
    spans.get(i).is_some_and(|&(s, _)| s <= c)
}

/// Inserts counter `c >= 1`; returns true if it was new.
pub(crate) fn spans_insert(spans: &mut Vec<Span>, c: u64) -> bool {
    if c == 0 {
        return false;
    }
    // Fast path: the next counter after the last range (a replica's own dots).
    if let Some(last) = spans.last_mut() {
        if last.1.checked_add(1) == Some(c) {
            last.1 = c;
            return true;
        }
    }
    // First range that ends at or after `c - 1`: the only one `c` can join or sit in.
    let i = spans.partition_point(|&(_, e)| e < c - 1);
    let Some(&(s, e)) = spans.get(i) else {
        spans.push((c, c));
        return true;
    };
    if s <= c && c <= e {
        return false;
    }
    if e == c - 1 {
        // Extends range i upwards; maybe closes the gap to range i + 1.
        let next = spans.get(i + 1).copied();
        match next {
            Some((ns, ne)) if c.checked_add(1) == Some(ns) => {
                if let Some(r) = spans.get_mut(i) {
                    r.1 = ne;
                }
                spans.remove(i + 1);
            }
            _ => {
                if let Some(r) = spans.get_mut(i) {
                    r.1 = c;
                }
            }
        }
    } else if c.checked_add(1) == Some(s) {
        if let Some(r) = spans.get_mut(i) {
            r.0 = c;
        }
    } else {
        spans.insert(i, (c, c));
    }
    true
}

/// True when every counter of `b` is in `a`.
pub(crate) fn spans_cover(a: &[Span], b: &[Span]) -> bool {
    if let ([(1, ae)], [.., (_, be)]) = (a, b) {
        return be <= ae;
    }
    b.iter().all(|&(s, e)| {
        let i = a.partition_point(|&(_, ae)| ae < s);
        a.get(i).is_some_and(|&(as_, ae)| as_ <= s && e <= ae)
    })
}

/// Appends `span` to a sorted, coalesced list, joining it with the last range when they
/// overlap or touch. `span.0` must be at least the last range's start.
pub(crate) fn push_coalesce(out: &mut Vec<Span>, span: Span) {
    if let Some(last) = out.last_mut() {
        if span.0 <= last.1.saturating_add(1) {
            last.1 = last.1.max(span.1);
            return;
        }
    }
    out.push(span);
}

pub(crate) fn spans_union(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (a.iter().peekable(), b.iter().peekable());
    loop {
        let next = match (i.peek(), j.peek()) {
            (Some(x), Some(y)) if x.0 <= y.0 => i.next(),
            (Some(_), Some(_)) => j.next(),
            (Some(_), None) => i.next(),
            (None, Some(_)) => j.next(),
            (None, None) => break,
        };
        if let Some(&span) = next {
            push_coalesce(&mut out, span);
        }
    }
    out
}

pub(crate) fn spans_difference(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(s, e) in a {
        let mut start = s;
        // Skip the ranges of `b` that end before this range.
        while b.get(j).is_some_and(|&(_, be)| be < start) {
            j += 1;
        }
        let mut k = j;
        let mut done = false;
        while let Some(&(bs, be)) = b.get(k) {
            if bs > e {
                break;
            }
            if bs > start {
                out.push((start, bs - 1));
            }
            match be.checked_add(1) {
                Some(n) if n <= e => start = n,
                _ => {
                    done = true;
                    break;
                }
            }
            k += 1;
        }
        if !done {
            out.push((start, e));
        }
    }
    out
}

pub(crate) fn spans_disjoint(a: &[Span], b: &[Span]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(&(as_, ae)), Some(&(bs, be))) = (a.get(i), b.get(j)) {
        if as_.max(bs) <= ae.min(be) {
            return false;
        }
        if ae < be {
            i += 1;
        } else {
            j += 1;
        }
    }
    true
}

pub(crate) fn spans_intersection(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&(as_, ae)), Some(&(bs, be))) = (a.get(i), b.get(j)) {
        let (s, e) = (as_.max(bs), ae.min(be));
        if s <= e {
            out.push((s, e));
        }
        if ae < be {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}
