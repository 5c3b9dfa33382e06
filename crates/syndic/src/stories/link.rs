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
//! so each decision costs one sparse dot product. A merge is also refused
//! when the dated members of the two groups together would span more than
//! `max_span_days`: routine notices of one template ("... Net Asset
//! Value(s)", every day) are alike on average, and without a bound in time
//! they would join day after day into one story of months. One pass, no revisiting:
//! a decision refused stays refused, which keeps the result a function of
//! the ordered pairs alone.

use super::date::Day;
use super::vector::{add, dot, Term};
use crate::cluster::UnionFind;

/// The root of each document's group after linking. `reuse` holds the
/// starting groups (documents with equal roots start together), `edges`
/// the candidate pairs in decision order, `days` each document's day.
pub(super) fn link(
    vectors: &[Vec<Term>],
    days: &[Option<Day>],
    reuse: &[u32],
    edges: &[(u32, u32, f64)],
    threshold: f64,
    max_span_days: u64,
) -> Vec<u32> {
    let n = vectors.len();
    let mut sets = UnionFind::new(n);
    for (doc, &root) in reuse.iter().enumerate() {
        sets.union(doc as u32, root);
    }
    let mut sums: Vec<Vec<Term>> = vec![Vec::new(); n];
    let mut sizes: Vec<u32> = vec![0; n];
    // The first and last day of each group's dated members.
    let mut spans: Vec<Option<(Day, Day)>> = vec![None; n];
    let widen = |a: Option<(Day, Day)>, b: Option<(Day, Day)>| match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    };
    for (doc, vector) in vectors.iter().enumerate() {
        let root = sets.find(doc as u32) as usize;
        sums[root] = add(&sums[root], vector);
        sizes[root] += 1;
        spans[root] = widen(spans[root], days[doc].map(|d| (d, d)));
    }
    let max_span = i64::try_from(max_span_days).unwrap_or(i64::MAX);
    for &(a, b, _) in edges {
        let (ra, rb) = (sets.find(a), sets.find(b));
        if ra == rb {
            continue;
        }
        let (ra, rb) = (ra as usize, rb as usize);
        let span = widen(spans[ra], spans[rb]);
        if span.is_some_and(|(first, last)| i64::from(last) - i64::from(first) > max_span) {
            continue;
        }
        let mean = dot(&sums[ra], &sums[rb]) / (f64::from(sizes[ra]) * f64::from(sizes[rb]));
        if mean >= threshold {
            sets.union(ra as u32, rb as u32);
            let root = sets.find(ra as u32) as usize;
            let (other, size) = (if root == ra { rb } else { ra }, sizes[ra] + sizes[rb]);
            let sum = add(&sums[ra], &sums[rb]);
            sums[other] = Vec::new();
            sums[root] = sum;
            sizes[root] = size;
            spans[root] = span;
        }
    }
    (0..n as u32).map(|d| sets.find(d)).collect()
}
