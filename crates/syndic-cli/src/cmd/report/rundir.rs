//! The files of a run directory, as the report reads them.
//!
//! Unknown keys are ignored and optional ones may be missing, so that a
//! report can be made of runs written by older or newer versions; the JSONL
//! files are streamed one line at a time.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use syndic::read::{Format, ReadOptions};

/// `summary.json`: the run's own account of itself, kept whole for the
/// report's parameter tables.
pub(super) struct Summary {
    pub(super) raw: Map<String, Value>,
    pub(super) inputs: Vec<PathBuf>,
    pub(super) read_options: ReadOptions,
}

impl Summary {
    pub(super) fn read(path: &Path) -> anyhow::Result<Summary> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let Value::Object(raw) = serde_json::from_str(&text)
            .with_context(|| format!("{}: not valid JSON", path.display()))?
        else {
            bail!("{}: not a JSON object", path.display());
        };
        let inputs = match raw.get("inputs") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(PathBuf::from))
                .collect::<Option<Vec<_>>>()
                .with_context(|| format!("{}: `inputs` holds a non-string", path.display()))?,
            _ => bail!("{}: no `inputs` list: which corpus was this run on?", path.display()),
        };
        let read_options = read_options(raw.get("read_options"))
            .with_context(|| format!("{}: bad `read_options`", path.display()))?;
        Ok(Summary { raw, inputs, read_options })
    }

    /// A top-level string member.
    pub(super) fn str(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(Value::as_str)
    }

    /// A non-negative integer member, possibly nested (`documents.read`).
    pub(super) fn count(&self, path: &[&str]) -> Option<u64> {
        let (first, rest) = path.split_first()?;
        rest.iter().try_fold(self.raw.get(*first)?, |v, k| v.get(k))?.as_u64()
    }

    /// `cluster_size_histogram` as sorted (size, clusters) pairs.
    pub(super) fn size_histogram(&self) -> Option<Vec<(u64, u64)>> {
        let map = self.raw.get("cluster_size_histogram")?.as_object()?;
        let mut out: Vec<(u64, u64)> = map
            .iter()
            .filter_map(|(size, n)| Some((size.parse().ok()?, n.as_u64()?)))
            .filter(|&(_, n)| n > 0)
            .collect();
        out.sort_unstable();
        Some(out)
    }
}

/// The reader settings of the run. The report passes over bad records: it
/// only looks for the documents it shows, which the run read fine.
fn read_options(value: Option<&Value>) -> anyhow::Result<ReadOptions> {
    let mut opts = ReadOptions { skip_bad_records: true, ..ReadOptions::default() };
    let Some(value) = value else { return Ok(opts) };
    let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(format) = field("format") {
        opts.format = Some(format.parse::<Format>()?);
    }
    if let Some(id) = field("id_field") {
        opts.id_field = id;
    }
    if let Some(text) = field("text_field") {
        opts.text_field = text;
    }
    opts.site_field = field("site_field");
    if let Some(max) = value.get("max_doc_bytes").and_then(Value::as_u64) {
        opts.max_doc_bytes = max;
    }
    Ok(opts)
}

/// A line of `clusters.jsonl`.
#[derive(Deserialize)]
pub(super) struct ClusterLine {
    pub(super) id: String,
    pub(super) cluster: i64,
    #[serde(default)]
    pub(super) representative: bool,
    pub(super) similarity: Option<f64>,
}

/// A line of `pairs.jsonl`.
#[derive(Deserialize)]
pub(super) struct PairLine {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) similarity: Option<f64>,
    pub(super) kind: Option<String>,
    pub(super) coverage: Option<f64>,
}

/// A line of `passages.jsonl`: byte offsets into the original texts.
#[derive(Deserialize)]
pub(super) struct PassageLine {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) a_start: usize,
    pub(super) a_end: usize,
    pub(super) b_start: usize,
    pub(super) b_end: usize,
    pub(super) words: Option<u32>,
    pub(super) identity: Option<f64>,
}

/// A line of `boilerplate.jsonl`.
#[derive(Deserialize)]
pub(super) struct BoilerplateLine {
    pub(super) id: String,
    pub(super) spans: Vec<BoilerplateSpan>,
}

#[derive(Deserialize)]
pub(super) struct BoilerplateSpan {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) reason: Option<String>,
}

/// Calls `f` on each record of a JSONL file, naming the line of a bad one.
/// `Ok(false)` when the file does not exist: every JSONL file of a run is
/// optional to the report.
pub(super) fn for_each_line<T: DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<bool> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("{}: cannot open", path.display())),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            return Ok(true);
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line)
            .with_context(|| format!("{}, line {number}: unexpected record", path.display()))?;
        f(record).with_context(|| format!("{}, line {number}", path.display()))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_tolerates_unknown_and_missing_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(
            &path,
            r#"{"command": "dedup", "inputs": ["b.jsonl", "a"], "future": {"x": 1},
                "read_options": {"format": "jsonl", "id_field": "doc.id", "site_field": null},
                "documents": {"read": 12}, "cluster_size_histogram": {"10": 1, "2": 3, "x": 4}}"#,
        )
        .unwrap();
        let summary = Summary::read(&path).unwrap();
        assert_eq!(summary.inputs, [PathBuf::from("b.jsonl"), PathBuf::from("a")]);
        assert_eq!(summary.read_options.format, Some(Format::Jsonl));
        assert_eq!(summary.read_options.id_field, "doc.id");
        assert_eq!(summary.read_options.text_field, "text");
        assert!(summary.read_options.skip_bad_records);
        assert_eq!(summary.str("command"), Some("dedup"));
        assert_eq!(summary.str("mode"), None);
        assert_eq!(summary.count(&["documents", "read"]), Some(12));
        assert_eq!(summary.count(&["documents", "skipped"]), None);
        assert_eq!(summary.size_histogram(), Some(vec![(2, 3), (10, 1)]));
    }

    #[test]
    fn summary_without_inputs_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(&path, r#"{"command": "dedup"}"#).unwrap();
        let err = Summary::read(&path).err().unwrap();
        assert!(err.to_string().contains("no `inputs` list"), "{err}");
    }

    #[test]
    fn jsonl_errors_name_the_line_and_missing_files_are_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.jsonl");
        std::fs::write(&path, "{\"a\": \"x\", \"b\": \"y\", \"similarity\": 0.5}\n\n{\"a\": 3}\n")
            .unwrap();
        let mut seen = Vec::new();
        let err = for_each_line(&path, |p: PairLine| {
            seen.push((p.a, p.b, p.similarity));
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, [("x".to_owned(), "y".to_owned(), Some(0.5))]);
        assert!(format!("{err:#}").contains("line 3"), "{err:#}");
        let absent = for_each_line(&dir.path().join("none.jsonl"), |_: PairLine| Ok(())).unwrap();
        assert!(!absent);
    }
}
