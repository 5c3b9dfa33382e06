//! [`Index`]: the persistent index, its transactions and its parameters.
//! *Not for*: the bytes of its tables ([`super::format`]) or reading and
//! writing them inside one transaction ([`super::view`]).

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use redb::{Database, ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::cache::DocCache;
#[cfg(test)]
use super::format::DocRecord;
use super::format::{
    self, store_error, Counters, COUNTERS, FORMAT_VERSION, INDEX_FILE, META, MIGRATABLE_VERSIONS,
};
use super::online::{self, Online, Subject};
use super::report::{
    AddOutcome, ClusterInfo, DocReport, Export, IndexStats, PassageSpan, QueryReport,
};
use super::stories::{self, Stories};
use super::view::{self, Prepared, Read, ReadTables, View, WriteTables};
use crate::align::{align, AlignConfig};
use crate::cluster::{Clustering, Keep};
use crate::dedup::{DedupConfig, Mode};
use crate::doc::{DocId, Document};
use crate::error::{ConfigError, Error, Result};
use crate::fingerprint::OcrFolding;
use crate::normalize::{NormalizerConfig, Tokens};
use crate::pairs::{DedupResult, DedupStats, PairKind, ScoredPair};
use crate::reprint::ReprintConfig;
use crate::settings::{DedupSettings, MinHashSettings, ReprintSettings, StoriesSettings};
use crate::sketch::SketchMethod;
use crate::stories::Day;
use crate::verify::VerifyMethod;

/// Documents with the per-document work of an add done; see
/// [`Index::prepare`]. Batches can be appended to one another, to be added
/// in one transaction.
pub struct PreparedBatch {
    docs: Vec<Document>,
    prepared: Vec<Prepared>,
    /// Each document's day, for an index with stories.
    days: Vec<Option<Day>>,
}

impl PreparedBatch {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Moves `other`'s documents to the end of this batch.
    pub fn append(&mut self, mut other: PreparedBatch) {
        self.docs.append(&mut other.docs);
        self.prepared.append(&mut other.prepared);
        self.days.append(&mut other.days);
    }
}

/// The parameters an index was built with, as stored in `meta/config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StoredConfig {
    mode: Mode,
    ngram: usize,
    char_ngram: usize,
    num_perm: usize,
    sketch: SketchMethod,
    seed: u64,
    threshold: f64,
    bands: usize,
    rows: usize,
    bucket_window: usize,
    verify: VerifyMethod,
    keep: Keep,
    char_script_share: f64,
    /// Whether words broken at a line end by a hyphen are one token (format
    /// version 5 on). Absent in older indexes, which were tokenized without
    /// joining them and keep being so: their postings and band keys must
    /// meet the queries' tokens.
    #[serde(default)]
    join_hyphenated_line_breaks: bool,
    /// The reprint settings of a reprint index (format version 2 on;
    /// absent in other modes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reprint: Option<ReprintSettings>,
    /// The stories settings of a reprint index with stories (format
    /// version 3 on; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stories: Option<StoriesSettings>,
}

impl StoredConfig {
    fn of(config: &DedupConfig) -> StoredConfig {
        StoredConfig {
            mode: config.mode(),
            ngram: config.shingle().ngram,
            char_ngram: config.shingle().char_ngram,
            num_perm: config.sketcher().num_perm(),
            sketch: config.sketcher().method(),
            seed: config.sketcher().seed(),
            threshold: config.threshold(),
            bands: config.lsh().bands(),
            rows: config.lsh().rows(),
            bucket_window: config.lsh().bucket_window(),
            verify: config.verify(),
            keep: config.keep(),
            char_script_share: config.shingle().normalizer.char_script_share,
            join_hyphenated_line_breaks: config.shingle().normalizer.join_hyphenated_line_breaks,
            reprint: None,
            stories: None,
        }
    }

    /// The config, through the settings schema as every front end makes it:
    /// the stored bands and rows are the ones chosen when it was created.
    fn build(&self) -> Result<DedupConfig> {
        let settings = MinHashSettings {
            threshold: self.threshold,
            num_perm: self.num_perm,
            ngram: self.ngram,
            char_ngram: self.char_ngram,
            bands: Some(self.bands),
            rows: Some(self.rows),
            bucket_window: self.bucket_window,
            sketch: self.sketch,
            verify: self.verify,
            seed: self.seed,
            ..MinHashSettings::default()
        };
        let dedup = DedupSettings { mode: self.mode, keep: self.keep, memory_mb: None };
        // The normalizer has no settings in the schema; its stored
        // parameters are the ones the index was tokenized with.
        let config = settings.config(&dedup)?.with_normalizer(self.normalizer())?;
        let rebuilt = StoredConfig {
            reprint: self.reprint.clone(),
            stories: self.stories.clone(),
            ..StoredConfig::of(&config)
        };
        if rebuilt != *self {
            return Err(ConfigError::Conflict(format!(
                "parameters {self:?} cannot be reproduced by this version of syndic"
            ))
            .into());
        }
        Ok(config)
    }

    fn normalizer(&self) -> NormalizerConfig {
        NormalizerConfig {
            char_script_share: self.char_script_share,
            join_hyphenated_line_breaks: self.join_hyphenated_line_breaks,
        }
    }

    /// The parameters that differ, as `name: index X, requested Y`.
    fn differences(&self, other: &StoredConfig) -> Vec<String> {
        let (a, b) = (serde_json::json!(self), serde_json::json!(other));
        let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return Vec::new() };
        a.iter()
            .filter(|(k, v)| b.get(*k) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k}: index {v}, requested {}",
                    b.get(k).unwrap_or(&serde_json::Value::Null)
                )
            })
            .collect()
    }
}

/// A persistent index; see the module docs. `Sync`: share one between
/// threads; reads run concurrently, writes one at a time.
///
/// **Failed writes.** redb latches an I/O error in a commit (a full disk):
/// every later operation on that `Database`, reads included, fails until
/// the file is opened again. So a write that fails with an I/O or storage
/// error reopens the file; the reopened index is at its last commit, reads
/// work at once and writes as soon as there is space again.
///
/// **Damaged files.** redb panics on some damage (a zeroed page, say)
/// instead of returning an error, and it is a dependency whose panics on
/// corrupt files we cannot prevent. Every operation runs under
/// `catch_unwind`, and such a panic becomes an [`Error::Index`] saying the
/// file is damaged.
#[derive(Debug)]
pub struct Index {
    /// `None` after a reopen that failed; the next operation tries again.
    pub(super) db: RwLock<Option<Database>>,
    dir: PathBuf,
    config: DedupConfig,
    /// The reprint mode's state; `None` in the other modes.
    online: Option<Online>,
    /// The stories of a reprint index with stories.
    stories: Option<Stories>,
}

impl Index {
    /// Creates an empty index in `dir` (created if missing), refusing a
    /// directory that already holds one.
    pub fn create(dir: impl AsRef<Path>, config: DedupConfig) -> Result<Index> {
        config.check_not_reprint("index mode")?;
        if config.memory().is_some() {
            // The store already keeps its band keys on disk; a bound would
            // be accepted and do nothing.
            return Err(
                ConfigError::Conflict(crate::settings::INDEX_HAS_NO_MEMORY_BOUND.into()).into()
            );
        }
        Self::create_with(dir.as_ref(), StoredConfig::of(&config), config, None)
    }

    /// Creates an empty reprint index in `dir`: every document added gets
    /// its reprint matches, shared passages and cluster, by the rules of
    /// [`crate::reprint`] with these settings (see the module docs).
    pub fn create_reprint(
        dir: impl AsRef<Path>,
        settings: ReprintSettings,
        keep: Keep,
    ) -> Result<Index> {
        Self::create_stories(dir, settings, None, keep)
    }

    /// [`Index::create_reprint`], and with `stories` every document added
    /// is also told which story it belongs to, by the rules of
    /// [`crate::stories`] with these settings, learned online (see
    /// [`crate::stories::OnlineStories`]). Days come with the documents
    /// ([`Index::add_batch_dated`]); `date_field` is recorded for the front
    /// ends that read them.
    pub fn create_stories(
        dir: impl AsRef<Path>,
        settings: ReprintSettings,
        stories: Option<StoriesSettings>,
        keep: Keep,
    ) -> Result<Index> {
        let reprint = settings.config(keep)?;
        if let Some(stories) = &stories {
            stories.config()?;
        }
        let dedup = DedupSettings { mode: Mode::Reprint, keep, memory_mb: None };
        let config = MinHashSettings::default().config(&dedup)?;
        let stored = StoredConfig { reprint: Some(settings), stories, ..StoredConfig::of(&config) };
        Self::create_with(dir.as_ref(), stored, config, Some(reprint))
    }

    fn create_with(
        dir: &Path,
        stored: StoredConfig,
        config: DedupConfig,
        reprint: Option<ReprintConfig>,
    ) -> Result<Index> {
        let dir = dir.to_owned();
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let file = dir.join(INDEX_FILE);
        if file.exists() {
            return Err(Error::Index {
                path: dir,
                message: "already holds an index (add to it with `syndic index add`)".to_owned(),
            });
        }
        let db = Database::create(&file).map_err(|e| store_error(&dir, e))?;
        let txn = db.begin_write().map_err(|e| store_error(&dir, e))?;
        {
            let err = |e: redb::TableError| store_error(&dir, e);
            let mut meta = txn.open_table(META).map_err(err)?;
            let config_json = serde_json::to_vec(&stored).expect("configs serialize");
            for (key, value) in [
                ("magic", format::MAGIC.to_vec()),
                ("format_version", FORMAT_VERSION.to_le_bytes().to_vec()),
                ("config", config_json),
            ] {
                meta.insert(key, value.as_slice()).map_err(|e| store_error(&dir, e))?;
            }
            let mut counters = txn.open_table(COUNTERS).map_err(err)?;
            Counters::default().save(&mut counters, &dir)?;
        }
        view::create_tables(&txn, &dir)?;
        txn.commit().map_err(|e| store_error(&dir, e))?;
        let stories = stored.stories.map(Stories::new).transpose()?;
        let online = reprint.map(Online::new);
        Ok(Index { db: RwLock::new(Some(db)), dir, config, online, stories })
    }

    /// Opens the index in `dir` with the parameters it was built with.
    pub fn open(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref().to_owned();
        let file = dir.join(INDEX_FILE);
        if !file.is_file() {
            return Err(Error::Index {
                path: dir,
                message: format!(
                    "no index here ({INDEX_FILE} is missing; create one with `syndic index create`)"
                ),
            });
        }
        let (db, stored) = undamaged(&dir, || {
            let db = Database::open(&file).map_err(|e| store_error(&dir, e))?;
            let (version, mut stored) = read_meta(&db, &dir)?;
            check_version(&db, &dir, version, &mut stored)?;
            Ok((db, stored))
        })?;
        let unusable = |e: Error| Error::Index {
            path: dir.clone(),
            message: format!("unusable parameters: {e}"),
        };
        let config = stored.build().map_err(unusable)?;
        let reprint = match &stored.reprint {
            Some(settings) if config.mode() == Mode::Reprint => {
                let reprint = settings.config(config.keep()).map_err(unusable)?;
                Some(reprint.with_normalizer(config.shingle().normalizer))
            }
            None if config.mode() != Mode::Reprint => None,
            _ => {
                return Err(unusable(
                    ConfigError::Conflict("mode and reprint settings disagree".to_owned()).into(),
                ))
            }
        };
        let stories = match stored.stories {
            Some(_) if reprint.is_none() => {
                return Err(unusable(
                    ConfigError::Conflict("stories need a reprint index".to_owned()).into(),
                ))
            }
            Some(settings) => Some(Stories::new(settings).map_err(unusable)?),
            None => None,
        };
        let online = reprint.map(Online::new);
        Ok(Index { db: RwLock::new(Some(db)), dir, config, online, stories })
    }

    /// Opens the index in `dir`, refusing it unless it was built with
    /// exactly `config`'s parameters (signatures, bands and thresholds of
    /// different parameters are not comparable).
    pub fn open_expecting(dir: impl AsRef<Path>, config: &DedupConfig) -> Result<Index> {
        let index = Index::open(dir)?;
        let differences = StoredConfig::of(&index.config).differences(&StoredConfig::of(config));
        if !differences.is_empty() {
            return Err(Error::Index {
                path: index.dir.clone(),
                message: format!(
                    "built with other parameters than requested ({})",
                    differences.join("; ")
                ),
            });
        }
        Ok(index)
    }

    /// Bounds, in bytes, the stored documents a reprint index keeps
    /// decoded between answers (texts, ids and sites read again by every
    /// answer they are related to); 0 keeps none. Answers do not depend on
    /// it. The default is [`super::DEFAULT_CACHE_MB`] MiB; other modes keep
    /// nothing.
    pub fn set_cache_memory(&mut self, bytes: usize) {
        if let Some(online) = &mut self.online {
            online.docs = DocCache::new(bytes);
        }
    }

    /// Bytes the stored documents kept between answers take now (see
    /// [`Index::set_cache_memory`]).
    pub fn cache_memory_used(&self) -> usize {
        self.online.as_ref().map_or(0, |online| online.docs.used())
    }

    /// The parameters the index was built with (in a reprint index, the
    /// mode and `keep`; its other settings are [`Index::reprint_config`]'s).
    pub fn config(&self) -> &DedupConfig {
        &self.config
    }

    /// The stories settings of an index with stories.
    pub fn stories_settings(&self) -> Option<&StoriesSettings> {
        self.stories.as_ref().map(|s| &s.settings)
    }

    /// The reprint config of a reprint index.
    pub fn reprint_config(&self) -> Option<&ReprintConfig> {
        self.online.as_ref().map(|o| &o.config)
    }

    /// The parameters as JSON, for `summary.json`, stats and the service:
    /// those of [`Index::config`], or in a reprint index those of its
    /// [`ReprintConfig`] (what `syndic dedup --mode reprint` records), with
    /// the stories settings of an index with stories.
    pub fn params_json(&self) -> serde_json::Value {
        let mut params = match &self.online {
            Some(online) => online.config.to_json(),
            None => self.config.to_json(),
        };
        // An index with stories: its stories settings under `stories`, as
        // `syndic stories` records them.
        if let (Some(stories), Some(object)) = (&self.stories, params.as_object_mut()) {
            let mut json = stories.config.to_json();
            json["date_field"] = serde_json::json!(stories.settings.date_field);
            object.insert("stories".to_owned(), json);
        }
        params
    }

    /// The per-document work of an add or a query, in parallel. With
    /// `keep_tokens`, a reprint index keeps each document's tokens for its
    /// answer, which then does not tokenize it again: a query, and a batch
    /// prepared apart from its transaction (whose answers a single writer
    /// computes in turn), but not the batches of [`Index::add_batch`],
    /// which can hold thousands of documents' tokens for little gain.
    fn prepare_docs(
        &self,
        docs: &[Document],
        store: bool,
        keep_tokens: bool,
    ) -> Result<Vec<Prepared>> {
        let prepared = match &self.online {
            Some(online) => online::prepare(docs, &online.config, store, keep_tokens),
            None => view::prepare(docs, &self.config, store),
        };
        prepared.map_err(|e| Error::io(&self.dir, e))
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Adds documents in one durable transaction, in order; each is
    /// deduplicated against the index and the documents before it. A
    /// document whose id a live document has is not added. When this
    /// returns `Ok`, every added document is on disk.
    pub fn add_batch(&self, docs: &[Document]) -> Result<Vec<AddOutcome>> {
        self.add_batch_dated(docs, &vec![None; docs.len()])
    }

    /// [`Index::add_batch`] with the day of each document (see
    /// [`crate::stories::parse_day`]), which an index with stories compares
    /// within its window; other indexes ignore it.
    pub fn add_batch_dated(
        &self,
        docs: &[Document],
        days: &[Option<Day>],
    ) -> Result<Vec<AddOutcome>> {
        check_days(docs.len(), days)?;
        let prepared = self.prepare_docs(docs, true, false)?;
        self.commit_adds(docs, prepared, days)
    }

    /// Does the per-document work of an add (normalizing, sketching,
    /// compressing) without touching the index, so that it can run in
    /// parallel, outside the one write transaction at a time.
    pub fn prepare(&self, docs: Vec<Document>) -> Result<PreparedBatch> {
        let days = vec![None; docs.len()];
        self.prepare_dated(docs, days)
    }

    /// [`Index::prepare`] with the day of each document, as
    /// [`Index::add_batch_dated`] takes them.
    pub fn prepare_dated(
        &self,
        docs: Vec<Document>,
        days: Vec<Option<Day>>,
    ) -> Result<PreparedBatch> {
        check_days(docs.len(), &days)?;
        let prepared = self.prepare_docs(&docs, true, true)?;
        Ok(PreparedBatch { docs, prepared, days })
    }

    /// [`Index::add_batch`] for documents prepared by [`Index::prepare`].
    pub fn add_prepared(&self, batch: PreparedBatch) -> Result<Vec<AddOutcome>> {
        self.commit_adds(&batch.docs, batch.prepared, &batch.days)
    }

    fn commit_adds(
        &self,
        docs: &[Document],
        prepared: Vec<Prepared>,
        days: &[Option<Day>],
    ) -> Result<Vec<AddOutcome>> {
        match &self.online {
            Some(online) => {
                let outcomes =
                    self.write(|db| self.commit_reprint_adds(db, online, docs, &prepared, days));
                if outcomes.is_err() {
                    online.forget();
                    if let Some(stories) = &self.stories {
                        stories.forget();
                    }
                }
                outcomes
            }
            None => self.write(|db| self.commit_adds_in(db, docs, prepared)),
        }
    }

    /// Adds to a reprint index: stores each document, learns the batch's
    /// statistics, then answers each document by them (see
    /// [`super::online`]) and stores its pairs; readers see the new
    /// statistics once the transaction committed.
    fn commit_reprint_adds(
        &self,
        db: &Database,
        online: &Online,
        docs: &[Document],
        prepared: &[Prepared],
        days: &[Option<Day>],
    ) -> Result<Vec<AddOutcome>> {
        let txn = db.begin_write().map_err(|e| store_error(&self.dir, e))?;
        // Held until the commit: readers see only committed stories.
        let mut linker = None;
        let (outcomes, model) = {
            let mut view = View::new(WriteTables::open(&txn, &self.dir)?, &self.dir, &self.config)
                .with_cache(&online.docs)?;
            let mut counters = view.counters()?;
            // Which documents are new: ids neither indexed nor earlier in
            // the batch. Their statistics are learned before any is
            // answered (see `super::online`).
            let mut seen = std::collections::HashSet::new();
            let mut learning = Vec::with_capacity(docs.len());
            for (doc, prep) in docs.iter().zip(prepared) {
                if view.doc_id(&doc.id)?.is_none() && seen.insert(doc.id.as_str()) {
                    learning.push(prep);
                }
            }
            let model = online.learn_batch(&view, &learning)?;
            if let Some(stories) = &self.stories {
                linker = Some(stories.lock(&view)?);
            }
            let mut outcomes = Vec::with_capacity(docs.len());
            for ((doc, prep), &day) in docs.iter().zip(prepared).zip(days) {
                let Some(d) = view.store_reprint(doc, prep, &mut counters)? else {
                    outcomes.push(AddOutcome::DuplicateId(doc.id.clone()));
                    continue;
                };
                let online_prep = prep.online.as_ref().expect("prepared for a reprint index");
                let subject = Subject {
                    doc: Some(d),
                    text: &doc.text,
                    site: online_prep.site(),
                    hash: prep.hash,
                    fingerprints: online_prep.fingerprints(),
                    tokens: online_prep.tokens(),
                };
                let answer = view.reprint_answer(&subject, &model, &online.config)?;
                view.link_reprint(d, &answer, &mut counters)?;
                let story = match linker.as_mut() {
                    Some(guard) => {
                        let linker = guard.as_mut().expect("loaded when locked");
                        if linker.len() != d.as_usize() {
                            return Err(view.corrupt(format!(
                                "{} story entries for document {d}",
                                linker.len()
                            )));
                        }
                        let reuse = stories::reuse_links(&view, &answer, prep.bytes)?;
                        let entry = stories::entry_of(linker, &doc.text, &answer, day, reuse);
                        view.store_story(d, &entry)?;
                        let found = linker.add(entry.doc, &entry.reuse);
                        view.store_joins(d, &found.joined)?;
                        Some(stories::story_info(&view, found, (Some(d), &doc.id))?)
                    }
                    None => None,
                };
                outcomes.push(AddOutcome::Added(DocReport {
                    id: doc.id.clone(),
                    matches: answer.matches,
                    cluster: answer.cluster.expect("a stored document has a cluster"),
                    story,
                }));
            }
            view.save_counters(counters)?;
            (outcomes, model)
        };
        txn.commit().map_err(|e| store_error(&self.dir, e))?;
        online.publish(model);
        drop(linker);
        Ok(outcomes)
    }

    fn commit_adds_in(
        &self,
        db: &Database,
        docs: &[Document],
        prepared: Vec<Prepared>,
    ) -> Result<Vec<AddOutcome>> {
        let txn = db.begin_write().map_err(|e| store_error(&self.dir, e))?;
        let outcomes = {
            let mut view = View::new(WriteTables::open(&txn, &self.dir)?, &self.dir, &self.config);
            let mut counters = view.counters()?;
            let mut added = Vec::with_capacity(docs.len());
            for (doc, prep) in docs.iter().zip(prepared) {
                added.push(view.add(doc, prep, &mut counters)?);
            }
            let outcomes = added
                .into_iter()
                .zip(docs)
                .map(|(d, doc)| match d {
                    Some(d) => view.report(d).map(AddOutcome::Added),
                    None => Ok(AddOutcome::DuplicateId(doc.id.clone())),
                })
                .collect::<Result<Vec<_>>>()?;
            view.save_counters(counters)?;
            outcomes
        };
        txn.commit().map_err(|e| store_error(&self.dir, e))?;
        Ok(outcomes)
    }

    /// What `text` would match were it added; adds nothing.
    pub fn query(&self, text: &str) -> Result<QueryReport> {
        Ok(self.query_batch(&[text])?.remove(0))
    }

    /// [`Index::query`] for many texts, against one snapshot.
    pub fn query_batch(&self, texts: &[&str]) -> Result<Vec<QueryReport>> {
        self.query_batch_dated(texts, &vec![None; texts.len()])
    }

    /// [`Index::query_batch`] with the day of each text (see
    /// [`Index::add_batch_dated`]); an index with stories also answers the
    /// story each would join.
    pub fn query_batch_dated(
        &self,
        texts: &[&str],
        days: &[Option<Day>],
    ) -> Result<Vec<QueryReport>> {
        check_days(texts.len(), days)?;
        let docs: Vec<Document> = texts.iter().map(|t| Document::new("", *t)).collect();
        let prepared = self.prepare_docs(&docs, false, true)?;
        if let Some(online) = &self.online {
            return self.read(|view| {
                let mut view = view.with_cache(&online.docs)?;
                let model = online.model(&view)?;
                let mut linker = match &self.stories {
                    Some(stories) => Some(stories.lock(&view)?),
                    None => None,
                };
                prepared
                    .iter()
                    .zip(texts)
                    .zip(days)
                    .map(|((prep, text), &day)| {
                        let online_prep = prep.online.as_ref().expect("prepared for reprints");
                        let subject = Subject {
                            doc: None,
                            text,
                            site: None,
                            hash: prep.hash,
                            fingerprints: online_prep.fingerprints(),
                            tokens: online_prep.tokens(),
                        };
                        let answer = view.reprint_answer(&subject, &model, &online.config)?;
                        let story = match linker.as_mut() {
                            Some(guard) => {
                                let linker = guard.as_mut().expect("loaded when locked");
                                let reuse = stories::reuse_links(&view, &answer, prep.bytes)?;
                                let entry = stories::entry_of(linker, text, &answer, day, reuse);
                                let found = linker.query(&entry.doc, &entry.reuse);
                                Some(stories::story_info(&view, found, (None, ""))?)
                            }
                            None => None,
                        };
                        let clusters: Vec<ClusterInfo> = answer.cluster.into_iter().collect();
                        Ok(QueryReport { matches: answer.matches, clusters, story })
                    })
                    .collect()
            });
        }
        self.read(|mut view| prepared.into_iter().map(|prep| view.query(prep)).collect())
    }

    /// Whether a live document has this id.
    pub fn contains(&self, id: &str) -> Result<bool> {
        self.read(|view| Ok(view.doc_id(id)?.is_some()))
    }

    /// The matches and cluster of the live document `id`.
    pub fn get(&self, id: &str) -> Result<Option<DocReport>> {
        if let Some(online) = &self.online {
            return self.read(|view| {
                let mut view = view.with_cache(&online.docs)?;
                let Some(d) = view.doc_id(id)? else { return Ok(None) };
                let model = online.model(&view)?;
                let stored = view.stored_subject(d, &online.config)?;
                let answer = view.reprint_answer(&stored.subject(), &model, &online.config)?;
                Ok(Some(DocReport {
                    id: id.to_owned(),
                    matches: answer.matches,
                    cluster: answer.cluster.expect("a stored document has a cluster"),
                    story: None,
                }))
            });
        }
        self.read(|mut view| match view.doc_id(id)? {
            Some(d) => view.report(d).map(Some),
            None => Ok(None),
        })
    }

    /// Deletes the live document `id` (see the module docs for what happens
    /// to its cluster); `false` when there is none. Durable on return.
    pub fn delete(&self, id: &str) -> Result<bool> {
        if self.online.is_some() {
            // The learned statistics only grow: a deleted document's lines
            // could not be counted out of them.
            return Err(ConfigError::Conflict(
                "documents cannot be deleted from a reprint index".to_owned(),
            )
            .into());
        }
        self.write(|db| self.delete_in(db, id))
    }

    fn delete_in(&self, db: &Database, id: &str) -> Result<bool> {
        let txn = db.begin_write().map_err(|e| store_error(&self.dir, e))?;
        let deleted = {
            let mut view = View::new(WriteTables::open(&txn, &self.dir)?, &self.dir, &self.config);
            let mut counters = view.counters()?;
            let deleted = view.delete(id, &mut counters)?;
            view.save_counters(counters)?;
            deleted
        };
        if deleted {
            txn.commit().map_err(|e| store_error(&self.dir, e))?;
        } else {
            txn.abort().map_err(|e| store_error(&self.dir, e))?;
        }
        Ok(deleted)
    }

    /// Counts over the live documents.
    pub fn stats(&self) -> Result<IndexStats> {
        let counters = self.read(|view| view.counters())?;
        let file = self.dir.join(INDEX_FILE);
        let file_bytes = fs::metadata(&file).map_err(|e| Error::io(&file, e))?.len();
        Ok(IndexStats {
            format_version: FORMAT_VERSION,
            documents: counters.live,
            deleted: counters.deleted,
            added: counters.next_doc,
            exact_duplicates: counters.exact_duplicates,
            clusters: counters.clusters,
            candidate_pairs: counters.candidate_pairs,
            verified_pairs: counters.verified_pairs,
            file_bytes,
        })
    }

    /// The live documents as the batch pipeline would report them: same
    /// pairs, cluster numbering, representatives and similarities.
    pub fn export(&self) -> Result<Export> {
        self.read(|view| self.export_from(view))
    }

    fn export_from(&self, mut view: View<'_, Read>) -> Result<Export> {
        let counters = view.counters()?;
        let err = |e: redb::StorageError| store_error(&self.dir, e);
        let mut ids = Vec::new();
        let mut index_ids = Vec::new();
        let mut lengths = Vec::new();
        // Dense position of each index DocId; deleted ones get none.
        let mut dense = vec![u32::MAX; counters.next_doc as usize];
        for entry in view.tables().docs.iter().map_err(err)? {
            let (key, value) = entry.map_err(err)?;
            let record = view.decode_record(key.value(), value.value())?;
            if !record.deleted {
                dense[key.value() as usize] = ids.len() as u32;
                index_ids.push(DocId::from_u32(key.value()));
                ids.push(record.id);
                lengths.push(record.bytes);
            }
        }
        let mut pairs = Vec::new();
        for entry in view.tables().edges.iter().map_err(err)? {
            let (key, value) = entry.map_err(err)?;
            let (a, b) = format::decode_edge_key(&key.value());
            if a < b {
                let (similarity, kind) = format::decode_edge_value(&value.value());
                let (a, b) = (dense[a.as_usize()], dense[b.as_usize()]);
                pairs.push(ScoredPair {
                    a: DocId::from_u32(a),
                    b: DocId::from_u32(b),
                    similarity,
                    kind,
                    coverage: None,
                });
            }
        }
        pairs.sort_by_key(|p| (p.a, p.b));
        if let Some(online) = &self.online {
            let reprint = online::export_run(&mut view, &online.config, &index_ids)?;
            let result = reprint.dedup.clone();
            // No document of a reprint index is ever deleted: the export's
            // documents are the linker's, in the same order.
            let stories = match &self.stories {
                Some(stories) => {
                    let linker = stories.lock(&view)?;
                    Some(linker.as_ref().expect("loaded when locked").clustering())
                }
                None => None,
            };
            return Ok(Export { ids, index_ids, result, reprint: Some(reprint), stories });
        }
        let edges: Vec<(DocId, DocId)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        let clustering = Clustering::from_edges(ids.len(), &edges, self.config.keep(), &lengths);
        let mut similarity = Vec::with_capacity(ids.len());
        for (doc, &index_id) in index_ids.iter().enumerate() {
            let rep = clustering.representative(clustering.cluster_of(DocId::from_u32(doc as u32)));
            let rep = index_ids[rep.as_usize()];
            // A representative is an exact copy of itself: no lookup needed.
            similarity.push(if rep == index_id { 1.0 } else { view.similarity(index_id, rep)? });
        }
        let stats = DedupStats::new(
            ids.len(),
            counters.exact_duplicates as usize,
            clustering.num_clusters(),
            counters.candidate_pairs as usize,
            pairs.iter().filter(|p| p.kind == PairKind::Near).count(),
        );
        Ok(Export {
            ids,
            index_ids,
            result: DedupResult { clustering, similarity, pairs: pairs.into(), stats },
            reprint: None,
            stories: None,
        })
    }

    /// The passages `text` shares with the live document `id`, in byte
    /// offsets of both texts; `None` when there is no such document.
    pub fn passages(
        &self,
        text: &str,
        id: &str,
        config: &AlignConfig,
    ) -> Result<Option<Vec<PassageSpan>>> {
        config.validate()?;
        let stored = self.read(|mut view| match view.doc_id(id)? {
            Some(d) => view.text(d).map(Some),
            None => Ok(None),
        })?;
        let Some(stored) = stored else { return Ok(None) };
        let normalizer = self.config.shingler().normalizer();
        let (mut query_tokens, mut doc_tokens) = (Tokens::default(), Tokens::default());
        normalizer.tokenize(text, &mut query_tokens);
        normalizer.tokenize(&stored, &mut doc_tokens);
        let (q, t) = (query_tokens.tokens(), doc_tokens.tokens());
        let spans = align(query_tokens.hashes(), doc_tokens.hashes(), config)
            .into_iter()
            .map(|p| PassageSpan {
                query_start: q[p.a_start].start as usize,
                query_end: q[p.a_end - 1].end as usize,
                doc_start: t[p.b_start].start as usize,
                doc_end: t[p.b_end - 1].end as usize,
                words: p.matches,
                identity: p.identity(),
            })
            .collect();
        Ok(Some(spans))
    }

    /// Runs `op` on a view of the last commit.
    pub(super) fn read<T>(&self, op: impl FnOnce(View<'_, Read>) -> Result<T>) -> Result<T> {
        self.with_db(|db| {
            let txn = db.begin_read().map_err(|e| store_error(&self.dir, e))?;
            op(View::new(ReadTables::open(&txn, &self.dir)?, &self.dir, &self.config))
        })
    }

    /// Runs the write transaction `op`; when it fails in storage, reopens
    /// the file (see [`Index`]) so that the next operation finds it usable.
    fn write<T>(&self, op: impl FnOnce(&Database) -> Result<T>) -> Result<T> {
        let result = self.with_db(op);
        if let Err(Error::Io { .. } | Error::Index { .. }) = result {
            // A reopen that fails leaves no database; the next operation
            // tries again, and this write's error is the one to report.
            let _ = self.reopen();
        }
        result
    }

    /// Runs `op` on the open database (reopening it first if a reopen
    /// failed before), a redb panic turned into an error.
    fn with_db<T>(&self, op: impl FnOnce(&Database) -> Result<T>) -> Result<T> {
        if self.db.read().unwrap_or_else(PoisonError::into_inner).is_none() {
            self.reopen()?;
        }
        let db = self.db.read().unwrap_or_else(PoisonError::into_inner);
        let db = db.as_ref().ok_or_else(|| Error::Index {
            path: self.dir.clone(),
            message: "the index is being reopened after a failed write; try again".to_owned(),
        })?;
        undamaged(&self.dir, || op(db))
    }

    /// Closes the database and opens the file again, at its last commit.
    fn reopen(&self) -> Result<()> {
        let mut db = self.db.write().unwrap_or_else(PoisonError::into_inner);
        // Closing first releases the file lock the new handle takes.
        drop(db.take());
        let file = self.dir.join(INDEX_FILE);
        *db = Some(undamaged(&self.dir, || {
            Database::open(&file).map_err(|e| store_error(&self.dir, e))
        })?);
        Ok(())
    }
}

/// Runs `op`, turning a panic into an error saying the file is damaged
/// (see [`Index`] for why redb panics are caught).
fn undamaged<T>(dir: &Path, op: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(op)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        Err(Error::Index {
            path: dir.to_owned(),
            message: format!(
                "{INDEX_FILE} is damaged: the storage engine failed reading it ({why}); \
                 restore it from a backup or rebuild the index"
            ),
        })
    })
}

/// Refuses a number of days that is not one per document.
fn check_days(documents: usize, days: &[Option<Day>]) -> Result<()> {
    if days.len() != documents {
        return Err(Error::Protocol(format!(
            "{} days given for {documents} documents",
            days.len()
        )));
    }
    Ok(())
}

/// Reads and checks `meta`: magic, then the format version (`None` when
/// unreadable; checked by [`check_version`]) and the parameters.
fn read_meta(db: &Database, dir: &Path) -> Result<(Option<u32>, StoredConfig)> {
    let refuse = |message: String| Error::Index { path: dir.to_owned(), message };
    let txn = db.begin_read().map_err(|e| store_error(dir, e))?;
    let meta = match txn.open_table(META) {
        Ok(meta) => meta,
        Err(redb::TableError::TableDoesNotExist(_)) => {
            return Err(refuse(format!("{INDEX_FILE} is not a syndic index (no metadata)")))
        }
        Err(e) => return Err(store_error(dir, e)),
    };
    let get = |key: &str| -> Result<Option<Vec<u8>>> {
        Ok(meta.get(key).map_err(|e| store_error(dir, e))?.map(|v| v.value().to_vec()))
    };
    if get("magic")?.as_deref() != Some(format::MAGIC) {
        return Err(refuse(format!("{INDEX_FILE} is not a syndic index (bad magic)")));
    }
    let version = get("format_version")?
        .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok())
        .map(u32::from_le_bytes);
    // Parameters another version wrote may not parse here: its version is
    // what to report.
    if !version.is_some_and(|v| v == FORMAT_VERSION || MIGRATABLE_VERSIONS.contains(&v)) {
        return Err(Error::IndexFormat {
            path: dir.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
            upgrades: MIGRATABLE_VERSIONS.to_vec(),
        });
    }
    let config = get("config")?.unwrap_or_default();
    let config: StoredConfig = serde_json::from_slice(&config)
        .map_err(|e| refuse(format!("unreadable index parameters: {e}")))?;
    Ok((version, config))
}

/// Checks the format version, upgrading an index of a version in
/// [`MIGRATABLE_VERSIONS`] (its parameters `stored`, updated with the
/// upgrade's) in one transaction (see `docs/index-format.md`,
/// "Versioning"); any other is an [`Error::IndexFormat`].
fn check_version(
    db: &Database,
    dir: &Path,
    version: Option<u32>,
    stored: &mut StoredConfig,
) -> Result<()> {
    match version {
        Some(FORMAT_VERSION) => Ok(()),
        Some(old) if MIGRATABLE_VERSIONS.contains(&old) => {
            // Postings stored before version 5 hash tokens unfolded, and
            // the edges were found through them: the index keeps that
            // setting, so that its queries and adds make the fingerprints
            // it holds (folding them would need every document
            // fingerprinted again, and would leave edges a new index
            // would not find).
            if let Some(reprint) = &mut stored.reprint {
                reprint.ocr_folding = OcrFolding::Off;
            }
            let txn = db.begin_write().map_err(|e| store_error(dir, e))?;
            {
                let mut meta = txn.open_table(META).map_err(|e| store_error(dir, e))?;
                meta.insert("format_version", FORMAT_VERSION.to_le_bytes().as_slice())
                    .map_err(|e| store_error(dir, e))?;
                let config = serde_json::to_vec(&*stored).expect("configs serialize");
                meta.insert("config", config.as_slice()).map_err(|e| store_error(dir, e))?;
            }
            // Creates the tables later versions added, empty.
            view::create_tables(&txn, dir)?;
            // Only version 3 can have stories; their decisions are stored
            // from version 4 on, in the same transaction as the version.
            if let Some(settings) = &stored.stories {
                let config = stored.build()?;
                let mut view = View::new(WriteTables::open(&txn, dir)?, dir, &config);
                stories::record_joins(&mut view, settings.config()?)?;
            }
            txn.commit().map_err(|e| store_error(dir, e))
        }
        found => Err(Error::IndexFormat {
            path: dir.to_owned(),
            found,
            supported: FORMAT_VERSION,
            upgrades: MIGRATABLE_VERSIONS.to_vec(),
        }),
    }
}

#[cfg(test)]
impl Index {
    /// The record of every document ever added, deleted ones included.
    pub(super) fn records(&self) -> Result<Vec<DocRecord>> {
        self.read(|view| {
            let err = |e: redb::StorageError| store_error(&self.dir, e);
            let mut out = Vec::new();
            for entry in view.tables().docs.iter().map_err(err)? {
                let (key, value) = entry.map_err(err)?;
                out.push(view.decode_record(key.value(), value.value())?);
            }
            Ok(out)
        })
    }

    /// Checks the invariants between tables; tests call it after changes.
    pub(super) fn check_consistency(&self) -> Result<()> {
        self.read(|mut view| view.check_consistency())
    }
}
