//! The machinery of settings: what a setting is ([`Setting`]), what a group
//! of them can do ([`Settings`]), the types a setting may have
//! ([`SettingValue`]), and the `settings!` macro that writes a group from
//! one list of documented fields with their defaults.
//!
//! The groups themselves are defined where they belong: [`ReadOptions`] in
//! [`crate::read`], the run settings in [`crate::settings`]. This module
//! depends on nothing above [`crate::choice`] and [`crate::error`], so that
//! any module can define a group.
//!
//! [`ReadOptions`]: crate::read::ReadOptions

use serde_json::Value;

use crate::choice::{self, Choice};
use crate::error::ConfigError;

/// One setting of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Its name, in snake case.
    pub name: &'static str,
    /// What it does, with references to other settings as `{name}`.
    pub doc: &'static str,
    /// The name of its value in usage lines, e.g. `N` or `NAME`.
    pub value_name: &'static str,
    /// A switch: set by being named, without a value (`true` or `false`
    /// where values are given).
    pub switch: bool,
}

impl Setting {
    /// The doc with each `{name}` reference spelled by `spell`: `--name`
    /// for a command line, `name` for Python.
    pub fn doc_with(&self, spell: impl Fn(&str) -> String) -> String {
        let mut out = String::with_capacity(self.doc.len());
        let mut rest = self.doc;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else { break };
            out.push_str(&rest[..open]);
            out.push_str(&spell(&rest[open + 1..open + close]));
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// A group of settings: defaults, the schema, and setting by name.
pub trait Settings: Default + Clone {
    /// The settings of the group, in the order front ends list them.
    const SCHEMA: &'static [Setting];

    /// Sets `name` from a JSON value.
    fn set_json(&mut self, name: &str, value: &Value) -> Result<(), ConfigError>;

    /// Sets `name` from its text on a command line.
    fn set_text(&mut self, name: &str, text: &str) -> Result<(), ConfigError>;

    /// The value of `name` as JSON (`null` for an unset optional setting);
    /// `None` when the group has no such setting.
    fn get(&self, name: &str) -> Option<Value>;

    /// The default of `name` as a command line would write it; `None` when
    /// it has none to show (an optional setting left unset, a switch).
    fn default_text(name: &str) -> Option<String>;

    /// The settings as a JSON object, by name.
    fn to_json(&self) -> serde_json::Map<String, Value> {
        Self::SCHEMA
            .iter()
            .map(|s| (s.name.to_owned(), self.get(s.name).expect("every schema name has a value")))
            .collect()
    }

    /// The defaults with each member of `values` set by name; unknown names
    /// and values of the wrong kind are errors.
    fn from_json(values: &serde_json::Map<String, Value>) -> Result<Self, ConfigError> {
        let mut settings = Self::default();
        for (name, value) in values {
            settings.set_json(name, value)?;
        }
        Ok(settings)
    }
}

/// A type a setting can have.
pub trait SettingValue: Sized {
    /// Its name in usage lines.
    const VALUE_NAME: &'static str;
    /// Set by being named, without a value.
    const SWITCH: bool = false;
    /// Reads it from JSON.
    fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError>;
    /// Reads it from text.
    fn from_text(name: &'static str, text: &str) -> Result<Self, ConfigError>;
    /// As JSON.
    fn to_json(&self) -> Value;
    /// As text; `None` for nothing to show.
    fn to_text(&self) -> Option<String>;
}

impl SettingValue for f64 {
    const VALUE_NAME: &'static str = "X";
    fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError> {
        value.as_f64().ok_or_else(|| ConfigError::invalid(name, "a number", value))
    }
    fn from_text(name: &'static str, text: &str) -> Result<Self, ConfigError> {
        text.parse().map_err(|_| ConfigError::invalid(name, "a number", format!("`{text}`")))
    }
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn to_text(&self) -> Option<String> {
        Some(self.to_string())
    }
}

macro_rules! whole_number_setting {
    ($($ty:ty),*) => {$(
        impl SettingValue for $ty {
            const VALUE_NAME: &'static str = "N";
            fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError> {
                value
                    .as_u64()
                    .and_then(|n| <$ty>::try_from(n).ok())
                    .ok_or_else(|| ConfigError::invalid(name, "a whole number, 0 or more", value))
            }
            fn from_text(name: &'static str, text: &str) -> Result<Self, ConfigError> {
                text.parse()
                    .map_err(|_| ConfigError::invalid(name, "a whole number, 0 or more", format!("`{text}`")))
            }
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
            fn to_text(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}
whole_number_setting!(usize, u64);

impl SettingValue for bool {
    const VALUE_NAME: &'static str = "BOOL";
    const SWITCH: bool = true;
    fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError> {
        value.as_bool().ok_or_else(|| ConfigError::invalid(name, "true or false", value))
    }
    fn from_text(name: &'static str, text: &str) -> Result<Self, ConfigError> {
        text.parse().map_err(|_| ConfigError::invalid(name, "true or false", format!("`{text}`")))
    }
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn to_text(&self) -> Option<String> {
        // A switch is off unless named: nothing to show.
        None
    }
}

impl SettingValue for String {
    const VALUE_NAME: &'static str = "TEXT";
    fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ConfigError::invalid(name, "a string", value))
    }
    fn from_text(_: &'static str, text: &str) -> Result<Self, ConfigError> {
        Ok(text.to_owned())
    }
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
    fn to_text(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl<T: SettingValue> SettingValue for Option<T> {
    const VALUE_NAME: &'static str = T::VALUE_NAME;
    fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError> {
        match value {
            Value::Null => Ok(None),
            _ => T::from_json(name, value).map(Some),
        }
    }
    fn from_text(name: &'static str, text: &str) -> Result<Self, ConfigError> {
        T::from_text(name, text).map(Some)
    }
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_json)
    }
    fn to_text(&self) -> Option<String> {
        self.as_ref().and_then(T::to_text)
    }
}

impl<T: Choice> SettingValue for T {
    const VALUE_NAME: &'static str = "NAME";
    fn from_json(name: &'static str, value: &Value) -> Result<Self, ConfigError> {
        match value {
            Value::String(text) => Ok(choice::parse(text)?),
            _ => Err(ConfigError::invalid(name, "one of its names", value)),
        }
    }
    fn from_text(_: &'static str, text: &str) -> Result<Self, ConfigError> {
        choice::parse(text)
    }
    fn to_json(&self) -> Value {
        Value::from(choice::name(*self))
    }
    fn to_text(&self) -> Option<String> {
        Some(choice::name(*self).to_owned())
    }
}

/// The error for a name that is not in group `S`.
pub fn unknown<S: Settings>(name: &str) -> ConfigError {
    ConfigError::UnknownSetting {
        name: name.to_owned(),
        known: S::SCHEMA.iter().map(|s| s.name).collect(),
    }
}

/// Defines a group of settings: the struct, its `Default`, and its
/// [`Settings`] implementation, from one list of documented fields with
/// their defaults. Doc lines may refer to other settings as `{name}`.
macro_rules! settings {
    (
        $(#[doc = $struct_doc:literal])*
        pub struct $group:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident: $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[doc = $struct_doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $group {
            $(
                $(#[doc = $doc])+
                pub $field: $ty,
            )*
        }

        impl Default for $group {
            fn default() -> Self {
                Self { $($field: $default,)* }
            }
        }

        /// As a JSON object of every setting, by name.
        impl serde::Serialize for $group {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&$crate::schema::Settings::to_json(self), serializer)
            }
        }

        /// From a JSON object of some settings, by name; the rest keep their
        /// defaults. Unknown names and values of the wrong kind are errors.
        impl<'de> serde::Deserialize<'de> for $group {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let values: serde_json::Map<String, serde_json::Value> =
                    serde::Deserialize::deserialize(deserializer)?;
                <Self as $crate::schema::Settings>::from_json(&values)
                    .map_err(serde::de::Error::custom)
            }
        }

        impl $crate::schema::Settings for $group {
            const SCHEMA: &'static [$crate::schema::Setting] = &[$(
                $crate::schema::Setting {
                    name: stringify!($field),
                    doc: concat!($($doc, "\n"),+),
                    value_name: <$ty as $crate::schema::SettingValue>::VALUE_NAME,
                    switch: <$ty as $crate::schema::SettingValue>::SWITCH,
                },
            )*];

            fn set_json(
                &mut self,
                name: &str,
                value: &serde_json::Value,
            ) -> Result<(), $crate::ConfigError> {
                match name {
                    $(stringify!($field) => {
                        self.$field = $crate::schema::SettingValue::from_json(
                            stringify!($field),
                            value,
                        )?
                    })*
                    _ => return Err($crate::schema::unknown::<Self>(name)),
                }
                Ok(())
            }

            fn set_text(&mut self, name: &str, text: &str) -> Result<(), $crate::ConfigError> {
                match name {
                    $(stringify!($field) => {
                        self.$field = $crate::schema::SettingValue::from_text(
                            stringify!($field),
                            text,
                        )?
                    })*
                    _ => return Err($crate::schema::unknown::<Self>(name)),
                }
                Ok(())
            }

            fn get(&self, name: &str) -> Option<serde_json::Value> {
                match name {
                    $(stringify!($field) => {
                        Some($crate::schema::SettingValue::to_json(&self.$field))
                    })*
                    _ => None,
                }
            }

            fn default_text(name: &str) -> Option<String> {
                match name {
                    $(stringify!($field) => {
                        $crate::schema::SettingValue::to_text(&Self::default().$field)
                    })*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use settings;
