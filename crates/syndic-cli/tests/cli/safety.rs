//! Nothing is lost: inputs untouched, outputs atomic, --force required to
//! overwrite, Ctrl-C and SIGKILL leave nothing under the final names.

use std::process::{Command, Stdio};

use crate::common::*;

#[test]
fn existing_output_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = repo_root().join("examples/corpus");
    let out = dir.path().join("run");
    ok(&["dedup", s(&corpus), "--out", s(&out), "-q"]);
    std::fs::write(out.join("marker"), "old run").unwrap();
    let err = fails(&["dedup", s(&corpus), "--out", s(&out), "-q"]);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    assert!(out.join("marker").exists(), "the old run is untouched");
    ok(&["dedup", s(&corpus), "--out", s(&out), "-q", "--force"]);
    assert!(!out.join("marker").exists(), "--force replaced the whole run");
    assert!(out.join("clusters.jsonl").exists());
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
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .args(["dedup", "-", "--out", s(&out), "-q"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    use std::io::Write;
    stdin.write_all(to_jsonl(&example_docs()).as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
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
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .args([
            "dedup",
            s(&data.join("gutenberg-sample.jsonl.gz")),
            "--mode",
            "reprint",
            "--out",
            s(&out),
            "-q",
            "--threads",
            "1",
        ])
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .arg("--help")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
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
    ok(&[
        "dedup",
        s(&repo_root().join("examples/corpus")),
        "--out",
        s(&out),
        "--write-deduped",
        s(&deduped),
        "-q",
    ]);
    assert!(out.join("clusters.jsonl").exists());
    assert!(deduped.exists());
    let cleaned = dir.path().join("clean/out.jsonl");
    ok(&["clean", s(&repo_root().join("examples/corpus")), "--out", s(&cleaned), "-q"]);
    assert!(cleaned.exists());
}
