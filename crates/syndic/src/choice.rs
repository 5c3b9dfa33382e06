//! Settings whose value is one of a few names (`--mode minhash`,
//! `keep="first"`): one table per enum gives its names, and every front end
//! parses and prints them through it, with the same error for a name that
//! is none of them.

use crate::error::ConfigError;

/// An enum chosen by name; implemented with the crate's `choices!` macro.
pub trait Choice: Copy + PartialEq + 'static {
    /// The setting, as error messages name it.
    const SETTING: &'static str;
    /// Every name accepted, in lower case, with its value; the first name of
    /// each value is the one printed. Later names are aliases.
    const NAMES: &'static [(&'static str, Self)];
}

/// The value called `name`, in any case.
pub fn parse<T: Choice>(name: &str) -> Result<T, ConfigError> {
    let lower = name.to_ascii_lowercase();
    T::NAMES.iter().find(|(known, _)| *known == lower).map(|&(_, value)| value).ok_or_else(|| {
        ConfigError::UnknownChoice {
            name: T::SETTING,
            got: name.to_owned(),
            choices: primary::<T>(),
        }
    })
}

/// The printed name of every value, in table order.
fn primary<T: Choice>() -> Vec<&'static str> {
    let mut names: Vec<(&'static str, T)> = Vec::new();
    for &(name, value) in T::NAMES {
        if !names.iter().any(|&(_, seen)| seen == value) {
            names.push((name, value));
        }
    }
    names.into_iter().map(|(name, _)| name).collect()
}

/// The primary name of `value`.
pub fn name<T: Choice>(value: T) -> &'static str {
    T::NAMES
        .iter()
        .find(|(_, known)| *known == value)
        .map(|&(name, _)| name)
        .expect("every value of a choice has a name in its table")
}

/// Implements [`Choice`] and `FromStr` for an enum from its table of names:
/// `choices!(Keep, "keep", ["longest" => Longest, "first" => First]);`.
macro_rules! choices {
    ($ty:ident, $setting:literal, [$($name:literal => $value:ident),+ $(,)?]) => {
        impl $crate::choice::Choice for $ty {
            const SETTING: &'static str = $setting;
            const NAMES: &'static [(&'static str, Self)] = &[$(($name, $ty::$value)),+];
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                Ok($crate::choice::parse(s)?)
            }
        }
    };
}
pub(crate) use choices;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Fruit {
        Apple,
        Pear,
    }

    choices!(Fruit, "fruit", ["apple" => Apple, "pear" => Pear, "poire" => Pear]);

    #[test]
    fn names_and_aliases_parse_and_the_primary_name_prints() {
        for (given, value, printed) in [
            ("apple", Fruit::Apple, "apple"),
            ("pear", Fruit::Pear, "pear"),
            ("poire", Fruit::Pear, "pear"),
            ("Pear", Fruit::Pear, "pear"),
        ] {
            assert_eq!(parse::<Fruit>(given), Ok(value));
            assert_eq!(name(value), printed);
        }
    }

    #[test]
    fn an_unknown_name_lists_the_choices() {
        let err = parse::<Fruit>("plum").unwrap_err();
        assert_eq!(err.to_string(), "unknown fruit `plum` (expected apple or pear)");
    }
}
