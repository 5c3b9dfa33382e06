//! WARC and WET: web archives, read record by record.
//!
//! A record is a `WARC/1.x` version line, `Name: value` headers, a blank
//! line, then exactly `Content-Length` bytes of content. Only `response`,
//! `resource` and `conversion` records hold documents; the others
//! (`warcinfo`, `request`, `metadata`, `revisit`, ...) are skipped unread,
//! though they keep their record number. A record whose headers cannot be
//! parsed loses the way to the next one, so the reader then looks for the
//! next version line.

use std::io::{self, Read};

use super::input::Input;
use super::options::ReadOptions;
use super::record::{Fields, Record};
use super::stream::{open_stream, read_line_bounded, stream_error, Line, Progress, Stream};
use crate::{Location, RecordProblem, Result};

/// Longer header lines are taken for damage, not headers.
const HEADER_LINE_LIMIT: usize = 64 << 10;

const RECORD_ID: &str = "WARC-Record-ID";
const TARGET_URI: &str = "WARC-Target-URI";

/// The records of a WARC or WET input.
pub(crate) struct WarcSource {
    input: Input,
    stream: Stream,
    line: Vec<u8>,
    next: u64,
    /// The header that holds ids.
    id_header: String,
    want_site: bool,
    limit: u64,
    /// Set after a record whose end is unknown: skip to the next version line.
    lost: bool,
}

impl WarcSource {
    pub(crate) fn open(input: &Input, opts: &ReadOptions, progress: &Progress) -> Result<Self> {
        let id_header = match opts.id_field.as_str() {
            "id" => RECORD_ID.to_owned(),
            "url" => TARGET_URI.to_owned(),
            header => header.to_owned(),
        };
        Ok(Self {
            input: input.clone(),
            stream: open_stream(input, progress)?,
            line: Vec::new(),
            next: 0,
            id_header,
            want_site: opts.site_field.is_some(),
            limit: opts.max_doc_bytes,
            lost: false,
        })
    }

    pub(crate) fn next(&mut self) -> Result<Option<Record>> {
        loop {
            let ordinal = self.next;
            let Some(found_version) = self.find_record()? else { return Ok(None) };
            self.next += 1;
            if !found_version {
                self.lost = true;
                return Ok(Some(malformed(ordinal, "expected a `WARC/1.x` version line")));
            }
            let headers = match self.read_headers(ordinal)? {
                Ok(headers) => headers,
                Err(message) => {
                    self.lost = true;
                    return Ok(Some(malformed(ordinal, message)));
                }
            };
            let Some(length) = header(&headers, "Content-Length").and_then(|v| v.parse().ok())
            else {
                self.lost = true;
                return Ok(Some(malformed(ordinal, "missing or invalid Content-Length")));
            };
            let kind = header(&headers, "WARC-Type").unwrap_or_default().to_ascii_lowercase();
            if !matches!(kind.as_str(), "response" | "resource" | "conversion") {
                match self.skip_content(ordinal, length)? {
                    Some(truncated) => return Ok(Some(truncated)),
                    None => continue,
                }
            }
            if length > self.limit {
                let too_large = RecordProblem::TooLarge { size: length, limit: self.limit };
                return Ok(Some(
                    self.skip_content(ordinal, length)?
                        .unwrap_or(Record { ordinal, fields: Err(too_large) }),
                ));
            }
            let content = match self.read_content(ordinal, length)? {
                Ok(content) => content,
                Err(truncated) => return Ok(Some(truncated)),
            };
            let fields = self.fields(&headers, &kind, content);
            return Ok(Some(Record { ordinal, fields }));
        }
    }

    pub(crate) fn location(&self, ordinal: u64) -> Location {
        Location::record(&self.input.path, ordinal)
    }

    /// Moves to the next version line: `Some(true)` when found,
    /// `Some(false)` when something else stands where it should,
    /// `None` at the end of the input.
    fn find_record(&mut self) -> Result<Option<bool>> {
        loop {
            let Some(line) = self.read_line(self.next)? else { return Ok(None) };
            let line = match line {
                Line::Complete => self.line.trim_ascii(),
                Line::TooLong(_) if self.lost => continue,
                Line::TooLong(_) => return Ok(Some(false)),
            };
            if line.starts_with(b"WARC/") {
                self.lost = false;
                return Ok(Some(true));
            }
            if !line.is_empty() && !self.lost {
                return Ok(Some(false));
            }
        }
    }

    /// The headers up to the blank line, or why they cannot be read.
    fn read_headers(
        &mut self,
        ordinal: u64,
    ) -> Result<Result<Vec<(String, String)>, &'static str>> {
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            match self.read_line(ordinal)? {
                None => return Ok(Err("truncated headers")),
                Some(Line::TooLong(_)) => return Ok(Err("header line too long")),
                Some(Line::Complete) => {}
            }
            let line = String::from_utf8_lossy(&self.line);
            let line = line.trim_end();
            if line.is_empty() {
                return Ok(Ok(headers));
            }
            if line.starts_with([' ', '\t']) {
                // A folded header continues the previous one.
                let Some((_, value)) = headers.last_mut() else {
                    return Ok(Err("continuation line before any header"));
                };
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Ok(Err("header line without a colon"));
            };
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }

    fn read_content(&mut self, ordinal: u64, length: u64) -> Result<Result<Vec<u8>, Record>> {
        // The declared length is not trusted with a large allocation up front.
        let mut content = Vec::with_capacity(length.min(1 << 20) as usize);
        let read = (&mut self.stream)
            .take(length)
            .read_to_end(&mut content)
            .map_err(|e| stream_error(&self.input, self.location(ordinal), e))?;
        Ok(if (read as u64) < length {
            Err(truncated(ordinal, length, read as u64))
        } else {
            Ok(content)
        })
    }

    /// Skips a record's content; a record when the input ends inside it.
    fn skip_content(&mut self, ordinal: u64, length: u64) -> Result<Option<Record>> {
        let skipped = io::copy(&mut (&mut self.stream).take(length), &mut io::sink())
            .map_err(|e| stream_error(&self.input, self.location(ordinal), e))?;
        Ok((skipped < length).then(|| truncated(ordinal, length, skipped)))
    }

    fn read_line(&mut self, ordinal: u64) -> Result<Option<Line>> {
        read_line_bounded(&mut self.stream, &mut self.line, HEADER_LINE_LIMIT)
            .map_err(|e| stream_error(&self.input, self.location(ordinal), e))
    }

    fn fields(
        &self,
        headers: &[(String, String)],
        kind: &str,
        mut content: Vec<u8>,
    ) -> Result<Fields, RecordProblem> {
        let id = header(headers, &self.id_header)
            .ok_or_else(|| RecordProblem::MissingField(self.id_header.clone()))?;
        let url = header(headers, TARGET_URI).map(unbracket);
        if kind == "response" && content.starts_with(b"HTTP/") {
            let body = http_body_start(&content);
            content.drain(..body);
        }
        let text = String::from_utf8(content)
            .map_err(|e| RecordProblem::InvalidUtf8(e.utf8_error().valid_up_to()))?;
        let site = if self.want_site { url.clone() } else { None };
        Ok(Fields { id: unbracket(id), text, site, url })
    }
}

/// Where the body of an HTTP response starts: after the first blank line,
/// or at the end when the headers never end.
fn http_body_start(response: &[u8]) -> usize {
    let crlf = memchr::memmem::find(response, b"\r\n\r\n").map(|at| at + 4);
    let lf = memchr::memmem::find(response, b"\n\n").map(|at| at + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(response.len()),
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `<urn:uuid:...>` as `urn:uuid:...`: the brackets are WARC syntax, not id.
fn unbracket(value: &str) -> String {
    value.strip_prefix('<').and_then(|v| v.strip_suffix('>')).unwrap_or(value).to_owned()
}

fn malformed(ordinal: u64, message: &str) -> Record {
    Record { ordinal, fields: Err(RecordProblem::MalformedWarc(message.to_owned())) }
}

fn truncated(ordinal: u64, length: u64, found: u64) -> Record {
    let message = format!("truncated record: Content-Length is {length}, found {found} bytes");
    Record { ordinal, fields: Err(RecordProblem::MalformedWarc(message)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_bodies_start_after_the_first_blank_line() {
        let cases: [(&[u8], usize); 4] = [
            (b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody\r\n\r\nmore", 25),
            (b"HTTP/1.1 200 OK\nA: b\n\nbody", 22),
            (b"HTTP/1.1 200 OK\r\n\r\nx\n\ny", 19),
            (b"HTTP/1.1 200 OK\r\nA: b", 21),
        ];
        for (response, want) in cases {
            assert_eq!(http_body_start(response), want, "{}", String::from_utf8_lossy(response));
        }
    }

    #[test]
    fn brackets_are_dropped_only_in_pairs() {
        let cases =
            [("<urn:uuid:1>", "urn:uuid:1"), ("urn:uuid:1", "urn:uuid:1"), ("<half", "<half")];
        for (value, want) in cases {
            assert_eq!(unbracket(value), want);
        }
    }
}
