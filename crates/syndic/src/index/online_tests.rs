//! Tests of the reprint mode of the index (issue 15).

use redb::{Database, ReadableDatabase, ReadableTable};

use super::format::{LEARNED, META, POSTINGS};
use super::*;
use crate::boilerplate::tests::seed;
use crate::cluster::Keep;
use crate::dedup::{DedupConfig, Mode};
use crate::doc::{DocId, Document};
use crate::error::Error;
use crate::pairs::{DedupResult, PairKind};
use crate::passes::CorpusPasses;
use crate::reprint::tests::{corpus, named_story, sentence, FERRY, MINE};
use crate::reprint::{ReprintFinder, ReprintResult};
use crate::settings::ReprintSettings;

fn reprint_index(dir: &std::path::Path, settings: ReprintSettings) -> Index {
    Index::create_reprint(dir, settings, Keep::Longest).unwrap()
}

fn batch(docs: &[Document], settings: &ReprintSettings) -> ReprintResult {
    ReprintFinder::new(settings.config(Keep::Longest).unwrap()).run(docs).unwrap()
}

/// Per document: its id, the id of its cluster's first member, its
/// representative's id and its similarity; then the pairs by ids.
#[allow(clippy::type_complexity)]
fn described(
    ids: &[String],
    result: &DedupResult,
) -> (Vec<(String, String, String, f64)>, Vec<(String, String, PairKind, f64)>) {
    let c = &result.clustering;
    let first = |d: DocId| {
        let cluster = c.cluster_of(d);
        (0..ids.len() as u32).map(DocId::from_u32).find(|&x| c.cluster_of(x) == cluster).unwrap()
    };
    let docs = (0..ids.len() as u32)
        .map(DocId::from_u32)
        .map(|d| {
            (
                ids[d.as_usize()].clone(),
                ids[first(d).as_usize()].clone(),
                ids[c.representative(c.cluster_of(d)).as_usize()].clone(),
                result.similarity[d.as_usize()],
            )
        })
        .collect();
    let pairs = result
        .pairs
        .to_vec()
        .unwrap()
        .iter()
        .map(|p| (ids[p.a.as_usize()].clone(), ids[p.b.as_usize()].clone(), p.kind, p.similarity))
        .collect();
    (docs, pairs)
}

/// The reprint fixture: five stories printed whole and reprinted abridged
/// in site furniture, unrelated pages between them, and two stories with
/// names of their own (a copy of each and a page carrying both).
fn fixture() -> Vec<Document> {
    let mut docs = corpus();
    let ferry = named_story(7, &FERRY, 6);
    let mine = named_story(8, &MINE, 6);
    docs.push(Document::new("ferry", ferry.join("\n\n")));
    docs.push(Document::new("mine", mine.join("\n\n")));
    docs.push(Document::new("ferry-copy", format!("Latest\n\n{}", ferry[..5].join("\n\n"))));
    docs.push(Document::new(
        "roundup",
        format!("{}\n\n{}", ferry[..3].join("\n\n"), mine[..3].join("\n\n")),
    ));
    docs.push(Document::new("other", sentence(77, 120)));
    docs
}

/// Adds the first 80 % of `docs` in one batch and the rest one at a time,
/// then exports.
fn grown(dir: &std::path::Path, docs: &[Document], settings: ReprintSettings) -> (Index, Export) {
    let index = reprint_index(dir, settings);
    let split = docs.len() * 4 / 5;
    index.add_batch(&docs[..split]).unwrap();
    for doc in &docs[split..] {
        index.add_batch(std::slice::from_ref(doc)).unwrap();
    }
    index.check_consistency().unwrap();
    let export = index.export().unwrap();
    (index, export)
}

/// Issue 15: an index grown in reprint mode (80 % at once, then one by
/// one) exports the clusters, representatives, similarities, pairs and
/// passages of the batch pipeline over the same documents.
#[test]
fn issue15_index_equals_batch_on_the_fixture() {
    let docs = fixture();
    let settings = ReprintSettings::default();
    let dir = tempfile::tempdir().unwrap();
    let (_, export) = grown(dir.path(), &docs, settings.clone());
    let expected = batch(&docs, &settings);
    let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    assert_eq!(export.ids, ids);
    assert_eq!(described(&export.ids, &export.result), described(&ids, &expected.dedup));
    let reprint = export.reprint.expect("a reprint index exports its passages");
    assert_eq!(reprint.passages, expected.passages);
    assert_eq!(reprint.boilerplate, expected.boilerplate);
    // The fixture has reprints: the comparison is not of empty results.
    assert!(expected.pairs().iter().filter(|p| p.kind == PairKind::Reprint).count() >= 5);
}

/// Issue 15: each add answers with the document's reprint matches, their
/// passages in byte offsets of both texts, coverage both ways, and its
/// cluster, whose representative is the source, as in batch mode.
#[test]
fn issue15_an_add_answers_with_matches_passages_and_the_source() {
    let docs = fixture();
    let dir = tempfile::tempdir().unwrap();
    let index = reprint_index(dir.path(), ReprintSettings::default());
    let mut reports = Vec::new();
    for doc in &docs {
        match index.add_batch(std::slice::from_ref(doc)).unwrap().remove(0) {
            AddOutcome::Added(report) => reports.push(report),
            other => panic!("{other:?}"),
        }
    }
    let text = |id: &str| docs.iter().find(|d| d.id == id).unwrap().text.as_str();
    // r0 is s0 abridged: it matches s0 when added, and s0, the source,
    // represents their cluster.
    let r0 = reports.iter().find(|r| r.id == "r0").unwrap();
    assert_eq!(r0.matches.len(), 1, "{r0:?}");
    let m = &r0.matches[0];
    assert_eq!((m.id.as_str(), m.kind), ("s0", PairKind::Reprint));
    let coverage = m.coverage.unwrap();
    assert!(coverage.query > 0.95 && (0.5..0.8).contains(&coverage.doc), "{coverage:?}");
    let passages = m.passages.as_ref().unwrap();
    assert!(!passages.is_empty());
    for p in passages {
        let mine = &text("r0")[p.query_start..p.query_end];
        let theirs = &text("s0")[p.doc_start..p.doc_end];
        assert_eq!(mine, theirs, "copied verbatim, the passage is the same text on both sides");
    }
    assert_eq!(r0.cluster.representative, "s0");
    assert_eq!((r0.cluster.id.as_str(), r0.cluster.size), ("s0", 2));
    // Unrelated pages match nothing.
    let u0 = reports.iter().find(|r| r.id == "u0").unwrap();
    assert!(u0.matches.is_empty() && u0.cluster.size == 1, "{u0:?}");
    // The roundup carries two unrelated stories: the batch's chaining rule
    // keeps it from joining both, in the index as in batch mode.
    let roundup = index.get("roundup").unwrap().unwrap();
    let expected = batch(&docs, &ReprintSettings::default());
    let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    let (described, _) = described(&ids, &expected.dedup);
    let row = described.iter().find(|r| r.0 == "roundup").unwrap();
    assert_eq!(roundup.cluster.representative, row.2);
    // Querying a text gives what adding it would, without adding it.
    let query = index.query(text("r0")).unwrap();
    let ids: Vec<&str> = query.matches.iter().map(|m| m.id.as_str()).collect();
    // An exact copy of r0: batch mode pairs it with r0 only, and it also
    // reports r0's reprints, with the passages in its own bytes.
    assert_eq!(ids, ["r0", "s0"]);
    assert_eq!(query.matches[0].kind, PairKind::Exact);
    assert_eq!(query.matches[1].kind, PairKind::Reprint);
    assert_eq!(query.matches[1].passages, m.passages);
    // The same text spaced otherwise is still an exact copy of r0 (the
    // normalized texts are equal): the passages it inherits are moved to
    // its own bytes, word for word.
    let spaced = text("r0").replace(' ', "  ").replace("\n\n", "\n \n");
    let query = index.query(&spaced).unwrap();
    assert_eq!(query.matches[0].kind, PairKind::Exact);
    let inherited = &query.matches[1];
    assert_eq!(inherited.id, "s0");
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    for p in inherited.passages.as_ref().unwrap() {
        assert_eq!(
            words(&spaced[p.query_start..p.query_end]),
            words(&text("s0")[p.doc_start..p.doc_end])
        );
    }
    assert!(!inherited.passages.as_ref().unwrap().is_empty());
    assert_eq!(query.clusters.len(), 1);
    assert_eq!(query.clusters[0].representative, "s0");
    assert_eq!(index.stats().unwrap().documents, docs.len() as u64);
    assert!(index.query("nothing like any of these").unwrap().matches.is_empty());
}

/// Issue 15 (the seeds): querying with 001's text an index of the five
/// seed pages returns 002 and 004 with their shared passages, and neither
/// 000 nor 003 (labels.json: 001, 002 and 004 carry one wire story).
#[test]
fn issue15_seeds_query_with_001_returns_002_and_004() {
    let Some(texts) = (0..5).map(|i| seed(&format!("00{i}.txt"))).collect::<Option<Vec<String>>>()
    else {
        return;
    };
    let docs: Vec<Document> =
        texts.iter().enumerate().map(|(i, t)| Document::new(format!("00{i}"), t.clone())).collect();
    let dir = tempfile::tempdir().unwrap();
    let index = reprint_index(dir.path(), ReprintSettings::default());
    index.add_batch(&docs).unwrap();
    let report = index.query(&texts[1]).unwrap();
    let found: Vec<&str> = report.matches.iter().map(|m| m.id.as_str()).collect();
    for wanted in ["002", "004"] {
        let m = report.matches.iter().find(|m| m.id == wanted).unwrap_or_else(|| {
            panic!("{wanted} missing from {found:?}");
        });
        assert_eq!(m.kind, PairKind::Reprint);
        let passages = m.passages.as_ref().unwrap();
        assert!(!passages.is_empty(), "{wanted}: no passage");
        let other = &texts[wanted[2..].parse::<usize>().unwrap()];
        for p in passages {
            // Byte offsets into both texts, at word boundaries, of
            // passages long enough to count.
            assert!(p.words >= 8 && p.identity >= 0.5, "{p:?}");
            let (mine, theirs) =
                (&texts[1][p.query_start..p.query_end], &other[p.doc_start..p.doc_end]);
            let first = |s: &str| s.split_whitespace().next().map(str::to_lowercase);
            assert_eq!(first(mine), first(theirs), "{mine:?} / {theirs:?}");
        }
        assert!(m.coverage.unwrap().query >= 0.5, "{wanted}: {:?}", m.coverage);
    }
    for unwanted in ["000", "003"] {
        assert!(!found.contains(&unwanted), "{unwanted} matched: {found:?}");
    }
    // Index equals batch on the seeds too.
    let export = index.export().unwrap();
    let expected = batch(&docs, &ReprintSettings::default());
    let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    assert_eq!(described(&export.ids, &export.result), described(&ids, &expected.dedup));
}

/// A page of `seed`'s own text (over 500 characters, so that it keeps
/// its text whatever boilerplate it has) followed by `tail`, its last line.
fn page(seed: u64, tail: &str) -> String {
    format!("{}\n\n{}\n\n{tail}", sentence(seed, 100), sentence(seed + 1, 100))
}

/// Issue 15: boilerplate is learned online. A long closing paragraph that
/// two pages share makes them reprints while it is rare; once it is on
/// `boilerplate_min_docs` pages it is boilerplate, and it stops counting
/// from then on: the page that reaches the count matches nothing, and the
/// earlier pair is no longer found by a query or `get`, though the answer
/// given when it was added stays as it was.
#[test]
fn issue15_a_line_that_becomes_boilerplate_stops_counting() {
    let tail = (0..8).map(|i| sentence(500 + i, 40)).collect::<Vec<_>>().join(" ");
    let settings = ReprintSettings { boilerplate_min_docs: 3, ..ReprintSettings::default() };
    let dir = tempfile::tempdir().unwrap();
    let index = reprint_index(dir.path(), settings.clone());
    let add = |id: &str, seed: u64| match index
        .add_batch(&[Document::new(id, page(seed, &tail))])
        .unwrap()
        .remove(0)
    {
        AddOutcome::Added(report) => report,
        other => panic!("{other:?}"),
    };
    assert!(add("a", 1000).matches.is_empty());
    let b = add("b", 2000);
    assert_eq!(b.matches.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["a"]);
    assert_eq!(b.cluster.size, 2);
    // The third page with the paragraph makes it boilerplate.
    let c = add("c", 3000);
    assert!(c.matches.is_empty(), "{c:?}");
    let got = index.get("b").unwrap().unwrap();
    assert!(got.matches.is_empty(), "{got:?}");
    // The export is the batch over the three pages: no reprint either.
    let export = index.export().unwrap();
    assert!(export.result.pairs.is_empty(), "{:?}", export.result.pairs);
    let docs: Vec<Document> = [("a", 1000), ("b", 2000), ("c", 3000)]
        .map(|(id, s)| Document::new(id, page(s, &tail)))
        .into();
    assert!(batch(&docs, &settings).dedup.pairs.is_empty());
}

/// Issue 15: a reopened reprint index rebuilds its statistics from what it
/// stored and answers as before; its settings come back with it.
#[test]
fn issue15_a_reopened_reprint_index_answers_the_same() {
    let docs = fixture();
    let dir = tempfile::tempdir().unwrap();
    let settings = ReprintSettings { min_coverage: 0.6, ..ReprintSettings::default() };
    let (index, export) = grown(dir.path(), &docs, settings.clone());
    let before: Vec<_> = docs.iter().map(|d| index.query(&d.text).unwrap()).collect();
    drop(index);
    let index = Index::open(dir.path()).unwrap();
    assert_eq!(index.params_json()["min_coverage"], 0.6);
    assert_eq!(index.config().mode(), crate::dedup::Mode::Reprint);
    let after: Vec<_> = docs.iter().map(|d| index.query(&d.text).unwrap()).collect();
    assert_eq!(before, after);
    let again = index.export().unwrap();
    assert_eq!(described(&again.ids, &again.result), described(&export.ids, &export.result));
    // Deleting is refused: the statistics cannot unlearn a page.
    assert_eq!(index.delete("s0").unwrap_err().kind(), "config");
}

/// Sets `meta/format_version` of the index in `dir`.
fn set_version(dir: &std::path::Path, version: u32) {
    let db = Database::open(dir.join(INDEX_FILE)).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut meta = txn.open_table(META).unwrap();
        meta.insert("format_version", version.to_le_bytes().as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

/// Issue 15: an index of format version 1 (before the reprint mode) is
/// upgraded in place when opened and answers as before; a version this
/// syndic does not know is refused with a typed error, never misread.
#[test]
fn issue15_older_formats_are_upgraded_and_unknown_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = DedupConfig::builder().threshold(0.5).build().unwrap();
    let docs = corpus();
    {
        let index = Index::create(dir.path(), config.clone()).unwrap();
        index.add_batch(&docs).unwrap();
    }
    let expected = Index::open(dir.path()).unwrap().export().unwrap();
    // What version 1 wrote: no `postings` or `learned` tables.
    {
        let db = Database::open(dir.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        assert!(txn.delete_table(POSTINGS).unwrap() && txn.delete_table(LEARNED).unwrap());
        txn.commit().unwrap();
    }
    set_version(dir.path(), 1);
    let index = Index::open_expecting(dir.path(), &config).unwrap();
    assert_eq!(index.stats().unwrap().format_version, FORMAT_VERSION);
    let export = index.export().unwrap();
    assert_eq!(described(&export.ids, &export.result), described(&expected.ids, &expected.result));
    index.add_batch(&[Document::new("new", docs[0].text.clone())]).unwrap();
    index.check_consistency().unwrap();
    drop(index);
    {
        let db = Database::open(dir.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_read().unwrap();
        let meta = txn.open_table(META).unwrap();
        let version = meta.get("format_version").unwrap().unwrap().value().to_vec();
        assert_eq!(version, FORMAT_VERSION.to_le_bytes());
    }
    for (version, found) in [(0, Some(0)), (FORMAT_VERSION + 1, Some(FORMAT_VERSION + 1))] {
        set_version(dir.path(), version);
        let err = Index::open(dir.path()).unwrap_err();
        assert_eq!(err.kind(), "index_format", "{err}");
        assert!(
            matches!(&err, Error::IndexFormat { found: f, supported: FORMAT_VERSION, .. } if *f == found),
            "{err:?}"
        );
        assert!(err.to_string().contains(&format!("version {version}")), "{err}");
    }
}

/// Issue 15: the stored documents kept between answers never change an
/// answer. Two indexes get the same adds, one keeping documents (with a
/// bound small enough that they are evicted and read again) and one
/// keeping none; after each add every page is queried and every stored
/// one fetched. Midway a shared closing paragraph becomes boilerplate, so
/// the answers change with the learned statistics, and must change alike.
#[test]
fn issue15_the_document_cache_never_changes_an_answer() {
    let tail = (0..8).map(|i| sentence(500 + i, 40)).collect::<Vec<_>>().join(" ");
    let settings = ReprintSettings { boilerplate_min_docs: 3, ..ReprintSettings::default() };
    let pages: Vec<Document> = (0..5)
        .map(|i| Document::new(format!("p{i}"), page(1000 * (i + 1), &tail)))
        .chain([Document::new("q", page(9000, "A closing line of its own."))])
        .collect();
    let (cached_dir, uncached_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut cached = reprint_index(cached_dir.path(), settings.clone());
    // Room for about three pages: answers read more, so some are evicted.
    cached.set_cache_memory(3 * (pages[0].text.len() + 200));
    let mut uncached = reprint_index(uncached_dir.path(), settings);
    uncached.set_cache_memory(0);
    let mut b_matched = Vec::new();
    for (i, doc) in pages.iter().enumerate() {
        let added: Vec<_> = [&cached, &uncached]
            .map(|index| index.add_batch(std::slice::from_ref(doc)).unwrap())
            .into();
        assert_eq!(added[0], added[1], "adding {}", doc.id);
        for other in &pages {
            let queried = [&cached, &uncached].map(|index| index.query(&other.text).unwrap());
            assert_eq!(queried[0], queried[1], "query {} after {}", other.id, doc.id);
        }
        for other in &pages[..=i] {
            let got = [&cached, &uncached].map(|index| index.get(&other.id).unwrap().unwrap());
            assert_eq!(got[0], got[1], "get {} after {}", other.id, doc.id);
            if other.id == "p1" {
                b_matched.push(!got[0].matches.is_empty());
            }
        }
    }
    // The paragraph made p1 a reprint of p0 until a third page had it.
    assert_eq!(b_matched, [true, false, false, false, false]);
    assert!(cached.cache_memory_used() > 0);
    assert!(cached.cache_memory_used() <= 3 * (pages[0].text.len() + 200));
    assert_eq!(uncached.cache_memory_used(), 0);
}

/// Issue 16: an index of format version 4, tokenized before words broken
/// at line ends were joined, is upgraded to version 5 and keeps
/// tokenizing as it was built, so the band keys it stores and those of its
/// queries agree; a new index joins the broken words, and finds the copy.
#[test]
fn issue16_version_4_indexes_keep_tokenizing_without_joins() {
    let text = "The minister said on Tuesday that the new harbour would open in the spring, \
                and that ferries would call there twice a day from the first of May onward.";
    let broken = text.replace("harbour ", "har-\nbour ").replace("ferries ", "fer-\nries ");
    let halves = text.replace("harbour", "har bour").replace("ferries", "fer ries");
    let matches = |index: &Index, query: &str| !index.query(query).unwrap().matches.is_empty();
    let config = DedupConfig::builder().mode(Mode::Exact).build().unwrap();
    let (new, old) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    {
        let index = Index::create(new.path(), config.clone()).unwrap();
        index.add_batch(&[Document::new("broken", broken.clone())]).unwrap();
        assert!(matches(&index, text) && !matches(&index, &halves));
    }
    drop(Index::create(old.path(), config).unwrap());
    // What version 4 wrote: no `join_hyphenated_line_breaks` in its config.
    {
        let db = Database::open(old.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            let stored = meta.get("config").unwrap().unwrap().value().to_vec();
            let mut stored: serde_json::Value = serde_json::from_slice(&stored).unwrap();
            let removed = stored.as_object_mut().unwrap().remove("join_hyphenated_line_breaks");
            assert_eq!(removed, Some(serde_json::Value::Bool(true)));
            meta.insert("config", serde_json::to_vec(&stored).unwrap().as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    set_version(old.path(), 4);
    let index = Index::open(old.path()).unwrap();
    assert_eq!(index.stats().unwrap().format_version, FORMAT_VERSION);
    assert!(!index.config().shingle().normalizer.join_hyphenated_line_breaks);
    index.add_batch(&[Document::new("broken", broken)]).unwrap();
    assert!(!matches(&index, text) && matches(&index, &halves));
    index.check_consistency().unwrap();
}

/// The corpus of the reprint tests, with OCR-garbled copies of two of its
/// stories (every other word misread), which only folded fingerprints pair
/// with their sources.
fn corpus_with_ocr_copies() -> Vec<Document> {
    let mut docs = corpus();
    for (i, source) in [0, 3].into_iter().enumerate() {
        let garbled = crate::fingerprint::tests::ocr_garbled(&docs[source].text);
        docs.push(Document::new(format!("ocr{i}"), garbled));
    }
    docs
}

/// Each stored document's fingerprints, from the index's postings.
fn stored_postings(dir: &std::path::Path, docs: usize) -> Vec<Vec<u64>> {
    let db = Database::open(dir.join(INDEX_FILE)).unwrap();
    let txn = db.begin_read().unwrap();
    let mut out = vec![Vec::new(); docs];
    for entry in txn.open_table(POSTINGS).unwrap().iter().unwrap() {
        let key = entry.unwrap().0.value();
        let fingerprint = u64::from_be_bytes(key[..8].try_into().unwrap());
        out[format::posting_key_doc(&key).as_usize()].push(fingerprint);
    }
    out
}

/// Issue 16: batch pass 1, the Ray stages' pass 1 (`observe`) and the
/// index's postings take the same fingerprints of every document, with
/// OCR folding on and off; folding pairs the garbled copies.
#[test]
fn issue16_batch_ray_and_index_take_the_same_fingerprints() {
    use crate::fingerprint::{of_tokens, Fingerprint, FingerprintIndex, OcrFolding};
    let docs = corpus_with_ocr_copies();
    let mut candidates = Vec::new();
    for folding in [OcrFolding::On, OcrFolding::Off] {
        let settings = ReprintSettings { ocr_folding: folding, ..ReprintSettings::default() };
        let config = settings.config(Keep::Longest).unwrap();
        let mut tokens = crate::normalize::Tokens::default();
        let expected: Vec<Vec<u64>> = docs
            .iter()
            .map(|doc| {
                crate::normalize::Normalizer::default().tokenize(&doc.text, &mut tokens);
                let mut hashes: Vec<u64> =
                    of_tokens(&tokens, config.fingerprint()).iter().map(|f| f.hash).collect();
                hashes.sort_unstable();
                hashes.dedup();
                hashes
            })
            .collect();
        let (observed, _) = crate::reprint::stages::observe(&docs, &config);
        let observed: Vec<Vec<u64>> = observed.into_iter().map(|(_, fps)| fps).collect();
        assert_eq!(observed, expected, "{folding:?}: observe");
        let dir = tempfile::tempdir().unwrap();
        reprint_index(dir.path(), settings).add_batch(&docs).unwrap();
        assert_eq!(stored_postings(dir.path(), docs.len()), expected, "{folding:?}: index");
        // Batch pass 1 keeps its fingerprints to itself: the candidates it
        // plans are those of these fingerprints.
        let mut index = FingerprintIndex::new();
        for (d, hashes) in expected.iter().enumerate() {
            let fps: Vec<Fingerprint> =
                hashes.iter().map(|&hash| Fingerprint { hash, position: 0 }).collect();
            index.add(DocId::from_u32(d as u32), &fps).unwrap();
        }
        let pairs: Vec<(u32, u32)> = index
            .candidates(config.fingerprint())
            .unwrap()
            .iter()
            .map(|p| (p.a.as_u32(), p.b.as_u32()))
            .collect();
        let mut finder = ReprintFinder::new(config);
        finder.add_batch(&docs).unwrap();
        assert_eq!(finder.plan(), pairs.len(), "{folding:?}: batch");
        candidates.push(pairs);
    }
    // The garbled copies (15, 16) of stories 0 and 3 pair with them only
    // when folded.
    for pair in [(0, 15), (3, 16)] {
        assert!(candidates[0].contains(&pair), "{pair:?} with folding");
        assert!(!candidates[1].contains(&pair), "{pair:?} without folding");
    }
}

/// Issue 16: a reprint index of format version 4 holds fingerprints of
/// unfolded tokens. Opened, it is upgraded to record OCR folding off, so
/// that its queries and adds keep making the fingerprints it holds: a new
/// abridged copy of a stored story is still found, after another open too.
/// A new index records its setting, folding on by default.
#[test]
fn issue16_version_4_reprint_indexes_keep_unfolded_fingerprints() {
    use crate::fingerprint::OcrFolding;
    let docs = corpus();
    let paragraphs: Vec<&str> = docs[3].text.split("\n\n").collect();
    let copy = Document::new("copy", format!("Breaking\n\n{}", paragraphs[1..].join("\n\n")));
    let dir = tempfile::tempdir().unwrap();
    let unfolded = ReprintSettings { ocr_folding: OcrFolding::Off, ..ReprintSettings::default() };
    let (before, before_copy) = {
        let index = reprint_index(dir.path(), unfolded);
        index.add_batch(&docs).unwrap();
        let before: Vec<_> = docs.iter().map(|d| index.query(&d.text).unwrap()).collect();
        (before, index.query(&copy.text).unwrap())
    };
    let ids: Vec<&str> = before_copy.matches.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["s1", "r1"]);
    // What version 4 wrote: reprint settings without `ocr_folding`.
    let stored_config = |dir: &std::path::Path| -> serde_json::Value {
        let db = Database::open(dir.join(INDEX_FILE)).unwrap();
        let txn = db.begin_read().unwrap();
        let meta = txn.open_table(META).unwrap();
        serde_json::from_slice(meta.get("config").unwrap().unwrap().value()).unwrap()
    };
    let mut config = stored_config(dir.path());
    assert_eq!(config["reprint"]["ocr_folding"], "off");
    config["reprint"].as_object_mut().unwrap().remove("ocr_folding");
    {
        let db = Database::open(dir.path().join(INDEX_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert("config", serde_json::to_vec(&config).unwrap().as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    set_version(dir.path(), 4);
    for _ in 0..2 {
        let index = Index::open(dir.path()).unwrap();
        assert_eq!(index.stats().unwrap().format_version, FORMAT_VERSION);
        assert_eq!(index.params_json()["ocr_folding"], "off");
        assert_eq!(index.query(&copy.text).unwrap(), before_copy);
        let after: Vec<_> = docs.iter().map(|d| index.query(&d.text).unwrap()).collect();
        assert_eq!(after, before);
        drop(index);
        assert_eq!(stored_config(dir.path())["reprint"]["ocr_folding"], "off");
    }
    // Adds take the stored setting too.
    let index = Index::open(dir.path()).unwrap();
    match index.add_batch(std::slice::from_ref(&copy)).unwrap().as_slice() {
        [AddOutcome::Added(report)] => assert_eq!(report.matches.len(), 2),
        other => panic!("{other:?}"),
    }
    index.check_consistency().unwrap();
    let new_dir = tempfile::tempdir().unwrap();
    drop(reprint_index(new_dir.path(), ReprintSettings::default()));
    assert_eq!(stored_config(new_dir.path())["reprint"]["ocr_folding"], "on");
    assert_eq!(Index::open(new_dir.path()).unwrap().params_json()["ocr_folding"], "on");
}
