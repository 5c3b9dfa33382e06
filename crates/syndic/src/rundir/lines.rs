//! The line types of the JSONL files, how a result becomes them, and the
//! rounding of their scores.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::cluster::Clustering;
use crate::pairs::{DedupResult, PairKind, ScoredPair};
use crate::reprint::{DocBoilerplate, SharedPassage};
use crate::stories::{RelationKind, StoriesResult};
use crate::write::OutputDir;
use crate::write::{BOILERPLATE_FILE, CLUSTERS_FILE, PAIRS_FILE, PASSAGES_FILE, RELATIONS_FILE};
use crate::{DocId, Result};

/// Decimals kept of every score: far below any threshold's resolution, and
/// few enough that outputs are stable across platforms and readable.
pub const SCORE_DECIMALS: i32 = 6;

/// A score as the run directory holds it: [`SCORE_DECIMALS`] decimals.
pub fn round(x: f64) -> f64 {
    round_to(x, SCORE_DECIMALS)
}

/// `x` rounded to `decimals` decimals, half away from zero.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// A line of `clusters.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterLine<'a> {
    /// The document's id.
    pub id: Cow<'a, str>,
    /// Its cluster, numbered from 0 in order of first member.
    pub cluster: u32,
    /// Whether it represents (and survives) its cluster; a line that does
    /// not say is read as a member.
    #[serde(default)]
    pub representative: bool,
    /// Its similarity to the representative, rounded.
    pub similarity: f64,
}

/// A line of `pairs.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairLine<'a> {
    /// The earlier document's id.
    pub a: Cow<'a, str>,
    /// The later document's id.
    pub b: Cow<'a, str>,
    /// Jaccard similarity (coverage in reprint mode), rounded.
    pub similarity: f64,
    /// How the pair was found.
    pub kind: PairKind,
    /// Reprint mode: the share of the shorter document in shared passages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
}

/// A line of `passages.jsonl`: byte offsets into the original texts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassageLine<'a> {
    /// The earlier document's id.
    pub a: Cow<'a, str>,
    /// The later document's id.
    pub b: Cow<'a, str>,
    /// Start of the passage in `a`.
    pub a_start: usize,
    /// End (exclusive) of the passage in `a`.
    pub a_end: usize,
    /// Start of the passage in `b`.
    pub b_start: usize,
    /// End (exclusive) of the passage in `b`.
    pub b_end: usize,
    /// Identical words (or characters) aligned.
    pub words: usize,
    /// Matches over the longer side, rounded.
    pub identity: f64,
    /// Whether it lies mostly in boilerplate (or is a template); a line
    /// that does not say is read as content.
    #[serde(default)]
    pub boilerplate: bool,
}

/// A span of a line of `boilerplate.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanLine<'a> {
    /// Byte offset of the span's start.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// Why it is boilerplate.
    pub reason: Cow<'a, str>,
}

/// A line of `boilerplate.jsonl`: one document's boilerplate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoilerplateLine<'a> {
    /// The document's id.
    pub id: Cow<'a, str>,
    /// Bytes of boilerplate, the spans' total.
    pub bytes: usize,
    /// The spans, in text order.
    pub spans: Vec<SpanLine<'a>>,
}

impl<'a> ClusterLine<'a> {
    /// Document `doc`'s line, its id given.
    pub fn of(result: &DedupResult, doc: DocId, id: &'a str) -> Self {
        ClusterLine {
            id: Cow::Borrowed(id),
            cluster: result.clustering.cluster_of(doc).as_u32(),
            representative: result.clustering.is_representative(doc),
            similarity: round(result.similarity[doc.as_usize()]),
        }
    }
}

impl<'a> PairLine<'a> {
    /// The line of `pair`, its documents' ids given.
    pub fn of(pair: &ScoredPair, a: &'a str, b: &'a str) -> Self {
        PairLine {
            a: Cow::Borrowed(a),
            b: Cow::Borrowed(b),
            similarity: round(pair.similarity),
            kind: pair.kind,
            coverage: pair.coverage.map(round),
        }
    }
}

/// The lines of `clusters.jsonl`, in corpus order; `id` names a document.
pub fn cluster_lines<'a>(
    result: &'a DedupResult,
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = ClusterLine<'a>> + 'a {
    (0..result.clustering.num_docs() as u32)
        .map(DocId::from_u32)
        .map(move |doc| ClusterLine::of(result, doc, id(doc)))
}

/// The lines of `pairs.jsonl`, in the result's order; spilled pairs are
/// read as they go, and may fail to be.
pub fn pair_lines<'a>(
    result: &'a DedupResult,
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = Result<PairLine<'a>>> + 'a {
    result.pairs.iter().map(move |p| p.map(|p| PairLine::of(&p, id(p.a), id(p.b))))
}

/// The lines of `passages.jsonl`.
pub fn passage_lines<'a>(
    passages: &'a [SharedPassage],
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = PassageLine<'a>> + 'a {
    passages.iter().map(move |p| PassageLine {
        a: Cow::Borrowed(id(p.a)),
        b: Cow::Borrowed(id(p.b)),
        a_start: p.a_range.0,
        a_end: p.a_range.1,
        b_start: p.b_range.0,
        b_end: p.b_range.1,
        words: p.words,
        identity: round(p.identity),
        boilerplate: p.boilerplate,
    })
}

/// The lines of `boilerplate.jsonl`, one per document with boilerplate.
pub fn boilerplate_lines<'a>(
    docs: &'a [DocBoilerplate],
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = BoilerplateLine<'a>> + 'a {
    docs.iter().map(move |d| BoilerplateLine {
        id: Cow::Borrowed(id(d.doc)),
        bytes: d.spans.iter().map(|s| s.end - s.start).sum(),
        spans: d
            .spans
            .iter()
            .map(|s| SpanLine {
                start: s.start,
                end: s.end,
                reason: Cow::Borrowed(s.reason.as_str()),
            })
            .collect(),
    })
}

/// Writes `clusters.jsonl` and `pairs.jsonl` of `result` into `out`.
pub fn write_dedup<'a>(
    out: &OutputDir,
    result: &'a DedupResult,
    id: impl Fn(DocId) -> &'a str + Copy + 'a,
) -> Result<()> {
    out.write_jsonl(CLUSTERS_FILE, cluster_lines(result, id))?;
    out.try_write_jsonl(PAIRS_FILE, pair_lines(result, id))?;
    Ok(())
}

/// Writes `passages.jsonl` and `boilerplate.jsonl` into `out`.
pub fn write_reprint<'a>(
    out: &OutputDir,
    passages: &'a [SharedPassage],
    boilerplate: &'a [DocBoilerplate],
    id: impl Fn(DocId) -> &'a str + Copy + 'a,
) -> Result<()> {
    out.write_jsonl(PASSAGES_FILE, passage_lines(passages, id))?;
    out.write_jsonl(BOILERPLATE_FILE, boilerplate_lines(boilerplate, id))?;
    Ok(())
}

/// `lines` as the bytes of a JSONL file, for a front end that writes a file
/// in pieces (the Ray runner); the same bytes [`OutputDir::write_jsonl`]
/// writes.
pub fn to_bytes<T: Serialize>(lines: impl IntoIterator<Item = T>) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut out, &line).expect("run-directory lines serialize");
        out.push(b'\n');
    }
    out
}

/// A passage in the evidence of a reuse relation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidencePassage {
    /// Start of the passage in `a`.
    pub a_start: usize,
    /// End (exclusive) of the passage in `a`.
    pub a_end: usize,
    /// Start of the passage in `b`.
    pub b_start: usize,
    /// End (exclusive) of the passage in `b`.
    pub b_end: usize,
    /// Identical words aligned.
    pub words: usize,
}

/// What a relation rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Evidence<'a> {
    /// Reuse: the content passages the pair shares (none for exact copies,
    /// which are equal as wholes).
    Passages {
        /// The passages, in the order of the reprint stage.
        passages: Vec<EvidencePassage>,
    },
    /// Same story: the shared names and other words that weighed most.
    Terms {
        /// Names.
        entities: Vec<Cow<'a, str>>,
        /// Other words.
        terms: Vec<Cow<'a, str>>,
    },
}

/// A line of `relations.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelationLine<'a> {
    /// The earlier document's id.
    pub a: Cow<'a, str>,
    /// The later document's id.
    pub b: Cow<'a, str>,
    /// The relation's type.
    #[serde(rename = "type")]
    pub kind: RelationKind,
    /// Its score, rounded.
    pub score: f64,
    /// Its evidence.
    pub evidence: Evidence<'a>,
}

/// The lines of `clusters.jsonl` of a stories run: similarity is the
/// cosine to the story's representative.
pub fn story_cluster_lines<'a>(
    result: &'a StoriesResult,
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = ClusterLine<'a>> + 'a {
    clustering_lines(&result.clustering, &result.similarity, id)
}

/// The lines of a clustering made elsewhere (an index's stories), with
/// each document's similarity to its representative, in corpus order.
pub fn clustering_lines<'a>(
    clustering: &'a Clustering,
    similarity: &'a [f64],
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = ClusterLine<'a>> + 'a {
    (0..clustering.num_docs() as u32).map(DocId::from_u32).map(move |doc| ClusterLine {
        id: Cow::Borrowed(id(doc)),
        cluster: clustering.cluster_of(doc).as_u32(),
        representative: clustering.is_representative(doc),
        similarity: round(similarity[doc.as_usize()]),
    })
}

/// The lines of `relations.jsonl`; `passages` are the reprint stage's, of
/// which the content ones are a reuse relation's evidence.
pub fn relation_lines<'a>(
    result: &'a StoriesResult,
    passages: &'a [SharedPassage],
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = RelationLine<'a>> + 'a {
    let mut by_pair: std::collections::HashMap<(DocId, DocId), Vec<EvidencePassage>> =
        std::collections::HashMap::new();
    for p in passages.iter().filter(|p| !p.boilerplate) {
        by_pair.entry((p.a, p.b)).or_default().push(EvidencePassage {
            a_start: p.a_range.0,
            a_end: p.a_range.1,
            b_start: p.b_range.0,
            b_end: p.b_range.1,
            words: p.words,
        });
    }
    result.relations.iter().map(move |r| {
        let evidence = match &r.shared {
            Some(shared) => Evidence::Terms {
                entities: shared.entities.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
                terms: shared.terms.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
            },
            None => {
                Evidence::Passages { passages: by_pair.remove(&(r.a, r.b)).unwrap_or_default() }
            }
        };
        RelationLine {
            a: Cow::Borrowed(id(r.a)),
            b: Cow::Borrowed(id(r.b)),
            kind: r.kind,
            score: round(r.score),
            evidence,
        }
    })
}

/// Writes `clusters.jsonl` and `relations.jsonl` of a stories run into
/// `out`.
pub fn write_stories<'a>(
    out: &OutputDir,
    result: &'a StoriesResult,
    passages: &'a [SharedPassage],
    id: impl Fn(DocId) -> &'a str + Copy + 'a,
) -> Result<()> {
    out.write_jsonl(CLUSTERS_FILE, story_cluster_lines(result, id))?;
    out.write_jsonl(RELATIONS_FILE, relation_lines(result, passages, id))?;
    Ok(())
}
