//! When pairs are aligned: the phases of a finder's passes, and the windows
//! of documents that bound the memory of each reading of pass 2 (see
//! *Memory* in the module notes of [`crate::reprint`]). *Not for*: how a
//! pair is scored ([`super::score`]) or judged ([`super::chain`]).
//! *Rule*: the schedule changes how often pass 2 is read, never a result.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::config::ReprintConfig;
use super::relate::DocFreq;
use super::result::DocBoilerplate;
use super::score::{align_pair, prepare, Aligned, Prepared};
use crate::boilerplate::Span;
use crate::doc::{DocId, Document};
use crate::normalize::Tokens;

/// Where a finder is in its passes. Pass 1 is `Fingerprinting`; `plan`
/// moves to `Aligning` the candidates (or to `Done`, for an empty corpus).
/// When the last window of a round is read, `Aligning` moves to `Checking`
/// the pairs the cluster check calls for (or to `Done`, when it calls for
/// none); `Checking` moves to a second round of `Checking`, for the pairs
/// the clusters its pairs changed call for, then to `Done`.
#[derive(Debug)]
pub(super) enum Phase {
    /// Pass 1: documents are added.
    Fingerprinting,
    /// Pass 2 for the candidate pairs, read once per window; the first
    /// reading also labels boilerplate, and their passages are reported.
    Aligning(Round),
    /// Pass 2 again for the pairs the cluster check needs that were no
    /// candidates (a member and its cluster's source), read once per window.
    Checking(Round),
    /// Every pass is read: the result may be asked for.
    Done,
}

impl Phase {
    /// How many more times pass 2 must be read, as far as is known now.
    pub(super) fn pending_passes(&self) -> usize {
        match self {
            Phase::Aligning(round) | Phase::Checking(round) => round.windows() - round.window,
            Phase::Fingerprinting | Phase::Done => 0,
        }
    }
}

/// One round of alignment: pairs aligned over as many readings of pass 2
/// as they have windows.
#[derive(Debug, Default)]
pub(super) struct Round {
    /// The pairs, earlier document first (the candidates' are shared with
    /// [`super::measured::Measured`]).
    pub(super) pairs: Arc<[(DocId, DocId)]>,
    /// Whether each document is in a pair.
    needed: Vec<bool>,
    /// For each document, the pairs (indices) in which it is the later one:
    /// `later[later_at[d]..later_at[d + 1]]`.
    later_at: Vec<u32>,
    later: Vec<u32>,
    /// The first document of each window, then the number of documents.
    window_bounds: Vec<usize>,
    /// The window being read, and the position in pass 2.
    pub(super) window: usize,
    pub(super) cursor: usize,
    /// Prepared documents of the current window.
    resident: HashMap<DocId, Prepared>,
}

impl Round {
    /// The round aligning `pairs` in a corpus of documents of `lengths`
    /// bytes, with `memory` bytes for prepared documents.
    pub(super) fn new(pairs: Arc<[(DocId, DocId)]>, lengths: &[u64], memory: u64) -> Self {
        let n = lengths.len();
        let mut needed = vec![false; n];
        let mut later_at = vec![0u32; n + 1];
        for &(a, b) in pairs.iter() {
            needed[a.as_usize()] = true;
            needed[b.as_usize()] = true;
            later_at[b.as_usize() + 1] += 1;
        }
        // Counting sort of the pairs by their later document.
        for d in 0..n {
            later_at[d + 1] += later_at[d];
        }
        let mut next = later_at.clone();
        let mut later = vec![0; pairs.len()];
        for (i, &(_, b)) in pairs.iter().enumerate() {
            later[next[b.as_usize()] as usize] = i as u32;
            next[b.as_usize()] += 1;
        }
        let window_bounds = windows(&needed, lengths, memory);
        Self { pairs, needed, later_at, later, window_bounds, ..Self::default() }
    }

    fn windows(&self) -> usize {
        self.window_bounds.len() - 1
    }

    /// The documents of the window being read.
    pub(super) fn window_docs(&self) -> Range<usize> {
        self.window_bounds[self.window]..self.window_bounds[self.window + 1]
    }

    /// The pairs (indices) in which `d` is the later document.
    fn later_of(&self, d: usize) -> &[u32] {
        &self.later[self.later_at[d] as usize..self.later_at[d + 1] as usize]
    }

    /// Moves past a batch of `len` documents of a corpus of `n`; true when
    /// that ended the round's last reading.
    pub(super) fn advance(&mut self, len: usize, n: usize) -> bool {
        self.cursor += len;
        if self.cursor < n {
            return false;
        }
        self.window += 1;
        self.cursor = 0;
        self.resident.clear();
        self.window == self.windows()
    }
}

/// Bytes of prepared tokens per byte of text, for planning windows: a word
/// (some six bytes of text with its space) takes a 16-byte token, an 8-byte
/// hash, content and figure flags, a 16-byte seed entry and, for each
/// distinct word (about half of them), an 8-byte entry of the TF-IDF
/// profile: some 46 of the 48 bytes.
pub(super) const PREPARED_BYTES_PER_TEXT_BYTE: u64 = 8;

/// The estimated size of a text's prepared tokens.
pub(super) fn prepared_cost(len: u64) -> u64 {
    len.saturating_mul(PREPARED_BYTES_PER_TEXT_BYTE)
}

/// Packs items of the given costs, in order, into runs whose costs add up
/// to at most `budget`: the first item of each run, then the number of
/// items. An item costing more than the budget gets a run of its own, and
/// an item costing nothing never starts one. Windows of the corpus and
/// slices of a batch are packed alike.
pub(super) fn pack(costs: impl IntoIterator<Item = u64>, budget: u64) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut used = 0u64;
    let mut items = 0;
    for (i, cost) in costs.into_iter().enumerate() {
        if cost > 0 && used > 0 && used.saturating_add(cost) > budget {
            bounds.push(i);
            used = 0;
        }
        used = used.saturating_add(cost);
        items = i + 1;
    }
    bounds.push(items);
    bounds
}

/// Splits the documents into windows of consecutive ids whose candidate
/// documents' prepared tokens fit in half of `memory` (the other half is
/// for the batch being read): the first id of each window, then the number
/// of documents. No window is empty, and a document too large for any
/// window gets one of its own.
pub(super) fn windows(needed: &[bool], lengths: &[u64], memory: u64) -> Vec<usize> {
    let costs = needed.iter().zip(lengths).map(
        |(&needed, &len)| {
            if needed {
                prepared_cost(len)
            } else {
                0
            }
        },
    );
    pack(costs, memory / 2)
}

/// Prepares the documents of `docs` (the documents `start..` of the corpus)
/// that the window being read needs, keeps those in the window, and aligns the
/// pairs they complete; `tokenized`, when given, holds each document's
/// tokens (by the config's normalizer), which are then not computed again.
/// Returns each completed pair's index and result.
pub(super) fn align_slice(
    config: &ReprintConfig,
    boilerplate: &[DocBoilerplate],
    doc_freq: &DocFreq,
    round: &mut Round,
    start: usize,
    docs: &[Document],
    tokenized: Option<&[&Tokens]>,
) -> Vec<(u32, Aligned)> {
    let window = round.window_docs();
    // A document is prepared if it is in the window, or the later document
    // of a pair whose earlier one is.
    let wanted = |d: usize| {
        round.needed[d]
            && (window.contains(&d)
                || round
                    .later_of(d)
                    .iter()
                    .any(|&i| window.contains(&round.pairs[i as usize].0.as_usize())))
    };
    let prepared: Vec<Option<Prepared>> = docs
        .par_iter()
        .enumerate()
        .map_init(Tokens::default, |scratch, (offset, doc)| {
            let d = start + offset;
            wanted(d).then(|| {
                let spans = spans_of(boilerplate, DocId::from_u32(d as u32));
                let tokens = match tokenized {
                    Some(tokenized) => tokenized[offset],
                    None => {
                        config.normalizer().tokenize(&doc.text, scratch);
                        &*scratch
                    }
                };
                prepare(&doc.text, tokens, spans, config.align_for(tokens.unit()), doc_freq)
            })
        })
        .collect();
    let mut transient: HashMap<DocId, Prepared> = HashMap::new();
    for (offset, p) in prepared.into_iter().enumerate() {
        let Some(p) = p else { continue };
        let doc = DocId::from_u32((start + offset) as u32);
        if window.contains(&doc.as_usize()) {
            round.resident.insert(doc, p);
        } else {
            transient.insert(doc, p);
        }
    }
    // The pairs this slice completes: its documents are their later ones,
    // and their earlier ones are in the window.
    let due: Vec<u32> = (start..start + docs.len())
        .flat_map(|d| round.later_of(d))
        .copied()
        .filter(|&i| window.contains(&round.pairs[i as usize].0.as_usize()))
        .collect();
    let round = &*round;
    let prepared = |d: DocId| round.resident.get(&d).or_else(|| transient.get(&d));
    due.par_iter()
        .map(|&i| {
            let (a, b) = round.pairs[i as usize];
            let (Some(pa), Some(pb)) = (prepared(a), prepared(b)) else {
                unreachable!("both documents of a due pair are prepared")
            };
            (i, align_pair(config, a, pa, b, pb))
        })
        .collect()
}

/// The boilerplate spans of `doc`, from the first reading of pass 2.
fn spans_of(boilerplate: &[DocBoilerplate], doc: DocId) -> &[Span] {
    match boilerplate.binary_search_by_key(&doc, |b| b.doc) {
        Ok(i) => &boilerplate[i].spans,
        Err(_) => &[],
    }
}
