//! Errors of the core library.
//!
//! Every error that concerns input carries where it happened: the file, and
//! the line (JSONL) or record (Parquet, WARC) inside it. Record-level problems
//! ([`RecordProblem`]) are the ones `--skip-bad-records` may count and pass
//! over; everything else stops a run.

use std::fmt;
use std::path::PathBuf;

use crate::doc::IdProblem;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in the input a record or an error sits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The input path, or `-` for standard input.
    pub path: PathBuf,
    /// 1-based line number for line-oriented formats (JSONL).
    pub line: Option<u64>,
    /// 0-based record number for record-oriented formats (Parquet rows, WARC records).
    pub record: Option<u64>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), line: None, record: None }
    }

    /// A location naming a line of a file (1-based).
    pub fn line(path: impl Into<PathBuf>, line: u64) -> Self {
        Self { path: path.into(), line: Some(line), record: None }
    }

    /// A location naming a record of a file (0-based).
    pub fn record(path: impl Into<PathBuf>, record: u64) -> Self {
        Self { path: path.into(), line: None, record: Some(record) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(record) = self.record {
            write!(f, ", record {record}")?;
        }
        Ok(())
    }
}

/// What is wrong with one record. These are the problems that
/// `--skip-bad-records` counts (by [`RecordProblem::kind`]) instead of
/// stopping the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    /// The line is not a JSON object.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The id or text field is absent.
    #[error("missing field `{0}`")]
    MissingField(String),
    /// The field is present but is not a string (or, for ids, a number).
    #[error("field `{field}` is {found}, expected a string")]
    WrongType {
        /// The field path as given by the user.
        field: String,
        /// What was found instead, e.g. `an array`.
        found: String,
    },
    /// The bytes are not valid UTF-8.
    #[error("invalid UTF-8 at byte {0}")]
    InvalidUtf8(usize),
    /// The text is empty or only whitespace.
    #[error("empty document")]
    EmptyDocument,
    /// Another record already used this id.
    #[error("duplicate id `{0}`")]
    DuplicateId(String),
    /// The record is larger than the configured limit.
    #[error("record of {size} bytes exceeds the limit of {limit} bytes (max_doc_bytes)")]
    TooLarge {
        /// The size seen (a lower bound when reading stopped early).
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A WARC/WET record whose headers cannot be parsed.
    #[error("malformed WARC record: {0}")]
    MalformedWarc(String),
    /// The record's id cannot name a document (see [`check_id`]), or a
    /// file of a text tree has a name that is not UTF-8.
    ///
    /// [`check_id`]: crate::doc::check_id
    #[error("invalid id: {0}")]
    InvalidId(IdProblem),
}

impl RecordProblem {
    /// A stable, snake_case name for counting problems in `summary.json`.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordProblem::MalformedJson(_) => "malformed_json",
            RecordProblem::MissingField(_) => "missing_field",
            RecordProblem::WrongType { .. } => "wrong_type",
            RecordProblem::InvalidUtf8(_) => "invalid_utf8",
            RecordProblem::EmptyDocument => "empty_document",
            RecordProblem::DuplicateId(_) => "duplicate_id",
            RecordProblem::TooLarge { .. } => "too_large",
            RecordProblem::MalformedWarc(_) => "malformed_warc",
            RecordProblem::InvalidId(_) => "invalid_id",
        }
    }
}

/// Why an existing path may not be replaced by an output (see
/// [`crate::write::Overwrite`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotReplaceable {
    /// The output would replace an input of the same run.
    #[error("it is an input of this run")]
    IsInput,
    /// The output would replace a directory holding an input of the run.
    #[error("it holds `{}`, an input of this run", .0.display())]
    HoldsInput(PathBuf),
    /// A directory without the `summary.json` a syndic run writes.
    #[error("it is a directory that syndic did not write (it has no syndic summary.json)")]
    NotARun,
    /// A run directory holding something syndic did not write there.
    #[error("it holds `{0}`, which syndic did not write")]
    ForeignEntry(String),
    /// A directory where a file is to be written.
    #[error("it is a directory")]
    IsDirectory,
    /// A file, link or device where a run directory is to be written.
    #[error("it is not a directory")]
    NotADirectory,
    /// A symbolic link, a device, a socket or a pipe.
    #[error("it is not a regular file or directory")]
    Special,
}

/// A setting, or a combination of settings, that the core refuses.
///
/// Messages name settings as the settings schema does (`min_passage_words`,
/// see [`crate::settings`]), never as one front end spells them; the CLI
/// adds its flag names as context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value outside what the setting accepts.
    #[error("{name} must be {expected}, got {got}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// What it accepts, e.g. `in (0, 1]`.
        expected: String,
        /// The value given.
        got: String,
    },
    /// A name that is none of the setting's choices.
    #[error("unknown {name} `{got}` (expected {})", one_of(choices))]
    UnknownChoice {
        /// The setting.
        name: &'static str,
        /// The name given.
        got: String,
        /// The names it accepts.
        choices: Vec<&'static str>,
    },
    /// A setting the schema does not have.
    #[error("unknown setting `{name}` (expected one of {})", one_of(known))]
    UnknownSetting {
        /// The name given.
        name: String,
        /// The settings there are, where it was given.
        known: Vec<&'static str>,
    },
    /// A setting the chosen mode does not use: a caller who sets it expects
    /// it to matter.
    #[error(
        "{name} does nothing in the {mode} mode; leave it out, or choose the mode that uses it"
    )]
    Unused {
        /// The setting.
        name: String,
        /// The mode.
        mode: &'static str,
    },
    /// Settings that cannot be used together.
    #[error("{0}")]
    Conflict(String),
    /// Arguments of a stage function that do not fit together: arrays of
    /// different lengths or types, a document number out of range.
    #[error("{0}")]
    Arguments(String),
    /// Inputs that cannot be read together in one run.
    #[error("{0}")]
    Inputs(String),
    /// An output that cannot be written as asked.
    #[error("{}: {why}", path.display())]
    Output {
        /// The output.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

impl ConfigError {
    /// [`ConfigError::Invalid`] for `name`, which accepts `expected`.
    pub fn invalid(
        name: &'static str,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Self {
        ConfigError::Invalid { name, expected: expected.into(), got: got.to_string() }
    }

    /// [`ConfigError::Output`] for `path`.
    pub fn output(path: impl Into<PathBuf>, why: impl Into<String>) -> Self {
        ConfigError::Output { path: path.into(), why: why.into() }
    }
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// How the input of a later pass differs from the first pass's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputChange {
    /// The later pass read more documents.
    #[error("a later pass read more than the {first_pass} documents of the first")]
    MoreDocuments {
        /// Documents the first pass read.
        first_pass: usize,
    },
    /// The later pass read fewer documents.
    #[error("a later pass read {seen} of the {first_pass} documents of the first")]
    FewerDocuments {
        /// Documents the later pass read.
        seen: usize,
        /// Documents the first pass read.
        first_pass: usize,
    },
    /// A document has another id.
    #[error("document {index} was `{was}`, now `{now}`")]
    OtherDocument {
        /// Its position in the input, from 0.
        index: usize,
        /// Its id in the first pass.
        was: String,
        /// Its id now.
        now: String,
    },
}

/// The errors of the core library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One record is bad; the rest of the input may be fine.
    #[error("{location}: {problem}")]
    BadRecord {
        /// Where the record is.
        location: Location,
        /// What is wrong with it.
        problem: RecordProblem,
    },
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A compressed input is truncated or corrupt.
    #[error("{location}: corrupt or truncated {codec} stream: {message}")]
    Decompress {
        /// Where reading stopped.
        location: Location,
        /// `gzip` or `zstd`.
        codec: &'static str,
        /// The decoder's message.
        message: String,
    },
    /// A Parquet file could not be read, or lacks the expected columns.
    #[error("{location}: Parquet: {message}")]
    Parquet {
        /// The file (and record) concerned.
        location: Location,
        /// What went wrong.
        message: String,
    },
    /// The input format cannot be determined or is not supported.
    #[error("{}: {message}", path.display())]
    UnsupportedInput {
        /// The input concerned.
        path: PathBuf,
        /// Why it cannot be read.
        message: String,
    },
    /// A setting is out of range, unknown, or inconsistent with another.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The input read in a later pass is not the input of the first: a
    /// file changed while the run read it.
    #[error("input changed between passes: {0}")]
    InputChanged(InputChange),
    /// A front end drove a stage out of its protocol (a pass read too often
    /// or not at all, a result asked for too early). A bug in the caller,
    /// not in the data.
    #[error("stage protocol: {0}")]
    Protocol(String),
    /// The run is larger than this version of syndic can hold.
    #[error("{what} exceeds the limit of {limit}")]
    Capacity {
        /// What ran out, e.g. `documents in one run`.
        what: &'static str,
        /// The most there may be.
        limit: u64,
    },
    /// An output already exists and replacing it was not asked for.
    #[error("{}: already exists", path.display())]
    OutputExists {
        /// The existing output.
        path: PathBuf,
    },
    /// Something is in the way of an output that syndic will not replace,
    /// even when asked to: it did not write it, or the run reads it.
    #[error("{}: {why}; it is left as it is", path.display())]
    OutputNotReplaceable {
        /// What is in the way.
        path: PathBuf,
        /// Why it stays.
        why: NotReplaceable,
    },
    /// A persistent index is unusable (wrong version, corrupt, locked).
    #[error("{}: {message}", path.display())]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A persistent index written in a format version this syndic can
    /// neither read nor upgrade (a newer syndic's, or an unknown one).
    #[error(
        "{}: index format version {}, but this syndic reads version {supported} (and upgrades {upgrades:?}); rebuild the index, or open it with the syndic that wrote it",
        path.display(),
        found.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
    )]
    IndexFormat {
        /// The index directory.
        path: PathBuf,
        /// The version found, `None` when unreadable.
        found: Option<u32>,
        /// The version this syndic writes.
        supported: u32,
        /// The older versions it upgrades in place on open.
        upgrades: Vec<u32>,
    },
    /// A file of a run directory is not in the run-directory format.
    #[error("{location}: not in the run-directory format: {message}")]
    RunFile {
        /// The file and line.
        location: Location,
        /// What is wrong with it.
        message: String,
    },
    /// Temporary run files could not be written or read back.
    #[error(transparent)]
    Spill(#[from] crate::spill::SpillError),
    /// The run was cancelled (Ctrl-C).
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// A bad record at `location`.
    pub fn bad_record(location: Location, problem: RecordProblem) -> Self {
        Error::BadRecord { location, problem }
    }

    /// A stable, snake_case name of the error's kind, for counting and for
    /// mapping to exception classes in the bindings.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::BadRecord { problem, .. } => problem.kind(),
            Error::Io { .. } => "io",
            Error::Decompress { .. } => "truncated_input",
            Error::Parquet { .. } => "corrupt_parquet",
            Error::UnsupportedInput { .. } => "unsupported_input",
            Error::Config(_) => "config",
            Error::InputChanged(_) => "input_changed",
            Error::Protocol(_) => "protocol",
            Error::Capacity { .. } => "capacity",
            Error::OutputExists { .. } => "output_exists",
            Error::OutputNotReplaceable { .. } => "output_not_replaceable",
            Error::Index { .. } => "index",
            Error::IndexFormat { .. } => "index_format",
            Error::RunFile { .. } => "run_file",
            Error::Spill(_) => "spill",
            Error::Cancelled => "cancelled",
        }
    }
}
