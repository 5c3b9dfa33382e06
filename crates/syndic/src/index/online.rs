//! The reprint mode of the index: documents added one by one get the
//! reprint answers of the batch pipeline ([`crate::reprint`]).
//!
//! **No reprint logic of its own.** What a reprint is, how passages are
//! aligned and scored, how clusters are checked and which member is the
//! source are the batch pipeline's, and stay there: an answer runs a
//! [`ReprintFinder`] over the few documents it concerns (the subject, the
//! documents sharing passage fingerprints with it, and the documents
//! linked to those by the matches stored so far), with the statistics the
//! batch pipeline learns in its pass 1 over the whole corpus (boilerplate
//! lines per corpus and per site, token document frequencies) supplied
//! from everything the index holds ([`ReprintFinder::with_model`]). The
//! export runs the batch pipeline over every stored document, so it is
//! `syndic dedup --mode reprint` over the same documents in the same order.
//!
//! **Stored per document** (see `docs/index-format.md`): its text; its
//! distinct passage fingerprints in `postings` (candidates are the
//! documents sharing at least `min_shared` fingerprints found in at most
//! `max_df` documents, as in batch mode); and in `learned`, its site, its
//! line keys ([`DocKeys`]) and its token buckets, from which the
//! statistics are rebuilt when the index is opened and grown as documents
//! are added.
//!
//! **Online boilerplate.** An answer is given with the statistics of the
//! documents indexed so far: those committed before, and for an add the
//! documents of its own batch. A line that becomes boilerplate later (its
//! count crosses `boilerplate_min_docs`, or 5 % of the documents) stops
//! counting toward matches from then on: answers given before are not
//! revised, so an earlier add may have reported a match that a later
//! query, `get` or the export no longer finds (or, as the 5 % threshold
//! rises with the corpus, the other way round). The export and
//! `Index::get` always use the current statistics.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rayon::prelude::*;
use redb::ReadableTable;

use super::cache::{CachedDoc, DocCache, DEFAULT_CACHE_MB};
use super::format::{self, store_error, Learned};
use super::report::{ClusterInfo, Coverage, Match, PassageSpan};
use super::view::{encode_text, Family, Prepared, View};
use crate::boilerplate::{DocKeys, LineStats, RepeatedLines, Span};
use crate::doc::{DocId, Document};
use crate::error::Result;
use crate::normalize::Tokens;
use crate::pairs::{PairKind, ScoredPair};
use crate::passes::CorpusPasses;
use crate::reprint::stages::{fingerprints_of, run_with_model};
use crate::reprint::{DocFreq, ReprintConfig, ReprintFinder, ReprintResult};

/// Most documents the walk over stored matches brings into one answer
/// (nearest first), besides the subject, its candidates and its exact
/// copy, which are always in: a chain of matches longer than this (a story
/// reprinted thousands of times) is cut, so that one add costs a bounded
/// amount of alignment whatever the size of its cluster.
pub(crate) const MAX_RELATED: usize = 256;

/// What a reprint index computes of a document before its transaction.
pub(crate) struct OnlinePrep {
    /// Distinct passage fingerprints, sorted.
    fingerprints: Vec<u64>,
    /// Its tokens by the config's normalizer, when kept: its answer's
    /// passes use them rather than tokenizing the text again.
    tokens: Option<Tokens>,
    /// For an add, what the index learns of it; a query teaches nothing.
    learning: Option<(DocKeys, Learned)>,
}

/// Content hash and fingerprints of each document, in parallel; with
/// `store` (an add), its encoded text, line keys and token buckets too;
/// with `keep_tokens`, its tokens, for its answer.
pub(crate) fn prepare(
    docs: &[Document],
    config: &ReprintConfig,
    store: bool,
    keep_tokens: bool,
) -> std::io::Result<Vec<Prepared>> {
    docs.par_iter()
        .map_init(
            || (Tokens::default(), None),
            |(scratch, compressor), doc| {
                config.normalizer().tokenize(&doc.text, scratch);
                let (hash, fingerprints) = fingerprints_of(scratch, config);
                let learning = store.then(|| {
                    let keys = DocKeys::of(&doc.text, doc.site.as_deref());
                    let learned = Learned {
                        site: doc.site.clone(),
                        keys: keys.encode(),
                        terms: DocFreq::terms(scratch.hashes()),
                    };
                    (keys, learned)
                });
                // Cloned from the scratch, whose buffers have grown to
                // fit: one allocation per buffer, of the size needed.
                let tokens = keep_tokens.then(|| scratch.clone());
                Ok(Prepared {
                    hash,
                    tokens: scratch.len() as u32,
                    bytes: doc.text.len() as u64,
                    signature: Vec::new(),
                    set: None,
                    stored: if store { encode_text(compressor, &doc.text)? } else { Vec::new() },
                    online: Some(OnlinePrep { fingerprints, tokens, learning }),
                })
            },
        )
        .collect()
}

/// The statistics learned from every document added, as the batch
/// pipeline's pass 1 learns them, and their freeze, kept up to date as
/// documents are counted (see [`LineStats::count_and_refreeze`]).
#[derive(Default)]
struct Learner {
    stats: LineStats,
    doc_freq: Arc<DocFreq>,
    /// The freeze of `stats`; `None` until first needed.
    repeated: Option<Arc<RepeatedLines>>,
}

impl Learner {
    fn learn(&mut self, keys: DocKeys, terms: &[u32], config: &ReprintConfig) {
        let (min_docs, min_site_docs) =
            (config.boilerplate_min_docs(), config.boilerplate_min_site_docs());
        match &mut self.repeated {
            // Readers holding the previous model keep it: the freeze is
            // copied before it changes.
            Some(frozen) => {
                self.stats.count_and_refreeze(keys, Arc::make_mut(frozen), min_docs, min_site_docs)
            }
            None => self.stats.count(keys),
        }
        Arc::make_mut(&mut self.doc_freq).add(terms);
    }

    fn freeze(&mut self, config: &ReprintConfig) -> Arc<Model> {
        let stats = &self.stats;
        let repeated = self.repeated.get_or_insert_with(|| {
            Arc::new(
                stats.freeze(config.boilerplate_min_docs(), config.boilerplate_min_site_docs()),
            )
        });
        Arc::new(Model {
            repeated: repeated.clone(),
            doc_freq: self.doc_freq.clone(),
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
        })
    }
}

/// Generations of models, unique in the process (see [`Model::generation`]).
static GENERATIONS: AtomicU64 = AtomicU64::new(0);

/// The frozen statistics an answer is judged by.
pub(crate) struct Model {
    repeated: Arc<RepeatedLines>,
    doc_freq: Arc<DocFreq>,
    /// Which freeze it is: two models of one generation are the same
    /// model, so what was computed by one (boilerplate labels, kept in the
    /// [`DocCache`]) holds for the other.
    generation: u64,
}

/// The reprint state of an open index: its config, the statistics learned
/// so far (the writer's) and their frozen model (the readers').
#[derive(Debug)]
pub(crate) struct Online {
    pub(crate) config: ReprintConfig,
    /// `None` until loaded, and after a write that failed (the next one
    /// reloads it from the last commit).
    learner: Mutex<Option<LearnerCell>>,
    model: RwLock<Option<Arc<Model>>>,
    /// Stored documents answers read, kept between them.
    pub(crate) docs: DocCache,
}

/// [`Learner`] behind a `Debug` that does not print megabytes of counts.
struct LearnerCell(Learner);

impl std::fmt::Debug for LearnerCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Learner({} documents)", self.0.stats.docs())
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Model({} repeated keys)", self.repeated.len())
    }
}

impl Online {
    pub(crate) fn new(config: ReprintConfig) -> Self {
        Self {
            config,
            learner: Mutex::new(None),
            model: RwLock::new(None),
            docs: DocCache::new(DEFAULT_CACHE_MB << 20),
        }
    }

    /// The model of the last commit, for reads.
    pub(crate) fn model<F: Family>(&self, view: &View<'_, F>) -> Result<Arc<Model>> {
        if let Some(model) = self.model.read().unwrap_or_else(PoisonError::into_inner).as_ref() {
            return Ok(model.clone());
        }
        let mut learner = self.learner.lock().unwrap_or_else(PoisonError::into_inner);
        let learner = match learner.as_mut() {
            Some(l) => l,
            None => learner.insert(LearnerCell(load(view, &self.config)?)),
        };
        let model = learner.0.freeze(&self.config);
        *self.model.write().unwrap_or_else(PoisonError::into_inner) = Some(model.clone());
        Ok(model)
    }

    /// Learns from the documents `adding` of a batch and returns the model
    /// to answer them by; `publish` is called once they are committed.
    /// Until then readers keep the model of the last commit. On an error,
    /// call [`Online::forget`].
    pub(crate) fn learn_batch<F: Family>(
        &self,
        view: &View<'_, F>,
        adding: &[&Prepared],
    ) -> Result<Arc<Model>> {
        let mut learner = self.learner.lock().unwrap_or_else(PoisonError::into_inner);
        let learner = match learner.as_mut() {
            Some(l) => l,
            None => learner.insert(LearnerCell(load(view, &self.config)?)),
        };
        for prep in adding {
            if let Some((keys, learned)) = prep.online.as_ref().and_then(|o| o.learning.as_ref()) {
                learner.0.learn(keys.clone(), &learned.terms, &self.config);
            }
        }
        Ok(learner.0.freeze(&self.config))
    }

    /// The batch learned is committed: readers use its model.
    pub(crate) fn publish(&self, model: Arc<Model>) {
        *self.model.write().unwrap_or_else(PoisonError::into_inner) = Some(model);
    }

    /// A write failed after learning: the statistics are reloaded from the
    /// last commit when next needed.
    pub(crate) fn forget(&self) {
        *self.learner.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.model.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// The statistics of every stored document, in `DocId` order.
fn load<F: Family>(view: &View<'_, F>, config: &ReprintConfig) -> Result<Learner> {
    let mut learner = Learner::default();
    for entry in view.tables().learned.iter().map_err(view.store())? {
        let (key, value) = entry.map_err(view.store())?;
        let learned = Learned::decode(value.value());
        let keys = learned.as_ref().and_then(|l| DocKeys::decode(&l.keys));
        let (Some(learned), Some(keys)) = (learned, keys) else {
            return Err(view.corrupt(format!("learned statistics of document {}", key.value())));
        };
        learner.learn(keys, &learned.terms, config);
    }
    Ok(learner)
}

/// The document an answer is about: stored, or a query text.
pub(crate) struct Subject<'s> {
    /// Its `DocId` when stored.
    pub(crate) doc: Option<DocId>,
    pub(crate) text: &'s str,
    pub(crate) site: Option<&'s str>,
    pub(crate) hash: u128,
    /// Its distinct fingerprints, sorted.
    pub(crate) fingerprints: &'s [u64],
    /// Its tokens by the config's normalizer, when known.
    pub(crate) tokens: Option<&'s Tokens>,
}

/// A stored document as a subject: what [`Subject`] borrows.
pub(crate) struct StoredSubject {
    d: DocId,
    doc: Arc<CachedDoc>,
    hash: u128,
    fingerprints: Vec<u64>,
    tokens: Tokens,
}

impl StoredSubject {
    pub(crate) fn subject(&self) -> Subject<'_> {
        Subject {
            doc: Some(self.d),
            text: &self.doc.text,
            site: self.doc.site.as_deref(),
            hash: self.hash,
            fingerprints: &self.fingerprints,
            tokens: Some(&self.tokens),
        }
    }
}

/// What the batch rules say of a subject among the documents related to it.
pub(crate) struct Answer {
    pub(crate) matches: Vec<Match>,
    /// `None` for a query that matches nothing.
    pub(crate) cluster: Option<ClusterInfo>,
    /// Its pairs, as stored edges: the other end, similarity, kind.
    pub(crate) edges: Vec<(DocId, f64, PairKind)>,
    /// Documents it shares enough fingerprints with.
    pub(crate) candidates: usize,
    /// The subject's boilerplate, byte ranges (sorted, not overlapping).
    pub(crate) boilerplate: Vec<(usize, usize)>,
}

/// The id a query text stands under in an answer's run (ids of stored
/// documents are never empty).
const QUERY_ID: &str = "";

impl<F: Family> View<'_, F> {
    /// The stored document `d`, read back as the subject of an answer.
    pub(crate) fn stored_subject(
        &mut self,
        d: DocId,
        config: &ReprintConfig,
    ) -> Result<StoredSubject> {
        let doc = self.stored_doc(d)?;
        let mut tokens = Tokens::default();
        config.normalizer().tokenize(&doc.text, &mut tokens);
        let (hash, fingerprints) = fingerprints_of(&tokens, config);
        Ok(StoredSubject { d, doc, hash, fingerprints, tokens })
    }

    /// The id, site and text of the stored document `d`, from the cache
    /// when the view has one (and kept there).
    fn stored_doc(&mut self, d: DocId) -> Result<Arc<CachedDoc>> {
        let cache = self.cache_for(d);
        if let Some(doc) = cache.and_then(|c| c.get(d)) {
            return Ok(doc);
        }
        let doc =
            Arc::new(CachedDoc::new(self.record(d)?.id, self.learned(d)?.site, self.text(d)?));
        if let Some(cache) = cache {
            cache.insert(d, doc.clone());
        }
        Ok(doc)
    }

    fn learned(&self, d: DocId) -> Result<Learned> {
        let found = self.tables().learned.get(d.as_u32()).map_err(self.store())?;
        found
            .and_then(|v| Learned::decode(v.value()))
            .ok_or_else(|| self.corrupt(format!("learned statistics of document {d}")))
    }

    /// The stored documents sharing at least `min_shared` fingerprints of
    /// document frequency at most `max_df` (the subject counted) with the
    /// subject, and the subject's fingerprints of higher frequency.
    fn fingerprint_candidates(
        &self,
        subject: &Subject<'_>,
        config: &ReprintConfig,
    ) -> Result<(Vec<DocId>, Vec<u64>)> {
        let fp = config.fingerprint();
        let mut shared: BTreeMap<DocId, usize> = BTreeMap::new();
        let mut holders = Vec::new();
        let mut common = Vec::new();
        for &hash in subject.fingerprints {
            holders.clear();
            let range = format::posting_key(hash, 0)..=format::posting_key(hash, u32::MAX);
            // One more than can count: a fingerprint in more documents
            // than `max_df` makes no pairs.
            for entry in
                self.tables().postings.range(range).map_err(self.store())?.take(fp.max_df + 1)
            {
                let doc = format::posting_key_doc(&entry.map_err(self.store())?.0.value());
                if Some(doc) != subject.doc {
                    holders.push(doc);
                }
            }
            if holders.len() < fp.max_df {
                for &doc in &holders {
                    *shared.entry(doc).or_default() += 1;
                }
            } else {
                common.push(hash);
            }
        }
        let candidates =
            shared.into_iter().filter(|&(_, n)| n >= fp.min_shared).map(|(d, _)| d).collect();
        Ok((candidates, common))
    }

    /// The subject's matches and cluster by the batch rules, run over it,
    /// its candidates, its exact copies and the documents their stored
    /// matches link them to (at most [`MAX_RELATED`], nearest first).
    pub(crate) fn reprint_answer(
        &mut self,
        subject: &Subject<'_>,
        model: &Model,
        config: &ReprintConfig,
    ) -> Result<Answer> {
        let (candidates, common) = self.fingerprint_candidates(subject, config)?;
        let mut starts: Vec<DocId> = candidates.clone();
        starts.extend(self.group(subject.hash, 2)?.into_iter().filter(|&c| Some(c) != subject.doc));
        starts.extend(subject.doc);
        let mut related: BTreeSet<DocId> = BTreeSet::new();
        let mut queue: VecDeque<DocId> = VecDeque::new();
        for d in starts {
            if related.insert(d) {
                queue.push_back(d);
            }
        }
        let mut walked = 0;
        'walk: while let Some(x) = queue.pop_front() {
            for (y, _, _) in self.edges_of(x)? {
                if walked >= MAX_RELATED {
                    break 'walk;
                }
                if related.insert(y) {
                    walked += 1;
                    queue.push_back(y);
                }
            }
        }
        let members: Vec<DocId> = related.into_iter().collect();
        let mut docs = Vec::with_capacity(members.len() + 1);
        // The stored documents read, to keep their labels; and the labels
        // known by this model.
        let mut stored = Vec::with_capacity(members.len());
        let mut known = Vec::with_capacity(members.len() + 1);
        for &m in &members {
            if Some(m) == subject.doc {
                let mut doc = Document::new(self.record(m)?.id, subject.text);
                doc.site = subject.site.map(str::to_owned);
                docs.push(doc);
                stored.push(None);
                known.push(None);
            } else {
                let cached = self.stored_doc(m)?;
                let mut doc = Document::new(cached.id.clone(), cached.text.clone());
                doc.site = cached.site.clone();
                docs.push(doc);
                known.push(cached.labels(model.generation));
                stored.push(Some(cached));
            }
        }
        let s = match subject.doc {
            Some(d) => members.binary_search(&d).expect("the subject is a member"),
            None => {
                let mut doc = Document::new(QUERY_ID, subject.text);
                doc.site = subject.site.map(str::to_owned);
                docs.push(doc);
                docs.len() - 1
            }
        };
        // Each document tokenized once, for both passes of the run (the
        // subject's tokens may have come with it).
        let own: Vec<Option<Tokens>> = docs
            .par_iter()
            .enumerate()
            .map_init(Tokens::default, |scratch, (i, doc)| {
                (i != s || subject.tokens.is_none()).then(|| {
                    config.normalizer().tokenize(&doc.text, scratch);
                    scratch.clone()
                })
            })
            .collect();
        let tokens: Vec<&Tokens> = own
            .iter()
            .map(|t| t.as_ref().or(subject.tokens).expect("tokenized unless given"))
            .collect();
        let (result, coverage) = run(config, model, &docs, &tokens, common, known)?;
        for (i, cached) in stored.iter().enumerate() {
            if let Some(cached) = cached {
                let local = DocId::from_u32(i as u32);
                let spans = match result.boilerplate.binary_search_by_key(&local, |b| b.doc) {
                    Ok(found) => &result.boilerplate[found].spans[..],
                    Err(_) => &[],
                };
                cached.keep_labels(model.generation, spans);
            }
        }
        let local = DocId::from_u32(s as u32);
        let doc_of = |i: DocId| members[i.as_usize()];
        let mut matches = Vec::new();
        let mut edges = Vec::new();
        for p in result.pairs().iter().filter(|p| p.a == local || p.b == local) {
            let other = if p.a == local { p.b } else { p.a };
            matches.push(match_of(&result, &coverage, &docs, p, local, Some));
            edges.push((doc_of(other), p.similarity, p.kind));
        }
        matches.extend(inherited(&result, &coverage, &docs, &tokens, local));
        let clustering = &result.dedup.clustering;
        let cluster = clustering.cluster_of(local);
        let info = (subject.doc.is_some() || !matches.is_empty()).then(|| {
            let first = (0..docs.len() as u32)
                .map(DocId::from_u32)
                .find(|&d| clustering.cluster_of(d) == cluster)
                .expect("a cluster has members");
            ClusterInfo {
                id: docs[first.as_usize()].id.clone(),
                representative: docs[clustering.representative(cluster).as_usize()].id.clone(),
                size: clustering.size(cluster) as u64,
                similarity: result.dedup.similarity[s],
            }
        });
        let boilerplate = result
            .boilerplate
            .iter()
            .find(|b| b.doc == local)
            .map(|b| b.spans.iter().map(|x| (x.start, x.end)).collect())
            .unwrap_or_default();
        Ok(Answer { matches, cluster: info, edges, candidates: candidates.len(), boilerplate })
    }
}

/// Runs the batch pipeline over `docs` with `model`'s statistics, the
/// `common` fingerprints making no pairs and the boilerplate of some
/// documents known (by `model`), given the documents' `tokens`: its
/// result, and both coverages of every pair it reports.
#[allow(clippy::type_complexity)]
fn run(
    config: &ReprintConfig,
    model: &Model,
    docs: &[Document],
    tokens: &[&Tokens],
    common: Vec<u64>,
    known_boilerplate: Vec<Option<Arc<Vec<Span>>>>,
) -> Result<(ReprintResult, BTreeMap<(DocId, DocId), [f64; 2]>)> {
    // The subject's fingerprints that the whole index holds too often make
    // no pairs, as in batch mode (among a few documents they would).
    let finder = run_with_model(
        docs,
        model.repeated.clone(),
        model.doc_freq.clone(),
        common,
        known_boilerplate,
        Some(tokens),
        config,
    )?;
    let mut coverage = BTreeMap::new();
    let result = finder_result(finder, &mut coverage)?;
    Ok((result, coverage))
}

/// Finishes `finder`, keeping both coverages of each pair it reports
/// (the batch result keeps the shorter document's only).
fn finder_result(
    finder: ReprintFinder,
    coverage: &mut BTreeMap<(DocId, DocId), [f64; 2]>,
) -> Result<ReprintResult> {
    // The pairs are known only once finished, and finishing consumes the
    // finder: every reprint edge's coverage is kept first.
    coverage.extend(finder.pair_coverages());
    finder.finish()
}

/// The reprint matches an exact copy stands in: those of the document it
/// copies (batch mode pairs a copy only with the first of its exact group,
/// but whoever asks "is this a reprint, and of what?" wants the reprints
/// of the text), with the passages moved to the copy's own bytes. The
/// copy's normalized text is the same, so its tokens correspond one to one.
fn inherited(
    result: &ReprintResult,
    coverage: &BTreeMap<(DocId, DocId), [f64; 2]>,
    docs: &[Document],
    tokens: &[&Tokens],
    local: DocId,
) -> Vec<Match> {
    let Some(copied) =
        result.pairs().iter().find(|p| p.kind == PairKind::Exact && p.b == local).map(|p| p.a)
    else {
        return Vec::new();
    };
    let (from, to) = (tokens[copied.as_usize()], tokens[local.as_usize()]);
    if from.len() != to.len() {
        return Vec::new();
    }
    let starts: BTreeMap<u32, usize> =
        from.tokens().iter().enumerate().map(|(i, t)| (t.start, i)).collect();
    let ends: BTreeMap<u32, usize> =
        from.tokens().iter().enumerate().map(|(i, t)| (t.end, i)).collect();
    let moved = |(start, end): (usize, usize)| -> Option<(usize, usize)> {
        let (i, j) = (starts.get(&(start as u32))?, ends.get(&(end as u32))?);
        Some((to.tokens()[*i].start as usize, to.tokens()[*j].end as usize))
    };
    result
        .pairs()
        .iter()
        .filter(|p| p.kind == PairKind::Reprint && (p.a == copied || p.b == copied))
        .map(|p| match_of(result, coverage, docs, p, copied, moved))
        .collect()
}

/// What `subject` is told of pair `p`: the other document, with the
/// pair's passages (the subject's side of each placed by `place`, which
/// may drop one that has no place) and its coverage both ways.
fn match_of(
    result: &ReprintResult,
    coverage: &BTreeMap<(DocId, DocId), [f64; 2]>,
    docs: &[Document],
    p: &ScoredPair,
    subject: DocId,
    place: impl Fn((usize, usize)) -> Option<(usize, usize)>,
) -> Match {
    let forward = p.a == subject;
    let passages = result
        .passages
        .iter()
        .filter(|x| (x.a, x.b) == (p.a, p.b) && !x.boilerplate)
        .filter_map(|x| {
            let (mine, theirs) =
                if forward { (x.a_range, x.b_range) } else { (x.b_range, x.a_range) };
            let mine = place(mine)?;
            Some(PassageSpan {
                query_start: mine.0,
                query_end: mine.1,
                doc_start: theirs.0,
                doc_end: theirs.1,
                words: x.words,
                identity: x.identity,
            })
        })
        .collect();
    let [ca, cb] = match p.kind {
        PairKind::Exact => [1.0, 1.0],
        _ => coverage.get(&(p.a, p.b)).copied().unwrap_or([0.0, 0.0]),
    };
    let coverage =
        if forward { Coverage { query: ca, doc: cb } } else { Coverage { query: cb, doc: ca } };
    let other = if forward { p.b } else { p.a };
    Match {
        id: docs[other.as_usize()].id.clone(),
        similarity: p.similarity,
        kind: p.kind,
        coverage: Some(coverage),
        passages: Some(passages),
    }
}

/// The batch pipeline over every live document of the index, in `DocId`
/// order: what `syndic dedup --mode reprint` gives for them.
pub(crate) fn export_run<F: Family>(
    view: &mut View<'_, F>,
    config: &ReprintConfig,
    live: &[DocId],
) -> Result<ReprintResult> {
    let mut docs = Vec::with_capacity(live.len());
    for &d in live {
        let mut doc = Document::new(view.record(d)?.id, view.text(d)?);
        doc.site = view.learned(d)?.site;
        docs.push(doc);
    }
    ReprintFinder::new(config.clone()).run(&docs)
}

impl<'t> View<'_, super::view::Write<'t>> {
    /// Stores a prepared document of a reprint index as the newest, with
    /// its postings and learned statistics; `None` when its id is taken.
    pub(crate) fn store_reprint(
        &mut self,
        doc: &Document,
        prep: &Prepared,
        counters: &mut format::Counters,
    ) -> Result<Option<DocId>> {
        if self.doc_id(&doc.id)?.is_some() {
            return Ok(None);
        }
        let d = DocId::new(counters.next_doc as usize).ok_or_else(|| self.full())?;
        let online = prep.online.as_ref().expect("prepared for a reprint index");
        let record = format::DocRecord {
            deleted: false,
            bytes: prep.bytes,
            tokens: prep.tokens,
            content_hash: prep.hash,
            id: doc.id.clone(),
        };
        let root =
            format::RootRecord { size: 1, representative: d, representative_bytes: prep.bytes };
        let dir = self.dir().to_owned();
        let store = |e: redb::StorageError| store_error(&dir, e);
        let tables = self.tables_mut();
        tables.docs.insert(d.as_u32(), record.encode().as_slice()).map_err(store)?;
        tables.ids.insert(doc.id.as_str(), d.as_u32()).map_err(store)?;
        tables.texts.insert(d.as_u32(), prep.stored.as_slice()).map_err(store)?;
        tables.exact.insert(format::exact_key(prep.hash, d.as_u32()), ()).map_err(store)?;
        tables.roots.insert(d.as_u32(), root.encode()).map_err(store)?;
        for &fp in &online.fingerprints {
            tables.postings.insert(format::posting_key(fp, d.as_u32()), ()).map_err(store)?;
        }
        let (_, learned) = online.learning.as_ref().expect("prepared for an add");
        tables.learned.insert(d.as_u32(), learned.encode().as_slice()).map_err(store)?;
        counters.next_doc += 1;
        counters.live += 1;
        counters.clusters += 1;
        Ok(Some(d))
    }

    /// Stores the pairs of the newest document `d` found by its answer.
    pub(crate) fn link_reprint(
        &mut self,
        d: DocId,
        answer: &Answer,
        counters: &mut format::Counters,
    ) -> Result<()> {
        counters.candidate_pairs += answer.candidates as u64;
        for &(other, similarity, kind) in &answer.edges {
            match kind {
                PairKind::Exact => counters.exact_duplicates += 1,
                _ => counters.verified_pairs += 1,
            }
            self.put_edge(other, d, similarity, kind)?;
            self.union(other, d, counters)?;
        }
        Ok(())
    }
}

impl OnlinePrep {
    /// Distinct fingerprints, sorted.
    pub(crate) fn fingerprints(&self) -> &[u64] {
        &self.fingerprints
    }

    /// The document's site (`None` for a query).
    pub(crate) fn site(&self) -> Option<&str> {
        self.learning.as_ref().and_then(|(_, learned)| learned.site.as_deref())
    }

    /// Its tokens, when kept.
    pub(crate) fn tokens(&self) -> Option<&Tokens> {
        self.tokens.as_ref()
    }
}
