//! The settings schema: every parameter a front end may set, with its
//! default, its documentation and its validation, written once.
//!
//! The CLI builds its flags from [`Setting`] lists (`--min-passage-words`
//! from `min_passage_words`, the help from the doc, `[default: …]` from
//! [`Settings::default_text`]); the Python package passes only the
//! arguments a caller gave, `None` meaning "the core's default"; the index
//! stores the settings it was created with. A parameter is added here, and
//! nowhere else states its default.
//!
//! A setting is set by name from JSON ([`Settings::set_json`], what the
//! bindings pass) or from text ([`Settings::set_text`], what a command line
//! holds); a value of the wrong kind is a [`ConfigError`] naming the
//! setting. Ranges and combinations are checked when the settings become a
//! frozen config ([`MinHashSettings::config`], [`ReprintSettings::config`]).
//!
//! Docs refer to other settings as `{name}`; each front end renders the
//! reference in its own spelling ([`Setting::doc_with`]).

use crate::align::AlignConfig;
use crate::cluster::Keep;
use crate::dedup::{DedupConfig, Mode};
use crate::error::{ConfigError, Result};
use crate::fingerprint::{FingerprintConfig, OcrFolding};
use crate::lsh::DEFAULT_BUCKET_WINDOW;
use crate::read::ReadOptions;
use crate::reprint::{FollowUps, ReprintConfig};
use crate::schema::{settings, Setting, Settings};
use crate::sketch::SketchMethod;
use crate::stories::StoriesConfig;
use crate::verify::VerifyMethod;

settings! {
    /// What a dedup run finds, and which member represents each cluster.
    pub struct DedupSettings {
        /// exact: same normalized text; minhash: Jaccard similarity of word
        /// n-grams; reprint: shared passages covering most of the shorter text.
        mode: Mode = Mode::MinHash,
        /// Which member represents (and survives) each cluster: longest or
        /// first.
        keep: Keep = Keep::Longest,
        /// Memory (MiB) for content hashes, band keys and candidate pairs,
        /// or in reprint mode passage fingerprints and the pairs they make;
        /// past it they are sorted on disk, in a temporary directory, and
        /// merged back. Results do not depend on it. Default: no bound.
        memory_mb: Option<usize> = None,
    }
}

settings! {
    /// Near-duplicates by MinHash: shingling, signatures, LSH banding and
    /// verification.
    pub struct MinHashSettings {
        /// Jaccard similarity at or above which two documents are
        /// near-duplicates.
        threshold: f64 = 0.8,
        /// MinHash signature length.
        num_perm: usize = 128,
        /// Words per shingle.
        ngram: usize = 5,
        /// Characters per shingle for scripts written without spaces.
        char_ngram: usize = 5,
        /// LSH bands (with {rows}; default: optimal for {threshold}).
        bands: Option<usize> = None,
        /// LSH rows per band (with {bands}).
        rows: Option<usize> = None,
        /// Documents each member of an LSH bucket is paired with, among those
        /// that follow it: bounds the candidates a large bucket makes (a
        /// bucket of copies still joins through the pairs kept).
        bucket_window: usize = DEFAULT_BUCKET_WINDOW,
        /// Weight of false positives when deriving bands and rows from
        /// {threshold} (candidates are verified, so misses weigh more).
        fp_weight: f64 = 0.2,
        /// Weight of false negatives when deriving bands and rows.
        fn_weight: f64 = 0.8,
        /// Signature method: one-permutation or multiply-shift.
        sketch: SketchMethod = SketchMethod::OnePermutation,
        /// Verification of candidates: exact (Jaccard of shingle sets, a
        /// second pass) or signature (MinHash estimate, no second pass).
        verify: VerifyMethod = VerifyMethod::Exact,
        /// Hash seed.
        seed: u64 = 1,
        /// Memory (MiB) for shingle sets kept from the first pass for exact
        /// verification; larger corpora are read a second time instead.
        verify_memory_mb: usize = 1024,
    }
}

settings! {
    /// Reprints and shared passages: alignment, the reprint rules and
    /// boilerplate.
    pub struct ReprintSettings {
        /// Shortest shared passage, in words.
        min_passage_words: usize = 25,
        /// Words of the exact runs that seed an alignment.
        seed_ngram: usize = 4,
        /// Longest gap, in words, bridged inside one passage.
        max_gap: usize = 20,
        /// Share of a passage's words that must match on both sides.
        min_identity: f64 = 0.5,
        /// Shortest piece, in words, that counts (and is reported) when at
        /// least {min_pieces} passages of a pair line up: text cut and pasted
        /// from a source in sentences and half-sentences.
        min_piece_words: usize = 8,
        /// How many shared passages of a pair make its pieces count.
        min_pieces: usize = 3,
        /// Share of each document's own text that at least {min_pieces}
        /// passages must cover for a text composed of pieces of another.
        min_piece_coverage: f64 = 0.15,
        /// Follow-ups (later stories reusing background paragraphs of an
        /// earlier one among mostly new text): separate, other stories; or
        /// join, linked to the story they reuse by one shared full passage.
        follow_ups: FollowUps = FollowUps::Separate,
        /// Share of the shorter document's own text (boilerplate excluded)
        /// that shared passages must cover for a reprint.
        min_coverage: f64 = 0.5,
        /// Share of the longer document's own text they must cover.
        min_longer_coverage: f64 = 0.2,
        /// A line recurring in this many documents is boilerplate (0: off).
        boilerplate_min_docs: usize = 20,
        /// A line recurring in this many pages of one site is boilerplate
        /// (needs a site field; 0: off).
        boilerplate_min_site_docs: usize = 3,
        /// Passage fingerprints found in more documents make no candidate
        /// pairs.
        max_df: usize = 100,
        /// Passage fingerprints over OCR confusion classes (rn and m, vv
        /// and w, cl and d, 0 and o, 1, i and l, 5 and s, c and e, h and b,
        /// u and n, f and t), so that copies garbled by OCR become candidate
        /// pairs: on or off. Alignment compares the words as written.
        ocr_folding: OcrFolding = FingerprintConfig::default().ocr_folding,
        /// Memory (MiB) for the documents held while candidate pairs are
        /// aligned; when they need more, the input is read once more per
        /// window of documents that fits. Results do not depend on it.
        align_memory_mb: u64 = 2048,
    }
}

settings! {
    /// Stories: documents covering the same event, in their own words or
    /// by reuse.
    pub struct StoriesSettings {
        /// Mean TF-IDF cosine, over every pair across two groups of
        /// documents, at or above which the groups are one story.
        story_threshold: f64 = 0.2,
        /// Dotted path of the date field, or column (`YYYY-MM-DD` or
        /// `YYYYMMDD`, read from the start of the value); with it, only
        /// documents within {window_days} of each other are compared, and
        /// a story is represented by its earliest full report.
        date_field: Option<String> = None,
        /// Days apart two dated documents may be and still be compared.
        window_days: u64 = 3,
        /// Days the dated documents of one story may span at most: groups
        /// further apart are not joined, however alike.
        story_max_days: u64 = 14,
        /// Weight of names (capitalised words that do not open a sentence)
        /// over other words.
        name_weight: f64 = 2.0,
        /// Weight of the headline's words (the first line, when short).
        title_weight: f64 = 1.5,
        /// Rarest terms of each document looked up for candidates.
        story_terms_per_doc: usize = 12,
        /// A term found in more documents (within the window) makes no
        /// candidates.
        story_max_term_docs: usize = 100,
        /// Candidates kept per document, those sharing the most weight of
        /// its rare terms.
        story_candidates_per_doc: usize = 30,
    }
}

impl StoriesSettings {
    /// The frozen config of the story linker; checks ranges, and that
    /// `date_field` is a field path (the front end reads the dates).
    pub fn config(&self) -> Result<StoriesConfig> {
        if let Some(field) = &self.date_field {
            if field.is_empty() || field.split('.').any(str::is_empty) {
                let expected = "a field path (names joined by dots)";
                return Err(
                    ConfigError::invalid("date_field", expected, format!("`{field}`")).into()
                );
            }
        }
        StoriesConfig::builder()
            .threshold(self.story_threshold)
            .window_days(self.window_days)
            .max_span_days(self.story_max_days)
            .name_weight(self.name_weight)
            .title_weight(self.title_weight)
            .terms_per_doc(self.story_terms_per_doc)
            .max_term_docs(self.story_max_term_docs)
            .candidates_per_doc(self.story_candidates_per_doc)
            .build()
    }
}

impl DedupSettings {
    /// The memory bound in bytes, checked.
    fn memory(&self) -> Result<Option<usize>> {
        match self.memory_mb {
            Some(0) => Err(ConfigError::invalid("memory_mb", "at least 1", 0).into()),
            mb => Ok(mb.map(|mb| mb << 20)),
        }
    }

    /// Fails unless these settings suit an index, which keeps its band
    /// keys and postings in its store: a memory bound is for batch runs,
    /// and would be accepted and do nothing.
    pub fn check_for_index(&self) -> Result<(), ConfigError> {
        match self.memory_mb {
            Some(_) => Err(ConfigError::Conflict(INDEX_HAS_NO_MEMORY_BOUND.into())),
            None => Ok(()),
        }
    }
}

/// Why an index refuses a memory bound.
pub(crate) const INDEX_HAS_NO_MEMORY_BOUND: &str =
    "a memory bound is for batch runs; an index keeps its band keys in its store";

impl MinHashSettings {
    /// The frozen config of a run with the mode, representative and memory
    /// bound of `dedup`; checks ranges and combinations.
    pub fn config(&self, dedup: &DedupSettings) -> Result<DedupConfig> {
        let mut builder = DedupConfig::builder()
            .mode(dedup.mode)
            .threshold(self.threshold)
            .num_perm(self.num_perm)
            .ngram(self.ngram)
            .char_ngram(self.char_ngram)
            .bucket_window(self.bucket_window)
            .lsh_weights(self.fp_weight, self.fn_weight)
            .sketch(self.sketch)
            .verify(self.verify)
            .seed(self.seed)
            .set_memory(self.verify_memory_mb << 20)
            .memory(dedup.memory()?)
            .keep(dedup.keep);
        match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => builder = builder.bands_rows(bands, rows),
            (None, None) => {}
            _ => return Err(ConfigError::Conflict("bands and rows go together".into()).into()),
        }
        builder.build()
    }
}

impl ReprintSettings {
    /// The frozen config of a passage, clean or stories run keeping
    /// `keep`, all in memory; checks ranges and combinations.
    pub fn config(&self, keep: Keep) -> Result<ReprintConfig> {
        self.builder(keep).build()
    }

    /// The frozen config of a dedup run in reprint mode, with the
    /// representative and memory bound of `dedup`.
    pub fn dedup_config(&self, dedup: &DedupSettings) -> Result<ReprintConfig> {
        self.builder(dedup.keep).memory(dedup.memory()?).build()
    }

    fn builder(&self, keep: Keep) -> crate::reprint::ReprintConfigBuilder {
        ReprintConfig::builder()
            .align(AlignConfig {
                min_tokens: self.min_passage_words,
                seed_ngram: self.seed_ngram,
                max_gap: self.max_gap,
                min_identity: self.min_identity,
                ..AlignConfig::default()
            })
            .min_piece_words(self.min_piece_words)
            .min_pieces(self.min_pieces)
            .min_piece_coverage(self.min_piece_coverage)
            .follow_ups(self.follow_ups)
            .min_coverage(self.min_coverage)
            .min_longer_coverage(self.min_longer_coverage)
            .boilerplate_min_docs(self.boilerplate_min_docs)
            .boilerplate_min_site_docs(self.boilerplate_min_site_docs)
            .fingerprint(FingerprintConfig {
                max_df: self.max_df,
                ocr_folding: self.ocr_folding,
                ..FingerprintConfig::default()
            })
            .align_memory(self.align_memory_mb << 20)
            .keep(keep)
    }
}

/// Every group of the schema with its settings, for front ends that list or
/// check them all (the Python stubs' test, `syndic --help`).
pub fn schema() -> [(&'static str, &'static [Setting]); 5] {
    [
        ("read", ReadOptions::SCHEMA),
        ("dedup", DedupSettings::SCHEMA),
        ("minhash", MinHashSettings::SCHEMA),
        ("reprint", ReprintSettings::SCHEMA),
        ("stories", StoriesSettings::SCHEMA),
    ]
}

/// Refuses settings, by name, that a dedup run in `mode` would ignore:
/// MinHash settings outside the minhash mode, reprint settings outside the
/// reprint mode.
pub fn check_used<'a>(
    mode: Mode,
    given: impl IntoIterator<Item = &'a str>,
) -> Result<(), ConfigError> {
    let unused: &[&[Setting]] = match mode {
        Mode::Exact => &[MinHashSettings::SCHEMA, ReprintSettings::SCHEMA, StoriesSettings::SCHEMA],
        Mode::MinHash => &[ReprintSettings::SCHEMA, StoriesSettings::SCHEMA],
        Mode::Reprint => &[MinHashSettings::SCHEMA, StoriesSettings::SCHEMA],
    };
    let is_unused = |name: &str| unused.iter().any(|group| group.iter().any(|s| s.name == name));
    match given.into_iter().find(|name| is_unused(name)) {
        Some(name) => {
            Err(ConfigError::Unused { name: name.to_owned(), mode: crate::choice::name(mode) })
        }
        None => Ok(()),
    }
}

/// Whether `name` is a setting of the schema.
pub fn is_setting(name: &str) -> bool {
    schema().iter().any(|(_, group)| group.iter().any(|setting| setting.name == name))
}

/// The default of every setting as JSON, by name.
pub fn defaults() -> serde_json::Map<String, serde_json::Value> {
    let mut all = ReadOptions::default().to_json();
    all.extend(DedupSettings::default().to_json());
    all.extend(MinHashSettings::default().to_json());
    all.extend(ReprintSettings::default().to_json());
    all.extend(StoriesSettings::default().to_json());
    all
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::Error;

    #[test]
    fn every_setting_has_a_doc_and_one_name_across_groups() {
        let mut seen = std::collections::HashSet::new();
        for (_, group) in schema() {
            for setting in group {
                assert!(!setting.doc.trim().is_empty(), "{} has no doc", setting.name);
                assert!(seen.insert(setting.name), "{} is in two groups", setting.name);
            }
        }
    }

    #[test]
    fn references_in_docs_name_settings_of_the_schema() {
        let names: Vec<&str> =
            schema().iter().flat_map(|(_, g)| g.iter().map(|s| s.name)).collect();
        for (_, group) in schema() {
            for setting in group {
                setting.doc_with(|reference| {
                    assert!(names.contains(&reference), "{}: {{{reference}}}", setting.name);
                    String::new()
                });
            }
        }
        let bands = MinHashSettings::SCHEMA.iter().find(|s| s.name == "bands").unwrap();
        assert_eq!(
            bands.doc_with(|name| format!("--{}", name.replace('_', "-"))).trim(),
            "LSH bands (with --rows; default: optimal for --threshold)."
        );
    }

    #[test]
    fn values_are_set_by_name_or_refused_with_the_setting_named() {
        let cases: &[(&str, Value, Result<Value, &str>)] = &[
            ("threshold", json!(0.5), Ok(json!(0.5))),
            ("threshold", json!(1), Ok(json!(1.0))),
            ("threshold", json!("0.8"), Err("threshold must be a number, got \"0.8\"")),
            ("num_perm", json!(64), Ok(json!(64))),
            ("num_perm", json!(-1), Err("num_perm must be a whole number, 0 or more, got -1")),
            ("num_perm", json!(5.5), Err("num_perm must be a whole number, 0 or more, got 5.5")),
            ("num_perm", json!(true), Err("num_perm must be a whole number, 0 or more, got true")),
            ("bands", json!(null), Ok(json!(null))),
            ("bands", json!(4), Ok(json!(4))),
            ("sketch", json!("multiply-shift"), Ok(json!("multiply-shift"))),
            ("sketch", json!("oph"), Ok(json!("one-permutation"))),
            (
                "sketch",
                json!("fast"),
                Err("unknown sketch `fast` (expected one-permutation or multiply-shift)"),
            ),
            ("sketch", json!(3), Err("sketch must be one of its names, got 3")),
            ("treshold", json!(0.5), Err("unknown setting `treshold`")),
        ];
        for (name, value, expected) in cases {
            let mut settings = MinHashSettings::default();
            match (settings.set_json(name, value), expected) {
                (Ok(()), Ok(want)) => assert_eq!(settings.get(name).as_ref(), Some(want), "{name}"),
                (Err(err), Err(want)) => {
                    assert!(err.to_string().starts_with(want), "{name}: {err}")
                }
                (got, want) => panic!("{name} = {value}: got {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn groups_go_through_serde_with_their_checks() {
        let settings = ReprintSettings { max_df: 7, ..ReprintSettings::default() };
        let text = serde_json::to_string(&settings).unwrap();
        assert_eq!(serde_json::from_str::<ReprintSettings>(&text).unwrap(), settings);
        let partial: ReadOptions = serde_json::from_str(r#"{"id_field": "url"}"#).unwrap();
        assert_eq!(partial, ReadOptions { id_field: "url".to_owned(), ..ReadOptions::default() });
        let err = serde_json::from_str::<ReprintSettings>(r#"{"max_df": "7"}"#).unwrap_err();
        assert!(err.to_string().contains("max_df must be a whole number"), "{err}");
        let err = serde_json::from_str::<MinHashSettings>(r#"{"treshold": 0.5}"#).unwrap_err();
        assert!(err.to_string().contains("unknown setting `treshold`"), "{err}");
    }

    #[test]
    fn text_and_json_agree() {
        for (name, text, value) in [
            ("min_coverage", "0.25", json!(0.25)),
            ("max_df", "7", json!(7)),
            ("follow_ups", "join", json!("join")),
            ("align_memory_mb", "1", json!(1)),
        ] {
            let (mut from_text, mut from_json) =
                (ReprintSettings::default(), ReprintSettings::default());
            from_text.set_text(name, text).unwrap();
            from_json.set_json(name, &value).unwrap();
            assert_eq!(from_text, from_json, "{name}");
            assert_eq!(from_text.get(name), Some(value));
        }
        let err = ReprintSettings::default().set_text("max_df", "many").unwrap_err();
        assert_eq!(err.to_string(), "max_df must be a whole number, 0 or more, got `many`");
    }

    /// The builders are the stages' own API and keep defaults of their own
    /// for it; they must be the schema's.
    #[test]
    fn the_builders_defaults_are_the_schemas() {
        for mode in [Mode::Exact, Mode::MinHash] {
            let dedup = DedupSettings { mode, ..DedupSettings::default() };
            let from_schema = MinHashSettings::default().config(&dedup).unwrap();
            let from_builder = DedupConfig::builder().mode(mode).build().unwrap();
            assert_eq!(from_schema.to_json(), from_builder.to_json(), "{mode:?}");
            assert_eq!(from_schema.set_memory(), from_builder.set_memory());
        }
        let from_schema = ReprintSettings::default().config(Keep::Longest).unwrap();
        let from_builder = ReprintConfig::builder().build().unwrap();
        assert_eq!(from_schema.to_json(), from_builder.to_json());
        assert_eq!(from_schema.align_memory(), from_builder.align_memory());
        let from_schema = ReprintSettings::default().dedup_config(&DedupSettings::default());
        assert_eq!(from_schema.unwrap().memory(), from_builder.memory());
        let from_schema = MinHashSettings::default().config(&DedupSettings::default()).unwrap();
        assert_eq!(from_schema.memory(), DedupConfig::builder().build().unwrap().memory());
        let from_schema = StoriesSettings::default().config().unwrap();
        assert_eq!(from_schema, StoriesConfig::builder().build().unwrap());
        assert_eq!(DedupSettings::default().mode, Mode::default());
        assert_eq!(DedupSettings::default().keep, Keep::default());
    }

    #[test]
    fn settings_a_mode_ignores_are_refused() {
        for (mode, given, refused) in [
            (Mode::Exact, &["keep", "id_field"][..], None),
            (Mode::Exact, &["keep", "threshold"][..], Some("threshold")),
            (Mode::Exact, &["min_coverage"][..], Some("min_coverage")),
            // Issue 16: the memory bound also holds for exact groups.
            (Mode::Exact, &["memory_mb"][..], None),
            (Mode::Exact, &["memory_mb", "verify_memory_mb"][..], Some("verify_memory_mb")),
            (Mode::MinHash, &["memory_mb"][..], None),
            (Mode::Reprint, &["memory_mb"][..], None),
            (Mode::MinHash, &["threshold", "bucket_window"][..], None),
            (Mode::MinHash, &["max_df"][..], Some("max_df")),
            (Mode::Reprint, &["max_df", "follow_ups"][..], None),
            (Mode::Reprint, &["num_perm"][..], Some("num_perm")),
        ] {
            match (check_used(mode, given.iter().copied()), refused) {
                (Ok(()), None) => {}
                (Err(ConfigError::Unused { name, .. }), Some(refused)) => assert_eq!(name, refused),
                (got, _) => panic!("{mode:?} {given:?}: {got:?}"),
            }
        }
    }

    #[test]
    fn defaults_show_on_a_command_line_except_unset_options() {
        assert_eq!(MinHashSettings::default_text("threshold").as_deref(), Some("0.8"));
        assert_eq!(MinHashSettings::default_text("sketch").as_deref(), Some("one-permutation"));
        assert_eq!(MinHashSettings::default_text("bands"), None);
        assert_eq!(DedupSettings::default_text("mode").as_deref(), Some("minhash"));
    }

    #[test]
    fn configs_check_ranges_and_combinations() {
        let dedup = DedupSettings::default();
        let half = MinHashSettings { bands: Some(4), ..MinHashSettings::default() };
        let err = half.config(&dedup).unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::Conflict(_))), "{err}");
        let too_high = MinHashSettings { threshold: 1.5, ..MinHashSettings::default() };
        let err = too_high.config(&dedup).unwrap_err();
        assert!(err.to_string().contains("threshold must be in (0, 1)"), "{err}");
        let dotted = StoriesSettings { date_field: Some("a..b".into()), ..Default::default() };
        let err = dotted.config().unwrap_err();
        assert!(err.to_string().contains("date_field must be a field path"), "{err}");
        let zero = ReprintSettings { min_pieces: 0, ..ReprintSettings::default() };
        assert!(zero.config(Keep::Longest).is_err());
        assert!(ReprintSettings::default().config(Keep::Longest).is_ok());
        let config = MinHashSettings::default().config(&dedup).unwrap();
        assert_eq!(config.to_json()["bucket_window"], json!(DEFAULT_BUCKET_WINDOW));
    }

    /// Issue 16: one memory bound, `memory_mb`, for every mode, in bytes,
    /// checked once; refused by an index.
    #[test]
    fn issue16_the_memory_bound_reaches_every_mode() {
        let (minhash, reprint) = (MinHashSettings::default(), ReprintSettings::default());
        for (mode, mb, bytes) in [
            (Mode::Exact, Some(2), Some(2 << 20)),
            (Mode::MinHash, Some(1), Some(1 << 20)),
            (Mode::Reprint, Some(64), Some(64 << 20)),
            (Mode::Reprint, None, None),
        ] {
            let dedup = DedupSettings { mode, memory_mb: mb, ..DedupSettings::default() };
            let memory = match mode {
                Mode::Reprint => reprint.dedup_config(&dedup).unwrap().memory(),
                _ => minhash.config(&dedup).unwrap().memory(),
            };
            assert_eq!(memory, bytes, "{mode:?} {mb:?}");
            assert_eq!(dedup.check_for_index().is_ok(), mb.is_none(), "{mode:?} {mb:?}");
            let zero = DedupSettings { memory_mb: Some(0), ..dedup };
            let err = match mode {
                Mode::Reprint => reprint.dedup_config(&zero).unwrap_err(),
                _ => minhash.config(&zero).unwrap_err(),
            };
            assert!(err.to_string().contains("memory_mb must be at least 1"), "{err}");
        }
    }
}
