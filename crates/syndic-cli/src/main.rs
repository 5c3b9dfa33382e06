//! The `syndic` command: thin front end over the `syndic` library.
//!
//! Each subcommand lives in its own module under `cmd/` and does three
//! things only: turn flags into the library's validated configs, drive the
//! library's stages over the inputs (with progress bars), and write outputs
//! atomically. Errors are `anyhow` here and nowhere else.

mod cmd;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Find reused text in large document collections.
#[derive(Parser, Debug)]
#[command(name = "syndic", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Find exact and near-duplicate documents and group them into clusters.
    Dedup(cmd::dedup::Args),
    /// Find every passage shared between documents, with boilerplate labelled.
    Passages(cmd::passages::Args),
    /// Write the corpus with boilerplate (and optionally repeated passages) removed.
    Clean(cmd::clean::Args),
    /// Compare clusters against gold labels (ARI, pairwise and B-cubed scores).
    Eval(cmd::eval::Args),
    /// Write a self-contained HTML report of a run: clusters, passages, diffs.
    Report(cmd::report::Args),
    /// Build, grow, inspect and export a persistent index.
    Index(cmd::index::Args),
    /// Look a text up in an index without adding it: matches and shared passages.
    Query(cmd::query::Args),
    /// Serve an index over HTTP: add, query and delete documents as they arrive.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cancel = progress::install_ctrlc_handler();
    let result = match cli.command {
        Command::Dedup(args) => cmd::dedup::run(args, &cancel),
        Command::Passages(args) => cmd::passages::run(args, &cancel),
        Command::Clean(args) => cmd::clean::run(args, &cancel),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Report(args) => cmd::report::run(args, &cancel),
        Command::Index(args) => cmd::index::run(args, &cancel),
        Command::Query(args) => cmd::query::run(args),
        Command::Serve(args) => cmd::serve::run(args, &cancel),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report_error(&err),
    }
}

/// Prints the error chain on stderr and picks the exit code. A broken pipe
/// (`syndic ... | head`) is not an error: the reader simply stopped reading.
fn report_error(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
        if let Some(syndic::Error::Io { source, .. }) = cause.downcast_ref::<syndic::Error>() {
            if source.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
    }
    if matches!(err.downcast_ref::<syndic::Error>(), Some(syndic::Error::Cancelled)) {
        eprintln!("syndic: cancelled");
        return ExitCode::from(130);
    }
    eprint!("syndic: error: {err}");
    for cause in err.chain().skip(1) {
        eprint!(": {cause}");
    }
    eprintln!();
    ExitCode::from(1)
}
