//! Flags built from the core's settings schema, and the rule that a flag a
//! mode does not use is refused rather than silently ignored.
//!
//! Every setting of [`syndic::settings`] becomes a flag: `min_passage_words`
//! is `--min-passage-words`, its help is the setting's doc, and its
//! `[default: …]` is the core's default. Nothing here states a default or a
//! range: a setting added to the schema appears on every command that
//! flattens its group.

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};
use syndic::dedup::Mode;
use syndic::schema::{Setting, Settings};
use syndic::settings::StoriesSettings;
use syndic::ConfigError;

/// The flags of one group of settings; `settings` holds the defaults with
/// every flag given on the command line set.
#[derive(Clone, Debug)]
pub struct SettingsFlags<S> {
    pub settings: S,
}

/// Threads and progress, for every command that runs a pipeline.
#[derive(clap::Args, Debug, Clone)]
pub struct RunFlags {
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bars or closing line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `min_passage_words` → `min-passage-words`.
pub fn flag_name(setting: &str) -> String {
    setting.replace('_', "-")
}

/// A setting's doc as one line of help, with references to other settings
/// as flags; a single sentence loses its final period, as clap's derived
/// help does.
fn help(setting: &Setting) -> String {
    let doc = setting.doc_with(|name| format!("--{}", flag_name(name)));
    let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    match doc.strip_suffix('.') {
        Some(sentence) if !sentence.contains(". ") => sentence.to_owned(),
        _ => doc,
    }
}

impl<S: Settings + Send + Sync + 'static> clap::Args for SettingsFlags<S> {
    fn augment_args(cmd: Command) -> Command {
        S::SCHEMA.iter().fold(cmd, |cmd, setting| {
            let arg = Arg::new(setting.name).long(flag_name(setting.name)).help(help(setting));
            cmd.arg(match (setting.switch, S::default_text(setting.name)) {
                (true, _) => arg.action(ArgAction::SetTrue),
                (false, Some(default)) => {
                    arg.value_name(setting.value_name).action(ArgAction::Set).default_value(default)
                }
                (false, None) => arg.value_name(setting.value_name).action(ArgAction::Set),
            })
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl<S: Settings> clap::FromArgMatches for SettingsFlags<S> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut settings = S::default();
        for setting in S::SCHEMA {
            if matches.value_source(setting.name) != Some(ValueSource::CommandLine) {
                continue;
            }
            let text = match setting.switch {
                true => "true",
                false => matches.get_one::<String>(setting.name).expect("a given flag has a value"),
            };
            settings.set_text(setting.name, text).map_err(|err| {
                clap::Error::raw(
                    clap::error::ErrorKind::ValueValidation,
                    format!("--{}: {err}\n", flag_name(setting.name)),
                )
            })?;
        }
        Ok(Self { settings })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Refuses flags given on the command line that `mode` does not use
/// (`--mode exact --threshold 0.5`), by the core's rule; with `stories`
/// (`index create --stories`), the stories settings are used. `matches`
/// are the subcommand's.
pub fn refuse_unused(mode: Mode, stories: bool, matches: &ArgMatches) -> anyhow::Result<()> {
    let is_story = |id: &str| StoriesSettings::SCHEMA.iter().any(|s| s.name == id);
    let given = matches
        .ids()
        .map(|id| id.as_str())
        .filter(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
        .filter(|id| !(stories && is_story(id)));
    match syndic::settings::check_used(mode, given) {
        Err(ConfigError::Unused { name, mode }) => anyhow::bail!(
            "--{} does nothing in the {mode} mode; leave it out, or choose the mode that uses it",
            flag_name(&name)
        ),
        other => Ok(other?),
    }
}
