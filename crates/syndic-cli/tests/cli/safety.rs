//! Nothing is lost: inputs untouched, outputs atomic, --force required to
//! overwrite, Ctrl-C and SIGKILL leave nothing under the final names.

use std::process::Stdio;

use crate::common::*;

#[test]
fn existing_output_needs_force() {
    let (dir, out) = temp_run();
    let corpus = example_corpus();
    ok(&["dedup", s(&corpus), "--out", s(&out), "-q"]);
    let err = fails(&["dedup", s(&corpus), "--out", s(&out), "-q"]);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    std::fs::write(out.join("clusters.jsonl"), "old run").unwrap();
    ok(&["dedup", s(&corpus), "--out", s(&out), "-q", "--force"]);
    assert_ne!(read(out.join("clusters.jsonl")), "old run", "--force replaced the run");
    let deduped = dir.path().join("kept.jsonl");
    std::fs::write(&deduped, "precious").unwrap();
    let err = fails(&[
        "dedup",
        s(&corpus),
        "--out",
        s(&dir.path().join("other")),
        "--write-deduped",
        s(&deduped),
    ]);
    assert!(err.contains("kept.jsonl"), "{err}");
    assert_eq!(read(&deduped), "precious");
}

#[test]
fn inputs_are_never_modified() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    let content = to_jsonl(&example_docs());
    std::fs::write(&input, &content).unwrap();
    let before = std::fs::metadata(&input).unwrap().modified().unwrap();
    for mode in ["exact", "minhash", "reprint"] {
        ok(&[
            "dedup",
            s(&input),
            "--out",
            s(&dir.path().join(mode)),
            "--mode",
            mode,
            "-q",
            "--write-deduped",
            s(&dir.path().join(format!("{mode}.jsonl"))),
        ]);
    }
    ok(&["clean", s(&input), "--out", s(&dir.path().join("clean.jsonl")), "--drop-repeated", "-q"]);
    assert_eq!(read(&input), content);
    assert_eq!(std::fs::metadata(&input).unwrap().modified().unwrap(), before);
}

/// Ctrl-C while reading stops cleanly with exit code 130 and no output.
#[test]
fn interrupt_leaves_no_output() {
    let (dir, out) = temp_run();
    let mut child = command(&["dedup", "-", "--out", s(&out), "-q"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    use std::io::Write;
    stdin.write_all(to_jsonl(&example_docs()).as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(&child, "-INT");
    // The handler runs on its own thread: give it time to raise the flag
    // before the input ends and the first batch checks it.
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "temporary files removed: {leftovers:?}");
}

/// SIGKILL mid-run: nothing appears under the final name.
#[test]
fn kill_leaves_nothing_under_the_final_name() {
    let Some(data) = shared_data() else { return };
    let input = data.join("gutenberg-sample.jsonl.gz");
    let (_dir, out) = temp_run();
    let mut child = command(&["dedup", s(&input), "--mode", "reprint", "--out", s(&out)])
        .args(["-q", "--threads", "1"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    assert!(child.try_wait().unwrap().is_none(), "still running when killed");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.exists(), "a killed run leaves no output under the final name");
}

#[test]
fn broken_pipe_is_not_an_error() {
    // `syndic --help | head -1`: stdout closes early.
    let mut child = command(&["--help"]).stdout(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.code().is_some());
}

/// `--out runs/example` in a fresh checkout: the parent directories are
/// created (regression: the README's first command failed without `runs/`).
#[test]
fn output_parents_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs/nested/example");
    let deduped = dir.path().join("kept/deduped.jsonl");
    ok(&["dedup", s(&example_corpus()), "--out", s(&out), "--write-deduped", s(&deduped), "-q"]);
    assert!(out.join("clusters.jsonl").exists());
    assert!(deduped.exists());
    let cleaned = dir.path().join("clean/out.jsonl");
    ok(&["clean", s(&example_corpus()), "--out", s(&cleaned), "-q"]);
    assert!(cleaned.exists());
}

/// Issue 12, defect 1: `--force` deleted whatever `--out` named: the index
/// (`index add IDX ... --out IDX`, `index export IDX --out IDX`), the input
/// corpus (`dedup D --out D`), and files of the user's inside a run.
#[test]
fn issue12_force_never_deletes_an_index_an_input_or_a_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let corpus = d.join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for (id, text) in example_docs() {
        std::fs::write(corpus.join(id.replace('/', "-")), text).unwrap();
    }
    let jsonl = d.join("more.jsonl");
    std::fs::write(&jsonl, to_jsonl(&example_docs()[..2])).unwrap();
    let idx = d.join("idx");
    ok(&["index", "create", s(&idx), "-q"]);
    let listing = |p: &std::path::Path| {
        let mut names: Vec<_> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let (corpus_before, idx_before) = (listing(&corpus), listing(&idx));
    let refusals: [&[&str]; 4] = [
        &["index", "add", s(&idx), s(&jsonl), "--out", s(&idx), "--force", "-q"],
        &["index", "export", s(&idx), "--out", s(&idx), "--force"],
        &["dedup", s(&corpus), "--out", s(&corpus), "--force", "-q"],
        &["clean", s(&jsonl), "--out", s(&jsonl), "--force", "-q"],
    ];
    for args in refusals {
        let err = fails(args);
        assert!(err.contains("left as it is"), "{args:?}: {err}");
        assert!(err.contains("--force replaces only"), "{args:?}: the hint: {err}");
    }
    assert_eq!(listing(&corpus), corpus_before, "the corpus is intact");
    assert_eq!(listing(&idx), idx_before, "the index is intact");
    assert_eq!(read(&jsonl), to_jsonl(&example_docs()[..2]), "the input file is intact");
    ok(&["index", "add", s(&idx), s(&jsonl), "--out", s(&d.join("added")), "-q"]);
    // A run of syndic's with a file of the user's in it stays, naming it.
    let run = d.join("run");
    ok(&["dedup", s(&corpus), "--out", s(&run), "-q"]);
    std::fs::write(run.join("notes.txt"), "mine").unwrap();
    let err = fails(&["dedup", s(&corpus), "--out", s(&run), "--force", "-q"]);
    assert!(err.contains("notes.txt") && err.contains("syndic did not write"), "{err}");
    assert_eq!(read(run.join("notes.txt")), "mine");
    std::fs::remove_file(run.join("notes.txt")).unwrap();
    ok(&["dedup", s(&corpus), "--out", s(&run), "--force", "-q"]);
    // A run directory that is the input of the next run stays too.
    let err = fails(&["dedup", s(&run.join("pairs.jsonl")), "--out", s(&run), "--force", "-q"]);
    assert!(err.contains("an input of this run"), "{err}");
}

/// Issue 12, defect 2: `--write-deduped` inside `--out` was deleted by the
/// run directory's rename (with `--force`), or left half-written by a
/// failed run (without).
#[test]
fn issue12_write_deduped_inside_the_run_directory() {
    let (dir, run) = temp_run();
    let corpus = example_corpus();
    let deduped = run.join("deduped.jsonl");
    for force in [false, true] {
        let mut args = vec!["dedup", s(&corpus), "--out", s(&run), "--write-deduped"];
        args.extend([s(&deduped), "-q"]);
        if force {
            args.push("--force");
        }
        ok(&args);
        let summary = json(run.join("summary.json"));
        assert_eq!(summary["deduped_output"]["records"], 6, "force {force}");
        assert_eq!(read(&deduped).lines().count(), 6, "force {force}: the file is there");
        assert!(summary["files"].as_array().unwrap().contains(&"deduped.jsonl".into()));
    }
    // A failed run leaves nothing: neither the run nor the deduplicated file.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"a\", \"text\": \"fine\"}\nnot json\n").unwrap();
    let other = dir.path().join("other");
    let err = fails(&[
        "dedup",
        s(&bad),
        "--out",
        s(&other),
        "--write-deduped",
        s(&other.join("deduped.jsonl")),
        "-q",
    ]);
    assert!(err.contains("line 2"), "{err}");
    assert!(!other.exists(), "nothing of a failed run is left");
    // The deduplicated corpus cannot take the name of one of the run's files.
    let err = fails(&[
        "dedup",
        s(&corpus),
        "--out",
        s(&other),
        "--write-deduped",
        s(&other.join("pairs.jsonl")),
    ]);
    assert!(err.contains("would replace a file of the run directory"), "{err}");
}

/// Issue 12, defect 7: `--threads 100000` started thousands of threads.
#[test]
fn issue12_thread_counts_are_capped_at_the_cores() {
    let (dir, out) = temp_run();
    let corpus = example_corpus();
    let err = ok(&["dedup", s(&corpus), "--out", s(&out), "--threads", "100000", "-q"]);
    assert!(err.contains("--threads 100000 capped at the"), "{err}");
    let reference = dir.path().join("one");
    ok(&["dedup", s(&corpus), "--out", s(&reference), "--threads", "1", "-q"]);
    assert_eq!(read(out.join("clusters.jsonl")), read(reference.join("clusters.jsonl")));
}

/// Issue 12, defect 9: a closed or full standard output panicked (exit
/// 101) in `index stats` and `query`.
#[test]
fn issue12_closed_or_full_stdout_is_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    ok(&["index", "create", s(&idx), "--from", s(&example_corpus()), "-q"]);
    let text = dir.path().join("query.txt");
    std::fs::write(&text, example_docs()[0].1.as_str()).unwrap();
    let commands: [&[&str]; 2] =
        [&["index", "stats", s(&idx)], &["query", s(&idx), s(&text), "--json"]];
    for args in commands {
        // `| true`: the reader is gone before anything is written.
        let mut child =
            command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: a broken pipe is no error: {stderr}");
        // A full disk behind stdout is an error, said cleanly.
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = command(args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("No space left on device"), "{args:?}: {stderr}");
    }
}

/// Issue 12, defect 10: flags a mode ignores were accepted silently, a NaN
/// weight gave one band of one row, and error causes were printed twice.
#[test]
fn issue12_flags_that_do_nothing_and_bad_numbers_are_refused() {
    let (dir, out) = temp_run();
    let corpus = example_corpus();
    let cases: [(&[&str], &str); 6] = [
        (&["--mode", "exact", "--threshold", "0.5"], "--threshold does nothing in the exact mode"),
        (&["--mode", "minhash", "--min-coverage", "0.3"], "--min-coverage does nothing"),
        (&["--mode", "reprint", "--num-perm", "64"], "--num-perm does nothing in the reprint"),
        (&["--fp-weight", "NaN"], "must be finite, non-negative"),
        (&["--fn-weight", "inf"], "must be finite, non-negative"),
        (&["--fp-weight=-1"], "must be finite, non-negative"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["dedup", s(&corpus), "--out", s(&out), "-q"];
        args.extend(flags);
        let err = fails(&args);
        assert!(err.contains(message), "{flags:?}: {err}");
        assert!(!out.exists());
    }
    let idx = dir.path().join("idx");
    let err = fails(&["index", "create", s(&idx), "--mode", "exact", "--threshold", "0.9"]);
    assert!(err.contains("--threshold does nothing in the exact mode"), "{err}");
    // Each cause once: the I/O error's text is part of the message already.
    let err = fails(&["dedup", s(&dir.path().join("missing.jsonl")), "--out", s(&out)]);
    let cause = "No such file or directory";
    assert_eq!(err.matches(cause).count(), 1, "{err}");
}

/// Issue 12, defect 10: Ctrl-C while standard input was being read was
/// ignored once, and the spool file was left in the temporary directory.
#[test]
fn issue12_ctrl_c_while_reading_stdin_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let spools = || -> Vec<_> {
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("syndic-stdin-"))
            .collect()
    };
    let before = spools();
    let mut child = command(&["dedup", "-", "--out", s(&dir.path().join("run")), "-q"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    use std::io::Write;
    stdin.write_all(b"{\"id\": \"a\", \"text\": \"the first of many\"}\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    signal(&child, "-INT");
    let started = std::time::Instant::now();
    // Standard input stays open: only the signal can end the run.
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "one Ctrl-C stops it");
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    drop(stdin);
    let left: Vec<_> = spools().into_iter().filter(|s| !before.contains(s)).collect();
    assert!(left.is_empty(), "spool files left behind: {left:?}");
    assert!(!dir.path().join("run").exists());
}
