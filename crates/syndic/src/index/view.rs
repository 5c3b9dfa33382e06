//! The index's logic over one transaction: lookups, verification and
//! clusters for reads (queries, reports, export) and writes (add, delete).
//!
//! [`View`] is generic over the table family, redb's read-only tables of a
//! read transaction or the tables of a write transaction, so that a query
//! and an add share one code path for candidates and verification and so
//! cannot disagree about what matches.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use redb::{Key, ReadOnlyTable, ReadTransaction, ReadableTable, Table, Value, WriteTransaction};

use super::cache::DocCache;
use super::format::{self, store_error, Counters, DocRecord, RootRecord};
use super::report::{ClusterInfo, DocReport, Match, QueryReport};
use crate::cluster::Keep;
use crate::dedup::{sketch_batch, DedupConfig, Mode};
use crate::doc::{DocId, Document};
use crate::error::{Error, Result};
use crate::normalize::Tokens;
use crate::pairs::PairKind;
use crate::sketch::estimate_jaccard;
use crate::verify::{jaccard_sorted, VerifyMethod};

/// zstd level for stored texts: level 3 compresses news text about 3:1 at
/// hundreds of MB/s, so it never limits adds.
const TEXT_ZSTD_LEVEL: i32 = 3;
/// First byte of a `texts` value: the text follows as it is (a headline
/// does not shrink under zstd, whose frame header alone is 6 bytes).
pub(crate) const TEXT_RAW: u8 = 0;
/// First byte of a `texts` value: a zstd frame follows.
pub(crate) const TEXT_ZSTD: u8 = 1;

/// What an add or a query needs of a document, computed in parallel
/// before the (sequential) transaction.
pub(crate) struct Prepared {
    pub(super) hash: u128,
    pub(super) tokens: u32,
    pub(super) bytes: u64,
    pub(super) signature: Vec<u32>,
    /// The shingle set, when verification is by exact Jaccard.
    pub(super) set: Option<Vec<u64>>,
    /// The `texts` value (empty for queries, which store nothing).
    pub(super) stored: Vec<u8>,
    /// What a reprint index keeps besides (see [`super::online`]).
    pub(super) online: Option<super::online::OnlinePrep>,
}

/// Sketches, shingle sets and (with `store`) encoded texts of a batch, in
/// parallel. Hashes and signatures come from [`sketch_batch`], the batch
/// pipeline's own pass 1, so that both see the same documents the same way.
pub(crate) fn prepare(
    docs: &[Document],
    config: &DedupConfig,
    store: bool,
) -> std::io::Result<Vec<Prepared>> {
    let sketches = sketch_batch(docs, config);
    let need_sets = config.mode() == Mode::MinHash && config.verify() == VerifyMethod::Exact;
    sketches
        .into_par_iter()
        .zip(docs.par_iter())
        .map_init(
            || (Tokens::default(), None),
            |(tokens, compressor), (sketch, doc)| {
                Ok(Prepared {
                    hash: sketch.content_hash,
                    tokens: sketch.tokens,
                    bytes: doc.text.len() as u64,
                    signature: sketch.signature,
                    set: need_sets.then(|| config.shingler().shingle_set(&doc.text, tokens)),
                    stored: if store { encode_text(compressor, &doc.text)? } else { Vec::new() },
                    online: None,
                })
            },
        )
        .collect()
}

/// The `texts` value of `text`: zstd when that is smaller, else raw. The
/// compressor is kept per worker thread: creating a zstd context costs
/// more than compressing a headline.
pub(super) fn encode_text(
    compressor: &mut Option<zstd::bulk::Compressor<'static>>,
    text: &str,
) -> std::io::Result<Vec<u8>> {
    let compressor = match compressor {
        Some(c) => c,
        None => compressor.insert(zstd::bulk::Compressor::new(TEXT_ZSTD_LEVEL)?),
    };
    let frame = compressor.compress(text.as_bytes())?;
    let (codec, body) = if frame.len() < text.len() {
        (TEXT_ZSTD, frame.as_slice())
    } else {
        (TEXT_RAW, text.as_bytes())
    };
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(codec);
    out.extend_from_slice(body);
    Ok(out)
}

/// Tables of a read or of a write transaction.
pub(crate) trait Family {
    type Table<K: Key + 'static, V: Value + 'static>: ReadableTable<K, V>;
}

/// The read-only tables of a read transaction (a snapshot).
pub(crate) struct Read;

impl Family for Read {
    type Table<K: Key + 'static, V: Value + 'static> = ReadOnlyTable<K, V>;
}

/// The tables of a write transaction.
pub(crate) struct Write<'t>(PhantomData<&'t ()>);

impl<'t> Family for Write<'t> {
    type Table<K: Key + 'static, V: Value + 'static> = Table<'t, K, V>;
}

/// Every table of the index, open in one transaction.
pub(crate) struct Tables<F: Family> {
    pub(crate) counters: F::Table<&'static str, u64>,
    pub(crate) ids: F::Table<&'static str, u32>,
    pub(crate) docs: F::Table<u32, &'static [u8]>,
    pub(crate) texts: F::Table<u32, &'static [u8]>,
    pub(crate) signatures: F::Table<u32, &'static [u8]>,
    pub(crate) bands: F::Table<[u8; 14], ()>,
    pub(crate) exact: F::Table<[u8; 20], ()>,
    pub(crate) edges: F::Table<[u8; 8], [u8; 9]>,
    pub(crate) parents: F::Table<u32, u32>,
    pub(crate) roots: F::Table<u32, [u8; 16]>,
    pub(crate) postings: F::Table<[u8; 12], ()>,
    pub(crate) learned: F::Table<u32, &'static [u8]>,
    pub(crate) stories: F::Table<u32, &'static [u8]>,
    pub(crate) story_joins: F::Table<u32, &'static [u8]>,
}

pub(crate) type ReadTables = Tables<Read>;
pub(crate) type WriteTables<'t> = Tables<Write<'t>>;

/// Opens every table of the index in `txn`, a read or a write transaction
/// (redb gives them no common trait).
macro_rules! open_tables {
    ($txn:expr, $dir:expr) => {{
        let err = |e: redb::TableError| store_error($dir, e);
        Ok(Tables {
            counters: $txn.open_table(format::COUNTERS).map_err(err)?,
            ids: $txn.open_table(format::IDS).map_err(err)?,
            docs: $txn.open_table(format::DOCS).map_err(err)?,
            texts: $txn.open_table(format::TEXTS).map_err(err)?,
            signatures: $txn.open_table(format::SIGNATURES).map_err(err)?,
            bands: $txn.open_table(format::BANDS).map_err(err)?,
            exact: $txn.open_table(format::EXACT).map_err(err)?,
            edges: $txn.open_table(format::EDGES).map_err(err)?,
            parents: $txn.open_table(format::PARENTS).map_err(err)?,
            roots: $txn.open_table(format::ROOTS).map_err(err)?,
            postings: $txn.open_table(format::POSTINGS).map_err(err)?,
            learned: $txn.open_table(format::LEARNED).map_err(err)?,
            stories: $txn.open_table(format::STORIES).map_err(err)?,
            story_joins: $txn.open_table(format::STORY_JOINS).map_err(err)?,
        })
    }};
}

impl ReadTables {
    pub(crate) fn open(txn: &ReadTransaction, dir: &Path) -> Result<ReadTables> {
        open_tables!(txn, dir)
    }
}

impl<'t> WriteTables<'t> {
    pub(crate) fn open(txn: &'t WriteTransaction, dir: &Path) -> Result<WriteTables<'t>> {
        open_tables!(txn, dir)
    }
}

/// Creates every table, so that read transactions find them all.
pub(crate) fn create_tables(txn: &WriteTransaction, dir: &Path) -> Result<()> {
    WriteTables::open(txn, dir).map(drop)
}

/// An edge as seen from one end: the other end, similarity, kind.
type Edge = (DocId, f64, PairKind);

/// One transaction's view of the index, with caches of what verification
/// rebuilds (shingle sets, signatures) so that a batch pays for each
/// stored document once.
pub(crate) struct View<'a, F: Family> {
    tables: Tables<F>,
    dir: &'a Path,
    config: &'a DedupConfig,
    /// Content hashes of documents not (yet) in `docs`: queries.
    pending: HashMap<DocId, u128>,
    sets: HashMap<DocId, Arc<Vec<u64>>>,
    signatures: HashMap<DocId, Arc<Vec<u32>>>,
    decompressor: Option<zstd::bulk::Decompressor<'static>>,
    /// Stored documents kept between answers, and the first `DocId` this
    /// view may keep there none of: the documents committed before it
    /// began are below (see [`super::cache`]).
    cache: Option<(&'a DocCache, u64)>,
}

impl<'a, F: Family> View<'a, F> {
    pub(crate) fn new(tables: Tables<F>, dir: &'a Path, config: &'a DedupConfig) -> Self {
        Self {
            tables,
            dir,
            config,
            pending: HashMap::new(),
            sets: HashMap::new(),
            signatures: HashMap::new(),
            decompressor: None,
            cache: None,
        }
    }

    /// This view, reading the documents committed before it began through
    /// `cache`.
    pub(crate) fn with_cache(mut self, cache: &'a DocCache) -> Result<Self> {
        self.cache = Some((cache, self.counters()?.next_doc));
        Ok(self)
    }

    /// The cache, when `d` may be kept in it.
    pub(super) fn cache_for(&self, d: DocId) -> Option<&'a DocCache> {
        self.cache.filter(|&(_, committed)| u64::from(d.as_u32()) < committed).map(|(c, _)| c)
    }

    pub(crate) fn tables(&self) -> &Tables<F> {
        &self.tables
    }

    pub(super) fn tables_mut(&mut self) -> &mut Tables<F> {
        &mut self.tables
    }

    pub(super) fn dir(&self) -> &Path {
        self.dir
    }

    pub(super) fn store<E: Into<redb::Error>>(&self) -> impl Fn(E) -> Error + '_ {
        move |e| store_error(self.dir, e)
    }

    pub(super) fn corrupt(&self, what: String) -> Error {
        Error::Index { path: self.dir.to_owned(), message: format!("corrupt index: {what}") }
    }

    pub(crate) fn counters(&self) -> Result<Counters> {
        Counters::load(&self.tables.counters, self.dir)
    }

    /// The `DocId` of the live document `id`.
    pub(crate) fn doc_id(&self, id: &str) -> Result<Option<DocId>> {
        let found = self.tables.ids.get(id).map_err(self.store())?;
        Ok(found.map(|v| DocId::from_u32(v.value())))
    }

    pub(crate) fn decode_record(&self, key: u32, bytes: &[u8]) -> Result<DocRecord> {
        DocRecord::decode(bytes).ok_or_else(|| self.corrupt(format!("record of document {key}")))
    }

    pub(super) fn record(&self, d: DocId) -> Result<DocRecord> {
        let found = self.tables.docs.get(d.as_u32()).map_err(self.store())?;
        match found {
            Some(bytes) => self.decode_record(d.as_u32(), bytes.value()),
            None => Err(self.corrupt(format!("document {d} has no record"))),
        }
    }

    fn hash(&self, d: DocId) -> Result<u128> {
        match self.pending.get(&d) {
            Some(&hash) => Ok(hash),
            None => Ok(self.record(d)?.content_hash),
        }
    }

    /// The original text of a live document.
    pub(crate) fn text(&mut self, d: DocId) -> Result<String> {
        let record = self.record(d)?;
        let found = self.tables.texts.get(d.as_u32()).map_err(self.store())?;
        let stored = found
            .ok_or_else(|| self.corrupt(format!("document {d} has no text")))?
            .value()
            .to_vec();
        let bytes = match stored.split_first() {
            Some((&TEXT_RAW, raw)) => raw.to_vec(),
            Some((&TEXT_ZSTD, frame)) => {
                let decompressor = match &mut self.decompressor {
                    Some(d) => d,
                    None => self.decompressor.insert(
                        zstd::bulk::Decompressor::new().map_err(|e| Error::io(self.dir, e))?,
                    ),
                };
                decompressor.decompress(frame, record.bytes as usize).map_err(|e| Error::Index {
                    path: self.dir.to_owned(),
                    message: format!("corrupt index: text of document {d}: {e}"),
                })?
            }
            _ => return Err(self.corrupt(format!("text of document {d} has an unknown encoding"))),
        };
        String::from_utf8(bytes)
            .map_err(|_| self.corrupt(format!("text of document {d} is not UTF-8")))
    }

    /// The live documents with this content hash, first first: the first is
    /// the group's canonical member, the only one in LSH buckets.
    pub(super) fn group(&self, hash: u128, limit: usize) -> Result<Vec<DocId>> {
        let range = format::exact_key(hash, 0)..=format::exact_key(hash, u32::MAX);
        let mut out = Vec::new();
        for entry in self.tables.exact.range(range).map_err(self.store())?.take(limit) {
            out.push(format::exact_key_doc(&entry.map_err(self.store())?.0.value()));
        }
        Ok(out)
    }

    fn canonical_of(&self, hash: u128) -> Result<Option<DocId>> {
        Ok(self.group(hash, 1)?.first().copied())
    }

    /// The document whose shingle set or signature stands for `d`'s.
    fn canon(&self, d: DocId, hash: u128) -> Result<DocId> {
        Ok(self.canonical_of(hash)?.unwrap_or(d))
    }

    fn set(&mut self, d: DocId) -> Result<Arc<Vec<u64>>> {
        if let Some(set) = self.sets.get(&d) {
            return Ok(set.clone());
        }
        let set =
            Arc::new(self.config.shingler().shingle_set(&self.text(d)?, &mut Tokens::default()));
        self.sets.insert(d, set.clone());
        Ok(set)
    }

    fn signature(&mut self, d: DocId) -> Result<Arc<Vec<u32>>> {
        if let Some(sig) = self.signatures.get(&d) {
            return Ok(sig.clone());
        }
        let stored = self.tables.signatures.get(d.as_u32()).map_err(self.store())?;
        let stored = stored.map(|bytes| format::decode_signature(bytes.value()));
        let sig = match stored {
            Some(sig) => sig,
            None => {
                let mut shingles = Vec::new();
                let text = self.text(d)?;
                self.config.shingler().shingles_into(&text, &mut Tokens::default(), &mut shingles);
                self.config.sketcher().sketch(&shingles)
            }
        };
        let sig = Arc::new(sig);
        self.signatures.insert(d, sig.clone());
        Ok(sig)
    }

    /// The batch pipeline's similarity: exact copies score 1; otherwise
    /// the configured measure between the canonical members of the two
    /// exact groups (what `Deduper` compares).
    pub(crate) fn similarity(&mut self, a: DocId, b: DocId) -> Result<f64> {
        let (ha, hb) = (self.hash(a)?, self.hash(b)?);
        if ha == hb {
            return Ok(1.0);
        }
        if self.config.mode() == Mode::Exact {
            return Ok(0.0);
        }
        let (ca, cb) = (self.canon(a, ha)?, self.canon(b, hb)?);
        Ok(match self.config.verify() {
            VerifyMethod::Signature => estimate_jaccard(&self.signature(ca)?, &self.signature(cb)?),
            VerifyMethod::Exact => jaccard_sorted(&self.set(ca)?, &self.set(cb)?),
        })
    }

    /// The last `bucket_window` members of each bucket of `signature`: the
    /// documents the batch pipeline pairs with a newest member.
    fn candidates(&self, signature: &[u32]) -> Result<BTreeSet<DocId>> {
        let window = self.config.lsh().bucket_window();
        let mut out = BTreeSet::new();
        for (band, key) in self.config.lsh().band_keys(signature).enumerate() {
            let band = band as u16;
            let range = format::band_key(band, key, 0)..=format::band_key(band, key, u32::MAX);
            for entry in self.tables.bands.range(range).map_err(self.store())?.rev().take(window) {
                out.insert(format::band_key_doc(&entry.map_err(self.store())?.0.value()));
            }
        }
        Ok(out)
    }

    /// The verified pairs `d` gets as the newest document, and the number
    /// of candidates considered. `d`'s content hash, set and signature must
    /// be known (in the caches) and `d` must not be in `exact` or `bands`
    /// yet.
    fn find_matches(
        &mut self,
        d: DocId,
        hash: u128,
        signature: &[u32],
    ) -> Result<(Vec<Edge>, usize)> {
        if let Some(c) = self.canonical_of(hash)? {
            return Ok((vec![(c, 1.0, PairKind::Exact)], 0));
        }
        if self.config.mode() == Mode::Exact {
            return Ok((Vec::new(), 0));
        }
        let candidates = self.candidates(signature)?;
        let mut matches = Vec::new();
        for &c in &candidates {
            let similarity = self.similarity(c, d)?;
            if similarity >= self.config.threshold() {
                matches.push((c, similarity, PairKind::Near));
            }
        }
        Ok((matches, candidates.len()))
    }

    /// Makes a prepared document known to the caches under `d`.
    fn seed(&mut self, d: DocId, prep: &mut Prepared) {
        self.pending.insert(d, prep.hash);
        if let Some(set) = prep.set.take() {
            self.sets.insert(d, Arc::new(set));
        }
        if self.config.mode() == Mode::MinHash {
            self.signatures.insert(d, Arc::new(prep.signature.clone()));
        }
    }

    fn forget(&mut self, d: DocId) {
        self.pending.remove(&d);
        self.sets.remove(&d);
        self.signatures.remove(&d);
    }

    /// What a prepared text would match, were it added now.
    pub(crate) fn query(&mut self, mut prep: Prepared) -> Result<QueryReport> {
        let next = self.counters()?.next_doc;
        let q = DocId::new(next as usize).ok_or_else(|| self.full())?;
        self.forget(q);
        self.seed(q, &mut prep);
        let (edges, _) = self.find_matches(q, prep.hash, &prep.signature)?;
        let matches = self.matches(&edges)?;
        let mut clusters = Vec::new();
        let mut seen = HashSet::new();
        for &(c, _, _) in &edges {
            let root = self.root_of(c)?;
            if seen.insert(root) {
                clusters.push(self.cluster_info(q, root)?);
            }
        }
        self.forget(q);
        Ok(QueryReport { matches, clusters, story: None })
    }

    pub(super) fn full(&self) -> Error {
        Error::Index {
            path: self.dir.to_owned(),
            message: "the index holds 2^32 documents, its limit".to_owned(),
        }
    }

    fn matches(&self, edges: &[Edge]) -> Result<Vec<Match>> {
        edges
            .iter()
            .map(|&(other, similarity, kind)| {
                Ok(Match::new(self.record(other)?.id, similarity, kind))
            })
            .collect()
    }

    /// The edges of `d`, ordered by the other end.
    pub(super) fn edges_of(&self, d: DocId) -> Result<Vec<Edge>> {
        let range = format::edge_key(d, DocId::from_u32(0))..=format::edge_key(d, DocId::MAX);
        let mut out = Vec::new();
        for entry in self.tables.edges.range(range).map_err(self.store())? {
            let (key, value) = entry.map_err(self.store())?;
            let (similarity, kind) = format::decode_edge_value(&value.value());
            out.push((format::decode_edge_key(&key.value()).1, similarity, kind));
        }
        Ok(out)
    }

    /// The union-find root of `d`, read-only (no path compression).
    fn root_of(&self, d: DocId) -> Result<DocId> {
        let mut x = d;
        while let Some(parent) = self.tables.parents.get(x.as_u32()).map_err(self.store())? {
            x = DocId::from_u32(parent.value());
        }
        Ok(x)
    }

    fn root_record(&self, root: DocId) -> Result<RootRecord> {
        match self.tables.roots.get(root.as_u32()).map_err(self.store())? {
            Some(bytes) => Ok(RootRecord::decode(&bytes.value())),
            None => Err(self.corrupt(format!("cluster root {root} has no record"))),
        }
    }

    /// The cluster rooted at `root`, with `d`'s similarity to its
    /// representative.
    fn cluster_info(&mut self, d: DocId, root: DocId) -> Result<ClusterInfo> {
        let record = self.root_record(root)?;
        let rep = record.representative;
        Ok(ClusterInfo {
            id: self.record(root)?.id,
            representative: self.record(rep)?.id,
            size: u64::from(record.size),
            similarity: if rep == d { 1.0 } else { self.similarity(d, rep)? },
        })
    }

    /// The matches and cluster of the live document `d`.
    pub(crate) fn report(&mut self, d: DocId) -> Result<DocReport> {
        let edges = self.edges_of(d)?;
        let root = self.root_of(d)?;
        Ok(DocReport {
            id: self.record(d)?.id,
            matches: self.matches(&edges)?,
            cluster: self.cluster_info(d, root)?,
            story: None,
        })
    }

    /// Every live document connected to `d` by edges, `d` included, sorted.
    fn component(&self, d: DocId) -> Result<Vec<DocId>> {
        let mut seen = BTreeSet::from([d]);
        let mut queue = VecDeque::from([d]);
        while let Some(x) = queue.pop_front() {
            for (y, _, _) in self.edges_of(x)? {
                if seen.insert(y) {
                    queue.push_back(y);
                }
            }
        }
        Ok(seen.into_iter().collect())
    }

    /// The representative among `candidates` by the `--keep` rule: the
    /// first, or the longest with ties to the first (as
    /// [`crate::cluster::Clustering`] picks).
    fn better_representative(&self, a: RootRecord, b: RootRecord) -> RootRecord {
        let b_wins = match self.config.keep() {
            Keep::First => b.representative < a.representative,
            Keep::Longest => {
                b.representative_bytes > a.representative_bytes
                    || b.representative_bytes == a.representative_bytes
                        && b.representative < a.representative
            }
        };
        let winner = if b_wins { b } else { a };
        RootRecord { size: a.size + b.size, ..winner }
    }

    /// Checks the invariants between tables.
    #[cfg(test)]
    pub(crate) fn check_consistency(&mut self) -> Result<()> {
        let fail = |what: String| Error::Index { path: self.dir.to_owned(), message: what };
        let counters = self.counters()?;
        let mut live = Vec::new();
        for entry in self.tables.docs.iter().map_err(self.store())? {
            let (key, value) = entry.map_err(self.store())?;
            let record = self.decode_record(key.value(), value.value())?;
            let d = DocId::from_u32(key.value());
            let in_ids = self.doc_id(&record.id)? == Some(d);
            if in_ids == record.deleted {
                return Err(fail(format!("document {d}: ids and deleted flag disagree")));
            }
            if !record.deleted {
                live.push((d, record));
            }
        }
        let mut sizes: HashMap<DocId, u32> = HashMap::new();
        let (mut exact_duplicates, mut near_edges, mut canonicals) = (0, 0, 0);
        for (d, record) in &live {
            *sizes.entry(self.root_of(*d)?).or_default() += 1;
            let canonical = self.canonical_of(record.content_hash)?;
            match canonical {
                Some(c) if c == *d => canonicals += 1,
                Some(_) => exact_duplicates += 1,
                None => return Err(fail(format!("document {d} is in no exact group"))),
            }
            self.text(*d)?;
            for (other, similarity, kind) in self.edges_of(*d)? {
                let back = self.edges_of(other)?;
                if !back.iter().any(|&(x, s, k)| x == *d && s == similarity && k == kind) {
                    return Err(fail(format!("edge {d}–{other} is one-way")));
                }
                if kind != PairKind::Exact && *d < other {
                    near_edges += 1;
                }
            }
        }
        for (root, size) in &sizes {
            let record = self.root_record(*root)?;
            if record.size != *size || self.root_of(record.representative)? != *root {
                return Err(fail(format!(
                    "cluster {root}: stored {record:?}, counted size {size}"
                )));
            }
        }
        let bands = redb::ReadableTableMetadata::len(&self.tables.bands).map_err(self.store())?;
        let expected_bands = match self.config.mode() {
            Mode::Exact | Mode::Reprint => 0,
            Mode::MinHash => canonicals * self.config.lsh().bands() as u64,
        };
        let found = (
            counters.live,
            counters.clusters,
            counters.exact_duplicates,
            counters.verified_pairs,
            bands,
        );
        let expected =
            (live.len() as u64, sizes.len() as u64, exact_duplicates, near_edges, expected_bands);
        if found != expected {
            return Err(fail(format!(
                "(live, clusters, exact duplicates, near pairs, band entries) stored {found:?}, counted {expected:?}"
            )));
        }
        Ok(())
    }
}

impl<'a, 't> View<'a, Write<'t>> {
    pub(crate) fn save_counters(&mut self, counters: Counters) -> Result<()> {
        counters.save(&mut self.tables.counters, self.dir)
    }

    /// Adds one document as the newest; `None` when its id is taken.
    pub(crate) fn add(
        &mut self,
        doc: &Document,
        mut prep: Prepared,
        counters: &mut Counters,
    ) -> Result<Option<DocId>> {
        if self.doc_id(&doc.id)?.is_some() {
            return Ok(None);
        }
        let d = DocId::new(counters.next_doc as usize).ok_or_else(|| self.full())?;
        self.seed(d, &mut prep);
        let (edges, candidates) = self.find_matches(d, prep.hash, &prep.signature)?;
        let record = DocRecord {
            deleted: false,
            bytes: prep.bytes,
            tokens: prep.tokens,
            content_hash: prep.hash,
            id: doc.id.clone(),
        };
        let store = |e: redb::StorageError| store_error(self.dir, e);
        self.tables.docs.insert(d.as_u32(), record.encode().as_slice()).map_err(store)?;
        self.tables.ids.insert(doc.id.as_str(), d.as_u32()).map_err(store)?;
        self.tables.texts.insert(d.as_u32(), prep.stored.as_slice()).map_err(store)?;
        self.tables.exact.insert(format::exact_key(prep.hash, d.as_u32()), ()).map_err(store)?;
        let root = RootRecord { size: 1, representative: d, representative_bytes: prep.bytes };
        self.tables.roots.insert(d.as_u32(), root.encode()).map_err(store)?;
        if self.config.mode() == Mode::MinHash {
            if self.config.verify() == VerifyMethod::Signature {
                let bytes = format::encode_signature(&prep.signature);
                self.tables.signatures.insert(d.as_u32(), bytes.as_slice()).map_err(store)?;
            }
            if edges.first().is_none_or(|e| e.2 != PairKind::Exact) {
                self.insert_bands(d, &prep.signature)?;
            }
        }
        counters.next_doc += 1;
        counters.live += 1;
        counters.clusters += 1;
        counters.candidate_pairs += candidates as u64;
        for &(c, similarity, kind) in &edges {
            match kind {
                PairKind::Exact => counters.exact_duplicates += 1,
                _ => counters.verified_pairs += 1,
            }
            self.put_edge(c, d, similarity, kind)?;
            self.union(c, d, counters)?;
        }
        Ok(Some(d))
    }

    fn band_entries(&self, d: DocId, signature: &[u32]) -> Vec<[u8; 14]> {
        let lsh = self.config.lsh();
        lsh.band_keys(signature)
            .enumerate()
            .map(|(band, key)| format::band_key(band as u16, key, d.as_u32()))
            .collect()
    }

    fn insert_bands(&mut self, d: DocId, signature: &[u32]) -> Result<()> {
        for key in self.band_entries(d, signature) {
            self.tables.bands.insert(key, ()).map_err(|e| store_error(self.dir, e))?;
        }
        Ok(())
    }

    fn remove_bands(&mut self, d: DocId) -> Result<()> {
        let signature = self.signature(d)?;
        for key in self.band_entries(d, &signature) {
            self.tables.bands.remove(key).map_err(|e| store_error(self.dir, e))?;
        }
        Ok(())
    }

    pub(super) fn put_edge(
        &mut self,
        a: DocId,
        b: DocId,
        similarity: f64,
        kind: PairKind,
    ) -> Result<()> {
        let value = format::edge_value(similarity, kind);
        for key in [format::edge_key(a, b), format::edge_key(b, a)] {
            self.tables.edges.insert(key, value).map_err(|e| store_error(self.dir, e))?;
        }
        Ok(())
    }

    /// The root of `d`, pointing every document on the way straight at it.
    fn find(&mut self, d: DocId) -> Result<DocId> {
        let root = self.root_of(d)?;
        let mut x = d;
        while x != root {
            let store = |e: redb::StorageError| store_error(self.dir, e);
            let parent = self.tables.parents.insert(x.as_u32(), root.as_u32()).map_err(store)?;
            x = DocId::from_u32(parent.map_or(root.as_u32(), |p| p.value()));
        }
        Ok(root)
    }

    /// Merges two clusters under the smaller root, so that a cluster's root
    /// is always its first member.
    pub(super) fn union(&mut self, a: DocId, b: DocId, counters: &mut Counters) -> Result<()> {
        let (ra, rb) = (self.find(a)?, self.find(b)?);
        if ra == rb {
            return Ok(());
        }
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        let merged = self.better_representative(self.root_record(lo)?, self.root_record(hi)?);
        let store = |e: redb::StorageError| store_error(self.dir, e);
        self.tables.roots.remove(hi.as_u32()).map_err(store)?;
        self.tables.roots.insert(lo.as_u32(), merged.encode()).map_err(store)?;
        self.tables.parents.insert(hi.as_u32(), lo.as_u32()).map_err(store)?;
        counters.clusters -= 1;
        Ok(())
    }

    /// Deletes the live document `id`; see the module docs of
    /// [`crate::index`] for what becomes of its cluster.
    pub(crate) fn delete(&mut self, id: &str, counters: &mut Counters) -> Result<bool> {
        let Some(x) = self.doc_id(id)? else { return Ok(false) };
        let mut record = self.record(x)?;
        let members = self.component(x)?;
        let group = self.group(record.content_hash, 2)?;
        let was_canonical = group.first() == Some(&x);
        let successor = group.get(1).copied().filter(|_| was_canonical);
        let edges = self.edges_of(x)?;
        let store = |e: redb::StorageError| store_error(self.dir, e);
        for &(other, _, kind) in &edges {
            self.tables.edges.remove(format::edge_key(x, other)).map_err(store)?;
            self.tables.edges.remove(format::edge_key(other, x)).map_err(store)?;
            if kind == PairKind::Near {
                counters.verified_pairs -= 1;
            }
        }
        if was_canonical && self.config.mode() == Mode::MinHash {
            self.remove_bands(x)?;
        }
        if let Some(y) = successor {
            // The next copy has the same normalized text: it inherits the
            // place in the buckets and the pairs, at the same similarity.
            if self.config.mode() == Mode::MinHash {
                let signature = self.signature(y)?;
                self.insert_bands(y, &signature)?;
            }
            for &(other, similarity, kind) in edges.iter().filter(|e| e.0 != y) {
                self.put_edge(y, other, similarity, kind)?;
                if kind == PairKind::Near {
                    counters.verified_pairs += 1;
                }
            }
        }
        if !was_canonical || successor.is_some() {
            counters.exact_duplicates -= 1;
        }
        let store = |e: redb::StorageError| store_error(self.dir, e);
        self.tables
            .exact
            .remove(format::exact_key(record.content_hash, x.as_u32()))
            .map_err(store)?;
        self.tables.ids.remove(id).map_err(store)?;
        self.tables.texts.remove(x.as_u32()).map_err(store)?;
        self.tables.signatures.remove(x.as_u32()).map_err(store)?;
        record.deleted = true;
        self.tables.docs.insert(x.as_u32(), record.encode().as_slice()).map_err(store)?;
        self.forget(x);
        counters.live -= 1;
        counters.deleted += 1;
        self.recluster(&members, x, counters)?;
        Ok(true)
    }

    /// Rebuilds the clusters of `members` (one former cluster, sorted)
    /// without `gone`, from their remaining edges.
    fn recluster(&mut self, members: &[DocId], gone: DocId, counters: &mut Counters) -> Result<()> {
        let store = |e: redb::StorageError| store_error(self.dir, e);
        for m in members {
            self.tables.parents.remove(m.as_u32()).map_err(store)?;
            self.tables.roots.remove(m.as_u32()).map_err(store)?;
        }
        counters.clusters -= 1;
        let mut assigned: HashSet<DocId> = HashSet::from([gone]);
        for &first in members {
            if !assigned.insert(first) {
                continue;
            }
            // Members are visited in order, so `first` is the smallest of
            // its component: the root, as `union` would have chosen.
            let mut component = vec![first];
            let mut queue = VecDeque::from([first]);
            while let Some(x) = queue.pop_front() {
                for (y, _, _) in self.edges_of(x)? {
                    if assigned.insert(y) {
                        component.push(y);
                        queue.push_back(y);
                    }
                }
            }
            let mut root = RootRecord { size: 0, representative: first, representative_bytes: 0 };
            for &m in &component {
                let single = RootRecord {
                    size: 1,
                    representative: m,
                    representative_bytes: self.record(m)?.bytes,
                };
                root =
                    if root.size == 0 { single } else { self.better_representative(root, single) };
                if m != first {
                    self.tables.parents.insert(m.as_u32(), first.as_u32()).map_err(store)?;
                }
            }
            self.tables.roots.insert(first.as_u32(), root.encode()).map_err(store)?;
            counters.clusters += 1;
        }
        Ok(())
    }
}
