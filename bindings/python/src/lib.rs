//! `syndic._syndic`: the Python extension module of syndic.
//!
//! Thin over the core library, with no stage logic of its own: arguments
//! arrive as Arrow arrays (through the C data interface, sharing pyarrow's
//! buffers) or keyword options checked by the core's own validating
//! builders; the core's stages run with the GIL released, Ctrl-C is checked
//! between batches, and results go back as pyarrow arrays and record
//! batches. The pure-Python package `syndic` (bindings/python/syndic) wraps
//! these functions with friendlier argument handling; `syndic.ray` builds a
//! distributed pipeline from the stage functions.

mod arrow;
mod corpus;
mod errors;
mod index;
mod jsonl;
mod output;
mod pipeline;
mod reprint;
mod settings;
mod stages;
mod stories;

use pyo3::prelude::*;

#[pymodule]
fn _syndic(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<index::PyIndex>()?;
    m.add_function(wrap_pyfunction!(pipeline::dedup, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::dedup_config, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::clean, m)?)?;
    m.add_function(wrap_pyfunction!(stories::stories, m)?)?;
    m.add_function(wrap_pyfunction!(stages::sketch, m)?)?;
    m.add_function(wrap_pyfunction!(stages::band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(stages::candidate_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(stages::exact_canonicals, m)?)?;
    m.add_function(wrap_pyfunction!(stages::verify_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(stages::align_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(stages::clusters_from_edges, m)?)?;
    m.add_function(wrap_pyfunction!(stages::clusters_from_roots, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::reprint_params, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::reprint_observe, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::reprint_merge_stats, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::reprint_links, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::reprint_find, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::reprint_boilerplate, m)?)?;
    m.add_function(wrap_pyfunction!(reprint::clusters_from_representatives, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl::to_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(output::check_run_dir, m)?)?;
    m.add_function(wrap_pyfunction!(settings::settings_schema, m)?)?;
    m.add_function(wrap_pyfunction!(output::run_lines, m)?)?;
    m.add_function(wrap_pyfunction!(output::write_dedup_summary, m)?)?;
    Ok(())
}
