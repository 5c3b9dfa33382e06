"""The TF-IDF cosine baseline of issue 18: scikit-learn's TfidfVectorizer
(word 1-2-grams, sublinear tf), cosine similarity, connected components of
the pairs at or above a fixed threshold; ARI against the `story` labels at
each threshold.

    python baseline.py corpus.jsonl[.gz] [label]
"""

import sys

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from common import read_jsonl

THRESHOLDS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]


def main(path, label="story"):
    records = read_jsonl(path)
    texts = [r["text"] for r in records]
    gold = [r[label] for r in records]
    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sim = (x @ x.T).toarray()
    for t in THRESHOLDS:
        _, comp = connected_components(sim >= t, directed=False)
        print(f"tfidf-cc threshold {t:.2f}: ARI {adjusted_rand_score(gold, comp):.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
