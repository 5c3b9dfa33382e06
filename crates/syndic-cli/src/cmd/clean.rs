//! `syndic clean`: the corpus with boilerplate (and, optionally, passages
//! already seen earlier in the corpus) removed, every other field kept.

use std::collections::HashMap;
use std::path::PathBuf;

use syndic::boilerplate::{self, LineStats};
use syndic::clean::{cut, repeated_ranges};
use syndic::cluster::Keep;
use syndic::reprint::ReprintFinder;
use syndic::write::{write_rewritten, Rewrite};
use syndic::Origin;

use super::dedup::{ReprintArgs, Timings};
use super::input::{self, InputArgs};
use crate::progress::{Bars, Cancel};

/// Flags of `syndic clean`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output JSONL file (.jsonl, .jsonl.gz, .jsonl.zst); each record keeps
    /// its fields, gets its cleaned text and `syndic_removed_bytes`.
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite an existing output.
    #[arg(long)]
    pub force: bool,
    /// Also remove passages shared with an earlier document of the corpus
    /// (the first occurrence stays), and exact copies' whole text.
    #[arg(long)]
    pub drop_repeated: bool,
    #[command(flatten)]
    pub reprint: ReprintArgs,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bars or closing line.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.threads)?;
    let bars = Bars::new(args.quiet);
    let (inputs, opts) = args.input.resolve()?;
    if args.out.exists() && !args.force {
        return Err(syndic::Error::OutputExists { path: args.out.clone() }.into());
    }
    let mut timings = Timings::default();
    timings.start();
    // Byte ranges to cut, per document origin.
    let mut cuts: HashMap<Origin, Vec<(usize, usize)>> = HashMap::new();
    if args.drop_repeated {
        let mut finder = ReprintFinder::new(args.reprint.config(Keep::First)?);
        input::for_each_batch(&inputs, &opts, &bars, "fingerprint", cancel, |batch| {
            finder.add_batch(batch).map_err(Into::into)
        })?;
        finder.plan();
        input::for_each_batch(&inputs, &opts, &bars, "boilerplate", cancel, |batch| {
            finder.second_pass_batch(batch).map_err(Into::into)
        })?;
        let (origins, lengths) =
            (finder.catalog().origins().to_vec(), finder.catalog().lengths().to_vec());
        let result = finder.finish()?;
        for b in &result.boilerplate {
            let ranges = b.spans.iter().map(|s| (s.start, s.end));
            cuts.entry(origins[b.doc.as_usize()]).or_default().extend(ranges);
        }
        for (doc, ranges) in repeated_ranges(&result, &lengths) {
            cuts.entry(origins[doc.as_usize()]).or_default().extend(ranges);
        }
    } else {
        let config = args.reprint.config(Keep::First)?;
        let classifier = config.classifier().clone();
        let mut stats = LineStats::default();
        input::for_each_batch(&inputs, &opts, &bars, "learn", cancel, |batch| {
            for doc in batch {
                stats.observe(&doc.text, doc.site.as_deref());
            }
            Ok(())
        })?;
        let repeated =
            stats.freeze(config.boilerplate_min_docs(), config.boilerplate_min_site_docs());
        input::for_each_batch(&inputs, &opts, &bars, "boilerplate", cancel, |batch| {
            for doc in batch {
                let labels = boilerplate::classify_with_repeats(
                    &doc.text,
                    doc.site.as_deref(),
                    &repeated,
                    &classifier,
                );
                let spans = boilerplate::boilerplate_spans(&labels);
                if !spans.is_empty() {
                    cuts.insert(doc.origin, spans.iter().map(|s| (s.start, s.end)).collect());
                }
            }
            Ok(())
        })?;
    }
    timings.stop("find");
    let bar = bars.items("write", 0);
    let (mut documents, mut removed_total) = (0u64, 0u64);
    let stats = write_rewritten(&inputs, &opts, &args.out, args.force, |origin, text| {
        cancel.check()?;
        let cleaned = match cuts.get(&origin) {
            Some(ranges) => cut(text, ranges),
            None => text.to_owned(),
        };
        let removed = (text.len() - cleaned.len()) as u64;
        documents += 1;
        removed_total += removed;
        bar.inc(1);
        let mut extra = serde_json::Map::new();
        extra.insert("syndic_removed_bytes".into(), removed.into());
        Ok(Some(Rewrite { text: cleaned, extra }))
    })?;
    bar.finish_and_clear();
    timings.stop("write");
    if !args.quiet {
        eprintln!(
            "syndic: {} documents cleaned, {} bytes removed, {} written to {}",
            documents,
            removed_total,
            stats.records,
            args.out.display()
        );
    }
    Ok(())
}
