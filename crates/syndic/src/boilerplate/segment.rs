//! Splitting a document into the units that get labelled.
//!
//! Web text (and WET records) put one block of the page on each line, so
//! there a unit is a line. Books, mail and old newswire text are hard-wrapped
//! at 60–80 columns, so a line there is a fragment of a sentence; jusText's
//! length and stop-word rules judge a fragment badly (every line is "short"),
//! and a licence paragraph re-wrapped differently would hash differently. A
//! document is therefore treated as hard-wrapped when nearly all of its lines
//! fit in 100 characters and half of them are at least 30 long; its units are
//! then paragraphs, which end at a blank line, or where a line is indented
//! further than the one above: the newswire style of marking paragraphs.
//! That second rule is dropped in a block (between blank lines) where more
//! than a quarter of the lines are indented further than their predecessor,
//! as in verse that indents every other line, whose stanzas must stay whole.

/// One unit of a document: a line, or a paragraph of a hard-wrapped text.
///
/// `start..end` is a byte range into the original text with the surrounding
/// whitespace trimmed; a paragraph's range includes its inner line breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// Byte offset of the first non-whitespace character.
    pub start: usize,
    /// Byte offset just past the last non-whitespace character.
    pub end: usize,
    /// `&text[start..end]`.
    pub text: &'a str,
}

/// Lines longer than this many characters do not occur in hard-wrapped text.
const WRAPPED_MAX_CHARS: usize = 100;
/// The median line of a hard-wrapped text is at least this long; menus and
/// lists of short items, which must stay one unit a line, are not.
const WRAPPED_MIN_MEDIAN: usize = 30;
/// Fewer non-blank lines than this say nothing about wrapping.
const WRAPPED_MIN_LINES: usize = 4;

/// Splits `text` into its non-empty lines, or into paragraphs when the text
/// is hard-wrapped (see the module notes). Lines end at `\n`; a `\r` before
/// it is trimmed with the other whitespace. O(text).
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    if !is_hard_wrapped(text) {
        out.extend(raw_lines(text).flatten().map(|raw| make(text, raw.start, raw.end)));
        return out;
    }
    // The lines of the block (between blank lines) being read.
    let mut block = Vec::new();
    for raw in raw_lines(text) {
        match raw {
            Some(raw) => block.push(raw),
            None => split_block(text, &mut block, &mut out),
        }
    }
    split_block(text, &mut block, &mut out);
    out
}

/// Appends the paragraphs of one block of a hard-wrapped text to `out`, and
/// empties the block.
fn split_block<'a>(text: &'a str, block: &mut Vec<RawLine>, out: &mut Vec<Line<'a>>) {
    let deeper = block.windows(2).filter(|w| w[1].indent > w[0].indent).count();
    let indent_splits = deeper * 4 <= block.len();
    let mut lines = block.drain(..);
    let Some(first) = lines.next() else { return };
    let (mut start, mut end, mut indent) = (first.start, first.end, first.indent);
    for raw in lines {
        if indent_splits && raw.indent > indent {
            out.push(make(text, start, end));
            start = raw.start;
        }
        (end, indent) = (raw.end, raw.indent);
    }
    out.push(make(text, start, end));
}

fn make(text: &str, start: usize, end: usize) -> Line<'_> {
    Line { start, end, text: &text[start..end] }
}

/// A non-blank physical line: its trimmed range, and its indentation (bytes
/// of leading whitespace).
struct RawLine {
    start: usize,
    end: usize,
    indent: usize,
}

/// The physical lines of `text`: `None` for a blank one.
fn raw_lines(text: &str) -> impl Iterator<Item = Option<RawLine>> + '_ {
    let mut pos = 0;
    text.split('\n').map(move |line| {
        let line_start = pos;
        pos += line.len() + 1;
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let body = body.trim_end();
        (!body.is_empty()).then(|| RawLine {
            start: line_start + indent,
            end: line_start + indent + body.len(),
            indent,
        })
    })
}

/// Whether nearly all non-blank lines fit in [`WRAPPED_MAX_CHARS`] and the
/// median one is at least [`WRAPPED_MIN_MEDIAN`] characters long (counting
/// indentation, which is part of the wrap width).
fn is_hard_wrapped(text: &str) -> bool {
    // Histogram of line lengths: 0..=100, and one bucket for longer lines.
    let mut hist = [0usize; WRAPPED_MAX_CHARS + 2];
    let mut lines = 0usize;
    for raw in raw_lines(text).flatten() {
        let chars = char_count(&text[raw.start - raw.indent..raw.end]);
        hist[chars.min(WRAPPED_MAX_CHARS + 1)] += 1;
        lines += 1;
    }
    // At most 2% of lines may be longer (a URL, a table row).
    if lines < WRAPPED_MIN_LINES || hist[WRAPPED_MAX_CHARS + 1] * 50 > lines {
        return false;
    }
    let mut below = 0;
    for (len, count) in hist.iter().enumerate() {
        below += count;
        if below * 2 >= lines {
            return len >= WRAPPED_MIN_MEDIAN;
        }
    }
    false
}

/// Characters in `s`: bytes that do not continue a UTF-8 sequence.
pub(crate) fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        lines(text).into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn ranges_point_into_the_original_text() {
        let text = "  World \r\n\n\u{a0}\u{a0}\nPolitics\t\n  last";
        let got = lines(text);
        assert_eq!(got.len(), 3);
        for l in &got {
            assert_eq!(&text[l.start..l.end], l.text);
        }
        assert_eq!(texts(text), ["World", "Politics", "last"]);
        assert_eq!(got[0].start, 2);
    }

    #[test]
    fn segmentation_cases() {
        let wrapped_para = "It was the best of times, it was the worst of times, it was\n\
                            the age of wisdom, it was the age of foolishness, it was the\n\
                            epoch of belief, it was the epoch of incredulity, it was the\n\
                            season of Light.";
        let long = "x".repeat(150);
        let verse = "To pipe again of passion! fold thy wings\n    O'er daring Icarus and bid thy feet\n\
                     Sleep hidden in the lyre's silent strings\n    Till thou hast found the old Castalian \
                     rill,\nOr the Sicilian meadows, and the music sweet.".to_string();
        let cases: Vec<(&str, String, Vec<String>)> = vec![
            ("empty", String::new(), vec![]),
            ("only whitespace", " \n\t\r\n \u{a0}".into(), vec![]),
            ("no trailing newline", "a\nb".into(), vec!["a".into(), "b".into()]),
            (
                "short lines stay lines",
                "Home\nNews\nSport\nWeather\nAbout".into(),
                vec![
                    "Home".into(),
                    "News".into(),
                    "Sport".into(),
                    "Weather".into(),
                    "About".into(),
                ],
            ),
            (
                "hard-wrapped text is joined into paragraphs",
                format!("{wrapped_para}\n\n{wrapped_para}"),
                vec![wrapped_para.into(), wrapped_para.into()],
            ),
            (
                "a deeper indent starts a paragraph (newswire style)",
                format!("{wrapped_para}\n    {wrapped_para}\n Reuter"),
                vec![wrapped_para.into(), wrapped_para.into(), "Reuter".into()],
            ),
            (
                "verse indenting every other line keeps its stanzas",
                format!("{verse}\n\n{verse}"),
                vec![verse.clone(), verse.clone()],
            ),
            (
                "long lines mean one unit a line",
                format!("{long}\n{long}\nshort line\n{long}"),
                vec![long.clone(), long.clone(), "short line".into(), long.clone()],
            ),
        ];
        for (name, text, want) in cases {
            assert_eq!(texts(&text), want, "{name}");
        }
    }

    #[test]
    fn char_count_counts_scalars() {
        assert_eq!(char_count("abc"), 3);
        assert_eq!(char_count("I’d é 字"), 7);
        assert_eq!(char_count(""), 0);
    }
}
