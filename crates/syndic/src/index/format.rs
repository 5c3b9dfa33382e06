//! The tables of format version 5 and the byte encodings of their keys and
//! values. `docs/index-format.md` gives the same layout as a grammar; a test
//! below pins every encoding to bytes, so the two cannot drift apart
//! silently.
//!
//! Composite keys are big-endian fixed-width byte arrays: redb orders
//! `[u8; N]` keys lexicographically, which for big-endian integers is
//! numeric order, so a range scan over a prefix visits one bucket (or one
//! document's edges, or one exact-copy group) in `DocId` order. Plain `u32`
//! and `u64` keys and values use redb's own fixed-width little-endian
//! encoding, ordered numerically by redb.

use std::path::Path;

use redb::{ReadableTable, TableDefinition};

use crate::doc::DocId;
use crate::error::{Error, Result};
use crate::pairs::PairKind;
use crate::stories::{RawTerm, RelationKind, ReuseLink, StoryDoc};

/// Bumped whenever the layout of any table changes; an index of an older
/// version this syndic can upgrade (`MIGRATABLE_VERSIONS`) is upgraded on
/// open, any other is refused.
pub const FORMAT_VERSION: u32 = 5;

/// Versions upgraded in place on open. Version 2 added the `postings` and
/// `learned` tables (reprint mode; empty in the other modes), the reprint
/// kind of `edges` and the optional `reprint` member of `meta/config`, so
/// a version 1 index (exact or minhash) reads the same once its new,
/// empty tables exist. Version 3 added the `stories` table and the
/// optional `stories` member of `meta/config` (a reprint index with
/// stories); an index of version 1 or 2 has no stories, and reads the same
/// once its new, empty table exists. A syndic that knows only version 2
/// refuses a version 3 index instead of misreading it. Version 4 added the
/// `story_joins` table (each document's story decision, so that opening
/// no longer decides every story again): a version 3 index with stories
/// is upgraded by deciding them once more, as version 3 did on every
/// open, and storing the decisions (`index::stories::record_joins`).
/// Version 5 added two settings that change what the index holds, both on
/// by default: the `join_hyphenated_line_breaks` member of `meta/config`
/// (absent, it reads as off, which is how every older index was
/// tokenized) and the `ocr_folding` reprint setting, which changes the
/// fingerprints `postings` holds (a reprint index of an older version is
/// upgraded by recording it off). So an older index keeps tokenizing and
/// fingerprinting its queries and adds as it was built. A syndic that
/// knows only version 4 refuses a version 5 index (it would tokenize
/// without the joins, or read the new setting as unknown).
pub(crate) const MIGRATABLE_VERSIONS: [u32; 4] = [1, 2, 3, 4];

/// Identifies a syndic index in the `meta` table.
pub(crate) const MAGIC: &[u8] = b"syndic-index";

/// `magic`, `format_version` (u32 LE), `config` (UTF-8 JSON).
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Named `u64` counters, see [`Counters`].
pub(crate) const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");
/// External id → `DocId`, live documents only.
pub(crate) const IDS: TableDefinition<&str, u32> = TableDefinition::new("ids");
/// `DocId` → [`DocRecord`], every document ever added (deleted ones flagged).
pub(crate) const DOCS: TableDefinition<u32, &[u8]> = TableDefinition::new("docs");
/// `DocId` → `codec:u8` then the original UTF-8 text, raw (codec 0) or as
/// one zstd frame (codec 1); live documents only.
pub(crate) const TEXTS: TableDefinition<u32, &[u8]> = TableDefinition::new("texts");
/// `DocId` → MinHash signature, `num_perm` × u32 LE; only with signature
/// verification.
pub(crate) const SIGNATURES: TableDefinition<u32, &[u8]> = TableDefinition::new("signatures");
/// [`band_key`] → (): live documents that are the first of their exact group.
pub(crate) const BANDS: TableDefinition<[u8; 14], ()> = TableDefinition::new("bands");
/// [`exact_key`] → (): every live document under its content hash.
pub(crate) const EXACT: TableDefinition<[u8; 20], ()> = TableDefinition::new("exact");
/// [`edge_key`] → [`edge_value`]: verified pairs, stored in both directions.
pub(crate) const EDGES: TableDefinition<[u8; 8], [u8; 9]> = TableDefinition::new("edges");
/// [`posting_key`] → (): each distinct passage fingerprint of every live
/// document (reprint mode only).
pub(crate) const POSTINGS: TableDefinition<[u8; 12], ()> = TableDefinition::new("postings");
/// `DocId` → [`Learned`]: what boilerplate detection and relatedness learn
/// from the document (reprint mode only).
pub(crate) const LEARNED: TableDefinition<u32, &[u8]> = TableDefinition::new("learned");
/// `DocId` → [`StoryEntry`]: what the online story linker keeps of the
/// document (reprint mode with stories only).
pub(crate) const STORIES: TableDefinition<u32, &[u8]> = TableDefinition::new("stories");
/// `DocId` → [`encode_joins`]: the stories the document joined when it was
/// added (reprint mode with stories only).
pub(crate) const STORY_JOINS: TableDefinition<u32, &[u8]> = TableDefinition::new("story_joins");
/// `DocId` → parent `DocId` in the union-find forest; roots are absent.
pub(crate) const PARENTS: TableDefinition<u32, u32> = TableDefinition::new("parents");
/// Root `DocId` → [`RootRecord`], one per live cluster.
pub(crate) const ROOTS: TableDefinition<u32, [u8; 16]> = TableDefinition::new("roots");

/// `parts` one after another, then `doc:u32 BE`: the shape of every key
/// that ends in a document.
fn doc_key<const N: usize>(parts: &[&[u8]], doc: u32) -> [u8; N] {
    let mut out = [0; N];
    let mut at = 0;
    for part in parts.iter().copied().chain([&doc.to_be_bytes()[..]]) {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    debug_assert_eq!(at, N, "the parts and the document fill the key");
    out
}

/// The document at the end of a [`doc_key`].
fn key_doc<const N: usize>(key: &[u8; N]) -> DocId {
    DocId::from_u32(u32::from_be_bytes([key[N - 4], key[N - 3], key[N - 2], key[N - 1]]))
}

/// `band:u16 BE | key:u64 BE | doc:u32 BE`.
pub(crate) fn band_key(band: u16, key: u64, doc: u32) -> [u8; 14] {
    doc_key(&[&band.to_be_bytes(), &key.to_be_bytes()], doc)
}

/// The document of a [`band_key`].
pub(crate) fn band_key_doc(key: &[u8; 14]) -> DocId {
    key_doc(key)
}

/// `content_hash:u128 BE | doc:u32 BE`.
pub(crate) fn exact_key(hash: u128, doc: u32) -> [u8; 20] {
    doc_key(&[&hash.to_be_bytes()], doc)
}

/// The document of an [`exact_key`].
pub(crate) fn exact_key_doc(key: &[u8; 20]) -> DocId {
    key_doc(key)
}

/// `fingerprint:u64 BE | doc:u32 BE`.
pub(crate) fn posting_key(fingerprint: u64, doc: u32) -> [u8; 12] {
    doc_key(&[&fingerprint.to_be_bytes()], doc)
}

/// The document of a [`posting_key`].
pub(crate) fn posting_key_doc(key: &[u8; 12]) -> DocId {
    key_doc(key)
}

/// What the index keeps per document of a reprint index for the
/// statistics learned across documents: its site (boilerplate is learned
/// per site too, and the export's batch run needs it), its line keys
/// ([`crate::boilerplate::DocKeys`], bytes as that type encodes them) and
/// the buckets of its tokens ([`crate::reprint::DocFreq::terms`]).
///
/// `site_len:u32 LE | site:UTF-8 | keys_len:u32 LE | keys | terms:u32 LE*`,
/// `site_len` = `u32::MAX` when there is no site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Learned {
    pub(crate) site: Option<String>,
    pub(crate) keys: Vec<u8>,
    pub(crate) terms: Vec<u32>,
}

impl Learned {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let site = self.site.as_deref().map(str::as_bytes);
        let mut out = Vec::with_capacity(
            8 + site.map_or(0, <[u8]>::len) + self.keys.len() + 4 * self.terms.len(),
        );
        out.extend_from_slice(&site.map_or(u32::MAX, |s| s.len() as u32).to_le_bytes());
        out.extend_from_slice(site.unwrap_or_default());
        out.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.keys);
        out.extend(self.terms.iter().flat_map(|t| t.to_le_bytes()));
        out
    }

    /// `None` when the bytes are not a value of this format version.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Learned> {
        let take_u32 = |rest: &mut &[u8]| -> Option<u32> {
            let (head, tail) = rest.split_at_checked(4)?;
            *rest = tail;
            Some(u32::from_le_bytes(head.try_into().ok()?))
        };
        let mut rest = bytes;
        let site = match take_u32(&mut rest)? {
            u32::MAX => None,
            n => {
                let (site, tail) = rest.split_at_checked(n as usize)?;
                rest = tail;
                Some(String::from_utf8(site.to_vec()).ok()?)
            }
        };
        let n = take_u32(&mut rest)? as usize;
        let (keys, terms) = rest.split_at_checked(n)?;
        if terms.len() % 4 != 0 {
            return None;
        }
        let terms = terms.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        Some(Learned { site, keys: keys.to_vec(), terms: terms.collect() })
    }
}

/// What the online story linker keeps of a document, and its reuse pairs
/// with earlier documents, in `stories`:
///
/// ```text
/// entry    := dated:u8 day:i32 LE own_tokens:u32 LE
///             n:u32 LE term{n} m:u32 LE spelling{m} r:u32 LE reuse{r}
/// term     := hash:u64 LE tf:f32 LE flags:u8
/// spelling := hash:u64 LE len:u32 LE UTF-8{len}
/// reuse    := doc:u32 LE kind:u8 score:f64 LE
/// ```
///
/// `dated` is 1 when `day` (days since 1970-01-01) holds the document's
/// day, else 0 and `day` is 0; `kind` is 0 copy, 1 near-copy, 2 reprint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StoryEntry {
    pub(crate) doc: StoryDoc,
    pub(crate) reuse: Vec<ReuseLink>,
}

impl StoryEntry {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let doc = &self.doc;
        let mut out = Vec::with_capacity(24 + 21 * doc.terms.len() + 13 * self.reuse.len());
        out.push(u8::from(doc.day.is_some()));
        out.extend_from_slice(&doc.day.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&doc.own_tokens.to_le_bytes());
        out.extend_from_slice(&(doc.terms.len() as u32).to_le_bytes());
        for t in &doc.terms {
            out.extend_from_slice(&t.hash.to_le_bytes());
            out.extend_from_slice(&t.tf.to_le_bytes());
            out.push(t.flags);
        }
        out.extend_from_slice(&(doc.spellings.len() as u32).to_le_bytes());
        for (hash, word) in &doc.spellings {
            out.extend_from_slice(&hash.to_le_bytes());
            out.extend_from_slice(&(word.len() as u32).to_le_bytes());
            out.extend_from_slice(word.as_bytes());
        }
        out.extend_from_slice(&(self.reuse.len() as u32).to_le_bytes());
        for r in &self.reuse {
            out.extend_from_slice(&r.doc.as_u32().to_le_bytes());
            out.push(match r.kind {
                RelationKind::Copy => 0,
                RelationKind::NearCopy => 1,
                _ => 2,
            });
            out.extend_from_slice(&r.score.to_le_bytes());
        }
        out
    }

    /// `None` when the bytes are not a value of this format version.
    pub(crate) fn decode(bytes: &[u8]) -> Option<StoryEntry> {
        fn take<const N: usize>(rest: &mut &[u8]) -> Option<[u8; N]> {
            let (head, tail) = rest.split_at_checked(N)?;
            *rest = tail;
            head.try_into().ok()
        }
        let mut rest = bytes;
        let dated = take::<1>(&mut rest)?[0];
        let day = i32::from_le_bytes(take(&mut rest)?);
        let day = match dated {
            0 => None,
            1 => Some(day),
            _ => return None,
        };
        let own_tokens = u32::from_le_bytes(take(&mut rest)?);
        let n = u32::from_le_bytes(take(&mut rest)?);
        let mut terms = Vec::new();
        for _ in 0..n {
            let hash = u64::from_le_bytes(take(&mut rest)?);
            let tf = f32::from_le_bytes(take(&mut rest)?);
            let flags = take::<1>(&mut rest)?[0];
            terms.push(RawTerm { hash, tf, flags });
        }
        let m = u32::from_le_bytes(take(&mut rest)?);
        let mut spellings = Vec::new();
        for _ in 0..m {
            let hash = u64::from_le_bytes(take(&mut rest)?);
            let len = u32::from_le_bytes(take(&mut rest)?) as usize;
            let (word, tail) = rest.split_at_checked(len)?;
            rest = tail;
            spellings.push((hash, String::from_utf8(word.to_vec()).ok()?));
        }
        let r = u32::from_le_bytes(take(&mut rest)?);
        let mut reuse = Vec::new();
        for _ in 0..r {
            let doc = DocId::from_u32(u32::from_le_bytes(take(&mut rest)?));
            let kind = match take::<1>(&mut rest)?[0] {
                0 => RelationKind::Copy,
                1 => RelationKind::NearCopy,
                2 => RelationKind::Reprint,
                _ => return None,
            };
            let score = f64::from_le_bytes(take(&mut rest)?);
            reuse.push(ReuseLink { doc, kind, score });
        }
        if !rest.is_empty() {
            return None;
        }
        Some(StoryEntry { doc: StoryDoc { terms, own_tokens, day, spellings }, reuse })
    }
}

/// `story:u32 LE *`: the ids of the stories a document joined when it was
/// added, ascending; none when it started its own.
pub(crate) fn encode_joins(joined: &[DocId]) -> Vec<u8> {
    joined.iter().flat_map(|s| s.as_u32().to_le_bytes()).collect()
}

/// Decodes [`encode_joins`]; `None` when the length is no multiple of 4
/// (the order is the linker's to check).
pub(crate) fn decode_joins(bytes: &[u8]) -> Option<Vec<DocId>> {
    let chunks = bytes.chunks_exact(4);
    if !chunks.remainder().is_empty() {
        return None;
    }
    Some(chunks.map(|c| DocId::from_u32(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect())
}

/// `a:u32 BE | b:u32 BE`.
pub(crate) fn edge_key(a: DocId, b: DocId) -> [u8; 8] {
    doc_key(&[&a.as_u32().to_be_bytes()], b.as_u32())
}

/// The two ends of an [`edge_key`].
pub(crate) fn decode_edge_key(key: &[u8; 8]) -> (DocId, DocId) {
    let a = u32::from_be_bytes([key[0], key[1], key[2], key[3]]);
    (DocId::from_u32(a), key_doc(key))
}

/// `similarity:f64 LE | kind:u8` (0 exact, 1 near, 2 reprint).
pub(crate) fn edge_value(similarity: f64, kind: PairKind) -> [u8; 9] {
    let mut out = [0; 9];
    out[..8].copy_from_slice(&similarity.to_le_bytes());
    out[8] = match kind {
        PairKind::Exact => 0,
        PairKind::Near => 1,
        PairKind::Reprint => 2,
    };
    out
}

/// Decodes an [`edge_value`].
pub(crate) fn decode_edge_value(value: &[u8; 9]) -> (f64, PairKind) {
    let mut bits = [0; 8];
    bits.copy_from_slice(&value[..8]);
    let kind = match value[8] {
        0 => PairKind::Exact,
        1 => PairKind::Near,
        _ => PairKind::Reprint,
    };
    (f64::from_le_bytes(bits), kind)
}

/// Set in [`DocRecord::flags`] once the document is deleted.
const DELETED: u8 = 1;
/// Bytes of a [`DocRecord`] before the id.
const DOC_HEADER: usize = 1 + 8 + 4 + 16;

/// What the index keeps about every document it was given.
///
/// `flags:u8 | bytes:u64 LE | tokens:u32 LE | content_hash:u128 LE | id:UTF-8`
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DocRecord {
    pub(crate) deleted: bool,
    /// Length of the original text in bytes (what `--keep longest` compares).
    pub(crate) bytes: u64,
    pub(crate) tokens: u32,
    pub(crate) content_hash: u128,
    pub(crate) id: String,
}

impl DocRecord {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(DOC_HEADER + self.id.len());
        out.push(if self.deleted { DELETED } else { 0 });
        out.extend_from_slice(&self.bytes.to_le_bytes());
        out.extend_from_slice(&self.tokens.to_le_bytes());
        out.extend_from_slice(&self.content_hash.to_le_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out
    }

    /// `None` when the bytes are not a record of this format version.
    pub(crate) fn decode(bytes: &[u8]) -> Option<DocRecord> {
        if bytes.len() < DOC_HEADER {
            return None;
        }
        let (header, id) = bytes.split_at(DOC_HEADER);
        Some(DocRecord {
            deleted: header[0] & DELETED != 0,
            bytes: u64::from_le_bytes(header[1..9].try_into().ok()?),
            tokens: u32::from_le_bytes(header[9..13].try_into().ok()?),
            content_hash: u128::from_le_bytes(header[13..29].try_into().ok()?),
            id: String::from_utf8(id.to_vec()).ok()?,
        })
    }
}

/// A cluster's summary, kept at its union-find root.
///
/// `size:u32 LE | representative:u32 LE | representative_bytes:u64 LE`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RootRecord {
    pub(crate) size: u32,
    pub(crate) representative: DocId,
    pub(crate) representative_bytes: u64,
}

impl RootRecord {
    pub(crate) fn encode(&self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..4].copy_from_slice(&self.size.to_le_bytes());
        out[4..8].copy_from_slice(&self.representative.as_u32().to_le_bytes());
        out[8..].copy_from_slice(&self.representative_bytes.to_le_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8; 16]) -> RootRecord {
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let mut len = [0; 8];
        len.copy_from_slice(&bytes[8..]);
        RootRecord {
            size: u32_at(0),
            representative: DocId::from_u32(u32_at(4)),
            representative_bytes: u64::from_le_bytes(len),
        }
    }
}

/// Signature as stored: u32 LE values.
pub(crate) fn encode_signature(signature: &[u32]) -> Vec<u8> {
    signature.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Decodes [`encode_signature`].
pub(crate) fn decode_signature(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// The file of an index inside its directory.
pub const INDEX_FILE: &str = "index.redb";

/// Named `u64` counters kept in the `counters` table, updated in the same
/// transaction as the documents they count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub(crate) next_doc: u64,
    pub(crate) live: u64,
    pub(crate) deleted: u64,
    pub(crate) exact_duplicates: u64,
    pub(crate) candidate_pairs: u64,
    pub(crate) verified_pairs: u64,
    pub(crate) clusters: u64,
}

impl Counters {
    const NAMES: [&'static str; 7] = [
        "next_doc",
        "live",
        "deleted",
        "exact_duplicates",
        "candidate_pairs",
        "verified_pairs",
        "clusters",
    ];

    fn fields(&mut self) -> [&mut u64; 7] {
        [
            &mut self.next_doc,
            &mut self.live,
            &mut self.deleted,
            &mut self.exact_duplicates,
            &mut self.candidate_pairs,
            &mut self.verified_pairs,
            &mut self.clusters,
        ]
    }

    pub(super) fn load(
        table: &impl ReadableTable<&'static str, u64>,
        dir: &Path,
    ) -> Result<Counters> {
        let mut counters = Counters::default();
        for (name, field) in Self::NAMES.into_iter().zip(counters.fields()) {
            *field = table.get(name).map_err(|e| store_error(dir, e))?.map_or(0, |v| v.value());
        }
        Ok(counters)
    }

    pub(super) fn save(
        mut self,
        table: &mut redb::Table<&'static str, u64>,
        dir: &Path,
    ) -> Result<()> {
        for (name, field) in Self::NAMES.into_iter().zip(self.fields()) {
            table.insert(name, *field).map_err(|e| store_error(dir, e))?;
        }
        Ok(())
    }
}

/// Maps a storage error to the library's: I/O errors keep their kind (so
/// that a full disk can be told apart), a lock held elsewhere says who
/// probably holds it.
pub(crate) fn store_error(dir: &Path, err: impl Into<redb::Error>) -> Error {
    let message = match err.into() {
        redb::Error::Io(source) => return Error::io(dir.join(INDEX_FILE), source),
        redb::Error::DatabaseAlreadyOpen => "the index is open in another process (a running \
             `syndic serve` holds it for writing: use its HTTP API, or stop it first)"
            .to_owned(),
        redb::Error::PreviousIo => "an earlier write to the index failed (disk full?); nothing \
             after the last acknowledged commit was kept: reopen the index"
            .to_owned(),
        other => format!("storage error: {other}"),
    };
    Error::Index { path: dir.to_owned(), message }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The byte layouts docs/index-format.md promises.
    #[test]
    fn encodings_table() {
        let d = DocId::from_u32;
        let cases: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
            (
                "band",
                band_key(2, 0x0102_0304_0506_0708, 9).to_vec(),
                vec![0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9],
            ),
            (
                "exact",
                exact_key(5, 0x0a0b).to_vec(),
                [vec![0; 15], vec![5, 0, 0, 0x0a, 0x0b]].concat(),
            ),
            ("edge", edge_key(d(1), d(256)).to_vec(), vec![0, 0, 0, 1, 0, 0, 1, 0]),
            (
                "edge value",
                edge_value(1.0, PairKind::Near).to_vec(),
                vec![0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1],
            ),
            (
                "root",
                RootRecord { size: 3, representative: d(7), representative_bytes: 10 }
                    .encode()
                    .to_vec(),
                vec![3, 0, 0, 0, 7, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0],
            ),
            (
                "doc",
                DocRecord { deleted: true, bytes: 2, tokens: 1, content_hash: 4, id: "x".into() }
                    .encode(),
                [vec![1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4], vec![0; 15], b"x".to_vec()]
                    .concat(),
            ),
            ("signature", encode_signature(&[1, 0x0100]), vec![1, 0, 0, 0, 0, 1, 0, 0]),
            ("posting", posting_key(0x0102, 3).to_vec(), vec![0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3]),
            (
                "reprint edge value",
                edge_value(0.5, PairKind::Reprint).to_vec(),
                vec![0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 2],
            ),
            (
                "learned",
                Learned { site: Some("a.b".into()), keys: vec![9], terms: vec![0x0102] }.encode(),
                vec![3, 0, 0, 0, b'a', b'.', b'b', 1, 0, 0, 0, 9, 2, 1, 0, 0],
            ),
            (
                "learned, no site",
                Learned { site: None, keys: vec![], terms: vec![] }.encode(),
                vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
            ),
            (
                "story entry",
                StoryEntry {
                    doc: StoryDoc {
                        terms: vec![RawTerm { hash: 7, tf: 1.0, flags: 1 }],
                        own_tokens: 2,
                        day: Some(-1),
                        spellings: vec![(7, "ab".into())],
                    },
                    reuse: vec![ReuseLink {
                        doc: DocId::from_u32(3),
                        kind: RelationKind::Reprint,
                        score: 0.5,
                    }],
                }
                .encode(),
                [
                    &[1, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0][..],
                    &[1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 1],
                    &[1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'a', b'b'],
                    &[1, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f],
                ]
                .concat(),
            ),
            (
                "story entry, undated, no terms",
                StoryEntry {
                    doc: StoryDoc { terms: vec![], own_tokens: 0, day: None, spellings: vec![] },
                    reuse: vec![],
                }
                .encode(),
                vec![0; 21],
            ),
            (
                "story joins",
                encode_joins(&[DocId::from_u32(1), DocId::from_u32(0x0102)]),
                vec![1, 0, 0, 0, 2, 1, 0, 0],
            ),
            ("story joins, none", encode_joins(&[]), vec![]),
        ];
        for (name, got, expected) in cases {
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn story_entries_round_trip_and_refuse_other_bytes() {
        let entry = StoryEntry {
            doc: StoryDoc {
                terms: vec![RawTerm { hash: u64::MAX, tf: 2.5, flags: 0 }],
                own_tokens: 9,
                day: Some(19_000),
                spellings: vec![(u64::MAX, "één".into())],
            },
            reuse: vec![ReuseLink {
                doc: DocId::from_u32(1),
                kind: RelationKind::Copy,
                score: 1.0,
            }],
        };
        let bytes = entry.encode();
        assert_eq!(StoryEntry::decode(&bytes), Some(entry));
        assert_eq!(StoryEntry::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(StoryEntry::decode(&[bytes.as_slice(), &[0]].concat()), None);
        assert_eq!(StoryEntry::decode(&[[2].as_slice(), &bytes[1..]].concat()), None);
    }

    #[test]
    fn story_joins_round_trip_and_refuse_other_lengths() {
        let joined = vec![DocId::from_u32(0), DocId::from_u32(u32::MAX)];
        let bytes = encode_joins(&joined);
        assert_eq!(decode_joins(&bytes), Some(joined));
        assert_eq!(decode_joins(&bytes[..7]), None);
    }

    #[test]
    fn short_doc_records_are_rejected() {
        assert_eq!(DocRecord::decode(&[0; DOC_HEADER - 1]), None);
        assert_eq!(DocRecord::decode(&[[0; DOC_HEADER].as_slice(), &[0xff]].concat()), None);
    }

    proptest! {
        #[test]
        fn records_round_trip(deleted: bool, bytes: u64, tokens: u32, hash: u128, id in ".{0,40}") {
            let record = DocRecord { deleted, bytes, tokens, content_hash: hash, id };
            prop_assert_eq!(DocRecord::decode(&record.encode()), Some(record));
        }

        #[test]
        fn key_order_is_numeric_order(a: (u16, u64, u32), b: (u16, u64, u32), h: (u128, u32), g: (u128, u32)) {
            prop_assert_eq!(band_key(a.0, a.1, a.2).cmp(&band_key(b.0, b.1, b.2)), a.cmp(&b));
            prop_assert_eq!(exact_key(h.0, h.1).cmp(&exact_key(g.0, g.1)), h.cmp(&g));
            prop_assert_eq!(band_key_doc(&band_key(a.0, a.1, a.2)), DocId::from_u32(a.2));
            prop_assert_eq!(exact_key_doc(&exact_key(h.0, h.1)), DocId::from_u32(h.1));
        }

        #[test]
        fn learned_round_trips(site in proptest::option::of(".{0,12}"), keys in proptest::collection::vec(any::<u8>(), 0..40), terms in proptest::collection::vec(any::<u32>(), 0..40)) {
            let learned = Learned { site, keys, terms };
            prop_assert_eq!(Learned::decode(&learned.encode()), Some(learned));
        }

        #[test]
        fn edge_values_round_trip(s in 0.0f64..=1.0, kind in 0u8..3) {
            let kind = [PairKind::Exact, PairKind::Near, PairKind::Reprint][kind as usize];
            prop_assert_eq!(decode_edge_value(&edge_value(s, kind)), (s, kind));
        }

        #[test]
        fn roots_and_signatures_round_trip(size: u32, rep: u32, len: u64, sig in proptest::collection::vec(any::<u32>(), 0..64)) {
            let root = RootRecord { size, representative: DocId::from_u32(rep), representative_bytes: len };
            prop_assert_eq!(RootRecord::decode(&root.encode()), root);
            prop_assert_eq!(decode_signature(&encode_signature(&sig)), sig);
        }
    }
}
