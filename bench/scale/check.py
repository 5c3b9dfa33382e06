#!/usr/bin/env python3
"""Recall of the duplicates `generate.py` or `news.py` planted: a planted copy is found
when `syndic dedup` put it in its source's cluster. Prints one JSON line.

  python3 bench/scale/check.py CORPUS_DIR RUN_DIR
"""

import json
import os
import sys
from array import array


def main():
    corpus, run = sys.argv[1], sys.argv[2]
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
    with open(os.path.join(corpus, "planted.tsv")) as f:
        for line in f:
            copy, source, kind = line.rstrip("\n").split("\t")
            if int(copy[1:]) >= len(cluster):
                break  # a run over the first documents of the corpus only
            found = cluster[int(copy[1:])] == cluster[int(source[1:])]
            planted[kind][0] += found
            planted[kind][1] += 1
    print(json.dumps({
        "documents": len(cluster),
        "clusters": len(set(cluster)),
        **{f"{kind}_recall": round(found / total, 5)
           for kind, (found, total) in planted.items() if total},
        **{f"{kind}_planted": total for kind, (_, total) in planted.items() if total},
    }))


if __name__ == "__main__":
    main()
