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
use std::sync::Arc;

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
///
/// It is the one per-document record every run keeps in memory to its
/// end, so it is packed: the ids end to end in one string, and origins as
/// record ordinals plus the runs of documents each input gave. That is the
/// id's bytes and 24 more per document, where a `String` and an `Origin`
/// each took 40 with the allocator's overhead besides.
///
/// Cloning is cheap: the entries are shared (an `Arc`), so a front end
/// keeps the catalog of a finished pipeline without copying it. A push to
/// a shared catalog copies the entries first, so clones never see each
/// other's pushes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog(Arc<Entries>);

/// What a [`Catalog`] holds, as a checkpoint stores it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Entries {
    /// Every id, end to end.
    pub(crate) id_bytes: String,
    /// Where each id ends in `id_bytes` (`u64`: the ids of a crawl's
    /// hundreds of millions of URLs pass 4 GiB).
    pub(crate) id_ends: Vec<u64>,
    /// Each document's record ordinal inside its input.
    pub(crate) records: Vec<u64>,
    /// Runs of consecutive documents from one input: the first document of
    /// each run and the input, in corpus order.
    pub(crate) inputs: Vec<(u32, u32)>,
    pub(crate) lengths: Vec<u64>,
}

impl Catalog {
    /// Records `doc` and returns its id.
    pub fn push(&mut self, doc: &Document) -> DocId {
        let entries = Arc::make_mut(&mut self.0);
        let id = DocId(entries.id_ends.len() as u32);
        entries.id_bytes.push_str(&doc.id);
        entries.id_ends.push(entries.id_bytes.len() as u64);
        entries.records.push(doc.origin.record);
        if entries.inputs.last().is_none_or(|&(_, input)| input != doc.origin.input) {
            entries.inputs.push((id.0, doc.origin.input));
        }
        entries.lengths.push(doc.text.len() as u64);
        id
    }

    /// What it holds, to be stored.
    pub(crate) fn entries(&self) -> &Entries {
        &self.0
    }

    /// A catalog of stored entries, or what makes them unusable (its
    /// lookups would panic or mislead): a checksum proves the bytes are
    /// the ones written, this that they make a catalog.
    pub(crate) fn from_entries(entries: Entries) -> Result<Self, &'static str> {
        let n = entries.id_ends.len();
        if entries.records.len() != n || entries.lengths.len() != n {
            return Err("the catalog's columns differ in length");
        }
        if DocId::new(n).is_none() {
            return Err("more documents than a run holds");
        }
        let mut start = 0;
        for &end in &entries.id_ends {
            if end < start
                || end > entries.id_bytes.len() as u64
                || !entries.id_bytes.is_char_boundary(end as usize)
            {
                return Err("the catalog's ids do not fit its id bytes");
            }
            start = end;
        }
        if start != entries.id_bytes.len() as u64 {
            return Err("the catalog's ids do not fit its id bytes");
        }
        let firsts_ascend = entries.inputs.windows(2).all(|w| w[0].0 < w[1].0);
        let covered = match entries.inputs.first() {
            Some(&(first, _)) => {
                first == 0 && entries.inputs.last().is_some_and(|l| (l.0 as usize) < n)
            }
            None => n == 0,
        };
        if !firsts_ascend || !covered {
            return Err("the catalog's inputs do not cover its documents");
        }
        Ok(Self(Arc::new(entries)))
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.0.id_ends.len()
    }

    /// Whether no document was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.id_ends.is_empty()
    }

    /// External ids, in corpus order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.id_at(i))
    }

    /// Origins, in corpus order.
    pub fn origins(&self) -> impl ExactSizeIterator<Item = Origin> + '_ {
        (0..self.len()).map(|i| self.origin_at(i))
    }

    /// Text lengths in bytes, in corpus order.
    pub fn lengths(&self) -> &[u64] {
        &self.0.lengths
    }

    /// The external id of a document.
    pub fn id(&self, doc: DocId) -> &str {
        self.id_at(doc.as_usize())
    }

    /// The origin of a document.
    pub fn origin(&self, doc: DocId) -> Origin {
        self.origin_at(doc.as_usize())
    }

    fn id_at(&self, i: usize) -> &str {
        let end = self.0.id_ends[i] as usize;
        let start = if i == 0 { 0 } else { self.0.id_ends[i - 1] as usize };
        &self.0.id_bytes[start..end]
    }

    fn origin_at(&self, i: usize) -> Origin {
        let record = self.0.records[i];
        let run = self.0.inputs.partition_point(|&(first, _)| first as usize <= i);
        Origin { input: self.0.inputs[run - 1].1, record }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_gives_back_what_was_pushed() {
        // Inputs interleaved and repeated, empty and multi-byte ids' bytes
        // end to end: each document's id and origin come back as pushed.
        let pushed = [
            ("a", 0, 0, ""),
            ("é/☃", 0, 2, "text"),
            ("b", 1, 0, "xy"),
            ("c", 0, 5, "z"),
            ("c2", 2, 7, "éé"),
            ("d", 2, 8, ""),
        ];
        let mut catalog = Catalog::default();
        for (i, &(id, input, record, text)) in pushed.iter().enumerate() {
            let doc = Document { origin: Origin { input, record }, ..Document::new(id, text) };
            assert_eq!(catalog.push(&doc), DocId::from_u32(i as u32));
        }
        let shared = catalog.clone();
        catalog.push(&Document::new("late", ""));
        assert_eq!(shared.len(), pushed.len(), "a clone does not see later pushes");
        for (i, &(id, input, record, text)) in pushed.iter().enumerate() {
            let doc = DocId::from_u32(i as u32);
            assert_eq!(shared.id(doc), id);
            assert_eq!(shared.origin(doc), Origin { input, record });
            assert_eq!(shared.lengths()[i], text.len() as u64);
        }
        assert!(shared.ids().eq(pushed.iter().map(|p| p.0)));
        assert_eq!(catalog.id(DocId::from_u32(6)), "late");
        assert_eq!(catalog.origin(DocId::from_u32(6)), Origin::default());
    }

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
