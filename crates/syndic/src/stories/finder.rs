//! [`StoryFinder`]: one reading of the corpus to build the vectors, then
//! candidates, linking and relations in [`finish`](StoryFinder::finish).

use rayon::prelude::*;

use super::candidates::candidates;
use super::date::Day;
use super::link::link;
use super::relation::{Relation, RelationKind, SharedTerms};
use super::vector::{shared, DocFreq, Extractor, RawTerm, Term, NAME};
use super::StoriesConfig;
use crate::cluster::Clustering;
use crate::doc::{Catalog, DocId, Document};
use crate::error::{Error, Result};
use crate::normalize::Tokens;
use crate::pairs::{DedupResult, PairKind};
use crate::passes::check_capacity;
use crate::reprint::DocBoilerplate;

/// Shared terms reported as the evidence of a `same_story` link.
const EVIDENCE_TERMS: usize = 8;

/// A reprint covering this share of the shorter text, between texts of
/// lengths at least this close, is a near-copy.
const NEAR_COPY: f64 = 0.9;

/// Links documents that cover the same event; see the module notes.
#[derive(Debug)]
pub struct StoryFinder {
    config: StoriesConfig,
    extractor: Extractor,
    df: DocFreq,
    catalog: Catalog,
    terms: Vec<Vec<RawTerm>>,
    own_tokens: Vec<u32>,
    days: Vec<Option<Day>>,
    /// Boilerplate byte ranges by document, sorted by document.
    boilerplate: Vec<(DocId, Vec<(usize, usize)>)>,
}

/// A document's terms, its count of own tokens, and the spelling of each
/// term.
type Extracted = (Vec<RawTerm>, u32, Vec<(u64, String)>);

/// Counts of a finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoriesStats {
    /// Documents read.
    pub documents: usize,
    /// Stories (clusters, single documents included).
    pub stories: usize,
    /// Members of the largest story.
    pub largest_story: usize,
    /// Candidate pairs measured.
    pub candidate_pairs: usize,
    /// Candidate pairs whose cosine reached the threshold.
    pub similar_pairs: usize,
    /// Relations of each type, in the order of [`RelationKind`].
    pub relations: [usize; 4],
}

/// What [`StoryFinder::finish`] returns.
#[derive(Clone, Debug)]
pub struct StoriesResult {
    /// The stories; each represented by its earliest full report.
    pub clustering: Clustering,
    /// Each document's cosine to its story's representative.
    pub similarity: Vec<f64>,
    /// Every linked pair, sorted by `(a, b)`.
    pub relations: Vec<Relation>,
    /// Counts.
    pub stats: StoriesStats,
}

impl StoryFinder {
    /// A finder with `config` and no boilerplate known.
    pub fn new(config: StoriesConfig) -> Self {
        let extractor = Extractor::new(config.name_weight, config.title_weight);
        StoryFinder {
            config,
            extractor,
            df: DocFreq::default(),
            catalog: Catalog::default(),
            terms: Vec::new(),
            own_tokens: Vec::new(),
            days: Vec::new(),
            boilerplate: Vec::new(),
        }
    }

    /// The same, leaving out of each document's vector the boilerplate
    /// that reprint mode labelled (its `ReprintResult::boilerplate`).
    pub fn with_boilerplate(mut self, boilerplate: &[DocBoilerplate]) -> Self {
        self.boilerplate = boilerplate
            .iter()
            .map(|b| (b.doc, b.spans.iter().map(|s| (s.start, s.end)).collect()))
            .collect();
        self.boilerplate.sort_by_key(|b| b.0);
        self
    }

    /// What has been read so far.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Reads a batch of documents in corpus order, with the day of each
    /// (`None`: undated, compared with every other).
    pub fn add_batch(&mut self, docs: &[Document], days: &[Option<Day>]) -> Result<()> {
        if days.len() != docs.len() {
            return Err(Error::Protocol(format!(
                "{} days given for a batch of {} documents",
                days.len(),
                docs.len()
            )));
        }
        check_capacity(self.catalog.len(), docs.len())?;
        let first = self.catalog.len();
        let spans = |doc: usize| -> &[(usize, usize)] {
            let doc = DocId::from_u32(doc as u32);
            match self.boilerplate.binary_search_by_key(&doc, |b| b.0) {
                Ok(i) => &self.boilerplate[i].1,
                Err(_) => &[],
            }
        };
        let extracted: Vec<Extracted> = docs
            .par_iter()
            .enumerate()
            .map_init(Tokens::default, |tokens, (i, doc)| {
                let mut spellings: Vec<(u64, String)> = Vec::new();
                let (terms, own) =
                    self.extractor.terms(&doc.text, spans(first + i), tokens, |h, w| {
                        spellings.push((h, w.to_owned()))
                    });
                spellings.sort_unstable_by_key(|s| s.0);
                spellings.dedup_by_key(|s| s.0);
                (terms, own, spellings)
            })
            .collect();
        for ((doc, day), (terms, own, spellings)) in docs.iter().zip(days).zip(extracted) {
            self.catalog.push(doc);
            self.df.add(&terms);
            for (hash, word) in spellings {
                self.df.spell(hash, &word);
            }
            self.terms.push(terms);
            self.own_tokens.push(own);
            self.days.push(*day);
        }
        Ok(())
    }

    /// Candidates, links and relations. `reuse` is the reprint run over the
    /// same documents: its clusters start the stories and its pairs are the
    /// reuse relations.
    pub fn finish(self, reuse: &DedupResult) -> Result<StoriesResult> {
        let n = self.catalog.len();
        if reuse.clustering.num_docs() != n {
            return Err(Error::Protocol(format!(
                "a reuse result of {} documents for {n} stories documents",
                reuse.clustering.num_docs()
            )));
        }
        let vectors: Vec<_> = self.terms.par_iter().map(|t| self.df.vector(t)).collect();
        let found = candidates(&vectors, &self.days, &self.df, &self.config);
        // Reuse starts a story only within the window of the reuse
        // cluster's representative: a headline repeated every week
        // ("... Net Asset Value(s)") is a copy, but of no one event.
        let window = i64::try_from(self.config.window_days).unwrap_or(i64::MAX);
        let near = |a: usize, b: usize| match (self.days[a], self.days[b]) {
            (Some(x), Some(y)) => (i64::from(x) - i64::from(y)).abs() <= window,
            _ => true,
        };
        let starts: Vec<u32> = (0..n as u32)
            .map(|d| {
                let cluster = reuse.clustering.cluster_of(DocId::from_u32(d));
                let rep = reuse.clustering.representative(cluster).as_u32();
                if near(d as usize, rep as usize) {
                    rep
                } else {
                    d
                }
            })
            .collect();
        let roots = link(
            &vectors,
            &self.days,
            &starts,
            &found.edges,
            self.config.threshold,
            self.config.max_span_days,
        );
        // The earliest full report: a member with at least half the own
        // text of the story's longest, dated earliest (undated last), then
        // first in corpus order.
        let mut longest = vec![0u32; n];
        for (d, &root) in roots.iter().enumerate() {
            longest[root as usize] = longest[root as usize].max(self.own_tokens[d]);
        }
        let clustering = Clustering::from_roots_by(&roots, |d, rep| {
            let longest = longest[roots[d.as_usize()] as usize];
            let (d, rep) = (d.as_usize(), rep.as_usize());
            better_report(
                (self.own_tokens[d], self.days[d]),
                (self.own_tokens[rep], self.days[rep]),
                longest,
            )
        });
        let similarity: Vec<f64> = (0..n as u32)
            .into_par_iter()
            .map(|d| {
                let rep = clustering.representative(clustering.cluster_of(DocId::from_u32(d)));
                if rep.as_u32() == d {
                    1.0
                } else {
                    super::vector::dot(&vectors[d as usize], &vectors[rep.as_usize()]).min(1.0)
                }
            })
            .collect();
        let lengths = self.catalog.lengths();
        // Reuse relations inside one story; a copy outside the window of
        // its source is reuse of a template, not the same story.
        let mut relations: Vec<Relation> = Vec::new();
        for p in reuse.pairs.iter() {
            let p = p?;
            if roots[p.a.as_usize()] == roots[p.b.as_usize()] {
                let lengths = (lengths[p.a.as_usize()], lengths[p.b.as_usize()]);
                let kind = reuse_kind(p.kind, p.coverage.unwrap_or(p.similarity), lengths);
                relations.push(Relation {
                    a: p.a,
                    b: p.b,
                    kind,
                    score: p.similarity,
                    shared: None,
                });
            }
        }
        let mut reused: Vec<(DocId, DocId)> = relations.iter().map(|r| (r.a, r.b)).collect();
        reused.sort_unstable();
        let same_story: Vec<Relation> = found
            .edges
            .par_iter()
            .filter(|&&(a, b, _)| roots[a as usize] == roots[b as usize])
            .map(|&(a, b, cosine)| (DocId::from_u32(a), DocId::from_u32(b), cosine))
            .filter(|&(a, b, _)| reused.binary_search(&(a, b)).is_err())
            .map(|(a, b, cosine)| {
                let evidence = evidence(&vectors[a.as_usize()], &vectors[b.as_usize()], &self.df);
                Relation {
                    a,
                    b,
                    kind: RelationKind::SameStory,
                    score: cosine,
                    shared: Some(evidence),
                }
            })
            .collect();
        relations.extend(same_story);
        relations.sort_by_key(|r| (r.a, r.b));
        let mut counts = [0usize; 4];
        for r in &relations {
            counts[r.kind as usize] += 1;
        }
        let largest_story = (0..clustering.num_clusters() as u32)
            .map(|c| clustering.size(crate::cluster::ClusterId::from_u32(c)))
            .max()
            .unwrap_or(0);
        let stats = StoriesStats {
            documents: n,
            stories: clustering.num_clusters(),
            largest_story,
            candidate_pairs: found.measured,
            similar_pairs: found.edges.len(),
            relations: counts,
        };
        Ok(StoriesResult { clustering, similarity, relations, stats })
    }
}

/// Whether `d` (its count of own tokens and its day) is a better
/// representative of its story than `rep`, the story's longest member
/// having `longest` own tokens: the earliest full report, a member with at
/// least half the own text of the longest, dated earliest (undated last).
pub(super) fn better_report(d: (u32, Option<Day>), rep: (u32, Option<Day>), longest: u32) -> bool {
    let full = |own: u32| 2 * own >= longest;
    let when = |day: Option<Day>| (day.is_none(), day);
    full(d.0) && (!full(rep.0) || when(d.1) < when(rep.1))
}

/// The relation a reuse pair of the reprint stage makes: a reprint covering
/// nearly all of the shorter text, between texts of nearly equal lengths
/// (in bytes), is a near-copy.
pub(crate) fn reuse_kind(kind: PairKind, coverage: f64, lengths: (u64, u64)) -> RelationKind {
    match kind {
        PairKind::Exact => RelationKind::Copy,
        PairKind::Near => RelationKind::NearCopy,
        PairKind::Reprint => {
            let (la, lb) = lengths;
            let ratio = la.min(lb) as f64 / la.max(lb).max(1) as f64;
            if coverage >= NEAR_COPY && ratio >= NEAR_COPY {
                RelationKind::NearCopy
            } else {
                RelationKind::Reprint
            }
        }
    }
}

/// The evidence of a `same_story` link: the shared terms contributing most
/// to the cosine of `a` and `b`, names apart.
pub(super) fn evidence(a: &[Term], b: &[Term], df: &DocFreq) -> SharedTerms {
    let mut evidence = SharedTerms::default();
    for (term, _) in shared(a, b).into_iter().take(EVIDENCE_TERMS) {
        let word = df.spelling(term.hash).to_owned();
        match term.flags & NAME {
            0 => evidence.terms.push(word),
            _ => evidence.entities.push(word),
        }
    }
    evidence
}
