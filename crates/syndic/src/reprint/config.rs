//! The reprint settings: [`ReprintConfig`], its builder, the defaults front
//! ends show, and [`FollowUps`]. *Not for*: the rules that read them
//! ([`super::score`]); *rule*: a built config cannot change, and keeps the
//! settings as given (for `summary.json`) beside what it derived from them.

use crate::align::AlignConfig;
use crate::boilerplate::ClassifierConfig;
use crate::cluster::Keep;
use crate::error::{ConfigError, Result};
use crate::fingerprint::FingerprintConfig;
use crate::normalize::{Normalizer, NormalizerConfig, TokenUnit};

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

crate::choice::choices!(FollowUps, "follow_ups", ["separate" => Separate, "join" => Join]);

/// A validated, frozen reprint configuration; see [`ReprintConfig::builder`].
#[derive(Clone, Debug)]
pub struct ReprintConfig {
    /// The settings as given, validated.
    given: ReprintConfigBuilder,
    normalizer: Normalizer,
    /// Character tokens need longer seeds and passages than words.
    char_align: AlignConfig,
    /// Alignment down to the shortest piece (word and character tokens):
    /// the passages it finds count when they are long enough, or when
    /// enough of them line up.
    piece_align: AlignConfig,
    char_piece_align: AlignConfig,
}

impl ReprintConfig {
    /// A builder with the documented defaults.
    pub fn builder() -> ReprintConfigBuilder {
        ReprintConfigBuilder::default()
    }

    /// Alignment settings for word tokens.
    pub fn align(&self) -> &AlignConfig {
        &self.given.align
    }

    /// Fingerprint settings.
    pub fn fingerprint(&self) -> &FingerprintConfig {
        &self.given.fingerprint
    }

    /// Representative choice.
    pub fn keep(&self) -> Keep {
        self.given.keep
    }

    /// Documents a line must recur in to be boilerplate.
    pub fn boilerplate_min_docs(&self) -> usize {
        self.given.boilerplate_min_docs
    }

    /// Pages of one site a line must recur in to be boilerplate.
    pub fn boilerplate_min_site_docs(&self) -> usize {
        self.given.boilerplate_min_site_docs
    }

    /// The single-page classifier's settings.
    pub fn classifier(&self) -> &ClassifierConfig {
        &self.given.classifier
    }

    /// The tokenizer.
    pub(crate) fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// This config tokenizing with `normalizer`: what an index reopens
    /// with, as `DedupConfig::with_normalizer`.
    pub(crate) fn with_normalizer(mut self, normalizer: NormalizerConfig) -> Self {
        self.given.normalizer = normalizer;
        self.normalizer = Normalizer::new(normalizer);
        self
    }

    /// The settings as given, which the rules read their thresholds from.
    pub(super) fn given(&self) -> &ReprintConfigBuilder {
        &self.given
    }

    /// The memory, in bytes, that documents held for alignment may take.
    pub fn align_memory(&self) -> u64 {
        self.given.align_memory
    }

    /// The memory bound, in bytes, past which the fingerprint postings and
    /// the pairs they make are sorted on disk ([`crate::spill`]). `None`:
    /// no bound, all in memory.
    pub fn memory(&self) -> Option<usize> {
        self.given.memory
    }

    /// Every setting the results depend on, as a checkpoint records them
    /// (see [`ReprintFinder::resumable`](super::ReprintFinder::resumable)):
    /// all but the memory bounds, which change how the work is done and not
    /// what it finds, so that a run killed for want of memory may resume
    /// under another bound.
    pub(crate) fn resume_settings(&self) -> String {
        let given = ReprintConfigBuilder { align_memory: 0, memory: None, ..self.given.clone() };
        format!("{given:?}")
    }

    /// The parameters as JSON, for `summary.json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": "reprint",
            "fingerprint_ngram": self.given.fingerprint.ngram,
            "fingerprint_window": self.given.fingerprint.window,
            "max_df": self.given.fingerprint.max_df,
            "min_shared_fingerprints": self.given.fingerprint.min_shared,
            "ocr_folding": self.given.fingerprint.ocr_folding,
            "seed_ngram": self.given.align.seed_ngram,
            "max_gap": self.given.align.max_gap,
            "min_passage_words": self.given.align.min_tokens,
            "min_piece_words": self.piece_align.min_tokens,
            "min_pieces": self.given.min_pieces,
            "min_piece_coverage": self.given.min_piece_coverage,
            "follow_ups": self.given.follow_ups,
            "min_identity": self.given.align.min_identity,
            "min_coverage": self.given.min_coverage,
            "min_longer_coverage": self.given.min_longer_coverage,
            "boilerplate_min_docs": self.given.boilerplate_min_docs,
            "boilerplate_min_site_docs": self.given.boilerplate_min_site_docs,
            "keep": self.given.keep,
        })
    }

    /// The settings passages are reported and counted by.
    pub(super) fn align_for(&self, unit: TokenUnit) -> &AlignConfig {
        match unit {
            TokenUnit::Word => &self.given.align,
            TokenUnit::Char => &self.char_align,
        }
    }

    /// The settings pieces are found by.
    pub(super) fn piece_align_for(&self, unit: TokenUnit) -> &AlignConfig {
        match unit {
            TokenUnit::Word => &self.piece_align,
            TokenUnit::Char => &self.char_piece_align,
        }
    }
}

/// Builder for [`ReprintConfig`].
#[derive(Clone, Debug)]
pub struct ReprintConfigBuilder {
    pub(super) normalizer: NormalizerConfig,
    pub(super) fingerprint: FingerprintConfig,
    pub(super) align: AlignConfig,
    pub(super) min_piece_words: usize,
    pub(super) min_pieces: usize,
    pub(super) min_piece_coverage: f64,
    pub(super) min_coverage: f64,
    pub(super) min_longer_coverage: f64,
    pub(super) follow_ups: FollowUps,
    pub(super) classifier: ClassifierConfig,
    pub(super) boilerplate_min_docs: usize,
    pub(super) boilerplate_min_site_docs: usize,
    pub(super) keep: Keep,
    pub(super) align_memory: u64,
    pub(super) memory: Option<usize>,
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
            memory: None,
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
    /// [`ReprintFinder::pending_passes`](super::ReprintFinder::pending_passes)); the results do not change.
    pub fn align_memory(mut self, bytes: u64) -> Self {
        self.align_memory = bytes;
        self
    }

    /// The memory, in bytes, that the fingerprint postings and the pairs
    /// they make may take before they are sorted on disk (default none:
    /// all kept in memory). Results do not depend on it.
    pub fn memory(mut self, bytes: Option<usize>) -> Self {
        self.memory = bytes;
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
        if self.memory == Some(0) {
            return Err(ConfigError::invalid("memory bound", "at least 1 byte", 0).into());
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
            char_align,
            piece_align,
            char_piece_align,
            given: self,
        })
    }
}
