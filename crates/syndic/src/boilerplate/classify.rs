//! The single-page classifier: labels each line of a document from the
//! document alone, after jusText (see the module notes of
//! [`crate::boilerplate`]): context-free rules per line ([`super::rules`]),
//! reader notices, context smoothing ([`super::smooth`]), and the body of a
//! long document kept. Repetition across documents is
//! [`super::repeat`]'s, which starts from these labels.

use super::rules::{context_free, Cf, Features};
use super::segment::{lines, Line};
use super::smooth;
use super::stopwords::{best_language, StopWords, LANGUAGES};
use super::types::{edge_zone, ClassifierConfig, LineClass, LineLabel, Reason};

/// Labels each line of `text` from the document alone: O(text).
pub fn classify(text: &str, cfg: &ClassifierConfig) -> Vec<LineLabel> {
    classify_lines(text, cfg).labels()
}

/// After a reader salutation, this many prose lines at most belong to the
/// notice: comment, paywall and cookie notices run to a few paragraphs.
const NOTICE_MAX_LINES: usize = 5;

/// A document's lines with their lengths and classes.
pub(super) struct Classified<'a> {
    pub(super) lines: Vec<Line<'a>>,
    pub(super) chars: Vec<usize>,
    /// Good on their own evidence: long, stop-word-dense prose.
    pub(super) good: Vec<bool>,
    pub(super) classes: Vec<LineClass>,
}

impl Classified<'_> {
    pub(super) fn labels(&self) -> Vec<LineLabel> {
        self.lines
            .iter()
            .zip(&self.classes)
            .map(|(line, &class)| LineLabel { start: line.start, end: line.end, class })
            .collect()
    }
}

pub(super) fn classify_lines<'a>(text: &'a str, cfg: &ClassifierConfig) -> Classified<'a> {
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
/// [`LONG_DOC_MIN_BYTES`](super::LONG_DOC_MIN_BYTES)), lines condemned for their length, their few
/// stop words, their context or their look of a menu row are the document's
/// own: dialogue and its speaker labels, verse, headings, tables and
/// exercises, which those rules, made for the furniture of web pages, would
/// take for navigation. Data blobs, share bars, timestamps and notices are
/// still caught there.
fn keep_body_of_long_documents(len: usize, lines: &[Line<'_>], classes: &mut [LineClass]) {
    let Some(zone) = edge_zone(len) else { return };
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
