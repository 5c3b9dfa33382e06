//! Stage 8b: cleaning: cutting boilerplate and repeated passages out of
//! documents.
//!
//! What to cut comes from earlier stages: boilerplate spans
//! ([`crate::boilerplate`]) and, for paragraph-level dedup in the manner of
//! C4 and Dolma, the passages a document shares with an *earlier* document
//! ([`repeated_ranges`] over a [`ReprintResult`]); the first occurrence
//! stays, later ones go. [`Cleaner`] drives those stages over two passes of
//! a corpus, as [`Deduper`](crate::dedup::Deduper) does, and returns
//! [`Cuts`]; [`cut`] applies them. This module decides nothing itself.
//!
//! ```
//! use syndic::clean::{cut, Cleaner};
//! use syndic::reprint::ReprintConfig;
//! use syndic::Document;
//!
//! let text = "Menu | Home\nThe story itself.\nShare this\n";
//! assert_eq!(cut(text, &[(0, 11), (30, 40)]), "The story itself.\n");
//!
//! let story = "The council approved the new budget on Tuesday after a long \
//!              debate about the cost of repairing the old bridge in the town centre.";
//! let docs: Vec<Document> = (0..3)
//!     .map(|i| Document::new(format!("d{i}"), format!("Share | Tweet | Email\n{story} ({i})\n")))
//!     .collect();
//! let mut cleaner = Cleaner::new(ReprintConfig::builder().build()?, false);
//! cleaner.add_batch(&docs)?;
//! cleaner.plan();
//! cleaner.second_pass_batch(&docs)?;
//! let cuts = cleaner.finish()?;
//! let (cleaned, removed) = cuts.apply(syndic::DocId::from_u32(0), &docs[0].text);
//! assert_eq!(cleaned, format!("{story} (0)\n"));
//! assert_eq!(removed, 22);
//! # Ok::<(), syndic::Error>(())
//! ```

use std::collections::HashMap;

use crate::boilerplate::{self, LineStats, RepeatedLines};
use crate::doc::{Catalog, DocId, Document};
use crate::error::Result;
use crate::pairs::PairKind;
use crate::passes::{check_capacity, check_second_pass, check_second_pass_complete};
use crate::reprint::{ReprintConfig, ReprintFinder, ReprintResult};

/// Finds what to cut from every document of a corpus read twice or more,
/// in the same order: [`add_batch`](Self::add_batch) over pass 1,
/// [`plan`](Self::plan), [`second_pass_batch`](Self::second_pass_batch)
/// over pass 2 (read while [`pending_passes`](Self::pending_passes) is
/// positive), then
/// [`finish`](Self::finish).
///
/// Boilerplate alone needs only the repeated-line model of pass 1; with
/// `drop_repeated`, the [`ReprintFinder`] runs too and its shared passages
/// are cut from their later document.
pub struct Cleaner {
    mode: Mode,
}

enum Mode {
    Boilerplate(Box<BoilerplateOnly>),
    DropRepeated(Box<ReprintFinder>),
}

/// The state of a cleaner that cuts boilerplate only.
struct BoilerplateOnly {
    config: ReprintConfig,
    catalog: Catalog,
    stats: LineStats,
    repeated: RepeatedLines,
    cuts: Vec<Vec<(usize, usize)>>,
}

impl Cleaner {
    /// A cleaner that cuts boilerplate, and with `drop_repeated` passages
    /// already seen earlier in the corpus and exact copies' whole text.
    pub fn new(config: ReprintConfig, drop_repeated: bool) -> Self {
        let mode = if drop_repeated {
            Mode::DropRepeated(Box::new(ReprintFinder::new(config)))
        } else {
            Mode::Boilerplate(Box::new(BoilerplateOnly {
                config,
                catalog: Catalog::default(),
                stats: LineStats::default(),
                repeated: RepeatedLines::default(),
                cuts: Vec::new(),
            }))
        };
        Self { mode }
    }

    /// Pass 1 over a batch.
    pub fn add_batch(&mut self, docs: &[Document]) -> Result<()> {
        match &mut self.mode {
            Mode::DropRepeated(finder) => finder.add_batch(docs),
            Mode::Boilerplate(b) => {
                check_capacity(b.catalog.len(), docs.len())?;
                b.stats.observe_batch(docs);
                for doc in docs {
                    b.catalog.push(doc);
                }
                Ok(())
            }
        }
    }

    /// Between the passes: freezes what pass 1 learnt.
    pub fn plan(&mut self) {
        match &mut self.mode {
            Mode::DropRepeated(finder) => {
                finder.plan();
            }
            Mode::Boilerplate(b) => {
                b.repeated = std::mem::take(&mut b.stats)
                    .freeze(b.config.boilerplate_min_docs(), b.config.boilerplate_min_site_docs());
            }
        }
    }

    /// How many more times pass 2 must be read, as far as is known (see
    /// [`ReprintFinder::pending_passes`]); zero when [`finish`](Self::finish)
    /// may be called.
    pub fn pending_passes(&self) -> usize {
        match &self.mode {
            Mode::DropRepeated(finder) => finder.pending_passes(),
            Mode::Boilerplate(b) => usize::from(b.cuts.len() < b.catalog.len()),
        }
    }

    /// Pass 2 over a batch: the same documents as pass 1, in the same order.
    pub fn second_pass_batch(&mut self, docs: &[Document]) -> Result<()> {
        match &mut self.mode {
            Mode::DropRepeated(finder) => finder.second_pass_batch(docs),
            Mode::Boilerplate(b) => {
                check_second_pass(&b.catalog, b.cuts.len(), docs)?;
                let spans = boilerplate::batch_spans(docs, &b.repeated, b.config.classifier());
                let batch = spans.iter().map(|s| s.iter().map(|s| (s.start, s.end)).collect());
                b.cuts.extend(batch);
                Ok(())
            }
        }
    }

    /// The byte ranges to cut from each document.
    pub fn finish(self) -> Result<Cuts> {
        match self.mode {
            Mode::DropRepeated(finder) => {
                let catalog = finder.catalog().clone();
                let result = finder.finish()?;
                let mut ranges = vec![Vec::new(); catalog.len()];
                for b in &result.boilerplate {
                    ranges[b.doc.as_usize()].extend(b.spans.iter().map(|s| (s.start, s.end)));
                }
                for (doc, repeated) in repeated_ranges(&result, catalog.lengths()) {
                    ranges[doc.as_usize()].extend(repeated);
                }
                Ok(Cuts { catalog, ranges })
            }
            Mode::Boilerplate(b) => {
                check_second_pass_complete(b.cuts.len(), b.catalog.len())?;
                Ok(Cuts { catalog: b.catalog, ranges: b.cuts })
            }
        }
    }
}

/// What [`Cleaner`] found: for each document of the corpus, the byte ranges
/// of its original text to cut.
#[derive(Clone, Debug, Default)]
pub struct Cuts {
    catalog: Catalog,
    ranges: Vec<Vec<(usize, usize)>>,
}

impl Cuts {
    /// The documents, in corpus order.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The ranges to cut from `doc` (unsorted; they may overlap).
    pub fn ranges(&self, doc: DocId) -> &[(usize, usize)] {
        &self.ranges[doc.as_usize()]
    }

    /// `doc`'s cleaned `text`, and the number of bytes removed.
    pub fn apply(&self, doc: DocId, text: &str) -> (String, u64) {
        let cleaned = cut(text, self.ranges(doc));
        let removed = (text.len() - cleaned.len()) as u64;
        (cleaned, removed)
    }
}

/// `text` without the byte ranges given (in any order; overlaps allowed),
/// each taken together with the closing punctuation and whitespace that
/// follow it, so that a cut passage leaves no stray full stop and a cut line
/// no blank line behind. Ranges are clamped to the text and to character
/// boundaries.
pub fn cut(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut sorted: Vec<(usize, usize)> = ranges
        .iter()
        .map(|&(s, e)| {
            (floor_boundary(text, s.min(text.len())), floor_boundary(text, e.min(text.len())))
        })
        .filter(|(s, e)| s < e)
        .collect();
    sorted.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in sorted {
        if start > at {
            out.push_str(&text[at..start]);
        }
        if end > at {
            let rest = text[end..].trim_start_matches(CLOSING_PUNCTUATION);
            at = text.len() - rest.trim_start().len();
        }
    }
    if at < text.len() {
        out.push_str(&text[at..]);
    }
    out
}

/// What may end a sentence or clause after its last word. Passages end at a
/// word; what closes it goes with them.
const CLOSING_PUNCTUATION: &[char] =
    &['.', ',', ';', ':', '!', '?', '\'', '"', ')', ']', '}', '»', '”', '’', '…'];

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// For each document, the byte ranges it shares with an earlier document:
/// content passages (not boilerplate) on their later side, and the whole
/// text of exact copies of an earlier document (`lengths` gives the text
/// lengths).
pub fn repeated_ranges(
    result: &ReprintResult,
    lengths: &[u64],
) -> HashMap<DocId, Vec<(usize, usize)>> {
    let mut ranges: HashMap<DocId, Vec<(usize, usize)>> = HashMap::new();
    for p in result.passages.iter().filter(|p| !p.boilerplate) {
        ranges.entry(p.b).or_default().push(p.b_range);
    }
    for pair in result.pairs().iter().filter(|p| p.kind == PairKind::Exact) {
        ranges.insert(pair.b, vec![(0, lengths[pair.b.as_usize()] as usize)]);
    }
    ranges
}

crate::passes::by_inherent_methods!(Cleaner, Cuts);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_table() {
        let text = "Home | News\n\nThe story.\n\nShare: Facebook\n(c) Site\n";
        let cases: &[(&[(usize, usize)], &str)] = &[
            (&[], text),
            (&[(0, 11)], "The story.\n\nShare: Facebook\n(c) Site\n"),
            (&[(25, 40), (41, 49)], "Home | News\n\nThe story.\n\n"),
            // Overlapping and unsorted ranges.
            (&[(41, 49), (25, 45), (0, 5)], "| News\n\nThe story.\n\n"),
            // Closing punctuation goes with the cut words.
            (&[(13, 22)], "Home | News\n\nShare: Facebook\n(c) Site\n"),
            (&[(13, 23)], "Home | News\n\nShare: Facebook\n(c) Site\n"),
            // Out of range is clamped.
            (&[(41, 1000)], "Home | News\n\nThe story.\n\nShare: Facebook\n"),
            (&[(0, text.len())], ""),
        ];
        for &(ranges, expected) in cases {
            assert_eq!(cut(text, ranges), expected, "{ranges:?}");
        }
    }

    /// Runs a [`Cleaner`] over `docs` given as one batch per pass.
    fn clean_all(docs: &[Document], drop_repeated: bool) -> Vec<(String, u64)> {
        let config = ReprintConfig::builder().build().unwrap();
        let mut cleaner = Cleaner::new(config, drop_repeated);
        cleaner.add_batch(docs).unwrap();
        cleaner.plan();
        while cleaner.pending_passes() > 0 {
            for chunk in docs.chunks(2) {
                cleaner.second_pass_batch(chunk).unwrap();
            }
        }
        let cuts = cleaner.finish().unwrap();
        assert_eq!(cuts.catalog().len(), docs.len());
        (0..docs.len()).map(|i| cuts.apply(DocId::from_u32(i as u32), &docs[i].text)).collect()
    }

    #[test]
    fn cleaner_cuts_repeats_only_when_asked() {
        let story = "The council approved the new budget on Tuesday after a long debate \
                     about the cost of repairing the old bridge in the centre of the town, \
                     which engineers say has been unsafe for heavy lorries since the floods \
                     of last winter, and work will start in the spring.";
        let own = |i: usize| {
            [
                "Residents of the eastern district said that the plans had been discussed at \
                 length in their meetings over the summer, and that most of them were in favour.",
                "Shop owners near the river fear that they will face months of closures and \
                 lost trade while the work goes on, and they have asked the council for help.",
                "A spokesman for the mayor declined to comment on the final figures, saying \
                 that they would be published when the contracts had been signed in March.",
            ][i]
                .to_string()
        };
        let docs: Vec<Document> = (0..3)
            .map(|i| Document::new(format!("d{i}"), format!("{}\n\n{story}\n", own(i))))
            .collect();
        let kept = clean_all(&docs, false);
        assert!(kept.iter().zip(&docs).all(|((t, r), d)| *t == d.text && *r == 0), "{kept:?}");
        let dropped = clean_all(&docs, true);
        // The first telling stays; later ones lose the story, not their own
        // paragraph.
        assert_eq!(dropped[0], (docs[0].text.clone(), 0));
        for (i, (text, removed)) in dropped.iter().enumerate().skip(1) {
            assert_eq!(text.trim_end(), own(i), "{i}");
            assert_eq!(*removed as usize, docs[i].text.len() - text.len());
        }
    }

    #[test]
    fn cleaner_checks_the_second_pass() {
        let docs = [Document::new("a", "one two three"), Document::new("b", "four five six")];
        for drop_repeated in [false, true] {
            let config = ReprintConfig::builder().build().unwrap();
            let mut cleaner = Cleaner::new(config, drop_repeated);
            cleaner.add_batch(&docs).unwrap();
            cleaner.plan();
            assert!(cleaner.second_pass_batch(&docs[1..]).is_err(), "{drop_repeated}");
            let mut cleaner =
                Cleaner::new(ReprintConfig::builder().build().unwrap(), drop_repeated);
            cleaner.add_batch(&docs).unwrap();
            cleaner.plan();
            cleaner.second_pass_batch(&docs[..1]).unwrap();
            assert!(cleaner.finish().is_err(), "{drop_repeated}");
        }
    }

    #[test]
    fn cut_respects_char_boundaries() {
        // 'é' is two bytes; a range ending inside it is moved back.
        assert_eq!(cut("café au lait", &[(0, 4)]), "é au lait");
    }
}
