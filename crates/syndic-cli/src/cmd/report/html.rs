//! The HTML file: the template with its styles, script and data inlined,
//! written atomically.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context};
use tempfile::NamedTempFile;

use super::data::Report;

const TEMPLATE: &str = include_str!("../../../assets/report/report.html");
const STYLE: &str = include_str!("../../../assets/report/report.css");
const SCRIPT: &str = include_str!("../../../assets/report/report.js");

/// Writes the report to a temporary file beside `out` and renames it over
/// `out`, so that a reader never sees half a report. Without `force` an
/// existing `out` is kept (also one that appeared while the report was
/// being made). Returns the size written.
pub(super) fn write_atomic(out: &Path, report: &Report, force: bool) -> anyhow::Result<u64> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = NamedTempFile::new_in(parent)
        .with_context(|| format!("{}: cannot create a file in this directory", parent.display()))?;
    let mut writer = CountingWriter { inner: BufWriter::new(tmp.as_file()), count: 0 };
    render(&mut writer, report).with_context(|| format!("{}: cannot write", out.display()))?;
    writer.flush().with_context(|| format!("{}: cannot write", out.display()))?;
    let size = writer.count;
    drop(writer);
    // The temporary file is private to its owner; a report is meant to be
    // shared like any file the user writes.
    readable_by_all(tmp.as_file()).with_context(|| format!("{}: cannot write", out.display()))?;
    let persisted = if force { tmp.persist(out) } else { tmp.persist_noclobber(out) };
    match persisted {
        Ok(_) => Ok(size),
        Err(err) if !force && err.error.kind() == io::ErrorKind::AlreadyExists => {
            Err(syndic::Error::OutputExists { path: out.to_owned() }.into())
        }
        Err(err) => Err(err.error).with_context(|| format!("{}: cannot write", out.display())),
    }
}

#[cfg(unix)]
fn readable_by_all(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn readable_by_all(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Fills the template's `{{name}}` slots. Each slot is written by its own
/// escaping rule, so nothing from the data can close the element it is in.
fn render(out: &mut impl Write, report: &Report) -> anyhow::Result<()> {
    let mut rest = TEMPLATE;
    while let Some(open) = rest.find("{{") {
        out.write_all(&rest.as_bytes()[..open])?;
        let Some(close) = rest[open..].find("}}") else { bail!("unclosed slot in the template") };
        match &rest[open + 2..open + close] {
            "title" => write_escaped(out, &format!("syndic report: {}", report.title))?,
            "generator" => write_escaped(out, concat!("syndic ", env!("CARGO_PKG_VERSION")))?,
            "style" => out.write_all(STYLE.as_bytes())?,
            "script" => out.write_all(SCRIPT.as_bytes())?,
            "data" => serde_json::to_writer(ScriptSafe(&mut *out), report)?,
            other => bail!("unknown slot `{other}` in the template"),
        }
        rest = &rest[open + close + 2..];
    }
    out.write_all(rest.as_bytes())?;
    Ok(())
}

/// Text for element content and attribute values.
fn write_escaped(out: &mut impl Write, text: &str) -> io::Result<()> {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_all(&text.as_bytes()[last..i])?;
        out.write_all(entity.as_bytes())?;
        last = i + 1;
    }
    out.write_all(&text.as_bytes()[last..])
}

/// JSON made safe inside `<script>`: `<`, `>` and `&` become `\u003c`,
/// `\u003e`, `\u0026`. In JSON these bytes occur only inside strings, where
/// the escapes mean the same characters, so `JSON.parse` gets the same
/// value, and no `</script>` or `<!--` can end or change the element.
struct ScriptSafe<W>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut last = 0;
        for (i, &b) in buf.iter().enumerate() {
            let escape: &[u8] = match b {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            self.0.write_all(&buf[last..i])?;
            self.0.write_all(escape)?;
            last = i + 1;
        }
        self.0.write_all(&buf[last..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

struct CountingWriter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_cannot_close_the_element_and_parses_back() {
        let value = serde_json::json!({"t": "</script><!-- a & b > c", "k": ["<b>"]});
        let mut buf = Vec::new();
        serde_json::to_writer(ScriptSafe(&mut buf), &value).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn escaped_text_has_no_markup() {
        let mut buf = Vec::new();
        write_escaped(&mut buf, "runs/<r> & \"q\" 'x' é").unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "runs/&lt;r&gt; &amp; &quot;q&quot; &#39;x&#39; é"
        );
    }

    #[test]
    fn assets_cannot_end_their_elements_early() {
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        assert!(!SCRIPT.contains("<!--"));
        for slot in ["{{title}}", "{{generator}}", "{{style}}", "{{script}}", "{{data}}"] {
            assert_eq!(TEMPLATE.matches(slot).count(), 1, "{slot}");
        }
    }
}
