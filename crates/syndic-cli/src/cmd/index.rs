//! `syndic index`: build, grow, inspect and export a persistent index.
//!
//! `create` takes the parameters of `syndic dedup` (with `--mode reprint`,
//! its reprint settings) and, with `--from`, a corpus; `add` deduplicates new documents against everything
//! indexed and writes `clusters.jsonl`, `pairs.jsonl` and `summary.json`
//! for them; `export` writes the same files for the whole index, identical
//! to what `syndic dedup` writes for the same documents in the same order.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use syndic::dedup::Mode;
use syndic::index::{AddOutcome, Index, StagedIndex};
use syndic::read::ReadOptions;
use syndic::rundir::{self, ClusterLine, Documents, PairLine, Summary};
use syndic::settings::{DedupSettings, MinHashSettings, ReprintSettings, StoriesSettings};
use syndic::stories::Day;
use syndic::write::OutputDir;
use syndic::DocId;

use super::flags::{RunFlags, SettingsFlags};
use super::input::{self, InputArgs};
use super::output;
use super::stories::read_days;
use crate::progress::{Bars, Cancel};

/// Flags of `syndic index`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Create an index, empty or from a corpus.
    Create(Box<CreateArgs>),
    /// Deduplicate new documents against the index and add them.
    Add(AddArgs),
    /// Print the index's counts and parameters as JSON.
    Stats(StatsArgs),
    /// Write clusters.jsonl, pairs.jsonl and summary.json for the whole index.
    Export(ExportArgs),
}

/// Flags of `syndic index create`.
#[derive(clap::Args, Debug)]
struct CreateArgs {
    /// The index directory (created; must not hold an index yet).
    index: PathBuf,
    /// Corpus to index first: the inputs `syndic dedup` takes.
    #[arg(long = "from", value_name = "INPUT", num_args = 1..)]
    from: Vec<PathBuf>,
    #[command(flatten)]
    read: SettingsFlags<ReadOptions>,
    #[command(flatten)]
    dedup: SettingsFlags<DedupSettings>,
    #[command(flatten)]
    minhash: SettingsFlags<MinHashSettings>,
    #[command(flatten)]
    reprint: SettingsFlags<ReprintSettings>,
    /// Also tell each document added which story it belongs to (with
    /// --mode reprint; the story settings below, dates from --date-field).
    #[arg(long)]
    stories: bool,
    #[command(flatten)]
    story: SettingsFlags<StoriesSettings>,
    /// Also write clusters.jsonl, pairs.jsonl and summary.json of the corpus here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite an existing --out.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    run: RunFlags,
}

/// Flags of `syndic index add`.
#[derive(clap::Args, Debug)]
struct AddArgs {
    /// The index directory.
    index: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Where to write clusters.jsonl, pairs.jsonl and summary.json for the new documents.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite an existing --out.
    #[arg(long)]
    force: bool,
    /// Pass over documents whose id is indexed already (counted as
    /// `already_indexed` in summary.json) instead of stopping: running an
    /// interrupted add again then adds the rest.
    #[arg(long)]
    skip_existing: bool,
    #[command(flatten)]
    run: RunFlags,
}

/// Flags of `syndic index stats`.
#[derive(clap::Args, Debug)]
struct StatsArgs {
    /// The index directory.
    index: PathBuf,
}

/// Flags of `syndic index export`.
#[derive(clap::Args, Debug)]
struct ExportArgs {
    /// The index directory.
    index: PathBuf,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite an existing output.
    #[arg(long)]
    force: bool,
}

impl Args {
    /// The mode of `index create`; `None` for the other subcommands.
    pub fn create_mode(&self) -> Option<Mode> {
        match &self.command {
            Command::Create(create) => Some(create.dedup.settings.mode),
            _ => None,
        }
    }

    /// Whether `index create` was given `--stories`.
    pub fn creates_stories(&self) -> bool {
        matches!(&self.command, Command::Create(create) if create.stories)
    }
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    match args.command {
        Command::Create(args) => create(*args, cancel),
        Command::Add(args) => add(args, cancel),
        Command::Stats(args) => stats(&args.index),
        Command::Export(args) => export(args),
    }
}

/// What one pass of adds did.
#[derive(Default)]
struct Added {
    read: input::ReadReport,
    added: u64,
    /// Documents whose id was indexed already, passed over.
    already_indexed: u64,
}

/// How to add a corpus.
struct Adding<'a> {
    /// Pass over ids indexed already instead of stopping at the first.
    skip_existing: bool,
    bars: Bars,
    cancel: &'a Cancel,
}

/// What was committed before an add stopped: it stays in the index.
struct Stopped {
    added: u64,
    last: Option<String>,
}

/// Streams `inputs` into the index, one transaction per batch. A document
/// whose id is already indexed stops the run unless `skip_existing`. Every
/// batch checks for Ctrl-C before its transaction, so an interrupted run
/// commits nothing after the batch in flight; on any error the caller
/// learns what was committed before it.
fn add_inputs(
    index: &Index,
    input_args: &InputArgs,
    adding: &Adding,
) -> Result<Added, (anyhow::Error, Stopped)> {
    let mut stopped = Stopped { added: 0, last: None };
    let mut already_indexed = 0;
    let resolved = input_args.resolve(adding.cancel);
    let (inputs, opts) = match resolved {
        Ok(resolved) => resolved,
        Err(err) => return Err((err, stopped)),
    };
    // An index with stories compares documents by their days: the corpus
    // read once more with the date field as the text, as `syndic stories`
    // reads it.
    let date_field = index.stories_settings().and_then(|s| s.date_field.clone());
    let days = match &date_field {
        Some(_) if input_args.inputs.iter().any(|i| i.as_os_str() == "-") => {
            let err = anyhow::anyhow!(
                "the index reads dates from a second reading of the input: give files, not `-`"
            );
            return Err((err, stopped));
        }
        Some(field) => match read_days(&inputs, &opts, field, &adding.bars, adding.cancel) {
            Ok(days) => days,
            Err(err) => return Err((err, stopped)),
        },
        None => HashMap::new(),
    };
    let read =
        input::for_each_batch(&inputs, &opts, &adding.bars, "index", adding.cancel, |batch| {
            if !adding.skip_existing {
                for doc in batch {
                    if index.contains(&doc.id)? {
                        bail!(
                        "document `{}` is already in the index {} (--skip-existing passes over \
                         ids indexed already, e.g. to finish an interrupted add)",
                        doc.id,
                        index.path().display()
                    );
                    }
                }
            }
            let batch_days: Vec<Option<Day>> =
                batch.iter().map(|d| days.get(&d.id).copied()).collect();
            for (doc, outcome) in batch.iter().zip(index.add_batch_dated(batch, &batch_days)?) {
                match outcome {
                    AddOutcome::Added(_) => {
                        stopped.added += 1;
                        stopped.last = Some(doc.id.clone());
                    }
                    AddOutcome::DuplicateId(_) => already_indexed += 1,
                }
            }
            Ok(())
        });
    match read {
        Ok(read) => Ok(Added { read, added: stopped.added, already_indexed }),
        Err(err) => Err((err, stopped)),
    }
}

fn create(args: CreateArgs, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    let dedup = &args.dedup.settings;
    let (mode, keep) = (dedup.mode, dedup.keep);
    // Checked before anything is written.
    dedup.check_for_index()?;
    let config = match mode {
        Mode::Reprint => {
            args.reprint.settings.config(keep)?;
            None
        }
        _ => Some(args.minhash.settings.config(dedup)?),
    };
    if args.stories && mode != Mode::Reprint {
        bail!("--stories needs --mode reprint (a reprint is the same story)");
    }
    let stories = args.stories.then(|| args.story.settings.clone());
    if let Some(stories) = &stories {
        stories.config()?;
    }
    let overwrite = output::overwrite(args.force, args.from.iter().chain([&args.index]));
    let out = args.out.as_ref().map(|path| OutputDir::create(path, &overwrite)).transpose()?;
    let started = Instant::now();
    // Built aside and moved into place whole: an interrupted build leaves
    // no index behind, so running the command again just works.
    let staged = match config {
        Some(config) => StagedIndex::create(&args.index, config)?,
        None => {
            StagedIndex::create_stories(&args.index, args.reprint.settings.clone(), stories, keep)?
        }
    };
    let added = if args.from.is_empty() {
        Added::default()
    } else {
        let input_args = InputArgs { inputs: args.from.clone(), read: args.read.clone() };
        let adding = Adding { skip_existing: false, bars: Bars::new(args.run.quiet), cancel };
        add_inputs(staged.index(), &input_args, &adding).map_err(|(err, _)| err)?
    };
    let index = staged.commit()?;
    if let Some(out) = out {
        let mut summary = index.write_export(&out, "index create")?;
        summary.elapsed_ms = Some(started.elapsed().as_millis() as u64);
        output::commit_run(out, &mut summary)?;
    }
    if !args.run.quiet {
        let stats = index.stats()?;
        eprintln!(
            "syndic: indexed {} documents ({} skipped) into {}: {} clusters, {} exact copies",
            added.added,
            added.read.skipped,
            args.index.display(),
            stats.clusters,
            stats.exact_duplicates
        );
    }
    Ok(())
}

fn add(args: AddArgs, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    let started = Instant::now();
    let index = Index::open(&args.index)?;
    let overwrite = output::overwrite(args.force, args.input.inputs.iter().chain([&args.index]));
    let out = OutputDir::create(&args.out, &overwrite)?;
    let first = index.stats()?.added;
    let adding = Adding {
        skip_existing: args.skip_existing || args.input.read.settings.skip_bad_records,
        bars: Bars::new(args.run.quiet),
        cancel,
    };
    let added = match add_inputs(&index, &args.input, &adding) {
        Ok(added) => added,
        Err((err, stopped)) => {
            // Committed batches stay committed: say exactly what they held.
            match stopped.last {
                Some(last) => eprintln!(
                    "syndic: {} documents of this run were added to {} before it stopped, the \
                     last `{last}`; they stay. Run the same command with --skip-existing to add \
                     the rest.",
                    stopped.added,
                    args.index.display()
                ),
                None => eprintln!(
                    "syndic: no document of this run was added to {}",
                    args.index.display()
                ),
            }
            return Err(err);
        }
    };
    let export = index.export()?;
    let is_new = |d: DocId| u64::from(export.index_ids[d.as_usize()].as_u32()) >= first;
    let result = &export.result;
    let new_docs: Vec<DocId> =
        (0..export.ids.len() as u32).map(DocId::from_u32).filter(|&d| is_new(d)).collect();
    let id = |d: DocId| export.ids[d.as_usize()].as_str();
    let id_of: HashMap<&str, DocId> = export
        .ids
        .iter()
        .enumerate()
        .map(|(d, id)| (id.as_str(), DocId::from_u32(d as u32)))
        .collect();
    out.write_jsonl(
        rundir::CLUSTERS_FILE,
        new_docs.iter().map(|&d| ClusterLine::of(result, d, id(d))),
    )?;
    if let Some((stories, similarity)) = &export.stories {
        let lines = rundir::clustering_lines(stories, similarity, id);
        out.write_jsonl(rundir::STORIES_FILE, lines.filter(|l| is_new(id_of[l.id.as_ref()])))?;
    }
    let pairs = result.pairs.to_vec()?;
    let new_pairs = pairs.iter().filter(|p| is_new(p.b));
    out.write_jsonl(
        rundir::PAIRS_FILE,
        new_pairs.clone().map(|p| PairLine::of(p, id(p.a), id(p.b))),
    )?;
    let stats = index.stats()?;
    // Clusters are numbered by first member: the first document seen in
    // each is its first member.
    let mut first_member: Vec<Option<DocId>> = vec![None; result.clustering.num_clusters()];
    for d in (0..export.ids.len() as u32).map(DocId::from_u32) {
        first_member[result.clustering.cluster_of(d).as_usize()].get_or_insert(d);
    }
    let joined_existing = new_docs
        .iter()
        .filter(|&&d| {
            first_member[result.clustering.cluster_of(d).as_usize()].is_some_and(|f| !is_new(f))
        })
        .count();
    let mut summary = Summary::new("index add");
    summary.index = Some(args.index.display().to_string());
    summary.inputs = Some(input::input_paths(&args.input));
    summary.params = Some(index.params_json());
    summary.documents = Some(Documents::Count(added.read.read));
    summary.added = Some(added.added);
    summary.already_indexed = Some(added.already_indexed);
    summary.skipped = Some(added.read.skipped);
    summary.skipped_by_kind = Some(added.read.skipped_by_kind.clone());
    summary.new_pairs = Some(new_pairs.count());
    summary.joined_existing_clusters = Some(joined_existing);
    summary.index_stats = Some(serde_json::to_value(&stats).context("index stats serialize")?);
    summary.elapsed_ms = Some(started.elapsed().as_millis() as u64);
    output::commit_run(out, &mut summary)?;
    if !args.run.quiet {
        eprintln!(
            "syndic: added {} documents to {} ({} joined existing clusters); index now {} documents, {} clusters",
            added.added,
            args.index.display(),
            joined_existing,
            stats.documents,
            stats.clusters
        );
    }
    Ok(())
}

fn stats(path: &Path) -> anyhow::Result<()> {
    let index = Index::open(path)?;
    let json = serde_json::json!({
        "index": path.display().to_string(),
        "stats": index.stats()?,
        "params": index.params_json(),
    });
    let text = serde_json::to_string_pretty(&json).context("stats serialize")?;
    // Not println!, which panics when the reader went away (`| head`).
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let index = Index::open(&args.index)?;
    let overwrite = output::overwrite(args.force, [&args.index]);
    let out = OutputDir::create(&args.out, &overwrite)?;
    let mut summary = index.write_export(&out, "index export")?;
    summary.elapsed_ms = Some(started.elapsed().as_millis() as u64);
    output::commit_run(out, &mut summary)?;
    Ok(())
}
