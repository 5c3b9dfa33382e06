//! Repetition across documents: lines that recur in many documents of the
//! corpus, or on many pages of one site, are templates.
//!
//! Learning runs in two steps so that it works on streamed batches and in
//! parallel: each worker feeds documents to a [`LineStats`]
//! ([`LineStats::observe`]), the workers' statistics are merged
//! ([`LineStats::merge`], for a rayon `reduce`), and the total is frozen
//! into a [`RepeatedLines`] ([`LineStats::freeze`]) that
//! [`classify_with_repeats`] consults.
//!
//! **What is counted.** Each line (paragraph, for hard-wrapped text) is
//! normalised: letters lowercased, every run of digits turned into one `0`
//! (so that lines differing only in a date, a page or an ebook number count
//! as one), everything that is not a letter or digit dropped (so that
//! re-wrapping, quotes and `™` do not matter). Lines with fewer than
//! [`REPEAT_MIN_WORDS`] words containing a letter are not counted: "Share",
//! "Chapter 0" and "Language: English" recur everywhere, tell little, and
//! the single-document classifier handles them. A line gives up to three
//! kinds of 64-bit xxh3 keys, each counted once per document:
//!
//! - the whole line;
//! - its first five words, if it has more. Template lines that embed a
//!   per-document name are caught that way: "\*\*\* START OF THIS PROJECT
//!   GUTENBERG EBOOK LULU'S LIBRARY \*\*\*", "End of the Project Gutenberg
//!   EBook of The Good Wolf, by Frances Hodgson Burnett";
//! - one in eight of its runs of eight words (chosen by the run's hash, so
//!   that an edit changes only the runs that cover it). Versions of a
//!   template paragraph match that way: licence versions that differ in a
//!   URL, a "™" spelt "-tm", or a clause.
//!
//! A line is a *link* when its whole or its prefix is repeated, or two
//! thirds of at least three sampled runs are. Prefix and run keys would be
//! dangerous anywhere else; they are safe because of where links count:
//!
//! **Where repetition counts.** Reprints repeat too, and finding them is
//! syndic's purpose, so a repeated line is not boilerplate wherever it is.
//! [`classify_with_repeats`] looks for a chain of links anchored at the
//! document's first line, and one anchored at its last, with at most
//! [`CHAIN_MAX_GAP`] other lines between links. The chain ends at the
//! document's own text: a good line (long, stop-word-dense prose) that
//! recurs nowhere, unless a link follows it within [`OWN_MAX_GAP`] lines of
//! text (a per-book note or credit inside a licence; lines the single-page
//! rules call furniture do not count); two such lines end it in any case. The chains, and the per-document lines caught between their links
//! (a Gutenberg header's title, author and release date), are boilerplate.
//! Nothing in the middle of a document is labelled by repetition, so a
//! story quoted inside an anthology stays content; the one exception is a
//! *notice*, below. Finally, if the chains
//! would leave less than [`MIN_CORE_CHARS`] of content, the document is
//! itself a copy (a reprint with a few lines of its own), and repetition
//! labels nothing in it; unless every link of its chains is a template of
//! its own site (repeated on its site's pages, as no story is): a news
//! brief in its site's header and footer loses those links, and only them.
//!
//! **Thresholds** ([`LineStats::freeze`]). A key is repeated globally when
//! it occurs in at least `max(min_docs, MIN_DOC_FRACTION × documents)`
//! documents, and within a site when it occurs on `max(min_site_docs,
//! min(MIN_DOC_FRACTION × the site's pages, SITE_MAX_DOCS))` pages of that
//! site: on a large site, a template that changes daily is on too small a
//! share of its pages, but on far more of them than any story. The fraction is
//! what separates templates from reprints on large corpora: a licence or a
//! CMS footer is on a sizeable share of all documents, while even a widely
//! syndicated story is on a tiny one. The counts matter on small corpora,
//! where a few copies of one text are a large share: [`DEFAULT_MIN_DOCS`]
//! (20) is well above the copies a book or story has there, and
//! [`DEFAULT_MIN_SITE_DOCS`] (3) is met by any template of a site with a
//! handful of pages, while a site seldom runs one paragraph on more than
//! two (a story and its update), and then only the head or tail would be
//! affected. A key in a quarter of the documents needed (at least two) is
//! *recurring*: not a template, but not a document's own text either, which
//! is what a chain needs to know. In the Gutenberg sample (263 books) the
//! licence paragraphs occur in 25 to 250 books; the most reprinted story
//! ("The Three Strangers", in 11 anthologies) stays under the threshold of
//! 20.
//!
//! **Position.** Frequency alone cannot tell a rare template from a
//! reprint: in the Gutenberg sample, old licence versions are in 4 to 11
//! books, as many as the anthologies that reprint one story. Long documents
//! (at least [`LONG_DOC_MIN_BYTES`](super::LONG_DOC_MIN_BYTES)) say more: their front and back matter
//! lies within [`EDGE_ZONE_BYTES`](super::EDGE_ZONE_BYTES) of either end (or a quarter of the
//! document), their own text mostly does not. For keys found in long
//! documents, [`LineStats`] also records in how many they occur only within
//! the edge zones, in how many elsewhere, and which documents they are
//! (the XOR of the documents' content hashes: keys shared by the same
//! documents get the same value). Grouping keys by that document set separates two
//! cases that look alike line by line:
//!
//! - documents that share a template share text at their edges and little
//!   else: most keys with their exact document set are edge-only keys;
//! - copies of one book (the sample has a book under nine authors) share
//!   their whole text, so the keys with their document set are mostly
//!   middle keys, and a story reprinted in several anthologies sits in the
//!   middle of most of them.
//!
//! So a key whose document set has [`EDGE_SHARE_RATIO`] times as many
//! edge-only keys as others is a template when it is in [`EDGE_MIN_DOCS`]
//! long documents (recurring in two), however few that is. Documents are
//! told apart by their content hash, so copies of one book fall into the
//! same set as their originals: a story that closes an anthology (in three
//! copies) and a volume of collected works (in two) shares its set with the
//! anthology's own text, and stays content. Such a key found inside a document too (a
//! licence notice printed between the acts of every play of one edition)
//! is a *notice*, boilerplate wherever its whole line occurs. Short
//! documents (web pages, news) keep no position statistics: everything in
//! them is near an edge, and the site rules above do that work.
//!
//! **Memory.** Counting keeps one `u64 → u32` hash-map entry per distinct
//! key: 16 bytes plus a control byte, at a load of 50–87%, so 20–35 bytes.
//! A line yields one key, one more if longer than five words, and one per
//! eight words or so (about one key per 40 bytes of text in all), and as
//! many again for its site when a site is given. A 100 MB corpus of web text
//! with a few million distinct lines needs some 100–300 MB while counting.
//! Keys of long documents take a second entry (`u64 →` 16 bytes of
//! placement, some 30–45 bytes): the 107 MB Gutenberg sample, all long
//! books, peaks at 300 MB in `syndic clean` instead of 180 MB. The frozen
//! [`RepeatedLines`] keeps only recurring and repeated keys.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::classify::{classify_lines, Classified};
use super::segment::lines;
use super::types::{
    boilerplate_spans, edge_zone, ClassifierConfig, IdBuild, LineClass, LineLabel, Reason, Span,
};
use crate::doc::Document;

/// Lines with fewer words containing a letter are never counted as repeated.
pub const REPEAT_MIN_WORDS: usize = 3;

/// Words in a prefix key.
const PREFIX_WORDS: usize = 5;

/// Words in a shingle key.
const SHINGLE_WORDS: usize = 8;

/// One shingle in this many (by its hash) is kept as a key.
const SHINGLE_SAMPLE: u64 = 8;

/// A line is matched by its shingles only if it has this many.
const SHINGLES_MIN: usize = 3;

/// Keys in a quarter of the documents needed to be repeated are recurring.
const RECURRING_DIVISOR: u32 = 4;

/// Seeds that keep whole-line, prefix and shingle keys apart.
const SEED_LINE: u64 = 0x6c69_6e65;
const SEED_PREFIX: u64 = 0x7072_6566;
const SEED_SHINGLE: u64 = 0x7368_696e;
const SEED_DOCSET: u64 = 0x646f_6373;

/// Long documents a key must be at the edge of to be a template by
/// position.
pub const EDGE_MIN_DOCS: u32 = 3;

/// Documents share a template when the keys they share only at their edges
/// outnumber the others this many times. Copies of one text share at least
/// as many keys in their middles (half of each text or more) as at their
/// edges.
const EDGE_SHARE_RATIO: u32 = 2;

/// Default `min_docs` of [`LineStats::freeze`] (`--boilerplate-min-docs`).
pub const DEFAULT_MIN_DOCS: usize = 20;

/// Default `min_site_docs` of [`LineStats::freeze`]
/// (`--boilerplate-min-site-docs`).
pub const DEFAULT_MIN_SITE_DOCS: usize = 3;

/// The share of documents (of the corpus, or of a site's pages) a line must
/// be found in, besides the count, to be repeated.
pub const MIN_DOC_FRACTION: f64 = 0.05;

/// The most pages of one site a line needs to be on to be the site's
/// template, however many pages the site has. [`MIN_DOC_FRACTION`] of a
/// large site's pages is thousands, more than a template that changes (a
/// "most read" list of the day, a banner of the week) is ever on, while a
/// site runs no line of a story on 50 of its pages: the story and its
/// updates are a handful. Sites under 1,000 pages are not affected.
pub const SITE_MAX_DOCS: u32 = 50;

/// The most unrepeated lines between two links of a head or tail chain: a
/// Gutenberg header has title, author, illustrator, release date, language
/// and credits between its shared lines.
pub const CHAIN_MAX_GAP: usize = 8;

/// After a good line found in no other document, a chain ends unless a link
/// follows within this many lines (not counting lines the single-page rules
/// call furniture): room for the credits, title and author lines that
/// per-document notes in a licence come with, none for a document's own
/// paragraphs, which come in runs.
pub const OWN_MAX_GAP: usize = 4;

/// The content, in characters, that must remain outside the chains for them
/// to count: less than that is a copy with a caption, not a text wrapped in
/// templates.
pub const MIN_CORE_CHARS: usize = 500;

/// Counts of normalised lines over the documents seen so far. See the
/// module notes for what is counted and what it costs.
#[derive(Clone, Debug, Default)]
pub struct LineStats {
    docs: u32,
    global: HashMap<u64, u32, IdBuild>,
    sites: HashMap<u64, SiteStats, IdBuild>,
    /// Where keys sit in long documents (see "Position" in the module notes).
    placements: HashMap<u64, Placement, IdBuild>,
}

/// The distinct keys of one document, ready to be counted: what a
/// persistent index stores per document so that it can learn the
/// statistics incrementally and rebuild them on open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DocKeys {
    /// Each key once, with whether all its occurrences lie in an edge zone.
    keys: Vec<(u64, bool)>,
    /// The hash of the document's site, if it has one.
    site: Option<u64>,
    /// The document's content hash, if it is long (has edge zones).
    docset: Option<u64>,
}

impl DocKeys {
    pub(crate) fn of(text: &str, site: Option<&str>) -> Self {
        let zone = edge_zone(text.len());
        let mut keys: Vec<(u64, bool)> = Vec::new();
        let mut line_keys = LineKeys::default();
        for line in lines(text) {
            if line_keys.compute(line.text) {
                let edge = zone.is_some_and(|z| line.end <= z || line.start >= text.len() - z);
                keys.push((line_keys.full, edge));
                keys.extend(line_keys.prefix.map(|k| (k, edge)));
                keys.extend(line_keys.shingles.iter().map(|&k| (k, edge)));
            }
        }
        // By key, an occurrence outside the zones first: a key is at the
        // edge of this document only if all its occurrences are.
        keys.sort_unstable();
        keys.dedup_by_key(|&mut (key, _)| key);
        let docset = zone.map(|_| xxh3_64_with_seed(text.as_bytes(), SEED_DOCSET));
        Self { keys, site: site.map(site_hash), docset }
    }
}

impl DocKeys {
    /// `flags:u8` (bit 0: site, bit 1: docset), then `site:u64 LE` and
    /// `docset:u64 LE` when present, then per key `key:u64 LE edge:u8`.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17 + 9 * self.keys.len());
        out.push(u8::from(self.site.is_some()) | u8::from(self.docset.is_some()) << 1);
        for v in [self.site, self.docset].into_iter().flatten() {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for &(key, edge) in &self.keys {
            out.extend_from_slice(&key.to_le_bytes());
            out.push(u8::from(edge));
        }
        out
    }

    /// Decodes [`encode`](Self::encode); `None` for bytes it did not write.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let (&flags, mut rest) = bytes.split_first()?;
        if flags > 3 {
            return None;
        }
        let take_u64 = |rest: &mut &[u8]| -> Option<u64> {
            let (head, tail) = rest.split_at_checked(8)?;
            *rest = tail;
            Some(u64::from_le_bytes(head.try_into().ok()?))
        };
        let site = if flags & 1 != 0 { Some(take_u64(&mut rest)?) } else { None };
        let docset = if flags & 2 != 0 { Some(take_u64(&mut rest)?) } else { None };
        if rest.len() % 9 != 0 {
            return None;
        }
        let keys = rest
            .chunks_exact(9)
            .map(|c| Some((u64::from_le_bytes(c[..8].try_into().ok()?), c[8] != 0)))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { keys, site, docset })
    }
}

/// Where one key sits in the long documents that have it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Placement {
    /// Long documents that have the key only within their edge zones.
    edge_docs: u32,
    /// Long documents that have it outside them.
    middle_docs: u32,
    /// The XOR of the content hashes of those documents: keys shared by the
    /// same texts have the same `docset` (and others, almost surely, not).
    /// Copies of one text count as one when odd in number, and cancel out
    /// when even.
    docset: u64,
}

impl Placement {
    fn add(&mut self, other: Placement) {
        self.edge_docs = self.edge_docs.saturating_add(other.edge_docs);
        self.middle_docs = self.middle_docs.saturating_add(other.middle_docs);
        self.docset ^= other.docset;
    }
}

#[derive(Clone, Debug, Default)]
struct SiteStats {
    docs: u32,
    lines: HashMap<u64, u32, IdBuild>,
}

impl LineStats {
    /// Empty statistics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the lines of one document, each distinct key once, globally
    /// and for `site` when given. A site may be a host or a URL; the host
    /// (lowercased, without `www.`) is what groups pages.
    pub fn observe(&mut self, text: &str, site: Option<&str>) {
        self.count(DocKeys::of(text, site));
    }

    /// Counts the lines of a batch of documents; the same as
    /// [`observe`](Self::observe) on each. The keys are computed in
    /// parallel and counted into these statistics one document at a time,
    /// so that no partial statistics are built and merged.
    pub fn observe_batch(&mut self, docs: &[Document]) {
        let keys: Vec<DocKeys> =
            docs.par_iter().map(|doc| DocKeys::of(&doc.text, doc.site.as_deref())).collect();
        for doc in keys {
            self.count(doc);
        }
    }

    /// Counts one document's keys (what [`observe`](Self::observe) does
    /// after computing them).
    pub(crate) fn count(&mut self, doc: DocKeys) {
        self.docs = self.docs.saturating_add(1);
        for &(key, _) in &doc.keys {
            bump(&mut self.global, key, 1);
        }
        if let Some(site) = doc.site {
            let stats = self.sites.entry(site).or_default();
            stats.docs = stats.docs.saturating_add(1);
            for &(key, _) in &doc.keys {
                bump(&mut stats.lines, key, 1);
            }
        }
        if let Some(docset) = doc.docset {
            for &(key, edge) in &doc.keys {
                let placement =
                    Placement { edge_docs: u32::from(edge), middle_docs: u32::from(!edge), docset };
                self.placements.entry(key).or_default().add(placement);
            }
        }
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: LineStats) {
        self.docs = self.docs.saturating_add(other.docs);
        merge_counts(&mut self.global, other.global);
        for (site, theirs) in other.sites {
            let ours = self.sites.entry(site).or_default();
            ours.docs = ours.docs.saturating_add(theirs.docs);
            merge_counts(&mut ours.lines, theirs.lines);
        }
        let (mut into, mut from) = (std::mem::take(&mut self.placements), other.placements);
        if into.len() < from.len() {
            std::mem::swap(&mut into, &mut from);
        }
        for (key, placement) in from {
            into.entry(key).or_default().add(placement);
        }
        self.placements = into;
    }

    /// The counts as bytes, for a runner that counts shards on several
    /// machines and merges them ([`merge`](Self::merge)) elsewhere:
    /// `docs:u32`, then the global counts, the sites and the placements,
    /// each a `len:u64` and its entries, little-endian (a site is
    /// `site:u64 docs:u32` and its counts; a count `key:u64 n:u32`; a
    /// placement `key:u64 edge_docs:u32 middle_docs:u32 docset:u64`).
    pub fn encode(&self) -> Vec<u8> {
        fn counts(out: &mut Vec<u8>, map: &HashMap<u64, u32, IdBuild>) {
            out.extend_from_slice(&(map.len() as u64).to_le_bytes());
            for (&key, &n) in map {
                out.extend_from_slice(&key.to_le_bytes());
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        let mut out = Vec::with_capacity(32 + 12 * self.global.len() + 24 * self.placements.len());
        out.extend_from_slice(&self.docs.to_le_bytes());
        counts(&mut out, &self.global);
        out.extend_from_slice(&(self.sites.len() as u64).to_le_bytes());
        for (&site, stats) in &self.sites {
            out.extend_from_slice(&site.to_le_bytes());
            out.extend_from_slice(&stats.docs.to_le_bytes());
            counts(&mut out, &stats.lines);
        }
        out.extend_from_slice(&(self.placements.len() as u64).to_le_bytes());
        for (&key, p) in &self.placements {
            out.extend_from_slice(&key.to_le_bytes());
            out.extend_from_slice(&p.edge_docs.to_le_bytes());
            out.extend_from_slice(&p.middle_docs.to_le_bytes());
            out.extend_from_slice(&p.docset.to_le_bytes());
        }
        out
    }

    /// Decodes [`encode`](Self::encode); `None` for bytes it did not write.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut reader = Reader(bytes);
        let mut stats = LineStats { docs: reader.u32()?, ..Default::default() };
        stats.global = reader.counts()?;
        for _ in 0..reader.u64()? {
            let site = reader.u64()?;
            let docs = reader.u32()?;
            stats.sites.insert(site, SiteStats { docs, lines: reader.counts()? });
        }
        for _ in 0..reader.u64()? {
            let key = reader.u64()?;
            let placement = Placement {
                edge_docs: reader.u32()?,
                middle_docs: reader.u32()?,
                docset: reader.u64()?,
            };
            stats.placements.insert(key, placement);
        }
        reader.0.is_empty().then_some(stats)
    }

    /// Documents observed.
    pub fn docs(&self) -> u32 {
        self.docs
    }

    /// The keys found in at least `min_docs` documents and
    /// [`MIN_DOC_FRACTION`] of all documents, or on at least
    /// `min_site_docs` pages and that share of the pages of one site. A
    /// threshold of 0 switches its rule off.
    pub fn freeze(&self, min_docs: usize, min_site_docs: usize) -> RepeatedLines {
        self.freeze_with(min_docs, min_site_docs, MIN_DOC_FRACTION)
    }

    /// Counts one document's keys and brings `frozen`, the
    /// [`freeze`](Self::freeze) of these statistics before it, up to date:
    /// the same as counting and freezing again, at the cost of the
    /// document's keys when no threshold moves (a persistent index adding
    /// documents one at a time). A long document (its placements change
    /// which keys are templates) or a threshold that moves with the number
    /// of documents (their 5 %) freezes everything again.
    pub(crate) fn count_and_refreeze(
        &mut self,
        doc: DocKeys,
        frozen: &mut RepeatedLines,
        min_docs: usize,
        min_site_docs: usize,
    ) {
        let fraction = MIN_DOC_FRACTION;
        let site_docs = |stats: &Self, site: u64| stats.sites.get(&site).map_or(0, |s| s.docs);
        let before = (
            thresholds(min_docs, self.docs, fraction),
            doc.site.map(|site| site_thresholds(min_site_docs, site_docs(self, site), fraction)),
        );
        let (long, site) = (doc.docset.is_some(), doc.site);
        let keys: Vec<u64> = doc.keys.iter().map(|&(key, _)| key).collect();
        self.count(doc);
        let after = (
            thresholds(min_docs, self.docs, fraction),
            site.map(|site| site_thresholds(min_site_docs, site_docs(self, site), fraction)),
        );
        if long || before != after {
            *frozen = self.freeze(min_docs, min_site_docs);
            return;
        }
        // Counts only grow and the thresholds stand: a key's level can only
        // rise, and only the document's keys changed.
        let raise = |map: &mut HashMap<u64, Level, IdBuild>, key: u64, level: Option<Level>| {
            if let Some(level) = level {
                let at = map.entry(key).or_insert(level);
                *at = (*at).max(level);
            }
        };
        if let (Some(t), _) = after {
            for &key in &keys {
                raise(&mut frozen.global, key, level(self.global[&key], t));
            }
        }
        if let (Some(site), (_, Some(Some(t)))) = (site, after) {
            let lines = &self.sites[&site].lines;
            for &key in &keys {
                raise(&mut frozen.site, site_key(site, key), level(lines[&key], t));
            }
        }
    }

    fn freeze_with(&self, min_docs: usize, min_site_docs: usize, fraction: f64) -> RepeatedLines {
        let thresholds = |min: usize, docs: u32| thresholds(min, docs, fraction);
        let mut repeats = RepeatedLines::default();
        if let Some(t) = thresholds(min_docs, self.docs) {
            repeats.global =
                self.global.iter().filter_map(|(&k, &n)| Some((k, level(n, t)?))).collect();
            for (key, level, inside) in self.placed_templates() {
                let at = repeats.global.entry(key).or_insert(level);
                *at = (*at).max(level);
                if inside && level == Level::Repeated {
                    repeats.notices.insert(key);
                }
            }
        }
        for (&host, stats) in &self.sites {
            if let Some(t) = site_thresholds(min_site_docs, stats.docs, fraction) {
                repeats.site.extend(
                    stats
                        .lines
                        .iter()
                        .filter_map(|(&k, &n)| Some((site_key(host, k), level(n, t)?))),
                );
            }
        }
        repeats
    }
}

impl LineStats {
    /// The keys that position makes templates, with whether they also
    /// occur inside documents: keys of the sets of long documents that share
    /// far more at their edges than in their middles (see "Position" in the
    /// module notes).
    fn placed_templates(&self) -> impl Iterator<Item = (u64, Level, bool)> + '_ {
        // Per set of documents: (keys only at their edges, keys elsewhere).
        let mut shared: HashMap<u64, (u32, u32), IdBuild> = HashMap::default();
        for p in self.placements.values() {
            let at = shared.entry(p.docset).or_default();
            if p.middle_docs == 0 {
                at.0 += 1;
            } else {
                at.1 += 1;
            }
        }
        self.placements.iter().filter_map(move |(&key, p)| {
            let (edge, middle) = shared[&p.docset];
            let level = match p.edge_docs + p.middle_docs {
                n if n >= EDGE_MIN_DOCS => Level::Repeated,
                2 => Level::Recurring,
                _ => return None,
            };
            // Zero: even numbers of copies of each text, nothing learnt.
            let template = p.docset != 0 && middle * EDGE_SHARE_RATIO < edge;
            template.then_some((key, level, p.middle_docs > 0))
        })
    }
}

/// The thresholds for recurring and repeated keys among `docs` documents:
/// at least `min`, and `fraction` of them; `None` when `min` is 0 (the rule
/// is off).
fn thresholds(min: usize, docs: u32, fraction: f64) -> Option<(u32, u32)> {
    thresholds_at_most(min, docs, fraction, u32::MAX)
}

/// The thresholds of [`thresholds`] among the pages of one site, where the
/// share stops growing at [`SITE_MAX_DOCS`] pages.
fn site_thresholds(min: usize, docs: u32, fraction: f64) -> Option<(u32, u32)> {
    thresholds_at_most(min, docs, fraction, SITE_MAX_DOCS)
}

/// [`thresholds`] with the share of the documents counted up to `most` (a
/// larger `min` still holds).
fn thresholds_at_most(min: usize, docs: u32, fraction: f64, most: u32) -> Option<(u32, u32)> {
    let min = u32::try_from(min).unwrap_or(u32::MAX);
    let share = ((fraction * f64::from(docs)).ceil() as u32).min(most);
    let repeated = min.max(share);
    (min > 0).then(|| (repeated.div_ceil(RECURRING_DIVISOR).max(2), repeated))
}

/// The level of a key found `n` times, by [`thresholds`].
fn level(n: u32, (recurring, repeated): (u32, u32)) -> Option<Level> {
    if n >= repeated {
        Some(Level::Repeated)
    } else {
        (n >= recurring).then_some(Level::Recurring)
    }
}

/// Little-endian numbers off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, tail) = self.0.split_at_checked(N)?;
        self.0 = tail;
        head.try_into().ok()
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }

    fn counts(&mut self) -> Option<HashMap<u64, u32, IdBuild>> {
        let len = self.u64()?;
        // Bounded by the bytes left, so that a bad length cannot reserve
        // memory it does not describe.
        let mut map = HashMap::with_capacity_and_hasher(
            (len as usize).min(self.0.len() / 12),
            IdBuild::default(),
        );
        for _ in 0..len {
            let key = self.u64()?;
            map.insert(key, self.u32()?);
        }
        Some(map)
    }
}

fn bump(map: &mut HashMap<u64, u32, IdBuild>, key: u64, by: u32) {
    let n = map.entry(key).or_insert(0);
    *n = n.saturating_add(by);
}

fn merge_counts(into: &mut HashMap<u64, u32, IdBuild>, mut from: HashMap<u64, u32, IdBuild>) {
    if into.len() < from.len() {
        std::mem::swap(into, &mut from);
    }
    into.reserve(from.len());
    for (key, n) in from {
        bump(into, key, n);
    }
}

/// The repeated keys learnt from a corpus. The default repeats nothing:
/// [`classify_with_repeats`] then equals [`classify`](super::classify::classify).
#[derive(Clone, Debug, Default)]
pub struct RepeatedLines {
    global: HashMap<u64, Level, IdBuild>,
    site: HashMap<u64, Level, IdBuild>,
    /// Keys of template lines that also occur inside documents (a licence
    /// notice printed between the acts of a play); boilerplate wherever
    /// they are.
    notices: HashSet<u64, IdBuild>,
}

/// How widely a key recurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// In at least a quarter of the documents needed for `Repeated` (and at
    /// least two): not enough to make a line a template, but enough to say
    /// that it is not the document's own text.
    Recurring,
    /// At the thresholds of [`LineStats::freeze`].
    Repeated,
}

impl RepeatedLines {
    /// Whether the whole of `line` (normalised) is repeated globally, or on
    /// `site`. Prefix and shingle keys are not consulted: they only count
    /// inside head and tail chains.
    pub fn is_repeated(&self, line: &str, site: Option<&str>) -> bool {
        let mut keys = LineKeys::default();
        keys.compute(line) && self.level(keys.full, site.map(site_hash)) == Some(Level::Repeated)
    }

    /// Keys kept (repeated, or recurring enough to tell a document's own
    /// text from variants of a template), global and per site.
    pub fn len(&self) -> usize {
        self.global.len() + self.site.len()
    }

    /// Whether no key was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn level(&self, key: u64, site: Option<u64>) -> Option<Level> {
        let global = self.global.get(&key).copied();
        let on_site = site.and_then(|s| self.site.get(&site_key(s, key)).copied());
        global.max(on_site)
    }

    /// How a line counts in a chain; see [`Judgement`].
    fn judge(&self, line: &str, site: Option<u64>, keys: &mut LineKeys) -> Judgement {
        if !keys.compute(line) {
            return Judgement::default();
        }
        let whole = [Some(keys.full), keys.prefix]
            .into_iter()
            .flatten()
            .filter_map(|k| self.level(k, site))
            .max();
        let (mut repeated, mut recurring) = (0, 0);
        for &k in &keys.shingles {
            match self.level(k, site) {
                Some(Level::Repeated) => repeated += 1,
                Some(Level::Recurring) => recurring += 1,
                None => {}
            }
        }
        let shingles = keys.shingles.len();
        let many = shingles >= SHINGLES_MIN;
        // The whole line, not its prefix or runs: a line that merely starts
        // like a template ("Updated 11:36 AM | 5 min" run into a first
        // paragraph) may be the page's own text.
        let site_template = site.is_some_and(|s| {
            self.site.get(&site_key(s, keys.full)).copied() == Some(Level::Repeated)
        });
        Judgement {
            link: whole == Some(Level::Repeated) || (many && repeated * 3 >= shingles * 2),
            recurs: whole.is_some() || (many && (repeated + recurring) * 3 >= shingles),
            site_template,
        }
    }
}

/// How one line counts in a head or tail chain.
#[derive(Clone, Copy, Debug, Default)]
struct Judgement {
    /// Its whole or its prefix is repeated, or two thirds of its shingles.
    link: bool,
    /// The same at the recurring level, with a third of the shingles: the
    /// line is not the document's own text.
    recurs: bool,
    /// The whole line is repeated on its site's pages: the site's
    /// template, which no story is (see [`MIN_CORE_CHARS`]).
    site_template: bool,
}

/// Labels each line of `text` like [`classify`](super::classify::classify), then marks
/// the chains of repeated lines at its head and tail as
/// [`Reason::Repeated`] (see the module notes). Lines are hashed only while
/// the chains are searched, so a long document costs little more than
/// [`classify`](super::classify::classify).
pub fn classify_with_repeats(
    text: &str,
    site: Option<&str>,
    repeats: &RepeatedLines,
    cfg: &ClassifierConfig,
) -> Vec<LineLabel> {
    let mut doc = classify_lines(text, cfg);
    if !repeats.is_empty() {
        mark_chains(&mut doc, site.map(site_hash), repeats);
    }
    if !repeats.notices.is_empty() {
        let mut keys = LineKeys::default();
        for (i, line) in doc.lines.iter().enumerate() {
            if doc.classes[i] == LineClass::Content
                && keys.compute(line.text)
                && repeats.notices.contains(&keys.full)
            {
                doc.classes[i] = LineClass::Boilerplate(Reason::Repeated);
            }
        }
    }
    doc.labels()
}

/// The [`boilerplate_spans`] of each document of a batch, labelled in
/// parallel by [`classify_with_repeats`].
pub fn batch_spans(
    docs: &[Document],
    repeats: &RepeatedLines,
    cfg: &ClassifierConfig,
) -> Vec<Vec<Span>> {
    docs.par_iter()
        .map(|doc| {
            boilerplate_spans(&classify_with_repeats(&doc.text, doc.site.as_deref(), repeats, cfg))
        })
        .collect()
}

fn mark_chains(doc: &mut Classified<'_>, site: Option<u64>, repeats: &RepeatedLines) {
    let n = doc.lines.len();
    let mut keys = LineKeys::default();
    // How many lines, from the edge inwards along `order`, a chain covers.
    // ... and whether all its links are the site's templates; its links
    // go into `links`.
    let mut links = Vec::new();
    let mut chain = |order: &mut dyn Iterator<Item = usize>| {
        let (mut covered, mut seen, mut gap) = (0, 0, 0);
        let mut site_templates = true;
        // Lines since the last good line found nowhere else (the document's
        // own text, or a per-document note inside a licence), if any since
        // the last link.
        let mut since_own: Option<usize> = None;
        for i in order {
            seen += 1;
            let Judgement { link, recurs, site_template } =
                repeats.judge(doc.lines[i].text, site, &mut keys);
            if link {
                covered = seen;
                site_templates &= site_template;
                links.push(i);
                (gap, since_own) = (0, None);
                continue;
            }
            gap += 1;
            let own = doc.good[i] && !recurs;
            // Lines the single-page rules already call furniture (an FTP
            // session, "(Three Pages)") are no text of the document's own.
            let text = doc.classes[i] == LineClass::Content;
            since_own = match (own, since_own) {
                (true, Some(_)) => break,
                (true, None) => Some(0),
                (false, Some(k)) => Some(k + usize::from(text)),
                (false, None) => None,
            };
            if gap > CHAIN_MAX_GAP || since_own.is_some_and(|k| k >= OWN_MAX_GAP) {
                break;
            }
        }
        (covered, site_templates)
    };
    let (head_end, head_site) = chain(&mut (0..n));
    let (tail_len, tail_site) = chain(&mut (head_end..n).rev());
    let tail_start = n - tail_len;
    let core: usize = (head_end..tail_start)
        .filter(|&i| doc.classes[i] == LineClass::Content)
        .map(|i| doc.chars[i])
        .sum();
    let chains: Vec<usize> = if core >= MIN_CORE_CHARS {
        (0..head_end).chain(tail_start..n).collect()
    } else if head_site
        && tail_site
        && (0..n).any(|i| doc.classes[i] == LineClass::Content && !links.contains(&i))
    {
        // Too little text of its own to tell it from a copy with a caption,
        // but every link is a template of the page's own site, which no
        // story is: a news brief. Its templates go, the rest stays, if any
        // is left: a page with no text of its own is compared whole.
        links
    } else {
        return;
    };
    for i in chains {
        if doc.classes[i] == LineClass::Content {
            doc.classes[i] = LineClass::Boilerplate(Reason::Repeated);
        }
    }
}

/// The keys of one line, in buffers reused from line to line.
#[derive(Debug, Default)]
struct LineKeys {
    /// The normalised line: lowercase words joined by single spaces.
    norm: String,
    /// Byte offset in `norm` of each word.
    starts: Vec<usize>,
    /// The whole line.
    full: u64,
    /// The first [`PREFIX_WORDS`] words, for longer lines.
    prefix: Option<u64>,
    /// Runs of [`SHINGLE_WORDS`] words starting at sampled words.
    shingles: Vec<u64>,
}

impl LineKeys {
    /// Computes the keys of `line`; false (and no keys) when it has fewer
    /// than [`REPEAT_MIN_WORDS`] words containing a letter.
    fn compute(&mut self, line: &str) -> bool {
        self.norm.clear();
        self.starts.clear();
        self.shingles.clear();
        let mut lettered = 0;
        for word in line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            if !self.starts.is_empty() {
                self.norm.push(' ');
            }
            self.starts.push(self.norm.len());
            let mut in_number = false;
            let mut has_letter = false;
            for c in word.chars() {
                if c.is_numeric() {
                    if !in_number {
                        self.norm.push('0');
                    }
                    in_number = true;
                } else {
                    in_number = false;
                    has_letter = true;
                    if c.is_ascii() {
                        self.norm.push(c.to_ascii_lowercase());
                    } else {
                        self.norm.extend(c.to_lowercase());
                    }
                }
            }
            lettered += usize::from(has_letter);
        }
        if lettered < REPEAT_MIN_WORDS {
            return false;
        }
        let words = self.starts.len();
        // The end of the span of words `from..to`, in `norm`.
        let end = |to: usize| self.starts.get(to).map_or(self.norm.len(), |&s| s - 1);
        let bytes = self.norm.as_bytes();
        self.full = xxh3_64_with_seed(bytes, SEED_LINE);
        self.prefix = (words > PREFIX_WORDS)
            .then(|| xxh3_64_with_seed(&bytes[..end(PREFIX_WORDS)], SEED_PREFIX));
        // Sampling by the shingle's own hash keeps the choice local: an
        // edit changes only the shingles that cover it.
        for from in 0..(words + 1).saturating_sub(SHINGLE_WORDS) {
            let key = xxh3_64_with_seed(
                &bytes[self.starts[from]..end(from + SHINGLE_WORDS)],
                SEED_SHINGLE,
            );
            if key.is_multiple_of(SHINGLE_SAMPLE) {
                self.shingles.push(key);
            }
        }
        true
    }
}

/// The hash of a site's host: scheme, user, port, path and a leading `www.`
/// dropped, lowercased. A site that is not a URL is used whole.
fn site_hash(site: &str) -> u64 {
    let site = site.trim();
    let host = site.split_once("://").map_or(site, |(_, rest)| rest);
    let host = host.split(['/', '?', '#']).next().unwrap_or(host);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_end_matches('.').to_lowercase();
    xxh3_64(host.strip_prefix("www.").unwrap_or(&host).as_bytes())
}

fn site_key(site: u64, key: u64) -> u64 {
    xxh3_64_with_seed(&key.to_le_bytes(), site)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::classify::classify;
    use crate::boilerplate::types::LONG_DOC_MIN_BYTES;

    /// A stop-word-dense paragraph of 250-odd characters, different for
    /// every `seed` even after digits are normalised away, and sharing no
    /// run of more than three words with another seed's.
    fn prose(seed: usize) -> String {
        const WORDS: [[&str; 10]; 8] = [
            [
                "farmer", "baker", "sailor", "miller", "weaver", "tailor", "smith", "carter",
                "potter", "mason",
            ],
            [
                "brother",
                "cousin",
                "uncle",
                "sister",
                "mother",
                "father",
                "neighbour",
                "friend",
                "widow",
                "priest",
            ],
            [
                "market", "harbour", "chapel", "meadow", "bridge", "orchard", "quarry", "forest",
                "castle", "village",
            ],
            ["river", "valley", "hill", "coast", "moor", "lake", "field", "road", "shore", "marsh"],
            [
                "bread", "cloth", "apples", "timber", "wool", "salt", "honey", "cheese", "iron",
                "candles",
            ],
            [
                "walked", "rode", "sailed", "drove", "hurried", "wandered", "limped", "marched",
                "strolled", "crept",
            ],
            ["cold", "late", "dark", "wet", "quiet", "windy", "early", "bright", "grey", "warm"],
            [
                "supper", "dinner", "church", "noon", "dusk", "dawn", "midnight", "harvest",
                "mass", "school",
            ],
        ];
        let mut slot = 0u64;
        let mut pick = |kind: usize| {
            slot += 1;
            let h = xxh3_64(&(seed as u64 * 64 + slot).to_le_bytes());
            WORDS[kind][(h % 10) as usize]
        };
        let (n0, r0, p0, g0) = (pick(0), pick(1), pick(2), pick(3));
        let (c0, c1, n1, p1, v0) = (pick(4), pick(4), pick(0), pick(2), pick(5));
        let (g1, g2, a0, r1, a1, a2, t0, p2) =
            (pick(3), pick(3), pick(6), pick(1), pick(6), pick(6), pick(7), pick(2));
        format!(
            "The {n0} and his {r0} went to the {p0} by the {g0} where they sold {c0} and {c1} to a {n1} of \
             the {p1}, and then they {v0} along the {g1} because the {g2} was {a0} and their {r1} was {a1} \
             and {a2} after {t0} in the {p2}."
        )
    }

    const HEADER: &str =
        "The Example Library edition of this work is for the use of anyone anywhere at no cost.";
    const FOOTER: [&str; 3] = [
        "End of the Example Library edition of this work, as it was issued.",
        "The Example Library Foundation is a charity that depends upon donations from its readers, and \
         its volunteers give their time freely so that the works in its collection stay available to \
         everyone who wants to read them, in every country of the world.",
        "Please check the Example Library web pages for current donation methods and addresses.",
    ];

    /// A book-like document: a shared header line, a title and a release
    /// line that differ per document, a body, and a shared footer.
    fn book(d: usize, body: &[String]) -> String {
        let mut parts = vec![
            format!("Example Library edition of Volume {d}, by Author Number {d}"),
            HEADER.to_string(),
            format!(
                "Title: The Story of the {} and the {}",
                prose(d).split(' ').nth(1).unwrap_or(""),
                d
            ),
            format!("Release Date: May {}, 20{:02} [Edition #{}]", d % 28 + 1, d % 100, 1000 + d),
        ];
        parts.extend(body.iter().cloned());
        parts.extend(FOOTER.iter().map(|s| s.to_string()));
        parts.join("\n\n")
    }

    fn classes(
        text: &str,
        site: Option<&str>,
        repeats: &RepeatedLines,
    ) -> Vec<(String, LineClass)> {
        classify_with_repeats(text, site, repeats, &ClassifierConfig::default())
            .into_iter()
            .map(|l| (text[l.start..l.end].chars().take(24).collect(), l.class))
            .collect()
    }

    #[test]
    fn line_keys_normalise() {
        let mut keys = LineKeys::default();
        let mut key = |s: &str| keys.compute(s).then_some((keys.full, keys.prefix));
        let same = [
            ("Updated: 2011-04-23 17:57 by the desk", "updated 1999-1-1 0:00 by THE desk"),
            ("Project Gutenberg\u{2122} electronic works", "project gutenberg electronic works"),
            ("under the terms of the\nlicence included", "under the terms of the licence included"),
            ("\u{201c}Quoted,\u{201d} she said.", "quoted she said"),
        ];
        for (a, b) in same {
            assert_eq!(key(a), key(b), "{a:?} vs {b:?}");
            assert!(key(a).is_some(), "{a:?}");
        }
        let different =
            [("the cat sat", "the cat sits"), ("Chapter one begins", "Chapter two begins")];
        for (a, b) in different {
            assert_ne!(key(a), key(b), "{a:?} vs {b:?}");
        }
        // (line, counted, has a prefix key)
        let cases = [
            ("Share", false, false),
            ("Chapter 12", false, false),
            ("Language: English", false, false),
            ("2011-04-23 17:57:10", false, false),
            ("Character set encoding: UTF-8", true, false),
            ("one two three four five", true, false),
            ("one two three four five six", true, true),
        ];
        for (line, counted, prefixed) in cases {
            let got = key(line);
            assert_eq!(got.is_some(), counted, "{line}");
            assert_eq!(got.is_some_and(|(_, p)| p.is_some()), prefixed, "{line}");
        }
        let a = key("*** START OF THIS PROJECT GUTENBERG EBOOK THE GOOD WOLF ***");
        let b = key("*** START OF THIS PROJECT GUTENBERG EBOOK ASSASSIN ***");
        assert_ne!(a.map(|k| k.0), b.map(|k| k.0));
        assert_eq!(a.and_then(|k| k.1), b.and_then(|k| k.1));
    }

    #[test]
    fn site_hash_groups_urls_by_host() {
        let same = [
            "example.com",
            "Example.COM",
            "https://www.example.com/news/2011/04/23/story.html",
            "http://user@example.com:8080/x?y=1#z",
            "www.example.com.",
        ];
        for s in same {
            assert_eq!(site_hash(s), site_hash("example.com"), "{s}");
        }
        for s in ["other.com", "news.example.com", "https://example.org/"] {
            assert_ne!(site_hash(s), site_hash("example.com"), "{s}");
        }
    }

    #[test]
    fn zero_switches_a_rule_off() {
        let line = "a line that every page of the site has";
        let mut stats = LineStats::new();
        for _ in 0..30 {
            stats.observe(line, Some("site.example"));
        }
        // (min_docs, min_site_docs, repeated globally, repeated on the site)
        let cases =
            [(20, 3, true, true), (0, 3, false, true), (20, 0, true, true), (0, 0, false, false)];
        for (min_docs, min_site_docs, global, on_site) in cases {
            let repeats = stats.freeze(min_docs, min_site_docs);
            assert_eq!(repeats.is_repeated(line, None), global, "{min_docs} {min_site_docs}");
            assert_eq!(
                repeats.is_repeated(line, Some("site.example")),
                on_site,
                "{min_docs} {min_site_docs}"
            );
        }
        assert!(stats.freeze(0, 0).is_empty());
    }

    #[test]
    fn counting_and_thresholds() {
        let shared = "a line that every document has in it";
        let mut stats = LineStats::new();
        for d in 0..12 {
            // Repeated inside a document, it still counts once for it.
            let text = format!(
                "{shared}\n{shared}\n{}\nonly in the first {}",
                prose(d),
                if d < 6 { "six" } else { "half" }
            );
            stats.observe(&text, None);
        }
        assert_eq!(stats.docs(), 12);
        // (min_docs, fraction, shared line repeated, six-document line repeated)
        let cases = [
            (10, 0.0, true, false),
            (6, 0.0, true, true),
            (13, 0.0, false, false),
            (2, 0.6, true, false),
        ];
        for (min_docs, min_fraction, want_shared, want_six) in cases {
            let repeats = stats.freeze_with(min_docs, 0, min_fraction);
            assert_eq!(repeats.is_repeated(shared, None), want_shared, "{min_docs} {min_fraction}");
            assert_eq!(
                repeats.is_repeated("only in the first six", None),
                want_six,
                "{min_docs} {min_fraction}"
            );
            assert!(!repeats.is_repeated(&prose(3), None));
        }
    }

    #[test]
    fn merge_equals_observing_in_one_place() {
        let docs: Vec<String> = (0..30).map(|d| book(d, &[prose(d)])).collect();
        let sites = ["a.example", "b.example", "c.example"];
        let mut one = LineStats::new();
        let mut parts = [LineStats::new(), LineStats::new(), LineStats::new()];
        for (d, text) in docs.iter().enumerate() {
            one.observe(text, Some(sites[d % 3]));
            parts[d % 3].observe(text, Some(sites[d % 3]));
        }
        let mut merged = LineStats::new();
        for p in parts {
            merged.merge(p);
        }
        assert_eq!(merged.docs(), one.docs());
        assert_eq!(merged.global, one.global);
        assert_eq!(merged.sites.len(), one.sites.len());
        for (site, stats) in &one.sites {
            assert_eq!(merged.sites[site].docs, stats.docs);
            assert_eq!(merged.sites[site].lines, stats.lines);
        }
    }

    #[test]
    fn site_rule_needs_pages_of_one_site() {
        let furniture = "The Example Times remains committed to the principle of public debate";
        let mut stats = LineStats::new();
        for d in 0..6 {
            stats.observe(
                &format!("{}\n{furniture}", prose(d)),
                Some("https://www.times.example/story"),
            );
        }
        for d in 6..40 {
            stats.observe(&prose(d), Some(&format!("site{d}.example")));
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        assert!(repeats.is_repeated(furniture, Some("times.example")));
        assert!(!repeats.is_repeated(furniture, Some("other.example")));
        assert!(!repeats.is_repeated(furniture, None));
    }

    #[test]
    fn chains_at_head_and_tail_are_boilerplate() {
        let quoted = prose(777_777);
        let corpus: Vec<String> = (0..40)
            .map(|d| {
                let mut body = vec![prose(d), prose(d + 100), prose(d + 200), prose(d + 300)];
                if d < 20 {
                    // A passage quoted in the middle of half the books.
                    body.insert(2, quoted.clone());
                }
                book(d, &body)
            })
            .collect();
        let mut stats = LineStats::new();
        for text in &corpus {
            stats.observe(text, None);
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        let rep = LineClass::Boilerplate(Reason::Repeated);
        let got = classes(&corpus[3], None, &repeats);
        // Volume line, header, title, release date: the head chain.
        assert!(got[..4].iter().all(|(_, c)| c.is_boilerplate()), "{got:#?}");
        assert_eq!((got[0].1, got[1].1), (rep, rep), "{got:#?}");
        // The body, with the quoted passage, is content.
        assert!(got[4..9].iter().all(|(_, c)| *c == LineClass::Content), "{got:#?}");
        assert!(got[9..].iter().all(|(_, c)| *c == rep), "{got:#?}");
        assert_eq!(got.len(), 12);
        // Without the corpus, the header and footer are prose like the rest.
        let alone = classify(&corpus[3], &ClassifierConfig::default());
        assert!(alone[1].class == LineClass::Content && alone[10].class == LineClass::Content);
    }

    #[test]
    fn per_document_lines_between_links_are_caught() {
        // A long per-document note between two template lines (the credits
        // inside a Gutenberg licence): the chain crosses it, as it would not
        // cross two.
        let corpus: Vec<String> = (0..30)
            .map(|d| {
                let note = prose(d + 900);
                let body = [prose(d), prose(d + 50), prose(d + 70)].join("\n\n");
                format!("{HEADER}\n\n{note}\n\n{}\n\n{body}", FOOTER[0])
            })
            .collect();
        let mut stats = LineStats::new();
        for text in &corpus {
            stats.observe(text, None);
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        let got = classes(&corpus[0], None, &repeats);
        let kinds: Vec<LineClass> = got.iter().map(|(_, c)| *c).collect();
        let rep = LineClass::Boilerplate(Reason::Repeated);
        let c = LineClass::Content;
        assert_eq!(kinds, [rep, rep, rep, c, c, c], "{got:#?}");
    }

    #[test]
    fn reprints_are_not_boilerplate() {
        // Twenty-four copies of one story among fifty documents: every
        // paragraph is repeated, but a copy has no body of its own left, so
        // repetition labels nothing in it.
        let story: Vec<String> = (0..4).map(|i| prose(9_000 + i)).collect();
        let mut corpus: Vec<String> = (0..24).map(|_| story.join("\n\n")).collect();
        corpus.extend((0..26).map(|d| book(d, &[prose(d)])));
        let mut stats = LineStats::new();
        for text in &corpus {
            stats.observe(text, None);
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        assert!(repeats.is_repeated(&story[0], None));
        let got = classes(&corpus[0], None, &repeats);
        assert!(got.iter().all(|(_, c)| *c == LineClass::Content), "{got:#?}");
    }

    #[test]
    fn issue16_a_short_page_loses_its_site_templates() {
        // A news brief: under MIN_CORE_CHARS of its own text, in its site's
        // header and footer. The templates recur on every page of the site
        // (and so globally too), and they are what a short page must lose
        // for its text to be compared with a reprint of it elsewhere.
        let head = [
            "Listen to this article on our new audio player",
            "Subscribe to the Example Courier newsletter today",
        ];
        let foot = [
            "Comments are closed for this story on the site",
            "The Example Courier uses cookies to improve your experience",
        ];
        let page = |d: usize| {
            let body = prose(d);
            [head[0], head[1], &body, foot[0], foot[1]].join("\n\n")
        };
        let mut stats = LineStats::new();
        for d in 0..40 {
            stats.observe(&page(d), Some("courier.example"));
        }
        for d in 40..80 {
            stats.observe(&prose(d), Some(&format!("site{d}.example")));
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        let text = page(3);
        assert!(text.len() - head.concat().len() - foot.concat().len() < MIN_CORE_CHARS);
        let rep = LineClass::Boilerplate(Reason::Repeated);
        let got = classes(&text, Some("courier.example"), &repeats);
        assert_eq!((got[0].1, got[1].1, got[2].1), (rep, rep, LineClass::Content), "{got:#?}");
        assert!(got[3..].iter().all(|(_, c)| c.is_boilerplate()), "{got:#?}");
        // Without its site, nothing says the lines are the site's own rather
        // than a story forty documents reprint: the page keeps them.
        let got = classes(&text, None, &repeats);
        assert!(
            got.iter().all(|(_, c)| !matches!(c, LineClass::Boilerplate(Reason::Repeated))),
            "{got:#?}"
        );
    }

    #[test]
    fn site_thresholds_table() {
        // (min_site_docs, the site's pages, repeated from)
        let cases = [
            (3, 10, 3),
            (3, 200, 10),
            (3, 1_000, 50),
            // Past 1,000 pages the 5 % stops growing.
            (3, 40_000, SITE_MAX_DOCS),
            // A larger minimum still holds.
            (80, 40_000, 80),
        ];
        for (min, pages, want) in cases {
            let (_, repeated) = site_thresholds(min, pages, MIN_DOC_FRACTION).unwrap();
            assert_eq!(repeated, want, "{min} {pages}");
        }
        assert_eq!(site_thresholds(0, 40_000, MIN_DOC_FRACTION), None, "the rule is off");
    }

    #[test]
    fn issue16_a_large_sites_list_of_the_day_is_its_template() {
        // A site of 2,000 pages shows a "most read" list that changes
        // daily: each day's lines are on 80 of its pages, under 5 % of
        // them (100) but more than any story is run on. They are the
        // site's templates; a line of a story it ran on 30 pages is not.
        let list = |day: usize| {
            let first = ["harbour", "council", "railway", "winter", "market"][day % 5];
            let second = ["budget", "storm", "court", "school", "bridge"][day / 5];
            format!("Most read: the {first} {second} story of the day")
        };
        let story = "A story that the site ran thirty times over the years";
        let mut stats = LineStats::new();
        for d in 0..2_000 {
            let text = format!("{}\n\n{}", prose(d), list(d / 80));
            let text = if d % 50 == 0 { format!("{text}\n\n{story}") } else { text };
            stats.observe(&text, Some("big.example"));
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        assert!(repeats.is_repeated(&list(7), Some("big.example")));
        assert!(!repeats.is_repeated(story, Some("big.example")));
    }

    #[test]
    fn chain_stops_after_too_long_a_gap() {
        let mut corpus = Vec::new();
        for d in 0..30 {
            // Items too short to count: gaps in any chain.
            let items: Vec<String> = (0..10).map(|i| format!("Item {d}-{i}")).collect();
            corpus.push(format!(
                "{HEADER}\n{}\n{}\n{}\n{}\n{}",
                items.join("\n"),
                FOOTER[2],
                prose(d),
                prose(d + 40),
                prose(d + 80)
            ));
        }
        let mut stats = LineStats::new();
        for text in &corpus {
            stats.observe(text, None);
        }
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        let got = classes(&corpus[0], None, &repeats);
        assert_eq!(got[0].1, LineClass::Boilerplate(Reason::Repeated), "{got:#?}");
        // Ten unrepeated lines separate the second link from the first.
        assert_ne!(got[11].1, LineClass::Boilerplate(Reason::Repeated), "{got:#?}");
    }

    #[test]
    fn empty_repeats_change_nothing() {
        let text = book(1, &[prose(1), prose(2)]);
        let cfg = ClassifierConfig::default();
        let got = classify_with_repeats(&text, Some("x.example"), &RepeatedLines::default(), &cfg);
        assert_eq!(got, classify(&text, &cfg));
    }

    /// [`prose`] led by a word spelt from `seed`, so that no two share a
    /// prefix key either.
    fn para(seed: usize) -> String {
        let (mut word, mut n) = (String::new(), seed + 1);
        while n > 0 {
            word.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        format!("{word} {}", prose(seed))
    }

    /// A long document (over [`LONG_DOC_MIN_BYTES`]): `head`, 300
    /// paragraphs of its own with `inside` after the 150th, then `tail`.
    fn long_doc(seed: usize, head: &[String], inside: &[String], tail: &[String]) -> String {
        let mut parts: Vec<String> = head.to_vec();
        for i in 0..300 {
            parts.push(para(seed * 1_000 + i));
            if i == 150 {
                parts.extend(inside.iter().cloned());
            }
        }
        parts.extend(tail.iter().cloned());
        let text = parts.join("\n\n");
        assert!(text.len() >= LONG_DOC_MIN_BYTES);
        text
    }

    #[test]
    fn rare_templates_at_the_edges_of_long_documents() {
        let rep = LineClass::Boilerplate(Reason::Repeated);
        let header: Vec<String> = (0..5).map(|i| para(51_357 + i)).collect();
        let footer: Vec<String> = (0..2).map(|i| para(62_468 + i)).collect();
        let notice = vec![para(73_579)];
        let story: Vec<String> = (0..3).map(|i| para(84_681 + i)).collect();
        let none: &[String] = &[];
        // Books 1-4 carry an old licence version at both ends, and its notice
        // inside; books 4, 5 and 6 open with one story, which book 7 has in
        // its middle; books 8-10 are one book under three names.
        // Books 1 and 2 end with a paragraph only they have.
        let coda = [para(67_890)];
        let mut corpus = Vec::new();
        for d in 1..=4 {
            let head = if d == 4 { [&header[..], &story[..]].concat() } else { header.clone() };
            let tail = if d <= 2 { [&footer[..], &coda[..]].concat() } else { footer.clone() };
            corpus.push(long_doc(d, &head, &notice, &tail));
        }
        corpus.push(long_doc(5, &story, none, none));
        corpus.push(long_doc(6, &story, none, none));
        corpus.push(long_doc(7, none, &story, none));
        // Books 8-10 are one anthology under three names, 11 and 12 one
        // volume of collected works under two; both end with one story.
        let title = vec![format!("{} {}", para(95_792), para(96_803))];
        let closing: Vec<String> = (0..3).map(|i| para(97_814 + i)).collect();
        corpus.extend((8..=10).map(|_| long_doc(8, &title, none, &closing)));
        corpus.extend((11..=12).map(|_| long_doc(11, &title[..0], none, &closing)));
        // Short pages sharing the story change nothing.
        corpus.extend((0..10).map(|d| [para(d), story.join("\n\n")].join("\n\n")));
        let mut stats = LineStats::new();
        for text in &corpus {
            stats.observe(text, None);
        }
        // Four books are far below the count threshold of twenty.
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        let book = |d: usize| classes(&corpus[d - 1], None, &repeats);

        let first = book(1);
        assert!(first[..5].iter().all(|(_, c)| *c == rep), "{:#?}", &first[..6]);
        // Footer and coda (recurring, caught between the last link and the
        // end).
        assert!(first[first.len() - 3..].iter().all(|(_, c)| *c == rep));
        assert_eq!(first[5].1, LineClass::Content);
        // The notice, in the middle of the book.
        assert_eq!(first[5 + 151], (para(73_579).chars().take(24).collect(), rep));
        let content = |got: &[(String, LineClass)]| {
            got.iter().filter(|(_, c)| *c == LineClass::Content).count()
        };
        assert_eq!(content(&first), 300);
        // The story is in the middle of book 7, so it is nobody's template;
        // copies keep their title and the story that closes them.
        for d in [5, 6, 7, 8, 9, 10, 11, 12] {
            let got = book(d);
            assert!(got.iter().all(|(_, c)| *c == LineClass::Content), "book {d}: {got:#?}");
        }
        assert_eq!(content(&book(4)), 303);
        // Rules off: nothing is learnt from position either.
        assert!(stats.freeze(0, 0).is_empty());
    }

    const GUTENBERG: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/gutenberg-sample.jsonl.gz");

    /// Where a book's `*** START OF ...` and `*** END OF ...` markers are.
    fn markers(text: &str) -> Option<(usize, usize)> {
        let find = |what: &str| {
            ["THIS", "THE"]
                .iter()
                .find_map(|w| text.find(&format!("{what} OF {w} PROJECT GUTENBERG")))
        };
        Some((find("START")?, find("END")?))
    }

    #[test]
    #[ignore = "streams 110 MB of books; run with `cargo test --release -- --ignored`"]
    fn gutenberg_licence_is_boilerplate() {
        use rayon::prelude::*;
        use std::io::BufRead;

        let file = match std::fs::File::open(GUTENBERG) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("skipping: cannot open {GUTENBERG}: {e}");
                return;
            }
        };
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        let books: Vec<(String, String)> = reader
            .lines()
            .map(|line| {
                let record: serde_json::Value =
                    serde_json::from_str(&line.expect("readable")).expect("JSON");
                let field = |f: &str| record[f].as_str().expect("string field").to_string();
                (field("id"), field("text"))
            })
            .collect();
        assert_eq!(books.len(), 263);
        let bytes: usize = books.iter().map(|(_, t)| t.len()).sum();
        let clock = std::time::Instant::now();
        let stats = books
            .par_iter()
            .fold(LineStats::default, |mut stats, (_, text)| {
                stats.observe(text, None);
                stats
            })
            .reduce(LineStats::default, |mut a, b| {
                a.merge(b);
                a
            });
        let observed = clock.elapsed();
        let repeats = stats.freeze(DEFAULT_MIN_DOCS, DEFAULT_MIN_SITE_DOCS);
        eprintln!(
            "{bytes} bytes observed in {observed:?} ({} threads): {} distinct keys, {} kept",
            rayon::current_num_threads(),
            stats.global.len(),
            repeats.len()
        );
        let cfg = ClassifierConfig::default();
        let clock = std::time::Instant::now();

        let marked: Vec<&(String, String)> =
            books.iter().filter(|(_, t)| markers(t).is_some()).collect();
        let (mut clean_heads, mut clean_tails, mut body_bytes, mut body_kept) = (0, 0, 0, 0);
        let mut failures = Vec::new();
        for (n, (id, text)) in marked.iter().enumerate() {
            let Some((start, end)) = markers(text) else { continue };
            let labels = classify_with_repeats(text, None, &repeats, &cfg);
            let head = labels.iter().filter(|l| l.start <= start);
            let tail = labels.iter().filter(|l| l.end > end);
            let body: Vec<&LineLabel> =
                labels.iter().filter(|l| l.start > start && l.end <= end).collect();
            let head_clean = head.clone().all(|l| l.class.is_boilerplate());
            let tail_clean = tail.clone().all(|l| l.class.is_boilerplate());
            clean_heads += usize::from(head_clean);
            clean_tails += usize::from(tail_clean);
            body_bytes += body.iter().map(|l| l.end - l.start).sum::<usize>();
            body_kept += body
                .iter()
                .filter(|l| !l.class.is_boilerplate())
                .map(|l| l.end - l.start)
                .sum::<usize>();
            // The longest paragraph of the middle third of the book.
            let third = (end - start) / 3;
            let middle = body
                .iter()
                .filter(|l| l.start > start + third && l.end < end - third)
                .max_by_key(|l| l.end - l.start);
            // The sample: every thirteenth book, twenty in all.
            if n % 13 == 0 {
                if !head_clean || !tail_clean {
                    let shown: Vec<String> = head
                        .chain(tail)
                        .filter(|l| !l.class.is_boilerplate())
                        .map(|l| text[l.start..l.end].chars().take(60).collect())
                        .collect();
                    failures.push(format!("{id}: licence lines kept: {shown:?}"));
                }
                if let Some(m) = middle.filter(|m| m.class.is_boilerplate()) {
                    failures.push(format!("{id}: middle paragraph dropped ({:?})", m.class));
                }
            }
        }
        eprintln!(
            "{} books with markers classified in {:?}: header all boilerplate in {clean_heads}, footer \
             in {clean_tails}; {body_kept} of {body_bytes} body bytes kept",
            marked.len(),
            clock.elapsed()
        );
        assert!(failures.is_empty(), "{failures:#?}");
        // Every header and footer, rare versions included (see "Position").
        assert_eq!((clean_heads, clean_tails), (marked.len(), marked.len()));
        assert!(body_kept as f64 >= 0.95 * body_bytes as f64);
    }

    /// Issue 15: what an index stores of a document's lines (its
    /// [`DocKeys`]) decodes to the same keys, and counting them is
    /// observing the document; bytes it did not write are refused.
    #[test]
    fn issue15_doc_keys_round_trip_and_count_as_observed() {
        let long = long_doc(1, &[prose(1)], &[prose(2)], &[prose(3)]);
        let page = format!("{}\nShare this story\n{}", prose(5), prose(6));
        let cases: [(&str, Option<&str>); 4] = [
            ("a short page\nwith a few lines of its own here", None),
            (&page, Some("https://www.example.org/a")),
            (&long, None),
            ("", Some("example.org")),
        ];
        let (mut observed, mut counted) = (LineStats::new(), LineStats::new());
        for (text, site) in cases {
            let keys = DocKeys::of(text, site);
            let decoded = DocKeys::decode(&keys.encode());
            assert_eq!(decoded.as_ref(), Some(&keys), "{text:.40}");
            observed.observe(text, site);
            counted.count(decoded.unwrap());
            observed.observe(text, site);
            counted.count(keys);
        }
        assert_eq!(observed.docs(), counted.docs());
        let (a, b) = (observed.freeze(2, 2), counted.freeze(2, 2));
        assert!(!a.is_empty());
        assert_eq!((a.global, a.site, a.notices), (b.global, b.site, b.notices));
        for bad in [&[4u8][..], &[1, 0, 0], &[0, 1], &[]] {
            assert_eq!(DocKeys::decode(bad), None, "{bad:?}");
        }
    }

    /// Issue 15: counting documents one at a time and refreezing only their
    /// keys gives, after each, the freeze of everything counted, whether
    /// thresholds move (5 % of a growing count), sites come and go, or long
    /// documents change the templates.
    #[test]
    fn issue15_refreezing_one_document_at_a_time_equals_freezing() {
        let furniture = "Subscribe to the Example Times for the latest local news and events";
        let footer = "Copyright the Example Times all rights reserved worldwide since 1890";
        let mut docs: Vec<(String, Option<&str>)> = Vec::new();
        // Over 60 documents, so that 5 % of them moves past `min_docs` 3.
        for i in 0..90 {
            let site = [Some("example.org"), Some("https://www.other.net/x"), None][i % 3];
            let text = match i % 5 {
                0 => format!("{furniture}\n{}\n{footer}", prose(i)),
                1 => format!("{}\n{footer}", prose(i)),
                2 => long_doc(i, &[prose(1000)], &[prose(1001)], &[prose(1002)]),
                _ => format!("{furniture}\n{}\n{}", prose(i), prose(i % 4)),
            };
            docs.push((text, site));
        }
        for (min_docs, min_site_docs) in [(3, 2), (20, 3), (0, 2), (3, 0)] {
            let (mut stats, mut frozen) = (LineStats::new(), RepeatedLines::default());
            for (i, (text, site)) in docs.iter().enumerate() {
                let keys = DocKeys::of(text, *site);
                stats.count_and_refreeze(keys, &mut frozen, min_docs, min_site_docs);
                let expected = stats.freeze(min_docs, min_site_docs);
                assert_eq!(
                    (&frozen.global, &frozen.site, &frozen.notices),
                    (&expected.global, &expected.site, &expected.notices),
                    "after document {i} ({min_docs}, {min_site_docs})"
                );
            }
            assert!(!frozen.is_empty());
        }
    }
}
