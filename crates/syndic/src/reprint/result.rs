//! What a reprint run yields: [`ReprintResult`], with the shared passages
//! and the boilerplate found, in byte offsets of the original texts.
//! *Not for*: how they were found ([`super::score`], [`super::chain`]).

use crate::align::Passage;
use crate::boilerplate::Span;
use crate::doc::DocId;
use crate::normalize::Token;
use crate::pairs::{DedupResult, ScoredPair};

/// A shared passage between two documents, in byte offsets of the original
/// texts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharedPassage {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Byte range in A's original text.
    pub a_range: (usize, usize),
    /// Byte range in B's original text.
    pub b_range: (usize, usize),
    /// Identical words (or characters) aligned.
    pub words: usize,
    /// Matches over the longer side.
    pub identity: f64,
    /// Whether most of it lies in boilerplate of either document.
    pub boilerplate: bool,
}

/// A [`SharedPassage`] as pass 2 keeps it until the result is asked for:
/// in 36 bytes rather than 64, since a run keeps the passages of every
/// candidate pair, boilerplate ones included (they are all written out).
/// Byte offsets and token counts fit in `u32`, as tokens hold them; the
/// identity is kept as the two counts it is the ratio of, so that it comes
/// out exactly as [`Passage::identity`] computes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct FoundPassage {
    pub(super) a: DocId,
    pub(super) b: DocId,
    pub(super) a_range: (u32, u32),
    pub(super) b_range: (u32, u32),
    /// Identical words (or characters) aligned.
    pub(super) words: u32,
    /// Tokens spanned on the longer side, at least 1.
    pub(super) longer_span: u32,
    pub(super) boilerplate: bool,
}

impl FoundPassage {
    /// The aligned passage `p` of documents `a` and `b`, tokenized as
    /// `a_tokens` and `b_tokens`.
    pub(super) fn new(
        (a, a_tokens): (DocId, &[Token]),
        (b, b_tokens): (DocId, &[Token]),
        p: &Passage,
        boilerplate: bool,
    ) -> Self {
        // Token counts fit in `u32`, as the tokens' byte offsets do.
        Self {
            a,
            b,
            a_range: (a_tokens[p.a_start].start, a_tokens[p.a_end - 1].end),
            b_range: (b_tokens[p.b_start].start, b_tokens[p.b_end - 1].end),
            words: p.matches as u32,
            longer_span: p.a_len().max(p.b_len()).max(1) as u32,
            boilerplate,
        }
    }
}

impl From<FoundPassage> for SharedPassage {
    fn from(p: FoundPassage) -> Self {
        SharedPassage {
            a: p.a,
            b: p.b,
            a_range: (p.a_range.0 as usize, p.a_range.1 as usize),
            b_range: (p.b_range.0 as usize, p.b_range.1 as usize),
            words: p.words as usize,
            identity: f64::from(p.words) / f64::from(p.longer_span),
            boilerplate: p.boilerplate,
        }
    }
}

/// A passage two texts share, found by [`align_texts`](super::align_texts).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextPassage {
    /// Byte range in the first text.
    pub a_range: (usize, usize),
    /// Byte range in the second text.
    pub b_range: (usize, usize),
    /// Identical words (or characters) aligned.
    pub words: usize,
    /// Matches over the longer side.
    pub identity: f64,
}

/// The boilerplate found in one document.
#[derive(Clone, Debug, PartialEq)]
pub struct DocBoilerplate {
    /// The document.
    pub doc: DocId,
    /// Merged byte spans with the reason for each.
    pub spans: Vec<Span>,
}

/// Everything a reprint run produces.
#[derive(Clone, Debug)]
pub struct ReprintResult {
    /// Clusters, pairs and counts, as in the other modes.
    pub dedup: DedupResult,
    /// Every shared passage between candidate pairs, sorted by `(a, b, a_range)`.
    pub passages: Vec<SharedPassage>,
    /// Boilerplate of every document that has some, in corpus order.
    pub boilerplate: Vec<DocBoilerplate>,
    /// Total boilerplate bytes.
    pub boilerplate_bytes: u64,
}

impl ReprintResult {
    /// The verified pairs. A reprint run keeps them in memory (only a
    /// [`Deduper`](crate::dedup::Deduper) under a memory bound spills its
    /// pairs); this panics on a result put together with spilled ones.
    pub fn pairs(&self) -> &[ScoredPair] {
        self.dedup.pairs.in_memory().expect("a reprint run's pairs are in memory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue16_a_found_passage_is_the_shared_passage_it_stands_for() {
        // Tokens at bytes 10i..10i+7.
        let tokens: Vec<Token> = (0..50u32)
            .map(|i| Token { start: 10 * i, end: 10 * i + 7, hash: u64::from(i) })
            .collect();
        let (a, b) = (DocId::from_u32(3), DocId::from_u32(8));
        // (a_start, a_end, b_start, b_end, matches, boilerplate)
        let cases: &[(usize, usize, usize, usize, usize, bool)] = &[
            (0, 25, 10, 35, 25, false),
            (3, 30, 0, 29, 23, true),
            (5, 12, 40, 50, 7, false),
            (49, 50, 0, 1, 1, false),
            (0, 50, 0, 3, 0, true),
        ];
        for &(a_start, a_end, b_start, b_end, matches, boilerplate) in cases {
            let p = Passage { a_start, a_end, b_start, b_end, matches };
            let expected = SharedPassage {
                a,
                b,
                a_range: (tokens[a_start].start as usize, tokens[a_end - 1].end as usize),
                b_range: (tokens[b_start].start as usize, tokens[b_end - 1].end as usize),
                words: matches,
                identity: p.identity(),
                boilerplate,
            };
            let found = FoundPassage::new((a, &tokens), (b, &tokens), &p, boilerplate);
            let got = SharedPassage::from(found);
            assert_eq!(got, expected, "{p:?}");
            assert_eq!(got.identity.to_bits(), expected.identity.to_bits(), "{p:?}");
        }
        assert_eq!(std::mem::size_of::<FoundPassage>(), 36);
    }
}
