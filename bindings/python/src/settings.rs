//! Settings from Python keyword arguments: each name a caller gave, with
//! its value, set on the core's groups by the core ([`Settings::set_json`]);
//! every name not given keeps the core's default. Nothing here states a
//! default or a range.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use serde_json::Value;
use syndic::read::ReadOptions;
use syndic::schema::Settings;
use syndic::settings::{schema, DedupSettings, MinHashSettings, ReprintSettings, StoriesSettings};
use syndic::ConfigError;

use crate::errors::OrRaise;
use crate::pipeline::json_to_py;

/// The groups of settings a call may be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Read,
    Dedup,
    MinHash,
    Reprint,
    Stories,
}

impl Group {
    fn knows(self, name: &str) -> bool {
        let schema = match self {
            Group::Read => ReadOptions::SCHEMA,
            Group::Dedup => DedupSettings::SCHEMA,
            Group::MinHash => MinHashSettings::SCHEMA,
            Group::Reprint => ReprintSettings::SCHEMA,
            Group::Stories => StoriesSettings::SCHEMA,
        };
        schema.iter().any(|setting| setting.name == name)
    }
}

/// The settings of one call: the core's defaults with what the caller gave.
#[derive(Clone, Debug, Default)]
pub struct Given {
    pub read: ReadOptions,
    pub dedup: DedupSettings,
    pub minhash: MinHashSettings,
    pub reprint: ReprintSettings,
    pub stories: StoriesSettings,
    /// The names the caller gave, in the order given.
    pub names: Vec<String>,
}

impl Given {
    /// Sets each `options` member on the group of `groups` that has it; a
    /// name none of them has is a `ConfigError` listing those they have.
    pub fn parse(options: &Bound<'_, PyDict>, groups: &[Group]) -> PyResult<Given> {
        Given::parse_only(options, groups, &known(groups))
    }

    /// [`Given::parse`] for a stage function, which takes only the
    /// settings `names` of `groups`.
    pub fn parse_only(
        options: &Bound<'_, PyDict>,
        groups: &[Group],
        names: &[&'static str],
    ) -> PyResult<Given> {
        let mut given = Given::default();
        for (name, value) in options.iter() {
            let name: String = name.extract()?;
            let value = to_json(&name, &value)?;
            let group = groups
                .iter()
                .find(|group| group.knows(&name))
                .filter(|_| names.contains(&name.as_str()));
            let set = match group {
                Some(Group::Read) => given.read.set_json(&name, &value),
                Some(Group::Dedup) => given.dedup.set_json(&name, &value),
                Some(Group::MinHash) => given.minhash.set_json(&name, &value),
                Some(Group::Reprint) => given.reprint.set_json(&name, &value),
                Some(Group::Stories) => given.stories.set_json(&name, &value),
                None => {
                    Err(ConfigError::UnknownSetting { name: name.clone(), known: names.to_vec() })
                }
            };
            set.map_err(syndic::Error::from).or_raise()?;
            given.names.push(name);
        }
        Ok(given)
    }
}

fn known(groups: &[Group]) -> Vec<&'static str> {
    schema()
        .iter()
        .flat_map(|(_, settings)| settings.iter().map(|setting| setting.name))
        .filter(|name| groups.iter().any(|group| group.knows(name)))
        .collect()
}

/// A Python value as the JSON value the core's settings read: `None`,
/// `bool`, `int`, `float`, `str`. Anything else, and a float that is not
/// finite, is a `ConfigError` naming the setting.
fn to_json(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let json = if value.is_none() {
        Some(Value::Null)
    } else if value.is_instance_of::<PyBool>() {
        Some(Value::Bool(value.extract()?))
    } else if value.is_instance_of::<PyInt>() {
        match value.extract::<i64>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => value.extract::<u64>().ok().map(Value::from),
        }
    } else if value.is_instance_of::<PyFloat>() {
        serde_json::Number::from_f64(value.extract()?).map(Value::Number)
    } else if value.is_instance_of::<PyString>() {
        Some(Value::String(value.extract()?))
    } else {
        None
    };
    json.ok_or_else(|| {
        let got = value.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".to_owned());
        let kind = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        crate::errors::to_py_err(
            ConfigError::Arguments(format!("{name} cannot be {kind} {got}")).into(),
        )
    })
}

/// Every setting of the core's schema: `group`, `name`, `doc` (references
/// to other settings as `{name}`), `default` (its JSON value), `value_name`
/// and `switch`, for the package's signatures, docs and the test that
/// checks its stubs against the core.
#[pyfunction]
pub fn settings_schema(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    let defaults = syndic::settings::defaults();
    let mut out = Vec::new();
    for (group, settings) in schema() {
        for setting in settings {
            let entry = PyDict::new(py);
            entry.set_item("group", group)?;
            entry.set_item("name", setting.name)?;
            entry.set_item("doc", setting.doc.split_whitespace().collect::<Vec<_>>().join(" "))?;
            entry.set_item("default", json_to_py(py, &defaults[setting.name])?)?;
            entry.set_item("value_name", setting.value_name)?;
            entry.set_item("switch", setting.switch)?;
            out.push(entry);
        }
    }
    Ok(out)
}
