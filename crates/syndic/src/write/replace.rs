//! What an output may replace: only what syndic itself wrote, and never
//! what the run reads.
//!
//! Asked to replace an existing output (`force`), syndic still refuses
//!
//! * a path the run reads, or a directory holding one (`syndic dedup D
//!   --out D` must not delete the corpus `D`);
//! * a directory that is not a run directory: one without a `summary.json`
//!   that syndic wrote (an index, a corpus, a home directory);
//! * a run directory holding anything syndic did not write there (notes
//!   the user put beside the outputs);
//! * a directory where a file goes, a file where a directory goes, and
//!   links, devices, sockets and pipes.
//!
//! A run directory's `summary.json` names what syndic wrote in it (its
//! `files` list; older runs, without one, hold
//! [`RUN_FILES`]). The file names of a run directory are defined here, with
//! the rule that recognises one; [`crate::rundir`] holds the rest of its
//! format.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::NotReplaceable;
use crate::{Error, Result};

/// `clusters.jsonl`: each document's cluster.
pub const CLUSTERS_FILE: &str = "clusters.jsonl";
/// `pairs.jsonl`: the verified duplicate pairs.
pub const PAIRS_FILE: &str = "pairs.jsonl";
/// `passages.jsonl`: the shared passages (reprint mode, `passages`).
pub const PASSAGES_FILE: &str = "passages.jsonl";
/// `boilerplate.jsonl`: each document's boilerplate spans.
pub const BOILERPLATE_FILE: &str = "boilerplate.jsonl";
/// `relations.jsonl`: every linked pair of a stories run, with its type.
pub const RELATIONS_FILE: &str = "relations.jsonl";
/// `stories.jsonl`: each document's story, exported from an index with
/// stories (the lines of a stories run's `clusters.jsonl`).
pub const STORIES_FILE: &str = "stories.jsonl";
/// `summary.json`: the run's account of itself, by which a run directory is
/// recognised.
pub const SUMMARY_FILE: &str = "summary.json";

/// What every run directory may hold: the files `syndic dedup`,
/// `syndic passages`, `syndic stories` and the index's exports write.
pub const RUN_FILES: &[&str] = &[
    SUMMARY_FILE,
    CLUSTERS_FILE,
    PAIRS_FILE,
    PASSAGES_FILE,
    BOILERPLATE_FILE,
    RELATIONS_FILE,
    STORIES_FILE,
];

/// Whether an output may replace what is at its path, and what it must
/// never replace. Built once per run and passed to every output of it.
///
/// ```
/// use syndic::write::{Overwrite, OutputDir};
///
/// let dir = tempfile::tempdir()?;
/// let corpus = dir.path().join("corpus");
/// std::fs::create_dir(&corpus)?;
/// std::fs::write(corpus.join("a.txt"), "a document")?;
/// // Even with `force`, a run cannot replace a directory it did not write,
/// let overwrite = Overwrite::new(true).protecting([&corpus]);
/// assert!(OutputDir::create(&corpus, &overwrite).is_err());
/// // nor one holding its input.
/// assert!(OutputDir::create(dir.path(), &overwrite).is_err());
/// assert!(corpus.join("a.txt").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Overwrite {
    force: bool,
    /// Canonical paths of what the run reads.
    protected: Vec<PathBuf>,
}

impl Overwrite {
    /// Replaces an existing output (one syndic wrote) only if `force`.
    pub fn new(force: bool) -> Overwrite {
        Overwrite { force, protected: Vec::new() }
    }

    /// Never replaces an existing output.
    pub fn never() -> Overwrite {
        Overwrite::new(false)
    }

    /// Also refuses to replace these paths (the run's inputs, an index) or
    /// any directory holding one. Paths that do not exist protect nothing.
    pub fn protecting<P: AsRef<Path>>(mut self, paths: impl IntoIterator<Item = P>) -> Overwrite {
        self.protected.extend(paths.into_iter().filter_map(|p| fs::canonicalize(p).ok()));
        self
    }

    /// Whether an existing output syndic wrote may be replaced.
    pub fn force(&self) -> bool {
        self.force
    }

    /// Checks that a file may be written at `dest`: nothing there, or (with
    /// `force`) a regular file that the run does not read. [`AtomicFile`]
    /// checks when it starts and again when it commits; front ends call it
    /// too, to refuse before the work rather than after.
    ///
    /// [`AtomicFile`]: super::AtomicFile
    pub fn check_file(&self, dest: &Path) -> Result<()> {
        let Ok(meta) = fs::symlink_metadata(dest) else { return Ok(()) };
        let refuse = |why| Err(Error::OutputNotReplaceable { path: dest.to_owned(), why });
        if meta.is_dir() {
            // Said even without `force`: the rename would fail after all
            // the writing.
            return refuse(NotReplaceable::IsDirectory);
        }
        if !self.force {
            return Err(Error::OutputExists { path: dest.to_owned() });
        }
        if !meta.is_file() {
            return refuse(NotReplaceable::Special);
        }
        if self.find_protected(dest).is_some() {
            return refuse(NotReplaceable::IsInput);
        }
        Ok(())
    }

    /// Checks that a run directory may be written at `dest`: nothing there,
    /// or (with `force`) a run directory syndic wrote, holding nothing else
    /// and nothing the run reads. [`OutputDir`] checks when it starts and
    /// again when it commits.
    ///
    /// [`OutputDir`]: super::OutputDir
    pub fn check_run_dir(&self, dest: &Path) -> Result<()> {
        let Ok(meta) = fs::symlink_metadata(dest) else { return Ok(()) };
        if !self.force {
            return Err(Error::OutputExists { path: dest.to_owned() });
        }
        let refuse = |why| Err(Error::OutputNotReplaceable { path: dest.to_owned(), why });
        if meta.file_type().is_symlink() {
            return refuse(NotReplaceable::Special);
        }
        if !meta.is_dir() {
            return refuse(NotReplaceable::NotADirectory);
        }
        if let Some(input) = self.find_protected(dest) {
            return refuse(if input == canonical(dest) {
                NotReplaceable::IsInput
            } else {
                NotReplaceable::HoldsInput(input.to_owned())
            });
        }
        let Some(files) = run_files(dest) else { return refuse(NotReplaceable::NotARun) };
        let entries = fs::read_dir(dest).map_err(|e| Error::io(dest, e))?;
        for entry in entries {
            let name = entry.map_err(|e| Error::io(dest, e))?.file_name();
            let name = name.to_string_lossy();
            if !files.iter().any(|f| *f == name) {
                return refuse(NotReplaceable::ForeignEntry(name.into_owned()));
            }
        }
        Ok(())
    }

    /// The first protected path that `dest` is or holds.
    fn find_protected(&self, dest: &Path) -> Option<&Path> {
        let dest = canonical(dest);
        self.protected.iter().map(PathBuf::as_path).find(|p| p.starts_with(&dest))
    }
}

/// `path` with its directory resolved, so that `runs/../x` and `x` compare
/// equal; the path as given where it cannot be resolved.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// The names syndic wrote in the run directory `dir`, from its summary;
/// `None` when `dir` has no summary written by syndic.
fn run_files(dir: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(dir.join(SUMMARY_FILE)).ok()?;
    let summary: serde_json::Value = serde_json::from_str(&text).ok()?;
    summary.get("syndic_version")?.as_str()?;
    let mut files: Vec<String> = RUN_FILES.iter().map(|&f| f.to_owned()).collect();
    if let Some(listed) = summary.get("files").and_then(|f| f.as_array()) {
        files.extend(listed.iter().filter_map(|f| f.as_str()).map(str::to_owned));
    }
    Some(files)
}
