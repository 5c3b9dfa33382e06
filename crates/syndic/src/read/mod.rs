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
mod json_scan;
mod jsonl;
mod options;
mod parquet;
mod record;
mod source;
mod stream;
mod text;
mod warc;

pub use corpus::{CorpusReader, BATCH_BYTES, BATCH_DOCS};
pub use input::{resolve_inputs, resolve_inputs_read_once, Input, Inputs};
pub use options::{Compression, Format, ReadOptions};

pub(crate) use self::parquet::{open_parquet, parquet_error, unpanic};
pub(crate) use jsonl::{FieldPath, JsonlLines};
pub(crate) use source::InputReader;
pub(crate) use stream::{Line, Progress};

#[cfg(doc)]
use crate::{Document, Origin, RecordProblem};

#[cfg(test)]
pub(crate) mod tests;
