//! Manifest codec (format-spec/manifest.md).
//!
//! Layout: magic "CRDTMANI" ‖ generation u64 ‖ body_len u32 ‖ crc u32 (of body) ‖ body.
//! Body: file_pages u64 ‖ log_id u64 ‖ log_start_page u64 ‖ log_pages u32 ‖ next_run_id u64 ‖
//! run_count u32 ‖ runs ‖ free_count u32 ‖ free extents. Invariants checked by
//! [`Manifest::validate`] (MAN-2, MAN-3).

use super::cursor::{put_u32_le, put_u64_le, Bad, Cursor};

pub(crate) const MAGIC: [u8; 8] = *b"CRDTMANI";
pub(crate) const HEADER_LEN: usize = 24;
/// First page that extents may use (pages 0-2 are header and superblocks).
pub(crate) const FIRST_EXTENT_PAGE: u64 = 3;
const RUN_LEN: usize = 36;
const FREE_LEN: usize = 12;
/// Upper bound on a manifest, so a damaged length cannot cause a huge allocation.
pub(crate) const MAX_MANIFEST_LEN: usize = 64 * 1024 * 1024;
/// Upper bound on the log extent (pages): the largest commit plus framing, with room.
pub(crate) const MAX_LOG_PAGES: u32 = 40 * 1024;

/// Consecutive pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Extent {
    pub start: u64,
    pub pages: u32,
}

impl Extent {
    pub(crate) fn end(&self) -> u64 {
        self.start.saturating_add(u64::from(self.pages))
    }
    pub(crate) fn byte_offset(&self) -> u64 {
        self.start.saturating_mul(super::header::PAGE_SIZE as u64)
    }
    pub(crate) fn byte_len(&self) -> u64 {
        u64::from(self.pages) * super::header::PAGE_SIZE as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RunMeta {
    pub id: u64,
    pub extent: Extent,
    pub run_len: u64,
    pub entry_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Manifest {
    pub generation: u64,
    pub file_pages: u64,
    pub log_id: u64,
    pub log: Extent,
    pub next_run_id: u64,
    /// Increasing run id: later entries are newer.
    pub runs: Vec<RunMeta>,
    pub free: Vec<Extent>,
}

impl Manifest {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(48 + self.runs.len() * RUN_LEN);
        put_u64_le(&mut body, self.file_pages);
        put_u64_le(&mut body, self.log_id);
        put_u64_le(&mut body, self.log.start);
        put_u32_le(&mut body, self.log.pages);
        put_u64_le(&mut body, self.next_run_id);
        put_u32_le(&mut body, super::cursor::len_u32(self.runs.len()));
        for r in &self.runs {
            put_u64_le(&mut body, r.id);
            put_u64_le(&mut body, r.extent.start);
            put_u32_le(&mut body, r.extent.pages);
            put_u64_le(&mut body, r.run_len);
            put_u64_le(&mut body, r.entry_count);
        }
        put_u32_le(&mut body, super::cursor::len_u32(self.free.len()));
        for f in &self.free {
            put_u64_le(&mut body, f.start);
            put_u32_le(&mut body, f.pages);
        }
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(&MAGIC);
        put_u64_le(&mut out, self.generation);
        put_u32_le(&mut out, super::cursor::len_u32(body.len()));
        put_u32_le(&mut out, crc32fast::hash(&body));
        out.extend_from_slice(&body);
        out
    }

    /// MAN-1: checks magic, generation, length and crc, then decodes with bounded counts.
    pub(crate) fn decode(buf: &[u8], expected_generation: u64) -> Result<Manifest, Bad> {
        let mut c = Cursor::new(buf, "manifest");
        if c.bytes(8)? != MAGIC {
            return Err(c.bad("bad magic"));
        }
        let generation = c.u64_le()?;
        if generation != expected_generation {
            return Err(c.bad(format!(
                "generation {generation}, superblock says {expected_generation}"
            )));
        }
        let body_len = c.u32_le()? as usize;
        let crc = c.u32_le()?;
        if body_len != c.remaining() {
            return Err(c.bad(format!(
                "body length {body_len} does not match the {} bytes named by the superblock",
                c.remaining()
            )));
        }
        let body = c.rest();
        if crc32fast::hash(body) != crc {
            return Err(Bad::new("manifest", "checksum mismatch"));
        }
        let mut b = Cursor::new(body, "manifest");
        let file_pages = b.u64_le()?;
        let log_id = b.u64_le()?;
        let log = Extent {
            start: b.u64_le()?,
            pages: b.u32_le()?,
        };
        let next_run_id = b.u64_le()?;
        let run_count = b.u32_le()? as usize;
        if run_count.saturating_mul(RUN_LEN) > b.remaining() {
            return Err(b.bad(format!("run count {run_count} exceeds the body")));
        }
        let mut runs = Vec::with_capacity(run_count);
        for _ in 0..run_count {
            runs.push(RunMeta {
                id: b.u64_le()?,
                extent: Extent {
                    start: b.u64_le()?,
                    pages: b.u32_le()?,
                },
                run_len: b.u64_le()?,
                entry_count: b.u64_le()?,
            });
        }
        let free_count = b.u32_le()? as usize;
        if free_count.saturating_mul(FREE_LEN) != b.remaining() {
            return Err(b.bad(format!("free count {free_count} does not match the body")));
        }
        let mut free = Vec::with_capacity(free_count);
        for _ in 0..free_count {
            free.push(Extent {
                start: b.u64_le()?,
                pages: b.u32_le()?,
            });
        }
        let m = Manifest {
            generation,
            file_pages,
            log_id,
            log,
            next_run_id,
            runs,
            free,
        };
        m.validate(None)?;
        Ok(m)
    }

    /// MAN-2 and MAN-3; `own` is the manifest's own extent, if known.
    pub(crate) fn validate(&self, own: Option<Extent>) -> Result<(), Bad> {
        let bad = |d: String| Bad::new("manifest", d);
        if self.log.pages == 0 || self.log.pages > MAX_LOG_PAGES {
            return Err(bad(format!("log extent of {} pages", self.log.pages)));
        }
        let mut extents: Vec<Extent> = vec![self.log];
        extents.extend(own);
        let mut prev_id = None;
        for r in &self.runs {
            if prev_id.is_some_and(|p| r.id <= p) || r.id >= self.next_run_id {
                return Err(bad(format!("run id {} out of order", r.id)));
            }
            prev_id = Some(r.id);
            if r.run_len < super::footer::LEN as u64 || r.run_len > r.extent.byte_len() {
                return Err(bad(format!(
                    "run {} length {} does not fit its extent",
                    r.id, r.run_len
                )));
            }
            extents.push(r.extent);
        }
        extents.extend(self.free.iter().copied());
        extents.sort();
        let mut last_end = FIRST_EXTENT_PAGE;
        for e in &extents {
            if e.pages == 0 || e.start < last_end || e.end() > self.file_pages {
                return Err(bad(format!(
                    "extent at page {} ({} pages) overlaps another, the header, or the end",
                    e.start, e.pages
                )));
            }
            last_end = e.end();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn fresh() -> Manifest {
        Manifest {
            generation: 1,
            file_pages: 260,
            log_id: 1,
            log: Extent {
                start: 4,
                pages: 256,
            },
            next_run_id: 1,
            runs: vec![],
            free: vec![],
        }
    }

    #[test]
    fn man_1_spec_example_roundtrip() {
        let m = fresh();
        let bytes = m.encode();
        assert_eq!(bytes.len(), 68);
        assert_eq!(&bytes[16..20], &[0x2c, 0, 0, 0]);
        assert_eq!(Manifest::decode(&bytes, 1), Ok(m));
        assert!(Manifest::decode(&bytes, 2).is_err());
        let mut bad = bytes.clone();
        bad[40] ^= 1;
        assert!(Manifest::decode(&bad, 1).is_err());
        assert!(Manifest::decode(&bytes[..60], 1).is_err());
    }

    #[test]
    fn man_2_3_overlaps_and_order_rejected() {
        let mut m = fresh();
        m.runs.push(RunMeta {
            id: 1,
            extent: Extent {
                start: 100,
                pages: 1,
            },
            run_len: 100,
            entry_count: 1,
        });
        m.next_run_id = 2;
        assert!(m.validate(None).is_err(), "run inside the log extent");
        m.runs[0].extent.start = 260;
        assert!(m.validate(None).is_err(), "run beyond file_pages");
        m.file_pages = 261;
        assert!(m.validate(None).is_ok());
        m.next_run_id = 1;
        assert!(m.validate(None).is_err(), "run id >= next_run_id");
        m.next_run_id = 2;
        m.free.push(Extent { start: 2, pages: 1 });
        assert!(m.validate(None).is_err(), "free extent over a superblock");
    }
}
