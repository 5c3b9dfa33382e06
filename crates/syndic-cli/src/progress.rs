//! Progress bars on stderr and Ctrl-C handling.
//!
//! Bars are drawn only when stderr is a terminal and `--quiet` is not given,
//! so logs and pipes see nothing but errors. Ctrl-C sets a flag that the
//! stage loops check between batches; the run then stops with
//! `Error::Cancelled`, and temporary outputs are removed as they drop.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Set once Ctrl-C was pressed.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    pressed: Arc<AtomicBool>,
    /// Set while the process is blocked where no flag is checked (reading
    /// standard input into its spool): Ctrl-C then exits at once, which
    /// leaves nothing behind since no output exists yet and the spool file
    /// has no name.
    at_once: Arc<AtomicBool>,
    /// Temporary directories that an exit at once removes first (they
    /// are removed as they drop otherwise).
    temporary: Arc<Mutex<Vec<PathBuf>>>,
}

impl Cancel {
    /// Fails with `Error::Cancelled` once Ctrl-C was pressed.
    pub fn check(&self) -> syndic::Result<()> {
        if self.pressed.load(Ordering::Relaxed) {
            Err(syndic::Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Has `dir` removed should a second Ctrl-C exit at once.
    pub fn remove_on_exit(&self, dir: &Path) {
        self.temporary.lock().unwrap_or_else(|e| e.into_inner()).push(dir.to_owned());
    }

    /// Runs `work`, which checks no flag and may block (on a slow standard
    /// input), with Ctrl-C exiting at once.
    pub fn exit_at_once_during<T>(&self, work: impl FnOnce() -> T) -> T {
        self.at_once.store(true, Ordering::SeqCst);
        let done = work();
        self.at_once.store(false, Ordering::SeqCst);
        done
    }
}

/// Installs the Ctrl-C handler. A second Ctrl-C exits at once.
pub fn install_ctrlc_handler() -> Cancel {
    let cancel = Cancel::default();
    let (pressed, at_once) = (cancel.pressed.clone(), cancel.at_once.clone());
    let temporary = cancel.temporary.clone();
    // Failing to install (a handler already set, in tests) only costs the
    // clean stop; it is not worth refusing to run.
    let _ = ctrlc::set_handler(move || {
        // The handler runs on a thread of its own, not in signal context,
        // so printing and exiting are safe here.
        if pressed.swap(true, Ordering::SeqCst) || at_once.load(Ordering::SeqCst) {
            eprintln!("syndic: cancelled");
            // A merge of spilled runs checks no flag between its steps, so
            // a second Ctrl-C may come while its files exist.
            for dir in temporary.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                let _ = std::fs::remove_dir_all(dir);
            }
            std::process::exit(130);
        }
    });
    cancel
}

/// Creates progress bars for the stages of one command.
#[derive(Clone, Copy, Debug)]
pub struct Bars {
    visible: bool,
}

impl Bars {
    /// Bars that show only on a terminal, and never with `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self { visible: !quiet && std::io::stderr().is_terminal() }
    }

    /// A bar over input bytes (`total` may be 0 when unknown, e.g. stdin).
    pub fn bytes(&self, stage: &str, total: u64) -> ProgressBar {
        let bar = self.bar(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12.cyan.bold} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(stage.to_owned());
        bar
    }

    /// A bar over a count of items.
    pub fn items(&self, stage: &str, total: u64) -> ProgressBar {
        let bar = self.bar(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12.cyan.bold} [{bar:30}] {human_pos}/{human_len} {per_sec} ETA {eta} {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(stage.to_owned());
        bar
    }

    fn bar(&self, total: u64) -> ProgressBar {
        if self.visible {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        }
    }
}

/// Wall time per stage, in milliseconds, in the order they ran.
#[derive(Default)]
pub struct Timings(Vec<(&'static str, u128)>, Option<Instant>);

impl Timings {
    pub fn start(&mut self) {
        self.1 = Some(Instant::now());
    }

    pub fn stop(&mut self, stage: &'static str) {
        let started = self.1.take().expect("stop after start");
        self.0.push((stage, started.elapsed().as_millis()));
        self.1 = Some(Instant::now());
    }

    /// Milliseconds by stage, as `summary.json` records them.
    pub fn to_map(&self) -> std::collections::BTreeMap<String, u64> {
        self.0.iter().map(|&(k, v)| (k.to_owned(), v as u64)).collect()
    }
}
