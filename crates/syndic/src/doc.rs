//! Documents and their ids.
//!
//! A [`Document`] is what every stage works on: an external id (the user's),
//! the original text, and where it came from. Inside a run, documents are
//! named by a dense [`DocId`]: their position in corpus order, which is the
//! order of the (sorted) inputs and of the records inside each input. Every
//! ordering decision in syndic (cluster numbering, representatives, pair
//! order) is made on `DocId`s, which is what makes outputs independent of
//! thread count.

use std::fmt;

/// The longest external id, in bytes. An id is also a name in URLs of the
/// HTTP service and a cell of line-oriented outputs; longer ones are typos
/// or whole texts in the wrong field, and a key this long is already costly
/// in an index.
pub const MAX_ID_BYTES: usize = 4096;

/// Why a string cannot be a document id. See [`check_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdProblem {
    /// The id is the empty string.
    #[error("the id is empty")]
    Empty,
    /// The id is longer than [`MAX_ID_BYTES`]; holds its length in bytes.
    #[error("the id is {0} bytes long, more than the {MAX_ID_BYTES} bytes an id may have")]
    TooLong(usize),
    /// The id would be a file name that is not valid UTF-8.
    #[error("the file name is not valid UTF-8")]
    NotUtf8,
}

/// Checks that `id` can name a document everywhere syndic shows or takes
/// ids: it is 1 to [`MAX_ID_BYTES`] bytes long. Any character may be in
/// it: real corpora carry ids with tabs and carriage returns (book titles
/// in the Gutenberg sample), outputs write ids as JSON strings, which
/// escape them, and the HTTP API takes them percent-encoded.
///
/// ```
/// use syndic::doc::{check_id, IdProblem, MAX_ID_BYTES};
/// assert_eq!(check_id("books/emma.txt"), Ok(()));
/// assert_eq!(check_id(""), Err(IdProblem::Empty));
/// assert_eq!(check_id(&"x".repeat(MAX_ID_BYTES + 1)), Err(IdProblem::TooLong(MAX_ID_BYTES + 1)));
/// assert_eq!(check_id("Rinkitink in Oz\rWherein Is Recorded"), Ok(()));
/// ```
pub fn check_id(id: &str) -> Result<(), IdProblem> {
    if id.is_empty() {
        return Err(IdProblem::Empty);
    }
    if id.len() > MAX_ID_BYTES {
        return Err(IdProblem::TooLong(id.len()));
    }
    Ok(())
}

/// Dense, 0-based id of a document in corpus order.
///
/// A `u32` newtype: four billion documents per run or index is the limit,
/// and halving the width of every id array matters at that scale.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct DocId(u32);

impl DocId {
    /// The largest representable id.
    pub const MAX: DocId = DocId(u32::MAX);

    /// The id of the `index`-th document, or `None` past `u32::MAX`.
    pub fn new(index: usize) -> Option<DocId> {
        u32::try_from(index).ok().map(DocId)
    }

    /// Wraps a raw `u32`.
    pub const fn from_u32(raw: u32) -> DocId {
        DocId(raw)
    }

    /// The raw value.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The value as an index into per-document arrays.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a document came from: which input of the run, and which record of
/// that input (0-based, counting bad records too, so that a second pass over
/// the same input finds the same record again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Origin {
    /// Index of the input in the run's sorted input list.
    pub input: u32,
    /// Record ordinal inside that input.
    pub record: u64,
}

/// One document: the user's id, the original text, an optional site (for
/// learning boilerplate per site) and its origin.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Document {
    /// The external id, unique in a run.
    pub id: String,
    /// The original text, unmodified. Offsets reported by syndic are byte
    /// offsets into this string.
    pub text: String,
    /// The site or URL the record names, when `--site-field` is given.
    pub site: Option<String>,
    /// Where the record came from.
    pub origin: Origin,
}

impl Document {
    /// A document with no site and a default origin; handy in tests and for
    /// callers (Python, the HTTP service) that have no files.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self { id: id.into(), text: text.into(), site: None, origin: Origin::default() }
    }
}

/// What a pipeline keeps of every document it has seen, in corpus order:
/// the id, where it came from and its length. Indexed by [`DocId`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    ids: Vec<String>,
    origins: Vec<Origin>,
    lengths: Vec<u64>,
}

impl Catalog {
    /// Records `doc` and returns its id.
    pub fn push(&mut self, doc: &Document) -> DocId {
        let id = DocId(self.ids.len() as u32);
        self.ids.push(doc.id.clone());
        self.origins.push(doc.origin);
        self.lengths.push(doc.text.len() as u64);
        id
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no document was recorded.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// External ids, in corpus order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Origins, in corpus order.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// Text lengths in bytes, in corpus order.
    pub fn lengths(&self) -> &[u64] {
        &self.lengths
    }

    /// The external id of a document.
    pub fn id(&self, doc: DocId) -> &str {
        &self.ids[doc.as_usize()]
    }

    /// The origin of a document.
    pub fn origin(&self, doc: DocId) -> Origin {
        self.origins[doc.as_usize()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_for_length() {
        let long = "é".repeat(MAX_ID_BYTES / 2);
        let cases = [
            ("a", Ok(())),
            (" spaced id ", Ok(())),
            ("caf\u{e9}/\u{1f600}", Ok(())),
            (long.as_str(), Ok(())),
            ("", Err(IdProblem::Empty)),
            ("\0", Ok(())),
            ("ab\r\n\t", Ok(())),
        ];
        for (id, want) in cases {
            assert_eq!(check_id(id), want, "{id:?}");
        }
        let too_long = format!("{long}x");
        assert_eq!(check_id(&too_long), Err(IdProblem::TooLong(MAX_ID_BYTES + 1)));
    }
}
