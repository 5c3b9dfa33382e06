//! A persistent index: documents that arrive one by one, deduplicated
//! against everything seen before.
//!
//! A crawler asks, for every new page, "have we seen this text, and
//! where?"; a data team adds next month's crawl to a corpus it already
//! deduplicated. [`Index`] keeps, on disk, what the batch pipeline
//! ([`crate::dedup::Deduper`]) keeps in memory between its stages (content
//! hashes, LSH band keys, verified pairs, clusters) plus each document's
//! text, so that a new document costs a few B-tree lookups instead of a
//! re-run over the corpus.
//!
//! **Same answers as `syndic dedup`.** Documents added to an index in some
//! order get the same pairs, clusters, representatives and similarities as
//! `syndic dedup` over the same documents in the same order (tests check
//! this on corpora and through the CLI). The batch pipeline pairs each
//! member of an LSH bucket with at most `bucket_window` followers in
//! `DocId` order; a new document always has the largest `DocId`, so it is
//! paired with the last `bucket_window` members of each of its buckets,
//! which gives exactly the batch pipeline's candidate set. Exact copies are
//! grouped by content hash first and only the first of a group enters LSH,
//! as in batch mode. Candidates are verified by the configured measure
//! (exact Jaccard from shingle sets rebuilt from the stored texts, or the
//! signature estimate).
//!
//! **Storage: redb.** One file, `index.redb`, in the index directory. redb
//! was chosen over the alternatives (RocksDB, LMDB bindings, SQLite, sled,
//! our own log-structured files) because it gives exactly what the server
//! needs and nothing it must work around: ACID transactions whose commit is
//! durable (fsync'd) when it returns, so a document is acknowledged only
//! once it would survive a crash or `kill -9`; one writer and many readers
//! under MVCC, so queries read a consistent snapshot while adds commit;
//! pure Rust (no C++ toolchain, no `unsafe` FFI surface in the build);
//! a stable, documented file format; and a file lock, so a second process
//! cannot open an index that a server is writing. The tables and their byte
//! layouts are in `docs/index-format.md`, versioned by [`FORMAT_VERSION`].
//!
//! **Deleting.** [`Index::delete`] removes a document's text, its place in
//! the LSH buckets and its pairs, so it matches nothing any more and new
//! documents are never paired with it. The clusters of the remaining
//! documents are recomputed from their remaining verified pairs (a cluster
//! held together only by the deleted document splits). When the deleted
//! document was the first of a group of exact copies, the next copy takes
//! its place in the buckets and its verified pairs (it has the same
//! normalized text, so the same similarities). Deletion is not an undo of
//! history: a bucket larger than `bucket_window` does not re-pair the
//! documents on either side of a deleted member, so after deletions the
//! index may differ from `syndic dedup` over the remaining documents in
//! such buckets.
//!
//! **Reprint mode** ([`Index::create_reprint`]): a document added gets
//! its reprint matches, their shared passages (byte offsets into both
//! texts) and coverage both ways, and its cluster, whose representative is
//! the source, by the batch pipeline's own rules ([`crate::reprint`]) run
//! over the documents related to it, with boilerplate and document
//! frequencies learned online from every document indexed so far; the
//! export is `syndic dedup --mode reprint` over the stored documents. See
//! the `online` module for what is stored and how earlier answers can
//! change as boilerplate is learned. Documents cannot be deleted from a
//! reprint index.
//!
//! **Stories** ([`Index::create_stories`]): a reprint index may also tell
//! each document added which story it belongs to ([`DocReport::story`]),
//! and a query which story a text would join, by
//! [`crate::stories::OnlineStories`] (the batch rules of
//! [`crate::stories`], learned online); see the `stories` module for what
//! is stored and ARCHITECTURE.md for how earlier answers can change.
//!
//! ```
//! use syndic::dedup::DedupConfig;
//! use syndic::index::{AddOutcome, Index};
//! use syndic::Document;
//! let dir = tempfile::tempdir()?;
//! let index = Index::create(dir.path(), DedupConfig::builder().threshold(0.5).build()?)?;
//! let text = "Shares of the company rose sharply on Tuesday after it reported quarterly \
//!             earnings that beat analyst expectations and raised its forecast for the year";
//! index.add_batch(&[Document::new("a", text)])?;
//! // A near copy arrives: it matches `a` and joins its cluster.
//! let outcomes = index.add_batch(&[Document::new("b", text.replace("year", "full year"))])?;
//! let AddOutcome::Added(report) = &outcomes[0] else { panic!("b is new") };
//! assert_eq!(report.matches[0].id, "a");
//! assert_eq!((report.cluster.id.as_str(), report.cluster.size), ("a", 2));
//! // Queries do not add.
//! assert_eq!(index.query(text)?.matches[0].similarity, 1.0);
//! assert_eq!(index.stats()?.documents, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod export;
mod format;
mod online;
mod report;
mod staged;
mod store;
mod stories;
mod view;

#[cfg(test)]
mod online_tests;
#[cfg(test)]
mod stories_tests;
#[cfg(test)]
mod tests;

pub use cache::DEFAULT_CACHE_MB;
pub use format::{FORMAT_VERSION, INDEX_FILE};
pub use report::{
    AddOutcome, ClusterInfo, Coverage, DocReport, Export, IndexStats, Match, PassageSpan,
    QueryReport, StoryInfo, StoryMatch,
};
pub use staged::StagedIndex;
pub use store::{Index, PreparedBatch};
