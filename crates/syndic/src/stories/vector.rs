//! What a document is about: a sparse TF-IDF vector over its own tokens
//! (boilerplate left out), with names and the headline weighted up.
//!
//! Tokens are the core's ([`crate::normalize`]): NFKC, lower case, word
//! boundaries, each a 64-bit hash. A term's weight is
//! `boost · (1 + ln tf) · ln((1 + n) / (1 + df))`, the vector then scaled
//! to unit length, so the cosine of two documents is their dot product. The
//! idf is the relatedness rule of reprint mode (`reprint::relate`): words
//! every document has weigh nothing. Two boosts, the largest that applies:
//!
//! * a **name** (a capitalised word not opening a sentence: people,
//!   places, organisations) weighs `name_weight`: coverage of one event
//!   shares its actors and places, while ordinary words are shared by any
//!   two stories of one kind;
//! * a word of the **headline** (the first line of the own text, when it is
//!   short) weighs `title_weight`: it says in a few words what the story is.
//!
//! Document frequencies are kept per token hash (memory grows with the
//! vocabulary, not with the corpus), and one spelling of each term for the
//! evidence of a link.

use std::collections::HashMap;

use crate::boilerplate::IdBuild;
use crate::normalize::{Normalizer, NormalizerConfig, TokenUnit, Tokens};

/// The term is a name.
pub(super) const NAME: u8 = 1;

/// Headlines longer than this many tokens are no headline: the text starts
/// with a paragraph.
const MAX_TITLE_TOKENS: usize = 30;

/// A term of one document before document frequencies are known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RawTerm {
    pub(crate) hash: u64,
    /// `boost · (1 + ln tf)`.
    pub(crate) tf: f32,
    pub(crate) flags: u8,
}

/// A term of a unit vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Term {
    pub(super) hash: u64,
    pub(super) weight: f32,
    pub(super) flags: u8,
}

/// Turns texts into [`RawTerm`]s.
#[derive(Debug)]
pub(super) struct Extractor {
    normalizer: Normalizer,
    name_weight: f32,
    title_weight: f32,
}

impl Extractor {
    pub(super) fn new(name_weight: f64, title_weight: f64) -> Self {
        Extractor {
            normalizer: Normalizer::new(NormalizerConfig::default()),
            name_weight: name_weight as f32,
            title_weight: title_weight as f32,
        }
    }

    /// The terms of `text` outside the byte ranges of `boilerplate`
    /// (sorted, not overlapping), sorted by hash, and how many tokens of
    /// own text it has. `spell` is given each term's normalized form.
    pub(super) fn terms(
        &self,
        text: &str,
        boilerplate: &[(usize, usize)],
        tokens: &mut Tokens,
        mut spell: impl FnMut(u64, &str),
    ) -> (Vec<RawTerm>, u32) {
        self.normalizer.tokenize(text, tokens);
        let by_chars = tokens.unit() == TokenUnit::Char;
        let mut spans = boilerplate.iter().peekable();
        let mut own: Vec<usize> = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.tokens().iter().enumerate() {
            let start = token.start as usize;
            while spans.peek().is_some_and(|&&(_, end)| end <= start) {
                spans.next();
            }
            if spans.peek().is_none_or(|&&(s, _)| s > start) {
                own.push(i);
            }
        }
        // A page that is all furniture by the labels keeps its text: an
        // empty vector would link nothing at all.
        if own.is_empty() {
            own = (0..tokens.len()).collect();
        }
        let title_end = own.first().map(|&i| {
            let start = tokens.tokens()[i].start as usize;
            text[start..].find('\n').map_or(text.len(), |n| start + n)
        });
        let title_tokens = title_end.map_or(0, |end| {
            own.iter().take_while(|&&i| (tokens.tokens()[i].start as usize) < end).count()
        });
        let has_title = title_tokens <= MAX_TITLE_TOKENS && title_tokens < own.len();
        let words: Vec<&str> = tokens.iter_normalized().collect();
        let mut found: Vec<(u64, f32, u8)> = Vec::with_capacity(own.len());
        for (k, &i) in own.iter().enumerate() {
            let token = tokens.tokens()[i];
            let word = words[i];
            if !by_chars && (word.chars().count() < 2 || word.chars().all(|c| !c.is_alphabetic())) {
                continue;
            }
            let original = &text[token.start as usize..token.end as usize];
            let name = !by_chars && is_name(text, token.start as usize, original);
            let mut boost = 1.0f32;
            if name {
                boost = boost.max(self.name_weight);
            }
            if has_title && k < title_tokens {
                boost = boost.max(self.title_weight);
            }
            spell(token.hash, word);
            found.push((token.hash, boost, if name { NAME } else { 0 }));
        }
        found.sort_unstable_by_key(|&(h, _, _)| h);
        let mut terms = Vec::new();
        for run in found.chunk_by(|a, b| a.0 == b.0) {
            let boost = run.iter().map(|t| t.1).fold(1.0f32, f32::max);
            let flags = run.iter().fold(0, |f, t| f | t.2);
            let tf = 1.0 + (run.len() as f32).ln();
            terms.push(RawTerm { hash: run[0].0, tf: boost * tf, flags });
        }
        (terms, own.len() as u32)
    }
}

/// Whether the word `original`, at byte `start` of `text`, is a name: it
/// starts with a capital, does not open a sentence or line, and is not a
/// shouted word of a capitalised headline (`BAHIA COCOA REVIEW`); short
/// acronyms (UN, NATO) are names.
fn is_name(text: &str, start: usize, original: &str) -> bool {
    let mut chars = original.chars();
    if !chars.next().is_some_and(char::is_uppercase) {
        return false;
    }
    if original.chars().count() > 4 && original.chars().all(|c| !c.is_lowercase()) {
        return false;
    }
    let before = text[..start].trim_end_matches([' ', '\t', '"', '\'', '“', '‘', '(']);
    !(before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n', '\r', '—', '-']))
}

/// In how many documents each term occurs, and one spelling of each.
#[derive(Debug, Default)]
pub(super) struct DocFreq {
    counts: HashMap<u64, u32, IdBuild>,
    spellings: HashMap<u64, Box<str>, IdBuild>,
    docs: u32,
}

impl DocFreq {
    pub(super) fn add(&mut self, terms: &[RawTerm]) {
        for t in terms {
            *self.counts.entry(t.hash).or_insert(0) += 1;
        }
        self.docs += 1;
    }

    /// Keeps the first spelling seen of a term.
    pub(super) fn spell(&mut self, hash: u64, word: &str) {
        self.spellings.entry(hash).or_insert_with(|| word.into());
    }

    /// Takes back what [`DocFreq::add`] counted of `terms` (a query's
    /// terms, counted only while it is answered).
    pub(super) fn remove(&mut self, terms: &[RawTerm]) {
        for t in terms {
            if let std::collections::hash_map::Entry::Occupied(mut e) = self.counts.entry(t.hash) {
                *e.get_mut() -= 1;
                if *e.get() == 0 {
                    e.remove();
                }
            }
        }
        self.docs -= 1;
    }

    pub(super) fn spelling(&self, hash: u64) -> &str {
        self.spellings.get(&hash).map_or("", |s| s)
    }

    pub(super) fn df(&self, hash: u64) -> u32 {
        self.counts.get(&hash).copied().unwrap_or(0)
    }

    /// `ln((1 + n) / (1 + df))`.
    pub(super) fn idf(&self, hash: u64) -> f32 {
        idf_of(self.docs, self.df(hash))
    }

    /// The unit vector of a document's terms, sorted by hash.
    pub(super) fn vector(&self, terms: &[RawTerm]) -> Vec<Term> {
        let mut out: Vec<Term> = terms
            .iter()
            .map(|t| Term { hash: t.hash, weight: t.tf * self.idf(t.hash), flags: t.flags })
            .collect();
        let norm = out.iter().map(|t| f64::from(t.weight).powi(2)).sum::<f64>().sqrt();
        for t in &mut out {
            t.weight = if norm > 0.0 { (f64::from(t.weight) / norm) as f32 } else { 0.0 };
        }
        out
    }

    /// [`vector`](Self::vector), with the logarithms of a decision's
    /// `memo`: the same weights to the bit.
    pub(super) fn vector_with(&self, terms: &[RawTerm], memo: &mut IdfMemo) -> Vec<Term> {
        let mut out: Vec<Term> = terms
            .iter()
            .map(|t| Term {
                hash: t.hash,
                weight: t.tf * memo.idf(self.docs, self.df(t.hash)),
                flags: t.flags,
            })
            .collect();
        let norm = out.iter().map(|t| f64::from(t.weight).powi(2)).sum::<f64>().sqrt();
        for t in &mut out {
            t.weight = if norm > 0.0 { (f64::from(t.weight) / norm) as f32 } else { 0.0 };
        }
        out
    }

    /// `indexed_terms(&self.vector(terms), self, terms_per_doc)`, the same
    /// terms and weights to the bit, in one pass over `terms` with one
    /// lookup of each and no vector kept: the online linker asks it of
    /// every earlier document holding one of a new document's rare terms.
    /// `memo` is the decision's, `scratch` any buffer.
    pub(super) fn indexed(
        &self,
        terms: &[RawTerm],
        terms_per_doc: usize,
        memo: &mut IdfMemo,
        scratch: &mut Vec<(Term, u32)>,
    ) -> Vec<Term> {
        scratch.clear();
        let mut squares = 0.0f64;
        for t in terms {
            let df = self.df(t.hash);
            let weight = t.tf * memo.idf(self.docs, df);
            // Summed in the order `vector` sums them: the same norm.
            squares += f64::from(weight).powi(2);
            scratch.push((Term { hash: t.hash, weight, flags: t.flags }, df));
        }
        let norm = squares.sqrt();
        let mut indexed: Vec<Term> = scratch
            .iter()
            .filter(|&&(_, df)| df >= 2)
            .map(|&(t, _)| Term {
                weight: if norm > 0.0 { (f64::from(t.weight) / norm) as f32 } else { 0.0 },
                ..t
            })
            .collect();
        heaviest(&mut indexed, terms_per_doc);
        indexed
    }
}

/// `ln((1 + docs) / (1 + df))`, as `f32`.
fn idf_of(docs: u32, df: u32) -> f32 {
    ((1.0 + f64::from(docs)) / (1.0 + f64::from(df))).ln() as f32
}

/// Keeps the `k` heaviest of `terms`, heaviest first (ties by hash: the
/// hashes are distinct, so the order is total and the choice the same
/// every run).
pub(super) fn heaviest(terms: &mut Vec<Term>, k: usize) {
    let order = |a: &Term, b: &Term| b.weight.total_cmp(&a.weight).then(a.hash.cmp(&b.hash));
    // Select before sorting: most documents have far more terms than `k`.
    if k > 0 && terms.len() > k {
        terms.select_nth_unstable_by(k - 1, order);
    }
    terms.truncate(k);
    terms.sort_by(order);
}

/// The idf of each small document frequency at one corpus size, each
/// computed once: an online decision weighs thousands of stored documents'
/// terms by the same few frequencies, and the logarithm was a tenth of its
/// time. Gives [`DocFreq::idf`]'s values to the bit.
#[derive(Debug)]
pub(super) struct IdfMemo {
    docs: u32,
    by_df: Vec<f32>,
}

impl IdfMemo {
    /// Frequencies below this are remembered; the rest are computed.
    const SPAN: usize = 4096;

    pub(super) fn new() -> Self {
        IdfMemo { docs: u32::MAX, by_df: Vec::new() }
    }

    fn idf(&mut self, docs: u32, df: u32) -> f32 {
        if docs != self.docs {
            self.docs = docs;
            self.by_df.clear();
            self.by_df.resize(Self::SPAN, f32::NAN);
        }
        match self.by_df.get_mut(df as usize) {
            Some(slot) if !slot.is_nan() => *slot,
            Some(slot) => {
                *slot = idf_of(docs, df);
                *slot
            }
            None => idf_of(docs, df),
        }
    }
}

/// The dot product of two vectors sorted by hash (their cosine when both
/// are unit vectors).
pub(super) fn dot(a: &[Term], b: &[Term]) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        match a[i].hash.cmp(&b[j].hash) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += f64::from(a[i].weight) * f64::from(b[j].weight);
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// The sum of two vectors sorted by hash (a group's centroid, unscaled).
pub(super) fn add(a: &[Term], b: &[Term]) -> Vec<Term> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let take_a = j == b.len() || (i < a.len() && a[i].hash < b[j].hash);
        let take_b = i == a.len() || (j < b.len() && b[j].hash < a[i].hash);
        if take_a {
            out.push(a[i]);
            i += 1;
        } else if take_b {
            out.push(b[j]);
            j += 1;
        } else {
            let weight = a[i].weight + b[j].weight;
            out.push(Term { hash: a[i].hash, weight, flags: a[i].flags | b[j].flags });
            i += 1;
            j += 1;
        }
    }
    out
}

/// The terms two vectors share, by their contribution to the cosine,
/// largest first (ties by hash).
pub(super) fn shared(a: &[Term], b: &[Term]) -> Vec<(Term, f64)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].hash.cmp(&b[j].hash) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let part = f64::from(a[i].weight) * f64::from(b[j].weight);
                out.push((Term { flags: a[i].flags | b[j].flags, ..a[i] }, part));
                i += 1;
                j += 1;
            }
        }
    }
    out.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.hash.cmp(&y.0.hash)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, f32, u8)> {
        let extractor = Extractor::new(2.0, 1.5);
        let mut df = DocFreq::default();
        let (raw, _) = extractor.terms(text, &[], &mut Tokens::default(), |h, w| df.spell(h, w));
        let mut out: Vec<_> =
            raw.iter().map(|t| (df.spelling(t.hash).to_owned(), t.tf, t.flags)).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn issue18_names_and_headlines_weigh_more() {
        let got = terms("Ferry sinks\nThe skipper Osterby said the ferry sank. Two died.");
        let find = |w: &str| got.iter().find(|t| t.0 == w).cloned();
        // In the headline: 1.5; twice: 1 + ln 2.
        assert_eq!(find("ferry"), Some(("ferry".into(), 1.5 * (1.0 + 2f32.ln()), 0)));
        assert_eq!(find("osterby"), Some(("osterby".into(), 2.0, NAME)));
        // Capitalised only because it opens a sentence.
        assert_eq!(find("two"), Some(("two".into(), 1.0, 0)));
        assert_eq!(find("the"), Some(("the".into(), 1.0 + 2f32.ln(), 0)));
        let shouted = terms("BAHIA COCOA REVIEW\nRains in Bahia helped the UN.");
        assert_eq!(shouted.iter().find(|t| t.0 == "bahia").unwrap().2, NAME);
        assert_eq!(shouted.iter().find(|t| t.0 == "cocoa").unwrap().2, 0);
        assert_eq!(shouted.iter().find(|t| t.0 == "un").unwrap().2, NAME);
    }

    #[test]
    fn issue18_boilerplate_is_left_out() {
        let extractor = Extractor::new(1.0, 1.0);
        let text = "Share this page\nThe ferry sank.";
        let (raw, own) = extractor.terms(text, &[(0, 16)], &mut Tokens::default(), |_, _| {});
        assert_eq!(own, 3);
        assert_eq!(raw.len(), 3);
        let (all, _) = extractor.terms(text, &[(0, text.len())], &mut Tokens::default(), |_, _| {});
        assert_eq!(all.len(), 6, "a page all furniture keeps its text");
    }
}
