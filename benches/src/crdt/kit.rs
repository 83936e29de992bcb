//! crdt-kit on the traces: `TextCrdt` on sequential traces, the concurrent replay, and
//! `Rga<u32>` random edits.

use crdt_kit::prelude::*;

use super::{check, SplitMix, TextEngine};
use crate::traces::{ConcTrace, SeqTrace};

/// `TextCrdt`, every patch through `splice`; `TextCrdt::encode`/`decode` (the compact
/// text encoding, `format-spec/text-encoding.md`) for the encoded state.
#[derive(Debug, Clone, Copy)]
pub struct Kit;

impl TextEngine for Kit {
    const NAME: &'static str = "crdt-kit";
    type Doc = TextCrdt;

    fn apply(trace: &SeqTrace) -> Result<TextCrdt, String> {
        let mut doc = TextCrdt::new("author");
        if !trace.start_content.is_empty() {
            doc.insert_str(0, &trace.start_content)
                .map_err(|e| e.to_string())?;
        }
        for p in &trace.patches {
            doc.splice(p.0, p.1, &p.2).map_err(|e| e.to_string())?;
        }
        Ok(doc)
    }

    fn content(doc: &TextCrdt) -> String {
        doc.to_string()
    }

    fn encode(doc: &mut TextCrdt) -> Result<Vec<u8>, String> {
        Ok(doc.encode())
    }

    fn decode(bytes: &[u8]) -> Result<TextCrdt, String> {
        TextCrdt::decode(bytes).map_err(|e| e.to_string())
    }
}

type TextDelta = <TextCrdt as DeltaCrdt>::Delta;

/// Replays a concurrent trace with one `TextCrdt` replica per agent and returns the replicas
/// after the final sync.
///
/// Each transaction is made on its agent's replica once that replica holds exactly the
/// merged state of the transaction's parents: the replica receives, as deltas, the
/// transactions of the parents' history it lacks (each transaction's delta is recorded
/// with `delta_since(summary before it)` when it is made). Each agent's transactions must
/// form a chain (true of the traces we ship); a transaction whose agent has already seen
/// more than its parents is an `Err`. At the end every replica receives what it lacks, then
/// all are merged pairwise with `merge`.
pub fn replay_concurrent(trace: &ConcTrace) -> Result<Vec<TextCrdt>, String> {
    let n = trace.txns.len();
    let agents = trace
        .num_agents
        .max(1 + trace.txns.iter().map(|t| t.agent).max().unwrap_or(0));
    // vv[t][b]: how many of agent b's transactions are in t's causal past, t included.
    let mut vv: Vec<Vec<usize>> = Vec::with_capacity(n);
    let mut by_agent: Vec<Vec<usize>> = vec![Vec::new(); agents];
    let mut replicas: Vec<TextCrdt> = (0..agents)
        .map(|a| TextCrdt::new(format!("agent-{a}")))
        .collect();
    let mut have: Vec<Vec<usize>> = vec![vec![0; agents]; agents];
    let mut deltas: Vec<TextDelta> = Vec::with_capacity(n);

    for (t, txn) in trace.txns.iter().enumerate() {
        let mut want = vec![0usize; agents];
        for &p in &txn.parents {
            let pv = vv
                .get(p)
                .ok_or_else(|| format!("txn {t}: parent {p} not earlier"))?;
            for (w, &x) in want.iter_mut().zip(pv) {
                *w = (*w).max(x);
            }
        }
        let a = txn.agent;
        if have[a].iter().zip(&want).any(|(h, w)| h > w) {
            return Err(format!(
                "txn {t}: agent {a} has seen more than the txn's parents"
            ));
        }
        sync(&mut replicas[a], &mut have[a], &want, &by_agent, &deltas);
        let replica = &mut replicas[a];
        let before = replica.summary();
        for p in &txn.patches {
            replica
                .splice(p.0, p.1, &p.2)
                .map_err(|e| format!("txn {t}: {e}"))?;
        }
        deltas.push(replica.delta_since(&before));
        by_agent[a].push(t);
        want[a] = by_agent[a].len();
        have[a] = want.clone();
        vv.push(want);
    }

    let all: Vec<usize> = by_agent.iter().map(Vec::len).collect();
    for (replica, h) in replicas.iter_mut().zip(have.iter_mut()) {
        sync(replica, h, &all, &by_agent, &deltas);
    }
    for i in 0..agents {
        for j in 0..agents {
            if i != j {
                let other = replicas[j].clone();
                replicas[i].merge(&other);
            }
        }
    }
    Ok(replicas)
}

/// Brings a replica from `have` to `want` (per-agent transaction counts) by applying the
/// missing transactions' deltas in trace order (a causal order).
fn sync(
    replica: &mut TextCrdt,
    have: &mut [usize],
    want: &[usize],
    by_agent: &[Vec<usize>],
    deltas: &[TextDelta],
) {
    let mut missing: Vec<usize> = Vec::new();
    for (b, (&h, &w)) in have.iter().zip(want).enumerate() {
        if w > h {
            missing.extend_from_slice(&by_agent[b][h..w]);
        }
    }
    missing.sort_unstable();
    for t in missing {
        replica.apply_delta(&deltas[t]);
    }
    for (h, &w) in have.iter_mut().zip(want) {
        *h = (*h).max(w);
    }
}

/// Replays the concurrent trace and checks every replica: equal states and `endContent`.
pub fn replay_checked(trace: &ConcTrace) -> Result<Vec<TextCrdt>, String> {
    let replicas = replay_concurrent(trace)?;
    for (i, r) in replicas.iter().enumerate() {
        check(
            &format!("crdt-kit replica {i}"),
            &trace.name,
            &r.to_string(),
            &trace.end_content,
        )?;
        if r != &replicas[0] || r.pending_len() != 0 {
            return Err(format!("replica {i} differs from replica 0 in state"));
        }
    }
    Ok(replicas)
}

/// `n` random edits on an `Rga<u32>` (seeded): 70% inserts of one element at a random
/// index, 30% removals at a random index (inserts when empty). Returns the final length.
pub fn rga_random(n: usize, seed: u64) -> Result<Rga<u32>, String> {
    let mut rng = SplitMix::new(seed);
    let mut rga = Rga::new("bench");
    for i in 0..n {
        let len = rga.len();
        if len == 0 || rng.below(10) < 7 {
            rga.insert_at(rng.below(len + 1), i as u32)
                .map_err(|e| e.to_string())?;
        } else {
            rga.remove(rng.below(len)).map_err(|e| e.to_string())?;
        }
    }
    Ok(rga)
}
