//! `syndic index`: build, grow, inspect and export a persistent index.
//!
//! `create` takes the sketch parameters of `syndic dedup` and, with
//! `--from`, a corpus; `add` deduplicates new documents against everything
//! indexed and writes `clusters.jsonl`, `pairs.jsonl` and `summary.json`
//! for them; `export` writes the same files for the whole index, identical
//! to what `syndic dedup` writes for the same documents in the same order.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use syndic::cluster::Keep;
use syndic::dedup::Mode;
use syndic::index::{AddOutcome, Export, Index};
use syndic::read::Format;
use syndic::write::{write_jsonl, OutputDir};
use syndic::DocId;

use super::dedup::MinHashArgs;
use super::input::{self, InputArgs};
use super::output::{self, ClusterLine, PairLine};
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
    Create(CreateArgs),
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
    read: ReadFlags,
    /// exact: same normalized text; minhash: Jaccard similarity of word n-grams.
    #[arg(long, default_value = "minhash")]
    mode: Mode,
    #[command(flatten)]
    minhash: MinHashArgs,
    /// Which member represents each cluster.
    #[arg(long, default_value = "longest")]
    keep: Keep,
    /// Also write clusters.jsonl, pairs.jsonl and summary.json of the corpus here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite an existing --out.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    run: RunFlags,
}

/// How `--from` inputs are read (as `syndic dedup` reads its inputs).
#[derive(clap::Args, Debug)]
struct ReadFlags {
    /// Read inputs as this format: text, jsonl, parquet, warc, wet.
    #[arg(long)]
    format: Option<Format>,
    /// Field holding the document id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// Field holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// Largest document accepted, in bytes.
    #[arg(long, default_value_t = 64 << 20)]
    max_doc_bytes: u64,
    /// Count bad records (and ids already indexed) and go on instead of stopping.
    #[arg(long)]
    skip_bad_records: bool,
}

/// Threads and progress.
#[derive(clap::Args, Debug)]
struct RunFlags {
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
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

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    match args.command {
        Command::Create(args) => create(args, cancel),
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
    duplicate_ids: u64,
}

/// Streams `inputs` into the index, one transaction per batch. A document
/// whose id is already indexed stops the run (earlier batches stay
/// committed) unless bad records are skipped, where it is counted.
fn add_inputs(
    index: &Index,
    input_args: &InputArgs,
    bars: &Bars,
    cancel: &Cancel,
) -> anyhow::Result<Added> {
    let (inputs, opts) = input_args.resolve()?;
    let (mut added, mut duplicate_ids) = (0, 0);
    let read = input::for_each_batch(&inputs, &opts, bars, "index", cancel, |batch| {
        if !opts.skip_bad_records {
            for doc in batch {
                if index.contains(&doc.id)? {
                    bail!(
                        "document `{}` is already in the index {} ({added} documents of this run \
                         were added before it and stay added; use --skip-bad-records to pass over \
                         known ids)",
                        doc.id,
                        index.path().display(),
                    );
                }
            }
        }
        for outcome in index.add_batch(batch)? {
            match outcome {
                AddOutcome::Added(_) => added += 1,
                AddOutcome::DuplicateId(_) => duplicate_ids += 1,
            }
        }
        Ok(())
    })?;
    Ok(Added { read, added, duplicate_ids })
}

fn create(args: CreateArgs, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    let config = args.minhash.config(args.mode, args.keep)?;
    let out = args.out.as_ref().map(|path| OutputDir::create(path, args.force)).transpose()?;
    let started = Instant::now();
    let index = Index::create(&args.index, config)?;
    let built = if args.from.is_empty() {
        Ok(Added::default())
    } else {
        let input_args = InputArgs {
            inputs: args.from.clone(),
            format: args.read.format,
            id_field: args.read.id_field.clone(),
            text_field: args.read.text_field.clone(),
            site_field: None,
            max_doc_bytes: args.read.max_doc_bytes,
            skip_bad_records: args.read.skip_bad_records,
        };
        add_inputs(&index, &input_args, &Bars::new(args.run.quiet), cancel)
    };
    let added = match built {
        Ok(added) => added,
        Err(err) => {
            // A half-built index is worse than none: this run created it,
            // so this run removes it.
            drop(index);
            let _ = std::fs::remove_file(args.index.join(syndic::index::INDEX_FILE));
            let _ = std::fs::remove_dir(&args.index);
            return Err(err);
        }
    };
    if let Some(out) = out {
        let export = index.export()?;
        write_export(&out, &export, &index, "index create", started)?;
        out.commit()?;
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
    let out = OutputDir::create(&args.out, args.force)?;
    let first = index.stats()?.added;
    let added = add_inputs(&index, &args.input, &Bars::new(args.run.quiet), cancel)?;
    let export = index.export()?;
    let is_new = |d: DocId| u64::from(export.index_ids[d.as_usize()].as_u32()) >= first;
    let result = &export.result;
    let new_docs: Vec<DocId> =
        (0..export.ids.len() as u32).map(DocId::from_u32).filter(|&d| is_new(d)).collect();
    write_jsonl(
        &out.path_of("clusters.jsonl"),
        false,
        new_docs.iter().map(|&d| cluster_line(&export, d)),
    )?;
    let new_pairs = result.pairs.iter().filter(|p| is_new(p.b));
    write_jsonl(
        &out.path_of("pairs.jsonl"),
        false,
        new_pairs.clone().map(|p| PairLine {
            a: &export.ids[p.a.as_usize()],
            b: &export.ids[p.b.as_usize()],
            similarity: output::round(p.similarity),
            kind: p.kind,
            coverage: None,
        }),
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
    let summary = serde_json::json!({
        "syndic_version": env!("CARGO_PKG_VERSION"),
        "command": "index add",
        "index": args.index.display().to_string(),
        "inputs": input::input_paths(&args.input),
        "params": index.config().to_json(),
        "documents": added.read.read,
        "added": added.added,
        "duplicate_ids": added.duplicate_ids,
        "skipped": added.read.skipped,
        "skipped_by_kind": added.read.skipped_by_kind,
        "new_pairs": new_pairs.count(),
        "joined_existing_clusters": joined_existing,
        "index_stats": stats,
        "elapsed_ms": started.elapsed().as_millis() as u64,
        "peak_rss_bytes": input::peak_rss_bytes(),
    });
    output::write_summary(&out, &summary)?;
    out.commit()?;
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

fn cluster_line(export: &Export, d: DocId) -> ClusterLine<'_> {
    let c = &export.result.clustering;
    ClusterLine {
        id: &export.ids[d.as_usize()],
        cluster: c.cluster_of(d).as_u32(),
        representative: c.is_representative(d),
        similarity: output::round(export.result.similarity[d.as_usize()]),
    }
}

fn stats(path: &Path) -> anyhow::Result<()> {
    let index = Index::open(path)?;
    let json = serde_json::json!({
        "index": path.display().to_string(),
        "stats": index.stats()?,
        "params": index.config().to_json(),
    });
    println!("{}", serde_json::to_string_pretty(&json).context("stats serialize")?);
    Ok(())
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let index = Index::open(&args.index)?;
    let out = OutputDir::create(&args.out, args.force)?;
    let export = index.export()?;
    write_export(&out, &export, &index, "index export", started)?;
    out.commit()?;
    Ok(())
}

/// The files `syndic dedup` writes, for a whole index.
fn write_export(
    out: &OutputDir,
    export: &Export,
    index: &Index,
    command: &str,
    started: Instant,
) -> anyhow::Result<()> {
    let id = |d: DocId| export.ids[d.as_usize()].as_str();
    let result = &export.result;
    write_jsonl(&out.path_of("clusters.jsonl"), false, output::cluster_lines(result, id))?;
    write_jsonl(&out.path_of("pairs.jsonl"), false, output::pair_lines(result, id))?;
    let stats = &result.stats;
    let summary = serde_json::json!({
        "syndic_version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "index": index.path().display().to_string(),
        "mode": index.config().mode(),
        "params": index.config().to_json(),
        "documents": stats.documents,
        "exact_duplicates": stats.exact_duplicates,
        "near_duplicates": stats.near_duplicates,
        "clusters": stats.clusters,
        "duplicates_removed": stats.duplicates_removed,
        "candidate_pairs": stats.candidate_pairs,
        "verified_pairs": stats.verified_pairs,
        "cluster_size_histogram": output::size_histogram(result),
        "similarity_histogram": output::similarity_histogram(result),
        "elapsed_ms": started.elapsed().as_millis() as u64,
        "peak_rss_bytes": input::peak_rss_bytes(),
    });
    output::write_summary(out, &summary)?;
    Ok(())
}
