//! The texts (and own fields) of the documents a report shows, read again
//! from the run's inputs, and the offset conversion the browser needs.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::{Map, Value};
use syndic::read::{resolve_inputs, Compression, CorpusReader, Format, Inputs};

use super::rundir::Summary;
use crate::progress::{Bars, Cancel};

/// At most this many fields of a record are shown, each cut to
/// `FIELD_CHARS`: they label a column, they are not the document.
const MAX_FIELDS: usize = 8;
const FIELD_CHARS: usize = 160;

/// What was found of one wanted document.
#[derive(Default)]
pub(super) struct Found {
    pub(super) text: Option<String>,
    /// (name, value) pairs to show next to the id.
    pub(super) fields: Vec<(String, String)>,
}

/// Streams the run's inputs and keeps the documents named in `wanted`
/// (id -> index into the result), stopping once all are found.
pub(super) fn read_texts(
    summary: &Summary,
    wanted: &HashMap<String, usize>,
    bars: &Bars,
    cancel: &Cancel,
) -> anyhow::Result<Vec<Found>> {
    let mut found: Vec<Found> = (0..wanted.len()).map(|_| Found::default()).collect();
    if wanted.is_empty() {
        return Ok(found);
    }
    for path in &summary.inputs {
        if path.as_os_str() == "-" {
            bail!("the run read standard input, which cannot be read again for the texts");
        }
        if !path.exists() {
            bail!(
                "input {} (from summary.json) does not exist; relative inputs are taken from the \
                 current directory, so run `syndic report` where the run was made",
                path.display()
            );
        }
    }
    let opts = &summary.read_options;
    let inputs = resolve_inputs(&summary.inputs, opts).context("cannot open the run's inputs")?;
    let bar = bars.bytes("texts", inputs.total_bytes());
    let mut reader = CorpusReader::new(&inputs, opts);
    // (input, record) of each wanted JSONL document, for its other fields.
    let mut records: Vec<(u32, u64, usize)> = Vec::new();
    let mut remaining = wanted.len();
    while remaining > 0 {
        let Some(batch) = reader.next_batch(4096, 64 << 20)? else { break };
        cancel.check()?;
        for doc in batch {
            let Some(&slot) = wanted.get(&doc.id) else { continue };
            if found[slot].text.is_some() {
                continue;
            }
            remaining -= 1;
            if let Some(site) = doc.site {
                found[slot].fields.push(("site".to_owned(), truncate(&site)));
            }
            if inputs.as_slice()[doc.origin.input as usize].format == Format::Jsonl {
                records.push((doc.origin.input, doc.origin.record, slot));
            }
            found[slot].text = Some(doc.text);
        }
        bar.set_position(reader.bytes_read());
    }
    bar.finish_and_clear();
    read_fields(&inputs, summary, &mut records, &mut found)?;
    Ok(found)
}

/// Adds the scalar fields of JSONL records other than the id, text and site
/// (which is shown already): dates, titles, URLs.
fn read_fields(
    inputs: &Inputs,
    summary: &Summary,
    records: &mut [(u32, u64, usize)],
    found: &mut [Found],
) -> anyhow::Result<()> {
    let opts = &summary.read_options;
    let skip = [Some(&opts.id_field), Some(&opts.text_field), opts.site_field.as_ref()];
    records.sort_unstable();
    for group in records.chunk_by(|x, y| x.0 == y.0) {
        let input = &inputs.as_slice()[group[0].0 as usize];
        let mut lines = open(&input.path, input.compression)?;
        let mut line = Vec::new();
        let mut ordinal = 0u64;
        for &(_, record, slot) in group {
            // The record ordinal of a JSONL document is its line number minus one.
            while ordinal <= record {
                line.clear();
                let n = lines
                    .read_until(b'\n', &mut line)
                    .with_context(|| format!("{}: cannot read", input.path.display()))?;
                if n == 0 {
                    bail!("{}: shorter than when the run read it", input.path.display());
                }
                ordinal += 1;
            }
            let Ok(object) = serde_json::from_slice::<Map<String, Value>>(&line) else { continue };
            let fields = object.into_iter().filter_map(|(name, value)| {
                let shown = match value {
                    Value::String(s) => truncate(&s),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                (!skip.contains(&Some(&name))).then_some((name, shown))
            });
            let target = &mut found[slot].fields;
            let room = MAX_FIELDS.saturating_sub(target.len());
            target.extend(fields.take(room));
        }
    }
    Ok(())
}

fn open(path: &Path, compression: Compression) -> anyhow::Result<Box<dyn BufRead>> {
    let file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let raw: Box<dyn Read> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::Decoder::new(file).with_context(|| format!("{}: bad zstd", path.display()))?,
        ),
    };
    Ok(Box::new(BufReader::with_capacity(1 << 16, raw)))
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(FIELD_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// UTF-8 byte offsets into one text, as UTF-16 code-unit offsets: the
/// indices of a JavaScript string. Built once per text for all the offsets
/// its spans use, in one pass over the text.
pub(super) struct Utf16Offsets {
    bytes: Vec<usize>,
    units: Vec<u32>,
}

impl Utf16Offsets {
    /// `offsets` must lie on char boundaries and at most at `text.len()`
    /// (see [`snap`]).
    pub(super) fn new(text: &str, mut offsets: Vec<usize>) -> Self {
        offsets.sort_unstable();
        offsets.dedup();
        let mut units = Vec::with_capacity(offsets.len());
        let mut next = offsets.iter().peekable();
        let mut unit = 0u32;
        for (byte, ch) in text.char_indices() {
            while next.next_if(|&&o| o <= byte).is_some() {
                units.push(unit);
            }
            unit += ch.len_utf16() as u32;
        }
        units.resize(offsets.len(), unit);
        Utf16Offsets { bytes: offsets, units }
    }

    pub(super) fn get(&self, byte: usize) -> u32 {
        match self.bytes.binary_search(&byte) {
            Ok(i) => self.units[i],
            Err(_) => unreachable!("offset {byte} was not given to Utf16Offsets::new"),
        }
    }
}

/// A span `[start, end)` of bytes made to fit `text`: cut at its end, and
/// widened to whole characters where an offset falls inside one. `None`
/// when nothing is left; the flag tells whether the span was cut.
pub(super) fn snap(text: &str, start: usize, end: usize) -> (Option<(usize, usize)>, bool) {
    let cut = end > text.len();
    let mut start = start.min(text.len());
    let mut end = end.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    ((start < end).then_some((start, end)), cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_utf16_units() {
        // “ is 3 bytes and one unit; 😀 is 4 bytes and two units.
        let text = "a“b😀c";
        let offsets = Utf16Offsets::new(text, vec![0, 1, 4, 5, 9, 10, 4]);
        let got: Vec<u32> = [0, 1, 4, 5, 9, 10].iter().map(|&b| offsets.get(b)).collect();
        assert_eq!(got, [0, 1, 2, 3, 5, 6]);
        let js_len: u32 = text.encode_utf16().count() as u32;
        assert_eq!(offsets.get(text.len()), js_len);
    }

    #[test]
    fn snap_widens_to_characters_and_cuts_at_the_end() {
        let text = "x“y";
        assert_eq!(snap(text, 2, 3), (Some((1, 4)), false));
        assert_eq!(snap(text, 4, 99), (Some((4, 5)), true));
        assert_eq!(snap(text, 7, 9), (None, true));
        assert_eq!(snap(text, 4, 4), (None, false));
    }

    #[test]
    fn truncate_cuts_long_values_on_characters() {
        assert_eq!(truncate("short"), "short");
        let long = "é".repeat(FIELD_CHARS + 5);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), FIELD_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
