"""A second development set for stories, built from Reuters-21578 (which
has no story labels): each of 100 long articles, picked with a fixed seed,
is cut into three runs of consecutive paragraphs, and the three pieces are
labelled as one story. The pieces cover one event and share no sentence;
the other articles of the sample (many about the same markets, commodities
and companies) are the stories they must be kept apart from. Only the first
piece keeps the headline.

    python make_split_set.py ../../../shared/data/reuters21578.jsonl.gz out.jsonl
"""

import json
import random
import re
import sys

from common import read_jsonl

ARTICLES = 100
PIECES = 3


def paragraphs(text):
    head, _, body = text.partition("\n\n")
    paras = [p.strip() for p in re.split(r"\n\s{3,}|\n\n", body) if p.strip()]
    return head.strip(), paras


def usable(text):
    head, paras = paragraphs(text)
    words = text.split()
    digits = sum(c.isdigit() for c in text) / max(1, len(text))
    return len(paras) >= 2 * PIECES and len(words) >= 250 and digits < 0.04


def main(src, dst):
    records = [r for r in read_jsonl(src) if usable(r["text"])]
    random.Random(18).shuffle(records)
    out = []
    for r in records[:ARTICLES]:
        head, paras = paragraphs(r["text"])
        cut = [round(i * len(paras) / PIECES) for i in range(PIECES + 1)]
        for i in range(PIECES):
            body = "\n".join(paras[cut[i] : cut[i + 1]])
            text = f"{head}\n\n{body}" if i == 0 else body
            out.append({"id": f"{r['id']}_{i}", "text": text, "story": r["id"]})
    random.Random(19).shuffle(out)
    with open(dst, "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r) + "\n")
    print(f"{len(out)} pieces of {len(out) // PIECES} articles (of {len(records)} usable)")


if __name__ == "__main__":
    main(*sys.argv[1:])
