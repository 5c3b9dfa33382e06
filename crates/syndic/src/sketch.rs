//! Stage 3: MinHash signatures.
//!
//! A signature is `num_perm` 32-bit values; the share of positions at which
//! two signatures agree estimates the Jaccard similarity of the two shingle
//! sets. Two ways of computing one are offered, and the default was chosen by
//! measurement (`benches/stages.rs`, numbers in `bench/results/`):
//!
//! * [`SketchMethod::OnePermutation`] (default): one-permutation hashing
//!   (Li, Owen & Zhang 2012) with optimal densification (Shrivastava 2017).
//!   Each shingle is hashed once and lands in one of `num_perm` bins, keeping
//!   the minimum per bin; empty bins borrow the value of a non-empty bin
//!   picked by a hash sequence shared by all documents, which keeps the
//!   agreement probability equal to the Jaccard similarity. Cost: O(shingles
//!   and num_perm) per document, not O(shingles × num_perm). A short
//!   document fills few bins, and following the probe sequences of its many
//!   empty ones would cost about `num_perm / filled` hashes each; a table of
//!   where each sequence first lands, built once per sketcher, finds the
//!   same donors by look-ups.
//! * [`SketchMethod::MultiplyShift`]: the textbook `num_perm` independent
//!   hash functions `h_i(x) = (a_i·x + b_i) >> 32`, kept for comparison and
//!   for users who need signatures compatible with that scheme's statistics.
//!
//! Signatures from different methods, seeds or `num_perm` are not
//! comparable; [`Sketcher`] carries all three and the index records them.
//!
//! ```
//! use syndic::sketch::{Sketcher, SketchMethod};
//! let sketcher = Sketcher::new(SketchMethod::OnePermutation, 128, 42).unwrap();
//! let a: Vec<u64> = (0..1000).collect();
//! let b: Vec<u64> = (200..1200).collect(); // Jaccard 800/1200 = 0.667
//! let (sa, sb) = (sketcher.sketch(&a), sketcher.sketch(&b));
//! let estimate = syndic::sketch::estimate_jaccard(&sa, &sb);
//! assert!((estimate - 0.667).abs() < 0.15);
//! ```

use crate::error::{ConfigError, Result};
use crate::hash::{fmix64, seeded};

/// How signatures are computed; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SketchMethod {
    /// One-permutation hashing with optimal densification.
    #[default]
    OnePermutation,
    /// `num_perm` multiply-shift hash functions.
    MultiplyShift,
}

crate::choice::choices!(SketchMethod, "sketch", [
    "one-permutation" => OnePermutation,
    "oph" => OnePermutation,
    "multiply-shift" => MultiplyShift,
]);

/// Value of a bin no shingle fell into (before densification).
const EMPTY: u32 = u32::MAX;

/// Computes MinHash signatures. Immutable and `Sync`: share one across
/// threads.
#[derive(Clone, Debug)]
pub struct Sketcher {
    method: SketchMethod,
    num_perm: usize,
    seed: u64,
    /// Multiply-shift coefficients `(a_i, b_i)`, `a_i` odd. Empty for OPH.
    coefficients: Vec<(u64, u64)>,
    /// For OPH with at most [`PROBE_TABLE_MAX_BINS`] bins: the densification
    /// probe sequences turned around (see [`ProbeTable`]).
    probes: Option<std::sync::Arc<ProbeTable>>,
}

/// Bins up to which a [`ProbeTable`] is built: its size is the square.
const PROBE_TABLE_MAX_BINS: usize = 256;

/// Probes per bin a [`ProbeTable`] covers, in multiples of the bin count: a
/// given bin is missed by this many probes with probability about
/// `e^-16`, and then the sequence is followed on from there.
const PROBE_TABLE_ROUNDS: u64 = 16;

/// `first[i * k + j]`: the first attempt at which the densification probe
/// sequence of bin `i` lands on bin `j`, among the first
/// `PROBE_TABLE_ROUNDS * k` ([`NEVER`] when it does not). The sequences
/// depend only on the seed, so the table is built once; a short document
/// (a headline fills a handful of 128 bins) then finds each empty bin's
/// donor by looking up its few filled bins, instead of hashing some
/// `k / filled` probes for every empty bin. The signature is the same.
#[derive(Debug)]
struct ProbeTable {
    first: Vec<u32>,
}

/// A probe that does not come within the table.
const NEVER: u32 = u32::MAX;

impl ProbeTable {
    fn new(k: usize, seed: u64) -> Self {
        let mut first = vec![NEVER; k * k];
        for i in 0..k {
            let row = &mut first[i * k..(i + 1) * k];
            for attempt in 0..PROBE_TABLE_ROUNDS * k as u64 {
                let j = probe(i, attempt, k as u64, seed);
                if row[j] == NEVER {
                    row[j] = attempt as u32;
                }
            }
        }
        ProbeTable { first }
    }
}

/// Where attempt `attempt` of bin `i`'s densification sequence lands.
fn probe(i: usize, attempt: u64, k: u64, seed: u64) -> usize {
    let h = seeded((i as u64) << 32 | attempt, seed);
    (((h >> 32) * k) >> 32) as usize
}

impl Sketcher {
    /// A sketcher with `num_perm` values per signature (1..=1024).
    pub fn new(method: SketchMethod, num_perm: usize, seed: u64) -> Result<Self> {
        if !(1..=1024).contains(&num_perm) {
            return Err(ConfigError::invalid("num_perm", "in 1..=1024", num_perm).into());
        }
        let coefficients = match method {
            SketchMethod::OnePermutation => Vec::new(),
            SketchMethod::MultiplyShift => (0..num_perm as u64)
                .map(|i| (seeded(2 * i, seed) | 1, seeded(2 * i + 1, seed)))
                .collect(),
        };
        let probes = (method == SketchMethod::OnePermutation && num_perm <= PROBE_TABLE_MAX_BINS)
            .then(|| std::sync::Arc::new(ProbeTable::new(num_perm, seed)));
        Ok(Self { method, num_perm, seed, coefficients, probes })
    }

    /// The method.
    pub fn method(&self) -> SketchMethod {
        self.method
    }

    /// Values per signature.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The signature of a set of shingle hashes (duplicates are harmless).
    pub fn sketch(&self, shingles: &[u64]) -> Vec<u32> {
        let mut out = vec![0; self.num_perm];
        self.sketch_into(shingles, &mut out);
        out
    }

    /// Writes the signature of `shingles` into `out` (`num_perm` long). An
    /// empty set gives a signature of all `u32::MAX`, which agrees with
    /// nothing but another empty set.
    pub fn sketch_into(&self, shingles: &[u64], out: &mut [u32]) {
        assert_eq!(out.len(), self.num_perm, "signature buffer of the wrong length");
        out.fill(EMPTY);
        match self.method {
            SketchMethod::OnePermutation => self.one_permutation(shingles, out),
            SketchMethod::MultiplyShift => self.multiply_shift(shingles, out),
        }
    }

    fn one_permutation(&self, shingles: &[u64], out: &mut [u32]) {
        if shingles.is_empty() {
            return;
        }
        let k = self.num_perm as u64;
        let mix = fmix64(self.seed ^ 0x5bd1_e995);
        for &s in shingles {
            let h = fmix64(s ^ mix);
            // High bits pick the bin (Lemire's multiply-shift range
            // reduction), low bits are the value: independent halves.
            let bin = (((h >> 32) * k) >> 32) as usize;
            let value = h as u32;
            if value < out[bin] {
                out[bin] = value;
            }
        }
        self.densify(out);
    }

    /// Optimal densification: every empty bin `i` probes bins
    /// `g(i, 0), g(i, 1), ...` (a hash sequence independent of the document)
    /// and copies the first non-empty one. Two documents whose bin `i` are
    /// both empty follow the same sequence, so they agree exactly when the
    /// bin they both land on agrees: the agreement probability stays J.
    fn densify(&self, out: &mut [u32]) {
        let k = out.len();
        if !out.contains(&EMPTY) {
            return;
        }
        let filled: Vec<usize> = (0..k).filter(|&i| out[i] != EMPTY).collect();
        let source: Vec<u32> = out.to_vec();
        // With few filled bins, probing costs about `k / filled` hashes per
        // empty bin and the table `filled` look-ups; with many, the reverse.
        let table = self.probes.as_deref().filter(|_| filled.len() * filled.len() < 4 * k);
        for (i, slot) in out.iter_mut().enumerate() {
            if *slot != EMPTY {
                continue;
            }
            let mut attempt = 0;
            if let Some(table) = table {
                let row = &table.first[i * k..(i + 1) * k];
                // Each attempt lands on one bin: the earliest is unique.
                match filled.iter().map(|&j| (row[j], j)).min() {
                    Some((first, j)) if first != NEVER => {
                        *slot = source[j];
                        continue;
                    }
                    _ => attempt = PROBE_TABLE_ROUNDS * k as u64,
                }
            }
            *slot = self.probe_from(i, attempt, &source);
        }
    }

    /// The value of the first filled bin that bin `i`'s probe sequence
    /// lands on, from attempt `attempt` on.
    fn probe_from(&self, i: usize, mut attempt: u64, source: &[u32]) -> u32 {
        loop {
            let j = probe(i, attempt, source.len() as u64, self.seed);
            if source[j] != EMPTY {
                return source[j];
            }
            attempt += 1;
        }
    }

    fn multiply_shift(&self, shingles: &[u64], out: &mut [u32]) {
        for &s in shingles {
            let x = fmix64(s ^ self.seed);
            for (slot, &(a, b)) in out.iter_mut().zip(&self.coefficients) {
                let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                *slot = (*slot).min(v);
            }
        }
    }
}

/// The share of positions where two signatures agree: an unbiased estimate
/// of the Jaccard similarity. Panics if the lengths differ.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len(), "signatures of different lengths");
    if a.is_empty() {
        return 0.0;
    }
    let agree = a.iter().zip(b).filter(|(x, y)| x == y).count();
    agree as f64 / a.len() as f64
}

/// Half-width of a two-sided confidence interval for a signature estimate
/// with `num_perm` values, by Hoeffding's inequality:
/// `P(|Ĵ − J| ≥ ε) ≤ 2·exp(−2·k·ε²)`. Conservative (it ignores that the
/// variance J(1−J)/k is smaller away from 0.5), and valid for the
/// multiply-shift method; densified one-permutation signatures have no larger
/// variance than that for sets of at least `num_perm` shingles.
pub fn estimate_error_bound(num_perm: usize, confidence: f64) -> f64 {
    ((2.0 / (1.0 - confidence)).ln() / (2.0 * num_perm as f64)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use proptest::prelude::*;

    fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
        let sa: std::collections::HashSet<_> = a.iter().collect();
        let sb: std::collections::HashSet<_> = b.iter().collect();
        sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64
    }

    /// Densifying by following each empty bin's probe sequence, as the
    /// definition says: the reference the table must match.
    fn densify_by_probing(sketcher: &Sketcher, shingles: &[u64]) -> Vec<u32> {
        let mut out = vec![EMPTY; sketcher.num_perm];
        let k = sketcher.num_perm as u64;
        let mix = fmix64(sketcher.seed ^ 0x5bd1_e995);
        for &s in shingles {
            let h = fmix64(s ^ mix);
            let bin = (((h >> 32) * k) >> 32) as usize;
            out[bin] = out[bin].min(h as u32);
        }
        if shingles.is_empty() {
            return out;
        }
        let source = out.clone();
        for (i, slot) in out.iter_mut().enumerate() {
            if *slot == EMPTY {
                *slot = sketcher.probe_from(i, 0, &source);
            }
        }
        out
    }

    #[test]
    fn the_probe_table_gives_the_signatures_of_probing() {
        // (bins, seed): with a table, and above its size without one.
        for (k, seed) in [(1, 3), (16, 5), (128, 42), (256, 9), (300, 1)] {
            let sketcher = Sketcher::new(SketchMethod::OnePermutation, k, seed).unwrap();
            assert_eq!(sketcher.probes.is_some(), k <= PROBE_TABLE_MAX_BINS);
            for len in [0usize, 1, 2, 3, 5, 8, 13, 40, 200, 1000] {
                let shingles: Vec<u64> =
                    (0..len as u64).map(|x| fmix64(x * 7919 + k as u64)).collect();
                assert_eq!(
                    sketcher.sketch(&shingles),
                    densify_by_probing(&sketcher, &shingles),
                    "{k} bins, {len} shingles"
                );
            }
        }
    }

    #[test]
    fn identical_sets_agree_everywhere() {
        for method in [SketchMethod::OnePermutation, SketchMethod::MultiplyShift] {
            let s = Sketcher::new(method, 64, 7).unwrap();
            let set: Vec<u64> = (0..10).map(fmix64).collect();
            let mut shuffled = set.clone();
            shuffled.reverse();
            assert_eq!(s.sketch(&set), s.sketch(&shuffled), "{method:?}");
        }
    }

    #[test]
    fn disjoint_sets_rarely_agree() {
        let s = Sketcher::new(SketchMethod::OnePermutation, 256, 1).unwrap();
        let a: Vec<u64> = (0..500).collect();
        let b: Vec<u64> = (1000..1500).collect();
        assert!(estimate_jaccard(&s.sketch(&a), &s.sketch(&b)) < 0.03);
    }

    #[test]
    fn bad_num_perm_is_a_config_error() {
        for n in [0usize, 1025] {
            assert!(matches!(
                Sketcher::new(SketchMethod::OnePermutation, n, 0),
                Err(Error::Config(_))
            ));
        }
    }

    #[test]
    fn error_bound_matches_hoeffding() {
        // k = 128 at 95 %: sqrt(ln(40) / 256) = 0.1201.
        assert!((estimate_error_bound(128, 0.95) - 0.1201).abs() < 1e-3);
    }

    /// Average absolute error over many pairs, per method: a regression
    /// guard on densification (a broken densification biases short sets).
    #[test]
    fn estimates_are_unbiased_on_average() {
        for method in [SketchMethod::OnePermutation, SketchMethod::MultiplyShift] {
            for &(len, overlap) in &[(20usize, 10usize), (400, 300), (2000, 1000)] {
                let mut total_error = 0.0;
                let trials = 40;
                for seed in 0..trials {
                    let s = Sketcher::new(method, 128, seed).unwrap();
                    let a: Vec<u64> =
                        (0..len as u64).map(|i| fmix64(i + seed * 1_000_000)).collect();
                    let b: Vec<u64> = ((len - overlap) as u64..(2 * len - overlap) as u64)
                        .map(|i| fmix64(i + seed * 1_000_000))
                        .collect();
                    total_error +=
                        estimate_jaccard(&s.sketch(&a), &s.sketch(&b)) - exact_jaccard(&a, &b);
                }
                let bias = total_error / trials as f64;
                assert!(bias.abs() < 0.03, "{method:?} len={len} overlap={overlap}: bias {bias}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The estimate lies within the Hoeffding bound at 99.9 % (so a
        /// failure here is a bug, not bad luck, in all but 1 run in 1000 per
        /// case; the seed is fixed, so the test is deterministic).
        #[test]
        fn estimate_within_bound(len_a in 1usize..600, len_b in 1usize..600, shared in 0usize..600, seed in 0u64..1000) {
            let shared = shared.min(len_a).min(len_b);
            let a: Vec<u64> = (0..len_a as u64).map(|i| fmix64(i ^ (seed << 40))).collect();
            let b: Vec<u64> = (0..len_b as u64)
                .map(|i| if (i as usize) < shared { fmix64(i ^ (seed << 40)) } else { fmix64((i + 1_000_000) ^ (seed << 40)) })
                .collect();
            let exact = exact_jaccard(&a, &b);
            let bound = estimate_error_bound(256, 0.999);
            for method in [SketchMethod::OnePermutation, SketchMethod::MultiplyShift] {
                let s = Sketcher::new(method, 256, seed).unwrap();
                let est = estimate_jaccard(&s.sketch(&a), &s.sketch(&b));
                prop_assert!((est - exact).abs() <= bound, "{:?}: estimate {} exact {} bound {}", method, est, exact, bound);
            }
        }
    }
}
