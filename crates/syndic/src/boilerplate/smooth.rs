//! Context smoothing: jusText's revision of the context-free classes, with
//! two changes for plain text (which has no `<h1>` to mark headings).
//!
//! 1. Headings: a [`Cf::Weak`] line of three or more words followed by good
//!    content within `max_heading_distance` characters counts as near-good
//!    while its neighbours are weighed, and is content in the end if good
//!    content follows it after revision (jusText does both for `<h*>`).
//! 2. Short lines between boilerplate are boilerplate; between content,
//!    content; between the two, content only when next to a near-good line
//!    (jusText's rule, unchanged).
//! 3. Near-good lines are boilerplate only when the nearest lines that are
//!    neither short nor near-good are boilerplate on both sides (jusText),
//!    except that one followed by good content within
//!    `max_heading_distance` is kept: a lede under its headline and dateline.
//!    Teaser blocks after a story fail that test, ledes pass it.
//!
//! 4. A stretch of more than 1,500 characters of near-good text that only
//!    context condemned is kept: verse and dialogue are long runs of
//!    near-good lines with no good paragraph among them, page furniture is
//!    not.
//!
//! A document with no good line at all (a headline, a tweet, a table) has
//! no main text for context to point to, so smoothing is skipped there and
//! only lines that are boilerplate on their own evidence are dropped.
//!
//! Every pass is O(lines): neighbours come from prefix scans, distances
//! from prefix sums.

use super::rules::Cf;
use super::types::{LineClass, Reason};

/// The working classes of jusText's revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum S {
    Good,
    Near,
    Short,
    Bad,
}

/// Final classes for lines with context-free classes `cf` and lengths
/// `chars` (in characters).
pub(crate) fn smooth(cf: &[Cf], chars: &[usize], max_heading_distance: usize) -> Vec<LineClass> {
    if !cf.contains(&Cf::Good) {
        let listed = in_link_lists(cf);
        return cf
            .iter()
            .zip(listed)
            .map(|(c, listed)| match c {
                Cf::Bad(reason) => LineClass::Boilerplate(*reason),
                Cf::Weak { .. } if listed => LineClass::Boilerplate(Reason::LinkList),
                _ => LineClass::Content,
            })
            .collect();
    }
    let ahead = Ahead::new(chars, max_heading_distance);
    let mut s: Vec<S> = cf
        .iter()
        .map(|c| match c {
            Cf::Good => S::Good,
            Cf::NearGood => S::Near,
            Cf::Short => S::Short,
            Cf::Weak { .. } | Cf::Bad(_) => S::Bad,
        })
        .collect();

    // Headings over good content take part as near-good.
    let good = ahead.good_within(&s);
    for (i, c) in cf.iter().enumerate() {
        if matches!(c, Cf::Weak { heading: true, .. }) && good[i] {
            s[i] = S::Near;
        }
    }

    // Short lines, from the classes of their neighbours before revision.
    let (solid_before, solid_after) = nearest(&s, |x| matches!(x, S::Short | S::Near));
    let (any_before, any_after) = nearest(&s, |x| x == S::Short);
    for i in 0..s.len() {
        if s[i] != S::Short {
            continue;
        }
        s[i] = match (solid_before[i], solid_after[i]) {
            (S::Good, S::Good) => S::Good,
            (S::Bad, S::Bad) => S::Bad,
            (before, after) => {
                let near_side = (before == S::Bad && any_before[i] == S::Near)
                    || (after == S::Bad && any_after[i] == S::Near);
                if near_side {
                    S::Good
                } else {
                    S::Bad
                }
            }
        };
    }

    // Near-good lines.
    let (before, after) = nearest(&s, |x| x == S::Near);
    for i in 0..s.len() {
        if s[i] == S::Near {
            s[i] = if before[i] == S::Bad && after[i] == S::Bad { S::Bad } else { S::Good };
        }
    }

    // Ledes, then the headings over them.
    let good = ahead.good_within(&s);
    for (i, c) in cf.iter().enumerate() {
        if s[i] == S::Bad && good[i] && *c == Cf::NearGood {
            s[i] = S::Good;
        }
    }
    let good = ahead.good_within(&s);
    for (i, c) in cf.iter().enumerate() {
        if s[i] == S::Bad && good[i] && matches!(c, Cf::Weak { heading: true, .. }) {
            s[i] = S::Good;
        }
    }

    let mut classes: Vec<LineClass> = cf
        .iter()
        .zip(&s)
        .map(|(c, s)| match (s, c) {
            (S::Good, _) | (_, Cf::Good) => LineClass::Content,
            (_, Cf::Bad(reason)) | (_, Cf::Weak { reason, .. }) => LineClass::Boilerplate(*reason),
            (_, Cf::Short) => LineClass::Boilerplate(Reason::Short),
            (_, Cf::NearGood) => LineClass::Boilerplate(Reason::Context),
        })
        .collect();
    keep_long_context_runs(&mut classes, chars);
    classes
}

/// Title-case lines stacked this deep are a list of links ("Most read",
/// "More from the site"), not headings.
const LINK_LIST_MIN_ITEMS: usize = 3;

/// Which lines belong to a list of links: at least [`LINK_LIST_MIN_ITEMS`]
/// consecutive title-like lines in title case ([`Cf::Weak`] with
/// [`Reason::LinkList`]: none ends like a sentence), with the short line
/// right over them that labels the list. The stack is its own evidence, so
/// this holds on a page with no good line, where context does not: a short
/// page (one paragraph of a story) under a "most read" list of other
/// stories' headlines would otherwise count the list as its text. Only
/// title-case lines count as items: the rows of a results table ("Shr 15
/// cts vs nine cts", "Year") are title-like too, but not in title case.
fn in_link_lists(cf: &[Cf]) -> Vec<bool> {
    let item = |c: &Cf| matches!(c, Cf::Weak { reason: Reason::LinkList, .. });
    let mut listed = vec![false; cf.len()];
    let mut start = 0;
    while start < cf.len() {
        let end = start + cf[start..].iter().take_while(|c| item(c)).count();
        if end - start >= LINK_LIST_MIN_ITEMS {
            let label = start > 0 && matches!(cf[start - 1], Cf::Weak { .. });
            listed[start - usize::from(label)..end].fill(true);
        }
        start = end + 1;
    }
    listed
}

/// Near-good text that context alone turned into boilerplate, over more
/// than this many characters in one stretch, is the document's own text.
const MAX_CONTEXT_RUN_CHARS: usize = 1500;

/// Page furniture is short items; a long stretch of near-good lines that no
/// rule of its own condemned (verse, a play's dialogue: short lines, no
/// "good" paragraph to anchor them) is content, whatever its neighbours.
/// Short lines inside such a stretch go with it.
fn keep_long_context_runs(classes: &mut [LineClass], chars: &[usize]) {
    let in_run = |c: &LineClass| {
        matches!(c, LineClass::Boilerplate(Reason::Context) | LineClass::Boilerplate(Reason::Short))
    };
    let mut start = 0;
    while start < classes.len() {
        if !in_run(&classes[start]) {
            start += 1;
            continue;
        }
        let end = start + classes[start..].iter().take_while(|c| in_run(c)).count();
        let context_chars: usize = (start..end)
            .filter(|&i| classes[i] == LineClass::Boilerplate(Reason::Context))
            .map(|i| chars[i])
            .sum();
        if context_chars > MAX_CONTEXT_RUN_CHARS {
            classes[start..end].fill(LineClass::Content);
        }
        start = end;
    }
}

/// For each line, the class of the nearest line before and after it that
/// `skip` does not pass over; the document's edges count as boilerplate.
fn nearest(s: &[S], skip: impl Fn(S) -> bool) -> (Vec<S>, Vec<S>) {
    let scan = |order: &mut dyn Iterator<Item = usize>| {
        let mut out = vec![S::Bad; s.len()];
        let mut last = S::Bad;
        for i in order {
            out[i] = last;
            if !skip(s[i]) {
                last = s[i];
            }
        }
        out
    };
    (scan(&mut (0..s.len())), scan(&mut (0..s.len()).rev()))
}

/// jusText's look-ahead: whether a good line follows line `i` with at most
/// `max` characters of other lines in between.
struct Ahead {
    /// `prefix[i]`: characters in lines `0..i`.
    prefix: Vec<usize>,
    max: usize,
}

impl Ahead {
    fn new(chars: &[usize], max: usize) -> Ahead {
        let mut prefix = Vec::with_capacity(chars.len() + 1);
        prefix.push(0);
        for c in chars {
            prefix.push(prefix.last().copied().unwrap_or(0) + c);
        }
        Ahead { prefix, max }
    }

    fn good_within(&self, s: &[S]) -> Vec<bool> {
        let mut out = vec![false; s.len()];
        let mut next_good = None;
        for i in (0..s.len()).rev() {
            out[i] = next_good.is_some_and(|j| self.prefix[j] - self.prefix[i + 1] <= self.max);
            if s[i] == S::Good {
                next_good = Some(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: Cf = Cf::Good;
    const N: Cf = Cf::NearGood;
    const SH: Cf = Cf::Short;
    const W: Cf = Cf::Weak { reason: Reason::Short, heading: false };
    const H: Cf = Cf::Weak { reason: Reason::LinkList, heading: true };
    const B: Cf = Cf::Bad(Reason::Timestamp);

    fn run(cf: &[Cf], chars: &[usize]) -> String {
        smooth(cf, chars, 200)
            .iter()
            .map(|c| match c {
                LineClass::Content => 'c',
                LineClass::Boilerplate(_) => 'b',
            })
            .collect()
    }

    #[test]
    fn smoothing_cases() {
        // (name, classes, lengths, expected: c = content, b = boilerplate)
        let cases: Vec<(&str, Vec<Cf>, Vec<usize>, &str)> = vec![
            ("short between good is content", vec![G, SH, G], vec![300, 20, 300], "ccc"),
            ("short between bad is boilerplate", vec![B, SH, B, G], vec![20, 20, 20, 300], "bbbc"),
            (
                "short between good and a near-good line",
                vec![G, SH, N, B],
                vec![300, 20, 100, 20],
                "cccb",
            ),
            ("short after content, before the edge", vec![G, SH, W], vec![300, 20, 10], "cbb"),
            (
                "near-good between bad is boilerplate",
                vec![G, W, N, W],
                vec![300, 10, 100, 10],
                "cbbb",
            ),
            ("near-good next to content", vec![B, N, G], vec![20, 100, 300], "bcc"),
            (
                "teaser block after a story",
                vec![G, W, W, N, W, N, W],
                vec![300, 7, 19, 98, 11, 74, 20],
                "cbbbbbb",
            ),
            (
                "headline over dateline and lede",
                vec![W, H, B, N, G],
                vec![5, 35, 25, 180, 300],
                "bcbcc",
            ),
            (
                "lede separated by a label from the body",
                vec![H, B, N, W, G],
                vec![60, 25, 190, 15, 215],
                "cbcbc",
            ),
            ("heading too far from content", vec![H, B, B, G], vec![40, 150, 150, 300], "bbbc"),
            (
                "stacked headlines over a lede",
                vec![H, H, B, N, W, G],
                vec![60, 60, 25, 190, 15, 215],
                "ccbcbc",
            ),
            (
                "no good line: only own evidence counts",
                vec![W, N, SH, B],
                vec![40, 100, 20, 20],
                "cccb",
            ),
            (
                "no good line: a stack of title-like lines is a list of links",
                vec![W, B, N, W, H, H, H, B],
                vec![40, 20, 190, 9, 45, 40, 50, 30],
                "cbcbbbbb",
            ),
            (
                "no good line: two titles are not a list",
                vec![H, N, H, H],
                vec![40, 190, 45, 40],
                "cccc",
            ),
            (
                "no good line: a table's rows with title-case labels among them",
                vec![H, W, W, H, W, W, H],
                vec![50, 20, 25, 4, 20, 22, 6],
                "ccccccc",
            ),
            ("empty", vec![], vec![], ""),
        ];
        for (name, cf, chars, want) in cases {
            assert_eq!(run(&cf, &chars), want, "{name}");
        }
    }

    #[test]
    fn reasons_follow_the_context_free_class() {
        let cf = [G, SH, W, N, W, B];
        let got = smooth(&cf, &[300, 20, 10, 100, 10, 20], 200);
        assert_eq!(
            got,
            [
                LineClass::Content,
                LineClass::Boilerplate(Reason::Short),
                LineClass::Boilerplate(Reason::Short),
                LineClass::Boilerplate(Reason::Context),
                LineClass::Boilerplate(Reason::Short),
                LineClass::Boilerplate(Reason::Timestamp),
            ]
        );
    }
}
