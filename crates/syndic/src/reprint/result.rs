//! What a reprint run yields: [`ReprintResult`], with the shared passages
//! and the boilerplate found, in byte offsets of the original texts.
//! *Not for*: how they were found ([`super::score`], [`super::chain`]).

use crate::boilerplate::Span;
use crate::doc::DocId;
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
