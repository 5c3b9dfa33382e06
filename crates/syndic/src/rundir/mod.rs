//! The run directory: what `syndic dedup`, `syndic passages`, the index's
//! exports and the Ray runner write under `--out`, and what `syndic report`
//! reads back. One definition of its files, their lines and its summary,
//! for every front end that writes or reads one.
//!
//! Every file but `summary.json` holds JSON lines, one object per line, keys
//! in the order below. Byte offsets are UTF-8 byte offsets into the original
//! texts; ids are the users' ids; scores are [`round`]ed to six decimals.
//!
//! ```text
//! clusters.jsonl     {"id":S,"cluster":N,"representative":B,"similarity":F}
//!                    one per document, in corpus order; similarity to the
//!                    representative (Jaccard, or coverage in reprint mode)
//! pairs.jsonl        {"a":S,"b":S,"similarity":F,"kind":"exact"|"near"|"reprint"[,"coverage":F]}
//!                    sorted by (a, b) in corpus order; exact pairs link each
//!                    copy to the first; coverage only in reprint mode
//! passages.jsonl     {"a":S,"b":S,"a_start":N,"a_end":N,"b_start":N,"b_end":N,
//!                     "words":N,"identity":F,"boilerplate":B}
//!                    boilerplate also marks templates (figures that differ)
//! boilerplate.jsonl  {"id":S,"bytes":N,"spans":[{"start":N,"end":N,"reason":S}, ...]}
//! relations.jsonl    {"a":S,"b":S,"type":"copy"|"near_copy"|"reprint"|"same_story","score":F,
//!                     "evidence":{"passages":[{"a_start":N,"a_end":N,"b_start":N,"b_end":N,"words":N}, ...]}
//!                               |{"entities":[S, ...],"terms":[S, ...]}}
//!                    stories: every linked pair, sorted by (a, b) in corpus
//!                    order; reuse with its content passages, same_story with
//!                    the shared names and words that carried it
//! summary.json       one pretty-printed object, keys sorted: see [`Summary`]
//! ```
//!
//! * [`ClusterLine`], [`PairLine`], [`PassageLine`], [`BoilerplateLine`]:
//!   the line types, each both written and read; [`cluster_lines`] and the
//!   like make them from a result, [`write_dedup`] and [`write_reprint`]
//!   write the files of a run, and [`round`] is the one rounding of scores.
//! * [`read_lines`]: a file's lines one at a time; a line that is not in
//!   the format is an error naming the file and the line.
//! * [`Summary`]: `summary.json`, with its arithmetic ([`ClusterCounts`],
//!   [`Summary::set_passages`]) computed here from a result, and its
//!   `files` list, every entry the run wrote in the directory, which is
//!   what a later run with `force` may replace (see
//!   [`Overwrite`](crate::write::Overwrite)).
//!
//! Readers ignore keys they do not know, read a missing `representative`
//! or `boilerplate` as `false`, and take every key of the summary as
//! optional, so that runs written by older or newer versions can be
//! read. What it is not: the writing machinery (atomic outputs, what may
//! be replaced), which is [`crate::write`]'s.
//!
//! ```
//! use syndic::rundir::{read_lines, PairLine, round};
//! use syndic::pairs::PairKind;
//! use syndic::write::{OutputDir, Overwrite};
//!
//! let parent = tempfile::tempdir()?;
//! let out = OutputDir::create(parent.path().join("run"), &Overwrite::never())?;
//! let line = PairLine { a: "x".into(), b: "y".into(), similarity: round(2.0 / 3.0), kind: PairKind::Near, coverage: None };
//! out.write_jsonl(syndic::rundir::PAIRS_FILE, [&line])?;
//! let text = std::fs::read_to_string(out.path_of("pairs.jsonl"))?;
//! assert_eq!(text, "{\"a\":\"x\",\"b\":\"y\",\"similarity\":0.666667,\"kind\":\"near\"}\n");
//! let read: Vec<(u64, PairLine)> =
//!     read_lines(&out.path_of("pairs.jsonl"))?.unwrap().collect::<syndic::Result<_>>()?;
//! assert_eq!(read, [(1, line)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod lines;
mod read;
mod summary;
#[cfg(test)]
mod tests;

pub use lines::{
    boilerplate_lines, cluster_lines, clustering_lines, pair_lines, passage_lines, relation_lines,
    round, round_to, story_cluster_lines, to_bytes, write_dedup, write_reprint, write_stories,
    BoilerplateLine, ClusterLine, Evidence, EvidencePassage, PairLine, PassageLine, RelationLine,
    SpanLine, SCORE_DECIMALS,
};
pub use read::{read_lines, Lines};
pub use summary::{
    peak_rss_bytes, ClusterCounts, DedupedOutput, Documents, ReadCounts, RecordedReadOptions,
    Summary, SIMILARITY_BINS,
};

// The file names are defined with the rule that recognises a run directory
// (`write`, which must not depend on this module) and belong to the format.
pub use crate::write::{
    BOILERPLATE_FILE, CLUSTERS_FILE, PAIRS_FILE, PASSAGES_FILE, RELATIONS_FILE, RUN_FILES,
    STORIES_FILE, SUMMARY_FILE,
};
