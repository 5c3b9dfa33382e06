//! Stage 4b: passage fingerprints and the candidates they make.
//!
//! MinHash compares whole documents, so a story that is 30 % of one page and
//! 60 % of another is invisible to it. Reprint detection instead asks "do
//! these two documents share a passage?", and answers with **winnowing**
//! (Schleimer, Wilkerson & Aiken 2003, the algorithm behind MOSS): hash every
//! `k`-token window, and in every run of `w` consecutive hashes keep the
//! smallest. Any passage of at least `w + k − 1` tokens shared by two
//! documents is guaranteed to yield at least one common fingerprint, whatever
//! the rest of the documents hold, and a document keeps only about
//! `2 / (w + 1)` of its positions.
//!
//! [`FingerprintIndex`] then turns fingerprints into candidate pairs:
//! documents sharing at least `min_shared` distinct fingerprints. A
//! fingerprint found in more than `max_df` documents makes no pairs: it is a
//! formula ("said in a statement"), a licence paragraph or a cookie banner,
//! and pairing all its documents would make the candidate count quadratic.
//! With that bound each fingerprint contributes at most `max_df²/2` pairs,
//! so candidates grow linearly with the corpus.
//!
//! The contract, as for LSH: candidates may be false (two documents sharing
//! a few sentences); alignment ([`crate::align`]) measures what they share.
//!
//! ```
//! use syndic::fingerprint::{winnow, FingerprintConfig};
//! let cfg = FingerprintConfig::default();
//! let tokens: Vec<u64> = (0..100).map(syndic::hash::fmix64).collect();
//! let fps = winnow(&tokens, &cfg);
//! // Far fewer fingerprints than positions, and at least one per window.
//! assert!(fps.len() < 40);
//! assert!(fps.windows(2).all(|w| w[1].position - w[0].position <= cfg.window as u32));
//! ```

use rayon::prelude::*;

use crate::doc::DocId;
use crate::error::{ConfigError, Result};
use crate::hash::ShingleHasher;

/// Winnowing and pairing settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FingerprintConfig {
    /// Tokens per hashed window (`k`). Default 5.
    pub ngram: usize,
    /// Winnowing window (`w`): hashes per selection. Default 8, so every
    /// shared run of 12 tokens leaves a common fingerprint; a 30-word passage
    /// with an edit in the middle still has such a run.
    pub window: usize,
    /// Fingerprints in more documents than this make no pairs. Default 100.
    pub max_df: usize,
    /// Distinct shared fingerprints for a pair to become a candidate.
    /// Default 2: one shared fingerprint is too often a coincidence.
    pub min_shared: usize,
}

impl Default for FingerprintConfig {
    fn default() -> Self {
        Self { ngram: 5, window: 8, max_df: 100, min_shared: 2 }
    }
}

impl FingerprintConfig {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if !(1..=64).contains(&self.ngram) || !(1..=256).contains(&self.window) {
            return Err(ConfigError::invalid(
                "fingerprint_ngram and fingerprint_window",
                "in 1..=64 and 1..=256",
                format!("{} and {}", self.ngram, self.window),
            )
            .into());
        }
        if self.max_df < 2 {
            return Err(ConfigError::invalid("max_df", "at least 2", self.max_df).into());
        }
        if self.min_shared == 0 {
            return Err(ConfigError::invalid("min_shared_fingerprints", "at least 1", 0).into());
        }
        Ok(())
    }
}

/// One selected fingerprint: a `k`-token hash and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash of the `k` tokens.
    pub hash: u64,
    /// Index of the first token.
    pub position: u32,
}

/// Robust winnowing: in each window the minimum hash is selected, the
/// rightmost on ties, and a position is recorded once even when it stays the
/// minimum of several windows. Texts shorter than one window keep their
/// single minimum.
pub fn winnow(tokens: &[u64], config: &FingerprintConfig) -> Vec<Fingerprint> {
    let hashes: Vec<u64> = if tokens.len() >= config.ngram {
        ShingleHasher::new(config.ngram).shingles(tokens).collect()
    } else {
        Vec::new()
    };
    let w = config.window.min(hashes.len());
    let mut out: Vec<Fingerprint> = Vec::with_capacity(2 * hashes.len() / (config.window + 1) + 1);
    if w == 0 {
        return out;
    }
    // Monotone deque of candidate positions: hashes increase from front to
    // back, so the front is the window's (rightmost) minimum.
    let mut deque = std::collections::VecDeque::with_capacity(w);
    for (i, &h) in hashes.iter().enumerate() {
        while deque.back().is_some_and(|&j: &usize| hashes[j] >= h) {
            deque.pop_back();
        }
        deque.push_back(i);
        if deque[0] + w <= i {
            deque.pop_front();
        }
        if i + 1 >= w {
            let min = deque[0];
            if out.last().is_none_or(|f| f.position as usize != min) {
                out.push(Fingerprint { hash: hashes[min], position: min as u32 });
            }
        }
    }
    out
}

/// Collects the distinct fingerprint hashes of every document and finds the
/// pairs of documents that share enough of them.
#[derive(Debug, Default)]
pub struct FingerprintIndex {
    /// `(hash, doc)`, one entry per distinct hash per document.
    postings: Vec<(u64, u32)>,
}

/// A candidate pair with the number of distinct fingerprints it shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedFingerprints {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Distinct fingerprints both hold (among those with `df ≤ max_df`).
    pub shared: u32,
}

impl FingerprintIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a document's fingerprints.
    pub fn add(&mut self, doc: DocId, fingerprints: &[Fingerprint]) {
        let mut hashes: Vec<u64> = fingerprints.iter().map(|f| f.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        self.postings.extend(hashes.into_iter().map(|h| (h, doc.as_u32())));
    }

    /// Number of postings held (for memory accounting).
    pub fn len(&self) -> usize {
        self.postings.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.postings.is_empty()
    }

    /// Candidate pairs sharing at least `min_shared` fingerprints of
    /// document frequency `2..=max_df`, sorted by `(a, b)`. Deterministic
    /// whatever the thread count.
    pub fn candidates(mut self, config: &FingerprintConfig) -> Vec<SharedFingerprints> {
        self.postings.par_sort_unstable();
        let runs: Vec<&[(u64, u32)]> = self.postings.chunk_by(|x, y| x.0 == y.0).collect();
        let mut pairs: Vec<u64> = runs
            .par_iter()
            .filter(|run| run.len() >= 2 && run.len() <= config.max_df)
            .flat_map_iter(|run| {
                run.iter().enumerate().flat_map(move |(i, &(_, a))| {
                    run[i + 1..].iter().map(move |&(_, b)| (a as u64) << 32 | b as u64)
                })
            })
            .collect();
        pairs.par_sort_unstable();
        pairs
            .chunk_by(|x, y| x == y)
            .filter(|run| run.len() >= config.min_shared)
            .map(|run| SharedFingerprints {
                a: DocId::from_u32((run[0] >> 32) as u32),
                b: DocId::from_u32(run[0] as u32),
                shared: run.len() as u32,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::fmix64;

    fn tokens(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(fmix64).collect()
    }

    #[test]
    fn every_window_holds_a_fingerprint() {
        let cfg = FingerprintConfig::default();
        let fps = winnow(&tokens(0..500), &cfg);
        let positions: Vec<u32> = fps.iter().map(|f| f.position).collect();
        let last_window_start = 500 - cfg.ngram + 1 - cfg.window;
        for start in 0..=last_window_start as u32 {
            assert!(
                positions.iter().any(|&p| p >= start && p < start + cfg.window as u32),
                "window {start}"
            );
        }
        // Density near 2 / (w + 1).
        let density = fps.len() as f64 / 496.0;
        assert!(density > 0.15 && density < 0.3, "{density}");
    }

    #[test]
    fn shared_passage_guarantee() {
        // A 12-token passage (w + k − 1) embedded in unrelated text on both
        // sides always yields a shared fingerprint.
        let cfg = FingerprintConfig::default();
        for offset in 0..20u64 {
            let passage = tokens(10_000..10_012);
            let mut a = tokens(offset..offset + 37);
            a.extend(&passage);
            a.extend(tokens(500..540));
            let mut b = tokens(1000..1000 + offset * 3);
            b.extend(&passage);
            b.extend(tokens(2000..2010));
            let ha: std::collections::HashSet<u64> =
                winnow(&a, &cfg).iter().map(|f| f.hash).collect();
            assert!(winnow(&b, &cfg).iter().any(|f| ha.contains(&f.hash)), "offset {offset}");
        }
    }

    #[test]
    fn short_texts() {
        let cfg = FingerprintConfig::default();
        assert!(winnow(&tokens(0..4), &cfg).is_empty());
        assert_eq!(winnow(&tokens(0..6), &cfg).len(), 1);
    }

    #[test]
    fn candidates_respect_df_and_min_shared() {
        let cfg = FingerprintConfig { max_df: 3, min_shared: 2, ..Default::default() };
        let fp = |h: u64| Fingerprint { hash: h, position: 0 };
        let mut index = FingerprintIndex::new();
        // Docs 0 and 1 share hashes 1 and 2; doc 2 shares only 1 with them.
        // Hash 9 is in all five documents (df 5 > 3): it makes no pairs.
        index.add(DocId::from_u32(0), &[fp(1), fp(2), fp(9), fp(2)]);
        index.add(DocId::from_u32(1), &[fp(1), fp(2), fp(9)]);
        index.add(DocId::from_u32(2), &[fp(1), fp(9)]);
        index.add(DocId::from_u32(3), &[fp(9), fp(7)]);
        index.add(DocId::from_u32(4), &[fp(9), fp(7)]);
        let got = index.candidates(&cfg);
        assert_eq!(
            got,
            vec![SharedFingerprints { a: DocId::from_u32(0), b: DocId::from_u32(1), shared: 2 }]
        );
    }

    #[test]
    fn bad_config_is_rejected() {
        for cfg in [
            FingerprintConfig { ngram: 0, ..Default::default() },
            FingerprintConfig { window: 0, ..Default::default() },
            FingerprintConfig { max_df: 1, ..Default::default() },
            FingerprintConfig { min_shared: 0, ..Default::default() },
        ] {
            assert!(cfg.validate().is_err(), "{cfg:?}");
        }
    }
}
