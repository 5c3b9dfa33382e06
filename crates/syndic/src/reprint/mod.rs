//! The reprint pipeline: shared passages, boilerplate, and clusters that
//! survive abridgement.
//!
//! A reprint is the same story abridged, lightly edited and wrapped in
//! another site's page furniture. Whole-document Jaccard sees little of it
//! (0.10 to 0.20 between the seed copies), so this mode asks a different
//! question: what share of the shorter document's *own text* (not its
//! boilerplate) do the two documents share, passage by passage?
//!
//! [`ReprintFinder`] is driven like every corpus-wide stage
//! ([`crate::passes::CorpusPasses`]):
//!
//! 1. [`add_batch`](ReprintFinder::add_batch) (pass 1): tokens, content
//!    hash, winnowed fingerprints ([`crate::fingerprint`]) and line
//!    statistics for boilerplate learned across documents and sites;
//! 2. [`plan`](ReprintFinder::plan): exact copies, candidate pairs sharing
//!    fingerprints, the frozen repeated-line model;
//! 3. [`second_pass_batch`](ReprintFinder::second_pass_batch) (pass 2, read
//!    while [`pending_passes`](ReprintFinder::pending_passes) is positive):
//!    boilerplate labels of every document on the first reading; on each,
//!    alignment ([`crate::align`]) and coverage of the pairs whose earlier
//!    document is in that reading's window (see *Memory*);
//! 4. [`finish`](ReprintFinder::finish): reprint edges and checked
//!    clusters.
//!
//! ## Memory
//!
//! Aligning a pair needs both documents' tokens, seed index and TF-IDF
//! profile, some 8 bytes per byte of text. Document frequencies for the
//! profiles are counted in pass 1 in a fixed table of 2^20 buckets of
//! token hashes (4 MiB, whatever the vocabulary). They are held for one window of consecutive
//! documents at a time, sized to half of
//! [`align_memory`](ReprintConfigBuilder::align_memory), and for the slice
//! of the batch being read, sized to the other half; pass 2 is read once per
//! window. Alignment goes in two rounds, each split into windows: the
//! candidate pairs, then the pairs the cluster check needs that were no
//! candidates (a member and its cluster's representative). The results are
//! the same for any bound.
//!
//! What pass 2 keeps of the pairs grows with the candidate pairs, which
//! grow faster than the documents, so little is kept of each (see
//! `measured`): the pair itself once (8 bytes, shared by the round aligning
//! the candidates, whose index by later document takes 4 more while it
//! lasts), a byte saying whether it is a reprint and whether its texts are
//! parts of one story, and, for the reprint edges only (one in fifty at
//! 300,000 news articles), their coverages and covered content. The
//! passages of every candidate pair, boilerplate ones included, are all
//! written out, so they are kept, at 36 bytes each until
//! [`finish`](ReprintFinder::finish) returns them as [`SharedPassage`]s.
//! At 300,000 news articles (1.2 million candidate pairs, 0.23 passages a
//! pair) that is some 32 bytes per candidate pair, half of it passages,
//! where a map of every pair's score made it 162 (issue 16).
//!
//! ## When two documents are reprints
//!
//! Boilerplate tokens are masked out, and so are templates: a passage
//! whose figures mostly differ between the two documents is a form filled
//! in twice, not a story reused (see `is_template`). Passages are aligned
//! down to `min_piece_words`; one shorter than `min_passage_words` counts
//! only when the pair has at least `min_pieces` passages. Let `shorter` and
//! `longer` be the two documents ordered by content tokens. The pair is a
//! **reprint edge** when the shared passages cover
//!
//! * at least `min_coverage` of `shorter`'s content (containment, so an
//!   abridged copy qualifies) and either at least `min_longer_coverage` of
//!   `longer`'s content (so that a digest page quoting one paragraph of a
//!   long feature is not its copy) or `longer`'s **lead, in order**: the
//!   shape of a copy cut from the top, which a follow-up reusing background
//!   paragraphs from further down does not have; or at least 60 % of
//!   `shorter` (an **excerpt**: a note or an answer that is one stretch of
//!   a long source); or
//! * in at least `min_pieces` stretches apart (passages touching in both
//!   documents are one), at least `min_piece_coverage` of
//!   both documents' content, or half of `min_coverage` of `shorter`'s: a
//!   text composed of pieces of the other; or
//! * with the two texts related as wholes (see `relate`), less than the
//!   floors above where the shape says copy: `longer`'s lead in one
//!   stretch of two passage lengths or more, on a page whose furniture the
//!   classifier missed; or pieces in one stretch more than `min_pieces`,
//!   quoted in a text of the writer's own.
//!
//! ## Clusters that do not chain
//!
//! Every cluster is checked against its **source**: the fullest version
//! that the others are copies of (see `Evidence::source_ranks` in `chain`), not
//! the longest page. With [`Keep::Longest`](crate::cluster::Keep::Longest) the source is also the
//! representative; [`Keep::First`](crate::cluster::Keep::First) writes the first member as the
//! representative instead, and each member's `similarity` stays its
//! coverage against the source.
//!
//! Union-find over edges alone would let one page quoting two stories chain
//! them into one cluster. So clusters are **checked against their
//! representative**: after union-find, every member must itself be a
//! reprint (or an exact copy) of the cluster's representative, measured
//! directly; members that are not are taken out and clustered again among
//! themselves, until every cluster passes. Each member's `similarity` is its
//! coverage against the representative.
//!
//! A representative can itself be a compilation: a roundup carrying most of
//! two stories is a reprint of each, and each is a reprint of it. So the
//! members must also cover **the same part of the representative**: the
//! member whose passages cover the most of it is the cluster's anchor, and
//! a member whose covered part lies mostly (more than half) outside the
//! anchor's is taken out with the others, **unless the two are parts of
//! one story**: their own texts are related as wholes (a TF-IDF cosine of
//! at least 0.02 over their non-boilerplate tokens, document frequencies
//! from pass 1; see `relate`), as an abridged copy of a source's lead and
//! an excerpt from its middle are, sharing its names, and two unrelated
//! stories are not. Copies abridged from the bottom all cover the top of
//! the story and stay; of a roundup's two unrelated stories, one stays with
//! it and the other leaves. *Known weakness*: two stories on one subject
//! (a follow-up, another filing of one template) are related too, and a
//! member reprinting one of them stays with a cluster reprinting the other
//! when the representative carries both.
//!
//! ## Where the code is
//!
//! `config` holds the settings, `score` how a pair measures up and when it
//! is a reprint, `measured` what is kept of the pairs measured, `relate`
//! the whole-text relatedness (document frequencies and TF-IDF profiles),
//! `chain` the cluster check, `schedule` the phases and the
//! memory windows of pass 2, `finder` the [`ReprintFinder`] that drives
//! them, `result` what it returns, and `stages` the pipeline cut into stages over
//! shards for a distributed runner.

mod chain;
mod config;
mod finder;
mod measured;
mod relate;
mod result;
mod schedule;
mod score;
pub mod stages;

pub use config::{
    FollowUps, ReprintConfig, ReprintConfigBuilder, DEFAULT_MIN_PIECES, DEFAULT_MIN_PIECE_COVERAGE,
    DEFAULT_MIN_PIECE_WORDS,
};
pub use finder::ReprintFinder;
pub(crate) use relate::DocFreq;
pub use result::{DocBoilerplate, ReprintResult, SharedPassage, TextPassage};
pub use score::align_texts;

#[cfg(test)]
pub(crate) mod tests;
