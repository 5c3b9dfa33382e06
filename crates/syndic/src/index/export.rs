//! An index's export as a run directory: the files `syndic dedup` writes
//! for the same documents, written by one function for every front end
//! (`syndic index create --out`, `syndic index export`, Python's
//! `Index.export`), so that their bytes agree. *Not for*: the lines'
//! format ([`crate::rundir`]) or what an output may replace
//! ([`crate::write`]).

use super::store::Index;
use crate::doc::DocId;
use crate::error::Result;
use crate::rundir::{self, ClusterCounts, Documents, Summary};
use crate::write::OutputDir;

impl Index {
    /// Exports the index into `out`: `clusters.jsonl`, `pairs.jsonl`, in a
    /// reprint index `passages.jsonl` and `boilerplate.jsonl`, with stories
    /// `stories.jsonl`. Returns the run's summary, of `command`, for the
    /// caller to complete (time, memory) and write last, with
    /// [`Summary::write`], before it commits `out`.
    pub fn write_export(&self, out: &OutputDir, command: &str) -> Result<Summary> {
        let export = self.export()?;
        let id = |d: DocId| export.ids[d.as_usize()].as_str();
        let result = &export.result;
        rundir::write_dedup(out, result, id)?;
        if let Some(reprint) = &export.reprint {
            rundir::write_reprint(out, &reprint.passages, &reprint.boilerplate, id)?;
        }
        if let Some((stories, similarity)) = &export.stories {
            out.write_jsonl(
                rundir::STORIES_FILE,
                rundir::clustering_lines(stories, similarity, id),
            )?;
        }
        let mut summary = Summary::new(command);
        summary.index = Some(self.path().display().to_string());
        summary.set_mode(self.config().mode());
        summary.params = Some(self.params_json());
        if let Some(reprint) = &export.reprint {
            summary.passages = Some(Some(reprint.passages.len()));
            summary.boilerplate_bytes = Some(Some(reprint.boilerplate_bytes));
        }
        summary.documents = Some(Documents::Count(result.stats.documents as u64));
        summary.set_clusters(&ClusterCounts::of(result));
        if let Some((stories, _)) = &export.stories {
            // The settings are in `params.stories`.
            summary.extra.insert(
                "stories".to_owned(),
                serde_json::json!({"stories": stories.num_clusters()}),
            );
        }
        Ok(summary)
    }
}
