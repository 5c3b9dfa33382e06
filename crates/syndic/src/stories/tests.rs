//! Issue 18: the chaining rule, and what is a reprint and what only the
//! same story, on small texts written for the tests.

use std::f64::consts::FRAC_1_SQRT_2;

use super::link::link;
use super::vector::Term;
use super::*;
use crate::passes::CorpusPasses;
use crate::reprint::{ReprintConfig, ReprintFinder};
use crate::{DocId, Document};

fn vector(weights: &[(u64, f32)]) -> Vec<Term> {
    let norm = weights.iter().map(|w| w.1 * w.1).sum::<f32>().sqrt();
    weights.iter().map(|&(hash, w)| Term { hash, weight: w / norm, flags: 0 }).collect()
}

/// A large story weighed at once gives bit for bit the group that joining
/// its members one by one gives (the online linker weighs stories of
/// thousands of members at every decision).
#[test]
fn issue18_a_group_summed_at_once_equals_one_joined_member_by_member() {
    // Weights that f32 rounds differently in another order.
    let members: Vec<(Vec<Term>, Option<Day>)> = (0..200u64)
        .map(|i| {
            let weights: Vec<(u64, f32)> = (0..40)
                .map(|j| ((i * 7 + j * 13) % 97, 1.0 + ((i + j) % 11) as f32 / 3.0))
                .collect();
            let mut v = vector(&weights);
            v.sort_unstable_by_key(|t| t.hash);
            v[0].flags = (i % 2) as u8;
            (v, (i % 3 != 0).then_some(i as i32 % 50))
        })
        .collect();
    let mut one_by_one = super::link::Group::default();
    for (v, day) in &members {
        one_by_one = one_by_one.join(&super::link::Group::of(v, *day));
    }
    let at_once = super::link::Group::of_all(members.iter().map(|(v, day)| (v, *day)));
    assert_eq!(at_once.sum, one_by_one.sum);
    assert_eq!((at_once.size, at_once.span), (one_by_one.size, one_by_one.span));
}

/// A bridges to B and B to C, while A and C share nothing: single links
/// would make one story of the three. The average-link rule joins A and B
/// (cosine 0.71), then refuses C, whose mean cosine to {A, B} is 0.35.
#[test]
fn issue18_one_bridging_pair_does_not_chain_two_stories() {
    let vectors = [vector(&[(1, 1.0)]), vector(&[(1, 1.0), (2, 1.0)]), vector(&[(2, 1.0)])];
    let edges = [(0, 1, FRAC_1_SQRT_2), (1, 2, FRAC_1_SQRT_2)];
    let roots = link(&vectors, &[None; 3], &[0, 1, 2], &edges, 0.5, 14);
    assert_eq!(roots[0], roots[1]);
    assert_ne!(roots[1], roots[2]);
    // At a threshold the mean reaches, the three are one story.
    let roots = link(&vectors, &[None; 3], &[0, 1, 2], &edges, 0.35, 14);
    assert!(roots[0] == roots[1] && roots[1] == roots[2]);
}

/// A follow-up related to every report of a story on average joins it,
/// although its cosine with the first report alone is below the threshold.
#[test]
fn issue18_a_story_grows_by_its_mean_not_its_weakest_pair() {
    let vectors = [
        vector(&[(1, 1.0), (2, 1.0)]),
        vector(&[(1, 1.0), (2, 1.0), (3, 1.0)]),
        vector(&[(2, 1.0), (3, 1.0), (4, 0.5)]),
    ];
    let cos = |a: usize, b: usize| super::vector::dot(&vectors[a], &vectors[b]);
    assert!(cos(0, 2) < 0.6 && cos(1, 2) > 0.6, "{} {}", cos(0, 2), cos(1, 2));
    let edges = [(0, 1, cos(0, 1)), (1, 2, cos(1, 2))];
    let roots = link(&vectors, &[None; 3], &[0, 1, 2], &edges, 0.6, 14);
    assert!(roots[0] == roots[1] && roots[1] == roots[2], "mean {}", (cos(0, 2) + cos(1, 2)) / 2.0);
}

/// Identical notices every week are alike, but a story spans at most
/// `story_max_days`: a chain of weekly groups stops there.
#[test]
fn issue18_a_story_spans_a_bounded_time() {
    let vectors = vec![vector(&[(1, 1.0)]); 5];
    let days: Vec<Option<Day>> = (0..5).map(|week| Some(7 * week)).collect();
    let edges = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0)];
    let roots = link(&vectors, &days, &[0, 1, 2, 3, 4], &edges, 0.5, 14);
    assert!(roots[0] == roots[1] && roots[1] == roots[2]);
    assert!(roots[3] == roots[4] && roots[2] != roots[3]);
    let undated = link(&vectors, &[None; 5], &[0, 1, 2, 3, 4], &edges, 0.5, 14);
    assert!(undated.iter().all(|&r| r == undated[0]));
}

/// Reuse groups start the stories: members of one reprint cluster stay
/// together whatever their cosines.
#[test]
fn issue18_reuse_groups_are_stories_from_the_start() {
    let vectors = [vector(&[(1, 1.0)]), vector(&[(2, 1.0)]), vector(&[(3, 1.0)])];
    let roots = link(&vectors, &[None; 3], &[0, 0, 2], &[], 0.5, 14);
    assert_eq!(roots[0], roots[1]);
    assert_ne!(roots[0], roots[2]);
}

const WIRE: &str = "Ferry Sinks Off Osterby\n\nThe passenger ferry Marisol sank off the \
    harbour of Osterby on Tuesday night after striking the Kettle Rocks in a gale, and \
    coastguard crews from Hallvik pulled forty-one people from the water, the harbour master \
    Ingrid Vasska said. Two crew members are still missing and divers will resume the search \
    at first light. The Marisol had left Osterby for the island of Skarholm with a full load of \
    lorries and passengers when her engines failed in heavy seas.";

pub(crate) fn corpus() -> Vec<Document> {
    let docs = [
        ("wire", WIRE.to_owned()),
        // The wire story again, in another site's furniture: a near-copy.
        ("near-copy", format!("Home | News | Sport | Weather\n\n{WIRE}\n\nShare this article")),
        // Its first two sentences: a reprint, abridged.
        ("reprint", WIRE.split(". ").take(2).collect::<Vec<_>>().join(". ") + "."),
        // The same sinking, in the reporter's own words: no shared sentence.
        (
            "own-words",
            "Divers search for missing crew of the Marisol\n\nRescue divers from Hallvik \
             returned to the Kettle Rocks near Osterby on Wednesday to look for two sailors \
             of the Marisol, the ferry that went down in Tuesday's storm. Harbour master \
             Ingrid Vasska told reporters that the survivors were recovering in Osterby \
             hospital and that the Skarholm route would stay closed."
                .to_owned(),
        ),
        // Another event in the same town: not the same story.
        (
            "quarry",
            "Osterby quarry to close\n\nThe granite quarry at Carrow, the largest employer \
             near Osterby, will close in the spring with the loss of ninety jobs, its owner \
             Brannic Stone announced on Monday, blaming falling prices for building stone."
                .to_owned(),
        ),
        (
            "budget",
            "Council budget rises\n\nThe county council of Lindmark approved a budget that \
             rises by four percent, with more money for schools and roads, after a long \
             debate on Thursday."
                .to_owned(),
        ),
        (
            "school",
            "New school opens in Dalby\n\nPupils in Dalby moved into a new primary school on \
             Monday after two years of building work, the head teacher Per Holm said."
                .to_owned(),
        ),
    ];
    docs.into_iter().map(|(id, text)| Document::new(id, text)).collect()
}

fn stories(docs: &[Document], config: StoriesConfig) -> StoriesResult {
    let reuse = ReprintFinder::new(ReprintConfig::builder().build().unwrap()).run(docs).unwrap();
    let mut finder = StoryFinder::new(config).with_boilerplate(&reuse.boilerplate);
    finder.add_batch(docs, &vec![None; docs.len()]).unwrap();
    finder.finish(&reuse.dedup).unwrap()
}

/// A reprint is a reuse relation (and so the same story); coverage of the
/// same event in other words is `same_story`, with the names that carried
/// it; another event in the same town is no relation.
#[test]
fn issue18_a_reprint_and_a_report_in_own_words_are_told_apart() {
    let docs = corpus();
    let result = stories(&docs, StoriesConfig::builder().build().unwrap());
    let kind = |a: u32, b: u32| {
        result
            .relations
            .iter()
            .find(|r| (r.a, r.b) == (DocId::from_u32(a), DocId::from_u32(b)))
            .map(|r| r.kind)
    };
    assert_eq!(kind(0, 1), Some(RelationKind::NearCopy), "{:?}", result.relations);
    assert_eq!(kind(0, 2), Some(RelationKind::Reprint), "{:?}", result.relations);
    assert_eq!(kind(0, 3), Some(RelationKind::SameStory), "{:?}", result.relations);
    assert_eq!(kind(0, 4), None);
    let story = |d: u32| result.clustering.cluster_of(DocId::from_u32(d));
    assert!((1..4).all(|d| story(d) == story(0)));
    assert!((4..7).all(|d| story(d) != story(0)));
    let evidence = result.relations.iter().find(|r| r.kind == RelationKind::SameStory).unwrap();
    let shared = evidence.shared.as_ref().unwrap();
    for name in ["marisol", "osterby", "vasska"] {
        assert!(shared.entities.iter().any(|e| e == name), "{shared:?}");
    }
    // The earliest full report represents the story: with no dates, the
    // first in corpus order of those with at least half the longest text.
    assert!(result.clustering.is_representative(DocId::from_u32(0)));
}

/// Dated documents further apart than the window are never compared.
#[test]
fn issue18_the_window_keeps_distant_reports_apart() {
    let docs = corpus();
    let reuse = ReprintFinder::new(ReprintConfig::builder().build().unwrap()).run(&docs).unwrap();
    let run = |window: u64| {
        let config =
            StoriesConfig::builder().window_days(window).max_span_days(window).build().unwrap();
        let mut finder = StoryFinder::new(config).with_boilerplate(&reuse.boilerplate);
        let days = [Some(0), Some(0), Some(0), Some(30), Some(0), Some(0), Some(0)];
        finder.add_batch(&docs, &days).unwrap();
        finder.finish(&reuse.dedup).unwrap()
    };
    let same = |r: &StoriesResult| {
        r.clustering.cluster_of(DocId::from_u32(0)) == r.clustering.cluster_of(DocId::from_u32(3))
    };
    assert!(!same(&run(3)));
    assert!(same(&run(30)));
}

/// A copy dated outside the window of its source starts no story with it
/// (a headline repeated every week), and their copy relation is left out.
#[test]
fn issue18_copies_far_apart_in_time_are_not_one_story() {
    let mut docs = corpus();
    docs.push(Document::new("again", WIRE));
    let reuse = ReprintFinder::new(ReprintConfig::builder().build().unwrap()).run(&docs).unwrap();
    let run = |late: i32| {
        let mut finder = StoryFinder::new(StoriesConfig::builder().build().unwrap())
            .with_boilerplate(&reuse.boilerplate);
        let mut days = vec![Some(0); docs.len()];
        days[7] = Some(late);
        finder.add_batch(&docs, &days).unwrap();
        finder.finish(&reuse.dedup).unwrap()
    };
    let (near, far) = (run(1), run(400));
    let story = |r: &StoriesResult, d: u32| r.clustering.cluster_of(DocId::from_u32(d));
    assert_eq!(story(&near, 7), story(&near, 0));
    assert_ne!(story(&far, 7), story(&far, 0));
    let copies =
        |r: &StoriesResult| r.relations.iter().filter(|x| x.kind == RelationKind::Copy).count();
    assert_eq!((copies(&near), copies(&far)), (1, 0));
    assert!(far.relations.iter().all(|x| x.b != DocId::from_u32(7)));
}

/// The thread count changes nothing.
#[test]
fn issue18_stories_do_not_depend_on_threads() {
    let docs = corpus();
    let in_pool = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| stories(&docs, StoriesConfig::builder().build().unwrap()))
    };
    let (one, four) = (in_pool(1), in_pool(4));
    assert_eq!(one.clustering, four.clustering);
    assert_eq!(one.relations, four.relations);
    assert_eq!(one.similarity, four.similarity);
}

#[test]
fn issue18_settings_out_of_range_name_the_setting() {
    let err = StoriesConfig::builder().threshold(0.0).build().unwrap_err();
    assert!(err.to_string().contains("story_threshold"), "{err}");
    let err = StoriesConfig::builder().name_weight(0.5).build().unwrap_err();
    assert!(err.to_string().contains("name_weight"), "{err}");
    let docs = corpus();
    let mut finder = StoryFinder::new(StoriesConfig::builder().build().unwrap());
    assert!(matches!(finder.add_batch(&docs, &[]), Err(crate::Error::Protocol(_))));
}

/// The online linker with `docs` added one by one, each with no reuse.
fn online(docs: &[Document]) -> (OnlineStories, Vec<StoryAnswer>) {
    let mut linker = OnlineStories::new(StoriesConfig::builder().build().unwrap());
    let answers = docs
        .iter()
        .map(|doc| {
            let extracted = linker.extract(&doc.text, &[], None);
            linker.add(extracted, &[])
        })
        .collect();
    (linker, answers)
}

/// Added one at a time, each report of the sinking joins the story of the
/// first (named by it), with the names that carried the link; the other
/// events start stories of their own. The stories are the batch run's.
#[test]
fn issue18_online_articles_join_their_story_as_they_arrive() {
    // The other events first: with two documents every shared word is in
    // all of them, and weighs nothing (see the module notes of `online`).
    let mut docs = corpus();
    docs.rotate_left(4);
    let (linker, answers) = online(&docs);
    let id = DocId::from_u32;
    for (d, answer) in answers.iter().enumerate() {
        let expected = if d < 3 { d as u32 } else { 3 };
        assert_eq!(answer.story, Some(id(expected)), "{d}: {answer:?}");
    }
    let own_words = &answers[6];
    assert_eq!((own_words.size, own_words.representative), (4, Some(id(3))));
    let link = own_words.links.iter().find(|l| l.doc == id(3)).expect("linked to the wire");
    assert_eq!(link.kind, RelationKind::SameStory);
    let shared = link.shared.as_ref().unwrap();
    assert!(["marisol", "osterby"].iter().all(|n| shared.entities.iter().any(|e| e == n)));
    assert_eq!(answers[1].links, vec![]);
    let batch = stories(&docs, StoriesConfig::builder().build().unwrap());
    assert_eq!(linker.clustering().0, batch.clustering);
}

/// A query is answered as an add would be, and adds nothing; a text of no
/// story joins none.
#[test]
fn issue18_online_query_answers_without_adding() {
    let mut docs = corpus();
    docs.rotate_left(4);
    let (mut linker, _) = online(&docs[..6]);
    let own_words = linker.extract(&docs[6].text, &[], None);
    let asked = linker.query(&own_words, &[]);
    assert_eq!(asked.story, Some(DocId::from_u32(3)));
    assert_eq!(linker.len(), 6);
    let cake = linker.extract("A recipe for lemon cake with sugar and butter", &[], None);
    let alone = linker.query(&cake, &[]);
    assert_eq!((alone.story, alone.representative, alone.size), (None, None, 1));
    assert_eq!(linker.add(own_words, &[]), asked);
}

/// Stories merge when a new document links both, and the merged story
/// keeps the smaller id: an id once answered names the same story or the
/// one it merged into.
#[test]
fn issue18_online_stories_merge_under_the_smaller_id() {
    let docs = corpus();
    let (mut linker, answers) = online(&[docs[4].clone(), docs[5].clone(), docs[6].clone()]);
    assert_eq!(answers[1].story, Some(DocId::from_u32(1)));
    // A digest reprinting the budget and the school reports is reuse of
    // both.
    let digest = linker.extract(&format!("{}\n{}", docs[5].text, docs[6].text), &[], None);
    let reuse = [1, 2].map(|d| ReuseLink {
        doc: DocId::from_u32(d),
        kind: RelationKind::Reprint,
        score: 0.5,
    });
    let answer = linker.add(digest, &reuse);
    assert_eq!((answer.story, answer.size), (Some(DocId::from_u32(1)), 3));
    assert_eq!(answer.links.len(), 2);
    let (clustering, _) = linker.clustering();
    let story = |d: u32| clustering.cluster_of(DocId::from_u32(d));
    assert!(story(1) == story(2) && story(2) == story(3) && story(0) != story(1));
    // Reuse outside the window is no story.
    let mut dated = OnlineStories::new(StoriesConfig::builder().build().unwrap());
    let first = dated.extract(&docs[5].text, &[], Some(0));
    dated.add(first, &[]);
    let late = dated.extract(&docs[5].text, &[], Some(400));
    let copy = ReuseLink { doc: DocId::from_u32(0), kind: RelationKind::Copy, score: 1.0 };
    assert_eq!(dated.add(late, &[copy]).story, Some(DocId::from_u32(1)));
}
