//! Sorted runs: [`build`] writes a run's bytes from sorted entries; [`Run`] reads one
//! (format-spec/runs.md).
//!
//! A [`Run`] keeps its decoded index and bloom filter in memory. A point read looks into an
//! uncompressed data block where it lies in the memory map of `RealFile`
//! ([`FileIo::read_in_place`]) and copies only the value it returns; compressed blocks, and
//! every block read by iterators, are decoded and cached in the bounded [`BlockCache`].
//! Invariants: every block is checked (crc, entries, last key against the index) before
//! its first use by this open run (RUN-1), and a block read in place is checked exactly once
//! (the state in the run's `slots`); the index covers the data blocks exactly (RUN-3).
//!
//! Why a checked block may be trusted later, and why its pages stay mapped while a lookup
//! looks at them: a run's pages are never written while a manifest references the run
//! (SB-4), and are freed for reuse, moved or cut off the file only once no `Arc<Run>` is
//! left (`Inner::reclaim`) and, for another process's reader, no reader is registered
//! (SB-5); a lookup holds its `Arc<Run>` throughout, and `RealFile` lends the bytes under
//! the lock that its `truncate` takes (tests/concurrency.rs reads while compaction, shrink
//! and growth run).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::format::block::{self, DataBlock, IndexEntry, FRAME_LEN, MAX_RAW_LEN, TARGET_BLOCK_LEN};
use crate::format::bloom::{Bloom, BloomBuilder};
use crate::format::cursor::Bad;
use crate::format::footer::{self, Footer};
use crate::format::manifest::RunMeta;
use crate::io::FileIo;
use crate::kv::{Entry, EntryIter};

use super::cache::{Block, BlockCache};

/// Writes a run from sorted entries as it goes: each data block is handed to the sink as
/// soon as it is full, so memory holds one block, the index and the filter's bits, never
/// the run (compaction streams its output into the file with it).
pub(crate) struct RunBuilder<'a> {
    sink: &'a mut dyn FnMut(&[u8]) -> Result<()>,
    /// Run version written (format-spec/runs.md): 2, or 1 for tests of version 1 readers.
    version: u8,
    len: u64,
    index: Vec<IndexEntry>,
    bloom: BloomBuilder,
    raw: Vec<u8>,
    last_key: Vec<u8>,
    count: u64,
    lz4: Lz4Trials,
}

/// When a writer tries lz4 on a data block. RUN-2 lets a writer store any block
/// uncompressed; trying costs a compression of the block (for incompressible values the
/// largest CPU cost of flushes and compactions: a quarter of all instructions of a load,
/// flush and compaction of random values). After [`Lz4Trials::GIVE_UP`] blocks in a row
/// that did not compress, only every [`Lz4Trials::EVERY`]th block is tried, until one
/// compresses again.
#[derive(Debug, Default, Clone, Copy)]
struct Lz4Trials {
    /// Blocks in a row that were tried and did not compress, or were not tried since.
    misses: u32,
}

impl Lz4Trials {
    const GIVE_UP: u32 = 8;
    const EVERY: u32 = 32;

    fn should_try(self) -> bool {
        self.misses < Self::GIVE_UP || self.misses.is_multiple_of(Self::EVERY)
    }

    /// Record a block: whether it was tried, and whether it ended up compressed.
    fn record(&mut self, compressed: bool) {
        self.misses = if compressed {
            0
        } else {
            self.misses.saturating_add(1)
        };
    }
}

impl<'a> RunBuilder<'a> {
    /// `expected_keys`: the number of entries, or an upper bound (it sizes the filter).
    /// `sink` receives the run's bytes in order. `version`: the run version to write, the
    /// file's (HDR-4: a version 1 file keeps getting version 1 runs).
    pub(crate) fn new(
        expected_keys: usize,
        sink: &'a mut dyn FnMut(&[u8]) -> Result<()>,
        version: u8,
    ) -> RunBuilder<'a> {
        RunBuilder {
            sink,
            version,
            len: 0,
            index: Vec::new(),
            bloom: BloomBuilder::for_version(expected_keys, version),
            raw: Vec::with_capacity(TARGET_BLOCK_LEN * 2),
            last_key: Vec::new(),
            count: 0,
            lz4: Lz4Trials::default(),
        }
    }

    /// Add the next entry (keys strictly increasing).
    pub(crate) fn push(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        block::push_entry(&mut self.raw, key, value);
        self.bloom.add(key);
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.count += 1;
        if self.raw.len() >= TARGET_BLOCK_LEN {
            self.close_block()?;
        }
        Ok(())
    }

    fn emit(&mut self, bytes: &[u8]) -> Result<()> {
        (self.sink)(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn close_block(&mut self) -> Result<()> {
        // `raw` holds the entries as version 1 encodes them (which also decides when a
        // block is full, RUN-6); version 2 re-encodes an uncompressed block with its table.
        let try_lz4 = self.lz4.should_try();
        let framed = if self.version == 1 {
            block::frame(&self.raw, try_lz4)
        } else {
            block::frame_v2(&self.raw, try_lz4)
        };
        self.lz4.record(!block::is_plain(&framed));
        self.index.push(IndexEntry {
            offset: self.len,
            len: crate::format::cursor::len_u32(framed.len()),
            last_key: self.last_key.clone(),
        });
        self.raw.clear();
        self.emit(&framed)
    }

    /// Write the last block, the index, the filter and the footer. Returns the run's length
    /// and entry count.
    pub(crate) fn finish(mut self) -> Result<(u64, u64)> {
        if !self.raw.is_empty() {
            self.close_block()?;
        }
        let index_offset = self.len;
        let index_block = block::frame(&block::encode_index(&self.index), false);
        self.emit(&index_block)?;
        let filter_offset = self.len;
        let bloom = std::mem::replace(&mut self.bloom, BloomBuilder::new(0));
        let filter_block = block::frame(&bloom.finish(), false);
        self.emit(&filter_block)?;
        let f = Footer {
            index_offset,
            index_len: crate::format::cursor::len_u32(index_block.len()),
            filter_offset,
            filter_len: crate::format::cursor::len_u32(filter_block.len()),
            entry_count: self.count,
            version: self.version,
        };
        self.emit(&f.encode())?;
        Ok((self.len, self.count))
    }
}

/// The bytes of a run built from `entries` (sorted, unique keys; exactly `count` of them,
/// which sizes the filter) and its entry count. Flushes use it: a memtable is bounded.
/// `version`: the run version to write (see [`RunBuilder::new`]).
pub(crate) fn build(
    entries: &mut dyn Iterator<Item = Result<Entry>>,
    count: usize,
    version: u8,
) -> Result<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut sink = |b: &[u8]| {
        out.extend_from_slice(b);
        Ok(())
    };
    let mut builder = RunBuilder::new(count, &mut sink, version);
    for e in entries {
        let (k, v) = e?;
        builder.push(&k, v.as_deref())?;
    }
    let (_, n) = builder.finish()?;
    Ok((out, n))
}

static NEXT_CACHE_ID: AtomicU64 = AtomicU64::new(1);

/// The index's last keys as sortable integers, for a binary search that stays in one small
/// array: every last key starts with `prefix` (their common prefix), and `fences[i]` is the
/// next 8 bytes of block `i`'s last key, big-endian, zero-padded. Fences are non-decreasing
/// in key order, so only keys with an equal fence need a full comparison. `top` holds every
/// [`FENCE_GROUP`]th fence (a few KiB at a million keys: it stays in L1), so a search
/// touches `fences` only in one group of 32 fences (4 cache lines) instead of ~15 lines
/// spread over the whole array.
#[derive(Debug, Default)]
struct Fences {
    prefix: Vec<u8>,
    fences: Vec<u64>,
    top: Vec<u64>,
}

/// Fences per entry of [`Fences::top`].
const FENCE_GROUP: usize = 32;

fn fence_of(rest: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(rest) {
        *d = *s;
    }
    u64::from_be_bytes(b)
}

impl Fences {
    fn new(index: &[IndexEntry]) -> Fences {
        let (Some(first), Some(last)) = (index.first(), index.last()) else {
            return Fences::default();
        };
        let common = first
            .last_key
            .iter()
            .zip(&last.last_key)
            .take_while(|(a, b)| a == b)
            .count();
        let prefix = first.last_key.get(..common).unwrap_or(&[]).to_vec();
        let fences: Vec<u64> = index
            .iter()
            .map(|e| fence_of(e.last_key.get(common..).unwrap_or(&[])))
            .collect();
        let top = fences.iter().step_by(FENCE_GROUP).copied().collect();
        Fences {
            prefix,
            fences,
            top,
        }
    }

    /// `(lo, hi)`: the blocks whose fence equals `t` (`lo == hi` if none; then `lo` is the
    /// first block whose fence is greater, `fences.len()` if none).
    fn equal_range(&self, t: u64) -> (usize, usize) {
        // top[j - 1] = fences[(j - 1) * G] < t <= top[j] = fences[j * G]: the first fence
        // >= t lies in ((j - 1) * G, j * G].
        let j = self.top.partition_point(|&x| x < t);
        let from = j.saturating_sub(1) * FENCE_GROUP;
        let to = (j * FENCE_GROUP).min(self.fences.len());
        let group = self.fences.get(from..to).unwrap_or(&[]);
        let lo = from + group.partition_point(|&x| x < t);
        // Equal fences (keys sharing 8 bytes after the prefix) are rare: walk them.
        let equal = self
            .fences
            .get(lo..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&x| x == t)
            .count();
        (lo, lo + equal)
    }
}

/// Where data block `i` starts (relative to the run) and what point reads know of it: one
/// array of these, plus a last entry holding only the end of the data blocks, so a get
/// finds its block's position, length (the next start) and state in one or two adjacent
/// cache lines instead of in the index's entries and a separate array.
#[derive(Debug)]
struct BlockSlot {
    start: u64,
    /// 0 until a point read looks at the block; then its packed [`block::Skips`] if it is
    /// uncompressed and passed every check (RUN-1), so point reads search it in place
    /// without checking it again, or [`COMPRESSED`], so they go to the decoded-block
    /// cache directly. Set once, never cleared.
    state: AtomicU64,
}

/// A block slot's value once the block was found compressed (not a packed [`block::Skips`],
/// whose top bit is always set, and not 0, "not looked at yet").
const COMPRESSED: u64 = 1;

/// What a point read found in one run.
type Found = Option<Option<Vec<u8>>>;

/// An open run.
#[derive(Debug)]
pub(crate) struct Run {
    pub meta: RunMeta,
    cache_id: u64,
    /// One slot per data block and one for the end of the data blocks (see [`BlockSlot`]).
    slots: Box<[BlockSlot]>,
    /// Run version (from the footer): the layout of the data blocks.
    version: u8,
    /// Sampled outcomes of this run's filter when it is the oldest run: gets probed, and
    /// gets the filter rejected (see [`Run::get`]).
    filter_probes: AtomicU32,
    filter_rejects: AtomicU32,
    index: Vec<IndexEntry>,
    fences: Fences,
    bloom: Bloom,
    io: Arc<dyn FileIo>,
    path: PathBuf,
    cache: Arc<BlockCache>,
}

fn read(
    io: &dyn FileIo,
    path: &Path,
    offset: u64,
    len: usize,
    what: &'static str,
) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    match io.read_at(offset, &mut buf) {
        Ok(()) => Ok(buf),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Bad::new(
            what,
            format!("{len} bytes at {offset} lie past the end of the file"),
        )
        .at(path, offset)),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            op: "read",
            source,
        }),
    }
}

impl Run {
    /// Read and check the footer, index and filter (RUN-5, RUN-3, RUN-4). The caller
    /// checked that the run's extent lies inside the file.
    pub(crate) fn open(
        io: Arc<dyn FileIo>,
        path: &Path,
        meta: RunMeta,
        cache: Arc<BlockCache>,
    ) -> Result<Run> {
        let base = meta.extent.byte_offset();
        let footer_at = base + meta.run_len - footer::LEN as u64;
        let fbytes = read(&*io, path, footer_at, footer::LEN, "run footer")?;
        let f = Footer::decode(&fbytes, meta.run_len).map_err(|b| b.at(path, footer_at))?;
        if f.entry_count != meta.entry_count {
            return Err(
                Bad::new("run footer", "entry count differs from the manifest").at(path, footer_at),
            );
        }
        let index_at = base + f.index_offset;
        let raw = read(&*io, path, index_at, f.index_len as usize, "index block")?;
        let index = block::unframe(&raw, "index block")
            .and_then(|raw| block::decode_index(&raw, f.index_offset))
            .map_err(|b| b.at(path, index_at))?;
        let filter_at = base + f.filter_offset;
        let raw = read(&*io, path, filter_at, f.filter_len as usize, "filter block")?;
        let bloom = block::unframe(&raw, "filter block")
            .and_then(|raw| Bloom::decode_version(&raw, f.version))
            .map_err(|b| b.at(path, filter_at))?;
        Ok(Run {
            meta,
            cache_id: NEXT_CACHE_ID.fetch_add(1, Ordering::Relaxed),
            slots: index
                .iter()
                .map(|e| e.offset)
                .chain(std::iter::once(f.index_offset))
                .map(|start| BlockSlot {
                    start,
                    state: AtomicU64::new(0),
                })
                .collect(),
            version: f.version,
            filter_probes: AtomicU32::new(0),
            filter_rejects: AtomicU32::new(0),
            fences: Fences::new(&index),
            index,
            bloom,
            io,
            path: path.to_path_buf(),
            cache,
        })
    }

    /// The index of the first block whose last key is `>= key` (`index.len()` if none).
    fn block_for(&self, key: &[u8]) -> usize {
        let f = &self.fences;
        let n = self.index.len();
        let p = f.prefix.len();
        let (lo, hi) = match key.get(..p) {
            Some(head) if head == f.prefix.as_slice() => {
                f.equal_range(fence_of(key.get(p..).unwrap_or(&[])))
            }
            // Shorter than the prefix or differing from it: every last key is greater, or
            // every one is smaller; a full comparison with one of them decides.
            _ => (0, n),
        };
        if lo == hi {
            return lo;
        }
        let slice = self.index.get(lo..hi).unwrap_or(&[]);
        lo + slice.partition_point(|e| e.last_key.as_slice() < key)
    }

    /// Absolute position and length of data block `i` (`None` past the last block).
    fn block_at(&self, i: usize) -> Result<Option<(u64, usize)>> {
        let (Some(this), Some(next)) = (self.slots.get(i), self.slots.get(i + 1)) else {
            return Ok(None);
        };
        let at = self.meta.extent.byte_offset() + this.start;
        // RUN-3 (checked by `decode_index`): starts increase, so this does not wrap.
        let len = next.start.saturating_sub(this.start);
        if len > (FRAME_LEN + MAX_RAW_LEN) as u64 {
            return Err(Bad::new("data block", "block longer than the limit").at(&self.path, at));
        }
        Ok(Some((at, len as usize)))
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            op: "read",
            source,
        }
    }

    /// Data block `i`, decoded, from the cache or else from the file (then cached).
    fn block(&self, i: usize) -> Result<Block> {
        if let Some(b) = self.cache.get((self.cache_id, i)) {
            return Ok(b);
        }
        let block = Arc::new(self.load_block(i)?);
        self.cache
            .insert((self.cache_id, i), Arc::clone(&block), block.footprint());
        Ok(block)
    }

    /// Data block `i`, read from the file, checked (RUN-1) and decoded.
    fn load_block(&self, i: usize) -> Result<DataBlock> {
        let (Some((at, len)), Some(entry)) = (self.block_at(i)?, self.index.get(i)) else {
            return Ok(DataBlock::default());
        };
        // Decoded straight from the map where the file lends its bytes (no copy of a
        // compressed block), else from a copy.
        let mut lent: Option<(std::result::Result<Vec<u8>, Bad>, bool)> = None;
        self.io
            .read_in_place(at, len, &mut |framed| {
                lent = Some((
                    block::unframe(framed, "data block"),
                    block::is_plain(framed),
                ));
            })
            .map_err(|e| self.io_error(e))?;
        let (raw, plain) = match lent {
            Some(r) => r,
            None => {
                let bytes = read(&*self.io, &self.path, at, len, "data block")?;
                let plain = block::is_plain(&bytes);
                (block::unframe_owned(bytes, "data block"), plain)
            }
        };
        let raw = match raw {
            // RUN-6: uncompressed blocks of version 2 runs have the version 2 layout.
            Ok(raw) if self.version >= 2 && plain => block::decode_v2(&raw),
            other => other,
        };
        let block = raw
            .and_then(DataBlock::decode)
            .map_err(|b| b.at(&self.path, at))?;
        if block.len() == 0 || block.key(block.len() - 1) != entry.last_key.as_slice() {
            return Err(
                Bad::new("data block", "last key differs from the index").at(&self.path, at)
            );
        }
        if plain {
            // Checked exactly as `check_plain_block` (`_v2`) would: point reads may use it in place.
            self.set_checked(i, block.skips());
        }
        Ok(block)
    }

    /// Whether to probe the filter for a get of `hash`. For the oldest run (`oldest`), the
    /// last one a get asks, the filter only saves work for keys absent from the store: for
    /// a present key it costs 7 probes spread over the largest filter and saves nothing.
    /// So 1 get in 16 (by hash) always probes it and records the outcome, and the others
    /// skip it while fewer than 1 in 16 of the recorded probes were rejections. Skipping
    /// is always correct: the filter only ever rules keys out.
    fn use_filter(&self, hash: u64, oldest: bool) -> bool {
        if !oldest || Self::sampled(hash) {
            return true;
        }
        let probes = self.filter_probes.load(Ordering::Relaxed);
        probes < 64 || self.filter_rejects.load(Ordering::Relaxed) * 16 >= probes
    }

    fn sampled(hash: u64) -> bool {
        hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60 == 0
    }

    /// Record a sampled filter outcome (relaxed counters, halved at 1024 probes so they
    /// follow the workload; races only make the estimate approximate).
    fn record_filter(&self, rejected: bool) {
        let n = self.filter_probes.fetch_add(1, Ordering::Relaxed) + 1;
        if rejected {
            self.filter_rejects.fetch_add(1, Ordering::Relaxed);
        }
        if n >= 1024 {
            self.filter_probes.store(n / 2, Ordering::Relaxed);
            let r = self.filter_rejects.load(Ordering::Relaxed);
            self.filter_rejects.store(r / 2, Ordering::Relaxed);
        }
    }

    /// `None`: the run has no entry for `key`; `Some(None)`: a tombstone. `hash` is
    /// `bloom::key_hash(key)`, computed once by the caller for every run it asks; `oldest`:
    /// this is the last run the get asks (see [`Run::use_filter`]).
    pub(crate) fn get(&self, key: &[u8], hash: u64, oldest: bool) -> Result<Found> {
        if self.use_filter(hash, oldest) {
            let rejected = !self.bloom.may_contain_hash(hash);
            if oldest && Self::sampled(hash) {
                self.record_filter(rejected);
            }
            if rejected {
                return Ok(None);
            }
        }
        let i = self.block_for(key);
        let Some((at, len)) = self.block_at(i)? else {
            return Ok(None);
        };
        if self.slot(i) != COMPRESSED {
            // An uncompressed block is searched where it lies; only the value is copied.
            let mut found: Option<Result<Found>> = None;
            self.io
                .read_in_place(at, len, &mut |framed| {
                    found = self.find_in_place(i, at, framed, key);
                })
                .map_err(|e| self.io_error(e))?;
            if let Some(r) = found {
                return r;
            }
        }
        // Compressed, or the file does not lend its bytes: the decoded-block cache.
        let block = self.block(i)?;
        Ok(block.find(key).map(|v| v.map(<[u8]>::to_vec)))
    }

    /// The last key of data block `i` (empty past the last block).
    fn last_key(&self, i: usize) -> &[u8] {
        self.index.get(i).map_or(&[], |e| e.last_key.as_slice())
    }

    /// Block `i`'s state (see [`BlockSlot::state`]).
    fn slot(&self, i: usize) -> u64 {
        self.slots
            .get(i)
            .map_or(0, |c| c.state.load(Ordering::Acquire))
    }

    fn set_slot(&self, i: usize, value: u64) {
        if let Some(c) = self.slots.get(i) {
            c.state.store(value, Ordering::Release);
        }
    }

    /// Record that uncompressed block `i` passed every check of RUN-1.
    fn set_checked(&self, i: usize, skips: block::Skips) {
        self.set_slot(i, skips.pack());
    }

    /// Look `key` up in data block `i`, whose on-disk bytes `framed` at `at` are lent by
    /// the file, checking the block first if this run has not yet. `None`: the block is
    /// compressed (not looked at).
    fn find_in_place(&self, i: usize, at: u64, framed: &[u8], key: &[u8]) -> Option<Result<Found>> {
        if self.version >= 2 {
            return self.find_in_place_v2(i, at, framed, key);
        }
        let skips = match block::Skips::unpack(self.slot(i)) {
            Some(skips) => skips,
            None => match block::check_plain_block(framed, self.last_key(i)) {
                Ok(Some(skips)) => {
                    self.set_checked(i, skips);
                    skips
                }
                Ok(None) => {
                    self.set_slot(i, COMPRESSED);
                    return None;
                }
                Err(b) => return Some(Err(b.at(&self.path, at))),
            },
        };
        let hit = block::find_in_plain_block(framed, key, skips);
        Some(Ok(hit.map(|v| v.map(<[u8]>::to_vec))))
    }

    /// [`Run::find_in_place`] in a version 2 run: the block's entry table leads to the
    /// entry (RUN-6); the slot records "checked" as packed default skips.
    fn find_in_place_v2(
        &self,
        i: usize,
        at: u64,
        framed: &[u8],
        key: &[u8],
    ) -> Option<Result<Found>> {
        if block::Skips::unpack(self.slot(i)).is_none() {
            match block::check_plain_block_v2(framed, self.last_key(i)) {
                Ok(true) => self.set_checked(i, block::Skips::default()),
                Ok(false) => {
                    self.set_slot(i, COMPRESSED);
                    return None;
                }
                Err(b) => return Some(Err(b.at(&self.path, at))),
            }
        }
        let hit = block::find_in_plain_block_v2(framed, key);
        Some(Ok(hit.map(|v| v.map(<[u8]>::to_vec))))
    }

    /// Entries with `start <= key < end`, including tombstones.
    pub(crate) fn iter(self: &Arc<Self>, start: &[u8], end: Option<&[u8]>) -> EntryIter<'static> {
        self.iter_with(start, end, true)
    }

    /// [`Run::iter`]; `cached`: whether its blocks go through the block cache.
    fn iter_with(
        self: &Arc<Self>,
        start: &[u8],
        end: Option<&[u8]>,
        cached: bool,
    ) -> EntryIter<'static> {
        let block_idx = self.block_for(start);
        Box::new(RunIter {
            run: Arc::clone(self),
            cached,
            block_idx,
            block: None,
            pos: 0,
            start: start.to_vec(),
            end: end.map(<[u8]>::to_vec),
            done: false,
        })
    }

    /// The last key of the data block at absolute byte `offset`, if a block starts there
    /// (tools skip a damaged block's key range with it; see `inspect.rs`).
    pub(crate) fn block_last_key_at(&self, offset: u64) -> Option<Vec<u8>> {
        let base = self.meta.extent.byte_offset();
        self.index
            .iter()
            .find(|e| base.checked_add(e.offset) == Some(offset))
            .map(|e| e.last_key.clone())
    }

    /// Every entry in order, tombstones included (compaction input). Its blocks bypass the
    /// block cache: each is read once, and caching it would only evict the blocks of the
    /// reads running meanwhile.
    pub(crate) fn iter_all(self: &Arc<Self>) -> EntryIter<'static> {
        self.iter_with(&[], None, false)
    }
}

struct RunIter {
    run: Arc<Run>,
    cached: bool,
    block_idx: usize,
    block: Option<Block>,
    pos: usize,
    start: Vec<u8>,
    end: Option<Vec<u8>>,
    done: bool,
}

impl Iterator for RunIter {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let block = match &self.block {
                Some(b) => Arc::clone(b),
                None => {
                    if self.block_idx >= self.run.index.len() {
                        self.done = true;
                        return None;
                    }
                    let block = if self.cached {
                        self.run.block(self.block_idx)
                    } else {
                        self.run.load_block(self.block_idx).map(Arc::new)
                    };
                    match block {
                        Ok(b) => {
                            self.pos = b.lower_bound(&self.start);
                            self.block = Some(Arc::clone(&b));
                            b
                        }
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
            };
            if self.pos < block.len() {
                if self
                    .end
                    .as_deref()
                    .is_some_and(|e| block.key(self.pos) >= e)
                {
                    self.done = true;
                    return None;
                }
                self.pos += 1;
                return Some(Ok(block.entry(self.pos - 1)));
            }
            self.block = None;
            self.block_idx += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::manifest::Extent;

    /// The oldest run skips its filter while sampled probes show it rejects (almost)
    /// nothing, keeps using it while it rejects, and answers the same either way.
    #[test]
    fn oldest_run_filter_is_skipped_only_while_it_saves_nothing() {
        let key = |i: u32| format!("key{i:06}").into_bytes();
        let mut entries = (0..2000u32).map(|i| Ok((key(i * 2), Some(vec![i as u8; 150]))));
        let (bytes, count) = build(&mut entries, 2000, footer::CURRENT_VERSION).unwrap();
        let run = open_run(&bytes, count, 0);
        let get = |k: &[u8]| run.get(k, crate::format::bloom::key_hash(k), true).unwrap();
        // Absent keys (odd numbers): the samples see rejections, the filter stays in use.
        for i in 0..4000u32 {
            assert_eq!(get(&key(i * 2 + 1)), None);
        }
        let absent = key(1_000_001);
        assert!(run.use_filter(crate::format::bloom::key_hash(&absent), true));
        // Present keys only: once the rejections fall below 1 in 16 of the (decaying)
        // samples, unsampled gets skip the filter.
        for round in 0..20u32 {
            for i in 0..2000u32 {
                assert_eq!(get(&key(i * 2)), Some(Some(vec![i as u8; 150])), "{round}");
            }
        }
        let unsampled = (0..100u32)
            .map(|i| crate::format::bloom::key_hash(&key(i * 2)))
            .find(|&h| !Run::sampled(h))
            .unwrap();
        assert!(!run.use_filter(unsampled, true));
        assert!(
            run.use_filter(unsampled, false),
            "only the oldest run skips it"
        );
        // Skipping never changes an answer.
        for i in 0..4000u32 {
            let expect = (i % 2 == 0).then(|| Some(vec![(i / 2) as u8; 150]));
            assert_eq!(get(&key(i)), expect);
        }
    }

    /// The worked examples of format-spec/runs.md, version 1 (the version 1 writer is kept
    /// for these tests of the version 1 reader) and version 2 (what writers write).
    #[test]
    fn spec_example_one_entry_run_layout() {
        // (version, raw data block length, index @, filter @, raw filter length, footer @,
        // run_len, magic)
        for (version, raw, index, filter, filter_raw, footer_at, run_len, magic) in [
            (
                1u8,
                15u8,
                28usize,
                66usize,
                13u8,
                92usize,
                140usize,
                b"CRDTRUN1",
            ),
            (2, 31, 44, 82, 69, 164, 212, b"CRDTRUN2"),
        ] {
            let key = vec![1u8, 0, 1, 0x73, 0x6b];
            let mut entries = std::iter::once(Ok((key, Some(b"v".to_vec()))));
            let (bytes, count) = build(&mut entries, 1, version).unwrap();
            assert_eq!((bytes.len(), count), (run_len, 1));
            assert_eq!(&bytes[4..13], &[1, raw, 0, 0, 0, raw, 0, 0, 0]);
            assert_eq!(
                &bytes[index + 4..index + 13],
                &[1, 25, 0, 0, 0, 25, 0, 0, 0]
            );
            // The index entry's block length: the whole framed data block.
            assert_eq!(&bytes[index + 25..index + 29], &[index as u8, 0, 0, 0]);
            let f = filter_raw;
            assert_eq!(
                &bytes[filter + 4..filter + 13],
                &[1, f, 0, 0, 0, f, 0, 0, 0]
            );
            // hashes 7, bits_len 8 (version 1) or one 64-byte block (version 2).
            let bits_len = if version == 1 { 8 } else { 64 };
            assert_eq!(&bytes[filter + 13..filter + 18], &[7, bits_len, 0, 0, 0]);
            let footer = Footer::decode(&bytes[footer_at..], run_len as u64).unwrap();
            assert_eq!(
                (
                    footer.index_offset,
                    footer.index_len,
                    footer.filter_offset,
                    footer.filter_len,
                    footer.version
                ),
                (index as u64, 38, filter as u64, 13 + u32::from(f), version)
            );
            assert_eq!(&bytes[run_len - 8..], magic);
        }
        let key = vec![1u8, 0, 1, 0x73, 0x6b];
        let mut entries = std::iter::once(Ok((key, Some(b"v".to_vec()))));
        let written = build(&mut entries, 1, footer::CURRENT_VERSION).unwrap().0;
        assert_eq!(written.len(), 212, "writers write version 2");
    }

    /// lz4 is tried on every block until 8 in a row did not compress, then on every 32nd
    /// block, and on every block again once one compressed.
    #[test]
    fn lz4_trials_back_off_on_incompressible_blocks() {
        let mut t = Lz4Trials::default();
        let mut tried = Vec::new();
        for _ in 0..100 {
            tried.push(t.should_try());
            t.record(false);
        }
        assert!(tried[..8].iter().all(|&x| x));
        assert_eq!(tried.iter().filter(|&&x| x).count(), 8 + 3, "{tried:?}");
        assert!(tried[32] && tried[64] && tried[96]);
        t.record(true);
        assert!(t.should_try());
        // A run of incompressible values, then compressible ones: the latter compress
        // again (within 32 blocks), and runs answer the same.
        let noise = |i: u32| -> Vec<u8> {
            (0..150u64)
                .map(|j| {
                    let z = (u64::from(i) * 150 + j).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    ((z ^ z >> 29).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 56) as u8
                })
                .collect()
        };
        let value = |i: u32| if i < 2000 { noise(i) } else { vec![b'z'; 150] };
        let key = |i: u32| format!("k{i:08}").into_bytes();
        let mut entries = (0..4000u32).map(|i| Ok((key(i), Some(value(i)))));
        let (bytes, count) = build(&mut entries, 4000, footer::CURRENT_VERSION).unwrap();
        let run = open_run(&bytes, count, 0);
        let compressed: Vec<bool> = (0..run.index.len())
            .map(|i| {
                let (at, len) = run.block_at(i).unwrap().unwrap();
                let mut c = false;
                run.io
                    .read_in_place(at, len, &mut |f| c = !block::is_plain(f))
                    .unwrap();
                c
            })
            .collect();
        let first = compressed.iter().position(|&c| c).unwrap();
        assert!(compressed[first..].iter().all(|&c| c), "{compressed:?}");
        let noise_blocks = 2000 * (150 + 9 + 9) / 4096;
        assert!(first <= noise_blocks + 33, "{first} vs {noise_blocks}");
        for i in (0..4000u32).step_by(7) {
            let k = key(i);
            let h = crate::format::bloom::key_hash(&k);
            assert_eq!(run.get(&k, h, false).unwrap(), Some(Some(value(i))));
        }
    }

    /// A run of `bytes` at page 1 of a simulated file, with a block cache of `cache` bytes.
    fn open_run(bytes: &[u8], count: u64, cache: usize) -> Run {
        let io = crate::io::SimDisk::new().file();
        io.write_at(4096, bytes).unwrap();
        let meta = RunMeta {
            id: 1,
            extent: Extent {
                start: 1,
                pages: bytes.len().div_ceil(4096) as u32,
            },
            run_len: bytes.len() as u64,
            entry_count: count,
        };
        let cache = Arc::new(BlockCache::new(cache));
        Run::open(io, Path::new("t.crdt"), meta, cache).unwrap()
    }

    /// Runs of both versions, with compressible and incompressible blocks, answer every
    /// get and every scan alike (in place and through the decoded-block cache).
    #[test]
    fn v1_and_v2_runs_answer_alike() {
        let key = |i: u32| format!("ns/{i:010}").into_bytes();
        // The first half incompressible (uncompressed blocks), the second compressible.
        let value = |i: u32| match (i % 4, i < 1500) {
            (0, _) => None,
            (_, true) => Some(
                (0..150u64)
                    .map(|j| {
                        let z = (u64::from(i) * 150 + j).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                        ((z ^ z >> 29).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 56) as u8
                    })
                    .collect(),
            ),
            (_, false) => Some(vec![b'a'; 300]),
        };
        let make = || (0..3000u32).map(|i| Ok((key(i * 2), value(i))));
        let (b1, n1) = build(&mut make(), 3000, 1).unwrap();
        let (b2, n2) = build(&mut make(), 3000, footer::CURRENT_VERSION).unwrap();
        assert_eq!((n1, n2), (3000, 3000));
        let (r1, r2) = (open_run(&b1, n1, 1 << 20), open_run(&b2, n2, 1 << 20));
        assert_eq!((r1.version, r2.version), (1, 2));
        for _pass in 0..2 {
            for i in 0..6001u32 {
                let k = key(i);
                let h = crate::format::bloom::key_hash(&k);
                let expect = (i % 2 == 0 && i < 6000).then(|| value(i / 2));
                assert_eq!(r1.get(&k, h, false).unwrap(), expect, "v1 {i}");
                assert_eq!(r2.get(&k, h, true).unwrap(), expect, "v2 {i}");
            }
        }
        // Both kinds of blocks were met: searched in place, and compressed.
        let states: Vec<u64> = (0..r2.index.len()).map(|i| r2.slot(i)).collect();
        assert!(states.contains(&COMPRESSED));
        assert!(states.iter().any(|&s| block::Skips::unpack(s).is_some()));
        let (r1, r2) = (Arc::new(r1), Arc::new(r2));
        let all1: Vec<Entry> = r1.iter_all().map(|e| e.unwrap()).collect();
        let all2: Vec<Entry> = r2
            .iter(&key(10), Some(&key(5000)))
            .map(|e| e.unwrap())
            .collect();
        assert_eq!(all1.len(), 3000);
        assert_eq!(r2.iter_all().map(|e| e.unwrap()).collect::<Vec<_>>(), all1);
        assert_eq!(all2, all1[5..2500].to_vec());
    }
}
