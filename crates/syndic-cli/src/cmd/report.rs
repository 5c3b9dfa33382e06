//! `syndic report`: one self-contained HTML file from a run directory.
//!
//! The report is read from what `syndic dedup` / `syndic passages` wrote
//! (`summary.json`, `clusters.jsonl`, `pairs.jsonl`, `passages.jsonl`,
//! `boilerplate.jsonl`) plus the texts of the documents it shows, read again
//! from the run's inputs. Everything a browser needs is inlined: styles,
//! script, charts (drawn as SVG by the script) and the data, as one JSON
//! block. The page renders each view from that data on demand, so what
//! bounds its opening time is the size of the data, which `--max-clusters`
//! and `--sample` bound.
//!
//! The run directory is streamed, never loaded whole; the only per-document
//! state held is the id -> cluster map, so a million-document run costs
//! about a hundred megabytes here, and the report about `max_clusters *
//! sample` texts.
//!
//! Input paths in `summary.json` are taken as `syndic dedup` was given them:
//! relative ones are resolved against the current directory, so run
//! `syndic report` from where the run was made.

mod data;
mod html;
mod rundir;
mod texts;

use std::path::PathBuf;

use anyhow::Context;
use syndic::rundir::SUMMARY_FILE;

use super::output;
use crate::progress::{Bars, Cancel};

// No doc comment here: clap would show it instead of the subcommand's own
// description in `syndic report --help`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The run directory written by `syndic dedup` or `syndic passages`. The
    /// texts are read again from the inputs its summary.json names; relative
    /// ones are taken from the current directory.
    #[arg(value_name = "RUN_DIR")]
    run: PathBuf,
    /// Where to write the report: one HTML file that needs no network.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Show at most N clusters, the largest first (then those with the most
    /// passages); the report says how many it left out.
    #[arg(long, default_value_t = 500, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_clusters: u32,
    /// Show at most N documents of each cluster: the representative, then
    /// the least similar to it.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    sample: u32,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
    /// No progress bar, and no summary line.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `syndic report`.
pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    // The report reads the run directory and the inputs its summary names.
    let inputs = rundir::Summary::read(&args.run.join(SUMMARY_FILE))
        .map(|summary| summary.inputs)
        .unwrap_or_default();
    let overwrite = output::overwrite(args.force, inputs.iter().chain([&args.run]));
    overwrite.check_file(&args.out)?;
    let limits = data::Limits { max_clusters: args.max_clusters, sample: args.sample };
    let bars = Bars::new(args.quiet);
    let report = data::build(&args.run, limits, &bars, cancel)
        .with_context(|| format!("{}: cannot make a report of this run", args.run.display()))?;
    cancel.check()?;
    let bytes = html::write_atomic(&args.out, &report, &overwrite)?;
    if args.quiet {
        return Ok(());
    }
    eprintln!(
        "syndic: wrote {} ({} clusters, {} documents, {:.1} MB)",
        args.out.display(),
        report.clusters.len(),
        report.docs.len(),
        bytes as f64 / 1e6
    );
    Ok(())
}
