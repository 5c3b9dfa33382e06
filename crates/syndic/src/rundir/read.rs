//! Reading a JSONL file of a run directory, one line at a time.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::{Error, Location, Result};

/// The lines of a JSONL file of a run directory, each with its 1-based line
/// number; blank lines are passed over. Holds one line at a time.
pub struct Lines<T> {
    path: PathBuf,
    reader: BufReader<File>,
    line: String,
    number: u64,
    of: PhantomData<fn() -> T>,
}

/// The lines of the JSONL file at `path` as `T`s; `None` when there is no
/// such file, as a run writes only some of its files.
pub fn read_lines<T: DeserializeOwned>(path: &Path) -> Result<Option<Lines<T>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Error::io(path, err)),
    };
    Ok(Some(Lines {
        path: path.to_owned(),
        reader: BufReader::with_capacity(1 << 16, file),
        line: String::new(),
        number: 0,
        of: PhantomData,
    }))
}

impl<T> Lines<T> {
    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<T: DeserializeOwned> Iterator for Lines<T> {
    type Item = Result<(u64, T)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.line.clear();
            match self.reader.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(err) => return Some(Err(Error::io(&self.path, err))),
            }
            self.number += 1;
            if self.line.trim().is_empty() {
                continue;
            }
            let parsed = serde_json::from_str(&self.line).map_err(|err| Error::RunFile {
                location: Location::line(&self.path, self.number),
                message: err.to_string(),
            });
            return Some(parsed.map(|line| (self.number, line)));
        }
    }
}
