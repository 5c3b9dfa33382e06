//! Shingle sets for exact verification: in memory up to a bound, in a file
//! past it.
//!
//! Pass 2 of MinHash mode gathers the shingle set of every document in a
//! candidate pair, and verification then reads them pair by pair, in any
//! order. At a crawl's scale these sets outgrow memory long before
//! anything else the deduper keeps, so a [`SetStore`] holds them in memory
//! up to its bound and appends the rest to one **set file** in the spill
//! directory, read back by offset.
//!
//! The set file is each set's values as little-endian `u64`s, one set after
//! another, with no header: it is written and read by one run and removed
//! with its spill directory. The store's index keeps, per document in the
//! file, where its set starts, how many values it has and the xxh3-64 of
//! its bytes, checked on every read: a file changed underneath gives
//! [`SpillError::Corrupt`], never a wrong similarity.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use rayon::prelude::*;

use super::{write_error, LazySpillDir, Quota, SpillError, READ_BUFFER};
use crate::doc::DocId;
use crate::error::{Error, Result};

/// Free space is checked again after this many bytes are written.
const CHECK_EVERY: u64 = 64 << 20;

/// Shingle sets by document, in memory up to a bound and in a file past
/// it.
#[derive(Debug)]
pub(crate) struct SetStore {
    memory: HashMap<DocId, Vec<u64>>,
    memory_bytes: usize,
    bound: usize,
    file: Option<SetFile>,
}

#[derive(Debug)]
struct SetFile {
    path: PathBuf,
    /// Open while sets are added; `None` once sealed.
    writer: Option<BufWriter<Quota<File>>>,
    /// Open once sealed.
    reader: Option<File>,
    /// By document, ascending.
    index: Vec<Entry>,
    written: u64,
    checked_at: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    doc: DocId,
    values: u32,
    offset: u64,
    checksum: u64,
}

/// Bytes a set takes in memory: its values and its vector's header.
fn memory_of(set: &[u64]) -> usize {
    memory_of_values(set.len())
}

fn memory_of_values(values: usize) -> usize {
    8 * values + 24
}

impl SetStore {
    /// A store that keeps up to `bound` bytes of sets in memory and writes
    /// the rest into the spill directory given to [`insert`](Self::insert).
    pub(crate) fn new(bound: usize) -> Self {
        Self { memory: HashMap::new(), memory_bytes: 0, bound, file: None }
    }

    /// A store of `sets`, all in memory.
    pub(crate) fn in_memory(sets: HashMap<DocId, Vec<u64>>) -> Self {
        let memory_bytes = sets.values().map(|s| memory_of(s)).sum();
        Self { memory: sets, memory_bytes, bound: usize::MAX, file: None }
    }

    /// Keeps `doc`'s set: in memory while the bound allows and no set went
    /// to the file yet, in the file (made in `dir`) after. Documents are
    /// added in ascending order.
    pub(crate) fn insert(
        &mut self,
        doc: DocId,
        set: Vec<u64>,
        dir: Option<&mut LazySpillDir>,
    ) -> Result<()> {
        let bytes = memory_of(&set);
        let dir = match dir {
            Some(dir) if self.file.is_some() || self.memory_bytes + bytes > self.bound => dir,
            _ => {
                self.memory_bytes += bytes;
                self.memory.insert(doc, set);
                return Ok(());
            }
        };
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(SetFile::create(dir)?),
        };
        file.append(doc, &set, dir)
    }

    /// Ends the adding: what is in the file is flushed and opened to read.
    pub(crate) fn seal(&mut self) -> Result<()> {
        if let Some(file) = &mut self.file {
            if let Some(mut writer) = file.writer.take() {
                writer.flush().map_err(|e| write_error(&file.path, e))?;
                file.reader = Some(File::open(&file.path).map_err(|e| Error::io(&file.path, e))?);
            }
        }
        Ok(())
    }

    /// The bound on sets held in memory.
    pub(crate) fn bound(&self) -> usize {
        self.bound
    }

    /// Bytes `doc`'s set takes once read from the file; 0 when it is in
    /// memory or was never added.
    pub(crate) fn file_bytes(&self, doc: DocId) -> usize {
        self.entry(doc).map_or(0, |(_, e)| memory_of_values(e.values as usize))
    }

    /// After [`seal`](Self::seal): the sets of `docs` in the file
    /// (distinct, any order; the others are ignored), each read once
    /// and in parallel: verification reads a window of pairs' sets this way
    /// instead of once per pair, as a document in a large bucket is paired
    /// with up to a window of others.
    pub(crate) fn window(&self, docs: &[DocId]) -> Result<Window<'_>> {
        let read: Vec<(DocId, Vec<u64>)> = docs
            .par_iter()
            .filter_map(|&doc| self.entry(doc).map(|(file, e)| file.read(e).map(|set| (doc, set))))
            .collect::<Result<_>>()?;
        Ok(Window { store: self, read: read.into_iter().collect() })
    }

    fn entry(&self, doc: DocId) -> Option<(&SetFile, Entry)> {
        if self.memory.contains_key(&doc) {
            return None;
        }
        let file = self.file.as_ref()?;
        let at = file.index.binary_search_by_key(&doc, |e| e.doc).ok()?;
        Some((file, file.index[at]))
    }
}

/// The sets of a window of pairs: those in memory, and those read for it.
pub(crate) struct Window<'a> {
    store: &'a SetStore,
    read: HashMap<DocId, Vec<u64>>,
}

impl Window<'_> {
    /// `doc`'s set, if it is in memory or was read for this window.
    pub(crate) fn get(&self, doc: DocId) -> Option<&[u64]> {
        self.store.memory.get(&doc).or_else(|| self.read.get(&doc)).map(Vec::as_slice)
    }
}

impl SetFile {
    fn create(dir: &mut LazySpillDir) -> Result<Self> {
        let dir = dir.get()?;
        dir.check_space(CHECK_EVERY)?;
        let path = dir.new_path("sets", "bin");
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        let writer =
            BufWriter::with_capacity(READ_BUFFER, Quota { inner: file, left: dir.quota.clone() });
        Ok(Self {
            path,
            writer: Some(writer),
            reader: None,
            index: Vec::new(),
            written: 0,
            checked_at: 0,
        })
    }

    fn append(&mut self, doc: DocId, set: &[u64], dir: &mut LazySpillDir) -> Result<()> {
        assert!(self.index.last().is_none_or(|e| e.doc < doc), "sets added out of order");
        let bytes: Vec<u8> = set.iter().flat_map(|v| v.to_le_bytes()).collect();
        if self.written - self.checked_at > CHECK_EVERY {
            dir.get()?.check_space(CHECK_EVERY)?;
            self.checked_at = self.written;
        }
        let writer = self.writer.as_mut().expect("sets added before seal");
        writer.write_all(&bytes).map_err(|e| write_error(&self.path, e))?;
        self.index.push(Entry {
            doc,
            values: u32::try_from(set.len()).expect("a shingle set of 4 billion values"),
            offset: self.written,
            checksum: xxhash_rust::xxh3::xxh3_64(&bytes),
        });
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn read(&self, entry: Entry) -> Result<Vec<u64>> {
        let reader = self.reader.as_ref().expect("sets read after seal");
        let mut bytes = vec![0u8; 8 * entry.values as usize];
        read_exact_at(reader, &mut bytes, entry.offset).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                self.corrupt(entry, "the file is shorter than what was written".into())
            } else {
                Error::io(&self.path, e)
            }
        })?;
        if xxhash_rust::xxh3::xxh3_64(&bytes) != entry.checksum {
            return Err(self.corrupt(entry, "checksum mismatch".into()));
        }
        Ok(bytes.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().expect("8"))).collect())
    }

    fn corrupt(&self, entry: Entry, why: String) -> Error {
        SpillError::Corrupt {
            path: self.path.clone(),
            why: format!("the shingle set of document {}: {why}", entry.doc),
        }
        .into()
    }
}

/// Reads `buf.len()` bytes at `offset`, from any number of threads at once.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(n: u32) -> Vec<(DocId, Vec<u64>)> {
        (0..n)
            .map(|d| {
                (DocId::from_u32(3 * d), (0..u64::from(d % 7 + 1)).map(|v| v * 31 + 5).collect())
            })
            .collect()
    }

    /// Issue 16: past its bound the store writes sets to a file and reads
    /// back the same ones; documents never added are absent.
    #[test]
    fn issue16_sets_past_the_bound_come_back_from_the_file() {
        let parent = tempfile::tempdir().unwrap();
        for bound in [0, 100, 1000, usize::MAX] {
            let mut dir = LazySpillDir::new(parent.path());
            let mut store = SetStore::new(bound);
            for (doc, set) in sets(50) {
                store.insert(doc, set, Some(&mut dir)).unwrap();
            }
            store.seal().unwrap();
            assert_eq!(store.file.is_some(), bound < usize::MAX, "bound {bound}");
            let all: Vec<DocId> = (0..150).map(DocId::from_u32).collect();
            let window = store.window(&all).unwrap();
            for (doc, set) in sets(50) {
                assert_eq!(window.get(doc), Some(&set[..]), "bound {bound}");
                assert_eq!(window.get(DocId::from_u32(doc.as_u32() + 1)), None);
            }
            // A window holds what is in memory and what it read, no more.
            let (first, last) = (DocId::from_u32(0), DocId::from_u32(147));
            let window = store.window(&[last]).unwrap();
            assert!(window.get(last).is_some());
            assert_eq!(window.get(first).is_some(), store.file_bytes(first) == 0, "bound {bound}");
        }
    }

    /// Issue 16: a set file changed underneath is refused on reading.
    #[test]
    fn issue16_a_damaged_set_file_is_refused() {
        let parent = tempfile::tempdir().unwrap();
        let mut dir = LazySpillDir::new(parent.path());
        let mut store = SetStore::new(0);
        for (doc, set) in sets(10) {
            store.insert(doc, set, Some(&mut dir)).unwrap();
        }
        store.seal().unwrap();
        let path = store.file.as_ref().unwrap().path.clone();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let doc = |d: u32| [DocId::from_u32(d)];
        let err = store.window(&doc(3)).err().unwrap().to_string();
        assert!(err.contains("checksum") && err.contains("document 3"), "{err}");
        assert_eq!(store.window(&doc(0)).unwrap().get(DocId::from_u32(0)), Some(&[5u64][..]));
        std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
        let err = store.window(&doc(27)).err().unwrap().to_string();
        assert!(err.contains("shorter"), "{err}");
    }

    /// Issue 16: a disk that fills up while sets are written is an error
    /// naming the set file, not a panic or a silent loss.
    #[test]
    fn issue16_a_full_disk_while_writing_sets_is_an_error() {
        let parent = tempfile::tempdir().unwrap();
        let mut dir = LazySpillDir::new(parent.path()).with_quota(1000);
        let mut store = SetStore::new(0);
        // Larger than the write buffer: written through at once.
        let set: Vec<u64> = (0..100_000).collect();
        let err = store.insert(DocId::from_u32(0), set, Some(&mut dir)).unwrap_err().to_string();
        assert!(err.contains("temporary directory full") && err.contains("sets-"), "{err}");
    }
}
