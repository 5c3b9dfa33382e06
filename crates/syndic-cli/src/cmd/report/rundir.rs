//! The run directory as the report reads it, through the core's
//! `syndic::rundir`: the summary with what the report needs of it checked,
//! and the JSONL files streamed one line at a time.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::de::DeserializeOwned;
use syndic::read::ReadOptions;
use syndic::rundir::{self, read_lines};

/// `summary.json`, with the inputs and reader settings the report finds
/// the texts with.
pub(super) struct Summary {
    pub(super) run: rundir::Summary,
    pub(super) inputs: Vec<PathBuf>,
    pub(super) read_options: ReadOptions,
}

impl Summary {
    pub(super) fn read(path: &Path) -> anyhow::Result<Summary> {
        let run = rundir::Summary::read(path)?;
        let Some(inputs) = run.inputs.clone() else {
            bail!("{}: no `inputs` list: which corpus was this run on?", path.display());
        };
        let recorded = run.read_options.clone().unwrap_or_default();
        // The report passes over bad records: it only looks for the
        // documents it shows, which the run read fine.
        let read_options = ReadOptions {
            skip_bad_records: true,
            ..recorded
                .to_read_options()
                .with_context(|| format!("{}: bad `read_options`", path.display()))?
        };
        Ok(Summary { run, inputs, read_options })
    }
}

/// Calls `f` on each line of a JSONL file of the run; its errors name the
/// line. `Ok(false)` when the file does not exist: every JSONL file of a
/// run is optional to the report.
pub(super) fn for_each_line<T: DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<bool> {
    let Some(lines) = read_lines(path)? else { return Ok(false) };
    for line in lines {
        let (number, line) = line?;
        f(line).with_context(|| format!("{}, line {number}", path.display()))?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use syndic::read::Format;
    use syndic::rundir::PairLine;

    use super::*;

    #[test]
    fn summary_gives_the_inputs_and_reader_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(
            &path,
            r#"{"command": "dedup", "inputs": ["b.jsonl", "a"], "future": {"x": 1},
                "read_options": {"format": "jsonl", "id_field": "doc.id", "site_field": null},
                "documents": {"read": 12}, "cluster_size_histogram": {"10": 1, "2": 3}}"#,
        )
        .unwrap();
        let summary = Summary::read(&path).unwrap();
        assert_eq!(summary.inputs, [PathBuf::from("b.jsonl"), PathBuf::from("a")]);
        assert_eq!(summary.read_options.format, Some(Format::Jsonl));
        assert_eq!(summary.read_options.id_field, "doc.id");
        assert_eq!(summary.read_options.text_field, "text");
        assert!(summary.read_options.skip_bad_records);
        assert_eq!(summary.run.command, "dedup");
    }

    #[test]
    fn summary_without_inputs_or_with_an_unknown_format_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let cases = [
            (r#"{"command": "dedup"}"#, "no `inputs` list"),
            (r#"{"inputs": [], "read_options": {"format": "tape"}}"#, "bad `read_options`"),
        ];
        for (text, message) in cases {
            std::fs::write(&path, text).unwrap();
            let err = Summary::read(&path).err().unwrap();
            assert!(format!("{err:#}").contains(message), "{err:#}");
        }
    }

    #[test]
    fn errors_name_the_line_and_missing_files_are_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.jsonl");
        let line = "{\"a\":\"x\",\"b\":\"y\",\"similarity\":0.5,\"kind\":\"near\"}\n";
        std::fs::write(&path, format!("{line}\n{line}")).unwrap();
        let mut seen = 0;
        let err = for_each_line(&path, |p: PairLine| {
            seen += 1;
            if seen == 2 {
                bail!("{} again", p.a);
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(format!("{err:#}"), format!("{}, line 3: x again", path.display()));
        let absent = for_each_line(&dir.path().join("none.jsonl"), |_: PairLine| Ok(())).unwrap();
        assert!(!absent);
    }
}
