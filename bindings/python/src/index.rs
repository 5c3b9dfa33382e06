//! `Index`: the persistent index ([`syndic::index`]) from Python, created
//! from the settings schema as `syndic index create` takes it, answering
//! adds, queries and stories as the HTTP service answers them (the core's
//! report types, as dicts), exporting the files `syndic index export`
//! writes, by the same function. Every call runs the core with the GIL
//! released; an add returns once its transaction committed.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use syndic::align::AlignConfig;
use syndic::dedup::Mode;
use syndic::doc::check_id;
use syndic::index::{AddOutcome, Index, StagedIndex};
use syndic::rundir::peak_rss_bytes;
use syndic::schema::Settings;
use syndic::settings::{check_used, ReprintSettings, StoriesSettings};
use syndic::stories::{parse_day, Day};
use syndic::write::{OutputDir, Overwrite};
use syndic::{ConfigError, Document, Error, Location, RecordProblem};

use crate::corpus::IN_MEMORY;
use crate::errors::{to_py_err, OrRaise};
use crate::pipeline::json_to_py;
use crate::settings::{Given, Group};

/// A document to add: id, text, site, date (as the service takes them).
type NewDocument = (String, String, Option<String>, Option<String>);

/// An open index; `close` releases it (and its file lock).
#[pyclass(module = "syndic._syndic", name = "Index", frozen)]
pub struct PyIndex {
    /// `None` once closed. Calls take a reference and release the lock at
    /// once, so that `close` never waits for the core.
    index: RwLock<Option<Arc<Index>>>,
    /// Its directory, for the errors of a closed one.
    path: PathBuf,
}

#[pymethods]
impl PyIndex {
    /// Creates an empty index at `path` from the settings `options` (the
    /// core's names): refuses a path that holds an index or anything but
    /// an empty directory, as `syndic index create` does.
    #[staticmethod]
    #[pyo3(signature = (path, stories, options))]
    fn create(
        py: Python<'_>,
        path: PathBuf,
        stories: bool,
        options: &Bound<'_, PyDict>,
    ) -> PyResult<PyIndex> {
        let groups = [Group::Dedup, Group::MinHash, Group::Reprint, Group::Stories];
        let given = Given::parse(options, &groups)?;
        let (mode, keep) = (given.dedup.mode, given.dedup.keep);
        // With stories, the stories settings are used (as by the CLI's
        // `--stories`); any other setting the mode ignores is refused.
        let is_story = |name: &str| StoriesSettings::SCHEMA.iter().any(|s| s.name == name);
        let used = given.names.iter().map(String::as_str).filter(|n| !(stories && is_story(n)));
        check_used(mode, used).map_err(Error::from).or_raise()?;
        given.dedup.check_for_index().map_err(Error::from).or_raise()?;
        if stories && mode != Mode::Reprint {
            let why = "stories need the reprint mode (a reprint is the same story)";
            return Err(to_py_err(ConfigError::Conflict(why.to_owned()).into()));
        }
        let (dedup, minhash, reprint, story) =
            (given.dedup, given.minhash, given.reprint, given.stories);
        let index = py
            .detach(|| {
                // Through the CLI's staging: the same refusals, and an
                // index that appears whole or not at all.
                let staged = match mode {
                    Mode::Reprint => {
                        StagedIndex::create_stories(&path, reprint, stories.then_some(story), keep)?
                    }
                    _ => StagedIndex::create(&path, minhash.config(&dedup)?)?,
                };
                staged.commit()
            })
            .or_raise()?;
        Ok(PyIndex::new(index))
    }

    /// Opens the index at `path` with the parameters it was built with.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<PyIndex> {
        let index = py.detach(|| Index::open(&path)).or_raise()?;
        Ok(PyIndex::new(index))
    }

    /// Closes the index; later calls raise `IndexUnusableError`. Closing
    /// twice does nothing.
    fn close(&self) {
        self.index.write().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// Whether [`PyIndex::close`] was called.
    #[getter]
    fn closed(&self) -> bool {
        self.index.read().unwrap_or_else(PoisonError::into_inner).is_none()
    }

    /// Adds one document; its report (`id`, `matches`, `cluster`, `story`
    /// with stories), as committed. A live document with the same id
    /// raises `BadRecordError` (kind `duplicate_id`).
    #[pyo3(signature = (id, text, site, date))]
    fn add<'py>(
        &self,
        py: Python<'py>,
        id: String,
        text: String,
        site: Option<String>,
        date: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let index = self.index()?;
        let (docs, days) = documents(vec![(id, text, site, date)])?;
        let mut outcomes = py.detach(|| index.add_batch_dated(&docs, &days)).or_raise()?;
        match outcomes.pop() {
            Some(AddOutcome::Added(report)) => to_py(py, &report),
            Some(AddOutcome::DuplicateId(id)) => {
                let location = Location::record(IN_MEMORY, 0);
                Err(to_py_err(Error::bad_record(location, RecordProblem::DuplicateId(id))))
            }
            None => unreachable!("one outcome per document"),
        }
    }

    /// Adds documents in one transaction, in order; one item per document,
    /// as the service's batch answers: `id`, `status` (`added` or
    /// `duplicate_id`) and, when added, its `matches`, `cluster` and
    /// `story`.
    fn add_many<'py>(
        &self,
        py: Python<'py>,
        docs: Vec<NewDocument>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let index = self.index()?;
        let (docs, days) = documents(docs)?;
        let outcomes = py.detach(|| index.add_batch_dated(&docs, &days)).or_raise()?;
        outcomes
            .into_iter()
            .map(|outcome| match outcome {
                AddOutcome::Added(report) => {
                    let item = to_py(py, &report)?;
                    item.set_item("status", "added")?;
                    Ok(item)
                }
                AddOutcome::DuplicateId(id) => {
                    to_py(py, &serde_json::json!({"id": id, "status": "duplicate_id"}))
                }
            })
            .collect()
    }

    /// What each text would match, were it added (`matches`, `clusters`,
    /// `story` with stories), against one snapshot. In an index that is
    /// not in reprint mode, `passages` also aligns the passages shared with
    /// each match, of at least `min_passage_words` words.
    #[pyo3(signature = (texts, dates, passages, min_passage_words))]
    fn query_many<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        dates: Vec<Option<String>>,
        passages: bool,
        min_passage_words: Option<usize>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let index = self.index()?;
        if texts.len() != dates.len() {
            return Err(crate::errors::config_error("give one date (or None) per text"));
        }
        let reprint = index.reprint_config().is_some();
        let align = match min_passage_words {
            Some(_) if reprint => {
                // A reprint index reports its passages by its own settings.
                let unused = ConfigError::Unused {
                    name: "min_passage_words".to_owned(),
                    mode: syndic::choice::name(Mode::Reprint),
                };
                return Err(to_py_err(unused.into()));
            }
            Some(_) if !passages => {
                let why = "min_passage_words sets the passages aligned with passages=True";
                return Err(crate::errors::config_error(why));
            }
            // The CLI's `syndic query` default: the schema's.
            words => AlignConfig {
                min_tokens: words.unwrap_or(ReprintSettings::default().min_passage_words),
                ..AlignConfig::default()
            },
        };
        align.validate().or_raise()?;
        for (i, text) in texts.iter().enumerate() {
            check_text(text, i as u64)?;
        }
        let days: Vec<Option<Day>> =
            dates.iter().map(|date| day(date.as_deref(), "the text")).collect::<PyResult<_>>()?;
        let reports = py
            .detach(|| {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let mut reports = index.query_batch_dated(&refs, &days)?;
                for (report, text) in reports.iter_mut().zip(&texts) {
                    for m in report.matches.iter_mut().filter(|m| m.passages.is_none()) {
                        if passages {
                            m.passages = index.passages(text, &m.id, &align)?;
                        }
                    }
                }
                Ok::<_, Error>(reports)
            })
            .or_raise()?;
        reports.iter().map(|report| to_py(py, report)).collect()
    }

    /// The story `text` would join (an index with stories), without adding it.
    #[pyo3(signature = (text, date))]
    fn story<'py>(
        &self,
        py: Python<'py>,
        text: String,
        date: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let index = self.index()?;
        if index.stories_settings().is_none() {
            let why = "this index was created without stories";
            return Err(to_py_err(ConfigError::Conflict(why.to_owned()).into()));
        }
        check_text(&text, 0)?;
        let day = day(date.as_deref(), "the text")?;
        let mut reports = py.detach(|| index.query_batch_dated(&[&text], &[day])).or_raise()?;
        let story = reports.remove(0).story.expect("an index with stories tells the story");
        to_py(py, &story)
    }

    /// The matches and cluster of the live document `id`, from the current
    /// state; `None` when there is none.
    fn get<'py>(&self, py: Python<'py>, id: String) -> PyResult<Option<Bound<'py, PyAny>>> {
        let index = self.index()?;
        let report = py.detach(|| index.get(&id)).or_raise()?;
        report.map(|report| to_py(py, &report)).transpose()
    }

    /// Whether a live document has this id.
    fn contains(&self, py: Python<'_>, id: String) -> PyResult<bool> {
        let index = self.index()?;
        py.detach(|| index.contains(&id)).or_raise()
    }

    /// The counts of the service's `/v1/stats`, with `params`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let index = self.index()?;
        let stats = py.detach(|| index.stats()).or_raise()?;
        let mut json = serde_json::to_value(stats).expect("stats serialize");
        json["params"] = index.params_json();
        json_to_py(py, &json)
    }

    /// Writes the files `syndic index export` writes into the run
    /// directory `out` (replacing, with `force`, only a run directory
    /// syndic wrote), and returns its summary.
    fn export<'py>(
        &self,
        py: Python<'py>,
        out: PathBuf,
        force: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let index = self.index()?;
        let summary = py
            .detach(|| {
                let started = Instant::now();
                let overwrite = Overwrite::new(force).protecting([index.path()]);
                let out = OutputDir::create(&out, &overwrite)?;
                let mut summary = index.write_export(&out, "index export")?;
                summary.elapsed_ms = Some(started.elapsed().as_millis() as u64);
                summary.peak_rss_bytes = Some(peak_rss_bytes());
                summary.write(out.path())?;
                out.commit()?;
                Ok::<_, Error>(summary)
            })
            .or_raise()?;
        to_py(py, &summary)
    }

    /// The index directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }
}

impl PyIndex {
    fn new(index: Index) -> PyIndex {
        let path = index.path().to_owned();
        PyIndex { index: RwLock::new(Some(Arc::new(index))), path }
    }

    /// The open index, or `IndexUnusableError` once closed.
    fn index(&self) -> PyResult<Arc<Index>> {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        index.clone().ok_or_else(|| {
            let message = "the index is closed".to_owned();
            to_py_err(Error::Index { path: self.path.clone(), message })
        })
    }
}

/// The documents and their days, checked as the service checks them: ids
/// by the core's rule, texts not empty, dates readable (a date that is not
/// one is refused, not read as undated).
fn documents(docs: Vec<NewDocument>) -> PyResult<(Vec<Document>, Vec<Option<Day>>)> {
    let mut documents = Vec::with_capacity(docs.len());
    let mut days = Vec::with_capacity(docs.len());
    for (record, (id, text, site, date)) in docs.into_iter().enumerate() {
        let record = record as u64;
        if let Err(problem) = check_id(&id) {
            let location = Location::record(IN_MEMORY, record);
            return Err(to_py_err(Error::bad_record(location, RecordProblem::InvalidId(problem))));
        }
        check_text(&text, record)?;
        days.push(day(date.as_deref(), &format!("document `{id}`"))?);
        let mut document = Document::new(id, text);
        document.site = site;
        documents.push(document);
    }
    Ok((documents, days))
}

fn check_text(text: &str, record: u64) -> PyResult<()> {
    if text.trim().is_empty() {
        let location = Location::record(IN_MEMORY, record);
        return Err(to_py_err(Error::bad_record(location, RecordProblem::EmptyDocument)));
    }
    Ok(())
}

fn day(date: Option<&str>, of: &str) -> PyResult<Option<Day>> {
    date.map(|date| {
        parse_day(date).ok_or_else(|| {
            crate::errors::config_error(format!(
                "the date of {of}, `{date}`, is not YYYY-MM-DD or YYYYMMDD"
            ))
        })
    })
    .transpose()
}

/// A core answer as the dict its JSON is (the service's body).
fn to_py<'py>(py: Python<'py>, value: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &serde_json::to_value(value).expect("answers serialize"))
}
