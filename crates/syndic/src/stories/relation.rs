//! The one relation graph: reuse (copies, near-copies, reprints, from the
//! reprint stage) and coverage of the same story, each pair with its type,
//! score and evidence.

use serde::{Deserialize, Serialize};

use crate::doc::DocId;

/// How two documents of one story are related. A reuse relation implies
/// the same story; `same_story` is said only of pairs with no reuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// The same normalized text.
    Copy,
    /// A reprint covering nearly all of both texts (90 % of the shorter's
    /// own text, between texts within 10 % of each other's length).
    NearCopy,
    /// Shared passages covering most of the shorter text.
    Reprint,
    /// No text reused, the same event covered: the mean cosine of the
    /// documents' groups reached the threshold, and so did theirs.
    SameStory,
}

/// The terms that carried a `same_story` link, those contributing most to
/// its cosine first: names, and the other words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedTerms {
    /// Names shared (normalized: lower case).
    pub entities: Vec<String>,
    /// Other words shared.
    pub terms: Vec<String>,
}

/// A linked pair of one story.
#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Its type.
    pub kind: RelationKind,
    /// Reuse: the reprint stage's similarity (1 for copies, coverage of the
    /// shorter for reprints); same story: the pair's cosine.
    pub score: f64,
    /// The evidence of a same-story link; reuse relations have their
    /// passages in the reprint stage's result.
    pub shared: Option<SharedTerms>,
}
