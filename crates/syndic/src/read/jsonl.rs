//! JSON Lines: one record per line, fields found by dotted paths.

use serde_json::Value;

use super::input::Input;
use super::json_scan::{Found, Targets};
use super::options::ReadOptions;
use super::record::{Fields, Record};
use super::stream::{open_stream, read_line_bounded, stream_error, Line, Progress, Stream};
use crate::{Location, RecordProblem, Result};

/// The lines of a JSONL input, each buffered only up to a limit.
pub(crate) struct JsonlLines {
    input: Input,
    stream: Stream,
    buf: Vec<u8>,
    limit: usize,
    next: u64,
}

impl JsonlLines {
    pub(crate) fn open(input: &Input, limit: usize, progress: &Progress) -> Result<Self> {
        let stream = open_stream(input, progress)?;
        Ok(Self { input: input.clone(), stream, buf: Vec::new(), limit, next: 0 })
    }

    /// The next line's 0-based ordinal and what was found, or `None` at the
    /// end of the input.
    pub(crate) fn next_line(&mut self) -> Result<Option<(u64, Line)>> {
        let ordinal = self.next;
        let line = read_line_bounded(&mut self.stream, &mut self.buf, self.limit).map_err(|e| {
            stream_error(&self.input, Location::line(&self.input.path, ordinal + 1), e)
        })?;
        self.next += u64::from(line.is_some());
        Ok(line.map(|line| (ordinal, line)))
    }

    /// The last complete line, without its `\n`.
    pub(crate) fn line(&self) -> &[u8] {
        &self.buf
    }
}

/// The records of a JSONL input.
pub(crate) struct JsonlSource {
    lines: JsonlLines,
    fields: JsonFields,
    limit: u64,
}

impl JsonlSource {
    pub(crate) fn open(input: &Input, opts: &ReadOptions, progress: &Progress) -> Result<Self> {
        let lines = JsonlLines::open(input, opts.max_doc_usize(), progress)?;
        Ok(Self { lines, fields: JsonFields::new(opts), limit: opts.max_doc_bytes })
    }

    pub(crate) fn next(&mut self) -> Result<Option<Record>> {
        while let Some((ordinal, line)) = self.lines.next_line()? {
            let fields = match line {
                Line::TooLong(size) => Err(RecordProblem::TooLarge { size, limit: self.limit }),
                // Blank lines separate nothing and mean nothing; they only count as lines.
                Line::Complete if self.lines.line().trim_ascii().is_empty() => continue,
                Line::Complete => self.fields.parse(self.lines.line()),
            };
            return Ok(Some(Record { ordinal, fields }));
        }
        Ok(None)
    }

    pub(crate) fn location(&self, ordinal: u64) -> Location {
        Location::line(&self.lines.input.path, ordinal + 1)
    }
}

/// The fields' indices in the scan of a record.
const ID: usize = 0;
const TEXT: usize = 1;
const SITE: usize = 2;

/// The id, text and site fields to take from each JSON object.
struct JsonFields {
    id: FieldPath,
    text: FieldPath,
    site: Option<FieldPath>,
    /// The key paths the scan looks for, see [`Targets`].
    targets: Targets,
}

impl JsonFields {
    fn new(opts: &ReadOptions) -> Self {
        let id = FieldPath::new(&opts.id_field);
        let text = FieldPath::new(&opts.text_field);
        let site = opts.site_field.as_deref().map(FieldPath::new);
        // In the order of the indices `ID`, `TEXT` and `SITE`.
        let targets = Targets::new([Some(&id), Some(&text), site.as_ref()]);
        Self { id, text, site, targets }
    }

    fn parse(&self, line: &[u8]) -> Result<Fields, RecordProblem> {
        // Validating first gives the byte offset of bad UTF-8, which serde
        // only reports as a JSON syntax error.
        let line =
            std::str::from_utf8(line).map_err(|e| RecordProblem::InvalidUtf8(e.valid_up_to()))?;
        let mut found = self.targets.scan(line)?;
        let id = match found.take(ID) {
            None => return Err(RecordProblem::MissingField(self.id.name.clone())),
            Some(Found::String(id)) => id,
            // Numeric ids keep the spelling they have in the file.
            Some(Found::Number(id)) => id.to_string(),
            Some(other) => return Err(self.id.wrong_type(other.describe())),
        };
        let site = match self.site.as_ref().map(|site| (site, found.take(SITE))) {
            None | Some((_, None | Some(Found::Null))) => None,
            Some((_, Some(Found::String(site)))) => Some(site),
            Some((path, Some(other))) => return Err(path.wrong_type(other.describe())),
        };
        let text = match found.take(TEXT) {
            None => return Err(RecordProblem::MissingField(self.text.name.clone())),
            Some(Found::String(text)) => text,
            Some(other) => return Err(self.text.wrong_type(other.describe())),
        };
        Ok(Fields { id, text, site, url: None })
    }
}

/// A field named by a dotted path into nested objects. A key that itself
/// contains the dots wins over the nested path.
pub(crate) struct FieldPath {
    pub(super) name: String,
    pub(super) parts: Vec<String>,
}

impl FieldPath {
    pub(crate) fn new(name: &str) -> Self {
        Self { name: name.to_owned(), parts: name.split('.').map(str::to_owned).collect() }
    }

    pub(crate) fn get_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        if value.get(&self.name).is_some() {
            return value.get_mut(&self.name);
        }
        self.parts.iter().try_fold(value, |value, part| value.as_object_mut()?.get_mut(part))
    }

    fn wrong_type(&self, found: &str) -> RecordProblem {
        RecordProblem::WrongType { field: self.name.clone(), found: found.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    #[test]
    fn fields_are_extracted_or_their_problem_named() {
        let opts = ReadOptions {
            id_field: "meta.id".into(),
            site_field: Some("meta.url".into()),
            ..ReadOptions::default()
        };
        let fields = JsonFields::new(&opts);
        let ok = |id: &str, text: &str, site: Option<&str>| {
            Ok(Fields { id: id.into(), text: text.into(), site: site.map(Into::into), url: None })
        };
        let wrong = |field: &str, found: &str| {
            Err(RecordProblem::WrongType { field: field.into(), found: found.into() })
        };
        let cases: [(&[u8], Result<Fields, RecordProblem>); 17] = [
            (br#"{"meta":{"id":"a","url":"u"},"text":"t"}"#, ok("a", "t", Some("u"))),
            (br#"{"meta":{"id":12},"text":"t"}"#, ok("12", "t", None)),
            (br#"{"meta":{"id":1.5e3,"url":null},"text":"t"}"#, ok("1500.0", "t", None)),
            (
                br#"{"meta.id":"literal","meta":{"id":"nested"},"text":"t"}"#,
                ok("literal", "t", None),
            ),
            (br#"{"meta":{"id":["a"]},"text":"t"}"#, wrong("meta.id", "an array")),
            (br#"{"meta":{"id":"a","url":3},"text":"t"}"#, wrong("meta.url", "a number")),
            (br#"{"meta":{"id":"a"},"text":{"body":"t"}}"#, wrong("text", "an object")),
            (br#"{"meta":"a","text":"t"}"#, Err(RecordProblem::MissingField("meta.id".into()))),
            (br#"{"meta":{"id":"a"}}"#, Err(RecordProblem::MissingField("text".into()))),
            (
                br#"["a"]"#,
                Err(RecordProblem::MalformedJson("expected a JSON object, found an array".into())),
            ),
            (b"{\"meta\":{\"id\":\"a\"},\"text\":\"\xff\"}", Err(RecordProblem::InvalidUtf8(27))),
            // issue 16: a repeated key replaces the earlier value, and what
            // a `Value` rejects in a field not taken still fails the line.
            (br#"{"meta":{"id":"a"},"text":"t","meta":{"id":"b"}}"#, ok("b", "t", None)),
            (
                br#"{"meta":{"id":"a"},"text":"t","meta":1}"#,
                Err(RecordProblem::MissingField("meta.id".into())),
            ),
            (
                br#"{"meta":{"id":"a"},"text":"t","x":"\ud800"}"#,
                Err(RecordProblem::MalformedJson(
                    "unexpected end of hex escape at column 42".into(),
                )),
            ),
            (
                br#"{"meta":{"id":"a"},"text":"t","x":1e400}"#,
                Err(RecordProblem::MalformedJson("number out of range at column 39".into())),
            ),
            (br#"{"meta":{"id":"a"},"text":"t","x":[1,{"id":2}]}"#, ok("a", "t", None)),
            (
                br#"{"meta": "#,
                Err(RecordProblem::MalformedJson("EOF while parsing a value at column 9".into())),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(fields.parse(line), want, "{}", String::from_utf8_lossy(line));
        }
    }

    /// How records were parsed before issue 16: into a whole `Value` tree,
    /// then looked up. The scan must give the same result for every line.
    fn parse_as_value(fields: &JsonFields, line: &[u8]) -> Result<Fields, RecordProblem> {
        fn get<'v>(path: &FieldPath, value: &'v Value) -> Option<&'v Value> {
            if let Some(found) = value.get(&path.name) {
                return Some(found);
            }
            path.parts.iter().try_fold(value, |value, part| value.as_object()?.get(part))
        }
        fn describe(value: &Value) -> &'static str {
            match value {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            }
        }
        let line =
            std::str::from_utf8(line).map_err(|e| RecordProblem::InvalidUtf8(e.valid_up_to()))?;
        let mut value: Value = serde_json::from_str(line).map_err(|e| {
            let message = e.to_string();
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(h, _)| h);
            RecordProblem::MalformedJson(format!("{message} at column {}", e.column()))
        })?;
        if !value.is_object() {
            return Err(RecordProblem::MalformedJson(format!(
                "expected a JSON object, found {}",
                describe(&value)
            )));
        }
        let id = match get(&fields.id, &value) {
            None => return Err(RecordProblem::MissingField(fields.id.name.clone())),
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            Some(other) => return Err(fields.id.wrong_type(describe(other))),
        };
        let site = match fields.site.as_ref().map(|site| (site, get(site, &value))) {
            None | Some((_, None | Some(Value::Null))) => None,
            Some((_, Some(Value::String(site)))) => Some(site.clone()),
            Some((path, Some(other))) => return Err(path.wrong_type(describe(other))),
        };
        let text = match fields.text.get_mut(&mut value).map(Value::take) {
            None => return Err(RecordProblem::MissingField(fields.text.name.clone())),
            Some(Value::String(text)) => text,
            Some(other) => return Err(fields.text.wrong_type(describe(&other))),
        };
        Ok(Fields { id, text, site, url: None })
    }

    /// Pieces of JSON lines: the keys of the fields at every depth, values
    /// of every kind, and what `Value` rejects but skipping would accept
    /// (a lone surrogate, a number out of range, deep nesting).
    const PIECES: &[&str] = &[
        "{", "}", "[", "]", ":", ",", " ", "\"id\"", "\"text\"", "\"meta\"", "\"meta.id\"",
        "\"url\"", "\"x\"", "\"t\\n\\u00e9\"", "\"\\ud800\"", "\"\\\"\"", "12", "-0", "1.5e3",
        "1e400", "18446744073709551616", "null", "true", "\"é\"", "\"\u{1}\"",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];

    const VALID_LEAVES: &[&str] = &[
        "\"t\\n\\u00e9\"",
        "\"\\\"\"",
        "12",
        "-0",
        "1.5e3",
        "18446744073709551616",
        "null",
        "true",
        "\"é\"",
    ];

    /// A JSON value whose objects use the field keys, repeated at times.
    fn json_value() -> impl Strategy<Value = String> {
        let keys =
            prop::sample::select(&["\"id\"", "\"text\"", "\"meta\"", "\"meta.id\"", "\"url\""][..]);
        // Valid leaves only: a bad piece anywhere fails the whole line the
        // same way in both parses, and would hide how fields are found.
        let leaf = prop::sample::select(VALID_LEAVES).prop_map(str::to_owned);
        leaf.prop_recursive(4, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((keys.clone(), inner), 0..5).prop_map(|entries| {
                    let entries: Vec<_> = entries.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{{}}}", entries.join(","))
                }),
            ]
        })
    }

    /// Lines: well-formed objects, the same with a piece inserted or cut
    /// off, and runs of pieces.
    fn json_line() -> impl Strategy<Value = String> {
        prop_oneof![
            json_value(),
            (json_value(), any::<prop::sample::Index>(), prop::sample::select(PIECES)).prop_map(
                |(line, at, piece)| {
                    let at = at.index(line.len() + 1);
                    let at = (0..=at).rev().find(|&i| line.is_char_boundary(i)).unwrap_or(0);
                    format!("{}{piece}{}", &line[..at], &line[at..])
                }
            ),
            (json_value(), any::<prop::sample::Index>()).prop_map(|(line, at)| {
                let at = at.index(line.len() + 1);
                let at = (0..=at).rev().find(|&i| line.is_char_boundary(i)).unwrap_or(0);
                line[..at].to_owned()
            }),
            prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// issue 16: the scan that keeps only the wanted fields finds them,
        /// and rejects a line with the same problem, as parsing the whole
        /// line into a `Value` tree did.
        #[test]
        fn issue16_scan_matches_parsing_into_a_value(
            line in json_line(),
            id in prop::sample::select(&["id", "meta.id", "text"][..]),
            site in prop::sample::select(&[None, Some("url"), Some("meta.url"), Some("id")][..]),
        ) {
            let opts = ReadOptions {
                id_field: id.into(),
                site_field: site.map(Into::into),
                ..ReadOptions::default()
            };
            let fields = JsonFields::new(&opts);
            prop_assert_eq!(
                fields.parse(line.as_bytes()),
                parse_as_value(&fields, line.as_bytes()),
                "{}", line
            );
        }
    }
}
