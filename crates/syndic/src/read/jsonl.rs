//! JSON Lines: one record per line, fields found by dotted paths.

use serde_json::Value;

use super::input::Input;
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

/// The id, text and site fields to take from each JSON object.
struct JsonFields {
    id: FieldPath,
    text: FieldPath,
    site: Option<FieldPath>,
}

impl JsonFields {
    fn new(opts: &ReadOptions) -> Self {
        Self {
            id: FieldPath::new(&opts.id_field),
            text: FieldPath::new(&opts.text_field),
            site: opts.site_field.as_deref().map(FieldPath::new),
        }
    }

    fn parse(&self, line: &[u8]) -> Result<Fields, RecordProblem> {
        // Validating first gives the byte offset of bad UTF-8, which serde
        // only reports as a JSON syntax error.
        let line =
            std::str::from_utf8(line).map_err(|e| RecordProblem::InvalidUtf8(e.valid_up_to()))?;
        let mut value: Value = serde_json::from_str(line).map_err(json_problem)?;
        if !value.is_object() {
            return Err(RecordProblem::MalformedJson(format!(
                "expected a JSON object, found {}",
                describe(&value)
            )));
        }
        let id = match self.id.get(&value) {
            None => return Err(RecordProblem::MissingField(self.id.name.clone())),
            Some(Value::String(id)) => id.clone(),
            // Numeric ids keep the spelling they have in the file.
            Some(Value::Number(id)) => id.to_string(),
            Some(other) => return Err(self.id.wrong_type(other)),
        };
        let site = match self.site.as_ref().map(|site| (site, site.get(&value))) {
            None | Some((_, None | Some(Value::Null))) => None,
            Some((_, Some(Value::String(site)))) => Some(site.clone()),
            Some((path, Some(other))) => return Err(path.wrong_type(other)),
        };
        // Taken rather than cloned: the text is most of the record.
        let text = match self.text.get_mut(&mut value).map(Value::take) {
            None => return Err(RecordProblem::MissingField(self.text.name.clone())),
            Some(Value::String(text)) => text,
            Some(other) => return Err(self.text.wrong_type(&other)),
        };
        Ok(Fields { id, text, site, url: None })
    }
}

/// A field named by a dotted path into nested objects. A key that itself
/// contains the dots wins over the nested path.
pub(crate) struct FieldPath {
    name: String,
    parts: Vec<String>,
}

impl FieldPath {
    pub(crate) fn new(name: &str) -> Self {
        Self { name: name.to_owned(), parts: name.split('.').map(str::to_owned).collect() }
    }

    fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        if let Some(found) = value.get(&self.name) {
            return Some(found);
        }
        self.parts.iter().try_fold(value, |value, part| value.as_object()?.get(part))
    }

    pub(crate) fn get_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        if value.get(&self.name).is_some() {
            return value.get_mut(&self.name);
        }
        self.parts.iter().try_fold(value, |value, part| value.as_object_mut()?.get_mut(part))
    }

    fn wrong_type(&self, found: &Value) -> RecordProblem {
        RecordProblem::WrongType { field: self.name.clone(), found: describe(found).to_owned() }
    }
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

/// serde's message without its "at line 1": every record is one line, and
/// the line is already in the error's location.
fn json_problem(err: serde_json::Error) -> RecordProblem {
    let message = err.to_string();
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(head, _)| head);
    RecordProblem::MalformedJson(format!("{message} at column {}", err.column()))
}

#[cfg(test)]
mod tests {
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
        let cases: [(&[u8], Result<Fields, RecordProblem>); 12] = [
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
            (
                br#"{"meta": "#,
                Err(RecordProblem::MalformedJson("EOF while parsing a value at column 9".into())),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(fields.parse(line), want, "{}", String::from_utf8_lossy(line));
        }
    }
}
