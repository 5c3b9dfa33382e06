"""ARI of `syndic stories` over a range of --story-threshold (and the
default), on a labelled corpus.

    python curve.py SYNDIC corpus.jsonl[.gz] [extra syndic flags...]
"""

import subprocess
import sys
import tempfile

from common import ari, read_clusters, read_jsonl

THRESHOLDS = [None, 0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.3, 0.35, 0.4]


def run(syndic, corpus, flags, out):
    subprocess.run([syndic, "stories", corpus, "--out", out, "--force", "-q", *flags], check=True)
    return read_clusters(out)


def main(syndic, corpus, *flags):
    records = read_jsonl(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        for t in THRESHOLDS:
            extra = [] if t is None else ["--story-threshold", str(t)]
            clusters = run(syndic, corpus, [*flags, *extra], f"{tmp}/run")
            name = "default" if t is None else f"{t:.3f}"
            stories = len(set(clusters.values()))
            print(f"story-threshold {name}: ARI {ari(records, clusters):.3f} ({stories} stories)")


if __name__ == "__main__":
    main(*sys.argv[1:])
