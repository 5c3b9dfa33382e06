//! Where the documents of a run come from: Arrow record batches handed over
//! by Python, or files read by the core's readers, streamed batch by batch
//! in corpus order as the CLI streams them, with the GIL released while a
//! batch is read or processed and Ctrl-C checked between batches.
//!
//! Record batches get the checks the core's readers make of file records
//! (a missing text, a record over `max_doc_bytes`, an invalid or duplicate
//! id, an empty text), with the same [`RecordProblem`] kinds, and the same
//! `skip_bad_records` behaviour: count and pass over, or stop with a
//! `BadRecordError` naming the row.

use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use arrow_array::RecordBatch;
use pyo3::prelude::*;
use rayon::ThreadPool;
use syndic::doc::check_id;
use syndic::passes::CorpusPasses;
use syndic::read::{resolve_inputs, CorpusReader, Inputs, ReadOptions, BATCH_BYTES, BATCH_DOCS};
use syndic::{Document, Error, Location, Origin, RecordProblem};

use crate::arrow::{PyBatch, Strings};
use crate::errors::{config_error, OrRaise};

/// The path that errors about in-memory records name.
pub const IN_MEMORY: &str = "<data>";

/// Where the documents come from.
pub enum Source {
    /// Record batches with a `text` column and optional `id` and `site`
    /// columns (ids default to positions), checked as file records are.
    Arrow(Vec<RecordBatch>, ReadOptions),
    /// Files, sorted by path as the CLI sorts them.
    Files(Inputs, ReadOptions),
}

/// A corpus to stream, with the thread pool its stages run in and the
/// Python callable told of progress.
pub struct Corpus {
    source: Source,
    pool: Option<ThreadPool>,
    progress: Option<Py<PyAny>>,
    /// Passes started so far (1-based in progress reports).
    passes: Cell<u32>,
}

/// What one pass read, for the stats of a run.
#[derive(Debug, Default)]
pub struct ReadReport {
    pub documents: u64,
    pub skipped: BTreeMap<String, u64>,
}

impl Corpus {
    /// The corpus of either record batches or paths (exactly one given).
    /// `threads` sizes the pool the stages run in (`None`: rayon's global
    /// pool, one thread per core); `progress`, when given, is called with
    /// `(pass, documents)` after every batch.
    pub fn new(
        batches: Option<Vec<PyBatch>>,
        paths: Option<Vec<PathBuf>>,
        files: ReadOptions,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Corpus> {
        files.validate().or_raise()?;
        let pool = match threads {
            None => None,
            Some(0) => return Err(config_error("threads must be at least 1 (or None: all cores)")),
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| config_error(format!("cannot start {n} threads: {e}")))?,
            ),
        };
        let source = match (batches, paths) {
            (Some(batches), None) => {
                let batches: Vec<RecordBatch> = batches.into_iter().map(|b| b.0).collect();
                for batch in &batches {
                    let Some(text) = batch.column_by_name("text") else {
                        return Err(config_error("record batches need a `text` column"));
                    };
                    Strings::new(text.as_ref(), &files.text_field)?;
                    for (name, field) in
                        [("id", Some(&files.id_field)), ("site", files.site_field.as_ref())]
                    {
                        if let Some(column) = batch.column_by_name(name) {
                            Strings::new(column.as_ref(), field.map_or(name, String::as_str))?;
                        }
                    }
                }
                Source::Arrow(batches, files)
            }
            (None, Some(paths)) => {
                let inputs = resolve_inputs(&paths, &files).or_raise()?;
                Source::Files(inputs, files)
            }
            _ => return Err(config_error("give either record batches or paths")),
        };
        Ok(Corpus { source, pool, progress, passes: Cell::new(0) })
    }

    /// Runs `work` with the GIL released, in the corpus's thread pool, then
    /// honours a Ctrl-C that came while it ran: signals are checked between
    /// pieces of work, so one that came during the last piece (clustering,
    /// after the last batch) must not be lost.
    pub fn run<T: Send>(&self, py: Python<'_>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
        let done = match &self.pool {
            Some(pool) => py.detach(|| pool.install(work)),
            None => py.detach(work),
        };
        py.check_signals()?;
        Ok(done)
    }

    /// Feeds `stage` pass 1, then pass 2 as many times as it asks, and
    /// returns what pass 1 read; the stage's `finish` is the caller's.
    pub fn drive<S: CorpusPasses + Send>(
        &self,
        py: Python<'_>,
        stage: &mut S,
    ) -> PyResult<ReadReport> {
        let report = self.for_each_batch(py, |docs| stage.add_batch(docs))?;
        self.run(py, || stage.plan())?;
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
        let pass = self.passes.get() + 1;
        self.passes.set(pass);
        let mut report = ReadReport::default();
        match &self.source {
            Source::Arrow(batches, opts) => {
                let mut checks = RecordChecks::new(opts);
                let mut record = 0u64;
                for batch in batches {
                    for start in (0..batch.num_rows()).step_by(BATCH_DOCS) {
                        py.check_signals()?;
                        let len = BATCH_DOCS.min(batch.num_rows() - start);
                        let slice = batch.slice(start, len);
                        let docs =
                            py.detach(|| checks.documents(&slice, record)).map_err(|e| e.0)?;
                        record += len as u64;
                        report.documents += docs.len() as u64;
                        self.run(py, || each(&docs))?.or_raise()?;
                        self.report(py, pass, report.documents)?;
                    }
                }
                report.skipped = checks.skipped;
            }
            Source::Files(inputs, opts) => {
                let mut reader = CorpusReader::new(inputs, opts);
                loop {
                    py.check_signals()?;
                    let batch =
                        py.detach(|| reader.next_batch(BATCH_DOCS, BATCH_BYTES)).or_raise()?;
                    let Some(docs) = batch else { break };
                    report.documents += docs.len() as u64;
                    self.run(py, || each(&docs))?.or_raise()?;
                    self.report(py, pass, report.documents)?;
                }
                report.skipped = reader.skipped().clone();
            }
        }
        Ok(report)
    }

    fn report(&self, py: Python<'_>, pass: u32, documents: u64) -> PyResult<()> {
        if let Some(progress) = &self.progress {
            progress.call1(py, (pass, documents))?;
        }
        Ok(())
    }
}

/// A Python error made without the GIL, carried out of `detach`.
struct Raised(PyErr);

impl From<PyErr> for Raised {
    fn from(err: PyErr) -> Self {
        Raised(err)
    }
}

/// The checks of one pass over record batches: those of the core's
/// `CorpusReader` (missing field, too large, invalid id, empty document,
/// duplicate id), with skip mode's counts.
struct RecordChecks<'a> {
    opts: &'a ReadOptions,
    seen_ids: HashSet<String>,
    skipped: BTreeMap<String, u64>,
}

impl<'a> RecordChecks<'a> {
    fn new(opts: &'a ReadOptions) -> Self {
        Self { opts, seen_ids: HashSet::new(), skipped: BTreeMap::new() }
    }

    /// The good documents of one record batch, the first row being corpus
    /// record `first`. Texts are copied here, one batch at a time: the
    /// core's stages take owned [`Document`]s.
    fn documents(&mut self, batch: &RecordBatch, first: u64) -> Result<Vec<Document>, Raised> {
        let column = |name: &str, what: &str| {
            batch.column_by_name(name).map(|c| Strings::new(c.as_ref(), what)).transpose()
        };
        let texts = column("text", &self.opts.text_field)?
            .ok_or_else(|| config_error("record batches need a `text` column"))?;
        let ids = column("id", &self.opts.id_field)?;
        let sites = column("site", "site")?;
        let mut docs = Vec::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            let record = first + i as u64;
            let id = match &ids {
                Some(ids) => ids.get(i).map(str::to_owned),
                None => Some(record.to_string()),
            };
            match self.check(id, texts.get(i)) {
                Ok((id, text)) => docs.push(Document {
                    id,
                    text: text.to_owned(),
                    site: sites.as_ref().and_then(|s| s.get(i)).map(str::to_owned),
                    origin: Origin { input: 0, record },
                }),
                Err(problem) if self.opts.skip_bad_records => {
                    *self.skipped.entry(problem.kind().to_owned()).or_default() += 1;
                }
                Err(problem) => {
                    let err = Error::bad_record(Location::record(IN_MEMORY, record), problem);
                    return Err(Raised(crate::errors::to_py_err(err)));
                }
            }
        }
        Ok(docs)
    }

    /// The record's id and text, or what is wrong with it, checked in the
    /// order the core's readers check.
    fn check<'t>(
        &mut self,
        id: Option<String>,
        text: Option<&'t str>,
    ) -> Result<(String, &'t str), RecordProblem> {
        let missing = |field: &String| RecordProblem::MissingField(field.clone());
        let id = id.ok_or_else(|| missing(&self.opts.id_field))?;
        let text = text.ok_or_else(|| missing(&self.opts.text_field))?;
        let limit = self.opts.max_doc_bytes;
        if text.len() as u64 > limit {
            return Err(RecordProblem::TooLarge { size: text.len() as u64, limit });
        }
        check_id(&id).map_err(RecordProblem::InvalidId)?;
        if text.trim().is_empty() {
            return Err(RecordProblem::EmptyDocument);
        }
        // Only good records claim their id, as in the core's reader.
        if self.seen_ids.contains(&id) {
            return Err(RecordProblem::DuplicateId(id));
        }
        self.seen_ids.insert(id.clone());
        Ok((id, text))
    }
}
