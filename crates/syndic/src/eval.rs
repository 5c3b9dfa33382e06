//! Scoring predicted clusters against gold labels.
//!
//! A deduplication run is a *partition*: every document lands in exactly one
//! cluster. To know whether it is a good one we compare it with a gold
//! partition (which documents really are copies of one another) and need
//! numbers that answer different questions:
//!
//! * **Adjusted Rand index** (Hubert & Arabie, 1985): of all pairs of
//!   documents, how many does the prediction treat like the gold (together in
//!   both, or apart in both), corrected for chance so that a random partition
//!   with the same cluster sizes scores 0 and an identical one scores 1. It
//!   is computed from the contingency table (gold cluster x predicted
//!   cluster), never by enumerating pairs, with exact `u128` pair counts and
//!   a single rounding at the end, so millions of documents cost one sort.
//! * **Pairwise precision, recall and F1**: over pairs of documents put in
//!   one cluster. Precision is the share of predicted pairs that are gold
//!   pairs, recall the share of gold pairs that were predicted. Large
//!   clusters dominate, since pairs grow with the square of cluster size; a
//!   single false merge of two big clusters is very visible here.
//! * **B-cubed precision, recall and F1** (Bagga & Baldwin, 1998): the same
//!   questions asked per document and averaged, so every document weighs the
//!   same whatever the size of its cluster.
//!
//! Beyond the scores, a report names the worst mistakes, which is what one
//! needs to fix them: the predicted clusters that mix the most gold clusters
//! (false merges, ranked by pairs wrongly joined) and the gold clusters split
//! the most (misses, ranked by pairs wrongly separated), with some of their
//! ids.
//!
//! # Policies
//!
//! * **The gold decides which ids are scored.** Ids present only in the
//!   predictions are not scored (nothing says where they belong) and are
//!   counted in [`Coverage::absent_from_gold`]. Gold ids absent from the
//!   predictions are, by default ([`MissingPredictions::Singleton`]), scored
//!   as predicted singletons: a tool that writes out only the documents it
//!   clustered has merged the others with nothing, and evaluating on the
//!   intersection alone would silently drop every document it missed.
//!   [`MissingPredictions::Skip`] evaluates on the intersection instead.
//!   Either way the counts are in [`EvalReport::coverage`].
//! * **Singletons are clusters**: each counts in `gold_clusters` and
//!   `pred_clusters`, and contributes no pairs.
//! * **Degenerate cases.** With fewer than two documents, or when both
//!   partitions are all singletons or both a single cluster, the partitions
//!   are identical and the ARI is defined as 1.0 (it is 0/0 otherwise; this
//!   is also scikit-learn's convention). Pairwise precision with no predicted
//!   pairs, and recall with no gold pairs, are 1.0: nothing was claimed
//!   wrongly, or nothing was there to find. B-cubed scores over no documents
//!   are 1.0 likewise. An F1 whose precision and recall are both 0 is 0.
//!
//! Labels are compared as strings: callers that read integer labels must
//! render them the same way on both sides.
//!
//! # Example
//!
//! ```
//! use std::collections::HashMap;
//! use syndic::eval::evaluate;
//!
//! let labels = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
//!     pairs.iter().map(|(id, label)| (id.to_string(), label.to_string())).collect()
//! };
//! // Gold: {a, b, c} and {d, e}. Predicted: {a, b} and {c, d, e}.
//! let gold = labels(&[("a", "x"), ("b", "x"), ("c", "x"), ("d", "y"), ("e", "y")]);
//! let pred = labels(&[("a", "1"), ("b", "1"), ("c", "2"), ("d", "2"), ("e", "2")]);
//! let report = evaluate(&gold, &pred, 10);
//!
//! // Two of the four predicted pairs are gold pairs, and two of four gold pairs were found.
//! assert_eq!((report.pair_precision, report.pair_recall), (0.5, 0.5));
//! assert!((report.ari - 1.0 / 6.0).abs() < 1e-12);
//! // Cluster "2" wrongly joins c with d and e.
//! assert_eq!(report.worst_false_merges[0].cluster, "2");
//! assert_eq!(report.worst_false_merges[0].wrong_pairs, 2);
//! ```

use std::collections::HashMap;
use std::hash::Hash;

/// The most parts (gold clusters of a false merge, predicted clusters of a
/// miss) listed per reported mistake, largest first; enough to see the
/// mistake without flooding a terminal when one cluster swallowed hundreds.
pub const MAX_PARTS: usize = 10;

/// The most ids listed per part, in id order; the part's `size` gives the
/// full count.
pub const MAX_IDS_PER_PART: usize = 5;

/// What to do with gold ids that the predictions do not mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPredictions {
    /// Score each as a predicted cluster of its own.
    #[default]
    Singleton,
    /// Leave them out: evaluate on the ids both sides have.
    Skip,
}

/// How to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// How many false merges and misses to report.
    pub top_n: usize,
    /// The policy for gold ids absent from the predictions.
    pub missing: MissingPredictions,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self { top_n: 10, missing: MissingPredictions::default() }
    }
}

/// The scores of a predicted partition against the gold one.
///
/// Serialized (JSON), the scores and cluster counts are top-level keys named
/// as the fields here.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalReport {
    /// Adjusted Rand index, in [-1, 1]; 0 is chance level.
    pub ari: f64,
    /// Share of predicted same-cluster pairs that are gold pairs.
    pub pair_precision: f64,
    /// Share of gold same-cluster pairs that were predicted.
    pub pair_recall: f64,
    /// Harmonic mean of the pairwise precision and recall.
    pub pair_f1: f64,
    /// Mean over documents of the share of its predicted cluster that shares its gold label.
    pub bcubed_precision: f64,
    /// Mean over documents of the share of its gold cluster found in its predicted cluster.
    pub bcubed_recall: f64,
    /// Harmonic mean of the B-cubed precision and recall.
    pub bcubed_f1: f64,
    /// Distinct gold clusters among the evaluated documents (singletons included).
    pub gold_clusters: usize,
    /// Distinct predicted clusters among the evaluated documents (singletons included).
    pub pred_clusters: usize,
    /// The pair counts behind the scores.
    pub pairs: PairCounts,
    /// Which ids were evaluated, and how many each side lacked.
    pub coverage: Coverage,
    /// Predicted clusters that join documents of different gold clusters,
    /// most wrongly joined pairs first.
    pub worst_false_merges: Vec<FalseMerge>,
    /// Gold clusters split over several predicted clusters, most wrongly
    /// separated pairs first.
    pub worst_misses: Vec<Miss>,
}

/// Unordered pairs of distinct evaluated documents.
///
/// `u128` because the pair count of n documents is about n²/2, and the ARI's
/// exact numerator multiplies two of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PairCounts {
    /// All pairs: n(n-1)/2.
    pub total: u128,
    /// Pairs in one gold cluster.
    pub gold: u128,
    /// Pairs in one predicted cluster.
    pub pred: u128,
    /// Pairs in one gold and one predicted cluster.
    pub common: u128,
}

/// Which ids were evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// The policy applied to `absent_from_pred`.
    pub missing_predictions: MissingPredictions,
    /// Ids in the gold labels.
    pub gold_ids: usize,
    /// Ids in the predictions.
    pub pred_ids: usize,
    /// Ids scored.
    pub evaluated: usize,
    /// Gold ids the predictions lack.
    pub absent_from_pred: usize,
    /// Predicted ids the gold lacks; never scored.
    pub absent_from_gold: usize,
}

/// A predicted cluster joining documents of several gold clusters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FalseMerge {
    /// The predicted cluster's label.
    pub cluster: String,
    /// Its evaluated documents.
    pub size: u64,
    /// How many gold clusters it mixes.
    pub gold_clusters: usize,
    /// Its pairs whose documents have different gold labels.
    pub wrong_pairs: u128,
    /// Its documents grouped by gold label (`label` is the gold label).
    pub parts: Vec<Part>,
}

/// A gold cluster whose documents were predicted in several clusters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Miss {
    /// The gold label.
    pub label: String,
    /// Its evaluated documents.
    pub size: u64,
    /// Over how many predicted clusters it is spread; each document absent
    /// from the predictions counts as one.
    pub pred_clusters: usize,
    /// Its pairs that were predicted in different clusters.
    pub missed_pairs: u128,
    /// Its documents grouped by predicted cluster (`label` is the predicted
    /// cluster, `null` for the documents absent from the predictions).
    pub parts: Vec<Part>,
}

/// The documents of a reported mistake that share one label.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Part {
    /// The shared label, if any.
    pub label: Option<String>,
    /// How many documents.
    pub size: u64,
    /// The first [`MAX_IDS_PER_PART`] of their ids, in id order.
    pub ids: Vec<String>,
}

/// Scores `pred` against `gold` (both id -> cluster label), listing the
/// `top_n` worst false merges and misses, with gold ids absent from `pred`
/// scored as singletons.
pub fn evaluate(
    gold: &HashMap<String, String>,
    pred: &HashMap<String, String>,
    top_n: usize,
) -> EvalReport {
    evaluate_with(gold, pred, &EvalOptions { top_n, ..EvalOptions::default() })
}

/// Scores `pred` against `gold` (both id -> cluster label) as `options` say.
pub fn evaluate_with(
    gold: &HashMap<String, String>,
    pred: &HashMap<String, String>,
    options: &EvalOptions,
) -> EvalReport {
    let items = Items::new(gold, pred, options.missing);
    let table = Contingency::new(&items);
    let pairs = table.pair_counts();
    let n = items.ids.len();

    let pair_precision = ratio(pairs.common, pairs.pred);
    let pair_recall = ratio(pairs.common, pairs.gold);
    let (bcubed_precision, bcubed_recall) = table.bcubed(n);

    EvalReport {
        ari: adjusted_rand_index(&pairs),
        pair_precision,
        pair_recall,
        pair_f1: f1(pair_precision, pair_recall),
        bcubed_precision,
        bcubed_recall,
        bcubed_f1: f1(bcubed_precision, bcubed_recall),
        gold_clusters: items.gold_labels.len(),
        pred_clusters: items.pred_labels.len(),
        pairs,
        coverage: items.coverage,
        worst_false_merges: worst_false_merges(&items, &table, options.top_n),
        worst_misses: worst_misses(&items, &table, options.top_n),
    }
}

/// The evaluated documents in id order, their labels interned to dense
/// indices. Id order makes every sum and every tie-break independent of hash
/// map iteration order, so equal inputs give bit-identical reports.
struct Items<'a> {
    ids: Vec<&'a str>,
    gold_of: Vec<usize>,
    pred_of: Vec<usize>,
    gold_labels: Vec<&'a str>,
    /// `None` for a document absent from the predictions, scored as a cluster of its own.
    pred_labels: Vec<Option<&'a str>>,
    coverage: Coverage,
}

impl<'a> Items<'a> {
    fn new(
        gold: &'a HashMap<String, String>,
        pred: &'a HashMap<String, String>,
        missing: MissingPredictions,
    ) -> Self {
        let mut gold_ids: Vec<&str> = gold.keys().map(String::as_str).collect();
        gold_ids.sort_unstable();

        let mut items = Items {
            ids: Vec::with_capacity(gold_ids.len()),
            gold_of: Vec::with_capacity(gold_ids.len()),
            pred_of: Vec::with_capacity(gold_ids.len()),
            gold_labels: Vec::new(),
            pred_labels: Vec::new(),
            coverage: Coverage {
                missing_predictions: missing,
                gold_ids: gold.len(),
                pred_ids: pred.len(),
                evaluated: 0,
                absent_from_pred: 0,
                absent_from_gold: pred.keys().filter(|id| !gold.contains_key(*id)).count(),
            },
        };
        let mut gold_index = HashMap::new();
        let mut pred_index = HashMap::new();
        for id in gold_ids {
            let pred_label = pred.get(id).map(String::as_str);
            if pred_label.is_none() {
                items.coverage.absent_from_pred += 1;
                if missing == MissingPredictions::Skip {
                    continue;
                }
            }
            let g = intern(&mut gold_index, &mut items.gold_labels, gold[id].as_str());
            let p = match pred_label {
                Some(label) => intern(&mut pred_index, &mut items.pred_labels, Some(label)),
                None => {
                    items.pred_labels.push(None);
                    items.pred_labels.len() - 1
                }
            };
            items.ids.push(id);
            items.gold_of.push(g);
            items.pred_of.push(p);
        }
        items.coverage.evaluated = items.ids.len();
        items
    }
}

fn intern<K: Copy + Eq + Hash>(
    index: &mut HashMap<K, usize>,
    labels: &mut Vec<K>,
    key: K,
) -> usize {
    *index.entry(key).or_insert_with(|| {
        labels.push(key);
        labels.len() - 1
    })
}

/// The non-empty cells of the gold x predicted contingency table, with its
/// margins (cluster sizes).
struct Contingency {
    /// `(gold, pred, count)`, sorted by gold then pred.
    cells: Vec<(usize, usize, u64)>,
    gold_sizes: Vec<u64>,
    pred_sizes: Vec<u64>,
}

impl Contingency {
    fn new(items: &Items<'_>) -> Self {
        let mut pairs: Vec<(usize, usize)> =
            items.gold_of.iter().copied().zip(items.pred_of.iter().copied()).collect();
        pairs.sort_unstable();
        let mut cells: Vec<(usize, usize, u64)> = Vec::new();
        for (g, p) in pairs {
            match cells.last_mut() {
                Some((lg, lp, count)) if (*lg, *lp) == (g, p) => *count += 1,
                _ => cells.push((g, p, 1)),
            }
        }
        let mut gold_sizes = vec![0; items.gold_labels.len()];
        let mut pred_sizes = vec![0; items.pred_labels.len()];
        for &(g, p, count) in &cells {
            gold_sizes[g] += count;
            pred_sizes[p] += count;
        }
        Self { cells, gold_sizes, pred_sizes }
    }

    fn pair_counts(&self) -> PairCounts {
        let n: u64 = self.gold_sizes.iter().sum();
        PairCounts {
            total: pairs_of(n),
            gold: self.gold_sizes.iter().map(|&s| pairs_of(s)).sum(),
            pred: self.pred_sizes.iter().map(|&s| pairs_of(s)).sum(),
            common: self.cells.iter().map(|&(_, _, c)| pairs_of(c)).sum(),
        }
    }

    /// B-cubed (precision, recall) over `n` documents. Each document of cell
    /// (g, p) has precision count/|p| and recall count/|g|, so a cell
    /// contributes count²/|p| and count²/|g|; summing the squares per cluster
    /// in integers first leaves one division per cluster.
    fn bcubed(&self, n: usize) -> (f64, f64) {
        if n == 0 {
            return (1.0, 1.0);
        }
        let mut gold_squares = vec![0u128; self.gold_sizes.len()];
        let mut pred_squares = vec![0u128; self.pred_sizes.len()];
        for &(g, p, count) in &self.cells {
            let square = u128::from(count) * u128::from(count);
            gold_squares[g] += square;
            pred_squares[p] += square;
        }
        let mean = |squares: &[u128], sizes: &[u64]| -> f64 {
            let sum: f64 =
                squares.iter().zip(sizes).map(|(&sq, &size)| sq as f64 / size as f64).sum();
            sum / n as f64
        };
        (mean(&pred_squares, &self.pred_sizes), mean(&gold_squares, &self.gold_sizes))
    }
}

/// Unordered pairs among `n` items.
fn pairs_of(n: u64) -> u128 {
    u128::from(n) * u128::from(n.saturating_sub(1)) / 2
}

/// `num / den`, or 1.0 when there is nothing to divide by (see the module's
/// policies).
fn ratio(num: u128, den: u128) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// ARI = (common - expected) / (mean - expected), with expected =
/// gold·pred/total and mean = (gold + pred)/2. Multiplying through by
/// 2·total keeps everything an integer:
///
/// ```text
/// ARI = 2·(common·total - gold·pred) / ((gold + pred)·total - 2·gold·pred)
/// ```
///
/// which is exact in `i128`/`u128` for anything up to ~2³² documents, so the
/// only rounding is the final division and near-chance scores suffer no
/// cancellation. Larger counts fall back to the same formula in `f64`. The
/// denominator is zero exactly when both partitions are all singletons or
/// both one cluster (or there are under two documents): identical, so 1.0.
fn adjusted_rand_index(pairs: &PairCounts) -> f64 {
    let exact = || -> Option<(i128, u128)> {
        let cross = pairs.gold.checked_mul(pairs.pred)?;
        let agreement = i128::try_from(pairs.common.checked_mul(pairs.total)?).ok()?;
        let numerator = agreement.checked_sub(i128::try_from(cross).ok()?)?;
        let denominator = pairs
            .gold
            .checked_add(pairs.pred)?
            .checked_mul(pairs.total)?
            .checked_sub(cross.checked_mul(2)?)?;
        Some((numerator, denominator))
    };
    match exact() {
        Some((_, 0)) => 1.0,
        Some((numerator, denominator)) => 2.0 * numerator as f64 / denominator as f64,
        None => {
            let expected = pairs.gold as f64 * (pairs.pred as f64 / pairs.total as f64);
            let mean = (pairs.gold as f64 + pairs.pred as f64) / 2.0;
            if mean == expected {
                1.0
            } else {
                (pairs.common as f64 - expected) / (mean - expected)
            }
        }
    }
}

/// Per cluster on one side of the table: how many clusters of the other side
/// it overlaps, and how many of its pairs those overlaps keep together.
fn overlaps(
    cells: &[(usize, usize, u64)],
    clusters: usize,
    side: impl Fn(&(usize, usize, u64)) -> usize,
) -> Vec<(usize, u128)> {
    let mut out = vec![(0usize, 0u128); clusters];
    for cell in cells {
        let entry = &mut out[side(cell)];
        entry.0 += 1;
        entry.1 += pairs_of(cell.2);
    }
    out
}

/// Ranks clusters by wrong pairs, then by how many clusters of the other
/// side they touch, then by size, then by label; keeps the `top_n` with any
/// wrong pair. Returns (cluster, touched, wrong pairs).
fn rank_mistakes<'a>(
    sizes: &[u64],
    overlaps: &[(usize, u128)],
    label: impl Fn(usize) -> Option<&'a str>,
    top_n: usize,
) -> Vec<(usize, usize, u128)> {
    let mut mistakes: Vec<(usize, usize, u128)> = overlaps
        .iter()
        .enumerate()
        .map(|(c, &(touched, kept))| (c, touched, pairs_of(sizes[c]) - kept))
        .filter(|&(_, _, wrong)| wrong > 0)
        .collect();
    mistakes.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then(b.1.cmp(&a.1))
            .then(sizes[b.0].cmp(&sizes[a.0]))
            .then_with(|| label(a.0).cmp(&label(b.0)))
    });
    mistakes.truncate(top_n);
    mistakes
}

fn worst_false_merges(items: &Items<'_>, table: &Contingency, top_n: usize) -> Vec<FalseMerge> {
    let pred_label = |p: usize| items.pred_labels[p];
    let overlaps = overlaps(&table.cells, table.pred_sizes.len(), |&(_, p, _)| p);
    let worst = rank_mistakes(&table.pred_sizes, &overlaps, pred_label, top_n);

    let mut slot_of = vec![None; table.pred_sizes.len()];
    for (slot, &(p, _, _)) in worst.iter().enumerate() {
        slot_of[p] = Some(slot);
    }
    let members = (0..items.ids.len()).filter_map(|i| {
        slot_of[items.pred_of[i]].map(|slot| (slot, items.gold_of[i], items.ids[i]))
    });
    let parts = group_parts(worst.len(), members, |g| Some(items.gold_labels[g].to_owned()));

    worst
        .into_iter()
        .zip(parts)
        // A cluster with wrong pairs has two or more documents, so it is a
        // real predicted cluster, never an absent document's singleton.
        .filter_map(|((p, touched, wrong), parts)| {
            Some(FalseMerge {
                cluster: pred_label(p)?.to_owned(),
                size: table.pred_sizes[p],
                gold_clusters: touched,
                wrong_pairs: wrong,
                parts,
            })
        })
        .collect()
}

fn worst_misses(items: &Items<'_>, table: &Contingency, top_n: usize) -> Vec<Miss> {
    let gold_label = |g: usize| Some(items.gold_labels[g]);
    let overlaps = overlaps(&table.cells, table.gold_sizes.len(), |&(g, _, _)| g);
    let worst = rank_mistakes(&table.gold_sizes, &overlaps, gold_label, top_n);

    let mut slot_of = vec![None; table.gold_sizes.len()];
    for (slot, &(g, _, _)) in worst.iter().enumerate() {
        slot_of[g] = Some(slot);
    }
    // Documents absent from the predictions share the part keyed `None`, so
    // that a gold cluster the tool never saw reads as one part, not dozens.
    let members = (0..items.ids.len()).filter_map(|i| {
        let p = items.pred_of[i];
        slot_of[items.gold_of[i]].map(|slot| (slot, items.pred_labels[p].map(|_| p), items.ids[i]))
    });
    let parts = group_parts(worst.len(), members, |p: Option<usize>| {
        p.and_then(|p| items.pred_labels[p]).map(str::to_owned)
    });

    worst
        .into_iter()
        .zip(parts)
        .map(|((g, touched, missed), parts)| Miss {
            label: items.gold_labels[g].to_owned(),
            size: table.gold_sizes[g],
            pred_clusters: touched,
            missed_pairs: missed,
            parts,
        })
        .collect()
}

/// Groups `(slot, key, id)` members (in id order) into parts per slot, the
/// largest [`MAX_PARTS`] first, each with its first [`MAX_IDS_PER_PART`] ids.
fn group_parts<'a, K: Copy + Eq + Hash>(
    slots: usize,
    members: impl Iterator<Item = (usize, K, &'a str)>,
    label_of: impl Fn(K) -> Option<String>,
) -> Vec<Vec<Part>> {
    let mut groups: Vec<HashMap<K, Part>> = (0..slots).map(|_| HashMap::new()).collect();
    for (slot, key, id) in members {
        let part = groups[slot].entry(key).or_insert_with(|| Part {
            label: label_of(key),
            size: 0,
            ids: Vec::new(),
        });
        part.size += 1;
        if part.ids.len() < MAX_IDS_PER_PART {
            part.ids.push(id.to_owned());
        }
    }
    groups
        .into_iter()
        .map(|group| {
            let mut parts: Vec<Part> = group.into_values().collect();
            parts.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.label.cmp(&b.label)));
            parts.truncate(MAX_PARTS);
            parts
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(id, label)| (id.to_string(), label.to_string())).collect()
    }

    /// Labels from a slice: item i is id `i` with label `labels[i]`.
    fn indexed(labels: &[u32]) -> HashMap<String, String> {
        labels.iter().enumerate().map(|(i, l)| (format!("{i:04}"), l.to_string())).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    struct Case {
        name: &'static str,
        gold: &'static [(&'static str, &'static str)],
        pred: &'static [(&'static str, &'static str)],
        ari: f64,
        pair: (f64, f64, f64),
        bcubed: (f64, f64, f64),
        clusters: (usize, usize),
    }

    #[test]
    fn hand_computed_cases() {
        let cases = [
            // Gold {a,b,c} {d,e}; pred {a,b} {c,d,e}. Cells: 2, 1, 2.
            // common = C(2,2)+C(2,2) = 2; gold = C(3,2)+C(2,2) = 4; pred = 4;
            // total = C(5,2) = 10. expected = 4·4/10 = 1.6, mean = 4,
            // ARI = (2-1.6)/(4-1.6) = 1/6. Pairwise P = R = 2/4.
            // B-cubed P: a,b 2/2; c 1/3; d,e 2/3 -> (2 + 1/3 + 4/3)/5 = 11/15;
            // R: a,b 2/3; c 1/3; d,e 2/2 -> 11/15 too.
            Case {
                name: "one document moved",
                gold: &[("a", "x"), ("b", "x"), ("c", "x"), ("d", "y"), ("e", "y")],
                pred: &[("a", "1"), ("b", "1"), ("c", "2"), ("d", "2"), ("e", "2")],
                ari: 1.0 / 6.0,
                pair: (0.5, 0.5, 0.5),
                bcubed: (11.0 / 15.0, 11.0 / 15.0, 11.0 / 15.0),
                clusters: (2, 2),
            },
            // Gold {a,b} {c,d}; pred {a,c} {b,d}: no pair agrees.
            // common = 0, gold = pred = 2, total = 6: expected = 2/3, mean = 2,
            // ARI = (0 - 2/3)/(2 - 2/3) = -1/2. Each document's clusters
            // overlap in itself only: B-cubed P = R = 1/2.
            Case {
                name: "crossed pairs",
                gold: &[("a", "x"), ("b", "x"), ("c", "y"), ("d", "y")],
                pred: &[("a", "1"), ("b", "2"), ("c", "1"), ("d", "2")],
                ari: -0.5,
                pair: (0.0, 0.0, 0.0),
                bcubed: (0.5, 0.5, 0.5),
                clusters: (2, 2),
            },
            // Gold one cluster of 4, pred all singletons: common = 0, gold = 6,
            // pred = 0, total = 6: expected = 0, ARI = 0 / 3 = 0. No predicted
            // pairs, so precision is 1 by convention, recall 0. B-cubed P = 1,
            // R = 1/4, F1 = 2·(1/4)/(5/4) = 0.4.
            Case {
                name: "gold one cluster, pred singletons",
                gold: &[("a", "x"), ("b", "x"), ("c", "x"), ("d", "x")],
                pred: &[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")],
                ari: 0.0,
                pair: (1.0, 0.0, 0.0),
                bcubed: (1.0, 0.25, 0.4),
                clusters: (1, 4),
            },
            // The mirror image: pairwise precision and recall swap.
            Case {
                name: "gold singletons, pred one cluster",
                gold: &[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")],
                pred: &[("a", "x"), ("b", "x"), ("c", "x"), ("d", "x")],
                ari: 0.0,
                pair: (0.0, 1.0, 0.0),
                bcubed: (0.25, 1.0, 0.4),
                clusters: (4, 1),
            },
            // Both all singletons: no pairs anywhere, identical partitions.
            Case {
                name: "all singletons",
                gold: &[("a", "1"), ("b", "2"), ("c", "3")],
                pred: &[("a", "p"), ("b", "q"), ("c", "r")],
                ari: 1.0,
                pair: (1.0, 1.0, 1.0),
                bcubed: (1.0, 1.0, 1.0),
                clusters: (3, 3),
            },
            // Both one cluster: every pair agrees, ARI's 0/0 defined as 1.
            Case {
                name: "one cluster",
                gold: &[("a", "x"), ("b", "x"), ("c", "x")],
                pred: &[("a", "7"), ("b", "7"), ("c", "7")],
                ari: 1.0,
                pair: (1.0, 1.0, 1.0),
                bcubed: (1.0, 1.0, 1.0),
                clusters: (1, 1),
            },
            Case {
                name: "single document",
                gold: &[("a", "x")],
                pred: &[("a", "1")],
                ari: 1.0,
                pair: (1.0, 1.0, 1.0),
                bcubed: (1.0, 1.0, 1.0),
                clusters: (1, 1),
            },
            Case {
                name: "no documents",
                gold: &[],
                pred: &[],
                ari: 1.0,
                pair: (1.0, 1.0, 1.0),
                bcubed: (1.0, 1.0, 1.0),
                clusters: (0, 0),
            },
        ];
        for case in cases {
            let report = evaluate(&labels(case.gold), &labels(case.pred), 10);
            let got = [
                report.ari,
                report.pair_precision,
                report.pair_recall,
                report.pair_f1,
                report.bcubed_precision,
                report.bcubed_recall,
                report.bcubed_f1,
            ];
            let want = [
                case.ari,
                case.pair.0,
                case.pair.1,
                case.pair.2,
                case.bcubed.0,
                case.bcubed.1,
                case.bcubed.2,
            ];
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                assert!(close(*g, w), "{}: score {i} is {g}, expected {w}", case.name);
            }
            assert_eq!(
                (report.gold_clusters, report.pred_clusters),
                case.clusters,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn missing_ids_follow_the_policy() {
        // Gold {a,b,c}; pred {a,b} with c absent and x unknown to the gold.
        let gold = labels(&[("a", "x"), ("b", "x"), ("c", "x")]);
        let pred = labels(&[("a", "1"), ("b", "1"), ("x", "1")]);
        struct Policy {
            missing: MissingPredictions,
            evaluated: usize,
            ari: f64,
            pair_recall: f64,
            pred_clusters: usize,
        }
        let policies = [
            // c is a singleton: common = 1, gold = 3, pred = 1, total = 3;
            // 2·(1·3 - 3·1) = 0, so ARI = 0. Recall 1/3.
            Policy {
                missing: MissingPredictions::Singleton,
                evaluated: 3,
                ari: 0.0,
                pair_recall: 1.0 / 3.0,
                pred_clusters: 2,
            },
            // Only a and b: one cluster on both sides.
            Policy {
                missing: MissingPredictions::Skip,
                evaluated: 2,
                ari: 1.0,
                pair_recall: 1.0,
                pred_clusters: 1,
            },
        ];
        for policy in policies {
            let report =
                evaluate_with(&gold, &pred, &EvalOptions { top_n: 5, missing: policy.missing });
            let coverage = report.coverage;
            assert_eq!(coverage.missing_predictions, policy.missing);
            assert_eq!(
                (coverage.gold_ids, coverage.pred_ids, coverage.evaluated),
                (3, 3, policy.evaluated)
            );
            assert_eq!((coverage.absent_from_pred, coverage.absent_from_gold), (1, 1));
            assert!(close(report.ari, policy.ari), "{:?}: {}", policy.missing, report.ari);
            assert!(close(report.pair_recall, policy.pair_recall));
            assert_eq!(report.pred_clusters, policy.pred_clusters);
        }
    }

    #[test]
    fn worst_mistakes_are_ranked_and_named() {
        // Pred "big" joins gold g1 (4 docs) and g2 (2 docs): C(6,2) - C(4,2) -
        // C(2,2) = 15 - 6 - 1 = 8 wrong pairs. Pred "small" joins g3 and g4
        // (one doc each): 1 wrong pair. Gold g5 is split between "p5" and
        // "q5" and one absent doc: C(4,2) - C(2,2) = 5 missed pairs.
        let gold = labels(&[
            ("a1", "g1"),
            ("a2", "g1"),
            ("a3", "g1"),
            ("a4", "g1"),
            ("b1", "g2"),
            ("b2", "g2"),
            ("c1", "g3"),
            ("d1", "g4"),
            ("e1", "g5"),
            ("e2", "g5"),
            ("e3", "g5"),
            ("e4", "g5"),
        ]);
        let pred = labels(&[
            ("a1", "big"),
            ("a2", "big"),
            ("a3", "big"),
            ("a4", "big"),
            ("b1", "big"),
            ("b2", "big"),
            ("c1", "small"),
            ("d1", "small"),
            ("e1", "p5"),
            ("e2", "p5"),
            ("e3", "q5"),
        ]);
        let report = evaluate(&gold, &pred, 10);

        let merges: Vec<(&str, u64, usize, u128)> = report
            .worst_false_merges
            .iter()
            .map(|m| (m.cluster.as_str(), m.size, m.gold_clusters, m.wrong_pairs))
            .collect();
        assert_eq!(merges, [("big", 6, 2, 8), ("small", 2, 2, 1)]);
        let big = &report.worst_false_merges[0].parts;
        assert_eq!(big[0].label.as_deref(), Some("g1"));
        assert_eq!(big[0].size, 4);
        assert_eq!(big[0].ids, ["a1", "a2", "a3", "a4"]);
        assert_eq!(big[1].label.as_deref(), Some("g2"));
        assert_eq!(big[1].ids, ["b1", "b2"]);

        // g1 is whole in "big", so g5 is the only miss; its absent document
        // forms the unlabelled part.
        assert_eq!(report.worst_misses.len(), 1);
        let miss = &report.worst_misses[0];
        assert_eq!(
            (miss.label.as_str(), miss.size, miss.pred_clusters, miss.missed_pairs),
            ("g5", 4, 3, 5)
        );
        let parts: Vec<(Option<&str>, u64, Vec<&str>)> = miss
            .parts
            .iter()
            .map(|p| (p.label.as_deref(), p.size, p.ids.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            parts,
            [(Some("p5"), 2, vec!["e1", "e2"]), (None, 1, vec!["e4"]), (Some("q5"), 1, vec!["e3"]),]
        );

        let limited = evaluate(&gold, &pred, 1);
        assert_eq!(limited.worst_false_merges.len(), 1);
        assert_eq!(limited.worst_false_merges[0].cluster, "big");
        assert!(evaluate(&gold, &pred, 0).worst_misses.is_empty());
    }

    #[test]
    fn parts_and_ids_are_capped() {
        // One predicted cluster over 12 gold clusters of sizes 12, 11, ..., 1.
        let mut gold = HashMap::new();
        let mut pred = HashMap::new();
        for g in 1..=12u32 {
            for i in 0..g {
                let id = format!("g{g:02}-{i:02}");
                gold.insert(id.clone(), format!("g{g:02}"));
                pred.insert(id, "all".to_owned());
            }
        }
        let report = evaluate(&gold, &pred, 3);
        let parts = &report.worst_false_merges[0].parts;
        assert_eq!(report.worst_false_merges[0].gold_clusters, 12);
        assert_eq!(parts.len(), MAX_PARTS);
        assert_eq!((parts[0].label.as_deref(), parts[0].size), (Some("g12"), 12));
        assert_eq!(parts[0].ids, ["g12-00", "g12-01", "g12-02", "g12-03", "g12-04"]);
        assert_eq!(parts[MAX_PARTS - 1].size, 3);
    }

    #[test]
    fn ari_falls_back_to_floating_point_past_u128() {
        // The counts of "one document moved" (common 2, gold 4, pred 4,
        // total 10) scaled by 2^100: exact products would need 2^200, and
        // the ratio, 1/6, is scale-free.
        let scale = 1u128 << 100;
        let pairs =
            PairCounts { total: 10 * scale, gold: 4 * scale, pred: 4 * scale, common: 2 * scale };
        assert!(close(adjusted_rand_index(&pairs), 1.0 / 6.0));
        let identical = PairCounts { total: 10 * scale, gold: 0, pred: 0, common: 0 };
        assert_eq!(adjusted_rand_index(&identical), 1.0);
        let one_cluster = PairCounts { total: scale, gold: scale, pred: scale, common: scale };
        assert_eq!(adjusted_rand_index(&one_cluster), 1.0);
    }

    #[test]
    fn reports_are_deterministic() {
        let gold = indexed(&[0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3]);
        let pred = indexed(&[5, 5, 5, 5, 6, 7, 7, 7, 8, 8, 9]);
        let first = serde_json::to_string(&evaluate(&gold, &pred, 10)).unwrap();
        // A map filled in another order, with other hash keys, iterates differently.
        let mut entries: Vec<(String, String)> = gold.into_iter().collect();
        entries.sort_unstable_by(|a, b| b.cmp(a));
        let mut gold_again = HashMap::with_capacity(1000);
        gold_again.extend(entries);
        let second = serde_json::to_string(&evaluate(&gold_again, &pred, 10)).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn json_has_the_documented_top_level_keys() {
        let report = evaluate(&indexed(&[0, 0, 1]), &indexed(&[0, 1, 1]), 10);
        let json = serde_json::to_value(&report).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ari",
                "bcubed_f1",
                "bcubed_precision",
                "bcubed_recall",
                "coverage",
                "gold_clusters",
                "pair_f1",
                "pair_precision",
                "pair_recall",
                "pairs",
                "pred_clusters",
                "worst_false_merges",
                "worst_misses",
            ]
        );
        assert_eq!(json["coverage"]["missing_predictions"], "singleton");
        assert_eq!(json["pairs"]["total"], 3);
    }

    /// Scores by enumerating every pair and every document: slow, but
    /// obviously right. Returns (ARI, pair P, pair R, B-cubed P, B-cubed R).
    fn brute_force(gold: &[u32], pred: &[u32]) -> (f64, f64, f64, f64, f64) {
        let n = gold.len();
        let (mut tp, mut fp, mut fn_, mut tn) = (0f64, 0f64, 0f64, 0f64);
        for i in 0..n {
            for j in i + 1..n {
                match (gold[i] == gold[j], pred[i] == pred[j]) {
                    (true, true) => tp += 1.0,
                    (false, true) => fp += 1.0,
                    (true, false) => fn_ += 1.0,
                    (false, false) => tn += 1.0,
                }
            }
        }
        // scikit-learn's pair-confusion form of the ARI.
        let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
        let ari = if fn_ == 0.0 && fp == 0.0 { 1.0 } else { 2.0 * (tp * tn - fn_ * fp) / den };
        let pp = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
        let pr = if tp + fn_ == 0.0 { 1.0 } else { tp / (tp + fn_) };
        let (mut bp, mut br) = (0.0, 0.0);
        for i in 0..n {
            let both = (0..n).filter(|&j| gold[j] == gold[i] && pred[j] == pred[i]).count();
            bp += both as f64 / (0..n).filter(|&j| pred[j] == pred[i]).count() as f64;
            br += both as f64 / (0..n).filter(|&j| gold[j] == gold[i]).count() as f64;
        }
        (ari, pp, pr, bp / n as f64, br / n as f64)
    }

    fn labelling() -> impl Strategy<Value = (Vec<u32>, Vec<u32>)> {
        (1usize..40, 1u32..8, 1u32..8).prop_flat_map(|(n, kg, kp)| {
            (proptest::collection::vec(0..kg, n), proptest::collection::vec(0..kp, n))
        })
    }

    proptest! {
        #[test]
        fn matches_brute_force((gold, pred) in labelling()) {
            let report = evaluate(&indexed(&gold), &indexed(&pred), 3);
            let (ari, pp, pr, bp, br) = brute_force(&gold, &pred);
            prop_assert!((report.ari - ari).abs() < 1e-9, "ari {} vs {}", report.ari, ari);
            prop_assert!(close(report.pair_precision, pp));
            prop_assert!(close(report.pair_recall, pr));
            prop_assert!(close(report.bcubed_precision, bp));
            prop_assert!(close(report.bcubed_recall, br));
        }

        #[test]
        fn invariants((gold, pred) in labelling(), shift in 1u32..1000) {
            let (g, p) = (indexed(&gold), indexed(&pred));
            let report = evaluate(&g, &p, 3);

            // Renaming labels changes nothing; identical partitions score 1.
            let renamed: Vec<u32> = gold.iter().map(|l| (l + shift) * 7).collect();
            let same = evaluate(&g, &indexed(&renamed), 3);
            prop_assert_eq!(same.ari, 1.0);
            prop_assert_eq!((same.pair_f1, same.bcubed_f1), (1.0, 1.0));
            prop_assert!(same.worst_false_merges.is_empty() && same.worst_misses.is_empty());

            // Swapping sides keeps the ARI and swaps precision and recall.
            let swapped = evaluate(&p, &g, 3);
            prop_assert!(close(swapped.ari, report.ari));
            prop_assert!(close(swapped.pair_precision, report.pair_recall));
            prop_assert!(close(swapped.bcubed_recall, report.bcubed_precision));

            prop_assert!(report.ari <= 1.0 + 1e-12 && report.ari >= -1.0);
            for score in [report.pair_f1, report.bcubed_precision, report.bcubed_recall, report.bcubed_f1] {
                prop_assert!((0.0..=1.0).contains(&score), "{}", score);
            }
            // Wrong pairs listed never exceed the pairs the scores call wrong.
            let wrong: u128 = report.worst_false_merges.iter().map(|m| m.wrong_pairs).sum();
            prop_assert!(wrong <= report.pairs.pred - report.pairs.common);
        }
    }
}
