//! `syndic eval`: score predicted clusters against gold labels.
//!
//! Both files are read whole: label files are a few bytes per document, so
//! even a million-document run is tens of megabytes, and reading whole lets
//! one parse tell a JSONL file from a single JSON object.
//!
//! A file is taken as **one JSON object mapping id -> label** when
//! `--gold-map-field` names the member that holds the map, or when the whole
//! file is one JSON object with neither the id nor the label field; the map is then the object
//! itself if no member is an object, or else its only member whose value is
//! an object (so `{"about": "...", "stories": {id: label}}` needs no flag).
//! Anything else is **JSONL**: one object per line, id and label under the
//! named fields. Ids and labels may be strings or integers; an integer label
//! equals the string of its digits.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::{Map, Value};
use syndic::eval::{evaluate_with, EvalOptions, EvalReport, MissingPredictions, Part};
use syndic::Location;

// No doc comment here: clap would show it instead of the subcommand's own
// description in `syndic eval --help`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Gold labels: JSONL (one object a line) or one JSON object mapping id -> label.
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    /// Predicted clusters, e.g. the `clusters.jsonl` of a `syndic dedup` run.
    #[arg(long, value_name = "FILE")]
    pred: PathBuf,
    /// Field holding the id in gold JSONL lines (a dotted path reaches into nested objects).
    #[arg(long, default_value = "id", value_name = "FIELD")]
    gold_id_field: String,
    /// Field holding the label in gold JSONL lines.
    #[arg(long, default_value = "cluster", value_name = "FIELD")]
    gold_label_field: String,
    /// Member of a single-object gold file that holds the id -> label map
    /// [default: auto-detected].
    #[arg(long, value_name = "FIELD")]
    gold_map_field: Option<String>,
    /// Field holding the id in predicted JSONL lines.
    #[arg(long, default_value = "id", value_name = "FIELD")]
    pred_id_field: String,
    /// Field holding the cluster in predicted JSONL lines.
    #[arg(long, default_value = "cluster", value_name = "FIELD")]
    pred_label_field: String,
    /// How to score gold ids that the predictions lack: as singletons (a
    /// tool that lists only clustered documents merged them with nothing), or
    /// not at all (evaluate on the ids both files have).
    #[arg(long, value_enum, default_value_t = Missing::Singleton)]
    missing: Missing,
    /// How many worst false merges and misses to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Print the report as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// `--missing`: the CLI's spelling of [`MissingPredictions`].
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Missing {
    Singleton,
    Skip,
}

/// How to find ids and labels in one file.
struct Fields<'a> {
    id: &'a str,
    label: &'a str,
    map: Option<&'a str>,
}

/// Runs `syndic eval`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let gold = read_labels(
        &args.gold,
        &Fields {
            id: &args.gold_id_field,
            label: &args.gold_label_field,
            map: args.gold_map_field.as_deref(),
        },
    )?;
    let pred = read_labels(
        &args.pred,
        &Fields { id: &args.pred_id_field, label: &args.pred_label_field, map: None },
    )?;
    let missing = match args.missing {
        Missing::Singleton => MissingPredictions::Singleton,
        Missing::Skip => MissingPredictions::Skip,
    };
    let report = evaluate_with(&gold, &pred, &EvalOptions { top_n: args.top, missing });

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &report, &args.gold, &args.pred)?;
    }
    out.flush()?;
    Ok(())
}

/// Reads a label file (JSONL, or one JSON object holding a map) into id -> label.
fn read_labels(path: &Path, fields: &Fields<'_>) -> anyhow::Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if let Some(member) = fields.map {
        let whole: Value = serde_json::from_str(&text).with_context(|| {
            format!("{}: --gold-map-field needs one JSON object", path.display())
        })?;
        let Some(map) = whole.get(member).and_then(Value::as_object) else {
            bail!("{}: no object member `{member}` holding an id -> label map", path.display());
        };
        return labels_from_map(path, map);
    }
    // One parse of the whole text: a JSONL file with two or more lines stops
    // at the second value ("trailing characters"), so this costs one line.
    // A record with the id or the label field is a one-line JSONL file
    // (perhaps with a wrong field name), not a map.
    if let Ok(Value::Object(whole)) = serde_json::from_str::<Value>(&text) {
        if lookup(&whole, fields.id).is_none() && lookup(&whole, fields.label).is_none() {
            return labels_from_map(path, find_map(path, &whole)?);
        }
    }
    labels_from_jsonl(path, &text, fields)
}

/// The id -> label map inside a single-object file: the object itself when
/// no member is an object, otherwise its only object-valued member.
fn find_map<'a>(
    path: &Path,
    whole: &'a Map<String, Value>,
) -> anyhow::Result<&'a Map<String, Value>> {
    let objects: Vec<(&String, &Map<String, Value>)> =
        whole.iter().filter_map(|(k, v)| v.as_object().map(|m| (k, m))).collect();
    match objects.as_slice() {
        [] => Ok(whole),
        [(_, map)] => Ok(map),
        _ => {
            let names: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
            bail!(
                "{}: one JSON object, but not an id -> label map, and no single member holds \
                 one (object members: [{}]); name it with --gold-map-field",
                path.display(),
                names.join(", ")
            )
        }
    }
}

fn labels_from_map(
    path: &Path,
    map: &Map<String, Value>,
) -> anyhow::Result<HashMap<String, String>> {
    map.iter()
        .map(|(id, value)| match label_text(value) {
            Some(label) => Ok((id.clone(), label)),
            None => bail!(
                "{}: the label of id `{id}` is {}, expected a string or an integer",
                path.display(),
                describe(value)
            ),
        })
        .collect()
}

fn labels_from_jsonl(
    path: &Path,
    text: &str,
    fields: &Fields<'_>,
) -> anyhow::Result<HashMap<String, String>> {
    let mut labels = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = Location::line(path, index as u64 + 1);
        let value: Value = serde_json::from_str(line).map_err(|err| malformed(&location, &err))?;
        let Value::Object(record) = value else {
            bail!("{location}: expected a JSON object, found {}", describe(&value));
        };
        let id = field_text(&record, fields.id).with_context(|| location.to_string())?;
        let label = field_text(&record, fields.label).with_context(|| location.to_string())?;
        if labels.insert(id.clone(), label).is_some() {
            bail!("{location}: duplicate id `{id}`");
        }
    }
    Ok(labels)
}

/// serde_json counts lines inside the text it was given, always line 1
/// here, so keep only its column.
fn malformed(location: &Location, err: &serde_json::Error) -> anyhow::Error {
    let message = err.to_string();
    let message = message.rfind(" at line ").map_or(message.as_str(), |end| &message[..end]);
    anyhow::anyhow!("{location}, column {}: malformed JSON: {message}", err.column())
}

/// The string or integer under `field`, as text.
fn field_text(record: &Map<String, Value>, field: &str) -> anyhow::Result<String> {
    let Some(value) = lookup(record, field) else {
        bail!("missing field `{field}`");
    };
    match label_text(value) {
        Some(text) => Ok(text),
        None => bail!("field `{field}` is {}, expected a string or an integer", describe(value)),
    }
}

/// The value under `field`: the member of that exact name if there is one,
/// else the path of its dot-separated names through nested objects.
fn lookup<'a>(record: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    if let Some(value) = record.get(field) {
        return Some(value);
    }
    let mut names = field.split('.');
    let first = record.get(names.next()?)?;
    names.try_fold(first, |value, name| value.get(name))
}

fn label_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a non-integer number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn write_table(
    out: &mut impl Write,
    report: &EvalReport,
    gold: &Path,
    pred: &Path,
) -> io::Result<()> {
    let c = &report.coverage;
    writeln!(out, "gold  {}: {} ids", gold.display(), c.gold_ids)?;
    writeln!(out, "pred  {}: {} ids", pred.display(), c.pred_ids)?;
    let absent = match c.missing_predictions {
        MissingPredictions::Singleton => "scored as singletons",
        MissingPredictions::Skip => "not scored",
    };
    writeln!(
        out,
        "evaluated {} ids; {} gold ids absent from pred ({absent}); {} pred ids absent from gold (not scored)",
        c.evaluated, c.absent_from_pred, c.absent_from_gold
    )?;
    writeln!(out)?;

    let rows = [
        ("clusters", format!("{}", report.gold_clusters), format!("{}", report.pred_clusters)),
        ("pairs", format!("{}", report.pairs.gold), format!("{}", report.pairs.pred)),
    ];
    writeln!(out, "{:<10} {:>12} {:>12}", "", "gold", "pred")?;
    for (name, g, p) in rows {
        writeln!(out, "{name:<10} {g:>12} {p:>12}")?;
    }
    writeln!(out)?;
    writeln!(out, "{:<10} {:>10} {:>10} {:>10}", "score", "precision", "recall", "F1")?;
    let scores = [
        ("pairwise", report.pair_precision, report.pair_recall, report.pair_f1),
        ("B-cubed", report.bcubed_precision, report.bcubed_recall, report.bcubed_f1),
    ];
    for (name, p, r, f) in scores {
        writeln!(out, "{name:<10} {p:>10.4} {r:>10.4} {f:>10.4}")?;
    }
    writeln!(out, "{:<10} {:>10.4}", "ARI", report.ari)?;

    let heading = "worst false merges (predicted clusters joining gold clusters):";
    write_worst(out, heading, &report.worst_false_merges, "gold", |m| {
        let (c, n, g, w) = (&m.cluster, m.size, m.gold_clusters, m.wrong_pairs);
        (format!("cluster {c}: {n} docs from {g} gold clusters, {w} wrong pairs"), &m.parts[..])
    })?;
    let heading = "worst misses (gold clusters split over predicted clusters):";
    write_worst(out, heading, &report.worst_misses, "cluster", |m| {
        let (l, n, p, w) = (&m.label, m.size, m.pred_clusters, m.missed_pairs);
        (format!("gold {l}: {n} docs over {p} predicted clusters, {w} missed pairs"), &m.parts[..])
    })
}

/// A section of worst cases, nothing when there are none: a blank line,
/// the heading, then per case the line `describe` gives and the parts (of
/// the `kind` named).
fn write_worst<T>(
    out: &mut impl Write,
    heading: &str,
    cases: &[T],
    kind: &str,
    describe: impl Fn(&T) -> (String, &[Part]),
) -> io::Result<()> {
    if cases.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{heading}")?;
    for case in cases {
        let (line, parts) = describe(case);
        writeln!(out, "  {line}")?;
        write_parts(out, parts, kind)?;
    }
    Ok(())
}

/// One aligned line per part: label, size, the first ids.
fn write_parts(out: &mut impl Write, parts: &[Part], kind: &str) -> io::Result<()> {
    let labels: Vec<String> = parts
        .iter()
        .map(|p| match &p.label {
            Some(label) => format!("{kind} {label}"),
            None => "(absent from pred)".to_owned(),
        })
        .collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for (part, label) in parts.iter().zip(&labels) {
        let more = if part.size > part.ids.len() as u64 { " ..." } else { "" };
        writeln!(out, "    {label:<width$} {:>6}  {}{more}", part.size, part.ids.join(" "))?;
    }
    Ok(())
}
