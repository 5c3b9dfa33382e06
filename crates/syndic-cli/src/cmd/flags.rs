//! Flag groups that several commands share, and the rule that a flag a
//! mode does not use is refused rather than silently ignored.

use clap::parser::ValueSource;
use clap::ArgMatches;
use syndic::cluster::Keep;
use syndic::dedup::{DedupConfig, Mode};
use syndic::fingerprint::FingerprintConfig;
use syndic::reprint::{self, FollowUps, ReprintConfig};
use syndic::sketch::SketchMethod;
use syndic::verify::VerifyMethod;

/// MinHash settings.
#[derive(clap::Args, Debug, Clone)]
pub struct MinHashArgs {
    /// Jaccard similarity at or above which two documents are near-duplicates.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// MinHash signature length.
    #[arg(long, default_value_t = 128)]
    pub num_perm: usize,
    /// Words per shingle.
    #[arg(long, default_value_t = 5)]
    pub ngram: usize,
    /// Characters per shingle for scripts written without spaces.
    #[arg(long, default_value_t = 5)]
    pub char_ngram: usize,
    /// LSH bands (with --rows; default: optimal for --threshold).
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,
    /// Weight of false positives when deriving bands and rows from
    /// --threshold (candidates are verified, so misses weigh more).
    #[arg(long, default_value_t = 0.2)]
    pub fp_weight: f64,
    /// Weight of false negatives when deriving bands and rows.
    #[arg(long, default_value_t = 0.8)]
    pub fn_weight: f64,
    /// Signature method: one-permutation or multiply-shift.
    #[arg(long, default_value = "one-permutation")]
    pub sketch: SketchMethod,
    /// Verification of candidates: exact (Jaccard of shingle sets, a second
    /// pass) or signature (MinHash estimate, no second pass).
    #[arg(long, default_value = "exact")]
    pub verify: VerifyMethod,
    /// Hash seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Memory (MiB) for shingle sets kept from the first pass for exact
    /// verification; larger corpora are read a second time instead.
    #[arg(long, default_value_t = 1024)]
    pub verify_memory_mb: usize,
}

/// Reprint and passage settings.
#[derive(clap::Args, Debug, Clone)]
pub struct ReprintArgs {
    /// Shortest shared passage, in words.
    #[arg(long, default_value_t = 25)]
    pub min_passage_words: usize,
    /// Shortest piece, in words, that counts (and is reported) when at
    /// least --min-pieces passages of a pair line up: text cut and pasted
    /// from a source in sentences and half-sentences.
    #[arg(long, default_value_t = reprint::DEFAULT_MIN_PIECE_WORDS)]
    pub min_piece_words: usize,
    /// How many shared passages of a pair make its pieces count.
    #[arg(long, default_value_t = reprint::DEFAULT_MIN_PIECES)]
    pub min_pieces: usize,
    /// Share of each document's own text that at least --min-pieces
    /// passages must cover for a text composed of pieces of another.
    #[arg(long, default_value_t = reprint::DEFAULT_MIN_PIECE_COVERAGE)]
    pub min_piece_coverage: f64,
    /// Follow-ups (later stories reusing background paragraphs of an earlier
    /// one among mostly new text): separate, other stories; or join, linked
    /// to the story they reuse by one shared full passage.
    #[arg(long, default_value = "separate", value_name = "POLICY")]
    pub follow_ups: FollowUps,
    /// Share of the shorter document's own text (boilerplate excluded) that
    /// shared passages must cover for a reprint.
    #[arg(long, default_value_t = 0.5)]
    pub min_coverage: f64,
    /// Share of the longer document's own text they must cover.
    #[arg(long, default_value_t = 0.2)]
    pub min_longer_coverage: f64,
    /// A line recurring in this many documents is boilerplate (0: off).
    #[arg(long, default_value_t = 20)]
    pub boilerplate_min_docs: usize,
    /// A line recurring in this many pages of one site is boilerplate
    /// (needs --site-field; 0: off).
    #[arg(long, default_value_t = 3)]
    pub boilerplate_min_site_docs: usize,
    /// Passage fingerprints found in more documents make no candidate pairs.
    #[arg(long, default_value_t = 100)]
    pub max_df: usize,
    /// Memory (MiB) for the documents held while candidate pairs are
    /// aligned; when they need more, the input is read once more per window
    /// of documents that fits. Results do not depend on it.
    #[arg(long, default_value_t = 2048)]
    pub align_memory_mb: u64,
}

impl MinHashArgs {
    pub fn config(&self, mode: Mode, keep: Keep) -> syndic::Result<DedupConfig> {
        let mut builder = DedupConfig::builder()
            .mode(mode)
            .threshold(self.threshold)
            .num_perm(self.num_perm)
            .ngram(self.ngram)
            .char_ngram(self.char_ngram)
            .sketch(self.sketch)
            .verify(self.verify)
            .seed(self.seed)
            .lsh_weights(self.fp_weight, self.fn_weight)
            .set_memory(self.verify_memory_mb << 20)
            .keep(keep);
        if let (Some(b), Some(r)) = (self.bands, self.rows) {
            builder = builder.bands_rows(b, r);
        }
        builder.build()
    }
}

impl ReprintArgs {
    pub fn config(&self, keep: Keep) -> syndic::Result<ReprintConfig> {
        ReprintConfig::builder()
            .min_passage_words(self.min_passage_words)
            .min_piece_words(self.min_piece_words)
            .min_pieces(self.min_pieces)
            .min_piece_coverage(self.min_piece_coverage)
            .follow_ups(self.follow_ups)
            .min_coverage(self.min_coverage)
            .min_longer_coverage(self.min_longer_coverage)
            .boilerplate_min_docs(self.boilerplate_min_docs)
            .boilerplate_min_site_docs(self.boilerplate_min_site_docs)
            .fingerprint(FingerprintConfig { max_df: self.max_df, ..FingerprintConfig::default() })
            .align_memory(self.align_memory_mb << 20)
            .keep(keep)
            .build()
    }
}

/// The flags of [`MinHashArgs`], by clap id: used by the minhash mode only.
const MINHASH_FLAGS: &[&str] = &[
    "threshold",
    "num_perm",
    "ngram",
    "char_ngram",
    "bands",
    "rows",
    "fp_weight",
    "fn_weight",
    "sketch",
    "verify",
    "seed",
    "verify_memory_mb",
];

/// The flags of [`ReprintArgs`], by clap id: used by the reprint mode only.
const REPRINT_FLAGS: &[&str] = &[
    "min_passage_words",
    "min_piece_words",
    "min_pieces",
    "min_piece_coverage",
    "follow_ups",
    "min_coverage",
    "min_longer_coverage",
    "boilerplate_min_docs",
    "boilerplate_min_site_docs",
    "max_df",
    "align_memory_mb",
];

/// Refuses flags given on the command line that `mode` does not use
/// (`--mode exact --threshold 0.5`): a user who sets one expects it to
/// matter. `matches` are the subcommand's; groups it lacks are skipped.
pub fn refuse_unused(mode: Mode, matches: &ArgMatches) -> anyhow::Result<()> {
    let unused: &[&[&str]] = match mode {
        Mode::Exact => &[MINHASH_FLAGS, REPRINT_FLAGS],
        Mode::MinHash => &[REPRINT_FLAGS],
        Mode::Reprint => &[MINHASH_FLAGS],
    };
    // Asking clap about an id the command lacks is a programming error.
    let known = |id: &str| matches.ids().any(|known| known.as_str() == id);
    let given = unused
        .iter()
        .flat_map(|group| group.iter().copied())
        .filter(|id| known(id))
        .find(|id| matches.value_source(id) == Some(ValueSource::CommandLine));
    match given {
        Some(id) => anyhow::bail!(
            "--{} does nothing in the {} mode; leave it out, or choose the mode that uses it",
            id.replace('_', "-"),
            mode_name(mode)
        ),
        None => Ok(()),
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Exact => "exact",
        Mode::MinHash => "minhash",
        Mode::Reprint => "reprint",
    }
}
