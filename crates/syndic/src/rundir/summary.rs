//! `summary.json`: the run's own account of itself, and the arithmetic of
//! its counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::dedup::Mode;
use crate::pairs::{DedupResult, DedupStats};
use crate::read::ReadOptions;
use crate::reprint::{DocBoilerplate, SharedPassage};
use crate::write::SUMMARY_FILE;
use crate::{ConfigError, DocId, Error, Location, Result};

/// Bins of `similarity_histogram`, over `[0, 1]`.
pub const SIMILARITY_BINS: usize = 10;

/// `summary.json`. Which keys a run writes depends on the command (`dedup`,
/// `passages`, `index add`, `index export`) and the runner; every key is
/// optional to a reader, and keys this version does not know are kept in
/// `extra`. Written with its keys sorted.
///
/// The fields written as `null` rather than left out when they do not apply
/// (`passages` of a dedup run outside reprint mode, say) are
/// `Option<Option<_>>`: `Some(None)` is `null`, `None` is absent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The version of syndic that wrote the run; what tells a run directory
    /// from another directory holding a `summary.json`.
    #[serde(default)]
    pub syndic_version: String,
    /// `dedup`, `passages`, `index add`, `index export`, `index create`.
    #[serde(default)]
    pub command: String,
    /// Who ran it other than the CLI (`ray`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// `exact`, `minhash` or `reprint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The index a run of `index` used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The inputs as absolute paths, sorted: how a report finds the texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<PathBuf>>,
    /// How the inputs were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_options: Option<RecordedReadOptions>,
    /// The validated configuration (`DedupConfig::to_json` and the like).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// What was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Documents>,
    /// Documents whose normalized text equals an earlier document's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_duplicates: Option<usize>,
    /// Documents removed as near-duplicates beyond exact copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicates: Option<usize>,
    /// Clusters, singletons included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<usize>,
    /// Documents minus clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicates_removed: Option<usize>,
    /// Candidate pairs (from LSH or passage fingerprints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate_pairs: Option<usize>,
    /// Candidate pairs that passed verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_pairs: Option<usize>,
    /// Clusters by size: `{"size": clusters}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_size_histogram: Option<BTreeMap<String, usize>>,
    /// Members (representatives excluded) by similarity to their
    /// representative, in [`SIMILARITY_BINS`] equal bins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity_histogram: Option<Vec<usize>>,
    /// Shared passages (`null` in a dedup run outside reprint mode).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub passages: Option<Option<usize>>,
    /// Passages outside boilerplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_passages: Option<usize>,
    /// Passages in boilerplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boilerplate_passages: Option<usize>,
    /// Words aligned in all passages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage_words: Option<usize>,
    /// Documents with some boilerplate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents_with_boilerplate: Option<usize>,
    /// Bytes of boilerplate (`null` in a dedup run outside reprint mode).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub boilerplate_bytes: Option<Option<u64>>,
    /// The deduplicated corpus, if one was asked for (`null` if not).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub deduped_output: Option<Option<DedupedOutput>>,
    /// `index add`: documents added to the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<u64>,
    /// `index add`: documents whose id was indexed already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub already_indexed: Option<u64>,
    /// `index add`: records skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<u64>,
    /// `index add`: records skipped, by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_by_kind: Option<BTreeMap<String, u64>>,
    /// `index add`: pairs with an added document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_pairs: Option<usize>,
    /// `index add`: added documents that joined a cluster of the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_existing_clusters: Option<usize>,
    /// `index add`: the index's counts after the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_stats: Option<Value>,
    /// Ray: the width of the shuffles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_partitions: Option<u64>,
    /// Ray: the CPUs of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_cpus: Option<u64>,
    /// Ray, resumed: per stage, the shards whose outputs an earlier run
    /// had finished, reused from the work directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_shards: Option<BTreeMap<String, u64>>,
    /// Milliseconds per stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timings_ms: Option<BTreeMap<String, u64>>,
    /// Milliseconds in all (`index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// Peak resident memory (`null` where it cannot be told).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<Option<u64>>,
    /// Worker threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Every entry the run wrote in the directory but `summary.json`: what
    /// a later run with `force` may replace. Set by [`Summary::write`].
    #[serde(default)]
    pub files: Vec<String>,
    /// Keys this version does not know, kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Peak resident memory of this process so far, in bytes, from
/// `/proc/self/status`'s `VmHWM` (Linux); `None` elsewhere. What every
/// front end records as `peak_rss_bytes`.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A key that is there, even as `null`, is `Some`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `documents`: what the CLI's readers report, or (the index, Ray) a count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Documents {
    /// Documents read, with what was skipped.
    Read(ReadCounts),
    /// Documents read.
    Count(u64),
}

impl Documents {
    /// Documents read.
    pub fn read(&self) -> u64 {
        match self {
            Documents::Read(counts) => counts.read,
            Documents::Count(n) => *n,
        }
    }

    /// Records skipped, where counted.
    pub fn skipped(&self) -> Option<u64> {
        match self {
            Documents::Read(counts) => Some(counts.skipped),
            Documents::Count(_) => None,
        }
    }
}

/// What a pass over the inputs read and skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadCounts {
    /// Documents read.
    pub read: u64,
    /// Bytes of text read.
    pub text_bytes: u64,
    /// Records skipped (bad records passed over).
    pub skipped: u64,
    /// Skipped records by kind.
    pub skipped_by_kind: BTreeMap<String, u64>,
    /// A few examples per kind, naming file and line.
    pub skipped_examples: BTreeMap<String, Vec<String>>,
}

/// `read_options`: the reader settings of the run, with which the texts
/// can be found again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordedReadOptions {
    /// The format forced on every input, if any.
    pub format: Option<String>,
    /// The id field.
    pub id_field: String,
    /// The text field.
    pub text_field: String,
    /// The site field, if any.
    pub site_field: Option<String>,
    /// The largest record accepted, in bytes.
    pub max_doc_bytes: u64,
    /// Whether bad records were passed over.
    pub skip_bad_records: bool,
}

impl Default for RecordedReadOptions {
    fn default() -> Self {
        RecordedReadOptions::from(&ReadOptions::default())
    }
}

impl From<&ReadOptions> for RecordedReadOptions {
    fn from(opts: &ReadOptions) -> Self {
        RecordedReadOptions {
            format: opts.format.map(|f| f.name().to_owned()),
            id_field: opts.id_field.clone(),
            text_field: opts.text_field.clone(),
            site_field: opts.site_field.clone(),
            max_doc_bytes: opts.max_doc_bytes,
            skip_bad_records: opts.skip_bad_records,
        }
    }
}

impl RecordedReadOptions {
    /// The reader settings recorded; an error for a format this version
    /// does not read.
    pub fn to_read_options(&self) -> Result<ReadOptions> {
        Ok(ReadOptions {
            format: self.format.as_deref().map(str::parse).transpose()?,
            id_field: self.id_field.clone(),
            text_field: self.text_field.clone(),
            site_field: self.site_field.clone(),
            max_doc_bytes: self.max_doc_bytes,
            skip_bad_records: self.skip_bad_records,
        })
    }
}

/// `deduped_output`: the deduplicated corpus a run wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DedupedOutput {
    /// Where, as given.
    pub path: String,
    /// Records written.
    pub records: u64,
    /// Bytes written, where counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `parquet` or `jsonl`, where chosen by name (Ray).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The counts of a clustering: the run's [`DedupStats`] and the histograms
/// of `summary.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterCounts {
    /// Documents, duplicates, clusters, pairs.
    pub stats: DedupStats,
    /// Clusters by size, as `(size, clusters)`, by size.
    pub sizes: Vec<(usize, usize)>,
    /// Members of clusters of two or more, representatives excluded, by
    /// similarity to their representative.
    pub similarity: [usize; SIMILARITY_BINS],
}

impl ClusterCounts {
    /// The counts of a result.
    pub fn of(result: &DedupResult) -> Self {
        let docs = (0..result.clustering.num_docs() as u32).map(DocId::from_u32);
        let members = docs
            .filter(|&d| !result.clustering.is_representative(d))
            .map(|d| result.similarity[d.as_usize()]);
        ClusterCounts {
            stats: result.stats.clone(),
            sizes: result.clustering.size_histogram(),
            similarity: similarity_bins(members),
        }
    }

    /// The counts of a clustering assembled elsewhere (the Ray runner):
    /// each document's cluster (numbered from 0), whether it represents
    /// it, and its similarity to the representative; and the counts of
    /// exact duplicates, candidate pairs and verified pairs.
    pub fn of_assignment(
        cluster: &[u32],
        representative: &[bool],
        similarity: &[f64],
        exact_duplicates: usize,
        candidate_pairs: usize,
        verified_pairs: usize,
    ) -> Result<Self> {
        let n = cluster.len();
        if representative.len() != n || similarity.len() != n {
            return Err(ConfigError::Arguments(format!(
                "a cluster assignment of {n} documents with {} representative flags and {} \
                 similarities",
                representative.len(),
                similarity.len()
            ))
            .into());
        }
        let clusters = cluster.iter().max().map_or(0, |&c| c as usize + 1);
        let mut size = vec![0usize; clusters];
        for &c in cluster {
            size[c as usize] += 1;
        }
        let mut sizes = BTreeMap::new();
        for s in size.into_iter().filter(|&s| s > 0) {
            *sizes.entry(s).or_insert(0) += 1;
        }
        let members =
            representative.iter().zip(similarity).filter(|(&rep, _)| !rep).map(|(_, &s)| s);
        let stats = DedupStats::new(n, exact_duplicates, clusters, candidate_pairs, verified_pairs);
        Ok(ClusterCounts {
            stats,
            sizes: sizes.into_iter().collect(),
            similarity: similarity_bins(members),
        })
    }
}

/// Counts of `similarities` in [`SIMILARITY_BINS`] equal bins over `[0, 1]`.
fn similarity_bins(similarities: impl Iterator<Item = f64>) -> [usize; SIMILARITY_BINS] {
    let mut bins = [0; SIMILARITY_BINS];
    for s in similarities {
        let bin = (s.clamp(0.0, 1.0) * SIMILARITY_BINS as f64) as usize;
        bins[bin.min(SIMILARITY_BINS - 1)] += 1;
    }
    bins
}

impl Summary {
    /// The summary of a run of `command`, by this version, with nothing
    /// else in it yet.
    pub fn new(command: &str) -> Self {
        Summary {
            syndic_version: env!("CARGO_PKG_VERSION").to_owned(),
            command: command.to_owned(),
            ..Summary::default()
        }
    }

    /// Records the mode, by the name its flag and `params` give it.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = match serde_json::to_value(mode) {
            Ok(Value::String(name)) => Some(name),
            _ => unreachable!("modes serialize as strings"),
        };
    }

    /// Records the counts of a clustering.
    pub fn set_clusters(&mut self, counts: &ClusterCounts) {
        let stats = &counts.stats;
        self.exact_duplicates = Some(stats.exact_duplicates);
        self.near_duplicates = Some(stats.near_duplicates);
        self.clusters = Some(stats.clusters);
        self.duplicates_removed = Some(stats.duplicates_removed);
        self.candidate_pairs = Some(stats.candidate_pairs);
        self.verified_pairs = Some(stats.verified_pairs);
        self.cluster_size_histogram =
            Some(counts.sizes.iter().map(|&(s, n)| (s.to_string(), n)).collect());
        self.similarity_histogram = Some(counts.similarity.to_vec());
    }

    /// Records the counts of a run's passages and boilerplate.
    pub fn set_passages(
        &mut self,
        passages: &[SharedPassage],
        boilerplate: &[DocBoilerplate],
        boilerplate_bytes: u64,
    ) {
        let content = passages.iter().filter(|p| !p.boilerplate).count();
        self.passages = Some(Some(passages.len()));
        self.content_passages = Some(content);
        self.boilerplate_passages = Some(passages.len() - content);
        self.passage_words = Some(passages.iter().map(|p| p.words).sum());
        self.documents_with_boilerplate = Some(boilerplate.len());
        self.boilerplate_bytes = Some(Some(boilerplate_bytes));
    }

    /// Reads the `summary.json` at `path`.
    pub fn read(path: &Path) -> Result<Summary> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::RunFile { location: Location::file(path), message: e.to_string() })
    }

    /// Writes `summary.json` (pretty-printed, keys sorted) into the run
    /// directory `dir`, last: first `files` is set to every entry the run
    /// wrote there, which is what a later run may replace.
    pub fn write(&mut self, dir: &Path) -> Result<()> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let name = entry.map_err(|e| Error::io(dir, e))?.file_name();
            files.push(name.to_string_lossy().into_owned());
        }
        files.sort();
        self.files = files;
        let path = dir.join(SUMMARY_FILE);
        std::fs::write(&path, self.to_json()).map_err(|e| Error::io(&path, e))
    }

    /// The text of `summary.json`: pretty-printed, keys sorted, a newline
    /// last.
    pub fn to_json(&self) -> String {
        // Through a `Value`, whose objects keep their keys sorted, so that
        // every key is in the same place whoever wrote the summary.
        let value = serde_json::to_value(self).expect("summaries serialize");
        let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialize");
        text.push('\n');
        text
    }
}
