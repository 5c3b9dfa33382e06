//! The chaining rule: groups join only when they are related **on
//! average**, never through one pair.
//!
//! A story grows over days, and its last follow-up may share little with
//! its first report; single links (union-find over similar pairs) would
//! then chain story to story through one bridging article. Here a link is
//! an average-link decision. Groups start as the reuse clusters (copies and
//! reprints of one text are one story). Candidate pairs whose cosine
//! reaches the threshold are taken in order of cosine, largest first (ties
//! by document order); a pair whose documents are in different groups
//! joins the groups only if the **mean cosine over every pair across
//! them** reaches the threshold as well. With unit vectors that mean is the
//! dot product of the groups' vector sums over the product of their sizes,
//! so each decision costs one sparse dot product. One pass, no revisiting:
//! a decision refused stays refused, which keeps the result a function of
//! the ordered pairs alone.

use super::vector::{add, dot, Term};
use crate::cluster::UnionFind;

/// The root of each document's group after linking. `reuse` holds the
/// starting groups (documents with equal roots start together), `edges`
/// the candidate pairs in decision order.
pub(super) fn link(
    vectors: &[Vec<Term>],
    reuse: &[u32],
    edges: &[(u32, u32, f64)],
    threshold: f64,
) -> Vec<u32> {
    let n = vectors.len();
    let mut sets = UnionFind::new(n);
    for (doc, &root) in reuse.iter().enumerate() {
        sets.union(doc as u32, root);
    }
    let mut sums: Vec<Vec<Term>> = vec![Vec::new(); n];
    let mut sizes: Vec<u32> = vec![0; n];
    for (doc, vector) in vectors.iter().enumerate() {
        let root = sets.find(doc as u32) as usize;
        sums[root] = add(&sums[root], vector);
        sizes[root] += 1;
    }
    for &(a, b, _) in edges {
        let (ra, rb) = (sets.find(a), sets.find(b));
        if ra == rb {
            continue;
        }
        let (ra, rb) = (ra as usize, rb as usize);
        let mean = dot(&sums[ra], &sums[rb]) / (f64::from(sizes[ra]) * f64::from(sizes[rb]));
        if mean >= threshold {
            sets.union(ra as u32, rb as u32);
            let root = sets.find(ra as u32) as usize;
            let (other, size) = (if root == ra { rb } else { ra }, sizes[ra] + sizes[rb]);
            let sum = add(&sums[ra], &sums[rb]);
            sums[other] = Vec::new();
            sums[root] = sum;
            sizes[root] = size;
        }
    }
    (0..n as u32).map(|d| sets.find(d)).collect()
}
