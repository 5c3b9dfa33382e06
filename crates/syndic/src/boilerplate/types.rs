//! What the single-page classifier, the repetition model and their rules
//! share: the labels ([`Reason`], [`LineClass`], [`LineLabel`], [`Span`]),
//! the classifier's settings, the edge zones of long documents, and the
//! hasher of the maps keyed by line hashes. Nothing here decides a label.

use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use crate::{ConfigError, Result};

/// Why a line is boilerplate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Reason {
    /// A short line that its neighbours place among boilerplate, or a short
    /// title-like line that heads no content ("Blowing in the wind").
    Short,
    /// A long line with too few stop words to be prose (name lists, tables,
    /// keyword strips).
    LowStopwordDensity,
    /// A menu, breadcrumb or list of titles: short lines of capitalised
    /// words ("World", "European Edition") or items between separators.
    LinkList,
    /// Sharing and social-network links ("Twitter Facebook Myspace ...").
    ShareBar,
    /// A dateline, clock or weather reading with little else ("Updated:
    /// 2011-04-23 17:57", "MIN +17").
    Timestamp,
    /// Serialized data or markup (`string(1527) "[{...`, JSON, HTML, base64).
    DataBlob,
    /// A notice addressed to readers ("Dear reader, ... comments are
    /// closed"): the salutation and the prose right after it.
    Notice,
    /// A borderline prose line standing among boilerplate, with no main text
    /// near it (teasers for other stories).
    Context,
    /// Part of a chain of lines repeated across documents or across pages of
    /// the document's site, at the document's head or tail.
    Repeated,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 9] = [
        Reason::Short,
        Reason::LowStopwordDensity,
        Reason::LinkList,
        Reason::ShareBar,
        Reason::Timestamp,
        Reason::DataBlob,
        Reason::Notice,
        Reason::Context,
        Reason::Repeated,
    ];

    /// A stable snake_case name, for outputs and counters.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Short => "short",
            Reason::LowStopwordDensity => "low_stopword_density",
            Reason::LinkList => "link_list",
            Reason::ShareBar => "share_bar",
            Reason::Timestamp => "timestamp",
            Reason::DataBlob => "data_blob",
            Reason::Notice => "notice",
            Reason::Context => "context",
            Reason::Repeated => "repeated",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineClass {
    /// The document's own text.
    Content,
    /// Furniture, for the given reason.
    Boilerplate(Reason),
}

impl LineClass {
    /// Whether this is [`LineClass::Boilerplate`].
    pub fn is_boilerplate(self) -> bool {
        matches!(self, LineClass::Boilerplate(_))
    }
}

/// A labelled line: `start..end` is the byte range of the (trimmed) line or
/// paragraph in the original text, as given by [`lines`](super::lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineLabel {
    /// Byte offset of the line's first character.
    pub start: usize,
    /// Byte offset just past the line's last character.
    pub end: usize,
    /// The verdict.
    pub class: LineClass,
}

/// Thresholds of the single-document classifier. Lengths are in characters
/// (Unicode scalar values), as in jusText.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierConfig {
    /// Lines shorter than this are short: judged by their neighbours, or by
    /// whether they head content. Default 70 (jusText's).
    pub length_low: usize,
    /// Stop-word-dense lines at least this long are good: they anchor the
    /// main text. Default 200 (jusText's).
    pub length_high: usize,
    /// Long lines with a smaller share of stop words are boilerplate.
    /// Default 0.20. jusText's 0.30 is calibrated for its longer
    /// Wikipedia-frequency lists; with our function-word lists, news ledes
    /// dense with names ("GORKI - United Nations Secretary-General Ban
    /// Ki-moon courted support ...") score 0.21.
    pub stopwords_low: f64,
    /// Lines with at least this share of stop words (and `length_high`
    /// characters) are good. Default 0.30; running prose scores 0.35–0.55.
    pub stopwords_high: f64,
    /// How far (in characters of the lines in between) a headline or lede
    /// may sit above good text and still be kept. Default 200 (jusText's):
    /// room for a dateline, a byline and a share bar.
    pub max_heading_distance: usize,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        ClassifierConfig {
            length_low: 70,
            length_high: 200,
            stopwords_low: 0.20,
            stopwords_high: 0.30,
            max_heading_distance: 200,
        }
    }
}

impl ClassifierConfig {
    /// Checks that the values are consistent: `0 < length_low <=
    /// length_high` and `0 <= stopwords_low <= stopwords_high <= 1`.
    /// [`classify`](super::classify()) does not check; with bad values its labels are
    /// meaningless, but it does not panic.
    pub fn validate(&self) -> Result<()> {
        if self.length_low == 0 || self.length_low > self.length_high {
            return Err(ConfigError::Conflict(format!(
                "boilerplate length bounds must satisfy 0 < length_low <= length_high, got {} and {}",
                self.length_low, self.length_high
            ))
            .into());
        }
        let share = |x: f64| (0.0..=1.0).contains(&x);
        if !share(self.stopwords_low)
            || !share(self.stopwords_high)
            || self.stopwords_low > self.stopwords_high
        {
            return Err(ConfigError::Conflict(format!(
                "boilerplate stop-word bounds must satisfy 0 <= stopwords_low <= stopwords_high <= 1, got {} and {}",
                self.stopwords_low, self.stopwords_high
            ))
            .into());
        }
        Ok(())
    }
}

/// A merged run of boilerplate: consecutive boilerplate lines with the same
/// reason. `start..end` spans from the first line's start to the last line's
/// end, so it includes the whitespace between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the run's first character.
    pub start: usize,
    /// Byte offset just past the run's last character.
    pub end: usize,
    /// Why it is boilerplate.
    pub reason: Reason,
}

/// The boilerplate of a labelled document as sorted, disjoint byte ranges:
/// what later stages mask.
pub fn boilerplate_spans(labels: &[LineLabel]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut extends = false;
    for label in labels {
        match label.class {
            LineClass::Boilerplate(reason) => {
                match spans.last_mut() {
                    Some(last) if extends && last.reason == reason => last.end = label.end,
                    _ => spans.push(Span { start: label.start, end: label.end, reason }),
                }
                extends = true;
            }
            LineClass::Content => extends = false,
        }
    }
    spans
}

/// Bytes of the content lines (their trimmed ranges; the whitespace between
/// lines is not counted).
pub fn content_bytes(labels: &[LineLabel]) -> usize {
    labels.iter().filter(|l| !l.class.is_boilerplate()).map(|l| l.end - l.start).sum()
}

/// Documents this long (in bytes) have edge zones: books, reports, long
/// transcripts, where front and back matter are a small share of the text.
pub const LONG_DOC_MIN_BYTES: usize = 64 * 1024;

/// The edge zone of a long document: this many bytes at each end, or a
/// quarter of the document if less. Gutenberg's headers end within 16 KiB
/// of the start and its footers start within 24 KiB of the end.
pub const EDGE_ZONE_BYTES: usize = 32 * 1024;

/// The edge zone of a text of `len` bytes (the bytes at each end within
/// which a line is at the edge), if the text is long enough to have one.
pub(super) fn edge_zone(len: usize) -> Option<usize> {
    (len >= LONG_DOC_MIN_BYTES).then(|| EDGE_ZONE_BYTES.min(len / 4))
}

/// Hash maps keyed by xxh3 hashes need no further hashing.
pub(crate) type IdBuild = BuildHasherDefault<IdHasher>;

/// Passes a `u64` key through; other input is folded in, so that the type
/// is a correct `Hasher` for any key, if a slow one.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
