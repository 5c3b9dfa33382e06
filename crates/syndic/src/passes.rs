//! The protocol of corpus-wide stages: how a front end feeds a corpus to
//! [`Deduper`](crate::dedup::Deduper), [`ReprintFinder`] and [`Cleaner`].
//!
//! A corpus may not fit in memory, so these stages never hold it: the front
//! end (the CLI over files, Python over Arrow batches or files, Ray over
//! shards) reads it in batches, in the same order every time. Pass 1 goes
//! once through [`add_batch`](CorpusPasses::add_batch) and ends with
//! [`plan`](CorpusPasses::plan); pass 2 goes through
//! [`second_pass_batch`](CorpusPasses::second_pass_batch) as many times as
//! [`pending_passes`](CorpusPasses::pending_passes) asks (none when pass 1
//! kept all that was needed, several when a memory bound splits the work);
//! [`finish`](CorpusPasses::finish) returns the result. Stages check that
//! every reading of pass 2 sees the documents of pass 1, by id, and fail
//! with [`Error::InputChanged`] if not (`check_second_pass`,
//! `check_second_pass_complete`); a driver that reads pass 2 too often or
//! asks for the result too early gets [`Error::Protocol`].
//!
//! ```
//! use syndic::passes::CorpusPasses;
//! use syndic::reprint::{ReprintConfig, ReprintFinder};
//! use syndic::Document;
//!
//! let docs = vec![Document::new("a", "one two three"), Document::new("b", "one two three")];
//! let mut finder = ReprintFinder::new(ReprintConfig::builder().build()?);
//! finder.add_batch(&docs)?;
//! finder.plan();
//! while finder.pending_passes() > 0 {
//!     finder.second_pass_batch(&docs)?;
//! }
//! let result = finder.finish()?;
//! assert_eq!(result.dedup.stats.exact_duplicates, 1);
//! // The same, for a corpus in memory:
//! let finder = ReprintFinder::new(ReprintConfig::builder().build()?);
//! assert_eq!(finder.run(&docs)?.dedup.stats.exact_duplicates, 1);
//! # Ok::<(), syndic::Error>(())
//! ```
//!
//! [`ReprintFinder`]: crate::reprint::ReprintFinder
//! [`Cleaner`]: crate::clean::Cleaner

use crate::doc::{Catalog, DocId, Document};
use crate::error::{Error, InputChange, Result};

/// A stage fed a whole corpus in batches, over one pass and then as many
/// more as it asks for; see the module notes.
pub trait CorpusPasses {
    /// What [`finish`](Self::finish) returns.
    type Output;

    /// Pass 1 over a batch.
    fn add_batch(&mut self, docs: &[Document]) -> Result<()>;

    /// Between pass 1 and pass 2: freezes what pass 1 learnt.
    fn plan(&mut self);

    /// How many more times pass 2 must be read, as far as is known now;
    /// zero when [`finish`](Self::finish) may be called.
    fn pending_passes(&self) -> usize;

    /// Pass 2 over a batch: the documents of pass 1, in the same order.
    fn second_pass_batch(&mut self, docs: &[Document]) -> Result<()>;

    /// The result, once no pass is pending.
    fn finish(self) -> Result<Self::Output>;

    /// Runs every pass over a corpus held in memory, as one batch.
    fn run(mut self, docs: &[Document]) -> Result<Self::Output>
    where
        Self: Sized,
    {
        self.add_batch(docs)?;
        self.plan();
        while self.pending_passes() > 0 {
            self.second_pass_batch(docs)?;
        }
        self.finish()
    }
}

/// Fails unless `docs` are the documents `start..` of the first pass, by id:
/// a second pass over inputs that changed in between would mix documents.
pub(crate) fn check_second_pass(catalog: &Catalog, start: usize, docs: &[Document]) -> Result<()> {
    if start + docs.len() > catalog.len() {
        return Err(Error::InputChanged(InputChange::MoreDocuments { first_pass: catalog.len() }));
    }
    for (index, doc) in (start..).zip(docs) {
        let was = catalog.id(DocId::from_u32(index as u32));
        if doc.id != was {
            return Err(Error::InputChanged(InputChange::OtherDocument {
                index,
                was: was.to_owned(),
                now: doc.id.clone(),
            }));
        }
    }
    Ok(())
}

/// Fails unless the second pass saw every document of the first.
pub(crate) fn check_second_pass_complete(seen: usize, total: usize) -> Result<()> {
    if seen == total {
        Ok(())
    } else {
        Err(Error::InputChanged(InputChange::FewerDocuments { seen, first_pass: total }))
    }
}

/// Fails if adding `more` documents to `have` would overflow [`DocId`].
pub(crate) fn check_capacity(have: usize, more: usize) -> Result<()> {
    match DocId::new(have + more) {
        Some(_) => Ok(()),
        None => Err(Error::Capacity { what: "documents in one run", limit: u32::MAX.into() }),
    }
}

/// A [`CorpusPasses`] stage whose pass 1 can be recorded in a checkpoint
/// and resumed after it: made by its `resumable` constructor, which answers
/// with a [`Resume`](crate::spill::Resume).
pub trait Checkpointed: CorpusPasses {
    /// Ends pass 1 and records it in the checkpoint, with `note` (the front
    /// end's own record of pass 1, given back on resuming).
    fn checkpoint(&mut self, note: &[u8]) -> Result<()>;
}

/// Implements [`CorpusPasses`] for a type by its inherent methods of the
/// same names, so that callers need not import the trait.
macro_rules! by_inherent_methods {
    ($stage:ty, $output:ty) => {
        impl $crate::passes::CorpusPasses for $stage {
            type Output = $output;

            fn add_batch(&mut self, docs: &[$crate::Document]) -> $crate::Result<()> {
                <$stage>::add_batch(self, docs)
            }

            fn plan(&mut self) {
                <$stage>::plan(self);
            }

            fn pending_passes(&self) -> usize {
                <$stage>::pending_passes(self)
            }

            fn second_pass_batch(&mut self, docs: &[$crate::Document]) -> $crate::Result<()> {
                <$stage>::second_pass_batch(self, docs)
            }

            fn finish(self) -> $crate::Result<$output> {
                <$stage>::finish(self)
            }
        }
    };
}
pub(crate) use by_inherent_methods;

/// Implements [`Checkpointed`] for a type by its inherent `checkpoint`.
macro_rules! checkpointed_by_inherent_method {
    ($stage:ty) => {
        impl $crate::passes::Checkpointed for $stage {
            fn checkpoint(&mut self, note: &[u8]) -> $crate::Result<()> {
                <$stage>::checkpoint(self, note)
            }
        }
    };
}
pub(crate) use checkpointed_by_inherent_method;
