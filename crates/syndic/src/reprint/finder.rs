//! [`ReprintFinder`]: the reprint pipeline driven through its passes (see
//! [`crate::passes`]): pass 1 fingerprints, `plan` pairs candidates, pass 2
//! labels boilerplate and aligns the pairs [`super::schedule`] says are
//! due, and `finish` makes the checked clusters. It holds the state and
//! moves the [`Phase`]; what a pair scores, when it is aligned and whether
//! a cluster holds are its siblings'.
//!
//! A resumable finder ([`ReprintFinder::resumable`]) records pass 1 in a
//! checkpoint ([`crate::spill::WorkDir`]): the catalog, the content hashes,
//! the corpus statistics (line statistics for boilerplate, document
//! frequencies) and the runs of spilled postings, which is all that `plan`
//! and pass 2 take from pass 1. A run killed after it resumes at `plan`.

use std::sync::Arc;

use rayon::prelude::*;

use super::chain::Evidence;
use super::config::ReprintConfig;
use super::measured::Measured;
use super::relate::DocFreq;
use super::result::{DocBoilerplate, FoundPassage, ReprintResult, SharedPassage};
use super::schedule::{align_slice, pack, prepared_cost, Phase, Round};
use super::stages::CorpusStats;
use crate::boilerplate::{self, LineStats, RepeatedLines, Span};
use crate::doc::{Catalog, DocId, Document};
use crate::error::{ConfigError, Error, Result};
use crate::fingerprint::{self, FingerprintIndex};
use crate::hash::content_hash;
use crate::normalize::Tokens;
use crate::pairs::{
    exact_canonicals, with_exact_pairs, DedupResult, DedupStats, PairKind, ScoredPair,
};
use crate::passes::{check_capacity, check_second_pass, check_second_pass_complete};
use crate::spill::{
    LazySpillDir, Pass1 as Checkpoint, Pass1State, Resume, SpillError, Stage, WorkDir,
};

/// Pass-1 output for one document.
struct Pass1 {
    content_hash: u128,
    fingerprints: Vec<crate::fingerprint::Fingerprint>,
    /// Distinct buckets of its tokens, for document frequencies.
    terms: Vec<u32>,
}

/// Drives the reprint mode; see the module docs.
#[derive(Debug)]
pub struct ReprintFinder {
    config: ReprintConfig,
    catalog: Catalog,
    hashes: Vec<u128>,
    index: FingerprintIndex,
    line_stats: LineStats,
    /// Document frequencies of tokens, for whole-text relatedness.
    doc_freq: Arc<DocFreq>,
    /// Whether pass 1 learns the line statistics and document frequencies
    /// (a batch run), or they were given ([`ReprintFinder::with_model`]).
    learns: bool,
    /// Fingerprints known to be in more than `max_df` documents of a
    /// larger corpus than this finder sees (see
    /// [`ReprintFinder::exclude_fingerprints`]); they make no pairs.
    excluded: std::collections::HashSet<u64>,
    canonical: Vec<DocId>,
    repeated: Arc<RepeatedLines>,
    /// Where the passes are, and the round of alignment being read.
    phase: Phase,
    /// The candidate pairs, and what aligning them and the pairs the
    /// cluster check calls for has measured.
    measured: Measured,
    /// Passages of the candidate pairs.
    passages: Vec<FoundPassage>,
    boilerplate: Vec<DocBoilerplate>,
    /// How strongly each document is a source, from the candidates'
    /// reprint edges (see [`Evidence::source_ranks`]); set when the
    /// candidates are aligned.
    source_rank: Vec<u64>,
    /// An error of `plan` (spilled postings that could not be written or
    /// read back), returned by `finish`.
    failed: Option<Error>,
    /// Rounds of cluster checks begun (see [`MAX_CHECK_ROUNDS`]).
    check_rounds: usize,
    /// Boilerplate already labelled by the same model, by document (see
    /// [`ReprintFinder::known_boilerplate`]).
    known_boilerplate: Vec<Option<Arc<Vec<Span>>>>,
    /// A resumable run's work directory and key.
    resume: Option<(WorkDir, Vec<u8>)>,
    /// Pass 1 is over: checkpointed, or resumed from a checkpoint.
    pass1_closed: bool,
}

/// Rounds of pairs the cluster check may call for. Pairs aligned for the
/// first round can join clusters whose members then need checking against
/// a source they were not aligned with; a second round settles those. On
/// the tuning sets of `bench/reprints` a third round never had a pair to
/// align, and each round is one more reading of pass 2.
const MAX_CHECK_ROUNDS: usize = 2;

impl ReprintFinder {
    /// A finder for this configuration. Under a memory bound
    /// ([`ReprintConfig::memory`]), runs are spilled into a new directory
    /// inside the system's temporary directory, removed when done.
    pub fn new(config: ReprintConfig) -> Self {
        Self::with_spill_dir(config, LazySpillDir::new(std::env::temp_dir()))
    }

    /// A finder that spills, under a memory bound, into `spill_dir` (made
    /// on first use).
    pub fn with_spill_dir(config: ReprintConfig, spill_dir: LazySpillDir) -> Self {
        let index = match config.memory() {
            Some(memory) => FingerprintIndex::spilling(memory, spill_dir),
            None => FingerprintIndex::new(),
        };
        Self {
            config,
            catalog: Catalog::default(),
            hashes: Vec::new(),
            index,
            line_stats: LineStats::default(),
            doc_freq: Arc::default(),
            learns: true,
            excluded: Default::default(),
            canonical: Vec::new(),
            repeated: Arc::default(),
            phase: Phase::Fingerprinting,
            measured: Measured::default(),
            passages: Vec::new(),
            boilerplate: Vec::new(),
            source_rank: Vec::new(),
            failed: None,
            check_rounds: 0,
            known_boilerplate: Vec::new(),
            resume: None,
            pass1_closed: false,
        }
    }

    /// A finder whose run can be resumed after a failure or a kill: it
    /// keeps its spilled postings in `work`, and
    /// [`checkpoint`](Self::checkpoint) records pass 1 there. If `work`
    /// holds a checkpoint for this `key` (the front end's name for its
    /// inputs and how they are read) and these settings, the finder is
    /// rebuilt from it, ready for [`plan`](Self::plan)
    /// ([`Resume::AfterPass1`]); what a later stage had written is removed.
    /// A checkpoint that fails any check (of another pipeline included) is
    /// refused with [`SpillError::Checkpoint`] and left as it is. Without a
    /// checkpoint, `work` is emptied and the run starts afresh
    /// ([`Resume::Fresh`]).
    ///
    /// Needs a memory bound ([`ConfigError::Invalid`] without one): only
    /// what is spilled can be resumed. The bounds are not part of the
    /// settings checked: a run may resume under others, with the same
    /// results.
    pub fn resumable(
        config: ReprintConfig,
        work: WorkDir,
        key: &[u8],
    ) -> Result<Resume<ReprintFinder>> {
        let Some(memory) = config.memory() else {
            return Err(
                ConfigError::invalid("memory bound", "set, for a resumable run", "none").into()
            );
        };
        let settings = config.resume_settings();
        let Some(pass1) = Checkpoint::read(&work, Stage::ReprintPass1, key, &settings)? else {
            work.clear(false)?;
            let mut finder = Self::with_spill_dir(config, LazySpillDir::kept(work.runs_path()));
            finder.resume = Some((work, key.to_owned()));
            return Ok(Resume::Fresh(finder));
        };
        let Pass1State::Reprint { hashes, stats, postings } = pass1.state else {
            unreachable!("a checkpoint of the stage asked for")
        };
        let docs = pass1.catalog.len();
        let stats = CorpusStats::decode(&stats)
            .filter(|stats| stats.docs() as usize == docs && hashes.len() == docs);
        let Some(stats) = stats else {
            return Err(SpillError::Checkpoint {
                path: work.checkpoint_path(),
                why: "its content hashes or corpus statistics do not match its catalog".into(),
            }
            .into());
        };
        work.clear(true)?;
        // Files written from here on are never resumed from: they go into a
        // directory of their own, removed as usual.
        let later = || LazySpillDir::new(work.path());
        let mut finder = Self::with_spill_dir(config, later());
        finder.index = FingerprintIndex::resumed(memory, postings, docs, later());
        finder.catalog = pass1.catalog;
        finder.hashes = hashes;
        finder.line_stats = stats.lines;
        finder.doc_freq = Arc::new(stats.doc_freq);
        finder.pass1_closed = true;
        finder.resume = Some((work, key.to_owned()));
        Ok(Resume::AfterPass1 { run: finder, note: pass1.note })
    }

    /// Ends pass 1 of a [`resumable`](Self::resumable) finder: writes the
    /// postings it still holds as runs and records pass 1 in a checkpoint,
    /// with `note` (the front end's own record of pass 1, given back on
    /// resuming). From here on, a failed or killed run resumes at
    /// [`plan`](Self::plan). [`Error::Protocol`] for a finder not made
    /// resumable or past pass 1.
    pub fn checkpoint(&mut self, note: &[u8]) -> Result<()> {
        if self.pass1_closed || !matches!(self.phase, Phase::Fingerprinting) {
            return Err(Error::Protocol("checkpoint after pass 1 was closed".into()));
        }
        let Some((work, key)) = &self.resume else {
            return Err(Error::Protocol("checkpoint of a finder not resumable".into()));
        };
        let postings = self
            .index
            .checkpoint_runs(LazySpillDir::new(work.path()))?
            .expect("a resumable finder has a memory bound");
        let pass1 = Checkpoint {
            key: key.clone(),
            config: self.config.resume_settings(),
            note: note.to_owned(),
            catalog: self.catalog.clone(),
            state: Pass1State::Reprint {
                // Moved, not copied, and back after.
                hashes: std::mem::take(&mut self.hashes),
                stats: CorpusStats::encode_parts(&self.line_stats, &self.doc_freq),
                postings,
            },
        };
        let written = pass1.write(work);
        if let Pass1State::Reprint { hashes, .. } = pass1.state {
            self.hashes = hashes;
        }
        written?;
        self.pass1_closed = true;
        Ok(())
    }

    /// A finder that judges boilerplate and relatedness by statistics
    /// learned elsewhere, over more documents than it is given: a
    /// persistent index learns them from every document it holds and runs
    /// the batch rules over the few documents one answer concerns (see
    /// [`crate::index`]). Pass 1 then learns nothing.
    pub(crate) fn with_model(
        config: ReprintConfig,
        repeated: Arc<RepeatedLines>,
        doc_freq: Arc<DocFreq>,
    ) -> Self {
        Self { repeated, doc_freq, learns: false, ..Self::new(config) }
    }

    /// Fingerprints that make no candidate pairs here because the larger
    /// corpus the model was learned from holds them in more than `max_df`
    /// documents, as batch mode would find over that corpus.
    pub(crate) fn exclude_fingerprints(&mut self, fingerprints: impl IntoIterator<Item = u64>) {
        self.excluded.extend(fingerprints);
    }

    /// Every reprint edge `(a, b)` among the aligned pairs (earlier first,
    /// in no order; the result's reprint pairs among them) with the
    /// coverage of each document's own text by its passages: `[a's, b's]`.
    /// Complete once pass 2 is done.
    pub(crate) fn pair_coverages(&self) -> impl Iterator<Item = ((DocId, DocId), [f64; 2])> + '_ {
        self.measured.reprints().map(|(pair, edge)| (pair, edge.coverage))
    }

    /// Boilerplate of the documents, by `DocId`, that an earlier run with
    /// the same model labelled (`None`: label it): labels depend only on a
    /// document's text and site and the model, so an index that answers
    /// many queries concerning the same stored documents labels each once
    /// per model.
    pub(crate) fn known_boilerplate(&mut self, known: Vec<Option<Arc<Vec<Span>>>>) {
        self.known_boilerplate = known;
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
        self.pass1(docs, None)
    }

    /// [`add_batch`](Self::add_batch) for documents already tokenized by
    /// this config's normalizer (`tokens[i]` of `docs[i]`): a caller that
    /// holds the batch in memory tokenizes each document once for both
    /// passes (see [`second_pass_tokenized`](Self::second_pass_tokenized)).
    pub(crate) fn add_tokenized(&mut self, docs: &[Document], tokens: &[&Tokens]) -> Result<()> {
        assert_eq!(docs.len(), tokens.len(), "one tokenization per document");
        self.pass1(docs, Some(tokens))
    }

    fn pass1(&mut self, docs: &[Document], tokenized: Option<&[&Tokens]>) -> Result<()> {
        assert!(matches!(self.phase, Phase::Fingerprinting), "add_batch after plan");
        if self.pass1_closed {
            return Err(Error::Protocol("add_batch after pass 1 was checkpointed".into()));
        }
        check_capacity(self.catalog.len(), docs.len())?;
        let normalizer = *self.config.normalizer();
        let fp_config = *self.config.fingerprint();
        let pass1: Vec<Pass1> = docs
            .par_iter()
            .enumerate()
            .map_init(Tokens::default, |scratch, (i, doc)| {
                let tokens = match tokenized {
                    Some(tokenized) => tokenized[i],
                    None => {
                        normalizer.tokenize(&doc.text, scratch);
                        &*scratch
                    }
                };
                Pass1 {
                    content_hash: content_hash(tokens.normalized_bytes()),
                    fingerprints: fingerprint::of_tokens(tokens, &fp_config),
                    terms: DocFreq::terms(tokens.hashes()),
                }
            })
            .collect();
        if self.learns {
            self.line_stats.observe_batch(docs);
        }
        for (doc, p) in docs.iter().zip(pass1) {
            let id = self.catalog.push(doc);
            self.hashes.push(p.content_hash);
            if self.excluded.is_empty() {
                self.index.add(id, &p.fingerprints)?;
            } else {
                let kept: Vec<_> = p
                    .fingerprints
                    .iter()
                    .filter(|f| !self.excluded.contains(&f.hash))
                    .copied()
                    .collect();
                self.index.add(id, &kept)?;
            }
            if self.learns {
                Arc::make_mut(&mut self.doc_freq).add(&p.terms);
            }
        }
        Ok(())
    }

    /// Exact copies, candidate pairs, and the repeated-line model. Returns
    /// the number of candidate pairs.
    pub fn plan(&mut self) -> usize {
        assert!(matches!(self.phase, Phase::Fingerprinting), "plan called twice");
        self.canonical = exact_canonicals(&self.hashes);
        let canonical = &self.canonical;
        let index = std::mem::take(&mut self.index);
        let candidates: Arc<[(DocId, DocId)]> = match index.candidates(self.config.fingerprint()) {
            Ok(candidates) => candidates
                .into_iter()
                .filter(|p| canonical[p.a.as_usize()] == p.a && canonical[p.b.as_usize()] == p.b)
                .map(|p| (p.a, p.b))
                .collect(),
            // `plan` cannot fail in the passes protocol: the error waits
            // for `finish`, and no second pass is asked for meanwhile.
            Err(e) => {
                self.failed = Some(e);
                self.phase = Phase::Done;
                return 0;
            }
        };
        if self.learns {
            let stats = std::mem::take(&mut self.line_stats);
            self.repeated = Arc::new(stats.freeze(
                self.config.boilerplate_min_docs(),
                self.config.boilerplate_min_site_docs(),
            ));
        }
        self.measured = Measured::new(self.catalog.len(), candidates.clone());
        self.phase = if self.catalog.is_empty() {
            Phase::Done
        } else {
            let lengths = self.catalog.lengths();
            Phase::Aligning(Round::new(candidates, lengths, self.config.align_memory()))
        };
        self.measured.candidates().len()
    }

    /// How many more times pass 2 must be read, as far as is known: once
    /// per window of documents whose prepared tokens fit in
    /// [`align_memory`](super::ReprintConfigBuilder::align_memory), for the
    /// candidate pairs, then for up to two rounds of the pairs the cluster
    /// checks call for (each known when the round before it is done). Zero when
    /// [`finish`](Self::finish) may be called. Drivers read pass 2 while
    /// this is positive.
    pub fn pending_passes(&self) -> usize {
        self.phase.pending_passes()
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
        self.pass2(docs, None)
    }

    /// [`second_pass_batch`](Self::second_pass_batch) for documents already
    /// tokenized, as [`add_tokenized`](Self::add_tokenized) takes them.
    pub(crate) fn second_pass_tokenized(
        &mut self,
        docs: &[Document],
        tokens: &[&Tokens],
    ) -> Result<()> {
        assert_eq!(docs.len(), tokens.len(), "one tokenization per document");
        self.pass2(docs, Some(tokens))
    }

    fn pass2(&mut self, docs: &[Document], tokenized: Option<&[&Tokens]>) -> Result<()> {
        let n = self.catalog.len();
        let (round, aligning) = match &mut self.phase {
            Phase::Fingerprinting => panic!("second_pass_batch before plan"),
            Phase::Aligning(round) => (round, true),
            Phase::Checking(round) => (round, false),
            Phase::Done => {
                return Err(Error::Protocol("pass 2 read more times than needed".into()))
            }
        };
        let start = round.cursor;
        check_second_pass(&self.catalog, start, docs)?;
        if aligning && round.window == 0 {
            let known = &self.known_boilerplate;
            let (repeated, classifier) = (&self.repeated, self.config.classifier());
            let labelled: Vec<Vec<Span>> = docs
                .par_iter()
                .enumerate()
                .map(|(offset, doc)| match known.get(start + offset) {
                    Some(Some(spans)) => spans.to_vec(),
                    _ => boilerplate::boilerplate_spans(&boilerplate::classify_with_repeats(
                        &doc.text,
                        doc.site.as_deref(),
                        repeated,
                        classifier,
                    )),
                })
                .collect();
            for (offset, spans) in labelled.into_iter().enumerate() {
                if !spans.is_empty() {
                    let doc = DocId::from_u32((start + offset) as u32);
                    self.boilerplate.push(DocBoilerplate { doc, spans });
                }
            }
        }
        // Slices of the batch whose prepared tokens fit in the other half
        // of the memory.
        let costs = docs.iter().map(|doc| prepared_cost(doc.text.len() as u64));
        for slice in pack(costs, self.config.align_memory() / 2).windows(2) {
            let (from, to) = (slice[0], slice[1]);
            let scored = align_slice(
                &self.config,
                &self.boilerplate,
                &self.doc_freq,
                round,
                start + from,
                &docs[from..to],
                tokenized.map(|t| &t[from..to]),
            );
            for (i, (passages, score, covered)) in scored {
                self.measured.record(&self.config, round.pairs[i as usize], &score, covered);
                if aligning {
                    self.passages.extend(passages);
                }
            }
        }
        if round.advance(docs.len(), n) {
            self.phase = if aligning || self.check_rounds < MAX_CHECK_ROUNDS {
                self.checks()
            } else {
                Phase::Done
            };
        }
        Ok(())
    }

    /// Once the candidates are aligned: the checks they call for, or the
    /// end.
    fn checks(&mut self) -> Phase {
        // Frozen before the checks add pairs, so that the representatives
        // the checks were chosen for are the ones judged at the end.
        if self.check_rounds == 0 {
            self.source_rank = self.evidence().source_ranks();
        }
        self.check_rounds += 1;
        let mut needed = Vec::new();
        self.evidence().checked_clusters(&self.reprint_pairs().0, Some(&mut needed));
        needed.sort_unstable();
        needed.dedup();
        if needed.is_empty() {
            Phase::Done
        } else {
            let lengths = self.catalog.lengths();
            Phase::Checking(Round::new(needed.into(), lengths, self.config.align_memory()))
        }
    }

    /// What the cluster check judges by.
    fn evidence(&self) -> Evidence<'_> {
        Evidence {
            config: &self.config,
            canonical: &self.canonical,
            lengths: self.catalog.lengths(),
            measured: &self.measured,
            source_rank: &self.source_rank,
        }
    }

    /// Exact pairs and reprint edges, sorted; and how many are reprints.
    fn reprint_pairs(&self) -> (Vec<ScoredPair>, usize) {
        let reprints: Vec<ScoredPair> = self
            .measured
            .candidate_reprints()
            .map(|((a, b), edge)| ScoredPair {
                a,
                b,
                similarity: edge.similarity,
                kind: PairKind::Reprint,
                coverage: Some(edge.similarity),
            })
            .collect();
        let verified = reprints.len();
        (with_exact_pairs(&self.canonical, reprints), verified)
    }

    /// Aligns the candidates, decides reprint edges and builds checked
    /// clusters.
    pub fn finish(mut self) -> Result<ReprintResult> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let n = self.catalog.len();
        match &self.phase {
            Phase::Fingerprinting => panic!("finish before plan"),
            Phase::Aligning(round) | Phase::Checking(round) => {
                check_second_pass_complete(round.cursor, n)?;
                return Err(Error::Protocol(format!(
                    "pass 2 must be read {} more times",
                    self.pending_passes()
                )));
            }
            Phase::Done => {}
        }
        let (pairs, verified_pairs) = self.reprint_pairs();
        let exact_duplicates = pairs.iter().filter(|p| p.kind == PairKind::Exact).count();
        let (clustering, similarity) = self.evidence().checked_clusters(&pairs, None);
        let mut passages = self.passages;
        passages.sort_by_key(|p| (p.a, p.b, p.a_range));
        let passages = passages.into_iter().map(SharedPassage::from).collect();
        let boilerplate_bytes =
            self.boilerplate.iter().flat_map(|b| &b.spans).map(|s| (s.end - s.start) as u64).sum();
        let stats = DedupStats::new(
            n,
            exact_duplicates,
            clustering.num_clusters(),
            self.measured.candidates().len(),
            verified_pairs,
        );
        Ok(ReprintResult {
            dedup: DedupResult { clustering, similarity, pairs: pairs.into(), stats },
            passages,
            boilerplate: self.boilerplate,
            boilerplate_bytes,
        })
    }
}

crate::passes::by_inherent_methods!(ReprintFinder, ReprintResult);
crate::passes::checkpointed_by_inherent_method!(ReprintFinder);
