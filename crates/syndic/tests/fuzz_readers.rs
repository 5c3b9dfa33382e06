//! Fuzzing the corpus readers: JSONL, WARC and WET, Parquet, and text.
//!
//! cargo-fuzz needs a nightly compiler, so this is proptest over bytes. Every
//! run first replays the seed corpus kept in `tests/fuzz-corpus/<format>/`
//! (small valid files and nasty ones, see its README) under several sets of
//! options, then reads a fixed budget of mutated cases per format: seeds
//! changed by byte-level and structure-aware mutations (tokens of the
//! format, mutation under the compression, splices of other seeds), and for
//! Parquet and text trees, files generated from random rows and names.
//!
//! The property, for every case: reading neither panics nor hangs; every
//! document is well-formed (a valid id, unique; non-blank text within
//! `max_doc_bytes`; origins in corpus order); every error has a location
//! fitting its input's format and names the file; skipping bad records
//! yields the same documents, with each skip counted by kind; and a second
//! pass over the same bytes yields the same documents with the same origins.
//!
//! `SYNDIC_FUZZ_CASES=N` runs N mutated cases per format instead of
//! [`DEFAULT_CASES`], for a longer hunt. A failing case is kept in
//! `fuzz_readers.regressions` next to this file and replayed first;
//! `SYNDIC_FUZZ_KEEP=DIR` also writes its files into `DIR`, to be added to
//! the corpus with the fix.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use arrow_array::{
    ArrayRef, Int64Array, LargeStringArray, RecordBatch, StringArray, StringViewArray, UInt32Array,
};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::FileFailurePersistence;
use syndic::doc::check_id;
use syndic::read::{resolve_inputs, CorpusReader, Format, Inputs, ReadOptions};
use syndic::{Document, Error};

/// Mutated cases per format in a normal run: 8,000 cases in all, and with
/// the corpus replay about 7 s of CPU in the dev profile (a case reads a
/// few kilobytes three times, in under a millisecond).
const DEFAULT_CASES: u32 = 2000;

/// A case that takes longer than this is taken for a hang. Cases take
/// milliseconds; the margin is for a loaded machine.
const HANG: Duration = Duration::from_secs(30);

/// The formats fuzzed, named as their corpus directories are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Jsonl,
    Warc,
    Parquet,
    Text,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Jsonl => "jsonl",
            Kind::Warc => "warc",
            Kind::Parquet => "parquet",
            Kind::Text => "text",
        }
    }

    /// Tokens worth inserting: the syntax of the format and values that
    /// have broken parsers before.
    fn tokens(self) -> &'static [&'static [u8]] {
        match self {
            Kind::Jsonl => &[
                b"{",
                b"}",
                b"[",
                b"]",
                b"\"",
                b"\\",
                b":",
                b",",
                b"\n",
                b"\r\n",
                b"\"id\":",
                b"\"text\":",
                b"\"meta\":{\"id\":",
                b"\"meta.id\":",
                b"null",
                b"1e999",
                b"-0",
                b"18446744073709551616",
                b"\"\\u0000\"",
                b"\"\\ud800\"",
                b"\"\"",
                b"\xff",
                b"\xc3",
                b"\xef\xbb\xbf",
                b"\x00",
            ],
            Kind::Warc => &[
                b"WARC/1.0\r\n",
                b"\r\n",
                b"\r\n\r\n",
                b"\n",
                b"Content-Length: 0\r\n",
                b"Content-Length: 99999999\r\n",
                b"Content-Length: -1\r\n",
                b"Content-Length: 18446744073709551615\r\n",
                b"WARC-Type: response\r\n",
                b"WARC-Type: conversion\r\n",
                b"WARC-Type: request\r\n",
                b"WARC-Record-ID: <urn:x>\r\n",
                b"WARC-Record-ID: <>\r\n",
                b"WARC-Target-URI: http://x/\r\n",
                b"HTTP/1.1 200 OK\r\n",
                b" folded\r\n",
                b":",
                b"\xff",
                b"\x00",
            ],
            Kind::Parquet => &[b"PAR1", b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x15\x00"],
            Kind::Text => &[b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x00", b"\r\n", b" "],
        }
    }
}

/// The seed files of a format, by name.
fn seeds(kind: Kind) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus").join(kind.dir());
    let mut seeds: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            (path.file_name().unwrap().to_str().unwrap().to_owned(), fs::read(path).unwrap())
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 3, "{}: too few seeds", dir.display());
    seeds
}

/// One input of a case: a file named as its format wants, or a directory
/// tree of text files, each a relative path as raw bytes and its content.
#[derive(Clone, Debug)]
enum InputSpec {
    File { name: String, bytes: Vec<u8> },
    Tree { files: Vec<(Vec<u8>, Vec<u8>)> },
}

/// A fuzz case: the inputs, and the options to read them with.
#[derive(Clone, Debug)]
struct Case {
    inputs: Vec<InputSpec>,
    opts: ReadOptions,
}

impl Case {
    /// Writes the inputs into `dir` and returns the paths to read.
    fn write(&self, dir: &Path) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for (i, input) in self.inputs.iter().enumerate() {
            match input {
                InputSpec::File { name, bytes } => {
                    let path = dir.join(format!("{i}-{name}"));
                    fs::write(&path, bytes).unwrap();
                    paths.push(path);
                }
                InputSpec::Tree { files } => {
                    let root = dir.join(format!("{i}-tree"));
                    fs::create_dir(&root).unwrap();
                    for (rel, bytes) in files {
                        // Names may clash (a file where a directory must go):
                        // such a file is left out, as a user could not make it either.
                        let path = root.join(OsStr::from_bytes(rel));
                        let made = path.parent().map_or(Ok(()), fs::create_dir_all);
                        let _ = made.and_then(|()| fs::write(&path, bytes));
                    }
                    paths.push(root);
                }
            }
        }
        paths
    }
}

/// Reads the case in a thread of its own and fails when it panics or takes
/// longer than [`HANG`].
fn check_case(case: &Case) {
    let (done, finished) = mpsc::channel();
    let owned = case.clone();
    let reading = thread::spawn(move || {
        let dir = tempfile::tempdir().unwrap();
        let paths = owned.write(dir.path());
        check_read(&paths, &owned.opts);
        let _ = done.send(());
    });
    if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(HANG) {
        keep(case);
        panic!("reading took over {HANG:?}: the reader hangs");
    }
    if let Err(panic) = reading.join() {
        keep(case);
        std::panic::resume_unwind(panic);
    }
}

/// Keeps the files of a failing case in a new directory under
/// `SYNDIC_FUZZ_KEEP`, if set, to add to the corpus; shrinking keeps one
/// per failing step, the newest being the smallest.
fn keep(case: &Case) {
    if let Some(keep) = std::env::var_os("SYNDIC_FUZZ_KEEP") {
        fs::create_dir_all(&keep).unwrap();
        let dir = tempfile::Builder::new().prefix("case-").tempdir_in(keep).unwrap().keep();
        case.write(&dir);
    }
}

/// Whether skip mode counts and passes over the error.
fn skippable(err: &Error) -> bool {
    matches!(err, Error::BadRecord { .. } | Error::Decompress { .. } | Error::Parquet { .. })
}

/// Upper bound on the items a reader may yield: a record needs at least a
/// byte (a JSONL line its newline, a text file a name), and an input can
/// add one error when it ends.
fn items_bound(inputs: &Inputs) -> u64 {
    let trees: u64 = inputs.iter().filter(|i| i.is_dir()).count() as u64 * 10_000;
    inputs.total_bytes() + 2 * inputs.len() as u64 + trees + 1
}

/// The property, for one set of paths and options.
fn check_read(paths: &[PathBuf], opts: &ReadOptions) {
    let inputs = match resolve_inputs(paths, opts) {
        Ok(inputs) => inputs,
        // A format override that cannot apply, such as Parquet for a
        // compressed file, is refused up front, naming the file.
        Err(err @ Error::UnsupportedInput { .. }) => {
            assert!(paths.iter().any(|p| err.to_string().contains(&*p.to_string_lossy())), "{err}");
            return;
        }
        Err(err) => panic!("resolving {paths:?}: {err}"),
    };
    let bound = items_bound(&inputs);
    let strict = ReadOptions { skip_bad_records: false, ..opts.clone() };
    let skip = ReadOptions { skip_bad_records: true, ..opts.clone() };

    // Strict: every bad record is an error, and the reader goes on after it.
    let mut docs = Vec::new();
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    let mut fatal = Vec::new();
    let mut reader = CorpusReader::new(&inputs, &strict);
    let mut items = 0;
    for item in reader.by_ref() {
        items += 1;
        assert!(items <= bound, "over {bound} items from {} bytes", inputs.total_bytes());
        match item {
            Ok(doc) => docs.push(doc),
            Err(err) => {
                check_error(&inputs, &err);
                if skippable(&err) {
                    *counted.entry(err.kind().to_owned()).or_default() += 1;
                } else {
                    fatal.push(err.kind());
                }
            }
        }
    }
    assert!(reader.next().is_none(), "a finished reader starts again");
    assert!(reader.skipped().is_empty(), "a strict reader skipped {:?}", reader.skipped());
    check_documents(&inputs, opts, &docs);

    // Skip mode, twice: the same documents, each skip counted. Batches lose
    // their documents on an error, so they are only used without one.
    for (pass, (max_docs, max_bytes)) in [(3, usize::MAX), (1000, 64)].into_iter().enumerate() {
        let mut reader = CorpusReader::new(&inputs, &skip);
        let mut got: Vec<Document> = Vec::new();
        let mut got_fatal = Vec::new();
        let mut items = 0;
        loop {
            items += 1;
            assert!(items <= bound, "over {bound} batches from {} bytes", inputs.total_bytes());
            let next = if fatal.is_empty() {
                reader.next_batch(max_docs, max_bytes)
            } else {
                reader.next().transpose().map(|doc| doc.map(|doc| vec![doc]))
            };
            match next {
                Ok(Some(batch)) => got.extend(batch),
                Ok(None) => break,
                Err(err) => {
                    check_error(&inputs, &err);
                    assert!(!skippable(&err), "skip mode did not skip: {err}");
                    got_fatal.push(err.kind());
                }
            }
        }
        assert!(got == docs, "pass {pass} in skip mode read other documents than strict mode");
        assert_eq!(got_fatal, fatal, "pass {pass}");
        assert_eq!(reader.skipped(), &counted, "pass {pass}: skips counted");
        for (kind, examples) in reader.skipped_examples() {
            assert_eq!(examples.len() as u64, counted[kind].min(3), "examples of {kind}");
            for example in examples {
                let named = inputs.iter().any(|i| example.contains(&*i.path.to_string_lossy()));
                assert!(named, "example {example:?} names no input");
            }
        }
        assert_eq!(reader.bytes_read(), inputs.total_bytes(), "pass {pass}: progress at the end");
    }
}

/// Documents are well-formed, unique and in corpus order.
fn check_documents(inputs: &Inputs, opts: &ReadOptions, docs: &[Document]) {
    let mut ids = HashSet::new();
    for (i, doc) in docs.iter().enumerate() {
        let what = format!("document {:?} at {:?}", doc.id, doc.origin);
        assert_eq!(check_id(&doc.id), Ok(()), "{what}");
        assert!(ids.insert(doc.id.as_str()), "{what}: a duplicate id");
        assert!(!doc.text.trim().is_empty(), "{what}: blank text");
        assert!(doc.text.len() as u64 <= opts.max_doc_bytes, "{what}: over max_doc_bytes");
        assert!((doc.origin.input as usize) < inputs.len(), "{what}: no such input");
        if opts.site_field.is_none() {
            assert_eq!(doc.site, None, "{what}: a site nobody asked for");
        }
        if i > 0 {
            assert!(docs[i - 1].origin < doc.origin, "{what}: out of corpus order");
        }
    }
}

/// An error names an input, at a location that fits the input's format.
fn check_error(inputs: &Inputs, err: &Error) {
    let message = err.to_string();
    let (location, codec) = match err {
        Error::BadRecord { location, .. } | Error::Parquet { location, .. } => (location, None),
        Error::Decompress { location, codec, .. } => (location, Some(*codec)),
        // Parquet files without the columns asked for, or of types that
        // cannot be read.
        Error::UnsupportedInput { path, .. } => {
            let input = inputs.iter().find(|i| &i.path == path);
            assert!(input.is_some_and(|i| i.format == Format::Parquet), "{message}");
            return;
        }
        other => panic!("an error fuzzed input must not cause: {other} ({})", other.kind()),
    };
    let input = inputs
        .iter()
        .find(|i| i.path == location.path || i.is_dir() && location.path.starts_with(&i.path))
        .unwrap_or_else(|| panic!("{message}: names no input"));
    assert!(message.starts_with(&*location.path.display().to_string()), "{message}");
    if let Some(codec) = codec {
        assert_eq!(codec, input.compression.name(), "{message}");
    }
    let (line, record) = (location.line, location.record);
    match input.format {
        Format::Jsonl => assert!(line.is_some_and(|l| l >= 1) && record.is_none(), "{message}"),
        Format::Warc | Format::Wet => assert!(line.is_none() && record.is_some(), "{message}"),
        Format::Parquet => {
            assert!(line.is_none(), "{message}");
            if matches!(err, Error::BadRecord { .. }) {
                assert!(record.is_some(), "{message}");
            }
        }
        Format::Text => assert!(line.is_none() && record.is_none(), "{message}"),
    }
}

// ---- Replaying the corpus ---------------------------------------------------

/// Option sets every seed is replayed under.
fn replay_options() -> Vec<ReadOptions> {
    let tiny = ReadOptions { max_doc_bytes: 64, ..ReadOptions::default() };
    let nested = ReadOptions {
        id_field: "meta.id".into(),
        text_field: "body.text".into(),
        site_field: Some("meta.url".into()),
        ..ReadOptions::default()
    };
    let by_url = ReadOptions {
        id_field: "url".into(),
        site_field: Some("site".into()),
        max_doc_bytes: 1,
        ..ReadOptions::default()
    };
    vec![ReadOptions::default(), tiny, nested, by_url]
}

#[test]
fn the_seed_corpus_reads_cleanly() {
    let mut count = 0;
    for kind in [Kind::Jsonl, Kind::Warc, Kind::Parquet, Kind::Text] {
        let seeds = seeds(kind);
        for opts in replay_options() {
            for (name, bytes) in &seeds {
                let file = InputSpec::File { name: name.clone(), bytes: bytes.clone() };
                check_case(&Case { inputs: vec![file], opts: opts.clone() });
                count += 1;
            }
            // All seeds of the format at once: duplicate ids across inputs,
            // and inputs after damaged ones.
            let all = seeds
                .iter()
                .map(|(name, bytes)| InputSpec::File { name: name.clone(), bytes: bytes.clone() })
                .collect();
            check_case(&Case { inputs: all, opts: opts.clone() });
        }
    }
    // A text tree of every text seed, with names no id can carry.
    let mut files: Vec<_> =
        seeds(Kind::Text).into_iter().map(|(name, bytes)| (name.into_bytes(), bytes)).collect();
    for (name, bytes) in [
        (&b"latin-1 \xe9.txt"[..], &b"a file name that is not UTF-8"[..]),
        (b"dir \xff/inner.txt", b"in a directory whose name is not UTF-8"),
        (b"new\nline", b"a newline in the name"),
        (b"tab\there/esc\x1b.txt", b"control characters in the names"),
        (b".hidden/skipped.txt", b"hidden directories are skipped"),
    ] {
        files.push((name.to_vec(), bytes.to_vec()));
    }
    for opts in replay_options() {
        check_case(&Case { inputs: vec![InputSpec::Tree { files: files.clone() }], opts });
    }
    assert!(count > 40, "only {count} seeds replayed");
}

// ---- Mutations --------------------------------------------------------------

/// A change to a file's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// Copies a range of the file elsewhere in it: repeated records.
    Duplicate {
        from: Index,
        len: usize,
        to: Index,
    },
    /// Inserts a range of another seed: records of one file in another.
    Splice {
        seed: Index,
        from: Index,
        len: usize,
        to: Index,
    },
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>, seeds: &[(String, Vec<u8>)]) {
        let at = |index: &Index, len: usize| if len == 0 { 0 } else { index.index(len + 1) };
        match self {
            Mutation::FlipBit(i, bit) if !bytes.is_empty() => {
                let i = i.index(bytes.len());
                bytes[i] ^= 1 << (bit % 8);
            }
            Mutation::SetByte(i, byte) if !bytes.is_empty() => {
                let i = i.index(bytes.len());
                bytes[i] = *byte;
            }
            Mutation::Insert(i, token) => {
                let i = at(i, bytes.len());
                bytes.splice(i..i, token.iter().copied());
            }
            Mutation::Delete(i, len) => {
                let i = at(i, bytes.len());
                let end = (i + len).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Truncate(i) => bytes.truncate(at(i, bytes.len())),
            Mutation::Duplicate { from, len, to } => {
                let from = at(from, bytes.len());
                let chunk = bytes[from..(from + len).min(bytes.len())].to_vec();
                let to = at(to, bytes.len());
                bytes.splice(to..to, chunk);
            }
            Mutation::Splice { seed, from, len, to } if !seeds.is_empty() => {
                let other = &seeds[seed.index(seeds.len())].1;
                let from = at(from, other.len());
                let chunk = &other[from..(from + len).min(other.len())];
                let to = at(to, bytes.len());
                bytes.splice(to..to, chunk.iter().copied());
            }
            // Nothing to flip in an empty file, nothing to splice from no seeds.
            Mutation::FlipBit(..) | Mutation::SetByte(..) | Mutation::Splice { .. } => {}
        }
    }
}

fn mutation(kind: Kind) -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![
        3 => select(kind.tokens()).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, bit)| Mutation::FlipBit(i, bit)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, byte)| Mutation::SetByte(i, byte)),
        3 => (any::<Index>(), token).prop_map(|(i, token)| Mutation::Insert(i, token)),
        1 => (any::<Index>(), 1..64usize).prop_map(|(i, len)| Mutation::Delete(i, len)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1..256usize, any::<Index>())
            .prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        1 => (any::<Index>(), any::<Index>(), 1..256usize, any::<Index>())
            .prop_map(|(seed, from, len, to)| Mutation::Splice { seed, from, len, to }),
    ]
}

/// The content of a compressed seed, when it decompresses whole.
fn decompressed(name: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out).ok()?;
    } else if name.ends_with(".zst") {
        out = zstd::decode_all(bytes).ok()?;
    } else {
        return None;
    }
    Some(out)
}

fn compressed(name: &str, bytes: &[u8]) -> Vec<u8> {
    if name.ends_with(".gz") {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    } else {
        zstd::encode_all(bytes, 1).unwrap()
    }
}

/// A mutated seed. Compressed seeds are mostly mutated under their
/// compression, so that the mutations reach the format's parser rather
/// than only the decoder.
fn mutated_file(
    kind: Kind,
    seeds: Arc<Vec<(String, Vec<u8>)>>,
) -> impl Strategy<Value = InputSpec> {
    let pick = any::<Index>();
    (pick, prop::collection::vec(mutation(kind), 0..6), prop::bool::weighted(0.8)).prop_map(
        move |(pick, mutations, under)| {
            let (name, seed) = &seeds[pick.index(seeds.len())];
            let plain = if under { decompressed(name, seed) } else { None };
            let mut bytes = plain.clone().unwrap_or_else(|| seed.clone());
            for mutation in &mutations {
                mutation.apply(&mut bytes, &seeds);
            }
            if plain.is_some() {
                bytes = compressed(name, &bytes);
            }
            InputSpec::File { name: name.clone(), bytes }
        },
    )
}

fn options(kind: Kind) -> impl Strategy<Value = ReadOptions> {
    let fields: Vec<(&str, &str, Option<&str>)> = match kind {
        Kind::Jsonl => vec![
            ("id", "text", None),
            ("meta.id", "body.text", Some("meta.url")),
            ("id", "text", Some("site")),
        ],
        Kind::Warc => {
            vec![("id", "text", None), ("url", "text", Some("url")), ("WARC-Date", "text", None)]
        }
        Kind::Parquet => {
            vec![("id", "text", None), ("id", "text", Some("site")), ("text", "id", None)]
        }
        Kind::Text => vec![("id", "text", None)],
    };
    let limit = prop_oneof![3 => Just(64u64 << 20), 1 => 1u64..300];
    // Now and then a file is read as another format than its name says.
    let formats =
        vec![None, Some(Format::Jsonl), Some(Format::Warc), Some(Format::Wet), Some(Format::Text)];
    let format = prop_oneof![9 => Just(None), 1 => select(formats)];
    (select(fields), limit, format).prop_map(|((id, text, site), max_doc_bytes, format)| {
        ReadOptions {
            format,
            id_field: id.to_owned(),
            text_field: text.to_owned(),
            site_field: site.map(str::to_owned),
            max_doc_bytes,
            skip_bad_records: false,
        }
    })
}

/// One or two mutated seeds of a format.
fn file_case(kind: Kind) -> impl Strategy<Value = Case> {
    let seeds = Arc::new(seeds(kind));
    (prop::collection::vec(mutated_file(kind, seeds), 1..=2), options(kind))
        .prop_map(|(inputs, opts)| Case { inputs, opts })
}

// ---- Generated inputs -------------------------------------------------------

/// Ids as users write them, and as they should not.
fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-c]{0,2}",
        2 => any::<String>(),
        1 => Just("x".repeat(4097)),
        1 => "[a\\n\\t\\x00\\x1b]{1,3}",
    ]
}

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[ a-z]{0,20}", 1 => any::<String>(), 1 => Just("long ".repeat(100))]
}

/// JSONL lines generated from JSON values: fields present or not, of the
/// right type or not, nested or not.
fn jsonl_case() -> impl Strategy<Value = Case> {
    let value = prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        id_text().prop_map(serde_json::Value::from),
    ];
    let nested = value.prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
            prop::collection::btree_map("id|text|meta|url|x", inner, 0..3)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    });
    let line = (
        prop::option::weighted(
            0.9,
            prop_oneof![3 => id_text().prop_map(serde_json::Value::from), 1 => nested.clone()],
        ),
        prop::option::weighted(
            0.9,
            prop_oneof![3 => text_value().prop_map(serde_json::Value::from), 1 => nested.clone()],
        ),
        prop::option::of(nested),
    )
        .prop_map(|(id, text, meta)| {
            let mut object = serde_json::Map::new();
            let fields = [("id", id), ("text", text), ("meta", meta)];
            for (name, value) in fields {
                if let Some(value) = value {
                    object.insert(name.to_owned(), value);
                }
            }
            serde_json::to_vec(&object).unwrap()
        });
    (prop::collection::vec(line, 0..12), options(Kind::Jsonl)).prop_map(|(lines, opts)| {
        let bytes = lines.join(&b'\n');
        Case { inputs: vec![InputSpec::File { name: "generated.jsonl".into(), bytes }], opts }
    })
}

/// How a generated Parquet file stores its columns.
#[derive(Clone, Copy, Debug)]
enum IdColumn {
    Utf8,
    LargeUtf8,
    Int64,
    UInt32,
}

/// Parquet files written from random rows, in several column types and row
/// groups, then now and then damaged.
fn parquet_case() -> impl Strategy<Value = Case> {
    let row = (
        prop::option::weighted(0.9, id_text()),
        any::<i64>(),
        prop::option::weighted(0.9, text_value()),
        prop::option::of("[a-z]{0,5}"),
    );
    let id_column =
        select(vec![IdColumn::Utf8, IdColumn::LargeUtf8, IdColumn::Int64, IdColumn::UInt32]);
    (
        prop::collection::vec(row, 0..20),
        id_column,
        any::<bool>(),
        1..8usize,
        prop::collection::vec(mutation(Kind::Parquet), 0..2),
        options(Kind::Parquet),
    )
        .prop_map(|(rows, id_column, view, group, mutations, opts)| {
            let ids: ArrayRef = match id_column {
                IdColumn::Utf8 => {
                    Arc::new(StringArray::from_iter(rows.iter().map(|r| r.0.clone())))
                }
                IdColumn::LargeUtf8 => {
                    Arc::new(LargeStringArray::from_iter(rows.iter().map(|r| r.0.clone())))
                }
                IdColumn::Int64 => Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))),
                IdColumn::UInt32 => {
                    Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.1 as u32)))
                }
            };
            let texts = rows.iter().map(|r| r.2.clone());
            let texts: ArrayRef = if view {
                Arc::new(StringViewArray::from_iter(texts))
            } else {
                Arc::new(StringArray::from_iter(texts))
            };
            let sites: ArrayRef =
                Arc::new(StringArray::from_iter(rows.iter().map(|r| r.3.clone())));
            let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts), ("site", sites)])
                .unwrap();
            let props =
                WriterProperties::builder().set_max_row_group_row_count(Some(group)).build();
            let mut bytes = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
            for mutation in &mutations {
                mutation.apply(&mut bytes, &[]);
            }
            Case { inputs: vec![InputSpec::File { name: "generated.parquet".into(), bytes }], opts }
        })
}

/// Text trees with random names, hidden, nested, not UTF-8 or holding
/// control characters, of mutated text seeds.
fn text_tree_case() -> impl Strategy<Value = Case> {
    let component = prop_oneof![
        4 => "[a-z]{1,6}(\\.txt)?".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 1..12),
        1 => select(vec![&b".hidden"[..], b"new\nline", b"\xff\xfe", b"tab\t", b"\xe9t\xe9"])
            .prop_map(<[u8]>::to_vec),
    ]
    .prop_map(|mut name| {
        // Bytes no file name can hold, and names that leave the tree.
        name.retain(|&b| b != b'/' && b != 0);
        if name.is_empty() || name == b"." || name == b".." {
            name = b"x".to_vec();
        }
        name
    });
    let rel = prop::collection::vec(component, 1..=3).prop_map(|parts| parts.join(&b'/'));
    let seeds = Arc::new(seeds(Kind::Text));
    let file = (rel, mutated_file(Kind::Text, seeds)).prop_map(|(rel, content)| {
        let InputSpec::File { bytes, .. } = content else { unreachable!("a file") };
        (rel, bytes)
    });
    (prop::collection::vec(file, 0..8), options(Kind::Text)).prop_map(|(files, opts)| {
        // Text trees are read as text whatever the format says.
        Case { inputs: vec![InputSpec::Tree { files }], opts }
    })
}

// ---- The fuzz targets -------------------------------------------------------

fn config() -> ProptestConfig {
    let cases = std::env::var("SYNDIC_FUZZ_CASES").ok().and_then(|n| n.parse().ok());
    ProptestConfig {
        cases: cases.unwrap_or(DEFAULT_CASES),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        // A failure is shrunk for at most a minute, then reported as found.
        max_shrink_time: 60_000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_jsonl(case in prop_oneof![2 => file_case(Kind::Jsonl), 1 => jsonl_case()]) {
        check_case(&case);
    }

    #[test]
    fn fuzz_warc_and_wet(case in file_case(Kind::Warc)) {
        check_case(&case);
    }

    #[test]
    fn fuzz_parquet(case in prop_oneof![1 => file_case(Kind::Parquet), 2 => parquet_case()]) {
        check_case(&case);
    }

    #[test]
    fn fuzz_text(case in prop_oneof![1 => file_case(Kind::Text), 1 => text_tree_case()]) {
        check_case(&case);
    }
}
