//! Splitting a document into the units that get labelled.
//!
//! Web text (and WET records) put one block of the page on each line, so
//! there a unit is a line. Books, mail and old newswire text are hard-wrapped
//! at 60–80 columns, so a line there is a fragment of a sentence; jusText's
//! length and stop-word rules judge a fragment badly (every line is "short"),
//! and a licence paragraph re-wrapped differently would hash differently. A
//! document is therefore treated as hard-wrapped when nearly all of its lines
//! fit in 100 characters and half of them are at least 30 long; its units are
//! then paragraphs, which end at a blank line or where a line is indented
//! further than the one above (the newswire style of marking paragraphs).

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
/// it is trimmed with the other whitespace. O(text), one allocation.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let wrapped = is_hard_wrapped(text);
    let mut out = Vec::new();
    // The paragraph being built in wrapped mode: its range and the
    // indentation of its last line.
    let mut open: Option<(usize, usize, usize)> = None;
    for raw in raw_lines(text) {
        let Some(raw) = raw else {
            if let Some((start, end, _)) = open.take() {
                out.push(make(text, start, end));
            }
            continue;
        };
        if !wrapped {
            out.push(make(text, raw.start, raw.end));
            continue;
        }
        match open {
            Some((start, _, indent)) if raw.indent <= indent => {
                open = Some((start, raw.end, raw.indent));
            }
            _ => {
                if let Some((start, end, _)) = open.take() {
                    out.push(make(text, start, end));
                }
                open = Some((raw.start, raw.end, raw.indent));
            }
        }
    }
    if let Some((start, end, _)) = open {
        out.push(make(text, start, end));
    }
    out
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
    if lines < WRAPPED_MIN_LINES {
        return false;
    }
    // At most 2% of lines may be longer (a URL, a table row).
    if hist[WRAPPED_MAX_CHARS + 1] * 50 > lines {
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
        let cases: Vec<(&str, String, Vec<String>)> = vec![
            ("empty", String::new(), vec![]),
            ("only whitespace", " \n\t\r\n \u{a0}".into(), vec![]),
            ("no trailing newline", "a\nb".into(), vec!["a".into(), "b".into()]),
            ("short lines stay lines", "Home\nNews\nSport\nWeather\nAbout".into(), vec![
                "Home".into(),
                "News".into(),
                "Sport".into(),
                "Weather".into(),
                "About".into(),
            ]),
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
