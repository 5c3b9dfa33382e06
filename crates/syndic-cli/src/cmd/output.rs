//! What the outputs of a command may replace. The files of a run directory
//! and their summary are the core's (`syndic::rundir`).

use std::path::Path;

use syndic::write::Overwrite;

/// What the outputs of a run may replace: with `force`, only what syndic
/// wrote, and never what the run reads (`-`, standard input, is no path).
pub fn overwrite<P: AsRef<Path>>(force: bool, reads: impl IntoIterator<Item = P>) -> Overwrite {
    let paths: Vec<P> = reads.into_iter().filter(|p| p.as_ref().as_os_str() != "-").collect();
    Overwrite::new(force).protecting(paths)
}
