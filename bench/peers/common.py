"""What every peer driver shares: reading the corpus, the matched shingling,
union-find, and the output contract.

Output contract (what `bench/harness.py` reads):
  * `<out>/clusters.jsonl`: one line per input document,
    `{"id": ..., "cluster": ...}`, the cluster named by the id of its first
    document in corpus order, so every document is listed, singletons too;
  * one JSON line on stdout: `{"tool", "docs", "clusters", "duplicates", ...}`
    where duplicates = docs removed by keeping one per cluster.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
from pathlib import Path
from typing import Iterable, Iterator

# Matched parameters (see bench/README.md): word 5-gram shingles over the
# lowercased text, 128 permutations, Jaccard threshold 0.8.
NGRAM = 5
NUM_PERM = 128
THRESHOLD = 0.8
# datasketch's optimal banding for (0.8, 128): 9 bands of 13 rows (117 hashes
# used). Drivers whose tool lets us choose use the same banding.
BANDS, ROWS = 9, 13

WORD = re.compile(r"\w+")


def parse_args(description: str, extra: Iterable[tuple[str, dict]] = ()) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("input", type=Path, help="JSONL or JSONL.gz with `id` and `text`")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--id-field", default="id")
    parser.add_argument("--text-field", default="text")
    for flag, kwargs in extra:
        parser.add_argument(flag, **kwargs)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_docs(path: Path, id_field: str = "id", text_field: str = "text") -> Iterator[tuple[str, str]]:
    with open_text(path) as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                yield str(record[id_field]), record.get(text_field) or ""


def shingles(text: str, n: int = NGRAM) -> set[str]:
    """Word n-grams of the lowercased text. A document shorter than n words
    is one shingle of all its words, so short texts (headlines) still match
    their exact copies; an empty one has none and stays a singleton."""
    tokens = WORD.findall(text.lower())
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


class UnionFind:
    """Array-based union-find whose root is always the smallest index, so a
    cluster is named by its first document."""

    def __init__(self, n: int = 0):
        self.parent = list(range(n))

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def write_clusters(out: Path, ids: list[str], root_of) -> int:
    """Writes clusters.jsonl (every document) and returns the cluster count."""
    clusters = 0
    with open(out / "clusters.jsonl", "w", encoding="utf-8") as f:
        for i, doc_id in enumerate(ids):
            root = root_of(i)
            clusters += root == i
            f.write(json.dumps({"id": doc_id, "cluster": ids[root]}) + "\n")
    return clusters


def report(tool: str, docs: int, clusters: int, **extra) -> None:
    line = {"tool": tool, "docs": docs, "clusters": clusters, "duplicates": docs - clusters}
    line.update(extra)
    print(json.dumps(line), flush=True)

