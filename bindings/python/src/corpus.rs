//! Where the documents of a run come from: Arrow record batches handed over
//! by Python, or files read by the core's readers, streamed batch by batch
//! in corpus order as the CLI streams them, with the GIL released while a
//! batch is read or processed and Ctrl-C checked between batches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use pyo3::prelude::*;
use syndic::passes::CorpusPasses;
use syndic::read::{
    resolve_inputs, CorpusReader, Format, Inputs, ReadOptions, BATCH_BYTES, BATCH_DOCS,
};
use syndic::{Document, Origin};

use crate::arrow::{PyBatch, Strings};
use crate::errors::{config_error, OrRaise};

/// How files are read; mirrors the CLI's input flags.
#[derive(Clone, Debug)]
pub struct FileOptions {
    pub format: Option<String>,
    pub id_field: String,
    pub text_field: String,
    pub site_field: Option<String>,
    pub max_doc_bytes: u64,
    pub skip_bad_records: bool,
}

/// A corpus to stream.
pub enum Corpus {
    /// Record batches with a `text` column and optional `id` and `site`
    /// columns (ids default to positions).
    Arrow(Vec<RecordBatch>),
    /// Files, sorted by path as the CLI sorts them.
    Files(Inputs, ReadOptions),
}

/// What one pass read, for the stats of a run.
#[derive(Debug, Default)]
pub struct ReadReport {
    pub documents: u64,
    pub skipped: BTreeMap<String, u64>,
}

impl Corpus {
    /// The corpus of either record batches or paths (exactly one given).
    pub fn new(
        batches: Option<Vec<PyBatch>>,
        paths: Option<Vec<PathBuf>>,
        files: FileOptions,
    ) -> PyResult<Corpus> {
        match (batches, paths) {
            (Some(batches), None) => {
                let batches: Vec<RecordBatch> = batches.into_iter().map(|b| b.0).collect();
                for batch in &batches {
                    let Some(text) = batch.column_by_name("text") else {
                        return Err(config_error("record batches need a `text` column"));
                    };
                    Strings::new(text.as_ref(), "text")?;
                    for name in ["id", "site"] {
                        if let Some(column) = batch.column_by_name(name) {
                            Strings::new(column.as_ref(), name)?;
                        }
                    }
                }
                Ok(Corpus::Arrow(batches))
            }
            (None, Some(paths)) => {
                let format =
                    files.format.as_deref().map(str::parse::<Format>).transpose().or_raise()?;
                let opts = ReadOptions {
                    format,
                    id_field: files.id_field,
                    text_field: files.text_field,
                    site_field: files.site_field,
                    max_doc_bytes: files.max_doc_bytes,
                    skip_bad_records: files.skip_bad_records,
                };
                opts.validate().or_raise()?;
                let inputs = resolve_inputs(&paths, &opts).or_raise()?;
                Ok(Corpus::Files(inputs, opts))
            }
            _ => Err(config_error("give either record batches or paths")),
        }
    }

    /// Feeds `stage` pass 1, then pass 2 as many times as it asks, and
    /// returns what pass 1 read; the stage's `finish` is the caller's.
    pub fn drive<S: CorpusPasses + Send>(
        &self,
        py: Python<'_>,
        stage: &mut S,
    ) -> PyResult<ReadReport> {
        let report = self.for_each_batch(py, |docs| stage.add_batch(docs))?;
        py.detach(|| stage.plan());
        while stage.pending_passes() > 0 {
            self.for_each_batch(py, |docs| stage.second_pass_batch(docs))?;
        }
        Ok(report)
    }

    /// One pass over the corpus: `each` sees every batch in corpus order.
    pub fn for_each_batch(
        &self,
        py: Python<'_>,
        mut each: impl FnMut(&[Document]) -> syndic::Result<()> + Send,
    ) -> PyResult<ReadReport> {
        let mut report = ReadReport::default();
        match self {
            Corpus::Arrow(batches) => {
                let mut record = 0u64;
                for batch in batches {
                    for start in (0..batch.num_rows()).step_by(BATCH_DOCS) {
                        py.check_signals()?;
                        let len = BATCH_DOCS.min(batch.num_rows() - start);
                        let docs = py.detach(|| documents(&batch.slice(start, len), record))?;
                        record += len as u64;
                        report.documents += len as u64;
                        py.detach(|| each(&docs)).or_raise()?;
                    }
                }
            }
            Corpus::Files(inputs, opts) => {
                let mut reader = CorpusReader::new(inputs, opts);
                loop {
                    py.check_signals()?;
                    let batch =
                        py.detach(|| reader.next_batch(BATCH_DOCS, BATCH_BYTES)).or_raise()?;
                    let Some(docs) = batch else { break };
                    report.documents += docs.len() as u64;
                    py.detach(|| each(&docs)).or_raise()?;
                }
                report.skipped = reader.skipped().clone();
            }
        }
        Ok(report)
    }
}

/// The documents of one record batch, the first being corpus record
/// `first`. Texts are copied here, one batch at a time: the core's stages
/// take owned [`Document`]s.
fn documents(batch: &RecordBatch, first: u64) -> PyResult<Vec<Document>> {
    let column =
        |name| batch.column_by_name(name).map(|c| Strings::new(c.as_ref(), name)).transpose();
    let texts =
        column("text")?.ok_or_else(|| config_error("record batches need a `text` column"))?;
    let ids = column("id")?;
    let sites = column("site")?;
    (0..batch.num_rows())
        .map(|i| {
            let record = first + i as u64;
            let null = |what: &str| config_error(format!("{what} of record {record} is null"));
            let id = match &ids {
                Some(ids) => ids.get(i).ok_or_else(|| null("id"))?.to_owned(),
                None => record.to_string(),
            };
            Ok(Document {
                id,
                text: texts.get(i).ok_or_else(|| null("text"))?.to_owned(),
                site: sites.as_ref().and_then(|s| s.get(i)).map(str::to_owned),
                origin: Origin { input: 0, record },
            })
        })
        .collect()
}
