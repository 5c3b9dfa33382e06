//! Boilerplate: telling a document's own text from the furniture around it.
//!
//! Scraped pages wrap a story in menus, share bars, datelines, weather
//! boxes, lists of other stories' headlines, comment notices and leaked page
//! data; digitised books carry their distributor's licence. If that text took
//! part in reprint decisions, every page of a site would look like a copy of
//! every other, and every Gutenberg book like a copy of the rest. This module
//! labels each line of a document (each paragraph, if the text is
//! hard-wrapped: see [`lines`]) as [`LineClass::Content`] or
//! [`LineClass::Boilerplate`] with a [`Reason`]. Later stages mask the
//! [`boilerplate_spans`], and `syndic clean` cuts them out
//! ([`crate::clean::cut`]).
//!
//! There are two sources of evidence.
//!
//! - **The document alone** ([`classify`]), after jusText (Pomikálek,
//!   *Removing Boilerplate and Duplicate Content from Web Corpora*, 2011).
//!   Each line is first judged on its own: its length, its share of stop
//!   words (under the best-matching of seven shipped lists), and detectors
//!   for share bars, datelines and weather boxes, menus, serialized data and
//!   notices to readers. Then context decides the doubtful lines: short or
//!   borderline lines take the class of their neighbours, and a headline or
//!   lede just above the main text is kept.
//! - **Repetition across documents** ([`LineStats`] → [`RepeatedLines`] →
//!   [`classify_with_repeats`]): a line found in many documents, or on many
//!   pages of one site, is part of a template.
//!
//! What it is not for. It is not an HTML content extractor: it sees plain
//! text, with no markup or link density to go on. It is not a language or
//! quality filter. And it is not a duplicate finder: a story reprinted on
//! fifty sites is exactly what syndic exists to find, so repetition alone
//! never makes text boilerplate. Repeated lines count only in a chain at the
//! head or tail of a document, where licences, mastheads and footers live,
//! and only when the document keeps a body of its own; a paragraph repeated
//! in the middle of documents is reuse, and stays content.
//!
//! Rules of thumb:
//!
//! - Give a site when the corpus is scraped from the web: repetition within
//!   one site is the strongest evidence there is, and needs few pages.
//! - The global rule needs a line in `max(min_docs, 5% of documents)`
//!   (`min_docs` defaults to 20); on a small corpus little reaches that,
//!   which is intended.
//! - Labels never move text. Offsets are byte offsets into the original
//!   string, and the labels cover every non-blank line in order.
//! - In doubt, text is kept: a document without one long prose line (a
//!   headline, a tweet, a table) loses only lines that are boilerplate on
//!   their own evidence, never by context; and the body of a long document
//!   (a book) loses only data blobs, share bars, timestamps, notices and
//!   repeated templates, never lines judged by length, stop words or their
//!   look of a menu, which would take its dialogue and verse for navigation.
//!
//! ```
//! use syndic::boilerplate::{boilerplate_spans, classify, ClassifierConfig, LineClass, Reason};
//!
//! let page = "World\n\
//!     Updated: 2011-04-23 17:57\n\
//!     Twitter Facebook Myspace Yahoo! Linkedin Mixx\n\
//!     Ban is in the final year of his term as head of the world body, and diplomats say \
//!     the United States and other key Security Council members have given preliminary \
//!     pledges of support for a second five-year term.\n\
//!     Blowing in the wind\n";
//! let labels = classify(page, &ClassifierConfig::default());
//! let classes: Vec<LineClass> = labels.iter().map(|l| l.class).collect();
//! assert_eq!(
//!     classes,
//!     [
//!         LineClass::Boilerplate(Reason::LinkList),
//!         LineClass::Boilerplate(Reason::Timestamp),
//!         LineClass::Boilerplate(Reason::ShareBar),
//!         LineClass::Content,
//!         LineClass::Boilerplate(Reason::Short),
//!     ]
//! );
//! // Four spans: a link list, a timestamp and a share bar above the story,
//! // and the teaser title below it.
//! let spans = boilerplate_spans(&labels);
//! assert_eq!(spans.len(), 4);
//! assert_eq!(&page[spans[0].start..spans[2].end], "World\nUpdated: 2011-04-23 17:57\nTwitter Facebook Myspace Yahoo! Linkedin Mixx");
//! ```

mod repeat;
mod rules;
mod segment;
mod smooth;
mod stopwords;

use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

pub use repeat::{
    classify_with_repeats, LineStats, RepeatedLines, CHAIN_MAX_GAP, DEFAULT_MIN_DOCS,
    DEFAULT_MIN_SITE_DOCS, EDGE_MIN_DOCS, EDGE_ZONE_BYTES, LONG_DOC_MIN_BYTES, MIN_CORE_CHARS,
    MIN_DOC_FRACTION, OWN_MAX_GAP, REPEAT_MIN_WORDS,
};
pub use segment::{lines, Line};

use crate::{ConfigError, Document, Result};
use rules::{context_free, Cf, Features};
use stopwords::{best_language, StopWords, LANGUAGES};

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
/// paragraph in the original text, as given by [`lines`].
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
    /// [`classify`] does not check; with bad values its labels are
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

/// Labels each line of `text` from the document alone: O(text).
pub fn classify(text: &str, cfg: &ClassifierConfig) -> Vec<LineLabel> {
    classify_lines(text, cfg).labels()
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

/// The [`boilerplate_spans`] of each document of a batch, labelled in
/// parallel by [`classify_with_repeats`].
pub fn batch_spans(
    docs: &[Document],
    repeats: &RepeatedLines,
    cfg: &ClassifierConfig,
) -> Vec<Vec<Span>> {
    docs.par_iter()
        .map(|doc| {
            boilerplate_spans(&classify_with_repeats(&doc.text, doc.site.as_deref(), repeats, cfg))
        })
        .collect()
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

/// After a reader salutation, this many prose lines at most belong to the
/// notice: comment, paywall and cookie notices run to a few paragraphs.
const NOTICE_MAX_LINES: usize = 5;

/// A document's lines with their lengths and classes.
struct Classified<'a> {
    lines: Vec<Line<'a>>,
    chars: Vec<usize>,
    /// Good on their own evidence: long, stop-word-dense prose.
    good: Vec<bool>,
    classes: Vec<LineClass>,
}

impl Classified<'_> {
    fn labels(&self) -> Vec<LineLabel> {
        self.lines
            .iter()
            .zip(&self.classes)
            .map(|(line, &class)| LineLabel { start: line.start, end: line.end, class })
            .collect()
    }
}

fn classify_lines<'a>(text: &'a str, cfg: &ClassifierConfig) -> Classified<'a> {
    let lines = lines(text);
    let mut stop = StopWords::default();
    let features: Vec<Features> = lines.iter().map(|l| Features::of(l.text, &mut stop)).collect();
    let mut hits = [0; LANGUAGES];
    let mut words = 0;
    for f in &features {
        words += f.words;
        for (total, h) in hits.iter_mut().zip(f.hits) {
            *total += h;
        }
    }
    let lang = best_language(&hits, words);
    let mut cf: Vec<Cf> =
        lines.iter().zip(&features).map(|(l, f)| context_free(l.text, f, lang, cfg)).collect();
    extend_notices(&mut cf);
    let chars: Vec<usize> = features.iter().map(|f| f.chars).collect();
    let mut classes = smooth::smooth(&cf, &chars, cfg.max_heading_distance);
    keep_body_of_long_documents(text.len(), &lines, &mut classes);
    let good = cf.iter().map(|c| *c == Cf::Good).collect();
    Classified { lines, chars, good, classes }
}

/// In the body of a long document (outside its edge zones: see
/// [`LONG_DOC_MIN_BYTES`]), lines condemned for their length, their few
/// stop words, their context or their look of a menu row are the document's
/// own: dialogue and its speaker labels, verse, headings, tables and
/// exercises, which those rules, made for the furniture of web pages, would
/// take for navigation. Data blobs, share bars, timestamps and notices are
/// still caught there.
fn keep_body_of_long_documents(len: usize, lines: &[Line<'_>], classes: &mut [LineClass]) {
    let Some(zone) = repeat::edge_zone(len) else { return };
    for (line, class) in lines.iter().zip(classes) {
        let body = line.start >= zone && line.end <= len - zone;
        let statistical = matches!(
            class,
            LineClass::Boilerplate(
                Reason::Short | Reason::LowStopwordDensity | Reason::Context | Reason::LinkList
            )
        );
        if body && statistical {
            *class = LineClass::Content;
        }
    }
}

/// A reader notice continues from its salutation through the prose lines
/// right after it, up to [`NOTICE_MAX_LINES`].
fn extend_notices(cf: &mut [Cf]) {
    let mut i = 0;
    while i < cf.len() {
        i += 1;
        if cf[i - 1] != Cf::Bad(Reason::Notice) {
            continue;
        }
        let stop = cf.len().min(i + NOTICE_MAX_LINES);
        while i < stop && matches!(cf[i], Cf::Good | Cf::NearGood | Cf::Short) {
            cf[i] = Cf::Bad(Reason::Notice);
            i += 1;
        }
    }
}

/// Hash maps keyed by xxh3 hashes need no further hashing.
type IdBuild = BuildHasherDefault<IdHasher>;

/// Passes a `u64` key through; other input is folded in, so that the type
/// is a correct `Hasher` for any key, if a slow one.
#[derive(Default)]
struct IdHasher(u64);

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

#[cfg(test)]
mod tests;
