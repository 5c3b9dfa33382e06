//! `syndic stories` (issue 18): stories of the seeds and of BASIL, the
//! relation graph, dates and the run directory's rules.

use std::collections::HashMap;
use std::io::Read;

use serde_json::{json, Value};

use crate::common::*;

/// Each document's cluster in a run's `clusters.jsonl`.
fn clusters(run: &std::path::Path) -> HashMap<String, u64> {
    jsonl(run.join("clusters.jsonl"))
        .iter()
        .map(|l| (l["id"].as_str().unwrap().to_owned(), l["cluster"].as_u64().unwrap()))
        .collect()
}

#[test]
fn issue18_seeds_are_three_stories() {
    let Some(data) = shared_data() else { return };
    // The five pages without their labels file.
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    std::fs::create_dir(&seeds).unwrap();
    for n in 0..5 {
        let name = format!("00{n}.txt");
        std::fs::copy(data.join("seeds").join(&name), seeds.join(&name)).unwrap();
    }
    let run = dir.path().join("run");
    ok(&["stories", s(&seeds), "--out", s(&run), "-q"]);
    let c = clusters(&run);
    assert_eq!(c["001.txt"], c["002.txt"]);
    assert_eq!(c["001.txt"], c["004.txt"]);
    assert_ne!(c["000.txt"], c["001.txt"]);
    assert_ne!(c["003.txt"], c["001.txt"]);
    assert_ne!(c["000.txt"], c["003.txt"], "Annan 2001 and Guterres 2016 are other events");
    // The three carry one wire story: reprints, with their passages.
    let relations = jsonl(run.join("relations.jsonl"));
    assert_eq!(relations.len(), 3, "{relations:?}");
    for r in &relations {
        assert_eq!(r["type"], "reprint", "{r}");
        assert!(!r["evidence"]["passages"].as_array().unwrap().is_empty(), "{r}");
    }
}

/// BASIL: 150 articles on 50 events, three outlets each. The default
/// settings reach an ARI of 0.90 (bench/results/2026-12-01/stories.md has
/// the curve).
#[test]
fn issue18_basil_stories_reach_ari_090_with_defaults() {
    let Some(data) = shared_data() else { return };
    let corpus = data.join("basil-stories-dev.jsonl.gz");
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    ok(&["stories", s(&corpus), "--date-field", "date", "--out", s(&run), "-q"]);
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&corpus).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(&gold, text).unwrap();
    let pred = run.join("clusters.jsonl");
    let args =
        ["eval", "--gold", s(&gold), "--gold-label-field", "story", "--pred", s(&pred), "--json"];
    let out = syndic(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ari = report["ari"].as_f64().unwrap();
    assert!(ari >= 0.90, "ARI {ari}");
}

const REPORT: &str = "The passenger ferry Marisol sank off the harbour of Osterby on Tuesday \
    night after striking the Kettle Rocks in a gale, and coastguard crews from Hallvik pulled \
    forty-one people from the water, the harbour master Ingrid Vasska said. Two crew members \
    are still missing and divers will resume the search at first light.";

fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let docs = [
        json!({"id": "wire", "date": "2026-03-03", "text": format!("Ferry sinks\n\n{REPORT}")}),
        json!({"id": "copy", "date": "2026-03-03", "text": format!("Ferry sinks\n\n{REPORT}")}),
        json!({"id": "own", "date": "2026-03-04", "text": "Divers search for Marisol crew\n\n\
            Rescue divers from Hallvik returned to the Kettle Rocks near Osterby to look for \
            two sailors of the Marisol, harbour master Ingrid Vasska said."}),
        json!({"id": "late", "date": "2026-05-04", "text": "Marisol inquiry opens\n\n\
            An inquiry into the loss of the Marisol off Osterby opened in Hallvik, where \
            Ingrid Vasska gave evidence about the Kettle Rocks."}),
        json!({"id": "quarry", "date": "2026-03-03", "text": "Quarry to close\n\nThe granite \
            quarry at Carrow will close in the spring with the loss of ninety jobs."}),
        json!({"id": "school", "text": "New school opens\n\nPupils in Dalby moved into a \
            new primary school after two years of building work."}),
    ];
    // Other news of the day, so that the names of one event are rare.
    let others = [
        "Council budget rises by four percent with more money for roads",
        "Lindmark wins the regional football cup after extra time",
        "Heavy snow closes the mountain pass near Vennberg for a week",
        "The central bank leaves its interest rate unchanged at two percent",
        "A new bridge over the river Aske opens to traffic in Tolvik",
        "Farmers in Ostdal expect a poor harvest after the dry summer",
    ];
    let mut lines: String = docs.iter().map(|d| d.to_string() + "\n").collect();
    for (i, text) in others.iter().enumerate() {
        lines += &(json!({"id": format!("other{i}"), "text": text}).to_string() + "\n");
    }
    let path = dir.join("news.jsonl");
    std::fs::write(&path, lines).unwrap();
    path
}

#[test]
fn issue18_relations_are_typed_with_their_evidence() {
    let (dir, run) = temp_run();
    let input = corpus(dir.path());
    let stderr = ok(&["stories", s(&input), "--date-field", "date", "--out", s(&run)]);
    assert!(stderr.contains("12 documents"), "{stderr}");
    let c = clusters(&run);
    assert_eq!(c["wire"], c["copy"]);
    assert_eq!(c["wire"], c["own"]);
    // Two months later: outside the window, another story.
    assert_ne!(c["wire"], c["late"]);
    assert_ne!(c["wire"], c["quarry"]);
    let relations = jsonl(run.join("relations.jsonl"));
    let kinds: Vec<(&str, &str, &str)> = relations
        .iter()
        .map(|r| (r["a"].as_str().unwrap(), r["b"].as_str().unwrap(), r["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("wire", "copy", "copy"), ("wire", "own", "same_story"), ("copy", "own", "same_story")]
    );
    let same = &relations[1];
    let entities = same["evidence"]["entities"].as_array().unwrap();
    assert!(entities.contains(&json!("marisol")), "{same}");
    assert!(same["score"].as_f64().unwrap() > 0.0);
    // The representative is the earliest full report.
    let lines = jsonl(run.join("clusters.jsonl"));
    assert_eq!(lines[0]["representative"], true);
    let summary = json(run.join("summary.json"));
    assert_eq!(summary["command"], "stories");
    assert_eq!(summary["files"], json!(["clusters.jsonl", "relations.jsonl"]));
    assert_eq!(summary["stories"]["relations"]["same_story"], 2);
    assert_eq!(summary["stories"]["undated_documents"], 7);
    // With a window and a span of 90 days the inquiry joins the story.
    ok(&[
        "stories",
        s(&input),
        "--date-field",
        "date",
        "--window-days",
        "90",
        "--story-max-days",
        "90",
        "--out",
        s(&run),
        "--force",
        "-q",
    ]);
    let c = clusters(&run);
    assert_eq!(c["wire"], c["late"]);
}

#[test]
fn issue18_an_existing_output_needs_force_and_bad_settings_name_their_flag() {
    let (dir, run) = temp_run();
    let input = corpus(dir.path());
    ok(&["stories", s(&input), "--out", s(&run), "-q"]);
    let stderr = fails(&["stories", s(&input), "--out", s(&run), "-q"]);
    assert!(stderr.contains("--force"), "{stderr}");
    ok(&["stories", s(&input), "--out", s(&run), "-q", "--force"]);
    // --force never replaces the input.
    let stderr = fails(&["stories", s(&input), "--out", s(&input), "-q", "--force"]);
    assert!(stderr.contains("error"), "{stderr}");
    let stderr = fails(&["stories", s(&input), "--out", s(&run), "--story-threshold", "0", "-q"]);
    assert!(stderr.contains("story_threshold") && stderr.contains("--story-threshold"), "{stderr}");
    let stderr = fails(&["stories", s(&input), "--out", s(&run), "--date-field", "a..b", "-q"]);
    assert!(stderr.contains("date_field") && stderr.contains("--date-field"), "{stderr}");
}

/// BASIL online (issue 18): an index with stories built from the first 120
/// articles, the last 30 added, exported. Learned online (document
/// frequencies of the articles seen so far, one decision per article in
/// order), its stories stay within bounds of the batch run's: ARI 0.930
/// against the labels (batch: 0.993) and 0.936 against the batch run
/// (bench/results/2026-12-02/stories-online.md).
#[test]
fn issue18_basil_online_stays_close_to_batch() {
    let Some(data) = shared_data() else { return };
    let corpus = data.join("basil-stories-dev.jsonl.gz");
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&corpus).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    std::fs::write(d("gold.jsonl"), &text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(d("first.jsonl"), lines[..120].join("\n") + "\n").unwrap();
    std::fs::write(d("rest.jsonl"), lines[120..].join("\n") + "\n").unwrap();
    ok(&["stories", s(&corpus), "--date-field", "date", "--out", s(&d("batch")), "-q"]);
    let idx = d("idx");
    let create = ["index", "create", s(&idx), "--mode", "reprint", "--stories", "--date-field"];
    ok(&[&create[..], &["date", "--from", s(&d("first.jsonl")), "-q"]].concat());
    ok(&["index", "add", s(&idx), s(&d("rest.jsonl")), "--out", s(&d("added")), "-q"]);
    ok(&["index", "export", s(&idx), "--out", s(&d("export"))]);
    let ari = |gold: &[&str], pred: &std::path::Path| -> f64 {
        let args = [&["eval", "--gold"], gold, &["--pred", s(pred), "--json"]].concat();
        let out = syndic(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["ari"].as_f64().unwrap()
    };
    let (gold, batch, online) =
        (d("gold.jsonl"), d("batch/clusters.jsonl"), d("export/stories.jsonl"));
    let labels = [s(&gold), "--gold-label-field", "story"];
    let against_batch = [s(&batch)];
    assert!(ari(&labels, &batch) >= 0.99);
    let (truth, agreement) = (ari(&labels, &online), ari(&against_batch, &online));
    assert!(truth >= 0.92 && agreement >= 0.92, "online ARI {truth}, against batch {agreement}");
    assert_eq!(jsonl(d("added/stories.jsonl")).len(), 30);
}
