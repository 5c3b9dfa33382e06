//! The HTML file: the template with its styles, script and data inlined,
//! written atomically.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, Context};
use syndic::write::{AtomicFile, Overwrite};

use super::data::Report;

const TEMPLATE: &str = include_str!("../../../assets/report/report.html");
const STYLE: &str = include_str!("../../../assets/report/report.css");
const SCRIPT: &str = include_str!("../../../assets/report/report.js");

/// Writes the report atomically (the library's [`AtomicFile`]: a temporary
/// file beside `out`, renamed over it once complete), so that a reader never
/// sees half a report. Without `force` an existing `out` is kept. Returns
/// the size written.
pub(super) fn write_atomic(
    out: &Path,
    report: &Report,
    overwrite: &Overwrite,
) -> anyhow::Result<u64> {
    let mut file = AtomicFile::create(out, overwrite)?;
    render(&mut file, report).with_context(|| format!("{}: cannot write", out.display()))?;
    Ok(file.commit()?)
}

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
