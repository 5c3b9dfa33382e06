//! Whole runs: `dedup`, `passages` and `clean` over a corpus, driven the
//! way the CLI drives the core (pass 1, plan, pass 2, finish), so that the
//! same parameters give the same clusters as `syndic dedup`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, UInt32Array, UInt64Array};
use pyo3::prelude::*;
use syndic::boilerplate;
use syndic::clean::Cleaner;
use syndic::cluster::Keep;
use syndic::dedup::{DedupConfig, Deduper, Mode};
use syndic::fingerprint::FingerprintConfig;
use syndic::pairs::DedupResult;
use syndic::reprint::{DocBoilerplate, ReprintConfig, ReprintFinder, SharedPassage};
use syndic::DocId;

use crate::arrow::{batch, string_array, PyBatch};
use crate::corpus::{Corpus, FileOptions, ReadReport};
use crate::errors::OrRaise;

/// How files are read (ignored for record batches).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct ReadArgs {
    format: Option<String>,
    id_field: String,
    text_field: String,
    site_field: Option<String>,
    max_doc_bytes: u64,
    skip_bad_records: bool,
}

/// Exact and MinHash settings, named as the CLI's flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct DedupArgs {
    mode: String,
    threshold: f64,
    num_perm: usize,
    ngram: usize,
    char_ngram: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    sketch: String,
    verify: String,
    seed: u64,
    keep: String,
    bucket_window: usize,
}

/// Reprint and passage settings, named as the CLI's flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct ReprintArgs {
    min_passage_words: usize,
    min_coverage: f64,
    min_longer_coverage: f64,
    boilerplate_min_docs: usize,
    boilerplate_min_site_docs: usize,
    max_df: usize,
    align_memory_mb: u64,
}

/// How a run runs: the size of its thread pool (`None`: all cores) and
/// the callable told `(pass, documents)` after every batch.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct RunArgs {
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
}

impl DedupArgs {
    fn config(&self) -> syndic::Result<DedupConfig> {
        let mut builder = DedupConfig::builder()
            .mode(self.mode.parse()?)
            .threshold(self.threshold)
            .num_perm(self.num_perm)
            .ngram(self.ngram)
            .char_ngram(self.char_ngram)
            .sketch(self.sketch.parse()?)
            .verify(self.verify.parse()?)
            .seed(self.seed)
            .bucket_window(self.bucket_window)
            .keep(self.keep.parse()?);
        match (self.bands, self.rows) {
            (Some(b), Some(r)) => builder = builder.bands_rows(b, r),
            (None, None) => {}
            _ => {
                return Err(
                    syndic::ConfigError::Conflict("bands and rows go together".into()).into()
                )
            }
        }
        builder.build()
    }
}

impl ReprintArgs {
    fn config(&self, keep: Keep) -> syndic::Result<ReprintConfig> {
        if self.min_passage_words == 0 {
            return Err(syndic::ConfigError::invalid("min_passage_words", "at least 1", 0).into());
        }
        ReprintConfig::builder()
            .min_passage_words(self.min_passage_words)
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

fn corpus(
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    read: ReadArgs,
    run: RunArgs,
) -> PyResult<Corpus> {
    let files = FileOptions {
        format: read.format,
        id_field: read.id_field,
        text_field: read.text_field,
        site_field: read.site_field,
        max_doc_bytes: read.max_doc_bytes,
        skip_bad_records: read.skip_bad_records,
    };
    Corpus::new(batches, paths, files, run.threads, run.progress)
}

/// The validated configuration of a dedup run, as `summary.json` records
/// it (with the bands and rows chosen for the threshold).
#[pyfunction]
pub fn dedup_config(py: Python<'_>, options: DedupArgs) -> PyResult<Bound<'_, PyAny>> {
    json_to_py(py, &options.config().or_raise()?.to_json())
}

/// What a finished run hands back to Python: clusters, pairs, the reprint
/// mode's passages and boilerplate, and the counts.
type RunOutput<'py> = (PyBatch, PyBatch, Option<PyBatch>, Option<PyBatch>, Bound<'py, PyAny>);

/// A dedup run over record batches or files.
#[pyfunction]
#[pyo3(signature = (batches, paths, *, read, options, reprint, run))]
pub fn dedup(
    py: Python<'_>,
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    read: ReadArgs,
    options: DedupArgs,
    reprint: ReprintArgs,
    run: RunArgs,
) -> PyResult<RunOutput<'_>> {
    let corpus = corpus(batches, paths, read, run)?;
    let config = options.config().or_raise()?;
    if config.mode() == Mode::Reprint {
        let config = reprint.config(config.keep()).or_raise()?;
        return run_reprint(py, &corpus, config);
    }
    let params = config.to_json();
    let mut deduper = Deduper::new(config).or_raise()?;
    let report = corpus.drive(py, &mut deduper)?;
    let ids = deduper.catalog().ids().to_vec();
    let result = corpus.run(py, || deduper.finish())?.or_raise()?;
    let stats = stats(&result, &report, params, None);
    Ok((clusters(&result, &ids)?, pairs(&result, &ids)?, None, None, json_to_py(py, &stats)?))
}

/// Shared passages and boilerplate of a corpus (the reprint pipeline).
#[pyfunction]
#[pyo3(signature = (batches, paths, *, read, reprint, keep, run))]
pub fn passages<'py>(
    py: Python<'py>,
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    read: ReadArgs,
    reprint: ReprintArgs,
    keep: &str,
    run: RunArgs,
) -> PyResult<RunOutput<'py>> {
    let corpus = corpus(batches, paths, read, run)?;
    let config = reprint.config(keep.parse().or_raise()?).or_raise()?;
    run_reprint(py, &corpus, config)
}

fn run_reprint<'py>(
    py: Python<'py>,
    corpus: &Corpus,
    config: ReprintConfig,
) -> PyResult<RunOutput<'py>> {
    let params = config.to_json();
    let mut finder = ReprintFinder::new(config);
    let report = corpus.drive(py, &mut finder)?;
    let ids = finder.catalog().ids().to_vec();
    let result = corpus.run(py, || finder.finish())?.or_raise()?;
    let extra = serde_json::json!({
        "passages": result.passages.len(),
        "boilerplate_bytes": result.boilerplate_bytes,
    });
    let stats = stats(&result.dedup, &report, params, Some(extra));
    Ok((
        clusters(&result.dedup, &ids)?,
        pairs(&result.dedup, &ids)?,
        Some(passage_batch(&result.passages, &ids)?),
        Some(boilerplate_batch(&result.boilerplate, &ids)?),
        json_to_py(py, &stats)?,
    ))
}

/// The corpus with boilerplate cut out, and with `drop_repeated` also the
/// passages (and exact copies) already seen earlier in the corpus: what
/// `syndic clean` writes, as `id`, `text` and `removed_bytes`.
#[pyfunction]
#[pyo3(signature = (batches, paths, *, read, reprint, drop_repeated, run))]
pub fn clean(
    py: Python<'_>,
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    read: ReadArgs,
    reprint: ReprintArgs,
    drop_repeated: bool,
    run: RunArgs,
) -> PyResult<PyBatch> {
    let corpus = corpus(batches, paths, read, run)?;
    let mut cleaner = Cleaner::new(reprint.config(Keep::First).or_raise()?, drop_repeated);
    corpus.drive(py, &mut cleaner)?;
    let cuts = corpus.run(py, || cleaner.finish())?.or_raise()?;
    let mut rows: Vec<(String, String, u64)> = Vec::new();
    corpus.for_each_batch(py, |docs| {
        for doc in docs {
            let id = DocId::from_u32(rows.len() as u32);
            let (cleaned, removed) = cuts.apply(id, &doc.text);
            rows.push((doc.id.clone(), cleaned, removed));
        }
        Ok(())
    })?;
    batch(vec![
        ("id", string_array(rows.iter().map(|r| r.0.as_str()))),
        ("text", string_array(rows.iter().map(|r| r.1.as_str()))),
        ("removed_bytes", Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.2)))),
    ])
}

fn stats(
    result: &DedupResult,
    report: &ReadReport,
    params: serde_json::Value,
    extra: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut stats = serde_json::to_value(&result.stats).expect("stats serialize");
    stats["skipped"] = serde_json::to_value(&report.skipped).expect("counts serialize");
    stats["params"] = params;
    if let Some(serde_json::Value::Object(extra)) = extra {
        for (key, value) in extra {
            stats[key] = value;
        }
    }
    stats
}

fn clusters(result: &DedupResult, ids: &[String]) -> PyResult<PyBatch> {
    let c = &result.clustering;
    let docs = || (0..c.num_docs() as u32).map(DocId::from_u32);
    batch(vec![
        ("id", string_array(ids.iter().map(String::as_str))),
        (
            "cluster",
            Arc::new(UInt32Array::from_iter_values(docs().map(|d| c.cluster_of(d).as_u32())))
                as ArrayRef,
        ),
        (
            "representative",
            Arc::new(docs().map(|d| Some(c.is_representative(d))).collect::<BooleanArray>()),
        ),
        ("similarity", Arc::new(Float64Array::from(result.similarity.clone()))),
    ])
}

fn pairs(result: &DedupResult, ids: &[String]) -> PyResult<PyBatch> {
    let id = |d: DocId| ids[d.as_usize()].as_str();
    let kind = |k| match serde_json::to_value(k) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("pair kinds serialize as strings"),
    };
    let kinds: Vec<String> = result.pairs.iter().map(|p| kind(p.kind)).collect();
    batch(vec![
        ("a", string_array(result.pairs.iter().map(|p| id(p.a)))),
        ("b", string_array(result.pairs.iter().map(|p| id(p.b)))),
        (
            "similarity",
            Arc::new(Float64Array::from_iter_values(result.pairs.iter().map(|p| p.similarity)))
                as ArrayRef,
        ),
        ("kind", string_array(kinds.iter().map(String::as_str))),
        ("coverage", Arc::new(result.pairs.iter().map(|p| p.coverage).collect::<Float64Array>())),
    ])
}

fn passage_batch(passages: &[SharedPassage], ids: &[String]) -> PyResult<PyBatch> {
    let id = |d: DocId| ids[d.as_usize()].as_str();
    let offsets = |f: fn(&SharedPassage) -> usize| -> ArrayRef {
        Arc::new(UInt64Array::from_iter_values(passages.iter().map(|p| f(p) as u64)))
    };
    batch(vec![
        ("a", string_array(passages.iter().map(|p| id(p.a)))),
        ("b", string_array(passages.iter().map(|p| id(p.b)))),
        ("a_start", offsets(|p| p.a_range.0)),
        ("a_end", offsets(|p| p.a_range.1)),
        ("b_start", offsets(|p| p.b_range.0)),
        ("b_end", offsets(|p| p.b_range.1)),
        ("words", Arc::new(UInt32Array::from_iter_values(passages.iter().map(|p| p.words as u32)))),
        ("identity", Arc::new(Float64Array::from_iter_values(passages.iter().map(|p| p.identity)))),
        (
            "boilerplate",
            Arc::new(passages.iter().map(|p| Some(p.boilerplate)).collect::<BooleanArray>()),
        ),
    ])
}

/// One row per boilerplate span.
fn boilerplate_batch(docs: &[DocBoilerplate], ids: &[String]) -> PyResult<PyBatch> {
    let spans: Vec<(&str, &boilerplate::Span)> = docs
        .iter()
        .flat_map(|d| d.spans.iter().map(move |s| (ids[d.doc.as_usize()].as_str(), s)))
        .collect();
    batch(vec![
        ("id", string_array(spans.iter().map(|s| s.0))),
        (
            "start",
            Arc::new(UInt64Array::from_iter_values(spans.iter().map(|s| s.1.start as u64)))
                as ArrayRef,
        ),
        ("end", Arc::new(UInt64Array::from_iter_values(spans.iter().map(|s| s.1.end as u64)))),
        ("reason", string_array(spans.iter().map(|s| s.1.reason.as_str()))),
    ])
}

/// A JSON value as the equivalent Python object (dicts, lists, numbers).
pub fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (value.to_string(),))
}
