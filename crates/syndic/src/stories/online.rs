//! Stories online: documents arrive one at a time, and each is told at once
//! which story it belongs to (the index's stories, `Index::create_reprint`
//! with stories settings).
//!
//! **The batch rules, applied to one new document.** Nothing here decides
//! what a story is: the document's vector is [`DocFreq::vector`], its
//! candidates are picked by [`pick`] from the documents listing its
//! [`indexed_terms`] within the window, and a group joins the new
//! document's story by [`Group::may_join`], the average-link rule of the
//! batch linker. What differs is only the order of decisions and what is
//! known when each is made:
//!
//! * **Document frequencies are learned online.** A decision uses the
//!   frequencies of every document added so far, the new one counted; every
//!   vector it compares (the candidates', and each member of the groups it
//!   weighs) is computed again with them. The batch run knows the whole
//!   corpus, so early decisions can differ: with few documents every word
//!   is rare.
//! * **The new document picks.** Its candidates are its own
//!   `candidates_per_doc` best among earlier documents (in batch a pair is
//!   also measured when the other document picked it), and the groups are
//!   weighed in the order of its links, largest cosine first, instead of in
//!   the order of every pair of the corpus.
//! * **Decisions are not revisited.** A document joins a story, or starts
//!   one, when it is added; a later document may join two stories into one
//!   (its links to both pass the rule), never split one.
//!
//! **Story ids are stable**: a story is named by its first document (the
//! smallest `DocId`), and when stories merge the merged one keeps the
//! smaller name, so an id once answered names the same story or the story
//! it merged into. Its representative (the earliest full report, as in
//! batch) can change as members arrive.
//!
//! **A pure function of the documents in order**: given the same documents
//! (terms, days and reuse links) in the same order, the state is the same.
//! Only the decisions are costly, and each is recorded in its answer
//! ([`StoryAnswer::joined`]): the index stores them beside the documents
//! and rebuilds the state on open by [`OnlineStories::restore`], which
//! redoes each add without deciding.

use std::collections::{BTreeSet, HashMap};

use super::candidates::{indexed_terms, pick};
use super::date::Day;
use super::finder::{better_report, evidence};
use super::link::Group;
use super::relation::{RelationKind, SharedTerms};
use super::vector::{dot, DocFreq, Extractor, IdfMemo, RawTerm, Term};
use super::StoriesConfig;
use crate::boilerplate::IdBuild;
use crate::cluster::Clustering;
use crate::doc::DocId;
use crate::normalize::Tokens;

/// What the online linker keeps of a document: its terms before document
/// frequencies, its count of own tokens and its day; and, for evidence,
/// the spelling of each term.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryDoc {
    pub(crate) terms: Vec<RawTerm>,
    pub(crate) own_tokens: u32,
    pub(crate) day: Option<Day>,
    pub(crate) spellings: Vec<(u64, String)>,
}

/// A reuse pair of a new document with an earlier one (from the reprint
/// stage): reuse is the same story, when the two are dated within the
/// window of each other.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReuseLink {
    /// The earlier document.
    pub doc: DocId,
    /// `copy`, `near_copy` or `reprint`.
    pub kind: RelationKind,
    /// The reprint stage's similarity.
    pub score: f64,
}

/// A link of the new document to a member of its story.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryLink {
    /// The member.
    pub doc: DocId,
    /// Reuse, or `same_story`.
    pub kind: RelationKind,
    /// Reuse: the reprint stage's similarity; same story: the cosine.
    pub score: f64,
    /// The terms that carried a `same_story` link.
    pub shared: Option<SharedTerms>,
}

/// Which story a document belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryAnswer {
    /// The story's id, its first document; `None` for a query that joins
    /// no story (it would start its own).
    pub story: Option<DocId>,
    /// Its earliest full report; `None` as `story`, or when that is the
    /// query itself.
    pub representative: Option<DocId>,
    /// Members, the subject counted.
    pub size: usize,
    /// The subject's links to members, by score (largest first), then
    /// member.
    pub links: Vec<StoryLink>,
    /// The stories the subject joins, by their ids before it arrived
    /// (ascending; empty when it starts its own): what
    /// [`OnlineStories::restore`] needs to redo the add without deciding.
    pub joined: Vec<DocId>,
}

/// The state of the online linker: every document added, their document
/// frequencies and their stories.
#[derive(Debug)]
pub struct OnlineStories {
    config: StoriesConfig,
    extractor: Extractor,
    df: DocFreq,
    docs: Vec<StoryDoc>,
    /// Every term → the documents that have it, in order.
    postings: HashMap<u64, Vec<u32>, IdBuild>,
    /// Each document's story (its smallest member).
    story: Vec<u32>,
    /// Story → members, in order.
    members: HashMap<u32, Vec<u32>>,
}

impl OnlineStories {
    /// An empty linker.
    pub fn new(config: StoriesConfig) -> Self {
        let extractor = Extractor::new(config.name_weight, config.title_weight);
        OnlineStories {
            config,
            extractor,
            df: DocFreq::default(),
            docs: Vec::new(),
            postings: HashMap::default(),
            story: Vec::new(),
            members: HashMap::new(),
        }
    }

    /// Documents added.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether none was added.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// What the linker keeps of `text` (its `boilerplate` byte ranges,
    /// sorted and not overlapping, left out), dated `day`.
    pub fn extract(
        &self,
        text: &str,
        boilerplate: &[(usize, usize)],
        day: Option<Day>,
    ) -> StoryDoc {
        let mut spellings = Vec::new();
        let (terms, own_tokens) =
            self.extractor.terms(text, boilerplate, &mut Tokens::default(), |h, w| {
                spellings.push((h, w.to_owned()))
            });
        spellings.sort_unstable_by_key(|s| s.0);
        spellings.dedup_by_key(|s| s.0);
        StoryDoc { terms, own_tokens, day, spellings }
    }

    /// Adds `doc` as the next document (its `DocId` is [`len`](Self::len)
    /// before the call), with its reuse pairs with earlier documents, and
    /// answers its story.
    pub fn add(&mut self, doc: StoryDoc, reuse: &[ReuseLink]) -> StoryAnswer {
        let d = self.docs.len() as u32;
        self.count(&doc);
        let mut answer = self.decide(&doc, reuse);
        self.apply(doc, &answer.joined);
        answer.story.get_or_insert(DocId::from_u32(d));
        answer.representative.get_or_insert(DocId::from_u32(d));
        answer
    }

    /// Adds `doc` as the next document as [`add`](Self::add) did when it
    /// answered `joined` ([`StoryAnswer::joined`]), without deciding again:
    /// the same state, at the cost of counting its terms. `Err` names an
    /// id of `joined` that is no story now or is out of order (the record
    /// is not this linker's), and nothing is added.
    pub fn restore(&mut self, doc: StoryDoc, joined: &[DocId]) -> Result<(), DocId> {
        let mut previous = None;
        for &s in joined {
            if previous.is_some_and(|p| p >= s) || !self.members.contains_key(&s.as_u32()) {
                return Err(s);
            }
            previous = Some(s);
        }
        self.count(&doc);
        self.apply(doc, joined);
        Ok(())
    }

    /// Counts `doc`'s terms in the frequencies and keeps their spellings.
    fn count(&mut self, doc: &StoryDoc) {
        self.df.add(&doc.terms);
        for (hash, word) in &doc.spellings {
            self.df.spell(*hash, word);
        }
    }

    /// Stores `doc`, counted already, as the next document, and merges it
    /// with the stories `joined` (current story ids, ascending, each once)
    /// into one named by the smallest.
    fn apply(&mut self, doc: StoryDoc, joined: &[DocId]) {
        let d = self.docs.len() as u32;
        let mut members = vec![d];
        for s in joined {
            members.extend(self.members.remove(&s.as_u32()).unwrap_or_default());
        }
        for t in &doc.terms {
            self.postings.entry(t.hash).or_default().push(d);
        }
        self.docs.push(doc);
        let story = joined.first().map_or(d, |s| s.as_u32());
        members.sort_unstable();
        for &m in &members {
            self.story.resize(self.story.len().max(m as usize + 1), 0);
            self.story[m as usize] = story;
        }
        self.members.insert(story, members);
    }

    /// The story `doc` would join were it added; changes nothing.
    pub fn query(&mut self, doc: &StoryDoc, reuse: &[ReuseLink]) -> StoryAnswer {
        self.df.add(&doc.terms);
        let answer = self.decide(doc, reuse);
        self.df.remove(&doc.terms);
        answer
    }

    /// The stories of every document: each represented by its earliest
    /// full report, with each document's cosine to it (by the document
    /// frequencies of all documents added), as the batch run reports them.
    pub fn clustering(&self) -> (Clustering, Vec<f64>) {
        let longest: HashMap<u32, u32> = self
            .members
            .iter()
            .map(|(&s, m)| {
                (s, m.iter().map(|&d| self.docs[d as usize].own_tokens).max().unwrap_or(0))
            })
            .collect();
        let of = |d: DocId| {
            let doc = &self.docs[d.as_usize()];
            (doc.own_tokens, doc.day)
        };
        let clustering = Clustering::from_roots_by(&self.story, |d, rep| {
            better_report(of(d), of(rep), longest[&self.story[d.as_usize()]])
        });
        let similarity = (0..self.docs.len() as u32)
            .map(DocId::from_u32)
            .map(|d| {
                let rep = clustering.representative(clustering.cluster_of(d));
                if rep == d {
                    1.0
                } else {
                    dot(&self.vector(d.as_u32()), &self.vector(rep.as_u32())).min(1.0)
                }
            })
            .collect();
        (clustering, similarity)
    }

    /// A stored document's unit vector by the current frequencies.
    fn vector(&self, d: u32) -> Vec<Term> {
        self.df.vector(&self.docs[d as usize].terms)
    }

    /// Whether two documents are compared: both dated within the window,
    /// or either undated.
    fn near(&self, a: Option<Day>, b: Option<Day>) -> bool {
        let window = i64::try_from(self.config.window_days).unwrap_or(i64::MAX);
        match (a, b) {
            (Some(a), Some(b)) => (i64::from(a) - i64::from(b)).abs() <= window,
            _ => true,
        }
    }

    /// The story of `subject`, the next document, its terms counted in the
    /// frequencies already.
    fn decide(&self, subject: &StoryDoc, reuse: &[ReuseLink]) -> StoryAnswer {
        let d = self.docs.len() as u32;
        let k = self.config.terms_per_doc;
        let mut seen = Seen::new(self);
        let v = self.df.vector_with(&subject.terms, &mut seen.memo);
        // The documents listing each of the subject's indexed terms within
        // the window: those whose own indexed terms, by the current
        // frequencies, hold it.
        let mut indexed: HashMap<u32, Vec<Term>> = HashMap::new();
        let mut scratch = Vec::new();
        let mut listed = Vec::new();
        for t in indexed_terms(&v, &self.df, k) {
            let mut docs = Vec::new();
            for &e in self.postings.get(&t.hash).map_or(&[][..], |p| p) {
                if !self.near(subject.day, self.docs[e as usize].day) {
                    continue;
                }
                let terms = indexed.entry(e).or_insert_with(|| {
                    self.df.indexed(&self.docs[e as usize].terms, k, &mut seen.memo, &mut scratch)
                });
                if let Some(term) = terms.iter().find(|x| x.hash == t.hash) {
                    docs.push((e, term.weight));
                    // Listed by more documents than `max_term_docs` (the
                    // subject counted), the term is passed over whatever
                    // the rest: no need to judge them.
                    if docs.len() + 1 > self.config.max_term_docs {
                        break;
                    }
                }
            }
            // The subject lists the term too, as in batch.
            listed.push((t.weight, docs.len() + 1, docs));
        }
        let picked =
            pick(d, listed.into_iter().map(|(w, n, docs)| (w, n, docs.into_iter())), &self.config);
        let mut edges: Vec<(u32, f64)> = picked
            .into_iter()
            .map(|(c, _)| (c, dot(&v, seen.vector(c))))
            .filter(|&(_, cosine)| cosine >= self.config.threshold)
            .collect();
        edges.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));

        // Each story weighed, once per decision (other stories do not
        // change while the subject's group grows).
        let mut groups: HashMap<u32, Group> = HashMap::new();
        let mut group_of = |s: u32, seen: &mut Seen| -> Group {
            groups
                .entry(s)
                .or_insert_with(|| {
                    let members = &self.members[&s];
                    for &m in members {
                        seen.vector(m);
                    }
                    Group::of_all(
                        members.iter().map(|&m| (seen.known(m), self.docs[m as usize].day)),
                    )
                })
                .clone()
        };
        let mut group = Group::of(&v, subject.day);
        let mut joined = BTreeSet::new();
        // Reuse is the same story, within the window.
        for link in reuse {
            let e = link.doc.as_u32();
            let s = self.story[e as usize];
            if self.near(subject.day, self.docs[e as usize].day) && joined.insert(s) {
                group = group.join(&group_of(s, &mut seen));
            }
        }
        for &(c, _) in &edges {
            let s = self.story[c as usize];
            if joined.contains(&s) {
                continue;
            }
            let other = group_of(s, &mut seen);
            if group.may_join(&other, self.config.threshold, self.config.max_span_days) {
                group = group.join(&other);
                joined.insert(s);
            }
        }

        let in_story = |e: u32| joined.contains(&self.story[e as usize]);
        let mut links: Vec<StoryLink> = Vec::new();
        for link in reuse.iter().filter(|l| in_story(l.doc.as_u32())) {
            if !links.iter().any(|x| x.doc == link.doc) {
                let ReuseLink { doc, kind, score } = *link;
                links.push(StoryLink { doc, kind, score, shared: None });
            }
        }
        for &(c, cosine) in edges.iter().filter(|e| in_story(e.0)) {
            let doc = DocId::from_u32(c);
            if !links.iter().any(|x| x.doc == doc) {
                links.push(StoryLink {
                    doc,
                    kind: RelationKind::SameStory,
                    score: cosine,
                    shared: Some(evidence(&v, seen.vector(c), &self.df)),
                });
            }
        }
        links.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.doc.cmp(&y.doc)));

        // The representative among the members and the subject (last).
        let mut members: Vec<u32> =
            joined.iter().flat_map(|s| self.members[s].iter().copied()).collect();
        members.sort_unstable();
        let of = |e: u32| {
            let doc = self.docs.get(e as usize).unwrap_or(subject);
            (doc.own_tokens, doc.day)
        };
        members.push(d);
        let longest = members.iter().map(|&e| of(e).0).max().unwrap_or(0);
        let mut rep = members[0];
        for &e in &members[1..] {
            if better_report(of(e), of(rep), longest) {
                rep = e;
            }
        }
        let story = joined.first().copied();
        StoryAnswer {
            story: story.map(DocId::from_u32),
            representative: story.map(|_| rep).filter(|&r| r != d).map(DocId::from_u32),
            size: members.len(),
            links,
            joined: joined.into_iter().map(DocId::from_u32).collect(),
        }
    }
}

/// What one decision computes of stored documents by the frequencies of
/// the moment, each at most once: their unit vectors, and the logarithms.
struct Seen<'a> {
    stories: &'a OnlineStories,
    memo: IdfMemo,
    vectors: HashMap<u32, Vec<Term>>,
}

impl<'a> Seen<'a> {
    fn new(stories: &'a OnlineStories) -> Self {
        Seen { stories, memo: IdfMemo::new(), vectors: HashMap::new() }
    }

    /// Document `e`'s unit vector.
    fn vector(&mut self, e: u32) -> &[Term] {
        let Seen { stories, memo, vectors } = self;
        vectors
            .entry(e)
            .or_insert_with(|| stories.df.vector_with(&stories.docs[e as usize].terms, memo))
    }

    /// Document `e`'s unit vector, computed already by [`Seen::vector`].
    fn known(&self, e: u32) -> &[Term] {
        &self.vectors[&e]
    }
}
