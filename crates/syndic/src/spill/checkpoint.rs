//! Checkpoints of a resumable run.
//!
//! A resumable run keeps its files in a [`WorkDir`] that outlives a failed
//! or killed run: the runs of pass 1 in `pass1/`, and, once pass 1 is
//! complete, the **checkpoint** `pass1.ckpt`, which holds everything the
//! pipeline's next step needs that is not in those runs (the catalog, and
//! the pipeline's own state: for [`Deduper::plan`](crate::dedup::Deduper::plan)
//! the signatures kept for signature verification and which run files make
//! each partition; for [`ReprintFinder::plan`](crate::reprint::ReprintFinder::plan)
//! the content hashes, the corpus statistics pass 2 judges by and the runs
//! of fingerprint postings) and a note of the front end's (what it read).
//! It is written under a temporary name, synced and renamed into place, so
//! that a kill leaves either no checkpoint or a whole one.
//!
//! The checkpoint format, version 2 (all integers little-endian):
//!
//! ```text
//! checkpoint = header body checksum:u64   (xxh3-64 of header and body)
//! header     = magic:"SYNDCKPT" (8 B)  version:u32 (=2)  stage:u32
//! body       = syndic_version:blob  key:blob  config:blob  note:blob  catalog  state
//! state      = (stage 1, exact or minhash dedup after pass 1)
//!              signatures:u32s  hashes:runs  has_bands:u8  [bands:runs]
//!            | (stage 2, reprint after pass 1)
//!              content_hashes:u128s  stats:blob  postings:runs
//! catalog    = id_bytes:blob  id_ends:u64s  records:u64s  inputs:u32s  lengths:u64s
//! runs       = records:u64  partitions:u32  (count:u32  run{count}){partitions}
//! run        = name:blob  bytes:u64  checksum:u64   (a file of pass1/, its
//!                                                    length and trailer checksum)
//! blob       = len:u64  byte{len}
//! u128s, u64s, u32s = count:u64  value{count}
//! ```
//!
//! `inputs` is the catalog's runs of documents from one input, as pairs
//! (first document, input) laid end to end. `stats` is the reprint corpus
//! statistics as [`CorpusStats::encode`](crate::reprint::stages::CorpusStats::encode)
//! writes them (line statistics for boilerplate, token document
//! frequencies). Version 1 was stage 1 alone, its header's last field
//! `pass:u32 (=1)`. A checkpoint is refused ([`SpillError::Checkpoint`])
//! unless its magic, version and checksum are right, it is of the stage the
//! run resumes from, it was written by this syndic version for the same key
//! and settings, its catalog and state are whole, and every run it names is
//! in `pass1/` with the length and trailer checksum it had when the
//! checkpoint was written. Nothing is ever resumed from a checkpoint that
//! fails a check.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::{run_identity, write_error, SpillError, READ_BUFFER};
use crate::doc::{Catalog, Entries};
use crate::error::{Error, Result};
use crate::write::{AtomicFile, Overwrite};

/// The first bytes of every checkpoint.
pub const CHECKPOINT_MAGIC: [u8; 8] = *b"SYNDCKPT";
/// The version of the checkpoint format written and read.
pub const CHECKPOINT_VERSION: u32 = 2;
const HEADER_BYTES: u64 = 16;
const CHECKSUM_BYTES: u64 = 8;
const CHECKPOINT: &str = "pass1.ckpt";
const RUNS: &str = "pass1";

/// What a resumable stage ([`Deduper`](crate::dedup::Deduper) or
/// [`ReprintFinder`](crate::reprint::ReprintFinder)) found in its work
/// directory.
#[derive(Debug)]
pub enum Resume<T> {
    /// No checkpoint: pass 1 must be read, then the stage's `checkpoint`
    /// called before its `plan`.
    Fresh(T),
    /// A checkpoint after pass 1: the stage is ready for its `plan`,
    /// without pass 1.
    AfterPass1 {
        /// The stage, as pass 1 left it.
        run: T,
        /// What the front end gave the stage's `checkpoint`.
        note: Vec<u8>,
    },
}

/// The directory of a resumable run: kept after a failure or a kill, for
/// the next attempt to resume from; its owner removes it after success
/// ([`WorkDir::remove`]).
#[derive(Debug, Clone)]
pub struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    /// The work directory `path`, made if missing.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Self { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checkpoint after pass 1 (which may not exist yet).
    pub fn checkpoint_path(&self) -> PathBuf {
        self.path.join(CHECKPOINT)
    }

    /// Removes the directory and everything in it.
    pub fn remove(self) -> Result<()> {
        std::fs::remove_dir_all(&self.path).map_err(|e| Error::io(&self.path, e))
    }

    pub(crate) fn runs_path(&self) -> PathBuf {
        self.path.join(RUNS)
    }

    /// Removes what an earlier attempt left behind: everything, or, with
    /// `keep_pass1`, everything but the checkpoint and the runs it names
    /// (files written after it are temporary and never resumed from).
    pub(crate) fn clear(&self, keep_pass1: bool) -> Result<()> {
        let entries = std::fs::read_dir(&self.path).map_err(|e| Error::io(&self.path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.path, e))?;
            let name = entry.file_name();
            if keep_pass1 && (name == CHECKPOINT || name == RUNS) {
                continue;
            }
            let path = entry.path();
            let is_dir = entry.file_type().map_err(|e| Error::io(&path, e))?.is_dir();
            let removed =
                if is_dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}

/// The run files of a sorter once pass 1 is over, partition by partition,
/// and how many records they hold in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SortedRuns {
    pub(crate) records: u64,
    pub(crate) partitions: Vec<Vec<PathBuf>>,
}

/// What a checkpoint after pass 1 holds.
#[derive(Debug)]
pub(crate) struct Pass1 {
    /// The front end's name for the run: its inputs and settings.
    pub(crate) key: Vec<u8>,
    /// The pipeline's settings that its results depend on.
    pub(crate) config: String,
    /// The front end's own record of pass 1.
    pub(crate) note: Vec<u8>,
    pub(crate) catalog: Catalog,
    pub(crate) state: Pass1State,
}

/// The pipeline's own state after pass 1, beside the catalog.
#[derive(Debug)]
pub(crate) enum Pass1State {
    /// The exact and MinHash dedup's ([`crate::dedup::Deduper`]).
    Dedup { signatures: Vec<u32>, hashes: SortedRuns, bands: Option<SortedRuns> },
    /// The reprint mode's ([`crate::reprint::ReprintFinder`]): content
    /// hashes by document, the encoded corpus statistics, the postings.
    Reprint { hashes: Vec<u128>, stats: Vec<u8>, postings: SortedRuns },
}

/// Which pipeline's state a checkpoint holds: its `stage` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// An exact or MinHash dedup after pass 1.
    DedupPass1 = 1,
    /// A reprint run after pass 1.
    ReprintPass1 = 2,
}

impl Stage {
    fn of(code: u32) -> Option<Stage> {
        [Stage::DedupPass1, Stage::ReprintPass1].into_iter().find(|s| *s as u32 == code)
    }

    fn describe(self) -> &'static str {
        match self {
            Stage::DedupPass1 => "an exact or minhash run after its first pass",
            Stage::ReprintPass1 => "a reprint run after its first pass",
        }
    }
}

impl Pass1State {
    fn stage(&self) -> Stage {
        match self {
            Pass1State::Dedup { .. } => Stage::DedupPass1,
            Pass1State::Reprint { .. } => Stage::ReprintPass1,
        }
    }
}

impl Pass1 {
    /// Writes the checkpoint into `work`, atomically.
    pub(crate) fn write(&self, work: &WorkDir) -> Result<()> {
        let path = work.checkpoint_path();
        let file = AtomicFile::create(&path, &Overwrite::new(true))?;
        let mut out = Encoder { out: file, hasher: Xxh3::new() };
        let io = |e| write_error(&path, e);
        out.raw(&CHECKPOINT_MAGIC).map_err(io)?;
        out.raw(&CHECKPOINT_VERSION.to_le_bytes()).map_err(io)?;
        out.raw(&(self.state.stage() as u32).to_le_bytes()).map_err(io)?;
        self.encode_body(&mut out, &work.runs_path()).map_err(io)?;
        let checksum = out.hasher.digest();
        let mut file = out.out;
        file.write_all(&checksum.to_le_bytes()).map_err(io)?;
        file.commit()?;
        Ok(())
    }

    fn encode_body(&self, out: &mut Encoder<AtomicFile>, runs: &Path) -> std::io::Result<()> {
        out.blob(env!("CARGO_PKG_VERSION").as_bytes())?;
        out.blob(&self.key)?;
        out.blob(self.config.as_bytes())?;
        out.blob(&self.note)?;
        let entries = self.catalog.entries();
        out.blob(entries.id_bytes.as_bytes())?;
        out.u64s(&entries.id_ends)?;
        out.u64s(&entries.records)?;
        let inputs: Vec<u32> = entries.inputs.iter().flat_map(|&(d, i)| [d, i]).collect();
        out.u32s(&inputs)?;
        out.u64s(&entries.lengths)?;
        match &self.state {
            Pass1State::Dedup { signatures, hashes, bands } => {
                out.u32s(signatures)?;
                out.runs(hashes, runs)?;
                match bands {
                    Some(bands) => {
                        out.raw(&[1])?;
                        out.runs(bands, runs)
                    }
                    None => out.raw(&[0]),
                }
            }
            Pass1State::Reprint { hashes, stats, postings } => {
                out.u64(hashes.len() as u64)?;
                hashes.iter().try_for_each(|h| out.raw(&h.to_le_bytes()))?;
                out.blob(stats)?;
                out.runs(postings, runs)
            }
        }
    }

    /// The checkpoint in `work`, if there is one, of `stage` for the run
    /// named `key` with these settings; refused ([`SpillError::Checkpoint`])
    /// unless every check of the module notes passes.
    pub(crate) fn read(
        work: &WorkDir,
        stage: Stage,
        key: &[u8],
        config: &str,
    ) -> Result<Option<Pass1>> {
        let path = work.checkpoint_path();
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let refuse =
            |why: String| -> Error { SpillError::Checkpoint { path: path.clone(), why }.into() };
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        let Some(left) = len.checked_sub(HEADER_BYTES + CHECKSUM_BYTES) else {
            return Err(refuse(format!("{len} bytes, shorter than a header and a checksum")));
        };
        let mut input = Decoder {
            input: BufReader::with_capacity(READ_BUFFER, file),
            hasher: Xxh3::new(),
            left: HEADER_BYTES,
        };
        let header = input.take(HEADER_BYTES).map_err(|e| input.fail(&path, e))?;
        if header[..8] != CHECKPOINT_MAGIC {
            return Err(refuse("not a checkpoint".into()));
        }
        let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
        if version != CHECKPOINT_VERSION {
            return Err(refuse(format!("format version {version}, expected {CHECKPOINT_VERSION}")));
        }
        let code = u32::from_le_bytes(header[12..].try_into().expect("4 bytes"));
        match Stage::of(code) {
            Some(written) if written == stage => {}
            Some(written) => {
                return Err(refuse(format!(
                    "a checkpoint of {}, not of {}",
                    written.describe(),
                    stage.describe()
                )))
            }
            None => return Err(refuse(format!("a checkpoint of unknown stage {code}"))),
        }
        input.left = left;
        let runs = work.runs_path();
        let body = Body::decode(&mut input, stage, &runs).map_err(|e| input.fail(&path, e))?;
        let mut checksum = [0u8; CHECKSUM_BYTES as usize];
        input.input.read_exact(&mut checksum).map_err(|e| Error::io(&path, e))?;
        if input.hasher.digest() != u64::from_le_bytes(checksum) {
            return Err(refuse("checksum mismatch".into()));
        }
        if body.syndic_version != env!("CARGO_PKG_VERSION").as_bytes() {
            let written = String::from_utf8_lossy(&body.syndic_version);
            return Err(refuse(format!(
                "written by syndic {written}, this is {}",
                env!("CARGO_PKG_VERSION")
            )));
        }
        if body.key != key {
            return Err(refuse("written for other inputs or read settings".into()));
        }
        if body.config != config.as_bytes() {
            return Err(refuse("written for other dedup settings".into()));
        }
        let id_bytes = String::from_utf8(body.id_bytes)
            .map_err(|_| refuse("the catalog's ids are not UTF-8".into()))?;
        let entries = Entries {
            id_bytes,
            id_ends: body.id_ends,
            records: body.records,
            inputs: body.inputs.chunks_exact(2).map(|p| (p[0], p[1])).collect(),
            lengths: body.lengths,
        };
        if body.inputs.len() % 2 != 0 {
            return Err(refuse("the catalog's inputs are not pairs".into()));
        }
        let catalog = Catalog::from_entries(entries).map_err(|why| refuse(why.into()))?;
        for (name, expected) in body.runs.iter() {
            if run_identity(name).ok() != Some(*expected) {
                return Err(refuse(format!(
                    "the run file {} is missing or changed",
                    name.display()
                )));
            }
        }
        Ok(Some(Pass1 {
            key: body.key,
            config: config.to_owned(),
            note: body.note,
            catalog,
            state: body.state,
        }))
    }
}

/// Writes values, hashing every byte.
struct Encoder<W> {
    out: W,
    hasher: Xxh3,
}

impl<W: Write> Encoder<W> {
    fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)
    }

    fn u64(&mut self, value: u64) -> std::io::Result<()> {
        self.raw(&value.to_le_bytes())
    }

    fn blob(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.u64(bytes.len() as u64)?;
        self.raw(bytes)
    }

    fn u64s(&mut self, values: &[u64]) -> std::io::Result<()> {
        self.u64(values.len() as u64)?;
        values.iter().try_for_each(|v| self.raw(&v.to_le_bytes()))
    }

    fn u32s(&mut self, values: &[u32]) -> std::io::Result<()> {
        self.u64(values.len() as u64)?;
        values.iter().try_for_each(|v| self.raw(&v.to_le_bytes()))
    }

    /// The runs, each named by its file name inside `dir`, where they all
    /// are.
    fn runs(&mut self, runs: &SortedRuns, dir: &Path) -> std::io::Result<()> {
        self.u64(runs.records)?;
        self.raw(&(runs.partitions.len() as u32).to_le_bytes())?;
        for partition in &runs.partitions {
            self.raw(&(partition.len() as u32).to_le_bytes())?;
            for path in partition {
                debug_assert_eq!(path.parent(), Some(dir), "pass-1 runs are in pass1/");
                let name = path.file_name().expect("a run file has a name");
                self.blob(name.as_encoded_bytes())?;
                let (len, checksum) = run_identity(path)?;
                self.u64(len)?;
                self.u64(checksum)?;
            }
        }
        Ok(())
    }
}

/// Why a checkpoint could not be decoded.
enum DecodeError {
    Io(std::io::Error),
    Damaged(String),
}

impl From<std::io::Error> for DecodeError {
    fn from(e: std::io::Error) -> Self {
        DecodeError::Io(e)
    }
}

/// Reads values, hashing every byte, and never past the bytes the file
/// holds before its checksum: a length that claims more is refused before
/// anything is allocated for it.
struct Decoder {
    input: BufReader<File>,
    hasher: Xxh3,
    left: u64,
}

impl Decoder {
    fn fail(&self, path: &Path, e: DecodeError) -> Error {
        match e {
            DecodeError::Io(e) => Error::io(path, e),
            DecodeError::Damaged(why) => {
                SpillError::Checkpoint { path: path.to_owned(), why }.into()
            }
        }
    }

    /// Fails unless `bytes` (`None`: past `u64`) are left to read.
    fn check(&self, bytes: Option<u64>) -> Result<u64, DecodeError> {
        match bytes {
            Some(b) if b <= self.left => Ok(b),
            _ => Err(DecodeError::Damaged("truncated, or a length it cannot hold".into())),
        }
    }

    fn take(&mut self, bytes: u64) -> Result<Vec<u8>, DecodeError> {
        let bytes = self.check(Some(bytes))?;
        self.left -= bytes;
        let mut buf = vec![0u8; bytes as usize];
        self.input.read_exact(&mut buf)?;
        self.hasher.update(&buf);
        Ok(buf)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    fn blob(&mut self) -> Result<Vec<u8>, DecodeError> {
        let len = self.u64()?;
        self.take(len)
    }

    /// `count` values of `N` bytes, read a buffer at a time.
    fn values<const N: usize, T>(
        &mut self,
        decode: fn([u8; N]) -> T,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.u64()?;
        self.check(count.checked_mul(N as u64))?;
        let mut values = Vec::with_capacity(count as usize);
        let mut left = count as usize;
        while left > 0 {
            let n = left.min(READ_BUFFER / N);
            let bytes = self.take((n * N) as u64)?;
            values.extend(bytes.chunks_exact(N).map(|c| decode(c.try_into().expect("N bytes"))));
            left -= n;
        }
        Ok(values)
    }

    fn runs(
        &mut self,
        dir: &Path,
        all: &mut Vec<(PathBuf, (u64, u64))>,
    ) -> Result<SortedRuns, DecodeError> {
        let records = self.u64()?;
        let partitions = self.u32()?;
        let mut runs = SortedRuns { records, partitions: Vec::new() };
        for _ in 0..partitions {
            let count = self.u32()?;
            let mut partition = Vec::new();
            for _ in 0..count {
                let name = self.blob()?;
                let name = String::from_utf8(name)
                    .map_err(|_| DecodeError::Damaged("a run's name is not UTF-8".into()))?;
                let mut components = Path::new(&name).components();
                if !matches!((components.next(), components.next()), (Some(Component::Normal(n)), None) if n == OsStr::new(&name))
                {
                    return Err(DecodeError::Damaged(format!("{name:?} is not a file name")));
                }
                let identity = (self.u64()?, self.u64()?);
                let path = dir.join(&name);
                all.push((path.clone(), identity));
                partition.push(path);
            }
            runs.partitions.push(partition);
        }
        Ok(runs)
    }
}

/// A checkpoint's body as read, before it is checked.
struct Body {
    syndic_version: Vec<u8>,
    key: Vec<u8>,
    config: Vec<u8>,
    note: Vec<u8>,
    id_bytes: Vec<u8>,
    id_ends: Vec<u64>,
    records: Vec<u64>,
    inputs: Vec<u32>,
    lengths: Vec<u64>,
    state: Pass1State,
    /// Every run named, with its length and trailer checksum.
    runs: Vec<(PathBuf, (u64, u64))>,
}

impl Body {
    fn decode(input: &mut Decoder, stage: Stage, dir: &Path) -> Result<Body, DecodeError> {
        let mut runs = Vec::new();
        let body = Body {
            syndic_version: input.blob()?,
            key: input.blob()?,
            config: input.blob()?,
            note: input.blob()?,
            id_bytes: input.blob()?,
            id_ends: input.values(u64::from_le_bytes)?,
            records: input.values(u64::from_le_bytes)?,
            inputs: input.values(u32::from_le_bytes)?,
            lengths: input.values(u64::from_le_bytes)?,
            state: match stage {
                Stage::DedupPass1 => Pass1State::Dedup {
                    signatures: input.values(u32::from_le_bytes)?,
                    hashes: input.runs(dir, &mut runs)?,
                    bands: match input.u8()? {
                        0 => None,
                        1 => Some(input.runs(dir, &mut runs)?),
                        flag => return Err(DecodeError::Damaged(format!("band flag {flag}"))),
                    },
                },
                Stage::ReprintPass1 => Pass1State::Reprint {
                    hashes: input.values(u128::from_le_bytes)?,
                    stats: input.blob()?,
                    postings: input.runs(dir, &mut runs)?,
                },
            },
            runs: Vec::new(),
        };
        if input.left != 0 {
            return Err(DecodeError::Damaged(format!("{} bytes past the end", input.left)));
        }
        Ok(Body { runs, ..body })
    }
}
