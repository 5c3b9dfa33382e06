#!/usr/bin/env python3
"""A corpus of any size, up to hundreds of millions of documents, for the
scale runs of issue 16, built from the shared data with duplicates planted
at known rates.

Documents are of three kinds, so lengths vary over two orders of magnitude:

* brief (60 %): one to three headlines of `reuters-headlines-1m`, one per
  line (10 to 40 words);
* article (30 %): a headline over a run of two to eight paragraphs of a
  Reuters-21578 article (50 to 400 words);
* long (10 %): a whole Reuters-21578 article under a headline, followed by a
  "Related" list of five to twenty headlines (300 to 1,000 words).

Then, in place of a new document:

* with probability `--exact-rate` (default 4 %), an **exact copy** of an
  earlier document;
* with probability `--near-rate` (default 3 %), a **near copy** of an
  earlier document of at least 80 words (up to five sources are drawn to
  find one; failing that, a new document is written): one word in 100 (at
  least one) replaced by another word. Its word 5-gram Jaccard with the source is
  about 0.9, over syndic's default threshold.

A source is drawn from the last `--window` documents (a copy arrives soon
after its original, as in a crawl) or, one time in five, from a uniform
sample of all earlier documents (an old page copied again). The sources
themselves may occur naturally more than once (Reuters-21578 has its own
duplicates), which only adds true pairs.

Writes `corpus.jsonl` ({"id", "text"}) and `planted.tsv` (planted id,
source id, `exact` or `near`) into OUT_DIR. Deterministic for a given
`--seed` and size. Usage:

  python3 bench/scale/generate.py ../shared/data OUT_DIR --docs 10000000
"""

import argparse
import gzip
import json
import os
import random

NEAR_MIN_WORDS = 80
WORDS_PER_EDIT = 100


def load(data):
    with gzip.open(os.path.join(data, "reuters-headlines-1m.jsonl.gz"), "rt") as f:
        headlines = [json.loads(line)["text"] for line in f]
    articles = []
    with gzip.open(os.path.join(data, "reuters21578.jsonl.gz"), "rt") as f:
        for line in f:
            text = json.loads(line)["text"]
            paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
            if paragraphs:
                articles.append(paragraphs)
    return headlines, articles


def fresh(rng, headlines, articles):
    kind = rng.random()
    if kind < 0.6:
        return "\n".join(rng.choice(headlines) for _ in range(rng.randint(1, 3)))
    paragraphs = rng.choice(articles)
    title = rng.choice(headlines)
    if kind < 0.9:
        length = rng.randint(2, 8)
        start = rng.randrange(max(1, len(paragraphs) - length + 1))
        return title + "\n\n" + "\n\n".join(paragraphs[start : start + length])
    related = "\n".join(rng.choice(headlines) for _ in range(rng.randint(5, 20)))
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n\nRelated\n" + related


def near_copy(rng, text, vocabulary):
    words = text.split(" ")
    for _ in range(max(1, len(words) // WORDS_PER_EDIT)):
        words[rng.randrange(len(words))] = rng.choice(vocabulary)
    return " ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="the shared data directory")
    parser.add_argument("out", help="output directory")
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--exact-rate", type=float, default=0.04)
    parser.add_argument("--near-rate", type=float, default=0.03)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    headlines, articles = load(args.data)
    vocabulary = sorted({w for h in headlines[:20_000] for w in h.split() if w.isalpha()})
    os.makedirs(args.out, exist_ok=True)
    recent = []  # ring buffer of (id, text) for the last `window` documents
    sample = []  # reservoir sample of all earlier documents
    seen = 0
    planted = {"exact": 0, "near": 0}
    with open(os.path.join(args.out, "corpus.jsonl"), "w") as corpus, open(
        os.path.join(args.out, "planted.tsv"), "w"
    ) as truth:
        for n in range(args.docs):
            doc_id = f"d{n:09d}"
            draw = rng.random()
            text = None
            if recent and draw < args.exact_rate + args.near_rate:
                pool = sample if sample and rng.random() < 0.2 else recent
                source_id, source = pool[rng.randrange(len(pool))]
                if draw < args.exact_rate:
                    text, kind = source, "exact"
                else:
                    # Up to five draws for a source long enough to edit.
                    for _ in range(5):
                        if source.count(" ") + 1 >= NEAR_MIN_WORDS:
                            text, kind = near_copy(rng, source, vocabulary), "near"
                            break
                        source_id, source = pool[rng.randrange(len(pool))]
                if text is not None:
                    truth.write(f"{doc_id}\t{source_id}\t{kind}\n")
                    planted[kind] += 1
            if text is None:
                text = fresh(rng, headlines, articles)
            corpus.write(json.dumps({"id": doc_id, "text": text}) + "\n")
            entry = (doc_id, text)
            if len(recent) < args.window:
                recent.append(entry)
            else:
                recent[n % args.window] = entry
            seen += 1
            if len(sample) < 10_000:
                sample.append(entry)
            elif rng.randrange(seen) < 10_000:
                sample[rng.randrange(10_000)] = entry
    print(json.dumps({"documents": args.docs, "planted": planted}))


if __name__ == "__main__":
    main()
