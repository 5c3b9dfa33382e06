#!/usr/bin/env python3
"""How much OCR-like noise reprint detection survives.

Takes 300 Reuters-21578 articles of at least 150 words, adds to each a copy
garbled by the benchmark's own `ocr_noise` (random letters at `rate`, and
OCR confusions such as rn→m and l→1 at five times that rate) at increasing
rates, and counts how many copies `syndic dedup` clusters with their
original, in reprint mode and in MinHash mode. The word error rate is the
share of the original's words that the copy no longer has at the same
position.

Deterministic. Usage (from the repository root, after
`cargo build --release -p syndic-cli`):
  python3 bench/reprints/noise.py ../shared/data/reuters21578.jsonl.gz [--syndic PATH]
Prints a Markdown table.
"""

import argparse
import collections
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import ocr_noise  # noqa: E402

RATES = [0.0, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08]
ARTICLES = 300


def articles(path):
    found = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if len(doc["text"].split()) >= 150:
                found.append(doc["text"])
    random.Random(7).shuffle(found)
    return found[:ARTICLES]


def word_error(original, noisy):
    a, b = original.split(), noisy.split()
    return 1 - sum(x == y for x, y in zip(a, b)) / len(a)


def clustered_with_original(syndic, corpus, mode, work):
    run = os.path.join(work, f"run-{mode}")
    subprocess.run(
        [syndic, "dedup", corpus, "--mode", mode, "--out", run, "--force", "-q"], check=True
    )
    cluster = {}
    with open(os.path.join(run, "clusters.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            cluster[row["id"]] = row["cluster"]
    sizes = collections.Counter(cluster.values())
    found = sum(cluster[f"o{i}"] == cluster[f"n{i}"] for i in range(ARTICLES))
    return found, max(sizes.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reuters")
    parser.add_argument("--syndic", default="target/release/syndic")
    args = parser.parse_args()
    texts = articles(args.reuters)
    print("| letter noise rate | word error rate | reprint: copies found | minhash: copies found | largest reprint cluster |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        corpus = os.path.join(work, "corpus.jsonl")
        for rate in RATES:
            rng = random.Random(11)
            noisy = [ocr_noise(t, rng, rate) for t in texts]
            with open(corpus, "w", encoding="utf-8") as f:
                for i, t in enumerate(texts):
                    f.write(json.dumps({"id": f"o{i}", "text": t}) + "\n")
                for i, t in enumerate(noisy):
                    f.write(json.dumps({"id": f"n{i}", "text": t}) + "\n")
            wer = sum(word_error(t, n) for t, n in zip(texts, noisy)) / len(texts)
            reprint, largest = clustered_with_original(args.syndic, corpus, "reprint", work)
            minhash, _ = clustered_with_original(args.syndic, corpus, "minhash", work)
            print(
                f"| {rate:.0%} | {wer:.0%} | {reprint}/{ARTICLES} | {minhash}/{ARTICLES} | {largest} |"
            )


if __name__ == "__main__":
    main()
