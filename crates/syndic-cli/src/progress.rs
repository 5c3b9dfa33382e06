//! Progress bars on stderr and Ctrl-C handling.
//!
//! Bars are drawn only when stderr is a terminal and `--quiet` is not given,
//! so logs and pipes see nothing but errors. Ctrl-C sets a flag that the
//! stage loops check between batches; the run then stops with
//! `Error::Cancelled`, and temporary outputs are removed as they drop.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Set once Ctrl-C was pressed.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Fails with `Error::Cancelled` once Ctrl-C was pressed.
    pub fn check(&self) -> syndic::Result<()> {
        if self.0.load(Ordering::Relaxed) {
            Err(syndic::Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Installs the Ctrl-C handler. A second Ctrl-C exits at once.
pub fn install_ctrlc_handler() -> Cancel {
    let cancel = Cancel::default();
    let flag = cancel.0.clone();
    // Failing to install (a handler already set, in tests) only costs the
    // clean stop; it is not worth refusing to run.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
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
