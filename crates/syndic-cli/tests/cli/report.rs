//! `syndic report` end to end: the binary on run directories, the HTML it
//! writes checked as text and through its embedded data.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::common::shared_data;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs `syndic report` from the repository root (where the seed fixture's
/// relative inputs point from).
fn report(run: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syndic"))
        .current_dir(repo_root())
        .arg("report")
        .arg(run)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn ok(output: &Output) {
    assert!(output.status.success(), "syndic failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// The JSON block of a report, parsed.
fn data(html: &str) -> Value {
    let open = r#"<script type="application/json" id="syndic-data">"#;
    let start = html.find(open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[start..end]).unwrap()
}

fn ids(data: &Value) -> Vec<&str> {
    data["docs"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect()
}

/// Text of a document between UTF-16 offsets, as the page's script cuts it.
fn js_slice(text: &str, start: &Value, end: &Value) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    let (s, e) = (start.as_u64().unwrap() as usize, end.as_u64().unwrap() as usize);
    String::from_utf16(&units[s..e]).unwrap()
}

/// A run directory over a JSONL corpus written next to it.
struct Run {
    _dir: tempfile::TempDir,
    run: PathBuf,
    out: PathBuf,
}

impl Run {
    fn new(docs: &[Value], clusters: &[Value]) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus.jsonl");
        fs::write(&corpus, lines(docs)).unwrap();
        let run = dir.path().join("run");
        fs::create_dir(&run).unwrap();
        let summary = json!({
            "command": "dedup", "mode": "minhash", "inputs": [corpus],
            "read_options": {"format": null, "id_field": "id", "text_field": "text", "site_field": "site"},
            "params": {"threshold": 0.8}, "documents": {"read": docs.len(), "skipped": 0},
        });
        fs::write(run.join("summary.json"), summary.to_string()).unwrap();
        if !clusters.is_empty() {
            fs::write(run.join("clusters.jsonl"), lines(clusters)).unwrap();
        }
        let out = dir.path().join("report.html");
        Run { _dir: dir, run, out }
    }

    fn write(&self, name: &str, records: &[Value]) {
        fs::write(self.run.join(name), lines(records)).unwrap();
    }

    fn html(&self, extra: &[&str]) -> String {
        ok(&report(&self.run, &self.out, extra));
        fs::read_to_string(&self.out).unwrap()
    }
}

fn lines(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn member(id: &str, cluster: i64, rep: bool, sim: f64) -> Value {
    json!({"id": id, "cluster": cluster, "representative": rep, "similarity": sim})
}

#[test]
fn seed_report_is_self_contained_and_carries_the_wire_story() {
    // The seed pages stay in ../shared/data (never copied into the
    // project): the run is made from them here.
    let Some(data_dir) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("seeds-run");
    let seeds = data_dir.join("seeds");
    let args = ["dedup", seeds.to_str().unwrap(), "--mode", "reprint", "--out"];
    ok(&Command::new(env!("CARGO_BIN_EXE_syndic"))
        .args(args)
        .arg(&run)
        .arg("-q")
        .output()
        .unwrap());
    let out = dir.path().join("seeds.html");
    ok(&report(&run, &out, &[]));
    let html = fs::read_to_string(&out).unwrap();

    let lower = html.to_ascii_lowercase();
    for needle in
        ["src=\"http", "href=\"http", "src='http", "href='http", "url(http", "@import", "<link"]
    {
        assert!(!lower.contains(needle), "the report loads `{needle}`");
    }
    assert!(lower.contains("content-security-policy"), "the page forbids loading anything");

    let data = data(&html);
    // Only the three-page cluster is listed: the other seeds are singletons.
    assert_eq!(data["clusters"].as_array().unwrap().len(), 1);
    assert_eq!(ids(&data), ["001.txt", "004.txt", "002.txt"]);
    assert_eq!(data["omitted"]["singletons"], 3);
    assert_eq!(data["overview"]["documents_read"], 6);

    // Offsets are UTF-16 indices: 002 has curly quotes before the quote, so
    // its byte offsets would cut it wrong.
    let docs = data["docs"].as_array().unwrap();
    let text_of = |i: &Value| docs[i.as_u64().unwrap() as usize]["text"].as_str().unwrap();
    let passages = data["passages"].as_array().unwrap();
    let written = fs::read_to_string(run.join("passages.jsonl")).unwrap().lines().count();
    assert_eq!(passages.len(), written, "every passage of the run is in the report");
    let mut quotes = 0;
    for p in passages {
        for (doc, start, end) in [(&p[0], &p[1], &p[2]), (&p[3], &p[4], &p[5])] {
            let piece = js_slice(text_of(doc), start, end);
            assert!(!piece.trim().is_empty());
            if piece.replace('’', "'").contains("d like to really count on your strong support") {
                quotes += 1;
            }
        }
    }
    assert_eq!(quotes, 6, "the quote is in both sides of three passages");
    let bp_002 = docs[2]["bp"].as_array().unwrap();
    let reasons = data["reasons"].as_array().unwrap();
    let notice =
        bp_002.iter().find(|s| reasons[s[2].as_u64().unwrap() as usize] == "notice").unwrap();
    let text = js_slice(docs[2]["text"].as_str().unwrap(), &notice[0], &notice[1]);
    assert!(text.starts_with("Dear reader,") && text.ends_with("in the future."), "{text}");
}

#[test]
fn hostile_texts_cannot_break_out_of_the_data_block() {
    let evil = "News </script><script>alert(1)</script> <!-- & </SCRIPT > \u{2028} end";
    let run = Run::new(
        &[
            json!({"id": "</script>x", "text": evil, "site": "<b>site</b>", "date": "2020-01-02"}),
            json!({"id": "b", "text": evil}),
        ],
        &[member("</script>x", 7, true, 1.0), member("b", 7, false, 1.0)],
    );
    let html = run.html(&[]);
    // Our two scripts close; nothing from the data closes anything.
    assert_eq!(html.to_ascii_lowercase().matches("</script").count(), 2);
    assert!(!html.contains("<!-- &"));
    let data = data(&html);
    assert_eq!(data["docs"][0]["id"], "</script>x");
    assert_eq!(data["docs"][0]["text"], evil);
    let fields = &data["docs"][0]["fields"];
    assert_eq!(fields[0], json!(["site", "<b>site</b>"]));
    assert!(fields.as_array().unwrap().contains(&json!(["date", "2020-01-02"])));
    assert!(html.contains("<title>syndic report: "));
}

#[test]
fn refuses_to_overwrite_without_force() {
    let run = Run::new(
        &[json!({"id": "a", "text": "same words"}), json!({"id": "b", "text": "same words"})],
        &[member("a", 0, true, 1.0), member("b", 0, false, 1.0)],
    );
    fs::write(&run.out, "keep me").unwrap();
    let refused = report(&run.run, &run.out, &[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("already exists") && stderr.contains("--force"), "{stderr}");
    assert_eq!(fs::read_to_string(&run.out).unwrap(), "keep me");

    let html = run.html(&["--force"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is left behind but the report.
    let names: Vec<_> = fs::read_dir(run.out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}"); // corpus.jsonl, run, report.html
}

#[test]
fn limits_bound_the_report_deterministically_and_say_what_is_left_out() {
    // Clusters of 5, 4, 3 and 2 documents, and two singletons, one of which
    // shares a passage with the cluster of 2.
    let mut docs = Vec::new();
    let mut clusters = Vec::new();
    for (cluster, size) in [(10, 3), (11, 5), (12, 2), (13, 4), (14, 1), (15, 1)] {
        for i in 0..size {
            let id = format!("c{cluster}-{i}");
            docs.push(json!({"id": id, "text": format!("text of {id}, cluster {cluster}")}));
            clusters.push(member(&id, cluster, i == 0, 1.0 - 0.1 * f64::from(i)));
        }
    }
    let run = Run::new(&docs, &clusters);
    run.write(
        "passages.jsonl",
        &[json!({"a": "c12-0", "b": "c15-0", "a_start": 0, "a_end": 4, "b_start": 0, "b_end": 4,
                  "words": 1, "identity": 1.0})],
    );

    let all = data(&run.html(&[]));
    let listed: Vec<i64> =
        all["clusters"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    // By size, then passages: the singleton with a passage is listed, the other is not.
    assert_eq!(listed, [11, 13, 10, 12, 15]);
    assert_eq!(all["omitted"]["singletons"], 1);

    let html = run.html(&["--force", "--max-clusters", "2", "--sample", "2"]);
    let bounded = data(&html);
    // The representative first, then the least similar member.
    assert_eq!(ids(&bounded), ["c11-0", "c11-4", "c13-0", "c13-3"]);
    let omitted = &bounded["omitted"];
    assert_eq!(omitted["clusters"], 3);
    assert_eq!(omitted["clusters_documents"], 3 + 2 + 1);
    assert_eq!(omitted["largest_omitted_size"], 3);
    assert_eq!(omitted["members"], 3 + 2);
    assert_eq!(bounded["clusters"][0]["more"], 3);
    assert!(!html.contains("c10-0"), "texts of clusters not shown are not embedded");
    assert_eq!(run.html(&["--force", "--max-clusters", "2", "--sample", "2"]), html);
}

#[test]
fn a_passages_run_without_clusters_groups_linked_documents() {
    let text = "a shared sentence that several documents carry";
    let docs: Vec<Value> =
        ["a", "b", "c", "d", "e", "f"].iter().map(|id| json!({"id": id, "text": text})).collect();
    let run = Run::new(&docs, &[]);
    let passage = |a: &str, b: &str| {
        json!({"a": a, "b": b, "a_start": 2, "a_end": 17, "b_start": 2, "b_end": 17,
               "words": 3, "identity": 1.0})
    };
    run.write("passages.jsonl", &[passage("a", "b"), passage("d", "e"), passage("b", "c")]);
    run.write("pairs.jsonl", &[json!({"a": "a", "b": "b", "similarity": 0.9, "kind": "reprint"})]);
    let data = data(&run.html(&[]));
    let sizes: Vec<u64> =
        data["clusters"].as_array().unwrap().iter().map(|c| c["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [3, 2]);
    assert_eq!(ids(&data), ["a", "b", "c", "d", "e"]);
    assert_eq!(data["passages"].as_array().unwrap().len(), 3);
    assert_eq!(data["pairs"][0], json!([0, 1, 0.9, "reprint", null]));
    assert_eq!(data["overview"]["similarity_histogram"]["source"], "pairs");
}

#[test]
fn missing_inputs_are_a_clear_error() {
    let run = Run::new(
        &[json!({"id": "a", "text": "x"})],
        &[member("a", 0, true, 1.0), member("b", 0, false, 0.9)],
    );
    let summary = json!({"command": "dedup", "inputs": ["no/such/corpus.jsonl"]});
    fs::write(run.run.join("summary.json"), summary.to_string()).unwrap();
    let failed = report(&run.run, &run.out, &[]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("no/such/corpus.jsonl") && stderr.contains("current directory"),
        "{stderr}"
    );
    assert!(!run.out.exists());
}
