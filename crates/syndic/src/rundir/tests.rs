use std::borrow::Cow;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::*;
use crate::dedup::{DedupConfig, Deduper, Mode};
use crate::pairs::PairKind;
use crate::write::{OutputDir, Overwrite};
use crate::{Document, Error};

/// Writes `lines` as a run file, reads them back, and checks both the
/// bytes (`expected`) and that the same lines come back.
fn round_trip<T>(file: &str, lines: &[T], expected: &str)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let parent = tempfile::tempdir().unwrap();
    let out = OutputDir::create(parent.path().join("run"), &Overwrite::never()).unwrap();
    out.write_jsonl(file, lines).unwrap();
    let path = out.path_of(file);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected, "{file}");
    assert_eq!(to_bytes(lines), expected.as_bytes(), "{file}: to_bytes writes the same");
    let read: Vec<(u64, T)> =
        read_lines(&path).unwrap().unwrap().collect::<crate::Result<_>>().unwrap();
    let numbers: Vec<u64> = read.iter().map(|r| r.0).collect();
    assert_eq!(numbers, (1..=lines.len() as u64).collect::<Vec<_>>(), "{file}");
    assert_eq!(read.into_iter().map(|r| r.1).collect::<Vec<_>>(), lines, "{file}");
}

#[test]
fn every_line_type_reads_back_as_written() {
    let b = Cow::Borrowed;
    round_trip(
        CLUSTERS_FILE,
        &[
            ClusterLine { id: b("é\n\"q\""), cluster: 0, representative: true, similarity: 1.0 },
            ClusterLine { id: b("b"), cluster: 0, representative: false, similarity: 0.333333 },
        ],
        "{\"id\":\"é\\n\\\"q\\\"\",\"cluster\":0,\"representative\":true,\"similarity\":1.0}\n\
         {\"id\":\"b\",\"cluster\":0,\"representative\":false,\"similarity\":0.333333}\n",
    );
    round_trip(
        PAIRS_FILE,
        &[
            PairLine {
                a: b("a"),
                b: b("b"),
                similarity: 1.0,
                kind: PairKind::Exact,
                coverage: None,
            },
            PairLine {
                a: b("a"),
                b: b("c"),
                similarity: 0.5,
                kind: PairKind::Reprint,
                coverage: Some(0.75),
            },
        ],
        "{\"a\":\"a\",\"b\":\"b\",\"similarity\":1.0,\"kind\":\"exact\"}\n\
         {\"a\":\"a\",\"b\":\"c\",\"similarity\":0.5,\"kind\":\"reprint\",\"coverage\":0.75}\n",
    );
    round_trip(
        PASSAGES_FILE,
        &[PassageLine {
            a: b("a"),
            b: b("b"),
            a_start: 0,
            a_end: 10,
            b_start: 5,
            b_end: 16,
            words: 2,
            identity: 0.9,
            boilerplate: false,
        }],
        "{\"a\":\"a\",\"b\":\"b\",\"a_start\":0,\"a_end\":10,\"b_start\":5,\"b_end\":16,\
         \"words\":2,\"identity\":0.9,\"boilerplate\":false}\n",
    );
    round_trip(
        BOILERPLATE_FILE,
        &[BoilerplateLine {
            id: b("a"),
            bytes: 7,
            spans: vec![
                SpanLine { start: 0, end: 4, reason: b("repeated") },
                SpanLine { start: 9, end: 12, reason: b("furniture") },
            ],
        }],
        "{\"id\":\"a\",\"bytes\":7,\"spans\":[{\"start\":0,\"end\":4,\"reason\":\"repeated\"},\
         {\"start\":9,\"end\":12,\"reason\":\"furniture\"}]}\n",
    );
}

#[test]
fn scores_keep_six_decimals() {
    let cases = [
        (2.0 / 3.0, 0.666667),
        (1.0 / 3.0, 0.333333),
        (0.0000005, 0.000001),
        (0.00000049, 0.0),
        (1.0, 1.0),
        (0.0, 0.0),
        (0.1234565, 0.123457),
    ];
    for (x, rounded) in cases {
        assert_eq!(round(x), rounded, "{x}");
        assert_eq!(round_to(x, SCORE_DECIMALS), rounded, "{x}");
    }
    assert_eq!(round_to(0.126, 2), 0.13);
}

#[test]
fn a_line_not_in_the_format_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 4] = [
        (
            "pairs.jsonl",
            "{\"a\":\"x\",\"b\":\"y\",\"similarity\":0.5,\"kind\":\"near\"}\n\n{\"a\":3}\n",
        ),
        ("pairs.jsonl", "{\"a\":\"x\",\"b\":\"y\",\"similarity\":0.5,\"kind\":\"nearly\"}\n"),
        ("pairs.jsonl", "{\"a\":\"x\",\"b\":\"y\"\n"),
        ("pairs.jsonl", "[1, 2]\n"),
    ];
    let lines = [3, 1, 1, 1];
    for ((name, text), line) in cases.iter().zip(lines) {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let items: Vec<_> = read_lines::<PairLine>(&path).unwrap().unwrap().collect();
        let err = items.into_iter().find_map(Result::err).expect(text);
        match &err {
            Error::RunFile { location, .. } => {
                assert_eq!(location.path, path);
                assert_eq!(location.line, Some(line), "{text}");
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains(&format!("{}, line {line}", path.display())), "{err}");
        assert_eq!(err.kind(), "run_file");
    }
}

#[test]
fn unknown_keys_are_ignored_and_absent_files_are_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clusters.jsonl");
    let text =
        "{\"id\":\"a\",\"cluster\":2,\"representative\":true,\"similarity\":1.0,\"new\":[1]}\n";
    std::fs::write(&path, text).unwrap();
    let read: Vec<_> =
        read_lines::<ClusterLine>(&path).unwrap().unwrap().map(Result::unwrap).collect();
    assert_eq!(read[0].1.cluster, 2);
    assert!(read_lines::<ClusterLine>(&dir.path().join("none.jsonl")).unwrap().is_none());
}

fn dedup(texts: &[&str], mode: Mode) -> crate::pairs::DedupResult {
    let docs: Vec<Document> =
        texts.iter().enumerate().map(|(i, t)| Document::new(i.to_string(), *t)).collect();
    let config = DedupConfig::builder().mode(mode).threshold(0.3).build().unwrap();
    let mut deduper = Deduper::new(config).unwrap();
    deduper.add_batch(&docs).unwrap();
    deduper.plan();
    deduper.finish().unwrap()
}

#[test]
fn counts_of_a_result_and_of_its_assignment_agree() {
    let a = "the quick brown fox jumps over the lazy dog near the river bank today";
    let b = "the quick brown fox jumps over the lazy dog near the river bank tonight";
    let texts = [a, "something else entirely, with other words in it", a, b, "x y z w v"];
    for mode in [Mode::Exact, Mode::MinHash] {
        let result = dedup(&texts, mode);
        let counts = ClusterCounts::of(&result);
        let docs = (0..texts.len() as u32).map(crate::DocId::from_u32);
        let cluster: Vec<u32> =
            docs.clone().map(|d| result.clustering.cluster_of(d).as_u32()).collect();
        let rep: Vec<bool> = docs.map(|d| result.clustering.is_representative(d)).collect();
        let stats = &result.stats;
        let assigned = ClusterCounts::of_assignment(
            &cluster,
            &rep,
            &result.similarity,
            stats.exact_duplicates,
            stats.candidate_pairs,
            stats.verified_pairs,
        )
        .unwrap();
        assert_eq!(assigned, counts, "{mode:?}");
        let total: usize = counts.similarity.iter().sum();
        assert_eq!(total, stats.duplicates_removed, "{mode:?}: a bin per member");
    }
    let counts = ClusterCounts::of(&dedup(&texts, Mode::Exact));
    assert_eq!(counts.stats.exact_duplicates, 1);
    assert_eq!(counts.sizes, [(1, 3), (2, 1)]);
    assert_eq!(counts.similarity[SIMILARITY_BINS - 1], 1, "exact copies score 1");
    assert!(ClusterCounts::of_assignment(&[0, 0], &[true], &[1.0, 1.0], 0, 0, 0).is_err());
}

#[test]
fn summaries_read_back_as_written_with_their_files() {
    let parent = tempfile::tempdir().unwrap();
    let out = OutputDir::create(parent.path().join("run"), &Overwrite::never()).unwrap();
    let result =
        dedup(&["one two three four five six", "one two three four five six"], Mode::Exact);
    let ids = ["a".to_owned(), "b".to_owned()];
    write_dedup(&out, &result, |d| ids[d.as_usize()].as_str()).unwrap();
    let mut summary = Summary::new("dedup");
    summary.mode = Some("exact".into());
    summary.set_clusters(&ClusterCounts::of(&result));
    summary.passages = Some(None);
    summary.peak_rss_bytes = Some(None);
    summary.documents = Some(Documents::Read(ReadCounts { read: 2, ..ReadCounts::default() }));
    summary.read_options = Some(RecordedReadOptions::default());
    summary.write(out.path()).unwrap();
    assert_eq!(summary.files, ["clusters.jsonl", "pairs.jsonl"], "summary.json is not listed");
    let path = out.path_of(SUMMARY_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\"passages\": null"), "null where it does not apply:\n{text}");
    assert!(!text.contains("boilerplate_bytes"), "absent where not set:\n{text}");
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "keys sorted");
    let read = Summary::read(&path).unwrap();
    assert_eq!(read, summary);
    assert_eq!(read.documents.as_ref().map(Documents::read), Some(2));
    let opts = read.read_options.unwrap().to_read_options().unwrap();
    assert_eq!(opts.id_field, "id");
}

#[test]
fn summaries_of_other_versions_and_runners_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SUMMARY_FILE);
    type Check = fn(&Summary);
    let cases: [(&str, Check); 3] = [
        (
            r#"{"command": "dedup", "inputs": ["b.jsonl", "a"], "future": {"x": 1},
                "read_options": {"format": "jsonl", "id_field": "doc.id", "site_field": null},
                "documents": {"read": 12}, "cluster_size_histogram": {"10": 1, "2": 3}}"#,
            |s| {
                assert_eq!(
                    s.inputs.as_deref(),
                    Some(&[Path::new("b.jsonl").into(), "a".into()][..])
                );
                let opts = s.read_options.as_ref().unwrap();
                assert_eq!(
                    (opts.format.as_deref(), opts.id_field.as_str()),
                    (Some("jsonl"), "doc.id")
                );
                assert_eq!(opts.text_field, "text", "missing: the default");
                assert_eq!(s.documents.as_ref().unwrap().skipped(), Some(0));
                assert_eq!(s.extra["future"]["x"], 1);
                assert_eq!(s.syndic_version, "");
            },
        ),
        (
            r#"{"syndic_version": "0.1.0", "command": "dedup", "runner": "ray", "documents": 7,
                "num_partitions": 4, "deduped_output": {"path": "d", "format": "parquet", "records": 3}}"#,
            |s| {
                assert_eq!(s.documents, Some(Documents::Count(7)));
                assert_eq!(s.documents.as_ref().unwrap().skipped(), None);
                assert_eq!(s.runner.as_deref(), Some("ray"));
                let deduped = s.deduped_output.clone().flatten().unwrap();
                assert_eq!((deduped.records, deduped.format.as_deref()), (3, Some("parquet")));
            },
        ),
        (r#"{"command": "passages", "passages": 3, "boilerplate_bytes": null}"#, |s| {
            assert_eq!(s.passages, Some(Some(3)));
            assert_eq!(s.boilerplate_bytes, Some(None));
            assert_eq!(s.deduped_output, None);
            assert!(s.files.is_empty() && s.inputs.is_none());
        }),
    ];
    for (text, check) in cases {
        std::fs::write(&path, text).unwrap();
        check(&Summary::read(&path).unwrap());
    }
    std::fs::write(&path, "{\"clusters\": \"many\"}").unwrap();
    let err = Summary::read(&path).unwrap_err();
    assert!(matches!(err, Error::RunFile { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&path.display().to_string()), "{err}");
}

#[test]
fn unmarked_flags_read_as_false() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(PASSAGES_FILE);
    let text = "{\"a\":\"a\",\"b\":\"b\",\"a_start\":0,\"a_end\":4,\"b_start\":0,\"b_end\":4,\
                \"words\":1,\"identity\":1.0}\n";
    std::fs::write(&path, text).unwrap();
    let (_, line) = read_lines::<PassageLine>(&path).unwrap().unwrap().next().unwrap().unwrap();
    assert!(!line.boilerplate);
    let path = dir.path().join(CLUSTERS_FILE);
    std::fs::write(&path, "{\"id\":\"a\",\"cluster\":0,\"similarity\":1.0}\n").unwrap();
    let (_, line) = read_lines::<ClusterLine>(&path).unwrap().unwrap().next().unwrap().unwrap();
    assert!(!line.representative);
}
