//! Flags shared by every command that reads a corpus, and the loop that
//! streams it in batches.

use std::path::PathBuf;

use anyhow::Context;
use syndic::passes::CorpusPasses;
use syndic::read::{
    resolve_inputs, resolve_inputs_read_once, CorpusReader, Inputs, ReadOptions, BATCH_BYTES,
    BATCH_DOCS,
};
use syndic::Document;

use super::flags::SettingsFlags;
use crate::progress::{Bars, Cancel, Timings};

/// Where documents come from and how to read them.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Inputs: directories of text files, JSONL (.gz/.zst), Parquet,
    /// WARC/WET files, or `-` for standard input (JSONL unless --format; read
    /// as it comes by exact mode and --verify signature, else copied to a
    /// temporary file first).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub read: SettingsFlags<ReadOptions>,
}

impl InputArgs {
    /// The library's read options.
    pub fn read_options(&self) -> ReadOptions {
        self.read.settings.clone()
    }

    /// Resolves the inputs (sorted; stdin spooled to a temporary file, with
    /// Ctrl-C exiting at once while it is read).
    pub fn resolve(&self, cancel: &Cancel) -> anyhow::Result<(Inputs, ReadOptions)> {
        self.resolve_for(cancel, Passes::Any)
    }

    /// Resolves the inputs of a run that reads them `passes` times: a run
    /// that reads them once takes stdin as it comes, without a copy.
    pub fn resolve_for(
        &self,
        cancel: &Cancel,
        passes: Passes,
    ) -> anyhow::Result<(Inputs, ReadOptions)> {
        let opts = self.read_options();
        opts.validate()?;
        let inputs = cancel
            .exit_at_once_during(|| match passes {
                Passes::Any => resolve_inputs(&self.inputs, &opts),
                Passes::One => resolve_inputs_read_once(&self.inputs, &opts),
            })
            .context("cannot open the inputs")?;
        Ok((inputs, opts))
    }
}

/// How many times a run reads its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passes {
    /// Once: standard input is read as it comes.
    One,
    /// Perhaps more than once: standard input is spooled first.
    Any,
}

/// The record of what was read, for `summary.json`.
pub use syndic::rundir::ReadCounts as ReadReport;

/// What the passes of a driven stage are called: on its progress bars, and
/// in the timings of `summary.json`.
pub struct PassNames {
    /// Bar and timing of pass 1.
    pub first: (&'static str, &'static str),
    /// Bar and timing of pass 2 (all its readings).
    pub second: (&'static str, &'static str),
}

/// A resolved corpus, with the bars and the Ctrl-C flag its reading
/// reports to: what [`drive`] feeds a stage from.
pub struct Feed<'a> {
    pub inputs: &'a Inputs,
    pub opts: &'a ReadOptions,
    pub bars: &'a Bars,
    pub cancel: &'a Cancel,
}

/// Feeds `stage` pass 1, then pass 2 as many times as it asks, timing them
/// into `timings` if given; returns what pass 1 read. The stage's `finish`
/// is the caller's.
pub fn drive<S: CorpusPasses>(
    stage: &mut S,
    names: PassNames,
    feed: &Feed<'_>,
    mut timings: Option<&mut Timings>,
) -> anyhow::Result<ReadReport> {
    let read = first_pass(stage, &names, feed, timings.as_deref_mut())?;
    later_passes(stage, &names, feed, timings)?;
    Ok(read)
}

/// Feeds `stage` pass 1; returns what it read.
pub fn first_pass<S: CorpusPasses>(
    stage: &mut S,
    names: &PassNames,
    feed: &Feed<'_>,
    timings: Option<&mut Timings>,
) -> anyhow::Result<ReadReport> {
    let Feed { inputs, opts, bars, cancel } = *feed;
    let read = for_each_batch(inputs, opts, bars, names.first.0, cancel, |batch| {
        stage.add_batch(batch).map_err(Into::into)
    })?;
    if let Some(t) = timings {
        t.stop(names.first.1);
    }
    Ok(read)
}

/// Plans `stage` after pass 1 (read now or earlier), then feeds it pass 2
/// as many times as it asks.
pub fn later_passes<S: CorpusPasses>(
    stage: &mut S,
    names: &PassNames,
    feed: &Feed<'_>,
    mut timings: Option<&mut Timings>,
) -> anyhow::Result<()> {
    let Feed { inputs, opts, bars, cancel } = *feed;
    let mut stop = |name| timings.as_deref_mut().map(|t| t.stop(name));
    stage.plan();
    stop("candidates");
    if stage.pending_passes() > 0 {
        while stage.pending_passes() > 0 {
            for_each_batch(inputs, opts, bars, names.second.0, cancel, |batch| {
                stage.second_pass_batch(batch).map_err(Into::into)
            })?;
        }
        stop(names.second.1);
    }
    Ok(())
}

/// Streams the whole corpus once, calling `each` on every batch.
pub fn for_each_batch(
    inputs: &Inputs,
    opts: &ReadOptions,
    bars: &Bars,
    stage: &str,
    cancel: &Cancel,
    mut each: impl FnMut(&[Document]) -> anyhow::Result<()>,
) -> anyhow::Result<ReadReport> {
    let bar = bars.bytes(stage, inputs.total_bytes());
    let mut reader = CorpusReader::new(inputs, opts);
    let mut report = ReadReport::default();
    while let Some(batch) = reader.next_batch(BATCH_DOCS, BATCH_BYTES)? {
        cancel.check()?;
        report.read += batch.len() as u64;
        report.text_bytes += batch.iter().map(|d| d.text.len() as u64).sum::<u64>();
        each(&batch)?;
        bar.set_position(reader.bytes_read());
        bar.set_message(format!("{} docs", report.read));
    }
    bar.finish_and_clear();
    report.skipped_by_kind = reader.skipped().clone();
    report.skipped = report.skipped_by_kind.values().sum();
    report.skipped_examples = reader.skipped_examples().clone();
    Ok(report)
}

/// The inputs as recorded in `summary.json` (so `syndic report` can re-read
/// them): absolute paths where they can be made so.
pub fn input_paths(args: &InputArgs) -> Vec<PathBuf> {
    let mut paths: Vec<String> = args
        .inputs
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                "-".to_owned()
            } else {
                std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string()
            }
        })
        .collect();
    // Sorted as strings, as summaries always have been.
    paths.sort();
    paths.into_iter().map(PathBuf::from).collect()
}

/// Sets the size of rayon's global pool (0: one thread per core). More
/// threads than cores would only compete for them (results never depend on
/// the count), and thousands would take long to start and stop: the count
/// is capped at the number of cores, with a warning.
pub fn set_threads(threads: usize) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = if threads > cores {
        eprintln!("syndic: warning: --threads {threads} capped at the {cores} cores available");
        cores
    } else {
        threads
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("cannot start the thread pool")
}
