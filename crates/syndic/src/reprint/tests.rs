use super::schedule::{windows, PREPARED_BYTES_PER_TEXT_BYTE};
use super::score::{align_pair, prepare, stretches, PairScore, Runs};
use super::*;
use crate::cluster::{Clustering, Keep};
use crate::doc::{DocId, Document};
use crate::spill::{LazySpillDir, Resume};

#[test]
fn windows_table() {
    let kib = |k: u64| k * 1024 / PREPARED_BYTES_PER_TEXT_BYTE;
    // (needed, lengths, memory, bounds)
    type Case<'a> = (&'a [bool], &'a [u64], u64, &'a [usize]);
    let cases: &[Case] = &[
        (&[], &[], 100, &[0, 0]),
        (&[false, false], &[10, 10], 100, &[0, 2]),
        // Everything fits in half the memory: one window.
        (&[true, true, true], &[kib(1), kib(1), kib(1)], 8 * 1024, &[0, 3]),
        // Two documents per window; unneeded ones cost nothing.
        (&[true, false, true, true, true], &[kib(2); 5], 8 * 1024, &[0, 3, 5]),
        // A document larger than any window gets one of its own.
        (&[true, true, true], &[kib(1), kib(64), kib(1)], 8 * 1024, &[0, 1, 2, 3]),
    ];
    for &(needed, lengths, memory, bounds) in cases {
        assert_eq!(windows(needed, lengths, memory), bounds, "{needed:?} {lengths:?}");
    }
}

/// Words of a made-up language, drawn by a fixed xorshift sequence.
pub(crate) fn sentence(seed: u64, words: usize) -> String {
    const VOCAB: [&str; 24] = [
        "council", "bridge", "river", "budget", "mayor", "winter", "market", "school", "harbour",
        "railway", "doctor", "farmers", "storm", "village", "court", "tax", "the", "of", "and",
        "to", "in", "said", "was", "on",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out: Vec<&str> = Vec::with_capacity(words);
    for _ in 0..words {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(VOCAB[(x % VOCAB.len() as u64) as usize]);
    }
    let mut s = out.join(" ");
    s.push('.');
    s
}

/// Five stories, each printed whole and reprinted abridged and wrapped,
/// with unrelated documents between them.
pub(crate) fn corpus() -> Vec<Document> {
    let mut docs = Vec::new();
    for story in 0..5u64 {
        let paragraphs: Vec<String> = (0..6).map(|p| sentence(story * 100 + p, 40)).collect();
        docs.push(Document::new(format!("s{story}"), paragraphs.join("\n\n")));
        docs.push(Document::new(format!("u{story}"), sentence(9_000 + story, 150)));
        let abridged = paragraphs[..4].join("\n\n");
        docs.push(Document::new(
            format!("r{story}"),
            format!("Home | News | Sport\n\n{abridged}\n\nShare this story"),
        ));
    }
    docs
}

fn run(docs: &[Document], align_memory: u64) -> (ReprintResult, usize) {
    run_with(ReprintConfig::builder().align_memory(align_memory), docs)
}

/// Runs both passes, pass 1 in batches of five and pass 2 of four,
/// spilling into `dir` under a memory bound.
fn run_in(
    config: ReprintConfigBuilder,
    docs: &[Document],
    dir: LazySpillDir,
) -> crate::Result<ReprintResult> {
    let mut finder = ReprintFinder::with_spill_dir(config.build()?, dir);
    for batch in docs.chunks(5) {
        finder.add_batch(batch)?;
    }
    finder.plan();
    while finder.pending_passes() > 0 {
        for batch in docs.chunks(4) {
            finder.second_pass_batch(batch)?;
        }
    }
    finder.finish()
}

/// The stories of [`corpus`], an exact copy and follow-ups: reprints,
/// exact pairs and other stories' pairs to find.
fn spill_corpus() -> Vec<Document> {
    let mut docs = corpus();
    docs.push(Document::new("copy", docs[0].text.clone()));
    docs.extend(follow_up_docs());
    with_filler(docs)
}

/// Issue 16: under any memory bound and thread count the spilled
/// fingerprint postings give the in-memory run's result, and leave no
/// file behind.
#[test]
fn issue16_a_memory_bound_changes_nothing() {
    let docs = spill_corpus();
    let parent = tempfile::tempdir().unwrap();
    let expected =
        run_in(ReprintConfig::builder(), &docs, LazySpillDir::new(parent.path())).unwrap();
    assert!(expected.dedup.stats.exact_duplicates > 0, "an exact copy");
    assert!(expected.dedup.stats.near_duplicates > 0, "reprints");
    // (memory bound, threads): 64 B holds four postings, 64 MiB all.
    for (memory, threads) in [(64, 1), (64, 2), (4 << 10, 2), (64 << 20, 1)] {
        let what = format!("{memory} B, {threads} threads");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let config = ReprintConfig::builder().memory(Some(memory));
        let dir = LazySpillDir::new(parent.path());
        let got = pool.install(|| run_in(config, &docs, dir)).unwrap();
        assert_same(&got, &expected, &what);
        assert_eq!(crate::spill::files_under(parent.path()), 0, "{what}: files removed");
    }
}

/// Issue 16: a temporary directory that fills up, in pass 1 or while
/// candidates are merged, is a clean spill error and leaves nothing.
#[test]
fn issue16_a_full_temporary_directory_is_a_clean_reprint_error() {
    let docs = spill_corpus();
    for quota in [10, 2_000, 20_000] {
        let parent = tempfile::tempdir().unwrap();
        let dir = LazySpillDir::new(parent.path()).with_quota(quota);
        let err = run_in(ReprintConfig::builder().memory(Some(64)), &docs, dir).unwrap_err();
        assert!(
            matches!(&err, crate::Error::Spill(crate::spill::SpillError::Full { .. })),
            "quota {quota}: {err}"
        );
        assert_eq!(crate::spill::files_under(parent.path()), 0, "quota {quota}: nothing left");
    }
}

/// [`spill_corpus`] with a footer on every page of follow-ups and filler,
/// and settings under which it is boilerplate: results that depend on the
/// line statistics pass 1 learns.
fn resume_setup() -> (Vec<Document>, ReprintConfigBuilder) {
    let mut docs = spill_corpus();
    let footer = sentence(777, 30);
    for doc in docs.iter_mut().skip(3).step_by(2) {
        doc.text = format!("{}\n\n{footer}", doc.text);
    }
    (docs, ReprintConfig::builder().boilerplate_min_docs(3))
}

/// Every part of two results is the same.
fn assert_same(got: &ReprintResult, expected: &ReprintResult, what: &str) {
    assert_eq!(got.pairs(), expected.pairs(), "{what}");
    assert_eq!(got.dedup.clustering, expected.dedup.clustering, "{what}");
    assert_eq!(got.dedup.similarity, expected.dedup.similarity, "{what}");
    assert_eq!(got.dedup.stats, expected.dedup.stats, "{what}");
    assert_eq!(got.passages, expected.passages, "{what}");
    assert_eq!(got.boilerplate, expected.boilerplate, "{what}");
    assert_eq!(got.boilerplate_bytes, expected.boilerplate_bytes, "{what}");
}

fn resume(
    config: &ReprintConfigBuilder,
    work: &std::path::Path,
    key: &[u8],
) -> crate::Result<Resume<ReprintFinder>> {
    let work = crate::spill::WorkDir::open(work).unwrap();
    ReprintFinder::resumable(config.clone().build().unwrap(), work, key)
}

/// Pass 1 of a resumable run in batches of five, checkpointed, the finder
/// then dropped as a kill would leave it: the work directory stays.
fn checkpointed(docs: &[Document], config: &ReprintConfigBuilder, work: &std::path::Path) {
    let Resume::Fresh(mut finder) = resume(config, work, b"key").unwrap() else {
        panic!("no checkpoint yet")
    };
    for batch in docs.chunks(5) {
        finder.add_batch(batch).unwrap();
    }
    finder.checkpoint(b"what the front end read").unwrap();
}

/// Pass 2 in batches of four, as many times as asked, and the result.
fn finish_from_plan(mut finder: ReprintFinder, docs: &[Document]) -> ReprintResult {
    finder.plan();
    while finder.pending_passes() > 0 {
        for batch in docs.chunks(4) {
            finder.second_pass_batch(batch).unwrap();
        }
    }
    finder.finish().unwrap()
}

/// Issue 16: a resumable reprint run killed after pass 1 resumes at
/// `plan`, without pass 1, and gives the uninterrupted run's result;
/// killed during pass 1 it starts over, killed again in pass 2 it resumes
/// again, and it may resume under another memory bound.
#[test]
fn issue16_a_reprint_run_killed_after_pass_1_resumes_with_the_same_results() {
    let (docs, builder) = resume_setup();
    let parent = tempfile::tempdir().unwrap();
    let expected = run_in(builder.clone(), &docs, LazySpillDir::new(parent.path())).unwrap();
    assert!(expected.dedup.stats.exact_duplicates > 0, "an exact copy");
    assert!(expected.dedup.stats.near_duplicates > 0, "reprints");
    assert!(!expected.boilerplate.is_empty(), "a footer learned as boilerplate");
    // (bound of the killed run, bound of the resumed one): 64 B spills
    // postings all through pass 1; 64 MiB only when checkpointing.
    for (killed, resumed) in [(64, 64), (64 << 20, 64 << 20), (64, 4 << 10)] {
        let what = format!("{killed} B, resumed under {resumed} B");
        let parent = tempfile::tempdir().unwrap();
        let work = parent.path().join("work");
        let config = builder.clone().memory(Some(killed));
        // Killed in pass 1: no checkpoint, and the next attempt starts over.
        let Resume::Fresh(mut finder) = resume(&config, &work, b"key").unwrap() else {
            panic!("{what}: nothing to resume from")
        };
        finder.add_batch(&docs[..10]).unwrap();
        std::mem::forget(finder);
        checkpointed(&docs, &config, &work);
        assert!(work.join("pass1.ckpt").is_file(), "{what}");
        assert!(crate::spill::files_under(&work.join("pass1")) > 0, "{what}: postings kept");
        // Resumed, then killed in pass 2: files of plan are left.
        let config = builder.clone().memory(Some(resumed));
        let Resume::AfterPass1 { run: mut finder, note } = resume(&config, &work, b"key").unwrap()
        else {
            panic!("{what}: a checkpoint to resume from")
        };
        assert_eq!(note, b"what the front end read");
        assert!(matches!(finder.add_batch(&docs[..1]), Err(crate::Error::Protocol(_))), "{what}");
        finder.plan();
        finder.second_pass_batch(&docs[..4]).unwrap();
        std::mem::forget(finder);
        let Resume::AfterPass1 { run: finder, .. } = resume(&config, &work, b"key").unwrap() else {
            panic!("{what}: the checkpoint is still there")
        };
        assert_eq!(finder.catalog().len(), docs.len(), "{what}: pass 1 is not read again");
        assert_same(&finish_from_plan(finder, &docs), &expected, &format!("{what}, resumed"));
        // Uninterrupted, the resumable run gives the same too.
        let fresh = parent.path().join("fresh");
        let Resume::Fresh(mut finder) = resume(&config, &fresh, b"key").unwrap() else {
            panic!("{what}: a new work directory")
        };
        finder.add_batch(&docs).unwrap();
        finder.checkpoint(b"").unwrap();
        assert_same(&finish_from_plan(finder, &docs), &expected, &format!("{what}, whole"));
    }
}

/// Issue 16: a reprint checkpoint that is damaged, of another pipeline, of
/// another run or settings, or whose runs changed is refused with a typed
/// error naming it, never misread, and left where it is.
#[test]
fn issue16_a_damaged_reprint_checkpoint_is_refused() {
    let (docs, builder) = resume_setup();
    let builder = builder.memory(Some(64));
    let parent = tempfile::tempdir().unwrap();
    let work = parent.path().join("work");
    checkpointed(&docs, &builder, &work);
    let path = work.join("pass1.ckpt");
    let good = std::fs::read(&path).unwrap();
    let run = std::fs::read_dir(work.join("pass1")).unwrap().next().unwrap().unwrap().path();
    let run_bytes = std::fs::read(&run).unwrap();
    let other = builder.clone().min_coverage(0.6);
    // A setting the summary leaves out, but the results depend on.
    let other_classifier = builder.clone().classifier(crate::boilerplate::ClassifierConfig {
        length_high: 150,
        ..Default::default()
    });
    type Damage = fn(&mut Vec<u8>, &std::path::Path);
    // (what, damage, key, settings, expected words of the reason)
    let cases: [(&str, Damage, &[u8], &ReprintConfigBuilder, &str); 8] = [
        ("truncated", |b, _| b.truncate(b.len() - 9), b"key", &builder, "truncated"),
        ("bit flipped", |b, _| b[100] ^= 1, b"key", &builder, "checksum"),
        ("other version", |b, _| b[8] = 1, b"key", &builder, "format version 1"),
        ("a dedup checkpoint", |b, _| b[12] = 1, b"key", &builder, "of an exact or minhash run"),
        ("other key", |_, _| {}, b"another run", &builder, "other inputs"),
        ("other settings", |_, _| {}, b"key", &other, "other dedup settings"),
        ("other classifier", |_, _| {}, b"key", &other_classifier, "other dedup settings"),
        (
            "run removed",
            |_, run| std::fs::remove_file(run).unwrap(),
            b"key",
            &builder,
            "missing or changed",
        ),
    ];
    for (what, damage, key, settings, why) in cases {
        let mut bytes = good.clone();
        damage(&mut bytes, &run);
        std::fs::write(&path, &bytes).unwrap();
        let err = resume(settings, &work, key).unwrap_err();
        assert!(
            matches!(&err, crate::Error::Spill(crate::spill::SpillError::Checkpoint { why: w, .. }) if w.contains(why)),
            "{what}: {err}"
        );
        assert!(err.to_string().contains(&path.display().to_string()), "{what}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: left as it is");
        std::fs::write(&run, &run_bytes).unwrap();
    }
    std::fs::write(&path, &good).unwrap();
    assert!(matches!(resume(&builder, &work, b"key").unwrap(), Resume::AfterPass1 { .. }));
}

#[test]
fn issue16_a_resumable_reprint_run_needs_a_memory_bound() {
    let parent = tempfile::tempdir().unwrap();
    let err = resume(&ReprintConfig::builder(), parent.path(), b"key").unwrap_err();
    assert!(
        matches!(err, crate::Error::Config(crate::error::ConfigError::Invalid { .. })),
        "{err}"
    );
    let mut finder = ReprintFinder::new(ReprintConfig::builder().build().unwrap());
    assert!(matches!(finder.checkpoint(b""), Err(crate::Error::Protocol(_))));
}

#[test]
fn issue16_a_zero_memory_bound_is_refused() {
    let err = ReprintConfig::builder().memory(Some(0)).build().unwrap_err();
    assert!(
        matches!(err, crate::Error::Config(crate::error::ConfigError::Invalid { .. })),
        "{err}"
    );
}

/// Runs both passes, pass 2 in batches of four; also returns how many
/// times pass 2 was read.
fn run_with(config: ReprintConfigBuilder, docs: &[Document]) -> (ReprintResult, usize) {
    let mut finder = ReprintFinder::new(config.build().unwrap());
    finder.add_batch(docs).unwrap();
    finder.plan();
    let mut passes = 0;
    while finder.pending_passes() > 0 {
        for batch in docs.chunks(4) {
            finder.second_pass_batch(batch).unwrap();
        }
        passes += 1;
    }
    (finder.finish().unwrap(), passes)
}

#[test]
fn align_memory_changes_passes_not_results() {
    let docs = corpus();
    let (roomy, one) = run(&docs, 2 << 30);
    assert_eq!(one, 1);
    // The reprints are found: each story's cluster holds its copy.
    let clusters = &roomy.dedup.clustering;
    for story in 0..5 {
        let (s, r) = (DocId::from_u32(story * 3), DocId::from_u32(story * 3 + 2));
        assert_eq!(clusters.cluster_of(s), clusters.cluster_of(r), "story {story}");
    }
    assert_eq!(clusters.num_clusters(), 10);
    for memory in [1, 4096, 20_000] {
        let (tight, passes) = run(&docs, memory);
        assert!(passes > 1, "{memory}: {passes} passes");
        assert_eq!(tight.passages, roomy.passages, "{memory}");
        assert_eq!(tight.pairs(), roomy.pairs(), "{memory}");
        assert_eq!(tight.dedup.clustering, roomy.dedup.clustering, "{memory}");
        assert_eq!(tight.boilerplate, roomy.boilerplate, "{memory}");
    }
}

#[test]
fn runs_table() {
    // (covered, content, runs, overlap with [2, 6))
    type Case<'a> = (&'a str, &'a str, &'a [(u32, u32)], u64);
    let cases: &[Case] = &[
        ("", "", &[], 0),
        ("xxxxxxxx", "xxxxxxxx", &[(0, 8)], 4),
        ("xxx..xxx", "xxxxxxxx", &[(0, 3), (5, 8)], 2),
        // Boilerplate tokens (`.` in content) are skipped: runs are in
        // content ordinals.
        ("xxxxxxxx", "xx..xxxx", &[(0, 6)], 4),
        ("......xx", "xxxxxxxx", &[(6, 8)], 0),
    ];
    let flags = |s: &str| s.chars().map(|c| c == 'x').collect::<Vec<bool>>();
    let middle = Runs(vec![(2, 6)]);
    for &(covered, content, runs, overlap) in cases {
        let got = Runs::of(&flags(covered), &flags(content));
        assert_eq!(got.0, runs, "{covered} {content}");
        let len: u64 = runs.iter().map(|&(s, e)| u64::from(e - s)).sum();
        assert_eq!(got.len(), len, "{covered} {content}");
        assert_eq!(got.overlap(&middle), overlap, "{covered} {content}");
        assert_eq!(middle.overlap(&got), overlap, "{covered} {content}");
    }
}

#[test]
fn stretches_table() {
    // (token ranges, stretches)
    let cases: &[(&[(usize, usize)], usize)] = &[
        (&[], 0),
        (&[(0, 10)], 1),
        // Touching, or a seam of a word or two: one stretch, in any order.
        (&[(20, 30), (0, 10), (10, 20)], 1),
        (&[(0, 10), (12, 20)], 1),
        // Text of one's own between them: apart.
        (&[(0, 10), (13, 20)], 2),
        (&[(0, 10), (40, 50), (80, 90)], 3),
        // A range inside another adds nothing.
        (&[(0, 30), (5, 10)], 1),
    ];
    for &(ranges, want) in cases {
        assert_eq!(stretches(ranges.to_vec()), want, "{ranges:?}");
    }
}

#[test]
fn lead_table() {
    // (runs, content tokens, is the lead?)
    type Case<'a> = (&'a [(u32, u32)], usize, bool);
    let cases: &[Case] = &[
        (&[], 100, false),
        (&[(0, 30)], 300, true),
        // A new headline before the lead is allowed for.
        (&[(12, 40)], 300, true),
        (&[(0, 20), (26, 60)], 300, true),
        // Background paragraphs from further down are no lead.
        (&[(120, 200)], 300, false),
        // Pieces scattered over the text cover too little of it.
        (&[(0, 10), (50, 60), (100, 110)], 300, false),
    ];
    for &(runs, content, lead) in cases {
        assert_eq!(Runs(runs.to_vec()).is_lead(content), lead, "{runs:?} of {content}");
    }
}

/// Paragraphs of a made-up story.
fn story(seed: u64, paragraphs: u64) -> Vec<String> {
    (0..paragraphs).map(|p| sentence(seed * 100 + p, 40)).collect()
}

/// The names of two made-up stories.
pub(crate) const FERRY: [&str; 6] =
    ["ferry", "skipper", "Osterby", "lifeboat", "Halden", "coastguard"];
pub(crate) const MINE: [&str; 6] = ["quarry", "miners", "Carrow", "shaft", "Penwith", "union"];

/// Paragraphs of a made-up story about something: one word in four is
/// one of its `names`, as the people, places and things of a real story
/// recur through it.
pub(crate) fn named_story(seed: u64, names: &[&str], paragraphs: u64) -> Vec<String> {
    (0..paragraphs)
        .map(|p| {
            let plain = sentence(seed * 100 + p, 40);
            let words: Vec<&str> = plain.trim_end_matches('.').split(' ').collect();
            let named: Vec<&str> = words
                .iter()
                .enumerate()
                .map(|(i, &w)| {
                    if i % 4 == 3 {
                        names[(seed as usize + p as usize + i / 4) % names.len()]
                    } else {
                        w
                    }
                })
                .collect();
            format!("{}.", named.join(" "))
        })
        .collect()
}

fn clusters_with(docs: &[Document], keep: Keep) -> Clustering {
    run_with(ReprintConfig::builder().keep(keep), docs).0.dedup.clustering
}

/// Issue 3: two documents that share one passage of 30 words, 5 % of
/// each, are paired and the passage aligned at its byte offsets, even
/// with a word changed in one copy; they are not reprints of each other.
#[test]
fn issue3_a_passage_of_five_percent_is_found() {
    let passage = sentence(4242, 30);
    // The fifteenth word changed.
    let mut words: Vec<&str> = passage.split(' ').collect();
    words[14] = "changed";
    let edited = words.join(" ");
    for (case, (at_a, at_b, copy)) in
        [(2, 12, &passage), (0, 14, &passage), (7, 7, &edited), (14, 0, &edited)]
            .into_iter()
            .enumerate()
    {
        let mut a = story(300 + case as u64, 15);
        let mut b = story(400 + case as u64, 15);
        a.insert(at_a, passage.clone());
        b.insert(at_b, copy.clone());
        let docs = [Document::new("a", a.join("\n\n")), Document::new("b", b.join("\n\n"))];
        let (result, _) = run(&docs, 2 << 30);
        let found: Vec<&SharedPassage> =
            result.passages.iter().filter(|p| !p.boilerplate).collect();
        assert_eq!(found.len(), 1, "case {case}: {found:?}");
        let p = found[0];
        let slice = |doc: &Document, (s, e): (usize, usize)| doc.text[s..e].to_string();
        let (in_a, in_b) = (slice(&docs[0], p.a_range), slice(&docs[1], p.b_range));
        // The whole passage, give or take a word matched by chance.
        assert!(in_a.contains(&passage[..passage.len() - 1]), "case {case}: {in_a}");
        assert!(in_b.contains(&copy[..copy.len() - 1]), "case {case}: {in_b}");
        assert!(in_a.len() < passage.len() + 30, "case {case}: {in_a}");
        assert!(p.words >= 29, "case {case}: {} words", p.words);
        let clusters = &result.dedup.clustering;
        assert_eq!(clusters.num_clusters(), 2, "case {case}");
    }
}

/// Issue 3: a roundup page carrying most of two stories is a reprint of
/// each, but the stories share nothing and must not share a cluster,
/// whichever document represents it: an earlier story (`first`) or the
/// roundup itself, the longest (`longest`).
#[test]
fn issue3_a_roundup_does_not_chain_two_stories() {
    // Two stories about different things: their own names (issue 14's
    // cluster check keeps parts of one story together when their texts
    // are related as wholes, and two stories of the bare made-up
    // language, with the same 24 words, would be).
    let (a, b) = (named_story(1, &FERRY, 6), named_story(2, &MINE, 6));
    let roundup = [&a[..4], &b[..4]].concat().join("\n\n");
    let docs = vec![
        Document::new("a", a.join("\n\n")),
        Document::new("roundup", roundup),
        Document::new("b", b.join("\n\n")),
        Document::new("a-copy", a[..5].join("\n\n")),
        Document::new("b-copy", b[..5].join("\n\n")),
    ];
    let doc = DocId::from_u32;
    for keep in [Keep::First, Keep::Longest] {
        let clusters = clusters_with(&docs, keep);
        let of = |d: u32| clusters.cluster_of(doc(d));
        assert_ne!(of(0), of(2), "{keep:?}: the two stories share a cluster");
        assert_eq!(of(0), of(3), "{keep:?}: story a and its copy");
        assert_eq!(of(2), of(4), "{keep:?}: story b and its copy");
        assert!(of(1) == of(0) || of(1) == of(2), "{keep:?}: the roundup joins one story");
    }
}

/// Unrelated filler around the documents of a test, so that the
/// corpus is not only the story.
fn with_filler(mut docs: Vec<Document>) -> Vec<Document> {
    docs.extend(
        (0..4).map(|i| Document::new(format!("other-{i}"), story(900 + i, 5).join("\n\n"))),
    );
    docs
}

/// Whether two texts, among unrelated filler, end up in one cluster.
fn together(a: &str, b: &str) -> bool {
    let docs = with_filler(vec![Document::new("a", a), Document::new("b", b)]);
    let c = clusters_with(&docs, Keep::Longest);
    c.cluster_of(DocId::from_u32(0)) == c.cluster_of(DocId::from_u32(1))
}

/// That `copy`, among unrelated filler, is in the cluster of `original`,
/// which represents it.
fn assert_joins_and_is_represented_by(copy: &str, original: &str) {
    let docs = with_filler(vec![Document::new("original", original), Document::new("copy", copy)]);
    let (result, _) = run(&docs, 1 << 30);
    let c = &result.dedup.clustering;
    let d = DocId::from_u32;
    assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(1)));
    assert!(c.is_representative(d(0)), "the original represents its cluster");
}

/// Issue 14, heavy abridgement: a paper keeps only the lead of a long
/// wire story (about an eighth of it) under its own headline. It shares
/// far less than a fifth of the original, but it shares its beginning,
/// in order.
#[test]
fn issue14_an_abridged_copy_keeps_the_lead_and_joins_its_original() {
    let original = story(11, 8);
    let copy = format!("Our headline on it.\n\n{}", original[0]);
    assert_joins_and_is_represented_by(&copy, &original.join("\n\n"));
}

/// Issue 14, heavy abridgement on a short page: a site keeps one sentence
/// of a wire story (too short a line to be "good" prose, so the page has
/// no good line for context to point to) under a "Most read" list of other
/// stories' headlines. The list is no text of the page's own: counted as
/// such, it would outweigh the copy and keep it from its original.
#[test]
fn issue14_a_short_copy_under_a_list_of_headlines_joins_its_original() {
    let mut original = vec![sentence(1_101, 28)];
    original.extend(story(12, 8));
    let headlines = [
        "Harbour Council Approves Winter Budget After Long Debate",
        "Railway Doctors Warn Farmers Over Storm Damage Claims",
        "Village School Reopens Following Bridge Repairs In March",
        "Mayor Defends Market Plans Against Court Challenge Today",
        "River Tax Review Delayed Until After Spring Elections",
    ];
    let copy = format!(
        "Home | News | Business\n\nOur headline on it\n\n{}\n\nMost read\n\n{}\n\n\
         (c) The Daily Example. All rights reserved.",
        original[0],
        headlines.join("\n\n")
    );
    assert_joins_and_is_represented_by(&copy, &original.join("\n\n"));
}

/// Issue 14, heavy abridgement among page furniture the line classifier
/// cannot tell from prose (here, readers' letters on other matters): the
/// copy of the lead, two paragraphs, is well under half of its page, but
/// it is the original's lead, in order, and the two are about the same
/// thing.
#[test]
fn issue14_an_abridged_copy_among_furniture_that_reads_like_prose_joins_its_original() {
    // Names of its own in every paragraph, as a real story has.
    let original: Vec<String> =
        story(14, 8).iter().map(|p| format!("{p} The Osterby ferry was late again.")).collect();
    let letters: Vec<String> = (0..4).map(|i| sentence(77_001 + i, 36)).collect();
    let copy = format!(
        "{}\n\n{}\n\nLetters to the editor\n\n{}",
        original[0],
        original[1],
        letters.join("\n\n")
    );
    assert_joins_and_is_represented_by(&copy, &original.join("\n\n"));
}

/// Issue 14, short texts reusing a source: a note that is one paragraph
/// from the middle of a long story plus a sentence of the writer's own
/// (about two thirds shared) is an excerpt of it, though it holds far
/// less than a fifth of the story and not its lead.
#[test]
fn issue14_an_excerpt_with_a_sentence_of_its_own_joins_its_source() {
    let source = story(13, 10);
    let note = format!("{}\n\n{}", source[5], sentence(1_301, 22));
    assert!(together(&source.join("\n\n"), &note));
}

/// An earlier story, and a follow-up: new text with two of the earlier
/// story's background paragraphs (not its lead) at its end.
fn follow_up_docs() -> Vec<Document> {
    let earlier = story(21, 8);
    let mut follow_up = story(22, 5);
    follow_up.extend_from_slice(&earlier[5..7]);
    with_filler(vec![
        Document::new("earlier", earlier.join("\n\n")),
        Document::new("follow-up", follow_up.join("\n\n")),
    ])
}

/// Issue 14: a follow-up story reuses background paragraphs from further
/// down an earlier story, among mostly new text: a different story.
#[test]
fn issue14_a_follow_up_reusing_background_stays_apart() {
    let docs = follow_up_docs();
    let (result, _) = run(&docs, 1 << 30);
    let c = &result.dedup.clustering;
    assert_ne!(c.cluster_of(DocId::from_u32(0)), c.cluster_of(DocId::from_u32(1)));
    assert!(!result.passages.is_empty(), "the reused paragraphs are still aligned");
}

/// Issue 14: a follow-up's block of background paragraphs, aligned
/// against a reprint of the earlier story that moved those paragraphs
/// about, makes three passages; they touch in both documents, so they are
/// one stretch of reuse, not pieces of a composed text, and the follow-up
/// stays apart from the story and its reprint.
#[test]
fn issue14_a_follow_up_stays_apart_from_a_reprint_that_moved_its_paragraphs() {
    let earlier = story(41, 9);
    let mut reprint = earlier[..4].to_vec();
    reprint.extend([earlier[6].clone(), earlier[5].clone(), earlier[4].clone()]);
    reprint.extend_from_slice(&earlier[7..]);
    let mut follow_up = story(42, 5);
    follow_up.extend_from_slice(&earlier[4..7]);
    let docs = with_filler(vec![
        Document::new("earlier", earlier.join("\n\n")),
        Document::new("reprint", reprint.join("\n\n")),
        Document::new("follow-up", follow_up.join("\n\n")),
    ]);
    let c = clusters_with(&docs, Keep::Longest);
    let d = DocId::from_u32;
    assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(1)), "the reprint joins the story");
    assert_ne!(c.cluster_of(d(0)), c.cluster_of(d(2)), "the follow-up stays apart");
}

/// Issue 14, the representative is the source: a copy of its first three
/// paragraphs and a much longer text quoting a few pieces of it. The longest text must
/// not represent the cluster and split the source from its copy.
#[test]
fn issue14_the_source_represents_its_cluster_and_keeps_its_copies() {
    let source = story(31, 4);
    let text = source.join(" ");
    let words: Vec<&str> = text.split(' ').collect();
    let piece = |at: usize| words[at..at + 14].join(" ");
    let own = story(32, 12);
    let quoting = [
        own[..4].join("\n\n"),
        piece(0),
        own[4..8].join("\n\n"),
        piece(60),
        own[8..].join("\n\n"),
        piece(120),
    ]
    .join("\n\n");
    let docs = with_filler(vec![
        Document::new("quoting", quoting),
        Document::new("source", source.join("\n\n")),
        Document::new("copy", format!("Reprinted.\n\n{}", source[..3].join("\n\n"))),
    ]);
    for keep in [Keep::Longest, Keep::First] {
        let c = clusters_with(&docs, keep);
        let d = DocId::from_u32;
        assert_eq!(c.cluster_of(d(1)), c.cluster_of(d(2)), "{keep:?}: source and copy");
    }
    let c = clusters_with(&docs, Keep::Longest);
    assert!(c.is_representative(DocId::from_u32(1)), "the source, not the longest text");
}

/// Issue 14: a user who wants story chains can have follow-ups join the
/// story they reuse; by default they stay apart.
#[test]
fn issue14_follow_ups_join_only_when_asked() {
    let docs = follow_up_docs();
    let d = DocId::from_u32;
    for (policy, together) in [(FollowUps::Separate, false), (FollowUps::Join, true)] {
        let (result, _) = run_with(ReprintConfig::builder().follow_ups(policy), &docs);
        let c = &result.dedup.clustering;
        assert_eq!(c.cluster_of(d(0)) == c.cluster_of(d(1)), together, "{policy:?}");
    }
}

/// Issue 14: a short text made of one stretch from the middle of a long
/// source (an answer, a note) with a sentence of its own is an excerpt
/// of it, however little of the source it holds.
#[test]
fn issue14_an_excerpt_from_the_middle_of_a_long_source_joins_it() {
    let source = story(61, 10);
    let excerpt = format!("{} {}", sentence(62, 12), source[6]);
    let docs = with_filler(vec![
        Document::new("source", source.join("\n\n")),
        Document::new("excerpt", excerpt),
    ]);
    let c = clusters_with(&docs, Keep::Longest);
    let d = DocId::from_u32;
    assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(1)));
    assert!(c.is_representative(d(0)));
}

/// Issue 14, composed copies: pieces of 10 to 16 words cut from one
/// source, shuffled, with the writer's own sentences between them. No
/// piece reaches the passage length; together they make the link.
#[test]
fn issue14_pieces_cut_from_a_source_join_it() {
    let source = story(41, 3);
    let text = source.join(" ");
    let words: Vec<&str> = text.split(' ').collect();
    let own = story(42, 4);
    let composed = [
        own[0].clone(),
        words[70..84].join(" "),
        own[1].clone(),
        words[0..12].join(" "),
        own[2].clone(),
        words[30..46].join(" "),
        words[100..110].join(" "),
        own[3].clone(),
    ]
    .join("\n\n");
    let docs = with_filler(vec![
        Document::new("source", source.join("\n\n")),
        Document::new("composed", composed),
    ]);
    let (result, _) = run(&docs, 1 << 30);
    let c = &result.dedup.clustering;
    assert_eq!(c.cluster_of(DocId::from_u32(0)), c.cluster_of(DocId::from_u32(1)));
    let pieces = result.passages.iter().filter(|p| p.b == DocId::from_u32(1)).count();
    assert!(pieces >= 3, "each piece is reported as a passage: {pieces}");
    // Fewer pieces than `min_pieces` make no link.
    let two = [own[0].clone(), words[70..84].join(" "), own[1].clone(), words[0..12].join(" ")];
    assert!(!together(&source.join("\n\n"), &two.join("\n\n")));
}

/// Issue 14, composed copies among much text of the writer's own: an
/// essay about a story quotes four pieces of it, a fifth of the essay.
/// That is too small a share for a composed text, but four stretches of
/// one source in a text about the same thing are quotation; the same
/// pieces in an essay about something else make no link.
#[test]
fn issue14_an_essay_quoting_four_pieces_of_a_story_joins_it() {
    let source: Vec<String> =
        story(43, 10).iter().map(|p| format!("{p} The Osterby ferry was late again.")).collect();
    let text = source.join(" ");
    let words: Vec<&str> = text.split(' ').collect();
    let essay = |own: Vec<String>| {
        let mut parts = Vec::new();
        for (i, paragraph) in own.into_iter().enumerate() {
            parts.push(paragraph);
            if i < 4 {
                parts.push(words[100 * i..100 * i + 14].join(" "));
            }
        }
        parts.join("\n\n")
    };
    let related =
        story(44, 5).iter().map(|p| format!("Osterby and its ferry were news. {p}")).collect();
    assert!(together(&source.join("\n\n"), &essay(related)));
    assert!(!together(&source.join("\n\n"), &essay(story(44, 5))));
}

/// Issue 14 (found reading Reuters-21578's merges): announcements made
/// from one template, the same sentence frame around other amounts,
/// rates and dates, are not reprints of each other; a copy that keeps
/// the figures (one corrected) is.
#[test]
fn issue14_a_template_filled_with_other_figures_is_no_reprint() {
    let offering = |amount: &str, coupon: &str, price: &str, year: &str| {
        format!(
            "The company said it is offering {amount} mln dlrs of debentures due {year} \
             with a coupon of {coupon} pct and priced at {price} to yield {coupon} pct. \
             The debentures are non-callable for ten years and are rated by both agencies. \
             The offering is being made through a syndicate of underwriters led by the \
             investment bank, which said the issue was sold out within the hour to \
             institutional investors in the {year} market for such debt."
        )
    };
    let docs = with_filler(vec![
        Document::new("first", offering("150", "8.75", "99.25", "2017")),
        Document::new("other", offering("200", "9.10", "98.60", "2012")),
        Document::new("corrected", offering("150", "8.75", "99.35", "2017")),
    ]);
    let (result, _) = run(&docs, 1 << 30);
    let c = &result.dedup.clustering;
    let d = DocId::from_u32;
    assert_ne!(c.cluster_of(d(0)), c.cluster_of(d(1)), "other figures: another offering");
    assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(2)), "one figure corrected: a copy");
    let template = result.passages.iter().find(|p| (p.a, p.b) == (d(0), d(1)));
    assert!(template.is_some_and(|p| p.boilerplate), "reported, as boilerplate");
}

/// Issue 14 (found reading Reuters-21578's merges again): a figure written
/// with a fraction ("8-1/2", "101-5/8") is one figure. Cut into its digits,
/// two eurobond announcements of one template agreed on their "1"s and
/// "2"s and were taken for copies.
#[test]
fn issue14_a_template_with_fractions_is_no_reprint() {
    // (issuer, amount, day, year due, coupon, price, fee)
    type Terms<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str);
    let eurobond = |(issuer, amount, day, due, coupon, price, fee): Terms| {
        format!(
            "{issuer} is issuing a {amount} mln dlr eurobond due May {day}, {due} paying \
             {coupon} pct and priced at {price} pct, lead manager Morgan Guaranty Ltd said. \
             The non-callable bond is available in denominations of 1,000 and 10,000 dlrs \
             and will be listed in Luxembourg. The selling concession is 1-1/4 pct while \
             management and underwriting combined pays {fee} pct. The payment date is May \
             {day}."
        )
    };
    let docs = with_filler(vec![
        Document::new(
            "first",
            eurobond(("McDonalds Corp", "75", "14", "1992", "8-1/2", "101-5/8", "5/8")),
        ),
        Document::new(
            "other",
            eurobond(("British Airways", "100", "6", "1997", "9-1/2", "101-1/2", "3/4")),
        ),
    ]);
    let c = clusters_with(&docs, Keep::Longest);
    assert_ne!(c.cluster_of(DocId::from_u32(0)), c.cluster_of(DocId::from_u32(1)));
}

/// Issue 14, light revision: the same sentences reordered, with a word
/// swapped here and there.
#[test]
fn issue14_a_revised_copy_with_reordered_sentences_joins() {
    let sentences: Vec<String> = (0..12).map(|i| sentence(5100 + i, 18)).collect();
    let mut revised = sentences.clone();
    revised.swap(1, 7);
    revised.swap(3, 10);
    revised[5] = revised[5].replacen("the", "a", 1);
    assert!(together(&sentences.join(" "), &revised.join(" ")));
}

/// Issue 3: a quote, or a line of furniture, shared by every story of a
/// corpus makes no edge: each story stays alone.
#[test]
fn issue3_a_shared_quote_and_line_make_no_cluster() {
    let quote = sentence(777, 30);
    let docs: Vec<Document> = (0..30)
        .map(|i| {
            let own = story(10 + i, 5);
            let text = format!(
                "Subscribe to our newsletter for the latest news\n\n{}\n\n\"{quote}\"\n\n{}",
                own[..2].join("\n\n"),
                own[2..].join("\n\n")
            );
            Document::new(format!("s{i}"), text)
        })
        .collect();
    let clusters = clusters_with(&docs, Keep::Longest);
    assert_eq!(clusters.num_clusters(), docs.len());
}

#[test]
fn finish_needs_every_pass() {
    let docs = corpus();
    let config = ReprintConfig::builder().align_memory(1).build().unwrap();
    let mut finder = ReprintFinder::new(config);
    finder.add_batch(&docs).unwrap();
    finder.plan();
    assert!(finder.pending_passes() > 1);
    finder.second_pass_batch(&docs).unwrap();
    assert!(finder.pending_passes() > 0);
    assert!(finder.finish().is_err());
    assert!(ReprintConfig::builder().align_memory(0).build().is_err());
}

/// Issue 13: the Python stage `align_pairs` re-implemented the alignment
/// and used the word settings on Chinese text. `align_texts` is the
/// pipeline's own: characters get their longer passages, offsets are bytes.
#[test]
fn issue13_align_texts_aligns_as_the_pipeline_does() {
    let shared: String = (0..40).map(|i| format!("word{i} ")).collect();
    let english = (format!("An opening line. {shared}"), format!("{shared} and a different end"));
    // 30 shared characters: a passage by the word settings (25), not by the
    // character settings (50).
    let phrase = "北京市今天天气晴朗气温适中适合出行市民纷纷走出家门前往公园散步游玩";
    let short_cjk = (format!("{phrase}甲乙丙"), format!("丁戊{phrase}"));
    let twice = phrase.repeat(2);
    let long_cjk = (format!("{twice}甲乙丙"), format!("丁戊{twice}"));
    let config = ReprintConfig::builder().build().unwrap();
    let mut scratch = Default::default();
    for (a, b, passages) in [
        (&english.0, &english.1, 1),
        (&short_cjk.0, &short_cjk.1, 0),
        (&long_cjk.0, &long_cjk.1, 1),
    ] {
        let found = align_texts(a, b, &config, &mut scratch);
        assert_eq!(found.len(), passages, "{a} / {b}: {found:?}");
        for p in found {
            let (x, y) = (&a[p.a_range.0..p.a_range.1], &b[p.b_range.0..p.b_range.1]);
            assert_eq!(x, y);
            assert!(p.identity == 1.0 && p.words > 0);
        }
    }
}

/// Issue 14: copies of different parts of one source (an abridged copy of
/// its lead, an excerpt from its middle, pieces of its end) all stay with
/// it, though their parts do not overlap: their texts are related as wholes
/// (they name the same people and places), so they are parts of one story,
/// not two stories a roundup carries. Before, the member covering the most
/// of the source (the anchor) kept only those reprinting the same part.
#[test]
fn issue14_copies_of_different_parts_of_one_source_stay_with_it() {
    let source = named_story(71, &FERRY, 10);
    let lead = format!("Our headline.\n\n{}\n\n{}\n\n{}", source[0], source[1], source[2]);
    let middle = format!("{} {}", sentence(72, 12), source[6]);
    // (name, member text)
    let cases: &[(&str, &str)] = &[("abridged lead", &lead), ("excerpt from the middle", &middle)];
    let mut docs = vec![Document::new("source", source.join("\n\n"))];
    docs.extend(cases.iter().map(|&(name, text)| Document::new(name, text)));
    let docs = with_filler(docs);
    let c = clusters_with(&docs, Keep::Longest);
    let d = DocId::from_u32;
    assert!(c.is_representative(d(0)), "the source represents its cluster");
    for (i, (name, _)) in cases.iter().enumerate() {
        assert_eq!(c.cluster_of(d(0)), c.cluster_of(d(i as u32 + 1)), "{name} joins the source");
    }
}

/// Issue 14: the same shape with two stories (a roundup that is the
/// representative, carrying the lead of one and the middle of another,
/// each reprinted alone) still makes two clusters: the two reprints'
/// texts are not related as wholes.
#[test]
fn issue14_parts_of_two_stories_in_a_roundup_stay_apart() {
    let (a, b) = (named_story(81, &FERRY, 8), named_story(82, &MINE, 8));
    let roundup = [&a[..3], &b[4..7]].concat().join("\n\n");
    let docs = with_filler(vec![
        Document::new("roundup", roundup),
        Document::new("a-lead", a[..3].join("\n\n")),
        Document::new("b-middle", b[4..7].join("\n\n")),
    ]);
    let c = clusters_with(&docs, Keep::Longest);
    let d = DocId::from_u32;
    assert_ne!(c.cluster_of(d(1)), c.cluster_of(d(2)), "the two stories share a cluster");
}

/// Aligns two texts as pass 2 does, each with its boilerplate given as byte
/// ranges, and scores the pair.
fn score_with_boilerplate(a: (&str, &[(usize, usize)]), b: (&str, &[(usize, usize)])) -> PairScore {
    let config = ReprintConfig::builder().build().unwrap();
    let prepared = |(text, ranges): (&str, &[(usize, usize)])| {
        let mut tokens = crate::normalize::Tokens::default();
        config.normalizer().tokenize(text, &mut tokens);
        let spans: Vec<crate::boilerplate::Span> = ranges
            .iter()
            .map(|&(start, end)| crate::boilerplate::Span {
                start,
                end,
                reason: crate::boilerplate::Reason::Repeated,
            })
            .collect();
        prepare(text, &tokens, &spans, config.align_for(tokens.unit()), &DocFreq::default())
    };
    let (pa, pb) = (prepared(a), prepared(b));
    align_pair(&config, DocId::from_u32(0), &pa, DocId::from_u32(1), &pb).1
}

/// The byte range of `part` in `text`.
fn range_of(text: &str, part: &str) -> (usize, usize) {
    let start = text.find(part).expect("part of the text");
    (start, start + part.len())
}

/// Issue 16 (false clusters at 300k news pages): two short pages of one
/// site share its header and footer, both boilerplate, and one phrase of
/// their own texts by chance. Counted as pieces, header and footer made
/// three stretches with the phrase, and a text "composed of pieces" of the
/// other. A passage that holds none of either page's own text is no piece.
#[test]
fn issue16_a_sites_header_and_footer_make_no_pieces() {
    let header = "The Example Courier brings you the news you can trust every day";
    let footer = "Follow us on Facebook Twitter and Instagram for the news of the day";
    let phrase = "on the options exchange the cash settled index of one hundred shares fell";
    let page = |before: &str, after: &str| {
        let text = format!("{header}\n\n{before} {phrase} {after}\n\n{footer}");
        let furniture = vec![range_of(&text, header), range_of(&text, footer)];
        (text, furniture)
    };
    // More than the aligner bridges (20 words) on each side of the phrase.
    let (a, a_furniture) = page(
        "Brokers in the city said on Tuesday that the grain harvest was late this year and \
         that prices were firm across the region as buyers waited",
        "by two points after the central bank raised its lending rate for the third time in \
         a row to slow the growth of credit",
    );
    let (b, b_furniture) = page(
        "The airline reported a wider loss for the quarter and said that its new routes to \
         the south had drawn fewer passengers than it planned because",
        "short of the target its board set in the spring when it hired a new chief executive \
         from a rival carrier abroad",
    );
    let score = score_with_boilerplate((&a, &a_furniture), (&b, &b_furniture));
    let config = ReprintConfig::builder().build().unwrap();
    assert_eq!(score.stretches, 0, "the phrase alone is too few pieces to count: {score:?}");
    assert!(!config.is_reprint(&score), "{score:?}");
}

/// Issue 16 (near copies missed at 300k news pages): a short page and its
/// near copy, one word changed in its "Most read" list. The list is
/// furniture on the original's page, but the edited headline is no
/// template, so on the copy's page it is content, figures included. The
/// copy's passage then held more figures than the original's, and the
/// share of them the two agreed on was taken over the larger count: "a
/// form filled in with other figures". It is taken over the smaller.
#[test]
fn issue16_a_near_copy_whose_list_is_furniture_on_one_page_only_is_a_copy() {
    let article = "The council said on Monday that the harbour budget rose 4.5 pct to 120 mln \
                   dlrs in 1987, and that the mayor would ask the court to rule on the tax \
                   before the winter, when the railway and the school are to be repaired by \
                   the farmers of the village.";
    let list = |word: &str| {
        format!(
            "Most read\n\nShares rise 3.2 pct in {word} trading\n\nBank sells 250 mln dlr \
             stake in 2007\n\nOil falls 1.5 dlrs to 61.05 a barrel"
        )
    };
    let original = format!("{article}\n\n{}", list("early"));
    let copy = format!("{article}\n\n{}", list("late"));
    let furniture = [range_of(&original, &list("early"))];
    let score = score_with_boilerplate((&original, &furniture), (&copy, &[]));
    let config = ReprintConfig::builder().build().unwrap();
    assert!(score.coverage > 0.9, "{score:?}");
    assert!(config.is_reprint(&score), "{score:?}");
}
