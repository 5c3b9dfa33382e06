//! `syndic passages`: every shared passage between documents, with
//! boilerplate labelled.

use std::path::PathBuf;

use syndic::cluster::Keep;
use syndic::dedup::Mode;
use syndic::rundir::{self, Documents, Summary};
use syndic::settings::ReprintSettings;
use syndic::write::OutputDir;
use syndic::DocId;

use super::dedup::run_reprint;
use super::flags::{RunFlags, SettingsFlags};
use super::input::{self, Feed, InputArgs};
use super::output;
use crate::progress::{Bars, Cancel, Timings};
use syndic::reprint::ReprintFinder;

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
    #[command(flatten)]
    pub run: RunFlags,
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    let config = args.reprint.settings.config(Keep::Longest)?;
    let bars = Bars::new(args.run.quiet);
    let (inputs, opts) = args.input.resolve(cancel)?;
    let out = OutputDir::create(&args.out, &output::overwrite(args.force, &args.input.inputs))?;
    let mut timings = Timings::default();
    timings.start();
    let feed = Feed { inputs: &inputs, opts: &opts, bars: &bars, cancel };
    let run = run_reprint(ReprintFinder::new(config), &feed, &mut timings)?;
    let extra = run.reprint.as_ref().expect("reprint runs have passages");
    let id = |d: DocId| run.catalog.id(d);
    rundir::write_reprint(&out, &extra.passages, &extra.boilerplate, id)?;
    timings.stop("write");
    let mut summary = Summary::new("passages");
    summary.set_mode(Mode::Reprint);
    summary.inputs = Some(input::input_paths(&args.input));
    summary.read_options = Some((&opts).into());
    summary.params = Some(run.params.clone());
    summary.documents = Some(Documents::Read(run.read.clone()));
    summary.candidate_pairs = Some(run.result.stats.candidate_pairs);
    summary.set_passages(&extra.passages, &extra.boilerplate, extra.boilerplate_bytes);
    summary.timings_ms = Some(timings.to_map());
    summary.threads = Some(rayon::current_num_threads());
    output::commit_run(out, &mut summary)?;
    if !args.run.quiet {
        eprintln!(
            "syndic: {} documents, {} shared passages ({} in boilerplate), written to {}",
            run.catalog.len(),
            extra.passages.len(),
            summary.boilerplate_passages.unwrap_or_default(),
            args.out.display()
        );
    }
    Ok(())
}
