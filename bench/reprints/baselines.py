#!/usr/bin/env python3
"""Baselines and per-class scores for the reprint benchmark with classes
(issue 14; corpora from classes.py).

Baselines, each giving connected components of the pairs it accepts:
  tfidf-0.3      scikit-learn TfidfVectorizer(ngram_range=(1, 2),
                 sublinear_tf=True) over whole texts (furniture included),
                 cosine >= 0.3
  jaccard3-T     exact all-pairs Jaccard of word 3-gram sets (lowercased \\w+
                 words, as bench/peers/common.py), >= T: what MinHash
                 estimates, without LSH misses
  minhash3-T     datasketch MinHash (128 permutations) + MinHashLSH at
                 threshold T, every candidate verified with the exact Jaccard
                 >= T: the plain MinHash baseline of the issue

Scores (for syndic's clusters too): ARI and pair precision/recall/F1 as
`syndic eval` computes them, and per class: for reprint, abridged,
composed and revised, recall = the share of them in the same predicted
cluster as their source; for every class, "wrong" = the share whose
predicted cluster holds a document of another gold cluster; for followups,
"with story" = the share in the predicted cluster of the story whose
paragraphs they reuse.

As a script: `baselines.py SETDIR --out DIR` writes DIR/<method>/clusters.jsonl
and prints the scores as JSON.
"""

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict

import numpy as np
from scipy.sparse import csr_matrix, triu
from scipy.sparse.csgraph import connected_components

WORD = re.compile(r"\w+")
DERIVED = ["reprint", "abridged", "composed", "revised", "excerpt"]
CLASSES = ["source"] + DERIVED + ["followup", "negative"]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_set(setdir):
    corpus = read_jsonl(os.path.join(setdir, "corpus.jsonl"))
    labels = {r["id"]: r for r in read_jsonl(os.path.join(setdir, "labels.jsonl"))}
    meta = {r["id"]: r for r in read_jsonl(os.path.join(setdir, "meta.jsonl"))}
    return corpus, labels, meta


def components(n, rows, cols):
    """Cluster label per document: connected components of the given pairs."""
    graph = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, lab = connected_components(graph, directed=False)
    return lab


def tfidf_clusters(texts, threshold=0.3):
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sim = triu(x @ x.T, k=1).tocoo()
    keep = sim.data >= threshold
    return components(len(texts), sim.row[keep], sim.col[keep])


def shingle_sets(texts, n=3):
    out = []
    for text in texts:
        tokens = WORD.findall(text.lower())
        if len(tokens) < n:
            out.append({" ".join(tokens)} if tokens else set())
        else:
            out.append({" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)})
    return out


def jaccard_matrix(sets):
    """Upper triangle of exact pairwise Jaccard (pairs sharing a shingle)."""
    vocab, rows, cols = {}, [], []
    for i, s in enumerate(sets):
        for sh in s:
            rows.append(i)
            cols.append(vocab.setdefault(sh, len(vocab)))
    x = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(sets), len(vocab)))
    inter = triu(x @ x.T, k=1).tocoo()
    size = np.array([len(s) for s in sets], dtype=np.float64)
    jac = inter.data / (size[inter.row] + size[inter.col] - inter.data)
    return inter.row, inter.col, jac


def jaccard_clusters(sets, threshold, jm=None):
    rows, cols, jac = jm if jm is not None else jaccard_matrix(sets)
    keep = jac >= threshold
    return components(len(sets), rows[keep], cols[keep])


def minhash_clusters(sets, threshold, num_perm=128, jm=None):
    from datasketch import MinHash, MinHashLSH

    rows, cols, jac = jm if jm is not None else jaccard_matrix(sets)
    exact = {(int(a), int(b)): float(j) for a, b, j in zip(rows, cols, jac)}
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    pairs_r, pairs_c = [], []
    for i, s in enumerate(sets):
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([sh.encode("utf-8") for sh in s])
        for j in lsh.query(m):
            if exact.get((j, i), 0.0) >= threshold:
                pairs_r.append(j)
                pairs_c.append(i)
        lsh.insert(i, m)
    return components(len(sets), np.array(pairs_r, dtype=np.int64), np.array(pairs_c, dtype=np.int64))


def comb2(x):
    return x * (x - 1) // 2


def pair_scores(gold, pred):
    """ARI and pair precision/recall/F1 over the ids of `gold` (missing
    predictions are singletons, as `syndic eval` does by default)."""
    ids = list(gold)
    g = [gold[i] for i in ids]
    p = [pred.get(i, ("__single__", i)) for i in ids]
    n = len(ids)
    common = sum(comb2(c) for c in Counter(zip(g, p)).values())
    gold_pairs = sum(comb2(c) for c in Counter(g).values())
    pred_pairs = sum(comb2(c) for c in Counter(p).values())
    total = comb2(n)
    expected = gold_pairs * pred_pairs / total if total else 0.0
    max_index = (gold_pairs + pred_pairs) / 2
    ari = 1.0 if max_index == expected else (common - expected) / (max_index - expected)
    prec = common / pred_pairs if pred_pairs else 1.0
    rec = common / gold_pairs if gold_pairs else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"ari": ari, "pair_precision": prec, "pair_recall": rec, "pair_f1": f1,
            "gold_clusters": len(set(g)), "pred_clusters": len(set(p))}


def class_scores(labels, meta, pred):
    """Per class: n, recall (derived classes), wrong (share merged with
    another gold cluster), and for followups with_story."""
    members = defaultdict(set)  # predicted cluster -> gold clusters in it
    for doc_id, lab in labels.items():
        members[pred[doc_id]].add(lab["cluster"])
    out = {}
    for cls in CLASSES:
        docs = [d for d, lab in labels.items() if lab["class"] == cls]
        if not docs:
            continue
        row = {"n": len(docs), "wrong": sum(len(members[pred[d]]) > 1 for d in docs) / len(docs)}
        if cls in DERIVED:
            row["recall"] = sum(pred[d] == pred[meta[d]["source"]] for d in docs) / len(docs)
        if cls == "followup":
            row["with_story"] = sum(pred[d] == pred[meta[d]["related_source"]] for d in docs) / len(docs)
        out[cls] = row
    return out


def abridged_by_kept(labels, meta, pred, edges=(0.0, 0.15, 0.25, 0.35, 1.01)):
    """Recall of abridged copies by the share of the source they keep."""
    out = {}
    for lo, hi in zip(edges, edges[1:]):
        docs = [d for d, lab in labels.items() if lab["class"] == "abridged" and lo <= meta[d]["kept"] < hi]
        if docs:
            out[f"{lo:.2f}-{min(hi, 1):.2f}"] = {
                "n": len(docs), "recall": sum(pred[d] == pred[meta[d]["source"]] for d in docs) / len(docs)}
    return out


def score(labels, meta, pred):
    gold = {d: lab["cluster"] for d, lab in labels.items()}
    return {**pair_scores(gold, pred), "classes": class_scores(labels, meta, pred),
            "abridged_by_kept": abridged_by_kept(labels, meta, pred)}


def write_clusters(path, ids, lab):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for doc_id, c in zip(ids, lab):
            f.write(json.dumps({"id": doc_id, "cluster": int(c)}) + "\n")


def run_baselines(setdir, out, jaccard=(0.3, 0.5, 0.8), minhash=(0.3, 0.5, 0.8)):
    """Every baseline on one set: {method: {"seconds", "scores"}}, clusters
    written to out/<method>/clusters.jsonl."""
    corpus, labels, meta = load_set(setdir)
    ids = [r["id"] for r in corpus]
    texts = [r["text"] for r in corpus]
    results = {}

    def record(name, started, lab):
        results[name] = {"seconds": round(time.time() - started, 2),
                         "scores": score(labels, meta, dict(zip(ids, (int(c) for c in lab))))}
        write_clusters(os.path.join(out, name, "clusters.jsonl"), ids, lab)

    t = time.time()
    record("tfidf-0.3", t, tfidf_clusters(texts, 0.3))
    t = time.time()
    sets = shingle_sets(texts, 3)
    jm = jaccard_matrix(sets)
    base = time.time() - t
    for thr in jaccard:
        t = time.time() - base
        record(f"jaccard3-{thr}", t, jaccard_clusters(sets, thr, jm))
    for thr in minhash:
        t = time.time() - base
        record(f"minhash3-{thr}", t, minhash_clusters(sets, thr, jm=jm))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("setdir", help="a directory written by classes.py")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    json.dump(run_baselines(args.setdir, args.out), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
