//! What alignment has measured, kept from pass 2 for the cluster check and
//! the result in a few bytes per candidate pair (see *Memory* in the module
//! notes of [`crate::reprint`]). Few candidate pairs are reprints (one in
//! seventy at 3M news articles), and of any pair the cluster check asks only whether it
//! was aligned, whether it is a reprint and whether its texts are parts of
//! one story: a byte, a [`Verdict`], kept parallel to the sorted candidates
//! (whose pairs the aligning round holds anyway) rather than in a map. A
//! reprint edge keeps what the clusters and the result read of it besides,
//! a [`ReprintEdge`]. *Not for*: how a pair scores ([`super::score`]) or
//! what the check makes of it ([`super::chain`]). *Rule*: what is kept of a
//! pair is decided from its score alone, exactly: coverages are kept as
//! measured, for they are written out.

use std::collections::HashMap;
use std::sync::Arc;

use super::config::ReprintConfig;
use super::score::{PairScore, Runs};
use crate::doc::DocId;

/// Whole-text relatedness (TF-IDF cosine of the own texts, see
/// [`super::relate`]) at which two members covering different parts of
/// their source are parts of one story (see `Evidence::same_story` in
/// [`super::chain`]), kept as a flag of each pair's [`Verdict`]. Chosen on
/// the tuning sets of `bench/reprints` (issue 14, "Relatedness" in
/// `bench/results/2026-12-01/reprint-classes.md` and the fourth round in
/// `bench/results/2026-12-02/`): on Reuters 0.02 to 0.05 score alike; on
/// Gutenberg, whose short passages of fiction share few rare words, an
/// excerpt and the abridged lead of one passage score 0.009 to 0.05 and
/// the two stories of a roundup under 0.015, so the lower end is kept.
const STORY_RELATEDNESS: f64 = 0.02;

/// What the cluster check asks of an aligned pair, in one byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Verdict(u8);

impl Verdict {
    /// Set once the pair is aligned: a candidate not yet aligned has none
    /// of the flags.
    const ALIGNED: u8 = 1;
    const REPRINT: u8 = 1 << 1;
    const SAME_STORY: u8 = 1 << 2;

    /// The verdict on a pair that scored `score`.
    fn of(config: &ReprintConfig, score: &PairScore) -> Self {
        let mut flags = Self::ALIGNED;
        if config.is_reprint(score) {
            flags |= Self::REPRINT;
        }
        if score.relatedness >= STORY_RELATEDNESS {
            flags |= Self::SAME_STORY;
        }
        Self(flags)
    }

    fn is_aligned(self) -> bool {
        self.0 & Self::ALIGNED != 0
    }

    /// Whether the pair is a reprint edge ([`ReprintConfig::is_reprint`]).
    pub(super) fn is_reprint(self) -> bool {
        self.0 & Self::REPRINT != 0
    }

    /// Whether the two texts are related as wholes enough to be parts of
    /// one story (see [`STORY_RELATEDNESS`]).
    pub(super) fn is_same_story(self) -> bool {
        self.0 & Self::SAME_STORY != 0
    }
}

/// What is kept of a reprint edge.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ReprintEdge {
    /// Coverage of the shorter document's content: the pair's similarity.
    pub(super) similarity: f64,
    /// Coverage of each document's content, the earlier's and the later's.
    pub(super) coverage: [f64; 2],
    /// The content tokens the passages cover, of the earlier document and
    /// of the later.
    pub(super) covered: [Runs; 2],
}

/// What alignment has measured so far.
#[derive(Debug, Default)]
pub(super) struct Measured {
    /// The candidate pairs, sorted, shared with the round aligning them.
    candidates: Arc<[(DocId, DocId)]>,
    /// The verdict on each candidate, by its place in `candidates`.
    candidate_verdicts: Vec<Verdict>,
    /// Verdicts on the pairs aligned for the cluster check, which were no
    /// candidates: few.
    checked: HashMap<(DocId, DocId), Verdict>,
    /// The reprint edges among the pairs aligned.
    reprints: HashMap<(DocId, DocId), ReprintEdge>,
    /// Content tokens of every aligned document (0 for the others).
    pub(super) content_tokens: Vec<u32>,
}

impl Measured {
    /// Nothing measured yet, in a corpus of `n` documents whose candidate
    /// pairs are `candidates` (sorted, earlier document first).
    pub(super) fn new(n: usize, candidates: Arc<[(DocId, DocId)]>) -> Self {
        debug_assert!(candidates.is_sorted(), "candidates are sorted");
        Self {
            candidate_verdicts: vec![Verdict::default(); candidates.len()],
            candidates,
            content_tokens: vec![0; n],
            ..Self::default()
        }
    }

    /// Records what aligning `pair` (earlier document first) measured.
    pub(super) fn record(
        &mut self,
        config: &ReprintConfig,
        pair: (DocId, DocId),
        score: &PairScore,
        covered: [Runs; 2],
    ) {
        self.content_tokens[pair.0.as_usize()] = score.content_tokens[0];
        self.content_tokens[pair.1.as_usize()] = score.content_tokens[1];
        let verdict = Verdict::of(config, score);
        match self.candidates.binary_search(&pair) {
            Ok(i) => self.candidate_verdicts[i] = verdict,
            Err(_) => {
                self.checked.insert(pair, verdict);
            }
        }
        if verdict.is_reprint() {
            let a_is_shorter = score.content_tokens[0] <= score.content_tokens[1];
            let coverage = if a_is_shorter {
                [score.coverage, score.longer_coverage]
            } else {
                [score.longer_coverage, score.coverage]
            };
            self.reprints
                .insert(pair, ReprintEdge { similarity: score.coverage, coverage, covered });
        }
    }

    /// The candidate pairs, in order.
    pub(super) fn candidates(&self) -> &[(DocId, DocId)] {
        &self.candidates
    }

    /// The verdict on `pair` (earlier document first), if it is aligned.
    pub(super) fn verdict(&self, pair: (DocId, DocId)) -> Option<Verdict> {
        let verdict = match self.candidates.binary_search(&pair) {
            Ok(i) => self.candidate_verdicts[i],
            Err(_) => *self.checked.get(&pair)?,
        };
        verdict.is_aligned().then_some(verdict)
    }

    /// The reprint edge `pair` (earlier document first), if it is one.
    pub(super) fn reprint(&self, pair: (DocId, DocId)) -> Option<&ReprintEdge> {
        self.reprints.get(&pair)
    }

    /// Every reprint edge among the pairs aligned, in no order.
    pub(super) fn reprints(&self) -> impl Iterator<Item = ((DocId, DocId), &ReprintEdge)> {
        self.reprints.iter().map(|(&pair, edge)| (pair, edge))
    }

    /// The reprint edges among the candidates, in the candidates' order.
    pub(super) fn candidate_reprints(
        &self,
    ) -> impl Iterator<Item = ((DocId, DocId), &ReprintEdge)> {
        self.candidates
            .iter()
            .zip(&self.candidate_verdicts)
            .filter(|(_, verdict)| verdict.is_reprint())
            .map(|(&pair, _)| (pair, &self.reprints[&pair]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32) -> (DocId, DocId) {
        (DocId::from_u32(a), DocId::from_u32(b))
    }

    /// A score with these coverages (of the earlier document and the
    /// later) and relatedness; the earlier has 100 content tokens and the
    /// later 200, so the earlier is the shorter.
    fn score(coverage: [f64; 2], relatedness: f64) -> PairScore {
        PairScore {
            coverage: coverage[0],
            longer_coverage: coverage[1],
            content_tokens: [100, 200],
            relatedness,
            ..PairScore::default()
        }
    }

    #[test]
    fn issue16_the_measured_store_returns_what_was_recorded() {
        let config = ReprintConfig::builder().build().unwrap();
        let runs = |s: u32, e: u32| Runs(vec![(s, e)]);
        let candidates: Arc<[(DocId, DocId)]> =
            [pair(0, 1), pair(0, 3), pair(1, 2), pair(2, 5), pair(4, 5)].into();
        let mut measured = Measured::new(6, candidates.clone());
        // (pair, coverage of the earlier and the later, relatedness,
        // reprint, same story), recorded in this order: the order of pass 2
        // is not the pairs'. (1, 4) and (0, 5) were no candidates.
        type Case = ((DocId, DocId), [f64; 2], f64, bool, bool);
        let cases: &[Case] = &[
            (pair(2, 5), [0.1, 0.05], 0.3, false, true),
            (pair(0, 1), [0.925_111_3, 0.462_555_6], 0.01, true, false),
            (pair(1, 4), [0.1, 0.05], 0.019_999, false, false),
            (pair(4, 5), [0.0, 0.0], 0.0, false, false),
            (pair(0, 5), [0.6, 1.0 / 3.0], 0.02, true, true),
        ];
        for &(p, coverage, relatedness, _, _) in cases {
            measured.record(&config, p, &score(coverage, relatedness), [runs(0, 1), runs(2, 3)]);
        }
        for &(p, coverage, _, reprint, same_story) in cases {
            let verdict = measured.verdict(p).expect("recorded pairs are aligned");
            assert_eq!(verdict.is_reprint(), reprint, "{p:?}");
            assert_eq!(verdict.is_same_story(), same_story, "{p:?}");
            let edge = measured.reprint(p);
            assert_eq!(edge.is_some(), reprint, "{p:?}");
            if let Some(edge) = edge {
                assert_eq!(edge.similarity.to_bits(), coverage[0].to_bits(), "{p:?}");
                assert_eq!(edge.coverage.map(f64::to_bits), coverage.map(f64::to_bits));
                assert_eq!(edge.covered, [runs(0, 1), runs(2, 3)], "{p:?}");
            }
        }
        // A candidate not yet aligned, and pairs never aligned, are absent.
        for p in [pair(0, 3), pair(0, 2), pair(3, 4), pair(5, 5)] {
            assert_eq!(measured.verdict(p), None, "{p:?}");
            assert!(measured.reprint(p).is_none(), "{p:?}");
        }
        assert_eq!(measured.candidates(), &candidates[..]);
        let in_order: Vec<_> = measured.candidate_reprints().map(|(p, _)| p).collect();
        assert_eq!(in_order, [pair(0, 1)], "only candidates, in order");
        let mut all: Vec<_> = measured.reprints().map(|(p, _)| p).collect();
        all.sort_unstable();
        assert_eq!(all, [pair(0, 1), pair(0, 5)]);
        assert_eq!(measured.content_tokens, [100, 100, 100, 0, 100, 200]);
    }

    #[test]
    fn issue16_the_coverage_of_the_shorter_is_the_similarity() {
        let config = ReprintConfig::builder().build().unwrap();
        let mut measured = Measured::new(2, [pair(0, 1)].into());
        // The later document is the shorter: its coverage comes first in
        // the score, second in the edge.
        let score = PairScore { content_tokens: [300, 100], ..score([0.9, 0.4], 0.5) };
        measured.record(&config, pair(0, 1), &score, Default::default());
        let edge = measured.reprint(pair(0, 1)).expect("a reprint");
        assert_eq!(edge.similarity, 0.9);
        assert_eq!(edge.coverage, [0.4, 0.9]);
    }
}
