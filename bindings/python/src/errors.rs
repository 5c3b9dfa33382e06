//! Core errors as Python exceptions: one class per [`syndic::Error::kind`]
//! family, all deriving from `SyndicError`, so that callers can catch
//! exactly what they can handle (a bad record, a configuration mistake)
//! and let the rest through.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(syndic, SyndicError, PyException, "Base class of every error syndic raises.");
create_exception!(
    syndic,
    InputError,
    SyndicError,
    "The input cannot be read as documents: a bad record, a damaged file, an unsupported format."
);
create_exception!(
    syndic,
    BadRecordError,
    InputError,
    "One record is bad (malformed JSON, missing or mistyped field, invalid UTF-8, empty text, \
     duplicate id, too large). `kind` says which; `path`, `line` and `record` say where."
);
create_exception!(
    syndic,
    TruncatedInputError,
    InputError,
    "A compressed input is truncated or corrupt."
);
create_exception!(
    syndic,
    CorruptParquetError,
    InputError,
    "A Parquet file cannot be read, or lacks the id or text column."
);
create_exception!(
    syndic,
    UnsupportedInputError,
    InputError,
    "The format of an input cannot be told or is not supported."
);
create_exception!(syndic, IoError, SyndicError, "A file could not be opened, read or written.");
create_exception!(
    syndic,
    ConfigError,
    SyndicError,
    "A parameter is out of range or inconsistent with another."
);
create_exception!(
    syndic,
    OutputExistsError,
    SyndicError,
    "An output already exists and overwriting was not asked for."
);
create_exception!(
    syndic,
    OutputNotReplaceableError,
    SyndicError,
    "Something is in the way of an output that syndic will not replace, even with force=True: \
     it did not write it, or the run reads it."
);
create_exception!(
    syndic,
    IndexUnusableError,
    SyndicError,
    "A persistent index is unusable: wrong version, corrupt or locked."
);
create_exception!(syndic, CancelledError, SyndicError, "The run was cancelled.");

/// Registers the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SyndicError", py.get_type::<SyndicError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("BadRecordError", py.get_type::<BadRecordError>())?;
    m.add("TruncatedInputError", py.get_type::<TruncatedInputError>())?;
    m.add("CorruptParquetError", py.get_type::<CorruptParquetError>())?;
    m.add("UnsupportedInputError", py.get_type::<UnsupportedInputError>())?;
    m.add("IoError", py.get_type::<IoError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("OutputExistsError", py.get_type::<OutputExistsError>())?;
    m.add("OutputNotReplaceableError", py.get_type::<OutputNotReplaceableError>())?;
    m.add("IndexUnusableError", py.get_type::<IndexUnusableError>())?;
    m.add("CancelledError", py.get_type::<CancelledError>())?;
    Ok(())
}

/// The Python exception for a core error, with the error's `kind` and, where
/// the core says where it happened, `path`, `line` and `record` attributes
/// (`None` when unknown).
pub fn to_py_err(err: syndic::Error) -> PyErr {
    use syndic::Error;
    let message = err.to_string();
    let kind = err.kind();
    let (path, line, record) = match &err {
        Error::BadRecord { location, .. }
        | Error::Decompress { location, .. }
        | Error::Parquet { location, .. }
        | Error::RunFile { location, .. } => {
            (Some(location.path.clone()), location.line, location.record)
        }
        Error::Io { path, .. }
        | Error::UnsupportedInput { path, .. }
        | Error::OutputExists { path }
        | Error::OutputNotReplaceable { path, .. }
        | Error::Index { path, .. }
        | Error::IndexFormat { path, .. } => (Some(path.clone()), None, None),
        _ => (None, None, None),
    };
    let err = match &err {
        Error::BadRecord { .. } => BadRecordError::new_err(message),
        Error::Decompress { .. } => TruncatedInputError::new_err(message),
        Error::Parquet { .. } => CorruptParquetError::new_err(message),
        Error::UnsupportedInput { .. } => UnsupportedInputError::new_err(message),
        Error::Io { .. } => IoError::new_err(message),
        Error::Config(_) => ConfigError::new_err(message),
        Error::OutputExists { .. } => OutputExistsError::new_err(message),
        Error::OutputNotReplaceable { .. } => OutputNotReplaceableError::new_err(message),
        Error::Index { .. } | Error::IndexFormat { .. } => IndexUnusableError::new_err(message),
        Error::Cancelled => CancelledError::new_err(message),
        // `Error` is non-exhaustive: a kind added to the core later still
        // raises a SyndicError carrying its `kind`.
        _ => SyndicError::new_err(message),
    };
    Python::attach(|py| {
        let value = err.value(py);
        // Setting an attribute on a fresh exception instance fails only when
        // memory is exhausted; the exception is raised either way.
        let _ = value.setattr("kind", kind);
        let _ = value.setattr("path", path.map(|p| p.display().to_string()));
        let _ = value.setattr("line", line);
        let _ = value.setattr("record", record);
    });
    err
}

/// `?`-friendly conversion of core results.
pub trait OrRaise<T> {
    /// The value, or the core error as its Python exception.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for syndic::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}

/// A `ConfigError` for bindings-level argument checks (mismatched lengths,
/// wrong Arrow types) that the core would otherwise meet as a panic.
pub fn config_error(message: impl Into<String>) -> PyErr {
    to_py_err(syndic::ConfigError::Arguments(message.into()).into())
}
