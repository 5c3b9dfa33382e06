//! The chaining rule: clusters checked against their source (see "Clusters
//! that do not chain" in the module notes of [`crate::reprint`]). Union-find
//! over reprint edges would let one page quoting two stories chain them;
//! here every member must be a reprint of its cluster's source, measured
//! directly, and of the same part of it as the cluster's anchor. *Not
//! for*: measuring pairs ([`super::score`]); pairs the check needs that
//! were not aligned are handed back to be scheduled. *Rule*: ranks and
//! verdicts follow `DocId`s, never the order pairs were measured in.

use rayon::prelude::*;

use super::config::ReprintConfig;
use super::measured::Measured;
use super::score::Runs;
use crate::cluster::{Clustering, Keep};
use crate::doc::DocId;
use crate::pairs::ScoredPair;

/// What the cluster check judges by.
pub(super) struct Evidence<'a> {
    pub(super) config: &'a ReprintConfig,
    /// For each document, the first with the same normalized text.
    pub(super) canonical: &'a [DocId],
    /// Bytes of each document.
    pub(super) lengths: &'a [u64],
    pub(super) measured: &'a Measured,
    /// How strongly each document is a source (see
    /// [`source_ranks`](Self::source_ranks)), frozen once the candidates
    /// are aligned.
    pub(super) source_rank: &'a [u64],
}

impl Evidence<'_> {
    /// Union-find over the edges, then every member checked against its
    /// representative; failing members are re-clustered among themselves.
    /// Pairs not aligned count as no reprint; with `missing`, they are
    /// collected there too.
    pub(super) fn checked_clusters(
        &self,
        pairs: &[ScoredPair],
        mut missing: Option<&mut Vec<(DocId, DocId)>>,
    ) -> (Clustering, Vec<f64>) {
        let n = self.lengths.len();
        let mut label: Vec<u32> = (0..n as u32).collect();
        let mut similarity = vec![1.0; n];
        let mut active: Vec<bool> = vec![true; n];
        loop {
            let edges: Vec<(DocId, DocId)> = pairs
                .iter()
                .filter(|p| active[p.a.as_usize()] && active[p.b.as_usize()])
                .map(|p| (p.a, p.b))
                .collect();
            if edges.is_empty() {
                break;
            }
            // Members are checked against the cluster's source whatever the
            // keep policy: a copy of the source is never split off from it
            // because the first member happens to quote it in pieces.
            let clustering = Clustering::from_edges(n, &edges, Keep::Longest, self.source_rank);
            let members: Vec<DocId> = (0..n as u32)
                .map(DocId::from_u32)
                .filter(|&d| active[d.as_usize()] && clustering.size(clustering.cluster_of(d)) > 1)
                .collect();
            let mut verdicts: Vec<(DocId, DocId, Option<f64>)> = members
                .par_iter()
                .map(|&d| {
                    let rep = clustering.representative(clustering.cluster_of(d));
                    (d, rep, self.similarity_to(d, rep))
                })
                .collect();
            self.reject_off_anchor(&mut verdicts, missing.as_deref_mut());
            if let Some(missing) = missing.as_deref_mut() {
                missing.extend(verdicts.iter().filter_map(|&(d, rep, _)| self.unaligned(d, rep)));
            }
            let mut rejected = false;
            let mut next_active = vec![false; n];
            for (d, rep, verdict) in verdicts {
                match verdict {
                    Some(s) => {
                        label[d.as_usize()] = rep.as_u32();
                        similarity[d.as_usize()] = s;
                    }
                    None => {
                        rejected = true;
                        next_active[d.as_usize()] = true;
                    }
                }
            }
            if !rejected {
                break;
            }
            active = next_active;
        }
        // The keep policy only picks which member is written as the
        // representative (and kept by a deduplicated output).
        (Clustering::from_roots(&label, self.config.keep(), self.source_rank), similarity)
    }

    /// How strongly each document is the source of its cluster: the
    /// fullest version, the one the others are copies of, rather than the
    /// longest page (a copy in heavy page furniture, or a text that quotes
    /// pieces of the story among much of its own). A document ranks by how
    /// much of the others it contains: the sum, over its reprint edges, of
    /// the share of the other document's own text that their passages
    /// cover. The source contains every copy, abridgement and excerpt whole,
    /// and of a composed text its pieces; a composed text contains a part
    /// of the source. Ties go to the longer own text, then to the longer
    /// page (between exact copies, the one with the most markup kept), then
    /// to the first; exact copies rank as the first of their group.
    pub(super) fn source_ranks(&self) -> Vec<u64> {
        let n = self.lengths.len();
        // In thousandths, each edge's share rounded alone, so that the sums
        // do not depend on the order the edges are visited in.
        let mut contained = vec![0u64; n];
        for ((a, b), edge) in self.measured.reprints() {
            let [ra, rb] = &edge.covered;
            let share = |runs: &Runs, d: DocId| {
                let own = u64::from(self.measured.content_tokens[d.as_usize()]);
                (runs.len() * 1000).checked_div(own).unwrap_or(0)
            };
            contained[a.as_usize()] += share(rb, b);
            contained[b.as_usize()] += share(ra, a);
        }
        (0..n)
            .map(|d| {
                let c = self.canonical[d].as_usize();
                let contains = contained[c].min((1 << 24) - 1);
                let own = u64::from(self.measured.content_tokens[c]).min((1 << 24) - 1);
                let bytes = self.lengths[d].min((1 << 16) - 1);
                (contains << 40) | (own << 16) | bytes
            })
            .collect()
    }

    /// Members that are reprints of their representative must also be
    /// reprints of the same part of it. Each cluster's anchor is the member
    /// whose passages cover the most of the representative's content (the
    /// earliest, on a tie); a member whose covered part lies mostly outside
    /// the anchor's is rejected. So when a roundup of two stories is the
    /// representative, one story stays with it and the other leaves.
    /// Exact copies of the representative cover all of it and are kept.
    fn reject_off_anchor(
        &self,
        verdicts: &mut [(DocId, DocId, Option<f64>)],
        mut missing: Option<&mut Vec<(DocId, DocId)>>,
    ) {
        // Sorted by representative, then member (verdicts are in DocId order).
        let mut parts: Vec<(DocId, usize, &Runs)> = verdicts
            .iter()
            .enumerate()
            .filter_map(|(i, &(d, rep, verdict))| {
                verdict?;
                Some((rep, i, self.covered_part_of(rep, d)?))
            })
            .collect();
        parts.sort_by_key(|&(rep, i, _)| (rep, i));
        for cluster in parts.chunk_by(|x, y| x.0 == y.0) {
            let (anchor_doc, anchor) = cluster
                .iter()
                .max_by_key(|&&(_, i, runs)| (runs.len(), std::cmp::Reverse(i)))
                .map(|&(_, i, runs)| (verdicts[i].0, runs))
                .expect("chunks are not empty");
            for &(_, i, runs) in cluster {
                if 2 * runs.overlap(anchor) < runs.len() {
                    let doc = verdicts[i].0;
                    if let Some(missing) = missing.as_deref_mut() {
                        missing.extend(self.unaligned(doc, anchor_doc));
                    }
                    if !self.same_story(doc, anchor_doc) {
                        verdicts[i].2 = None;
                    }
                }
            }
        }
    }

    /// The content of `rep` covered by its passages with `doc`, when `doc`
    /// is a reprint of it (not an exact copy).
    fn covered_part_of(&self, rep: DocId, doc: DocId) -> Option<&Runs> {
        let (cd, cr) = (self.canonical[doc.as_usize()], self.canonical[rep.as_usize()]);
        let key = (cd.min(cr), cd.max(cr));
        let [earlier, later] = &self.measured.reprint(key)?.covered;
        Some(if cr == key.0 { earlier } else { later })
    }

    /// `Some(coverage)` when `doc` is an exact copy or a reprint of `rep`.
    fn similarity_to(&self, doc: DocId, rep: DocId) -> Option<f64> {
        let (cd, cr) = (self.canonical[doc.as_usize()], self.canonical[rep.as_usize()]);
        if cd == cr {
            return Some(1.0);
        }
        Some(self.measured.reprint((cd.min(cr), cd.max(cr)))?.similarity)
    }

    /// Whether two members that cover different parts of their source are
    /// parts of one story: their own texts are related as wholes (see
    /// [`super::relate`], and `STORY_RELATEDNESS` in [`super::measured`]),
    /// as an excerpt from the middle of a story and an abridged copy of its
    /// lead are, and two stories a roundup carries are not. A pair not
    /// aligned is not.
    fn same_story(&self, doc: DocId, anchor: DocId) -> bool {
        let (cd, ca) = (self.canonical[doc.as_usize()], self.canonical[anchor.as_usize()]);
        self.measured.verdict((cd.min(ca), cd.max(ca))).is_some_and(|v| v.is_same_story())
    }

    /// The pair to align to judge `doc` against `rep`, if not aligned yet.
    fn unaligned(&self, doc: DocId, rep: DocId) -> Option<(DocId, DocId)> {
        let (cd, cr) = (self.canonical[doc.as_usize()], self.canonical[rep.as_usize()]);
        let key = (cd.min(cr), cd.max(cr));
        (cd != cr && self.measured.verdict(key).is_none()).then_some(key)
    }
}
