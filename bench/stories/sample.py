"""Prints 30 stories with more than one member, drawn with a fixed seed from
a `syndic stories` run, with the headline and the start of each member's
text (at most 8 members), for reading.

    python sample.py corpus.jsonl.gz RUN_DIR > sample.txt
"""

import collections
import random
import sys
from pathlib import Path

from common import read_jsonl


def main(corpus, run_dir, n=30):
    texts = {r["id"]: r["text"] for r in read_jsonl(corpus)}
    stories = collections.defaultdict(list)
    for line in read_jsonl(Path(run_dir) / "clusters.jsonl"):
        stories[line["cluster"]].append(line["id"])
    multi = sorted(k for k, v in stories.items() if len(v) > 1)
    random.seed(18)
    for k in random.sample(multi, int(n)):
        members = stories[k]
        print(f"== story {k}: {len(members)} members")
        for i in members[:8]:
            text = texts[i]
            head = text.split("\n")[0][:70]
            body = " ".join(text.split("\n", 1)[-1].split())[:110]
            print(f"  {i}: {head} | {body}")


if __name__ == "__main__":
    main(*sys.argv[1:])
