//! `syndic clean`: the corpus with boilerplate (and, optionally, passages
//! already seen earlier in the corpus) removed, every other field kept.

use std::collections::HashMap;
use std::path::PathBuf;

use syndic::clean::Cleaner;
use syndic::cluster::Keep;
use syndic::settings::ReprintSettings;
use syndic::write::{write_rewritten, Rewrite};
use syndic::{DocId, Origin};

use super::flags::{RunFlags, SettingsFlags};
use super::input::{self, Feed, InputArgs, PassNames};
use super::output;
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
    pub reprint: SettingsFlags<ReprintSettings>,
    #[command(flatten)]
    pub run: RunFlags,
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    input::set_threads(args.run.threads)?;
    let config = args.reprint.settings.config(Keep::First)?;
    let bars = Bars::new(args.run.quiet);
    let (inputs, opts) = args.input.resolve(cancel)?;
    let overwrite = output::overwrite(args.force, &args.input.inputs);
    // Refused now, not after the whole run.
    overwrite.check_file(&args.out)?;
    let mut cleaner = Cleaner::new(config, args.drop_repeated);
    let names = PassNames { first: ("learn", "learn"), second: ("boilerplate", "boilerplate") };
    let feed = Feed { inputs: &inputs, opts: &opts, bars: &bars, cancel };
    input::drive(&mut cleaner, names, &feed, None)?;
    let cuts = cleaner.finish()?;
    // Records are rewritten in input order, found by where they came from.
    let docs: HashMap<Origin, DocId> =
        cuts.catalog().origins().enumerate().map(|(i, o)| (o, DocId::from_u32(i as u32))).collect();
    let bar = bars.items("write", 0);
    let (mut documents, mut removed_total) = (0u64, 0u64);
    let stats = write_rewritten(&inputs, &opts, &args.out, &overwrite, |origin, text| {
        cancel.check()?;
        let (cleaned, removed) = match docs.get(&origin) {
            Some(&doc) => cuts.apply(doc, text),
            None => (text.to_owned(), 0),
        };
        documents += 1;
        removed_total += removed;
        bar.inc(1);
        let mut extra = serde_json::Map::new();
        extra.insert("syndic_removed_bytes".into(), removed.into());
        Ok(Some(Rewrite { text: cleaned, extra }))
    })?;
    bar.finish_and_clear();
    if !args.run.quiet {
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
