//! Taking a few fields out of a JSON object without building its tree.
//!
//! A JSONL record is parsed by serde_json's own parser, as
//! `serde_json::Value` would be, but the visitor keeps only the values at
//! the wanted key paths; every other string, number, array and object is
//! parsed and dropped. Building the whole tree allocated a string for every
//! key and value of every record.
//!
//! What is accepted and rejected, and with which message and column, stays
//! exactly what parsing into a `Value` gives: unwanted values go through
//! the same `deserialize_any` (so strings are unescaped and checked for
//! lone surrogates, numbers checked for range, nesting for depth) rather
//! than `serde::de::IgnoredAny`, whose skipping accepts some of what a
//! `Value` rejects. Duplicate keys resolve as in a `Value`: the last wins.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use crate::RecordProblem;

use super::jsonl::FieldPath;

/// Key paths looked for: one per field, plus, for a name with dots, the
/// name as one literal key, which wins over the nested path (as in
/// [`FieldPath`]).
const MAX_TARGETS: usize = 6;

/// A value found at a wanted path: its content when it is a string or a
/// number, else only its kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Found {
    Null,
    Bool,
    Number(Number),
    String(String),
    Array,
    Object,
}

impl Found {
    /// The kind of value, as error messages name it.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Found::Null => "null",
            Found::Bool => "a boolean",
            Found::Number(_) => "a number",
            Found::String(_) => "a string",
            Found::Array => "an array",
            Found::Object => "an object",
        }
    }
}

/// One key path, and the field (an index given by the caller) it feeds.
struct Target {
    field: usize,
    parts: Vec<String>,
}

/// The key paths of the fields wanted from each record.
pub(super) struct Targets(Vec<Target>);

impl Targets {
    /// The paths of `fields`, each known by its index; `None` is a field
    /// not wanted.
    pub(super) fn new<const N: usize>(fields: [Option<&FieldPath>; N]) -> Self {
        let mut targets = Vec::new();
        for (field, path) in fields.iter().enumerate() {
            let Some(path) = path else { continue };
            // The literal key first: `Scanned::take` returns the first found.
            if path.parts.len() > 1 {
                targets.push(Target { field, parts: vec![path.name.clone()] });
            }
            targets.push(Target { field, parts: path.parts.clone() });
        }
        assert!(targets.len() <= MAX_TARGETS, "at most three fields are taken from a record");
        Self(targets)
    }

    /// Parses `line` as one JSON object and takes out the values at the
    /// wanted paths.
    pub(super) fn scan(&self, line: &str) -> Result<Scanned<'_>, RecordProblem> {
        let mut scanned = Scanned { targets: &self.0, slots: Default::default() };
        let all = (1u8 << self.0.len()) - 1;
        let mut de = serde_json::Deserializer::from_str(line);
        let top = ValueSeed { scanned: &mut scanned, depth: 0, active: all, capture: false }
            .deserialize(&mut de)
            .and_then(|top| de.end().map(|()| top))
            .map_err(json_problem)?;
        if top != Found::Object {
            return Err(RecordProblem::MalformedJson(format!(
                "expected a JSON object, found {}",
                top.describe()
            )));
        }
        Ok(scanned)
    }
}

/// The values found in one record, by target.
pub(super) struct Scanned<'t> {
    targets: &'t [Target],
    slots: [Option<Found>; MAX_TARGETS],
}

impl Scanned<'_> {
    /// The value of field `field`, if its path is in the record.
    pub(super) fn take(&mut self, field: usize) -> Option<Found> {
        let paths = self.targets.iter().zip(&mut self.slots);
        paths.filter(|(target, _)| target.field == field).find_map(|(_, slot)| slot.take())
    }
}

/// Parses one value: `active` holds the targets whose path goes on inside
/// it at `depth`, `capture` whether the value itself is wanted (else a
/// string or number found is not kept).
struct ValueSeed<'s, 't> {
    scanned: &'s mut Scanned<'t>,
    depth: usize,
    active: u8,
    capture: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Found;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Found, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Found, E> {
        Ok(Found::Bool)
    }

    // Numbers become what a `Value` makes of them, so numeric ids keep
    // the spelling they had.
    fn visit_i64<E>(self, n: i64) -> Result<Found, E> {
        Ok(Found::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Found, E> {
        Ok(Found::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Found, E> {
        Ok(Number::from_f64(n).map_or(Found::Null, Found::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Found, E> {
        // A string not wanted is dropped here, never copied.
        Ok(Found::String(if self.capture { s.to_owned() } else { String::new() }))
    }

    fn visit_unit<E>(self) -> Result<Found, E> {
        Ok(Found::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Found, A::Error> {
        // Paths go through objects only: nothing inside an array is wanted.
        let scanned = self.scanned;
        let depth = self.depth + 1;
        while seq
            .next_element_seed(ValueSeed {
                scanned: &mut *scanned,
                depth,
                active: 0,
                capture: false,
            })?
            .is_some()
        {}
        Ok(Found::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let targets = self.scanned.targets;
        let (depth, active) = (self.depth, self.active);
        while let Some((ends, goes_on)) = map.next_key_seed(KeySeed { targets, depth, active })? {
            // A repeated key replaces what its earlier value held.
            for (t, slot) in self.scanned.slots.iter_mut().enumerate() {
                if goes_on & (1 << t) != 0 {
                    *slot = None;
                }
            }
            let seed = ValueSeed {
                scanned: &mut *self.scanned,
                depth: depth + 1,
                active: goes_on,
                capture: ends != 0,
            };
            let mut value = Some(map.next_value_seed(seed)?);
            for (t, slot) in self.scanned.slots.iter_mut().enumerate() {
                if ends & (1 << t) != 0 {
                    // Moved into the last target that wants it, copied for
                    // the others (two fields with the same path).
                    *slot = if ends >> (t + 1) == 0 { value.take() } else { value.clone() };
                }
            }
        }
        Ok(Found::Object)
    }
}

/// Parses a key of an object at `depth` and says which of the `active`
/// targets end at it and which go on inside its value, as two bit sets.
struct KeySeed<'t> {
    targets: &'t [Target],
    depth: usize,
    active: u8,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (u8, u8);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(u8, u8), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = (u8, u8);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, key: &str) -> Result<(u8, u8), E> {
        let (mut ends, mut goes_on) = (0, 0);
        for (t, target) in self.targets.iter().enumerate() {
            if self.active & (1 << t) == 0 || target.parts[self.depth] != key {
                continue;
            }
            if target.parts.len() == self.depth + 1 {
                ends |= 1 << t;
            } else {
                goes_on |= 1 << t;
            }
        }
        Ok((ends, goes_on))
    }
}

/// serde's message without its "at line 1": every record is one line, and
/// the line is already in the error's location.
fn json_problem(err: serde_json::Error) -> RecordProblem {
    let message = err.to_string();
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(head, _)| head);
    RecordProblem::MalformedJson(format!("{message} at column {}", err.column()))
}
