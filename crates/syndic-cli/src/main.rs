//! The `syndic` command: thin front end over the `syndic` library.
//!
//! Each subcommand lives in its own module under `cmd/` and does three
//! things only: turn flags into the library's validated configs, drive the
//! library's stages over the inputs (with progress bars), and write outputs
//! atomically. Errors are `anyhow` here and nowhere else.

mod cmd;
mod progress;

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

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
    /// Group documents covering the same event into stories, with every
    /// linked pair typed: copy, near copy, reprint or same story.
    Stories(cmd::stories::Args),
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
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    if let Err(err) = refuse_unused_flags(&cli, &matches) {
        return report_error(&err);
    }
    let cancel = progress::install_ctrlc_handler();
    let result = match cli.command {
        Command::Dedup(args) => cmd::dedup::run(args, &cancel),
        Command::Passages(args) => cmd::passages::run(args, &cancel),
        Command::Stories(args) => cmd::stories::run(args, &cancel),
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

/// Refuses flags the chosen mode would ignore (see `cmd::flags`).
fn refuse_unused_flags(cli: &Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    match &cli.command {
        Command::Dedup(args) => {
            let dedup = matches.subcommand_matches("dedup").expect("the dedup subcommand");
            cmd::flags::refuse_unused(args.dedup.settings.mode, false, dedup)
        }
        Command::Index(args) => match (args.create_mode(), matches.subcommand_matches("index")) {
            (Some(mode), Some(index)) => {
                let create = index.subcommand_matches("create").expect("index create");
                cmd::flags::refuse_unused(mode, args.creates_stories(), create)
            }
            _ => Ok(()),
        },
        _ => Ok(()),
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
    // Errors that show their cause in their own message (an I/O error with
    // its path) also return it as their source: print each text once.
    let mut message = format!("syndic: error: {err}");
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !message.ends_with(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    if let Some(hint) = err.chain().find_map(hint) {
        message.push_str(&hint);
    }
    eprintln!("{message}");
    ExitCode::from(1)
}

/// What the command line can do about an error of the library, whose
/// messages name no flags.
fn hint(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    use syndic::{ConfigError, Error};
    match cause.downcast_ref::<Error>()? {
        Error::OutputExists { .. } => Some(" (use --force to replace it)".to_owned()),
        Error::Spill(syndic::spill::SpillError::EstimateOverFree { .. }) => Some(
            " (choose a directory with more room with --tmp-dir, or start anyway with \
             --no-space-check)"
                .to_owned(),
        ),
        Error::OutputNotReplaceable { .. } => Some(
            " (--force replaces only a run directory or file that syndic wrote and the run does \
             not read: choose another output, or move it away yourself)"
                .to_owned(),
        ),
        Error::Config(
            ConfigError::Invalid { name, .. } | ConfigError::UnknownChoice { name, .. },
        ) => {
            let flags: Vec<String> = name
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|word| syndic::settings::is_setting(word))
                .map(|setting| format!("--{}", cmd::flags::flag_name(setting)))
                .collect();
            (!flags.is_empty()).then(|| format!(" (see {})", flags.join(", ")))
        }
        _ => None,
    }
}
