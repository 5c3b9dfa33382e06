//! Atomic outputs: a run either leaves complete outputs or none.
//!
//! Every output is first written under a temporary name beside its final
//! path (same directory, so same file system, so the final `rename` is
//! atomic) and only renamed into place by `commit`. Dropping an output
//! without committing it (an error, a panic, Ctrl-C unwinding) deletes the
//! temporary; a run killed outright leaves at most a hidden
//! `.{name}.tmp-XXXXXX` beside the output, never a half-written file under
//! the output's name.
//!
//! * [`OutputDir`]: a run directory (`summary.json`, `pairs.jsonl`, ...),
//!   written into a temporary directory and renamed into place as a whole.
//! * [`AtomicFile`]: one file. [`create_writer`] adds gzip or zstd
//!   compression by the file's extension, finished properly on commit.
//! * [`write_jsonl`]: records as JSON lines, in one call.
//! * [`write_deduped`]: the corpus minus the records not kept, written by
//!   reading the inputs again. JSONL records are copied byte for byte.
//!
//! * [`Overwrite`]: what an output may replace. An existing output is
//!   refused unless `force` is given, and even then replaced only if syndic
//!   wrote it and the run does not read it; it is replaced whole, only once
//!   the new one is complete.
//!
//! What it is not: a way to append to or update outputs.
//!
//! ```
//! use syndic::write::{write_jsonl, OutputDir, Overwrite};
//!
//! let parent = tempfile::tempdir()?;
//! let run = parent.path().join("run");
//! let out = OutputDir::create(&run, &Overwrite::never())?;
//! write_jsonl(&out.path_of("pairs.jsonl"), &Overwrite::never(), [("a", "b"), ("a", "c")])?;
//! assert!(!run.exists(), "nothing under the final name before commit");
//! out.commit()?;
//! assert_eq!(std::fs::read_to_string(run.join("pairs.jsonl"))?, "[\"a\",\"b\"]\n[\"a\",\"c\"]\n");
//! // Without `force`, an existing output is refused.
//! assert!(OutputDir::create(&run, &Overwrite::never()).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod atomic;
mod corpus;
mod replace;
#[cfg(test)]
pub(crate) mod tests;

pub use atomic::{create_writer, try_write_jsonl, write_jsonl, AtomicFile, OutputDir};
pub use corpus::{write_deduped, write_rewritten, KeptRecords, Rewrite, WriteStats};
pub use replace::{
    Overwrite, BOILERPLATE_FILE, CLUSTERS_FILE, PAIRS_FILE, PASSAGES_FILE, RELATIONS_FILE,
    RUN_FILES, STORIES_FILE, SUMMARY_FILE,
};
