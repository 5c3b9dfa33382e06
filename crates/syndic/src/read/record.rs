//! What the reader of every format yields: one record of an input, good or
//! bad. [`super::corpus`] turns good ones into documents and counts or
//! reports the bad ones; the readers only say what they found.

use crate::RecordProblem;

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
