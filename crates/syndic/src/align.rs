//! Stage 5b: alignment of shared passages.
//!
//! Given the token hashes of two documents, find the maximal passages they
//! share, tolerating small edits: a changed word, a dropped clause, OCR-like
//! noise. Seed and extend, as BLAST and passim do:
//!
//! 1. **Seeds**: every `k`-token window (default 4 words) present in both
//!    documents. Windows repeated more than `max_seed_repeats` times in a
//!    document are skipped: they are refrains, not evidence.
//! 2. **Runs**: seeds on the same diagonal at consecutive positions merge
//!    into exact-match runs.
//! 3. **Chains**: runs are chained left to right when the gaps between them
//!    are at most `max_gap` tokens in both documents; a gap is an edit.
//! 4. **Score**: within a chain, the gaps are aligned exactly (longest
//!    common subsequence, small because gaps are bounded), so `matches`
//!    counts every identical word, and ungapped X-drop extension lets a
//!    passage grow past its first and last seed by single matching words.
//!
//! A chain becomes a [`Passage`] when both sides span at least `min_tokens`
//! tokens and its identity (matches over the longer side) is at least
//! `min_identity`. Offsets here are token indices; the caller maps them to
//! byte offsets of the original text through [`crate::normalize::Token`].
//!
//! Not for: global alignment of whole documents (use a diff), or
//! paraphrase (no shared words, no seeds).
//!
//! ```
//! use syndic::align::{align, AlignConfig};
//! use syndic::hash::token_hash;
//! let hash = |s: &str| s.split(' ').map(|w| token_hash(w.as_bytes())).collect::<Vec<_>>();
//! let a = hash("breaking news the minister said on friday that talks with the rebels would resume next week in geneva");
//! let b = hash("in other news the minister said on thursday that talks with the rebels would resume next week in geneva officials say");
//! let cfg = AlignConfig { min_tokens: 10, ..AlignConfig::default() };
//! let passages = align(&a, &b, &cfg);
//! assert_eq!(passages.len(), 1);
//! let p = passages[0];
//! // From "news" to "geneva" in both: 17 tokens, all alike but one.
//! assert_eq!((p.a_start, p.a_end, p.b_start, p.b_end), (1, 18, 2, 19));
//! assert_eq!(p.matches, 16); // "friday" vs "thursday"
//! ```

use crate::error::{ConfigError, Result};
use crate::hash::ShingleHasher;

/// Alignment settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlignConfig {
    /// Tokens per seed. Default 4: long enough that "the united nations"
    /// alone seeds nothing, short enough that a sentence with a changed word
    /// every seven still seeds.
    pub seed_ngram: usize,
    /// Largest gap (tokens, in either document) bridged inside a passage.
    /// Default 20: a dropped clause or sentence.
    pub max_gap: usize,
    /// Seeds occurring more often than this in one document are ignored.
    pub max_seed_repeats: usize,
    /// Shortest passage reported, in tokens on each side (`--min-passage-words`).
    pub min_tokens: usize,
    /// Lowest identity (matches / longer side) reported.
    pub min_identity: f64,
    /// X-drop for extending past the outermost seeds.
    pub xdrop: i32,
}

impl Default for AlignConfig {
    fn default() -> Self {
        Self {
            seed_ngram: 4,
            max_gap: 20,
            max_seed_repeats: 16,
            min_tokens: 25,
            min_identity: 0.5,
            xdrop: 3,
        }
    }
}

impl AlignConfig {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if !(1..=32).contains(&self.seed_ngram) || self.max_gap > 1000 || self.max_seed_repeats == 0
        {
            return Err(ConfigError::Conflict(format!(
                "alignment: seed_ngram must be in 1..=32, max_gap at most 1000, max_seed_repeats positive; got {self:?}"
            ))
            .into());
        }
        if self.min_tokens == 0 {
            return Err(ConfigError::invalid("min_passage_words", "at least 1", 0).into());
        }
        if !(0.0..=1.0).contains(&self.min_identity) || self.xdrop < 0 {
            return Err(ConfigError::Conflict(format!(
                "alignment: min_identity must be in [0, 1] and xdrop non-negative; got {self:?}"
            ))
            .into());
        }
        Ok(())
    }
}

/// A shared passage, in token indices (end exclusive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Passage {
    /// First token in document A.
    pub a_start: usize,
    /// One past the last token in A.
    pub a_end: usize,
    /// First token in B.
    pub b_start: usize,
    /// One past the last token in B.
    pub b_end: usize,
    /// Tokens aligned to an identical token.
    pub matches: usize,
}

impl Passage {
    /// Tokens spanned in A.
    pub fn a_len(&self) -> usize {
        self.a_end - self.a_start
    }

    /// Tokens spanned in B.
    pub fn b_len(&self) -> usize {
        self.b_end - self.b_start
    }

    /// Matches over the longer side, in [0, 1].
    pub fn identity(&self) -> f64 {
        self.matches as f64 / self.a_len().max(self.b_len()).max(1) as f64
    }
}

/// An exact-match run: tokens `a..a+len` equal `b..b+len`.
#[derive(Clone, Copy, Debug)]
struct Run {
    a: usize,
    b: usize,
    len: usize,
}

/// The `k`-token windows of one document, sorted by hash: built once per
/// document and shared by all the pairs it is aligned in, so that finding the
/// seeds of a pair is one linear merge instead of a hash table per pair.
#[derive(Clone, Debug, Default)]
pub struct SeedIndex {
    /// `(window hash, start position)`, sorted.
    grams: Vec<(u64, u32)>,
}

impl SeedIndex {
    /// The index of `tokens` for seeds of `config.seed_ngram` tokens.
    pub fn new(tokens: &[u64], config: &AlignConfig) -> Self {
        let k = config.seed_ngram;
        if tokens.len() < k {
            return Self::default();
        }
        let mut grams: Vec<(u64, u32)> = ShingleHasher::new(k)
            .shingles(tokens)
            .enumerate()
            .map(|(i, h)| (h, i as u32))
            .collect();
        grams.sort_unstable();
        Self { grams }
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.grams.capacity() * std::mem::size_of::<(u64, u32)>()
    }
}

/// The passages shared by two token sequences, ordered by position in A.
pub fn align(a: &[u64], b: &[u64], config: &AlignConfig) -> Vec<Passage> {
    align_indexed(a, &SeedIndex::new(a, config), b, &SeedIndex::new(b, config), config)
}

/// [`align`] with the documents' seed indexes built beforehand (with the
/// same `config`).
pub fn align_indexed(
    a: &[u64],
    index_a: &SeedIndex,
    b: &[u64],
    index_b: &SeedIndex,
    config: &AlignConfig,
) -> Vec<Passage> {
    let runs = exact_runs(index_a, index_b, config);
    let mut passages = Vec::new();
    for chain in chain_runs(runs, config.max_gap) {
        let mut passage = score_chain(a, b, &chain);
        extend(a, b, &mut passage, config.xdrop);
        if passage.a_len().min(passage.b_len()) >= config.min_tokens
            && passage.identity() >= config.min_identity
        {
            passages.push(passage);
        }
    }
    passages.sort_by_key(|p| (p.a_start, p.b_start));
    passages
}

/// Maximal exact runs of at least `seed_ngram` tokens present in both.
fn exact_runs(a: &SeedIndex, b: &SeedIndex, config: &AlignConfig) -> Vec<Run> {
    let k = config.seed_ngram;
    // Seeds keyed by diagonal, so consecutive seeds of one diagonal merge.
    let mut seeds: Vec<(i64, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let (ga, gb) = (&a.grams, &b.grams);
    while i < ga.len() && j < gb.len() {
        match ga[i].0.cmp(&gb[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let h = ga[i].0;
                let end_a = i + ga[i..].iter().take_while(|g| g.0 == h).count();
                let end_b = j + gb[j..].iter().take_while(|g| g.0 == h).count();
                if end_a - i <= config.max_seed_repeats && end_b - j <= config.max_seed_repeats {
                    for &(_, pa) in &ga[i..end_a] {
                        seeds.extend(
                            gb[j..end_b]
                                .iter()
                                .map(|&(_, pb)| (pb as i64 - pa as i64, pa as usize)),
                        );
                    }
                }
                (i, j) = (end_a, end_b);
            }
        }
    }
    seeds.sort_unstable();
    let mut runs: Vec<Run> = Vec::new();
    for group in seeds.chunk_by(|x, y| x.0 == y.0 && y.1 == x.1 + 1) {
        let (diag, first) = group[0];
        let last = group[group.len() - 1].1;
        runs.push(Run { a: first, b: (first as i64 + diag) as usize, len: last - first + k });
    }
    runs.sort_by_key(|r| (r.a, r.b));
    runs
}

/// Greedy left-to-right chaining: each run joins the open chain whose end
/// it follows with the smallest gap (at most `max_gap` in both documents),
/// or opens a new chain. Overlaps from neighbouring diagonals are trimmed.
fn chain_runs(runs: Vec<Run>, max_gap: usize) -> Vec<Vec<Run>> {
    let mut chains: Vec<Vec<Run>> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for run in runs {
        open.retain(|&c| {
            let last = chains[c].last().expect("chains are never empty");
            last.a + last.len + max_gap >= run.a
        });
        let mut best: Option<(usize, usize, Run)> = None;
        for &c in &open {
            let last = *chains[c].last().expect("chains are never empty");
            let (end_a, end_b) = (last.a + last.len, last.b + last.len);
            if run.b + max_gap < end_b || run.b > end_b + max_gap || run.a + max_gap < end_a {
                continue;
            }
            // Trim what overlaps the chain's end in either document.
            let overlap = end_a.saturating_sub(run.a).max(end_b.saturating_sub(run.b));
            if overlap >= run.len {
                continue;
            }
            let trimmed = Run { a: run.a + overlap, b: run.b + overlap, len: run.len - overlap };
            let gap = (trimmed.a - end_a) + (trimmed.b - end_b);
            if best.is_none_or(|(_, g, _)| gap < g) {
                best = Some((c, gap, trimmed));
            }
        }
        match best {
            Some((c, _, trimmed)) => chains[c].push(trimmed),
            None => {
                open.push(chains.len());
                chains.push(vec![run]);
            }
        }
    }
    chains
}

/// The passage spanned by a chain, with every identical token counted: runs
/// match entirely, gaps by their longest common subsequence.
fn score_chain(a: &[u64], b: &[u64], chain: &[Run]) -> Passage {
    let first = chain[0];
    let last = chain[chain.len() - 1];
    let mut matches = 0;
    for (i, run) in chain.iter().enumerate() {
        matches += run.len;
        if let Some(next) = chain.get(i + 1) {
            matches += lcs_len(&a[run.a + run.len..next.a], &b[run.b + run.len..next.b]);
        }
    }
    Passage {
        a_start: first.a,
        a_end: last.a + last.len,
        b_start: first.b,
        b_end: last.b + last.len,
        matches,
    }
}

/// Length of the longest common subsequence; inputs are gap-sized.
fn lcs_len(x: &[u64], y: &[u64]) -> usize {
    if x.is_empty() || y.is_empty() {
        return 0;
    }
    let mut row = vec![0usize; y.len() + 1];
    for &xi in x {
        let mut diagonal = 0;
        for (j, &yj) in y.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if xi == yj { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    row[y.len()]
}

/// Ungapped X-drop extension at both ends: walk outwards scoring +1 per
/// identical pair and −1 otherwise, and keep the best-scoring extent.
fn extend(a: &[u64], b: &[u64], p: &mut Passage, xdrop: i32) {
    let (mut score, mut best, mut best_len, mut best_matches, mut matches) = (0i32, 0i32, 0, 0, 0);
    let mut len = 0;
    while len < p.a_start.min(p.b_start) {
        len += 1;
        if a[p.a_start - len] == b[p.b_start - len] {
            score += 1;
            matches += 1;
        } else {
            score -= 1;
        }
        if score > best {
            (best, best_len, best_matches) = (score, len, matches);
        } else if score < best - xdrop {
            break;
        }
    }
    p.a_start -= best_len;
    p.b_start -= best_len;
    p.matches += best_matches;
    (score, best, best_len, best_matches, matches, len) = (0, 0, 0, 0, 0, 0);
    while p.a_end + len < a.len() && p.b_end + len < b.len() {
        if a[p.a_end + len] == b[p.b_end + len] {
            score += 1;
            matches += 1;
        } else {
            score -= 1;
        }
        len += 1;
        if score > best {
            (best, best_len, best_matches) = (score, len, matches);
        } else if score < best - xdrop {
            break;
        }
    }
    p.a_end += best_len;
    p.b_end += best_len;
    p.matches += best_matches;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::token_hash;

    fn words(s: &str) -> Vec<u64> {
        s.split_whitespace().map(|w| token_hash(w.as_bytes())).collect()
    }

    fn cfg(min_tokens: usize) -> AlignConfig {
        AlignConfig { min_tokens, ..AlignConfig::default() }
    }

    const STORY: &str =
        "united nations secretary general ban ki moon courted support on friday from permanent \
        security council member russia which has criticised un sanctioned military action in libya";

    #[test]
    fn alignment_table() {
        // (a, b, expected passages as (a_start, a_end, b_start, b_end, matches))
        /// (a_start, a_end, b_start, b_end, matches)
        type Expected = Vec<(usize, usize, usize, usize, usize)>;
        let cases: Vec<(String, String, Expected)> = vec![
            // Identical.
            (STORY.into(), STORY.into(), vec![(0, 26, 0, 26, 26)]),
            // Embedded in other text on both sides.
            (
                format!("menu home world {STORY} share this"),
                format!("weather today {STORY}"),
                vec![(3, 29, 2, 28, 26)],
            ),
            // One word changed in the middle.
            (STORY.into(), STORY.replace("friday", "thursday"), vec![(0, 26, 0, 26, 25)]),
            // A clause dropped from B.
            (STORY.into(), STORY.replace("which has criticised ", ""), vec![(0, 26, 0, 23, 23)]),
            // OCR-like noise: three words garbled.
            (
                STORY.into(),
                STORY
                    .replace("courted", "c0urted")
                    .replace("council", "counc1l")
                    .replace("military", "mi1itary"),
                vec![(0, 26, 0, 26, 23)],
            ),
            // Nothing shared.
            (
                STORY.into(),
                "completely different words about the weather and sport results".into(),
                vec![],
            ),
        ];
        for (a, b, expected) in cases {
            let got: Vec<_> = align(&words(&a), &words(&b), &cfg(10))
                .iter()
                .map(|p| (p.a_start, p.a_end, p.b_start, p.b_end, p.matches))
                .collect();
            assert_eq!(got, expected, "\nA: {a}\nB: {b}");
        }
    }

    #[test]
    fn two_separate_passages_stay_separate() {
        let filler_a = (0..40).map(|i| format!("alpha{i}")).collect::<Vec<_>>().join(" ");
        let filler_b = (0..40).map(|i| format!("beta{i}")).collect::<Vec<_>>().join(" ");
        let second = "the decision by the five is then rubber stamped by the full council and the assembly diplomats said";
        let a = format!("{STORY} {filler_a} {second}");
        let b = format!("{second} {filler_b} {STORY}");
        let got = align(&words(&a), &words(&b), &cfg(10));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].a_start, got[0].b_start), (0, 58));
        assert_eq!((got[1].a_start, got[1].b_start), (66, 0));
    }

    #[test]
    fn short_shared_formulae_are_not_passages() {
        let a = "officials said the talks were useful and the permanent members of the security council agreed";
        let b = "in a separate move the permanent members of the security council met on tuesday in new york";
        assert!(align(&words(a), &words(b), &cfg(25)).is_empty());
    }

    #[test]
    fn lcs_table() {
        let cases: &[(&[u64], &[u64], usize)] =
            &[(&[], &[1], 0), (&[1, 2, 3], &[1, 3], 2), (&[1, 2, 3], &[3, 2, 1], 1)];
        for &(x, y, expected) in cases {
            assert_eq!(lcs_len(x, y), expected, "{x:?} {y:?}");
        }
    }

    #[test]
    fn bad_config_is_rejected() {
        for c in [
            AlignConfig { seed_ngram: 0, ..Default::default() },
            AlignConfig { min_tokens: 0, ..Default::default() },
            AlignConfig { min_identity: 1.5, ..Default::default() },
        ] {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
