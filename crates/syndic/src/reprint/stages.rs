//! The reprint pipeline cut into stages over shards of a corpus, for a
//! runner that spreads them over machines (the Ray runner,
//! `bindings/python/syndic/ray.py`). Each stage is a plain function over a
//! batch of documents, and the rules stay [`ReprintFinder`]'s: together
//! they give what one [`ReprintFinder`] gives over the whole corpus.
//!
//! 1. [`observe`] each shard (pass 1): every document's content hash and
//!    distinct passage fingerprints, and the shard's [`CorpusStats`] (line
//!    statistics for boilerplate, token document frequencies), which are
//!    counts: [`CorpusStats::merge`] them in any order and
//!    [`CorpusStats::model`] freezes them as a batch run does.
//! 2. [`fingerprint_links`] over the postings `(fingerprint, doc)` of one
//!    hash partition of fingerprints: the fingerprints too common to make
//!    pairs (in more than `max_df` documents), and edges that join the
//!    documents sharing each of the others. The connected components of
//!    these edges and of exact copies (each document to the first with its
//!    content hash) hold every candidate pair, every reprint edge and every
//!    cluster check of the batch run, which never reach across them.
//! 3. [`find_in_components`]: the batch pipeline over the documents of
//!    whole components, judged by the corpus model, with the common
//!    fingerprints excluded. Its result, with the documents renumbered in
//!    order, is the batch result restricted to them: a document outside
//!    every component is a cluster of its own, with similarity 1.
//! 4. [`label_boilerplate`] of every document, by the corpus model.

use std::sync::Arc;

use rayon::prelude::*;

use super::relate::DocFreq;
use super::{DocBoilerplate, ReprintConfig, ReprintFinder, ReprintResult};
use crate::boilerplate::{self, LineStats, RepeatedLines, Span};
use crate::doc::{DocId, Document};
use crate::error::Result;
use crate::fingerprint;
use crate::hash::content_hash;
use crate::normalize::Tokens;

/// What pass 1 learns over the corpus that judges every pair: line
/// statistics for boilerplate and token document frequencies. Counts, so
/// that shards counted apart and merged give the corpus's.
#[derive(Clone, Debug, Default)]
pub struct CorpusStats {
    pub(super) lines: LineStats,
    pub(super) doc_freq: DocFreq,
}

impl CorpusStats {
    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: CorpusStats) {
        self.lines.merge(other.lines);
        self.doc_freq.merge(&other.doc_freq);
    }

    /// Documents counted.
    pub fn docs(&self) -> u32 {
        self.lines.docs()
    }

    /// The counts as bytes: `lines_len:u64`, the line statistics
    /// ([`LineStats::encode`]), then the document frequencies.
    pub fn encode(&self) -> Vec<u8> {
        Self::encode_parts(&self.lines, &self.doc_freq)
    }

    /// [`encode`](Self::encode) of counts held apart, as a finder holds
    /// them.
    pub(super) fn encode_parts(lines: &LineStats, doc_freq: &DocFreq) -> Vec<u8> {
        let lines = lines.encode();
        let mut out = Vec::with_capacity(8 + lines.len());
        out.extend_from_slice(&(lines.len() as u64).to_le_bytes());
        out.extend_from_slice(&lines);
        out.extend_from_slice(&doc_freq.encode());
        out
    }

    /// Decodes [`encode`](Self::encode); `None` for bytes it did not write.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (len, rest) = bytes.split_at_checked(8)?;
        let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
        let (lines, doc_freq) = rest.split_at_checked(len)?;
        Some(CorpusStats { lines: LineStats::decode(lines)?, doc_freq: DocFreq::decode(doc_freq)? })
    }

    /// The frozen model pairs are judged by, as a batch run freezes it
    /// after pass 1.
    pub fn model(&self, config: &ReprintConfig) -> ReprintModel {
        let repeated =
            self.lines.freeze(config.boilerplate_min_docs(), config.boilerplate_min_site_docs());
        ReprintModel { repeated: Arc::new(repeated), doc_freq: Arc::new(self.doc_freq.clone()) }
    }
}

/// The statistics of a whole corpus, frozen: the repeated lines that are
/// boilerplate and the document frequencies of tokens.
#[derive(Clone, Debug, Default)]
pub struct ReprintModel {
    repeated: Arc<RepeatedLines>,
    doc_freq: Arc<DocFreq>,
}

/// A document's content hash and distinct passage fingerprints, sorted.
pub type Hashed = (u128, Vec<u64>);

/// Pass 1 of a batch of documents, the finder's: `(content hash,
/// distinct fingerprints sorted)` of each, and their statistics.
pub fn observe(docs: &[Document], config: &ReprintConfig) -> (Vec<Hashed>, CorpusStats) {
    let pass1: Vec<(Hashed, Vec<u32>)> = docs
        .par_iter()
        .map_init(Tokens::default, |tokens, doc| {
            config.normalizer().tokenize(&doc.text, tokens);
            (fingerprints_of(tokens, config), DocFreq::terms(tokens.hashes()))
        })
        .collect();
    let mut stats = CorpusStats::default();
    stats.lines.observe_batch(docs);
    let mut out = Vec::with_capacity(docs.len());
    for (hashed, terms) in pass1 {
        stats.doc_freq.add(&terms);
        out.push(hashed);
    }
    (out, stats)
}

/// The content hash and distinct fingerprints (sorted) of tokenized text,
/// as the batch pipeline's pass 1 computes them.
pub(crate) fn fingerprints_of(tokens: &Tokens, config: &ReprintConfig) -> Hashed {
    let mut fingerprints: Vec<u64> =
        fingerprint::of_tokens(tokens, config.fingerprint()).iter().map(|f| f.hash).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    (content_hash(tokens.normalized_bytes()), fingerprints)
}

/// Over the postings `(fingerprint, doc)` holding every document of the
/// fingerprints they name (each pair once): the fingerprints in more than
/// `max_df` documents, which make no pairs (sorted), and edges `(first,
/// other)` joining the documents of each of the others, whose components
/// hold every candidate pair the batch run makes of them.
pub fn fingerprint_links(
    postings: &mut [(u64, u32)],
    config: &ReprintConfig,
) -> (Vec<u64>, Vec<(u32, u32)>) {
    postings.sort_unstable();
    let max_df = config.fingerprint().max_df;
    let (mut common, mut edges) = (Vec::new(), Vec::new());
    for run in postings.chunk_by(|x, y| x.0 == y.0) {
        if run.len() > max_df {
            common.push(run[0].0);
        } else {
            edges.extend(run[1..].iter().map(|&(_, doc)| (run[0].1, doc)));
        }
    }
    (common, edges)
}

/// The batch pipeline over `docs` (whole components, see the module docs,
/// in corpus order), judged by `model`, the fingerprints `common` making no
/// pairs; the result numbers the documents `0..docs.len()`.
pub fn find_in_components(
    docs: &[Document],
    model: &ReprintModel,
    common: impl IntoIterator<Item = u64>,
    config: &ReprintConfig,
) -> Result<ReprintResult> {
    run_with_model(
        docs,
        model.repeated.clone(),
        model.doc_freq.clone(),
        common,
        Vec::new(),
        None,
        config,
    )?
    .finish()
}

/// A [`ReprintFinder`] judging by a model learned elsewhere, driven
/// through its passes over `docs`, ready to finish; `known_boilerplate`
/// is the boilerplate of the documents an earlier run by the same model
/// labelled (see [`ReprintFinder::known_boilerplate`]); `tokenized`, when
/// given, the tokens of each document by the config's normalizer, which
/// both passes then use instead of tokenizing it again.
pub(crate) fn run_with_model(
    docs: &[Document],
    repeated: Arc<RepeatedLines>,
    doc_freq: Arc<DocFreq>,
    common: impl IntoIterator<Item = u64>,
    known_boilerplate: Vec<Option<Arc<Vec<Span>>>>,
    tokenized: Option<&[&Tokens]>,
    config: &ReprintConfig,
) -> Result<ReprintFinder> {
    let mut finder = ReprintFinder::with_model(config.clone(), repeated, doc_freq);
    finder.exclude_fingerprints(common);
    finder.known_boilerplate(known_boilerplate);
    match tokenized {
        Some(tokens) => finder.add_tokenized(docs, tokens)?,
        None => finder.add_batch(docs)?,
    }
    finder.plan();
    while finder.pending_passes() > 0 {
        match tokenized {
            Some(tokens) => finder.second_pass_tokenized(docs, tokens)?,
            None => finder.second_pass_batch(docs)?,
        }
    }
    Ok(finder)
}

/// The boilerplate of each document of `docs`, by `model`, as the batch
/// run labels it (documents without any are left out; `doc` numbers them
/// from `first`).
pub fn label_boilerplate(
    docs: &[Document],
    first: u32,
    model: &ReprintModel,
    config: &ReprintConfig,
) -> Vec<DocBoilerplate> {
    boilerplate::batch_spans(docs, &model.repeated, config.classifier())
        .into_iter()
        .enumerate()
        .filter(|(_, spans)| !spans.is_empty())
        .map(|(i, spans)| DocBoilerplate { doc: DocId::from_u32(first + i as u32), spans })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Clustering, UnionFind};
    use crate::pairs::{exact_canonicals, ScoredPair};
    use crate::reprint::tests::corpus;
    use crate::reprint::SharedPassage;

    /// The test corpus with an exact copy and a footer on five pages, and
    /// settings under which the footer is boilerplate and its fingerprints
    /// too common to pair.
    fn setup() -> (Vec<Document>, ReprintConfig) {
        let mut docs = corpus();
        let footer = crate::reprint::tests::sentence(777, 30);
        for doc in docs.iter_mut().filter(|d| d.id.starts_with('u')) {
            doc.text = format!("{}\n\n{footer}", doc.text);
        }
        docs.push(Document::new("copy", docs[2].text.clone()));
        let fingerprint = crate::fingerprint::FingerprintConfig { max_df: 3, ..Default::default() };
        let config = ReprintConfig::builder()
            .boilerplate_min_docs(3)
            .fingerprint(fingerprint)
            .build()
            .unwrap();
        (docs, config)
    }

    fn batch(docs: &[Document], config: &ReprintConfig) -> ReprintResult {
        let mut finder = ReprintFinder::new(config.clone());
        finder.add_batch(docs).unwrap();
        finder.plan();
        while finder.pending_passes() > 0 {
            finder.second_pass_batch(docs).unwrap();
        }
        finder.finish().unwrap()
    }

    #[test]
    fn stages_over_shards_and_components_give_the_batch_result() {
        let (docs, config) = setup();
        let expected = batch(&docs, &config);
        assert!(expected.dedup.stats.verified_pairs > 0 && !expected.boilerplate.is_empty());

        // Pass 1 by shards of four, the statistics sent as bytes and merged.
        let (mut hashes, mut postings, mut stats) =
            (Vec::new(), Vec::new(), CorpusStats::default());
        for (i, shard) in docs.chunks(4).enumerate() {
            let (hashed, shard_stats) = observe(shard, &config);
            for (j, (hash, fingerprints)) in hashed.into_iter().enumerate() {
                let doc = (i * 4 + j) as u32;
                hashes.push(hash);
                postings.extend(fingerprints.into_iter().map(|f| (f, doc)));
            }
            stats.merge(CorpusStats::decode(&shard_stats.encode()).unwrap());
        }
        assert_eq!(stats.docs() as usize, docs.len());
        let model = stats.model(&config);

        // Components of the links and of exact copies.
        let (common, edges) = fingerprint_links(&mut postings, &config);
        assert!(!common.is_empty(), "the footer is too common to pair");
        let mut sets = UnionFind::new(docs.len());
        for (a, b) in edges {
            sets.union(a, b);
        }
        for (d, canonical) in exact_canonicals(&hashes).into_iter().enumerate() {
            sets.union(canonical.as_u32(), d as u32);
        }

        // Two partitions of whole components, each run alone.
        let n = docs.len();
        let mut representative: Vec<u32> = (0..n as u32).collect();
        let mut similarity = vec![1.0; n];
        let (mut pairs, mut passages): (Vec<ScoredPair>, Vec<SharedPassage>) = Default::default();
        for part in 0..2 {
            let members: Vec<usize> = (0..n).filter(|&d| sets.find(d as u32) % 2 == part).collect();
            let part_docs: Vec<Document> = members.iter().map(|&d| docs[d].clone()).collect();
            let found = find_in_components(&part_docs, &model, common.clone(), &config).unwrap();
            let global = |d: DocId| DocId::from_u32(members[d.as_usize()] as u32);
            let clustering = &found.dedup.clustering;
            for (local, &d) in members.iter().enumerate() {
                let rep =
                    clustering.representative(clustering.cluster_of(DocId::from_u32(local as u32)));
                representative[d] = global(rep).as_u32();
                similarity[d] = found.dedup.similarity[local];
            }
            pairs.extend(found.pairs().iter().map(|p| ScoredPair {
                a: global(p.a),
                b: global(p.b),
                ..*p
            }));
            passages.extend(found.passages.iter().map(|p| SharedPassage {
                a: global(p.a),
                b: global(p.b),
                ..*p
            }));
        }
        let clustering = Clustering::from_representatives(&representative);
        for d in (0..n as u32).map(DocId::from_u32) {
            assert_eq!(clustering.cluster_of(d), expected.dedup.clustering.cluster_of(d));
            assert_eq!(
                clustering.is_representative(d),
                expected.dedup.clustering.is_representative(d)
            );
        }
        assert_eq!(similarity, expected.dedup.similarity);
        pairs.sort_by_key(|p| (p.a, p.b));
        assert_eq!(pairs, expected.pairs());
        passages.sort_by_key(|p| (p.a, p.b));
        assert_eq!(passages, expected.passages);

        let labelled: Vec<DocBoilerplate> = docs
            .chunks(4)
            .enumerate()
            .flat_map(|(i, shard)| label_boilerplate(shard, (i * 4) as u32, &model, &config))
            .collect();
        assert_eq!(labelled, expected.boilerplate);
    }

    #[test]
    fn stats_bytes_are_checked() {
        let (docs, config) = setup();
        let bytes = observe(&docs, &config).1.encode();
        assert!(CorpusStats::decode(&bytes).is_some());
        assert!(CorpusStats::decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(CorpusStats::decode(&[bytes.as_slice(), &[0]].concat()).is_none());
        assert!(CorpusStats::decode(&[]).is_none());
    }
}
