//! What an index answers: matches and reports of queries, counts, exports
//! and shared passages. *Not for*: how they are stored ([`super::format`]).

use serde::{Deserialize, Serialize};

use crate::cluster::Clustering;
use crate::doc::DocId;
use crate::pairs::{DedupResult, PairKind};
use crate::reprint::ReprintResult;
use crate::stories::RelationKind;

/// A verified match of a document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// External id of the matching document.
    pub id: String,
    /// Similarity by the index's measure (1 for exact copies).
    pub similarity: f64,
    /// Exact copy, near-duplicate or reprint.
    pub kind: PairKind,
    /// Reprint indexes only: how much of each document's own text
    /// (boilerplate excluded) their shared passages cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// Reprint indexes only: the passages they share, `query_*` in the
    /// document (or query text) reported on, `doc_*` in the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passages: Option<Vec<PassageSpan>>,
}

impl Match {
    /// A match without passages (exact and minhash indexes).
    pub fn new(id: String, similarity: f64, kind: PairKind) -> Self {
        Self { id, similarity, kind, coverage: None, passages: None }
    }
}

/// The share of each side's own text covered by shared passages.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Of the document (or query text) reported on.
    pub query: f64,
    /// Of the match.
    pub doc: f64,
}

/// A cluster as seen from one document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// External id of the cluster's first member (in insertion order): a
    /// stable name for the cluster while that member lives.
    pub id: String,
    /// External id of the representative (per `keep`; in a reprint index
    /// with `keep` longest, the source, as in batch mode).
    pub representative: String,
    /// Number of members.
    pub size: u64,
    /// Similarity of the document to the representative.
    pub similarity: f64,
}

/// An indexed document's matches and cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocReport {
    /// External id.
    pub id: String,
    /// Its verified pairs, in insertion order of the other document.
    pub matches: Vec<Match>,
    /// Its cluster.
    pub cluster: ClusterInfo,
    /// Its story, when added to an index with stories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<StoryInfo>,
}

/// The story a document belongs to (or a query text would join), in an
/// index with stories.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoryInfo {
    /// External id of the story's first document: a stable name (when
    /// stories merge, the merged one keeps the earlier name). `None` for a
    /// query text that joins no story.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// External id of its earliest full report; `None` when that is the
    /// query text itself, or as `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
    /// Members, the document or query text counted.
    pub size: u64,
    /// Its links to members: reuse, or the same story with the evidence.
    pub links: Vec<StoryMatch>,
}

/// A link to a member of the story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoryMatch {
    /// External id of the member.
    pub id: String,
    /// `copy`, `near_copy`, `reprint` or `same_story`.
    pub kind: RelationKind,
    /// Reuse: the reprint similarity; same story: the TF-IDF cosine.
    pub score: f64,
    /// Same story: the shared names that carried the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<String>>,
    /// Same story: the other shared words that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<Vec<String>>,
}

/// What a text would match, were it added.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryReport {
    /// The pairs adding it would create, in insertion order.
    pub matches: Vec<Match>,
    /// The distinct clusters of those matches (which adding it would merge),
    /// with the text's similarity to each representative.
    pub clusters: Vec<ClusterInfo>,
    /// The story it would join, in an index with stories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<StoryInfo>,
}

/// The outcome of adding one document.
#[derive(Clone, Debug, PartialEq)]
pub enum AddOutcome {
    /// Added; its report as committed.
    Added(DocReport),
    /// Not added: a live document already has this id.
    DuplicateId(String),
}

/// Counts over the live documents of an index.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexStats {
    /// Format version of the file.
    pub format_version: u32,
    /// Live documents.
    pub documents: u64,
    /// Documents deleted so far.
    pub deleted: u64,
    /// Documents ever added (the next `DocId`).
    pub added: u64,
    /// Live documents whose normalized text equals an earlier live one's.
    pub exact_duplicates: u64,
    /// Clusters of live documents, singletons included.
    pub clusters: u64,
    /// Candidate pairs from LSH over the index's history.
    pub candidate_pairs: u64,
    /// Live near-duplicate pairs.
    pub verified_pairs: u64,
    /// Size of `index.redb` in bytes.
    pub file_bytes: u64,
}

/// The live documents of an index as a batch result, for the files
/// `syndic dedup` writes.
#[derive(Clone, Debug)]
pub struct Export {
    /// External id of each exported document, in insertion order; the
    /// result's `DocId`s index this.
    pub ids: Vec<String>,
    /// The `DocId` each exported document has in the index (deleted
    /// documents leave gaps).
    pub index_ids: Vec<DocId>,
    /// Pairs, clusters and similarities, as [`crate::dedup::Deduper`] gives
    /// them (or [`crate::reprint::ReprintFinder`], in a reprint index).
    pub result: DedupResult,
    /// A reprint index's whole batch result (passages and boilerplate
    /// too), of which `result` is the pairs and clusters.
    pub reprint: Option<ReprintResult>,
    /// An index with stories: the story of each exported document, each
    /// represented by its earliest full report, with each document's cosine
    /// to it.
    pub stories: Option<(Clustering, Vec<f64>)>,
}

/// A passage shared by a query text and an indexed document, in byte
/// offsets of both original texts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassageSpan {
    /// Start in the query text.
    pub query_start: usize,
    /// End (exclusive) in the query text.
    pub query_end: usize,
    /// Start in the indexed document.
    pub doc_start: usize,
    /// End (exclusive) in the indexed document.
    pub doc_end: usize,
    /// Identical words (or characters) aligned.
    pub words: usize,
    /// Matches over the longer side.
    pub identity: f64,
}
