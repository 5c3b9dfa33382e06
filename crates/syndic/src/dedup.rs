//! The dedup pipeline: stages 2–6 for exact and MinHash near-duplicate
//! detection, driven batch by batch.
//!
//! [`Deduper`] holds what must outlive a batch (ids, lengths, content hashes,
//! band keys or signatures) and nothing else. A front end drives it:
//!
//! 1. [`Deduper::add_batch`] for every batch of documents (pass 1: normalize,
//!    shingle, hash, sketch; parallel inside the batch);
//! 2. [`Deduper::plan`]: exact-duplicate groups and LSH candidate pairs;
//! 3. if [`Deduper::needs_second_pass`], [`Deduper::second_pass_batch`] for
//!    the same documents again, in the same order (pass 2: shingle sets of
//!    the documents that appear in candidate pairs, for exact verification);
//! 4. [`Deduper::finish`]: verification, clusters, similarity of each member
//!    to its representative.
//!
//! No I/O happens here: the CLI feeds batches from files, the Python
//! bindings from lists or Arrow tables, the index from HTTP requests.
//!
//! ```
//! use syndic::dedup::{DedupConfig, Deduper, Mode};
//! use syndic::Document;
//! let docs = vec![
//!     Document::new("a", "The quick brown fox jumps over the lazy dog near the river bank today"),
//!     Document::new("b", "the quick brown fox jumps over the lazy dog near the river bank today!"),
//!     Document::new("c", "An entirely different sentence about markets, rates and the central bank"),
//! ];
//! let config = DedupConfig::builder().mode(Mode::MinHash).build().unwrap();
//! let mut deduper = Deduper::new(config).unwrap();
//! deduper.add_batch(&docs).unwrap();
//! deduper.plan();
//! if deduper.needs_second_pass() {
//!     deduper.second_pass_batch(&docs).unwrap();
//! }
//! let result = deduper.finish().unwrap();
//! assert_eq!(result.stats.clusters, 2);
//! assert_eq!(result.stats.exact_duplicates, 1);
//! ```

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::cluster::{Clustering, Keep, UnionFind};
use crate::doc::{Catalog, DocId, Document};
use crate::error::{ConfigError, Error, Result};
use crate::hash::content_hash;
use crate::lsh::{LshParams, DEFAULT_BUCKET_WINDOW};
use crate::normalize::{NormalizerConfig, Tokens};
use crate::pairs::{
    exact_canonicals, pack_pair, unpack_pair, with_exact_pairs, DedupResult, DedupStats, PairKind,
    Pairs, ScoredPair,
};
use crate::passes::{check_capacity, check_second_pass, check_second_pass_complete};
use crate::shingle::{ShingleConfig, Shingler};
use crate::sketch::{estimate_jaccard, SketchMethod, Sketcher};
use crate::spill::{
    hash_partition, pair_partition, remove_runs, LazySpillDir, Partition, Pass1, Pass1State,
    Progress, Resume, RunWriter, SetStore, SortedRuns, Sorter, Stage, Window, WorkDir, PARTITIONS,
};
use crate::verify::{into_set, jaccard_sorted, VerifyMethod};

/// What counts as a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Same normalized text only.
    Exact,
    /// Exact copies plus near-duplicates by Jaccard similarity of shingle
    /// sets (MinHash + LSH + verification).
    #[default]
    #[serde(rename = "minhash")]
    MinHash,
    /// Exact copies plus reprints: documents sharing aligned passages that
    /// cover most of the shorter one (see [`crate::reprint`]).
    Reprint,
}

crate::choice::choices!(Mode, "mode", ["exact" => Exact, "minhash" => MinHash, "reprint" => Reprint]);

/// A validated, frozen dedup configuration. Build one with
/// [`DedupConfig::builder`].
#[derive(Clone, Debug)]
pub struct DedupConfig {
    mode: Mode,
    shingle: ShingleConfig,
    shingler: Shingler,
    sketcher: Sketcher,
    lsh: LshParams,
    threshold: f64,
    verify: VerifyMethod,
    keep: Keep,
    set_memory: usize,
    memory: Option<usize>,
}

impl DedupConfig {
    /// A builder with the documented defaults.
    pub fn builder() -> DedupConfigBuilder {
        DedupConfigBuilder::default()
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Shingling settings.
    pub fn shingle(&self) -> &ShingleConfig {
        &self.shingle
    }

    /// The shingler.
    pub fn shingler(&self) -> &Shingler {
        &self.shingler
    }

    /// This config tokenizing with `normalizer`: what an index reopens
    /// with, since the settings schema offers no normalizer settings and
    /// an index keeps tokenizing as it was built.
    pub(crate) fn with_normalizer(mut self, normalizer: NormalizerConfig) -> Result<Self> {
        self.shingle.normalizer = normalizer;
        self.shingler = Shingler::new(self.shingle)?;
        Ok(self)
    }

    /// The sketcher.
    pub fn sketcher(&self) -> &Sketcher {
        &self.sketcher
    }

    /// LSH banding.
    pub fn lsh(&self) -> &LshParams {
        &self.lsh
    }

    /// Jaccard threshold for near-duplicates.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Verification method.
    pub fn verify(&self) -> VerifyMethod {
        self.verify
    }

    /// Representative choice.
    pub fn keep(&self) -> Keep {
        self.keep
    }

    /// Bytes of shingle sets kept from pass 1 for exact verification; past
    /// it, the sets of candidate documents are rebuilt in a second pass.
    pub fn set_memory(&self) -> usize {
        self.set_memory
    }

    /// Bytes for content hashes, band keys and candidate pairs; past it they
    /// are sorted on disk ([`crate::spill`]). `None`: no bound, all in memory.
    pub fn memory(&self) -> Option<usize> {
        self.memory
    }

    /// Fails with [`ConfigError::UnknownChoice`] for `setting` in reprint
    /// mode, which only [`crate::reprint::ReprintFinder`] runs.
    pub(crate) fn check_not_reprint(&self, setting: &'static str) -> Result<(), ConfigError> {
        if self.mode == Mode::Reprint {
            return Err(ConfigError::UnknownChoice {
                name: setting,
                got: crate::choice::name(self.mode).to_owned(),
                choices: vec!["exact", "minhash"],
            });
        }
        Ok(())
    }

    /// The parameters as JSON, for `summary.json` and index metadata.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": self.mode,
            "ngram": self.shingle.ngram,
            "char_ngram": self.shingle.char_ngram,
            "num_perm": self.sketcher.num_perm(),
            "sketch": self.sketcher.method(),
            "seed": self.sketcher.seed(),
            "threshold": self.threshold,
            "bands": self.lsh.bands(),
            "rows": self.lsh.rows(),
            "bucket_window": self.lsh.bucket_window(),
            "verify": self.verify,
            "keep": self.keep,
        })
    }
}

/// Builder for [`DedupConfig`]; [`build`](Self::build) validates.
#[derive(Clone, Debug)]
pub struct DedupConfigBuilder {
    mode: Mode,
    shingle: ShingleConfig,
    num_perm: usize,
    threshold: f64,
    seed: u64,
    sketch: SketchMethod,
    bands_rows: Option<(usize, usize)>,
    bucket_window: usize,
    fp_weight: f64,
    fn_weight: f64,
    verify: VerifyMethod,
    keep: Keep,
    set_memory: usize,
    memory: Option<usize>,
}

impl Default for DedupConfigBuilder {
    fn default() -> Self {
        Self {
            mode: Mode::MinHash,
            shingle: ShingleConfig::default(),
            num_perm: 128,
            threshold: 0.8,
            seed: 1,
            sketch: SketchMethod::OnePermutation,
            bands_rows: None,
            bucket_window: DEFAULT_BUCKET_WINDOW,
            // Every candidate is verified, so a false positive costs one
            // Jaccard computation while a false negative is a missed
            // duplicate: weigh misses four times as heavily as datasketch's
            // default. At threshold 0.8 and 128 values this picks 12 bands of
            // 10 rows: a pair at J = 0.85 becomes a candidate with
            // probability 0.93 (0.69 with equal weights).
            fp_weight: 0.2,
            fn_weight: 0.8,
            verify: VerifyMethod::Exact,
            keep: Keep::Longest,
            set_memory: 1 << 30,
            memory: None,
        }
    }
}

impl DedupConfigBuilder {
    /// Mode (default minhash).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// Words per shingle (default 5).
    pub fn ngram(mut self, n: usize) -> Self {
        self.shingle.ngram = n;
        self
    }
    /// Characters per shingle for unspaced scripts (default 5).
    pub fn char_ngram(mut self, n: usize) -> Self {
        self.shingle.char_ngram = n;
        self
    }
    /// Signature length (default 128).
    pub fn num_perm(mut self, n: usize) -> Self {
        self.num_perm = n;
        self
    }
    /// Jaccard threshold (default 0.8).
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }
    /// Hash seed (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Signature method (default one-permutation).
    pub fn sketch(mut self, method: SketchMethod) -> Self {
        self.sketch = method;
        self
    }
    /// Explicit bands and rows instead of the optimal ones.
    pub fn bands_rows(mut self, bands: usize, rows: usize) -> Self {
        self.bands_rows = Some((bands, rows));
        self
    }
    /// Followers paired per bucket member (default 32).
    pub fn bucket_window(mut self, window: usize) -> Self {
        self.bucket_window = window;
        self
    }
    /// Weights of false positives and negatives when picking bands
    /// (default 0.2 and 0.8).
    pub fn lsh_weights(mut self, fp: f64, fn_: f64) -> Self {
        self.fp_weight = fp;
        self.fn_weight = fn_;
        self
    }
    /// Verification method (default exact).
    pub fn verify(mut self, v: VerifyMethod) -> Self {
        self.verify = v;
        self
    }
    /// Representative choice (default longest).
    pub fn keep(mut self, keep: Keep) -> Self {
        self.keep = keep;
        self
    }

    /// Memory for shingle sets kept from pass 1 (default 1 GiB; 0 always
    /// reads the input twice). Corpora whose sets fit are read once.
    pub fn set_memory(mut self, bytes: usize) -> Self {
        self.set_memory = bytes;
        self
    }

    /// Memory bound, in bytes, for content hashes, band keys and candidate
    /// pairs (default none: all kept in memory). Results do not depend on it.
    pub fn memory(mut self, bytes: Option<usize>) -> Self {
        self.memory = bytes;
        self
    }

    /// Validates and freezes the configuration.
    pub fn build(self) -> Result<DedupConfig> {
        let shingler = Shingler::new(self.shingle)?;
        let sketcher = Sketcher::new(self.sketch, self.num_perm, self.seed)?;
        let lsh = match self.bands_rows {
            Some((b, r)) if b * r > self.num_perm => {
                return Err(ConfigError::invalid(
                    "bands × rows",
                    format!("at most num_perm ({})", self.num_perm),
                    b * r,
                )
                .into())
            }
            Some((b, r)) => LshParams::new(b, r)?,
            None => {
                LshParams::optimal(self.threshold, self.num_perm, self.fp_weight, self.fn_weight)?
            }
        }
        .with_bucket_window(self.bucket_window)?;
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(ConfigError::invalid("threshold", "in (0, 1]", self.threshold).into());
        }
        if self.memory == Some(0) {
            return Err(ConfigError::invalid("memory bound", "at least 1 byte", 0).into());
        }
        Ok(DedupConfig {
            mode: self.mode,
            shingle: self.shingle,
            shingler,
            sketcher,
            lsh,
            threshold: self.threshold,
            verify: self.verify,
            keep: self.keep,
            set_memory: self.set_memory,
            memory: self.memory,
        })
    }
}

/// Pass-1 summary of one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocSketch {
    /// 128-bit hash of the normalized text.
    pub content_hash: u128,
    /// Number of tokens.
    pub tokens: u32,
    /// MinHash signature (empty in exact mode).
    pub signature: Vec<u32>,
}

/// Pass 1 over a batch, in parallel: tokens, content hash and signature of
/// each document. Pure; the order of the output is the order of `docs`.
pub fn sketch_batch(docs: &[Document], config: &DedupConfig) -> Vec<DocSketch> {
    sketch_batch_with_sets(docs, config, false).into_iter().map(|(sketch, _)| sketch).collect()
}

/// [`sketch_batch`], also returning each document's shingles when
/// `keep_sets` is true (empty otherwise): what exact verification needs,
/// computed once instead of in a second pass. They are in text order, with
/// repeats; [`into_set`] makes them a set. Sorting is left to the caller
/// because only documents in candidate pairs are ever verified, and
/// sorting every document's shingles took a seventh of the time of
/// deduplicating English books (issue 16).
pub fn sketch_batch_with_sets(
    docs: &[Document],
    config: &DedupConfig,
    keep_sets: bool,
) -> Vec<(DocSketch, Vec<u64>)> {
    sketch_with_scratch(docs, config, keep_sets, &ScratchPool::default())
}

/// Buffers for tokens and shingles that rayon jobs hand on to later ones.
///
/// `map_init` makes its state afresh for every rayon job, at least one a
/// batch and thread, and a fresh `Tokens` grows by doubling up to the
/// longest document it meets: that growing (copies, page faults) took a
/// twentieth of a one-core run on English books (issue 16). The pool holds
/// at most one set of buffers per job that ran at once, each the size of
/// the longest document it tokenized.
#[derive(Debug, Default)]
struct ScratchPool(Mutex<Vec<(Tokens, Vec<u64>)>>);

/// Buffers lent by a [`ScratchPool`], given back when dropped.
struct Lent<'a> {
    pool: &'a ScratchPool,
    buffers: (Tokens, Vec<u64>),
}

impl ScratchPool {
    fn lend(&self) -> Lent<'_> {
        // The buffers are cleared before each use, so a pool left by a
        // panicking job is still good.
        let buffers =
            self.0.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        Lent { pool: self, buffers }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let buffers = std::mem::take(&mut self.buffers);
        self.pool.0.lock().unwrap_or_else(PoisonError::into_inner).push(buffers);
    }
}

fn sketch_with_scratch(
    docs: &[Document],
    config: &DedupConfig,
    keep_sets: bool,
    pool: &ScratchPool,
) -> Vec<(DocSketch, Vec<u64>)> {
    docs.par_iter()
        .map_init(
            || pool.lend(),
            |lent, doc| {
                let (tokens, shingles) = &mut lent.buffers;
                shingles.clear();
                config.shingler.shingles_into(&doc.text, tokens, shingles);
                let signature = if config.mode == Mode::Exact {
                    Vec::new()
                } else {
                    config.sketcher.sketch(shingles)
                };
                let sketch = DocSketch {
                    content_hash: content_hash(tokens.normalized_bytes()),
                    tokens: tokens.len() as u32,
                    signature,
                };
                let kept = if keep_sets { shingles.clone() } else { Vec::new() };
                (sketch, kept)
            },
        )
        .collect()
}

/// Drives the exact and MinHash modes batch by batch; see the module docs.
#[derive(Debug)]
pub struct Deduper {
    config: DedupConfig,
    catalog: Catalog,
    hashes: Vec<u128>,
    /// `band_keys[doc * bands + band]`; empty in exact mode.
    band_keys: Vec<u64>,
    /// Flat signatures, kept only for signature verification.
    signatures: Vec<u32>,
    /// For each document, the first document with the same normalized text.
    canonical: Vec<DocId>,
    /// Candidate pairs held in memory: all of them, unless spilled.
    candidates: Vec<(DocId, DocId)>,
    num_candidates: usize,
    /// Under a memory bound, what replaces `hashes`, `band_keys` and
    /// perhaps `candidates`.
    spill: Option<OutOfCore>,
    /// Shingle sets gathered in pass 2, for documents in candidate pairs;
    /// under a memory bound, those past it are in a file.
    sets: SetStore,
    needed: Vec<bool>,
    second_pass_cursor: usize,
    planned: bool,
    /// Shingles of every document kept from pass 1 (unsorted, with
    /// repeats) while they fit in [`DedupConfig::set_memory`]; `None` once
    /// they did not (or when not verifying exactly), and pass 2 rebuilds
    /// the sets needed.
    kept_sets: Option<Vec<Vec<u64>>>,
    kept_set_bytes: usize,
    /// Pass 1 is over: checkpointed, or resumed from a checkpoint.
    pass1_closed: bool,
    /// Pass 1's tokenizing buffers, kept from batch to batch and dropped
    /// in [`plan`](Self::plan).
    scratch: ScratchPool,
}

impl Deduper {
    /// A deduper for this configuration. Reprint mode is refused: it is
    /// driven by [`crate::reprint::ReprintFinder`] instead, and a deduper
    /// would find only its exact copies.
    ///
    /// Under a memory bound, runs are spilled into a new directory inside
    /// the system's temporary directory; [`Deduper::with_spill_dir`] picks
    /// another place.
    pub fn new(config: DedupConfig) -> Result<Self> {
        Self::with_spill_dir(config, LazySpillDir::new(std::env::temp_dir()))
    }

    /// A deduper that spills, under a memory bound, into `spill_dir` (made
    /// only if something is spilled, removed with the deduper).
    pub fn with_spill_dir(config: DedupConfig, spill_dir: LazySpillDir) -> Result<Self> {
        config.check_not_reprint("dedup mode")?;
        Ok(Self {
            catalog: Catalog::default(),
            hashes: Vec::new(),
            band_keys: Vec::new(),
            signatures: Vec::new(),
            canonical: Vec::new(),
            candidates: Vec::new(),
            num_candidates: 0,
            spill: config.memory.map(|memory| OutOfCore::new(&config, memory, spill_dir)),
            sets: SetStore::new(set_bound(&config)),
            needed: Vec::new(),
            second_pass_cursor: 0,
            planned: false,
            kept_sets: (config_verifies_exactly(&config) && set_bound(&config) > 0).then(Vec::new),
            kept_set_bytes: 0,
            pass1_closed: false,
            scratch: ScratchPool::default(),
            config,
        })
    }

    /// A deduper whose run can be resumed after a failure or a kill: it
    /// keeps its pass-1 runs in `work`, and [`checkpoint`](Self::checkpoint)
    /// records pass 1 there. If `work` holds a checkpoint for this `key`
    /// (the front end's name for its inputs and how they are read) and
    /// these settings, the deduper is rebuilt from it, ready for
    /// [`plan`](Self::plan) ([`Resume::AfterPass1`]); what a later stage
    /// had written is removed. A checkpoint that fails any check is refused
    /// with [`SpillError::Checkpoint`](crate::spill::SpillError::Checkpoint)
    /// and left as it is. Without a checkpoint, `work` is emptied and the
    /// run starts afresh ([`Resume::Fresh`]).
    ///
    /// Needs a memory bound ([`ConfigError::Invalid`] without one): only
    /// what is spilled can be resumed. The shingle sets pass 1 keeps in
    /// memory are not checkpointed, so a resumed run reads pass 2 when
    /// candidates need verifying; the results are the same.
    pub fn resumable(config: DedupConfig, work: WorkDir, key: &[u8]) -> Result<Resume<Deduper>> {
        if config.memory.is_none() {
            return Err(
                ConfigError::invalid("memory bound", "set, for a resumable run", "none").into()
            );
        }
        let settings = config.to_json().to_string();
        let Some(pass1) = Pass1::read(&work, Stage::DedupPass1, key, &settings)? else {
            work.clear(false)?;
            let mut deduper = Self::with_spill_dir(config, LazySpillDir::kept(work.runs_path()))?;
            let spill = deduper.spill.as_mut().expect("a memory bound spills");
            spill.resume = Some((work, key.to_owned()));
            return Ok(Resume::Fresh(deduper));
        };
        let Pass1State::Dedup { signatures: kept, hashes, bands } = pass1.state else {
            unreachable!("a checkpoint of the stage asked for")
        };
        let num_perm = config.sketcher.num_perm();
        let signatures = match config.verify {
            VerifyMethod::Signature if config.mode != Mode::Exact => pass1.catalog.len() * num_perm,
            _ => 0,
        };
        let bands_expected = config.mode != Mode::Exact;
        if kept.len() != signatures || bands.is_some() != bands_expected {
            return Err(crate::spill::SpillError::Checkpoint {
                path: work.checkpoint_path(),
                why: "its signatures or band keys do not match its settings".into(),
            }
            .into());
        }
        work.clear(true)?;
        let mut deduper = Self::with_spill_dir(config, LazySpillDir::new(work.path()))?;
        deduper.catalog = pass1.catalog;
        deduper.signatures = kept;
        deduper.kept_sets = None;
        deduper.pass1_closed = true;
        let spill = deduper.spill.as_mut().expect("a memory bound spills");
        spill.hashes = None;
        spill.bands = None;
        spill.sorted = Some(Sorted::of_runs(hashes, bands));
        spill.resume = Some((work, key.to_owned()));
        Ok(Resume::AfterPass1 { run: deduper, note: pass1.note })
    }

    /// Ends pass 1 of a [`resumable`](Self::resumable) deduper: writes
    /// whatever its sorters still hold as runs and records pass 1 in a
    /// checkpoint, with `note` (the front end's own record of pass 1, given
    /// back on resuming). From here on, a failed or killed run resumes at
    /// [`plan`](Self::plan). [`Error::Protocol`] for a deduper not made
    /// resumable or past pass 1.
    pub fn checkpoint(&mut self, note: &[u8]) -> Result<()> {
        if self.pass1_closed || self.planned {
            return Err(Error::Protocol("checkpoint after pass 1 was closed".into()));
        }
        let spill = match &mut self.spill {
            Some(spill) if spill.resume.is_some() => spill,
            _ => return Err(Error::Protocol("checkpoint of a deduper not resumable".into())),
        };
        let sorted = spill.sort(true)?;
        let (work, key) = spill.resume.as_ref().expect("checked above");
        let pass1 = Pass1 {
            key: key.clone(),
            config: self.config.to_json().to_string(),
            note: note.to_owned(),
            catalog: self.catalog.clone(),
            state: Pass1State::Dedup {
                // Moved, not copied: at 4 B × num_perm a document they can
                // be the largest thing the deduper holds.
                signatures: std::mem::take(&mut self.signatures),
                hashes: sorted.runs_of_hashes(),
                bands: sorted.runs_of_bands(),
            },
        };
        let written = pass1.write(work);
        if let Pass1State::Dedup { signatures, .. } = pass1.state {
            self.signatures = signatures;
        }
        written?;
        // Files written from here on are never resumed from: they go into
        // a directory of their own, removed as usual.
        spill.dir = LazySpillDir::new(work.path());
        spill.sorted = Some(sorted);
        self.pass1_closed = true;
        Ok(())
    }

    /// The configuration.
    pub fn config(&self) -> &DedupConfig {
        &self.config
    }

    /// Has the passes over spilled runs (merging them in
    /// [`plan`](Self::plan), verifying spilled pairs in
    /// [`finish`](Self::finish)) report their progress; nothing is reported
    /// without a memory bound.
    pub fn set_progress(&mut self, progress: Progress) {
        if let Some(spill) = &mut self.spill {
            spill.progress = Some(progress);
        }
    }

    /// The documents added so far: ids, origins, lengths.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Pass 1 over a batch.
    pub fn add_batch(&mut self, docs: &[Document]) -> Result<()> {
        assert!(!self.planned, "add_batch after plan");
        if self.pass1_closed {
            return Err(Error::Protocol("add_batch after pass 1 was checkpointed".into()));
        }
        check_capacity(self.catalog.len(), docs.len())?;
        let keep_sets = self.kept_sets.is_some();
        let (sketches, sets): (Vec<DocSketch>, Vec<Vec<u64>>) =
            sketch_with_scratch(docs, &self.config, keep_sets, &self.scratch).into_iter().unzip();
        self.add_sketches(docs, sketches)?;
        if let Some(kept) = &mut self.kept_sets {
            self.kept_set_bytes += sets.iter().map(|s| 8 * s.len() + 24).sum::<usize>();
            if self.kept_set_bytes > set_bound(&self.config) {
                self.kept_sets = None;
            } else {
                kept.extend(sets);
            }
        }
        Ok(())
    }

    /// Pass 1 with sketches computed elsewhere (by [`sketch_batch`] on
    /// another worker, say). Fails only when spilling does.
    pub fn add_sketches(&mut self, docs: &[Document], sketches: Vec<DocSketch>) -> Result<()> {
        assert_eq!(docs.len(), sketches.len(), "one sketch per document");
        if self.pass1_closed {
            return Err(Error::Protocol("add_sketches after pass 1 was checkpointed".into()));
        }
        for (doc, sketch) in docs.iter().zip(sketches) {
            if let Some(spill) = &mut self.spill {
                let id = self.catalog.len() as u32;
                self.catalog.push(doc);
                spill.add(id, &sketch, &self.config)?;
                if self.config.verify == VerifyMethod::Signature {
                    self.signatures.extend_from_slice(&sketch.signature);
                }
                continue;
            }
            self.catalog.push(doc);
            self.hashes.push(sketch.content_hash);
            if self.config.mode != Mode::Exact {
                self.band_keys.extend(self.config.lsh.band_keys(&sketch.signature));
                if self.config.verify == VerifyMethod::Signature {
                    self.signatures.extend_from_slice(&sketch.signature);
                }
            }
        }
        Ok(())
    }

    /// Groups exact copies and generates LSH candidate pairs. Returns the
    /// number of candidate pairs.
    pub fn plan(&mut self) -> usize {
        assert!(!self.planned, "plan called twice");
        self.planned = true;
        // Sized to the longest document: not to be held while verifying.
        self.scratch = ScratchPool::default();
        if config_verifies_exactly(&self.config) {
            self.needed = vec![false; self.catalog.len()];
        }
        if let Some(mut spill) = self.spill.take() {
            match spill.plan(self.catalog.len(), &self.config, &mut self.needed) {
                Ok(planned) => {
                    self.canonical = planned.canonical;
                    self.candidates = planned.candidates;
                    self.num_candidates = planned.num_candidates;
                }
                // `plan` cannot fail in the passes protocol: the error waits
                // for `finish`, and no second pass is asked for meanwhile.
                Err(e) => spill.failed = Some(e),
            }
            self.spill = Some(spill);
            if self.spill.as_ref().is_some_and(|s| s.failed.is_some()) {
                return 0;
            }
        } else {
            self.canonical = exact_canonicals(&self.hashes);
            if self.config.mode != Mode::Exact {
                let skip: Vec<bool> =
                    self.canonical.iter().enumerate().map(|(d, c)| c.as_usize() != d).collect();
                self.candidates = self.config.lsh.candidates(&self.band_keys, &skip);
                self.band_keys = Vec::new();
            }
            self.num_candidates = self.candidates.len();
        }
        if config_verifies_exactly(&self.config) {
            for &(a, b) in &self.candidates {
                self.needed[a.as_usize()] = true;
                self.needed[b.as_usize()] = true;
            }
            if let Some(kept) = self.kept_sets.take() {
                let needed = &self.needed;
                // Made sets only now that the documents to verify are known.
                self.sets = SetStore::in_memory(
                    kept.into_par_iter()
                        .enumerate()
                        .filter(|(d, _)| needed[*d])
                        .map(|(d, shingles)| (DocId::from_u32(d as u32), into_set(shingles)))
                        .collect(),
                );
                self.second_pass_cursor = self.catalog.len();
            }
        }
        self.num_candidates
    }

    /// How many more times pass 2 must be read: 1 or 0 (see
    /// [`needs_second_pass`](Self::needs_second_pass)).
    pub fn pending_passes(&self) -> usize {
        usize::from(self.needs_second_pass())
    }

    /// Whether [`second_pass_batch`](Self::second_pass_batch) must be fed.
    pub fn needs_second_pass(&self) -> bool {
        config_verifies_exactly(&self.config)
            && self.num_candidates > 0
            && self.second_pass_cursor < self.catalog.len()
    }

    /// Pass 2 over a batch: the same documents as pass 1, in the same order.
    pub fn second_pass_batch(&mut self, docs: &[Document]) -> Result<()> {
        assert!(self.planned, "second_pass_batch before plan");
        let start = self.second_pass_cursor;
        check_second_pass(&self.catalog, start, docs)?;
        let shingler = &self.config.shingler;
        let needed = &self.needed;
        let sets: Vec<(DocId, Vec<u64>)> = docs
            .par_iter()
            .enumerate()
            .filter(|(offset, _)| needed[start + offset])
            .map_init(Tokens::default, |tokens, (offset, doc)| {
                (DocId::from_u32((start + offset) as u32), shingler.shingle_set(&doc.text, tokens))
            })
            .collect();
        let mut dir = self.spill.as_mut().map(|s| &mut s.dir);
        for (doc, set) in sets {
            self.sets.insert(doc, set, dir.as_deref_mut())?;
        }
        self.second_pass_cursor += docs.len();
        Ok(())
    }

    /// Verifies candidates, clusters, and measures each member against its
    /// representative.
    pub fn finish(mut self) -> Result<DedupResult> {
        assert!(self.planned, "finish before plan");
        let spilled = match &mut self.spill {
            Some(spill) => {
                if let Some(e) = spill.failed.take() {
                    return Err(e);
                }
                let progress = spill.progress.clone();
                spill.candidates.take().map(|pairs| (pairs, spill.chunk_pairs(), progress))
            }
            None => None,
        };
        if config_verifies_exactly(&self.config) && self.num_candidates > 0 {
            check_second_pass_complete(self.second_pass_cursor, self.catalog.len())?;
        }
        self.sets.seal()?;
        let n = self.catalog.len();
        // Edges are joined as they are verified, so that spilled pairs are
        // never all in memory.
        let mut components = UnionFind::new(n);
        for (d, c) in self.canonical.iter().enumerate() {
            components.union(c.as_u32(), d as u32);
        }
        let exact_duplicates =
            self.canonical.iter().enumerate().filter(|(d, c)| c.as_usize() != *d).count();
        let near = self.verify(&self.candidates)?;
        for p in &near {
            components.union(p.a.as_u32(), p.b.as_u32());
        }
        let (pairs, verified_pairs) = match spilled {
            None => {
                let verified = near.len();
                (Pairs::from(with_exact_pairs(&self.canonical, near)), verified)
            }
            Some((candidates, chunk_pairs, progress)) => {
                // Spilled candidates are read back in chunks, each verified
                // in parallel, and the verified ones written in their order
                // to a run file of the result's own.
                let mut dir = self.spill.as_ref().expect("spilled").dir.sibling();
                let mut out = {
                    let made = dir.get()?;
                    made.check_space(crate::spill::run_bytes::<(u64, u64)>(
                        self.num_candidates as u64,
                    ))?;
                    RunWriter::<(u64, u64)>::create(made, "verified")?
                };
                // A chunk holds its pairs and their similarities, 16 B a
                // pair, and nothing more: passing pairs go straight out.
                let threshold = self.config.threshold;
                let mut write = |chunk: &[(DocId, DocId)],
                                 components: &mut UnionFind|
                 -> Result<()> {
                    for (&(a, b), similarity) in chunk.iter().zip(self.similarities(chunk)?) {
                        if similarity >= threshold {
                            components.union(a.as_u32(), b.as_u32());
                            out.push(&(pack_pair(a.as_u32(), b.as_u32()), similarity.to_bits()))?;
                        }
                    }
                    Ok(())
                };
                let mut chunk = Vec::with_capacity(chunk_pairs);
                let total = self.num_candidates as u64;
                for (done, pair) in (1..).zip(candidates.merge()?) {
                    Progress::tick(progress.as_ref(), "verify", done, total);
                    chunk.push(unpack_pair(pair?));
                    if chunk.len() == chunk_pairs {
                        write(&chunk, &mut components)?;
                        chunk.clear();
                    }
                }
                write(&chunk, &mut components)?;
                let verified = out.count();
                let path = out.finish()?;
                (Pairs::spilled(&self.canonical, path, verified, dir), verified as usize)
            }
        };
        let clustering =
            Clustering::from_sets(components, self.config.keep, self.catalog.lengths());
        let to_representative: Vec<(DocId, DocId)> = (0..n as u32)
            .map(|d| {
                let doc = DocId::from_u32(d);
                (doc, clustering.representative(clustering.cluster_of(doc)))
            })
            .collect();
        let similarity = self.similarities(&to_representative)?;
        let stats = DedupStats::new(
            self.catalog.len(),
            exact_duplicates,
            clustering.num_clusters(),
            self.num_candidates,
            verified_pairs,
        );
        Ok(DedupResult { clustering, similarity, pairs, stats })
    }

    /// The candidate pairs at or above the threshold, in their order.
    fn verify(&self, candidates: &[(DocId, DocId)]) -> Result<Vec<ScoredPair>> {
        let threshold = self.config.threshold;
        let similarities = self.similarities(candidates)?;
        Ok(candidates
            .iter()
            .zip(similarities)
            .filter(|&(_, similarity)| similarity >= threshold)
            .map(|(&(a, b), similarity)| ScoredPair {
                a,
                b,
                similarity,
                kind: PairKind::Near,
                coverage: None,
            })
            .collect())
    }

    /// The similarity of each pair, in order. Pairs are taken in windows
    /// whose shingle sets from the set file fit the set bound; each window
    /// reads its sets once, then measures its pairs in parallel (without a
    /// set file, all pairs are one window).
    fn similarities(&self, pairs: &[(DocId, DocId)]) -> Result<Vec<f64>> {
        let bound = self.sets.bound();
        let mut out = Vec::with_capacity(pairs.len());
        let mut start = 0;
        while start < pairs.len() {
            let (mut docs, mut bytes, mut end) = (HashSet::new(), 0usize, start);
            while end < pairs.len() {
                let (a, b) = pairs[end];
                let new: Vec<DocId> = [self.canonical[a.as_usize()], self.canonical[b.as_usize()]]
                    .into_iter()
                    .filter(|&d| self.sets.file_bytes(d) > 0 && !docs.contains(&d))
                    .collect();
                let need: usize = new.iter().map(|&d| self.sets.file_bytes(d)).sum();
                // At least one pair, however large its sets.
                if end > start && bytes + need > bound {
                    break;
                }
                bytes += need;
                docs.extend(new);
                end += 1;
            }
            let docs: Vec<DocId> = docs.into_iter().collect();
            let window = self.sets.window(&docs)?;
            out.par_extend(
                pairs[start..end].par_iter().map(|&(a, b)| self.similarity(a, b, &window)),
            );
            start = end;
        }
        Ok(out)
    }

    /// Similarity of two documents by the configured measure, with the
    /// shingle sets of `sets`; exact copies score 1.
    fn similarity(&self, a: DocId, b: DocId, sets: &Window<'_>) -> f64 {
        let (ca, cb) = (self.canonical[a.as_usize()], self.canonical[b.as_usize()]);
        if ca == cb {
            return 1.0;
        }
        match (self.config.mode, self.config.verify) {
            (Mode::Exact, _) => 0.0,
            (_, VerifyMethod::Signature) => {
                let k = self.config.sketcher.num_perm();
                let sig = |d: DocId| &self.signatures[d.as_usize() * k..(d.as_usize() + 1) * k];
                estimate_jaccard(sig(ca), sig(cb))
            }
            (_, VerifyMethod::Exact) => match (sets.get(ca), sets.get(cb)) {
                (Some(x), Some(y)) => jaccard_sorted(x, y),
                // Not in any candidate pair: never compared, so not similar
                // enough to matter.
                _ => 0.0,
            },
        }
    }
}

/// Bytes of shingle sets held in memory: the verification bound, and under
/// a memory bound no more than it (the rest go to a file).
fn set_bound(config: &DedupConfig) -> usize {
    config.memory.map_or(config.set_memory, |memory| memory.min(config.set_memory))
}

fn config_verifies_exactly(config: &DedupConfig) -> bool {
    config.mode == Mode::MinHash && config.verify == VerifyMethod::Exact
}

/// The partitions of the sorters once pass 1 is over, each with its
/// number of records.
#[derive(Debug)]
struct Sorted {
    hashes: Partitions<(u128, u32)>,
    bands: Option<Partitions<(u32, u64, u32)>>,
}

/// A sorter's partitions and its number of records.
type Partitions<R> = (Vec<Partition<R>>, u64);

impl Sorted {
    /// The partitions a checkpoint names.
    fn of_runs(hashes: SortedRuns, bands: Option<SortedRuns>) -> Self {
        fn partitions<R: crate::spill::Record>(runs: SortedRuns) -> Partitions<R> {
            (runs.partitions.into_iter().map(Partition::of_runs).collect(), runs.records)
        }
        Self { hashes: partitions(hashes), bands: bands.map(partitions) }
    }

    fn runs_of_hashes(&self) -> SortedRuns {
        runs_of(&self.hashes)
    }

    fn runs_of_bands(&self) -> Option<SortedRuns> {
        self.bands.as_ref().map(runs_of)
    }
}

/// The run files of partitions sorted onto disk.
fn runs_of<R: crate::spill::Record>(
    (partitions, records): &(Vec<Partition<R>>, u64),
) -> SortedRuns {
    SortedRuns {
        records: *records,
        partitions: partitions.iter().map(|p| p.runs().to_vec()).collect(),
    }
}

/// What [`OutOfCore::plan`] gives back to the deduper.
struct Planned {
    canonical: Vec<DocId>,
    /// The candidate pairs when they fit in memory (empty when spilled).
    candidates: Vec<(DocId, DocId)>,
    num_candidates: usize,
}

/// Pass 1 under a memory bound: content hashes and band keys go into
/// sorters, which spill sorted runs past their share of the bound, and
/// [`plan`](Self::plan) merges them back. The result is the in-memory
/// path's, pair for pair: exact copies are grouped by sorting (hash, doc),
/// whose first member is the earliest document, and LSH buckets are the
/// runs of equal (band, key) in (band, key, doc) order, each member paired
/// with at most `bucket_window` followers, exactly as
/// [`LshParams::candidates`] does band by band.
#[derive(Debug)]
struct OutOfCore {
    dir: LazySpillDir,
    memory: usize,
    hashes: Option<Sorter<(u128, u32)>>,
    bands: Option<Sorter<(u32, u64, u32)>>,
    /// The sorters' partitions once pass 1 is over, when they were sorted
    /// for a checkpoint or read from one.
    sorted: Option<Sorted>,
    /// A resumable run's work directory and key.
    resume: Option<(WorkDir, Vec<u8>)>,
    /// Candidate pairs read back in `finish`, when they did not fit.
    candidates: Option<Partition<u64>>,
    /// An error of `plan`, returned by `finish`.
    failed: Option<crate::Error>,
    progress: Option<Progress>,
}

impl OutOfCore {
    fn new(config: &DedupConfig, memory: usize, dir: LazySpillDir) -> Self {
        // Shares of the bound in proportion to what each holds per document.
        let band_bytes = if config.mode == Mode::Exact {
            0
        } else {
            config.lsh.bands() * std::mem::size_of::<(u32, u64, u32)>()
        };
        let hash_bytes = std::mem::size_of::<(u128, u32)>();
        let hash_share = memory * hash_bytes / (hash_bytes + band_bytes);
        Self {
            dir,
            memory,
            hashes: Some(Sorter::new("hashes", PARTITIONS, hash_share)),
            bands: (band_bytes > 0).then(|| Sorter::new("bands", PARTITIONS, memory - hash_share)),
            sorted: None,
            resume: None,
            candidates: None,
            failed: None,
            progress: None,
        }
    }

    fn add(&mut self, doc: u32, sketch: &DocSketch, config: &DedupConfig) -> Result<()> {
        let hash = sketch.content_hash;
        let hashes = self.hashes.as_mut().expect("pass 1 before plan");
        hashes.push(hash_partition((hash >> 64) as u64), (hash, doc), &mut self.dir)?;
        if let Some(bands) = &mut self.bands {
            for (band, key) in config.lsh.band_keys(&sketch.signature).enumerate() {
                bands.push(hash_partition(key), (band as u32, key, doc), &mut self.dir)?;
            }
        }
        Ok(())
    }

    /// Ends pass 1: the sorters' partitions, with every record in a run
    /// file when `to_disk` (for a checkpoint).
    fn sort(&mut self, to_disk: bool) -> Result<Sorted> {
        fn partitions<R: crate::spill::Record>(
            sorter: Sorter<R>,
            to_disk: bool,
            dir: &mut LazySpillDir,
        ) -> Result<Partitions<R>> {
            let records = sorter.len();
            let partitions = if to_disk {
                sorter.into_run_partitions(dir)?
            } else {
                sorter.into_partitions(dir)?
            };
            Ok((partitions, records))
        }
        let hashes = self.hashes.take().expect("pass 1 ends once");
        let hashes = partitions(hashes, to_disk, &mut self.dir)?;
        let bands = match self.bands.take() {
            Some(bands) => Some(partitions(bands, to_disk, &mut self.dir)?),
            None => None,
        };
        Ok(Sorted { hashes, bands })
    }

    /// Pairs verified at once when read back from disk.
    fn chunk_pairs(&self) -> usize {
        // 16 B a pair (see `Deduper::finish`), in half the bound: the shingle
        // sets of a verification window take the other half.
        (self.memory / 32).max(1)
    }

    /// Exact groups and candidate pairs from the runs; marks the documents
    /// of candidate pairs in `needed` (when it is not empty).
    fn plan(&mut self, n: usize, config: &DedupConfig, needed: &mut [bool]) -> Result<Planned> {
        let sorted = match self.sorted.take() {
            Some(sorted) => sorted,
            None => self.sort(false)?,
        };
        let progress = self.progress.clone();
        let tick = |pass, done, total| Progress::tick(progress.as_ref(), pass, done, total);
        let mut canonical: Vec<DocId> = (0..n as u32).map(DocId::from_u32).collect();
        // Pass 1's runs go once merged, unless a checkpoint names them.
        let resumable = self.resume.is_some();
        let done_with = |runs: Vec<std::path::PathBuf>| {
            if !resumable {
                remove_runs(&runs);
            }
        };
        let (hashes, total) = sorted.hashes;
        let mut done = 0;
        for partition in hashes {
            let runs = partition.runs().to_vec();
            let mut first: Option<(u128, u32)> = None;
            for record in partition.merge()? {
                done += 1;
                tick("hashes", done, total);
                let (hash, doc) = record?;
                match first {
                    Some((h, earliest)) if h == hash => {
                        canonical[doc as usize] = DocId::from_u32(earliest)
                    }
                    _ => first = Some((hash, doc)),
                }
            }
            done_with(runs);
        }
        let Some((bands, total)) = sorted.bands else {
            return Ok(Planned { canonical, candidates: Vec::new(), num_candidates: 0 });
        };
        let window = config.lsh.bucket_window();
        // Band keys that never spilled stay in memory while they are read:
        // the pairs then get what is left of the bound.
        let spilled = bands.iter().any(Partition::spilled);
        let pairs_memory = if spilled { self.memory } else { self.memory / 2 };
        let mut pairs = Sorter::<u64>::new("pairs", PARTITIONS, pairs_memory);
        let mut earlier: std::collections::VecDeque<u32> = Default::default();
        let mut done = 0;
        for partition in bands {
            let runs = partition.runs().to_vec();
            let mut bucket = None;
            for record in partition.merge()? {
                done += 1;
                tick("bands", done, total);
                let (band, key, doc) = record?;
                if canonical[doc as usize].as_u32() != doc {
                    continue;
                }
                if bucket != Some((band, key)) {
                    bucket = Some((band, key));
                    earlier.clear();
                }
                // Pairing each member with the `window` members before it
                // makes the same pairs as pairing it with the `window` after.
                for &a in &earlier {
                    pairs.push(pair_partition(a, n), pack_pair(a, doc), &mut self.dir)?;
                }
                if earlier.len() == window {
                    earlier.pop_front();
                }
                earlier.push_back(doc);
            }
            done_with(runs);
        }
        let spilled = pairs.spilled();
        let (total, mut done) = (pairs.len(), 0);
        let partitions = pairs.into_partitions(&mut self.dir)?;
        // The pairs written once more, deduplicated, take at most as much.
        let spilled_bytes = partitions.iter().map(Partition::spilled_bytes).sum::<Result<u64>>()?;
        let pair_runs: Vec<std::path::PathBuf> =
            partitions.iter().flat_map(|p| p.runs().to_vec()).collect();
        let mut deduped = partitions
            .into_iter()
            .map(Partition::merge)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .peekable();
        // The same pair from several bands comes once.
        let mut unique = std::iter::from_fn(move || loop {
            let pair = deduped.next()?;
            done += 1;
            tick("pairs", done, total);
            match (&pair, deduped.peek()) {
                (Ok(p), Some(Ok(next))) if p == next => continue,
                _ => return Some(pair),
            }
        });
        let mut mark = |pair: u64| {
            if !needed.is_empty() {
                needed[(pair >> 32) as usize] = true;
                needed[pair as u32 as usize] = true;
            }
        };
        if !spilled {
            let candidates: Vec<(DocId, DocId)> = unique
                .by_ref()
                .map(|p| {
                    p.map(|p| {
                        mark(p);
                        unpack_pair(p)
                    })
                })
                .collect::<Result<_>>()?;
            let num_candidates = candidates.len();
            return Ok(Planned { canonical, candidates, num_candidates });
        }
        let dir = self.dir.get()?;
        let (path, count) = crate::spill::write_sorted(
            dir,
            "candidates",
            spilled_bytes,
            unique.map(|p| p.inspect(|&p| mark(p))),
        )?;
        remove_runs(&pair_runs);
        self.candidates = Some(Partition::of_run(path));
        Ok(Planned { canonical, candidates: Vec::new(), num_candidates: count as usize })
    }
}

crate::passes::by_inherent_methods!(Deduper, DedupResult);
crate::passes::checkpointed_by_inherent_method!(Deduper);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, InputChange};
    use crate::spill::files_under;

    fn run(docs: &[Document], builder: DedupConfigBuilder) -> DedupResult {
        let in_memory = run_with(docs, builder.clone());
        let two_pass = run_with(docs, builder.set_memory(0));
        assert_eq!(
            in_memory.pairs.to_vec().unwrap(),
            two_pass.pairs.to_vec().unwrap(),
            "one pass or two, the same pairs"
        );
        assert_eq!(in_memory.similarity, two_pass.similarity);
        in_memory
    }

    fn run_with(docs: &[Document], builder: DedupConfigBuilder) -> DedupResult {
        let mut deduper = Deduper::new(builder.build().unwrap()).unwrap();
        for chunk in docs.chunks(2) {
            deduper.add_batch(chunk).unwrap();
        }
        deduper.plan();
        if deduper.needs_second_pass() {
            for chunk in docs.chunks(3) {
                deduper.second_pass_batch(chunk).unwrap();
            }
        }
        deduper.finish().unwrap()
    }

    fn corpus() -> Vec<Document> {
        let base = "Shares of the company rose sharply on Tuesday after it reported quarterly earnings that \
                    beat analyst expectations, and raised its forecast for the full year citing strong demand";
        vec![
            Document::new("orig", base),
            Document::new("copy", base.to_uppercase()),
            Document::new("edit", base.replace("Tuesday", "Wednesday")),
            Document::new("other", "Heavy rain is expected across the north of the country this weekend, \
                                    forecasters said, with flood warnings in place for several rivers"),
        ]
    }

    #[test]
    fn modes_table() {
        // (mode, verify, expected cluster per doc)
        let cases = [
            (Mode::Exact, VerifyMethod::Exact, vec![0, 0, 1, 2]),
            (Mode::MinHash, VerifyMethod::Exact, vec![0, 0, 0, 1]),
            (Mode::MinHash, VerifyMethod::Signature, vec![0, 0, 0, 1]),
        ];
        for (mode, verify, expected) in cases {
            let result =
                run(&corpus(), DedupConfig::builder().mode(mode).verify(verify).threshold(0.5));
            let got: Vec<u32> =
                (0..4).map(|d| result.clustering.cluster_of(DocId::from_u32(d)).as_u32()).collect();
            assert_eq!(got, expected, "{mode:?} {verify:?}");
        }
    }

    #[test]
    fn similarity_is_measured_against_the_representative() {
        let result = run(&corpus(), DedupConfig::builder().threshold(0.5).keep(Keep::First));
        assert_eq!(result.similarity[0], 1.0);
        assert_eq!(result.similarity[1], 1.0);
        // One word changed among 28 removes 5 of 24 shingles on each side.
        let edited = result.similarity[2];
        assert!(edited > 0.6 && edited < 0.8, "{edited}");
        assert_eq!(result.stats.exact_duplicates, 1);
        assert_eq!(result.stats.near_duplicates, 1);
        assert_eq!(result.stats.duplicates_removed, 2);
    }

    #[test]
    fn threshold_excludes_weaker_pairs() {
        let result = run(&corpus(), DedupConfig::builder().threshold(0.9));
        assert_eq!(result.stats.clusters, 3);
        assert!(result.pairs.to_vec().unwrap().iter().all(|p| p.kind == PairKind::Exact));
    }

    #[test]
    fn builder_rejects_bad_values() {
        let cases = [
            DedupConfig::builder().threshold(0.0),
            DedupConfig::builder().threshold(1.5),
            DedupConfig::builder().num_perm(0),
            DedupConfig::builder().ngram(0),
            DedupConfig::builder().bands_rows(20, 10),
            DedupConfig::builder().bucket_window(0),
        ];
        for builder in cases {
            assert!(matches!(builder.clone().build(), Err(Error::Config(_))), "{builder:?}");
        }
    }

    #[test]
    fn second_pass_detects_changed_input() {
        let docs = corpus();
        let mut deduper =
            Deduper::new(DedupConfig::builder().threshold(0.5).set_memory(0).build().unwrap())
                .unwrap();
        deduper.add_batch(&docs).unwrap();
        deduper.plan();
        let mut changed = docs.clone();
        changed.swap(0, 3);
        assert!(matches!(
            deduper.second_pass_batch(&changed),
            Err(Error::InputChanged(InputChange::OtherDocument { index: 0, .. }))
        ));
    }

    /// Issue 13: a deduper given reprint mode found only exact copies;
    /// it is refused, with the modes it runs.
    #[test]
    fn issue13_deduper_refuses_reprint_mode() {
        let config = DedupConfig::builder().mode(Mode::Reprint).build().unwrap();
        let err = Deduper::new(config).unwrap_err();
        assert!(
            matches!(&err, Error::Config(ConfigError::UnknownChoice { name: "dedup mode", got, .. }) if got == "reprint"),
            "{err}"
        );
        for mode in [Mode::Exact, Mode::MinHash] {
            assert!(Deduper::new(DedupConfig::builder().mode(mode).build().unwrap()).is_ok());
        }
    }

    /// A corpus with exact copies, near-copies and big buckets: news-like
    /// sentences from a few templates, some copied, some with a word changed.
    fn spill_corpus(n: usize) -> Vec<Document> {
        let words = ["markets", "rates", "bank", "storm", "river", "court", "vote", "oil"];
        (0..n)
            .map(|i| {
                let t = i % 37;
                let w = |k: usize| words[(t * 7 + k * 3 + i / 97) % words.len()];
                let text = match i % 5 {
                    0 | 1 => format!(
                        "report {t} on the {} and the {} said officials in the capital on monday after {} talks",
                        w(1), w(2), w(3)
                    ),
                    2 => format!("report {t} on the {} and the {} said officials in the capital on monday", w(1), w(2)),
                    _ => format!("item {i} about {} {} {} with nothing else in common {}", w(1), w(4), w(5), i * 31),
                };
                Document::new(format!("d{i}"), text)
            })
            .collect()
    }

    fn run_in(
        docs: &[Document],
        builder: DedupConfigBuilder,
        dir: LazySpillDir,
    ) -> Result<DedupResult> {
        let mut deduper = Deduper::with_spill_dir(builder.build()?, dir)?;
        for chunk in docs.chunks(50) {
            deduper.add_batch(chunk)?;
        }
        deduper.plan();
        while deduper.needs_second_pass() {
            for chunk in docs.chunks(70) {
                deduper.second_pass_batch(chunk)?;
            }
        }
        deduper.finish()
    }

    fn same_results(a: &DedupResult, b: &DedupResult, what: &str) {
        assert_eq!(a.pairs.to_vec().unwrap(), b.pairs.to_vec().unwrap(), "{what}: pairs");
        assert_eq!(a.similarity, b.similarity, "{what}: similarities");
        assert_eq!(a.clustering, b.clustering, "{what}: clusters");
        assert_eq!(a.stats, b.stats, "{what}: stats");
    }

    /// Issue 16: under any memory bound and any thread count, the spilled
    /// path gives the in-memory path's pairs, clusters and similarities.
    #[test]
    fn issue16_spilled_runs_give_the_in_memory_results() {
        let docs = spill_corpus(400);
        let minhash = DedupConfig::builder().threshold(0.7).bucket_window(3);
        // (what, config, memory bound, threads): 2 KiB forces dozens of runs
        // per partition, 64 MiB none.
        let cases = [
            ("minhash", minhash.clone(), 2 << 10, 1),
            ("minhash", minhash.clone(), 16 << 10, 3),
            ("minhash", minhash.clone(), 64 << 20, 2),
            ("exact", DedupConfig::builder().mode(Mode::Exact), 1 << 10, 2),
            ("signature", minhash.clone().verify(VerifyMethod::Signature), 8 << 10, 3),
            ("two passes", minhash.clone().set_memory(0), 4 << 10, 1),
        ];
        for (what, builder, memory, threads) in cases {
            let parent = tempfile::tempdir().unwrap();
            let expected =
                run_in(&docs, builder.clone(), LazySpillDir::new(parent.path())).unwrap();
            assert!(expected.stats.exact_duplicates > 0, "{what}: the corpus has copies");
            if what != "exact" {
                assert!(expected.stats.near_duplicates > 0, "{what}: and near-copies");
            }
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let dir = LazySpillDir::new(parent.path());
            let got = pool.install(|| run_in(&docs, builder.memory(Some(memory)), dir)).unwrap();
            same_results(&got, &expected, &format!("{what}, {memory} B, {threads} threads"));
            if what == "minhash" && memory < 64 << 10 {
                // The verified pairs outgrew the bound: the result reads them
                // from a file of its own, which goes with it.
                assert!(got.pairs.in_memory().is_none(), "{what}, {memory} B: pairs spilled");
                assert_eq!(files_under(parent.path()), 1, "{what}: the result's pairs file");
            }
            drop(got);
            assert_eq!(files_under(parent.path()), 0, "{what}: temporary files removed");
        }
    }

    /// Issue 16: the runs are really written, the fan-in merge really runs,
    /// and all of it is gone once the deduper is.
    #[test]
    fn issue16_a_tiny_bound_spills_runs_that_are_removed_after() {
        let docs = spill_corpus(250);
        let parent = tempfile::tempdir().unwrap();
        let config = DedupConfig::builder().threshold(0.7).memory(Some(512)).build().unwrap();
        let mut deduper =
            Deduper::with_spill_dir(config, LazySpillDir::new(parent.path())).unwrap();
        let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = reports.clone();
        deduper.set_progress(Progress(std::sync::Arc::new(move |pass, done, total| {
            sink.lock().unwrap().push((pass, done, total))
        })));
        deduper.add_batch(&docs).unwrap();
        assert!(files_under(parent.path()) > 64 * PARTITIONS, "more runs than one merge takes");
        let expected =
            run_in(&docs, DedupConfig::builder().threshold(0.7), LazySpillDir::new(parent.path()))
                .unwrap();
        deduper.plan();
        assert!(files_under(parent.path()) > 0, "candidate pairs on disk");
        while deduper.needs_second_pass() {
            deduper.second_pass_batch(&docs).unwrap();
        }
        same_results(&deduper.finish().unwrap(), &expected, "512 B");
        // Every pass over the runs reports its end, in order.
        let ends: Vec<&str> =
            reports.lock().unwrap().iter().filter(|(_, d, t)| d == t).map(|r| r.0).collect();
        assert_eq!(ends, ["hashes", "bands", "pairs", "verify"]);
        assert_eq!(files_under(parent.path()), 0);
    }

    /// Issue 16: a temporary directory that fills up is a clean spill
    /// error, in pass 1 or while merging, and leaves nothing behind.
    #[test]
    fn issue16_a_full_temporary_directory_is_a_clean_error() {
        let docs = spill_corpus(300);
        for quota in [100, 20_000, 60_000, 120_000] {
            let parent = tempfile::tempdir().unwrap();
            let builder = DedupConfig::builder().threshold(0.7).memory(Some(2048));
            let err = run_in(&docs, builder, LazySpillDir::new(parent.path()).with_quota(quota))
                .unwrap_err();
            assert!(
                matches!(&err, Error::Spill(crate::spill::SpillError::Full { .. })),
                "quota {quota}: {err}"
            );
            assert_eq!(err.kind(), "spill");
            assert_eq!(files_under(parent.path()), 0, "quota {quota}: nothing left");
        }
    }

    /// Pass 1 of a resumable run, checkpointed, the deduper then dropped
    /// as a kill would leave it: the work directory stays.
    fn checkpointed(docs: &[Document], config: &DedupConfig, work: &std::path::Path) {
        let resume = Deduper::resumable(config.clone(), WorkDir::open(work).unwrap(), b"key");
        let Resume::Fresh(mut deduper) = resume.unwrap() else { panic!("no checkpoint yet") };
        for chunk in docs.chunks(50) {
            deduper.add_batch(chunk).unwrap();
        }
        deduper.checkpoint(b"what the front end read").unwrap();
    }

    fn resume(config: &DedupConfig, work: &std::path::Path, key: &[u8]) -> Result<Resume<Deduper>> {
        Deduper::resumable(config.clone(), WorkDir::open(work).unwrap(), key)
    }

    fn finish_from_plan(mut deduper: Deduper, docs: &[Document]) -> DedupResult {
        deduper.plan();
        while deduper.needs_second_pass() {
            for chunk in docs.chunks(70) {
                deduper.second_pass_batch(chunk).unwrap();
            }
        }
        deduper.finish().unwrap()
    }

    /// Issue 16: a resumable run killed after pass 1 resumes at `plan`,
    /// without pass 1, and gives the uninterrupted run's results; killed
    /// during pass 1 it starts over, and killed again after resuming it
    /// resumes again.
    #[test]
    fn issue16_a_run_killed_after_pass_1_resumes_with_the_same_results() {
        let docs = spill_corpus(300);
        let minhash = DedupConfig::builder().threshold(0.7).bucket_window(3);
        let cases = [
            ("minhash", minhash.clone().memory(Some(2 << 10))),
            ("exact", DedupConfig::builder().mode(Mode::Exact).memory(Some(1 << 10))),
            ("signature", minhash.clone().verify(VerifyMethod::Signature).memory(Some(4 << 10))),
            // Sets kept from pass 1 are not checkpointed: pass 2 rebuilds them.
            ("sets kept", minhash.clone().memory(Some(64 << 20))),
        ];
        for (what, builder) in cases {
            let parent = tempfile::tempdir().unwrap();
            let expected =
                run_in(&docs, builder.clone(), LazySpillDir::new(parent.path())).unwrap();
            assert!(expected.stats.duplicates_removed > 0, "{what}: duplicates to find");
            let config = builder.build().unwrap();
            let work = parent.path().join("work");
            // Killed in pass 1: no checkpoint, and the next attempt starts over.
            let Resume::Fresh(mut deduper) = resume(&config, &work, b"key").unwrap() else {
                panic!("{what}: nothing to resume from")
            };
            deduper.add_batch(&docs[..150]).unwrap();
            drop(deduper);
            checkpointed(&docs, &config, &work);
            assert!(work.join("pass1.ckpt").is_file(), "{what}");
            // Resumed, then killed while verifying: files of plan are left.
            let Resume::AfterPass1 { run: mut deduper, note } =
                resume(&config, &work, b"key").unwrap()
            else {
                panic!("{what}: a checkpoint to resume from")
            };
            assert_eq!(note, b"what the front end read");
            assert!(matches!(deduper.add_batch(&docs[..1]), Err(Error::Protocol(_))), "{what}");
            deduper.plan();
            std::mem::forget(deduper);
            let Resume::AfterPass1 { run: deduper, .. } = resume(&config, &work, b"key").unwrap()
            else {
                panic!("{what}: the checkpoint is still there")
            };
            assert_eq!(deduper.catalog().len(), docs.len(), "{what}: pass 1 is not read again");
            let got = finish_from_plan(deduper, &docs);
            same_results(&got, &expected, &format!("{what}, resumed"));
            // Uninterrupted, the resumable run gives the same too.
            let fresh = parent.path().join("fresh");
            let Resume::Fresh(mut deduper) = resume(&config, &fresh, b"key").unwrap() else {
                panic!("{what}: a new work directory")
            };
            deduper.add_batch(&docs).unwrap();
            deduper.checkpoint(b"").unwrap();
            same_results(&finish_from_plan(deduper, &docs), &expected, &format!("{what}, whole"));
        }
    }

    /// Issue 16: a checkpoint that is damaged, of another version, of
    /// another run or settings, or whose runs changed is refused with a
    /// typed error, never misread, and left where it is.
    #[test]
    fn issue16_a_damaged_checkpoint_is_refused() {
        let docs = spill_corpus(200);
        let builder = DedupConfig::builder().threshold(0.7).memory(Some(2 << 10));
        let config = builder.clone().build().unwrap();
        let parent = tempfile::tempdir().unwrap();
        let work = parent.path().join("work");
        checkpointed(&docs, &config, &work);
        let path = work.join("pass1.ckpt");
        let good = std::fs::read(&path).unwrap();
        let run = std::fs::read_dir(work.join("pass1")).unwrap().next().unwrap().unwrap().path();
        let run_bytes = std::fs::read(&run).unwrap();
        let other = builder.threshold(0.9).build().unwrap();
        type Damage = fn(&mut Vec<u8>, &std::path::Path);
        // (what, damage, key, settings, expected words of the reason)
        let cases: [(&str, Damage, &[u8], &DedupConfig, &str); 11] = [
            ("truncated", |b, _| b.truncate(b.len() - 9), b"key", &config, "truncated"),
            ("longer", |b, _| b.push(0), b"key", &config, "past the end"),
            ("cut short", |b, _| b.truncate(40), b"key", &config, "truncated"),
            ("empty", |b, _| b.clear(), b"key", &config, "shorter than a header"),
            ("bit flipped", |b, _| b[100] ^= 1, b"key", &config, "checksum"),
            ("other version", |b, _| b[8] = 1, b"key", &config, "format version 1"),
            ("not a checkpoint", |b, _| b[0] = b'X', b"key", &config, "not a checkpoint"),
            ("other pipeline", |b, _| b[12] = 2, b"key", &config, "of a reprint run"),
            ("other key", |_, _| {}, b"another run", &config, "other inputs"),
            ("other settings", |_, _| {}, b"key", &other, "other dedup settings"),
            (
                "run removed",
                |_, run| std::fs::remove_file(run).unwrap(),
                b"key",
                &config,
                "missing or changed",
            ),
        ];
        for (what, damage, key, settings, why) in cases {
            let mut bytes = good.clone();
            damage(&mut bytes, &run);
            std::fs::write(&path, &bytes).unwrap();
            let err = resume(settings, &work, key).unwrap_err();
            assert!(
                matches!(&err, Error::Spill(crate::spill::SpillError::Checkpoint { why: w, .. }) if w.contains(why)),
                "{what}: {err}"
            );
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: left as it is");
            std::fs::write(&run, &run_bytes).unwrap();
        }
        std::fs::write(&path, &good).unwrap();
        assert!(matches!(resume(&config, &work, b"key").unwrap(), Resume::AfterPass1 { .. }));
    }

    #[test]
    fn issue16_a_resumable_run_needs_a_memory_bound() {
        let parent = tempfile::tempdir().unwrap();
        let config = DedupConfig::builder().build().unwrap();
        let err = resume(&config, parent.path(), b"key").unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::Invalid { .. })), "{err}");
        let mut deduper = Deduper::new(config).unwrap();
        assert!(matches!(deduper.checkpoint(b""), Err(Error::Protocol(_))));
    }

    #[test]
    fn issue16_a_zero_memory_bound_is_refused() {
        let err = DedupConfig::builder().memory(Some(0)).build().unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::Invalid { .. })), "{err}");
    }
}
