//! `syndic dedup`: exact, near-duplicate and reprint clusters.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context};
use std::sync::{Arc, Mutex};
use syndic::dedup::{DedupConfig, Deduper, Mode};
use syndic::pairs::DedupResult;
use syndic::passes::Checkpointed;
use syndic::reprint::{ReprintConfig, ReprintFinder, ReprintResult};
use syndic::rundir::{self, ClusterCounts, DedupedOutput, Documents, Summary, RUN_FILES};
use syndic::settings::{DedupSettings, MinHashSettings, ReprintSettings};
use syndic::verify::VerifyMethod;

use indicatif::ProgressBar;
use syndic::read::{Inputs, ReadOptions};
use syndic::spill::{
    bytes_in, estimate_reprint_temp_space, estimate_temp_space, LazySpillDir, Progress, Resume,
    Size, SpillError, TempSpace, WorkDir,
};
use syndic::write::{write_deduped, KeptRecords, OutputDir, Overwrite};
use syndic::{Catalog, DocId};

use super::flags::{RunFlags, SettingsFlags};
use super::input::{self, Feed, InputArgs, PassNames, ReadReport};
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
    #[command(flatten)]
    pub dedup: SettingsFlags<DedupSettings>,
    #[command(flatten)]
    pub minhash: SettingsFlags<MinHashSettings>,
    #[command(flatten)]
    pub reprint: SettingsFlags<ReprintSettings>,
    /// Also write the corpus with one document per cluster, all fields kept,
    /// in the format of this path's extension (.jsonl, .jsonl.gz,
    /// .jsonl.zst, .parquet).
    #[arg(long, value_name = "PATH")]
    pub write_deduped: Option<PathBuf>,
    /// Where temporary files go when --memory-mb is exceeded (a directory
    /// of their own is made inside it and removed at the end) [default: the
    /// parent of --out].
    #[arg(long, value_name = "DIR")]
    pub tmp_dir: Option<PathBuf>,
    /// Keep the run's files in a work directory, `.syndic-resume-*` inside
    /// --tmp-dir (or beside --out), that a failed or killed run leaves
    /// behind, and resume from it: the same run again (same inputs,
    /// unchanged, and settings) restarts after its first pass over the
    /// inputs if it had completed it, in every mode. Removed when the run
    /// succeeds. Needs --memory-mb.
    #[arg(long)]
    pub resume: bool,
    /// Start even when the temporary space the run is estimated to need is
    /// more than the free space of --tmp-dir. With --memory-mb the estimate
    /// (from the inputs' sizes, on the large side) is stated before the
    /// run, which otherwise refuses to start without that space.
    #[arg(long)]
    pub no_space_check: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

/// The frozen config of the chosen mode.
enum Config {
    Reprint(ReprintConfig),
    MinHash(DedupConfig),
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    // Settings are checked before anything is read or written.
    let dedup = &args.dedup.settings;
    let mode = dedup.mode;
    let config = match mode {
        Mode::Reprint => Config::Reprint(args.reprint.settings.dedup_config(dedup)?),
        _ => Config::MinHash(args.minhash.settings.config(dedup)?),
    };
    let (memory, params) = match &config {
        Config::Reprint(c) => (c.memory(), c.to_json()),
        Config::MinHash(c) => (c.memory(), c.to_json()),
    };
    if args.resume && memory.is_none() {
        bail!("--resume needs --memory-mb: only a run that spills to disk can resume")
    }
    let bars = Bars::new(args.run.quiet);
    // Exact dedup and signature verification read the corpus once: a
    // stream on stdin is then read as it comes, with no copy on disk
    // (unless the kept records are written, which reads it again).
    let passes = match &config {
        Config::MinHash(c)
            if (c.mode() == Mode::Exact || c.verify() == VerifyMethod::Signature)
                && args.write_deduped.is_none()
                && !args.resume =>
        {
            input::Passes::One
        }
        _ => input::Passes::Any,
    };
    let (inputs, opts) = args.input.resolve_for(cancel, passes)?;
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
    let key = if args.resume { Some(resume_key(&inputs, &opts, &params)?) } else { None };
    let work_path = key.as_ref().map(|key| {
        let name = format!(".syndic-resume-{:032x}", syndic::hash::content_hash(key));
        temporary_parent(args.tmp_dir.as_deref(), &args.out).join(name)
    });
    let space = match &config {
        Config::MinHash(c) => estimate_temp_space(c, &inputs, args.resume),
        Config::Reprint(c) => estimate_reprint_temp_space(c, &inputs, args.resume),
    };
    check_temp_space(space, &args, work_path.as_deref())?;
    let out = OutputDir::create(&args.out, &overwrite)?;
    let mut timings = Timings::default();
    timings.start();
    let feed = Feed { inputs: &inputs, opts: &opts, bars: &bars, cancel };
    // A resumable run's work directory, removed once the run is committed.
    let mut work = None;
    // The spill directory's parent, kept until the outputs are written: the
    // result may read its pairs from there.
    let mut tmp = None;
    if memory.is_some() && !args.resume {
        tmp = Some(spill_parent(args.tmp_dir.as_deref(), &args.out, cancel)?);
    }
    let spill_dir = LazySpillDir::new(tmp.as_ref().map_or(Path::new("."), |t| t.path()));
    let resumable = match key.zip(work_path) {
        Some((key, path)) => {
            let dir = WorkDir::open(path)?;
            work = Some(dir.clone());
            Some((dir, key))
        }
        None => None,
    };
    let quiet = args.run.quiet;
    let run = match (config, resumable) {
        (Config::Reprint(config), Some((dir, key))) => {
            run_reprint_resumable(config, dir, &key, &feed, &mut timings, quiet)?
        }
        (Config::Reprint(config), None) => {
            run_reprint(ReprintFinder::with_spill_dir(config, spill_dir), &feed, &mut timings)?
        }
        (Config::MinHash(config), Some((dir, key))) => {
            run_resumable(config, dir, &key, &feed, &mut timings, quiet)?
        }
        (Config::MinHash(config), None) => run_minhash(config, spill_dir, &feed, &mut timings)?,
    };
    let id = |d: DocId| run.catalog.id(d);
    rundir::write_dedup(&out, &run.result, id)?;
    if let Some(extra) = &run.reprint {
        rundir::write_reprint(&out, &extra.passages, &extra.boilerplate, id)?;
    }
    let deduped = match &deduped_path {
        Some(path) => {
            cancel.check()?;
            let kept: KeptRecords = (0..run.catalog.len() as u32)
                .map(DocId::from_u32)
                .filter(|&d| run.result.clustering.is_representative(d))
                .map(|d| run.catalog.origin(d))
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
            Some(DedupedOutput {
                path: shown.display().to_string(),
                records: stats.records,
                bytes: Some(stats.bytes),
                format: None,
            })
        }
        None => None,
    };
    timings.stop("write");
    let mut summary = Summary::new("dedup");
    summary.set_mode(mode);
    summary.inputs = Some(input::input_paths(&args.input));
    summary.read_options = Some((&opts).into());
    summary.params = Some(run.params.clone());
    summary.documents = Some(Documents::Read(run.read.clone()));
    summary.set_clusters(&ClusterCounts::of(&run.result));
    summary.passages = Some(run.reprint.as_ref().map(|r| r.passages.len()));
    summary.boilerplate_bytes = Some(run.reprint.as_ref().map(|r| r.boilerplate_bytes));
    summary.deduped_output = Some(deduped);
    summary.timings_ms = Some(timings.to_map());
    summary.threads = Some(rayon::current_num_threads());
    output::commit_run(out, &mut summary)?;
    if let Some(work) = work {
        work.remove()?;
    }
    let stats = &run.result.stats;
    if !args.run.quiet {
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
    /// The documents' ids and origins, shared with the finished pipeline.
    pub catalog: Catalog,
    pub result: DedupResult,
    pub reprint: Option<ReprintOutputs>,
    pub read: ReadReport,
    pub params: serde_json::Value,
}

/// Where temporary files go: `--tmp-dir`, else beside `--out`.
fn temporary_parent(tmp_dir: Option<&Path>, out: &Path) -> PathBuf {
    match tmp_dir {
        Some(dir) => dir.to_owned(),
        None => match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        },
    }
}

/// Under `--memory-mb`, states the temporary space the run is estimated to
/// need and refuses to start when the temporary directory's file system
/// has less free (unless `--no-space-check`). A resumed run's work
/// directory, `work`, already holds part of it.
fn check_temp_space(space: TempSpace, args: &Args, work: Option<&Path>) -> anyhow::Result<()> {
    let quiet = args.run.quiet;
    let estimate = match space {
        TempSpace::None => return Ok(()),
        TempSpace::Unknown => {
            if !quiet {
                eprintln!(
                    "syndic: temporary space: not estimated (the size of standard input is not \
                     known until it is read)"
                );
            }
            return Ok(());
        }
        TempSpace::About(estimate) => estimate,
    };
    let parent = temporary_parent(args.tmp_dir.as_deref(), &args.out);
    let free = free_space(&parent).map(|free| free.saturating_add(work.map_or(0, bytes_in)));
    if !quiet {
        let free =
            free.map_or_else(|| "free space unknown".to_owned(), |f| format!("{} free", Size(f)));
        eprintln!(
            "syndic: temporary space: about {} in {} ({free})",
            Size(estimate.peak),
            parent.display()
        );
    }
    match free {
        Some(free) if !args.no_space_check => {
            Ok(estimate.check(&parent, free).map_err(syndic::Error::from)?)
        }
        _ => Ok(()),
    }
}

/// Free bytes of the file system holding `dir`. Tests make it look full
/// with `SYNDIC_TEST_FREE_BYTES`: no test can fill a real disk.
fn free_space(dir: &Path) -> Option<u64> {
    match std::env::var("SYNDIC_TEST_FREE_BYTES") {
        Ok(bytes) => bytes.parse().ok(),
        Err(_) => syndic::spill::free_space(dir),
    }
}

/// A directory of this run's own inside `--tmp-dir` (or beside `--out`),
/// removed when it drops and, should a second Ctrl-C exit at once, by the
/// handler.
fn spill_parent(
    tmp_dir: Option<&Path>,
    out: &Path,
    cancel: &Cancel,
) -> anyhow::Result<tempfile::TempDir> {
    let parent = temporary_parent(tmp_dir, out);
    let dir = tempfile::Builder::new()
        .prefix(".syndic-tmp-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot make a temporary directory in {}", parent.display()))?;
    cancel.remove_on_exit(dir.path());
    Ok(dir)
}

/// One bar per pass over spilled runs, over its records.
fn spill_progress(bars: Bars) -> Progress {
    let current: Mutex<Option<(&'static str, ProgressBar)>> = Mutex::new(None);
    Progress(Arc::new(move |pass, done, total| {
        let mut current = current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|(name, _)| *name != pass) {
            if let Some((_, bar)) = current.take() {
                bar.finish_and_clear();
            }
            let label = if pass == "verify" { pass.to_owned() } else { format!("merge {pass}") };
            *current = Some((pass, bars.items(&label, total)));
        }
        let (_, bar) = current.as_ref().expect("set above");
        bar.set_position(done);
        if done == total {
            bar.finish_and_clear();
        }
    }))
}

fn run_minhash(
    config: DedupConfig,
    spill_dir: LazySpillDir,
    feed: &Feed<'_>,
    timings: &mut Timings,
) -> anyhow::Result<Run> {
    let params = config.to_json();
    let mut deduper = Deduper::with_spill_dir(config, spill_dir)?;
    deduper.set_progress(spill_progress(*feed.bars));
    let names =
        PassNames { first: ("sketch", "read_and_sketch"), second: ("verify", "shingle_sets") };
    let read = input::drive(&mut deduper, names, feed, Some(timings))?;
    let catalog = deduper.catalog().clone();
    let result = deduper.finish()?;
    timings.stop("verify_and_cluster");
    Ok(Run { catalog, result, reprint: None, read, params })
}

/// What names a resumable run: this syndic, its inputs (canonical path,
/// size and modification time of each, so that a changed input starts the
/// run over), how they are read and the settings of its mode (`params`).
/// The memory bounds and the thread count are left out: results do not
/// depend on them, so a run killed for want of memory may resume under
/// another bound.
fn resume_key(
    inputs: &Inputs,
    opts: &ReadOptions,
    params: &serde_json::Value,
) -> anyhow::Result<Vec<u8>> {
    let mut files = Vec::with_capacity(inputs.len());
    for input in inputs.iter() {
        if input.path.as_os_str() == "-" {
            bail!("--resume cannot resume standard input, which is gone once read");
        }
        let path = std::fs::canonicalize(&input.path)
            .with_context(|| format!("cannot resolve {}", input.path.display()))?;
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .with_context(|| format!("cannot read the modification time of {}", path.display()))?;
        let modified_ns =
            modified.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        files.push(serde_json::json!({
            "path": path.display().to_string(),
            "size": input.size(),
            "modified_ns": modified_ns.to_string(),
        }));
    }
    let read: syndic::rundir::RecordedReadOptions = opts.into();
    let key = serde_json::json!({
        "syndic": env!("CARGO_PKG_VERSION"),
        "inputs": files,
        "read": read,
        "settings": params,
    });
    Ok(key.to_string().into_bytes())
}

/// [`run_minhash`] in a work directory: pass 1 is checkpointed, or skipped
/// when a checkpoint of the same run is there.
fn run_resumable(
    config: DedupConfig,
    work: WorkDir,
    key: &[u8],
    feed: &Feed<'_>,
    timings: &mut Timings,
    quiet: bool,
) -> anyhow::Result<Run> {
    let params = config.to_json();
    let shown = work.path().display().to_string();
    let start = Deduper::resumable(config, work, key).map_err(|e| refused(e, &shown))?;
    let names =
        PassNames { first: ("sketch", "read_and_sketch"), second: ("verify", "shingle_sets") };
    let bars = *feed.bars;
    let (mut deduper, read) = past_first_pass(start, &names, feed, timings, quiet, &shown, |d| {
        d.set_progress(spill_progress(bars))
    })?;
    input::later_passes(&mut deduper, &names, feed, Some(timings))?;
    let catalog = deduper.catalog().clone();
    let result = deduper.finish()?;
    timings.stop("verify_and_cluster");
    Ok(Run { catalog, result, reprint: None, read, params })
}

/// A resumable stage past its first pass: read and checkpointed, or
/// resumed from its checkpoint; with what the first pass read. `prepare`
/// readies the stage for the passes it still runs.
fn past_first_pass<S: Checkpointed>(
    start: Resume<S>,
    names: &PassNames,
    feed: &Feed<'_>,
    timings: &mut Timings,
    quiet: bool,
    work: &str,
    prepare: impl Fn(&mut S),
) -> anyhow::Result<(S, ReadReport)> {
    match start {
        Resume::Fresh(mut stage) => {
            prepare(&mut stage);
            let read = input::first_pass(&mut stage, names, feed, Some(timings))?;
            stage.checkpoint(&serde_json::to_vec(&read)?)?;
            abort_after_checkpoint();
            Ok((stage, read))
        }
        Resume::AfterPass1 { run: mut stage, note } => {
            resuming(quiet, work);
            prepare(&mut stage);
            Ok((stage, first_pass_record(&note, work)?))
        }
    }
}

/// A checkpoint refused, with what to do about it.
fn refused(e: syndic::Error, work: &str) -> anyhow::Error {
    match e {
        syndic::Error::Spill(SpillError::Checkpoint { .. }) => anyhow::Error::new(e)
            .context(format!("remove {work} to start the run over, or run without --resume")),
        e => e.into(),
    }
}

/// Test-only: dies as a kill would (no destructor runs), once the
/// checkpoint after the first pass is written.
fn abort_after_checkpoint() {
    if std::env::var_os("SYNDIC_TEST_ABORT_AFTER_CHECKPOINT").is_some() {
        std::process::abort();
    }
}

fn resuming(quiet: bool, work: &str) {
    if !quiet {
        eprintln!("syndic: resuming after the first pass, from {work}");
    }
}

/// What the first pass read, as a checkpoint's note records it.
fn first_pass_record(note: &[u8], work: &str) -> anyhow::Result<ReadReport> {
    serde_json::from_slice(note)
        .with_context(|| format!("cannot read the record of the first pass in {work}"))
}

/// [`run_reprint`] in a work directory: pass 1 is checkpointed, or skipped
/// when a checkpoint of the same run is there.
fn run_reprint_resumable(
    config: ReprintConfig,
    work: WorkDir,
    key: &[u8],
    feed: &Feed<'_>,
    timings: &mut Timings,
    quiet: bool,
) -> anyhow::Result<Run> {
    let params = config.to_json();
    let shown = work.path().display().to_string();
    let start = ReprintFinder::resumable(config, work, key).map_err(|e| refused(e, &shown))?;
    let names = REPRINT_PASSES;
    let (mut finder, read) =
        past_first_pass(start, &names, feed, timings, quiet, &shown, |_: &mut ReprintFinder| {})?;
    input::later_passes(&mut finder, &names, feed, Some(timings))?;
    finish_reprint(finder, read, params, timings)
}

/// The passes of the reprint mode, as progress bars and timings name them.
const REPRINT_PASSES: PassNames = PassNames {
    first: ("fingerprint", "read_and_fingerprint"),
    second: ("align", "boilerplate_and_align"),
};

pub fn run_reprint(
    mut finder: ReprintFinder,
    feed: &Feed<'_>,
    timings: &mut Timings,
) -> anyhow::Result<Run> {
    let params = finder.config().to_json();
    let read = input::drive(&mut finder, REPRINT_PASSES, feed, Some(timings))?;
    finish_reprint(finder, read, params, timings)
}

fn finish_reprint(
    finder: ReprintFinder,
    read: ReadReport,
    params: serde_json::Value,
    timings: &mut Timings,
) -> anyhow::Result<Run> {
    let catalog = finder.catalog().clone();
    let ReprintResult { dedup, passages, boilerplate, boilerplate_bytes } = finder.finish()?;
    timings.stop("cluster");
    let reprint = ReprintOutputs { passages, boilerplate, boilerplate_bytes };
    Ok(Run { catalog, result: dedup, reprint: Some(reprint), read, params })
}
