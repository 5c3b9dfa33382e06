//! Stories in a reprint index: each document added is told which story it
//! belongs to, by [`OnlineStories`] (the batch rules of
//! [`crate::stories`], one new document at a time; see its `online`
//! module for how online answers differ from a batch run's and how story
//! ids stay stable).
//!
//! **Stored per document**, in the transaction that stores the document:
//! its `stories` entry (see [`StoryEntry`]: its terms and their counts,
//! boosted, before document frequencies; its count of own tokens, its day,
//! one spelling per term, and its reuse pairs with earlier documents as its
//! reprint answer found them), and in `story_joins` the stories its add
//! joined ([`StoryAnswer::joined`]). The linker is loaded when first needed
//! after the index is opened, by [`OnlineStories::restore`] of every entry
//! with its joins in `DocId` order: the document frequencies are counted
//! again (cheap) and the stories merged as recorded, with no decision taken
//! again, which gives the state the adds left (the linker is a function of
//! its documents in order, and the joins are its decisions). An index of
//! format version 3 had no joins: [`record_joins`] decides them once, when
//! it is upgraded.

use std::sync::{Mutex, MutexGuard, PoisonError};

use redb::ReadableTable;

use super::format::{decode_joins, encode_joins, store_error, StoryEntry};
use super::online::Answer;
use super::report::{Match, StoryInfo, StoryMatch};
use super::view::{Family, View, Write};
use crate::doc::DocId;
use crate::error::Result;
use crate::pairs::PairKind;
use crate::settings::StoriesSettings;
use crate::stories::{reuse_kind, Day, OnlineStories, ReuseLink, StoriesConfig, StoryAnswer};

/// The stories of an open index: its settings and the online linker.
#[derive(Debug)]
pub(crate) struct Stories {
    pub(crate) settings: StoriesSettings,
    pub(crate) config: StoriesConfig,
    /// `None` until loaded, and after a write that failed (the next use
    /// reloads it from the last commit). Held by a write from its first
    /// answer until its commit, so that readers see only committed
    /// documents.
    linker: Mutex<Option<OnlineStories>>,
}

impl Stories {
    pub(crate) fn new(settings: StoriesSettings) -> Result<Stories> {
        let config = settings.config()?;
        Ok(Stories { settings, config, linker: Mutex::new(None) })
    }

    /// The linker, loaded from the stored entries and joins when needed.
    pub(crate) fn lock<F: Family>(
        &self,
        view: &View<'_, F>,
    ) -> Result<MutexGuard<'_, Option<OnlineStories>>> {
        let mut linker = self.linker.lock().unwrap_or_else(PoisonError::into_inner);
        if linker.is_none() {
            let mut loaded = OnlineStories::new(self.config.clone());
            let stored = view.counters()?.next_doc;
            for d in (0..stored).map(|d| DocId::from_u32(d as u32)) {
                let entry = view.story_entry(d)?;
                let joined = view.story_joins(d)?;
                loaded.restore(entry.doc, &joined).map_err(|s| {
                    view.corrupt(format!(
                        "story joins of document {d} (story {s} out of order, or no story then)"
                    ))
                })?;
            }
            *linker = Some(loaded);
        }
        Ok(linker)
    }

    /// A write failed: the linker is reloaded from the last commit when
    /// next needed.
    pub(crate) fn forget(&self) {
        *self.linker.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// The reuse pairs of a reprint answer, as story links: its pairs with
/// stored documents (`bytes` gives each one's length), the kind refined
/// as in batch (a reprint covering nearly all of nearly equal texts is a
/// near-copy).
pub(crate) fn reuse_links<F: Family>(
    view: &View<'_, F>,
    answer: &Answer,
    subject_bytes: u64,
) -> Result<Vec<ReuseLink>> {
    let mut links = Vec::with_capacity(answer.edges.len());
    for &(other, similarity, kind) in &answer.edges {
        let record = view.record(other)?;
        let (other_bytes, id) = (record.bytes, record.id);
        // The coverage of the shorter, as the batch pair holds it.
        let coverage = answer
            .matches
            .iter()
            .find(|m: &&Match| m.id == id)
            .and_then(|m| m.coverage)
            .map_or(similarity, |c| if subject_bytes <= other_bytes { c.query } else { c.doc });
        let kind = match kind {
            PairKind::Exact => reuse_kind(kind, 1.0, (subject_bytes, other_bytes)),
            _ => reuse_kind(kind, coverage, (subject_bytes, other_bytes)),
        };
        links.push(ReuseLink { doc: other, kind, score: similarity });
    }
    Ok(links)
}

/// A story answer with external ids.
pub(crate) fn story_info<F: Family>(
    view: &View<'_, F>,
    answer: StoryAnswer,
    subject: (Option<DocId>, &str),
) -> Result<StoryInfo> {
    let id = |d: DocId| -> Result<String> {
        if Some(d) == subject.0 {
            return Ok(subject.1.to_owned());
        }
        Ok(view.record(d)?.id)
    };
    let links = answer
        .links
        .into_iter()
        .map(|l| {
            Ok(StoryMatch {
                id: id(l.doc)?,
                kind: l.kind,
                score: crate::rundir::round(l.score),
                entities: l.shared.as_ref().map(|s| s.entities.clone()),
                terms: l.shared.map(|s| s.terms),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(StoryInfo {
        id: answer.story.map(id).transpose()?,
        representative: answer.representative.map(id).transpose()?,
        size: answer.size as u64,
        links,
    })
}

/// The linker's document of a subject: its own text is what its reprint
/// answer did not label boilerplate.
pub(crate) fn entry_of(
    linker: &OnlineStories,
    text: &str,
    answer: &Answer,
    day: Option<Day>,
    reuse: Vec<ReuseLink>,
) -> StoryEntry {
    StoryEntry { doc: linker.extract(text, &answer.boilerplate, day), reuse }
}

/// Upgrades the stories of a version 3 index (entries, no joins): adds
/// every entry again in `DocId` order, deciding each story as version 3
/// did on every open, and stores each decision in `story_joins`, in the
/// caller's transaction (the one that writes the new version).
pub(crate) fn record_joins(view: &mut View<'_, Write<'_>>, config: StoriesConfig) -> Result<()> {
    let mut linker = OnlineStories::new(config);
    let stored = view.counters()?.next_doc;
    for d in (0..stored).map(|d| DocId::from_u32(d as u32)) {
        let entry = view.story_entry(d)?;
        let answer = linker.add(entry.doc, &entry.reuse);
        view.store_joins(d, &answer.joined)?;
    }
    Ok(())
}

impl<F: Family> View<'_, F> {
    pub(super) fn story_entry(&self, d: DocId) -> Result<StoryEntry> {
        let found = self.tables().stories.get(d.as_u32()).map_err(self.store())?;
        found
            .and_then(|v| StoryEntry::decode(v.value()))
            .ok_or_else(|| self.corrupt(format!("story entry of document {d}")))
    }

    /// The stories document `d` joined when it was added.
    pub(super) fn story_joins(&self, d: DocId) -> Result<Vec<DocId>> {
        let found = self.tables().story_joins.get(d.as_u32()).map_err(self.store())?;
        found
            .and_then(|v| decode_joins(v.value()))
            .ok_or_else(|| self.corrupt(format!("story joins of document {d}")))
    }
}

impl<'t> View<'_, Write<'t>> {
    /// Stores the story entry of document `d`.
    pub(crate) fn store_story(&mut self, d: DocId, entry: &StoryEntry) -> Result<()> {
        let dir = self.dir().to_owned();
        self.tables_mut()
            .stories
            .insert(d.as_u32(), entry.encode().as_slice())
            .map_err(|e| store_error(&dir, e))?;
        Ok(())
    }

    /// Stores the stories document `d` joined when it was added.
    pub(crate) fn store_joins(&mut self, d: DocId, joined: &[DocId]) -> Result<()> {
        let dir = self.dir().to_owned();
        self.tables_mut()
            .story_joins
            .insert(d.as_u32(), encode_joins(joined).as_slice())
            .map_err(|e| store_error(&dir, e))?;
        Ok(())
    }
}
