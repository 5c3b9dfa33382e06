//! Candidate pairs without comparing all pairs: an inverted index over
//! each document's rarest terms, bounded per document, within the time
//! window when documents are dated.
//!
//! Each document is indexed under its `terms_per_doc` heaviest terms found
//! in at least two documents (names, rare words of the headline; the
//! heaviest terms are the rare ones, by idf). A document looks up each of
//! its indexed terms and scores the documents listed there by the weight
//! the term carries in both; a term listed for more than `max_term_docs`
//! documents within the window says nothing about one event and is passed
//! over. The `candidates_per_doc` documents with the highest scores are its
//! candidates, so candidates grow linearly with the corpus. Each candidate
//! pair is then measured by the cosine of the whole vectors; only that
//! decides.

use std::collections::HashMap;

use rayon::prelude::*;

use super::date::Day;
use super::vector::{dot, heaviest, DocFreq, Term};
use crate::boilerplate::IdBuild;

/// Documents listed under one term: the dated ones sorted by day, then the
/// undated ones, which every window holds.
#[derive(Default)]
struct Postings {
    dated: Vec<(Day, u32, f32)>,
    undated: Vec<(u32, f32)>,
}

/// What the candidate search found.
pub(super) struct Candidates {
    /// Distinct pairs measured.
    pub(super) measured: usize,
    /// Pairs `(a, b, cosine)` with `a < b` and cosine at or above the
    /// threshold, sorted by cosine (largest first), then `(a, b)`.
    pub(super) edges: Vec<(u32, u32, f64)>,
}

/// The candidate pairs of `vectors` (unit vectors, in corpus order) and
/// their cosines.
pub(super) fn candidates(
    vectors: &[Vec<Term>],
    days: &[Option<Day>],
    df: &DocFreq,
    config: &super::StoriesConfig,
) -> Candidates {
    // Each document's indexed terms: its heaviest ones that another
    // document has too (ties by hash, for the same choice every run).
    let indexed: Vec<Vec<Term>> =
        vectors.par_iter().map(|v| indexed_terms(v, df, config.terms_per_doc)).collect();
    let mut index: HashMap<u64, Postings, IdBuild> = HashMap::default();
    for (doc, terms) in indexed.iter().enumerate() {
        for t in terms {
            let postings = index.entry(t.hash).or_default();
            match days[doc] {
                Some(day) => postings.dated.push((day, doc as u32, t.weight)),
                None => postings.undated.push((doc as u32, t.weight)),
            }
        }
    }
    index
        .par_iter_mut()
        .for_each(|(_, p)| p.dated.sort_unstable_by_key(|&(day, doc, _)| (day, doc)));
    let window = i64::try_from(config.window_days).unwrap_or(i64::MAX);
    let per_doc: Vec<Vec<(u32, u32)>> = indexed
        .par_iter()
        .enumerate()
        .map(|(doc, terms)| {
            let listed = terms.iter().map(|t| {
                let postings = &index[&t.hash];
                let dated = match days[doc] {
                    Some(day) => {
                        let low = postings.dated.partition_point(|p| {
                            i64::from(p.0) < i64::from(day).saturating_sub(window)
                        });
                        let high = postings.dated.partition_point(|p| {
                            i64::from(p.0) <= i64::from(day).saturating_add(window)
                        });
                        &postings.dated[low..high]
                    }
                    None => &postings.dated[..],
                };
                let docs = dated.iter().map(|p| (p.1, p.2)).chain(postings.undated.iter().copied());
                (t.weight, dated.len() + postings.undated.len(), docs)
            });
            let summed = pick(doc as u32, listed, config);
            let doc = doc as u32;
            summed.into_iter().map(|(other, _)| (doc.min(other), doc.max(other))).collect()
        })
        .collect();
    let mut pairs: Vec<(u32, u32)> = per_doc.into_iter().flatten().collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut edges: Vec<(u32, u32, f64)> = pairs
        .par_iter()
        .map(|&(a, b)| (a, b, dot(&vectors[a as usize], &vectors[b as usize])))
        .filter(|&(_, _, cosine)| cosine >= config.threshold)
        .collect();
    edges.par_sort_unstable_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    Candidates { measured: pairs.len(), edges }
}

/// The terms a document is indexed and looked up under: its heaviest ones
/// that another document has too (ties by hash, for the same choice every
/// run).
pub(super) fn indexed_terms(vector: &[Term], df: &DocFreq, terms_per_doc: usize) -> Vec<Term> {
    let mut terms: Vec<Term> = vector.iter().filter(|t| df.df(t.hash) >= 2).copied().collect();
    heaviest(&mut terms, terms_per_doc);
    terms
}

/// The candidates of `doc`: for each of its indexed terms, its weight, how
/// many documents list the term within the window, and those documents
/// with the term's weight in each. A term listed more than `max_term_docs`
/// times is passed over; the others score each document by the weight the
/// term carries in both, and the `candidates_per_doc` best are kept (ties
/// by document). The batch search and the index's online one both pick by
/// it.
pub(super) fn pick<I: Iterator<Item = (u32, f32)>>(
    doc: u32,
    listed: impl Iterator<Item = (f32, usize, I)>,
    config: &super::StoriesConfig,
) -> Vec<(u32, f32)> {
    let mut scores: Vec<(u32, f32)> = Vec::new();
    for (weight, count, docs) in listed {
        if count > config.max_term_docs {
            continue;
        }
        for (other, w) in docs {
            if other != doc {
                scores.push((other, w * weight));
            }
        }
    }
    scores.sort_unstable_by_key(|s| s.0);
    let mut summed: Vec<(u32, f32)> = Vec::new();
    for run in scores.chunk_by(|a, b| a.0 == b.0) {
        summed.push((run[0].0, run.iter().map(|s| s.1).sum()));
    }
    summed.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    summed.truncate(config.candidates_per_doc);
    summed
}
