//! Verified pairs and what a run makes of them: the result types that the
//! pipelines ([`crate::dedup`], [`crate::reprint`]), the cleaner and the
//! persistent index share, and the exact copies every one of them groups
//! first.
//!
//! *Not for*: deciding whether two documents are duplicates; each pipeline
//! measures and verifies its candidates, and this module only holds and
//! counts what they verified. *Rule*: pairs are `(earlier, later)` in
//! [`DocId`] order and lists of them are sorted by `(a, b)`, so that outputs
//! do not depend on thread timing.

use std::collections::HashMap;
use std::sync::Arc;

use crate::cluster::Clustering;
use crate::doc::DocId;
use crate::error::Result;
use crate::spill::{LazySpillDir, Merge, Partition};

/// How two documents were found to be duplicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// Same normalized text.
    Exact,
    /// Jaccard similarity at or above the threshold.
    Near,
    /// Shared passages covering most of the shorter document.
    Reprint,
}

/// A verified duplicate pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Measured similarity (1.0 for exact copies).
    pub similarity: f64,
    /// How it was found.
    pub kind: PairKind,
    /// Reprint mode: share of the shorter document's content covered by
    /// shared passages.
    pub coverage: Option<f64>,
}

/// A run's verified pairs, sorted by `(a, b)`: in memory, or, for a
/// deduper under a memory bound whose candidates outgrew it, read back from
/// disk as they are iterated.
///
/// Spilled, the near pairs are one run file of `(a << 32 | b, similarity
/// bits)` records in their own spill directory, removed when the last clone
/// of the pairs drops, and the exact pairs (8 B each) stay in memory; the
/// two are merged in order on every [`iter`](Self::iter). A pair is never
/// both: only the first copy of a text is ever a candidate.
#[derive(Clone, Debug, Default)]
pub struct Pairs(Repr);

#[derive(Clone, Debug)]
enum Repr {
    Memory(Vec<ScoredPair>),
    Spilled(Arc<SpilledPairs>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Memory(Vec::new())
    }
}

#[derive(Debug)]
struct SpilledPairs {
    /// `(first copy, copy)`, sorted.
    exact: Vec<(DocId, DocId)>,
    near: std::path::PathBuf,
    len: usize,
    /// Holds the run file; removed when dropped.
    _dir: LazySpillDir,
}

impl From<Vec<ScoredPair>> for Pairs {
    fn from(pairs: Vec<ScoredPair>) -> Self {
        Pairs(Repr::Memory(pairs))
    }
}

impl Pairs {
    /// Spilled pairs: the exact pairs of `canonical` and the `near_count`
    /// near pairs of the run file `near`, kept alive by `dir`.
    pub(crate) fn spilled(
        canonical: &[DocId],
        near: std::path::PathBuf,
        near_count: u64,
        dir: LazySpillDir,
    ) -> Self {
        let mut exact: Vec<(DocId, DocId)> = exact_pairs(canonical).map(|p| (p.a, p.b)).collect();
        exact.sort_unstable();
        let len = exact.len() + near_count as usize;
        Pairs(Repr::Spilled(Arc::new(SpilledPairs { exact, near, len, _dir: dir })))
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Memory(pairs) => pairs.len(),
            Repr::Spilled(spilled) => spilled.len,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs, when they are all in memory: always, except for a
    /// deduper's under a memory bound (see [`Pairs`]).
    pub fn in_memory(&self) -> Option<&[ScoredPair]> {
        match &self.0 {
            Repr::Memory(pairs) => Some(pairs),
            Repr::Spilled(_) => None,
        }
    }

    /// Every pair, in `(a, b)` order. Reading spilled pairs back can fail
    /// (the run file is checked as it is read); the error is then the
    /// iterator's last item.
    pub fn iter(&self) -> impl Iterator<Item = Result<ScoredPair>> + '_ {
        let (memory, spilled) = match &self.0 {
            Repr::Memory(pairs) => (Some(pairs.iter().copied().map(Ok)), None),
            Repr::Spilled(spilled) => (None, Some(spilled.iter())),
        };
        memory.into_iter().flatten().chain(spilled.into_iter().flatten())
    }

    /// Every pair, read into memory.
    pub fn to_vec(&self) -> Result<Vec<ScoredPair>> {
        self.iter().collect()
    }
}

impl SpilledPairs {
    fn iter(&self) -> SpilledIter<'_> {
        let near = Partition::of_run(self.near.clone()).merge();
        let (near, failed) = match near {
            Ok(merge) => (Some(merge), None),
            Err(e) => (None, Some(e)),
        };
        SpilledIter {
            exact: self.exact.iter().peekable(),
            near,
            next_near: None,
            failed,
            done: false,
        }
    }
}

/// The merge of spilled pairs' exact pairs and near run file.
struct SpilledIter<'a> {
    exact: std::iter::Peekable<std::slice::Iter<'a, (DocId, DocId)>>,
    near: Option<Merge<(u64, u64)>>,
    /// The next near pair, read ahead.
    next_near: Option<ScoredPair>,
    failed: Option<crate::Error>,
    /// An error was given: nothing follows it.
    done: bool,
}

impl Iterator for SpilledIter<'_> {
    type Item = Result<ScoredPair>;

    fn next(&mut self) -> Option<Result<ScoredPair>> {
        if self.done {
            return None;
        }
        if let Some(e) = self.failed.take() {
            self.done = true;
            return Some(Err(e));
        }
        if self.next_near.is_none() {
            match self.near.as_mut().and_then(Iterator::next) {
                Some(Ok((pair, bits))) => {
                    let (a, b) = unpack_pair(pair);
                    self.next_near = Some(ScoredPair {
                        a,
                        b,
                        similarity: f64::from_bits(bits),
                        kind: PairKind::Near,
                        coverage: None,
                    })
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None => self.near = None,
            }
        }
        let exact_first = match (self.exact.peek(), &self.next_near) {
            (Some(&&e), Some(near)) => e < (near.a, near.b),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if exact_first {
            let &(a, b) = self.exact.next().expect("peeked");
            return Some(Ok(ScoredPair {
                a,
                b,
                similarity: 1.0,
                kind: PairKind::Exact,
                coverage: None,
            }));
        }
        self.next_near.take().map(Ok)
    }
}

/// A pair as one `u64`, `a << 32 | b`: how spilled pairs sort and are
/// stored.
pub(crate) fn pack_pair(a: u32, b: u32) -> u64 {
    (a as u64) << 32 | b as u64
}

/// The pair of [`pack_pair`].
pub(crate) fn unpack_pair(pair: u64) -> (DocId, DocId) {
    (DocId::from_u32((pair >> 32) as u32), DocId::from_u32(pair as u32))
}

/// Counts of a finished run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct DedupStats {
    /// Documents seen.
    pub documents: usize,
    /// Documents whose normalized text equals an earlier document's.
    pub exact_duplicates: usize,
    /// Documents removed as near-duplicates (beyond exact copies).
    pub near_duplicates: usize,
    /// Clusters, singletons included.
    pub clusters: usize,
    /// `documents − clusters`: what `--write-deduped` drops.
    pub duplicates_removed: usize,
    /// Candidate pairs from LSH (or from passage fingerprints).
    pub candidate_pairs: usize,
    /// Candidate pairs that passed verification.
    pub verified_pairs: usize,
}

/// The outcome of a dedup run.
#[derive(Clone, Debug)]
pub struct DedupResult {
    /// Cluster of each document.
    pub clustering: Clustering,
    /// Each document's similarity to its cluster's representative.
    pub similarity: Vec<f64>,
    /// Verified pairs, sorted by `(a, b)`.
    pub pairs: Pairs,
    /// Counts.
    pub stats: DedupStats,
}

impl DedupStats {
    /// Counts of a run of `documents` documents, `exact_duplicates` of them
    /// copies of an earlier one, grouped into `clusters`.
    pub(crate) fn new(
        documents: usize,
        exact_duplicates: usize,
        clusters: usize,
        candidate_pairs: usize,
        verified_pairs: usize,
    ) -> Self {
        let duplicates_removed = documents - clusters;
        Self {
            documents,
            exact_duplicates,
            // Exact copies always share a cluster, so they are part of what
            // is removed; the rest is near-duplicates (or reprints).
            near_duplicates: duplicates_removed - exact_duplicates.min(duplicates_removed),
            clusters,
            duplicates_removed,
            candidate_pairs,
            verified_pairs,
        }
    }
}

/// For each document, the first document with the same content hash.
pub fn exact_canonicals(hashes: &[u128]) -> Vec<DocId> {
    let mut first: HashMap<u128, DocId> = HashMap::with_capacity(hashes.len());
    hashes
        .iter()
        .enumerate()
        .map(|(d, h)| *first.entry(*h).or_insert(DocId::from_u32(d as u32)))
        .collect()
}

/// One exact pair per document that copies an earlier one: (first copy,
/// document), similarity 1.
fn exact_pairs(canonical: &[DocId]) -> impl Iterator<Item = ScoredPair> + '_ {
    canonical.iter().enumerate().filter(|&(d, c)| c.as_usize() != d).map(|(d, &c)| ScoredPair {
        a: c,
        b: DocId::from_u32(d as u32),
        similarity: 1.0,
        kind: PairKind::Exact,
        coverage: None,
    })
}

/// Every pair of a run, sorted by `(a, b)`: one exact pair per document that
/// copies an earlier one (see [`exact_pairs`]), and the `verified` ones.
pub(crate) fn with_exact_pairs(canonical: &[DocId], verified: Vec<ScoredPair>) -> Vec<ScoredPair> {
    let mut pairs: Vec<ScoredPair> = exact_pairs(canonical).collect();
    pairs.extend(verified);
    pairs.sort_by_key(|p| (p.a, p.b));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_copies_table() {
        // (content hashes, canonical of each, exact pairs)
        type Case<'a> = (&'a [u128], &'a [u32], &'a [(u32, u32)]);
        let cases: &[Case] = &[
            (&[], &[], &[]),
            (&[7, 8, 9], &[0, 1, 2], &[]),
            // Every copy is paired with the first, not with the one before.
            (&[7, 8, 7, 7], &[0, 1, 0, 0], &[(0, 2), (0, 3)]),
            (&[8, 7, 7, 8], &[0, 1, 1, 0], &[(0, 3), (1, 2)]),
        ];
        let d = DocId::from_u32;
        for &(hashes, canonical, exact) in cases {
            let got = exact_canonicals(hashes);
            assert_eq!(got, canonical.iter().copied().map(d).collect::<Vec<_>>(), "{hashes:?}");
            let near = ScoredPair {
                a: d(0),
                b: d(1),
                similarity: 0.9,
                kind: PairKind::Near,
                coverage: None,
            };
            let verified = if hashes.len() > 1 && canonical[1] == 1 { vec![near] } else { vec![] };
            let pairs = with_exact_pairs(&got, verified.clone());
            let mut expected: Vec<(u32, u32)> = exact.to_vec();
            expected.extend(verified.iter().map(|p| (p.a.as_u32(), p.b.as_u32())));
            expected.sort_unstable();
            let ends: Vec<(u32, u32)> =
                pairs.iter().map(|p| (p.a.as_u32(), p.b.as_u32())).collect();
            assert_eq!(ends, expected, "{hashes:?}");
            let exact_kinds = pairs.iter().filter(|p| p.kind == PairKind::Exact).count();
            assert_eq!(exact_kinds, exact.len(), "{hashes:?}");
        }
    }

    #[test]
    fn stats_table() {
        // (documents, exact copies, clusters, near-duplicates removed)
        for (documents, exact, clusters, near) in
            [(4, 1, 2, 1), (4, 0, 4, 0), (5, 3, 2, 0), (3, 2, 1, 0)]
        {
            let stats = DedupStats::new(documents, exact, clusters, 0, 0);
            assert_eq!(stats.duplicates_removed, documents - clusters);
            assert_eq!(stats.near_duplicates, near, "{documents} {exact} {clusters}");
        }
    }
}
