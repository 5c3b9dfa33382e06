//! `syndic dedup`: exact, near-duplicate and reprint clusters.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use syndic::cluster::Keep;
use syndic::dedup::{DedupConfig, DedupResult, Deduper, Mode};
use syndic::fingerprint::FingerprintConfig;
use syndic::read::{Inputs, ReadOptions};
use syndic::reprint::{ReprintConfig, ReprintFinder, ReprintResult};
use syndic::sketch::SketchMethod;
use syndic::verify::VerifyMethod;
use syndic::write::{write_deduped, write_jsonl, KeptRecords, OutputDir};
use syndic::{DocId, Origin};

use super::input::{self, InputArgs, PassNames, ReadReport};
use super::output;
use crate::progress::{Bars, Cancel};

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

/// MinHash settings.
#[derive(clap::Args, Debug, Clone)]
pub struct MinHashArgs {
    /// Jaccard similarity at or above which two documents are near-duplicates.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// MinHash signature length.
    #[arg(long, default_value_t = 128)]
    pub num_perm: usize,
    /// Words per shingle.
    #[arg(long, default_value_t = 5)]
    pub ngram: usize,
    /// Characters per shingle for scripts written without spaces.
    #[arg(long, default_value_t = 5)]
    pub char_ngram: usize,
    /// LSH bands (with --rows; default: optimal for --threshold).
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,
    /// Weight of false positives when deriving bands and rows from
    /// --threshold (candidates are verified, so misses weigh more).
    #[arg(long, default_value_t = 0.2)]
    pub fp_weight: f64,
    /// Weight of false negatives when deriving bands and rows.
    #[arg(long, default_value_t = 0.8)]
    pub fn_weight: f64,
    /// Signature method: one-permutation or multiply-shift.
    #[arg(long, default_value = "one-permutation")]
    pub sketch: SketchMethod,
    /// Verification of candidates: exact (Jaccard of shingle sets, a second
    /// pass) or signature (MinHash estimate, no second pass).
    #[arg(long, default_value = "exact")]
    pub verify: VerifyMethod,
    /// Hash seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Memory (MiB) for shingle sets kept from the first pass for exact
    /// verification; larger corpora are read a second time instead.
    #[arg(long, default_value_t = 1024)]
    pub verify_memory_mb: usize,
}

/// Reprint and passage settings.
#[derive(clap::Args, Debug, Clone)]
pub struct ReprintArgs {
    /// Shortest shared passage, in words.
    #[arg(long, default_value_t = 25)]
    pub min_passage_words: usize,
    /// Share of the shorter document's own text (boilerplate excluded) that
    /// shared passages must cover for a reprint.
    #[arg(long, default_value_t = 0.5)]
    pub min_coverage: f64,
    /// Share of the longer document's own text they must cover.
    #[arg(long, default_value_t = 0.2)]
    pub min_longer_coverage: f64,
    /// A line recurring in this many documents is boilerplate (0: off).
    #[arg(long, default_value_t = 20)]
    pub boilerplate_min_docs: usize,
    /// A line recurring in this many pages of one site is boilerplate
    /// (needs --site-field; 0: off).
    #[arg(long, default_value_t = 3)]
    pub boilerplate_min_site_docs: usize,
    /// Passage fingerprints found in more documents make no candidate pairs.
    #[arg(long, default_value_t = 100)]
    pub max_df: usize,
    /// Memory (MiB) for the documents held while candidate pairs are
    /// aligned; when they need more, the input is read once more per window
    /// of documents that fits. Results do not depend on it.
    #[arg(long, default_value_t = 2048)]
    pub align_memory_mb: u64,
}

impl MinHashArgs {
    pub fn config(&self, mode: Mode, keep: Keep) -> syndic::Result<DedupConfig> {
        let mut builder = DedupConfig::builder()
            .mode(mode)
            .threshold(self.threshold)
            .num_perm(self.num_perm)
            .ngram(self.ngram)
            .char_ngram(self.char_ngram)
            .sketch(self.sketch)
            .verify(self.verify)
            .seed(self.seed)
            .lsh_weights(self.fp_weight, self.fn_weight)
            .set_memory(self.verify_memory_mb << 20)
            .keep(keep);
        if let (Some(b), Some(r)) = (self.bands, self.rows) {
            builder = builder.bands_rows(b, r);
        }
        builder.build()
    }
}

impl ReprintArgs {
    pub fn config(&self, keep: Keep) -> syndic::Result<ReprintConfig> {
        ReprintConfig::builder()
            .min_passage_words(self.min_passage_words)
            .min_coverage(self.min_coverage)
            .min_longer_coverage(self.min_longer_coverage)
            .boilerplate_min_docs(self.boilerplate_min_docs)
            .boilerplate_min_site_docs(self.boilerplate_min_site_docs)
            .fingerprint(FingerprintConfig { max_df: self.max_df, ..FingerprintConfig::default() })
            .align_memory(self.align_memory_mb << 20)
            .keep(keep)
            .build()
    }
}

/// Wall time per stage, in milliseconds, in the order they ran.
#[derive(Default)]
pub struct Timings(Vec<(&'static str, u128)>, Option<Instant>);

impl Timings {
    pub fn start(&mut self) {
        self.1 = Some(Instant::now());
    }

    pub fn stop(&mut self, stage: &'static str) {
        let started = self.1.take().expect("stop after start");
        self.0.push((stage, started.elapsed().as_millis()));
        self.1 = Some(Instant::now());
    }

    pub fn to_json(&self) -> serde_json::Value {
        self.0.iter().map(|&(k, v)| (k.to_owned(), serde_json::Value::from(v as u64))).collect()
    }
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.threads)?;
    let bars = Bars::new(args.quiet);
    let (inputs, opts) = args.input.resolve()?;
    if let Some(path) = &args.write_deduped {
        if path.exists() && !args.force {
            return Err(syndic::Error::OutputExists { path: path.clone() }.into());
        }
    }
    let out = OutputDir::create(&args.out, args.force)?;
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
    write_jsonl(&out.path_of("clusters.jsonl"), false, output::cluster_lines(&run.result, id))?;
    write_jsonl(&out.path_of("pairs.jsonl"), false, output::pair_lines(&run.result, id))?;
    if let Some(extra) = &run.reprint {
        write_jsonl(
            &out.path_of("passages.jsonl"),
            false,
            output::passage_lines(&extra.passages, id),
        )?;
        write_jsonl(
            &out.path_of("boilerplate.jsonl"),
            false,
            output::boilerplate_lines(&extra.boilerplate, id),
        )?;
    }
    let deduped = match &args.write_deduped {
        Some(path) => {
            cancel.check()?;
            let kept: KeptRecords = (0..run.ids.len() as u32)
                .map(DocId::from_u32)
                .filter(|&d| run.result.clustering.is_representative(d))
                .map(|d| run.origins[d.as_usize()])
                .collect();
            let stats = write_deduped(&inputs, &opts, &kept, path, args.force)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Some(
                serde_json::json!({"path": path.display().to_string(), "records": stats.records, "bytes": stats.bytes}),
            )
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
    let mut deduper = Deduper::new(config);
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
