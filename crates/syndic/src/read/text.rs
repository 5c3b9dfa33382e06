//! Text inputs: a directory tree with one document per file, or one file.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use super::input::Input;
use super::input::TreeFile;
use super::options::ReadOptions;
use super::record::{Fields, Record};
use super::stream::{open_stream, read_bounded, stream_error, Progress};
use crate::doc::IdProblem;
use crate::{Error, Location, RecordProblem, Result};

/// The documents of a text input.
pub(crate) struct TextSource {
    input: Input,
    /// The tree's files, or `None` for a single file.
    tree: Option<Arc<[TreeFile]>>,
    next: usize,
    limit: u64,
    progress: Progress,
}

impl TextSource {
    pub(crate) fn open(input: &Input, opts: &ReadOptions, progress: &Progress) -> Result<Self> {
        Ok(Self {
            input: input.clone(),
            tree: input.tree.clone(),
            next: 0,
            limit: opts.max_doc_bytes,
            progress: progress.clone(),
        })
    }

    pub(crate) fn next(&mut self) -> Result<Option<Record>> {
        let ordinal = self.next;
        let (id, bytes) = match &self.tree {
            Some(tree) => {
                let Some(file) = tree.get(ordinal) else { return Ok(None) };
                self.next += 1;
                (file.id.clone(), self.read_tree_file(file)?)
            }
            None if ordinal > 0 => return Ok(None),
            None => {
                self.next += 1;
                let name = self.input.path.file_name().unwrap_or(self.input.path.as_os_str());
                (name.to_str().map(str::to_owned), self.read_single_file()?)
            }
        };
        let fields = bytes.and_then(|bytes| {
            // A lossy spelling of the name would be an id no file has, and
            // two names could share it.
            let id = id.ok_or(RecordProblem::InvalidId(IdProblem::NotUtf8))?;
            let text = String::from_utf8(bytes)
                .map_err(|e| RecordProblem::InvalidUtf8(e.utf8_error().valid_up_to()))?;
            Ok(Fields { id, text, site: None, url: None })
        });
        Ok(Some(Record { ordinal: ordinal as u64, fields }))
    }

    pub(crate) fn location(&self, ordinal: u64) -> Location {
        Location::file(self.path(ordinal))
    }

    fn read_tree_file(&self, file: &TreeFile) -> Result<Result<Vec<u8>, RecordProblem>> {
        self.progress.add(file.size);
        let limit = self.limit;
        // The listed size settles most oversized files without opening them.
        if file.size > limit {
            return Ok(Err(RecordProblem::TooLarge { size: file.size, limit }));
        }
        let path = self.input.path.join(&file.rel);
        let io_err = |e| Error::io(&path, e);
        let bytes = read_bounded(&mut File::open(&path).map_err(io_err)?, limit).map_err(io_err)?;
        Ok(bytes.map_err(|size| RecordProblem::TooLarge { size, limit }))
    }

    fn read_single_file(&self) -> Result<Result<Vec<u8>, RecordProblem>> {
        let mut stream = open_stream(&self.input, &self.progress)?;
        let limit = self.limit;
        let bytes = read_bounded(&mut stream, limit)
            .map_err(|e| stream_error(&self.input, self.location(0), e))?;
        Ok(bytes.map_err(|size| RecordProblem::TooLarge { size, limit }))
    }

    fn path(&self, ordinal: u64) -> PathBuf {
        let file = self.tree.as_ref().and_then(|tree| tree.get(usize::try_from(ordinal).ok()?));
        match file {
            Some(file) => self.input.path.join(&file.rel),
            None => self.input.path.clone(),
        }
    }
}
