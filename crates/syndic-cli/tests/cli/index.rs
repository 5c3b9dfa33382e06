//! `syndic index`, `syndic query` and `syndic serve` end to end: the
//! index gives `syndic dedup`'s answers, the lock keeps a second writer
//! out, and a server killed with SIGKILL mid-stream loses nothing it
//! acknowledged.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use syndic_server::client::Client;

fn syndic(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syndic")).current_dir(dir).args(args).output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = syndic(dir, args);
    assert!(out.status.success(), "syndic {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Stories with exact and near copies, some of them across the two halves.
fn corpus(n: usize) -> Vec<Value> {
    let stories = [
        "shares of the company rose sharply on tuesday after it reported quarterly earnings that beat analyst expectations and raised its forecast",
        "heavy rain is expected across the north of the country this weekend forecasters said with flood warnings in place for several rivers",
        "the central bank left interest rates unchanged on thursday but signalled that it could cut them later this year if inflation keeps falling",
    ];
    (0..n)
        .map(|i| {
            let story = stories[i % 3];
            let text = match (i / 3) % 4 {
                0 => story.to_owned(),
                1 => story.to_uppercase(),
                2 => story.replace("the", &format!("the{i}")),
                _ => story.replacen("said", "reported", 1).replacen("on", "last", 1),
            };
            json!({"id": format!("doc-{i:03}"), "text": text})
        })
        .collect()
}

fn write_jsonl(path: &Path, docs: &[Value]) {
    let text: String = docs.iter().map(|d| format!("{d}\n")).collect();
    std::fs::write(path, text).unwrap();
}

#[test]
fn create_and_add_give_the_answers_of_dedup() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let docs = corpus(40);
    write_jsonl(&d.join("first.jsonl"), &docs[..25]);
    write_jsonl(&d.join("second.jsonl"), &docs[25..]);
    write_jsonl(&d.join("all.jsonl"), &docs);
    let params = ["--threshold", "0.6", "--num-perm", "64", "--keep", "longest"];
    fn with<'a>(args: &[&'a str], params: &[&'a str]) -> Vec<&'a str> {
        [args, params].concat()
    }

    ok(d, &with(&["dedup", "all.jsonl", "--out", "batch", "-q"], &params));
    ok(
        d,
        &with(
            &["index", "create", "idx", "--from", "first.jsonl", "--out", "created", "-q"],
            &params,
        ),
    );
    ok(d, &["index", "add", "idx", "second.jsonl", "--out", "added", "-q"]);
    ok(d, &["index", "export", "idx", "--out", "exported"]);

    // The whole index exports what dedup writes for the concatenation.
    for file in ["clusters.jsonl", "pairs.jsonl"] {
        assert_eq!(
            lines(&d.join("exported").join(file)),
            lines(&d.join("batch").join(file)),
            "{file}"
        );
    }
    let batch: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("batch/summary.json")).unwrap())
            .unwrap();
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("exported/summary.json")).unwrap())
            .unwrap();
    assert_eq!(exported["documents"], batch["documents"]["read"]);
    for key in [
        "clusters",
        "exact_duplicates",
        "near_duplicates",
        "candidate_pairs",
        "verified_pairs",
        "params",
    ] {
        assert_eq!(exported[key], batch[key], "{key}");
    }
    // `add` wrote the lines of the new documents, numbered as in the whole.
    let second: Vec<&str> = docs[25..].iter().map(|d| d["id"].as_str().unwrap()).collect();
    let of_second = |v: &Vec<Value>, key: &str| -> Vec<Value> {
        v.iter().filter(|l| second.contains(&l[key].as_str().unwrap())).cloned().collect()
    };
    assert_eq!(
        lines(&d.join("added/clusters.jsonl")),
        of_second(&lines(&d.join("batch/clusters.jsonl")), "id")
    );
    assert_eq!(
        lines(&d.join("added/pairs.jsonl")),
        of_second(&lines(&d.join("batch/pairs.jsonl")), "b")
    );
    let added: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("added/summary.json")).unwrap())
            .unwrap();
    assert_eq!(added["added"], 15);
    assert!(added["joined_existing_clusters"].as_u64().unwrap() > 0);

    // Known ids stop `add` unless skipped.
    let again = syndic(d, &["index", "add", "idx", "second.jsonl", "--out", "again", "-q"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already in the index"));
    ok(d, &["index", "add", "idx", "second.jsonl", "--out", "again", "-q", "--skip-bad-records"]);
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("again/summary.json")).unwrap())
            .unwrap();
    assert_eq!((again["added"].as_u64(), again["already_indexed"].as_u64()), (Some(0), Some(15)));

    // A query finds the copies, with passages in byte offsets of the query.
    let query_text = docs[4]["text"].as_str().unwrap();
    std::fs::write(d.join("q.txt"), query_text).unwrap();
    let out = ok(d, &["query", "idx", "q.txt", "--json", "--min-passage-words", "10"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["matches"][0]["kind"], "exact");
    let passage = &report["matches"][0]["passages"][0];
    let (start, end) = (
        passage["query_start"].as_u64().unwrap() as usize,
        passage["query_end"].as_u64().unwrap() as usize,
    );
    assert!(end - start > query_text.len() / 2);
    let listing = String::from_utf8(ok(d, &["query", "idx", "q.txt"]).stdout).unwrap();
    assert!(listing.contains("cluster doc-001"), "{listing}");

    // Stats; an index of other parameters cannot be created over this one.
    let stats: Value = serde_json::from_slice(&ok(d, &["index", "stats", "idx"]).stdout).unwrap();
    assert_eq!(stats["stats"]["documents"], 40);
    let refused = syndic(d, &["index", "create", "idx"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already holds an index"));
    assert!(d.join("idx/index.redb").exists());
}

/// Issue 16: an index keeps its band keys and postings in its store, so a
/// memory bound would do nothing: it is refused in every mode, before
/// anything is written.
#[test]
fn issue16_index_create_refuses_a_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    for mode in ["exact", "minhash", "reprint"] {
        let refused =
            syndic(dir.path(), &["index", "create", mode, "--mode", mode, "--memory-mb", "1"]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{mode}");
        assert!(stderr.contains("a memory bound is for batch runs"), "{mode}: {stderr}");
        assert!(!dir.path().join(mode).exists(), "{mode}: nothing written");
    }
}

/// A `syndic serve` process and the address it listens on.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(dir: &Path, index: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_syndic"))
            .current_dir(dir)
            .args(["serve", index, "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .rsplit_once("http://")
            .and_then(|(_, a)| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_server_holds_the_index_against_other_writers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["index", "create", "idx"]);
    write_jsonl(&d.join("new.jsonl"), &corpus(3));
    let server = Server::start(d, "idx");
    let refused = syndic(d, &["index", "add", "idx", "new.jsonl", "--out", "o"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("idx") && message.contains("syndic serve"), "{message}");
    drop(server);
}

#[test]
fn sigkill_loses_nothing_acknowledged() {
    sigkill_trial(&["--threshold", "0.7"]);
}

/// Issue 15: a reprint index keeps the same promise: its postings and
/// learned statistics are written in the add's transaction, so a server
/// killed mid-stream restarts with every acknowledged document, answers
/// from the statistics of the last commit, and exports.
#[test]
fn issue15_sigkill_loses_nothing_acknowledged_in_reprint_mode() {
    sigkill_trial(&["--mode", "reprint"]);
}

/// Four clients stream adds to a server over an index created with
/// `params`; the server is killed with SIGKILL after 100 acknowledgements,
/// restarted, and must hold every acknowledged document.
fn sigkill_trial(params: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &[&["index", "create", "idx"][..], params].concat());
    let server = Server::start(d, "idx");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let docs = Arc::new(corpus(600));
    // Four clients stream adds, singly and in small batches, until the
    // server dies under them.
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (acknowledged, stop, docs, addr) =
                (acknowledged.clone(), stop.clone(), docs.clone(), server.addr);
            std::thread::spawn(move || {
                let mut client = Client::new(addr, None).with_timeout(Duration::from_secs(10));
                let mine: Vec<&Value> = docs.iter().skip(c).step_by(4).collect();
                for chunk in mine.chunks(if c % 2 == 0 { 1 } else { 5 }) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let response = if chunk.len() == 1 {
                        client.json("POST", "/v1/documents", chunk[0])
                    } else {
                        client.json("POST", "/v1/batch/documents", &json!({"documents": chunk}))
                    };
                    let Ok((status, _)) = response else { break };
                    assert!(status == 200 || status == 201, "{status}");
                    acknowledged
                        .lock()
                        .unwrap()
                        .extend(chunk.iter().map(|d| d["id"].as_str().unwrap().to_owned()));
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 100 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL: no shutdown code runs
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 100, "only {} acknowledged", acknowledged.len());
    assert!(acknowledged.len() < docs.len(), "the kill came after the stream ended");

    // Restarted, the server has every acknowledged document.
    let server = Server::start(d, "idx");
    let mut client = Client::new(server.addr, None);
    for id in &acknowledged {
        let (status, body) =
            client.json("GET", &format!("/v1/documents/{id}"), &Value::Null).unwrap();
        assert_eq!(status, 200, "{id}: {body}");
    }
    let (_, stats) = client.json("GET", "/v1/stats", &Value::Null).unwrap();
    let documents = stats["documents"].as_u64().unwrap() as usize;
    // Requests in flight at the kill may or may not have committed.
    assert!(documents >= acknowledged.len() && documents <= acknowledged.len() + 4 * 5, "{stats}");
    drop(server);
    // And the index is whole: it exports.
    ok(d, &["index", "export", "idx", "--out", "after"]);
    assert_eq!(lines(&d.join("after/clusters.jsonl")).len(), documents);
}

/// Indexes the first 80 % of `lines` (JSONL records) in reprint mode, adds
/// the rest and exports: every file is `syndic dedup --mode reprint`'s over
/// the whole corpus, byte for byte, and `index add` reports the clusters
/// the export gives its documents.
fn reprint_index_equals_dedup(records: &[String], extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let split = records.len() * 4 / 5;
    assert!(split > 0 && split < records.len());
    std::fs::write(d.join("first.jsonl"), records[..split].concat()).unwrap();
    std::fs::write(d.join("second.jsonl"), records[split..].concat()).unwrap();
    std::fs::write(d.join("all.jsonl"), records.concat()).unwrap();
    let with = |args: &[&'static str]| -> Vec<String> {
        args.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>| ok(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    run(with(&["dedup", "--mode", "reprint", "all.jsonl", "--out", "batch", "-q"]));
    run(with(&["index", "create", "idx", "--mode", "reprint", "--from", "first.jsonl", "-q"]));
    ok(d, &["index", "add", "idx", "second.jsonl", "--out", "added", "-q"]);
    ok(d, &["index", "export", "idx", "--out", "exported"]);
    for file in ["clusters.jsonl", "pairs.jsonl", "passages.jsonl", "boilerplate.jsonl"] {
        let (batch, exported) = (d.join("batch").join(file), d.join("exported").join(file));
        let same = std::fs::read(&batch).unwrap() == std::fs::read(&exported).unwrap();
        assert!(same, "{file} of the index differs from dedup's");
    }
    let batch = lines(&d.join("batch/clusters.jsonl"));
    assert_eq!(lines(&d.join("added/clusters.jsonl")), batch[split..]);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("exported/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["mode"], "reprint");
    assert!(summary["params"]["min_coverage"].is_number(), "{summary}");
}

/// JSONL records `{"id", "text"}` of `docs`, one string per line.
fn records(docs: &[(String, String)]) -> Vec<String> {
    docs.iter().map(|(id, text)| format!("{}\n", json!({"id": id, "text": text}))).collect()
}

/// Issue 15: index equals batch on the example corpus (wire stories and
/// their reprints on two sites), and with other reprint settings.
#[test]
fn issue15_reprint_index_equals_dedup_on_the_examples() {
    let docs = crate::common::example_docs();
    reprint_index_equals_dedup(&records(&docs), &[]);
    reprint_index_equals_dedup(&records(&docs), &["--min-coverage", "0.3", "--keep", "first"]);
}

/// Issue 15: index equals batch on the seed pages.
#[test]
fn issue15_reprint_index_equals_dedup_on_the_seeds() {
    let Some(data) = crate::common::shared_data() else { return };
    let docs: Vec<(String, String)> = (0..5)
        .map(|i| {
            let name = format!("00{i}.txt");
            (name.clone(), std::fs::read_to_string(data.join("seeds").join(&name)).unwrap())
        })
        .collect();
    reprint_index_equals_dedup(&records(&docs), &[]);
}

/// Issue 15: index equals batch on Reuters-21578 (20,841 stories; 16,672
/// indexed at creation, 4,169 added), every file byte for byte.
#[test]
fn issue15_reprint_index_equals_dedup_on_reuters() {
    let Some(data) = crate::common::shared_data() else { return };
    let file = std::fs::File::open(data.join("reuters21578.jsonl.gz")).unwrap();
    let lines: Vec<String> = BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| l.unwrap() + "\n")
        .collect();
    assert_eq!(lines.len(), 20_841);
    reprint_index_equals_dedup(&lines, &[]);
}

/// Issue 15: `syndic query` against a reprint index of the seed pages
/// returns 002 and 004 for 001's text, with passages, and neither 000 nor
/// 003.
#[test]
fn issue15_query_a_reprint_index_of_the_seeds() {
    let Some(data) = crate::common::shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seeds = d.join("seeds");
    std::fs::create_dir(&seeds).unwrap();
    for name in ["000.txt", "002.txt", "003.txt", "004.txt"] {
        std::fs::copy(data.join("seeds").join(name), seeds.join(name)).unwrap();
    }
    ok(d, &["index", "create", "idx", "--mode", "reprint", "--from", "seeds", "-q"]);
    let query = data.join("seeds/001.txt");
    let out = ok(d, &["query", "idx", query.to_str().unwrap(), "--json"]);
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let matches = answer["matches"].as_array().unwrap();
    let ids: Vec<&str> = matches.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["002.txt", "004.txt"], "{answer}");
    for m in matches {
        assert_eq!(m["kind"], "reprint");
        assert!(!m["passages"].as_array().unwrap().is_empty(), "{m}");
        assert!(m["coverage"]["query"].as_f64().unwrap() >= 0.5, "{m}");
    }
    assert_eq!(answer["clusters"][0]["size"], 3, "{answer}");
}

/// Issue 18: an index with stories, created from the first reports and
/// grown by the rest, dated by `--date-field`: the report of the sinking in
/// its own words joins the wire story in the export and in the add's
/// `stories.jsonl`; a query says which story a text would join, and a text
/// dated far from it joins none.
#[test]
fn issue18_index_with_stories_answers_which_story() {
    let wire = "Ferry Sinks Off Osterby\n\nThe passenger ferry Marisol sank off the harbour of \
        Osterby on Tuesday night after striking the Kettle Rocks in a gale, and coastguard crews \
        from Hallvik pulled forty-one people from the water, the harbour master Ingrid Vasska \
        said. Two crew members are still missing and divers will resume the search at first \
        light.";
    let own_words = "Divers search for missing crew of the Marisol\n\nRescue divers from Hallvik \
        returned to the Kettle Rocks near Osterby on Wednesday to look for two sailors of the \
        Marisol, the ferry that went down in Tuesday's storm. Harbour master Ingrid Vasska told \
        reporters that the survivors were recovering in Osterby hospital.";
    let first = [
        ("quarry", "Osterby quarry to close\n\nThe granite quarry at Carrow, the largest employer near Osterby, will close in the spring with the loss of ninety jobs, its owner Brannic Stone announced on Monday."),
        ("budget", "Council budget rises\n\nThe county council of Lindmark approved a budget that rises by four percent, with more money for schools and roads, after a long debate on Thursday."),
        ("school", "New school opens in Dalby\n\nPupils in Dalby moved into a new primary school on Monday after two years of building work, the head teacher Per Holm said."),
        ("wire", wire),
    ];
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dated = |docs: &[(&str, &str)]| -> Vec<Value> {
        docs.iter()
            .map(|(id, text)| json!({"id": id, "text": text, "date": "2024-03-05"}))
            .collect()
    };
    write_jsonl(&d.join("first.jsonl"), &dated(&first));
    write_jsonl(&d.join("more.jsonl"), &dated(&[("own-words", own_words)]));
    let create = ["index", "create", "idx", "--mode", "reprint", "--stories", "--date-field"];
    ok(d, &[&create[..], &["date", "--from", "first.jsonl", "-q"]].concat());
    ok(d, &["index", "add", "idx", "more.jsonl", "--out", "added", "-q"]);
    let added = lines(&d.join("added/stories.jsonl"));
    assert_eq!(added.len(), 1, "{added:?}");
    ok(d, &["index", "export", "idx", "--out", "all"]);
    let stories = lines(&d.join("all/stories.jsonl"));
    let story = |id: &str| stories.iter().find(|l| l["id"] == id).unwrap()["cluster"].clone();
    assert_eq!(story("own-words"), story("wire"), "{stories:?}");
    assert_eq!(added[0]["cluster"], story("wire"));
    assert_ne!(story("quarry"), story("wire"));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("all/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["stories"]["stories"], 4, "{summary}");
    assert_eq!(summary["params"]["stories"]["date_field"], "date", "{summary}");
    assert_eq!(summary["params"]["stories"]["story_threshold"], 0.2, "{summary}");
    std::fs::write(d.join("q.txt"), own_words.replace("Divers", "Rescuers")).unwrap();
    let query = |date: &str| -> Value {
        let out = ok(d, &["query", "idx", "q.txt", "--json", "--date", date]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let near = query("2024-03-06");
    assert_eq!(near["story"]["id"], "wire", "{near}");
    assert_eq!(near["story"]["size"], 3, "{near}");
    assert_eq!(query("2025-03-06")["story"]["id"], Value::Null);
    // Stories need a reprint index.
    let out = syndic(d, &["index", "create", "other", "--stories"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mode reprint"));
}
