use std::fs;

use proptest::prelude::*;
use redb::{Database, ReadableDatabase};

use super::format::META;
use super::*;
use crate::align::AlignConfig;
use crate::cluster::Keep;
use crate::dedup::{DedupConfig, DedupConfigBuilder, Deduper, Mode};
use crate::doc::{DocId, Document};
use crate::error::Error;
use crate::pairs::{DedupResult, PairKind};
use crate::verify::VerifyMethod;

/// Four unrelated stories of 30 words.
const FAMILIES: [&str; 4] = [
    "shares of the company rose sharply on tuesday after it reported quarterly earnings that beat \
     analyst expectations and raised its forecast for the full year citing strong demand in asia",
    "heavy rain is expected across the north of the country this weekend forecasters said with \
     flood warnings in place for several rivers and roads closed near the coast until monday",
    "the central bank left interest rates unchanged on thursday but signalled that it could cut \
     them later this year if inflation keeps falling toward its target of two percent",
    "the football club confirmed the signing of the young striker on a five year contract after \
     a long negotiation with his former team over the transfer fee and bonuses",
];

/// Variant `v` of a story: 0 the story itself in capitals (an exact copy
/// of 1 after normalization: case folds), 1 the story, others with one or
/// two words changed (near copies at different similarities).
fn variant(family: usize, v: usize) -> String {
    let mut words: Vec<String> = FAMILIES[family].split(' ').map(str::to_owned).collect();
    match v {
        0 => return FAMILIES[family].to_uppercase(),
        1 => {}
        v => {
            words[(v * 7) % 30] = format!("changed{v}");
            if v % 2 == 0 {
                words[(v * 3) % 30] = "edited".to_owned();
            }
        }
    }
    words.join(" ")
}

fn corpus(spec: &[(usize, usize)]) -> Vec<Document> {
    spec.iter()
        .enumerate()
        .map(|(i, &(f, v))| Document::new(format!("d{i}"), variant(f, v)))
        .collect()
}

fn batch(docs: &[Document], builder: &DedupConfigBuilder) -> DedupResult {
    let mut deduper = Deduper::new(builder.clone().build().unwrap()).unwrap();
    deduper.add_batch(docs).unwrap();
    deduper.plan();
    if deduper.needs_second_pass() {
        deduper.second_pass_batch(docs).unwrap();
    }
    deduper.finish().unwrap()
}

fn indexed(
    docs: &[Document],
    builder: &DedupConfigBuilder,
    chunk: usize,
) -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    let index = Index::create(dir.path().join("idx"), builder.clone().build().unwrap()).unwrap();
    for (i, docs) in docs.chunks(chunk.max(1)).enumerate() {
        // Both ways in: directly, and prepared then appended.
        let outcomes = if i % 2 == 0 {
            index.add_batch(docs).unwrap()
        } else {
            let (head, tail) = docs.split_at(docs.len() / 2);
            let mut batch = index.prepare(head.to_vec()).unwrap();
            batch.append(index.prepare(tail.to_vec()).unwrap());
            assert_eq!(batch.len(), docs.len());
            index.add_prepared(batch).unwrap()
        };
        assert!(outcomes.iter().all(|o| matches!(o, AddOutcome::Added(_))));
    }
    index.check_consistency().unwrap();
    (dir, index)
}

/// Compares everything `syndic dedup` writes: pairs, cluster numbering,
/// representatives, similarities and counts.
fn assert_same(export: &Export, expected: &DedupResult, docs: &[Document], what: &str) {
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(export.ids, ids, "{what}: ids");
    let pairs = |r: &DedupResult| -> Vec<(u32, u32, f64, PairKind)> {
        r.pairs
            .to_vec()
            .unwrap()
            .iter()
            .map(|p| (p.a.as_u32(), p.b.as_u32(), p.similarity, p.kind))
            .collect()
    };
    assert_eq!(pairs(&export.result), pairs(expected), "{what}: pairs");
    assert_eq!(export.result.clustering, expected.clustering, "{what}: clusters");
    assert_eq!(export.result.similarity, expected.similarity, "{what}: similarity");
    assert_eq!(export.result.stats, expected.stats, "{what}: stats");
}

fn builders() -> Vec<(&'static str, DedupConfigBuilder)> {
    let base = || DedupConfig::builder().threshold(0.5).num_perm(64);
    vec![
        ("minhash", base()),
        ("keep first", base().keep(Keep::First)),
        ("signature", base().verify(VerifyMethod::Signature)),
        ("exact mode", base().mode(Mode::Exact)),
        ("window 1", base().bucket_window(1)),
        ("window 2, high threshold", base().threshold(0.9).bucket_window(2)),
    ]
}

#[test]
fn index_matches_the_batch_pipeline() {
    // Families interleaved, copies and near copies, a family of more
    // members than the small bucket windows.
    let spec: Vec<(usize, usize)> =
        (0..24).map(|i| (i % 3, [1, 0, 2, 3, 1, 4, 5, 6][i % 8])).chain([(3, 1), (3, 0)]).collect();
    let docs = corpus(&spec);
    for (name, builder) in builders() {
        let expected = batch(&docs, &builder);
        for chunk in [1, 5, docs.len()] {
            let (_dir, index) = indexed(&docs, &builder, chunk);
            assert_same(
                &index.export().unwrap(),
                &expected,
                &docs,
                &format!("{name}, chunks of {chunk}"),
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any corpus, any chunking: the index reports what the batch pipeline
    /// reports.
    #[test]
    fn any_corpus_matches_the_batch_pipeline(
        spec in proptest::collection::vec((0usize..4, 0usize..7), 1..30),
        chunk in 1usize..8,
        builder in 0usize..6,
    ) {
        let (name, builder) = builders().swap_remove(builder);
        let docs = corpus(&spec);
        let (_dir, index) = indexed(&docs, &builder, chunk);
        assert_same(&index.export().unwrap(), &batch(&docs, &builder), &docs, name);
    }

    /// Deleting documents leaves the clusters `syndic dedup` finds among
    /// the rest (buckets here never outgrow the window, where deletion is
    /// exact; see the module docs).
    #[test]
    fn deleting_leaves_the_clusters_of_the_rest(
        spec in proptest::collection::vec((0usize..3, 0usize..6), 2..20),
        deletions in proptest::collection::vec(any::<prop::sample::Index>(), 1..6),
        keep_first: bool,
    ) {
        let keep = if keep_first { Keep::First } else { Keep::Longest };
        let builder = DedupConfig::builder().threshold(0.5).num_perm(64).keep(keep);
        let mut docs = corpus(&spec);
        let (_dir, index) = indexed(&docs, &builder, 4);
        for pick in deletions {
            if docs.is_empty() {
                break;
            }
            let gone = docs.remove(pick.index(docs.len()));
            prop_assert!(index.delete(&gone.id).unwrap());
            prop_assert!(!index.delete(&gone.id).unwrap());
            index.check_consistency().unwrap();
        }
        let export = index.export().unwrap();
        if docs.is_empty() {
            prop_assert!(export.ids.is_empty());
        } else {
            let expected = batch(&docs, &builder);
            let mut expected_stats = expected.stats.clone();
            // Candidates are counted over the index's history.
            expected_stats.candidate_pairs = export.result.stats.candidate_pairs;
            let pairs = |r: &DedupResult| -> Vec<(u32, u32, PairKind)> {
                r.pairs.to_vec().unwrap().iter().map(|p| (p.a.as_u32(), p.b.as_u32(), p.kind)).collect()
            };
            prop_assert_eq!(pairs(&export.result), pairs(&expected));
            prop_assert_eq!(&export.result.clustering, &expected.clustering);
            prop_assert_eq!(&export.result.similarity, &expected.similarity);
            prop_assert_eq!(&export.result.stats, &expected_stats);
        }
    }
}

#[test]
fn reports_queries_and_duplicate_ids() {
    let builder = DedupConfig::builder().threshold(0.5);
    let docs = corpus(&[(0, 1), (1, 1), (0, 0), (0, 3)]);
    let (_dir, index) = indexed(&docs, &builder, 2);

    // d2 is an exact copy of d0, d3 a near copy: one cluster of three.
    let report = index.get("d3").unwrap().unwrap();
    assert_eq!(report.matches.len(), 1);
    assert_eq!((report.matches[0].id.as_str(), report.matches[0].kind), ("d0", PairKind::Near));
    assert_eq!((report.cluster.id.as_str(), report.cluster.size), ("d0", 3));
    let copy = index.get("d2").unwrap().unwrap();
    assert_eq!(copy.matches, vec![Match::new("d0".into(), 1.0, PairKind::Exact)]);
    assert!(index.get("nope").unwrap().is_none());
    assert!(index.contains("d2").unwrap() && !index.contains("nope").unwrap());

    // A query reports what adding would, and adds nothing.
    let text = variant(0, 5);
    let query = index.query(&text).unwrap();
    let outcome = index.add_batch(&[Document::new("new", text.as_str())]).unwrap();
    let AddOutcome::Added(added) = &outcome[0] else { panic!("added") };
    assert_eq!(query.matches, added.matches);
    assert_eq!(query.clusters.len(), 1);
    assert_eq!(query.clusters[0].id, "d0");
    assert_eq!(query.clusters[0].similarity, added.cluster.similarity);
    assert_eq!(
        index.query("nothing like it at all").unwrap(),
        QueryReport { matches: vec![], clusters: vec![], story: None }
    );

    // A live id is refused; the batch's other documents go in.
    let outcomes = index
        .add_batch(&[Document::new("d1", "again"), Document::new("d9", "fresh text here")])
        .unwrap();
    assert_eq!(outcomes[0], AddOutcome::DuplicateId("d1".into()));
    assert!(matches!(outcomes[1], AddOutcome::Added(_)));
    // After a delete the id may be used again.
    assert!(index.delete("d1").unwrap());
    assert!(matches!(
        index.add_batch(&[Document::new("d1", "again")]).unwrap()[0],
        AddOutcome::Added(_)
    ));
    let stats = index.stats().unwrap();
    assert_eq!((stats.documents, stats.deleted, stats.added), (6, 1, 7));
    assert_eq!(index.records().unwrap().iter().filter(|r| r.deleted).count(), 1);
    index.check_consistency().unwrap();
}

#[test]
fn deletion_table() {
    // (corpus, deleted ids, expected clusters as sorted member lists)
    type Case = (Vec<(usize, usize)>, Vec<&'static str>, Vec<Vec<&'static str>>);
    let cases: Vec<Case> = vec![
        // An exact copy goes; its canonical stays alone.
        (vec![(0, 1), (0, 0)], vec!["d1"], vec![vec!["d0"]]),
        // The canonical goes: the copy takes its place and its near pair.
        (vec![(0, 1), (0, 0), (0, 3)], vec!["d0"], vec![vec!["d1", "d2"]]),
        // Everything of a cluster goes.
        (vec![(0, 1), (0, 3), (1, 1)], vec!["d0", "d1"], vec![vec!["d2"]]),
        // Unrelated documents are untouched.
        (vec![(0, 1), (1, 1), (1, 3)], vec!["d0"], vec![vec!["d1", "d2"]]),
    ];
    for (spec, deleted, expected) in cases {
        let builder = DedupConfig::builder().threshold(0.5);
        let (_dir, index) = indexed(&corpus(&spec), &builder, 1);
        for id in &deleted {
            assert!(index.delete(id).unwrap(), "{id}");
            index.check_consistency().unwrap();
        }
        let export = index.export().unwrap();
        let c = &export.result.clustering;
        let mut clusters: Vec<Vec<&str>> = vec![Vec::new(); c.num_clusters()];
        for (d, id) in export.ids.iter().enumerate() {
            clusters[c.cluster_of(DocId::from_u32(d as u32)).as_usize()].push(id);
        }
        assert_eq!(clusters, expected, "{spec:?} minus {deleted:?}");
        // A deleted document is neither found nor matched.
        for id in &deleted {
            assert!(index.get(id).unwrap().is_none());
        }
    }
}

#[test]
fn reopening_keeps_everything() {
    let builder = DedupConfig::builder().threshold(0.5);
    let docs = corpus(&[(0, 1), (0, 2), (1, 1), (0, 0)]);
    let (dir, index) = indexed(&docs, &builder, 3);
    let before = index.export().unwrap();
    drop(index);
    let index = Index::open(dir.path().join("idx")).unwrap();
    assert_same(&index.export().unwrap(), &before.result, &docs, "reopened");
    // Adding after reopening goes on where it stopped.
    let more = corpus(&[(0, 1), (0, 2), (1, 1), (0, 0), (1, 3)]);
    index.add_batch(&more[4..]).unwrap();
    assert_same(&index.export().unwrap(), &batch(&more, &builder), &more, "added after reopening");
}

#[test]
fn open_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let config = DedupConfig::builder().build().unwrap();
    drop(Index::create(&path, config.clone()).unwrap());

    let message = |e: Error| match e {
        Error::Index { message, .. } => message,
        other => panic!("expected an index error, got {other:?}"),
    };
    // Another index in the same place, and reprint mode through the
    // dedup config (a reprint index is made by `Index::create_reprint`),
    // are refused.
    assert!(message(Index::create(&path, config.clone()).unwrap_err()).contains("already holds"));
    let reprint = DedupConfig::builder().mode(Mode::Reprint).build().unwrap();
    assert!(matches!(Index::create(dir.path().join("r"), reprint), Err(Error::Config(_))));
    // Other parameters are refused, naming the difference.
    let other = DedupConfig::builder().num_perm(256).build().unwrap();
    let refused = message(Index::open_expecting(&path, &other).unwrap_err());
    assert!(refused.contains("num_perm: index 128, requested 256"), "{refused}");
    assert!(Index::open_expecting(&path, &config).is_ok());
    // A second open while one is held: the lock names the likely holder.
    let held = Index::open(&path).unwrap();
    assert!(message(Index::open(&path).unwrap_err()).contains("syndic serve"));
    drop(held);
    // No index, another format version, not an index at all.
    assert!(message(Index::open(dir.path().join("none")).unwrap_err()).contains("no index here"));
    {
        let db = Database::open(path.join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert("format_version", 99u32.to_le_bytes().as_slice())
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Index::open(&path).unwrap_err();
    assert!(matches!(err, Error::IndexFormat { found: Some(99), .. }), "{err:?}");
    assert!(err.to_string().contains("format version 99"), "{err}");
    let foreign = dir.path().join("foreign");
    fs::create_dir(&foreign).unwrap();
    drop(Database::create(foreign.join(INDEX_FILE)).unwrap());
    assert!(message(Index::open(&foreign).unwrap_err()).contains("not a syndic index"));
}

#[test]
fn passages_point_into_both_texts() {
    let builder = DedupConfig::builder().threshold(0.5);
    let docs = corpus(&[(0, 1)]);
    let (_dir, index) = indexed(&docs, &builder, 1);
    let query = format!("BREAKING: {} Copyright 2024.", variant(0, 2));
    let config = AlignConfig { min_tokens: 10, ..AlignConfig::default() };
    let spans = index.passages(&query, "d0", &config).unwrap().unwrap();
    assert_eq!(spans.len(), 1);
    let s = spans[0];
    assert!(query[s.query_start..s.query_end].starts_with("shares of the company"));
    assert!(docs[0].text[s.doc_start..s.doc_end].ends_with("demand in asia"));
    assert!(s.words >= 25 && s.identity > 0.9, "{s:?}");
    assert_eq!(index.passages(&query, "unknown", &config).unwrap(), None);
}

#[test]
fn texts_are_stored_raw_or_compressed_whichever_is_smaller() {
    let builder = DedupConfig::builder();
    let long = FAMILIES.join(" ").repeat(20);
    let docs =
        vec![Document::new("short", "a short headline"), Document::new("long", long.as_str())];
    let (_dir, index) = indexed(&docs, &builder, 2);
    let db = index.db.read().unwrap();
    let txn = db.as_ref().unwrap().begin_read().unwrap();
    let texts = txn.open_table(format::TEXTS).unwrap();
    let codec = |d: u32| texts.get(d).unwrap().unwrap().value()[0];
    assert_eq!((codec(0), codec(1)), (view::TEXT_RAW, view::TEXT_ZSTD));
    assert!(texts.get(1).unwrap().unwrap().value().len() < long.len());
    drop((texts, txn, db));
    // Both read back exactly.
    index
        .read(|mut view| {
            for (d, doc) in docs.iter().enumerate() {
                assert_eq!(view.text(DocId::from_u32(d as u32))?, doc.text, "{}", doc.id);
            }
            Ok(())
        })
        .unwrap();
}

/// Issue 16: a memory bound does nothing for an index, whose band keys are
/// in its store, so it is refused rather than ignored.
#[test]
fn issue16_an_index_refuses_a_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let config = DedupConfig::builder().memory(Some(1 << 20)).build().unwrap();
    let err = Index::create(dir.path().join("idx"), config).unwrap_err();
    assert!(matches!(&err, Error::Config(_)) && err.to_string().contains("memory bound"), "{err}");
    assert!(!dir.path().join("idx").exists());
}
