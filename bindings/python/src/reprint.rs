//! The reprint pipeline's stages over shards (the core's
//! `syndic::reprint::stages`), for the Ray runner: pass 1 of a shard, the
//! merge of its statistics, the links of a partition of fingerprints, the
//! batch pipeline over whole components, and the boilerplate of a shard.
//! The statistics travel as the core's bytes; the model is frozen from
//! them where it is used.

use std::sync::Arc;

use arrow_array::types::{UInt32Type, UInt64Type};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, UInt32Array, UInt64Array};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use syndic::cluster::Clustering;
use syndic::reprint::stages::{self, CorpusStats};
use syndic::reprint::ReprintConfig;
use syndic::rundir::{boilerplate_lines, to_bytes};
use syndic::{DocId, Document};

use crate::arrow::{batch, import, primitive, string_array, strs, PyArray, PyBatch, Strings};
use crate::errors::{config_error, OrRaise};
use crate::pipeline::json_to_py;
use crate::settings::{Given, Group};

/// The reprint config of a dedup run given `options` (every dedup
/// setting; those of other modes are accepted and unused, as in a run).
fn config(options: &Bound<'_, PyDict>) -> PyResult<ReprintConfig> {
    let given = Given::parse(options, &[Group::Dedup, Group::MinHash, Group::Reprint])?;
    given.reprint.dedup_config(&given.dedup).or_raise()
}

/// The parameters of a reprint run given `options`, as its summary
/// records them.
#[pyfunction]
#[pyo3(signature = (*, options))]
pub fn reprint_params<'py>(
    py: Python<'py>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &config(options)?.to_json())
}

/// Documents of `texts` with `sites` (nullable strings) when given.
fn documents(texts: Vec<PyArray>, sites: Option<Vec<PyArray>>) -> PyResult<Vec<Document>> {
    let texts_chunks = import(texts);
    let texts = strs(&texts_chunks, "texts")?;
    let mut docs: Vec<Document> = texts.iter().map(|t| Document::new("", *t)).collect();
    if let Some(sites) = sites {
        let chunks = import(sites);
        let mut i = 0;
        for chunk in &chunks {
            let sites = Strings::new(chunk.as_ref(), "sites")?;
            for j in 0..sites.len() {
                let doc = docs.get_mut(i).ok_or_else(|| config_error("more sites than texts"))?;
                doc.site = sites.get(j).map(str::to_owned);
                i += 1;
            }
        }
        if i != docs.len() {
            return Err(config_error(format!("{i} sites for {} texts", docs.len())));
        }
    }
    Ok(docs)
}

fn stats_of(bytes: &[u8]) -> PyResult<CorpusStats> {
    CorpusStats::decode(bytes).ok_or_else(|| config_error("stats are not reprint statistics"))
}

fn u32s(values: impl IntoIterator<Item = u32>) -> ArrayRef {
    Arc::new(UInt32Array::from_iter_values(values))
}

fn u64s(values: impl IntoIterator<Item = u64>) -> ArrayRef {
    Arc::new(UInt64Array::from_iter_values(values))
}

/// Pass 1 of a shard: `hash_hi`, `hash_lo` (each document's content
/// hash), the postings `row`, `fingerprint` (its distinct passage
/// fingerprints) and the shard's statistics as bytes.
#[pyfunction]
#[pyo3(signature = (texts, sites, *, options))]
pub fn reprint_observe<'py>(
    py: Python<'py>,
    texts: Vec<PyArray>,
    sites: Option<Vec<PyArray>>,
    options: &Bound<'py, PyDict>,
) -> PyResult<(PyBatch, PyBatch, Bound<'py, PyBytes>)> {
    let config = config(options)?;
    let docs = documents(texts, sites)?;
    let (hashed, stats) = py.detach(|| stages::observe(&docs, &config));
    let hashes = batch(vec![
        ("hash_hi", u64s(hashed.iter().map(|(h, _)| (h >> 64) as u64))),
        ("hash_lo", u64s(hashed.iter().map(|(h, _)| *h as u64))),
    ])?;
    let rows = hashed.iter().enumerate().flat_map(|(i, (_, f))| f.iter().map(move |_| i as u32));
    let postings = batch(vec![
        ("row", u32s(rows)),
        ("fingerprint", u64s(hashed.iter().flat_map(|(_, f)| f.iter().copied()))),
    ])?;
    let bytes = py.detach(|| stats.encode());
    Ok((hashes, postings, PyBytes::new(py, &bytes)))
}

/// The sum of statistics of shards (as bytes), as bytes.
#[pyfunction]
pub fn reprint_merge_stats<'py>(
    py: Python<'py>,
    parts: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let parts: Vec<CorpusStats> = parts.iter().map(|p| stats_of(p)).collect::<PyResult<_>>()?;
    let bytes = py.detach(|| {
        let mut total = CorpusStats::default();
        for part in parts {
            total.merge(part);
        }
        total.encode()
    });
    Ok(PyBytes::new(py, &bytes))
}

/// Over postings `fingerprint`, `doc` holding every document of the
/// fingerprints they name: the fingerprints too common to make pairs, and
/// a batch of edges `a`, `b` whose components hold the candidate pairs.
#[pyfunction]
#[pyo3(signature = (fingerprint, doc, *, options))]
pub fn reprint_links(
    py: Python<'_>,
    fingerprint: PyArray,
    doc: PyArray,
    options: &Bound<'_, PyDict>,
) -> PyResult<(PyArray, PyBatch)> {
    let config = config(options)?;
    let fingerprint = primitive::<UInt64Type>(fingerprint, "fingerprint")?;
    let doc = primitive::<UInt32Type>(doc, "doc")?;
    if fingerprint.len() != doc.len() {
        return Err(config_error("fingerprint and doc differ in length"));
    }
    let (common, edges) = py.detach(|| {
        let mut postings: Vec<(u64, u32)> =
            fingerprint.values().iter().copied().zip(doc.values().iter().copied()).collect();
        stages::fingerprint_links(&mut postings, &config)
    });
    let common = arrow_pyarrow::PyArrowType(UInt64Array::from(common).into());
    let edges = batch(vec![
        ("a", u32s(edges.iter().map(|e| e.0))),
        ("b", u32s(edges.iter().map(|e| e.1))),
    ])?;
    Ok((common, edges))
}

/// The batch pipeline over documents `doc` (DocIds of whole components, in
/// corpus order) with `texts` and `sites`, judged by the corpus's
/// statistics `stats`, the fingerprints `common` making no pairs. Returns
/// a dict: `documents` (`doc`, `representative`, `similarity`), `pairs`
/// (`a`, `b`, `similarity`, `kind`, `coverage`), `passages` (`a`, `b`,
/// `a_start`, `a_end`, `b_start`, `b_end`, `words`, `identity`,
/// `boilerplate`, in the core's order), all in DocIds, and the counts
/// `candidate_pairs`, `verified_pairs` and `exact_duplicates`.
#[pyfunction]
#[pyo3(signature = (doc, texts, sites, stats, common, *, options))]
pub fn reprint_find<'py>(
    py: Python<'py>,
    doc: PyArray,
    texts: Vec<PyArray>,
    sites: Option<Vec<PyArray>>,
    stats: &[u8],
    common: PyArray,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyDict>> {
    let config = config(options)?;
    let ids = primitive::<UInt32Type>(doc, "doc")?;
    let docs = documents(texts, sites)?;
    if ids.len() != docs.len() {
        return Err(config_error("doc and texts differ in length"));
    }
    if ids.values().windows(2).any(|w| w[0] >= w[1]) {
        return Err(config_error("doc must be increasing"));
    }
    let stats = stats_of(stats)?;
    let common = primitive::<UInt64Type>(common, "common")?;
    let result = py
        .detach(|| {
            let model = stats.model(&config);
            stages::find_in_components(&docs, &model, common.values().iter().copied(), &config)
        })
        .or_raise()?;
    let global = |d: DocId| ids.value(d.as_usize());
    let dedup = &result.dedup;
    let local = (0..docs.len() as u32).map(DocId::from_u32);
    let documents =
        batch(vec![
            ("doc", u32s(ids.values().iter().copied())),
            (
                "representative",
                u32s(local.map(|d| {
                    global(dedup.clustering.representative(dedup.clustering.cluster_of(d)))
                })),
            ),
            ("similarity", Arc::new(Float64Array::from(dedup.similarity.clone()))),
        ])?;
    let pairs = result.pairs();
    let kinds: Vec<String> = pairs
        .iter()
        .map(|p| serde_json::to_value(p.kind).ok().and_then(|v| v.as_str().map(str::to_owned)))
        .collect::<Option<_>>()
        .ok_or_else(|| config_error("a pair kind without a name"))?;
    let pairs = batch(vec![
        ("a", u32s(pairs.iter().map(|p| global(p.a)))),
        ("b", u32s(pairs.iter().map(|p| global(p.b)))),
        (
            "similarity",
            Arc::new(Float64Array::from_iter_values(pairs.iter().map(|p| p.similarity))),
        ),
        ("kind", string_array(kinds.iter().map(String::as_str))),
        ("coverage", Arc::new(pairs.iter().map(|p| p.coverage).collect::<Float64Array>())),
    ])?;
    let ps = &result.passages;
    let passages = batch(vec![
        ("a", u32s(ps.iter().map(|p| global(p.a)))),
        ("b", u32s(ps.iter().map(|p| global(p.b)))),
        ("a_start", u64s(ps.iter().map(|p| p.a_range.0 as u64))),
        ("a_end", u64s(ps.iter().map(|p| p.a_range.1 as u64))),
        ("b_start", u64s(ps.iter().map(|p| p.b_range.0 as u64))),
        ("b_end", u64s(ps.iter().map(|p| p.b_range.1 as u64))),
        ("words", u64s(ps.iter().map(|p| p.words as u64))),
        ("identity", Arc::new(Float64Array::from_iter_values(ps.iter().map(|p| p.identity)))),
        ("boilerplate", Arc::new(ps.iter().map(|p| Some(p.boilerplate)).collect::<BooleanArray>())),
    ])?;
    let out = PyDict::new(py);
    out.set_item("documents", documents)?;
    out.set_item("pairs", pairs)?;
    out.set_item("passages", passages)?;
    out.set_item("candidate_pairs", dedup.stats.candidate_pairs)?;
    out.set_item("verified_pairs", dedup.stats.verified_pairs)?;
    out.set_item("exact_duplicates", dedup.stats.exact_duplicates)?;
    Ok(out)
}

/// The lines of `boilerplate.jsonl` of a shard (documents named by `ids`),
/// labelled by the corpus's statistics `stats`, and its bytes of
/// boilerplate.
#[pyfunction]
#[pyo3(signature = (ids, texts, sites, stats, *, options))]
pub fn reprint_boilerplate<'py>(
    py: Python<'py>,
    ids: Vec<PyArray>,
    texts: Vec<PyArray>,
    sites: Option<Vec<PyArray>>,
    stats: &[u8],
    options: &Bound<'py, PyDict>,
) -> PyResult<(Bound<'py, PyBytes>, u64)> {
    let config = config(options)?;
    let id_chunks = import(ids);
    let ids = strs(&id_chunks, "ids")?;
    let docs = documents(texts, sites)?;
    if ids.len() != docs.len() {
        return Err(config_error("ids and texts differ in length"));
    }
    let stats = stats_of(stats)?;
    let (bytes, total) = py.detach(|| {
        let labelled = stages::label_boilerplate(&docs, 0, &stats.model(&config), &config);
        let total: u64 =
            labelled.iter().flat_map(|b| &b.spans).map(|s| (s.end - s.start) as u64).sum();
        (to_bytes(boilerplate_lines(&labelled, |d| ids[d.as_usize()])), total)
    });
    Ok((PyBytes::new(py, &bytes), total))
}

/// Cluster numbers from each document's representative, numbered as the
/// core numbers every clustering: a batch of `cluster`.
#[pyfunction]
pub fn clusters_from_representatives(py: Python<'_>, representative: PyArray) -> PyResult<PyBatch> {
    let representative = primitive::<UInt32Type>(representative, "representative")?;
    let n = representative.len();
    if let Some(&r) = representative.values().iter().find(|&&r| r as usize >= n) {
        return Err(config_error(format!("representative {r} out of range")));
    }
    let values = representative.values();
    if let Some(d) = (0..n).find(|&d| values[values[d] as usize] != values[d]) {
        return Err(config_error(format!("the representative of {d} is not its own")));
    }
    let clustering = py.detach(|| Clustering::from_representatives(values));
    let cluster = (0..n as u32).map(|d| clustering.cluster_of(DocId::from_u32(d)).as_u32());
    batch(vec![("cluster", u32s(cluster))])
}
