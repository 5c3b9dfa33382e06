//! `syndic stories`: documents that cover the same event, with every
//! linked pair typed (copy, near-copy, reprint, same story).

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::json;
use syndic::cluster::Keep;
use syndic::read::{Inputs, ReadOptions};
use syndic::rundir::{self, Documents, Summary};
use syndic::settings::{ReprintSettings, StoriesSettings};
use syndic::stories::{add_days, Day, StoryFinder};
use syndic::write::OutputDir;
use syndic::DocId;

use super::dedup::run_reprint;
use super::flags::{RunFlags, SettingsFlags};
use super::input::{self, Feed, InputArgs};
use super::output;
use crate::progress::{Bars, Cancel, Timings};
use syndic::reprint::ReprintFinder;

/// Flags of `syndic stories`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory (clusters.jsonl, relations.jsonl, summary.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite an existing output directory.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub stories: SettingsFlags<StoriesSettings>,
    #[command(flatten)]
    pub reprint: SettingsFlags<ReprintSettings>,
    #[command(flatten)]
    pub run: RunFlags,
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    // Settings are checked before anything is read or written.
    let reprint_config = args.reprint.settings.config(Keep::Longest)?;
    let stories_config = args.stories.settings.config()?;
    let bars = Bars::new(args.run.quiet);
    let (inputs, opts) = args.input.resolve(cancel)?;
    let date_field = args.stories.settings.date_field.clone();
    let out = OutputDir::create(&args.out, &output::overwrite(args.force, &args.input.inputs))?;
    let mut timings = Timings::default();
    timings.start();
    let feed = Feed { inputs: &inputs, opts: &opts, bars: &bars, cancel };
    let days = match &date_field {
        Some(field) => read_days(&inputs, &opts, field, &bars, cancel)?,
        None => HashMap::new(),
    };
    timings.stop("read_dates");
    let reuse = run_reprint(ReprintFinder::new(reprint_config.clone()), &feed, &mut timings)?;
    let extra = reuse.reprint.as_ref().expect("reprint runs have passages");
    let mut finder = StoryFinder::new(stories_config.clone()).with_boilerplate(&extra.boilerplate);
    let mut undated = 0u64;
    input::for_each_batch(&inputs, &opts, &bars, "stories", cancel, |batch| {
        let batch_days: Vec<Option<Day>> = batch.iter().map(|d| days.get(&d.id).copied()).collect();
        undated += batch_days.iter().filter(|d| d.is_none()).count() as u64;
        Ok(finder.add_batch(batch, &batch_days)?)
    })?;
    timings.stop("read_and_vectorize");
    if !finder.catalog().ids().eq(reuse.catalog.ids()) {
        anyhow::bail!("the inputs changed between two readings; run again on inputs that stay put");
    }
    // One call of the library with no steps to count: a ticking bar shows
    // it is working (on a terminal only).
    let bar = bars.items("link", 0);
    bar.set_message(format!("{} documents: candidates and average links", reuse.catalog.len()));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let result = finder.finish(&reuse.result)?;
    bar.finish_and_clear();
    timings.stop("link");
    let id = |d: DocId| reuse.catalog.id(d);
    rundir::write_stories(&out, &result, &extra.passages, id)?;
    timings.stop("write");
    let stats = &result.stats;
    let mut summary = Summary::new("stories");
    summary.inputs = Some(input::input_paths(&args.input));
    summary.read_options = Some((&opts).into());
    summary.params = Some(json!({
        "reprint": reprint_config.to_json(),
        "stories": stories_config.to_json(),
        "date_field": date_field,
    }));
    summary.documents = Some(Documents::Read(reuse.read.clone()));
    summary.clusters = Some(stats.stories);
    summary.candidate_pairs = Some(stats.candidate_pairs);
    summary.extra.insert(
        "stories".to_owned(),
        json!({
            "largest_story": stats.largest_story,
            "similar_pairs": stats.similar_pairs,
            "candidate_pairs_per_document":
                rundir::round_to(stats.candidate_pairs as f64 / stats.documents.max(1) as f64, 3),
            "undated_documents": date_field.as_ref().map(|_| undated),
            "relations": {
                "copy": stats.relations[0],
                "near_copy": stats.relations[1],
                "reprint": stats.relations[2],
                "same_story": stats.relations[3],
            },
        }),
    );
    summary.timings_ms = Some(timings.to_map());
    summary.threads = Some(rayon::current_num_threads());
    output::commit_run(out, &mut summary)?;
    if !args.run.quiet {
        eprintln!(
            "syndic: {} documents, {} stories (largest {}), {} relations ({} same story), written \
             to {}",
            stats.documents,
            stats.stories,
            stats.largest_story,
            result.relations.len(),
            stats.relations[3],
            args.out.display()
        );
    }
    Ok(())
}

/// The day of every record whose date field holds a date, by id: the
/// corpus read with the date field as the text, records without it passed
/// over (they are undated, not bad).
pub(crate) fn read_days(
    inputs: &Inputs,
    opts: &ReadOptions,
    field: &str,
    bars: &Bars,
    cancel: &Cancel,
) -> anyhow::Result<HashMap<String, Day>> {
    let opts = ReadOptions { text_field: field.to_owned(), skip_bad_records: true, ..opts.clone() };
    let mut days = HashMap::new();
    input::for_each_batch(inputs, &opts, bars, "dates", cancel, |batch| {
        add_days(batch, &mut days);
        Ok(())
    })?;
    Ok(days)
}
