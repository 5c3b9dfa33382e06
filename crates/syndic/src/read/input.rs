//! Turning the paths a user gives into a sorted, checked list of inputs.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::options::{Compression, Format, ReadOptions};
use crate::{ConfigError, Error, Result};

/// The path that names standard input.
const STDIN: &str = "-";

/// One input of a run: a file, a directory of text files, or standard input.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given (`-` for standard input); errors name it.
    pub path: PathBuf,
    /// How its records are encoded.
    pub format: Format,
    /// How the file is compressed.
    pub compression: Compression,
    /// What to open to read it.
    pub(crate) source: Source,
    /// Bytes on disk (for a directory, of all its documents).
    pub(crate) size: u64,
    /// For a directory, its documents in corpus order, listed once so that
    /// every pass sees the same files.
    pub(crate) tree: Option<Arc<[TreeFile]>>,
}

impl Input {
    /// Bytes on disk: the file's size, or for a directory the sum of its
    /// documents' sizes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether [`size`](Self::size) is known before reading: not for
    /// standard input read as it comes, whose size is 0 until it ends.
    pub fn size_known(&self) -> bool {
        !matches!(self.source, Source::Once(_))
    }

    /// Whether this input is a directory of text files.
    pub fn is_dir(&self) -> bool {
        self.tree.is_some()
    }

    /// Opens the input file afresh, at its start, for one pass; errors name
    /// the input's path.
    pub(crate) fn open_file(&self) -> Result<File> {
        let opened = match &self.source {
            Source::Path(path) => File::open(path),
            Source::Spool(spool) => spool.open(),
            Source::Once(_) => Err(io::Error::other(READ_ONCE)),
        };
        opened.map_err(|e| Error::io(&self.path, e))
    }

    /// Opens the input afresh, at its start, for one pass, as a byte
    /// stream: a file, or standard input read as it comes (once).
    pub(crate) fn open_read(&self) -> Result<Box<dyn Read + Send>> {
        match &self.source {
            Source::Once(once) => {
                let taken = once.0.lock().unwrap_or_else(|e| e.into_inner()).take();
                taken.ok_or_else(|| Error::io(&self.path, io::Error::other(READ_ONCE)))
            }
            _ => Ok(Box::new(self.open_file()?)),
        }
    }
}

/// Why standard input read as it comes cannot be read again.
const READ_ONCE: &str = "standard input was read once already, as it came, and is gone; \
                         a run that reads its input twice needs it spooled or in a file";

/// Where an input's bytes are.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The file or directory at this path.
    Path(PathBuf),
    /// The copy of standard input, kept alive by every input that reads it.
    Spool(Arc<Spool>),
    /// Standard input read as it comes, by one pass only.
    Once(Arc<Once>),
}

/// Standard input, not copied, for a run that reads its inputs once: the
/// bytes read to tell its compression, then the rest of the stream, taken
/// by the first pass to open it.
pub(crate) struct Once(Mutex<Option<Box<dyn Read + Send>>>);

impl std::fmt::Debug for Once {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Once(standard input)")
    }
}

/// Standard input copied to a temporary file, since pipelines read their
/// input more than once.
///
/// On Linux the file has no name: it is created unlinked, so that no way of
/// ending the process, `std::process::exit` on a second Ctrl-C or SIGKILL
/// included, can leave it behind. Each pass opens it anew through
/// `/proc/self/fd`, which gives the pass a read position of its own, so
/// passes may even run at the same time. Elsewhere it is a named temporary
/// file, removed when the last input holding it is dropped.
#[derive(Debug)]
pub(crate) struct Spool {
    #[cfg(target_os = "linux")]
    file: File,
    #[cfg(not(target_os = "linux"))]
    file: tempfile::NamedTempFile,
}

#[cfg(target_os = "linux")]
impl Spool {
    fn create() -> io::Result<Spool> {
        Ok(Spool { file: tempfile::tempfile()? })
    }

    /// The file to copy standard input into.
    fn writer(&mut self) -> &mut File {
        &mut self.file
    }

    /// The spool, opened for reading from its start.
    fn open(&self) -> io::Result<File> {
        use std::os::fd::AsRawFd;
        // A new open file description, unlike `try_clone` (a `dup`), whose
        // read position would be shared with every other pass.
        File::open(format!("/proc/self/fd/{}", self.file.as_raw_fd()))
    }
}

#[cfg(not(target_os = "linux"))]
impl Spool {
    fn create() -> io::Result<Spool> {
        Ok(Spool { file: tempfile::Builder::new().prefix("syndic-stdin-").tempfile()? })
    }

    /// The file to copy standard input into.
    fn writer(&mut self) -> &mut File {
        self.file.as_file_mut()
    }

    /// The spool, opened for reading from its start.
    fn open(&self) -> io::Result<File> {
        File::open(self.file.path())
    }
}

/// A document of a text tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeFile {
    /// Path relative to the tree's root, as the file system spells it.
    pub(crate) rel: PathBuf,
    /// The document id: `rel` with `/` between components, or `None` when
    /// `rel` is not UTF-8, as no id would name the file faithfully.
    pub(crate) id: Option<String>,
    /// Size when the tree was listed.
    pub(crate) size: u64,
}

/// The inputs of a run, sorted by path. Holds the spooled copy of standard
/// input, if any, for as long as a clone of it (or of its [`Input`]) lives.
#[derive(Debug, Clone)]
pub struct Inputs {
    inputs: Vec<Input>,
}

impl Inputs {
    /// The inputs in corpus order.
    pub fn as_slice(&self) -> &[Input] {
        &self.inputs
    }

    /// Iterates over the inputs in corpus order.
    pub fn iter(&self) -> std::slice::Iter<'_, Input> {
        self.inputs.iter()
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Total bytes on disk, the denominator of progress bars fed by
    /// [`CorpusReader::bytes_read`](super::CorpusReader::bytes_read).
    pub fn total_bytes(&self) -> u64 {
        self.inputs.iter().map(|input| input.size).sum()
    }
}

impl<'a> IntoIterator for &'a Inputs {
    type Item = &'a Input;
    type IntoIter = std::slice::Iter<'a, Input>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Checks the paths, tells their formats and sorts them by path, so corpus
/// order does not depend on the order they were given in. A path given
/// twice is read once; `-` (standard input) is spooled to a temporary file
/// so that later passes can read it again.
pub fn resolve_inputs(paths: &[PathBuf], opts: &ReadOptions) -> Result<Inputs> {
    resolve_with_stdin(paths, opts, Stdin::Spool(&mut io::stdin()))
}

/// [`resolve_inputs`] for a run that reads its inputs once (exact dedup,
/// say): standard input is read as it comes instead of being copied to a
/// temporary file first, so that a stream of any size needs no disk. A
/// second pass over it fails with an error that says why. Parquet, which
/// is read by seeking, is still spooled.
pub fn resolve_inputs_read_once(paths: &[PathBuf], opts: &ReadOptions) -> Result<Inputs> {
    resolve_with_stdin(paths, opts, Stdin::Once(Box::new(io::stdin())))
}

/// What to do with standard input, and where it comes from (tests supply
/// their own).
pub(crate) enum Stdin<'a> {
    /// Copy it into a [`Spool`], to be read any number of times.
    Spool(&'a mut dyn Read),
    /// Read it as it comes, once (see [`resolve_inputs_read_once`]).
    Once(Box<dyn Read + Send>),
}

/// [`resolve_inputs`] with standard input supplied, for tests.
pub(crate) fn resolve_with_stdin(
    paths: &[PathBuf],
    opts: &ReadOptions,
    stdin: Stdin<'_>,
) -> Result<Inputs> {
    let mut stdin = Some(stdin);
    opts.validate()?;
    if paths.is_empty() {
        return Err(ConfigError::Inputs("no inputs given".to_owned()).into());
    }
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == STDIN {
            let Some(stdin) = stdin.take() else {
                return Err(ConfigError::Inputs(
                    "standard input (`-`) given more than once".to_owned(),
                )
                .into());
            };
            inputs.push(match stdin {
                Stdin::Once(stream) if opts.format != Some(Format::Parquet) => {
                    stdin_once(stream, opts)?
                }
                Stdin::Once(mut stream) => spool_stdin(&mut stream, opts)?,
                Stdin::Spool(stdin) => spool_stdin(stdin, opts)?,
            });
        } else {
            inputs.push(resolve_path(path, opts)?);
        }
    }
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.dedup_by(|a, b| a.path == b.path);
    if u32::try_from(inputs.len()).is_err() {
        return Err(Error::Capacity { what: "inputs in one run", limit: u32::MAX.into() });
    }
    Ok(Inputs { inputs })
}

fn resolve_path(path: &Path, opts: &ReadOptions) -> Result<Input> {
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        let tree = walk_tree(path)?;
        return Ok(Input {
            path: path.to_owned(),
            format: Format::Text,
            compression: Compression::None,
            source: Source::Path(path.to_owned()),
            size: tree.iter().map(|file| file.size).sum(),
            tree: Some(tree.into()),
        });
    }
    if !meta.is_file() {
        return Err(Error::UnsupportedInput {
            path: path.to_owned(),
            message: "not a regular file or directory; pipe it to standard input (`-`) instead"
                .to_owned(),
        });
    }
    let format =
        opts.format.or_else(|| Format::from_path(path)).ok_or_else(|| Error::UnsupportedInput {
            path: path.to_owned(),
            message: "cannot tell the format from the file name; set the `format` setting \
                      (jsonl, parquet, warc, wet, text)"
                .to_owned(),
        })?;
    let source = Source::Path(path.to_owned());
    file_input(path.to_owned(), source, format, Compression::from_path(path), meta.len())
}

fn file_input(
    path: PathBuf,
    source: Source,
    format: Format,
    compression: Compression,
    size: u64,
) -> Result<Input> {
    if format == Format::Parquet && compression != Compression::None {
        return Err(Error::UnsupportedInput {
            path,
            message: format!(
                "Parquet compresses internally; decompress the {} file first",
                compression.name()
            ),
        });
    }
    Ok(Input { path, format, compression, source, size, tree: None })
}

/// Copies standard input into a [`Spool`], telling its compression from
/// its first bytes since there is no file name to go by.
fn spool_stdin(stdin: &mut dyn Read, opts: &ReadOptions) -> Result<Input> {
    let stdin_err = |e| Error::io(STDIN, e);
    let mut spool = Spool::create().map_err(stdin_err)?;
    // `File` writes unbuffered: once copied, the bytes are in the file.
    let size = io::copy(stdin, spool.writer()).map_err(stdin_err)?;
    let mut head = Vec::with_capacity(4);
    spool.open().and_then(|f| f.take(4).read_to_end(&mut head)).map_err(stdin_err)?;
    let format = opts.format.unwrap_or(Format::Jsonl);
    let source = Source::Spool(Arc::new(spool));
    file_input(STDIN.into(), source, format, Compression::sniff(&head), size)
}

/// Standard input to be read as it comes: its first bytes are read now to
/// tell its compression, and put back in front of the rest.
fn stdin_once(mut stdin: Box<dyn Read + Send>, opts: &ReadOptions) -> Result<Input> {
    let mut head = Vec::with_capacity(4);
    (&mut stdin).take(4).read_to_end(&mut head).map_err(|e| Error::io(STDIN, e))?;
    let compression = Compression::sniff(&head);
    let stream: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(stdin));
    let source = Source::Once(Arc::new(Once(Mutex::new(Some(stream)))));
    // Its size is not known: progress counts bytes without a total.
    file_input(STDIN.into(), source, opts.format.unwrap_or(Format::Jsonl), compression, 0)
}

/// Lists the documents of a text tree: every regular file under `root`,
/// skipping hidden files and directories (`.git`, editor droppings), sorted
/// by relative path. Symbolic links to files are followed; links to
/// directories are not, which keeps a link cycle from looping forever.
fn walk_tree(root: &Path) -> Result<Vec<TreeFile>> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(rel_dir) = dirs.pop() {
        let dir = root.join(&rel_dir);
        for entry in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name();
            if name.as_encoded_bytes().starts_with(b".") {
                continue;
            }
            let rel = rel_dir.join(&name);
            let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
            if kind.is_dir() {
                dirs.push(rel);
                continue;
            }
            let meta = fs::metadata(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            if meta.is_file() {
                files.push(TreeFile { id: tree_id(&rel), rel, size: meta.len() });
            }
        }
    }
    // By id; names that are not UTF-8 go where their lossy spelling puts
    // them, and the path itself breaks ties among those.
    files.sort_by_cached_key(|file| (lossy_id(&file.rel), file.rel.clone()));
    Ok(files)
}

/// The id of a tree document: its relative path with `/` between
/// components, whatever the platform's separator; `None` when it is not
/// UTF-8.
fn tree_id(rel: &Path) -> Option<String> {
    let parts: Option<Vec<_>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// [`tree_id`], with U+FFFD for bytes that are not UTF-8.
fn lossy_id(rel: &Path) -> String {
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn write(root: &Path, rel: &str, data: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }

    #[test]
    fn tree_lists_visible_files_sorted_by_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["b.txt", "a/z.md", "a/b/c", "a.txt", ".hidden", "a/.git/config", "a/.swp"] {
            write(dir.path(), rel, "xy");
        }
        let ids: Vec<_> =
            walk_tree(dir.path()).unwrap().into_iter().map(|f| f.id.unwrap()).collect();
        assert_eq!(ids, ["a.txt", "a/b/c", "a/z.md", "b.txt"]);
    }

    #[test]
    fn inputs_are_sorted_deduplicated_and_sized() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "b.jsonl", "12345");
        write(dir.path(), "a.jsonl.gz", "123");
        write(dir.path(), "tree/x", "1234567");
        let p = |rel: &str| dir.path().join(rel);
        let paths = [p("tree"), p("b.jsonl"), p("a.jsonl.gz"), p("b.jsonl")];
        let inputs = resolve_inputs(&paths, &ReadOptions::default()).unwrap();
        let got: Vec<_> =
            inputs.iter().map(|i| (i.path.clone(), i.format, i.compression, i.is_dir())).collect();
        assert_eq!(
            got,
            [
                (p("a.jsonl.gz"), Format::Jsonl, Compression::Gzip, false),
                (p("b.jsonl"), Format::Jsonl, Compression::None, false),
                (p("tree"), Format::Text, Compression::None, true),
            ]
        );
        assert_eq!(inputs.total_bytes(), 3 + 5 + 7);
    }

    #[test]
    fn bad_paths_and_options_are_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "notes.md", "x");
        write(dir.path(), "t.parquet.gz", "x");
        let p = |rel: &str| dir.path().join(rel);
        let defaults = ReadOptions::default();
        let zero_limit = ReadOptions { max_doc_bytes: 0, ..ReadOptions::default() };
        let bad_field = ReadOptions { id_field: "meta..id".into(), ..ReadOptions::default() };
        let cases: [(&[PathBuf], &ReadOptions, &str, &str); 6] = [
            (&[p("missing.jsonl")], &defaults, "io", "missing.jsonl"),
            (&[p("notes.md")], &defaults, "unsupported_input", "`format`"),
            (&[p("t.parquet.gz")], &defaults, "unsupported_input", "decompress"),
            (&[], &defaults, "config", "no inputs"),
            (&[p("notes.md")], &zero_limit, "config", "max_doc_bytes"),
            (&[p("notes.md")], &bad_field, "config", "meta..id"),
        ];
        for (paths, opts, kind, needle) in cases {
            let err = resolve_inputs(paths, opts).unwrap_err();
            assert_eq!(err.kind(), kind, "{paths:?}: {err}");
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        }
        let with_format = ReadOptions { format: Some(Format::Text), ..ReadOptions::default() };
        assert_eq!(resolve_inputs(&[p("notes.md")], &with_format).unwrap().len(), 1);
    }

    #[test]
    fn stdin_is_spooled_and_its_compression_sniffed() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{}\n").unwrap();
        let gz = gz.finish().unwrap();
        let plain = b"{}\n".to_vec();
        let cases = [(gz, Compression::Gzip), (plain, Compression::None)];
        for (data, compression) in cases {
            let inputs = resolve_with_stdin(
                &["-".into()],
                &ReadOptions::default(),
                Stdin::Spool(&mut &data[..]),
            )
            .unwrap();
            let input = &inputs.as_slice()[0];
            assert_eq!((input.path.as_path(), input.format), (Path::new("-"), Format::Jsonl));
            assert_eq!(input.compression, compression);
            let mut spooled = Vec::new();
            input.open_file().unwrap().read_to_end(&mut spooled).unwrap();
            assert_eq!(spooled, data);
        }
        let twice = resolve_with_stdin(
            &["-".into(), "-".into()],
            &ReadOptions::default(),
            Stdin::Spool(&mut &b""[..]),
        );
        assert_eq!(twice.unwrap_err().kind(), "config");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn issue12_stdin_spool_never_outlives_the_process() {
        use std::os::unix::fs::MetadataExt;

        use crate::read::CorpusReader;

        let data: String =
            (0..2000).map(|i| format!("{{\"id\":\"{i}\",\"text\":\"text {i}\"}}\n")).collect();
        let opts = ReadOptions::default();
        let inputs =
            resolve_with_stdin(&["-".into()], &opts, Stdin::Spool(&mut data.as_bytes())).unwrap();
        let input = &inputs.as_slice()[0];
        let Source::Spool(spool) = &input.source else { panic!("standard input is not spooled") };
        // No directory names the spool, so no way of ending the process
        // (exit without destructors, SIGKILL) can leave it behind.
        assert_eq!(spool.file.metadata().unwrap().nlink(), 0, "the spool has a name");

        // Two passes at once, interleaved: each has its own read position.
        let (mut first, mut second) = (input.open_file().unwrap(), input.open_file().unwrap());
        let (mut got_first, mut got_second) = (Vec::new(), Vec::new());
        let mut chunk = [0; 1000];
        loop {
            let n = first.read(&mut chunk).unwrap();
            got_first.extend_from_slice(&chunk[..n]);
            let m = second.read(&mut chunk[..333]).unwrap();
            got_second.extend_from_slice(&chunk[..m]);
            if n == 0 && m == 0 {
                break;
            }
        }
        assert_eq!((got_first.len(), got_second.len()), (data.len(), data.len()));
        assert!(got_first == data.as_bytes() && got_second == data.as_bytes());

        let mut readers = [CorpusReader::new(&inputs, &opts), CorpusReader::new(&inputs, &opts)];
        let mut counts = [0; 2];
        for _ in 0..=2000 {
            for (reader, count) in readers.iter_mut().zip(&mut counts) {
                if let Some(doc) = reader.next() {
                    assert_eq!(doc.unwrap().id, count.to_string());
                    *count += 1;
                }
            }
        }
        assert_eq!(counts, [2000, 2000]);
    }
}
