//! How strongly two documents are related as wholes: a TF-IDF cosine over
//! each document's own tokens (boilerplate masked out), with document
//! frequencies counted in pass 1. Alignment says *where* two texts share
//! text; this says how much of what each is *about* they share, and lets
//! a pair that shares a passage count below the coverage floors (see
//! `is_reprint`). *Not for*: finding candidates (that stays the
//! fingerprints' job) or justifying a link (a pair is linked only with
//! aligned passages). *Rule*: bounded memory, independent of the
//! vocabulary: frequencies are kept per bucket of token hashes.

/// Buckets of the document-frequency table (4 MiB of counts). Words that
/// share a bucket share a frequency; with 2^20 buckets a vocabulary of
/// 50,000 words puts one word in twenty with another.
const BUCKETS: usize = 1 << 20;

/// The bucket of a token hash.
pub(crate) fn bucket(hash: u64) -> u32 {
    // Top bits: the token hashes are well mixed.
    (hash >> (64 - BUCKETS.trailing_zeros())) as u32
}

/// In how many documents each bucket of token hashes occurs.
#[derive(Clone, Debug, Default)]
pub(crate) struct DocFreq {
    counts: Vec<u32>,
    docs: u32,
}

impl DocFreq {
    /// The distinct buckets of a document's token hashes, sorted.
    pub(crate) fn terms(hashes: &[u64]) -> Vec<u32> {
        let mut terms: Vec<u32> = hashes.iter().map(|&h| bucket(h)).collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// Counts one document, given its [`terms`](Self::terms).
    pub(crate) fn add(&mut self, terms: &[u32]) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        for &t in terms {
            self.counts[t as usize] += 1;
        }
        self.docs += 1;
    }

    /// Adds `other`'s counts to these.
    pub(crate) fn merge(&mut self, other: &DocFreq) {
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.docs += other.docs;
    }

    /// The counts as bytes: `docs:u32`, then a `u32` per bucket when any
    /// document was counted, little-endian.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 4 * self.counts.len());
        out.extend_from_slice(&self.docs.to_le_bytes());
        for n in &self.counts {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out
    }

    /// Decodes [`encode`](Self::encode); `None` for bytes it did not write.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let (docs, rest) = bytes.split_at_checked(4)?;
        if !(rest.is_empty() || rest.len() == 4 * BUCKETS) {
            return None;
        }
        let counts = rest
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        Some(DocFreq { counts, docs: u32::from_le_bytes(docs.try_into().ok()?) })
    }

    /// Smoothed inverse document frequency of a bucket,
    /// `ln((1 + n) / (1 + df))`: a word in every document weighs nothing
    /// (scikit-learn adds 1, so that stop words still count; relatedness
    /// is about what two texts share that others do not).
    fn idf(&self, term: u32) -> f64 {
        let df = self.counts.get(term as usize).copied().unwrap_or(0);
        ((1.0 + f64::from(self.docs)) / (1.0 + f64::from(df))).ln()
    }

    /// The unit TF-IDF vector of the tokens whose `content` flag is set:
    /// sublinear term frequency (`1 + ln tf`) times idf, sorted by bucket.
    pub(super) fn profile(&self, hashes: &[u64], content: &[bool]) -> Profile {
        let mut terms: Vec<u32> =
            hashes.iter().zip(content).filter(|(_, &c)| c).map(|(&h, _)| bucket(h)).collect();
        terms.sort_unstable();
        let mut weights: Vec<(u32, f64)> = Vec::new();
        for chunk in terms.chunk_by(|a, b| a == b) {
            let tf = 1.0 + (chunk.len() as f64).ln();
            weights.push((chunk[0], tf * self.idf(chunk[0])));
        }
        let norm = weights.iter().map(|&(_, w)| w * w).sum::<f64>().sqrt();
        Profile(
            weights
                .into_iter()
                .map(|(t, w)| (t, if norm > 0.0 { (w / norm) as f32 } else { 0.0 }))
                .collect(),
        )
    }
}

/// A document's unit TF-IDF vector over buckets, sorted by bucket.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Profile(Vec<(u32, f32)>);

impl Profile {
    /// Cosine of two profiles, in `[0, 1]`.
    pub(super) fn cosine(&self, other: &Profile) -> f64 {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut dot) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += f64::from(a[i].1) * f64::from(b[j].1);
                    i += 1;
                    j += 1;
                }
            }
        }
        dot.min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Normalizer, NormalizerConfig, Tokens};

    fn hashes(text: &str) -> Vec<u64> {
        let mut tokens = Tokens::default();
        Normalizer::new(NormalizerConfig::default()).tokenize(text, &mut tokens);
        tokens.hashes().to_vec()
    }

    /// Issue 14: the cosine of two own texts, with document frequencies
    /// from a small corpus in which "the", "said" and "council" are in
    /// every document.
    #[test]
    fn issue14_relatedness_table() {
        let corpus = [
            "the council said the ferry skipper Osterby sailed",
            "the council said the quarry at Carrow closed",
            "the council said the budget rose",
            "the council said the school shut",
        ];
        let mut df = DocFreq::default();
        for text in corpus {
            df.add(&DocFreq::terms(&hashes(text)));
        }
        let profile = |text: &str| {
            let h = hashes(text);
            df.profile(&h, &vec![true; h.len()])
        };
        // (a, b, at least, at most)
        let cases: &[(&str, &str, f64, f64)] = &[
            (corpus[0], corpus[0], 0.999, 1.0),
            // Only words every document has in common: little.
            (corpus[0], corpus[1], 0.0, 0.2),
            // The rare names shared: most of it.
            ("ferry skipper Osterby", "the council said Osterby ferry skipper", 0.7, 1.0),
            ("ferry skipper", "quarry Carrow", 0.0, 0.0),
            ("", "the council", 0.0, 0.0),
        ];
        for &(a, b, low, high) in cases {
            let r = profile(a).cosine(&profile(b));
            assert!((low..=high).contains(&r), "{a:?} ~ {b:?}: {r}");
            assert_eq!(r, profile(b).cosine(&profile(a)), "symmetric");
        }
    }

    /// Content flags mask boilerplate out of the profile.
    #[test]
    fn issue14_relatedness_skips_boilerplate() {
        let mut df = DocFreq::default();
        df.add(&DocFreq::terms(&hashes("menu ferry")));
        df.add(&DocFreq::terms(&hashes("menu quarry")));
        df.add(&DocFreq::terms(&hashes("school")));
        let (a, b) = (hashes("menu ferry"), hashes("menu quarry"));
        let with_menu = df.profile(&a, &[true, true]).cosine(&df.profile(&b, &[true, true]));
        let own = df.profile(&a, &[false, true]).cosine(&df.profile(&b, &[false, true]));
        assert!(with_menu > 0.0);
        assert_eq!(own, 0.0);
    }
}
