//! Helpers shared by the CLI tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The shared data directory beside the repository, if present. Its
/// absence skips the test visibly; under `CI=true` it fails the test, so
/// that CI never passes without running what needs the data.
pub fn shared_data() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/data");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{}: the shared data is missing, and CI must run this test", dir.display());
    }
    // The harness hides what passing tests print: the skip also goes to the
    // file `SYNDIC_SKIPPED_LOG` names, which the test script lists.
    let reason = format!("{} is absent", dir.display());
    eprintln!("SKIPPED: {reason}");
    if let Some(log) = std::env::var_os("SYNDIC_SKIPPED_LOG") {
        use std::io::Write;
        let test = std::thread::current().name().unwrap_or("?").to_owned();
        let file = std::fs::OpenOptions::new().create(true).append(true).open(log);
        let _ = file.and_then(|mut f| writeln!(f, "{test}: {reason}"));
    }
    None
}

/// The example corpus: a text tree of eight documents, one site a folder.
pub fn example_corpus() -> PathBuf {
    repo_root().join("examples/corpus")
}

/// A fresh temporary directory, removed when dropped, and the path `run` in
/// it for a test's run directory.
pub fn temp_run() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    (dir, run)
}

/// The syndic binary with `args`, for a test that needs more than `syndic`
/// gives: a working directory, pipes, a child process to signal.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_syndic"));
    command.args(args);
    command
}

pub fn syndic(args: &[&str]) -> Output {
    command(args).output().expect("the syndic binary runs")
}

/// Sends `signal` (`-INT`, `-KILL`) to `child` as `kill` does from a shell.
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success(), "kill {signal} {}", child.id());
}

/// Runs syndic and asserts success; returns stderr.
pub fn ok(args: &[&str]) -> String {
    let out = syndic(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "syndic {args:?} failed: {stderr}");
    assert!(out.stdout.is_empty(), "nothing but data on stdout");
    stderr
}

/// Runs syndic and asserts failure with exit code 1; returns stderr.
pub fn fails(args: &[&str]) -> String {
    let out = syndic(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "syndic {args:?} should fail: {stderr}");
    stderr
}

pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

pub fn json(path: impl AsRef<Path>) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}

pub fn jsonl(path: impl AsRef<Path>) -> Vec<serde_json::Value> {
    read(path).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Compares `actual` with the golden file `tests/golden/<name>`; with
/// `SYNDIC_BLESS=1` in the environment, writes it instead.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("SYNDIC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = read(&path);
    assert_eq!(
        actual,
        expected,
        "output differs from {} (SYNDIC_BLESS=1 to update)",
        path.display()
    );
}

/// The example corpus as (id, text), ids as the text-tree reader gives them.
pub fn example_docs() -> Vec<(String, String)> {
    let root = example_corpus();
    let mut docs = Vec::new();
    for site in std::fs::read_dir(&root).unwrap() {
        let site = site.unwrap().path();
        for file in std::fs::read_dir(&site).unwrap() {
            let file = file.unwrap().path();
            let id = file.strip_prefix(&root).unwrap().to_str().unwrap().to_owned();
            docs.push((id, read(&file)));
        }
    }
    docs.sort();
    docs
}

/// Writes docs as JSONL lines `{"id", "text"}`.
pub fn to_jsonl(docs: &[(String, String)]) -> String {
    docs.iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
        .collect()
}
