//! The reprint pipeline: shared passages, boilerplate, and clusters that
//! survive abridgement.
//!
//! A reprint is the same story abridged, lightly edited and wrapped in
//! another site's page furniture. Whole-document Jaccard sees little of it
//! (0.10 to 0.20 between the seed copies), so this mode asks a different
//! question: what share of the shorter document's *own text* (not its
//! boilerplate) do the two documents share, passage by passage?
//!
//! [`ReprintFinder`] is driven like every corpus-wide stage
//! ([`crate::passes::CorpusPasses`]):
//!
//! 1. [`add_batch`](ReprintFinder::add_batch) (pass 1): tokens, content
//!    hash, winnowed fingerprints ([`crate::fingerprint`]) and line
//!    statistics for boilerplate learned across documents and sites;
//! 2. [`plan`](ReprintFinder::plan): exact copies, candidate pairs sharing
//!    fingerprints, the frozen repeated-line model;
//! 3. [`second_pass_batch`](ReprintFinder::second_pass_batch) (pass 2, read
//!    while [`pending_passes`](ReprintFinder::pending_passes) is positive):
//!    boilerplate labels of every document on the first reading; on each,
//!    alignment ([`crate::align`]) and coverage of the pairs whose earlier
//!    document is in that reading's window (see *Memory*);
//! 4. [`finish`](ReprintFinder::finish): reprint edges and checked
//!    clusters.
//!
//! ## Memory
//!
//! Aligning a pair needs both documents' tokens and seed index, some 8
//! bytes per byte of text. They are held for one window of consecutive
//! documents at a time, sized to half of
//! [`align_memory`](ReprintConfigBuilder::align_memory), and for the slice
//! of the batch being read, sized to the other half; pass 2 is read once per
//! window. Alignment goes in two rounds, each split into windows: the
//! candidate pairs, then the pairs the cluster check needs that were no
//! candidates (a member and its cluster's representative). The results are
//! the same for any bound.
//!
//! ## When two documents are reprints
//!
//! Boilerplate tokens are masked out, and so are templates: a passage
//! whose figures mostly differ between the two documents is a form filled
//! in twice, not a story reused (see `is_template`). Passages are aligned
//! down to `min_piece_words`; one shorter than `min_passage_words` counts
//! only when the pair has at least `min_pieces` passages. Let `shorter` and
//! `longer` be the two documents ordered by content tokens. The pair is a
//! **reprint edge** when the shared passages cover
//!
//! * at least `min_coverage` of `shorter`'s content (containment, so an
//!   abridged copy qualifies) and either at least `min_longer_coverage` of
//!   `longer`'s content (so that a digest page quoting one paragraph of a
//!   long feature is not its copy) or `longer`'s **lead, in order**: the
//!   shape of a copy cut from the top, which a follow-up reusing background
//!   paragraphs from further down does not have; or at least 70 % of
//!   `shorter` (an **excerpt**: a note or an answer that is one stretch of
//!   a long source); or
//! * in at least `min_pieces` passages, at least `min_piece_coverage` of
//!   both documents' content, or half of `min_coverage` of `shorter`'s: a
//!   text composed of pieces of the other.
//!
//! ## Clusters that do not chain
//!
//! Every cluster is checked against its **source**: the fullest version
//! that the others are copies of (see `ReprintFinder::source_ranks`), not
//! the longest page. With [`Keep::Longest`] the source is also the
//! representative; [`Keep::First`] writes the first member as the
//! representative instead, and each member's `similarity` stays its
//! coverage against the source.
//!
//! Union-find over edges alone would let one page quoting two stories chain
//! them into one cluster. So clusters are **checked against their
//! representative**: after union-find, every member must itself be a
//! reprint (or an exact copy) of the cluster's representative, measured
//! directly; members that are not are taken out and clustered again among
//! themselves, until every cluster passes. Each member's `similarity` is its
//! coverage against the representative.
//!
//! A representative can itself be a compilation: a roundup carrying most of
//! two stories is a reprint of each, and each is a reprint of it. So the
//! members must also cover **the same part of the representative**: the
//! member whose passages cover the most of it is the cluster's anchor, and
//! a member whose covered part lies mostly (more than half) outside the
//! anchor's is taken out with the others. Copies abridged from the bottom
//! all cover the top of the story and stay; of a roundup's two stories, one
//! stays with it and the other leaves.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::align::{align_indexed, AlignConfig, Passage, SeedIndex};
use crate::boilerplate::{self, ClassifierConfig, LineStats, RepeatedLines, Span};
use crate::cluster::{Clustering, Keep};
use crate::doc::{Catalog, DocId, Document};
use crate::error::{ConfigError, Error, Result};
use crate::fingerprint::{winnow, FingerprintConfig, FingerprintIndex, SharedFingerprints};
use crate::hash::content_hash;
use crate::normalize::{Normalizer, NormalizerConfig, Token, TokenUnit, Tokens};
use crate::pairs::{
    exact_canonicals, with_exact_pairs, DedupResult, DedupStats, PairKind, ScoredPair,
};
use crate::passes::{check_capacity, check_second_pass, check_second_pass_complete};

/// Default of [`ReprintConfigBuilder::min_piece_words`]; front ends show
/// and pass it rather than writing their own.
pub const DEFAULT_MIN_PIECE_WORDS: usize = 8;
/// Default of [`ReprintConfigBuilder::min_pieces`].
pub const DEFAULT_MIN_PIECES: usize = 3;
/// Default of [`ReprintConfigBuilder::min_piece_coverage`].
pub const DEFAULT_MIN_PIECE_COVERAGE: f64 = 0.15;

/// What becomes of follow-ups: later stories that reuse background
/// paragraphs of an earlier one among mostly new text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUps {
    /// Follow-ups are other stories: their pairs are no reprints.
    #[default]
    Separate,
    /// Follow-ups join the story they reuse: a pair sharing at least one
    /// full passage that covers `min_piece_coverage` of the shorter
    /// document is an edge (story chains, for a news desk).
    Join,
}

impl crate::choice::Choice for FollowUps {
    const SETTING: &'static str = "follow_ups";
    const NAMES: &'static [(&'static str, Self)] =
        &[("separate", FollowUps::Separate), ("join", FollowUps::Join)];
    const EXPECTED: &'static [&'static str] = &["separate", "join"];
}

impl std::str::FromStr for FollowUps {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(crate::choice::parse(s)?)
    }
}

/// A validated, frozen reprint configuration; see [`ReprintConfig::builder`].
#[derive(Clone, Debug)]
pub struct ReprintConfig {
    normalizer: Normalizer,
    fingerprint: FingerprintConfig,
    align: AlignConfig,
    /// Character tokens need longer seeds and passages than words.
    char_align: AlignConfig,
    /// Alignment down to the shortest piece (word and character tokens):
    /// the passages it finds count when they are long enough, or when
    /// enough of them line up.
    piece_align: AlignConfig,
    char_piece_align: AlignConfig,
    min_pieces: usize,
    min_piece_coverage: f64,
    min_coverage: f64,
    min_longer_coverage: f64,
    follow_ups: FollowUps,
    classifier: ClassifierConfig,
    boilerplate_min_docs: usize,
    boilerplate_min_site_docs: usize,
    keep: Keep,
    align_memory: u64,
}

impl ReprintConfig {
    /// A builder with the documented defaults.
    pub fn builder() -> ReprintConfigBuilder {
        ReprintConfigBuilder::default()
    }

    /// Alignment settings for word tokens.
    pub fn align(&self) -> &AlignConfig {
        &self.align
    }

    /// Fingerprint settings.
    pub fn fingerprint(&self) -> &FingerprintConfig {
        &self.fingerprint
    }

    /// Representative choice.
    pub fn keep(&self) -> Keep {
        self.keep
    }

    /// Documents a line must recur in to be boilerplate.
    pub fn boilerplate_min_docs(&self) -> usize {
        self.boilerplate_min_docs
    }

    /// Pages of one site a line must recur in to be boilerplate.
    pub fn boilerplate_min_site_docs(&self) -> usize {
        self.boilerplate_min_site_docs
    }

    /// The single-page classifier's settings.
    pub fn classifier(&self) -> &ClassifierConfig {
        &self.classifier
    }

    /// The memory, in bytes, that documents held for alignment may take.
    pub fn align_memory(&self) -> u64 {
        self.align_memory
    }

    /// The parameters as JSON, for `summary.json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": "reprint",
            "fingerprint_ngram": self.fingerprint.ngram,
            "fingerprint_window": self.fingerprint.window,
            "max_df": self.fingerprint.max_df,
            "min_shared_fingerprints": self.fingerprint.min_shared,
            "seed_ngram": self.align.seed_ngram,
            "max_gap": self.align.max_gap,
            "min_passage_words": self.align.min_tokens,
            "min_piece_words": self.piece_align.min_tokens,
            "min_pieces": self.min_pieces,
            "min_piece_coverage": self.min_piece_coverage,
            "follow_ups": self.follow_ups,
            "min_identity": self.align.min_identity,
            "min_coverage": self.min_coverage,
            "min_longer_coverage": self.min_longer_coverage,
            "boilerplate_min_docs": self.boilerplate_min_docs,
            "boilerplate_min_site_docs": self.boilerplate_min_site_docs,
            "keep": self.keep,
        })
    }

    /// The shorter document is mostly shared, and the longer either shares
    /// enough of itself too or is the original that the shorter abridges
    /// (see the module docs).
    fn is_reprint(&self, score: &PairScore) -> bool {
        // The shorter text is all but whole in the longer, wherever: an
        // excerpt (a note or an answer made of one stretch of a long
        // source) needs no share of the longer.
        let excerpt = score.coverage >= EXCERPT_COVERAGE;
        let copy = score.coverage >= self.min_coverage
            && (score.longer_coverage >= self.min_longer_coverage
                || score.abridges_longer
                || excerpt);
        // Pieces of one source: a fair share of both texts, or half of
        // what a copy must share of the shorter text (an answer quoting a
        // long source in pieces).
        let composed = score.passages >= self.min_pieces as u32
            && (score.coverage.min(score.longer_coverage) >= self.min_piece_coverage
                || score.coverage >= self.min_coverage / 2.0);
        // A follow-up shares at least one full passage of background.
        let follow_up = self.follow_ups == FollowUps::Join
            && score.full_passages > 0
            && score.coverage >= self.min_piece_coverage;
        copy || composed || follow_up
    }

    /// The settings passages are reported and counted by.
    fn align_for(&self, unit: TokenUnit) -> &AlignConfig {
        match unit {
            TokenUnit::Word => &self.align,
            TokenUnit::Char => &self.char_align,
        }
    }

    /// The settings pieces are found by.
    fn piece_align_for(&self, unit: TokenUnit) -> &AlignConfig {
        match unit {
            TokenUnit::Word => &self.piece_align,
            TokenUnit::Char => &self.char_piece_align,
        }
    }
}

/// Builder for [`ReprintConfig`].
#[derive(Clone, Debug)]
pub struct ReprintConfigBuilder {
    normalizer: NormalizerConfig,
    fingerprint: FingerprintConfig,
    align: AlignConfig,
    min_piece_words: usize,
    min_pieces: usize,
    min_piece_coverage: f64,
    min_coverage: f64,
    min_longer_coverage: f64,
    follow_ups: FollowUps,
    classifier: ClassifierConfig,
    boilerplate_min_docs: usize,
    boilerplate_min_site_docs: usize,
    keep: Keep,
    align_memory: u64,
}

impl Default for ReprintConfigBuilder {
    fn default() -> Self {
        Self {
            normalizer: NormalizerConfig::default(),
            fingerprint: FingerprintConfig::default(),
            align: AlignConfig::default(),
            min_piece_words: DEFAULT_MIN_PIECE_WORDS,
            min_pieces: DEFAULT_MIN_PIECES,
            min_piece_coverage: DEFAULT_MIN_PIECE_COVERAGE,
            follow_ups: FollowUps::Separate,
            min_coverage: 0.5,
            min_longer_coverage: 0.2,
            classifier: ClassifierConfig::default(),
            boilerplate_min_docs: 20,
            boilerplate_min_site_docs: 3,
            keep: Keep::Longest,
            align_memory: 2 << 30,
        }
    }
}

impl ReprintConfigBuilder {
    /// Shortest passage, in words (default 25).
    pub fn min_passage_words(mut self, words: usize) -> Self {
        self.align.min_tokens = words;
        self
    }
    /// Shortest piece that counts when enough pieces line up, in words
    /// (default 8): text cut and pasted from a source in sentences and
    /// half-sentences, with the writer's own words between them.
    pub fn min_piece_words(mut self, words: usize) -> Self {
        self.min_piece_words = words;
        self
    }
    /// How many shared passages of a pair (pieces or full passages) make
    /// its pieces count (default 3).
    pub fn min_pieces(mut self, n: usize) -> Self {
        self.min_pieces = n;
        self
    }
    /// Share of each document's content that at least `min_pieces` shared
    /// passages must cover for the pair to be reprints as a text composed
    /// of pieces of the other (default 0.15).
    pub fn min_piece_coverage(mut self, c: f64) -> Self {
        self.min_piece_coverage = c;
        self
    }
    /// Whether follow-ups join the story they reuse (default: they stay
    /// separate).
    pub fn follow_ups(mut self, policy: FollowUps) -> Self {
        self.follow_ups = policy;
        self
    }
    /// Share of the shorter document's content that shared passages must
    /// cover (default 0.5).
    pub fn min_coverage(mut self, c: f64) -> Self {
        self.min_coverage = c;
        self
    }
    /// Share of the longer document's content they must cover (default 0.2).
    pub fn min_longer_coverage(mut self, c: f64) -> Self {
        self.min_longer_coverage = c;
        self
    }
    /// Documents a line must recur in to be boilerplate (default 20; 0
    /// turns the rule off).
    pub fn boilerplate_min_docs(mut self, n: usize) -> Self {
        self.boilerplate_min_docs = n;
        self
    }
    /// Pages of one site a line must recur in to be boilerplate (default 3;
    /// 0 turns the rule off).
    pub fn boilerplate_min_site_docs(mut self, n: usize) -> Self {
        self.boilerplate_min_site_docs = n;
        self
    }
    /// Fingerprinting settings.
    pub fn fingerprint(mut self, f: FingerprintConfig) -> Self {
        self.fingerprint = f;
        self
    }
    /// Alignment settings (word tokens).
    pub fn align(mut self, a: AlignConfig) -> Self {
        self.align = a;
        self
    }
    /// Single-page boilerplate classifier settings.
    pub fn classifier(mut self, c: ClassifierConfig) -> Self {
        self.classifier = c;
        self
    }
    /// Representative choice (default longest).
    pub fn keep(mut self, keep: Keep) -> Self {
        self.keep = keep;
        self
    }
    /// The memory, in bytes, that documents held for alignment may take
    /// (default 2 GiB). When the candidate documents need more, pass 2 is
    /// read once per window of documents that fits (see
    /// [`ReprintFinder::pending_passes`]); the results do not change.
    pub fn align_memory(mut self, bytes: u64) -> Self {
        self.align_memory = bytes;
        self
    }

    /// Validates and freezes.
    pub fn build(self) -> Result<ReprintConfig> {
        self.fingerprint.validate()?;
        self.align.validate()?;
        self.classifier.validate()?;
        for (name, c) in [
            ("min_coverage", self.min_coverage),
            ("min_longer_coverage", self.min_longer_coverage),
            ("min_piece_coverage", self.min_piece_coverage),
        ] {
            if !(0.0..=1.0).contains(&c) {
                return Err(ConfigError::invalid(name, "in [0, 1]", c).into());
            }
        }
        if self.align_memory == 0 {
            return Err(ConfigError::invalid("align_memory_mb", "at least 1", 0).into());
        }
        if self.min_piece_words == 0 || self.min_piece_words > self.align.min_tokens {
            return Err(ConfigError::invalid(
                "min_piece_words",
                format!("between 1 and min_passage_words ({})", self.align.min_tokens),
                self.min_piece_words,
            )
            .into());
        }
        if self.min_pieces == 0 {
            return Err(ConfigError::invalid("min_pieces", "at least 1", 0).into());
        }
        // Characters carry about a fifth of a word's information: seeds and
        // passages are proportionally longer.
        let char_align = AlignConfig {
            seed_ngram: self.align.seed_ngram * 2,
            min_tokens: self.align.min_tokens * 2,
            max_gap: self.align.max_gap * 2,
            ..self.align
        };
        let piece_align = AlignConfig { min_tokens: self.min_piece_words, ..self.align };
        let char_piece_align = AlignConfig { min_tokens: self.min_piece_words * 2, ..char_align };
        Ok(ReprintConfig {
            normalizer: Normalizer::new(self.normalizer),
            fingerprint: self.fingerprint,
            align: self.align,
            char_align,
            piece_align,
            char_piece_align,
            min_pieces: self.min_pieces,
            min_piece_coverage: self.min_piece_coverage,
            follow_ups: self.follow_ups,
            min_coverage: self.min_coverage,
            min_longer_coverage: self.min_longer_coverage,
            classifier: self.classifier,
            boilerplate_min_docs: self.boilerplate_min_docs,
            boilerplate_min_site_docs: self.boilerplate_min_site_docs,
            keep: self.keep,
            align_memory: self.align_memory,
        })
    }
}

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

/// Tokens and boilerplate mask of one candidate document, kept for pass 2.
#[derive(Debug)]
struct Prepared {
    unit: TokenUnit,
    tokens: Vec<Token>,
    hashes: Vec<u64>,
    /// Whether each token is content (not boilerplate).
    content: Vec<bool>,
    content_tokens: usize,
    /// Whether each token is a figure (see [`is_template`]).
    figure: Vec<bool>,
    /// Seeds for alignment, built once for all the document's pairs.
    seeds: SeedIndex,
}

/// Pass-1 output for one document.
struct Pass1 {
    content_hash: u128,
    fingerprints: Vec<crate::fingerprint::Fingerprint>,
}

/// How one candidate pair measured up.
#[derive(Clone, Copy, Debug, Default)]
struct PairScore {
    /// Coverage of the shorter document's content.
    coverage: f64,
    /// Coverage of the longer document's content.
    longer_coverage: f64,
    /// Whether the shared passages are the longer document's lead, in
    /// order: the shorter abridges it.
    abridges_longer: bool,
    /// Content tokens of the earlier and the later document.
    content_tokens: [u32; 2],
    /// Shared passages counted.
    passages: u32,
    /// Those of them that are full passages, not pieces.
    full_passages: u32,
}

/// Drives the reprint mode; see the module docs.
#[derive(Debug)]
pub struct ReprintFinder {
    config: ReprintConfig,
    catalog: Catalog,
    hashes: Vec<u128>,
    index: FingerprintIndex,
    line_stats: LineStats,
    planned: bool,
    canonical: Vec<DocId>,
    candidates: Vec<SharedFingerprints>,
    repeated: RepeatedLines,
    /// The alignment round being read: the candidates, then the cluster
    /// checks they call for; `None` once both are done.
    round: Option<Round>,
    /// Whether the current round is the checks'.
    checking: bool,
    /// Scores of the pairs aligned so far.
    scores: HashMap<(DocId, DocId), PairScore>,
    /// For the reprint pairs among them: the content tokens their
    /// passages cover, of the earlier document and of the later.
    covered: HashMap<(DocId, DocId), [Runs; 2]>,
    /// Passages of the candidate pairs.
    passages: Vec<SharedPassage>,
    boilerplate: Vec<DocBoilerplate>,
    /// Content tokens of every aligned document (0 for the others).
    content_tokens: Vec<u32>,
    /// How strongly each document is a source, from the candidates'
    /// reprint edges (see [`ReprintFinder::source_ranks`]); set when the
    /// candidates are aligned.
    source_rank: Vec<u64>,
}

/// One round of alignment: pairs aligned over as many readings of pass 2
/// as they have windows.
#[derive(Debug, Default)]
struct Round {
    /// The pairs, earlier document first.
    pairs: Vec<(DocId, DocId)>,
    /// Whether each document is in a pair.
    needed: Vec<bool>,
    /// For each document, the pairs (indices) in which it is the later one:
    /// `later[later_at[d]..later_at[d + 1]]`.
    later_at: Vec<u32>,
    later: Vec<u32>,
    /// The first document of each window, then the number of documents.
    window_bounds: Vec<u32>,
    /// The window being read, and the position in pass 2.
    pass: usize,
    cursor: usize,
    /// Prepared documents of the current window.
    resident: HashMap<DocId, Prepared>,
}

impl Round {
    fn new(pairs: Vec<(DocId, DocId)>, lengths: &[u64], memory: u64) -> Self {
        let n = lengths.len();
        let mut needed = vec![false; n];
        let mut later_at = vec![0u32; n + 1];
        for &(a, b) in &pairs {
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

    /// The pairs (indices) in which `d` is the later document.
    fn later_of(&self, d: usize) -> &[u32] {
        &self.later[self.later_at[d] as usize..self.later_at[d + 1] as usize]
    }
}

impl ReprintFinder {
    /// A finder for this configuration.
    pub fn new(config: ReprintConfig) -> Self {
        Self {
            config,
            catalog: Catalog::default(),
            hashes: Vec::new(),
            index: FingerprintIndex::new(),
            line_stats: LineStats::default(),
            planned: false,
            canonical: Vec::new(),
            candidates: Vec::new(),
            repeated: RepeatedLines::default(),
            round: None,
            checking: false,
            scores: HashMap::new(),
            covered: HashMap::new(),
            passages: Vec::new(),
            boilerplate: Vec::new(),
            content_tokens: Vec::new(),
            source_rank: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ReprintConfig {
        &self.config
    }

    /// The documents added so far: ids, origins, lengths.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Pass 1 over a batch.
    pub fn add_batch(&mut self, docs: &[Document]) -> Result<()> {
        assert!(!self.planned, "add_batch after plan");
        check_capacity(self.catalog.len(), docs.len())?;
        let normalizer = self.config.normalizer;
        let fp_config = self.config.fingerprint;
        let pass1: Vec<Pass1> = docs
            .par_iter()
            .map_init(Tokens::default, |tokens, doc| {
                normalizer.tokenize(&doc.text, tokens);
                Pass1 {
                    content_hash: content_hash(tokens.normalized().as_bytes()),
                    fingerprints: winnow(tokens.hashes(), &fp_config),
                }
            })
            .collect();
        self.line_stats.observe_batch(docs);
        for (doc, p) in docs.iter().zip(pass1) {
            let id = self.catalog.push(doc);
            self.hashes.push(p.content_hash);
            self.index.add(id, &p.fingerprints);
        }
        Ok(())
    }

    /// Exact copies, candidate pairs, and the repeated-line model. Returns
    /// the number of candidate pairs.
    pub fn plan(&mut self) -> usize {
        assert!(!self.planned, "plan called twice");
        self.planned = true;
        self.canonical = exact_canonicals(&self.hashes);
        let canonical = &self.canonical;
        let index = std::mem::take(&mut self.index);
        self.candidates = index
            .candidates(&self.config.fingerprint)
            .into_iter()
            .filter(|p| canonical[p.a.as_usize()] == p.a && canonical[p.b.as_usize()] == p.b)
            .collect();
        let stats = std::mem::take(&mut self.line_stats);
        self.repeated =
            stats.freeze(self.config.boilerplate_min_docs, self.config.boilerplate_min_site_docs);
        let pairs = self.candidates.iter().map(|p| (p.a, p.b)).collect();
        self.round = (!self.catalog.is_empty())
            .then(|| Round::new(pairs, self.catalog.lengths(), self.config.align_memory));
        self.content_tokens = vec![0; self.catalog.len()];
        self.candidates.len()
    }

    /// How many more times pass 2 must be read, as far as is known: once
    /// per window of documents whose prepared tokens fit in
    /// [`align_memory`](ReprintConfigBuilder::align_memory), for the
    /// candidate pairs, then for the cluster checks they call for (known
    /// when the candidates are done). Zero when
    /// [`finish`](Self::finish) may be called. Drivers read pass 2 while
    /// this is positive.
    pub fn pending_passes(&self) -> usize {
        self.round.as_ref().map_or(0, |r| r.windows() - r.pass)
    }

    /// The repeated-line model learned in pass 1 (after [`plan`](Self::plan)).
    pub fn repeated_lines(&self) -> &RepeatedLines {
        &self.repeated
    }

    /// Pass 2 over a batch: the same documents as pass 1, in the same order,
    /// read while [`pending_passes`](Self::pending_passes) is positive. The
    /// first reading labels boilerplate; each aligns the pairs whose earlier
    /// document is in its window, keeping only that window's documents in
    /// memory, and those of the batch, a slice that fits at a time.
    pub fn second_pass_batch(&mut self, docs: &[Document]) -> Result<()> {
        assert!(self.planned, "second_pass_batch before plan");
        let n = self.catalog.len();
        let Some(round) = self.round.as_mut() else {
            return Err(Error::Protocol("pass 2 read more times than needed".into()));
        };
        let start = round.cursor;
        check_second_pass(self.catalog.ids(), start, docs)?;
        let first_reading = !self.checking && round.pass == 0;
        if first_reading {
            let labelled = boilerplate::batch_spans(docs, &self.repeated, &self.config.classifier);
            for (offset, spans) in labelled.into_iter().enumerate() {
                if !spans.is_empty() {
                    let doc = DocId::from_u32((start + offset) as u32);
                    self.boilerplate.push(DocBoilerplate { doc, spans });
                }
            }
        }
        let (lo, hi) = (round.window_bounds[round.pass], round.window_bounds[round.pass + 1]);
        let window = lo as usize..hi as usize;
        // Slices of the batch whose prepared tokens fit in the other half
        // of the memory.
        let mut from = 0;
        while from < docs.len() {
            let mut to = from;
            let mut used = 0u64;
            while to < docs.len() {
                let cost = prepared_cost(docs[to].text.len());
                if to > from && used + cost > self.config.align_memory / 2 {
                    break;
                }
                used += cost;
                to += 1;
            }
            let scored = align_slice(
                &self.config,
                &self.boilerplate,
                round,
                &window,
                start + from,
                &docs[from..to],
            );
            for (i, (passages, score, covered)) in scored {
                let pair = round.pairs[i as usize];
                self.content_tokens[pair.0.as_usize()] = score.content_tokens[0];
                self.content_tokens[pair.1.as_usize()] = score.content_tokens[1];
                self.scores.insert(pair, score);
                if self.config.is_reprint(&score) {
                    self.covered.insert(pair, covered);
                }
                if !self.checking {
                    self.passages.extend(passages);
                }
            }
            from = to;
        }
        round.cursor += docs.len();
        if round.cursor == n {
            round.pass += 1;
            round.cursor = 0;
            round.resident.clear();
            if round.pass == round.windows() {
                self.end_round();
            }
        }
        Ok(())
    }

    /// After a round: the checks the candidates call for, or the end.
    fn end_round(&mut self) {
        if self.checking {
            self.round = None;
            return;
        }
        self.checking = true;
        // Frozen before the checks add pairs, so that the representatives
        // the checks were chosen for are the ones judged at the end.
        self.source_rank = self.source_ranks();
        let mut needed = Vec::new();
        self.checked_clusters(&self.reprint_pairs().0, Some(&mut needed));
        needed.sort_unstable();
        needed.dedup();
        self.round = (!needed.is_empty())
            .then(|| Round::new(needed, self.catalog.lengths(), self.config.align_memory));
    }

    /// Exact pairs and reprint edges, sorted; and how many are reprints.
    fn reprint_pairs(&self) -> (Vec<ScoredPair>, usize) {
        let reprints: Vec<ScoredPair> = self
            .candidates
            .iter()
            .filter_map(|c| {
                let score = self.scores[&(c.a, c.b)];
                self.config.is_reprint(&score).then_some(ScoredPair {
                    a: c.a,
                    b: c.b,
                    similarity: score.coverage,
                    kind: PairKind::Reprint,
                    coverage: Some(score.coverage),
                })
            })
            .collect();
        let verified = reprints.len();
        (with_exact_pairs(&self.canonical, reprints), verified)
    }

    /// Aligns the candidates, decides reprint edges and builds checked
    /// clusters.
    pub fn finish(self) -> Result<ReprintResult> {
        assert!(self.planned, "finish before plan");
        let n = self.catalog.len();
        if let Some(round) = &self.round {
            check_second_pass_complete(round.cursor, n)?;
            return Err(Error::Protocol(format!(
                "pass 2 must be read {} more times",
                self.pending_passes()
            )));
        }
        let (pairs, verified_pairs) = self.reprint_pairs();
        let exact_duplicates = pairs.iter().filter(|p| p.kind == PairKind::Exact).count();
        let (clustering, similarity) = self.checked_clusters(&pairs, None);
        let mut passages = self.passages;
        passages.sort_by_key(|p| (p.a, p.b, p.a_range));
        let boilerplate_bytes =
            self.boilerplate.iter().flat_map(|b| &b.spans).map(|s| (s.end - s.start) as u64).sum();
        let stats = DedupStats::new(
            n,
            exact_duplicates,
            clustering.num_clusters(),
            self.candidates.len(),
            verified_pairs,
        );
        Ok(ReprintResult {
            dedup: DedupResult { clustering, similarity, pairs, stats },
            passages,
            boilerplate: self.boilerplate,
            boilerplate_bytes,
        })
    }
}

/// What aligning a pair yields: its passages, its score, and the content
/// tokens covered in each document.
type Aligned = (Vec<SharedPassage>, PairScore, [Runs; 2]);

/// Aligns two prepared documents: their passages and coverage. Passages
/// down to the piece length are found; a short piece counts (and is
/// reported) only when the pair has at least `min_pieces` passages that
/// line up, as text composed of pieces of a source does.
fn align_pair(config: &ReprintConfig, a: DocId, pa: &Prepared, b: DocId, pb: &Prepared) -> Aligned {
    if pa.unit != pb.unit {
        return (Vec::new(), PairScore::default(), Default::default());
    }
    let (full, piece) = (config.align_for(pa.unit), config.piece_align_for(pa.unit));
    let found = align_indexed(&pa.hashes, &pa.seeds, &pb.hashes, &pb.seeds, piece);
    let is_full = |p: &Passage| {
        p.a_len().min(p.b_len()) >= full.min_tokens && p.identity() >= full.min_identity
    };
    // A piece is a near-verbatim cut: a short passage with a few changed
    // words is as likely a stock phrase as a borrowing.
    let is_piece = |p: &Passage| p.identity() >= MIN_PIECE_IDENTITY;
    // A template (see `is_template`) is found and reported, as boilerplate,
    // but covers nothing. A passage mostly in either document's boilerplate
    // is reported as such and covers the content it holds: a table that the
    // page classifier calls furniture is still the text two copies share.
    let in_boilerplate = |p: &Passage| {
        let boiler_a = pa.content[p.a_start..p.a_end].iter().filter(|&&c| !c).count();
        let boiler_b = pb.content[p.b_start..p.b_end].iter().filter(|&&c| !c).count();
        2 * boiler_a > p.a_len() || 2 * boiler_b > p.b_len()
    };
    let found: Vec<(&Passage, bool, bool)> = found
        .iter()
        .filter(|p| is_full(p) || is_piece(p))
        .map(|p| (p, is_template(pa, pb, p), in_boilerplate(p)))
        .collect();
    let candidates: Vec<&Passage> =
        found.iter().filter(|(_, template, _)| !template).map(|&(p, _, _)| p).collect();
    let pieces_count = distinct_pieces(&candidates) >= config.min_pieces;
    let reported: Vec<(&Passage, bool, bool)> =
        found.into_iter().filter(|&(p, _, _)| is_full(p) || pieces_count).collect();
    let kept: Vec<&Passage> =
        reported.iter().filter(|(_, template, _)| !template).map(|&(p, _, _)| p).collect();
    let mut covered_a = vec![false; pa.tokens.len()];
    let mut covered_b = vec![false; pb.tokens.len()];
    let passages = reported
        .iter()
        .map(|&(p, template, boilerplate)| {
            if !template {
                covered_a[p.a_start..p.a_end].fill(true);
                covered_b[p.b_start..p.b_end].fill(true);
            }
            SharedPassage {
                a,
                b,
                a_range: (pa.tokens[p.a_start].start as usize, pa.tokens[p.a_end - 1].end as usize),
                b_range: (pb.tokens[p.b_start].start as usize, pb.tokens[p.b_end - 1].end as usize),
                words: p.matches,
                identity: p.identity(),
                boilerplate: template || boilerplate,
            }
        })
        .collect();
    let covered = [Runs::of(&covered_a, &pa.content), Runs::of(&covered_b, &pb.content)];
    let share = |runs: &Runs, prepared: &Prepared| {
        if prepared.content_tokens == 0 {
            return 0.0;
        }
        runs.len() as f64 / prepared.content_tokens as f64
    };
    let (ca, cb) = (share(&covered[0], pa), share(&covered[1], pb));
    // Passages are sorted by their start in A; in order, they also are in B.
    let in_order = kept.windows(2).all(|w| w[0].b_start <= w[1].b_start);
    let a_is_shorter = pa.content_tokens <= pb.content_tokens;
    let (coverage, longer_coverage, longer) =
        if a_is_shorter { (ca, cb, (&covered[1], pb)) } else { (cb, ca, (&covered[0], pa)) };
    let score = PairScore {
        coverage,
        longer_coverage,
        abridges_longer: in_order && longer.0.is_lead(longer.1.content_tokens),
        content_tokens: [pa.content_tokens as u32, pb.content_tokens as u32],
        passages: distinct_pieces(&kept) as u32,
        full_passages: kept.iter().filter(|p| is_full(p)).count() as u32,
    };
    (passages, score, covered)
}

/// How many of `passages` are distinct pieces: taken longest first, a
/// passage lying half or more inside one already taken, in either document
/// (a phrase repeated in one of them, aligned twice), is no new piece; one
/// that only touches a neighbour at its ends is.
fn distinct_pieces(passages: &[&Passage]) -> usize {
    let mut by_length: Vec<&Passage> = passages.to_vec();
    by_length.sort_by_key(|p| (std::cmp::Reverse(p.a_len() + p.b_len()), p.a_start, p.b_start));
    // Whether the range `a` lies half or more inside `b`.
    let inside = |(s1, e1): (usize, usize), (s2, e2): (usize, usize)| {
        2 * e1.min(e2).saturating_sub(s1.max(s2)) >= e1 - s1
    };
    let mut taken: Vec<&Passage> = Vec::new();
    for p in by_length {
        let repeats = |q: &&Passage| {
            inside((p.a_start, p.a_end), (q.a_start, q.a_end))
                || inside((p.b_start, p.b_end), (q.b_start, q.b_end))
        };
        if !taken.iter().any(repeats) {
            taken.push(p);
        }
    }
    taken.len()
}

/// Share of the shorter document's own text that makes it an excerpt of the
/// longer, however little of the longer it is.
const EXCERPT_COVERAGE: f64 = 0.7;

/// Identity a short piece needs to count (see [`align_pair`]).
const MIN_PIECE_IDENTITY: f64 = 0.8;

/// How far into a document, in content tokens, its lead may start (a new
/// headline or kicker before it), at least; or a twentieth of the document.
const LEAD_SLACK: u32 = 20;

/// Share of the lead (up to the last covered token) that must be covered.
const LEAD_DENSITY: f64 = 0.6;

/// Sorted, disjoint half-open runs of content-token ordinals (the n-th
/// content token of a document is `n`, boilerplate skipped), so that runs
/// measured against different partners compare.
#[derive(Clone, Debug, Default, PartialEq)]
struct Runs(Vec<(u32, u32)>);

impl Runs {
    /// The content ordinals of the positions that are covered.
    fn of(covered: &[bool], content: &[bool]) -> Self {
        let mut runs = Vec::new();
        let mut start = None;
        let mut ordinal = 0u32;
        for (&c, &content) in covered.iter().zip(content) {
            if !content {
                continue;
            }
            match (c, start) {
                (true, None) => start = Some(ordinal),
                (false, Some(s)) => {
                    runs.push((s, ordinal));
                    start = None;
                }
                _ => {}
            }
            ordinal += 1;
        }
        if let Some(s) = start {
            runs.push((s, ordinal));
        }
        Self(runs)
    }

    /// Number of positions.
    fn len(&self) -> u64 {
        self.0.iter().map(|&(s, e)| u64::from(e - s)).sum()
    }

    /// Whether the runs are the lead of a document of `content_tokens`:
    /// they start at its beginning and cover most of what lies up to their
    /// end. An abridged copy shares its original's lead; a follow-up story
    /// reuses background paragraphs from further down.
    fn is_lead(&self, content_tokens: usize) -> bool {
        let (Some(&(first, _)), Some(&(_, end))) = (self.0.first(), self.0.last()) else {
            return false;
        };
        let slack = LEAD_SLACK.max(content_tokens as u32 / 20);
        first <= slack && self.len() as f64 >= LEAD_DENSITY * f64::from(end)
    }

    /// Number of positions in both.
    fn overlap(&self, other: &Runs) -> u64 {
        let (mut i, mut j, mut both) = (0, 0, 0u64);
        while let (Some(&(s1, e1)), Some(&(s2, e2))) = (self.0.get(i), other.0.get(j)) {
            both += u64::from(e1.min(e2).saturating_sub(s1.max(s2)));
            if e1 <= e2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        both
    }
}

impl ReprintFinder {
    /// Union-find over the edges, then every member checked against its
    /// representative; failing members are re-clustered among themselves.
    /// Pairs not aligned count as no reprint; with `missing`, they are
    /// collected there too.
    fn checked_clusters(
        &self,
        pairs: &[ScoredPair],
        mut missing: Option<&mut Vec<(DocId, DocId)>>,
    ) -> (Clustering, Vec<f64>) {
        let n = self.catalog.len();
        let mut label: Vec<u32> = (0..n as u32).collect();
        let mut similarity = vec![1.0; n];
        let mut active: Vec<bool> = vec![true; n];
        loop {
            let edges: Vec<(DocId, DocId)> = pairs
                .iter()
                .filter(|p| active[p.a.as_usize()] && active[p.b.as_usize()])
                .map(|p| (p.a, p.b))
                .collect();
            if edges.is_empty() {
                break;
            }
            // Members are checked against the cluster's source whatever the
            // keep policy: a copy of the source is never split off from it
            // because the first member happens to quote it in pieces.
            let clustering = Clustering::from_edges(n, &edges, Keep::Longest, &self.source_rank);
            let members: Vec<DocId> = (0..n as u32)
                .map(DocId::from_u32)
                .filter(|&d| active[d.as_usize()] && clustering.size(clustering.cluster_of(d)) > 1)
                .collect();
            let mut verdicts: Vec<(DocId, DocId, Option<f64>)> = members
                .par_iter()
                .map(|&d| {
                    let rep = clustering.representative(clustering.cluster_of(d));
                    (d, rep, self.similarity_to(d, rep))
                })
                .collect();
            self.reject_off_anchor(&mut verdicts);
            if let Some(missing) = missing.as_deref_mut() {
                missing.extend(verdicts.iter().filter_map(|&(d, rep, _)| self.unaligned(d, rep)));
            }
            let mut rejected = false;
            let mut next_active = vec![false; n];
            for (d, rep, verdict) in verdicts {
                match verdict {
                    Some(s) => {
                        label[d.as_usize()] = rep.as_u32();
                        similarity[d.as_usize()] = s;
                    }
                    None => {
                        rejected = true;
                        next_active[d.as_usize()] = true;
                    }
                }
            }
            if !rejected {
                break;
            }
            active = next_active;
        }
        // The keep policy only picks which member is written as the
        // representative (and kept by a deduplicated output).
        (Clustering::from_roots(&label, self.config.keep, &self.source_rank), similarity)
    }

    /// How strongly each document is the source of its cluster: the
    /// fullest version, the one the others are copies of, rather than the
    /// longest page (a copy in heavy page furniture, or a text that quotes
    /// pieces of the story among much of its own). A document ranks by how
    /// much of the others it contains: the sum, over its reprint edges, of
    /// the share of the other document's own text that their passages
    /// cover. The source contains every copy, abridgement and excerpt whole,
    /// and of a composed text its pieces; a composed text contains a part
    /// of the source. Ties go to the longer own text, then to the longer
    /// page (between exact copies, the one with the most markup kept), then
    /// to the first; exact copies rank as the first of their group.
    fn source_ranks(&self) -> Vec<u64> {
        let n = self.catalog.len();
        // In thousandths, each edge's share rounded alone, so that the sums
        // do not depend on the order the edges are visited in.
        let mut contained = vec![0u64; n];
        for (&(a, b), [ra, rb]) in &self.covered {
            let share = |runs: &Runs, d: DocId| {
                let own = u64::from(self.content_tokens[d.as_usize()]);
                (runs.len() * 1000).checked_div(own).unwrap_or(0)
            };
            contained[a.as_usize()] += share(rb, b);
            contained[b.as_usize()] += share(ra, a);
        }
        (0..n)
            .map(|d| {
                let c = self.canonical[d].as_usize();
                let contains = contained[c].min((1 << 24) - 1);
                let own = u64::from(self.content_tokens[c]).min((1 << 24) - 1);
                let bytes = self.catalog.lengths()[d].min((1 << 16) - 1);
                (contains << 40) | (own << 16) | bytes
            })
            .collect()
    }

    /// Members that are reprints of their representative must also be
    /// reprints of the same part of it. Each cluster's anchor is the member
    /// whose passages cover the most of the representative's content (the
    /// earliest, on a tie); a member whose covered part lies mostly outside
    /// the anchor's is rejected. So when a roundup of two stories is the
    /// representative, one story stays with it and the other leaves.
    /// Exact copies of the representative cover all of it and are kept.
    fn reject_off_anchor(&self, verdicts: &mut [(DocId, DocId, Option<f64>)]) {
        // Sorted by representative, then member (verdicts are in DocId order).
        let mut parts: Vec<(DocId, usize, &Runs)> = verdicts
            .iter()
            .enumerate()
            .filter_map(|(i, &(d, rep, verdict))| {
                verdict?;
                Some((rep, i, self.covered_part_of(rep, d)?))
            })
            .collect();
        parts.sort_by_key(|&(rep, i, _)| (rep, i));
        for cluster in parts.chunk_by(|x, y| x.0 == y.0) {
            let anchor = cluster
                .iter()
                .max_by_key(|&&(_, i, runs)| (runs.len(), std::cmp::Reverse(i)))
                .map(|&(_, _, runs)| runs)
                .expect("chunks are not empty");
            for &(_, i, runs) in cluster {
                if 2 * runs.overlap(anchor) < runs.len() {
                    verdicts[i].2 = None;
                }
            }
        }
    }

    /// The content of `rep` covered by its passages with `doc`, when `doc`
    /// is a reprint of it (not an exact copy).
    fn covered_part_of(&self, rep: DocId, doc: DocId) -> Option<&Runs> {
        let (cd, cr) = (self.canonical[doc.as_usize()], self.canonical[rep.as_usize()]);
        let key = (cd.min(cr), cd.max(cr));
        let [earlier, later] = self.covered.get(&key)?;
        Some(if cr == key.0 { earlier } else { later })
    }

    /// `Some(coverage)` when `doc` is an exact copy or a reprint of `rep`.
    fn similarity_to(&self, doc: DocId, rep: DocId) -> Option<f64> {
        let (cd, cr) = (self.canonical[doc.as_usize()], self.canonical[rep.as_usize()]);
        if cd == cr {
            return Some(1.0);
        }
        let score = self.scores.get(&(cd.min(cr), cd.max(cr)))?;
        self.config.is_reprint(score).then_some(score.coverage)
    }

    /// The pair to align to judge `doc` against `rep`, if not aligned yet.
    fn unaligned(&self, doc: DocId, rep: DocId) -> Option<(DocId, DocId)> {
        let (cd, cr) = (self.canonical[doc.as_usize()], self.canonical[rep.as_usize()]);
        let key = (cd.min(cr), cd.max(cr));
        (cd != cr && !self.scores.contains_key(&key)).then_some(key)
    }
}

/// Bytes of prepared tokens per byte of text, for planning windows: a word
/// (some six bytes of text with its space) takes a 16-byte token, an 8-byte
/// hash, a content flag and a 16-byte seed entry.
const PREPARED_BYTES_PER_TEXT_BYTE: u64 = 8;

/// Splits the documents into windows of consecutive ids whose candidate
/// documents' prepared tokens fit in half of `memory` (the other half is
/// for the batch being read): the first id of each window, then the number
/// of documents. No window is empty, and a document too large for any
/// window gets one of its own.
fn windows(needed: &[bool], lengths: &[u64], memory: u64) -> Vec<u32> {
    let budget = memory / 2;
    let mut bounds = vec![0u32];
    let mut used = 0u64;
    for (d, (&needed, &len)) in needed.iter().zip(lengths).enumerate() {
        if !needed {
            continue;
        }
        let cost = len.saturating_mul(PREPARED_BYTES_PER_TEXT_BYTE);
        if used > 0 && used.saturating_add(cost) > budget {
            bounds.push(d as u32);
            used = 0;
        }
        used = used.saturating_add(cost);
    }
    bounds.push(needed.len() as u32);
    bounds
}

/// The estimated size of a text's prepared tokens.
fn prepared_cost(len: usize) -> u64 {
    (len as u64).saturating_mul(PREPARED_BYTES_PER_TEXT_BYTE)
}

/// Prepares the documents of `docs` (the documents `start..` of the corpus)
/// that the round's window needs, keeps those in the window, and aligns the
/// pairs they complete. Returns each completed pair's index and result.
fn align_slice(
    config: &ReprintConfig,
    boilerplate: &[DocBoilerplate],
    round: &mut Round,
    window: &std::ops::Range<usize>,
    start: usize,
    docs: &[Document],
) -> Vec<(u32, Aligned)> {
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
        .map_init(Tokens::default, |tokens, (offset, doc)| {
            let d = start + offset;
            wanted(d).then(|| {
                let spans = spans_of(boilerplate, DocId::from_u32(d as u32));
                config.normalizer.tokenize(&doc.text, tokens);
                prepare(&doc.text, tokens, spans, config.align_for(tokens.unit()))
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

/// Tokens of a candidate document with the boilerplate mask applied.
fn prepare(text: &str, tokens: &Tokens, spans: &[Span], align: &AlignConfig) -> Prepared {
    let mut content = Vec::with_capacity(tokens.len());
    let mut span = spans.iter().peekable();
    for t in tokens.tokens() {
        while span.peek().is_some_and(|s| s.end <= t.start as usize) {
            span.next();
        }
        let in_boilerplate = span.peek().is_some_and(|s| s.start <= t.start as usize);
        content.push(!in_boilerplate);
    }
    let content_tokens = content.iter().filter(|&&c| c).count();
    let figure = tokens.tokens().iter().map(|t| is_figure(text, t)).collect();
    Prepared {
        unit: tokens.unit(),
        tokens: tokens.tokens().to_vec(),
        hashes: tokens.hashes().to_vec(),
        content,
        content_tokens,
        figure,
        seeds: SeedIndex::new(tokens.hashes(), align),
    }
}

/// Whether a token is a figure: digits, with the separators of amounts,
/// dates and times (`1987`, `3.6`, `250,000`, `9/15`).
fn is_figure(text: &str, token: &Token) -> bool {
    let word = &text[token.start as usize..token.end as usize];
    word.bytes().any(|c| c.is_ascii_digit())
        && word.bytes().all(|c| c.is_ascii_digit() || b",.:/-%".contains(&c))
}

/// Figures a passage needs on each side before their agreement is judged.
const MIN_FIGURES: usize = 2;

/// Share of a passage's figures that must be the same on both sides.
const MIN_FIGURE_AGREEMENT: f64 = 0.5;

/// Whether an aligned passage is a template filled in with other figures:
/// the same sentence frame around other amounts, rates and dates (a bond
/// offering's terms, a weekly table, another day's market report). Such a
/// passage is the reuse of a form, not of a story: it is reported as
/// boilerplate and covers nothing. Copies of a story keep its figures (a
/// correction changes one). Names are not judged: OCR-like noise garbles
/// words far more often than figures.
fn is_template(pa: &Prepared, pb: &Prepared, p: &Passage) -> bool {
    let figures = |prepared: &Prepared, range: std::ops::Range<usize>| {
        let mut hashes: Vec<u64> = range
            .filter(|&i| prepared.figure[i] && prepared.content[i])
            .map(|i| prepared.hashes[i])
            .collect();
        hashes.sort_unstable();
        hashes
    };
    let (a, b) = (figures(pa, p.a_start..p.a_end), figures(pb, p.b_start..p.b_end));
    if a.len().min(b.len()) < MIN_FIGURES {
        return false;
    }
    // The size of the multiset intersection of two sorted lists.
    let (mut i, mut j, mut same) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => (i, j, same) = (i + 1, j + 1, same + 1),
        }
    }
    (same as f64) < MIN_FIGURE_AGREEMENT * a.len().max(b.len()) as f64
}

crate::passes::by_inherent_methods!(ReprintFinder, ReprintResult);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_table() {
        let kib = |k: u64| k * 1024 / PREPARED_BYTES_PER_TEXT_BYTE;
        // (needed, lengths, memory, bounds)
        type Case<'a> = (&'a [bool], &'a [u64], u64, &'a [u32]);
        let cases: &[Case] = &[
            (&[], &[], 100, &[0, 0]),
            (&[false, false], &[10, 10], 100, &[0, 2]),
            // Everything fits in half the memory: one window.
            (&[true, true, true], &[kib(1), kib(1), kib(1)], 8 * 1024, &[0, 3]),
            // Two documents per window; unneeded ones cost nothing.
            (&[true, false, true, true, true], &[kib(2); 5], 8 * 1024, &[0, 3, 5]),
            // A document larger than any window gets one of its own.
            (&[true, true, true], &[kib(1), kib(64), kib(1)], 8 * 1024, &[0, 1, 2, 3]),
        ];
        for &(needed, lengths, memory, bounds) in cases {
            assert_eq!(windows(needed, lengths, memory), bounds, "{needed:?} {lengths:?}");
        }
    }

    /// Words of a made-up language, drawn by a fixed xorshift sequence.
    fn sentence(seed: u64, words: usize) -> String {
        const VOCAB: [&str; 24] = [
            "council", "bridge", "river", "budget", "mayor", "winter", "market", "school",
            "harbour", "railway", "doctor", "farmers", "storm", "village", "court", "tax", "the",
            "of", "and", "to", "in", "said", "was", "on",
        ];
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut out: Vec<&str> = Vec::with_capacity(words);
        for _ in 0..words {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.push(VOCAB[(x % VOCAB.len() as u64) as usize]);
        }
        let mut s = out.join(" ");
        s.push('.');
        s
    }

    /// Five stories, each printed whole and reprinted abridged and wrapped,
    /// with unrelated documents between them.
    fn corpus() -> Vec<Document> {
        let mut docs = Vec::new();
        for story in 0..5u64 {
            let paragraphs: Vec<String> = (0..6).map(|p| sentence(story * 100 + p, 40)).collect();
            docs.push(Document::new(format!("s{story}"), paragraphs.join("\n\n")));
            docs.push(Document::new(format!("u{story}"), sentence(9_000 + story, 150)));
            let abridged = paragraphs[..4].join("\n\n");
            docs.push(Document::new(
                format!("r{story}"),
                format!("Home | News | Sport\n\n{abridged}\n\nShare this story"),
            ));
        }
        docs
    }

    fn run(docs: &[Document], align_memory: u64) -> (ReprintResult, usize) {
        run_with(ReprintConfig::builder().align_memory(align_memory), docs)
    }

    /// Runs both passes, pass 2 in batches of four; also returns how many
    /// times pass 2 was read.
    fn run_with(config: ReprintConfigBuilder, docs: &[Document]) -> (ReprintResult, usize) {
        let mut finder = ReprintFinder::new(config.build().unwrap());
        finder.add_batch(docs).unwrap();
        finder.plan();
        let mut passes = 0;
        while finder.pending_passes() > 0 {
            for batch in docs.chunks(4) {
                finder.second_pass_batch(batch).unwrap();
            }
            passes += 1;
        }
        (finder.finish().unwrap(), passes)
    }

    #[test]
    fn align_memory_changes_passes_not_results() {
        let docs = corpus();
        let (roomy, one) = run(&docs, 2 << 30);
        assert_eq!(one, 1);
        // The reprints are found: each story's cluster holds its copy.
        let clusters = &roomy.dedup.clustering;
        for story in 0..5 {
            let (s, r) = (DocId::from_u32(story * 3), DocId::from_u32(story * 3 + 2));
            assert_eq!(clusters.cluster_of(s), clusters.cluster_of(r), "story {story}");
        }
        assert_eq!(clusters.num_clusters(), 10);
        for memory in [1, 4096, 20_000] {
            let (tight, passes) = run(&docs, memory);
            assert!(passes > 1, "{memory}: {passes} passes");
            assert_eq!(tight.passages, roomy.passages, "{memory}");
            assert_eq!(tight.dedup.pairs, roomy.dedup.pairs, "{memory}");
            assert_eq!(tight.dedup.clustering, roomy.dedup.clustering, "{memory}");
            assert_eq!(tight.boilerplate, roomy.boilerplate, "{memory}");
        }
    }

    #[test]
    fn runs_table() {
        // (covered, content, runs, overlap with [2, 6))
        type Case<'a> = (&'a str, &'a str, &'a [(u32, u32)], u64);
        let cases: &[Case] = &[
            ("", "", &[], 0),
            ("xxxxxxxx", "xxxxxxxx", &[(0, 8)], 4),
            ("xxx..xxx", "xxxxxxxx", &[(0, 3), (5, 8)], 2),
            // Boilerplate tokens (`.` in content) are skipped: runs are in
            // content ordinals.
            ("xxxxxxxx", "xx..xxxx", &[(0, 6)], 4),
            ("......xx", "xxxxxxxx", &[(6, 8)], 0),
        ];
        let flags = |s: &str| s.chars().map(|c| c == 'x').collect::<Vec<bool>>();
        let middle = Runs(vec![(2, 6)]);
        for &(covered, content, runs, overlap) in cases {
            let got = Runs::of(&flags(covered), &flags(content));
            assert_eq!(got.0, runs, "{covered} {content}");
            let len: u64 = runs.iter().map(|&(s, e)| u64::from(e - s)).sum();
            assert_eq!(got.len(), len, "{covered} {content}");
            assert_eq!(got.overlap(&middle), overlap, "{covered} {content}");
            assert_eq!(middle.overlap(&got), overlap, "{covered} {content}");
        }
    }

    #[test]
    fn lead_table() {
        // (runs, content tokens, is the lead?)
        type Case<'a> = (&'a [(u32, u32)], usize, bool);
        let cases: &[Case] = &[
            (&[], 100, false),
            (&[(0, 30)], 300, true),
            // A new headline before the lead is allowed for.
            (&[(12, 40)], 300, true),
            (&[(0, 20), (26, 60)], 300, true),
            // Background paragraphs from further down are no lead.
            (&[(120, 200)], 300, false),
            // Pieces scattered over the text cover too little of it.
            (&[(0, 10), (50, 60), (100, 110)], 300, false),
        ];
        for &(runs, content, lead) in cases {
            assert_eq!(Runs(runs.to_vec()).is_lead(content), lead, "{runs:?} of {content}");
        }
    }

    /// Paragraphs of a made-up story.
    fn story(seed: u64, paragraphs: u64) -> Vec<String> {
        (0..paragraphs).map(|p| sentence(seed * 100 + p, 40)).collect()
    }

    fn clusters_with(docs: &[Document], keep: Keep) -> Clustering {
        run_with(ReprintConfig::builder().keep(keep), docs).0.dedup.clustering
    }

    /// Issue 3: two documents that share one passage of 30 words, 5 % of
    /// each, are paired and the passage aligned at its byte offsets, even
    /// with a word changed in one copy; they are not reprints of each other.
    #[test]
    fn issue3_a_passage_of_five_percent_is_found() {
        let passage = sentence(4242, 30);
        // The fifteenth word changed.
        let mut words: Vec<&str> = passage.split(' ').collect();
        words[14] = "changed";
        let edited = words.join(" ");
        for (case, (at_a, at_b, copy)) in
            [(2, 12, &passage), (0, 14, &passage), (7, 7, &edited), (14, 0, &edited)]
                .into_iter()
                .enumerate()
        {
            let mut a = story(300 + case as u64, 15);
            let mut b = story(400 + case as u64, 15);
            a.insert(at_a, passage.clone());
            b.insert(at_b, copy.clone());
            let docs = [Document::new("a", a.join("\n\n")), Document::new("b", b.join("\n\n"))];
            let (result, _) = run(&docs, 2 << 30);
            let found: Vec<&SharedPassage> =
                result.passages.iter().filter(|p| !p.boilerplate).collect();
            assert_eq!(found.len(), 1, "case {case}: {found:?}");
            let p = found[0];
            let slice = |doc: &Document, (s, e): (usize, usize)| doc.text[s..e].to_string();
            let (in_a, in_b) = (slice(&docs[0], p.a_range), slice(&docs[1], p.b_range));
            // The whole passage, give or take a word matched by chance.
            assert!(in_a.contains(&passage[..passage.len() - 1]), "case {case}: {in_a}");
            assert!(in_b.contains(&copy[..copy.len() - 1]), "case {case}: {in_b}");
            assert!(in_a.len() < passage.len() + 30, "case {case}: {in_a}");
            assert!(p.words >= 29, "case {case}: {} words", p.words);
            let clusters = &result.dedup.clustering;
            assert_eq!(clusters.num_clusters(), 2, "case {case}");
        }
    }

    /// Issue 3: a roundup page carrying most of two stories is a reprint of
    /// each, but the stories share nothing and must not share a cluster,
    /// whichever document represents it: an earlier story (`first`) or the
    /// roundup itself, the longest (`longest`).
    #[test]
    fn issue3_a_roundup_does_not_chain_two_stories() {
        let (a, b) = (story(1, 6), story(2, 6));
        let roundup = [&a[..4], &b[..4]].concat().join("\n\n");
        let docs = vec![
            Document::new("a", a.join("\n\n")),
            Document::new("roundup", roundup),
            Document::new("b", b.join("\n\n")),
            Document::new("a-copy", a[..5].join("\n\n")),
            Document::new("b-copy", b[..5].join("\n\n")),
        ];
        let doc = DocId::from_u32;
        for keep in [Keep::First, Keep::Longest] {
            let clusters = clusters_with(&docs, keep);
            let of = |d: u32| clusters.cluster_of(doc(d));
            assert_ne!(of(0), of(2), "{keep:?}: the two stories share a cluster");
            assert_eq!(of(0), of(3), "{keep:?}: story a and its copy");
            assert_eq!(of(2), of(4), "{keep:?}: story b and its copy");
            assert!(of(1) == of(0) || of(1) == of(2), "{keep:?}: the roundup joins one story");
        }
    }

    /// Unrelated filler around the documents of a test, so that the
    /// corpus is not only the story.
    fn with_filler(mut docs: Vec<Document>) -> Vec<Document> {
        docs.extend(
            (0..4).map(|i| Document::new(format!("other-{i}"), story(900 + i, 5).join("\n\n"))),
        );
        docs
    }

    /// Whether two texts, among unrelated filler, end up in one cluster.
    fn together(a: &str, b: &str) -> bool {
        let docs = with_filler(vec![Document::new("a", a), Document::new("b", b)]);
        let c = clusters_with(&docs, Keep::Longest);
        c.cluster_of(DocId::from_u32(0)) == c.cluster_of(DocId::from_u32(1))
    }

    /// Issue 14, heavy abridgement: a paper keeps only the lead of a long
    /// wire story (about an eighth of it) under its own headline. It shares
    /// far less than a fifth of the original, but it shares its beginning,
    /// in order.
    #[test]
    fn issue14_an_abridged_copy_keeps_the_lead_and_joins_its_original() {
        let original = story(11, 8);
        let copy = format!("Our headline on it.\n\n{}", original[0]);
        let docs = with_filler(vec![
            Document::new("original", original.join("\n\n")),
            Document::new("copy", copy),
        ]);
        let (result, _) = run(&docs, 1 << 30);
        let c = &result.dedup.clustering;
        let d = DocId::from_u32;
        assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(1)));
        assert!(c.is_representative(d(0)), "the original represents its cluster");
    }

    /// An earlier story, and a follow-up: new text with two of the earlier
    /// story's background paragraphs (not its lead) at its end.
    fn follow_up_docs() -> Vec<Document> {
        let earlier = story(21, 8);
        let mut follow_up = story(22, 5);
        follow_up.extend_from_slice(&earlier[5..7]);
        with_filler(vec![
            Document::new("earlier", earlier.join("\n\n")),
            Document::new("follow-up", follow_up.join("\n\n")),
        ])
    }

    /// Issue 14: a follow-up story reuses background paragraphs from further
    /// down an earlier story, among mostly new text: a different story.
    #[test]
    fn issue14_a_follow_up_reusing_background_stays_apart() {
        let docs = follow_up_docs();
        let (result, _) = run(&docs, 1 << 30);
        let c = &result.dedup.clustering;
        assert_ne!(c.cluster_of(DocId::from_u32(0)), c.cluster_of(DocId::from_u32(1)));
        assert!(!result.passages.is_empty(), "the reused paragraphs are still aligned");
    }

    /// Issue 14, the representative is the source: a copy of its first three
    /// paragraphs and a much longer text quoting a few pieces of it. The longest text must
    /// not represent the cluster and split the source from its copy.
    #[test]
    fn issue14_the_source_represents_its_cluster_and_keeps_its_copies() {
        let source = story(31, 4);
        let text = source.join(" ");
        let words: Vec<&str> = text.split(' ').collect();
        let piece = |at: usize| words[at..at + 14].join(" ");
        let own = story(32, 12);
        let quoting = [
            own[..4].join("\n\n"),
            piece(0),
            own[4..8].join("\n\n"),
            piece(60),
            own[8..].join("\n\n"),
            piece(120),
        ]
        .join("\n\n");
        let docs = with_filler(vec![
            Document::new("quoting", quoting),
            Document::new("source", source.join("\n\n")),
            Document::new("copy", format!("Reprinted.\n\n{}", source[..3].join("\n\n"))),
        ]);
        for keep in [Keep::Longest, Keep::First] {
            let c = clusters_with(&docs, keep);
            let d = DocId::from_u32;
            assert_eq!(c.cluster_of(d(1)), c.cluster_of(d(2)), "{keep:?}: source and copy");
        }
        let c = clusters_with(&docs, Keep::Longest);
        assert!(c.is_representative(DocId::from_u32(1)), "the source, not the longest text");
    }

    /// Issue 14: a user who wants story chains can have follow-ups join the
    /// story they reuse; by default they stay apart.
    #[test]
    fn issue14_follow_ups_join_only_when_asked() {
        let docs = follow_up_docs();
        let d = DocId::from_u32;
        for (policy, together) in [(FollowUps::Separate, false), (FollowUps::Join, true)] {
            let (result, _) = run_with(ReprintConfig::builder().follow_ups(policy), &docs);
            let c = &result.dedup.clustering;
            assert_eq!(c.cluster_of(d(0)) == c.cluster_of(d(1)), together, "{policy:?}");
        }
    }

    /// Issue 14: a short text made of one stretch from the middle of a long
    /// source (an answer, a note) with a sentence of its own is an excerpt
    /// of it, however little of the source it holds.
    #[test]
    fn issue14_an_excerpt_from_the_middle_of_a_long_source_joins_it() {
        let source = story(61, 10);
        let excerpt = format!("{} {}", sentence(62, 12), source[6]);
        let docs = with_filler(vec![
            Document::new("source", source.join("\n\n")),
            Document::new("excerpt", excerpt),
        ]);
        let c = clusters_with(&docs, Keep::Longest);
        let d = DocId::from_u32;
        assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(1)));
        assert!(c.is_representative(d(0)));
    }

    /// Issue 14, composed copies: pieces of 10 to 16 words cut from one
    /// source, shuffled, with the writer's own sentences between them. No
    /// piece reaches the passage length; together they make the link.
    #[test]
    fn issue14_pieces_cut_from_a_source_join_it() {
        let source = story(41, 3);
        let text = source.join(" ");
        let words: Vec<&str> = text.split(' ').collect();
        let own = story(42, 4);
        let composed = [
            own[0].clone(),
            words[70..84].join(" "),
            own[1].clone(),
            words[0..12].join(" "),
            own[2].clone(),
            words[30..46].join(" "),
            words[100..110].join(" "),
            own[3].clone(),
        ]
        .join("\n\n");
        let docs = with_filler(vec![
            Document::new("source", source.join("\n\n")),
            Document::new("composed", composed),
        ]);
        let (result, _) = run(&docs, 1 << 30);
        let c = &result.dedup.clustering;
        assert_eq!(c.cluster_of(DocId::from_u32(0)), c.cluster_of(DocId::from_u32(1)));
        let pieces = result.passages.iter().filter(|p| p.b == DocId::from_u32(1)).count();
        assert!(pieces >= 3, "each piece is reported as a passage: {pieces}");
        // Fewer pieces than `min_pieces` make no link.
        let two = [own[0].clone(), words[70..84].join(" "), own[1].clone(), words[0..12].join(" ")];
        assert!(!together(&source.join("\n\n"), &two.join("\n\n")));
    }

    /// Issue 14 (found reading Reuters-21578's merges): announcements made
    /// from one template, the same sentence frame around other amounts,
    /// rates and dates, are not reprints of each other; a copy that keeps
    /// the figures (one corrected) is.
    #[test]
    fn issue14_a_template_filled_with_other_figures_is_no_reprint() {
        let offering = |amount: &str, coupon: &str, price: &str, year: &str| {
            format!(
                "The company said it is offering {amount} mln dlrs of debentures due {year} \
                 with a coupon of {coupon} pct and priced at {price} to yield {coupon} pct. \
                 The debentures are non-callable for ten years and are rated by both agencies. \
                 The offering is being made through a syndicate of underwriters led by the \
                 investment bank, which said the issue was sold out within the hour to \
                 institutional investors in the {year} market for such debt."
            )
        };
        let docs = with_filler(vec![
            Document::new("first", offering("150", "8.75", "99.25", "2017")),
            Document::new("other", offering("200", "9.10", "98.60", "2012")),
            Document::new("corrected", offering("150", "8.75", "99.35", "2017")),
        ]);
        let (result, _) = run(&docs, 1 << 30);
        let c = &result.dedup.clustering;
        let d = DocId::from_u32;
        assert_ne!(c.cluster_of(d(0)), c.cluster_of(d(1)), "other figures: another offering");
        assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(2)), "one figure corrected: a copy");
        let template = result.passages.iter().find(|p| (p.a, p.b) == (d(0), d(1)));
        assert!(template.is_some_and(|p| p.boilerplate), "reported, as boilerplate");
    }

    /// Issue 14, light revision: the same sentences reordered, with a word
    /// swapped here and there.
    #[test]
    fn issue14_a_revised_copy_with_reordered_sentences_joins() {
        let sentences: Vec<String> = (0..12).map(|i| sentence(5100 + i, 18)).collect();
        let mut revised = sentences.clone();
        revised.swap(1, 7);
        revised.swap(3, 10);
        revised[5] = revised[5].replacen("the", "a", 1);
        assert!(together(&sentences.join(" "), &revised.join(" ")));
    }

    /// Issue 3: a quote, or a line of furniture, shared by every story of a
    /// corpus makes no edge: each story stays alone.
    #[test]
    fn issue3_a_shared_quote_and_line_make_no_cluster() {
        let quote = sentence(777, 30);
        let docs: Vec<Document> = (0..30)
            .map(|i| {
                let own = story(10 + i, 5);
                let text = format!(
                    "Subscribe to our newsletter for the latest news\n\n{}\n\n\"{quote}\"\n\n{}",
                    own[..2].join("\n\n"),
                    own[2..].join("\n\n")
                );
                Document::new(format!("s{i}"), text)
            })
            .collect();
        let clusters = clusters_with(&docs, Keep::Longest);
        assert_eq!(clusters.num_clusters(), docs.len());
    }

    #[test]
    fn finish_needs_every_pass() {
        let docs = corpus();
        let config = ReprintConfig::builder().align_memory(1).build().unwrap();
        let mut finder = ReprintFinder::new(config);
        finder.add_batch(&docs).unwrap();
        finder.plan();
        assert!(finder.pending_passes() > 1);
        finder.second_pass_batch(&docs).unwrap();
        assert!(finder.pending_passes() > 0);
        assert!(finder.finish().is_err());
        assert!(ReprintConfig::builder().align_memory(0).build().is_err());
    }
}
