//! How a pair of documents measures up: their prepared tokens (with the
//! boilerplate mask and the figures), the passages they share, the share
//! of each one's own text those cover, and the rules that make a pair a
//! reprint (see "When two documents are reprints" in the module notes of
//! [`crate::reprint`]). *Not for*: which pairs are aligned when
//! ([`super::schedule`]), what is kept of their scores
//! ([`super::measured`]), or clusters ([`super::chain`]). *Rule*: a pair's
//! score depends on the two documents alone.

use super::config::{FollowUps, ReprintConfig};
use super::relate::{DocFreq, Profile};
use super::result::{FoundPassage, TextPassage};
use crate::align::{align, align_indexed, AlignConfig, Passage, SeedIndex};
use crate::boilerplate::Span;
use crate::doc::DocId;
use crate::normalize::{Token, TokenUnit, Tokens};

/// Tokens and boilerplate mask of one candidate document, kept for pass 2.
#[derive(Debug)]
pub(super) struct Prepared {
    pub(super) unit: TokenUnit,
    tokens: Vec<Token>,
    hashes: Vec<u64>,
    /// Whether each token is content (not boilerplate).
    content: Vec<bool>,
    content_tokens: usize,
    /// Whether each token is a figure (see [`is_template`]).
    figure: Vec<bool>,
    /// Seeds for alignment, built once for all the document's pairs.
    seeds: SeedIndex,
    /// TF-IDF vector of its own text (see [`super::relate`]).
    profile: Profile,
}

/// How one candidate pair measured up.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PairScore {
    /// Coverage of the shorter document's content.
    pub(super) coverage: f64,
    /// Coverage of the longer document's content.
    pub(super) longer_coverage: f64,
    /// Whether the shared passages are the longer document's lead, in
    /// order: the shorter abridges it.
    pub(super) abridges_longer: bool,
    /// Content tokens of the earlier and the later document.
    pub(super) content_tokens: [u32; 2],
    /// Stretches apart that the shared passages make (see
    /// [`stretches_apart`]).
    pub(super) stretches: u32,
    /// Those of them that are full passages, not pieces.
    pub(super) full_passages: u32,
    /// Whether a full passage is text of both documents' own: not mostly
    /// in either one's boilerplate.
    pub(super) full_own_passage: bool,
    /// How related the two own texts are as wholes: the cosine of their
    /// TF-IDF vectors (see [`super::relate`]).
    pub(super) relatedness: f64,
    /// Whether everything the two share, short pieces included, is one
    /// stretch of text: a copy's, not a form's, whose frame is broken by
    /// the slots filled in with other names and figures.
    pub(super) one_stretch: bool,
}

impl ReprintConfig {
    /// The shorter document is mostly shared, and the longer either shares
    /// enough of itself too or is the original that the shorter abridges
    /// (see the module docs).
    pub(super) fn is_reprint(&self, score: &PairScore) -> bool {
        let given = self.given();
        // The shorter text is all but whole in the longer, wherever: an
        // excerpt (a note or an answer made of one stretch of a long
        // source, perhaps with a sentence of the writer's own) needs no
        // share of the longer. Below `EXCERPT_COVERAGE`, down to
        // `OWN_EXCERPT_COVERAGE`, it must share a full passage of both
        // documents' own text: the fine print of two forms, matched inside
        // tables the page classifier calls furniture, is no excerpt.
        let excerpt = score.coverage >= EXCERPT_COVERAGE
            || (score.coverage >= OWN_EXCERPT_COVERAGE && score.full_own_passage);
        // An abridged copy whose page furniture the line classifier missed
        // (a list of other stories' headlines under a short copy): less of
        // its page is shared, but what is shared is the longer's lead, in
        // order, with a full passage of both own texts, and the two are
        // about the same thing as wholes; furniture carries no topic. Two
        // forms filled in with other names and figures (export credits to
        // two countries) share their opening frame and their topic too, but
        // in stretches that the filled-in slots break; a copy of a lead is
        // one stretch, and as long as two passages at least.
        let shared_tokens =
            score.coverage * f64::from(score.content_tokens[0].min(score.content_tokens[1]));
        let furnished_lead_copy = score.abridges_longer
            && score.one_stretch
            && shared_tokens >= FURNISHED_COPY_PASSAGES * given.align.min_tokens as f64
            && score.full_own_passage
            && score.coverage >= FURNISHED_COPY_COVERAGE
            && score.relatedness >= FURNISHED_COPY_RELATEDNESS;
        let copy = (score.coverage >= given.min_coverage
            && (score.longer_coverage >= given.min_longer_coverage
                || score.abridges_longer
                || excerpt))
            || furnished_lead_copy;
        // Pieces of one source: a fair share of both texts, or half of
        // what a copy must share of the shorter text (an answer quoting a
        // long source in pieces).
        let composed = score.stretches >= given.min_pieces as u32
            && (score.coverage.min(score.longer_coverage) >= given.min_piece_coverage
                || score.coverage >= given.min_coverage / 2.0);
        // Pieces among much text of the writer's own (an essay quoting a
        // book, a rewrite padding a release): one stretch more than a
        // composed text needs, a smaller share, and the two texts about the
        // same thing as wholes.
        let quoted_in_pieces = score.stretches > given.min_pieces as u32
            && score.coverage >= QUOTED_PIECES_COVERAGE
            && score.relatedness >= QUOTED_PIECES_RELATEDNESS;
        // A follow-up shares at least one full passage of background.
        let follow_up = given.follow_ups == FollowUps::Join
            && score.full_passages > 0
            && score.coverage >= given.min_piece_coverage;
        copy || composed || quoted_in_pieces || follow_up
    }
}

/// What aligning a pair yields: its passages, its score, and the content
/// tokens covered in each document.
pub(super) type Aligned = (Vec<FoundPassage>, PairScore, [Runs; 2]);

/// The passages two texts share, as the pipeline aligns two documents:
/// tokenized by the config's normalizer (words, or characters for scripts
/// written without spaces, with the longer seeds and passages set for
/// them), passages of at least the configured length and identity, in byte
/// offsets of the texts. Nothing is known of boilerplate here, and pieces
/// are not sought: every passage is a full one. `scratch` is reused
/// between calls.
pub fn align_texts(
    a: &str,
    b: &str,
    config: &ReprintConfig,
    scratch: &mut (Tokens, Tokens),
) -> Vec<TextPassage> {
    let (ta, tb) = scratch;
    config.normalizer().tokenize(a, ta);
    config.normalizer().tokenize(b, tb);
    if ta.unit() != tb.unit() {
        return Vec::new();
    }
    let (ka, kb) = (ta.tokens(), tb.tokens());
    align(ta.hashes(), tb.hashes(), config.align_for(ta.unit()))
        .iter()
        .map(|p| TextPassage {
            a_range: (ka[p.a_start].start as usize, ka[p.a_end - 1].end as usize),
            b_range: (kb[p.b_start].start as usize, kb[p.b_end - 1].end as usize),
            words: p.matches,
            identity: p.identity(),
        })
        .collect()
}

/// Aligns two prepared documents: their passages and coverage. Passages
/// down to the piece length are found; a short piece counts (and is
/// reported) only when the pair has at least `min_pieces` passages that
/// line up, as text composed of pieces of a source does.
pub(super) fn align_pair(
    config: &ReprintConfig,
    a: DocId,
    pa: &Prepared,
    b: DocId,
    pb: &Prepared,
) -> Aligned {
    if pa.unit != pb.unit {
        return (Vec::new(), PairScore::default(), Default::default());
    }
    let (full, piece) = (config.align_for(pa.unit), config.piece_align_for(pa.unit));
    let found = align_indexed(&pa.hashes, &pa.seeds, &pb.hashes, &pb.seeds, piece);
    let is_full = |p: &Passage| {
        p.a_len().min(p.b_len()) >= full.min_tokens && p.identity() >= full.min_identity
    };
    // A piece is a near-verbatim cut: a short passage with a few changed
    // words is as likely a stock phrase as a borrowing.
    let is_piece = |p: &Passage| p.identity() >= MIN_PIECE_IDENTITY;
    // A template (see `is_template`) is found and reported, as boilerplate,
    // but covers nothing. A passage mostly in either document's boilerplate
    // is reported as such and covers the content it holds: a table that the
    // page classifier calls furniture is still the text two copies share.
    let in_boilerplate = |p: &Passage| {
        let boiler_a = pa.content[p.a_start..p.a_end].iter().filter(|&&c| !c).count();
        let boiler_b = pb.content[p.b_start..p.b_end].iter().filter(|&&c| !c).count();
        2 * boiler_a > p.a_len() || 2 * boiler_b > p.b_len()
    };
    let found: Vec<(&Passage, bool, bool)> = found
        .iter()
        .filter(|p| is_full(p) || is_piece(p))
        .map(|p| (p, is_template(pa, pb, p), in_boilerplate(p)))
        .collect();
    // A piece is reused text: a passage that is boilerplate in both
    // documents (the header and footer two pages of one site share) is no
    // piece, or any chance phrase between a site's header and footer would
    // make three pieces. One that is text of either's own is: a piece set
    // as a paragraph of its own may look like furniture to the single-page
    // rules.
    let holds_own_text = |p: &Passage| {
        pa.content[p.a_start..p.a_end].contains(&true)
            || pb.content[p.b_start..p.b_end].contains(&true)
    };
    let candidates: Vec<&Passage> = found
        .iter()
        .filter(|&&(p, template, _)| !template && holds_own_text(p))
        .map(|&(p, _, _)| p)
        .collect();
    let pieces = distinct_pieces(&candidates);
    let pieces_count = pieces.len() >= config.given().min_pieces;
    let reported: Vec<(&Passage, bool, bool)> =
        found.into_iter().filter(|&(p, _, _)| is_full(p) || pieces_count).collect();
    let kept: Vec<&Passage> =
        reported.iter().filter(|(_, template, _)| !template).map(|&(p, _, _)| p).collect();
    let own: Vec<&Passage> = kept.iter().copied().filter(|p| holds_own_text(p)).collect();
    let mut covered_a = vec![false; pa.tokens.len()];
    let mut covered_b = vec![false; pb.tokens.len()];
    let passages = reported
        .iter()
        .map(|&(p, template, boilerplate)| {
            if !template {
                covered_a[p.a_start..p.a_end].fill(true);
                covered_b[p.b_start..p.b_end].fill(true);
            }
            FoundPassage::new((a, &pa.tokens), (b, &pb.tokens), p, template || boilerplate)
        })
        .collect();
    let covered = [Runs::of(&covered_a, &pa.content), Runs::of(&covered_b, &pb.content)];
    let share = |runs: &Runs, prepared: &Prepared| {
        if prepared.content_tokens == 0 {
            return 0.0;
        }
        runs.len() as f64 / prepared.content_tokens as f64
    };
    let (ca, cb) = (share(&covered[0], pa), share(&covered[1], pb));
    // Passages are sorted by their start in A; in order, they also are in B.
    let in_order = kept.windows(2).all(|w| w[0].b_start <= w[1].b_start);
    let a_is_shorter = pa.content_tokens <= pb.content_tokens;
    let (coverage, longer_coverage, longer) =
        if a_is_shorter { (ca, cb, (&covered[1], pb)) } else { (cb, ca, (&covered[0], pa)) };
    let score = PairScore {
        coverage,
        longer_coverage,
        abridges_longer: in_order && longer.0.is_lead(longer.1.content_tokens),
        content_tokens: [pa.content_tokens as u32, pb.content_tokens as u32],
        stretches: stretches_apart(&distinct_pieces(&own)) as u32,
        full_passages: kept.iter().filter(|p| is_full(p)).count() as u32,
        full_own_passage: reported
            .iter()
            .any(|&(p, template, boilerplate)| !template && !boilerplate && is_full(p)),
        relatedness: pa.profile.cosine(&pb.profile),
        one_stretch: stretches_apart(&pieces) == 1,
    };
    (passages, score, covered)
}

/// The distinct pieces of `passages`, as token ranges `(a_start, a_end,
/// b_start, b_end)`: taken longest first, a passage lying half or more
/// inside one already taken, in either document (a phrase repeated in one
/// of them, aligned twice), is no new piece; one that only touches a
/// neighbour at its ends is.
fn distinct_pieces(passages: &[&Passage]) -> Vec<(usize, usize, usize, usize)> {
    let mut by_length: Vec<&Passage> = passages.to_vec();
    by_length.sort_by_key(|p| (std::cmp::Reverse(p.a_len() + p.b_len()), p.a_start, p.b_start));
    // Whether the range `a` lies half or more inside `b`.
    let inside = |(s1, e1): (usize, usize), (s2, e2): (usize, usize)| {
        2 * e1.min(e2).saturating_sub(s1.max(s2)) >= e1 - s1
    };
    let mut taken: Vec<(usize, usize, usize, usize)> = Vec::new();
    for p in by_length {
        let repeats = |&(a_start, a_end, b_start, b_end): &(usize, usize, usize, usize)| {
            inside((p.a_start, p.a_end), (a_start, a_end))
                || inside((p.b_start, p.b_end), (b_start, b_end))
        };
        if !taken.iter().any(repeats) {
            taken.push((p.a_start, p.a_end, p.b_start, p.b_end));
        }
    }
    taken
}

/// How many stretches apart `pieces` make, in whichever document has
/// more. Pieces that follow one another with no text between them in both
/// documents are one stretch of reused text cut by the aligner, not pieces
/// set among text of one's own: a follow-up's block of background
/// paragraphs, aligned against a reprint that moved those paragraphs
/// about, makes three pieces that touch in both. A text composed of
/// pieces has its own text between them.
fn stretches_apart(pieces: &[(usize, usize, usize, usize)]) -> usize {
    let in_a = pieces.iter().map(|t| (t.0, t.1)).collect();
    let in_b = pieces.iter().map(|t| (t.2, t.3)).collect();
    stretches(in_a).max(stretches(in_b))
}

/// Tokens that must lie between two pieces for them to be apart: fewer is
/// a seam the aligner left at an edited word or a paragraph break.
const PIECE_GAP_TOKENS: usize = 3;

/// How many stretches the token ranges make, ranges less than
/// [`PIECE_GAP_TOKENS`] apart joined.
pub(super) fn stretches(mut ranges: Vec<(usize, usize)>) -> usize {
    ranges.sort_unstable();
    let mut count = 0;
    let mut end = None;
    for (start, stop) in ranges {
        match end {
            Some(e) if start < e + PIECE_GAP_TOKENS => end = Some(stop.max(e)),
            _ => {
                count += 1;
                end = Some(stop);
            }
        }
    }
    count
}

/// Share of the shorter document's own text that makes it an excerpt of the
/// longer, however little of the longer it is.
const EXCERPT_COVERAGE: f64 = 0.7;

/// The same, when a full passage of the documents' own text is shared (see
/// [`ReprintConfig::is_reprint`]).
const OWN_EXCERPT_COVERAGE: f64 = 0.6;

/// Share of the shorter document's text that a copy of the longer's lead
/// needs when the two are related as wholes (see
/// [`ReprintConfig::is_reprint`]). Chosen on the tuning sets of
/// `bench/reprints` (issue 14): from 0.3 up, pairs of different stories
/// that share a lead are as rare as one in ten of those gained.
const FURNISHED_COPY_COVERAGE: f64 = 0.3;

/// Relatedness (TF-IDF cosine of the own texts, see [`super::relate`]) such
/// a copy needs: ten times what the two stories of a roundup reach.
const FURNISHED_COPY_RELATEDNESS: f64 = 0.2;

/// Length of the shared lead such a copy needs, in passage lengths. On
/// Reuters-21578, which has no page furniture, any length joined 93 more
/// documents, mostly forms (filings of two companies, crop weather of two
/// countries); at two passages, 14, a third of them copies or corrections
/// and the rest forms and follow-ups: the price of the copies under
/// furniture the benchmark's tuning sets gain.
const FURNISHED_COPY_PASSAGES: f64 = 2.0;

/// Share of the shorter text that pieces of the longer must cover, and the
/// relatedness the two need, for pieces among much text of the writer's own
/// (see [`ReprintConfig::is_reprint`]). Chosen on the tuning sets of
/// `bench/reprints` (issue 14): with four stretches or more, pairs of
/// different stories above both were none of 35 such pairs gained.
const QUOTED_PIECES_COVERAGE: f64 = 0.15;
const QUOTED_PIECES_RELATEDNESS: f64 = 0.15;

/// Identity a short piece needs to count (see [`align_pair`]).
const MIN_PIECE_IDENTITY: f64 = 0.8;

/// How far into a document, in content tokens, its lead may start (a new
/// headline or kicker before it), at least; or a twentieth of the document.
const LEAD_SLACK: u32 = 20;

/// Share of the lead (up to the last covered token) that must be covered.
const LEAD_DENSITY: f64 = 0.6;

/// Sorted, disjoint half-open runs of content-token ordinals (the n-th
/// content token of a document is `n`, boilerplate skipped), so that runs
/// measured against different partners compare.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Runs(pub(super) Vec<(u32, u32)>);

impl Runs {
    /// The content ordinals of the positions that are covered.
    pub(super) fn of(covered: &[bool], content: &[bool]) -> Self {
        let mut runs = Vec::new();
        let mut start = None;
        let mut ordinal = 0u32;
        for (&c, &content) in covered.iter().zip(content) {
            if !content {
                continue;
            }
            match (c, start) {
                (true, None) => start = Some(ordinal),
                (false, Some(s)) => {
                    runs.push((s, ordinal));
                    start = None;
                }
                _ => {}
            }
            ordinal += 1;
        }
        if let Some(s) = start {
            runs.push((s, ordinal));
        }
        Self(runs)
    }

    /// Number of positions.
    pub(super) fn len(&self) -> u64 {
        self.0.iter().map(|&(s, e)| u64::from(e - s)).sum()
    }

    /// Whether the runs are the lead of a document of `content_tokens`:
    /// they start at its beginning and cover most of what lies up to their
    /// end. An abridged copy shares its original's lead; a follow-up story
    /// reuses background paragraphs from further down.
    pub(super) fn is_lead(&self, content_tokens: usize) -> bool {
        let (Some(&(first, _)), Some(&(_, end))) = (self.0.first(), self.0.last()) else {
            return false;
        };
        let slack = LEAD_SLACK.max(content_tokens as u32 / 20);
        first <= slack && self.len() as f64 >= LEAD_DENSITY * f64::from(end)
    }

    /// Number of positions in both.
    pub(super) fn overlap(&self, other: &Runs) -> u64 {
        let (mut i, mut j, mut both) = (0, 0, 0u64);
        while let (Some(&(s1, e1)), Some(&(s2, e2))) = (self.0.get(i), other.0.get(j)) {
            both += u64::from(e1.min(e2).saturating_sub(s1.max(s2)));
            if e1 <= e2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        both
    }
}

/// Tokens of a candidate document with the boilerplate mask applied.
pub(super) fn prepare(
    text: &str,
    tokens: &Tokens,
    spans: &[Span],
    align: &AlignConfig,
    doc_freq: &DocFreq,
) -> Prepared {
    let mut content = Vec::with_capacity(tokens.len());
    let mut span = spans.iter().peekable();
    for t in tokens.tokens() {
        while span.peek().is_some_and(|s| s.end <= t.start as usize) {
            span.next();
        }
        let in_boilerplate = span.peek().is_some_and(|s| s.start <= t.start as usize);
        content.push(!in_boilerplate);
    }
    let content_tokens = content.iter().filter(|&&c| c).count();
    let figure = tokens.tokens().iter().map(|t| is_figure(text, t)).collect();
    let profile = doc_freq.profile(tokens.hashes(), &content);
    Prepared {
        unit: tokens.unit(),
        tokens: tokens.tokens().to_vec(),
        hashes: tokens.hashes().to_vec(),
        content,
        content_tokens,
        figure,
        seeds: SeedIndex::new(tokens.hashes(), align),
        profile,
    }
}

/// Whether a token is a figure: digits, with the separators of amounts,
/// dates and times (`1987`, `3.6`, `250,000`, `9/15`).
fn is_figure(text: &str, token: &Token) -> bool {
    let word = &text[token.start as usize..token.end as usize];
    word.bytes().any(|c| c.is_ascii_digit())
        && word.bytes().all(|c| c.is_ascii_digit() || b",.:/-%".contains(&c))
}

/// Figures a passage needs on each side before their agreement is judged.
const MIN_FIGURES: usize = 2;

/// Share of a passage's figures (on the side with fewer) that must be the
/// same on both sides.
const MIN_FIGURE_AGREEMENT: f64 = 0.5;

/// Whether an aligned passage is a template filled in with other figures:
/// the same sentence frame around other amounts, rates and dates (a bond
/// offering's terms, a weekly table, another day's market report). Such a
/// passage is the reuse of a form, not of a story: it is reported as
/// boilerplate and covers nothing. Copies of a story keep its figures (a
/// correction changes one). Names are not judged: OCR-like noise garbles
/// words far more often than figures.
fn is_template(pa: &Prepared, pb: &Prepared, p: &Passage) -> bool {
    let figures = |prepared: &Prepared, range: std::ops::Range<usize>| {
        let mut hashes: Vec<u64> = Vec::new();
        // The end of the figure being read, to join the next token to it.
        let mut last_end: Option<u32> = None;
        for i in range.filter(|&i| prepared.figure[i] && prepared.content[i]) {
            let token = &prepared.tokens[i];
            match (last_end, hashes.last_mut()) {
                // One separator between two figure tokens ("8-1/2",
                // "101-5/8"): the word scanner cut one figure, and its
                // pieces alone ("1", "2") agree between any two amounts.
                (Some(end), Some(hash)) if token.start <= end + 1 => {
                    *hash = hash.rotate_left(17) ^ prepared.hashes[i];
                }
                _ => hashes.push(prepared.hashes[i]),
            }
            last_end = Some(token.end);
        }
        hashes.sort_unstable();
        hashes
    };
    let (a, b) = (figures(pa, p.a_start..p.a_end), figures(pb, p.b_start..p.b_end));
    if a.len().min(b.len()) < MIN_FIGURES {
        return false;
    }
    // The size of the multiset intersection of two sorted lists.
    let (mut i, mut j, mut same) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => (i, j, same) = (i + 1, j + 1, same + 1),
        }
    }
    // Over the side with fewer figures: boilerplate is labelled page by
    // page, so a list with figures can be content on one page and furniture
    // on its near copy, and its figures are then on one side only. A form
    // filled in twice has other figures on both.
    (same as f64) < MIN_FIGURE_AGREEMENT * a.len().min(b.len()) as f64
}
