//! The corpus written again: the records kept, or every record rewritten.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::ZstdLevel;
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use super::atomic::{create_writer, write_json_line, AtomicFile};
use super::replace::Overwrite;
use crate::read::{
    open_parquet, parquet_error, unpanic, Compression, FieldPath, Format, Input, InputReader,
    Inputs, JsonlLines, Line, Progress, ReadOptions,
};
use crate::{ConfigError, Error, Location, Origin, Result};

/// Row groups of the deduplicated Parquet corpus are cut at this size, as
/// the writer holds a whole row group in memory.
const ROW_GROUP_BYTES: usize = 128 << 20;

/// The records to keep, per input: sorted, distinct record ordinals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptRecords(Vec<Vec<u64>>);

impl KeptRecords {
    /// The records at these origins, in any order, repeats allowed.
    pub fn from_origins(origins: impl IntoIterator<Item = Origin>) -> KeptRecords {
        let mut per_input: Vec<Vec<u64>> = Vec::new();
        for origin in origins {
            let input = origin.input as usize;
            if per_input.len() <= input {
                per_input.resize_with(input + 1, Vec::new);
            }
            per_input[input].push(origin.record);
        }
        for records in &mut per_input {
            records.sort_unstable();
            records.dedup();
        }
        KeptRecords(per_input)
    }

    /// The kept record ordinals of input `input`, ascending.
    pub fn records(&self, input: usize) -> &[u64] {
        self.0.get(input).map_or(&[], Vec::as_slice)
    }

    /// Number of records kept.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    /// Whether no record is kept.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

impl FromIterator<Origin> for KeptRecords {
    fn from_iter<I: IntoIterator<Item = Origin>>(origins: I) -> Self {
        KeptRecords::from_origins(origins)
    }
}

/// What [`write_deduped`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct WriteStats {
    /// Records written.
    pub records: u64,
    /// Size of the output file.
    pub bytes: u64,
}

/// Writes the kept records of `inputs` to `out`, in corpus order, in the
/// format `out`'s name says:
///
/// * `.jsonl` (`.gz`, `.zst`): JSONL input lines are copied byte for byte,
///   all fields kept; records of other formats become `{"id", "text"}`,
///   with `"url"` (WARC and WET: `WARC-Target-URI`) or `"site"` (others,
///   with a site field) when known.
/// * `.parquet`: needs Parquet inputs that all have the same schema, and
///   writes the kept rows with all their columns.
///
/// `opts` must be the options the records were chosen under, so the same
/// records get the same ordinals. An input that changed since then is an
/// error when a kept record is no longer where it was.
pub fn write_deduped(
    inputs: &Inputs,
    opts: &ReadOptions,
    kept: &KeptRecords,
    out: &Path,
    overwrite: &Overwrite,
) -> Result<WriteStats> {
    opts.validate()?;
    if let Some(input) = (inputs.len()..kept.0.len()).find(|&i| !kept.records(i).is_empty()) {
        return Err(Error::Protocol(format!(
            "kept records name input {input}, but there are {} inputs",
            inputs.len()
        )));
    }
    match (Format::from_path(out), Compression::from_path(out)) {
        (Some(Format::Jsonl), _) => {
            write_deduped_jsonl(inputs, opts, kept, create_writer(out, overwrite)?)
        }
        (Some(Format::Parquet), Compression::None) => {
            write_deduped_parquet(inputs, kept, out, overwrite)
        }
        _ => Err(ConfigError::output(
            out,
            "the deduplicated corpus is written as .jsonl, .jsonl.gz, .jsonl.zst or .parquet",
        )
        .into()),
    }
}

/// Writes the kept records of every input into `file` as JSON lines.
fn write_deduped_jsonl(
    inputs: &Inputs,
    opts: &ReadOptions,
    kept: &KeptRecords,
    mut file: AtomicFile,
) -> Result<WriteStats> {
    let mut records = 0;
    for (index, input) in inputs.iter().enumerate() {
        let wanted = kept.records(index);
        if wanted.is_empty() {
            continue;
        }
        if input.format == Format::Jsonl {
            copy_lines(input, opts, wanted, &mut file)?;
        } else {
            convert_records(input, opts, wanted, &mut file)?;
        }
        records += wanted.len() as u64;
    }
    let bytes = file.commit()?;
    Ok(WriteStats { records, bytes })
}

/// Copies the wanted lines of a JSONL input, verbatim.
fn copy_lines(
    input: &Input,
    opts: &ReadOptions,
    wanted: &[u64],
    out: &mut AtomicFile,
) -> Result<()> {
    let mut lines = JsonlLines::open(input, opts.max_doc_usize(), &Progress::default())?;
    for &ordinal in wanted {
        let line = loop {
            match lines.next_line()? {
                Some((at, line)) if at == ordinal => break line,
                Some(_) => {}
                None => return Err(input_changed(input, ordinal)),
            }
        };
        if line != Line::Complete || lines.line().trim_ascii().is_empty() {
            return Err(input_changed(input, ordinal));
        }
        let written = out.write_all(lines.line()).and_then(|()| out.write_all(b"\n"));
        written.map_err(|e| Error::io(out.path(), e))?;
    }
    Ok(())
}

/// A record of a non-JSONL input as a JSON line.
#[derive(Serialize)]
struct ConvertedRecord {
    id: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<String>,
}

/// Writes the wanted records of a non-JSONL input as JSON lines.
fn convert_records(
    input: &Input,
    opts: &ReadOptions,
    wanted: &[u64],
    out: &mut AtomicFile,
) -> Result<()> {
    let web = matches!(input.format, Format::Warc | Format::Wet);
    let mut reader = InputReader::open(input, opts, &Progress::default())?;
    for &ordinal in wanted {
        // Records come in ordinal order, but formats skip some ordinals
        // (WARC request records, ...): one past the wanted one means it is gone.
        let record = loop {
            match reader.next()? {
                Some(record) if record.ordinal < ordinal => {}
                Some(record) if record.ordinal == ordinal => break record,
                _ => return Err(input_changed(input, ordinal)),
            }
        };
        let fields = record.fields.map_err(|_| input_changed(input, ordinal))?;
        let (url, site) = if web { (fields.url, None) } else { (None, fields.site) };
        write_json_line(out, &ConvertedRecord { id: fields.id, text: fields.text, url, site })?;
    }
    Ok(())
}

/// Writes the wanted rows of Parquet inputs with all their columns.
fn write_deduped_parquet(
    inputs: &Inputs,
    kept: &KeptRecords,
    out: &Path,
    overwrite: &Overwrite,
) -> Result<WriteStats> {
    let mut builders = Vec::with_capacity(inputs.len());
    for input in inputs {
        if input.format != Format::Parquet {
            return Err(ConfigError::output(
                out,
                format!(
                    "a Parquet output needs Parquet inputs, and {} is {}; write .jsonl instead",
                    input.path.display(),
                    input.format
                ),
            )
            .into());
        }
        builders.push(open_parquet(input)?);
    }
    let Some(first) = builders.first() else {
        return Err(ConfigError::Inputs("no inputs to write".to_owned()).into());
    };
    let schema = first.schema().clone();
    for (input, builder) in inputs.iter().zip(&builders) {
        if builder.schema().fields() != schema.fields() {
            return Err(ConfigError::output(
                out,
                format!(
                    "{} and {} have different schemas; a Parquet output needs one schema",
                    inputs.as_slice()[0].path.display(),
                    input.path.display()
                ),
            )
            .into());
        }
    }
    let props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .build();
    let out_err = |e| parquet_error(Location::file(out), e);
    let file = AtomicFile::create(out, overwrite)?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(out_err)?;
    let mut records = 0;
    for (index, (input, builder)) in inputs.iter().zip(builders).enumerate() {
        let wanted = kept.records(index);
        if !wanted.is_empty() {
            records += copy_rows(input, builder, wanted, &schema, &mut writer, out)?;
        }
    }
    let bytes = writer.into_inner().map_err(out_err)?.commit()?;
    Ok(WriteStats { records, bytes })
}

/// Writes the wanted rows of one Parquet input; returns how many.
fn copy_rows(
    input: &Input,
    builder: parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder<File>,
    wanted: &[u64],
    schema: &Arc<Schema>,
    writer: &mut ArrowWriter<AtomicFile>,
    out: &Path,
) -> Result<u64> {
    // The parquet crate can panic on damaged files: guarded as the reader
    // guards it, since the file may have changed since it was read.
    let file = || Location::file(&input.path);
    let mut reader = unpanic(file, || builder.build().map_err(|e| parquet_error(file(), e)))?;
    let mut next_wanted = 0;
    let mut row = 0u64;
    while next_wanted < wanted.len() {
        let at = || Location::record(&input.path, row);
        let Some(batch) =
            unpanic(at, || reader.next().transpose().map_err(|e| parquet_error(at(), e)))?
        else {
            break;
        };
        let rows = batch.num_rows() as u64;
        let mask: Vec<bool> = (row..row + rows)
            .map(|r| {
                let keep = wanted.get(next_wanted) == Some(&r);
                next_wanted += usize::from(keep);
                keep
            })
            .collect();
        let out_err = |e| parquet_error(Location::file(out), e);
        let filtered = arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(mask))
            .map_err(|e| parquet_error(Location::record(&input.path, row), e))?;
        // Same fields, but possibly other schema metadata than the first
        // input: the writer wants its own schema exactly.
        let filtered = RecordBatch::try_new(schema.clone(), filtered.columns().to_vec())
            .map_err(|e| parquet_error(Location::record(&input.path, row), e))?;
        writer.write(&filtered).map_err(out_err)?;
        row += rows;
    }
    match wanted.get(next_wanted) {
        Some(&missing) => Err(input_changed(input, missing)),
        None => Ok(wanted.len() as u64),
    }
}

fn input_changed(input: &Input, ordinal: u64) -> Error {
    Error::UnsupportedInput {
        path: input.path.clone(),
        message: format!(
            "record {ordinal} is gone or no longer valid: the input changed since it was read"
        ),
    }
}

/// A record's new text and the fields to add to it; see [`write_rewritten`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rewrite {
    /// The text that replaces the record's text.
    pub text: String,
    /// Fields added to (or replaced in) the record.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Streams every record of `inputs` through `rewrite` and writes those it
/// returns `Some` for to `out` as JSON lines (compressed by the extension),
/// atomically. JSONL records keep all their other fields, in order, with the
/// text field replaced; records of other formats become `{"id", "text"}`
/// (with `"url"` or `"site"` when known). `extra` fields are added last.
///
/// `rewrite` sees each record that parses, with its [`Origin`]; records
/// that do not parse were rejected (or skipped) when the corpus was read,
/// and are passed over here.
pub fn write_rewritten(
    inputs: &Inputs,
    opts: &ReadOptions,
    out: &Path,
    overwrite: &Overwrite,
    mut rewrite: impl FnMut(Origin, &str) -> Result<Option<Rewrite>>,
) -> Result<WriteStats> {
    opts.validate()?;
    if Format::from_path(out) != Some(Format::Jsonl) {
        return Err(ConfigError::output(
            out,
            "rewritten records are written as JSONL (.jsonl, .jsonl.gz, .jsonl.zst)",
        )
        .into());
    }
    let mut file = create_writer(out, overwrite)?;
    let mut records = 0;
    for (index, input) in inputs.iter().enumerate() {
        let origin = |record| Origin { input: index as u32, record };
        if input.format == Format::Jsonl {
            let text_field = FieldPath::new(&opts.text_field);
            let mut lines = JsonlLines::open(input, opts.max_doc_usize(), &Progress::default())?;
            while let Some((ordinal, line)) = lines.next_line()? {
                if line != Line::Complete {
                    continue;
                }
                let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(lines.line())
                else {
                    continue;
                };
                let Some(text) = text_field.get_mut(&mut value) else { continue };
                let Some(old) = text.as_str() else { continue };
                let Some(new) = rewrite(origin(ordinal), old)? else { continue };
                *text = serde_json::Value::String(new.text);
                let Some(object) = value.as_object_mut() else { continue };
                object.extend(new.extra);
                write_json_line(&mut file, &value)?;
                records += 1;
            }
        } else {
            let web = matches!(input.format, Format::Warc | Format::Wet);
            let mut reader = InputReader::open(input, opts, &Progress::default())?;
            while let Some(record) = reader.next()? {
                let Ok(fields) = record.fields else { continue };
                let Some(new) = rewrite(origin(record.ordinal), &fields.text)? else { continue };
                let mut object = serde_json::Map::new();
                object.insert("id".into(), fields.id.into());
                object.insert("text".into(), new.text.into());
                match (web, fields.url, fields.site) {
                    (true, Some(url), _) => drop(object.insert("url".into(), url.into())),
                    (false, _, Some(site)) => drop(object.insert("site".into(), site.into())),
                    _ => {}
                }
                object.extend(new.extra);
                write_json_line(&mut file, &object)?;
                records += 1;
            }
        }
    }
    let bytes = file.commit()?;
    Ok(WriteStats { records, bytes })
}
