//! `syndic passages`: every shared passage between documents, with
//! boilerplate labelled.

use std::path::PathBuf;

use syndic::cluster::Keep;
use syndic::settings::ReprintSettings;
use syndic::write::OutputDir;
use syndic::DocId;

use super::dedup::run_reprint;
use super::flags::SettingsFlags;
use super::input::{self, InputArgs};
use super::output;
use crate::progress::{Bars, Cancel, Timings};

/// Flags of `syndic passages`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory (passages.jsonl, boilerplate.jsonl, summary.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite an existing output directory.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub reprint: SettingsFlags<ReprintSettings>,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.threads)?;
    let config = args.reprint.settings.config(Keep::Longest)?;
    let bars = Bars::new(args.quiet);
    let (inputs, opts) = args.input.resolve(cancel)?;
    let out = OutputDir::create(&args.out, &output::overwrite(args.force, &args.input.inputs))?;
    let mut timings = Timings::default();
    timings.start();
    let run = run_reprint(config, &inputs, &opts, &bars, cancel, &mut timings)?;
    let extra = run.reprint.as_ref().expect("reprint runs have passages");
    let id = |d: DocId| run.ids[d.as_usize()].as_str();
    out.write_jsonl("passages.jsonl", output::passage_lines(&extra.passages, id))?;
    out.write_jsonl("boilerplate.jsonl", output::boilerplate_lines(&extra.boilerplate, id))?;
    timings.stop("write");
    let content_passages = extra.passages.iter().filter(|p| !p.boilerplate).count();
    let summary = serde_json::json!({
        "syndic_version": env!("CARGO_PKG_VERSION"),
        "command": "passages",
        "mode": "reprint",
        "inputs": input::input_paths(&args.input),
        "read_options": input::read_options_json(&opts),
        "params": run.params,
        "documents": run.read,
        "candidate_pairs": run.result.stats.candidate_pairs,
        "passages": extra.passages.len(),
        "content_passages": content_passages,
        "boilerplate_passages": extra.passages.len() - content_passages,
        "passage_words": extra.passages.iter().map(|p| p.words).sum::<usize>(),
        "documents_with_boilerplate": extra.boilerplate.len(),
        "boilerplate_bytes": extra.boilerplate_bytes,
        "timings_ms": timings.to_json(),
        "peak_rss_bytes": input::peak_rss_bytes(),
        "threads": rayon::current_num_threads(),
    });
    output::write_summary(&out, &summary)?;
    out.commit()?;
    if !args.quiet {
        eprintln!(
            "syndic: {} documents, {} shared passages ({} in boilerplate), written to {}",
            run.ids.len(),
            extra.passages.len(),
            extra.passages.len() - content_passages,
            args.out.display()
        );
    }
    Ok(())
}
