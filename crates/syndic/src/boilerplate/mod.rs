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
//! - **The document alone** ([`classify`](fn@classify)), after jusText (Pomikálek,
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

mod classify;
mod repeat;
mod rules;
mod segment;
mod smooth;
mod stopwords;
mod types;

pub use classify::classify;
pub(crate) use repeat::DocKeys;
pub use repeat::{
    batch_spans, classify_with_repeats, LineStats, RepeatedLines, CHAIN_MAX_GAP, DEFAULT_MIN_DOCS,
    DEFAULT_MIN_SITE_DOCS, EDGE_MIN_DOCS, MIN_CORE_CHARS, MIN_DOC_FRACTION, OWN_MAX_GAP,
    REPEAT_MIN_WORDS, SITE_MAX_DOCS,
};
pub use segment::{lines, Line};
pub(crate) use types::IdBuild;
pub use types::{
    boilerplate_spans, content_bytes, ClassifierConfig, LineClass, LineLabel, Reason, Span,
    EDGE_ZONE_BYTES, LONG_DOC_MIN_BYTES,
};

#[cfg(test)]
pub(crate) mod tests;
