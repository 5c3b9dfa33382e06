//! Out-of-core sorting: records spilled to disk as sorted runs, partitioned
//! by hash, and merged back in order.
//!
//! [`crate::dedup::Deduper`] under a memory bound pushes its content hashes
//! and band keys into `Sorter`s instead of vectors. A sorter holds records
//! in one buffer per partition; when the buffers reach its share of the
//! bound, each is sorted and written as a **run file**. Reading back, the
//! runs of one partition (and what is still buffered) are merged into one
//! sorted stream (`Partition::merge`); partitions are disjoint by key, so
//! a bucket of equal keys never spans two. Candidate pairs are spilled the
//! same way, partitioned by the range of their first document so that the
//! partitions read one after another give every pair in `(a, b)` order.
//!
//! The run file format, version 1 (all integers little-endian):
//!
//! ```text
//! run      = header record* trailer
//! header   = magic:"SYNDRUN\n" (8 B)  version:u32 (=1)  record_size:u32
//! record   = record_size bytes, in ascending order
//! trailer  = count:u64  checksum:u64   (xxh3-64 of all record bytes)
//! ```
//!
//! A reader checks the header, that the file's length is exactly
//! `16 + count × record_size + 16` (a truncated run is refused before any
//! record is read), that records ascend, and the checksum at the end. A run
//! that fails any check is [`SpillError::Corrupt`], never misread.
//!
//! Runs live in a [`SpillDir`], a directory of their own removed when it
//! drops: after success, after an error, and after a cancelled run. Before
//! a run starts, its front end can check an estimate of the space it needs
//! ([`estimate_temp_space`], [`SpillError::EstimateOverFree`]); before each
//! run file is written, the free space of its file system is checked
//! ([`SpillError::NoSpace`]); a disk that fills up anyway gives
//! [`SpillError::Full`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};

mod checkpoint;
mod estimate;
mod sets;
pub(crate) use checkpoint::{Pass1, Pass1State, SortedRuns, Stage};
pub use checkpoint::{Resume, WorkDir, CHECKPOINT_MAGIC, CHECKPOINT_VERSION};
pub use estimate::{
    bytes_in, estimate_reprint_temp_space, estimate_temp_space, expanded, free_space, text_bytes,
    Size, TempEstimate, TempSpace, BYTES_PER_SHINGLE, GZIP_EXPANSION, PAIRS_PER_DOCUMENT,
    PARQUET_EXPANSION, RECORD_BYTES, ZSTD_EXPANSION,
};
pub(crate) use sets::{SetStore, Window};

/// The first bytes of every run file.
pub const RUN_MAGIC: [u8; 8] = *b"SYNDRUN\n";
/// The version of the run file format written and read.
pub const RUN_VERSION: u32 = 1;
const HEADER_BYTES: u64 = 16;
const TRAILER_BYTES: u64 = 16;
/// Runs merged at once: more would each need an open file and a read
/// buffer, so a partition with more runs is first merged in groups.
const FAN_IN: usize = 64;
const READ_BUFFER: usize = 64 << 10;

/// Partitions of spilled records: enough that one partition's buckets or
/// pairs are a small share of the whole, few enough that each spill writes
/// a handful of files. A power of two, so that a hash's top bits name one.
pub(crate) const PARTITIONS: usize = 16;

/// The partition of a record keyed by a well-mixed 64-bit hash: its top
/// bits, so that equal keys share a partition and partitions in order
/// give the keys in order.
pub(crate) fn hash_partition(key: u64) -> usize {
    (key >> (64 - PARTITIONS.trailing_zeros())) as usize
}

/// The partition of a pair by the range of its first document, among
/// `docs`: the partitions read one after another give the pairs in
/// `(a, b)` order.
pub(crate) fn pair_partition(a: u32, docs: usize) -> usize {
    (a as u64 * PARTITIONS as u64 / docs.max(1) as u64) as usize
}

/// What can go wrong with temporary files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpillError {
    /// The temporary directory's file system has too little free space.
    #[error(
        "{}: not enough temporary space: {needed} bytes needed, {available} free",
        dir.display()
    )]
    NoSpace {
        /// The temporary directory.
        dir: PathBuf,
        /// Bytes about to be written.
        needed: u64,
        /// Bytes free on its file system.
        available: u64,
    },
    /// The temporary space a run is estimated to need before it starts
    /// ([`TempEstimate`]) is more than its directory's file system has free.
    #[error(
        "{}: not enough temporary space: the run may need about {}, {} free",
        dir.display(), Size(*estimate), Size(*available)
    )]
    EstimateOverFree {
        /// The temporary directory.
        dir: PathBuf,
        /// Bytes estimated.
        estimate: u64,
        /// Bytes free on its file system.
        available: u64,
    },
    /// The temporary directory filled up while a run was written.
    #[error("{}: temporary directory full: {source}", path.display())]
    Full {
        /// The run being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A run file is truncated, corrupt or of another version.
    #[error("{}: corrupt temporary run file: {why}", path.display())]
    Corrupt {
        /// The run file.
        path: PathBuf,
        /// What check failed.
        why: String,
    },
    /// A checkpoint of a resumable run cannot be resumed from: damaged, of
    /// another format version or syndic version, written for another run,
    /// or naming run files that are gone or changed. It is refused, never
    /// misread; removing its work directory starts the run over.
    #[error("{}: cannot resume from this checkpoint: {why}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What check failed.
        why: String,
    },
}

/// A fixed-size record that sorts as its bytes are meant to be read.
pub trait Record: Copy + Ord + Send + Sync {
    /// Bytes on disk.
    const SIZE: usize;
    /// Writes `SIZE` bytes.
    fn encode(&self, out: &mut [u8]);
    /// Reads `SIZE` bytes.
    fn decode(bytes: &[u8]) -> Self;
}

/// A candidate pair, `a << 32 | b`.
impl Record for u64 {
    const SIZE: usize = 8;
    fn encode(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        u64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
}

/// A content hash and its document.
impl Record for (u128, u32) {
    const SIZE: usize = 20;
    fn encode(&self, out: &mut [u8]) {
        out[..16].copy_from_slice(&self.0.to_le_bytes());
        out[16..].copy_from_slice(&self.1.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        (
            u128::from_le_bytes(bytes[..16].try_into().expect("16 bytes")),
            u32::from_le_bytes(bytes[16..].try_into().expect("4 bytes")),
        )
    }
}

/// A passage fingerprint and its document.
impl Record for (u64, u32) {
    const SIZE: usize = 12;
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..].copy_from_slice(&self.1.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        (
            u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(bytes[8..].try_into().expect("4 bytes")),
        )
    }
}

/// A verified pair, `a << 32 | b`, and the bits of its similarity.
impl Record for (u64, u64) {
    const SIZE: usize = 16;
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..].copy_from_slice(&self.1.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        (
            u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")),
            u64::from_le_bytes(bytes[8..].try_into().expect("8 bytes")),
        )
    }
}

/// A band, its key and the document.
impl Record for (u32, u64, u32) {
    const SIZE: usize = 16;
    fn encode(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.0.to_le_bytes());
        out[4..12].copy_from_slice(&self.1.to_le_bytes());
        out[12..].copy_from_slice(&self.2.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        (
            u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")),
            u64::from_le_bytes(bytes[4..12].try_into().expect("8 bytes")),
            u32::from_le_bytes(bytes[12..].try_into().expect("4 bytes")),
        )
    }
}

/// A directory of run files, removed with everything in it when dropped,
/// unless it is kept for a resumable run.
#[derive(Debug)]
pub struct SpillDir {
    dir: Place,
    next: std::sync::atomic::AtomicU64,
    /// Bytes a test lets this directory hold before writes fail as on a
    /// full disk; `None` outside tests.
    quota: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl SpillDir {
    /// A new directory `syndic-spill-*` inside `parent`.
    pub fn create_in(parent: &Path) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("syndic-spill-")
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, e))?;
        Ok(Self { dir: Place::Temporary(dir), next: 0.into(), quota: None })
    }

    /// The directory `path`, made if missing and never removed by syndic:
    /// the runs of pass 1 of a resumable run, which a checkpoint names.
    pub(crate) fn kept(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
        Ok(Self { dir: Place::Kept(path.to_owned()), next: 0.into(), quota: None })
    }

    /// Fault injection: writes past `bytes` in all fail as on a full disk.
    #[cfg(test)]
    pub(crate) fn with_quota(mut self, bytes: u64) -> Self {
        self.quota = Some(std::sync::Arc::new(bytes.into()));
        self
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        match &self.dir {
            Place::Temporary(dir) => dir.path(),
            Place::Kept(path) => path,
        }
    }

    /// Fails with [`SpillError::NoSpace`] unless the directory's file
    /// system has `needed` bytes free (unchecked where that cannot be
    /// known).
    pub fn check_space(&self, needed: u64) -> Result<()> {
        match available_bytes(self.path()) {
            Some(available) if available < needed => {
                Err(SpillError::NoSpace { dir: self.path().to_owned(), needed, available }.into())
            }
            _ => Ok(()),
        }
    }

    fn new_path(&self, name: &str, extension: &str) -> PathBuf {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.path().join(format!("{name}-{n:06}.{extension}"))
    }

    /// Writes sorted `records` as a new run file named after `name`.
    pub(crate) fn write_run<R: Record>(&self, name: &str, records: &[R]) -> Result<PathBuf> {
        self.check_space(run_bytes::<R>(records.len() as u64))?;
        let mut writer = RunWriter::<R>::create(self, name)?;
        for r in records {
            writer.push(r)?;
        }
        writer.finish()
    }
}

/// Where a [`SpillDir`] is, and whether it goes when it drops.
#[derive(Debug)]
enum Place {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

/// Bytes of a run of `count` records.
pub(crate) fn run_bytes<R: Record>(count: u64) -> u64 {
    HEADER_BYTES + count * R::SIZE as u64 + TRAILER_BYTES
}

/// Free bytes on the file system holding `path`.
#[cfg(unix)]
fn available_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a NUL-terminated string that outlives the call, and
    // `stat` points to writable memory of the size `statvfs` fills; it is
    // read only when the call reports success, which means it was filled.
    let stat = unsafe {
        if libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn available_bytes(_path: &Path) -> Option<u64> {
    None
}

/// A writer that fails as a full disk would once its quota is spent.
#[derive(Debug)]
struct Quota<W> {
    inner: W,
    left: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl<W: Write> Write for Quota<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(left) = &self.left {
            use std::sync::atomic::Ordering;
            let want = buf.len() as u64;
            if left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(want))
                .is_err()
            {
                return Err(std::io::ErrorKind::StorageFull.into());
            }
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one run file, record by record.
pub(crate) struct RunWriter<R> {
    path: PathBuf,
    out: BufWriter<Quota<File>>,
    hasher: Xxh3,
    count: u64,
    buf: Vec<u8>,
    record: std::marker::PhantomData<R>,
}

impl<R: Record> RunWriter<R> {
    pub(crate) fn create(dir: &SpillDir, name: &str) -> Result<Self> {
        let path = dir.new_path(name, "run");
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        let out =
            BufWriter::with_capacity(READ_BUFFER, Quota { inner: file, left: dir.quota.clone() });
        let mut header = [0u8; HEADER_BYTES as usize];
        header[..8].copy_from_slice(&RUN_MAGIC);
        header[8..12].copy_from_slice(&RUN_VERSION.to_le_bytes());
        header[12..].copy_from_slice(&(R::SIZE as u32).to_le_bytes());
        let mut writer = Self {
            path,
            out,
            hasher: Xxh3::new(),
            count: 0,
            buf: vec![0; R::SIZE],
            record: std::marker::PhantomData,
        };
        writer.out.write_all(&header).map_err(|e| write_error(&writer.path, e))?;
        Ok(writer)
    }

    pub(crate) fn push(&mut self, record: &R) -> Result<()> {
        record.encode(&mut self.buf);
        self.hasher.update(&self.buf);
        self.count += 1;
        self.out.write_all(&self.buf).map_err(|e| write_error(&self.path, e))
    }

    /// The records written so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    pub(crate) fn finish(mut self) -> Result<PathBuf> {
        let mut trailer = [0u8; TRAILER_BYTES as usize];
        trailer[..8].copy_from_slice(&self.count.to_le_bytes());
        trailer[8..].copy_from_slice(&self.hasher.digest().to_le_bytes());
        self.out.write_all(&trailer).map_err(|e| write_error(&self.path, e))?;
        self.out.flush().map_err(|e| write_error(&self.path, e))?;
        Ok(self.path)
    }
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::StorageFull || e.kind() == std::io::ErrorKind::QuotaExceeded
    {
        SpillError::Full { path: path.to_owned(), source: e }.into()
    } else {
        Error::io(path, e)
    }
}

/// Reads one run file, checking it as it goes.
struct RunReader<R> {
    path: PathBuf,
    input: BufReader<File>,
    left: u64,
    checksum: u64,
    hasher: Xxh3,
    last: Option<R>,
    buf: Vec<u8>,
}

impl<R: Record> RunReader<R> {
    fn open(path: &Path) -> Result<Self> {
        let corrupt =
            |why: String| -> Error { SpillError::Corrupt { path: path.to_owned(), why }.into() };
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len < HEADER_BYTES + TRAILER_BYTES {
            return Err(corrupt(format!("{len} bytes, shorter than a header and a trailer")));
        }
        let mut header = [0u8; HEADER_BYTES as usize];
        file.read_exact(&mut header).map_err(|e| Error::io(path, e))?;
        if header[..8] != RUN_MAGIC {
            return Err(corrupt("not a run file".into()));
        }
        let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
        if version != RUN_VERSION {
            return Err(corrupt(format!("version {version}, expected {RUN_VERSION}")));
        }
        let size = u32::from_le_bytes(header[12..].try_into().expect("4 bytes"));
        if size as usize != R::SIZE {
            return Err(corrupt(format!("records of {size} bytes, expected {}", R::SIZE)));
        }
        let mut trailer = [0u8; TRAILER_BYTES as usize];
        file.seek(SeekFrom::End(-(TRAILER_BYTES as i64))).map_err(|e| Error::io(path, e))?;
        file.read_exact(&mut trailer).map_err(|e| Error::io(path, e))?;
        let count = u64::from_le_bytes(trailer[..8].try_into().expect("8 bytes"));
        let checksum = u64::from_le_bytes(trailer[8..].try_into().expect("8 bytes"));
        if count
            .checked_mul(R::SIZE as u64)
            .and_then(|b| b.checked_add(HEADER_BYTES + TRAILER_BYTES))
            != Some(len)
        {
            return Err(corrupt(format!("{len} bytes cannot hold the {count} records it claims")));
        }
        file.seek(SeekFrom::Start(HEADER_BYTES)).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            input: BufReader::with_capacity(READ_BUFFER, file),
            left: count,
            checksum,
            hasher: Xxh3::new(),
            last: None,
            buf: vec![0; R::SIZE],
        })
    }

    fn next_record(&mut self) -> Result<Option<R>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.input.read_exact(&mut self.buf).map_err(|e| Error::io(&self.path, e))?;
        self.hasher.update(&self.buf);
        self.left -= 1;
        let record = R::decode(&self.buf);
        let corrupt = |why: &str| -> Error {
            SpillError::Corrupt { path: self.path.clone(), why: why.into() }.into()
        };
        if self.last.is_some_and(|last| last > record) {
            return Err(corrupt("records out of order"));
        }
        if self.left == 0 && self.hasher.digest() != self.checksum {
            return Err(corrupt("checksum mismatch"));
        }
        self.last = Some(record);
        Ok(Some(record))
    }
}

/// Told how far a pass over spilled runs is: the pass (`hashes`, `bands`,
/// `pairs`, `verify`), records done, records in all. Called from the
/// thread that drives the deduper.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(&'static str, u64, u64) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Progress {
    /// Reports every this many records, and at the end.
    const EVERY: u64 = 1 << 16;

    /// Reports `done` of `total` when it is a multiple of a step or the end.
    pub(crate) fn tick(progress: Option<&Progress>, pass: &'static str, done: u64, total: u64) {
        if let Some(p) = progress {
            if done.is_multiple_of(Self::EVERY) || done == total {
                (p.0)(pass, done, total);
            }
        }
    }
}

/// Records a sorter's buffer first makes room for.
const MIN_GROWTH: usize = 64;

/// Records pushed in any order, read back sorted partition by partition;
/// spilled as runs whenever the buffers would need room for more than
/// `capacity` records.
#[derive(Debug)]
pub(crate) struct Sorter<R> {
    name: &'static str,
    buffers: Vec<Vec<R>>,
    runs: Vec<Vec<PathBuf>>,
    held: usize,
    /// Records the buffers have room for, held or not: what the memory
    /// bound is on.
    allocated: usize,
    capacity: usize,
    pushed: u64,
}

impl<R: Record> Sorter<R> {
    /// A sorter of `partitions` partitions holding at most `memory` bytes
    /// of records (at least one record) before it spills.
    pub(crate) fn new(name: &'static str, partitions: usize, memory: usize) -> Self {
        Self {
            name,
            buffers: vec![Vec::new(); partitions],
            runs: vec![Vec::new(); partitions],
            held: 0,
            allocated: 0,
            pushed: 0,
            capacity: (memory / std::mem::size_of::<R>()).max(1),
        }
    }

    /// Records pushed.
    pub(crate) fn len(&self) -> u64 {
        self.pushed
    }

    /// Whether any run was written.
    pub(crate) fn spilled(&self) -> bool {
        self.runs.iter().any(|r| !r.is_empty())
    }

    /// Adds a record to `partition`, spilling into `dir` (created by
    /// `dir` on first use) when the buffers are full.
    pub(crate) fn push(
        &mut self,
        partition: usize,
        record: R,
        dir: &mut LazySpillDir,
    ) -> Result<()> {
        if self.buffers[partition].len() == self.buffers[partition].capacity() {
            self.grow(partition, dir)?;
        }
        self.buffers[partition].push(record);
        self.held += 1;
        self.pushed += 1;
        Ok(())
    }

    /// Makes room in `partition`'s full buffer: doubling it, as a `Vec`
    /// would, but never past the bound, which counts the room the buffers
    /// take and not the records they hold (left to `Vec`, the buffers
    /// reached 1.6 times the bound); spilling first when no room is left.
    fn grow(&mut self, partition: usize, dir: &mut LazySpillDir) -> Result<()> {
        if self.allocated >= self.capacity {
            self.spill(dir.get()?)?;
        }
        let buffer = &mut self.buffers[partition];
        let before = buffer.capacity();
        let room = self.capacity - self.allocated;
        buffer.reserve_exact(before.max(MIN_GROWTH).min(room));
        self.allocated += buffer.capacity() - before;
        Ok(())
    }

    fn spill(&mut self, dir: &SpillDir) -> Result<()> {
        let name = self.name;
        self.buffers.par_iter_mut().for_each(|b| b.sort_unstable());
        for (buffer, runs) in self.buffers.iter_mut().zip(&mut self.runs) {
            if !buffer.is_empty() {
                runs.push(dir.write_run(name, buffer)?);
                // Released, not cleared: the memory is what the bound is for.
                *buffer = Vec::new();
            }
        }
        self.held = 0;
        // A buffer has room only once pushed to, so every one was released.
        self.allocated = 0;
        Ok(())
    }

    /// [`into_partitions`](Self::into_partitions) with every record in a
    /// run file, none in memory: what a checkpoint can name.
    pub(crate) fn into_run_partitions(
        mut self,
        dir: &mut LazySpillDir,
    ) -> Result<Vec<Partition<R>>> {
        if self.held > 0 {
            self.spill(dir.get()?)?;
        }
        self.into_partitions(dir)
    }

    /// The partitions, in order, each ready to merge. Once anything was
    /// spilled, the rest is spilled too, so that the memory it held is free
    /// for the next stage; partitions of more than [`FAN_IN`] runs are
    /// merged in groups first.
    pub(crate) fn into_partitions(mut self, dir: &mut LazySpillDir) -> Result<Vec<Partition<R>>> {
        if self.spilled() {
            self.spill(dir.get()?)?;
        }
        let mut partitions = Vec::with_capacity(self.buffers.len());
        for (mut memory, mut runs) in self.buffers.into_iter().zip(self.runs) {
            memory.sort_unstable();
            while runs.len() > FAN_IN {
                let dir = dir.get()?;
                let groups: Vec<Vec<PathBuf>> = runs.chunks(FAN_IN).map(<[_]>::to_vec).collect();
                runs = Vec::with_capacity(groups.len());
                for group in groups {
                    let bytes = group.iter().map(|p| file_len(p)).sum::<Result<u64>>()?;
                    let merged: Partition<R> =
                        Partition { runs: group.clone(), memory: Vec::new() };
                    let (run, _) = write_sorted(dir, self.name, bytes, merged.merge()?)?;
                    runs.push(run);
                    for path in &group {
                        std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
                    }
                }
            }
            partitions.push(Partition { runs, memory });
        }
        Ok(partitions)
    }
}

/// Removes merged runs, so that the temporary space a run needs is not the
/// sum of all its passes'. One that cannot be removed now goes with its
/// spill directory.
pub(crate) fn remove_runs(runs: &[PathBuf]) {
    for run in runs {
        let _ = std::fs::remove_file(run);
    }
}

fn file_len(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len())
}

/// Writes `records`, which must ascend, as one run after checking that
/// `at_most` bytes are free; returns its path and its number of records.
pub(crate) fn write_sorted<R: Record>(
    dir: &SpillDir,
    name: &str,
    at_most: u64,
    records: impl Iterator<Item = Result<R>>,
) -> Result<(PathBuf, u64)> {
    dir.check_space(at_most)?;
    let mut writer = RunWriter::<R>::create(dir, name)?;
    for record in records {
        writer.push(&record?)?;
    }
    let count = writer.count;
    Ok((writer.finish()?, count))
}

/// The sorted runs of one partition and the sorted records still held.
#[derive(Debug)]
pub(crate) struct Partition<R> {
    runs: Vec<PathBuf>,
    memory: Vec<R>,
}

impl<R: Record> Partition<R> {
    /// A partition of one run file.
    pub(crate) fn of_run(path: PathBuf) -> Self {
        Self { runs: vec![path], memory: Vec::new() }
    }

    /// A partition of these run files.
    pub(crate) fn of_runs(runs: Vec<PathBuf>) -> Self {
        Self { runs, memory: Vec::new() }
    }

    /// Its run files; with [`Sorter::into_run_partitions`], all it holds.
    pub(crate) fn runs(&self) -> &[PathBuf] {
        &self.runs
    }

    /// Whether any record is in a run file.
    pub(crate) fn spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Bytes of its run files.
    pub(crate) fn spilled_bytes(&self) -> Result<u64> {
        self.runs.iter().map(|p| file_len(p)).sum()
    }

    /// Every record of the partition, in ascending order.
    pub(crate) fn merge(self) -> Result<Merge<R>> {
        let mut readers = Vec::with_capacity(self.runs.len());
        for path in &self.runs {
            readers.push(RunReader::open(path)?);
        }
        let mut merge = Merge { readers, memory: self.memory.into_iter(), heap: BinaryHeap::new() };
        for source in 0..merge.readers.len() + 1 {
            merge.refill(source)?;
        }
        Ok(merge)
    }
}

/// A k-way merge of sorted runs and one sorted vector.
pub(crate) struct Merge<R> {
    readers: Vec<RunReader<R>>,
    memory: std::vec::IntoIter<R>,
    heap: BinaryHeap<Reverse<(R, usize)>>,
}

impl<R: Record> Merge<R> {
    /// Pushes the next record of `source` (the readers, then memory).
    fn refill(&mut self, source: usize) -> Result<()> {
        let next = match self.readers.get_mut(source) {
            Some(reader) => reader.next_record()?,
            None => self.memory.next(),
        };
        if let Some(record) = next {
            self.heap.push(Reverse((record, source)));
        }
        Ok(())
    }
}

impl<R: Record> Iterator for Merge<R> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Result<R>> {
        let Reverse((record, source)) = self.heap.pop()?;
        Some(self.refill(source).map(|()| record))
    }
}

/// The length and the checksum (from its trailer) of a run file: enough
/// to tell that a run named by a checkpoint is still the one written.
pub(crate) fn run_identity(path: &Path) -> std::io::Result<(u64, u64)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len < HEADER_BYTES + TRAILER_BYTES {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let mut checksum = [0u8; 8];
    file.seek(SeekFrom::End(-8))?;
    file.read_exact(&mut checksum)?;
    Ok((len, u64::from_le_bytes(checksum)))
}

/// Files under `dir`, at any depth: what a run left behind.
#[cfg(test)]
pub(crate) fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("a readable directory")
        .map(|e| {
            let path = e.expect("a readable entry").path();
            if path.is_dir() {
                files_under(&path)
            } else {
                1
            }
        })
        .sum()
}

/// A [`SpillDir`] made on first use, inside a given parent: a run that
/// fits its memory bound writes nothing.
#[derive(Debug)]
pub struct LazySpillDir {
    parent: PathBuf,
    /// The parent itself is the directory, and is kept.
    kept: bool,
    dir: Option<SpillDir>,
    #[cfg(test)]
    quota: Option<u64>,
}

impl LazySpillDir {
    /// Runs will go into a new directory inside `parent`.
    pub fn new(parent: impl Into<PathBuf>) -> Self {
        Self {
            parent: parent.into(),
            kept: false,
            dir: None,
            #[cfg(test)]
            quota: None,
        }
    }

    /// Runs will go into `dir` itself, made on first use and kept.
    pub(crate) fn kept(dir: impl Into<PathBuf>) -> Self {
        Self { kept: true, ..Self::new(dir) }
    }

    /// Fault injection: the directory, once made, holds at most `bytes`.
    #[cfg(test)]
    pub(crate) fn with_quota(mut self, bytes: u64) -> Self {
        self.quota = Some(bytes);
        self
    }

    /// The directory, made now if it was not yet.
    pub(crate) fn get(&mut self) -> Result<&SpillDir> {
        if self.dir.is_none() {
            let dir = if self.kept {
                SpillDir::kept(&self.parent)?
            } else {
                SpillDir::create_in(&self.parent)?
            };
            #[cfg(test)]
            let dir = match self.quota {
                Some(bytes) => dir.with_quota(bytes),
                None => dir,
            };
            self.dir = Some(dir);
        }
        Ok(self.dir.as_ref().expect("made above"))
    }

    /// Another directory in the same parent (and, in tests, with the same
    /// quota), made on first use and removed when it drops: for files that
    /// outlive this one's.
    pub(crate) fn sibling(&self) -> Self {
        Self {
            parent: self.parent.clone(),
            kept: false,
            dir: None,
            #[cfg(test)]
            quota: self.quota,
        }
    }

    /// The directory, if it was made.
    pub fn path(&self) -> Option<&Path> {
        self.dir.as_ref().map(SpillDir::path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &Path) -> Result<Vec<u64>> {
        Partition::<u64>::of_run(path.to_owned()).merge()?.collect()
    }

    /// Issue 16: a run that was cut short, altered, or written by another
    /// version is refused, never misread.
    #[test]
    fn issue16_damaged_runs_are_refused() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::create_in(parent.path()).unwrap();
        let records: Vec<u64> = (0..100).map(|i| i * 3).collect();
        let path = dir.write_run("t", &records).unwrap();
        assert_eq!(read_all(&path).unwrap(), records);
        let good = std::fs::read(&path).unwrap();
        assert_eq!(good.len() as u64, run_bytes::<u64>(100));
        // (what, damage, expected words of the reason)
        type Damage = fn(&mut Vec<u8>);
        let cases: [(&str, Damage, &str); 6] = [
            ("truncated", |b| b.truncate(b.len() - 3), "cannot hold"),
            ("a record lost", |b| drop(b.drain(16..24)), "cannot hold"),
            ("bit flipped", |b| b[40] ^= 1, "checksum"),
            ("out of order", |b| b.swap(16, 24), "out of order"),
            ("other version", |b| b[8] = 2, "version 2"),
            ("not a run", |b| b[0] = b'X', "not a run file"),
        ];
        for (what, damage, why) in cases {
            let mut bytes = good.clone();
            damage(&mut bytes);
            std::fs::write(&path, &bytes).unwrap();
            let err = read_all(&path).unwrap_err();
            assert!(
                matches!(&err, Error::Spill(SpillError::Corrupt { why: w, .. }) if w.contains(why)),
                "{what}: {err}"
            );
        }
    }

    /// Issue 16: the buffers never take more room than the bound, however
    /// the records fall into partitions (growing by doubling alone, they
    /// reached 1.6 times it), and what comes back is every record, sorted.
    #[test]
    fn issue16_a_sorter_stays_within_its_bound() {
        // (partitions, bound in records, records, records to a partition)
        type Case = (usize, usize, u64, fn(u64) -> usize);
        let cases: [Case; 4] = [
            (4, 1_000, 10_000, |i| (i % 4) as usize),
            (16, 1_000, 10_000, |i| (i * 7 % 16) as usize),
            (16, 300, 5_000, |i| if i % 10 == 0 { 1 } else { 3 }),
            (64, 10, 2_000, |i| (i % 64) as usize),
        ];
        for (partitions, bound, records, partition_of) in cases {
            let parent = tempfile::tempdir().unwrap();
            let mut dir = LazySpillDir::new(parent.path().to_owned());
            let mut sorter = Sorter::<u64>::new("t", partitions, bound * 8);
            let mut expected = vec![Vec::new(); partitions];
            for i in 0..records {
                let record = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 8;
                sorter.push(partition_of(i), record, &mut dir).unwrap();
                expected[partition_of(i)].push(record);
                let room: usize = sorter.buffers.iter().map(Vec::capacity).sum();
                assert!(room <= bound, "{partitions} {bound}: room for {room} records");
            }
            let got = sorter.into_partitions(&mut dir).unwrap();
            for (partition, mut want) in got.into_iter().zip(expected) {
                want.sort_unstable();
                assert_eq!(partition.merge().unwrap().collect::<Result<Vec<_>>>().unwrap(), want);
            }
        }
    }

    #[test]
    fn issue16_too_little_free_space_is_refused_before_writing() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::create_in(parent.path()).unwrap();
        let err = dir.check_space(u64::MAX).unwrap_err();
        assert!(matches!(err, Error::Spill(SpillError::NoSpace { .. })), "{err}");
        assert!(err.to_string().contains("not enough temporary space"), "{err}");
        dir.check_space(1).unwrap();
    }

    /// A writer past its quota fails as a full disk does, whatever the
    /// write sizes.
    #[test]
    fn issue16_quota_writer_fails_after_its_bytes() {
        for (quota, writes, ok) in
            [(10, vec![4, 4], true), (10, vec![4, 7], false), (0, vec![1], false)]
        {
            let mut w = Quota { inner: Vec::new(), left: Some(std::sync::Arc::new(quota.into())) };
            let result: std::io::Result<()> =
                writes.iter().try_for_each(|&n| w.write_all(&vec![0; n]));
            assert_eq!(result.is_ok(), ok, "{quota} {writes:?}");
            if let Err(e) = result {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
            }
        }
    }
}
