//! Stage 2: normalization and tokenization.
//!
//! Turns an original text into a sequence of [`Token`]s: each knows its byte
//! range in the ORIGINAL text (so that passages can be reported with offsets
//! a user can slice with) and the hash of its normalized form (so that
//! shingling, sketching and alignment never look at strings again).
//!
//! Normalization of a token: Unicode NFKC, lower-casing (full Unicode case
//! mapping), and punctuation folding (every character that is not a letter,
//! digit or `_` is dropped, so `U.S.`, `U.S` and `us` agree, as do `don't`,
//! `don’t` and `dont`). Segmentation follows Unicode word boundaries
//! (UAX #29); pure-ASCII texts take a byte-level fast path that implements
//! the same rules (a property test checks they agree). A word broken at a
//! line end by a hyphen is then one token, as if written whole
//! ([`NormalizerConfig::join_hyphenated_line_breaks`]).
//!
//! Scripts written without spaces between words (Han, Hiragana, Katakana,
//! Thai, Lao, Khmer, Myanmar) have no useful word boundaries, so a document
//! in which they make up at least [`NormalizerConfig::char_script_share`] of
//! the letters is tokenized into single characters instead, and shingled
//! into character n-grams. The choice is made per document and reported in
//! [`TokenUnit`].
//!
//! Not for: language identification, stemming or stop-word removal: they
//! change what counts as "the same text" and belong to later stages
//! (boilerplate detection uses stop words; dedup does not).
//!
//! ```
//! use syndic::normalize::{Normalizer, Tokens};
//! let text = "“Don’t panic,” said the U.S. Guide.";
//! let mut tokens = Tokens::default();
//! Normalizer::default().tokenize(text, &mut tokens);
//! let words: Vec<&str> = tokens.iter_normalized().collect();
//! assert_eq!(words, ["dont", "panic", "said", "the", "us", "guide"]);
//! // Offsets point into the original text.
//! let t = &tokens.tokens()[0];
//! assert_eq!(&text[t.start as usize..t.end as usize], "Don’t");
//! ```

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::hash::token_hash;

/// What a token stands for in a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUnit {
    /// Words, by Unicode word boundaries.
    #[default]
    Word,
    /// Single characters, for scripts written without spaces.
    Char,
}

/// One token: a byte range of the original text and the hash of its
/// normalized form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Start byte offset in the original text.
    pub start: u32,
    /// End byte offset (exclusive) in the original text.
    pub end: u32,
    /// [`token_hash`] of the normalized form.
    pub hash: u64,
}

/// The tokens of one document, with the normalized text they were cut from.
///
/// Reuse one `Tokens` per worker thread: [`Normalizer::tokenize`] clears and
/// refills it, so a batch of documents allocates only as its longest member
/// grows the buffers.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    unit: TokenUnit,
    tokens: Vec<Token>,
    hashes: Vec<u64>,
    /// Normalized tokens, each followed by one space: UTF-8, since only
    /// whole characters are pushed. Bytes rather than a `String` so that
    /// the ASCII fast path can lower-case eight bytes at a time.
    normalized: Vec<u8>,
    /// End offset of each token's normalized form in `normalized`.
    normalized_ends: Vec<u32>,
}

impl Tokens {
    /// Whether tokens are words or characters.
    pub fn unit(&self) -> TokenUnit {
        self.unit
    }

    /// The tokens, in text order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The token hashes, in text order (the input of shingling).
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the text had no tokens at all (only punctuation or space).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The normalized text: tokens separated by single spaces. Two documents
    /// with the same normalized text are exact duplicates.
    pub fn normalized(&self) -> &str {
        as_str(self.normalized_bytes())
    }

    /// [`normalized`](Self::normalized) as bytes, without checking that
    /// they are UTF-8: what content hashes take.
    pub fn normalized_bytes(&self) -> &[u8] {
        // Tokens hold letters, digits and `_` only, so the last space is
        // the only white space at the end.
        self.normalized.trim_ascii_end()
    }

    /// Normalized form of each token.
    pub fn iter_normalized(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter_normalized_bytes().map(as_str)
    }

    /// [`iter_normalized`](Self::iter_normalized) as bytes, without
    /// checking that they are UTF-8: what token hashes take.
    pub fn iter_normalized_bytes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0usize;
        self.normalized_ends.iter().map(move |&end| {
            let word = &self.normalized[start..end as usize];
            start = end as usize + 1;
            word
        })
    }

    fn clear(&mut self, unit: TokenUnit) {
        self.unit = unit;
        self.tokens.clear();
        self.hashes.clear();
        self.normalized.clear();
        self.normalized_ends.clear();
    }

    /// Records the token whose normalized form was appended to `normalized`
    /// since `norm_start`; drops it if folding left nothing.
    fn finish_token(&mut self, start: usize, end: usize, norm_start: usize) {
        if self.normalized.len() == norm_start {
            return;
        }
        let hash = token_hash(&self.normalized[norm_start..]);
        self.normalized_ends.push(self.normalized.len() as u32);
        self.normalized.push(b' ');
        self.tokens.push(Token { start: start as u32, end: end as u32, hash });
        self.hashes.push(hash);
    }

    /// Joins each word broken across a line end by a hyphen into one token
    /// (see [`NormalizerConfig::join_hyphenated_line_breaks`]): its range
    /// runs from the first half's start to the last half's end, its
    /// normalized form is the halves' forms run together. Works in place,
    /// from the first broken word on: a joined word drops one space from
    /// the normalized text, so writing never overtakes reading.
    fn join_hyphenated_line_breaks(&mut self, text: &str) {
        let Some(first) =
            (1..self.tokens.len()).find(|&i| breaks_word(text, self.tokens[i - 1], self.tokens[i]))
        else {
            return;
        };
        let mut kept = first;
        let mut write = self.normalized_ends[first - 1] as usize + 1;
        let mut read = write;
        for i in first..self.tokens.len() {
            let token = self.tokens[i];
            let word = read..self.normalized_ends[i] as usize;
            read = word.end + 1;
            let joins = breaks_word(text, self.tokens[kept - 1], token);
            if joins {
                // The space between the halves goes: they are one word.
                write -= 1;
            }
            let len = word.len();
            self.normalized.copy_within(word, write);
            write += len;
            if joins {
                let word_start =
                    if kept >= 2 { self.normalized_ends[kept - 2] as usize + 1 } else { 0 };
                let hash = token_hash(&self.normalized[word_start..write]);
                let joined = &mut self.tokens[kept - 1];
                joined.end = token.end;
                joined.hash = hash;
                self.hashes[kept - 1] = hash;
                self.normalized_ends[kept - 1] = write as u32;
            } else {
                self.tokens[kept] = token;
                self.hashes[kept] = token.hash;
                self.normalized_ends[kept] = write as u32;
                kept += 1;
            }
            self.normalized[write] = b' ';
            write += 1;
        }
        self.tokens.truncate(kept);
        self.hashes.truncate(kept);
        self.normalized_ends.truncate(kept);
        self.normalized.truncate(write);
    }
}

/// Whether `next` continues the word `prev` broke at a line end: between
/// them a hyphen (`-`, `‐` or the `¬` of some transcriptions), then one line
/// break, with only spaces or tabs around it; `prev` ends in a letter and
/// `next` starts with a lower-case one, or both are in capitals (a word
/// set in capitals, as datelines and headlines are). So "1990-" + "91" and
/// a line ending "Smith-" before "Jones" stay apart.
fn breaks_word(text: &str, prev: Token, next: Token) -> bool {
    let (end, start) = (prev.end as usize, next.start as usize);
    // The first byte of every accepted hyphen: most word pairs stop here.
    if !matches!(text.as_bytes().get(end), Some(b'-' | 0xE2 | 0xC2)) {
        return false;
    }
    let Some(rest) = text[end..start].strip_prefix(['-', '\u{2010}', '\u{ac}']) else {
        return false;
    };
    let is_blank = |c: char| matches!(c, ' ' | '\t' | '\r');
    let Some(rest) = rest.trim_start_matches(is_blank).strip_prefix('\n') else {
        return false;
    };
    if !rest.trim_start_matches(is_blank).is_empty() {
        return false;
    }
    let (Some(last), Some(first)) = (text[..end].chars().next_back(), text[start..].chars().next())
    else {
        return false;
    };
    last.is_alphabetic() && (first.is_lowercase() || (last.is_uppercase() && first.is_uppercase()))
}

/// Normalized text, which is UTF-8 by construction.
fn as_str(normalized: &[u8]) -> &str {
    std::str::from_utf8(normalized).expect("normalized text is pushed as whole characters")
}

/// Settings of the normalizer.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NormalizerConfig {
    /// Share of letters in scripts written without spaces above which a
    /// document is tokenized into characters. Default 0.3: Japanese text
    /// mixes kana and kanji with Latin words and numbers, and still needs
    /// character tokens.
    pub char_script_share: f64,
    /// Whether a word broken across a line end by a hyphen ("impor-" at
    /// the end of one line, "tant" at the start of the next) is one token,
    /// as if the hyphen and line break were not there. Default on: scanned
    /// and OCR'd text keeps its typesetter's line breaks, and each copy of a
    /// text breaks its lines at other words, so the halves would otherwise
    /// stand where the other copy has the whole word. A compound hyphen that
    /// happens to end a line is joined too ("well-" + "known" gives
    /// "wellknown"); that costs a match only where the other copy writes
    /// the compound mid-line, far rarer than broken words in print.
    pub join_hyphenated_line_breaks: bool,
}

impl Default for NormalizerConfig {
    fn default() -> Self {
        Self { char_script_share: 0.3, join_hyphenated_line_breaks: true }
    }
}

/// Tokenizes and normalizes texts. Cheap to copy; holds only settings.
#[derive(Clone, Copy, Debug, Default)]
pub struct Normalizer {
    config: NormalizerConfig,
}

impl Normalizer {
    /// A normalizer with these settings.
    pub fn new(config: NormalizerConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &NormalizerConfig {
        &self.config
    }

    /// Tokenizes `text` into `out` (cleared first).
    ///
    /// Texts are limited to 4 GiB because offsets are `u32`; the readers
    /// enforce a much lower document size limit.
    pub fn tokenize(&self, text: &str, out: &mut Tokens) {
        assert!(text.len() <= u32::MAX as usize, "document larger than 4 GiB");
        if text.is_ascii() {
            out.clear(TokenUnit::Word);
            tokenize_ascii(text, 0, out);
        } else if self.uses_char_tokens(text) {
            out.clear(TokenUnit::Char);
            tokenize_chars(text, out);
            return;
        } else {
            out.clear(TokenUnit::Word);
            tokenize_mixed(text, out);
        }
        if self.config.join_hyphenated_line_breaks {
            out.join_hyphenated_line_breaks(text);
        }
    }

    /// Whether `text` is mostly in scripts written without spaces.
    pub fn uses_char_tokens(&self, text: &str) -> bool {
        // Every character of those scripts takes at least three bytes in
        // UTF-8. When even reading every non-ASCII byte that way could not
        // reach the share, no character needs decoding: this keeps English
        // with curly quotes on the fast path.
        let (non_ascii, ascii_letters) = count_non_ascii_and_letters(text.as_bytes());
        let most_unspaced = non_ascii / 3;
        if (most_unspaced as f64)
            < self.config.char_script_share * (ascii_letters + most_unspaced) as f64
        {
            return false;
        }
        let (mut letters, mut unspaced) = (0usize, 0usize);
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            letters += 1;
            if is_unspaced_script(c) {
                unspaced += 1;
            }
        }
        letters > 0 && unspaced as f64 >= self.config.char_script_share * letters as f64
    }
}

/// The bytes of `bytes` that are not ASCII, and the ASCII letters. Counted
/// in `u8` over blocks of 255 bytes, which vectorizes 32 bytes a step;
/// counting into `usize` did not, and took a twentieth of the time of
/// deduplicating English books (issue 16).
fn count_non_ascii_and_letters(bytes: &[u8]) -> (usize, usize) {
    let (mut non_ascii, mut letters) = (0, 0);
    for block in bytes.chunks(255) {
        let (mut block_non_ascii, mut block_letters) = (0u8, 0u8);
        for &b in block {
            block_non_ascii += u8::from(b >= 0x80);
            block_letters += u8::from(b.is_ascii_alphabetic());
        }
        non_ascii += usize::from(block_non_ascii);
        letters += usize::from(block_letters);
    }
    (non_ascii, letters)
}

/// Scripts conventionally written without spaces between words.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x2FA1F) // CJK extensions B..F, compatibility supplement
}

#[inline]
fn is_ascii_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// UAX #29 for ASCII: letters, digits and `_` form words; `.`, `'` and `:`
/// join two letters (WB6/WB7), `.`, `'`, `,` and `;` join two digits
/// (WB11/WB12); letters and digits join each other (WB9/WB10).
#[inline]
fn ascii_joins(prev: u8, mid: u8, next: u8) -> bool {
    (prev.is_ascii_alphabetic() && next.is_ascii_alphabetic() && matches!(mid, b'.' | b'\'' | b':'))
        || (prev.is_ascii_digit()
            && next.is_ascii_digit()
            && matches!(mid, b'.' | b'\'' | b',' | b';'))
}

/// Mostly-ASCII text (English with curly quotes, say): UAX #29 never joins
/// across white space, so each white-space-separated chunk is segmented on
/// its own, and the chunks with a non-ASCII byte are the only ones that
/// need the Unicode rules. The ASCII text between them goes to the fast
/// path in one piece (it ends words at white space too), found by looking
/// for the next non-ASCII byte rather than cutting every chunk apart: the
/// latter cost a tenth of the time of deduplicating English books
/// (issue 16).
fn tokenize_mixed(text: &str, out: &mut Tokens) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let Some(at) = next_non_ascii(bytes, start) else {
            tokenize_ascii(&text[start..], start, out);
            return;
        };
        // `start` is 0 or follows a chunk, so it begins a chunk: the ASCII
        // text before the chunk holding `at` is whole chunks.
        let chunk_start = bytes[start..at]
            .iter()
            .rposition(u8::is_ascii_whitespace)
            .map_or(start, |i| start + i + 1);
        let chunk_end =
            bytes[at..].iter().position(u8::is_ascii_whitespace).map_or(bytes.len(), |i| at + i);
        tokenize_ascii(&text[start..chunk_start], start, out);
        tokenize_unicode_words(&text[chunk_start..chunk_end], chunk_start, out);
        start = chunk_end;
    }
}

/// The position of the first byte at or after `from` that is not ASCII.
fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    // `is_ascii` reads a word at a time; the byte is then found in a block.
    const BLOCK: usize = 64;
    let mut block_start = from;
    for block in bytes[from..].chunks(BLOCK) {
        if !block.is_ascii() {
            return block.iter().position(|b| !b.is_ascii()).map(|i| block_start + i);
        }
        block_start += block.len();
    }
    None
}

/// Eight copies of `b`.
const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

const HIGH_BITS: u64 = splat(0x80);

/// The high bit of each byte of `x` that is at least `lo`, for `x` whose
/// bytes are below 0x80: the sum then stays within each byte.
#[inline]
fn bytes_at_least(x: u64, lo: u8) -> u64 {
    (x + splat(0x80 - lo)) & HIGH_BITS
}

/// The high bit of each byte of `x` in `lo..=hi`, for `x` as above.
#[inline]
fn bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    bytes_at_least(x, lo) & !bytes_at_least(x, hi + 1)
}

/// The high bit of each of the eight bytes of `chunk` (little-endian) that
/// is not a word byte ([`is_ascii_word_byte`]), for all eight at once.
#[inline]
fn non_word_bytes(chunk: u64) -> u64 {
    let x = chunk & !HIGH_BITS;
    let digits = bytes_in(x, b'0', b'9');
    // Setting 0x20 maps `A`..=`Z` onto `a`..=`z`, and no other byte there.
    let letters = bytes_in(x | splat(0x20), b'a', b'z');
    // A byte of `x ^ '_'` is zero just when adding 0x7F leaves it below 0x80.
    let underscores = !((x ^ splat(b'_')) + splat(0x7F)) & HIGH_BITS;
    // Bytes with the high bit set are not ASCII, so not word bytes.
    (!(digits | letters | underscores) | chunk) & HIGH_BITS
}

/// Eight bytes of ASCII with `A`..=`Z` lower-cased.
#[inline]
fn ascii_lowercase8(chunk: u64) -> u64 {
    let upper = bytes_in(chunk & !HIGH_BITS, b'A', b'Z') & !chunk;
    // 0x80 >> 2 is the bit that tells lower case from upper.
    chunk | (upper >> 2)
}

/// The first byte at or after `i` that is not a word byte, or the end.
#[inline]
fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes[i..].first_chunk::<8>() {
        let non_word = non_word_bytes(u64::from_le_bytes(*chunk));
        if non_word != 0 {
            return i + non_word.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| !is_ascii_word_byte(b)).map_or(bytes.len(), |at| i + at)
}

/// Appends `word` (ASCII) lower-cased to `out`, eight bytes at a time. A
/// chunk may read past the word, within `bytes`; what it appends past the
/// word is cut off again.
#[inline]
fn push_ascii_lowercase(bytes: &[u8], word: std::ops::Range<usize>, out: &mut Vec<u8>) {
    let end = out.len() + word.len();
    let mut at = word.start;
    while at < word.end {
        let chunk = match bytes[at..].first_chunk::<8>() {
            Some(chunk) => *chunk,
            None => {
                let mut chunk = [0; 8];
                chunk[..bytes.len() - at].copy_from_slice(&bytes[at..]);
                chunk
            }
        };
        out.extend_from_slice(&ascii_lowercase8(u64::from_le_bytes(chunk)).to_le_bytes());
        at += 8;
    }
    out.truncate(end);
}

/// Tokenizes ASCII `text`, which starts at byte `base` of the document.
///
/// Words are found and lower-cased eight bytes at a time: byte by byte,
/// this took a quarter of the time of deduplicating English books
/// (issue 16).
fn tokenize_ascii(text: &str, base: usize, out: &mut Tokens) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        if !is_ascii_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut joined = false;
        loop {
            i = word_end(bytes, i);
            if i + 1 < n && ascii_joins(bytes[i - 1], bytes[i], bytes[i + 1]) {
                joined = true;
                i += 1;
                continue;
            }
            break;
        }
        // Joins need a letter or digit on each side, so only a word that is
        // not joined can be all `_`, and then it starts with one.
        if bytes[start] == b'_' && bytes[start..i].iter().all(|&b| b == b'_') {
            continue;
        }
        let norm_start = out.normalized.len();
        if joined {
            out.normalized.extend(
                bytes[start..i]
                    .iter()
                    .filter(|&&b| is_ascii_word_byte(b))
                    .map(u8::to_ascii_lowercase),
            );
        } else {
            push_ascii_lowercase(bytes, start..i, &mut out.normalized);
        }
        out.finish_token(base + start, base + i, norm_start);
    }
}

/// Appends the folded form of `word`: NFKC, lower case, letters, digits and
/// `_` only.
fn push_folded(word: &str, normalized: &mut Vec<u8>) {
    let mut buf = [0; 4];
    for c in word.nfkc() {
        for lower in c.to_lowercase() {
            if lower.is_alphanumeric() || lower == '_' {
                normalized.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Tokenizes `text`, which starts at byte `base` of the document.
fn tokenize_unicode_words(text: &str, base: usize, out: &mut Tokens) {
    for (start, word) in text.unicode_word_indices() {
        let norm_start = out.normalized.len();
        push_folded(word, &mut out.normalized);
        out.finish_token(base + start, base + start + word.len(), norm_start);
    }
}

fn tokenize_chars(text: &str, out: &mut Tokens) {
    let mut buf = [0u8; 4];
    for (start, c) in text.char_indices() {
        if !(c.is_alphanumeric() || c == '_') {
            continue;
        }
        let norm_start = out.normalized.len();
        push_folded(c.encode_utf8(&mut buf), &mut out.normalized);
        out.finish_token(start, start + c.len_utf8(), norm_start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<String> {
        let mut tokens = Tokens::default();
        Normalizer::default().tokenize(text, &mut tokens);
        tokens.iter_normalized().map(str::to_owned).collect()
    }

    fn spans(text: &str) -> Vec<&str> {
        let mut tokens = Tokens::default();
        Normalizer::default().tokenize(text, &mut tokens);
        tokens.tokens().iter().map(|t| &text[t.start as usize..t.end as usize]).collect()
    }

    #[test]
    fn normalization_table() {
        let cases: &[(&str, &[&str])] = &[
            ("Hello, World!", &["hello", "world"]),
            ("U.S. troops", &["us", "troops"]),
            ("don't DON’T dont", &["dont", "dont", "dont"]),
            ("1,000.50 dollars", &["100050", "dollars"]),
            ("e-mail", &["e", "mail"]),
            ("snake_case", &["snake_case"]),
            ("ﬁnance Ｆｕｌｌ", &["finance", "full"]),
            ("Straße STRASSE", &["straße", "strasse"]),
            ("...", &[]),
            ("", &[]),
            ("a.1", &["a", "1"]),
        ];
        for &(input, expected) in cases {
            assert_eq!(words(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn offsets_are_into_the_original_text() {
        assert_eq!(spans("“I’d like,” he said."), ["I’d", "like", "he", "said"]);
        assert_eq!(spans("  GORKI - United  "), ["GORKI", "United"]);
    }

    /// issue 16: a word broken at a line end by a hyphen is one token,
    /// spanning both halves in the original text.
    #[test]
    fn issue16_hyphenated_line_breaks_table() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("impor-\ntant news", &["important", "news"], &["impor-\ntant", "news"]),
            ("impor- \r\n  tant", &["important"], &["impor- \r\n  tant"]),
            ("Im-\npor-\ntant", &["important"], &["Im-\npor-\ntant"]),
            ("a com‐\nmon ¬\nword", &["a", "common", "word"], &["a", "com‐\nmon", "word"]),
            ("wie¬\nder", &["wieder"], &["wie¬\nder"]),
            ("con-¬\nnect", &["con", "nect"], &["con", "nect"]),
            ("été-\nrieur", &["étérieur"], &["été-\nrieur"]),
            // Not a broken word: a paragraph ends, or the next word is a
            // name, a number or punctuation, or no line ends.
            ("impor-\n\ntant", &["impor", "tant"], &["impor", "tant"]),
            ("Smith-\nJones", &["smith", "jones"], &["Smith", "Jones"]),
            ("IMPOR-\nTANT", &["important"], &["IMPOR-\nTANT"]),
            ("impor-\nTANT", &["impor", "tant"], &["impor", "TANT"]),
            ("1990-\n91", &["1990", "91"], &["1990", "91"]),
            ("it-\n“quoted”", &["it", "quoted"], &["it", "quoted"]),
            ("e-mail", &["e", "mail"], &["e", "mail"]),
            ("word -\nnext", &["word", "next"], &["word", "next"]),
            ("word\nnext", &["word", "next"], &["word", "next"]),
        ];
        for &(input, expected, expected_spans) in cases {
            assert_eq!(words(input), expected, "input {input:?}");
            assert_eq!(spans(input), expected_spans, "input {input:?}");
        }
    }

    /// issue 16: joined words hash as the word written whole, so the
    /// normalized text, content hash and every token hash are those of the
    /// text without the breaks; with the setting off, nothing is joined.
    #[test]
    fn issue16_broken_words_tokenize_as_whole_ones() {
        let broken = "The Governor an-\nnounced to-\nday that the har-\nvest was poor.";
        let whole = "The Governor announced today that the harvest was poor.";
        let (mut a, mut b) = (Tokens::default(), Tokens::default());
        Normalizer::default().tokenize(broken, &mut a);
        Normalizer::default().tokenize(whole, &mut b);
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a.hashes(), b.hashes());
        assert_eq!(a.iter_normalized().count(), a.len());
        let off = NormalizerConfig { join_hyphenated_line_breaks: false, ..Default::default() };
        Normalizer::new(off).tokenize(broken, &mut a);
        assert_eq!(a.len(), b.len() + 3);
        assert!(a.normalized().contains("an nounced"));
    }

    #[test]
    fn unspaced_scripts_get_character_tokens() {
        let cases: &[(&str, TokenUnit, usize)] = &[
            ("潘基文会见梅德韦杰夫", TokenUnit::Char, 10),
            ("東京は晴れ。", TokenUnit::Char, 5),
            ("ภาษาไทย", TokenUnit::Char, 7),
            ("Привет, мир", TokenUnit::Word, 2),
            ("Ban Ki-moon 潘基文", TokenUnit::Word, 6),
            ("潘基文 Ban", TokenUnit::Char, 6),
        ];
        for &(input, unit, count) in cases {
            let mut tokens = Tokens::default();
            Normalizer::default().tokenize(input, &mut tokens);
            assert_eq!((tokens.unit(), tokens.len()), (unit, count), "input {input:?}");
        }
    }

    #[test]
    fn normalized_text_identifies_exact_copies() {
        let mut a = Tokens::default();
        let mut b = Tokens::default();
        Normalizer::default().tokenize("The  cat\nsat.", &mut a);
        Normalizer::default().tokenize("the cat — SAT", &mut b);
        assert_eq!(a.normalized(), "the cat sat");
        assert_eq!(a.normalized(), b.normalized());
    }

    /// issue 16: the eight-byte classes and lower-casing agree with the
    /// byte-wise ones, for every byte in every position.
    #[test]
    fn issue16_eight_bytes_at_a_time_match_byte_by_byte() {
        for filler in [b'a', b' ', b'Q', 0xFF] {
            for position in 0..8 {
                for byte in 0..=255u8 {
                    let mut chunk = [filler; 8];
                    chunk[position] = byte;
                    let word = u64::from_le_bytes(chunk);
                    let expected: [u8; 8] =
                        chunk.map(|b| if is_ascii_word_byte(b) { 0 } else { 0x80 });
                    assert_eq!(non_word_bytes(word), u64::from_le_bytes(expected), "{chunk:?}");
                    if chunk.is_ascii() {
                        let lower = chunk.map(|b| b.to_ascii_lowercase());
                        assert_eq!(ascii_lowercase8(word), u64::from_le_bytes(lower), "{chunk:?}");
                    }
                }
            }
        }
    }

    proptest! {
        /// issue 16: the block-wise count is the plain count.
        #[test]
        fn issue16_block_counts_match_plain_counts(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
            let plain = (
                bytes.iter().filter(|&&b| b >= 0x80).count(),
                bytes.iter().filter(|b| b.is_ascii_alphabetic()).count(),
            );
            prop_assert_eq!(count_non_ascii_and_letters(&bytes), plain);
        }

        /// Chunking at white space and taking the fast path for ASCII chunks
        /// segments mixed text exactly as UAX #29 over the whole text does.
        #[test]
        fn mixed_path_matches_uax29(text in "[ab1_ .',:;\\-\n’é“”\u{a0}漢]{0,40}") {
            let mut mixed = Tokens::default();
            tokenize_mixed(&text, &mut mixed);
            let mut reference = Tokens::default();
            tokenize_unicode_words(&text, 0, &mut reference);
            prop_assert_eq!(mixed.tokens(), reference.tokens());
            prop_assert_eq!(mixed.normalized(), reference.normalized());
        }

        /// issue 16: the ASCII fast path, which reads eight bytes at a time,
        /// segments and lower-cases words of any length as UAX #29 does.
        #[test]
        fn issue16_long_ascii_words_match_uax29(text in "[a-zA-Z0-9_ .',:;\\-\n]{0,80}") {
            ascii_matches_uax29(&text)?;
        }

        /// issue 16: breaking words of a text across lines with hyphens,
        /// anywhere, leaves its tokens' hashes and normalized text as they
        /// were, and each token's range still covers its word.
        #[test]
        fn issue16_line_break_hyphens_are_invisible(
            words in prop::collection::vec("[a-zé]{2,9}", 1..30),
            breaks in prop::collection::vec((any::<bool>(), 1usize..8, "[ \t]{0,2}\r?\n[ \t]{0,2}"), 30),
        ) {
            let whole = words.join(" ");
            let mut broken = String::new();
            for (word, (split, at, line_end)) in words.iter().zip(&breaks) {
                let at = word.char_indices().nth(*at).map(|(i, _)| i);
                match at {
                    Some(at) if *split => {
                        broken.push_str(&word[..at]);
                        broken.push('-');
                        broken.push_str(line_end);
                        broken.push_str(&word[at..]);
                    }
                    _ => broken.push_str(word),
                }
                broken.push(' ');
            }
            let (mut a, mut b) = (Tokens::default(), Tokens::default());
            Normalizer::default().tokenize(&broken, &mut a);
            Normalizer::default().tokenize(&whole, &mut b);
            prop_assert_eq!(a.normalized(), b.normalized());
            prop_assert_eq!(a.hashes(), b.hashes());
            for (token, word) in a.tokens().iter().zip(&words) {
                let span: String = broken[token.start as usize..token.end as usize]
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .collect();
                prop_assert_eq!(&span, word);
            }
        }

        /// The ASCII fast path segments exactly as UAX #29 does.
        #[test]
        fn ascii_fast_path_matches_uax29(text in "[ab1_ .',:;\\-\n]{0,40}") {
            ascii_matches_uax29(&text)?;
        }
    }

    fn ascii_matches_uax29(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut fast = Tokens::default();
        tokenize_ascii(text, 0, &mut fast);
        let mut reference = Tokens::default();
        tokenize_unicode_words(text, 0, &mut reference);
        prop_assert_eq!(fast.tokens(), reference.tokens());
        prop_assert_eq!(fast.normalized(), reference.normalized());
        Ok(())
    }
}
