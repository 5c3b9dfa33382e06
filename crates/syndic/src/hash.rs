//! Hashing primitives shared by every stage.
//!
//! Three kinds of hash, each with one job:
//!
//! * [`token_hash`]: 64 bits of one normalized token (xxh3, which is fast on
//!   the short inputs that words are).
//! * [`ShingleHasher`]: the hash of `n` consecutive token hashes, updated in
//!   O(1) per position with a polynomial rolling hash and finished with a
//!   strong 64-bit mixer, so the bits MinHash slices into bins and values are
//!   well distributed whatever `n` is.
//! * [`content_hash`]: 128 bits of a whole normalized text, for exact
//!   duplicates. At 128 bits the chance that any two of a billion different
//!   documents collide is below 10^-20, so equal hashes are treated as equal
//!   texts without comparing them.
//!
//! ```
//! use syndic::hash::{ShingleHasher, token_hash};
//! let tokens: Vec<u64> = ["the", "cat", "sat", "on", "the", "mat"].iter().map(|w| token_hash(w.as_bytes())).collect();
//! let shingles: Vec<u64> = ShingleHasher::new(3).shingles(&tokens).collect();
//! assert_eq!(shingles.len(), 4);
//! // The same three words give the same shingle wherever they stand.
//! let again: Vec<u64> = ShingleHasher::new(3).shingles(&tokens[1..4]).collect();
//! assert_eq!(again, vec![shingles[1]]);
//! ```

/// 64-bit hash of one normalized token.
#[inline]
pub fn token_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// 128-bit hash of a normalized text, for exact-duplicate detection.
#[inline]
pub fn content_hash(normalized: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(normalized)
}

/// Murmur3's 64-bit finalizer: a bijection with full avalanche, so every
/// output bit depends on every input bit.
#[inline]
pub const fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// Mixes a seed into a value; used to derive independent hash functions.
#[inline]
pub const fn seeded(value: u64, seed: u64) -> u64 {
    fmix64(value ^ fmix64(seed.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// Rolling hash of `n` consecutive token hashes.
///
/// `H(t_i..t_{i+n}) = fmix64(sum_j t_{i+j} * B^(n-1-j))` over `u64` with an
/// odd base `B`. Token hashes are already uniform, so the polynomial only has
/// to keep order (the shingle "a b" differs from "b a"); the finalizer
/// restores avalanche.
#[derive(Clone, Copy, Debug)]
pub struct ShingleHasher {
    n: usize,
    /// `B^(n-1)`, to remove the outgoing token in O(1).
    top: u64,
}

const BASE: u64 = 0x9e37_79b9_7f4a_7c15 | 1;

impl ShingleHasher {
    /// A hasher for shingles of `n` tokens. `n` must be at least 1.
    pub fn new(n: usize) -> Self {
        assert!(n >= 1, "shingle size must be at least 1");
        let mut top = 1u64;
        for _ in 1..n {
            top = top.wrapping_mul(BASE);
        }
        Self { n, top }
    }

    /// The shingle size.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Hashes of every window of `n` tokens, in order. A text shorter than
    /// `n` tokens (but not empty) yields one shingle of all its tokens, so
    /// that short documents still have a fingerprint; an empty one yields
    /// nothing.
    pub fn shingles<'a>(&self, tokens: &'a [u64]) -> Shingles<'a> {
        let width = self.n.min(tokens.len());
        let top = if width == self.n { self.top } else { pow(BASE, width.saturating_sub(1)) };
        let mut acc = 0u64;
        for &t in &tokens[..width] {
            acc = acc.wrapping_mul(BASE).wrapping_add(t);
        }
        Shingles { tokens, width, top, acc, next: width, done: width == 0 }
    }
}

fn pow(mut base: u64, mut exp: usize) -> u64 {
    let mut result = 1u64;
    while exp > 0 {
        if exp & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    result
}

/// Iterator over shingle hashes; see [`ShingleHasher::shingles`].
pub struct Shingles<'a> {
    tokens: &'a [u64],
    width: usize,
    top: u64,
    acc: u64,
    next: usize,
    done: bool,
}

impl Iterator for Shingles<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.done {
            return None;
        }
        let out = fmix64(self.acc);
        if self.next < self.tokens.len() {
            let outgoing = self.tokens[self.next - self.width];
            self.acc = self
                .acc
                .wrapping_sub(outgoing.wrapping_mul(self.top))
                .wrapping_mul(BASE)
                .wrapping_add(self.tokens[self.next]);
            self.next += 1;
        } else {
            self.done = true;
        }
        Some(out)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = if self.done { 0 } else { self.tokens.len() - self.next + 1 };
        (left, Some(left))
    }
}

impl ExactSizeIterator for Shingles<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(tokens: &[u64], n: usize) -> Vec<u64> {
        tokens
            .windows(n)
            .map(|w| fmix64(w.iter().fold(0u64, |acc, &t| acc.wrapping_mul(BASE).wrapping_add(t))))
            .collect()
    }

    #[test]
    fn rolling_equals_direct() {
        let tokens: Vec<u64> = (0..50u64).map(|i| fmix64(i * 7 + 1)).collect();
        for n in 1..8 {
            let rolled: Vec<u64> = ShingleHasher::new(n).shingles(&tokens).collect();
            assert_eq!(rolled, direct(&tokens, n), "n = {n}");
        }
    }

    #[test]
    fn short_and_empty_inputs() {
        let tokens = [fmix64(1), fmix64(2)];
        let cases: &[(&[u64], usize, usize)] =
            &[(&tokens, 5, 1), (&tokens, 2, 1), (&tokens, 1, 2), (&[], 5, 0)];
        for &(input, n, expected) in cases {
            assert_eq!(
                ShingleHasher::new(n).shingles(input).count(),
                expected,
                "n={n} len={}",
                input.len()
            );
        }
    }

    #[test]
    fn order_matters() {
        let a = [fmix64(1), fmix64(2)];
        let b = [fmix64(2), fmix64(1)];
        let h = ShingleHasher::new(2);
        assert_ne!(h.shingles(&a).next(), h.shingles(&b).next());
    }
}
