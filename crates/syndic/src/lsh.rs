//! Stage 4: candidate pairs by LSH banding.
//!
//! A signature of `bands × rows` values is cut into `bands` bands; two
//! documents become a **candidate** pair when all `rows` values of at least
//! one band agree. For Jaccard `s`, that happens with probability
//! `1 − (1 − s^rows)^bands`, an S-curve whose steepest point sits near
//! `(1/bands)^(1/rows)`. [`LshParams::optimal`] picks `bands` and `rows` for
//! a threshold the way datasketch does: by minimizing the weighted areas of
//! false positives (the curve below the threshold) and false negatives (one
//! minus the curve above it).
//!
//! The contract: candidates may be false, and some true pairs may be missed
//! (the false-negative area); verification decides. Nothing here reports a
//! pair as a duplicate.
//!
//! Buckets are bounded: in a bucket of `m` documents, each document is
//! paired with at most [`LshParams::bucket_window`] followers (in `DocId`
//! order). Small buckets give all pairs; a bucket of ten thousand copies of a
//! cookie banner gives `10⁴ × window` pairs instead of `5·10⁷`, and still
//! connects every member to its neighbours, so union-find recovers the
//! cluster. This bound is what keeps memory linear on web crawls.
//!
//! ```
//! use syndic::lsh::LshParams;
//! let p = LshParams::optimal(0.8, 128, 0.5, 0.5).unwrap();
//! assert!(p.bands() * p.rows() <= 128);
//! assert!(p.probability(0.95) > 0.99 && p.probability(0.5) < 0.01);
//! ```

use rayon::prelude::*;

use crate::doc::DocId;
use crate::error::{ConfigError, Result};

/// Banding parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LshParams {
    bands: usize,
    rows: usize,
    bucket_window: usize,
}

/// Default number of followers each bucket member is paired with.
pub const DEFAULT_BUCKET_WINDOW: usize = 32;

impl LshParams {
    /// Explicit parameters.
    pub fn new(bands: usize, rows: usize) -> Result<Self> {
        if bands == 0 || rows == 0 {
            return Err(ConfigError::invalid(
                "bands and rows",
                "positive",
                format!("{bands}×{rows}"),
            )
            .into());
        }
        Ok(Self { bands, rows, bucket_window: DEFAULT_BUCKET_WINDOW })
    }

    /// The `(bands, rows)` with `bands × rows ≤ num_perm` minimizing
    /// `fp_weight × FP + fn_weight × FN` at `threshold`.
    pub fn optimal(
        threshold: f64,
        num_perm: usize,
        fp_weight: f64,
        fn_weight: f64,
    ) -> Result<Self> {
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(ConfigError::invalid("threshold", "in (0, 1)", threshold).into());
        }
        if num_perm == 0 {
            return Err(ConfigError::invalid("num_perm", "at least 1", 0).into());
        }
        // Written so that NaN fails too: every comparison with NaN is false,
        // and a NaN or infinite weight would make every error equal and
        // silently pick one band of one row.
        let usable = |w: f64| w.is_finite() && w >= 0.0;
        if !(usable(fp_weight) && usable(fn_weight) && fp_weight + fn_weight > 0.0) {
            return Err(ConfigError::invalid(
                "fp_weight and fn_weight",
                "finite, non-negative and not both zero",
                format!("{fp_weight} and {fn_weight}"),
            )
            .into());
        }
        let mut best = (f64::INFINITY, 1, 1);
        for bands in 1..=num_perm {
            for rows in 1..=num_perm / bands {
                let fp = integrate(|s| candidate_probability(s, bands, rows), 0.0, threshold);
                let fn_ =
                    integrate(|s| 1.0 - candidate_probability(s, bands, rows), threshold, 1.0);
                let error = fp_weight * fp + fn_weight * fn_;
                if error < best.0 {
                    best = (error, bands, rows);
                }
            }
        }
        Self::new(best.1, best.2)
    }

    /// Sets the bucket window (at least 1).
    pub fn with_bucket_window(mut self, window: usize) -> Result<Self> {
        if window == 0 {
            return Err(ConfigError::invalid("bucket_window", "at least 1", 0).into());
        }
        self.bucket_window = window;
        Ok(self)
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Values per band.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Followers paired with each bucket member.
    pub fn bucket_window(&self) -> usize {
        self.bucket_window
    }

    /// Probability that a pair of Jaccard `s` becomes a candidate.
    pub fn probability(&self, s: f64) -> f64 {
        candidate_probability(s, self.bands, self.rows)
    }

    /// The band keys of one signature: one 64-bit hash per band.
    pub fn band_keys<'a>(&'a self, signature: &'a [u32]) -> impl Iterator<Item = u64> + 'a {
        assert!(signature.len() >= self.bands * self.rows, "signature shorter than bands × rows");
        signature.chunks_exact(self.rows).take(self.bands).enumerate().map(|(band, values)| {
            let mut bytes = [0u8; 4 * 64];
            let mut key = band as u64;
            for chunk in values.chunks(64) {
                for (dst, v) in bytes.chunks_exact_mut(4).zip(chunk) {
                    dst.copy_from_slice(&v.to_le_bytes());
                }
                key = xxhash_rust::xxh3::xxh3_64_with_seed(&bytes[..4 * chunk.len()], key);
            }
            key
        })
    }

    /// Candidate pairs from the band keys of `n` documents, laid out
    /// `keys[doc * bands + band]`. Documents flagged in `skip` (exact
    /// duplicates of an earlier document, say) take no part.
    ///
    /// Returns each pair once, as `(a, b)` with `a < b`, sorted; the result
    /// does not depend on the number of threads.
    pub fn candidates(&self, keys: &[u64], skip: &[bool]) -> Vec<(DocId, DocId)> {
        let n = keys.len() / self.bands;
        assert_eq!(keys.len(), n * self.bands, "key array not a multiple of bands");
        assert_eq!(skip.len(), n, "skip mask of the wrong length");
        let mut pairs: Vec<u64> = (0..self.bands)
            .into_par_iter()
            .flat_map_iter(|band| {
                let mut bucketed: Vec<(u64, u32)> = (0..n)
                    .filter(|&d| !skip[d])
                    .map(|d| (keys[d * self.bands + band], d as u32))
                    .collect();
                bucketed.sort_unstable();
                let mut out = Vec::new();
                for bucket in bucketed.chunk_by(|x, y| x.0 == y.0) {
                    for (i, &(_, a)) in bucket.iter().enumerate() {
                        for &(_, b) in bucket.iter().skip(i + 1).take(self.bucket_window) {
                            out.push((a as u64) << 32 | b as u64);
                        }
                    }
                }
                out
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        pairs
            .into_iter()
            .map(|p| (DocId::from_u32((p >> 32) as u32), DocId::from_u32(p as u32)))
            .collect()
    }
}

fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Simpson's rule on 64 intervals: the integrands are smooth S-curves, and
/// this is accurate to far better than the differences between neighbouring
/// `(bands, rows)` choices.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const STEPS: usize = 64;
    let h = (b - a) / STEPS as f64;
    let mut sum = f(a) + f(b);
    for i in 1..STEPS {
        let weight = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += weight * f(a + i as f64 * h);
    }
    sum * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    /// datasketch's `_optimal_param` gives these for the same inputs.
    #[test]
    fn optimal_params_match_datasketch() {
        let cases = [
            (0.5, 128, (25, 5)),
            (0.8, 128, (9, 13)),
            (0.9, 128, (5, 25)),
            (0.7, 256, (25, 10)),
            (0.8, 256, (17, 15)),
            (0.5, 64, (14, 4)),
        ];
        for (threshold, num_perm, expected) in cases {
            let p = LshParams::optimal(threshold, num_perm, 0.5, 0.5).unwrap();
            assert_eq!(
                (p.bands(), p.rows()),
                expected,
                "threshold {threshold}, num_perm {num_perm}"
            );
        }
    }

    #[test]
    fn invalid_params_are_config_errors() {
        for (t, k) in [(0.0, 128), (1.0, 128), (0.5, 0), (f64::NAN, 128)] {
            assert!(matches!(LshParams::optimal(t, k, 0.5, 0.5), Err(Error::Config(_))), "{t} {k}");
        }
    }

    /// Issue 12: a NaN or infinite weight was accepted and silently gave
    /// one band of one row.
    #[test]
    fn issue12_non_finite_lsh_weights_are_refused() {
        let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.5];
        for (fp, fn_) in bad.iter().flat_map(|&w| [(w, 0.5), (0.5, w)]).chain([(0.0, 0.0)]) {
            let err = LshParams::optimal(0.8, 128, fp, fn_).unwrap_err();
            assert!(
                matches!(&err, Error::Config(ConfigError::Invalid { name, .. }) if name.contains("weight")),
                "{fp} {fn_}: {err}"
            );
        }
    }

    #[test]
    fn equal_bands_make_candidates() {
        let p = LshParams::new(2, 2).unwrap();
        let sigs: [[u32; 4]; 4] = [[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4], [5, 6, 7, 8]];
        let keys: Vec<u64> = sigs.iter().flat_map(|s| p.band_keys(s).collect::<Vec<_>>()).collect();
        let pairs = p.candidates(&keys, &[false; 4]);
        let d = DocId::from_u32;
        assert_eq!(pairs, vec![(d(0), d(1)), (d(0), d(2))]);
        // A skipped document takes no part.
        assert_eq!(p.candidates(&keys, &[true, false, false, false]), vec![]);
    }

    #[test]
    fn big_buckets_are_bounded_by_the_window() {
        let p = LshParams::new(1, 1).unwrap().with_bucket_window(3).unwrap();
        let keys = vec![42u64; 100];
        let pairs = p.candidates(&keys, &[false; 100]);
        // Each document pairs with at most 3 followers.
        assert_eq!(pairs.len(), 97 * 3 + 2 + 1);
        assert!(pairs.iter().all(|(a, b)| b.as_u32() - a.as_u32() <= 3));
    }
}
