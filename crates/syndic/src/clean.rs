//! Stage 8b: cleaning: cutting boilerplate and repeated passages out of
//! documents.
//!
//! What to cut comes from earlier stages: boilerplate spans
//! ([`crate::boilerplate`]) and, for paragraph-level dedup in the manner of
//! C4 and Dolma, the passages a document shares with an *earlier* document
//! ([`repeated_ranges`] over a [`ReprintResult`]); the first occurrence
//! stays, later ones go. This module only cuts; it decides nothing.
//!
//! ```
//! use syndic::clean::cut;
//! let text = "Menu | Home\nThe story itself.\nShare this\n";
//! assert_eq!(cut(text, &[(0, 11), (30, 40)]), "The story itself.\n");
//! ```

use std::collections::HashMap;

use crate::dedup::PairKind;
use crate::doc::DocId;
use crate::reprint::ReprintResult;

/// `text` without the byte ranges given (in any order; overlaps allowed),
/// each taken together with the whitespace that follows it, so that a cut
/// line leaves no blank line behind. Ranges are clamped to the text and to
/// character boundaries.
pub fn cut(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut sorted: Vec<(usize, usize)> = ranges
        .iter()
        .map(|&(s, e)| {
            (floor_boundary(text, s.min(text.len())), floor_boundary(text, e.min(text.len())))
        })
        .filter(|(s, e)| s < e)
        .collect();
    sorted.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in sorted {
        if start > at {
            out.push_str(&text[at..start]);
        }
        if end > at {
            let rest = &text[end..];
            at = end + (rest.len() - rest.trim_start().len());
        }
    }
    if at < text.len() {
        out.push_str(&text[at..]);
    }
    out
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// For each document, the byte ranges it shares with an earlier document:
/// content passages (not boilerplate) on their later side, and the whole
/// text of exact copies of an earlier document (`lengths` gives the text
/// lengths).
pub fn repeated_ranges(
    result: &ReprintResult,
    lengths: &[u64],
) -> HashMap<DocId, Vec<(usize, usize)>> {
    let mut ranges: HashMap<DocId, Vec<(usize, usize)>> = HashMap::new();
    for p in result.passages.iter().filter(|p| !p.boilerplate) {
        ranges.entry(p.b).or_default().push(p.b_range);
    }
    for pair in result.dedup.pairs.iter().filter(|p| p.kind == PairKind::Exact) {
        ranges.insert(pair.b, vec![(0, lengths[pair.b.as_usize()] as usize)]);
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_table() {
        let text = "Home | News\n\nThe story.\n\nShare: Facebook\n(c) Site\n";
        let cases: &[(&[(usize, usize)], &str)] = &[
            (&[], text),
            (&[(0, 11)], "The story.\n\nShare: Facebook\n(c) Site\n"),
            (&[(25, 40), (41, 49)], "Home | News\n\nThe story.\n\n"),
            // Overlapping and unsorted ranges.
            (&[(41, 49), (25, 45), (0, 5)], "| News\n\nThe story.\n\n"),
            // Out of range is clamped.
            (&[(41, 1000)], "Home | News\n\nThe story.\n\nShare: Facebook\n"),
            (&[(0, text.len())], ""),
        ];
        for &(ranges, expected) in cases {
            assert_eq!(cut(text, ranges), expected, "{ranges:?}");
        }
    }

    #[test]
    fn cut_respects_char_boundaries() {
        // 'é' is two bytes; a range ending inside it is moved back.
        assert_eq!(cut("café au lait", &[(0, 4)]), "é au lait");
    }
}
