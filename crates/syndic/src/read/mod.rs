//! Streaming corpus readers: from files on disk to [`Document`]s.
//!
//! A run reads a corpus given as a list of paths. [`resolve_inputs`] turns
//! the paths into [`Inputs`]: it checks that each exists, tells its
//! [`Format`] and [`Compression`] from the file name (or `--format`), and
//! sorts them by path, so that corpus order, and with it every [`DocId`],
//! does not depend on the order the user typed them in. A [`CorpusReader`]
//! then streams the documents in that order, in batches, never holding more
//! than one record (and the decoder's buffers) of an input in memory.
//!
//! | Input | Documents | Id | Location in errors |
//! |---|---|---|---|
//! | `.jsonl`, `.json`, `.ndjson` (`.gz`, `.zst`) | one per non-empty line | `--id-field` | line, 1-based |
//! | `.parquet` | one per row | `--id-field` column | row, 0-based |
//! | `.warc`, `.wet` (`.gz`, `.zst`) | `response`, `resource`, `conversion` records | `WARC-Record-ID` | record, 0-based |
//! | a directory | every regular, non-hidden file under it | its relative path, `/`-separated | the file |
//! | `.txt` | the whole file | the file name | the file |
//! | `-` | standard input, read as `--format` (default JSONL) | | `-` |
//!
//! Every record gets an [`Origin`]: the index of its input and its ordinal
//! in that input, counting bad records and, in JSONL, empty lines (the
//! ordinal of a JSONL record is its line number minus one). A second reader
//! over the same `Inputs` sees the same documents with the same origins,
//! which is what lets later passes re-read the corpus to verify candidate
//! pairs or write the records they keep (see [`crate::write`]).
//!
//! What this module is not: a parser for every dialect. JSON fields are
//! dotted paths into nested objects (`meta.url`), but not array indices;
//! Parquet columns must be top-level string (or, for ids, integer) columns;
//! WARC `response` bodies are taken as the bytes after the HTTP headers,
//! with no HTML stripping, no `Content-Encoding` decoding and no charset
//! sniffing: they must be UTF-8. Use WET files for extracted text.
//!
//! Rules of thumb:
//!
//! * Bad records (malformed JSON, missing fields, invalid UTF-8, empty text,
//!   duplicate ids, ids that [`check_id`] refuses or file names that are not
//!   UTF-8, records over `max_doc_bytes`) stop the run with an error
//!   naming the file and line or record. With `skip_bad_records` they are
//!   counted by [`RecordProblem::kind`] and passed over; a truncated or
//!   corrupt compressed input, or a corrupt Parquet file, is then counted
//!   once (`truncated_input`, `corrupt_parquet`) and the reader goes on with
//!   the next input, keeping the documents read before the damage. A panic
//!   of the parquet crate on a damaged file is caught and is such an error.
//! * Memory per record is bounded by `max_doc_bytes`: a JSONL line longer
//!   than that is skipped without being buffered, and text files and WARC
//!   records declare their size before they are read.
//! * Standard input is spooled to a temporary file, which [`Inputs`] keeps
//!   alive, because later passes read the corpus again. On Linux the file
//!   has no name from the start, so that even an exit without destructors
//!   (a second Ctrl-C) or a SIGKILL leaves nothing behind.
//!
//! ```
//! use syndic::read::{resolve_inputs, CorpusReader, ReadOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("corpus.jsonl");
//! std::fs::write(&path, "{\"id\": \"a\", \"text\": \"first\"}\n\n{\"id\": 7, \"text\": \"second\"}\n")?;
//!
//! let opts = ReadOptions::default();
//! let inputs = resolve_inputs(&[path], &opts)?;
//! let mut reader = CorpusReader::new(&inputs, &opts);
//! let batch = reader.next_batch(1000, 1 << 20)?.expect("two documents");
//! assert_eq!(batch.len(), 2);
//! assert_eq!((batch[1].id.as_str(), batch[1].text.as_str()), ("7", "second"));
//! // The empty second line counts: the second document is record 2, line 3.
//! assert_eq!(batch[1].origin.record, 2);
//! assert!(reader.next_batch(1000, 1 << 20)?.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`DocId`]: crate::DocId
//! [`check_id`]: crate::doc::check_id

mod corpus;
mod input;
mod jsonl;
mod parquet;
mod source;
mod stream;
mod text;
mod warc;

use std::fmt;
use std::path::Path;

pub use corpus::CorpusReader;
pub use input::{resolve_inputs, Input, Inputs};

pub(crate) use self::parquet::{open_parquet, parquet_error, unpanic};
pub(crate) use jsonl::{FieldPath, JsonlLines};
pub(crate) use source::InputReader;
pub(crate) use stream::{Line, Progress};

use crate::{ConfigError, Result};
#[cfg(doc)]
use crate::{Document, Origin, RecordProblem};

/// Documents per batch that front ends ask [`CorpusReader::next_batch`]
/// for: enough for every core to have work in a parallel stage.
pub const BATCH_DOCS: usize = 8192;

/// Text bytes per batch that front ends ask for: the bound on the batch a
/// stage holds while it reads books. Smaller batches cost no speed
/// measurably (`syndic dedup` on the Gutenberg sample: 1.13 s at 64 MiB,
/// 1.15 s at 16 MiB) and save memory: `syndic passages` there peaks 90 MB
/// lower at 16 MiB.
pub const BATCH_BYTES: usize = 16 << 20;

/// The format of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A directory tree of text files, or one text file.
    Text,
    /// JSON Lines: one JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// WARC web archive.
    Warc,
    /// WET: WARC `conversion` records holding extracted text.
    Wet,
}

impl Format {
    /// The name `--format` accepts for this format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
            Format::Warc => "warc",
            Format::Wet => "wet",
        }
    }

    /// The format a file name announces, looking past a `.gz` or `.zst`
    /// suffix, or `None` when the name says nothing known.
    ///
    /// ```
    /// use syndic::read::Format;
    /// assert_eq!(Format::from_path("crawl/CC-MAIN-0001.warc.wet.gz".as_ref()), Some(Format::Wet));
    /// assert_eq!(Format::from_path("notes.md".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let (stem, _) = Compression::split(&name);
        let ext = stem.rsplit_once('.')?.1;
        match ext {
            "jsonl" | "json" | "ndjson" => Some(Format::Jsonl),
            "parquet" => Some(Format::Parquet),
            "warc" => Some(Format::Warc),
            "wet" => Some(Format::Wet),
            "txt" => Some(Format::Text),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

crate::choice::choices!(Format, "format", [
    "jsonl" => Jsonl,
    "json" => Jsonl,
    "ndjson" => Jsonl,
    "parquet" => Parquet,
    "warc" => Warc,
    "wet" => Wet,
    "text" => Text,
    "txt" => Text,
]);

/// How an input (or output) file is compressed, as its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// Not compressed.
    #[default]
    None,
    /// gzip, possibly several members one after another (as WARC files are).
    Gzip,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// The compression a file name announces by its last extension.
    ///
    /// ```
    /// use syndic::read::Compression;
    /// assert_eq!(Compression::from_path("a.jsonl.zst".as_ref()), Compression::Zstd);
    /// assert_eq!(Compression::from_path("a.jsonl".as_ref()), Compression::None);
    /// ```
    pub fn from_path(path: &Path) -> Compression {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
        name.map_or(Compression::None, |n| Compression::split(&n).1)
    }

    /// The codec's name, as error messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// Splits a lowercase file name into the name without its compression
    /// suffix and the compression.
    fn split(name: &str) -> (&str, Compression) {
        for (suffix, compression) in
            [(".gz", Compression::Gzip), (".zst", Compression::Zstd), (".zstd", Compression::Zstd)]
        {
            if let Some(stem) = name.strip_suffix(suffix) {
                return (stem, compression);
            }
        }
        (name, Compression::None)
    }

    /// The compression whose magic number `head` starts with; for standard
    /// input, which has no name to go by.
    fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

crate::schema::settings! {
    /// How to read the inputs: format override, field names, limits.
    pub struct ReadOptions {
        /// Read every file input (and standard input) as this format
        /// instead of telling it from the file name: text, jsonl, parquet,
        /// warc, wet. Directories are always text trees.
        format: Option<Format> = None,
        /// Dotted path of the id field (JSONL) or name of the id column
        /// (Parquet). For WARC: `id` means `WARC-Record-ID`, `url` means
        /// `WARC-Target-URI`, anything else names a WARC header.
        id_field: String = "id".to_owned(),
        /// Dotted path of the text field (JSONL) or name of the text column
        /// (Parquet). Not used for WARC and text inputs.
        text_field: String = "text".to_owned(),
        /// Dotted path of the site field, or column (boilerplate is then
        /// also learned per site); for WARC any value selects
        /// `WARC-Target-URI`. A record without it simply has no site.
        site_field: Option<String> = None,
        /// The largest record accepted, in bytes (a JSONL line, a text
        /// file, a WARC record's content, a Parquet text value).
        max_doc_bytes: u64 = 64 << 20,
        /// Count bad records by kind and pass over them (and damaged
        /// inputs) instead of stopping at the first.
        skip_bad_records: bool = false,
    }
}

impl ReadOptions {
    /// Checks that the options make sense together.
    pub fn validate(&self) -> Result<()> {
        if self.max_doc_bytes == 0 {
            return Err(ConfigError::invalid("max_doc_bytes", "at least 1", 0).into());
        }
        let fields = [("id_field", Some(&self.id_field)), ("text_field", Some(&self.text_field))];
        for (name, field) in fields.into_iter().chain([("site_field", self.site_field.as_ref())]) {
            if let Some(field) = field {
                if field.is_empty() || field.split('.').any(str::is_empty) {
                    return Err(ConfigError::invalid(
                        name,
                        "a field path (names joined by dots)",
                        format!("`{field}`"),
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    /// `max_doc_bytes` as a buffer size.
    pub(crate) fn max_doc_usize(&self) -> usize {
        usize::try_from(self.max_doc_bytes).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
pub(crate) mod tests;
