//! `stories`: documents that cover the same event, as `syndic stories`
//! finds them: the reprint stage, then the story linker over the same
//! corpus, with each document's day read from the date field.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use syndic::cluster::Keep;
use syndic::read::ReadOptions;
use syndic::reprint::ReprintFinder;
use syndic::rundir::{relation_lines, story_cluster_lines};
use syndic::stories::{add_days, Day, StoryFinder};
use syndic::DocId;

use crate::arrow::PyBatch;
use crate::corpus::Corpus;
use crate::errors::OrRaise;
use crate::pipeline::{corpus, json_to_py, RunArgs};
use crate::settings::{Given, Group};

/// What a stories run hands back: the lines of `clusters.jsonl` and of
/// `relations.jsonl`, and the counts.
type StoriesOutput<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// A stories run over record batches or files. With a date field,
/// `date_batches` (for record batches: the same rows with the date as
/// their `text`) or the files read again with the date field as the text
/// give each document its day; records without a date are undated.
#[pyfunction]
#[pyo3(signature = (batches, paths, date_batches, *, options, run))]
pub fn stories<'py>(
    py: Python<'py>,
    batches: Option<Vec<PyBatch>>,
    paths: Option<Vec<PathBuf>>,
    date_batches: Option<Vec<PyBatch>>,
    options: &Bound<'py, PyDict>,
    run: RunArgs,
) -> PyResult<StoriesOutput<'py>> {
    let given = Given::parse(options, &[Group::Read, Group::Stories, Group::Reprint])?;
    let reprint_config = given.reprint.config(Keep::Longest).or_raise()?;
    let stories_config = given.stories.config().or_raise()?;
    let days = match &given.stories.date_field {
        None => HashMap::new(),
        Some(field) => {
            let read = ReadOptions { skip_bad_records: true, ..given.read.clone() };
            let dates = match (&paths, date_batches) {
                (Some(paths), _) => {
                    let read = ReadOptions { text_field: field.clone(), ..read };
                    Corpus::new(None, Some(paths.clone()), read, Some(1), None)?
                }
                (None, date_batches) => Corpus::new(date_batches, None, read, Some(1), None)?,
            };
            read_days(py, &dates)?
        }
    };
    let corpus = corpus(batches, paths, given.read, run)?;
    let mut reprints = ReprintFinder::new(reprint_config.clone());
    corpus.drive(py, &mut reprints)?;
    let ids = reprints.catalog().clone();
    let reuse = corpus.run(py, || reprints.finish())?.or_raise()?;
    let mut finder = StoryFinder::new(stories_config.clone()).with_boilerplate(&reuse.boilerplate);
    let mut undated = 0u64;
    corpus.for_each_batch(py, |docs| {
        let batch_days: Vec<Option<Day>> = docs.iter().map(|d| days.get(&d.id).copied()).collect();
        undated += batch_days.iter().filter(|d| d.is_none()).count() as u64;
        finder.add_batch(docs, &batch_days)
    })?;
    let result = corpus.run(py, || finder.finish(&reuse.dedup))?.or_raise()?;
    let id = |d: DocId| ids.id(d);
    let clusters: Vec<_> = story_cluster_lines(&result, id).collect();
    let relations: Vec<_> = relation_lines(&result, &reuse.passages, id).collect();
    let stats = &result.stats;
    let counts = serde_json::json!({
        "documents": stats.documents,
        "stories": stats.stories,
        "largest_story": stats.largest_story,
        "candidate_pairs": stats.candidate_pairs,
        "similar_pairs": stats.similar_pairs,
        "undated_documents": given.stories.date_field.as_ref().map(|_| undated),
        "relations": {
            "copy": stats.relations[0],
            "near_copy": stats.relations[1],
            "reprint": stats.relations[2],
            "same_story": stats.relations[3],
        },
        "params": {"reprint": reprint_config.to_json(), "stories": stories_config.to_json()},
    });
    let lines = |value: serde_json::Result<serde_json::Value>| {
        json_to_py(py, &value.expect("run lines serialize"))
    };
    Ok((
        lines(serde_json::to_value(&clusters))?,
        lines(serde_json::to_value(&relations))?,
        json_to_py(py, &counts)?,
    ))
}

/// The day of every record of `dates` (read with the date as its text)
/// that holds one, by id.
fn read_days(py: Python<'_>, dates: &Corpus) -> PyResult<HashMap<String, Day>> {
    let mut days = HashMap::new();
    dates.for_each_batch(py, |docs| {
        add_days(docs, &mut days);
        Ok(())
    })?;
    Ok(days)
}
