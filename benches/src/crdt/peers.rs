//! The peers, driven through their public APIs on the same traces: diamond-types, loro, yrs
//! (a transaction per patch, and one transaction for the whole trace) and automerge.
//! Positions in the traces count chars; every peer is configured to count chars too (yrs:
//! UTF-16 units, equal to chars on traces without chars outside the BMP).

use super::{check, TextEngine};
use crate::traces::{ConcTrace, SeqTrace};

const TEXT: &str = "text";

/// diamond-types 1.0: `ListCRDT` local inserts and deletes by one agent; `OpLog::encode`.
#[derive(Debug, Clone, Copy)]
pub struct DiamondTypes;

impl TextEngine for DiamondTypes {
    const NAME: &'static str = "diamond-types";
    type Doc = diamond_types::list::ListCRDT;

    fn apply(trace: &SeqTrace) -> Result<Self::Doc, String> {
        let mut doc = diamond_types::list::ListCRDT::new();
        let agent = doc.get_or_create_agent_id("author");
        if !trace.start_content.is_empty() {
            doc.insert(agent, 0, &trace.start_content);
        }
        for p in &trace.patches {
            if p.1 > 0 {
                doc.delete_without_content(agent, p.0..p.0 + p.1);
            }
            if !p.2.is_empty() {
                doc.insert(agent, p.0, &p.2);
            }
        }
        Ok(doc)
    }

    fn content(doc: &Self::Doc) -> String {
        doc.branch.content().to_string()
    }

    fn encode(doc: &mut Self::Doc) -> Result<Vec<u8>, String> {
        Ok(doc
            .oplog
            .encode(diamond_types::list::encoding::EncodeOptions::default()))
    }

    fn decode(bytes: &[u8]) -> Result<Self::Doc, String> {
        diamond_types::list::ListCRDT::load_from(bytes).map_err(|e| format!("{e:?}"))
    }
}

/// Replays a concurrent trace into one diamond-types `OpLog`, each patch added at its
/// transaction's parents (`add_insert_at` / `add_delete_at`), then checks the tip's text
/// against `endContent`.
pub fn diamond_concurrent(trace: &ConcTrace) -> Result<diamond_types::list::OpLog, String> {
    use diamond_types::list::OpLog;
    let mut oplog = OpLog::new();
    let agents: Vec<_> = (0..trace.num_agents.max(1))
        .map(|a| oplog.get_or_create_agent_id(&format!("agent-{a}")))
        .collect();
    let mut tips: Vec<Vec<usize>> = Vec::with_capacity(trace.txns.len());
    for (t, txn) in trace.txns.iter().enumerate() {
        let mut frontier: Vec<usize> = Vec::new();
        for (i, &p) in txn.parents.iter().enumerate() {
            let tip = tips
                .get(p)
                .ok_or_else(|| format!("txn {t}: parent {p} not earlier"))?;
            frontier = if i == 0 {
                tip.clone()
            } else {
                oplog.version_union(&frontier, tip).to_vec()
            };
        }
        let agent = *agents
            .get(txn.agent)
            .ok_or_else(|| format!("txn {t}: unknown agent"))?;
        for p in &txn.patches {
            if p.1 > 0 {
                frontier = vec![oplog.add_delete_at(agent, &frontier, p.0..p.0 + p.1)];
            }
            if !p.2.is_empty() {
                frontier = vec![oplog.add_insert_at(agent, &frontier, p.0, &p.2)];
            }
        }
        tips.push(frontier);
    }
    let text = oplog.checkout_tip().content().to_string();
    check("diamond-types", &trace.name, &text, &trace.end_content)?;
    Ok(oplog)
}

/// loro 1.17: `LoroText::splice` for every patch, one commit at the end; snapshot export.
#[derive(Debug, Clone, Copy)]
pub struct Loro;

impl TextEngine for Loro {
    const NAME: &'static str = "loro";
    type Doc = loro::LoroDoc;

    fn apply(trace: &SeqTrace) -> Result<Self::Doc, String> {
        let doc = loro::LoroDoc::new();
        let text = doc.get_text(TEXT);
        if !trace.start_content.is_empty() {
            text.insert(0, &trace.start_content)
                .map_err(|e| e.to_string())?;
        }
        for p in &trace.patches {
            if p.1 > 0 {
                text.delete(p.0, p.1).map_err(|e| e.to_string())?;
            }
            if !p.2.is_empty() {
                text.insert(p.0, &p.2).map_err(|e| e.to_string())?;
            }
        }
        doc.commit();
        Ok(doc)
    }

    fn content(doc: &Self::Doc) -> String {
        doc.get_text(TEXT).to_string()
    }

    fn encode(doc: &mut Self::Doc) -> Result<Vec<u8>, String> {
        doc.export(loro::ExportMode::Snapshot)
            .map_err(|e| e.to_string())
    }

    fn decode(bytes: &[u8]) -> Result<Self::Doc, String> {
        loro::LoroDoc::from_snapshot(bytes).map_err(|e| e.to_string())
    }
}

/// yrs 0.28 counts positions in bytes or UTF-16 units, not chars: UTF-16 units equal chars
/// when the trace has no char outside the BMP (true of the traces we ship); others are refused.
fn yrs_doc_for(trace: &SeqTrace) -> Result<(yrs::Doc, yrs::TextRef), String> {
    let astral = |s: &str| s.chars().any(|c| u32::from(c) > 0xFFFF);
    if astral(&trace.start_content) || trace.patches.iter().any(|p| astral(&p.2)) {
        return Err(format!(
            "yrs: {} has chars outside the BMP (UTF-16 offsets differ)",
            trace.name
        ));
    }
    Ok(yrs_doc())
}

fn yrs_doc() -> (yrs::Doc, yrs::TextRef) {
    let doc = yrs::Doc::with_options(yrs::Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..yrs::Options::default()
    });
    let text = doc.get_or_insert_text(TEXT);
    (doc, text)
}

fn yrs_patch(text: &yrs::TextRef, txn: &mut yrs::TransactionMut, p: &crate::traces::Patch) {
    use yrs::Text;
    if p.1 > 0 {
        text.remove_range(txn, p.0 as u32, p.1 as u32);
    }
    if !p.2.is_empty() {
        text.insert(txn, p.0 as u32, &p.2);
    }
}

/// yrs 0.28: `Yrs<true>` makes a transaction per patch (how an editor drives it),
/// `Yrs<false>` one transaction for the whole trace; update v1 encoding of the whole state.
#[derive(Debug, Clone, Copy)]
pub struct Yrs<const PER_EDIT: bool>;

/// yrs with a transaction per patch.
pub type YrsPerEdit = Yrs<true>;
/// yrs with one transaction for the whole trace.
pub type YrsOneTxn = Yrs<false>;

impl<const PER_EDIT: bool> TextEngine for Yrs<PER_EDIT> {
    const NAME: &'static str = if PER_EDIT {
        "yrs (txn/edit)"
    } else {
        "yrs (1 txn)"
    };
    type Doc = yrs::Doc;

    fn apply(trace: &SeqTrace) -> Result<Self::Doc, String> {
        use yrs::{Text, Transact};
        let (doc, text) = yrs_doc_for(trace)?;
        let mut txn = doc.transact_mut();
        if !trace.start_content.is_empty() {
            text.insert(&mut txn, 0, &trace.start_content);
        }
        for p in &trace.patches {
            if PER_EDIT {
                drop(txn);
                txn = doc.transact_mut();
            }
            yrs_patch(&text, &mut txn, p);
        }
        drop(txn);
        Ok(doc)
    }

    fn content(doc: &Self::Doc) -> String {
        use yrs::{GetString, Transact};
        let text = doc.get_or_insert_text(TEXT);
        let txn = doc.transact();
        text.get_string(&txn)
    }

    fn encode(doc: &mut Self::Doc) -> Result<Vec<u8>, String> {
        use yrs::{ReadTxn, Transact};
        Ok(doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default()))
    }

    fn decode(bytes: &[u8]) -> Result<Self::Doc, String> {
        use yrs::updates::decoder::Decode;
        use yrs::Transact;
        let (doc, _text) = yrs_doc();
        let update = yrs::Update::decode_v1(bytes).map_err(|e| e.to_string())?;
        doc.transact_mut()
            .apply_update(update)
            .map_err(|e| e.to_string())?;
        Ok(doc)
    }
}

/// automerge 0.7: `AutoCommit` with a Text object counting code points, `splice_text` per
/// patch; `save`/`load`.
#[derive(Debug, Clone, Copy)]
pub struct Automerge;

fn am_text(doc: &automerge::AutoCommit) -> Result<automerge::ObjId, String> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, TEXT).map_err(|e| e.to_string())? {
        Some((_, id)) => Ok(id),
        None => Err("automerge: no text object".to_owned()),
    }
}

impl TextEngine for Automerge {
    const NAME: &'static str = "automerge";
    type Doc = automerge::AutoCommit;

    fn apply(trace: &SeqTrace) -> Result<Self::Doc, String> {
        use automerge::transaction::Transactable;
        let mut doc =
            automerge::AutoCommit::new_with_encoding(automerge::TextEncoding::UnicodeCodePoint);
        let text = doc
            .put_object(automerge::ROOT, TEXT, automerge::ObjType::Text)
            .map_err(|e| e.to_string())?;
        if !trace.start_content.is_empty() {
            doc.splice_text(&text, 0, 0, &trace.start_content)
                .map_err(|e| e.to_string())?;
        }
        for p in &trace.patches {
            doc.splice_text(&text, p.0, p.1 as isize, &p.2)
                .map_err(|e| e.to_string())?;
        }
        doc.commit();
        Ok(doc)
    }

    fn content(doc: &Self::Doc) -> String {
        use automerge::ReadDoc;
        am_text(doc)
            .and_then(|t| doc.text(&t).map_err(|e| e.to_string()))
            .unwrap_or_default()
    }

    fn encode(doc: &mut Self::Doc) -> Result<Vec<u8>, String> {
        Ok(doc.save())
    }

    fn decode(bytes: &[u8]) -> Result<Self::Doc, String> {
        automerge::AutoCommit::load(bytes).map_err(|e| e.to_string())
    }
}
