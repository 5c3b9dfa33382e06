//! The run directory for the Python runners that assemble their results
//! themselves (`syndic.ray`): the core's rule for what an output may
//! replace, its line types and its summary, so that they write what the CLI
//! writes by the same code.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use syndic::pairs::PairKind;
use syndic::rundir::{
    round, to_bytes, ClusterCounts, ClusterLine, PairLine, PassageLine, Summary, CLUSTERS_FILE,
    PAIRS_FILE, PASSAGES_FILE,
};
use syndic::write::Overwrite;

use crate::arrow::{primitive, PyArray, PyBatch, Strings};
use crate::errors::{config_error, OrRaise};
use crate::pipeline::json_to_py;

/// Raises unless a run directory may be written at `path`: nothing is
/// there, or (with `force`) a run directory that syndic wrote, holding
/// nothing else and none of `reads` (the run's inputs).
#[pyfunction]
#[pyo3(signature = (path, force, reads))]
pub fn check_run_dir(path: PathBuf, force: bool, reads: Vec<PathBuf>) -> PyResult<()> {
    Overwrite::new(force).protecting(reads).check_run_dir(&path).or_raise()
}

/// The rows of `batch` as lines of the run file `file` (`clusters.jsonl`:
/// columns `id`, `cluster`, `representative`, `similarity`; `pairs.jsonl`:
/// `a`, `b`, `similarity`, `kind` and optionally `coverage`;
/// `passages.jsonl`: `a`, `b`, `a_start`, `a_end`, `b_start`, `b_end`,
/// `words` (uint64), `identity`, `boilerplate`), scores rounded as the CLI
/// rounds them.
#[pyfunction]
pub fn run_lines<'py>(
    py: Python<'py>,
    file: &str,
    batch: PyBatch,
) -> PyResult<Bound<'py, PyBytes>> {
    let batch = batch.0;
    let column = |name: &str| -> PyResult<&ArrayRef> {
        batch
            .column_by_name(name)
            .ok_or_else(|| config_error(format!("{file}: the rows have no column `{name}`")))
    };
    let floats = |name: &str| -> PyResult<Vec<Option<f64>>> {
        let array = column(name)?
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| config_error(format!("{file}: column `{name}` must be float64")))?;
        Ok(array.iter().collect())
    };
    let strings =
        |name: &str| -> PyResult<Strings<'_>> { Strings::new(column(name)?.as_ref(), name) };
    let n = batch.num_rows();
    let null =
        |name: &str, row: usize| config_error(format!("{file}: `{name}` is null in row {row}"));
    let bytes = match file {
        CLUSTERS_FILE => {
            let (id, similarity) = (strings("id")?, floats("similarity")?);
            let cluster = column("cluster")?
                .as_primitive_opt::<UInt32Type>()
                .ok_or_else(|| config_error(format!("{file}: column `cluster` must be uint32")))?;
            let representative = column("representative")?.as_boolean_opt().ok_or_else(|| {
                config_error(format!("{file}: column `representative` must be bool"))
            })?;
            let mut lines = Vec::with_capacity(n);
            for (row, &similarity) in similarity.iter().enumerate() {
                if cluster.is_null(row) {
                    return Err(null("cluster", row));
                }
                if representative.is_null(row) {
                    return Err(null("representative", row));
                }
                lines.push(ClusterLine {
                    id: Cow::Borrowed(id.get(row).ok_or_else(|| null("id", row))?),
                    cluster: cluster.value(row),
                    representative: representative.value(row),
                    similarity: round(similarity.ok_or_else(|| null("similarity", row))?),
                });
            }
            py.detach(|| to_bytes(&lines))
        }
        PAIRS_FILE => {
            let (a, b, kind) = (strings("a")?, strings("b")?, strings("kind")?);
            let similarity = floats("similarity")?;
            let coverage = match batch.column_by_name("coverage") {
                Some(_) => floats("coverage")?,
                None => vec![None; n],
            };
            let mut lines = Vec::with_capacity(n);
            for (row, (&similarity, &coverage)) in similarity.iter().zip(&coverage).enumerate() {
                let kind = kind.get(row).ok_or_else(|| null("kind", row))?;
                let kind: PairKind = serde_json::from_value(kind.into())
                    .map_err(|_| config_error(format!("{file}: unknown pair kind `{kind}`")))?;
                lines.push(PairLine {
                    a: Cow::Borrowed(a.get(row).ok_or_else(|| null("a", row))?),
                    b: Cow::Borrowed(b.get(row).ok_or_else(|| null("b", row))?),
                    similarity: round(similarity.ok_or_else(|| null("similarity", row))?),
                    kind,
                    coverage: coverage.map(round),
                });
            }
            py.detach(|| to_bytes(&lines))
        }
        PASSAGES_FILE => {
            let (a, b) = (strings("a")?, strings("b")?);
            let identity = floats("identity")?;
            let offsets = |name: &str| -> PyResult<Vec<u64>> {
                let array = column(name)?.as_primitive_opt::<UInt64Type>().ok_or_else(|| {
                    config_error(format!("{file}: column `{name}` must be uint64"))
                })?;
                (0..n)
                    .map(|row| {
                        array.is_valid(row).then(|| array.value(row)).ok_or_else(|| null(name, row))
                    })
                    .collect()
            };
            let [a_start, a_end, b_start, b_end, words] =
                ["a_start", "a_end", "b_start", "b_end", "words"].map(offsets);
            let (a_start, a_end, b_start, b_end, words) =
                (a_start?, a_end?, b_start?, b_end?, words?);
            let boilerplate = column("boilerplate")?.as_boolean_opt().ok_or_else(|| {
                config_error(format!("{file}: column `boilerplate` must be bool"))
            })?;
            let mut lines = Vec::with_capacity(n);
            for row in 0..n {
                if boilerplate.is_null(row) {
                    return Err(null("boilerplate", row));
                }
                let size = |v: u64| {
                    usize::try_from(v)
                        .map_err(|_| config_error(format!("{file}: {v} is too large")))
                };
                lines.push(PassageLine {
                    a: Cow::Borrowed(a.get(row).ok_or_else(|| null("a", row))?),
                    b: Cow::Borrowed(b.get(row).ok_or_else(|| null("b", row))?),
                    a_start: size(a_start[row])?,
                    a_end: size(a_end[row])?,
                    b_start: size(b_start[row])?,
                    b_end: size(b_end[row])?,
                    words: size(words[row])?,
                    identity: round(identity[row].ok_or_else(|| null("identity", row))?),
                    boilerplate: boilerplate.value(row),
                });
            }
            py.detach(|| to_bytes(&lines))
        }
        _ => {
            return Err(config_error(format!(
                "run_lines writes {CLUSTERS_FILE}, {PAIRS_FILE} and {PASSAGES_FILE}, not {file}"
            )))
        }
    };
    Ok(PyBytes::new(py, &bytes))
}

/// Writes `summary.json` of a dedup run into the run directory `dir`, last,
/// and returns it: `fields` (a dict of the summary's keys: inputs, params,
/// timings and the like) with the counts of the clustering, computed by the
/// core from each document's `cluster`, `representative` (its DocId) and
/// `similarity` to it, and the counts of exact duplicates and of candidate
/// and verified pairs.
#[pyfunction]
#[pyo3(signature = (dir, fields, *, cluster, representative, similarity, exact_duplicates, candidate_pairs, verified_pairs))]
#[allow(clippy::too_many_arguments)]
pub fn write_dedup_summary<'py>(
    py: Python<'py>,
    dir: PathBuf,
    fields: Bound<'py, PyAny>,
    cluster: PyArray,
    representative: PyArray,
    similarity: PyArray,
    exact_duplicates: usize,
    candidate_pairs: usize,
    verified_pairs: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let text: String = py.import("json")?.call_method1("dumps", (fields,))?.extract()?;
    let mut summary: Summary = serde_json::from_str(&text)
        .map_err(|e| config_error(format!("the fields of a summary: {e}")))?;
    let fresh = Summary::new("dedup");
    (summary.syndic_version, summary.command) = (fresh.syndic_version, fresh.command);
    let cluster = primitive::<UInt32Type>(cluster, "cluster")?;
    let representative = primitive::<UInt32Type>(representative, "representative")?;
    let similarity = primitive::<Float64Type>(similarity, "similarity")?;
    let written = py.detach(|| {
        write_summary(
            &dir,
            summary,
            cluster.values(),
            representative.values(),
            similarity.values(),
            [exact_duplicates, candidate_pairs, verified_pairs],
        )
    });
    json_to_py(py, &serde_json::to_value(written.or_raise()?).expect("summaries serialize"))
}

fn write_summary(
    dir: &Path,
    mut summary: Summary,
    cluster: &[u32],
    representative: &[u32],
    similarity: &[f64],
    [exact, candidates, verified]: [usize; 3],
) -> syndic::Result<Summary> {
    let is_representative: Vec<bool> =
        representative.iter().enumerate().map(|(d, &r)| r as usize == d).collect();
    let counts = ClusterCounts::of_assignment(
        cluster,
        &is_representative,
        similarity,
        exact,
        candidates,
        verified,
    )?;
    summary.set_clusters(&counts);
    summary.write(dir)?;
    Ok(summary)
}
