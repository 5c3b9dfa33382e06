//! Atomic outputs, the replace policy and the corpus writers.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, Int64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use serde::Serialize;

use super::*;
use crate::error::NotReplaceable;
use crate::read::tests::{put, resolve, sample_warc, strings, warc_record, write_parquet};
use crate::read::CorpusReader;
use crate::read::{Compression, ReadOptions};
use crate::{Error, Origin, Result};

/// The names in `dir`, sorted (also for the tests of
/// [`crate::index::staged`]).
pub(crate) fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// What is at `path`: `None`, a file's text, or a directory's listing.
fn contents(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    Some(if meta.file_type().is_symlink() {
        format!("-> {}", fs::read_link(path).unwrap().display())
    } else if meta.is_dir() {
        listing(path).join(",")
    } else {
        fs::read_to_string(path).unwrap()
    })
}

#[derive(Clone, Copy, Debug)]
enum Before {
    Nothing,
    File,
    /// A directory syndic did not write.
    Dir,
    /// A run directory syndic wrote.
    Run,
    /// A run directory with a file of the user's beside the outputs.
    RunWithNotes,
    /// A symbolic link to a run directory.
    Link,
}

fn make(path: &Path, before: Before) {
    let run = |path: &Path| {
        fs::create_dir(path).unwrap();
        fs::write(path.join("summary.json"), r#"{"syndic_version": "0.1.0"}"#).unwrap();
        fs::write(path.join("clusters.jsonl"), "old").unwrap();
    };
    match before {
        Before::Nothing => {}
        Before::File => fs::write(path, "old file").unwrap(),
        Before::Dir => {
            fs::create_dir(path).unwrap();
            fs::write(path.join("old.txt"), "old").unwrap();
        }
        Before::Run => run(path),
        Before::RunWithNotes => {
            run(path);
            fs::write(path.join("notes.txt"), "mine").unwrap();
        }
        Before::Link => {
            let target = path.with_file_name("target");
            run(&target);
            std::os::unix::fs::symlink(&target, path).unwrap();
        }
    }
}

#[test]
fn output_dirs_appear_whole_on_commit_or_not_at_all() {
    // (what is there before, force, commit?, what is there after)
    let cases = [
        (Before::Nothing, false, true, Some("new.txt")),
        (Before::Nothing, false, false, None),
        (Before::Run, true, true, Some("new.txt")),
        (Before::Run, true, false, Some("clusters.jsonl,summary.json")),
    ];
    for (before, force, commit, after) in cases {
        let parent = tempfile::tempdir().unwrap();
        let dest = parent.path().join("run");
        make(&dest, before);
        let out = OutputDir::create(&dest, &Overwrite::new(force)).unwrap();
        fs::write(out.path_of("new.txt"), "new").unwrap();
        assert_eq!(out.final_path(), dest);
        assert!(out.path().starts_with(parent.path()));
        if commit {
            out.commit().unwrap();
        } else {
            drop(out);
        }
        let case = format!("{before:?} force {force} commit {commit}");
        assert_eq!(contents(&dest).as_deref(), after, "{case}");
        // No temporary or set-aside directory is left beside it.
        let want: &[&str] = if after.is_some() { &["run"] } else { &[] };
        assert_eq!(listing(parent.path()), want, "{case}");
    }
}

/// Issue 12: `--force` replaced whatever the output path named: an index,
/// the input corpus, files of the user's beside a run.
#[test]
fn issue12_force_replaces_only_what_syndic_wrote() {
    // (what is there, why it stays: None when it is replaced)
    let cases = [
        (Before::Run, None),
        (Before::Dir, Some(NotReplaceable::NotARun)),
        (Before::RunWithNotes, Some(NotReplaceable::ForeignEntry("notes.txt".into()))),
        (Before::File, Some(NotReplaceable::NotADirectory)),
        (Before::Link, Some(NotReplaceable::Special)),
    ];
    for (before, why) in cases {
        let parent = tempfile::tempdir().unwrap();
        let dest = parent.path().join("run");
        make(&dest, before);
        let was = contents(&dest);
        let created = OutputDir::create(&dest, &Overwrite::new(true));
        match (created, why) {
            (Ok(out), None) => out.commit().unwrap(),
            (Err(Error::OutputNotReplaceable { path, why: got }), Some(want)) => {
                assert_eq!((path, got), (dest.clone(), want), "{before:?}");
                assert_eq!(contents(&dest), was, "{before:?}: left as it was");
            }
            (got, want) => panic!("{before:?}: {got:?}, expected refusal {want:?}"),
        }
    }
}

/// Issue 12: `syndic dedup D --out D --force` deleted the corpus `D`, and
/// an output file could replace the input it was made from.
#[test]
fn issue12_force_never_replaces_an_input() {
    let parent = tempfile::tempdir().unwrap();
    // A run directory that is also an input (`dedup run/ --out run`).
    let run = parent.path().join("run");
    make(&run, Before::Run);
    let overwrite = Overwrite::new(true).protecting([&run.join("clusters.jsonl")]);
    let err = OutputDir::create(&run, &overwrite).unwrap_err();
    assert!(
        matches!(&err, Error::OutputNotReplaceable { why: NotReplaceable::HoldsInput(p), .. }
            if p.ends_with("run/clusters.jsonl")),
        "{err}"
    );
    let overwrite = Overwrite::new(true).protecting([&run]);
    let err = OutputDir::create(&run, &overwrite).unwrap_err();
    assert!(
        matches!(&err, Error::OutputNotReplaceable { why: NotReplaceable::IsInput, .. }),
        "{err}"
    );
    // A file output naming its input, by another spelling of its path.
    let input = parent.path().join("docs.jsonl");
    fs::write(&input, "precious").unwrap();
    let overwrite = Overwrite::new(true).protecting([&input]);
    let same = parent.path().join("run/../docs.jsonl");
    for err in [
        AtomicFile::create(&same, &overwrite).unwrap_err(),
        create_writer(&same, &overwrite).unwrap_err(),
    ] {
        assert!(
            matches!(&err, Error::OutputNotReplaceable { why: NotReplaceable::IsInput, .. }),
            "{err}"
        );
    }
    assert_eq!(fs::read_to_string(&input).unwrap(), "precious");
}

#[test]
fn a_file_does_not_replace_a_directory() {
    for force in [false, true] {
        let parent = tempfile::tempdir().unwrap();
        make(&parent.path().join("out"), Before::Run);
        let err = AtomicFile::create(parent.path().join("out"), &Overwrite::new(force));
        assert!(
            matches!(
                err,
                Err(Error::OutputNotReplaceable { why: NotReplaceable::IsDirectory, .. })
            ),
            "{err:?}"
        );
    }
}

#[test]
fn existing_outputs_are_refused_without_force() {
    for before in [Before::File, Before::Run] {
        let parent = tempfile::tempdir().unwrap();
        let dest = parent.path().join("out.jsonl");
        make(&dest, before);
        let dir_err = OutputDir::create(&dest, &Overwrite::never()).unwrap_err();
        assert!(matches!(&dir_err, Error::OutputExists { path } if *path == dest), "{dir_err}");
    }
    let parent = tempfile::tempdir().unwrap();
    let dest = parent.path().join("out.jsonl");
    make(&dest, Before::File);
    let file_err = AtomicFile::create(&dest, &Overwrite::never()).unwrap_err();
    assert!(matches!(&file_err, Error::OutputExists { path } if *path == dest), "{file_err}");
    // An output that appears while the run writes is not overwritten either.
    let parent = tempfile::tempdir().unwrap();
    let dest = parent.path().join("late");
    let never = Overwrite::never();
    let (dir, file) =
        (OutputDir::create(&dest, &never).unwrap(), AtomicFile::create(&dest, &never).unwrap());
    fs::write(&dest, "someone else's").unwrap();
    assert_eq!(dir.commit().unwrap_err().kind(), "output_exists");
    assert_eq!(file.commit().unwrap_err().kind(), "output_exists");
    assert_eq!(contents(&dest).as_deref(), Some("someone else's"));
    assert_eq!(listing(parent.path()), ["late"]);
    // Nor, with force, one that syndic did not write.
    let dest = parent.path().join("late-run");
    let out = OutputDir::create(&dest, &Overwrite::new(true)).unwrap();
    make(&dest, Before::Dir);
    assert_eq!(out.commit().unwrap_err().kind(), "output_not_replaceable");
    assert_eq!(contents(&dest).as_deref(), Some("old.txt"));
}

fn decompress(path: &Path) -> Vec<u8> {
    let file = File::open(path).unwrap();
    let mut out = Vec::new();
    match Compression::from_path(path) {
        Compression::None => {
            (&file).read_to_end(&mut out).unwrap();
        }
        Compression::Gzip => {
            flate2::read::MultiGzDecoder::new(file).read_to_end(&mut out).unwrap();
        }
        Compression::Zstd => {
            zstd::Decoder::new(file).unwrap().read_to_end(&mut out).unwrap();
        }
    }
    out
}

#[test]
fn files_are_compressed_by_extension_and_appear_on_commit() {
    let parent = tempfile::tempdir().unwrap();
    let data = "line of text\n".repeat(1000);
    for (name, compressed) in [("a.txt", false), ("a.jsonl.gz", true), ("a.jsonl.zst", true)] {
        let path = parent.path().join(name);
        let mut file = create_writer(&path, &Overwrite::never()).unwrap();
        file.write_all(data.as_bytes()).unwrap();
        assert!(!path.exists(), "{name} appeared before commit");
        let bytes = file.commit().unwrap();
        assert_eq!(bytes, fs::metadata(&path).unwrap().len());
        assert_eq!(bytes < data.len() as u64, compressed, "{name}");
        assert_eq!(decompress(&path), data.as_bytes(), "{name}");
        // Replacing with force; dropping leaves the old file alone.
        let mut again = create_writer(&path, &Overwrite::new(true)).unwrap();
        again.write_all(b"replacement\n").unwrap();
        drop(again);
        assert_eq!(decompress(&path), data.as_bytes(), "{name}");
        let mut again = create_writer(&path, &Overwrite::new(true)).unwrap();
        again.write_all(b"replacement\n").unwrap();
        again.commit().unwrap();
        assert_eq!(decompress(&path), b"replacement\n", "{name}");
    }
    assert_eq!(listing(parent.path()), ["a.jsonl.gz", "a.jsonl.zst", "a.txt"]);
}

#[cfg(unix)]
#[test]
fn outputs_get_the_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
    fs::write(parent.path().join("plain"), "x").unwrap();
    fs::create_dir(parent.path().join("plain-dir")).unwrap();
    let file = AtomicFile::create(parent.path().join("atomic"), &Overwrite::never()).unwrap();
    file.commit().unwrap();
    OutputDir::create(parent.path().join("atomic-dir"), &Overwrite::never())
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(mode(&parent.path().join("atomic")), mode(&parent.path().join("plain")));
    assert_eq!(mode(&parent.path().join("atomic-dir")), mode(&parent.path().join("plain-dir")));
}

#[test]
fn records_are_written_as_json_lines() {
    #[derive(Serialize)]
    struct Pair<'a> {
        a: &'a str,
        b: u32,
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pairs.jsonl.zst");
    let written =
        write_jsonl(&path, &Overwrite::never(), [Pair { a: "x", b: 1 }, Pair { a: "y\n", b: 2 }])
            .unwrap();
    assert_eq!(written, 2);
    assert_eq!(decompress(&path), b"{\"a\":\"x\",\"b\":1}\n{\"a\":\"y\\n\",\"b\":2}\n");
}

#[test]
fn kept_records_are_sorted_and_distinct_per_input() {
    let origin = |input, record| Origin { input, record };
    let kept: KeptRecords = [origin(2, 5), origin(0, 9), origin(2, 1), origin(0, 9), origin(0, 0)]
        .into_iter()
        .collect();
    let cases: [(usize, &[u64]); 4] = [(0, &[0, 9]), (1, &[]), (2, &[1, 5]), (3, &[])];
    for (input, want) in cases {
        assert_eq!(kept.records(input), want, "input {input}");
    }
    assert_eq!((kept.len(), kept.is_empty()), (4, false));
    assert!(KeptRecords::from_origins([]).is_empty());
}

/// Every format at once: verbatim JSONL, converted WARC, Parquet, text.
fn mixed_corpus(dir: &Path) -> Vec<PathBuf> {
    let jsonl = put(
        dir,
        "a.jsonl",
        concat!(
            "{\"id\":\"j1\", \"text\":\"caf\\u00e9\",\"meta\":{\"n\":[1,2]}}\r\n",
            "\n",
            "{\"text\":\"second\",\"id\":\"j2\",\"extra\":null}\n",
            "{\"id\":\"j3\",\"text\":\"third\"}",
        ),
    );
    let warc = put(dir, "b.warc", sample_warc().concat());
    let parquet = dir.join("c.parquet");
    write_parquet(
        &parquet,
        vec![
            ("id", strings(&[Some("p0"), Some("p1")])),
            ("text", strings(&[Some("row zero"), Some("row one")])),
            ("site", strings(&[Some("s.example"), None])),
        ],
    );
    put(dir, "d/t.txt", "tree text");
    vec![jsonl, warc, parquet, dir.join("d")]
}

#[test]
fn deduped_jsonl_copies_jsonl_lines_verbatim_and_converts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions { site_field: Some("site".into()), ..ReadOptions::default() };
    let inputs = resolve(&mixed_corpus(dir.path()), &opts);
    let docs: Vec<_> = CorpusReader::new(&inputs, &opts).collect::<Result<_>>().unwrap();
    let keep = ["j1", "j2", "urn:uuid:2", "urn:uuid:5", "p0", "p1", "t.txt"];
    let kept: KeptRecords =
        docs.iter().filter(|d| keep.contains(&d.id.as_str())).map(|d| d.origin).collect();
    let out = dir.path().join("out/dedup.jsonl.gz");
    fs::create_dir(dir.path().join("out")).unwrap();
    let stats = write_deduped(&inputs, &opts, &kept, &out, &Overwrite::never()).unwrap();
    assert_eq!(stats, WriteStats { records: 7, bytes: fs::metadata(&out).unwrap().len() });
    let want = concat!(
        "{\"id\":\"j1\", \"text\":\"caf\\u00e9\",\"meta\":{\"n\":[1,2]}}\r\n",
        "{\"text\":\"second\",\"id\":\"j2\",\"extra\":null}\n",
        "{\"id\":\"urn:uuid:2\",\"text\":\"<p>Hello, world.</p>\",\"url\":\"http://a.example/\"}\n",
        "{\"id\":\"urn:uuid:5\",\"text\":\"Extracted text, caf\u{e9}.\",\"url\":\"http://b.example/x\"}\n",
        "{\"id\":\"p0\",\"text\":\"row zero\",\"site\":\"s.example\"}\n",
        "{\"id\":\"p1\",\"text\":\"row one\"}\n",
        "{\"id\":\"t.txt\",\"text\":\"tree text\"}\n",
    );
    assert_eq!(String::from_utf8(decompress(&out)).unwrap(), want);
    // Read back, the output holds exactly the kept documents.
    let plain = ReadOptions::default();
    let again: Vec<_> =
        CorpusReader::new(&resolve(&[out], &plain), &plain).collect::<Result<_>>().unwrap();
    let texts: Vec<_> = again.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
    let kept_docs = docs.iter().filter(|d| keep.contains(&d.id.as_str()));
    assert_eq!(texts, kept_docs.map(|d| (d.id.as_str(), d.text.as_str())).collect::<Vec<_>>());
}

#[test]
fn deduped_parquet_keeps_every_column_and_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let rows = 3000i64;
    let ids: Vec<String> = (0..rows).map(|i| format!("id{i}")).collect();
    let texts: Vec<String> = (0..rows).map(|i| format!("text {i}")).collect();
    let columns = |offset: i64| -> Vec<(&str, ArrayRef)> {
        let ids: Vec<_> = ids.iter().map(|id| Some(format!("{offset}-{id}"))).collect();
        vec![
            ("id", Arc::new(arrow_array::StringArray::from(ids)) as ArrayRef),
            ("text", Arc::new(arrow_array::StringArray::from(texts.clone()))),
            ("n", Arc::new(Int64Array::from_iter_values((0..rows).map(|i| i + offset)))),
        ]
    };
    let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    write_parquet(&a, columns(0));
    write_parquet(&b, columns(1_000_000));
    let opts = ReadOptions::default();
    let inputs = resolve(&[a.clone(), b], &opts);
    let kept: KeptRecords = (0..rows as u64)
        .filter(|r| r % 7 == 3)
        .map(|record| Origin { input: 0, record })
        .chain([Origin { input: 1, record: 2999 }])
        .collect();
    let out = dir.path().join("out.parquet");
    let stats = write_deduped(&inputs, &opts, &kept, &out, &Overwrite::never()).unwrap();
    assert_eq!(stats.records, kept.len() as u64);

    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap()).unwrap();
    let input_schema =
        ParquetRecordBatchReaderBuilder::try_new(File::open(&a).unwrap()).unwrap().schema().clone();
    assert_eq!(builder.schema().fields(), input_schema.fields());
    let mut n = Vec::new();
    for batch in builder.build().unwrap() {
        n.extend(batch.unwrap().column(2).as_primitive::<Int64Type>().values().iter().copied());
    }
    let want: Vec<i64> = (0..rows).filter(|r| r % 7 == 3).chain([1_002_999]).collect();
    assert_eq!(n, want);
}

#[test]
fn deduped_outputs_refuse_what_they_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = put(dir.path(), "a.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n\n");
    let p1 = dir.path().join("p1.parquet");
    write_parquet(&p1, vec![("id", strings(&[Some("a")])), ("text", strings(&[Some("x")]))]);
    let p2 = dir.path().join("p2.parquet");
    write_parquet(&p2, vec![("id", strings(&[Some("b")])), ("body", strings(&[Some("y")]))]);
    let warc = put(dir.path(), "w.warc", warc_record("request", &[], b"GET /"));
    let existing = put(dir.path(), "existing.jsonl", "");
    let out = |name: &str| dir.path().join(name);
    let origin = |input, record| Origin { input, record };
    // (inputs, kept origins, output, error kind, words of the message)
    let cases = [
        (vec![jsonl.clone()], vec![origin(0, 0)], out("x.csv"), "config", ".parquet"),
        (vec![jsonl.clone()], vec![origin(0, 0)], out("x.parquet"), "config", "Parquet inputs"),
        (vec![p1.clone(), p2], vec![origin(0, 0)], out("x.parquet"), "config", "different schemas"),
        (vec![jsonl.clone()], vec![origin(1, 0)], out("x.jsonl"), "protocol", "input 1"),
        (vec![jsonl.clone()], vec![origin(0, 1)], out("x.jsonl"), "unsupported_input", "changed"),
        (vec![jsonl.clone()], vec![origin(0, 5)], out("x.jsonl"), "unsupported_input", "changed"),
        (vec![warc], vec![origin(0, 0)], out("x.jsonl"), "unsupported_input", "changed"),
        (vec![p1], vec![origin(0, 1)], out("x.parquet"), "unsupported_input", "record 1"),
        (vec![jsonl], vec![origin(0, 0)], existing, "output_exists", "already exists"),
    ];
    let opts = ReadOptions::default();
    for (paths, origins, out, kind, words) in cases {
        let inputs = resolve(&paths, &opts);
        let err = write_deduped(
            &inputs,
            &opts,
            &KeptRecords::from_origins(origins),
            &out,
            &Overwrite::never(),
        )
        .unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(err.to_string().contains(words), "{err} lacks {words}");
        assert!(
            !out.exists() || out.ends_with("existing.jsonl"),
            "{} was left behind",
            out.display()
        );
    }
    let mut left = listing(dir.path());
    left.retain(|name| name.starts_with('.'));
    assert!(left.is_empty(), "temporaries left behind: {left:?}");
}
