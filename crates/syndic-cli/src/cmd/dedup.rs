//! `syndic dedup`: exact, near-duplicate and reprint clusters.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context};
use syndic::cluster::Keep;
use syndic::dedup::{DedupConfig, Deduper, Mode};
use syndic::pairs::DedupResult;
use syndic::read::{Inputs, ReadOptions};
use syndic::reprint::{ReprintConfig, ReprintFinder, ReprintResult};
use syndic::write::{write_deduped, KeptRecords, OutputDir, Overwrite, RUN_FILES};
use syndic::{DocId, Origin};

use super::flags::{MinHashArgs, ReprintArgs};
use super::input::{self, InputArgs, PassNames, ReadReport};
use super::output;
use crate::progress::{Bars, Cancel, Timings};

/// Flags of `syndic dedup`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory (clusters.jsonl, pairs.jsonl, summary.json, and in
    /// reprint mode passages.jsonl and boilerplate.jsonl).
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite existing outputs.
    #[arg(long)]
    pub force: bool,
    /// exact: same normalized text; minhash: Jaccard similarity of word
    /// n-grams; reprint: shared passages covering most of the shorter text.
    #[arg(long, default_value = "minhash")]
    pub mode: Mode,
    #[command(flatten)]
    pub minhash: MinHashArgs,
    #[command(flatten)]
    pub reprint: ReprintArgs,
    /// Which member represents (and survives) each cluster.
    #[arg(long, default_value = "longest")]
    pub keep: Keep,
    /// Also write the corpus with one document per cluster, all fields kept,
    /// in the format of this path's extension (.jsonl, .jsonl.gz,
    /// .jsonl.zst, .parquet).
    #[arg(long, value_name = "PATH")]
    pub write_deduped: Option<PathBuf>,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.threads)?;
    let bars = Bars::new(args.quiet);
    let (inputs, opts) = args.input.resolve(cancel)?;
    let overwrite = output::overwrite(args.force, &args.input.inputs);
    let deduped_path = args.write_deduped.as_deref().map(|p| DedupedPath::new(p, &args.out));
    match &deduped_path {
        // Refused now, not after the whole run.
        Some(DedupedPath::Beside(path)) => overwrite.check_file(path)?,
        Some(DedupedPath::Inside(relative)) => {
            let first = relative.components().next().map(|c| c.as_os_str().to_string_lossy());
            if first.is_none_or(|name| RUN_FILES.contains(&&*name)) {
                bail!(
                    "--write-deduped {} would replace a file of the run directory {}",
                    relative.display(),
                    args.out.display()
                );
            }
        }
        None => {}
    }
    let out = OutputDir::create(&args.out, &overwrite)?;
    let mut timings = Timings::default();
    timings.start();
    let run = match args.mode {
        Mode::Reprint => {
            let config = args.reprint.config(args.keep)?;
            run_reprint(config, &inputs, &opts, &bars, cancel, &mut timings)?
        }
        mode => {
            let config = args.minhash.config(mode, args.keep)?;
            run_minhash(config, &inputs, &opts, &bars, cancel, &mut timings)?
        }
    };
    let id = |d: DocId| run.ids[d.as_usize()].as_str();
    out.write_jsonl("clusters.jsonl", output::cluster_lines(&run.result, id))?;
    out.write_jsonl("pairs.jsonl", output::pair_lines(&run.result, id))?;
    if let Some(extra) = &run.reprint {
        out.write_jsonl("passages.jsonl", output::passage_lines(&extra.passages, id))?;
        out.write_jsonl("boilerplate.jsonl", output::boilerplate_lines(&extra.boilerplate, id))?;
    }
    let deduped = match &deduped_path {
        Some(path) => {
            cancel.check()?;
            let kept: KeptRecords = (0..run.ids.len() as u32)
                .map(DocId::from_u32)
                .filter(|&d| run.result.clustering.is_representative(d))
                .map(|d| run.origins[d.as_usize()])
                .collect();
            let (target, overwrite) = match path {
                // Written into the run directory before it is committed, so
                // it appears (and is replaced) with the run, never alone.
                DedupedPath::Inside(relative) => (out.path_of(relative), Overwrite::never()),
                DedupedPath::Beside(path) => (path.clone(), overwrite.clone()),
            };
            let shown = args.write_deduped.as_deref().unwrap_or(&target);
            let stats = write_deduped(&inputs, &opts, &kept, &target, &overwrite)
                .with_context(|| format!("cannot write {}", shown.display()))?;
            Some(serde_json::json!({
                "path": shown.display().to_string(),
                "records": stats.records,
                "bytes": stats.bytes,
            }))
        }
        None => None,
    };
    timings.stop("write");
    let stats = &run.result.stats;
    let summary = serde_json::json!({
        "syndic_version": env!("CARGO_PKG_VERSION"),
        "command": "dedup",
        "mode": args.mode,
        "inputs": input::input_paths(&args.input),
        "read_options": input::read_options_json(&opts),
        "params": run.params,
        "documents": run.read,
        "exact_duplicates": stats.exact_duplicates,
        "near_duplicates": stats.near_duplicates,
        "clusters": stats.clusters,
        "duplicates_removed": stats.duplicates_removed,
        "candidate_pairs": stats.candidate_pairs,
        "verified_pairs": stats.verified_pairs,
        "cluster_size_histogram": output::size_histogram(&run.result),
        "similarity_histogram": output::similarity_histogram(&run.result),
        "passages": run.reprint.as_ref().map(|r| r.passages.len()),
        "boilerplate_bytes": run.reprint.as_ref().map(|r| r.boilerplate_bytes),
        "deduped_output": deduped,
        "timings_ms": timings.to_json(),
        "peak_rss_bytes": input::peak_rss_bytes(),
        "threads": rayon::current_num_threads(),
    });
    output::write_summary(&out, &summary)?;
    out.commit()?;
    if !args.quiet {
        eprintln!(
            "syndic: {} documents, {} clusters, {} duplicates ({} exact), written to {}",
            stats.documents,
            stats.clusters,
            stats.duplicates_removed,
            stats.exact_duplicates,
            args.out.display()
        );
    }
    Ok(())
}

/// Where `--write-deduped` goes: inside the run directory, or elsewhere.
enum DedupedPath {
    /// Relative to the run directory.
    Inside(PathBuf),
    Beside(PathBuf),
}

impl DedupedPath {
    /// Tells the two apart by the paths' absolute spellings (neither need
    /// exist yet).
    fn new(path: &Path, out: &Path) -> DedupedPath {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        match absolute(path).strip_prefix(absolute(out)) {
            Ok(relative) if relative.components().all(|c| matches!(c, Component::Normal(_))) => {
                DedupedPath::Inside(relative.to_owned())
            }
            _ => DedupedPath::Beside(path.to_owned()),
        }
    }
}

/// What the reprint mode adds to a run.
pub struct ReprintOutputs {
    pub passages: Vec<syndic::reprint::SharedPassage>,
    pub boilerplate: Vec<syndic::reprint::DocBoilerplate>,
    pub boilerplate_bytes: u64,
}

/// A finished run, whatever the mode.
pub struct Run {
    pub ids: Vec<String>,
    pub origins: Vec<Origin>,
    pub result: DedupResult,
    pub reprint: Option<ReprintOutputs>,
    pub read: ReadReport,
    pub params: serde_json::Value,
}

fn run_minhash(
    config: DedupConfig,
    inputs: &Inputs,
    opts: &ReadOptions,
    bars: &Bars,
    cancel: &Cancel,
    timings: &mut Timings,
) -> anyhow::Result<Run> {
    let params = config.to_json();
    let mut deduper = Deduper::new(config)?;
    let names =
        PassNames { first: ("sketch", "read_and_sketch"), second: ("verify", "shingle_sets") };
    let read = input::drive(&mut deduper, names, inputs, opts, bars, cancel, Some(timings))?;
    let (ids, origins) = (deduper.catalog().ids().to_vec(), deduper.catalog().origins().to_vec());
    let result = deduper.finish()?;
    timings.stop("verify_and_cluster");
    Ok(Run { ids, origins, result, reprint: None, read, params })
}

pub fn run_reprint(
    config: ReprintConfig,
    inputs: &Inputs,
    opts: &ReadOptions,
    bars: &Bars,
    cancel: &Cancel,
    timings: &mut Timings,
) -> anyhow::Result<Run> {
    let params = config.to_json();
    let mut finder = ReprintFinder::new(config);
    let names = PassNames {
        first: ("fingerprint", "read_and_fingerprint"),
        second: ("align", "boilerplate_and_align"),
    };
    let read = input::drive(&mut finder, names, inputs, opts, bars, cancel, Some(timings))?;
    let (ids, origins) = (finder.catalog().ids().to_vec(), finder.catalog().origins().to_vec());
    let ReprintResult { dedup, passages, boilerplate, boilerplate_bytes } = finder.finish()?;
    timings.stop("cluster");
    let reprint = ReprintOutputs { passages, boilerplate, boilerplate_bytes };
    Ok(Run { ids, origins, result: dedup, reprint: Some(reprint), read, params })
}
