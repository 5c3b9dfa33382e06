//! The pipeline's stages one by one, over Arrow arrays, for users who
//! compose their own pipelines (the Ray runner is one): each function is a
//! core function with its arguments checked, so that a wrong length or type
//! is a `ConfigError` rather than a panic in the core.

use std::sync::Arc;

use arrow_array::types::{UInt32Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, PrimitiveArray, UInt32Array, UInt64Array,
};
use arrow_pyarrow::PyArrowType;
use arrow_schema::DataType;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use syndic::cluster::{Clustering, Keep};
use syndic::dedup::sketch_batch;
use syndic::lsh::LshParams;
use syndic::normalize::Tokens;
use syndic::pairs::exact_canonicals as core_exact_canonicals;
use syndic::reprint::align_texts;
use syndic::settings::DedupSettings;
use syndic::verify::jaccard_sorted;
use syndic::{DocId, Document};

use crate::arrow::{
    batch, fixed_size_list, import, primitive, strs, to_fixed_size_list, PyArray, PyBatch,
};
use crate::errors::{config_error, OrRaise};
use crate::settings::{Given, Group};
use syndic::read::BATCH_DOCS;

/// MinHash signatures and content hashes of texts.
#[pyfunction]
#[pyo3(signature = (texts, *, options))]
pub fn sketch(
    py: Python<'_>,
    texts: Vec<PyArray>,
    options: &Bound<'_, PyDict>,
) -> PyResult<PyBatch> {
    let names = ["num_perm", "ngram", "char_ngram", "seed", "sketch"];
    let given = Given::parse_only(options, &[Group::MinHash], &names)?;
    let num_perm = given.minhash.num_perm;
    let config = given.minhash.config(&DedupSettings::default()).or_raise()?;
    let chunks = import(texts);
    let texts = strs(&chunks, "texts")?;
    let n = texts.len();
    let (mut hi, mut lo, mut tokens) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut signatures = Vec::with_capacity(n * num_perm);
    for part in texts.chunks(BATCH_DOCS) {
        py.check_signals()?;
        let sketches = py.detach(|| {
            let docs: Vec<Document> = part.iter().map(|t| Document::new("", *t)).collect();
            sketch_batch(&docs, &config)
        });
        for s in sketches {
            hi.push((s.content_hash >> 64) as u64);
            lo.push(s.content_hash as u64);
            tokens.push(s.tokens);
            signatures.extend(s.signature);
        }
    }
    batch(vec![
        ("hash_hi", Arc::new(UInt64Array::from(hi)) as ArrayRef),
        ("hash_lo", Arc::new(UInt64Array::from(lo))),
        ("tokens", Arc::new(UInt32Array::from(tokens))),
        ("signature", to_fixed_size_list::<UInt32Type>(signatures, num_perm)?),
    ])
}

/// LSH band keys of signatures: one `uint64` per band.
#[pyfunction]
pub fn band_keys(
    py: Python<'_>,
    signatures: Vec<PyArray>,
    bands: usize,
    rows: usize,
) -> PyResult<PyArray> {
    let (values, width) = fixed_size_list::<UInt32Type>(signatures, "signatures")?;
    let lsh = LshParams::new(bands, rows).or_raise()?;
    if values.is_empty() {
        return Ok(PyArrowType(to_fixed_size_list::<UInt64Type>(Vec::new(), bands)?.to_data()));
    }
    if bands * rows > width {
        return Err(config_error(format!(
            "bands × rows = {} exceeds the signature length {width}",
            bands * rows
        )));
    }
    let keys: Vec<u64> =
        py.detach(|| values.par_chunks(width).flat_map_iter(|sig| lsh.band_keys(sig)).collect());
    Ok(PyArrowType(to_fixed_size_list::<UInt64Type>(keys, bands)?.to_data()))
}

/// Candidate pairs of documents sharing a band key, each bucket member
/// paired with at most `bucket_window` followers.
#[pyfunction]
#[pyo3(signature = (band_keys, *, skip, options))]
pub fn candidate_pairs(
    py: Python<'_>,
    band_keys: Vec<PyArray>,
    skip: Option<PyArray>,
    options: &Bound<'_, PyDict>,
) -> PyResult<PyBatch> {
    let given = Given::parse_only(options, &[Group::MinHash], &["bucket_window"])?;
    let (keys, bands) = fixed_size_list::<UInt64Type>(band_keys, "band_keys")?;
    let lsh = LshParams::new(bands, 1)
        .or_raise()?
        .with_bucket_window(given.minhash.bucket_window)
        .or_raise()?;
    let n = keys.len() / bands;
    let skip = match skip {
        Some(mask) => booleans(mask, "skip", n)?,
        None => vec![false; n],
    };
    let pairs = py.detach(|| lsh.candidates(&keys, &skip));
    let (a, b): (Vec<u32>, Vec<u32>) = pairs.iter().map(|(a, b)| (a.as_u32(), b.as_u32())).unzip();
    batch(vec![
        ("a", Arc::new(UInt32Array::from(a)) as ArrayRef),
        ("b", Arc::new(UInt32Array::from(b))),
    ])
}

/// For each document, the first document with the same content hash.
#[pyfunction]
pub fn exact_canonicals(py: Python<'_>, hash_hi: PyArray, hash_lo: PyArray) -> PyResult<PyArray> {
    let hi = primitive::<UInt64Type>(hash_hi, "hash_hi")?;
    let lo = primitive::<UInt64Type>(hash_lo, "hash_lo")?;
    same_length(&[("hash_hi", hi.len()), ("hash_lo", lo.len())])?;
    let canonical = py.detach(|| {
        let hashes: Vec<u128> = hi
            .values()
            .iter()
            .zip(lo.values())
            .map(|(&h, &l)| (h as u128) << 64 | l as u128)
            .collect();
        core_exact_canonicals(&hashes)
    });
    Ok(u32_array(canonical.iter().map(|d| d.as_u32())))
}

/// Exact Jaccard similarity of the shingle sets of `texts_a[i]` and
/// `texts_b[i]`.
#[pyfunction]
#[pyo3(signature = (texts_a, texts_b, *, options))]
pub fn verify_pairs(
    py: Python<'_>,
    texts_a: Vec<PyArray>,
    texts_b: Vec<PyArray>,
    options: &Bound<'_, PyDict>,
) -> PyResult<PyArray> {
    let given = Given::parse_only(options, &[Group::MinHash], &["ngram", "char_ngram"])?;
    let config = given.minhash.config(&DedupSettings::default()).or_raise()?;
    let shingler = config.shingler();
    let (chunks_a, chunks_b) = (import(texts_a), import(texts_b));
    let (a, b) = (strs(&chunks_a, "texts_a")?, strs(&chunks_b, "texts_b")?);
    same_length(&[("texts_a", a.len()), ("texts_b", b.len())])?;
    let mut similarity = Vec::with_capacity(a.len());
    for (part_a, part_b) in a.chunks(BATCH_DOCS).zip(b.chunks(BATCH_DOCS)) {
        py.check_signals()?;
        let part: Vec<f64> = py.detach(|| {
            part_a
                .par_iter()
                .zip(part_b)
                .map_init(Tokens::default, |tokens, (x, y)| {
                    jaccard_sorted(
                        &shingler.shingle_set(x, tokens),
                        &shingler.shingle_set(y, tokens),
                    )
                })
                .collect()
        });
        similarity.extend(part);
    }
    Ok(PyArrowType(Float64Array::from(similarity).into_data()))
}

/// One passage: the pair's position, byte offsets `[a_start, a_end,
/// b_start, b_end]`, matched words and identity.
type PassageRow = (u32, [u64; 4], u32, f64);

/// Passages shared by `texts_a[i]` and `texts_b[i]`, in byte offsets of the
/// original texts: the core's `align_texts`, with the alignment settings
/// given (the core's defaults for the rest).
#[pyfunction]
#[pyo3(signature = (texts_a, texts_b, *, options))]
pub fn align_pairs(
    py: Python<'_>,
    texts_a: Vec<PyArray>,
    texts_b: Vec<PyArray>,
    options: &Bound<'_, PyDict>,
) -> PyResult<PyBatch> {
    let names = ["min_passage_words", "seed_ngram", "max_gap", "min_identity"];
    let given = Given::parse_only(options, &[Group::Reprint], &names)?;
    let config = given.reprint.config(Keep::Longest).or_raise()?;
    let (chunks_a, chunks_b) = (import(texts_a), import(texts_b));
    let (a, b) = (strs(&chunks_a, "texts_a")?, strs(&chunks_b, "texts_b")?);
    same_length(&[("texts_a", a.len()), ("texts_b", b.len())])?;
    let mut rows: Vec<PassageRow> = Vec::new();
    for (start, (part_a, part_b)) in
        a.chunks(BATCH_DOCS).zip(b.chunks(BATCH_DOCS)).enumerate().map(|(i, p)| (i * BATCH_DOCS, p))
    {
        py.check_signals()?;
        let part: Vec<Vec<PassageRow>> = py.detach(|| {
            part_a
                .par_iter()
                .zip(part_b)
                .enumerate()
                .map_init(Default::default, |scratch, (i, (x, y))| {
                    align_texts(x, y, &config, scratch)
                        .iter()
                        .map(|p| {
                            let offsets = [p.a_range.0, p.a_range.1, p.b_range.0, p.b_range.1]
                                .map(|o| o as u64);
                            ((start + i) as u32, offsets, p.words as u32, p.identity)
                        })
                        .collect()
                })
                .collect()
        });
        rows.extend(part.into_iter().flatten());
    }
    let offset =
        |k: usize| Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.1[k]))) as ArrayRef;
    batch(vec![
        ("pair", Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.0))) as ArrayRef),
        ("a_start", offset(0)),
        ("a_end", offset(1)),
        ("b_start", offset(2)),
        ("b_end", offset(3)),
        ("words", Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.2)))),
        ("identity", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.3)))),
    ])
}

/// Clusters of `n` documents joined by the edges `(a[i], b[i])`.
#[pyfunction]
#[pyo3(signature = (n, a, b, lengths, *, options))]
pub fn clusters_from_edges(
    py: Python<'_>,
    n: usize,
    a: PyArray,
    b: PyArray,
    lengths: PyArray,
    options: &Bound<'_, PyDict>,
) -> PyResult<PyBatch> {
    let keep = Given::parse_only(options, &[Group::Dedup], &["keep"])?.dedup.keep;
    let (a, b) = (primitive::<UInt32Type>(a, "a")?, primitive::<UInt32Type>(b, "b")?);
    let lengths = primitive::<UInt64Type>(lengths, "lengths")?;
    same_length(&[("a", a.len()), ("b", b.len())])?;
    same_length(&[("n", n), ("lengths", lengths.len())])?;
    in_range(&a, n, "a")?;
    in_range(&b, n, "b")?;
    let clustering = py.detach(|| {
        let edges: Vec<(DocId, DocId)> = a
            .values()
            .iter()
            .zip(b.values())
            .map(|(&a, &b)| (DocId::from_u32(a), DocId::from_u32(b)))
            .collect();
        Clustering::from_edges(n, &edges, keep, lengths.values())
    });
    clustering_batch(&clustering)
}

/// Clusters from any labelling of documents by component (equal label,
/// same cluster), numbered and represented exactly as the core does.
#[pyfunction]
#[pyo3(signature = (roots, lengths, *, options))]
pub fn clusters_from_roots(
    py: Python<'_>,
    roots: PyArray,
    lengths: PyArray,
    options: &Bound<'_, PyDict>,
) -> PyResult<PyBatch> {
    let keep = Given::parse_only(options, &[Group::Dedup], &["keep"])?.dedup.keep;
    let roots = primitive::<UInt32Type>(roots, "roots")?;
    let lengths = primitive::<UInt64Type>(lengths, "lengths")?;
    same_length(&[("roots", roots.len()), ("lengths", lengths.len())])?;
    let clustering = py.detach(|| Clustering::from_roots(roots.values(), keep, lengths.values()));
    clustering_batch(&clustering)
}

/// `cluster` and `representative` (the representative's position) of each
/// document.
fn clustering_batch(clustering: &Clustering) -> PyResult<PyBatch> {
    let docs = (0..clustering.num_docs() as u32).map(DocId::from_u32);
    let cluster: Vec<u32> = docs.clone().map(|d| clustering.cluster_of(d).as_u32()).collect();
    let representative: Vec<u32> =
        docs.map(|d| clustering.representative(clustering.cluster_of(d)).as_u32()).collect();
    batch(vec![
        ("cluster", Arc::new(UInt32Array::from(cluster)) as ArrayRef),
        ("representative", Arc::new(UInt32Array::from(representative))),
    ])
}

fn u32_array(values: impl Iterator<Item = u32>) -> PyArray {
    PyArrowType(UInt32Array::from_iter_values(values).into_data())
}

/// Non-null booleans, `n` of them.
fn booleans(array: PyArray, what: &str, n: usize) -> PyResult<Vec<bool>> {
    let data = array.0;
    if data.data_type() != &DataType::Boolean {
        return Err(config_error(format!("{what} must be a bool array, got {}", data.data_type())));
    }
    let mask = BooleanArray::from(data);
    if mask.null_count() > 0 {
        return Err(config_error(format!("{what} has nulls")));
    }
    same_length(&[("documents", n), (what, mask.len())])?;
    Ok(mask.values().iter().collect())
}

fn same_length(lengths: &[(&str, usize)]) -> PyResult<()> {
    match lengths {
        [(first, n), rest @ ..] => match rest.iter().find(|(_, m)| m != n) {
            Some((other, m)) => {
                Err(config_error(format!("{first} has {n} values but {other} has {m}")))
            }
            None => Ok(()),
        },
        [] => Ok(()),
    }
}

fn in_range(ids: &PrimitiveArray<UInt32Type>, n: usize, what: &str) -> PyResult<()> {
    match ids.values().iter().find(|&&d| d as usize >= n) {
        Some(d) => Err(config_error(format!("{what} holds document {d}, but there are only {n}"))),
        None => Ok(()),
    }
}
