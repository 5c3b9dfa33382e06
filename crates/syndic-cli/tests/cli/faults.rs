//! Fault injection for the index commands (issue 12): `kill -9` at random
//! moments of `index create --from` and `index add`, and Ctrl-C during
//! `index add`. After every trial the index opens with no manual step, holds
//! no half-written batch, and running the command again (with
//! `--skip-existing` for an add) ends with exactly the index that one
//! uninterrupted run makes.
//!
//! The moments are drawn from a seed printed by each test, so that a
//! failure can be replayed with `SYNDIC_FAULT_SEED`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// Trials per test; with the server's, CI runs more than twenty.
const TRIALS: usize = 10;

/// A corpus of `n` documents of pseudo-random words, with exact and near
/// copies of earlier ones, so that adds have pairs and clusters to record.
fn corpus(n: usize, seed: u64) -> Vec<(String, String)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let words: Vec<String> = (0..2000).map(|i| format!("w{i:x}")).collect();
    let mut docs: Vec<(String, String)> = Vec::with_capacity(n);
    for i in 0..n {
        let text = match rng.u8(..10) {
            0 if i > 0 => docs[rng.usize(..i)].1.clone(),
            1 if i > 0 => {
                let base = &docs[rng.usize(..i)].1;
                format!("{base} and one more sentence")
            }
            _ => (0..20)
                .map(|_| words[rng.usize(..words.len())].as_str())
                .collect::<Vec<_>>()
                .join(" "),
        };
        docs.push((format!("doc-{i:06}"), text));
    }
    docs
}

fn seed() -> u64 {
    let seed = std::env::var("SYNDIC_FAULT_SEED").ok().and_then(|s| s.parse().ok());
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            as u64
    });
    eprintln!("fault injection seed {seed} (SYNDIC_FAULT_SEED={seed} replays it)");
    seed
}

/// The clusters and pairs of the whole index, which must not depend on
/// how the index was built.
fn exported(idx: &Path, out: &Path) -> (String, String) {
    ok(&["index", "export", s(idx), "--out", s(out), "--force"]);
    (read(out.join("clusters.jsonl")), read(out.join("pairs.jsonl")))
}

fn documents(idx: &Path) -> u64 {
    let out = syndic(&["index", "stats", s(idx)]);
    assert!(out.status.success(), "the index opens: {}", String::from_utf8_lossy(&out.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    stats["stats"]["documents"].as_u64().unwrap()
}

/// Runs syndic with `args` and sends `signal` after `delay`, unless it ended
/// before; returns whether it was still running then, and its output.
fn interrupt(args: &[&str], signal: &str, delay: Duration) -> (bool, std::process::Output) {
    let mut child = command(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return (false, child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let running = child.try_wait().unwrap().is_none();
    if running {
        crate::common::signal(&child, signal);
    }
    (running, child.wait_with_output().unwrap())
}

/// No hidden staging directory or temporary file is left where a finished
/// command ran.
fn hidden_entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

/// Issue 12, defect 6: SIGKILL during `index create --from` left a partial
/// index that a re-run refused.
#[test]
fn issue12_kill_during_index_create_leaves_no_partial_index() {
    let mut rng = fastrand::Rng::with_seed(seed());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("corpus.jsonl");
    std::fs::write(&input, to_jsonl(&corpus(20_000, 7))).unwrap();
    let reference = d.join("reference");
    ok(&["index", "create", s(&reference), "--from", s(&input), "-q"]);
    let want = exported(&reference, &d.join("want"));
    let took = {
        let started = Instant::now();
        ok(&["index", "create", s(&d.join("timed")), "--from", s(&input), "-q"]);
        started.elapsed()
    };
    let mut killed = 0;
    for trial in 0..TRIALS {
        let trial_dir = d.join(format!("trial-{trial}"));
        std::fs::create_dir(&trial_dir).unwrap();
        let idx = trial_dir.join("idx");
        let delay = Duration::from_millis(rng.u64(..=took.as_millis() as u64));
        let args = ["index", "create", s(&idx), "--from", s(&input), "-q"];
        let (running, _) = interrupt(&args, "-KILL", delay);
        killed += usize::from(running);
        // Killed: no index at all, so running the command again just works;
        // finished first: the whole index.
        if idx.exists() {
            assert_eq!(documents(&idx), 20_000, "trial {trial} ({delay:?}): a partial index");
        } else {
            ok(&args);
        }
        assert_eq!(exported(&idx, &trial_dir.join("got")), want, "trial {trial} ({delay:?})");
    }
    assert!(killed >= TRIALS / 2, "only {killed} of {TRIALS} trials killed a running create");
    // Only `kill -9` leaves the hidden staging directories; an error or a
    // Ctrl-C removes them.
    let bad = d.join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"a\", \"text\": \"x\"}\nnot json\n").unwrap();
    let err = fails(&["index", "create", s(&d.join("failed")), "--from", s(&bad), "-q"]);
    assert!(err.contains("line 2"), "{err}");
    assert!(!d.join("failed").exists());
    assert!(hidden_entries(d).is_empty(), "{:?}", hidden_entries(d));
}

/// Issue 12: SIGKILL at any moment of `index add` loses nothing that was
/// committed and leaves no half-written batch; running the add again with
/// `--skip-existing` finishes the job.
#[test]
fn issue12_kill_during_index_add_then_skip_existing_finishes_it() {
    let mut rng = fastrand::Rng::with_seed(seed());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let docs = corpus(25_000, 11);
    let (first, rest) = (d.join("first.jsonl"), d.join("rest.jsonl"));
    std::fs::write(&first, to_jsonl(&docs[..5_000])).unwrap();
    std::fs::write(&rest, to_jsonl(&docs[5_000..])).unwrap();
    let base = d.join("base");
    ok(&["index", "create", s(&base), "--from", s(&first), "-q"]);
    let reference = d.join("reference");
    copy_dir(&base, &reference);
    let started = Instant::now();
    ok(&["index", "add", s(&reference), s(&rest), "--out", s(&d.join("ref-add")), "-q"]);
    let took = started.elapsed();
    let want = exported(&reference, &d.join("want"));
    let mut killed = 0;
    for trial in 0..TRIALS {
        let idx = d.join(format!("idx-{trial}"));
        copy_dir(&base, &idx);
        let out = d.join(format!("add-{trial}"));
        let delay = Duration::from_millis(rng.u64(..=took.as_millis() as u64));
        let args = ["index", "add", s(&idx), s(&rest), "--out", s(&out), "-q"];
        let (running, _) = interrupt(&args, "-KILL", delay);
        killed += usize::from(running);
        let held = documents(&idx);
        assert!((5_000..=25_000).contains(&held), "trial {trial}: {held} documents");
        assert!(!out.exists() || !running, "trial {trial}: a killed add wrote its run");
        let again = ["index", "add", s(&idx), s(&rest), "--out", s(&out), "-q", "--force"];
        ok(&[&again[..], &["--skip-existing"]].concat());
        let summary = json(out.join("summary.json"));
        assert_eq!(summary["already_indexed"].as_u64(), Some(held - 5_000), "trial {trial}");
        assert_eq!(exported(&idx, &d.join(format!("got-{trial}"))), want, "trial {trial}");
    }
    assert!(killed >= TRIALS / 2, "only {killed} of {TRIALS} trials killed a running add");
}

/// Issue 12, defect 5: Ctrl-C during `index add` committed a batch and said
/// nothing; a re-run then failed with "already in the index".
#[test]
fn issue12_ctrl_c_during_index_add_says_what_was_added() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let docs = corpus(40_000, 13);
    let rest = d.join("rest.jsonl");
    std::fs::write(&rest, to_jsonl(&docs)).unwrap();
    let reference = d.join("reference");
    ok(&["index", "create", s(&reference), "--from", s(&rest), "-q"]);
    let want = exported(&reference, &d.join("want"));
    let idx = d.join("idx");
    ok(&["index", "create", s(&idx), "-q"]);
    let run = d.join("add");
    let args = ["index", "add", s(&idx), s(&rest), "--out", s(&run), "-q"];
    let (running, out) = interrupt(&args, "-INT", Duration::from_millis(700));
    assert!(running, "the add ended before Ctrl-C: make the corpus larger");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let held = documents(&idx);
    eprintln!("Ctrl-C after 700 ms: {held} documents added");
    if held == 0 {
        assert!(stderr.contains("no document of this run was added"), "{stderr}");
    } else {
        // Exactly what the message says is what the index holds.
        let said = format!("{held} documents of this run were added");
        assert!(stderr.contains(&said), "{stderr} (the index holds {held})");
        let last = &docs[held as usize - 1].0;
        assert!(stderr.contains(&format!("the last `{last}`")), "{stderr}");
        let err = fails(&args);
        assert!(err.contains("already in the index") && err.contains("--skip-existing"), "{err}");
    }
    assert!(!run.exists(), "an interrupted add writes no run");
    ok(&[&args[..], &["--skip-existing"]].concat());
    assert_eq!(exported(&idx, &d.join("got")), want);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
