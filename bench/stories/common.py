"""Shared helpers of the stories benchmark: reading JSONL(.gz) corpora and
clusters, and the adjusted Rand index (scikit-learn's)."""

import gzip
import json
from pathlib import Path

from sklearn.metrics import adjusted_rand_score


def read_jsonl(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_clusters(run_dir):
    return {r["id"]: r["cluster"] for r in read_jsonl(Path(run_dir) / "clusters.jsonl")}


def ari(records, clusters, label="story"):
    gold = [r[label] for r in records]
    pred = [clusters[r["id"]] for r in records]
    return adjusted_rand_score(gold, pred)
