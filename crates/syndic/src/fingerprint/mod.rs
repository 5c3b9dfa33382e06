//! Stage 4b: passage fingerprints and the candidates they make.
//!
//! MinHash compares whole documents, so a story that is 30 % of one page and
//! 60 % of another is invisible to it. Reprint detection instead asks "do
//! these two documents share a passage?", and answers with **winnowing**
//! (Schleimer, Wilkerson & Aiken 2003, the algorithm behind MOSS): hash every
//! `k`-token window, and in every run of `w` consecutive hashes keep the
//! smallest. Any passage of at least `w + k − 1` tokens shared by two
//! documents is guaranteed to yield at least one common fingerprint, whatever
//! the rest of the documents hold, and a document keeps only about
//! `2 / (w + 1)` of its positions.
//!
//! [`FingerprintIndex`] then turns fingerprints into candidate pairs:
//! documents sharing at least `min_shared` distinct fingerprints. A
//! fingerprint found in more than `max_df` documents makes no pairs: it is a
//! formula ("said in a statement"), a licence paragraph or a cookie banner,
//! and pairing all its documents would make the candidate count quadratic.
//! With that bound each fingerprint contributes at most `max_df²/2` pairs,
//! so candidates grow linearly with the corpus.
//!
//! Every front end (batch pass 1, the Ray stages, the persistent index and
//! its queries) takes a document's fingerprints from [`of_tokens`], so that
//! they cannot drift apart. By default it hashes each token folded over OCR
//! confusion classes ([`fold_ocr_confusions`], [`OcrFolding`]): a scanned
//! reprint whose OCR read `rn` for `m` or `0` for `o` still shares its
//! source's fingerprints.
//!
//! The contract, as for LSH: candidates may be false (two documents sharing
//! a few sentences); alignment ([`crate::align`]) measures what they share.
//!
//! The postings (16 B per distinct fingerprint of a document, 20 to 70 per
//! news article) are most of what pass 1 holds; under a memory bound
//! ([`FingerprintIndex::spilling`]) they are sorted on disk instead and the
//! candidates merged back from there (`fingerprint/spilled.rs`), the same
//! candidates in the same order.
//!
//! ```
//! use syndic::fingerprint::{winnow, FingerprintConfig};
//! let cfg = FingerprintConfig::default();
//! let tokens: Vec<u64> = (0..100).map(syndic::hash::fmix64).collect();
//! let fps = winnow(&tokens, &cfg);
//! // Far fewer fingerprints than positions, and at least one per window.
//! assert!(fps.len() < 40);
//! assert!(fps.windows(2).all(|w| w[1].position - w[0].position <= cfg.window as u32));
//! ```

use rayon::prelude::*;

use crate::doc::DocId;
use crate::error::{ConfigError, Result};
use crate::hash::{token_hash, ShingleHasher};
use crate::normalize::Tokens;
use crate::pairs::{pack_pair, unpack_pair};
use crate::spill::LazySpillDir;

mod fold;
mod spilled;
pub use fold::fold_ocr_confusions;
use spilled::SpilledPostings;

/// Winnowing and pairing settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FingerprintConfig {
    /// Tokens per hashed window (`k`). Default 5.
    pub ngram: usize,
    /// Winnowing window (`w`): hashes per selection. Default 8, so every
    /// shared run of 12 tokens leaves a common fingerprint; a 30-word passage
    /// with an edit in the middle still has such a run.
    pub window: usize,
    /// Fingerprints in more documents than this make no pairs. Default 100.
    pub max_df: usize,
    /// Distinct shared fingerprints for a pair to become a candidate.
    /// Default 2: one shared fingerprint is too often a coincidence.
    pub min_shared: usize,
    /// Whether tokens are folded over OCR confusion classes before they
    /// are hashed. Default on: scanned copies still share fingerprints with
    /// their source, and clean text loses little by it (the measurements
    /// are in `bench/results/2026-12-02/ocr-folding.md`). The settings
    /// schema takes its default from here.
    pub ocr_folding: OcrFolding,
}

impl Default for FingerprintConfig {
    fn default() -> Self {
        Self { ngram: 5, window: 8, max_df: 100, min_shared: 2, ocr_folding: OcrFolding::On }
    }
}

/// Which form of each token passage fingerprints hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OcrFolding {
    /// Tokens folded over OCR confusion classes ([`fold_ocr_confusions`]):
    /// copies garbled by OCR still share fingerprints.
    On,
    /// Tokens as normalized: the fingerprints of syndic before folding,
    /// which a persistent index of format 4 or older holds.
    Off,
}

crate::choice::choices!(OcrFolding, "ocr_folding", ["on" => On, "off" => Off]);

impl FingerprintConfig {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if !(1..=64).contains(&self.ngram) || !(1..=256).contains(&self.window) {
            return Err(ConfigError::invalid(
                "fingerprint_ngram and fingerprint_window",
                "in 1..=64 and 1..=256",
                format!("{} and {}", self.ngram, self.window),
            )
            .into());
        }
        if self.max_df < 2 {
            return Err(ConfigError::invalid("max_df", "at least 2", self.max_df).into());
        }
        if self.min_shared == 0 {
            return Err(ConfigError::invalid("min_shared_fingerprints", "at least 1", 0).into());
        }
        Ok(())
    }
}

/// One selected fingerprint: a `k`-token hash and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash of the `k` tokens.
    pub hash: u64,
    /// Index of the first token.
    pub position: u32,
}

/// The passage fingerprints of a tokenized document: its token hashes,
/// folded as `config` says, winnowed. Every front end takes them from here.
pub fn of_tokens(tokens: &Tokens, config: &FingerprintConfig) -> Vec<Fingerprint> {
    match config.ocr_folding {
        OcrFolding::Off => winnow(tokens.hashes(), config),
        OcrFolding::On => winnow(&folded_hashes(tokens), config),
    }
}

/// The hash of each token folded over OCR confusion classes, through one
/// buffer for the whole document.
fn folded_hashes(tokens: &Tokens) -> Vec<u64> {
    let mut folded = Vec::new();
    tokens
        .iter_normalized_bytes()
        .zip(tokens.hashes())
        .map(|(word, &hash)| {
            fold_ocr_confusions(word, &mut folded);
            // A token hash is the hash of the normalized bytes: a token
            // that folding leaves alone keeps it without hashing again.
            if folded == word {
                hash
            } else {
                token_hash(&folded)
            }
        })
        .collect()
}

/// Robust winnowing: in each window the minimum hash is selected, the
/// rightmost on ties, and a position is recorded once even when it stays the
/// minimum of several windows. Texts shorter than one window keep their
/// single minimum.
pub fn winnow(tokens: &[u64], config: &FingerprintConfig) -> Vec<Fingerprint> {
    let hashes: Vec<u64> = if tokens.len() >= config.ngram {
        ShingleHasher::new(config.ngram).shingles(tokens).collect()
    } else {
        Vec::new()
    };
    let w = config.window.min(hashes.len());
    let mut out: Vec<Fingerprint> = Vec::with_capacity(2 * hashes.len() / (config.window + 1) + 1);
    if w == 0 {
        return out;
    }
    // Monotone deque of candidate positions: hashes increase from front to
    // back, so the front is the window's (rightmost) minimum.
    let mut deque = std::collections::VecDeque::with_capacity(w);
    for (i, &h) in hashes.iter().enumerate() {
        while deque.back().is_some_and(|&j: &usize| hashes[j] >= h) {
            deque.pop_back();
        }
        deque.push_back(i);
        if deque[0] + w <= i {
            deque.pop_front();
        }
        if i + 1 >= w {
            let min = deque[0];
            if out.last().is_none_or(|f| f.position as usize != min) {
                out.push(Fingerprint { hash: hashes[min], position: min as u32 });
            }
        }
    }
    out
}

/// Collects the distinct fingerprint hashes of every document and finds the
/// pairs of documents that share enough of them.
#[derive(Debug, Default)]
pub struct FingerprintIndex {
    /// `(hash, doc)`, one entry per distinct hash per document, unless
    /// they go to `spilled`.
    postings: Vec<(u64, u32)>,
    /// Under a memory bound, where the postings go instead.
    spilled: Option<SpilledPostings>,
    /// Documents up to the last one added: the range that spilled pairs
    /// are partitioned over.
    docs: usize,
}

/// A candidate pair with the number of distinct fingerprints it shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedFingerprints {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Distinct fingerprints both hold (among those with `df ≤ max_df`).
    pub shared: u32,
}

impl FingerprintIndex {
    /// An empty index that holds everything in memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty index that holds at most `memory` bytes of postings, and
    /// of the pairs they make, and past it sorts them on disk in `dir`
    /// (made on first use). The candidates are those of [`new`](Self::new).
    pub fn spilling(memory: usize, dir: LazySpillDir) -> Self {
        Self { spilled: Some(SpilledPostings::new(memory, dir)), ..Self::default() }
    }

    /// An index of the postings a checkpoint named ([`checkpoint_runs`](
    /// Self::checkpoint_runs)), of `docs` documents, holding at most `memory`
    /// bytes of the pairs they make and sorting the rest in `dir`.
    pub(crate) fn resumed(
        memory: usize,
        runs: crate::spill::SortedRuns,
        docs: usize,
        dir: LazySpillDir,
    ) -> Self {
        Self { spilled: Some(SpilledPostings::resumed(memory, runs, dir)), docs, ..Self::default() }
    }

    /// Under a memory bound, ends the adding of postings with every one in
    /// a run file: the runs returned, for a checkpoint to name, which the
    /// index never removes. What it writes from here on goes into `later`.
    /// `None` without a bound: nothing is on disk to name.
    pub(crate) fn checkpoint_runs(
        &mut self,
        later: LazySpillDir,
    ) -> Result<Option<crate::spill::SortedRuns>> {
        self.spilled.as_mut().map(|spilled| spilled.checkpoint_runs(later)).transpose()
    }

    /// Adds a document's fingerprints; fails only when spilled postings
    /// cannot be written.
    pub fn add(&mut self, doc: DocId, fingerprints: &[Fingerprint]) -> Result<()> {
        let mut hashes: Vec<u64> = fingerprints.iter().map(|f| f.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        self.docs = self.docs.max(doc.as_usize() + 1);
        match &mut self.spilled {
            Some(spilled) => hashes.into_iter().try_for_each(|h| spilled.push(h, doc.as_u32())),
            None => {
                self.postings.extend(hashes.into_iter().map(|h| (h, doc.as_u32())));
                Ok(())
            }
        }
    }

    /// Number of postings added.
    pub fn len(&self) -> usize {
        self.spilled.as_ref().map_or(self.postings.len(), SpilledPostings::len)
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Candidate pairs sharing at least `min_shared` fingerprints of
    /// document frequency `2..=max_df`, sorted by `(a, b)`. Deterministic
    /// whatever the thread count and the memory bound; fails only when
    /// spilled postings or pairs cannot be written or read back.
    pub fn candidates(self, config: &FingerprintConfig) -> Result<Vec<SharedFingerprints>> {
        match self.spilled {
            Some(spilled) => spilled.candidates(self.docs, config),
            None => Ok(in_memory_candidates(self.postings, config)),
        }
    }
}

fn in_memory_candidates(
    mut postings: Vec<(u64, u32)>,
    config: &FingerprintConfig,
) -> Vec<SharedFingerprints> {
    postings.par_sort_unstable();
    let runs: Vec<&[(u64, u32)]> = postings.chunk_by(|x, y| x.0 == y.0).collect();
    let mut pairs: Vec<u64> = runs
        .par_iter()
        .filter(|run| makes_pairs(run.len(), config))
        .flat_map_iter(|run| pairs_of(run))
        .collect();
    pairs.par_sort_unstable();
    let mut shared = SharedCounter::new(config.min_shared);
    pairs.into_iter().for_each(|pair| shared.push(pair));
    shared.finish()
}

/// Whether a fingerprint found in `docs` documents pairs them.
fn makes_pairs(docs: usize, config: &FingerprintConfig) -> bool {
    (2..=config.max_df).contains(&docs)
}

/// Every pair of the documents of one fingerprint's postings, sorted by
/// document: `(a, b)` packed, `a` the earlier.
fn pairs_of(run: &[(u64, u32)]) -> impl Iterator<Item = u64> + '_ {
    run.iter()
        .enumerate()
        .flat_map(move |(i, &(_, a))| run[i + 1..].iter().map(move |&(_, b)| pack_pair(a, b)))
}

/// Counts the runs of equal pairs, fed in ascending order, into the
/// candidates: one per pair, with the fingerprints it shares.
struct SharedCounter {
    min_shared: usize,
    current: Option<(u64, u32)>,
    out: Vec<SharedFingerprints>,
}

impl SharedCounter {
    fn new(min_shared: usize) -> Self {
        Self { min_shared, current: None, out: Vec::new() }
    }

    fn push(&mut self, pair: u64) {
        match &mut self.current {
            Some((current, count)) if *current == pair => *count += 1,
            _ => {
                self.flush();
                self.current = Some((pair, 1));
            }
        }
    }

    fn flush(&mut self) {
        if let Some((pair, shared)) = self.current.take() {
            if shared as usize >= self.min_shared {
                let (a, b) = unpack_pair(pair);
                self.out.push(SharedFingerprints { a, b, shared });
            }
        }
    }

    fn finish(mut self) -> Vec<SharedFingerprints> {
        self.flush();
        self.out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::hash::fmix64;
    use crate::spill::files_under;

    fn tokens(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(fmix64).collect()
    }

    #[test]
    fn every_window_holds_a_fingerprint() {
        let cfg = FingerprintConfig::default();
        let fps = winnow(&tokens(0..500), &cfg);
        let positions: Vec<u32> = fps.iter().map(|f| f.position).collect();
        let last_window_start = 500 - cfg.ngram + 1 - cfg.window;
        for start in 0..=last_window_start as u32 {
            assert!(
                positions.iter().any(|&p| p >= start && p < start + cfg.window as u32),
                "window {start}"
            );
        }
        // Density near 2 / (w + 1).
        let density = fps.len() as f64 / 496.0;
        assert!(density > 0.15 && density < 0.3, "{density}");
    }

    #[test]
    fn shared_passage_guarantee() {
        // A 12-token passage (w + k − 1) embedded in unrelated text on both
        // sides always yields a shared fingerprint.
        let cfg = FingerprintConfig::default();
        for offset in 0..20u64 {
            let passage = tokens(10_000..10_012);
            let mut a = tokens(offset..offset + 37);
            a.extend(&passage);
            a.extend(tokens(500..540));
            let mut b = tokens(1000..1000 + offset * 3);
            b.extend(&passage);
            b.extend(tokens(2000..2010));
            let ha: std::collections::HashSet<u64> =
                winnow(&a, &cfg).iter().map(|f| f.hash).collect();
            assert!(winnow(&b, &cfg).iter().any(|f| ha.contains(&f.hash)), "offset {offset}");
        }
    }

    #[test]
    fn short_texts() {
        let cfg = FingerprintConfig::default();
        assert!(winnow(&tokens(0..4), &cfg).is_empty());
        assert_eq!(winnow(&tokens(0..6), &cfg).len(), 1);
    }

    #[test]
    fn candidates_respect_df_and_min_shared() {
        let cfg = FingerprintConfig { max_df: 3, min_shared: 2, ..Default::default() };
        let fp = |h: u64| Fingerprint { hash: h, position: 0 };
        // Docs 0 and 1 share hashes 1 and 2; doc 2 shares only 1 with them.
        // Hash 9 is in all five documents (df 5 > 3): it makes no pairs.
        let docs: [&[Fingerprint]; 5] = [
            &[fp(1), fp(2), fp(9), fp(2)],
            &[fp(1), fp(2), fp(9)],
            &[fp(1), fp(9)],
            &[fp(9), fp(7)],
            &[fp(9), fp(7)],
        ];
        let expected =
            vec![SharedFingerprints { a: DocId::from_u32(0), b: DocId::from_u32(1), shared: 2 }];
        // In memory, and under a bound that spills every posting.
        for (what, memory) in [("in memory", None), ("spilled", Some(1))] {
            let parent = tempfile::tempdir().unwrap();
            let mut index = index_with(memory, parent.path());
            for (d, fps) in docs.iter().enumerate() {
                index.add(DocId::from_u32(d as u32), fps).unwrap();
            }
            assert_eq!(index.len(), 12, "{what}");
            assert_eq!(index.candidates(&cfg).unwrap(), expected, "{what}");
        }
    }

    fn index_with(memory: Option<usize>, parent: &std::path::Path) -> FingerprintIndex {
        match memory {
            Some(memory) => FingerprintIndex::spilling(memory, LazySpillDir::new(parent)),
            None => FingerprintIndex::new(),
        }
    }

    /// Postings of `docs` documents: each holds a few of `fingerprints`
    /// hashes, some common enough to pass `max_df`.
    fn random_postings(seed: u64, docs: u32, fingerprints: u64) -> Vec<Vec<Fingerprint>> {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..docs)
            .map(|_| {
                let count = next() % 24;
                // Squared, so that low hashes are common and high ones rare.
                (0..count)
                    .map(|_| {
                        let r = next() % fingerprints;
                        let h = r * r / fingerprints.max(1);
                        Fingerprint { hash: fmix64(h), position: 0 }
                    })
                    .collect()
            })
            .collect()
    }

    fn candidates_of(
        postings: &[Vec<Fingerprint>],
        cfg: &FingerprintConfig,
        memory: Option<usize>,
        parent: &std::path::Path,
    ) -> Vec<SharedFingerprints> {
        let mut index = index_with(memory, parent);
        for (d, fps) in postings.iter().enumerate() {
            index.add(DocId::from_u32(d as u32), fps).unwrap();
        }
        index.candidates(cfg).unwrap()
    }

    /// Issue 16: under any memory bound and thread count the spilled
    /// postings give the in-memory candidates, in the same order, and
    /// leave no file behind.
    #[test]
    fn issue16_spilled_postings_give_the_in_memory_candidates() {
        let postings = random_postings(7, 1_500, 2_000);
        let cfg = FingerprintConfig { max_df: 12, min_shared: 2, ..Default::default() };
        let expected = candidates_of(&postings, &cfg, None, std::path::Path::new("."));
        assert!(expected.len() > 500, "{}: pairs to find", expected.len());
        assert!(expected.iter().any(|p| p.shared > 2));
        // (memory bound, threads): 2 KiB writes more runs per partition
        // than one merge takes; 64 MiB spills nothing.
        for (memory, threads) in [(2 << 10, 1), (2 << 10, 3), (16 << 10, 2), (64 << 20, 2)] {
            let parent = tempfile::tempdir().unwrap();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let got = pool.install(|| candidates_of(&postings, &cfg, Some(memory), parent.path()));
            assert!(got == expected, "{memory} B, {threads} threads");
            assert_eq!(files_under(parent.path()), 0, "{memory} B: temporary files removed");
        }
    }

    /// Issue 16: a temporary directory that fills up while postings or
    /// pairs are written is a clean spill error, and leaves nothing.
    #[test]
    fn issue16_a_full_temporary_directory_is_a_clean_error() {
        let postings = random_postings(11, 1_000, 1_500);
        let cfg = FingerprintConfig { max_df: 12, ..Default::default() };
        // Postings take about 150 KB on disk, and as much again once merged
        // in groups: the quotas fail while they are spilled, while they are
        // merged, and while pairs are.
        for quota in [100, 50_000, 250_000, 400_000] {
            let parent = tempfile::tempdir().unwrap();
            let dir = LazySpillDir::new(parent.path()).with_quota(quota);
            let mut index = FingerprintIndex::spilling(1024, dir);
            let result = postings
                .iter()
                .enumerate()
                .try_for_each(|(d, fps)| index.add(DocId::from_u32(d as u32), fps))
                .and_then(|()| index.candidates(&cfg));
            let err = result.unwrap_err();
            assert!(
                matches!(&err, crate::Error::Spill(crate::spill::SpillError::Full { .. })),
                "quota {quota}: {err}"
            );
            assert_eq!(files_under(parent.path()), 0, "quota {quota}: nothing left");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        /// Issue 16: whatever the postings and the settings, a tiny bound
        /// gives the in-memory candidates.
        #[test]
        fn issue16_spilled_candidates_equal_in_memory(
            seed in 1u64..u64::MAX,
            docs in 0u32..300,
            fingerprints in 1u64..600,
            max_df in 2usize..20,
            min_shared in 1usize..4,
            memory in 64usize..4096,
        ) {
            let postings = random_postings(seed, docs, fingerprints);
            let cfg = FingerprintConfig { max_df, min_shared, ..Default::default() };
            let parent = tempfile::tempdir().unwrap();
            let expected = candidates_of(&postings, &cfg, None, parent.path());
            let got = candidates_of(&postings, &cfg, Some(memory), parent.path());
            proptest::prop_assert_eq!(got, expected);
            proptest::prop_assert_eq!(files_under(parent.path()), 0);
        }
    }

    /// `text` lower-cased with every other word (split at spaces) garbled
    /// by OCR confusions that folding undoes: `m` read as `rn`, `w` as
    /// `vv`, `d` as `cl`, `o` as `0`, `i` as `1`, `s` as `5`, `t` as `f`,
    /// `b` as `h`. (A word holding `vw` or `wv` would fold otherwise.)
    pub(crate) fn ocr_garbled(text: &str) -> String {
        let garble = |c: char| match c {
            'm' => "rn".to_owned(),
            'w' => "vv".to_owned(),
            'd' => "cl".to_owned(),
            'o' => "0".to_owned(),
            'i' => "1".to_owned(),
            's' => "5".to_owned(),
            't' => "f".to_owned(),
            'b' => "h".to_owned(),
            c => c.to_string(),
        };
        let lower = text.to_lowercase();
        let words = lower.split(' ').enumerate().map(|(i, word)| match i % 2 {
            0 => word.chars().map(garble).collect(),
            _ => word.to_owned(),
        });
        words.collect::<Vec<String>>().join(" ")
    }

    /// A news paragraph, and its copy garbled by OCR.
    fn paragraph_and_ocr_copy() -> (String, String) {
        let text = "The harbour board said on Tuesday that the old ferry would stop its \
            winter crossings to the island from March, because the boat needs repairs \
            to its hull and the company cannot find a second vessel to replace it \
            while the work is done at the yard in town.";
        (text.to_owned(), ocr_garbled(text))
    }

    fn fingerprint_set(text: &str, config: &FingerprintConfig) -> Vec<u64> {
        let mut tokens = Tokens::default();
        crate::normalize::Normalizer::default().tokenize(text, &mut tokens);
        let mut hashes: Vec<u64> = of_tokens(&tokens, config).iter().map(|f| f.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    }

    /// Issue 16: a copy whose every other word OCR garbled shares no
    /// fingerprint with its source when tokens are hashed as written (no
    /// five-word run is intact), and all of them when they are folded.
    #[test]
    fn issue16_ocr_folding_makes_a_garbled_copy_share_fingerprints() {
        let (text, garbled) = paragraph_and_ocr_copy();
        assert!(garbled.starts_with("fhe harbour h0arcl said 0n tuesday"), "{garbled}");
        let on = FingerprintConfig { ocr_folding: OcrFolding::On, ..Default::default() };
        let off = FingerprintConfig { ocr_folding: OcrFolding::Off, ..Default::default() };
        let folded = fingerprint_set(&text, &on);
        assert!(folded.len() >= 5, "{} fingerprints", folded.len());
        assert_eq!(fingerprint_set(&garbled, &on), folded);
        let plain = fingerprint_set(&text, &off);
        assert!(plain.len() >= 5, "{} fingerprints", plain.len());
        let garbled_plain = fingerprint_set(&garbled, &off);
        assert!(garbled_plain.iter().all(|h| !plain.contains(h)), "shared without folding");
    }

    /// Issue 16: with folding off, the fingerprints are those winnowed from
    /// the token hashes, as before folding existed; with it on, only the
    /// hashes of tokens that fold differ.
    #[test]
    fn issue16_folding_off_gives_the_plain_fingerprints() {
        let (text, garbled) = paragraph_and_ocr_copy();
        let mut tokens = Tokens::default();
        let small = FingerprintConfig { ngram: 3, window: 4, ..Default::default() };
        for (text, cfg) in [(&text, small), (&garbled, small), (&garbled, Default::default())] {
            crate::normalize::Normalizer::default().tokenize(text, &mut tokens);
            let off = FingerprintConfig { ocr_folding: OcrFolding::Off, ..cfg };
            assert_eq!(of_tokens(&tokens, &off), winnow(tokens.hashes(), &off));
            let folded: Vec<u64> = tokens
                .iter_normalized()
                .map(|word| {
                    let mut out = Vec::new();
                    fold_ocr_confusions(word.as_bytes(), &mut out);
                    crate::hash::token_hash(&out)
                })
                .collect();
            assert_eq!(of_tokens(&tokens, &cfg), winnow(&folded, &cfg));
        }
    }

    #[test]
    fn bad_config_is_rejected() {
        for cfg in [
            FingerprintConfig { ngram: 0, ..Default::default() },
            FingerprintConfig { window: 0, ..Default::default() },
            FingerprintConfig { max_df: 1, ..Default::default() },
            FingerprintConfig { min_shared: 0, ..Default::default() },
        ] {
            assert!(cfg.validate().is_err(), "{cfg:?}");
        }
    }
}
