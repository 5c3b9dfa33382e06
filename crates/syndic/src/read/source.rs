//! One input's records, whatever its format.

use super::jsonl::JsonlSource;
use super::parquet::ParquetSource;
use super::stream::Progress;
use super::text::TextSource;
use super::warc::WarcSource;
use super::{Format, Input, ReadOptions};
use crate::{Location, RecordProblem, Result};

/// The fields of a good record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    pub(crate) id: String,
    pub(crate) text: String,
    pub(crate) site: Option<String>,
    /// The `WARC-Target-URI` of a WARC or WET record, which the deduplicated
    /// corpus keeps.
    pub(crate) url: Option<String>,
}

/// One record of an input: its ordinal, and its fields or what is wrong
/// with it.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) ordinal: u64,
    pub(crate) fields: Result<Fields, RecordProblem>,
}

/// Reads the records of one input, in order. Errors it returns are about the
/// input as a whole (I/O, a damaged stream, an unreadable Parquet file);
/// problems with single records come inside the [`Record`].
pub(crate) enum InputReader {
    Jsonl(JsonlSource),
    Text(TextSource),
    Warc(WarcSource),
    // Boxed: the Parquet reader is several times the size of the others.
    Parquet(Box<ParquetSource>),
}

impl InputReader {
    pub(crate) fn open(input: &Input, opts: &ReadOptions, progress: &Progress) -> Result<Self> {
        Ok(match input.format {
            Format::Jsonl => InputReader::Jsonl(JsonlSource::open(input, opts, progress)?),
            Format::Text => InputReader::Text(TextSource::open(input, opts, progress)?),
            Format::Warc | Format::Wet => {
                InputReader::Warc(WarcSource::open(input, opts, progress)?)
            }
            Format::Parquet => {
                InputReader::Parquet(Box::new(ParquetSource::open(input, opts, progress)?))
            }
        })
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next(&mut self) -> Result<Option<Record>> {
        match self {
            InputReader::Jsonl(source) => source.next(),
            InputReader::Text(source) => source.next(),
            InputReader::Warc(source) => source.next(),
            InputReader::Parquet(source) => source.next(),
        }
    }

    /// Where the record with this ordinal is, for error messages.
    pub(crate) fn location(&self, ordinal: u64) -> Location {
        match self {
            InputReader::Jsonl(source) => source.location(ordinal),
            InputReader::Text(source) => source.location(ordinal),
            InputReader::Warc(source) => source.location(ordinal),
            InputReader::Parquet(source) => source.location(ordinal),
        }
    }
}
