//! An index built aside and moved into place whole.
//!
//! `syndic index create --from CORPUS` adds a whole corpus before anyone
//! else may see the index: killed halfway, it must leave no index, rather
//! than a partial one that a re-run refuses ("already holds an index"). So
//! the index is created in a hidden directory beside its final one and
//! renamed into place once filled. A failed or interrupted build removes
//! the hidden directory; only a `kill -9` can leave it behind, under a
//! name (`.NAME.tmp-XXXXXX`) that no index command reads.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::format::INDEX_FILE;
use super::store::Index;
use crate::cluster::Keep;
use crate::dedup::DedupConfig;
use crate::error::{Error, Result};
use crate::settings::{ReprintSettings, StoriesSettings};

/// An index being built aside; [`StagedIndex::commit`] moves it into place,
/// and dropping it deletes it.
#[derive(Debug)]
pub struct StagedIndex {
    index: Index,
    staging: TempDir,
    dest: PathBuf,
}

impl StagedIndex {
    /// Starts an empty index that will live in `dir`: refuses a `dir` that
    /// holds an index already, or anything but an empty directory.
    pub fn create(dir: impl AsRef<Path>, config: DedupConfig) -> Result<StagedIndex> {
        Self::stage(dir.as_ref(), |path| Index::create(path, config))
    }

    /// [`StagedIndex::create`] for a reprint index
    /// ([`Index::create_reprint`]).
    pub fn create_reprint(
        dir: impl AsRef<Path>,
        settings: ReprintSettings,
        keep: Keep,
    ) -> Result<StagedIndex> {
        Self::stage(dir.as_ref(), |path| Index::create_reprint(path, settings, keep))
    }

    /// [`StagedIndex::create`] for a reprint index with stories
    /// ([`Index::create_stories`]).
    pub fn create_stories(
        dir: impl AsRef<Path>,
        settings: ReprintSettings,
        stories: Option<StoriesSettings>,
        keep: Keep,
    ) -> Result<StagedIndex> {
        Self::stage(dir.as_ref(), |path| Index::create_stories(path, settings, stories, keep))
    }

    fn stage(dir: &Path, make: impl FnOnce(&Path) -> Result<Index>) -> Result<StagedIndex> {
        let dest = dir.to_owned();
        check_destination(&dest)?;
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let name = dest.file_name().map_or_else(|| "index".into(), |n| n.to_string_lossy());
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(parent)
            .map_err(|e| Error::io(&dest, e))?;
        let index = make(staging.path())?;
        Ok(StagedIndex { index, staging, dest })
    }

    /// The index being built, to add documents to.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Moves the index into place and opens it there.
    pub fn commit(self) -> Result<Index> {
        let StagedIndex { index, staging, dest } = self;
        // Closes the database, so that it can move and be opened again.
        drop(index);
        // Checked again: someone may have made an index there meanwhile.
        check_destination(&dest)?;
        // Over an empty directory or nothing, renaming is atomic.
        fs::rename(staging.path(), &dest).map_err(|e| Error::io(&dest, e))?;
        // The rename moved it: nothing is left for the guard to delete.
        let _ = staging.keep();
        Index::open(&dest)
    }
}

/// An index goes into a new directory, or an empty one.
fn check_destination(dest: &Path) -> Result<()> {
    let refuse =
        |message: &str| Err(Error::Index { path: dest.to_owned(), message: message.into() });
    if dest.join(INDEX_FILE).exists() {
        return refuse("already holds an index");
    }
    match fs::read_dir(dest).map(|mut entries| entries.next().is_none()) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dest, e)),
        Ok(true) => Ok(()),
        Ok(false) => {
            refuse("is a directory that is not empty; an index is created in a new or empty one")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::tests::listing;

    #[test]
    fn an_index_appears_whole_on_commit_or_not_at_all() {
        let parent = tempfile::tempdir().unwrap();
        let dest = parent.path().join("idx");
        let config = DedupConfig::builder().build().unwrap();
        drop(StagedIndex::create(&dest, config.clone()).unwrap());
        assert!(listing(parent.path()).is_empty(), "a dropped build leaves nothing");
        let staged = StagedIndex::create(&dest, config.clone()).unwrap();
        assert!(!dest.exists(), "nothing under the final name before commit");
        let index = staged.commit().unwrap();
        assert_eq!(index.path(), dest);
        assert_eq!(listing(parent.path()), ["idx"]);
        drop(index);
        // (what is put at the destination, refused?)
        type Make = dyn Fn(&Path);
        let cases: [(&Make, bool); 3] = [
            (&|p| fs::create_dir(p).unwrap(), false),
            (&|p| fs::create_dir_all(p.join("holds")).unwrap(), true),
            (&|_| {}, true),
        ];
        for (i, (make, refused)) in cases.into_iter().enumerate() {
            let dest = if i == 2 { dest.clone() } else { parent.path().join(format!("d{i}")) };
            make(&dest);
            let staged = StagedIndex::create(&dest, config.clone());
            assert_eq!(staged.is_err(), refused, "case {i}");
            if let Ok(staged) = staged {
                staged.commit().unwrap();
            }
        }
    }
}
