//! Stage 6: clusters from verified pairs.
//!
//! Union-find (path halving, union by size) over the verified edges; then
//! every component gets a dense [`ClusterId`] and a representative.
//! Everything is decided on [`DocId`]s, never on thread timing:
//!
//! * clusters are numbered in the order of their first member in corpus
//!   order, so cluster 0 holds document 0;
//! * the representative is the first member ([`Keep::First`]) or the longest
//!   (most bytes; ties go to the first) ([`Keep::Longest`]).
//!
//! Union-find is transitive: A~B and B~C put A and C together even when A
//! and C are not similar. For near-duplicate detection at a high threshold
//! that is what users expect (it is what datasketch, text-dedup and datatrove
//! do), and each member's similarity to its representative is reported so
//! that chains can be seen. The reprint mode, where edges are weaker,
//! additionally checks members against the representative
//! (see `reprint`).
//!
//! ```
//! use syndic::cluster::{Clustering, Keep};
//! use syndic::DocId;
//! let d = DocId::from_u32;
//! let c = Clustering::from_edges(4, &[(d(1), d(3))], Keep::First, &[10, 5, 7, 20]);
//! assert_eq!(c.num_clusters(), 3);
//! assert_eq!(c.cluster_of(d(3)), c.cluster_of(d(1)));
//! assert_eq!(c.representative(c.cluster_of(d(3))), d(1));
//! ```

use crate::doc::DocId;

/// Dense id of a cluster, numbered in order of first member.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ClusterId(u32);

impl ClusterId {
    /// Wraps a raw value.
    pub const fn from_u32(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw value.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The value as an index.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// Which member of a cluster represents it (and is kept by
/// `--write-deduped`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The longest member; ties go to the first.
    #[default]
    Longest,
    /// The first member in corpus order.
    First,
}

crate::choice::choices!(Keep, "keep", ["longest" => Longest, "first" => First]);

/// The cluster of each component label seen so far: a vector indexed by
/// label when labels are document ids (as union-find roots are; 4 B a
/// document), a map otherwise.
enum ClusterIds {
    /// `u32::MAX` for a label not seen yet (cluster ids are below it: there
    /// are fewer clusters than documents, and document ids are `u32`s).
    Dense(Vec<u32>),
    Sparse(std::collections::HashMap<u32, ClusterId>),
}

impl ClusterIds {
    fn for_roots(roots: &[u32]) -> Self {
        if roots.iter().all(|&r| (r as usize) < roots.len()) {
            ClusterIds::Dense(vec![u32::MAX; roots.len()])
        } else {
            ClusterIds::Sparse(std::collections::HashMap::new())
        }
    }

    fn get_or_insert(&mut self, root: u32, next: ClusterId) -> ClusterId {
        match self {
            ClusterIds::Dense(ids) => {
                let id = &mut ids[root as usize];
                if *id == u32::MAX {
                    *id = next.0;
                }
                ClusterId(*id)
            }
            ClusterIds::Sparse(ids) => *ids.entry(root).or_insert(next),
        }
    }
}

/// Disjoint sets over `0..n`.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        Self { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    /// The root of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// Merges the sets of `a` and `b`; returns whether they were apart.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        true
    }
}

/// The assignment of documents to clusters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clustering {
    cluster: Vec<ClusterId>,
    representative: Vec<DocId>,
    size: Vec<u32>,
}

impl Clustering {
    /// Clusters of `n` documents joined by `edges`; `lengths[d]` is the
    /// length of document `d` (for [`Keep::Longest`]).
    pub fn from_edges(n: usize, edges: &[(DocId, DocId)], keep: Keep, lengths: &[u64]) -> Self {
        let mut sets = UnionFind::new(n);
        for &(a, b) in edges {
            sets.union(a.as_u32(), b.as_u32());
        }
        Self::from_sets(sets, keep, lengths)
    }

    /// Clusters of the sets of a union-find over every document, for
    /// edges that were joined as they were found rather than listed.
    pub fn from_sets(mut sets: UnionFind, keep: Keep, lengths: &[u64]) -> Self {
        let roots: Vec<u32> = (0..sets.parent.len() as u32).map(|d| sets.find(d)).collect();
        // The union-find is not needed any more: its memory goes before
        // the clustering's is taken.
        drop(sets);
        Self::from_roots(&roots, keep, lengths)
    }

    /// Clusters from any labelling of documents by a component label (equal
    /// label, same cluster); used to build a [`Clustering`] from the output
    /// of a distributed connected-components run.
    pub fn from_roots(roots: &[u32], keep: Keep, lengths: &[u64]) -> Self {
        assert_eq!(lengths.len(), roots.len(), "lengths of the wrong size");
        Self::from_roots_by(roots, |d, rep| {
            keep == Keep::Longest && lengths[d.as_usize()] > lengths[rep.as_usize()]
        })
    }

    /// Clusters from a component labelling, as [`from_roots`](Self::from_roots),
    /// with the representative of each cluster its first member unless a
    /// later one is `better(later, current)`.
    pub fn from_roots_by(roots: &[u32], better: impl Fn(DocId, DocId) -> bool) -> Self {
        let n = roots.len();
        let mut ids = ClusterIds::for_roots(roots);
        let mut cluster = Vec::with_capacity(n);
        let mut representative: Vec<DocId> = Vec::new();
        let mut size: Vec<u32> = Vec::new();
        for (d, &root) in roots.iter().enumerate() {
            let doc = DocId::from_u32(d as u32);
            let next = ClusterId(representative.len() as u32);
            let id = ids.get_or_insert(root, next);
            if id == next {
                representative.push(doc);
                size.push(0);
            }
            size[id.as_usize()] += 1;
            let rep = &mut representative[id.as_usize()];
            if better(doc, *rep) {
                *rep = doc;
            }
            cluster.push(id);
        }
        Self { cluster, representative, size }
    }

    /// Clusters from each document's representative (`representatives[d]`
    /// is a member of `d`'s cluster that is its own representative),
    /// numbered as every clustering is: in order of first member. Joins
    /// the clusterings of disjoint sets of documents into one.
    pub fn from_representatives(representatives: &[u32]) -> Self {
        Self::from_roots_by(representatives, |d, _| representatives[d.as_usize()] == d.as_u32())
    }

    /// Number of documents.
    pub fn num_docs(&self) -> usize {
        self.cluster.len()
    }

    /// Number of clusters (singletons included).
    pub fn num_clusters(&self) -> usize {
        self.representative.len()
    }

    /// The cluster of a document.
    pub fn cluster_of(&self, doc: DocId) -> ClusterId {
        self.cluster[doc.as_usize()]
    }

    /// The representative of a cluster.
    pub fn representative(&self, cluster: ClusterId) -> DocId {
        self.representative[cluster.as_usize()]
    }

    /// Whether `doc` represents its cluster.
    pub fn is_representative(&self, doc: DocId) -> bool {
        self.representative(self.cluster_of(doc)) == doc
    }

    /// The size of a cluster.
    pub fn size(&self, cluster: ClusterId) -> usize {
        self.size[cluster.as_usize()] as usize
    }

    /// Histogram of cluster sizes: `(size, number of clusters)`, ascending.
    pub fn size_histogram(&self) -> Vec<(usize, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for &s in &self.size {
            *counts.entry(s as usize).or_insert(0usize) += 1;
        }
        counts.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(x: u32) -> DocId {
        DocId::from_u32(x)
    }

    #[test]
    fn clustering_table() {
        // (edges, keep, lengths, expected cluster per doc, expected representative per cluster)
        type Case = (Vec<(u32, u32)>, Keep, Vec<u64>, Vec<u32>, Vec<u32>);
        let cases: Vec<Case> = vec![
            (vec![], Keep::First, vec![1, 1, 1], vec![0, 1, 2], vec![0, 1, 2]),
            (vec![(0, 2)], Keep::First, vec![1, 1, 1], vec![0, 1, 0], vec![0, 1]),
            (vec![(2, 1), (1, 0)], Keep::Longest, vec![5, 9, 9], vec![0, 0, 0], vec![1]),
            (vec![(3, 1)], Keep::Longest, vec![1, 1, 1, 8], vec![0, 1, 2, 1], vec![0, 3, 2]),
        ];
        for (edges, keep, lengths, clusters, reps) in cases {
            let edges: Vec<_> = edges.iter().map(|&(a, b)| (d(a), d(b))).collect();
            let c = Clustering::from_edges(lengths.len(), &edges, keep, &lengths);
            let got: Vec<u32> =
                (0..lengths.len() as u32).map(|x| c.cluster_of(d(x)).as_u32()).collect();
            assert_eq!(got, clusters, "edges {edges:?}");
            let got_reps: Vec<u32> = (0..c.num_clusters() as u32)
                .map(|x| c.representative(ClusterId(x)).as_u32())
                .collect();
            assert_eq!(got_reps, reps, "edges {edges:?}");
        }
    }

    #[test]
    fn edge_order_does_not_matter() {
        let lengths = vec![3, 1, 4, 1, 5, 9];
        let edges = vec![(d(0), d(4)), (d(4), d(5)), (d(1), d(3))];
        let mut reversed = edges.clone();
        reversed.reverse();
        assert_eq!(
            Clustering::from_edges(6, &edges, Keep::Longest, &lengths),
            Clustering::from_edges(6, &reversed, Keep::Longest, &lengths)
        );
    }

    #[test]
    fn histogram_counts_sizes() {
        let c = Clustering::from_edges(5, &[(d(0), d(1)), (d(1), d(2))], Keep::First, &[1; 5]);
        assert_eq!(c.size_histogram(), vec![(1, 2), (3, 1)]);
    }
}
