//! What the outputs of a command may replace. The files of a run directory
//! and their summary are the core's (`syndic::rundir`).

use std::path::Path;

use syndic::rundir::{peak_rss_bytes, Summary};
use syndic::write::{OutputDir, Overwrite};

/// What the outputs of a run may replace: with `force`, only what syndic
/// wrote, and never what the run reads (`-`, standard input, is no path).
pub fn overwrite<P: AsRef<Path>>(force: bool, reads: impl IntoIterator<Item = P>) -> Overwrite {
    let paths: Vec<P> = reads.into_iter().filter(|p| p.as_ref().as_os_str() != "-").collect();
    Overwrite::new(force).protecting(paths)
}

/// Finishes a run directory: `summary.json` (with the run's peak memory)
/// written last, so that its `files` list names everything the run wrote,
/// then the directory put in place.
pub fn commit_run(out: OutputDir, summary: &mut Summary) -> syndic::Result<()> {
    summary.peak_rss_bytes = Some(peak_rss_bytes());
    summary.write(out.path())?;
    out.commit()
}
