//! Stop-word lists and the choice of one for a document.
//!
//! As in jusText, the share of a line's words that are stop words is the
//! strongest single sign of running prose. Each document is judged against
//! the list that matches most of its words; when no list matches at least
//! [`MIN_LANGUAGE_SHARE`] of them (a language we ship no list for), the
//! stop-word test is switched off for that document, as jusText does in its
//! language-independent mode.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::types::IdBuild;

/// The shipped lists, in bit order of [`StopWords::mask`].
const LISTS: [&str; LANGUAGES] = [
    include_str!("stopwords/en.txt"),
    include_str!("stopwords/de.txt"),
    include_str!("stopwords/fr.txt"),
    include_str!("stopwords/es.txt"),
    include_str!("stopwords/it.txt"),
    include_str!("stopwords/pt.txt"),
    include_str!("stopwords/nl.txt"),
];

/// Number of shipped languages.
pub(crate) const LANGUAGES: usize = 7;

/// Below this share of stop words under the best list, a document is taken
/// to be in a language we have no list for. Prose in a listed language
/// scores 0.35–0.55; one language's text scored against another's list
/// (English against German, say) stays under 0.10.
const MIN_LANGUAGE_SHARE: f64 = 0.15;

/// For each stop word (keyed by the hash of its lowercase form), the set of
/// languages whose list holds it; and the longest stop word, in bytes, so
/// that longer words skip the lookup.
static TABLE: LazyLock<(HashMap<u64, u8, IdBuild>, usize)> = LazyLock::new(|| {
    let mut table = HashMap::default();
    let mut longest = 0;
    for (lang, list) in LISTS.iter().enumerate() {
        for word in list.lines().map(str::trim).filter(|w| !w.is_empty() && !w.starts_with('#')) {
            *table.entry(word_hash(word)).or_insert(0) |= 1 << lang;
            longest = longest.max(word.len());
        }
    }
    (table, longest)
});

fn word_hash(lowercase: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(lowercase.as_bytes())
}

/// Looks words up in the stop-word lists, reusing one buffer for lowercasing.
#[derive(Default)]
pub(crate) struct StopWords {
    buf: String,
}

impl StopWords {
    /// The languages whose list holds `word` (one bit each), after
    /// lowercasing it and folding the typographic apostrophe into `'`.
    pub(crate) fn mask(&mut self, word: &str) -> u8 {
        let (table, longest) = &*TABLE;
        // A lowercase form has at least one byte per character.
        if word.len() > *longest && word.chars().count() > *longest {
            return 0;
        }
        self.buf.clear();
        if word.is_ascii() {
            self.buf.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            for c in word.chars() {
                if c == '\u{2019}' {
                    self.buf.push('\'');
                } else {
                    self.buf.extend(c.to_lowercase());
                }
            }
        }
        table.get(&word_hash(&self.buf)).copied().unwrap_or(0)
    }
}

/// The language whose list matched the largest share of `words` words, if
/// that share reaches [`MIN_LANGUAGE_SHARE`]; `hits[l]` counts the words in
/// language `l`'s list.
pub(crate) fn best_language(hits: &[usize; LANGUAGES], words: usize) -> Option<usize> {
    let (lang, &best) = hits.iter().enumerate().max_by_key(|&(l, h)| (h, std::cmp::Reverse(l)))?;
    (words > 0 && best as f64 >= MIN_LANGUAGE_SHARE * words as f64).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_lowercase_and_without_duplicates() {
        for list in LISTS {
            let mut seen = std::collections::HashSet::new();
            for word in list.lines().filter(|w| !w.is_empty() && !w.starts_with('#')) {
                assert_eq!(word, word.to_lowercase(), "{word}");
                assert_eq!(word, word.trim(), "{word:?}");
                assert!(seen.insert(word), "duplicate {word}");
            }
        }
    }

    #[test]
    fn mask_cases() {
        let en = 1u8;
        let de = 1 << 1;
        let fr = 1 << 2;
        let cases = [
            ("the", en),
            ("The", en),
            ("THE", en),
            ("I’d", en),
            ("I'd", en),
            ("und", de),
            ("über", de),
            ("Über", de),
            ("qui", fr),
            ("Medvedev", 0),
            ("", 0),
        ];
        let mut sw = StopWords::default();
        for (word, want) in cases {
            assert_eq!(sw.mask(word), want, "{word}");
        }
        // Words shared by several lists carry several bits.
        assert_eq!(sw.mask("in") & (en | de), en | de);
    }

    #[test]
    fn best_language_cases() {
        let cases: [([usize; LANGUAGES], usize, Option<usize>); 5] = [
            ([40, 3, 2, 1, 1, 1, 2], 100, Some(0)),
            ([2, 38, 1, 0, 0, 0, 9], 100, Some(1)),
            ([5, 3, 2, 1, 1, 1, 2], 100, None),
            ([0; LANGUAGES], 0, None),
            // A tie goes to the earlier list.
            ([20, 20, 0, 0, 0, 0, 0], 100, Some(0)),
        ];
        for (hits, words, want) in cases {
            assert_eq!(best_language(&hits, words), want, "{hits:?}");
        }
    }
}
