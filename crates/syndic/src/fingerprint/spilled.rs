//! The postings of a [`FingerprintIndex`](super::FingerprintIndex) under a
//! memory bound, sorted on disk with [`crate::spill`] and merged back into
//! the in-memory path's candidates.
//!
//! Postings `(hash, doc)` go into a [`Sorter`] partitioned by hash, so that
//! the postings of one fingerprint are in one partition and the partitions
//! read in order give every posting in `(hash, doc)` order, as the in-memory
//! sort does. Each run of equal hashes that makes pairs pushes them into a
//! second sorter partitioned by first document ([`pair_partition`]), whose
//! partitions read in order give every pair in `(a, b)` order; counting the
//! runs of equal pairs then gives the candidates in the in-memory order.
//!
//! A resumable run sorts every posting into run files at the end of pass 1,
//! for its checkpoint to name ([`SpilledPostings::checkpoint_runs`]), and
//! keeps them after merging, so that a run killed later resumes from them
//! ([`SpilledPostings::resumed`]).

use super::{makes_pairs, pairs_of, FingerprintConfig, SharedCounter, SharedFingerprints};
use crate::error::Result;
use crate::spill::{
    hash_partition, pair_partition, remove_runs, LazySpillDir, Partition, SortedRuns, Sorter,
    PARTITIONS,
};

/// Postings pushed into a sorter that spills past its memory bound.
#[derive(Debug)]
pub(super) struct SpilledPostings {
    postings: Postings,
    dir: LazySpillDir,
    memory: usize,
}

/// Where the postings are.
#[derive(Debug)]
enum Postings {
    /// In the sorter pass 1 pushes them into.
    Pushing(Sorter<(u64, u32)>),
    /// In the runs a checkpoint names, with how many postings they hold:
    /// kept after merging, for a later attempt to resume from.
    Checkpointed(SortedRuns),
}

impl SpilledPostings {
    pub(super) fn new(memory: usize, dir: LazySpillDir) -> Self {
        let postings = Postings::Pushing(Sorter::new("postings", PARTITIONS, memory));
        Self { postings, dir, memory }
    }

    /// The postings of the runs a checkpoint named; later files go into
    /// `dir`.
    pub(super) fn resumed(memory: usize, runs: SortedRuns, dir: LazySpillDir) -> Self {
        Self { postings: Postings::Checkpointed(runs), dir, memory }
    }

    /// Ends pass 1 with every posting in a run file in the directory so far
    /// (the runs returned, which a checkpoint names); files written from
    /// here on go into `later`.
    pub(super) fn checkpoint_runs(&mut self, later: LazySpillDir) -> Result<SortedRuns> {
        let empty = Postings::Checkpointed(SortedRuns { records: 0, partitions: Vec::new() });
        let Postings::Pushing(sorter) = std::mem::replace(&mut self.postings, empty) else {
            panic!("pass 1 is checkpointed once")
        };
        let records = sorter.len();
        let partitions = sorter.into_run_partitions(&mut self.dir)?;
        let runs = SortedRuns {
            records,
            partitions: partitions.iter().map(|p| p.runs().to_vec()).collect(),
        };
        self.postings = Postings::Checkpointed(runs.clone());
        self.dir = later;
        Ok(runs)
    }

    pub(super) fn push(&mut self, hash: u64, doc: u32) -> Result<()> {
        let Postings::Pushing(postings) = &mut self.postings else {
            panic!("postings added after pass 1 was checkpointed")
        };
        postings.push(hash_partition(hash), (hash, doc), &mut self.dir)
    }

    pub(super) fn len(&self) -> usize {
        match &self.postings {
            Postings::Pushing(postings) => postings.len() as usize,
            Postings::Checkpointed(runs) => runs.records as usize,
        }
    }

    /// The candidates among `docs` documents; each run file goes once
    /// merged (but those a checkpoint names, which a later attempt may
    /// resume from), and the rest with the directory when this drops.
    pub(super) fn candidates(
        mut self,
        docs: usize,
        config: &FingerprintConfig,
    ) -> Result<Vec<SharedFingerprints>> {
        let (spilled, keep_runs, partitions) = match self.postings {
            Postings::Pushing(postings) => {
                (postings.spilled(), false, postings.into_partitions(&mut self.dir)?)
            }
            Postings::Checkpointed(runs) => {
                (true, true, runs.partitions.into_iter().map(Partition::of_runs).collect())
            }
        };
        // Postings that never spilled stay in memory while they are read:
        // the pairs then get what is left of the bound.
        let pairs_memory = if spilled { self.memory } else { self.memory / 2 };
        let mut pairs = Sorter::<u64>::new("fingerprint-pairs", PARTITIONS, pairs_memory);
        // The postings of the fingerprint being read; never more than one
        // past `max_df`, which is enough to know it makes no pairs.
        let mut run: Vec<(u64, u32)> = Vec::new();
        for partition in partitions {
            let runs = partition.runs().to_vec();
            for posting in partition.merge()? {
                let posting = posting?;
                if run.first().is_some_and(|first| first.0 != posting.0) {
                    push_pairs(&run, docs, config, &mut pairs, &mut self.dir)?;
                    run.clear();
                }
                if run.len() <= config.max_df {
                    run.push(posting);
                }
            }
            push_pairs(&run, docs, config, &mut pairs, &mut self.dir)?;
            run.clear();
            if !keep_runs {
                remove_runs(&runs);
            }
        }
        let mut shared = SharedCounter::new(config.min_shared);
        for partition in pairs.into_partitions(&mut self.dir)? {
            let runs = partition.runs().to_vec();
            for pair in partition.merge()? {
                shared.push(pair?);
            }
            remove_runs(&runs);
        }
        Ok(shared.finish())
    }
}

/// The pairs of one fingerprint's postings, if it makes any.
fn push_pairs(
    run: &[(u64, u32)],
    docs: usize,
    config: &FingerprintConfig,
    pairs: &mut Sorter<u64>,
    dir: &mut LazySpillDir,
) -> Result<()> {
    if !makes_pairs(run.len(), config) {
        return Ok(());
    }
    pairs_of(run)
        .try_for_each(|pair| pairs.push(pair_partition((pair >> 32) as u32, docs), pair, dir))
}
