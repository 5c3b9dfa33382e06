//! The files a run writes, one serializable line type each. The formats are
//! specified in ARCHITECTURE.md ("Run directory"); `syndic report` and the
//! Python package read them back.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use syndic::pairs::{DedupResult, PairKind};
use syndic::reprint::{DocBoilerplate, SharedPassage};
use syndic::write::{OutputDir, Overwrite, SUMMARY_FILE};
use syndic::DocId;

/// What the outputs of a run may replace: with `force`, only what syndic
/// wrote, and never what the run reads (`-`, standard input, is no path).
pub fn overwrite<P: AsRef<Path>>(force: bool, reads: impl IntoIterator<Item = P>) -> Overwrite {
    let paths: Vec<P> = reads.into_iter().filter(|p| p.as_ref().as_os_str() != "-").collect();
    Overwrite::new(force).protecting(paths)
}

/// Writes `summary.json` (pretty-printed) into the run directory, last:
/// its `files` names everything the run wrote there, which is what a later
/// run may replace.
pub fn write_summary(out: &OutputDir, summary: &serde_json::Value) -> syndic::Result<()> {
    let path = out.path_of(SUMMARY_FILE);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(out.path()).map_err(|e| syndic::Error::io(out.path(), e))? {
        let name = entry.map_err(|e| syndic::Error::io(out.path(), e))?.file_name();
        files.push(name.to_string_lossy().into_owned());
    }
    files.sort();
    let mut summary = summary.clone();
    if let Some(object) = summary.as_object_mut() {
        object.insert("files".to_owned(), files.into());
    }
    let mut text = serde_json::to_string_pretty(&summary).expect("JSON values serialize");
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| syndic::Error::io(&path, e))
}

/// Rounds scores so outputs are stable and readable; six decimals is far
/// below any threshold's resolution.
pub fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A line of `clusters.jsonl`.
#[derive(Serialize)]
pub struct ClusterLine<'a> {
    pub id: &'a str,
    pub cluster: u32,
    pub representative: bool,
    pub similarity: f64,
}

/// A line of `pairs.jsonl`.
#[derive(Serialize)]
pub struct PairLine<'a> {
    pub a: &'a str,
    pub b: &'a str,
    pub similarity: f64,
    pub kind: PairKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
}

/// A line of `passages.jsonl`: byte offsets into the original texts.
#[derive(Serialize)]
pub struct PassageLine<'a> {
    pub a: &'a str,
    pub b: &'a str,
    pub a_start: usize,
    pub a_end: usize,
    pub b_start: usize,
    pub b_end: usize,
    pub words: usize,
    pub identity: f64,
    pub boilerplate: bool,
}

/// A span of `boilerplate.jsonl`.
#[derive(Serialize)]
pub struct SpanLine {
    pub start: usize,
    pub end: usize,
    pub reason: &'static str,
}

/// A line of `boilerplate.jsonl`.
#[derive(Serialize)]
pub struct BoilerplateLine<'a> {
    pub id: &'a str,
    pub bytes: usize,
    pub spans: Vec<SpanLine>,
}

pub fn cluster_lines<'a>(
    result: &'a DedupResult,
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = ClusterLine<'a>> + 'a {
    (0..result.clustering.num_docs() as u32).map(move |d| {
        let doc = DocId::from_u32(d);
        ClusterLine {
            id: id(doc),
            cluster: result.clustering.cluster_of(doc).as_u32(),
            representative: result.clustering.is_representative(doc),
            similarity: round(result.similarity[doc.as_usize()]),
        }
    })
}

pub fn pair_lines<'a>(
    result: &'a DedupResult,
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = PairLine<'a>> + 'a {
    result.pairs.iter().map(move |p| PairLine {
        a: id(p.a),
        b: id(p.b),
        similarity: round(p.similarity),
        kind: p.kind,
        coverage: p.coverage.map(round),
    })
}

pub fn passage_lines<'a>(
    passages: &'a [SharedPassage],
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = PassageLine<'a>> + 'a {
    passages.iter().map(move |p| PassageLine {
        a: id(p.a),
        b: id(p.b),
        a_start: p.a_range.0,
        a_end: p.a_range.1,
        b_start: p.b_range.0,
        b_end: p.b_range.1,
        words: p.words,
        identity: round(p.identity),
        boilerplate: p.boilerplate,
    })
}

pub fn boilerplate_lines<'a>(
    docs: &'a [DocBoilerplate],
    id: impl Fn(DocId) -> &'a str + 'a,
) -> impl Iterator<Item = BoilerplateLine<'a>> + 'a {
    docs.iter().map(move |d| BoilerplateLine {
        id: id(d.doc),
        bytes: d.spans.iter().map(|s| s.end - s.start).sum(),
        spans: d
            .spans
            .iter()
            .map(|s| SpanLine { start: s.start, end: s.end, reason: s.reason.as_str() })
            .collect(),
    })
}

/// Cluster sizes as `{"size": count}` for summary.json.
pub fn size_histogram(result: &DedupResult) -> BTreeMap<String, usize> {
    result.clustering.size_histogram().into_iter().map(|(s, n)| (s.to_string(), n)).collect()
}

/// Ten bins of members' similarity to their representative (members of
/// clusters of two or more, representatives excluded).
pub fn similarity_histogram(result: &DedupResult) -> [usize; 10] {
    let mut bins = [0; 10];
    for d in 0..result.clustering.num_docs() as u32 {
        let doc = DocId::from_u32(d);
        if !result.clustering.is_representative(doc) {
            let s = result.similarity[doc.as_usize()].clamp(0.0, 1.0);
            bins[((s * 10.0) as usize).min(9)] += 1;
        }
    }
    bins
}
