//! One input's records, whatever its format: the dispatch to the reader
//! of each format.

use super::input::Input;
use super::jsonl::JsonlSource;
use super::options::{Format, ReadOptions};
use super::parquet::ParquetSource;
use super::record::Record;
use super::stream::Progress;
use super::text::TextSource;
use super::warc::WarcSource;
use crate::{Location, Result};

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
