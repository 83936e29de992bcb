//! The compact encoding of a text sequence state, version 1: the layout of
//! `format-spec/text-encoding.md` (read it first; rule ids TXT-n refer to it).
//!
//! `magic, version, flags, actors, local, logs (runs per actor, counter order), pending,
//! text block`. Encoding walks the op logs; decoding reads the same structure through a
//! checked [`Reader`], turns it into a [`Delta`] (the crate's validated wire form of ops)
//! and integrates it into an empty state whose actor table is the encoded one, so the
//! result is exactly what re-integrating the ops gives (every op validated as it
//! integrates; debug builds also run [`Seq::check`] on the result).
//! Decoding then encoding gives the same bytes (TXT-6).

use super::core::Seq;
use super::delta::{Delta, WireId, WireOp};
use super::huffman;
use super::log::Target;
use super::lz;
use super::tree::Id;
use super::varint::{put_varint, unzigzag, zigzag, Reader};
use crate::{ActorId, Error};
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// "CKTX".
const MAGIC: [u8; 4] = *b"CKTX";
/// The version this code writes and reads.
const VERSION: u8 = 1;
/// Flag bit 0: the text block is compressed.
const FLAG_COMPRESSED: u8 = 1;
/// Flag bit 1: the body (everything after the flags) is entropy-coded.
const FLAG_ENTROPY: u8 = 2;
/// Bytes before the body.
const HEADER: usize = 6;

/// A reference to `id` relative to `base`; `own` is the run's actor (one varint then).
fn put_ref(out: &mut Vec<u8>, own: u32, id: Option<Id>, base: u64) {
    match id {
        None => put_varint(out, 0),
        Some(id) => {
            let delta = zigzag(id.counter.wrapping_sub(base) as i64);
            if id.actor == own && delta < 1 << 62 {
                put_varint(out, delta << 1 | 1);
            } else {
                put_varint(out, (u64::from(id.actor) + 1) << 1);
                put_varint(out, delta);
            }
        }
    }
}

fn put_insert(
    out: &mut Vec<u8>,
    actor: u32,
    start: u64,
    len: u64,
    left: Option<Id>,
    right: Option<Id>,
) {
    put_varint(out, len << 1);
    put_ref(out, actor, left, start);
    put_ref(out, actor, right, left.map_or(start, |l| l.counter));
}

fn put_delete(out: &mut Vec<u8>, actor: u32, start: u64, len: u64, targets: &[Target]) {
    put_varint(out, len << 1 | 1);
    put_varint(out, targets.len() as u64);
    let mut base = start;
    for t in targets {
        let id = Id {
            actor: t.actor,
            counter: t.counter,
        };
        put_ref(out, actor, Some(id), base);
        put_varint(out, t.len << 1 | u64::from(t.rev));
        base = t.counter;
    }
}

/// Encodes a text state (see the module docs).
pub(crate) fn encode(seq: &Seq<String>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(0); // flags, set below
    put_varint(&mut out, seq.logs.len() as u64);
    for log in &seq.logs {
        put_varint(&mut out, log.id.len() as u64);
        out.extend_from_slice(log.id.as_bytes());
    }
    put_varint(&mut out, u64::from(seq.local));
    let mut text = String::new();
    for (a, log) in seq.logs.iter().enumerate() {
        let a = a as u32;
        put_varint(&mut out, (log.inserts.len() + log.deletes.len()) as u64);
        let (mut i, mut d) = (0, 0);
        loop {
            match (log.inserts.get(i), log.deletes.get(d)) {
                (Some(r), x) if x.is_none_or(|x| r.start < x.start) => {
                    put_insert(
                        &mut out,
                        a,
                        r.start,
                        r.len,
                        r.origin_left(),
                        r.origin_right(),
                    );
                    i += 1;
                }
                (_, Some(x)) => {
                    put_delete(&mut out, a, x.start, x.len, log.targets_of(x));
                    d += 1;
                }
                _ => break,
            }
        }
        text.push_str(&log.content);
    }
    // Pending ops in the delta form (ids as (actor, counter) in this replica's numbering).
    let pending = seq.pending_delta();
    put_varint(&mut out, pending.ops.len() as u64);
    let id = |w: &WireId| Id {
        actor: w.0,
        counter: w.1,
    };
    for op in &pending.ops {
        let (actor, start, len) = op.head();
        put_varint(&mut out, u64::from(actor));
        put_varint(&mut out, start);
        match op {
            WireOp::Insert { left, right, .. } => {
                put_insert(
                    &mut out,
                    actor,
                    start,
                    len,
                    left.map(|w| id(&w)),
                    right.map(|w| id(&w)),
                );
            }
            WireOp::Delete { targets, .. } => {
                let targets: Vec<Target> = targets
                    .iter()
                    .map(|&(actor, counter, len, rev)| Target {
                        actor,
                        counter,
                        len,
                        rev,
                    })
                    .collect();
                put_delete(&mut out, actor, start, len, &targets);
            }
        }
    }
    text.push_str(&pending.content);
    let raw = text.as_bytes();
    let comp = lz::compress(raw);
    let mut comp_len = Vec::new();
    put_varint(&mut comp_len, comp.len() as u64);
    put_varint(&mut out, raw.len() as u64);
    if comp_len.len() + comp.len() < raw.len() {
        if let Some(flags) = out.get_mut(5) {
            *flags = FLAG_COMPRESSED;
        }
        out.extend_from_slice(&comp_len);
        out.extend_from_slice(&comp);
    } else {
        out.extend_from_slice(raw);
    }
    // The entropy-coded form of the body, when smaller.
    let body = out.get(HEADER..).unwrap_or(&[]);
    let coded = huffman::encode(body);
    let mut len = Vec::new();
    put_varint(&mut len, body.len() as u64);
    if len.len() + coded.len() < body.len() {
        let flags = out.get(5).copied().unwrap_or(0) | FLAG_ENTROPY;
        out.truncate(HEADER);
        if let Some(f) = out.get_mut(5) {
            *f = flags;
        }
        out.extend_from_slice(&len);
        out.extend_from_slice(&coded);
    }
    out
}

/// One run read from the input: the wire op and its insert length (0 for a delete).
fn read_run(
    r: &mut Reader<'_>,
    actor: u32,
    start: u64,
    n_actors: usize,
) -> Result<(WireOp, u64), Error> {
    let at = r.pos();
    let header = r.varint()?;
    let len = header >> 1;
    if len == 0 {
        return Err(r.error("run of length 0"));
    }
    if start.checked_add(len).is_none() {
        return Err(Error::Decode {
            offset: at,
            reason: format!("run at counter {start} of length {len} passes 2^64 - 1"),
        });
    }
    let read_ref = |r: &mut Reader<'_>, base: u64| -> Result<Option<WireId>, Error> {
        let at = r.pos();
        let x = r.varint()?;
        if x == 0 {
            return Ok(None);
        }
        let (ref_actor, delta) = if x & 1 == 1 {
            (u64::from(actor), x >> 1)
        } else {
            ((x >> 1) - 1, r.varint()?)
        };
        if ref_actor >= n_actors as u64 {
            return Err(Error::Decode {
                offset: at,
                reason: format!("reference to actor {ref_actor}, the table has {n_actors}"),
            });
        }
        let counter = base.wrapping_add(unzigzag(delta) as u64);
        if counter == 0 {
            return Err(r.error("reference to counter 0"));
        }
        Ok(Some((ref_actor as u32, counter)))
    };
    if header & 1 == 0 {
        let left = read_ref(r, start)?;
        let right = read_ref(r, left.map_or(start, |l| l.1))?;
        let op = WireOp::Insert {
            actor,
            start,
            len,
            left,
            right,
        };
        return Ok((op, len));
    }
    let n = r.count("delete target")?;
    if n == 0 {
        return Err(r.error("delete run without targets"));
    }
    let mut targets = Vec::with_capacity(n);
    let mut base = start;
    for _ in 0..n {
        let Some((a, c)) = read_ref(r, base)? else {
            return Err(r.error("delete target names no element"));
        };
        let lenrev = r.varint()?;
        if lenrev >> 1 == 0 {
            return Err(r.error("delete target of length 0"));
        }
        targets.push((a, c, lenrev >> 1, lenrev & 1 == 1));
        base = c;
    }
    let op = WireOp::Delete {
        actor,
        start,
        len,
        targets,
    };
    Ok((op, 0))
}

/// Decodes a text state, validating everything (TXT-1 to TXT-5).
pub(crate) fn decode(bytes: &[u8]) -> Result<Seq<String>, Error> {
    let mut r = Reader::new(bytes);
    if r.bytes(4).ok() != Some(&MAGIC[..]) {
        return Err(Error::Decode {
            offset: 0,
            reason: "not a crdt-kit text encoding (magic \"CKTX\" missing)".into(),
        });
    }
    let version = r.u8()?;
    if version != VERSION {
        return Err(Error::Decode {
            offset: 4,
            reason: format!("text encoding version {version}; this build reads version 1"),
        });
    }
    let flags = r.u8()?;
    if flags & !(FLAG_COMPRESSED | FLAG_ENTROPY) != 0 {
        return Err(Error::Decode {
            offset: 5,
            reason: format!("unknown flags {flags:#04x}"),
        });
    }
    if flags & FLAG_ENTROPY == 0 {
        return decode_body(&mut r, flags);
    }
    let raw_len = r.varint()?;
    let body = huffman::decode(&mut r, raw_len)?;
    // Offsets of errors in the body now count bytes of the decoded body.
    decode_body(&mut Reader::new(&body), flags)
}

/// Decodes the body (actors to text block) from `r`.
fn decode_body(r: &mut Reader<'_>, flags: u8) -> Result<Seq<String>, Error> {
    let n_actors = r.count("actor")?;
    if n_actors == 0 || n_actors >= u32::MAX as usize {
        return Err(r.error("the actor table is empty"));
    }
    let mut actors = Vec::with_capacity(n_actors);
    let mut seen = BTreeSet::new();
    for _ in 0..n_actors {
        let at = r.pos();
        let len = r.count("actor id byte")?;
        let name = core::str::from_utf8(r.bytes(len)?).map_err(|_| Error::Decode {
            offset: at,
            reason: "actor id is not UTF-8".into(),
        })?;
        if !seen.insert(name) {
            return Err(Error::Decode {
                offset: at,
                reason: format!("actor {name:?} appears twice in the table"),
            });
        }
        actors.push(ActorId::from(name));
    }
    let local = r.varint()?;
    let local = usize::try_from(local)
        .ok()
        .filter(|&l| l < n_actors)
        .ok_or_else(|| r.error("local actor not in the table"))?;
    let logs_at = r.pos();
    let mut ops = Vec::new();
    let mut chars: u64 = 0;
    for a in 0..n_actors {
        let n_runs = r.count("run")?;
        let mut start = 1u64;
        for _ in 0..n_runs {
            let (op, ins) = read_run(r, a as u32, start, n_actors)?;
            start = start.saturating_add(op.head().2);
            chars = chars.saturating_add(ins);
            ops.push(op);
        }
    }
    let n_pending = r.count("pending op")?;
    let mut pending = Vec::with_capacity(n_pending);
    let mut pending_chars: u64 = 0;
    for _ in 0..n_pending {
        let actor = r.varint()?;
        if actor >= n_actors as u64 {
            return Err(r.error("pending op of an actor not in the table"));
        }
        let start = r.varint()?;
        if start == 0 {
            return Err(r.error("pending op at counter 0"));
        }
        let (op, ins) = read_run(r, actor as u32, start, n_actors)?;
        pending_chars = pending_chars.saturating_add(ins);
        pending.push(op);
    }
    let text_at = r.pos();
    let raw_len = r.varint()?;
    let raw = if flags & FLAG_COMPRESSED != 0 {
        let comp_len = r.varint()?;
        if comp_len != r.remaining() as u64 {
            return Err(r.error("compressed text length differs from the bytes left"));
        }
        lz::decompress(r, raw_len, comp_len)?
    } else {
        if raw_len != r.remaining() as u64 {
            return Err(r.error("text length differs from the bytes left"));
        }
        r.bytes(r.remaining())?.to_vec()
    };
    let text = String::from_utf8(raw).map_err(|_| Error::Decode {
        offset: text_at,
        reason: "text block is not UTF-8".into(),
    })?;
    // Where the ops' text ends and the pending ops' text begins (no pending op: the end;
    // ASCII text: the char count is the byte offset).
    let split = match usize::try_from(chars) {
        _ if pending_chars == 0 => text.len(),
        Ok(n) if text.is_ascii() => n.min(text.len()),
        Ok(n) => text.char_indices().nth(n).map_or(text.len(), |(i, _)| i),
        Err(_) => text.len(),
    };
    let total = text.chars().count() as u64;
    if Some(total) != chars.checked_add(pending_chars) {
        return Err(Error::Decode {
            offset: text_at,
            reason: format!(
                "text block holds {total} chars, the insert runs {}",
                chars.saturating_add(pending_chars)
            ),
        });
    }
    let (ops_text, pending_text) = text.split_at(split);
    let bad_ops = |e: Error| Error::Decode {
        offset: logs_at,
        reason: format!("ops do not form a valid state: {e}"),
    };
    let delta = Delta {
        actors: actors.clone(),
        ops,
        content: String::from(ops_text),
    };
    delta.validate().map_err(bad_ops)?;
    let pending = Delta {
        actors: actors.clone(),
        ops: pending,
        content: String::from(pending_text),
    };
    pending.validate().map_err(bad_ops)?;
    let mut seq = Seq::new(actors.first().cloned().unwrap_or_else(|| ActorId::from("")));
    for a in &actors {
        seq.intern(a);
    }
    seq.local = local as u32;
    seq.local_id = actors
        .get(local)
        .cloned()
        .unwrap_or_else(|| ActorId::from(""));
    // The logs' final lengths are known (the runs as the encoder's logs held them):
    // reserve them once instead of regrowing while integrating. Bounded by the input:
    // each run took at least one byte and is already held in `delta`.
    let mut sizes = vec![(0usize, 0usize, 0usize); n_actors];
    for op in &delta.ops {
        match op {
            WireOp::Insert { actor, .. } => {
                if let Some(s) = sizes.get_mut(*actor as usize) {
                    s.0 += 1;
                }
            }
            WireOp::Delete { actor, targets, .. } => {
                if let Some(s) = sizes.get_mut(*actor as usize) {
                    s.1 += 1;
                    s.2 += targets.len();
                }
            }
        }
    }
    for (log, (ins, del, tgt)) in seq.logs.iter_mut().zip(sizes) {
        log.inserts.reserve_exact(ins);
        log.deletes.reserve_exact(del);
        log.targets.reserve_exact(tgt);
    }
    if seq.apply_delta(&delta) > 0 || seq.pending_len() > 0 {
        return Err(bad_ops(Error::InvalidState(
            "an op does not integrate (a missing or invalid dependency)".into(),
        )));
    }
    if seq.apply_delta(&pending) > 0 {
        return Err(bad_ops(Error::InvalidState("an invalid pending op".into())));
    }
    // Every op was validated as it integrated, exactly as for a received delta, so the
    // rebuilt state meets `check()` by construction (TXT-5). The full audit costs as much
    // as the rebuild itself (O(n log n), 40% of a load), so it runs in debug builds (tests,
    // fuzzing), where it would catch a validation gap, not on every load.
    if cfg!(debug_assertions) {
        seq.check().map_err(bad_ops)?;
    }
    Ok(seq)
}
