//! Tests of the stories of a reprint index (issue 18).

use redb::Database;

use super::format::{encode_joins, META, STORIES, STORY_JOINS};
use super::*;
use crate::boilerplate::tests::seed;
use crate::cluster::Keep;
use crate::doc::Document;
use crate::fingerprint::OcrFolding;
use crate::settings::{ReprintSettings, StoriesSettings};
use crate::stories::{OnlineStories, RelationKind};
use crate::DocId;

fn stories_index(dir: &std::path::Path) -> Index {
    let stories = StoriesSettings::default();
    Index::create_stories(dir, ReprintSettings::default(), Some(stories), Keep::Longest).unwrap()
}

/// The story `doc` was told when added alone.
fn added_story(index: &Index, doc: Document) -> StoryInfo {
    match index.add_batch(&[doc]).unwrap().remove(0) {
        AddOutcome::Added(report) => report.story.expect("an index with stories"),
        other => panic!("{other:?}"),
    }
}

/// The seeds added one by one: 001, 002 and 004 (one wire story, reprinted)
/// end in one story named by 001, 000 and 003 (other meetings with Putin)
/// in stories of their own. Opened again, the index answers the same.
#[test]
fn issue18_index_seeds_added_one_by_one_make_three_stories() {
    let Some(texts) = (0..5).map(|i| seed(&format!("00{i}.txt"))).collect::<Option<Vec<String>>>()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = stories_index(dir.path());
    let stories: Vec<StoryInfo> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| added_story(&index, Document::new(format!("00{i}"), t.clone())))
        .collect();
    let ids: Vec<&str> = stories.iter().map(|s| s.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["000", "001", "001", "003", "001"], "{stories:#?}");
    assert_eq!(stories[4].size, 3);
    assert!(stories[4].links.iter().all(|l| l.kind != RelationKind::SameStory), "{stories:#?}");
    let export = index.export().unwrap();
    let (clustering, _) = export.stories.clone().unwrap();
    assert_eq!(clustering.num_clusters(), 3);
    drop(index);
    // Reopened, the stories are restored from the stored entries and
    // decisions.
    let index = Index::open(dir.path()).unwrap();
    let again = index.query(&texts[2]).unwrap().story.unwrap();
    assert_eq!(again.id.as_deref(), Some("001"));
    assert_eq!(index.export().unwrap().stories.unwrap().0, clustering);
}

/// A report of the same event in its own words joins the story, with the
/// names that carried the link; a query answers as an add would and adds
/// nothing; another event starts its own story.
#[test]
fn issue18_index_reports_in_own_words_join_the_story() {
    let mut docs = crate::stories::tests::corpus();
    // The other events first: two documents alone share only words in all
    // of them, which weigh nothing.
    docs.rotate_left(4);
    let dir = tempfile::tempdir().unwrap();
    let index = stories_index(dir.path());
    for doc in &docs[..6] {
        added_story(&index, doc.clone());
    }
    let asked = index.query(&docs[6].text).unwrap().story.unwrap();
    assert_eq!(index.stats().unwrap().documents, 6);
    let told = added_story(&index, docs[6].clone());
    assert_eq!(asked.links, told.links);
    assert_eq!((told.id.as_deref(), told.representative.as_deref()), (Some("wire"), Some("wire")));
    let link = told.links.iter().find(|l| l.id == "wire").unwrap();
    assert_eq!(link.kind, RelationKind::SameStory);
    let names = link.entities.as_ref().unwrap();
    assert!(["marisol", "osterby"].iter().all(|n| names.iter().any(|e| e == n)), "{names:?}");
    let alone = index.query("A recipe for lemon cake with sugar and butter").unwrap();
    assert_eq!(alone.story.unwrap().id, None);
    // Reuse is the same story: the near-copy joined the wire by its
    // reprint answer.
    let export = index.export().unwrap();
    let (clustering, _) = export.stories.unwrap();
    let story = |id: &str| {
        let d = export.ids.iter().position(|x| x == id).unwrap();
        clustering.cluster_of(crate::DocId::from_u32(d as u32))
    };
    assert!(["near-copy", "reprint", "own-words"].iter().all(|&d| story(d) == story("wire")));
    assert!(["quarry", "budget", "school"].iter().all(|&d| story(d) != story("wire")));
}

/// An index of format version 2 (before stories) is upgraded in place and
/// has no stories; stories settings are stored and read back.
#[test]
fn issue18_version_2_indexes_are_upgraded_without_stories() {
    let dir = tempfile::tempdir().unwrap();
    let docs = crate::stories::tests::corpus();
    {
        // Version 2 fingerprinted tokens unfolded.
        let settings = ReprintSettings { ocr_folding: OcrFolding::Off, ..Default::default() };
        let index = Index::create_reprint(dir.path(), settings, Keep::Longest).unwrap();
        index.add_batch(&docs[..2]).unwrap();
    }
    {
        let db = Database::open(dir.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        assert!(txn.delete_table(STORIES).unwrap());
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("format_version", 2u32.to_le_bytes().as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let index = Index::open(dir.path()).unwrap();
    assert_eq!(index.stats().unwrap().format_version, FORMAT_VERSION);
    assert!(index.stories_settings().is_none());
    index.add_batch(&docs[2..3]).unwrap();
    assert!(index.query(&docs[0].text).unwrap().story.is_none());
    let other = tempfile::tempdir().unwrap();
    drop(stories_index(other.path()));
    let index = Index::open(other.path()).unwrap();
    assert_eq!(index.stories_settings(), Some(&StoriesSettings::default()));
}

/// The corpus of the stories tests, other events first (two documents
/// alone share only words in all of them, which weigh nothing): quarry,
/// budget, school, then the wire story (wire, near-copy, reprint) and the
/// same event in its own words.
fn corpus() -> Vec<Document> {
    let mut docs = crate::stories::tests::corpus();
    docs.rotate_left(4);
    docs
}

/// Writes (`Some`) or removes (`None`) the stored joins of document `d`.
fn set_joins(dir: &std::path::Path, d: u32, joined: Option<&[DocId]>) {
    let db = Database::open(dir.join(INDEX_FILE)).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(STORY_JOINS).unwrap();
        match joined {
            Some(joined) => table.insert(d, encode_joins(joined).as_slice()).map(drop),
            None => table.remove(d).map(drop),
        }
        .unwrap();
    }
    txn.commit().unwrap();
}

/// Opening an index restores its stories from the decisions stored with
/// the documents: they are a fresh linker's fed the stored entries in
/// order (the replay version 3 ran on every open), the export equals that
/// linker's, and the reopened index answers queries and adds exactly as an
/// index never closed.
#[test]
fn issue18_reopened_index_restores_the_decisions_it_stored() {
    let docs = corpus();
    let (open, closed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let kept = stories_index(open.path());
    let index = stories_index(closed.path());
    for doc in &docs[..6] {
        assert_eq!(added_story(&index, doc.clone()), added_story(&kept, doc.clone()));
    }
    drop(index);
    let index = Index::open(closed.path()).unwrap();
    let (replayed, joins) = index
        .read(|view| {
            let mut linker = OnlineStories::new(StoriesSettings::default().config()?);
            let mut joins = Vec::new();
            for d in (0..6).map(DocId::from_u32) {
                let entry = view.story_entry(d)?;
                joins.push((linker.add(entry.doc, &entry.reuse).joined, view.story_joins(d)?));
            }
            Ok((linker, joins))
        })
        .unwrap();
    assert!(joins.iter().all(|(decided, stored)| decided == stored), "{joins:?}");
    assert!(joins.iter().any(|(decided, _)| !decided.is_empty()), "{joins:?}");
    assert_eq!(index.export().unwrap().stories.unwrap(), replayed.clustering());
    let query = |index: &Index| index.query(&docs[6].text).unwrap().story.unwrap();
    assert_eq!(query(&index), query(&kept));
    assert_eq!(added_story(&index, docs[6].clone()), added_story(&kept, docs[6].clone()));
    assert_eq!(index.export().unwrap().stories, kept.export().unwrap().stories);
}

/// Opening takes the stored decisions as they are, without deciding again:
/// a decision rewritten in the file is obeyed, a missing one is reported
/// as damage.
#[test]
fn issue18_opening_loads_the_stored_decisions() {
    let docs = corpus();
    let dir = tempfile::tempdir().unwrap();
    let index = stories_index(dir.path());
    for doc in &docs[..5] {
        added_story(&index, doc.clone());
    }
    let story = |index: &Index, d: u32| {
        let (clustering, _) = index.export().unwrap().stories.unwrap();
        clustering.cluster_of(DocId::from_u32(d))
    };
    // The near-copy (4) joined the wire's story (3) by its reprint pair.
    assert_eq!(story(&index, 4), story(&index, 3));
    drop(index);
    set_joins(dir.path(), 4, Some(&[]));
    let index = Index::open(dir.path()).unwrap();
    assert_ne!(story(&index, 4), story(&index, 3));
    drop(index);
    set_joins(dir.path(), 4, None);
    let err = Index::open(dir.path()).unwrap().export().unwrap_err();
    assert!(err.to_string().contains("story joins of document 4"), "{err}");
    set_joins(dir.path(), 4, Some(&[DocId::from_u32(2), DocId::from_u32(1)]));
    let err = Index::open(dir.path()).unwrap().export().unwrap_err();
    assert!(err.to_string().contains("story joins of document 4"), "{err}");
}

/// A version 3 index with stories (their entries, no decisions) is
/// upgraded when opened: its stories are decided once more and the
/// decisions stored, in the transaction that writes version 4; it then
/// answers as before.
#[test]
fn issue18_version_3_stories_are_upgraded_by_deciding_them_once() {
    let docs = corpus();
    let dir = tempfile::tempdir().unwrap();
    let expected = {
        // Version 3 fingerprinted tokens unfolded.
        let settings = ReprintSettings { ocr_folding: OcrFolding::Off, ..Default::default() };
        let stories = Some(StoriesSettings::default());
        let index = Index::create_stories(dir.path(), settings, stories, Keep::Longest).unwrap();
        index.add_batch(&docs).unwrap();
        index.export().unwrap().stories
    };
    {
        let db = Database::open(dir.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        assert!(txn.delete_table(STORY_JOINS).unwrap());
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("format_version", 3u32.to_le_bytes().as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let index = Index::open(dir.path()).unwrap();
    assert_eq!(index.stats().unwrap().format_version, FORMAT_VERSION);
    let stored: Vec<Vec<DocId>> =
        index.read(|view| (0..7).map(|d| view.story_joins(DocId::from_u32(d))).collect()).unwrap();
    assert_eq!(stored.iter().filter(|joined| !joined.is_empty()).count(), 3, "{stored:?}");
    assert_eq!(index.export().unwrap().stories, expected);
}
