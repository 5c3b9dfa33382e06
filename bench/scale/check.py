#!/usr/bin/env python3
"""Recall of the duplicates `generate.py` or `news.py` planted: a planted
copy is found when `syndic dedup` put it in its source's cluster. With
`--pairs`, also the pair precision and recall of the clusters against the
groups the planted copies make (documents linked by planted copies, a
document with none alone): a false pair is two documents in one cluster
that no chain of planted copies links. Prints one JSON line.

  python3 bench/scale/check.py CORPUS_DIR RUN_DIR [--pairs]

A run over the first documents of a corpus is checked against the copies
planted among them.
"""

import json
import os
import sys
from array import array
from collections import Counter


def main():
    corpus, run = sys.argv[1], sys.argv[2]
    pairs = "--pairs" in sys.argv[3:]
    # Generated ids are d000000000, d000000001, ... in corpus order, and
    # clusters.jsonl lists documents in corpus order: one array suffices.
    cluster = array("q")
    with open(os.path.join(run, "clusters.jsonl")) as f:
        for n, line in enumerate(f):
            row = json.loads(line)
            if row["id"] != f"d{n:09d}":
                sys.exit(f"clusters.jsonl line {n + 1}: id {row['id']!r}, expected d{n:09d}")
            cluster.append(row["cluster"])
    planted = {"exact": [0, 0], "near": [0, 0], "reprint": [0, 0]}
    # Union-find over planted links, for --pairs.
    group = array("q", range(len(cluster))) if pairs else None

    def root(d):
        while group[d] != d:
            group[d] = group[group[d]]
            d = group[d]
        return d

    with open(os.path.join(corpus, "planted.tsv")) as f:
        for line in f:
            copy, source, kind = line.rstrip("\n").split("\t")
            c, s = int(copy[1:]), int(source[1:])
            if c >= len(cluster):
                break  # a run over the first documents of the corpus only
            planted[kind][0] += cluster[c] == cluster[s]
            planted[kind][1] += 1
            if pairs:
                group[root(c)] = root(s)
    result = {
        "documents": len(cluster),
        "clusters": len(set(cluster)),
        **{f"{kind}_recall": round(found / total, 5)
           for kind, (found, total) in planted.items() if total},
        **{f"{kind}_planted": total for kind, (_, total) in planted.items() if total},
    }
    if pairs:
        both = Counter((cluster[d], root(d)) for d in range(len(cluster)))
        predicted = sum(n * (n - 1) // 2 for n in Counter(cluster).values())
        true = sum(n * (n - 1) // 2 for n in Counter(root(d) for d in range(len(cluster))).values())
        found = sum(n * (n - 1) // 2 for n in both.values())
        result["pair_precision"] = round(found / predicted, 5) if predicted else None
        result["pair_recall"] = round(found / true, 5) if true else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
