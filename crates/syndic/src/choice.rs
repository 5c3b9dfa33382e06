//! Settings whose value is one of a few names (`--mode minhash`,
//! `keep="first"`): one table per enum gives its names, and every front end
//! parses and prints them through it, with the same error for a name that
//! is none of them.

use crate::error::ConfigError;

/// An enum chosen by name.
pub trait Choice: Copy + PartialEq + 'static {
    /// The setting, as error messages name it.
    const SETTING: &'static str;
    /// Every name accepted, with its value; the first name of each value is
    /// the one printed. Later names are aliases.
    const NAMES: &'static [(&'static str, Self)];
    /// The primary names, in table order, as error messages list them.
    const EXPECTED: &'static [&'static str];
}

/// The value called `name`.
pub fn parse<T: Choice>(name: &str) -> Result<T, ConfigError> {
    T::NAMES.iter().find(|(known, _)| *known == name).map(|&(_, value)| value).ok_or_else(|| {
        ConfigError::UnknownChoice { name: T::SETTING, got: name.to_owned(), choices: T::EXPECTED }
    })
}

/// The primary name of `value`.
pub fn name<T: Choice>(value: T) -> &'static str {
    T::NAMES
        .iter()
        .find(|(_, known)| *known == value)
        .map(|&(name, _)| name)
        .expect("every value of a choice has a name in its table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Fruit {
        Apple,
        Pear,
    }

    impl Choice for Fruit {
        const SETTING: &'static str = "fruit";
        const NAMES: &'static [(&'static str, Self)] =
            &[("apple", Fruit::Apple), ("pear", Fruit::Pear), ("poire", Fruit::Pear)];
        const EXPECTED: &'static [&'static str] = &["apple", "pear"];
    }

    #[test]
    fn names_and_aliases_parse_and_the_primary_name_prints() {
        for (given, value, printed) in [
            ("apple", Fruit::Apple, "apple"),
            ("pear", Fruit::Pear, "pear"),
            ("poire", Fruit::Pear, "pear"),
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
