"""ARI of `syndic stories` as one setting varies, the others at their
defaults, on a labelled corpus.

    python sweep.py SYNDIC corpus.jsonl[.gz] FLAG V1,V2,... [extra flags...]
"""

import sys
import tempfile

from common import ari, read_jsonl
from curve import run


def main(syndic, corpus, flag, values, *flags):
    records = read_jsonl(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        for value in values.split(","):
            clusters = run(syndic, corpus, [*flags, f"--{flag}", value], f"{tmp}/run")
            stories = len(set(clusters.values()))
            print(f"--{flag} {value}: ARI {ari(records, clusters):.3f} ({stories} stories)")


if __name__ == "__main__":
    main(*sys.argv[1:])
