//! Whole runs: `dedup`, `passages` and `clean` over a corpus, driven the
//! way the CLI drives the core (pass 1, plan, pass 2, finish), so that the
//! same parameters give the same clusters as `syndic dedup`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, UInt32Array, UInt64Array};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use syndic::boilerplate;
use syndic::clean::Cleaner;
use syndic::cluster::Keep;
use syndic::dedup::{Deduper, Mode};
use syndic::pairs::DedupResult;
use syndic::read::ReadOptions;
use syndic::reprint::{DocBoilerplate, ReprintConfig, ReprintFinder, SharedPassage};
use syndic::settings::check_used;
use syndic::{Catalog, DocId};

use crate::arrow::{batch, string_array, PyBatch};
use crate::corpus::{Corpus, ReadReport};
use crate::errors::OrRaise;
use crate::settings::{Given, Group};

/// How a run runs: the size of its thread pool (`None`: all cores) and
/// the callable told `(pass, documents)` after every batch.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct RunArgs {
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
}

pub(crate) fn corpus(
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    read: ReadOptions,
    run: RunArgs,
) -> PyResult<Corpus> {
    Corpus::new(batches, paths, read, run.threads, run.progress)
}

/// The validated configuration of a dedup run, as `summary.json` records
/// it (with the bands and rows chosen for the threshold).
#[pyfunction]
pub fn dedup_config<'py>(
    py: Python<'py>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let given = Given::parse(options, &[Group::Dedup, Group::MinHash])?;
    let config = given.minhash.config(&given.dedup).or_raise()?;
    json_to_py(py, &config.to_json())
}

/// What a finished run hands back to Python: clusters, pairs, the reprint
/// mode's passages and boilerplate, and the counts.
type RunOutput<'py> = (PyBatch, PyBatch, Option<PyBatch>, Option<PyBatch>, Bound<'py, PyAny>);

/// A dedup run over record batches or files.
#[pyfunction]
#[pyo3(signature = (batches, paths, *, options, run))]
pub fn dedup<'py>(
    py: Python<'py>,
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    options: &Bound<'py, PyDict>,
    run: RunArgs,
) -> PyResult<RunOutput<'py>> {
    let given =
        Given::parse(options, &[Group::Read, Group::Dedup, Group::MinHash, Group::Reprint])?;
    let mode = given.dedup.mode;
    check_used(mode, given.names.iter().map(String::as_str))
        .map_err(syndic::Error::from)
        .or_raise()?;
    if mode == Mode::Reprint {
        let config = given.reprint.dedup_config(&given.dedup).or_raise()?;
        return run_reprint(py, &corpus(batches, paths, given.read, run)?, config);
    }
    let config = given.minhash.config(&given.dedup).or_raise()?;
    let corpus = corpus(batches, paths, given.read, run)?;
    let params = config.to_json();
    let mut deduper = Deduper::new(config).or_raise()?;
    let report = corpus.drive(py, &mut deduper)?;
    let ids = deduper.catalog().clone();
    let result = corpus.run(py, || deduper.finish())?.or_raise()?;
    let stats = stats(&result, &report, params, None);
    Ok((clusters(&result, &ids)?, pairs(&result, &ids)?, None, None, json_to_py(py, &stats)?))
}

fn run_reprint<'py>(
    py: Python<'py>,
    corpus: &Corpus,
    config: ReprintConfig,
) -> PyResult<RunOutput<'py>> {
    let params = config.to_json();
    let mut finder = ReprintFinder::new(config);
    let report = corpus.drive(py, &mut finder)?;
    let ids = finder.catalog().clone();
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
#[pyo3(signature = (batches, paths, *, options, drop_repeated, run))]
pub fn clean(
    py: Python<'_>,
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    options: &Bound<'_, PyDict>,
    drop_repeated: bool,
    run: RunArgs,
) -> PyResult<PyBatch> {
    let given = Given::parse(options, &[Group::Read, Group::Reprint])?;
    let config = given.reprint.config(Keep::First).or_raise()?;
    let corpus = corpus(batches, paths, given.read, run)?;
    let mut cleaner = Cleaner::new(config, drop_repeated);
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

fn clusters(result: &DedupResult, ids: &Catalog) -> PyResult<PyBatch> {
    let c = &result.clustering;
    let docs = || (0..c.num_docs() as u32).map(DocId::from_u32);
    batch(vec![
        ("id", string_array(ids.ids())),
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

fn pairs(result: &DedupResult, ids: &Catalog) -> PyResult<PyBatch> {
    let id = |d: DocId| ids.id(d);
    let kind = |k| match serde_json::to_value(k) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("pair kinds serialize as strings"),
    };
    // The batch holds every pair: spilled ones are read back here.
    let pairs = result.pairs.to_vec().or_raise()?;
    let kinds: Vec<String> = pairs.iter().map(|p| kind(p.kind)).collect();
    batch(vec![
        ("a", string_array(pairs.iter().map(|p| id(p.a)))),
        ("b", string_array(pairs.iter().map(|p| id(p.b)))),
        (
            "similarity",
            Arc::new(Float64Array::from_iter_values(pairs.iter().map(|p| p.similarity)))
                as ArrayRef,
        ),
        ("kind", string_array(kinds.iter().map(String::as_str))),
        ("coverage", Arc::new(pairs.iter().map(|p| p.coverage).collect::<Float64Array>())),
    ])
}

fn passage_batch(passages: &[SharedPassage], ids: &Catalog) -> PyResult<PyBatch> {
    let id = |d: DocId| ids.id(d);
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
fn boilerplate_batch(docs: &[DocBoilerplate], ids: &Catalog) -> PyResult<PyBatch> {
    let spans: Vec<(&str, &boilerplate::Span)> =
        docs.iter().flat_map(|d| d.spans.iter().map(move |s| (ids.id(d.doc), s))).collect();
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
