//! Stage 2b: shingles.
//!
//! A shingle is the hash of `n` consecutive tokens (words, or characters for
//! scripts written without spaces; see [`crate::normalize`]). Sets of
//! shingles are what MinHash summarizes and what exact verification
//! compares.
//!
//! Why 5-word shingles by default: shorter shingles make unrelated texts on
//! the same topic look alike (at 2–3 words, "the United Nations", "said on
//! Friday" recur everywhere), longer ones make every edit cost more: one
//! changed word removes `n` shingles. Five words is where the news and web
//! corpora we measured separate best (and what text-dedup and datatrove use,
//! which keeps comparisons with them fair). Character shingles default to 5
//! characters: about two to three words of Chinese or Japanese.
//!
//! ```
//! use syndic::shingle::{ShingleConfig, Shingler};
//! let shingler = Shingler::new(ShingleConfig::default()).unwrap();
//! let mut scratch = Default::default();
//! let set = shingler.shingle_set("one two three four five six", &mut scratch);
//! assert_eq!(set.len(), 2);
//! ```

use crate::error::{ConfigError, Result};
use crate::hash::ShingleHasher;
use crate::normalize::{Normalizer, NormalizerConfig, TokenUnit, Tokens};

/// Shingle sizes and normalization settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShingleConfig {
    /// Words per shingle (`--ngram`).
    pub ngram: usize,
    /// Characters per shingle for unspaced scripts (`--char-ngram`).
    pub char_ngram: usize,
    /// Normalizer settings.
    pub normalizer: NormalizerConfig,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        Self { ngram: 5, char_ngram: 5, normalizer: NormalizerConfig::default() }
    }
}

/// Turns texts into shingles. Immutable and `Sync`.
#[derive(Clone, Copy, Debug)]
pub struct Shingler {
    normalizer: Normalizer,
    words: ShingleHasher,
    chars: ShingleHasher,
}

impl Shingler {
    /// A shingler; sizes must be in 1..=64.
    pub fn new(config: ShingleConfig) -> Result<Self> {
        for (name, n) in [("ngram", config.ngram), ("char_ngram", config.char_ngram)] {
            if !(1..=64).contains(&n) {
                return Err(ConfigError::invalid(name, "in 1..=64", n).into());
            }
        }
        if !(0.0..=1.0).contains(&config.normalizer.char_script_share) {
            return Err(ConfigError::invalid(
                "char_script_share",
                "in [0, 1]",
                config.normalizer.char_script_share,
            )
            .into());
        }
        Ok(Self {
            normalizer: Normalizer::new(config.normalizer),
            words: ShingleHasher::new(config.ngram),
            chars: ShingleHasher::new(config.char_ngram),
        })
    }

    /// The normalizer.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The hasher for tokens of this unit.
    pub fn hasher(&self, unit: TokenUnit) -> &ShingleHasher {
        match unit {
            TokenUnit::Word => &self.words,
            TokenUnit::Char => &self.chars,
        }
    }

    /// Tokenizes `text` into `tokens` and appends its shingle hashes (in
    /// text order, with repeats) to `out`.
    pub fn shingles_into(&self, text: &str, tokens: &mut Tokens, out: &mut Vec<u64>) {
        self.normalizer.tokenize(text, tokens);
        out.extend(self.hasher(tokens.unit()).shingles(tokens.hashes()));
    }

    /// The sorted, de-duplicated shingle set of `text`.
    pub fn shingle_set(&self, text: &str, tokens: &mut Tokens) -> Vec<u64> {
        let mut out = Vec::new();
        self.shingles_into(text, tokens, &mut out);
        crate::verify::into_set(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn bad_sizes_are_config_errors() {
        for (ngram, char_ngram) in [(0, 5), (5, 0), (65, 5)] {
            let cfg = ShingleConfig { ngram, char_ngram, ..Default::default() };
            assert!(matches!(Shingler::new(cfg), Err(Error::Config(_))), "{ngram} {char_ngram}");
        }
    }

    #[test]
    fn formatting_does_not_change_shingles() {
        let s = Shingler::new(ShingleConfig { ngram: 3, ..Default::default() }).unwrap();
        let mut t = Tokens::default();
        assert_eq!(
            s.shingle_set("The quick brown fox jumps.", &mut t),
            s.shingle_set("the QUICK\n  brown fox — jumps", &mut t)
        );
    }
}
