//! How much temporary space a dedup run under a memory bound may need,
//! estimated before anything is read, and the check of that estimate
//! against the free space of the temporary directory.
//!
//! What a run writes is known by kind (see [`crate::dedup`] and
//! [`super::SetStore`]): pass 1 spills content-hash runs (20 B a document)
//! and, in MinHash mode, band-key runs (16 B a document and band); `plan`
//! spills candidate pairs (8 B each) and writes them once more,
//! deduplicated; pass 2 writes the shingle sets of documents in candidate
//! pairs (8 B a shingle); verification writes the verified pairs (16 B
//! each); a resumable run keeps its pass-1 runs to the end and adds a
//! checkpoint. Runs are removed once merged, so the stages' files are not
//! all on disk at once: the estimate is the largest stage (with a
//! partition's runs once more while they are merged in groups). Reprint
//! mode spills its fingerprint postings (12 B each) and, while it merges
//! them, the pairs of documents they make (8 B each).
//!
//! What is not known before reading is estimated from the bytes of the
//! inputs, and the assumptions are meant to err on the large side:
//!
//! * **Text bytes.** Compressed inputs are taken to expand
//!   [`GZIP_EXPANSION`], [`ZSTD_EXPANSION`] or [`PARQUET_EXPANSION`] times
//!   (the shared Reuters and Gutenberg JSONL files expand 2.7 to 4.3 times
//!   under gzip and 2.8 to 4.9 under zstd's default level; `zstd -19`
//!   reaches 7 on news headlines, which the estimate then falls short of).
//! * **Documents**: one per [`RECORD_BYTES`] of text (a JSONL record of a
//!   news headline with its id is about 124 B; web pages and articles are
//!   much longer, so most corpora hold fewer documents than assumed).
//! * **Shingles**: at most one per [`BYTES_PER_SHINGLE`] bytes, every
//!   document in a candidate pair.
//! * **Candidate pairs**: [`PAIRS_PER_DOCUMENT`] for each assumed
//!   document. This one depends on the data and nothing bounds it but the
//!   bucket window (up to bands × window pairs a document): a corpus of
//!   many near copies of each text can exceed it, and then the check made
//!   before each file is written still stops the run before the disk is
//!   full.
//!
//! Measured against real runs (`bench/results/2026-12-02/temp-estimate.md`)
//! the estimate is 1.2 to 7 times the peak: closest for short documents,
//! furthest for long ones compressed, since documents and shingles are
//! counted from bytes.

use std::path::Path;

use super::PARTITIONS;
use super::{Record, SpillError};
use crate::dedup::{DedupConfig, Mode};
use crate::read::{Compression, Format, Inputs};
use crate::reprint::ReprintConfig;
use crate::verify::VerifyMethod;

/// Text bytes assumed per byte of a gzip input.
pub const GZIP_EXPANSION: u64 = 5;
/// Text bytes assumed per byte of a Zstandard input.
pub const ZSTD_EXPANSION: u64 = 5;
/// Text bytes assumed per byte of a Parquet file, compressed internally.
pub const PARQUET_EXPANSION: u64 = 5;
/// Text bytes assumed per document: about the shortest records of real
/// corpora (news headlines).
pub const RECORD_BYTES: u64 = 128;
/// Text bytes assumed per shingle: a short word and its separator.
pub const BYTES_PER_SHINGLE: u64 = 5;
/// Candidate pairs assumed per document.
pub const PAIRS_PER_DOCUMENT: u64 = 4;
/// Reprint mode: fingerprint postings assumed per KiB of text. Winnowing
/// keeps about 2 / (window + 1) of the word 5-grams, 0.22 at the default
/// window of 8, and a word with its space is some 6 bytes: 38 a KiB.
pub const POSTINGS_PER_KIB: u64 = 40;
/// Reprint mode: pairs of documents sharing a fingerprint assumed per
/// document, before the pairs sharing several are counted as one. Like
/// [`PAIRS_PER_DOCUMENT`], it depends on the data: 1M documents of
/// `bench/scale/generate.py` (548 MB) spilled 1.12 GB at their peak.
pub const REPRINT_PAIRS_PER_DOCUMENT: u64 = 32;
/// Checkpoint bytes assumed per document besides its signature: its id
/// (32 B assumed) and its record, input and length (24 B).
const CHECKPOINT_BYTES: u64 = 56;

/// Bytes of the files a run may write, by kind, and the most it may hold
/// at once ([`peak`](Self::peak)). Kinds a run does not write are 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TempEstimate {
    /// Text bytes the inputs are assumed to hold.
    pub text_bytes: u64,
    /// Documents assumed.
    pub documents: u64,
    /// Content-hash runs of pass 1.
    pub hashes: u64,
    /// Band-key runs of pass 1 (MinHash mode).
    pub bands: u64,
    /// Fingerprint-posting runs of pass 1 (reprint mode).
    pub postings: u64,
    /// Candidate-pair runs, before pairs found in several bands are merged.
    pub pairs: u64,
    /// The candidate pairs, deduplicated, in one file.
    pub candidates: u64,
    /// The shingle set file (MinHash mode, exact verification).
    pub sets: u64,
    /// The verified pairs.
    pub verified: u64,
    /// The checkpoint of a resumable run.
    pub checkpoint: u64,
    /// The most on disk at once: the largest stage.
    pub peak: u64,
}

/// What can be said of a run's temporary space before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TempSpace {
    /// No memory bound: nothing is spilled.
    None,
    /// Standard input read as it comes: its size is not known in advance.
    Unknown,
    /// About this much.
    About(TempEstimate),
}

impl TempEstimate {
    /// The estimate for a run of `config` over inputs of `text_bytes` bytes
    /// of text (see [`text_bytes`]); `resumable` when its pass-1 runs are
    /// kept in a work directory. Made whatever the memory bound: records
    /// that fit in it are not spilled, but how many documents do is not
    /// known.
    pub fn of_text(config: &DedupConfig, text_bytes: u64, resumable: bool) -> Self {
        let documents = text_bytes.div_ceil(RECORD_BYTES);
        let minhash = config.mode() != Mode::Exact;
        let per_doc = |bytes: u64| documents.saturating_mul(bytes);
        let pairs = if minhash { PAIRS_PER_DOCUMENT.saturating_mul(documents) } else { 0 };
        let signatures = match config.verify() {
            VerifyMethod::Signature if minhash => 4 * config.sketcher().num_perm() as u64,
            _ => 0,
        };
        let exactly = config.mode() == Mode::MinHash && config.verify() == VerifyMethod::Exact;
        // The records as the sorters and the set file write them.
        let (hash, band) = (<(u128, u32)>::SIZE as u64, <(u32, u64, u32)>::SIZE as u64);
        let (pair, verified, shingle) = (u64::SIZE as u64, <(u64, u64)>::SIZE as u64, 8);
        let bands = config.lsh().bands() as u64;
        let e = Self {
            text_bytes,
            documents,
            hashes: per_doc(hash),
            bands: if minhash { per_doc(band * bands) } else { 0 },
            postings: 0,
            pairs: pairs.saturating_mul(pair),
            candidates: pairs.saturating_mul(pair),
            sets: if exactly {
                (text_bytes / BYTES_PER_SHINGLE).saturating_mul(shingle)
            } else {
                0
            },
            verified: pairs.saturating_mul(verified),
            checkpoint: if resumable { per_doc(CHECKPOINT_BYTES + signatures) } else { 0 },
            peak: 0,
        };
        let sum = |parts: &[u64]| parts.iter().fold(0u64, |a, &b| a.saturating_add(b));
        // The stages, in order; each holds what the next has not removed.
        // A partition of more than `FAN_IN` runs is merged in groups, each
        // written before its runs go: up to a partition's bytes once more.
        let regroup = e.hashes.max(e.bands) / PARTITIONS as u64;
        let pass1 = sum(&[e.hashes, e.bands, regroup]);
        let plan = sum(&[e.bands, e.pairs, e.candidates]);
        let verify = sum(&[e.candidates, e.sets, e.verified]);
        let peak = if resumable {
            // Pass 1's runs stay until the run succeeds.
            sum(&[pass1, e.checkpoint, sum(&[e.pairs, e.candidates]).max(verify)])
        } else {
            pass1.max(plan).max(verify)
        };
        Self { peak, ..e }
    }

    /// The estimate for a reprint run over `text_bytes` bytes of text: it
    /// spills its fingerprint postings (12 B each) in pass 1, and in `plan`
    /// the pairs they make (8 B each) while it merges them. A `resumable`
    /// run keeps the postings while it merges, and writes a checkpoint: the
    /// catalog, a 16-byte content hash a document, the document-frequency
    /// table (4 MiB) and the line statistics, which the per-document
    /// bytes are assumed to cover (the documents assumed are headline-sized,
    /// more than any corpus of longer texts holds).
    pub fn of_reprint_text(text_bytes: u64, resumable: bool) -> Self {
        let documents = text_bytes.div_ceil(RECORD_BYTES);
        let postings = (text_bytes / 1024).saturating_mul(POSTINGS_PER_KIB).saturating_mul(12);
        let pairs = documents.saturating_mul(REPRINT_PAIRS_PER_DOCUMENT).saturating_mul(8);
        let checkpoint = if resumable {
            documents.saturating_mul(CHECKPOINT_BYTES + 16).saturating_add(4 << 20)
        } else {
            0
        };
        Self {
            text_bytes,
            documents,
            hashes: 0,
            bands: 0,
            postings,
            pairs,
            candidates: 0,
            sets: 0,
            verified: 0,
            checkpoint,
            peak: postings.saturating_add(pairs).saturating_add(checkpoint),
        }
    }

    /// Fails with [`SpillError::EstimateOverFree`] when the estimate is
    /// more than `available`, the free bytes of `dir`'s file system.
    pub fn check(&self, dir: &Path, available: u64) -> Result<(), SpillError> {
        if self.peak > available {
            return Err(SpillError::EstimateOverFree {
                dir: dir.to_owned(),
                estimate: self.peak,
                available,
            });
        }
        Ok(())
    }
}

/// The temporary space a run of `config` over `inputs` may need; see
/// [`TempEstimate::of_text`].
pub fn estimate_temp_space(config: &DedupConfig, inputs: &Inputs, resumable: bool) -> TempSpace {
    // Nothing spills without a bound.
    if config.memory().is_none() {
        return TempSpace::None;
    }
    match text_bytes(inputs) {
        Some(bytes) => TempSpace::About(TempEstimate::of_text(config, bytes, resumable)),
        None => TempSpace::Unknown,
    }
}

/// The temporary space a reprint run of `config` over `inputs` may need;
/// see [`TempEstimate::of_reprint_text`].
pub fn estimate_reprint_temp_space(
    config: &ReprintConfig,
    inputs: &Inputs,
    resumable: bool,
) -> TempSpace {
    if config.memory().is_none() {
        return TempSpace::None;
    }
    match text_bytes(inputs) {
        Some(bytes) => TempSpace::About(TempEstimate::of_reprint_text(bytes, resumable)),
        None => TempSpace::Unknown,
    }
}

/// The text bytes `inputs` are assumed to hold, compressed ones expanded;
/// `None` when one is read as it comes and its size is not known.
pub fn text_bytes(inputs: &Inputs) -> Option<u64> {
    inputs.iter().try_fold(0u64, |total, input| {
        input
            .size_known()
            .then(|| total.saturating_add(expanded(input.size(), input.format, input.compression)))
    })
}

/// Text bytes assumed of `bytes` on disk in this format and compression.
pub fn expanded(bytes: u64, format: Format, compression: Compression) -> u64 {
    let factor = match (format, compression) {
        (Format::Parquet, _) => PARQUET_EXPANSION,
        (_, Compression::Gzip) => GZIP_EXPANSION,
        (_, Compression::Zstd) => ZSTD_EXPANSION,
        (_, Compression::None) => 1,
    };
    bytes.saturating_mul(factor)
}

/// Free bytes on the file system holding `dir`, when they can be known.
pub fn free_space(dir: &Path) -> Option<u64> {
    super::available_bytes(dir)
}

/// Bytes of the files under `dir`, 0 when it does not exist: a resumed
/// run's work directory already holds part of what its estimate counts.
pub fn bytes_in(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => bytes_in(&entry.path()),
            _ => entry.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// Bytes for people: `850 B`, `12.3 MB`, `1.9 GB` (powers of 1000).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
        if self.0 < 1000 {
            return write!(f, "{} B", self.0);
        }
        let mut value = self.0 as f64 / 1000.0;
        let mut unit = 0;
        while value >= 999.95 && unit + 1 < UNITS.len() {
            value /= 1000.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: Mode, verify: VerifyMethod, memory: Option<usize>) -> DedupConfig {
        DedupConfig::builder().mode(mode).verify(verify).memory(memory).build().unwrap()
    }

    /// Issue 16: the parts each mode writes, and the peak as the largest
    /// stage (or, resumable, pass 1 kept under every later stage).
    #[test]
    fn issue16_estimate_parts_by_mode() {
        let gb: u64 = 1_000_000_000;
        let exact = config(Mode::Exact, VerifyMethod::Exact, Some(1 << 28));
        let minhash = config(Mode::MinHash, VerifyMethod::Exact, Some(1 << 28));
        let signature = config(Mode::MinHash, VerifyMethod::Signature, Some(1 << 28));
        let bands = minhash.lsh().bands() as u64;
        let docs = gb.div_ceil(RECORD_BYTES);
        // (what, config, resumable, expected peak)
        let cases = [
            ("exact", &exact, false, 20 * docs + 20 * docs / 16),
            ("exact resumable", &exact, true, 20 * docs + 20 * docs / 16 + CHECKPOINT_BYTES * docs),
            ("minhash", &minhash, false, 8 * 4 * docs + 8 * gb / 5 + 16 * 4 * docs),
            (
                "minhash resumable",
                &minhash,
                true,
                (20 + 16 * bands) * docs
                    + 16 * bands * docs / 16
                    + CHECKPOINT_BYTES * docs
                    + 8 * 4 * docs
                    + 8 * gb / 5
                    + 16 * 4 * docs,
            ),
            // No sets: the band keys and the pairs of plan are the peak.
            ("signature", &signature, false, 16 * bands * docs + 2 * 8 * 4 * docs),
        ];
        for (what, config, resumable, peak) in cases {
            let e = TempEstimate::of_text(config, gb, resumable);
            assert_eq!(e.documents, docs, "{what}");
            assert_eq!(e.peak, peak, "{what}: {e:?}");
            let writes_bands = config.mode() == Mode::MinHash;
            assert_eq!(e.bands > 0, writes_bands, "{what}");
            assert_eq!(e.pairs > 0, writes_bands, "{what}");
            assert_eq!(
                e.sets > 0,
                config.verify() == VerifyMethod::Exact && writes_bands,
                "{what}"
            );
            assert_eq!(e.checkpoint > 0, resumable, "{what}");
        }
    }

    /// Issue 16: compressed inputs count as the text they expand to, and
    /// the estimate never shrinks as the input grows.
    #[test]
    fn issue16_estimate_expands_compressed_inputs_and_grows_with_them() {
        let cases = [
            (Format::Jsonl, Compression::None, 1),
            (Format::Jsonl, Compression::Gzip, GZIP_EXPANSION),
            (Format::Wet, Compression::Gzip, GZIP_EXPANSION),
            (Format::Jsonl, Compression::Zstd, ZSTD_EXPANSION),
            (Format::Parquet, Compression::None, PARQUET_EXPANSION),
            (Format::Text, Compression::None, 1),
        ];
        for (format, compression, factor) in cases {
            assert_eq!(expanded(1000, format, compression), 1000 * factor, "{format:?}");
        }
        for mode in [Mode::Exact, Mode::MinHash] {
            for verify in [VerifyMethod::Exact, VerifyMethod::Signature] {
                let config = config(mode, verify, Some(1 << 20));
                let mut last = 0;
                for bytes in [0, 1, 127, 128, 129, 10_000, 5_200_000_000, u64::MAX / 2, u64::MAX] {
                    let peak = TempEstimate::of_text(&config, bytes, false).peak;
                    assert!(peak >= last, "{mode:?} {verify:?} {bytes}: {peak} < {last}");
                    last = peak;
                }
            }
        }
        let plain =
            TempEstimate::of_text(&config(Mode::Exact, VerifyMethod::Exact, None), 0, false);
        assert_eq!(plain.peak, 0, "no text, nothing spilled");
    }

    /// Issue 16: the calibration runs of
    /// `bench/results/2026-12-02/temp-estimate.md`: the estimate is at
    /// least the measured peak, and not absurdly more.
    #[test]
    fn issue16_estimate_covers_measured_peaks() {
        let exact = config(Mode::Exact, VerifyMethod::Exact, Some(256 << 20));
        let minhash = config(Mode::MinHash, VerifyMethod::Exact, Some(256 << 20));
        let signature = config(Mode::MinHash, VerifyMethod::Signature, Some(8 << 20));
        let headlines_gz = expanded(28_871_932, Format::Jsonl, Compression::Gzip);
        let g1m_zst = expanded(195_493_495, Format::Jsonl, Compression::Zstd);
        // (what, config, text bytes, measured peak bytes)
        let cases = [
            ("10M generated, exact", &exact, 5_200_000_000, 200_000_000),
            ("100M generated, exact", &exact, 52_000_000_000, 1_907_000_000),
            ("10M generated, minhash", &minhash, 5_200_000_000, 10_407_000_000),
            ("1M generated, minhash", &minhash, 548_120_303, 414_935_944),
            ("1M generated, exact", &exact, 548_120_303, 20_004_096),
            ("1M headlines gz, minhash", &minhash, headlines_gz, 205_661_276),
            ("1M headlines gz, exact", &exact, headlines_gz, 18_353_664),
            ("1M generated zst, minhash", &minhash, g1m_zst, 320_950_256),
            ("1M generated, signature", &signature, 548_120_303, 206_445_928),
        ];
        for (what, config, text, measured) in cases {
            let peak = TempEstimate::of_text(config, text, false).peak;
            assert!(peak >= measured && peak <= 8 * measured, "{what}: {peak} for {measured}");
        }
        // Reprint mode (bench/results/2026-12-02/reprint-out-of-core.md,
        // `--memory-mb 64`).
        for (what, text, measured) in [
            ("200k generated", 110_131_330, 61_000_000),
            ("1M generated", 548_120_303, 1_120_000_000),
        ] {
            let peak = TempEstimate::of_reprint_text(text, false).peak;
            assert!(peak >= measured && peak <= 8 * measured, "{what}: {peak} for {measured}");
        }
        // A resumable run keeps pass 1's runs and its checkpoint.
        let resumable = [("1M headlines gz, minhash", &minhash, headlines_gz, 250_922_380)];
        for (what, config, text, measured) in resumable {
            let peak = TempEstimate::of_text(config, text, true).peak;
            assert!(peak >= measured && peak <= 8 * measured, "{what}: {peak} for {measured}");
        }
        // 100k news articles, killed after pass 1: 104 MB of postings runs
        // and checkpoint left (bench/results/2026-12-02/resume-reprint.md),
        // before the pairs of `plan` are added to them.
        let (text, measured) = (127_132_187, 104_000_000);
        let resumable = TempEstimate::of_reprint_text(text, true);
        assert!(resumable.peak >= measured, "{} for {measured}", resumable.peak);
        assert!(resumable.peak > TempEstimate::of_reprint_text(text, false).peak);
    }

    #[test]
    fn issue16_estimate_over_free_space_is_refused() {
        let e = TempEstimate::of_text(
            &config(Mode::Exact, VerifyMethod::Exact, Some(1 << 20)),
            1 << 30,
            false,
        );
        let dir = Path::new("/some/tmp");
        e.check(dir, e.peak).unwrap();
        let err = e.check(dir, e.peak - 1).unwrap_err();
        assert!(matches!(err, SpillError::EstimateOverFree { .. }), "{err}");
        let text = err.to_string();
        assert!(text.starts_with("/some/tmp: "), "{text}");
        assert!(text.contains(&Size(e.peak).to_string()), "{text}");
    }

    /// Issue 16: nothing is estimated without a memory bound; with one,
    /// the inputs count by their size on disk, compressed ones expanded.
    #[test]
    fn issue16_estimate_of_resolved_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let (plain, gz) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl.gz"));
        std::fs::write(&plain, [b'x'; 1000]).unwrap();
        std::fs::write(&gz, [b'x'; 300]).unwrap();
        let inputs =
            crate::read::resolve_inputs(&[plain, gz], &crate::read::ReadOptions::default())
                .unwrap();
        assert_eq!(text_bytes(&inputs), Some(1000 + 300 * GZIP_EXPANSION));
        let unbounded = config(Mode::MinHash, VerifyMethod::Exact, None);
        assert_eq!(estimate_temp_space(&unbounded, &inputs, false), TempSpace::None);
        let bounded = config(Mode::MinHash, VerifyMethod::Exact, Some(1 << 20));
        let expected = TempEstimate::of_text(&bounded, 1000 + 300 * GZIP_EXPANSION, true);
        assert_eq!(estimate_temp_space(&bounded, &inputs, true), TempSpace::About(expected));
    }

    #[test]
    fn issue16_bytes_in_counts_nested_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(bytes_in(&dir.path().join("missing")), 0);
        std::fs::write(dir.path().join("a"), [0; 10]).unwrap();
        std::fs::create_dir(dir.path().join("pass1")).unwrap();
        std::fs::write(dir.path().join("pass1/b"), [0; 5]).unwrap();
        assert_eq!(bytes_in(dir.path()), 15);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        let cases = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (190_000_000, "190.0 MB"),
            (1_907_000_000, "1.9 GB"),
            (999_990_000, "1.0 GB"),
            (u64::MAX, "18446.7 PB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(Size(bytes).to_string(), text);
        }
    }
}
