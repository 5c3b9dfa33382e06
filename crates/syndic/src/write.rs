//! Atomic outputs: a run either leaves complete outputs or none.
//!
//! Every output is first written under a temporary name beside its final
//! path (same directory, so same file system, so the final `rename` is
//! atomic) and only renamed into place by `commit`. Dropping an output
//! without committing it (an error, a panic, Ctrl-C unwinding) deletes the
//! temporary; a run killed outright leaves at most a hidden
//! `.{name}.tmp-XXXXXX` beside the output, never a half-written file under
//! the output's name.
//!
//! * [`OutputDir`]: a run directory (`summary.json`, `pairs.jsonl`, ...),
//!   written into a temporary directory and renamed into place as a whole.
//! * [`AtomicFile`]: one file. [`create_writer`] adds gzip or zstd
//!   compression by the file's extension, finished properly on commit.
//! * [`write_jsonl`]: records as JSON lines, in one call.
//! * [`write_deduped`]: the corpus minus the records not kept, written by
//!   reading the inputs again. JSONL records are copied byte for byte.
//!
//! What it is not: a way to append to or update outputs. An existing output
//! is refused unless `force` is given, and then replaced whole, only once
//! the new one is complete.
//!
//! ```
//! use syndic::write::{write_jsonl, OutputDir};
//!
//! let parent = tempfile::tempdir()?;
//! let run = parent.path().join("run");
//! let out = OutputDir::create(&run, false)?;
//! write_jsonl(&out.path_of("pairs.jsonl"), false, [("a", "b"), ("a", "c")])?;
//! assert!(!run.exists(), "nothing under the final name before commit");
//! out.commit()?;
//! assert_eq!(std::fs::read_to_string(run.join("pairs.jsonl"))?, "[\"a\",\"b\"]\n[\"a\",\"c\"]\n");
//! // Without `force`, an existing output is refused.
//! assert!(OutputDir::create(&run, false).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use arrow_schema::Schema;
use flate2::write::GzEncoder;
use parquet::arrow::ArrowWriter;
use parquet::basic::ZstdLevel;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use tempfile::{TempDir, TempPath};

use crate::read::{
    open_parquet, parquet_error, Compression, FieldPath, Format, Input, InputReader, Inputs,
    JsonlLines, Line, Progress, ReadOptions,
};
use crate::{Error, Location, Origin, Result};

/// Output buffers: large enough that compressors and the kernel see big
/// writes.
const BUFFER: usize = 256 << 10;

/// Row groups of the deduplicated Parquet corpus are cut at this size, as
/// the writer holds a whole row group in memory.
const ROW_GROUP_BYTES: usize = 128 << 20;

/// A run directory, written under a temporary name and renamed into place
/// by [`OutputDir::commit`]. Dropped without commit, it is deleted.
#[derive(Debug)]
pub struct OutputDir {
    temp: TempDir,
    dest: PathBuf,
    force: bool,
}

impl OutputDir {
    /// Starts an output directory at `path`: refuses an existing `path`
    /// unless `force`, and creates the temporary directory beside it.
    pub fn create(path: impl AsRef<Path>, force: bool) -> Result<OutputDir> {
        let dest = path.as_ref().to_owned();
        let (parent, name) = check_target(&dest, force)?;
        let temp = temp_builder(&format!(".{name}.tmp-"), 0o777)
            .tempdir_in(parent)
            .map_err(|e| Error::io(&dest, e))?;
        Ok(OutputDir { temp, dest, force })
    }

    /// Where a file of the output is to be written before commit.
    pub fn path_of(&self, file_name: impl AsRef<Path>) -> PathBuf {
        self.temp.path().join(file_name)
    }

    /// The temporary directory the output is written into.
    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// The final path, which holds the output once committed.
    pub fn final_path(&self) -> &Path {
        &self.dest
    }

    /// Renames the directory into place. With `force`, an existing output is
    /// moved aside first and removed only once the new one is in place.
    pub fn commit(self) -> Result<()> {
        let OutputDir { temp, dest, force } = self;
        let io_err = |e| Error::io(&dest, e);
        let aside = if fs::symlink_metadata(&dest).is_ok() {
            if !force {
                return Err(Error::OutputExists { path: dest });
            }
            let (parent, name) = split_target(&dest)?;
            // Moved into a temporary directory of its own, the old output is
            // removed with it, even by a panic.
            let aside =
                temp_builder(&format!(".{name}.old-"), 0o700).tempdir_in(parent).map_err(io_err)?;
            fs::rename(&dest, aside.path().join(name)).map_err(io_err)?;
            Some(aside)
        } else {
            None
        };
        let new = temp.keep();
        if let Err(e) = fs::rename(&new, &dest) {
            if let Some(aside) = &aside {
                let name = dest.file_name().unwrap_or_default();
                let _ = fs::rename(aside.path().join(name), &dest);
            }
            let _ = fs::remove_dir_all(&new);
            return Err(io_err(e));
        }
        Ok(())
    }
}

/// One output file, written under a temporary name and renamed into place
/// by [`AtomicFile::commit`]. Dropped without commit, it is deleted.
/// Writes are buffered.
pub struct AtomicFile {
    out: BufWriter<Sink>,
    temp: TempPath,
    dest: PathBuf,
    force: bool,
}

impl AtomicFile {
    /// Starts writing `path`, uncompressed: refuses an existing `path`
    /// unless `force`.
    pub fn create(path: impl AsRef<Path>, force: bool) -> Result<AtomicFile> {
        AtomicFile::open(path.as_ref(), force, Compression::None)
    }

    fn open(path: &Path, force: bool, compression: Compression) -> Result<AtomicFile> {
        let dest = path.to_owned();
        let (parent, name) = check_target(&dest, force)?;
        if dest.is_dir() {
            // Found now rather than by the rename, after all the writing.
            let err = io::Error::new(io::ErrorKind::IsADirectory, "a directory is in the way");
            return Err(Error::io(&dest, err));
        }
        let io_err = |e| Error::io(&dest, e);
        let temp =
            temp_builder(&format!(".{name}.tmp-"), 0o666).tempfile_in(parent).map_err(io_err)?;
        let (file, temp) = temp.into_parts();
        let sink = match compression {
            Compression::None => Sink::Plain(file),
            Compression::Gzip => Sink::Gzip(GzEncoder::new(file, flate2::Compression::default())),
            Compression::Zstd => Sink::Zstd(
                zstd::Encoder::new(file, zstd::DEFAULT_COMPRESSION_LEVEL).map_err(io_err)?,
            ),
        };
        Ok(AtomicFile { out: BufWriter::with_capacity(BUFFER, sink), temp, dest, force })
    }

    /// The final path, which holds the file once committed.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Finishes the compressed stream, syncs the file to disk and renames
    /// it into place. Returns the file's size in bytes.
    pub fn commit(self) -> Result<u64> {
        let AtomicFile { out, temp, dest, force } = self;
        let io_err = |e| Error::io(&dest, e);
        let sink = out.into_inner().map_err(|e| io_err(e.into_error()))?;
        let file = sink.finish().map_err(io_err)?;
        // Renaming before the data is on disk could, after a crash, leave an
        // empty file under the final name: the one thing this type prevents.
        file.sync_all().map_err(io_err)?;
        let bytes = file.metadata().map_err(io_err)?.len();
        drop(file);
        let persisted = if force { temp.persist(&dest) } else { temp.persist_noclobber(&dest) };
        persisted.map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists if !force => Error::OutputExists { path: dest.clone() },
            _ => Error::io(&dest, e.error),
        })?;
        Ok(bytes)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Starts writing `path`, compressed as its extension says (`.gz`: gzip,
/// `.zst`: zstd, else none). The stream is finished by
/// [`AtomicFile::commit`]; without commit nothing is left behind.
pub fn create_writer(path: impl AsRef<Path>, force: bool) -> Result<AtomicFile> {
    let path = path.as_ref();
    AtomicFile::open(path, force, Compression::from_path(path))
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile").field("path", &self.dest).field("temp", &self.temp).finish()
    }
}

/// The file under an [`AtomicFile`], compressed or not.
enum Sink {
    Plain(File),
    Gzip(GzEncoder<File>),
    Zstd(zstd::Encoder<'static, File>),
}

impl Sink {
    /// Writes the compressed stream's end and returns the file.
    fn finish(self) -> io::Result<File> {
        match self {
            Sink::Plain(file) => Ok(file),
            Sink::Gzip(encoder) => encoder.finish(),
            Sink::Zstd(encoder) => encoder.finish(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(file) => file.write(buf),
            Sink::Gzip(encoder) => encoder.write(buf),
            Sink::Zstd(encoder) => encoder.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(file) => file.flush(),
            Sink::Gzip(encoder) => encoder.flush(),
            Sink::Zstd(encoder) => encoder.flush(),
        }
    }
}

/// Refuses an existing `dest` without `force`, and a directory in the way
/// of a file; returns the directory to write beside `dest` in and its name.
/// Refuses an existing `dest` without `force`, and creates the directories
/// it goes in (`--out runs/today` in a fresh checkout has no `runs/`).
fn check_target(dest: &Path, force: bool) -> Result<(&Path, &str)> {
    if fs::symlink_metadata(dest).is_ok() && !force {
        return Err(Error::OutputExists { path: dest.to_owned() });
    }
    let (parent, name) = split_target(dest)?;
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    Ok((parent, name))
}

fn split_target(dest: &Path) -> Result<(&Path, &str)> {
    let name = dest.file_name().and_then(|name| name.to_str()).ok_or_else(|| {
        Error::Config(format!("{}: an output needs a UTF-8 file name", dest.display()))
    })?;
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok((parent, name))
}

/// A temporary-name builder whose files and directories get the usual
/// permissions (`mode` less the umask) rather than tempfile's owner-only
/// ones, since they become the outputs.
fn temp_builder(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// Writes `records` to `path` as JSON lines, compressed by the extension,
/// atomically. Returns the number of records written.
pub fn write_jsonl<T: Serialize>(
    path: &Path,
    force: bool,
    records: impl IntoIterator<Item = T>,
) -> Result<u64> {
    let mut out = create_writer(path, force)?;
    let mut written = 0;
    for record in records {
        write_json_line(&mut out, &record)?;
        written += 1;
    }
    out.commit()?;
    Ok(written)
}

fn write_json_line(out: &mut AtomicFile, record: &impl Serialize) -> Result<()> {
    let written = serde_json::to_writer(&mut *out, record)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"));
    written.map_err(|e| Error::io(out.path(), e))
}

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
    force: bool,
) -> Result<WriteStats> {
    opts.validate()?;
    if let Some(input) = (inputs.len()..kept.0.len()).find(|&i| !kept.records(i).is_empty()) {
        return Err(Error::Config(format!(
            "kept records name input {input}, but there are {} inputs",
            inputs.len()
        )));
    }
    match (Format::from_path(out), Compression::from_path(out)) {
        (Some(Format::Jsonl), _) => write_deduped_jsonl(inputs, opts, kept, out, force),
        (Some(Format::Parquet), Compression::None) => {
            write_deduped_parquet(inputs, kept, out, force)
        }
        _ => Err(Error::Config(format!(
            "{}: the deduplicated corpus is written as .jsonl, .jsonl.gz, .jsonl.zst or .parquet",
            out.display()
        ))),
    }
}

fn write_deduped_jsonl(
    inputs: &Inputs,
    opts: &ReadOptions,
    kept: &KeptRecords,
    out: &Path,
    force: bool,
) -> Result<WriteStats> {
    let mut file = create_writer(out, force)?;
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
    force: bool,
) -> Result<WriteStats> {
    let mut builders = Vec::with_capacity(inputs.len());
    for input in inputs {
        if input.format != Format::Parquet {
            return Err(Error::Config(format!(
                "{}: a Parquet output needs Parquet inputs, and this input is {}; write .jsonl instead",
                input.path.display(),
                input.format
            )));
        }
        builders.push(open_parquet(input)?);
    }
    let Some(first) = builders.first() else {
        return Err(Error::Config("no inputs to write".to_owned()));
    };
    let schema = first.schema().clone();
    for (input, builder) in inputs.iter().zip(&builders) {
        if builder.schema().fields() != schema.fields() {
            return Err(Error::Config(format!(
                "{} and {} have different schemas; a Parquet output needs one schema",
                inputs.as_slice()[0].path.display(),
                input.path.display()
            )));
        }
    }
    let props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .build();
    let out_err = |e| parquet_error(Location::file(out), e);
    let file = AtomicFile::create(out, force)?;
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
    let reader = builder.build().map_err(|e| parquet_error(Location::file(&input.path), e))?;
    let mut next_wanted = 0;
    let mut row = 0u64;
    for batch in reader {
        if next_wanted == wanted.len() {
            break;
        }
        let batch = batch.map_err(|e| parquet_error(Location::record(&input.path, row), e))?;
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

#[cfg(test)]
mod tests {
    use std::io::Read;

    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use arrow_array::{ArrayRef, Int64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;
    use crate::read::tests::{put, resolve, sample_warc, strings, warc_record, write_parquet};
    use crate::read::CorpusReader;

    /// The names in `dir`, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// What is at `path`: `None`, a file's text, or a directory's listing.
    fn contents(path: &Path) -> Option<String> {
        let meta = fs::symlink_metadata(path).ok()?;
        Some(if meta.is_dir() {
            listing(path).join(",")
        } else {
            fs::read_to_string(path).unwrap()
        })
    }

    #[derive(Clone, Copy, Debug)]
    enum Before {
        Nothing,
        File,
        Dir,
    }

    fn make(path: &Path, before: Before) {
        match before {
            Before::Nothing => {}
            Before::File => fs::write(path, "old file").unwrap(),
            Before::Dir => {
                fs::create_dir(path).unwrap();
                fs::write(path.join("old.txt"), "old").unwrap();
            }
        }
    }

    #[test]
    fn output_dirs_appear_whole_on_commit_or_not_at_all() {
        // (what is there before, force, commit?, what is there after)
        let cases = [
            (Before::Nothing, false, true, Some("new.txt")),
            (Before::Nothing, false, false, None),
            (Before::Dir, true, true, Some("new.txt")),
            (Before::File, true, true, Some("new.txt")),
            (Before::Dir, true, false, Some("old.txt")),
        ];
        for (before, force, commit, after) in cases {
            let parent = tempfile::tempdir().unwrap();
            let dest = parent.path().join("run");
            make(&dest, before);
            let out = OutputDir::create(&dest, force).unwrap();
            fs::write(out.path_of("new.txt"), "new").unwrap();
            assert_eq!(out.final_path(), dest);
            assert!(out.path().starts_with(parent.path()));
            if commit {
                out.commit().unwrap();
            } else {
                drop(out);
            }
            let case = format!("{before:?} force {force} commit {commit}");
            assert_eq!(contents(&dest).as_deref(), after, "{case}");
            // No temporary or set-aside directory is left beside it.
            let want: &[&str] = if after.is_some() { &["run"] } else { &[] };
            assert_eq!(listing(parent.path()), want, "{case}");
        }
    }

    #[test]
    fn a_file_does_not_replace_a_directory() {
        let parent = tempfile::tempdir().unwrap();
        make(&parent.path().join("out"), Before::Dir);
        let err = AtomicFile::create(parent.path().join("out"), true).unwrap_err();
        assert!(
            matches!(&err, Error::Io { source, .. } if source.kind() == io::ErrorKind::IsADirectory),
            "{err}"
        );
    }

    #[test]
    fn existing_outputs_are_refused_without_force() {
        for before in [Before::File, Before::Dir] {
            let parent = tempfile::tempdir().unwrap();
            let dest = parent.path().join("out.jsonl");
            make(&dest, before);
            let dir_err = OutputDir::create(&dest, false).unwrap_err();
            let file_err = AtomicFile::create(&dest, false).unwrap_err();
            for err in [dir_err, file_err] {
                assert!(matches!(&err, Error::OutputExists { path } if *path == dest), "{err}");
            }
        }
        // An output that appears while the run writes is not overwritten either.
        let parent = tempfile::tempdir().unwrap();
        let dest = parent.path().join("late");
        let (dir, file) =
            (OutputDir::create(&dest, false).unwrap(), AtomicFile::create(&dest, false).unwrap());
        fs::write(&dest, "someone else's").unwrap();
        assert_eq!(dir.commit().unwrap_err().kind(), "output_exists");
        assert_eq!(file.commit().unwrap_err().kind(), "output_exists");
        assert_eq!(contents(&dest).as_deref(), Some("someone else's"));
        assert_eq!(listing(parent.path()), ["late"]);
    }

    fn decompress(path: &Path) -> Vec<u8> {
        let file = File::open(path).unwrap();
        let mut out = Vec::new();
        match Compression::from_path(path) {
            Compression::None => {
                (&file).read_to_end(&mut out).unwrap();
            }
            Compression::Gzip => {
                flate2::read::MultiGzDecoder::new(file).read_to_end(&mut out).unwrap();
            }
            Compression::Zstd => {
                zstd::Decoder::new(file).unwrap().read_to_end(&mut out).unwrap();
            }
        }
        out
    }

    #[test]
    fn files_are_compressed_by_extension_and_appear_on_commit() {
        let parent = tempfile::tempdir().unwrap();
        let data = "line of text\n".repeat(1000);
        for (name, compressed) in [("a.txt", false), ("a.jsonl.gz", true), ("a.jsonl.zst", true)] {
            let path = parent.path().join(name);
            let mut file = create_writer(&path, false).unwrap();
            file.write_all(data.as_bytes()).unwrap();
            assert!(!path.exists(), "{name} appeared before commit");
            let bytes = file.commit().unwrap();
            assert_eq!(bytes, fs::metadata(&path).unwrap().len());
            assert_eq!(bytes < data.len() as u64, compressed, "{name}");
            assert_eq!(decompress(&path), data.as_bytes(), "{name}");
            // Replacing with force; dropping leaves the old file alone.
            let mut again = create_writer(&path, true).unwrap();
            again.write_all(b"replacement\n").unwrap();
            drop(again);
            assert_eq!(decompress(&path), data.as_bytes(), "{name}");
            let mut again = create_writer(&path, true).unwrap();
            again.write_all(b"replacement\n").unwrap();
            again.commit().unwrap();
            assert_eq!(decompress(&path), b"replacement\n", "{name}");
        }
        assert_eq!(listing(parent.path()), ["a.jsonl.gz", "a.jsonl.zst", "a.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        fs::write(parent.path().join("plain"), "x").unwrap();
        fs::create_dir(parent.path().join("plain-dir")).unwrap();
        let file = AtomicFile::create(parent.path().join("atomic"), false).unwrap();
        file.commit().unwrap();
        OutputDir::create(parent.path().join("atomic-dir"), false).unwrap().commit().unwrap();
        assert_eq!(mode(&parent.path().join("atomic")), mode(&parent.path().join("plain")));
        assert_eq!(mode(&parent.path().join("atomic-dir")), mode(&parent.path().join("plain-dir")));
    }

    #[test]
    fn records_are_written_as_json_lines() {
        #[derive(Serialize)]
        struct Pair<'a> {
            a: &'a str,
            b: u32,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.jsonl.zst");
        let written =
            write_jsonl(&path, false, [Pair { a: "x", b: 1 }, Pair { a: "y\n", b: 2 }]).unwrap();
        assert_eq!(written, 2);
        assert_eq!(decompress(&path), b"{\"a\":\"x\",\"b\":1}\n{\"a\":\"y\\n\",\"b\":2}\n");
    }

    #[test]
    fn kept_records_are_sorted_and_distinct_per_input() {
        let origin = |input, record| Origin { input, record };
        let kept: KeptRecords =
            [origin(2, 5), origin(0, 9), origin(2, 1), origin(0, 9), origin(0, 0)]
                .into_iter()
                .collect();
        let cases: [(usize, &[u64]); 4] = [(0, &[0, 9]), (1, &[]), (2, &[1, 5]), (3, &[])];
        for (input, want) in cases {
            assert_eq!(kept.records(input), want, "input {input}");
        }
        assert_eq!((kept.len(), kept.is_empty()), (4, false));
        assert!(KeptRecords::from_origins([]).is_empty());
    }

    /// Every format at once: verbatim JSONL, converted WARC, Parquet, text.
    fn mixed_corpus(dir: &Path) -> Vec<PathBuf> {
        let jsonl = put(
            dir,
            "a.jsonl",
            concat!(
                "{\"id\":\"j1\", \"text\":\"caf\\u00e9\",\"meta\":{\"n\":[1,2]}}\r\n",
                "\n",
                "{\"text\":\"second\",\"id\":\"j2\",\"extra\":null}\n",
                "{\"id\":\"j3\",\"text\":\"third\"}",
            ),
        );
        let warc = put(dir, "b.warc", sample_warc().concat());
        let parquet = dir.join("c.parquet");
        write_parquet(
            &parquet,
            vec![
                ("id", strings(&[Some("p0"), Some("p1")])),
                ("text", strings(&[Some("row zero"), Some("row one")])),
                ("site", strings(&[Some("s.example"), None])),
            ],
        );
        put(dir, "d/t.txt", "tree text");
        vec![jsonl, warc, parquet, dir.join("d")]
    }

    #[test]
    fn deduped_jsonl_copies_jsonl_lines_verbatim_and_converts_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReadOptions { site_field: Some("site".into()), ..ReadOptions::default() };
        let inputs = resolve(&mixed_corpus(dir.path()), &opts);
        let docs: Vec<_> = CorpusReader::new(&inputs, &opts).collect::<Result<_>>().unwrap();
        let keep = ["j1", "j2", "urn:uuid:2", "urn:uuid:5", "p0", "p1", "t.txt"];
        let kept: KeptRecords =
            docs.iter().filter(|d| keep.contains(&d.id.as_str())).map(|d| d.origin).collect();
        let out = dir.path().join("out/dedup.jsonl.gz");
        fs::create_dir(dir.path().join("out")).unwrap();
        let stats = write_deduped(&inputs, &opts, &kept, &out, false).unwrap();
        assert_eq!(stats, WriteStats { records: 7, bytes: fs::metadata(&out).unwrap().len() });
        let want = concat!(
            "{\"id\":\"j1\", \"text\":\"caf\\u00e9\",\"meta\":{\"n\":[1,2]}}\r\n",
            "{\"text\":\"second\",\"id\":\"j2\",\"extra\":null}\n",
            "{\"id\":\"urn:uuid:2\",\"text\":\"<p>Hello, world.</p>\",\"url\":\"http://a.example/\"}\n",
            "{\"id\":\"urn:uuid:5\",\"text\":\"Extracted text, caf\u{e9}.\",\"url\":\"http://b.example/x\"}\n",
            "{\"id\":\"p0\",\"text\":\"row zero\",\"site\":\"s.example\"}\n",
            "{\"id\":\"p1\",\"text\":\"row one\"}\n",
            "{\"id\":\"t.txt\",\"text\":\"tree text\"}\n",
        );
        assert_eq!(String::from_utf8(decompress(&out)).unwrap(), want);
        // Read back, the output holds exactly the kept documents.
        let plain = ReadOptions::default();
        let again: Vec<_> =
            CorpusReader::new(&resolve(&[out], &plain), &plain).collect::<Result<_>>().unwrap();
        let texts: Vec<_> = again.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
        let kept_docs = docs.iter().filter(|d| keep.contains(&d.id.as_str()));
        assert_eq!(texts, kept_docs.map(|d| (d.id.as_str(), d.text.as_str())).collect::<Vec<_>>());
    }

    #[test]
    fn deduped_parquet_keeps_every_column_and_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 3000i64;
        let ids: Vec<String> = (0..rows).map(|i| format!("id{i}")).collect();
        let texts: Vec<String> = (0..rows).map(|i| format!("text {i}")).collect();
        let columns = |offset: i64| -> Vec<(&str, ArrayRef)> {
            let ids: Vec<_> = ids.iter().map(|id| Some(format!("{offset}-{id}"))).collect();
            vec![
                ("id", Arc::new(arrow_array::StringArray::from(ids)) as ArrayRef),
                ("text", Arc::new(arrow_array::StringArray::from(texts.clone()))),
                ("n", Arc::new(Int64Array::from_iter_values((0..rows).map(|i| i + offset)))),
            ]
        };
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        write_parquet(&a, columns(0));
        write_parquet(&b, columns(1_000_000));
        let opts = ReadOptions::default();
        let inputs = resolve(&[a.clone(), b], &opts);
        let kept: KeptRecords = (0..rows as u64)
            .filter(|r| r % 7 == 3)
            .map(|record| Origin { input: 0, record })
            .chain([Origin { input: 1, record: 2999 }])
            .collect();
        let out = dir.path().join("out.parquet");
        let stats = write_deduped(&inputs, &opts, &kept, &out, false).unwrap();
        assert_eq!(stats.records, kept.len() as u64);

        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap()).unwrap();
        let input_schema = ParquetRecordBatchReaderBuilder::try_new(File::open(&a).unwrap())
            .unwrap()
            .schema()
            .clone();
        assert_eq!(builder.schema().fields(), input_schema.fields());
        let mut n = Vec::new();
        for batch in builder.build().unwrap() {
            n.extend(batch.unwrap().column(2).as_primitive::<Int64Type>().values().iter().copied());
        }
        let want: Vec<i64> = (0..rows).filter(|r| r % 7 == 3).chain([1_002_999]).collect();
        assert_eq!(n, want);
    }

    #[test]
    fn deduped_outputs_refuse_what_they_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = put(dir.path(), "a.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n\n");
        let p1 = dir.path().join("p1.parquet");
        write_parquet(&p1, vec![("id", strings(&[Some("a")])), ("text", strings(&[Some("x")]))]);
        let p2 = dir.path().join("p2.parquet");
        write_parquet(&p2, vec![("id", strings(&[Some("b")])), ("body", strings(&[Some("y")]))]);
        let warc = put(dir.path(), "w.warc", warc_record("request", &[], b"GET /"));
        let existing = put(dir.path(), "existing.jsonl", "");
        let out = |name: &str| dir.path().join(name);
        let origin = |input, record| Origin { input, record };
        // (inputs, kept origins, output, error kind, words of the message)
        let cases = [
            (vec![jsonl.clone()], vec![origin(0, 0)], out("x.csv"), "config", ".parquet"),
            (vec![jsonl.clone()], vec![origin(0, 0)], out("x.parquet"), "config", "Parquet inputs"),
            (
                vec![p1.clone(), p2],
                vec![origin(0, 0)],
                out("x.parquet"),
                "config",
                "different schemas",
            ),
            (vec![jsonl.clone()], vec![origin(1, 0)], out("x.jsonl"), "config", "input 1"),
            (
                vec![jsonl.clone()],
                vec![origin(0, 1)],
                out("x.jsonl"),
                "unsupported_input",
                "changed",
            ),
            (
                vec![jsonl.clone()],
                vec![origin(0, 5)],
                out("x.jsonl"),
                "unsupported_input",
                "changed",
            ),
            (vec![warc], vec![origin(0, 0)], out("x.jsonl"), "unsupported_input", "changed"),
            (vec![p1], vec![origin(0, 1)], out("x.parquet"), "unsupported_input", "record 1"),
            (vec![jsonl], vec![origin(0, 0)], existing, "output_exists", "--force"),
        ];
        let opts = ReadOptions::default();
        for (paths, origins, out, kind, words) in cases {
            let inputs = resolve(&paths, &opts);
            let err =
                write_deduped(&inputs, &opts, &KeptRecords::from_origins(origins), &out, false)
                    .unwrap_err();
            assert_eq!(err.kind(), kind, "{err}");
            assert!(err.to_string().contains(words), "{err} lacks {words}");
            assert!(
                !out.exists() || out.ends_with("existing.jsonl"),
                "{} was left behind",
                out.display()
            );
        }
        let mut left = listing(dir.path());
        left.retain(|name| name.starts_with('.'));
        assert!(left.is_empty(), "temporaries left behind: {left:?}");
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
    force: bool,
    mut rewrite: impl FnMut(Origin, &str) -> Result<Option<Rewrite>>,
) -> Result<WriteStats> {
    opts.validate()?;
    if Format::from_path(out) != Some(Format::Jsonl) {
        return Err(Error::Config(format!(
            "{}: rewritten records are written as JSONL (.jsonl, .jsonl.gz, .jsonl.zst)",
            out.display()
        )));
    }
    let mut file = create_writer(out, force)?;
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
