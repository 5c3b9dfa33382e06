//! What the report shows: which clusters and documents, chosen from the run
//! directory, and the data the page is drawn from.
//!
//! Choices are deterministic: clusters are ranked by size, then by passage
//! count, then by id; each cluster shows its representative first, then
//! members that share passages (what a reprint run is about), then the least
//! similar members (the ones worth a look), then by id.

use std::collections::HashMap;
use std::path::Path;

use anyhow::bail;
use serde::Serialize;
use serde_json::Value;
use syndic::pairs::PairKind;
use syndic::rundir::{
    BoilerplateLine, ClusterLine, Documents, Evidence, PairLine, PassageLine, RelationLine,
    BOILERPLATE_FILE, CLUSTERS_FILE, PAIRS_FILE, PASSAGES_FILE, RELATIONS_FILE, SUMMARY_FILE,
};
use syndic::stories::RelationKind;

use super::rundir::{for_each_line, Summary};
use super::texts::{read_texts, snap, Utf16Offsets};
use crate::progress::{Bars, Cancel};

/// Bounds on the size of the report.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub(super) max_clusters: u32,
    pub(super) sample: u32,
}

/// The page's data: the JSON block the script draws every view from.
/// Offsets in it are UTF-16 code units, the indices of JavaScript strings.
#[derive(Serialize)]
pub(super) struct Report {
    pub(super) title: String,
    run: Run,
    overview: Overview,
    omitted: Omitted,
    pub(super) clusters: Vec<ClusterOut>,
    pub(super) docs: Vec<DocOut>,
    passages: Vec<PassageOut>,
    pairs: Vec<PairOut>,
    /// A stories run's relations between shown documents.
    relations: Vec<RelationOut>,
    /// Boilerplate reasons, named by index from `docs[].bp`.
    reasons: Vec<String>,
}

/// `[a, a_start, a_end, b, b_start, b_end, words, identity]`, `a` and `b`
/// indices into `docs`; a JSON array rather than an object, as there may be
/// tens of thousands.
type PassageOut = (u32, u32, u32, u32, u32, u32, u32, f32);

/// `[a, b, similarity, kind, coverage]`, `a` and `b` indices into `docs`.
type PairOut = (u32, u32, f32, PairKind, Option<f32>);

/// A relation of a stories run (`relations.jsonl`) between two shown
/// documents, with what carried it.
#[derive(Serialize)]
struct RelationOut {
    /// Indices into `docs`.
    a: u32,
    b: u32,
    score: f32,
    #[serde(rename = "type")]
    kind: RelationKind,
    /// Reuse: the content passages shared and their words.
    #[serde(skip_serializing_if = "Option::is_none")]
    passages: Option<(u32, u64)>,
    /// Same story: the shared names and other words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    terms: Vec<String>,
}

/// The run as `summary.json` tells it, for the parameter tables.
#[derive(Serialize)]
struct Run {
    command: Option<String>,
    mode: Option<String>,
    inputs: Value,
    read_options: Value,
    params: Value,
    documents: Value,
    timings_ms: Value,
}

#[derive(Serialize)]
struct Overview {
    documents_read: Option<u64>,
    documents_skipped: Option<u64>,
    clusters: Option<u64>,
    duplicates_removed: Option<u64>,
    boilerplate_bytes: Option<u64>,
    /// (size, clusters of that size), by size.
    size_histogram: Vec<(u64, u64)>,
    similarity_histogram: Option<SimilarityHistogram>,
}

const SIMILARITY_BINS: usize = 20;

#[derive(Serialize)]
struct SimilarityHistogram {
    /// `members` (each duplicate against its representative) or `pairs`.
    source: &'static str,
    /// Counts over `[0, 1]` in equal bins.
    bins: Vec<u64>,
}

impl SimilarityHistogram {
    fn new(source: &'static str) -> Self {
        SimilarityHistogram { source, bins: vec![0; SIMILARITY_BINS] }
    }

    fn add(&mut self, similarity: f64) {
        let bin = (similarity.clamp(0.0, 1.0) * SIMILARITY_BINS as f64) as usize;
        self.bins[bin.min(SIMILARITY_BINS - 1)] += 1;
    }
}

/// What the report leaves out, so that it can say so.
#[derive(Serialize, Default)]
struct Omitted {
    max_clusters: u32,
    sample: u32,
    /// Clusters worth listing that did not fit `max_clusters`.
    clusters: u64,
    clusters_documents: u64,
    largest_omitted_size: u64,
    /// Single-document clusters with no passage: never listed.
    singletons: u64,
    /// Members of shown clusters past `sample`.
    members: u64,
    /// Passages with a document in the report and one not.
    passages: u64,
    /// Relations with a document in the report and one not.
    relations: u64,
    missing_texts: u64,
    missing_text_ids: Vec<String>,
    /// Passage and boilerplate spans reaching past their document's end.
    spans_out_of_range: u64,
}

#[derive(Serialize)]
pub(super) struct ClusterOut {
    id: i64,
    size: u64,
    sim_min: Option<f32>,
    sim_mean: Option<f32>,
    /// Indices into `docs`, the representative first.
    docs: Vec<u32>,
    /// Members not shown.
    more: u64,
    passages: u64,
}

#[derive(Serialize)]
pub(super) struct DocOut {
    id: String,
    /// Index into `clusters`.
    cluster: u32,
    rep: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sim: Option<f32>,
    /// Absent when the document was not found in the inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<(String, String)>,
    /// `[start, end, reason]`, reason an index into `reasons`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bp: Vec<(u32, u32, u32)>,
}

/// A document's place in the run.
struct Member {
    cluster: u32,
    representative: bool,
    similarity: Option<f32>,
    in_passage: bool,
}

/// A cluster of the run, with what ranking needs.
struct Cluster {
    id: i64,
    size: u64,
    sim_min: Option<f32>,
    sim_sum: f64,
    sim_count: u64,
    passages: u64,
}

impl Cluster {
    fn new(id: i64) -> Self {
        Cluster { id, size: 0, sim_min: None, sim_sum: 0.0, sim_count: 0, passages: 0 }
    }
}

/// Every document of the run that is in a cluster (or, for a passages run,
/// in a passage or pair), with its cluster.
struct Membership {
    members: HashMap<String, Member>,
    clusters: Vec<Cluster>,
    similarity: Option<SimilarityHistogram>,
}

impl Membership {
    /// From `clusters.jsonl`; `None` when the run wrote none.
    fn from_clusters(path: &Path) -> anyhow::Result<Option<Membership>> {
        let mut members = HashMap::new();
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut index: HashMap<i64, u32> = HashMap::new();
        let mut similarity = SimilarityHistogram::new("members");
        let present = for_each_line(path, |line: ClusterLine| {
            let next = index.len() as u32;
            let id = i64::from(line.cluster);
            let c = *index.entry(id).or_insert(next);
            if c == next {
                clusters.push(Cluster::new(id));
            }
            let cluster = &mut clusters[c as usize];
            cluster.size += 1;
            let s = line.similarity;
            if !line.representative {
                similarity.add(s);
                cluster.sim_min = Some(cluster.sim_min.map_or(s as f32, |m| m.min(s as f32)));
                cluster.sim_sum += s;
                cluster.sim_count += 1;
            }
            let member = Member {
                cluster: c,
                representative: line.representative,
                similarity: Some(s as f32),
                in_passage: false,
            };
            if members.insert(line.id.clone().into_owned(), member).is_some() {
                bail!("document `{}` is listed twice", line.id);
            }
            Ok(())
        })?;
        let any = similarity.bins.iter().any(|&n| n > 0);
        Ok(present.then(|| Membership { members, clusters, similarity: any.then_some(similarity) }))
    }

    /// For a run without `clusters.jsonl`: documents linked by a passage or
    /// a pair, taken transitively, numbered in order of first mention.
    fn from_links(passages: &Path, pairs: &Path) -> anyhow::Result<Membership> {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut parent: Vec<u32> = Vec::new();
        let mut similarity = SimilarityHistogram::new("pairs");
        let mut link = |a: String, b: String| {
            let mut node = |id: String| {
                let next = ids.len() as u32;
                *ids.entry(id).or_insert_with(|| {
                    parent.push(next);
                    next
                })
            };
            let (x, y) = (node(a), node(b));
            let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
            parent[rx.max(ry) as usize] = rx.min(ry);
        };
        for_each_line(passages, |p: PassageLine| {
            link(p.a.into_owned(), p.b.into_owned());
            Ok(())
        })?;
        for_each_line(pairs, |p: PairLine| {
            similarity.add(p.similarity);
            link(p.a.into_owned(), p.b.into_owned());
            Ok(())
        })?;
        let mut by_root: HashMap<u32, u32> = HashMap::new();
        let mut order: Vec<(&String, u32)> = ids.iter().map(|(id, &n)| (id, n)).collect();
        order.sort_unstable_by_key(|&(_, n)| n);
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut members = HashMap::with_capacity(order.len());
        for (id, n) in order {
            let root = find(&mut parent, n);
            let next = by_root.len() as u32;
            let c = *by_root.entry(root).or_insert(next);
            if c == next {
                clusters.push(Cluster::new(i64::from(c)));
            }
            clusters[c as usize].size += 1;
            let member =
                Member { cluster: c, representative: false, similarity: None, in_passage: false };
            members.insert(id.clone(), member);
        }
        let any = similarity.bins.iter().any(|&n| n > 0);
        Ok(Membership { members, clusters, similarity: any.then_some(similarity) })
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

/// Reads the run directory and the texts it needs, and chooses what to show.
pub(super) fn build(
    dir: &Path,
    limits: Limits,
    bars: &Bars,
    cancel: &Cancel,
) -> anyhow::Result<Report> {
    let summary = Summary::read(&dir.join(SUMMARY_FILE))?;
    let passages_path = dir.join(PASSAGES_FILE);
    let pairs_path = dir.join(PAIRS_FILE);
    let mut membership = match Membership::from_clusters(&dir.join(CLUSTERS_FILE))? {
        Some(m) => m,
        None => Membership::from_links(&passages_path, &pairs_path)?,
    };

    for_each_line(&passages_path, |p: PassageLine| {
        let members = &mut membership.members;
        let (Some(a), Some(b)) = (members.get(&*p.a), members.get(&*p.b)) else { return Ok(()) };
        let (ca, cb) = (a.cluster as usize, b.cluster as usize);
        for id in [&*p.a, &*p.b] {
            if let Some(m) = members.get_mut(id) {
                m.in_passage = true;
            }
        }
        membership.clusters[ca].passages += 1;
        if cb != ca {
            membership.clusters[cb].passages += 1;
        }
        Ok(())
    })?;

    let mut omitted =
        Omitted { max_clusters: limits.max_clusters, sample: limits.sample, ..Omitted::default() };
    let shown = choose_clusters(&membership.clusters, limits.max_clusters, &mut omitted);
    let (clusters, mut docs, wanted) = sample_members(&membership, &shown, limits, &mut omitted);

    let mut passages = Vec::new();
    for_each_line(&passages_path, |p: PassageLine| {
        match (wanted.get(&*p.a), wanted.get(&*p.b)) {
            (Some(&a), Some(&b)) => {
                let (words, identity) = (p.words as u32, p.identity as f32);
                passages.push((a, p.a_start, p.a_end, b, p.b_start, p.b_end, words, identity));
            }
            (None, None) => {}
            _ => omitted.passages += 1,
        }
        Ok(())
    })?;
    let mut pairs = Vec::new();
    for_each_line(&pairs_path, |p: PairLine| {
        if let (Some(&a), Some(&b)) = (wanted.get(&*p.a), wanted.get(&*p.b)) {
            let sim = p.similarity as f32;
            pairs.push((a as u32, b as u32, sim, p.kind, p.coverage.map(|x| x as f32)));
        }
        Ok(())
    })?;
    let mut relations = Vec::new();
    for_each_line(&dir.join(RELATIONS_FILE), |r: RelationLine| {
        let (a, b) = match (wanted.get(&*r.a), wanted.get(&*r.b)) {
            (Some(&a), Some(&b)) => (a as u32, b as u32),
            (None, None) => return Ok(()),
            _ => {
                omitted.relations += 1;
                return Ok(());
            }
        };
        let (passages, names, terms) = match r.evidence {
            Evidence::Passages { passages } => {
                let words = passages.iter().map(|p| p.words as u64).sum();
                (Some((passages.len() as u32, words)), Vec::new(), Vec::new())
            }
            Evidence::Terms { entities, terms } => {
                let owned =
                    |v: Vec<std::borrow::Cow<str>>| v.into_iter().map(|t| t.into_owned()).collect();
                (None, owned(entities), owned(terms))
            }
        };
        relations.push(RelationOut {
            a,
            b,
            score: r.score as f32,
            kind: r.kind,
            passages,
            names,
            terms,
        });
        Ok(())
    })?;
    let mut reasons: Vec<String> = Vec::new();
    let mut reason_index: HashMap<String, u32> = HashMap::new();
    let mut boilerplate: Vec<Vec<(usize, usize, u32)>> = vec![Vec::new(); docs.len()];
    for_each_line(&dir.join(BOILERPLATE_FILE), |line: BoilerplateLine| {
        let Some(&d) = wanted.get(&*line.id) else { return Ok(()) };
        for span in line.spans {
            let r = span.reason.into_owned();
            let next = reasons.len() as u32;
            let reason = *reason_index.entry(r.clone()).or_insert_with(|| {
                reasons.push(r);
                next
            });
            boilerplate[d].push((span.start, span.end, reason));
        }
        Ok(())
    })?;

    cancel.check()?;
    let found = read_texts(&summary, &wanted, bars, cancel)?;
    for (doc, found) in docs.iter_mut().zip(found) {
        doc.text = found.text;
        doc.fields = found.fields;
        if doc.text.is_none() {
            omitted.missing_texts += 1;
            if omitted.missing_text_ids.len() < 10 {
                omitted.missing_text_ids.push(doc.id.clone());
            }
        }
    }

    // Snap every span to its text, then convert all of a text's offsets in
    // one pass over it.
    let mut offsets: Vec<Vec<usize>> = vec![Vec::new(); docs.len()];
    let mut cut = 0u64;
    let mut fit = |d: usize, start: usize, end: usize, offsets: &mut Vec<Vec<usize>>| {
        let text = docs[d].text.as_deref()?;
        let (span, was_cut) = snap(text, start, end);
        cut += u64::from(was_cut);
        let span = span?;
        offsets[d].extend([span.0, span.1]);
        Some(span)
    };
    let passages: Vec<_> = passages
        .into_iter()
        .filter_map(|(a, a0, a1, b, b0, b1, words, identity)| {
            let sa = fit(a, a0, a1, &mut offsets);
            let sb = fit(b, b0, b1, &mut offsets);
            Some((a, sa?, b, sb?, words, identity))
        })
        .collect();
    let boilerplate: Vec<Vec<_>> = boilerplate
        .into_iter()
        .enumerate()
        .map(|(d, spans)| {
            spans
                .into_iter()
                .filter_map(|(s, e, r)| Some((fit(d, s, e, &mut offsets)?, r)))
                .collect()
        })
        .collect();
    omitted.spans_out_of_range = cut;
    let units: Vec<Option<Utf16Offsets>> = docs
        .iter()
        .zip(offsets)
        .map(|(doc, offs)| doc.text.as_deref().map(|t| Utf16Offsets::new(t, offs)))
        .collect();
    let at = |d: usize, byte: usize| units[d].as_ref().map_or(0, |u| u.get(byte));
    let passages = passages
        .into_iter()
        .map(|(a, (a0, a1), b, (b0, b1), words, identity)| {
            (a as u32, at(a, a0), at(a, a1), b as u32, at(b, b0), at(b, b1), words, identity)
        })
        .collect();
    for (d, spans) in boilerplate.into_iter().enumerate() {
        docs[d].bp = spans.into_iter().map(|((s, e), r)| (at(d, s), at(d, e), r)).collect();
    }

    let similarity = membership.similarity.take();
    Ok(Report {
        title: dir.display().to_string(),
        run: run_info(&summary),
        overview: overview(&summary, &membership.clusters, similarity),
        omitted,
        clusters,
        docs,
        passages,
        pairs,
        relations,
        reasons,
    })
}

/// Clusters worth listing (several documents, or one that takes part in a
/// passage), ranked, cut at `max_clusters`.
fn choose_clusters(clusters: &[Cluster], max_clusters: u32, omitted: &mut Omitted) -> Vec<u32> {
    let mut listed: Vec<u32> = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        if c.size > 1 || c.passages > 0 {
            listed.push(i as u32);
        } else {
            omitted.singletons += 1;
        }
    }
    listed.sort_unstable_by(|&x, &y| {
        let (x, y) = (&clusters[x as usize], &clusters[y as usize]);
        y.size.cmp(&x.size).then(y.passages.cmp(&x.passages)).then(x.id.cmp(&y.id))
    });
    let keep = listed.len().min(max_clusters as usize);
    for &c in &listed[keep..] {
        let size = clusters[c as usize].size;
        omitted.clusters += 1;
        omitted.clusters_documents += size;
        omitted.largest_omitted_size = omitted.largest_omitted_size.max(size);
    }
    listed.truncate(keep);
    listed
}

/// The documents of each shown cluster, at most `sample` of each: the
/// output clusters, documents (texts still to read), and id -> document.
fn sample_members(
    membership: &Membership,
    shown: &[u32],
    limits: Limits,
    omitted: &mut Omitted,
) -> (Vec<ClusterOut>, Vec<DocOut>, HashMap<String, usize>) {
    let mut slot: Vec<Option<usize>> = vec![None; membership.clusters.len()];
    for (i, &c) in shown.iter().enumerate() {
        slot[c as usize] = Some(i);
    }
    let mut picked: Vec<Vec<(&String, &Member)>> = vec![Vec::new(); shown.len()];
    for (id, m) in &membership.members {
        if let Some(i) = slot[m.cluster as usize] {
            picked[i].push((id, m));
        }
    }
    let mut clusters = Vec::with_capacity(shown.len());
    let mut docs = Vec::new();
    let mut wanted = HashMap::new();
    for (i, mut members) in picked.into_iter().enumerate() {
        members.sort_unstable_by(|(ia, a), (ib, b)| {
            let sim = |m: &Member| m.similarity.unwrap_or(f32::INFINITY);
            b.representative
                .cmp(&a.representative)
                .then(b.in_passage.cmp(&a.in_passage))
                .then(sim(a).total_cmp(&sim(b)))
                .then(ia.cmp(ib))
        });
        let c = &membership.clusters[shown[i] as usize];
        let keep = members.len().min(limits.sample as usize);
        omitted.members += (members.len() - keep) as u64;
        let mut out = ClusterOut {
            id: c.id,
            size: c.size,
            sim_min: c.sim_min,
            sim_mean: (c.sim_count > 0).then(|| (c.sim_sum / c.sim_count as f64) as f32),
            docs: Vec::with_capacity(keep),
            more: (members.len() - keep) as u64,
            passages: c.passages,
        };
        for (id, m) in members.into_iter().take(keep) {
            out.docs.push(docs.len() as u32);
            wanted.insert(id.clone(), docs.len());
            docs.push(DocOut {
                id: id.clone(),
                cluster: i as u32,
                rep: m.representative,
                sim: m.similarity,
                text: None,
                fields: Vec::new(),
                bp: Vec::new(),
            });
        }
        clusters.push(out);
    }
    (clusters, docs, wanted)
}

fn run_info(summary: &Summary) -> Run {
    let run = &summary.run;
    // As JSON values, whose objects keep their keys sorted as summary.json
    // has them.
    let json = |v: serde_json::Result<Value>| v.unwrap_or(Value::Null);
    Run {
        command: Some(run.command.clone()).filter(|c| !c.is_empty()),
        mode: run.mode.clone(),
        inputs: json(serde_json::to_value(&run.inputs)),
        read_options: json(serde_json::to_value(&run.read_options)),
        params: run.params.clone().unwrap_or(Value::Null),
        documents: json(serde_json::to_value(&run.documents)),
        timings_ms: json(serde_json::to_value(&run.timings_ms)),
    }
}

/// The run's own numbers where `summary.json` has them; what the cluster
/// file tells otherwise.
fn overview(
    summary: &Summary,
    clusters: &[Cluster],
    similarity: Option<SimilarityHistogram>,
) -> Overview {
    let run = &summary.run;
    let recorded = run.cluster_size_histogram.as_ref().map(|sizes| {
        let mut out: Vec<(u64, u64)> = sizes
            .iter()
            .filter_map(|(size, &n)| Some((size.parse().ok()?, n as u64)))
            .filter(|&(_, n)| n > 0)
            .collect();
        out.sort_unstable();
        out
    });
    let size_histogram = recorded.unwrap_or_else(|| {
        let mut counts: HashMap<u64, u64> = HashMap::new();
        for c in clusters {
            *counts.entry(c.size).or_default() += 1;
        }
        let mut out: Vec<(u64, u64)> = counts.into_iter().collect();
        out.sort_unstable();
        out
    });
    Overview {
        documents_read: run.documents.as_ref().map(Documents::read),
        documents_skipped: run.documents.as_ref().and_then(Documents::skipped),
        clusters: Some(run.clusters.map_or(clusters.len() as u64, |n| n as u64)),
        duplicates_removed: run.duplicates_removed.map(|n| n as u64),
        boilerplate_bytes: run.boilerplate_bytes.flatten(),
        size_histogram,
        similarity_histogram: similarity,
    }
}
