//! `syndic query`: what a text matches in an index, without adding it,
//! with the passages it shares with each match (in a reprint index, the
//! passages and coverage of its reprint matches, as the index's settings
//! align them).

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use syndic::align::AlignConfig;
use syndic::index::{Coverage, Index, PassageSpan};
use syndic::settings::ReprintSettings;

use syndic::rundir::round;

/// Flags of `syndic query`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The index directory.
    pub index: PathBuf,
    /// The text to look up: a file read whole as UTF-8, or `-` for standard input.
    pub text: PathBuf,
    /// Print JSON instead of a listing.
    #[arg(long)]
    pub json: bool,
    /// Shortest shared passage reported, in words (not in a reprint index,
    /// whose passages follow its own settings).
    #[arg(long, default_value_t = ReprintSettings::default().min_passage_words)]
    pub min_passage_words: usize,
    /// The text's date (`YYYY-MM-DD` or `YYYYMMDD`), in an index with
    /// stories: it is compared with documents within the window.
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(serde::Serialize)]
struct MatchOut {
    id: String,
    similarity: f64,
    kind: syndic::pairs::PairKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<Coverage>,
    passages: Vec<PassageSpan>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let text = if args.text.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.text)
            .with_context(|| format!("cannot read {}", args.text.display()))?
    };
    let align = AlignConfig { min_tokens: args.min_passage_words, ..AlignConfig::default() };
    align.validate()?;
    let index = Index::open(&args.index)?;
    let day = match &args.date {
        Some(date) => Some(
            syndic::stories::parse_day(date)
                .with_context(|| format!("--date {date:?} is not YYYY-MM-DD or YYYYMMDD"))?,
        ),
        None => None,
    };
    let report = index.query_batch_dated(&[&text], &[day])?.remove(0);
    let mut matches = Vec::with_capacity(report.matches.len());
    for m in report.matches {
        let passages = match m.passages {
            Some(passages) => passages,
            None => index.passages(&text, &m.id, &align)?.unwrap_or_default(),
        };
        matches.push(MatchOut {
            id: m.id,
            similarity: round(m.similarity),
            kind: m.kind,
            coverage: m.coverage,
            passages,
        });
    }
    // Written through a handle, not println!, which panics when the reader
    // went away (`syndic query ... | head`).
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut json = serde_json::json!({"matches": matches, "clusters": report.clusters});
        if let Some(story) = &report.story {
            json["story"] = serde_json::to_value(story).context("query serialize")?;
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&json).context("query serialize")?)?;
        return Ok(());
    }
    if matches.is_empty() {
        writeln!(out, "no match in {}", args.index.display())?;
        return Ok(());
    }
    for cluster in &report.clusters {
        writeln!(
            out,
            "cluster {} ({} members, representative {}, similarity {:.3})",
            cluster.id, cluster.size, cluster.representative, cluster.similarity
        )?;
    }
    for m in &matches {
        writeln!(
            out,
            "{}\t{:.3}\t{}",
            m.id,
            m.similarity,
            serde_json::to_value(m.kind)?.as_str().unwrap_or("?")
        )?;
        for p in &m.passages {
            let excerpt: String = text[p.query_start..p.query_end].chars().take(80).collect();
            writeln!(
                out,
                "  query {}..{} = doc {}..{} ({} words, identity {:.2}): {excerpt:?}",
                p.query_start, p.query_end, p.doc_start, p.doc_end, p.words, p.identity
            )?;
        }
    }
    Ok(())
}
