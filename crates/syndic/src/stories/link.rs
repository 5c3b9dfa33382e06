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

use std::collections::HashMap;

use super::date::Day;
use super::vector::{add, dot, Term};
use crate::boilerplate::IdBuild;
use crate::cluster::UnionFind;

/// What the chaining rule knows of a group: the sum of its members' unit
/// vectors, their count, and the first and last day of its dated members.
#[derive(Clone, Debug, Default)]
pub(super) struct Group {
    pub(super) sum: Vec<Term>,
    pub(super) size: u32,
    pub(super) span: Option<(Day, Day)>,
}

impl Group {
    /// A group of one document.
    pub(super) fn of(vector: &[Term], day: Option<Day>) -> Group {
        Group { sum: vector.to_vec(), size: 1, span: day.map(|d| (d, d)) }
    }

    /// The group of `members` (unit vectors with their days): what joining
    /// them one after another gives, each term's weights summed in the
    /// members' order (the same `f32` sums), in one pass; joining them one
    /// by one copies the growing sum for every member, which costs the
    /// square of a large story's size.
    pub(super) fn of_all<V: AsRef<[Term]>>(
        members: impl IntoIterator<Item = (V, Option<Day>)>,
    ) -> Group {
        let mut sum: HashMap<u64, Term, IdBuild> = HashMap::default();
        let mut group = Group::default();
        for (vector, day) in members {
            for t in vector.as_ref() {
                sum.entry(t.hash)
                    .and_modify(|s| {
                        s.weight += t.weight;
                        s.flags |= t.flags;
                    })
                    .or_insert(*t);
            }
            group.size += 1;
            group.span = widen(group.span, day.map(|d| (d, d)));
        }
        group.sum = sum.into_values().collect();
        group.sum.sort_unstable_by_key(|t| t.hash);
        group
    }

    /// The two groups as one.
    pub(super) fn join(&self, other: &Group) -> Group {
        Group {
            sum: add(&self.sum, &other.sum),
            size: self.size + other.size,
            span: widen(self.span, other.span),
        }
    }

    /// The rule: two groups are one story when their dated members
    /// together span at most `max_span_days` and the mean cosine over
    /// every pair across them reaches `threshold`. The batch linker and the
    /// index's online one both decide by it.
    pub(super) fn may_join(&self, other: &Group, threshold: f64, max_span_days: u64) -> bool {
        let max_span = i64::try_from(max_span_days).unwrap_or(i64::MAX);
        if widen(self.span, other.span)
            .is_some_and(|(first, last)| i64::from(last) - i64::from(first) > max_span)
        {
            return false;
        }
        let mean = dot(&self.sum, &other.sum) / (f64::from(self.size) * f64::from(other.size));
        mean >= threshold
    }
}

fn widen(a: Option<(Day, Day)>, b: Option<(Day, Day)>) -> Option<(Day, Day)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    }
}

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
    let mut groups: Vec<Group> = vec![Group::default(); n];
    for (doc, vector) in vectors.iter().enumerate() {
        let root = sets.find(doc as u32) as usize;
        groups[root] = groups[root].join(&Group::of(vector, days[doc]));
    }
    for &(a, b, _) in edges {
        let (ra, rb) = (sets.find(a), sets.find(b));
        if ra == rb {
            continue;
        }
        let (ra, rb) = (ra as usize, rb as usize);
        if groups[ra].may_join(&groups[rb], threshold, max_span_days) {
            sets.union(ra as u32, rb as u32);
            let root = sets.find(ra as u32) as usize;
            let other = if root == ra { rb } else { ra };
            let joined = groups[ra].join(&groups[rb]);
            groups[other] = Group::default();
            groups[root] = joined;
        }
    }
    (0..n as u32).map(|d| sets.find(d)).collect()
}
