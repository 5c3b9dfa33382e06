//! Outputs under temporary names, renamed into place on commit.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use serde::Serialize;
use tempfile::{TempDir, TempPath};

use super::replace::Overwrite;
use crate::read::Compression;
use crate::{ConfigError, Error, Result};

/// Output buffers: large enough that compressors and the kernel see big
/// writes.
const BUFFER: usize = 256 << 10;

/// A run directory, written under a temporary name and renamed into place
/// by [`OutputDir::commit`]. Dropped without commit, it is deleted.
#[derive(Debug)]
pub struct OutputDir {
    temp: TempDir,
    dest: PathBuf,
    overwrite: Overwrite,
}

impl OutputDir {
    /// Starts an output directory at `path`: refuses what `overwrite`
    /// does not let it replace, and creates the temporary directory beside
    /// it.
    pub fn create(path: impl AsRef<Path>, overwrite: &Overwrite) -> Result<OutputDir> {
        let dest = path.as_ref().to_owned();
        overwrite.check_run_dir(&dest)?;
        let (parent, name) = prepare_parent(&dest)?;
        let temp = temp_builder(&format!(".{name}.tmp-"), 0o777)
            .tempdir_in(parent)
            .map_err(|e| Error::io(&dest, e))?;
        Ok(OutputDir { temp, dest, overwrite: overwrite.clone() })
    }

    /// Where a file of the output is to be written before commit.
    pub fn path_of(&self, file_name: impl AsRef<Path>) -> PathBuf {
        self.temp.path().join(file_name)
    }

    /// Writes `records` as the JSON lines of the file `file_name` of the
    /// output; returns how many.
    pub fn write_jsonl<T: Serialize>(
        &self,
        file_name: &str,
        records: impl IntoIterator<Item = T>,
    ) -> Result<u64> {
        write_jsonl(&self.path_of(file_name), &Overwrite::never(), records)
    }

    /// [`write_jsonl`](Self::write_jsonl) of records that may fail to be
    /// read (see [`try_write_jsonl`]).
    pub fn try_write_jsonl<T: Serialize>(
        &self,
        file_name: &str,
        records: impl IntoIterator<Item = Result<T>>,
    ) -> Result<u64> {
        try_write_jsonl(&self.path_of(file_name), &Overwrite::never(), records)
    }

    /// The temporary directory the output is written into.
    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// The final path, which holds the output once committed.
    pub fn final_path(&self) -> &Path {
        &self.dest
    }

    /// Renames the directory into place. An existing output (which may
    /// have appeared since [`OutputDir::create`], so it is checked again) is
    /// moved aside first and removed only once the new one is in place.
    pub fn commit(self) -> Result<()> {
        let OutputDir { temp, dest, overwrite } = self;
        let io_err = |e| Error::io(&dest, e);
        let aside = if fs::symlink_metadata(&dest).is_ok() {
            overwrite.check_run_dir(&dest)?;
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
    overwrite: Overwrite,
}

impl AtomicFile {
    /// Starts writing `path`, uncompressed: refuses what `overwrite` does
    /// not let it replace.
    pub fn create(path: impl AsRef<Path>, overwrite: &Overwrite) -> Result<AtomicFile> {
        AtomicFile::open(path.as_ref(), overwrite, Compression::None)
    }

    fn open(path: &Path, overwrite: &Overwrite, compression: Compression) -> Result<AtomicFile> {
        let dest = path.to_owned();
        overwrite.check_file(&dest)?;
        let (parent, name) = prepare_parent(&dest)?;
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
        let overwrite = overwrite.clone();
        Ok(AtomicFile { out: BufWriter::with_capacity(BUFFER, sink), temp, dest, overwrite })
    }

    /// The final path, which holds the file once committed.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Finishes the compressed stream, syncs the file to disk and renames
    /// it into place. Returns the file's size in bytes.
    pub fn commit(self) -> Result<u64> {
        let AtomicFile { out, temp, dest, overwrite } = self;
        let io_err = |e| Error::io(&dest, e);
        let sink = out.into_inner().map_err(|e| io_err(e.into_error()))?;
        let file = sink.finish().map_err(io_err)?;
        // Renaming before the data is on disk could, after a crash, leave an
        // empty file under the final name: the one thing this type prevents.
        file.sync_all().map_err(io_err)?;
        let bytes = file.metadata().map_err(io_err)?.len();
        drop(file);
        // What appeared at `dest` since `create` is checked again.
        overwrite.check_file(&dest)?;
        let persisted =
            if overwrite.force() { temp.persist(&dest) } else { temp.persist_noclobber(&dest) };
        persisted.map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists if !overwrite.force() => {
                Error::OutputExists { path: dest.clone() }
            }
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
pub fn create_writer(path: impl AsRef<Path>, overwrite: &Overwrite) -> Result<AtomicFile> {
    let path = path.as_ref();
    AtomicFile::open(path, overwrite, Compression::from_path(path))
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

/// Creates the directories `dest` goes in (`runs/today` in a fresh
/// checkout has no `runs/`); returns the directory to write beside `dest`
/// in and its name.
fn prepare_parent(dest: &Path) -> Result<(&Path, &str)> {
    let (parent, name) = split_target(dest)?;
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    Ok((parent, name))
}

fn split_target(dest: &Path) -> Result<(&Path, &str)> {
    let name = dest.file_name().and_then(|name| name.to_str()).ok_or_else(|| {
        Error::from(ConfigError::output(dest, "an output needs a UTF-8 file name"))
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
    overwrite: &Overwrite,
    records: impl IntoIterator<Item = T>,
) -> Result<u64> {
    try_write_jsonl(path, overwrite, records.into_iter().map(Ok))
}

/// [`write_jsonl`] of records that are read as they are written and may
/// fail to be: the first error is returned, and nothing is committed.
pub fn try_write_jsonl<T: Serialize>(
    path: &Path,
    overwrite: &Overwrite,
    records: impl IntoIterator<Item = Result<T>>,
) -> Result<u64> {
    let mut out = create_writer(path, overwrite)?;
    let mut written = 0;
    for record in records {
        write_json_line(&mut out, &record?)?;
        written += 1;
    }
    out.commit()?;
    Ok(written)
}

pub(super) fn write_json_line(out: &mut AtomicFile, record: &impl Serialize) -> Result<()> {
    let written = serde_json::to_writer(&mut *out, record)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"));
    written.map_err(|e| Error::io(out.path(), e))
}
