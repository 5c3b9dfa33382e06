//! # syndic
//!
//! syndic finds reused text in large document collections: exact copies,
//! near-copies, and reprints (the same story abridged, edited and wrapped in
//! another site's page furniture), with the passages they share aligned to
//! byte offsets of the original text.
//!
//! ## The pipeline
//!
//! Every front end (the `syndic` CLI, the Python package, the Ray runner, the
//! HTTP service) drives the same stages, each a plain function or small type
//! over batches of documents with no hidden I/O:
//!
//! 1. **Read** ([`read`]): stream documents from text trees, JSONL (.gz,
//!    .zst), Parquet, WARC/WET; bad records are typed errors with their
//!    location.
//! 2. **Normalize and shingle** ([`normalize`], [`shingle`]): NFKC, case and
//!    punctuation folding, Unicode word boundaries (characters for unspaced
//!    scripts); tokens keep their offsets in the original text.
//! 3. **Sketch** ([`sketch`]): MinHash signatures by one-permutation hashing
//!    with densification; 128-bit content hashes for exact copies
//!    ([`hash`]).
//! 4. **Find candidates** ([`lsh`], [`fingerprint`]): LSH banding for
//!    near-duplicates; winnowed passage fingerprints with document-frequency
//!    bounds for reprints. Candidates may be false.
//! 5. **Verify and align** ([`verify`], [`align`]): exact Jaccard of shingle
//!    sets; seed-and-extend alignment of shared passages. Only verified pairs
//!    are reported.
//! 6. **Separate boilerplate** ([`boilerplate`]): lines repeated across
//!    documents or sites, and page furniture recognised in a single page.
//! 7. **Cluster** ([`cluster`], [`reprint`]): union-find with deterministic
//!    ids and representatives; reprint clusters checked against their
//!    representative so that one shared quote cannot chain stories together.
//! 8. **Write** ([`write`](mod@write)): atomic outputs; the deduplicated corpus in the
//!    input's format; the run directory's files and summary ([`rundir`]),
//!    which `syndic report` reads back. [`eval`] scores clusters against
//!    gold labels.
//!
//! [`dedup::Deduper`] strings stages 2–7 together for the exact and MinHash
//! modes, [`reprint::ReprintFinder`] for reprints and passages,
//! [`clean::Cleaner`] for cleaning; all three are fed the same way
//! ([`passes::CorpusPasses`]), so every front end drives them with one loop,
//! and return the verified pairs and clusters of [`pairs`].
//!
//! ```
//! use syndic::dedup::{DedupConfig, Deduper};
//! use syndic::Document;
//! let docs = vec![Document::new("1", "Hello there, world!"), Document::new("2", "hello there world")];
//! let mut deduper = Deduper::new(DedupConfig::builder().build()?)?;
//! deduper.add_batch(&docs)?;
//! deduper.plan();
//! let result = deduper.finish()?;
//! assert_eq!(result.stats.exact_duplicates, 1);
//! # Ok::<(), syndic::Error>(())
//! ```

#![warn(missing_docs)]

pub mod align;
pub mod boilerplate;
pub mod choice;
pub mod clean;
pub mod cluster;
pub mod dedup;
pub mod doc;
pub mod error;
pub mod eval;
pub mod fingerprint;
pub mod hash;
pub mod index;
pub mod lsh;
pub mod normalize;
pub mod pairs;
pub mod passes;
pub mod read;
pub mod reprint;
pub mod rundir;
pub mod schema;
pub mod settings;
pub mod shingle;
pub mod sketch;
pub mod spill;
pub mod stories;
pub mod verify;
pub mod write;

pub use doc::{Catalog, DocId, Document, Origin};
pub use error::{ConfigError, Error, InputChange, Location, NotReplaceable, RecordProblem, Result};
