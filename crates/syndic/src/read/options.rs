//! How inputs are read: their [`Format`] and [`Compression`], told from
//! their names or given, and the [`ReadOptions`] every reader takes (field
//! names, size limit, whether bad records are skipped).

use std::fmt;
use std::path::Path;

use crate::{ConfigError, Result};

/// The format of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A directory tree of text files, or one text file.
    Text,
    /// JSON Lines: one JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// WARC web archive.
    Warc,
    /// WET: WARC `conversion` records holding extracted text.
    Wet,
}

impl Format {
    /// The name of this format, as the `format` setting spells it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
            Format::Warc => "warc",
            Format::Wet => "wet",
        }
    }

    /// The format a file name announces, looking past a `.gz` or `.zst`
    /// suffix, or `None` when the name says nothing known.
    ///
    /// ```
    /// use syndic::read::Format;
    /// assert_eq!(Format::from_path("crawl/CC-MAIN-0001.warc.wet.gz".as_ref()), Some(Format::Wet));
    /// assert_eq!(Format::from_path("notes.md".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let (stem, _) = Compression::split(&name);
        let ext = stem.rsplit_once('.')?.1;
        match ext {
            "jsonl" | "json" | "ndjson" => Some(Format::Jsonl),
            "parquet" => Some(Format::Parquet),
            "warc" => Some(Format::Warc),
            "wet" => Some(Format::Wet),
            "txt" => Some(Format::Text),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

crate::choice::choices!(Format, "format", [
    "jsonl" => Jsonl,
    "json" => Jsonl,
    "ndjson" => Jsonl,
    "parquet" => Parquet,
    "warc" => Warc,
    "wet" => Wet,
    "text" => Text,
    "txt" => Text,
]);

/// How an input (or output) file is compressed, as its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// Not compressed.
    #[default]
    None,
    /// gzip, possibly several members one after another (as WARC files are).
    Gzip,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// The compression a file name announces by its last extension.
    ///
    /// ```
    /// use syndic::read::Compression;
    /// assert_eq!(Compression::from_path("a.jsonl.zst".as_ref()), Compression::Zstd);
    /// assert_eq!(Compression::from_path("a.jsonl".as_ref()), Compression::None);
    /// ```
    pub fn from_path(path: &Path) -> Compression {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
        name.map_or(Compression::None, |n| Compression::split(&n).1)
    }

    /// The codec's name, as error messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// Splits a lowercase file name into the name without its compression
    /// suffix and the compression.
    fn split(name: &str) -> (&str, Compression) {
        for (suffix, compression) in
            [(".gz", Compression::Gzip), (".zst", Compression::Zstd), (".zstd", Compression::Zstd)]
        {
            if let Some(stem) = name.strip_suffix(suffix) {
                return (stem, compression);
            }
        }
        (name, Compression::None)
    }

    /// The compression whose magic number `head` starts with; for standard
    /// input, which has no name to go by.
    pub(super) fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

crate::schema::settings! {
    /// How to read the inputs: format override, field names, limits.
    pub struct ReadOptions {
        /// Read every file input (and standard input) as this format
        /// instead of telling it from the file name: text, jsonl, parquet,
        /// warc, wet. Directories are always text trees.
        format: Option<Format> = None,
        /// Dotted path of the id field (JSONL) or name of the id column
        /// (Parquet). For WARC: `id` means `WARC-Record-ID`, `url` means
        /// `WARC-Target-URI`, anything else names a WARC header.
        id_field: String = "id".to_owned(),
        /// Dotted path of the text field (JSONL) or name of the text column
        /// (Parquet). Not used for WARC and text inputs.
        text_field: String = "text".to_owned(),
        /// Dotted path of the site field, or column (boilerplate is then
        /// also learned per site); for WARC any value selects
        /// `WARC-Target-URI`. A record without it simply has no site.
        site_field: Option<String> = None,
        /// The largest record accepted, in bytes (a JSONL line, a text
        /// file, a WARC record's content, a Parquet text value).
        max_doc_bytes: u64 = 64 << 20,
        /// Count bad records by kind and pass over them (and damaged
        /// inputs) instead of stopping at the first.
        skip_bad_records: bool = false,
    }
}

impl ReadOptions {
    /// Checks that the options make sense together.
    pub fn validate(&self) -> Result<()> {
        if self.max_doc_bytes == 0 {
            return Err(ConfigError::invalid("max_doc_bytes", "at least 1", 0).into());
        }
        let fields = [("id_field", Some(&self.id_field)), ("text_field", Some(&self.text_field))];
        for (name, field) in fields.into_iter().chain([("site_field", self.site_field.as_ref())]) {
            if let Some(field) = field {
                if field.is_empty() || field.split('.').any(str::is_empty) {
                    return Err(ConfigError::invalid(
                        name,
                        "a field path (names joined by dots)",
                        format!("`{field}`"),
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    /// `max_doc_bytes` as a buffer size.
    pub(crate) fn max_doc_usize(&self) -> usize {
        usize::try_from(self.max_doc_bytes).unwrap_or(usize::MAX)
    }
}
