//! The reader over a whole corpus: inputs in order, checks that span
//! inputs (duplicate ids), and the skipping of bad records.

use std::collections::{BTreeMap, HashSet};

use super::input::Inputs;
use super::options::ReadOptions;
use super::record::Record;
use super::source::InputReader;
use super::stream::Progress;
use crate::doc::check_id;
use crate::{Document, Error, Origin, RecordProblem, Result};

/// Documents per batch that front ends ask [`CorpusReader::next_batch`]
/// for: enough for every core to have work in a parallel stage.
pub const BATCH_DOCS: usize = 8192;

/// Text bytes per batch that front ends ask for: the bound on the batch a
/// stage holds while it reads books. Smaller batches cost no speed
/// measurably (`syndic dedup` on the Gutenberg sample: 1.13 s at 64 MiB,
/// 1.15 s at 16 MiB) and save memory: `syndic passages` there peaks 90 MB
/// lower at 16 MiB.
pub const BATCH_BYTES: usize = 16 << 20;

/// Example messages kept per kind of skipped problem: enough to show the
/// user what went wrong, few enough for a summary.
const EXAMPLES_PER_KIND: usize = 3;

/// Streams the documents of [`Inputs`] in corpus order.
///
/// An error ends nothing but the record (or, for a damaged input, the rest
/// of that input): calling again goes on after it. With `skip_bad_records`
/// the reader does that itself and counts what it passed over, see
/// [`CorpusReader::skipped`]. I/O errors are never skipped.
pub struct CorpusReader {
    inputs: Inputs,
    opts: ReadOptions,
    /// The input being read and its index.
    current: Option<(u32, InputReader)>,
    next_input: usize,
    /// xxh3-128 of every id seen: 16 bytes per document instead of the id.
    seen_ids: HashSet<u128>,
    skipped: BTreeMap<String, u64>,
    examples: BTreeMap<String, Vec<String>>,
    /// Bytes of the inputs finished, and of the current one so far.
    done_bytes: u64,
    progress: Progress,
}

impl CorpusReader {
    /// A reader at the start of the corpus. Each reader checks duplicate ids
    /// afresh, so a second pass sees exactly what the first saw.
    pub fn new(inputs: &Inputs, opts: &ReadOptions) -> Self {
        Self {
            inputs: inputs.clone(),
            opts: opts.clone(),
            current: None,
            next_input: 0,
            seen_ids: HashSet::new(),
            skipped: BTreeMap::new(),
            examples: BTreeMap::new(),
            done_bytes: 0,
            progress: Progress::default(),
        }
    }

    /// The next documents: at least one, and more until there are
    /// `max_docs` or their texts add up to `max_bytes`. `None` at the end of
    /// the corpus. On error the documents gathered for this batch are lost.
    pub fn next_batch(
        &mut self,
        max_docs: usize,
        max_bytes: usize,
    ) -> Result<Option<Vec<Document>>> {
        let mut batch = Vec::new();
        let mut bytes = 0;
        while batch.is_empty() || batch.len() < max_docs && bytes < max_bytes {
            let Some(doc) = self.next_document()? else { break };
            bytes += doc.text.len();
            batch.push(doc);
        }
        Ok((!batch.is_empty()).then_some(batch))
    }

    /// Problems passed over in skip mode, counted by kind
    /// ([`RecordProblem::kind`], `truncated_input`, `corrupt_parquet`).
    pub fn skipped(&self) -> &BTreeMap<String, u64> {
        &self.skipped
    }

    /// The first few messages of each kind in [`CorpusReader::skipped`],
    /// each naming the file and line or record.
    pub fn skipped_examples(&self) -> &BTreeMap<String, Vec<String>> {
        &self.examples
    }

    /// Bytes of the input files consumed so far (compressed bytes for
    /// compressed inputs); reaches [`Inputs::total_bytes`] at the end.
    pub fn bytes_read(&self) -> u64 {
        let current = self.current.as_ref().map_or(0, |&(index, _)| {
            self.progress.get().min(self.inputs.as_slice()[index as usize].size)
        });
        self.done_bytes + current
    }

    fn next_document(&mut self) -> Result<Option<Document>> {
        loop {
            let Some((index, reader)) = &mut self.current else {
                if !self.open_next()? {
                    return Ok(None);
                }
                continue;
            };
            let err = match reader.next() {
                Ok(Some(record)) => match accept(&mut self.seen_ids, *index, reader, record) {
                    Ok(doc) => return Ok(Some(doc)),
                    Err(err) => err,
                },
                Ok(None) => {
                    self.finish_input();
                    continue;
                }
                Err(err) => {
                    self.finish_input();
                    err
                }
            };
            self.skip(err)?;
        }
    }

    /// Opens the next input; `false` when there is none.
    fn open_next(&mut self) -> Result<bool> {
        let Some(input) = self.inputs.as_slice().get(self.next_input) else { return Ok(false) };
        let index = u32::try_from(self.next_input)
            .map_err(|_| Error::Capacity { what: "inputs in one run", limit: u32::MAX.into() })?;
        self.next_input += 1;
        self.progress = Progress::default();
        match InputReader::open(input, &self.opts, &self.progress) {
            Ok(reader) => self.current = Some((index, reader)),
            Err(err) => {
                self.done_bytes += input.size;
                self.skip(err)?;
            }
        }
        Ok(true)
    }

    fn finish_input(&mut self) {
        if let Some((index, _)) = self.current.take() {
            self.done_bytes += self.inputs.as_slice()[index as usize].size;
        }
    }

    /// Counts `err` and returns `Ok` when skip mode may pass over it.
    fn skip(&mut self, err: Error) -> Result<()> {
        let skippable = matches!(
            err,
            Error::BadRecord { .. } | Error::Decompress { .. } | Error::Parquet { .. }
        );
        if !(skippable && self.opts.skip_bad_records) {
            return Err(err);
        }
        let kind = err.kind();
        *self.skipped.entry(kind.to_owned()).or_default() += 1;
        let examples = self.examples.entry(kind.to_owned()).or_default();
        if examples.len() < EXAMPLES_PER_KIND {
            examples.push(err.to_string());
        }
        Ok(())
    }
}

/// The record as a document, or the error that rejects it.
fn accept(
    seen_ids: &mut HashSet<u128>,
    input: u32,
    reader: &InputReader,
    record: Record,
) -> Result<Document> {
    // The id is checked first, so that the messages below never print an id
    // that is huge or full of control characters.
    let fields = record
        .fields
        .and_then(|fields| check_id(&fields.id).map(|()| fields).map_err(RecordProblem::InvalidId));
    let problem = match fields {
        Ok(fields) if fields.text.trim().is_empty() => RecordProblem::EmptyDocument,
        // Only good records claim their id: a bad one must not make a later
        // good one a duplicate.
        Ok(fields) if !seen_ids.insert(xxhash_rust::xxh3::xxh3_128(fields.id.as_bytes())) => {
            RecordProblem::DuplicateId(fields.id)
        }
        Ok(fields) => {
            let origin = Origin { input, record: record.ordinal };
            return Ok(Document { id: fields.id, text: fields.text, site: fields.site, origin });
        }
        Err(problem) => problem,
    };
    Err(Error::bad_record(reader.location(record.ordinal), problem))
}

impl Iterator for CorpusReader {
    type Item = Result<Document>;

    fn next(&mut self) -> Option<Result<Document>> {
        self.next_document().transpose()
    }
}
