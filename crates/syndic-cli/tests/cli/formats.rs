//! Every input format gives the same result on the same documents, and
//! every kind of bad input gets a clear error (or is counted and skipped).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, LargeStringArray, RecordBatch, StringArray};

use crate::common::*;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn write_parquet(path: &Path, docs: &[(String, String)], large: bool) {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.0.as_str())));
    let texts: ArrayRef = if large {
        Arc::new(LargeStringArray::from_iter_values(docs.iter().map(|d| d.1.as_str())))
    } else {
        Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.1.as_str())))
    };
    let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Appends a WARC record: its type, its other header lines, its block.
fn warc_record(out: &mut Vec<u8>, kind: &str, headers: &str, block: &[u8]) {
    let length = block.len();
    let head =
        format!("WARC/1.0\r\nWARC-Type: {kind}\r\n{headers}Content-Length: {length}\r\n\r\n");
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
}

/// A WET file: one `conversion` record per document, plus a `warcinfo`.
fn wet(docs: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    warc_record(&mut out, "warcinfo", "", b"info");
    for (id, text) in docs {
        let headers =
            format!("WARC-Record-ID: <{id}>\r\nWARC-Target-URI: https://example.org/{id}\r\n");
        warc_record(&mut out, "conversion", &headers, text.as_bytes());
    }
    out
}

/// A WARC file: `response` records carrying HTTP responses.
fn warc(docs: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, text) in docs {
        let http =
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}");
        let headers = format!(
            "WARC-Record-ID: <{id}>\r\nContent-Type: application/http; msgtype=response\r\n"
        );
        warc_record(&mut out, "response", &headers, http.as_bytes());
    }
    out
}

#[test]
fn every_format_gives_the_golden_result() {
    let docs = example_docs();
    let dir = tempfile::tempdir().unwrap();
    let jsonl_text = to_jsonl(&docs);
    let nested: String = docs
        .iter()
        .map(|(id, text)| {
            serde_json::json!({"meta": {"url": id}, "body": {"content": text}}).to_string() + "\n"
        })
        .collect();
    let mut cases: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();
    let put = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    cases.push(("text tree", example_corpus(), vec![]));
    cases.push(("jsonl", put("docs.jsonl", jsonl_text.as_bytes()), vec![]));
    cases.push(("jsonl.gz", put("docs.jsonl.gz", &gzip(jsonl_text.as_bytes())), vec![]));
    cases.push((
        "jsonl.zst",
        put("docs.jsonl.zst", &zstd::encode_all(jsonl_text.as_bytes(), 3).unwrap()),
        vec![],
    ));
    cases.push((
        "nested fields",
        put("nested.jsonl", nested.as_bytes()),
        vec!["--id-field", "meta.url", "--text-field", "body.content"],
    ));
    cases.push(("wet.gz", put("docs.wet.gz", &gzip(&wet(&docs))), vec![]));
    cases.push(("warc", put("docs.warc", &warc(&docs)), vec![]));
    cases.push((
        "format override",
        put("docs.data", jsonl_text.as_bytes()),
        vec!["--format", "jsonl"],
    ));
    let parquet = dir.path().join("docs.parquet");
    write_parquet(&parquet, &docs, false);
    cases.push(("parquet", parquet, vec![]));
    let large = dir.path().join("large.parquet");
    write_parquet(&large, &docs, true);
    cases.push(("parquet large strings", large, vec![]));
    for (name, input, flags) in cases {
        let out = dir.path().join(format!("run-{}", name.replace(' ', "-")));
        let mut args = vec!["dedup", s(&input), "--out", s(&out), "-q"];
        args.extend(flags);
        ok(&args);
        golden("example-minhash/clusters.jsonl", &read(out.join("clusters.jsonl")));
        golden("example-minhash/pairs.jsonl", &read(out.join("pairs.jsonl")));
        eprintln!("{name}: ok");
    }
}

struct BadInput {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    flags: &'static [&'static str],
    /// Substrings the error must contain (besides the file name).
    message: Vec<&'static str>,
    /// The kind counted with --skip-bad-records, and the documents read then.
    skipped: (&'static str, u64),
}

fn good_lines() -> String {
    to_jsonl(&example_docs()[..3])
}

/// `line` after three good ones in `a.jsonl`: the error names line 4 and
/// says `message` (which names the case too); skipping it, the three good
/// documents are read.
fn bad_line(line: &[u8], message: &'static str, kind: &'static str) -> BadInput {
    let mut bytes = good_lines().into_bytes();
    bytes.extend_from_slice(line);
    bytes.push(b'\n');
    let name = message;
    BadInput {
        name,
        file: "a.jsonl",
        bytes,
        flags: &[],
        message: vec!["line 4", message],
        skipped: (kind, 3),
    }
}

#[test]
fn bad_inputs_are_named_and_can_be_skipped() {
    // (the bad line, what the error says, the kind skipped)
    let lines: [(&[u8], &str, &str); 6] = [
        (br#"{"id": "x", "text": "#, "malformed JSON", "malformed_json"),
        (br#"{"id": "x"}"#, "missing field `text`", "missing_field"),
        (br#"{"text": "words"}"#, "missing field `id`", "missing_field"),
        (b"{\"id\": \"x\", \"text\": \"caf\xe9\"}", "invalid UTF-8", "invalid_utf8"),
        (br#"{"id": "x", "text": "  \n "}"#, "empty document", "empty_document"),
        (
            br#"{"id": "coast-daily/festival.txt", "text": "again"}"#,
            "duplicate id `coast-daily/festival.txt`",
            "duplicate_id",
        ),
    ];
    let mut cases: Vec<BadInput> =
        lines.into_iter().map(|(line, message, kind)| bad_line(line, message, kind)).collect();
    let too_large = format!(r#"{{"id": "x", "text": "{}"}}"#, "word ".repeat(5000));
    let message = "exceeds the limit of 20000 bytes";
    cases.push(BadInput {
        flags: &["--max-doc-bytes", "20000"],
        ..bad_line(too_large.as_bytes(), message, "too_large")
    });
    // Broken streams, no line to name: (name, file, bytes, what the error
    // says, the kind skipped).
    let good = good_lines();
    let gz = gzip(good.as_bytes());
    let zst = zstd::encode_all(good.as_bytes(), 3).unwrap();
    let streams: [(&str, &str, &[u8], &str, &str); 3] = [
        ("truncated gzip", "a.jsonl.gz", &gz[..gz.len() / 2], "gzip", "truncated_input"),
        ("truncated zstd", "a.jsonl.zst", &zst[..zst.len() / 2], "zstd", "truncated_input"),
        (
            "corrupt Parquet",
            "a.parquet",
            b"PAR1 this is not really parquet PAR1",
            "Parquet",
            "corrupt_parquet",
        ),
    ];
    for (name, file, bytes, message, kind) in streams {
        let bytes = bytes.to_vec();
        cases.push(BadInput {
            name,
            file,
            bytes,
            flags: &[],
            message: vec![message],
            skipped: (kind, 0),
        });
    }
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join(case.file);
        std::fs::write(&input, &case.bytes).unwrap();
        let out = dir.path().join("run");
        let mut args = vec!["dedup", s(&input), "--out", s(&out), "-q"];
        args.extend(case.flags);
        let err = fails(&args);
        assert!(err.contains(case.file), "{}: error names the file: {err}", case.name);
        for m in &case.message {
            assert!(err.contains(m), "{}: error says {m:?}: {err}", case.name);
        }
        assert!(!out.exists(), "{}: no output after an error", case.name);

        args.push("--skip-bad-records");
        let stderr = syndic(&args);
        assert!(
            stderr.status.success(),
            "{}: skip mode: {}",
            case.name,
            String::from_utf8_lossy(&stderr.stderr)
        );
        let summary = json(out.join("summary.json"));
        let (kind, read) = case.skipped;
        assert_eq!(
            summary["documents"]["skipped_by_kind"][kind], 1,
            "{}: {}",
            case.name, summary["documents"]
        );
        // A truncated stream may still yield its first records.
        if read > 0 {
            assert_eq!(summary["documents"]["read"], read, "{}", case.name);
        }
    }
}

#[test]
fn missing_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.jsonl");
    let err = fails(&["dedup", s(&missing), "--out", s(&dir.path().join("run"))]);
    assert!(err.contains("nope.jsonl"), "{err}");
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let (_dir, out) = temp_run();
    let corpus = example_corpus();
    for (flags, message) in [
        (&["--threshold", "1.5"][..], "threshold"),
        (&["--num-perm", "0"][..], "num_perm"),
        (&["--bands", "20", "--rows", "10"][..], "at most num_perm"),
        (&["--ngram", "0"][..], "ngram"),
    ] {
        let mut args = vec!["dedup", s(&corpus), "--out", s(&out)];
        args.extend(flags);
        let err = fails(&args);
        assert!(err.contains("invalid configuration") && err.contains(message), "{flags:?}: {err}");
    }
}
