//! The core's rule for what an output may replace, for the Python runners
//! that write run directories (`syndic.ray`).

use std::path::PathBuf;

use pyo3::prelude::*;
use syndic::write::Overwrite;

use crate::errors::OrRaise;

/// Raises unless a run directory may be written at `path`: nothing is
/// there, or (with `force`) a run directory that syndic wrote, holding
/// nothing else and none of `reads` (the run's inputs).
#[pyfunction]
#[pyo3(signature = (path, force, reads))]
pub fn check_run_dir(path: PathBuf, force: bool, reads: Vec<PathBuf>) -> PyResult<()> {
    Overwrite::new(force).protecting(reads).check_run_dir(&path).or_raise()
}
