//! Reading fixtures of every format, good and bad, written per test into a
//! temporary directory. The fixture writers are shared with the tests of
//! [`crate::write`].

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::parquet::arrow::ArrowWriter;
use arrow_array::{
    ArrayRef, Int64Array, LargeStringArray, RecordBatch, StringArray, StringViewArray,
};

use super::*;
use crate::{Document, Error, Location, Origin, RecordProblem, Result};

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

pub(crate) fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).unwrap()
}

pub(crate) fn put(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, data).unwrap();
    path
}

pub(crate) fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

pub(crate) fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// One WARC record with correct `Content-Length`.
pub(crate) fn warc_record(kind: &str, headers: &[(&str, &str)], content: &[u8]) -> Vec<u8> {
    let mut head = format!("WARC/1.0\r\nWARC-Type: {kind}\r\n");
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    head += &format!("Content-Length: {}\r\n\r\n", content.len());
    let mut record = head.into_bytes();
    record.extend_from_slice(content);
    record.extend_from_slice(b"\r\n\r\n");
    record
}

/// A WARC file as a crawler writes it: one of every record type, of which
/// the response, resource and conversion records are documents.
pub(crate) fn sample_warc() -> Vec<Vec<u8>> {
    let id = |n: usize| format!("<urn:uuid:{n}>");
    let mut records =
        vec![warc_record("warcinfo", &[("WARC-Record-ID", &id(0))], b"software: test\r\n")];
    // (type, target URI, block)
    let targeted: [(&str, &str, &[u8]); 5] = [
        ("request", "http://a.example/", b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"),
        (
            "response",
            "http://a.example/",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>Hello, world.</p>",
        ),
        ("metadata", "http://a.example/", b"fetchTimeMs: 12\r\n"),
        ("resource", "file:///notes.txt", b"plain notes"),
        ("conversion", "http://b.example/x", "Extracted text, caf\u{e9}.".as_bytes()),
    ];
    for (n, (kind, uri, block)) in targeted.into_iter().enumerate() {
        // Header names are case-insensitive: the resource's is in lower case.
        let id_name = if kind == "resource" { "warc-record-id" } else { "WARC-Record-ID" };
        records.push(warc_record(kind, &[(id_name, &id(n + 1)), ("WARC-Target-URI", uri)], block));
    }
    records
}

pub(crate) fn resolve<P: AsRef<Path>>(paths: &[P], opts: &ReadOptions) -> Inputs {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_owned()).collect();
    resolve_inputs(&paths, opts).unwrap()
}

fn read_all(paths: &[PathBuf], opts: &ReadOptions) -> Vec<Document> {
    CorpusReader::new(&resolve(paths, opts), opts).collect::<Result<_>>().unwrap()
}

fn id_text(docs: &[Document]) -> Vec<(&str, &str)> {
    docs.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect()
}

fn records(docs: &[Document]) -> Vec<(u32, u64)> {
    docs.iter().map(|d| (d.origin.input, d.origin.record)).collect()
}

/// Where an error is, whatever its kind.
fn location(err: &Error) -> Location {
    match err {
        Error::BadRecord { location, .. }
        | Error::Decompress { location, .. }
        | Error::Parquet { location, .. } => location.clone(),
        Error::Io { path, .. } | Error::UnsupportedInput { path, .. } => Location::file(path),
        other => panic!("no location in {other}"),
    }
}

/// What a strict reader yields: `Ok(id)` or `Err((kind, location))`, going
/// on after each error as the reader does.
fn outcomes(inputs: &Inputs, opts: &ReadOptions) -> Vec<Result<String, (&'static str, Location)>> {
    CorpusReader::new(inputs, opts)
        .map(|doc| doc.map(|doc| doc.id).map_err(|err| (err.kind(), location(&err))))
        .collect()
}

#[test]
fn readers_can_move_to_another_thread() {
    fn send<T: Send>() {}
    send::<CorpusReader>();
    send::<Inputs>();
}

#[test]
fn formats_are_told_from_file_names() {
    let cases = [
        ("a.jsonl", Some(Format::Jsonl), Compression::None),
        ("a.JSON", Some(Format::Jsonl), Compression::None),
        ("a.ndjson.gz", Some(Format::Jsonl), Compression::Gzip),
        ("a.jsonl.zst", Some(Format::Jsonl), Compression::Zstd),
        ("a.parquet", Some(Format::Parquet), Compression::None),
        ("a.warc", Some(Format::Warc), Compression::None),
        ("a.warc.gz", Some(Format::Warc), Compression::Gzip),
        ("a.wet", Some(Format::Wet), Compression::None),
        ("CC-MAIN-1.warc.wet.gz", Some(Format::Wet), Compression::Gzip),
        ("notes.txt", Some(Format::Text), Compression::None),
        ("notes.md", None, Compression::None),
        ("archive.gz", None, Compression::Gzip),
        ("jsonl", None, Compression::None),
    ];
    for (name, format, compression) in cases {
        assert_eq!(Format::from_path(name.as_ref()), format, "{name}");
        assert_eq!(Compression::from_path(name.as_ref()), compression, "{name}");
    }
}

#[test]
fn format_names_parse_and_print() {
    let cases = [
        ("jsonl", Some(Format::Jsonl)),
        ("NDJSON", Some(Format::Jsonl)),
        ("txt", Some(Format::Text)),
        ("parquet", Some(Format::Parquet)),
        ("warc", Some(Format::Warc)),
        ("wet", Some(Format::Wet)),
        ("csv", None),
    ];
    for (name, want) in cases {
        assert_eq!(name.parse::<Format>().ok(), want, "{name}");
    }
    for format in [Format::Text, Format::Jsonl, Format::Parquet, Format::Warc, Format::Wet] {
        assert_eq!(format.to_string().parse::<Format>().unwrap(), format);
    }
    assert_eq!("csv".parse::<Format>().unwrap_err().kind(), "config");
}

#[test]
fn jsonl_reads_the_same_plain_gzipped_and_zstd_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let data = "{\"id\":\"a\",\"text\":\"one\"}\r\n\n{\"id\":2,\"text\":\"two\",\"extra\":[1]}";
    let cases = [
        ("plain.jsonl", data.as_bytes().to_vec()),
        ("gz.jsonl.gz", gzip(data.as_bytes())),
        ("zst.jsonl.zst", zstd(data.as_bytes())),
        // Concatenated gzip members are one stream.
        ("multi.jsonl.gz", [gzip(&data.as_bytes()[..25]), gzip(&data.as_bytes()[25..])].concat()),
    ];
    for (name, bytes) in cases {
        let docs = read_all(&[put(dir.path(), name, bytes)], &ReadOptions::default());
        assert_eq!(id_text(&docs), [("a", "one"), ("2", "two")], "{name}");
        assert_eq!(records(&docs), [(0, 0), (0, 2)], "{name}");
    }
}

#[test]
fn jsonl_fields_follow_dotted_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(
        dir.path(),
        "nested.jsonl",
        concat!(
            r#"{"meta":{"doc":{"id":17},"url":"http://a"},"body":{"text":"first"}}"#,
            "\n",
            r#"{"meta":{"doc":{"id":"x-2"}},"body":{"text":"second"}}"#,
            "\n",
        ),
    );
    let opts = ReadOptions {
        id_field: "meta.doc.id".into(),
        text_field: "body.text".into(),
        site_field: Some("meta.url".into()),
        ..ReadOptions::default()
    };
    let docs = read_all(&[path], &opts);
    let got: Vec<_> =
        docs.iter().map(|d| (d.id.as_str(), d.text.as_str(), d.site.as_deref())).collect();
    assert_eq!(got, [("17", "first", Some("http://a")), ("x-2", "second", None)]);
}

#[test]
fn parquet_reads_string_columns_of_every_width_and_integer_ids() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.parquet");
    write_parquet(
        &a,
        vec![
            ("id", strings(&[Some("a0"), Some("a1"), Some("a2")])),
            ("text", Arc::new(LargeStringArray::from(vec![Some("zero"), None, Some("two")]))),
            ("site", Arc::new(StringViewArray::from(vec![Some("s0"), Some("s1"), None]))),
            ("extra", Arc::new(Int64Array::from(vec![1, 2, 3]))),
        ],
    );
    let b = dir.path().join("b.parquet");
    write_parquet(
        &b,
        vec![
            ("id", Arc::new(Int64Array::from(vec![10, 11]))),
            ("text", strings(&[Some("ten"), Some("eleven")])),
            ("site", strings(&[None, Some("s11")])),
        ],
    );
    let opts = ReadOptions { site_field: Some("site".into()), ..ReadOptions::default() };
    let inputs = resolve(&[b.clone(), a.clone()], &opts);
    let got = outcomes(&inputs, &opts);
    let want = [
        Ok("a0".to_owned()),
        Err(("missing_field", Location::record(&a, 1))),
        Ok("a2".to_owned()),
        Ok("10".to_owned()),
        Ok("11".to_owned()),
    ];
    assert_eq!(got, want);
    let skip = ReadOptions { skip_bad_records: true, ..opts };
    let docs: Vec<_> = CorpusReader::new(&inputs, &skip).collect::<Result<_>>().unwrap();
    let sites: Vec<_> = docs.iter().map(|d| d.site.as_deref()).collect();
    assert_eq!(sites, [Some("s0"), None, None, Some("s11")]);
    assert_eq!(records(&docs), [(0, 0), (0, 2), (1, 0), (1, 1)]);
}

#[test]
fn parquet_columns_that_cannot_be_read_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.parquet");
    write_parquet(
        &path,
        vec![("id", Arc::new(Int64Array::from(vec![1]))), ("body", strings(&[Some("t")]))],
    );
    let cases = [
        (ReadOptions::default(), "no column `text` (columns: id, body)"),
        (
            ReadOptions { text_field: "meta.text".into(), ..ReadOptions::default() },
            "nested field paths",
        ),
        (
            ReadOptions {
                text_field: "body".into(),
                id_field: "body".into(),
                ..ReadOptions::default()
            },
            "",
        ),
        (
            ReadOptions { text_field: "id".into(), ..ReadOptions::default() },
            "column `id` is Int64, expected a string column",
        ),
    ];
    for (opts, message) in cases {
        if message.is_empty() {
            assert_eq!(outcomes(&resolve(&[&path], &opts), &opts), [Ok("t".to_owned())]);
            continue;
        }
        let err = CorpusReader::new(&resolve(&[&path], &opts), &opts).next().unwrap().unwrap_err();
        assert_eq!(err.kind(), "unsupported_input", "{err}");
        assert!(err.to_string().contains(message), "{err} lacks {message}");
        // Not a damaged file: skipping bad records does not hide it.
        let skip = ReadOptions { skip_bad_records: true, ..opts };
        assert!(CorpusReader::new(&resolve(&[&path], &skip), &skip).next().unwrap().is_err());
    }
}

#[test]
fn warc_and_wet_records_become_documents() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample_warc();
    let warc = put(dir.path(), "a.warc", records.concat());
    // Gzipped WARC: one gzip member per record.
    let warc_gz =
        put(dir.path(), "b.warc.gz", records.iter().map(|r| gzip(r)).collect::<Vec<_>>().concat());
    let wet = put(dir.path(), "c.warc.wet", [records[0].clone(), records[5].clone()].concat());
    let want = [
        ("urn:uuid:2", "<p>Hello, world.</p>", Some("http://a.example/"), 2),
        ("urn:uuid:4", "plain notes", Some("file:///notes.txt"), 4),
        ("urn:uuid:5", "Extracted text, caf\u{e9}.", Some("http://b.example/x"), 5),
    ];
    let opts = ReadOptions { site_field: Some("url".into()), ..ReadOptions::default() };
    for path in [&warc, &warc_gz] {
        let docs =
            CorpusReader::new(&resolve(&[path], &opts), &opts).collect::<Result<Vec<_>>>().unwrap();
        let got: Vec<_> = docs
            .iter()
            .map(|d| (d.id.as_str(), d.text.as_str(), d.site.as_deref(), d.origin.record))
            .collect();
        assert_eq!(got, want, "{}", path.display());
    }
    let by_url = ReadOptions { id_field: "url".into(), ..ReadOptions::default() };
    let docs = read_all(&[wet], &by_url);
    assert_eq!(id_text(&docs), [("http://b.example/x", "Extracted text, caf\u{e9}.")]);
    assert_eq!((docs[0].site.as_deref(), docs[0].origin.record), (None, 1));
}

#[test]
fn bad_warc_records_are_reported_and_the_reader_finds_its_way_back() {
    let dir = tempfile::tempdir().unwrap();
    let ok = |n: u32, text: &str| {
        warc_record("conversion", &[("WARC-Record-ID", &format!("<urn:{n}>"))], text.as_bytes())
    };
    let parts: Vec<Vec<u8>> = vec![
        ok(0, "fine"),
        // Headers without Content-Length: the end of the record is unknown.
        b"WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:1>\r\n\r\nlost text\r\nmore\r\n\r\n"
            .to_vec(),
        ok(2, "found again"),
        b"garbage where a record should start\r\n\r\n".to_vec(),
        ok(4, &"x".repeat(2000)),
        ok(5, "\u{3000} \t"),
        warc_record("conversion", &[("WARC-Record-ID", "<urn:6>")], b"bad \xc3 utf8"),
        warc_record("conversion", &[("WARC-Target-URI", "http://no-id")], b"no id"),
        ok(8, "last before the end"),
        // Cut short: Content-Length promises more than the file holds.
        b"WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:9>\r\nContent-Length: 100\r\n\r\nshort"
            .to_vec(),
    ];
    let path = put(dir.path(), "bad.warc", parts.concat());
    let opts = ReadOptions { max_doc_bytes: 1000, ..ReadOptions::default() };
    let at = |record| Location::record(&path, record);
    let want = [
        Ok("urn:0".to_owned()),
        Err(("malformed_warc", at(1))),
        Ok("urn:2".to_owned()),
        Err(("malformed_warc", at(3))),
        Err(("too_large", at(4))),
        Err(("empty_document", at(5))),
        Err(("invalid_utf8", at(6))),
        Err(("missing_field", at(7))),
        Ok("urn:8".to_owned()),
        Err(("malformed_warc", at(9))),
    ];
    assert_eq!(outcomes(&resolve(&[&path], &opts), &opts), want);
}

#[test]
fn text_trees_and_text_files_are_one_document_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    for (rel, text) in [("b.txt", "bee"), ("a/y/z.md", "zed"), ("a/x", "ex"), (".hidden", "no")] {
        put(&tree, rel, text);
    }
    let single = put(dir.path(), "single.txt", "one file");
    let docs = read_all(&[tree, single], &ReadOptions::default());
    assert_eq!(
        id_text(&docs),
        [("single.txt", "one file"), ("a/x", "ex"), ("a/y/z.md", "zed"), ("b.txt", "bee")]
    );
    assert_eq!(records(&docs), [(0, 0), (1, 0), (1, 1), (1, 2)]);
}

#[test]
fn bad_text_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let files: [(&str, &[u8]); 4] =
        [("big", &[b'x'; 101]), ("blank", b" \n\t"), ("latin1", b"caf\xe9"), ("ok", b"fine")];
    for (name, data) in files {
        put(&tree, name, data);
    }
    let opts = ReadOptions { max_doc_bytes: 100, ..ReadOptions::default() };
    let want = [
        Err(("too_large", Location::file(tree.join("big")))),
        Err(("empty_document", Location::file(tree.join("blank")))),
        Err(("invalid_utf8", Location::file(tree.join("latin1")))),
        Ok("ok".to_owned()),
    ];
    assert_eq!(outcomes(&resolve(&[tree], &opts), &opts), want);
}

/// One line per kind of bad JSONL record, with what a strict reader says
/// about it; `None` for the good lines.
fn bad_jsonl() -> (Vec<u8>, Vec<Option<&'static str>>) {
    let lines: [(&[u8], Option<&str>); 14] = [
        (br#"{"id":"a","text":"alpha"}"#, None),
        (b"", None),
        (b"not json", Some("malformed_json")),
        (br#"["x"]"#, Some("malformed_json")),
        (br#"{"text":"no id"}"#, Some("missing_field")),
        (br#"{"id":"b"}"#, Some("missing_field")),
        (br#"{"id":{"x":1},"text":"t"}"#, Some("wrong_type")),
        (br#"{"id":"c","text":5}"#, Some("wrong_type")),
        (b"{\"id\":\"d\",\"text\":\"\xff\"}", Some("invalid_utf8")),
        (br#"{"id":"e","text":" \n\t "}"#, Some("empty_document")),
        (br#"{"id":"a","text":"again"}"#, Some("duplicate_id")),
        (br#"{"id":"f","text":"0123456789012345678901234567890123456789"}"#, Some("too_large")),
        // `e` was rejected above, so it is still free.
        (br#"{"id":"e","text":"now good"}"#, None),
        (br#"{"id":7,"text":"num"}"#, None),
    ];
    let data = lines.iter().map(|(line, _)| line.to_vec()).collect::<Vec<_>>().join(&b'\n');
    (data, lines.iter().filter(|(line, _)| !line.is_empty()).map(|&(_, kind)| kind).collect())
}

#[test]
fn each_bad_jsonl_record_is_named_by_kind_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (data, kinds) = bad_jsonl();
    let path = put(dir.path(), "bad.jsonl", data);
    let opts = ReadOptions { max_doc_bytes: 40, ..ReadOptions::default() };
    let got = outcomes(&resolve(&[&path], &opts), &opts);
    let lines = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
    let ids = ["a", "e", "7"].into_iter().map(str::to_owned);
    let mut ids = ids.into_iter();
    let want: Vec<_> = kinds
        .iter()
        .zip(lines)
        .map(|(kind, line)| match kind {
            None => Ok(ids.next().unwrap()),
            Some(kind) => Err((*kind, Location::line(&path, line))),
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn skip_mode_counts_bad_records_and_keeps_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = bad_jsonl();
    let path = put(dir.path(), "bad.jsonl", data);
    let opts = ReadOptions { max_doc_bytes: 40, skip_bad_records: true, ..ReadOptions::default() };
    let mut reader = CorpusReader::new(&resolve(&[path], &opts), &opts);
    let docs = reader.next_batch(100, 1 << 20).unwrap().unwrap();
    assert!(reader.next_batch(100, 1 << 20).unwrap().is_none());
    assert_eq!(id_text(&docs), [("a", "alpha"), ("e", "now good"), ("7", "num")]);
    assert_eq!(records(&docs), [(0, 0), (0, 12), (0, 13)]);
    let counts: Vec<_> = reader.skipped().iter().map(|(k, &n)| (k.as_str(), n)).collect();
    assert_eq!(
        counts,
        [
            ("duplicate_id", 1),
            ("empty_document", 1),
            ("invalid_utf8", 1),
            ("malformed_json", 2),
            ("missing_field", 2),
            ("too_large", 1),
            ("wrong_type", 2),
        ]
    );
    let examples = &reader.skipped_examples()["malformed_json"];
    assert_eq!(examples.len(), 2);
    assert!(examples[0].contains("bad.jsonl, line 3"), "{}", examples[0]);
}

#[test]
fn a_line_over_the_limit_is_skipped_and_the_next_one_read() {
    let dir = tempfile::tempdir().unwrap();
    let huge = format!("{{\"id\":\"huge\",\"text\":\"{}\"}}", "x".repeat(2 << 20));
    let data = format!(
        "{{\"id\":\"a\",\"text\":\"before\"}}\n{huge}\n{{\"id\":\"b\",\"text\":\"after\"}}\n"
    );
    let path = put(dir.path(), "huge.jsonl", data);
    let opts =
        ReadOptions { max_doc_bytes: 1 << 20, skip_bad_records: true, ..ReadOptions::default() };
    let mut reader = CorpusReader::new(&resolve(&[&path], &opts), &opts);
    let docs: Vec<_> = reader.by_ref().collect::<Result<_>>().unwrap();
    assert_eq!(id_text(&docs), [("a", "before"), ("b", "after")]);
    assert_eq!(records(&docs), [(0, 0), (0, 2)]);
    assert_eq!(reader.skipped().get("too_large"), Some(&1));
    let strict = ReadOptions { skip_bad_records: false, ..opts };
    let err = CorpusReader::new(&resolve(&[path], &strict), &strict).nth(1).unwrap().unwrap_err();
    let Error::BadRecord { location, problem: RecordProblem::TooLarge { size, limit } } = err
    else {
        panic!("not too large: {err}");
    };
    assert_eq!((location.line, size, limit), (Some(2), huge.len() as u64, 1 << 20));
}

#[test]
fn duplicate_ids_are_caught_across_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let a = put(
        dir.path(),
        "a.jsonl",
        "{\"id\":\"x\",\"text\":\"one\"}\n{\"id\":\"1\",\"text\":\"two\"}\n",
    );
    let b = put(
        dir.path(),
        "b.jsonl",
        "{\"id\":1,\"text\":\"three\"}\n{\"id\":\"y\",\"text\":\"four\"}\n",
    );
    put(dir.path(), "c/x", "five");
    let c = dir.path().join("c");
    let opts = ReadOptions::default();
    let got = outcomes(&resolve(&[c, b.clone(), a], &opts), &opts);
    let want = [
        Ok("x".to_owned()),
        Ok("1".to_owned()),
        // A numeric id is its JSON text: 1 and "1" are the same id.
        Err(("duplicate_id", Location::line(&b, 1))),
        Ok("y".to_owned()),
        Err(("duplicate_id", Location::file(dir.path().join("c/x")))),
    ];
    assert_eq!(got, want);
}

#[test]
fn damaged_compressed_inputs_stop_at_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let data: String = (0..3000)
        .map(|i| format!("{{\"id\":\"{i}\",\"text\":\"text number {}\"}}\n", i * 7919))
        .collect();
    let (gz, zst) = (gzip(data.as_bytes()), zstd(data.as_bytes()));
    let cases = [
        ("cut.jsonl.gz", gz[..gz.len() / 2].to_vec(), "gzip"),
        ("cut.jsonl.zst", zst[..zst.len() / 2].to_vec(), "zstd"),
        ("nogzip.jsonl.gz", data.as_bytes().to_vec(), "gzip"),
    ];
    let after = put(dir.path(), "z.jsonl", "{\"id\":\"after\",\"text\":\"still read\"}\n");
    for (name, bytes, codec) in cases {
        let path = put(dir.path(), name, bytes);
        let opts = ReadOptions::default();
        let inputs = resolve(&[path.clone(), after.clone()], &opts);
        let got: Vec<_> = CorpusReader::new(&inputs, &opts).collect();
        let errors: Vec<_> = got.iter().filter_map(|r| r.as_ref().err()).collect();
        let [Error::Decompress { location, codec: got_codec, .. }] = errors.as_slice() else {
            panic!("{name}: expected one decompression error, got {errors:?}");
        };
        assert_eq!((&location.path, *got_codec), (&path, codec), "{name}");
        // All but the last document come from the damaged input.
        let good = got.iter().filter(|r| r.is_ok()).count() as u64 - 1;
        // The error names the line being read when the data ran out.
        assert_eq!(location.line, Some(good + 1), "{name}");
        assert!(matches!(got.last(), Some(Ok(doc)) if doc.id == "after"), "{name}");

        let skip = ReadOptions { skip_bad_records: true, ..opts };
        let mut reader = CorpusReader::new(&inputs, &skip);
        let docs: Vec<_> = reader.by_ref().collect::<Result<_>>().unwrap();
        assert_eq!(docs.len() as u64, good + 1, "{name}");
        assert_eq!(reader.skipped().get("truncated_input"), Some(&1), "{name}");
        assert_eq!(reader.bytes_read(), inputs.total_bytes(), "{name}");
    }
}

#[test]
fn a_corrupt_parquet_file_is_reported_and_skippable() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.parquet");
    write_parquet(&good, vec![("id", strings(&[Some("g")])), ("text", strings(&[Some("fine")]))]);
    let real = fs::read(&good).unwrap();
    let cases = [
        ("garbage.parquet", b"not a parquet file".to_vec()),
        ("cut.parquet", real[..real.len() - 10].to_vec()),
        ("empty.parquet", Vec::new()),
    ];
    for (name, bytes) in cases {
        let bad = put(dir.path(), name, bytes);
        let opts = ReadOptions::default();
        let inputs = resolve(&[bad.clone(), good.clone()], &opts);
        let got = outcomes(&inputs, &opts);
        assert_eq!(
            got,
            [Err(("corrupt_parquet", Location::file(&bad))), Ok("g".to_owned())],
            "{name}"
        );
        let skip = ReadOptions { skip_bad_records: true, ..opts };
        let mut reader = CorpusReader::new(&inputs, &skip);
        assert_eq!(reader.by_ref().count(), 1, "{name}");
        assert_eq!(reader.skipped().get("corrupt_parquet"), Some(&1), "{name}");
    }
}

#[test]
fn a_second_pass_sees_the_same_documents() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = bad_jsonl();
    let jsonl = put(dir.path(), "bad.jsonl.zst", zstd(&data));
    let warc = put(dir.path(), "a.warc", sample_warc().concat());
    let tree = dir.path().join("tree");
    put(&tree, "x/y", "why");
    let opts = ReadOptions { max_doc_bytes: 40, skip_bad_records: true, ..ReadOptions::default() };
    let inputs = resolve(&[tree, jsonl, warc], &opts);
    let first: Vec<_> = CorpusReader::new(&inputs, &opts).collect::<Result<_>>().unwrap();
    let mut reader = CorpusReader::new(&inputs, &opts);
    let mut second = Vec::new();
    while let Some(batch) = reader.next_batch(2, 1 << 20).unwrap() {
        second.extend(batch);
    }
    assert_eq!(first, second);
    // The WARC response is over the 40-byte limit; its other two records are not.
    assert_eq!(first.len(), 2 + 3 + 1);
    assert_eq!(first.last().map(|d| d.origin), Some(Origin { input: 2, record: 0 }));
}

#[test]
fn batches_stop_at_the_document_or_byte_limit() {
    let dir = tempfile::tempdir().unwrap();
    let data: String = (0..10)
        .map(|i| format!("{{\"id\":\"{i}\",\"text\":\"{}\"}}\n", "t".repeat(i + 1)))
        .collect();
    let path = put(dir.path(), "a.jsonl", data);
    let opts = ReadOptions::default();
    let inputs = resolve(&[path], &opts);
    // (max_docs, max_bytes, sizes of the batches)
    let cases: [(usize, usize, &[usize]); 4] = [
        (4, usize::MAX, &[4, 4, 2]),
        (100, 10, &[4, 2, 2, 2]),
        (0, 0, &[1; 10]),
        (100, usize::MAX, &[10]),
    ];
    for (max_docs, max_bytes, want) in cases {
        let mut reader = CorpusReader::new(&inputs, &opts);
        let mut sizes = Vec::new();
        while let Some(batch) = reader.next_batch(max_docs, max_bytes).unwrap() {
            sizes.push(batch.len());
        }
        assert_eq!(sizes, want, "max_docs {max_docs}, max_bytes {max_bytes}");
        assert_eq!(reader.bytes_read(), inputs.total_bytes());
    }
}

/// Standard input, spooled or read as it comes, is read as the format
/// given, its compression told from its first bytes.
#[test]
fn standard_input_is_read_as_the_format_given() {
    let data = zstd(b"{\"id\":\"s\",\"text\":\"from stdin\"}\n{\"id\":\"s\",\"text\":\"dup\"}\n");
    let text = ReadOptions { format: Some(Format::Text), ..ReadOptions::default() };
    for once in [false, true] {
        let resolve = |opts: &ReadOptions, bytes: Vec<u8>| {
            let stdin = if once {
                input::Stdin::Once(Box::new(std::io::Cursor::new(bytes)))
            } else {
                input::Stdin::Spool(&mut &bytes[..])
            };
            input::resolve_with_stdin(&["-".into()], opts, stdin).unwrap()
        };
        let opts = ReadOptions::default();
        let inputs = resolve(&opts, data.clone());
        let got = outcomes(&inputs, &opts);
        assert_eq!(got, [Ok("s".to_owned()), Err(("duplicate_id", Location::line("-", 2)))]);
        let inputs = resolve(&text, b"plain words".to_vec());
        let docs: Vec<_> = CorpusReader::new(&inputs, &text).collect::<Result<_>>().unwrap();
        assert_eq!(id_text(&docs), [("-", "plain words")], "once: {once}");
    }
}

/// Issue 16: standard input read as it comes is not copied anywhere, so a
/// second pass over it is refused with the reason, not given nothing.
#[test]
fn issue16_standard_input_read_once_refuses_a_second_pass() {
    let data = b"{\"id\":\"a\",\"text\":\"one\"}\n".to_vec();
    let opts = ReadOptions::default();
    let stdin = input::Stdin::Once(Box::new(std::io::Cursor::new(data)));
    let inputs = input::resolve_with_stdin(&["-".into()], &opts, stdin).unwrap();
    let docs: Vec<_> = CorpusReader::new(&inputs, &opts).collect::<Result<_>>().unwrap();
    assert_eq!(id_text(&docs), [("a", "one")]);
    let again: Result<Vec<_>> = CorpusReader::new(&inputs, &opts).collect();
    let err = again.unwrap_err().to_string();
    assert!(err.starts_with("-: ") && err.contains("read once already"), "{err}");
}

#[cfg(unix)]
#[test]
fn issue12_non_utf8_file_name_is_a_bad_record() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let bad_file = Path::new(OsStr::from_bytes(b"b\xff.txt"));
    let bad_dir = Path::new(OsStr::from_bytes(b"c\xfe"));
    put(&tree, "a.txt", "first");
    fs::write(tree.join(bad_file), "latin-1 name").unwrap();
    fs::create_dir(tree.join(bad_dir)).unwrap();
    fs::write(tree.join(bad_dir).join("inner.txt"), "in a latin-1 directory").unwrap();
    put(&tree, "d.txt", "last");
    let single = dir.path().join(OsStr::from_bytes(b"\xe9t\xe9.txt"));
    fs::write(&single, "a lone file").unwrap();

    let opts = ReadOptions::default();
    let inputs = resolve(&[&tree, &single], &opts);
    let got = outcomes(&inputs, &opts);
    // Inputs sort by path bytes: `tree` before `\xe9t\xe9.txt`.
    let want = [
        Ok("a.txt".to_owned()),
        Err(("invalid_id", Location::file(tree.join(bad_file)))),
        Err(("invalid_id", Location::file(tree.join(bad_dir).join("inner.txt")))),
        Ok("d.txt".to_owned()),
        Err(("invalid_id", Location::file(&single))),
    ];
    assert_eq!(got, want);
    let err = CorpusReader::new(&inputs, &opts).nth(1).unwrap().unwrap_err();
    let message = err.to_string();
    assert!(message.contains("tree/b\u{fffd}.txt"), "{message}");
    assert!(message.ends_with("invalid id: the file name is not valid UTF-8"), "{message}");

    let skip = ReadOptions { skip_bad_records: true, ..opts };
    let mut reader = CorpusReader::new(&inputs, &skip);
    let docs: Vec<_> = reader.by_ref().collect::<Result<_>>().unwrap();
    assert_eq!(id_text(&docs), [("a.txt", "first"), ("d.txt", "last")]);
    assert_eq!(records(&docs), [(0, 0), (0, 3)]);
    assert_eq!(reader.skipped().get("invalid_id"), Some(&3));
}

#[test]
fn issue12_ids_the_api_cannot_address_are_bad_records() {
    use crate::doc::MAX_ID_BYTES;

    let dir = tempfile::tempdir().unwrap();
    let longest = "x".repeat(MAX_ID_BYTES);
    let too_long = "y".repeat(5000);
    let lines = [
        format!(r#"{{"id":"{longest}","text":"the longest id"}}"#),
        r#"{"id":"","text":"empty id"}"#.to_owned(),
        format!(r#"{{"id":"{too_long}","text":"5,000-byte id"}}"#),
        r#"{"id":"a\nb","text":"newline"}"#.to_owned(),
        r#"{"id":"nul\u0000","text":"NUL"}"#.to_owned(),
        r#"{"id":" spaced ","text":"spaces are fine"}"#.to_owned(),
    ];
    let jsonl = put(dir.path(), "a.jsonl", lines.join("\n"));
    let warc = put(
        dir.path(),
        "b.warc",
        [
            warc_record("conversion", &[("WARC-Record-ID", "<>")], b"bracketed nothing"),
            warc_record("conversion", &[("WARC-Record-ID", "<urn:1>")], b"fine"),
        ]
        .concat(),
    );
    let parquet = dir.path().join("c.parquet");
    write_parquet(
        &parquet,
        vec![
            ("id", strings(&[Some(""), Some(&too_long), Some("tab\there"), Some("p")])),
            ("text", strings(&[Some("t0"), Some("t1"), Some("t2"), Some("t3")])),
        ],
    );
    let tree = dir.path().join("d");
    put(&tree, "new\nline.txt", "a file name with a newline");

    let opts = ReadOptions::default();
    let inputs = resolve(&[&jsonl, &warc, &parquet, &tree], &opts);
    let got = outcomes(&inputs, &opts);
    let want = [
        Ok(longest.clone()),
        Err(("invalid_id", Location::line(&jsonl, 2))),
        Err(("invalid_id", Location::line(&jsonl, 3))),
        Ok("a\nb".to_owned()),
        Ok("nul\0".to_owned()),
        Ok(" spaced ".to_owned()),
        Err(("invalid_id", Location::record(&warc, 0))),
        Ok("urn:1".to_owned()),
        Err(("invalid_id", Location::record(&parquet, 0))),
        Err(("invalid_id", Location::record(&parquet, 1))),
        Ok("tab\there".to_owned()),
        Ok("p".to_owned()),
        Ok("new\nline.txt".to_owned()),
    ];
    assert_eq!(got, want);

    // The messages say what is wrong without printing the id.
    let messages: Vec<_> =
        CorpusReader::new(&inputs, &opts).filter_map(|r| r.err()).map(|e| e.to_string()).collect();
    let expected = [
        "line 2: invalid id: the id is empty",
        "line 3: invalid id: the id is 5000 bytes long, more than the 4096 bytes an id may have",
    ];
    for (message, expected) in messages.iter().zip(expected) {
        assert!(message.ends_with(expected), "{message} does not end with {expected}");
    }

    let skip = ReadOptions { skip_bad_records: true, ..opts };
    let mut reader = CorpusReader::new(&inputs, &skip);
    assert_eq!(reader.by_ref().count(), 8);
    assert_eq!(reader.skipped().get("invalid_id"), Some(&5));
}

#[test]
fn issue12_a_parquet_file_that_panics_the_decoder_is_a_corrupt_parquet_error() {
    // Found by tests/fuzz_readers.rs: a footer whose column chunk has a
    // negative offset, on which the parquet crate asserts.
    let damaged = include_bytes!("../../tests/fuzz-corpus/parquet/negative-offset.parquet");
    let dir = tempfile::tempdir().unwrap();
    let bad = put(dir.path(), "a.parquet", damaged);
    let good = dir.path().join("b.parquet");
    write_parquet(&good, vec![("id", strings(&[Some("g")])), ("text", strings(&[Some("fine")]))]);
    let opts = ReadOptions::default();
    let inputs = resolve(&[&bad, &good], &opts);
    let got: Vec<_> = CorpusReader::new(&inputs, &opts).collect();
    let [Err(err), Ok(doc)] = got.as_slice() else { panic!("{got:?}") };
    assert_eq!((err.kind(), location(err).path, doc.id.as_str()), ("corrupt_parquet", bad, "g"));
    assert!(err.to_string().contains("damaged file: column start"), "{err}");
    let skip = ReadOptions { skip_bad_records: true, ..opts };
    let mut reader = CorpusReader::new(&inputs, &skip);
    assert_eq!(reader.by_ref().count(), 1);
    assert_eq!(reader.skipped().get("corrupt_parquet"), Some(&1));
}
