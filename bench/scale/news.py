#!/usr/bin/env python3
"""A news corpus of any size, for reprint mode at scale (issue 16): news-sized
articles on news sites' pages, with exact copies, near copies and reprints
planted at known rates.

Reuters-21578 holds 20,000 articles; ten million distinct ones have to be
written. Each **fresh article** is new text from a second-order word Markov
chain trained on the Reuters-21578 bodies (so it reads like wire copy, with
its figures, names and punctuation, and shares only common phrases with
other articles, as real articles do), under a real headline of
`reuters-headlines-1m`, in two to eight paragraphs; it never recites more
than `MAX_RECITED` words of its training text in order, so that articles
written apart share no passage a reader would call reused. Its length in words is
drawn from the lengths of the Reuters-21578 articles (40 to 1,200 words).
One in five is bare wire copy (site `wire`); the rest sit in one of
`bench/reprints/generate.py`'s six sites' page furniture (menus, share bars,
"most read" lists of headlines of the day, footers).

Then, in place of a fresh article:

* with probability `--exact-rate` (default 2 %), an **exact copy** of an
  earlier document;
* with probability `--near-rate` (default 2 %), a **near copy**: one word in
  100 (at least one) replaced;
* with probability `--reprint-rate` (default 6 %), a **reprint** of an
  earlier article on another site, by `bench/reprints/generate.py`'s recipe
  (abridged from the bottom 70 % of the time, lightly edited 70 %,
  retitled, in the site's furniture, with OCR-like noise 25 %): the recipe
  that `bench/reprints` scores, tuned on seed 1 of its small sets.

Sources are drawn from the last `--window` documents (a copy arrives soon
after its original) or, one time in five, from a uniform sample of all
earlier ones. A site's "most read" list shows four of its eight
headlines of the day (a day is `--day-docs` documents), so, as on real
sites, each list line recurs on thousands of the site's pages.

Writes `corpus.jsonl` ({"id", "site", "text"}; ids d000000000, ... in
order) and `planted.tsv` (copy id, source id, `exact`, `near` or
`reprint`) into OUT_DIR; `check.py` scores a run against them.
Deterministic for a given `--seed` and size. Needs numpy. Usage:

  python3 bench/scale/news.py ../shared/data OUT_DIR --docs 10000000
"""

import argparse
import gzip
import importlib.util
import json
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def sibling(path, name):
    """A module of the benchmarks by its path: two of them are named
    generate.py."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The reprint recipe of bench/reprints, and the near copies of the other
# scale corpus.
reprints = sibling("../reprints/generate.py", "reprints_generate")
SITES, reprint, wrap = reprints.SITES, reprints.reprint, reprints.wrap
scale = sibling("generate.py", "scale_generate")
near_copy, NEAR_MIN_WORDS = scale.near_copy, scale.NEAR_MIN_WORDS

MIN_WORDS, MAX_WORDS = 40, 1200
# Fresh articles written at once: the chain is sampled for all of them in
# one array per step.
BLOCK = 20_000
MOST_READ = 8
# Longest run of words copied in order from the training text.
MAX_RECITED = 8


class Chain:
    """A second-order word Markov chain over whitespace tokens, sampled
    for many texts at once: state = the last two words."""

    def __init__(self, texts):
        vocab, ids = {}, []
        for text in texts:
            ids.extend(vocab.setdefault(w, len(vocab)) for w in text.split())
        self.words = np.array(list(vocab), dtype=object)
        v = np.int64(len(vocab))
        ids = np.array(ids, dtype=np.int64)
        self.sentence_end = np.array([w.endswith((".", "!", "?")) for w in self.words])
        pairs = ids[:-1] * v + ids[1:]
        self.states, state_at = np.unique(pairs, return_inverse=True)
        # Sampling a word after a state by how often it followed that state
        # is drawing one of the state's occurrences in the text uniformly
        # and taking the word after it: occurrences grouped by state.
        self.next_word, self.next_state = ids[2:], state_at[1:]
        self.occurrences = np.argsort(state_at[:-1], kind="stable")
        counts = np.bincount(state_at[:-1], minlength=len(self.states))
        self.first = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.total = counts
        # Texts start where a sentence did.
        self.starts = np.unique(state_at[1:][self.sentence_end[ids[:-2]]])
        self.v = v

    def sample(self, lengths, rng):
        """Word ids, one row per text in order of `lengths`, longest first;
        `lengths[i]` of row i meaningful. Each text starts where a sentence
        did."""
        lengths = np.sort(lengths)[::-1]
        n, width = len(lengths), int(lengths[0])
        out = np.zeros((n, width), dtype=np.int64)
        state = self.starts[rng.integers(0, len(self.starts), n)]
        out[:, 0], out[:, 1] = self.states[state] // self.v, self.states[state] % self.v
        previous, recited = np.full(n, -2), np.zeros(n, dtype=np.int64)
        for step in range(2, width):
            # Rows are longest first: those still being written lead.
            live = int(np.searchsorted(-lengths, -step, side="left"))
            state = state[:live]
            stuck = self.total[state] == 0
            if stuck.any():
                state[stuck] = self.starts[rng.integers(0, len(self.starts), int(stuck.sum()))]
            pick = self.first[state] + (rng.random(live) * self.total[state]).astype(np.int64)
            at = self.occurrences[pick]
            out[:live, step] = self.next_word[at]
            state = self.next_state[at]
            # Where a state occurs once (a table, a rare name), the chain
            # recites the training text word for word, and texts written
            # apart would share long passages: a run of more than
            # MAX_RECITED words taken in training order jumps elsewhere.
            recited = np.where(at == previous[:live] + 1, recited[:live] + 1, 0)
            previous = at
            jump = recited >= MAX_RECITED
            if jump.any():
                state[jump] = self.starts[rng.integers(0, len(self.starts), int(jump.sum()))]
                recited[jump] = 0
        return out, lengths

    def paragraphs(self, row, length, rng):
        """The text of `row[:length]`, ended at its last sentence end if that
        is past the middle, cut into two to eight paragraphs at sentence
        ends."""
        ends = np.flatnonzero(self.sentence_end[row[:length]]) + 1
        if len(ends) and ends[-1] >= length // 2:
            length = int(ends[-1])
        words = self.words[row[:length]].tolist()
        want = rng.randint(2, 8)
        cuts = [0]
        for end in ends[:-1]:
            if end - cuts[-1] >= length / want:
                cuts.append(int(end))
        cuts.append(length)
        return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a]


def load(data):
    with gzip.open(os.path.join(data, "reuters21578.jsonl.gz"), "rt") as f:
        bodies = [json.loads(line)["text"].partition("\n\n")[2] for line in f]
    bodies = [b for b in bodies if b.strip()]
    lengths = np.array([len(b.split()) for b in bodies])
    lengths = lengths[(lengths >= MIN_WORDS) & (lengths <= MAX_WORDS)]
    with gzip.open(os.path.join(data, "reuters-headlines-1m.jsonl.gz"), "rt") as f:
        headlines = [json.loads(line)["text"] for line in f]
    return Chain(bodies), lengths, headlines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="the shared data directory")
    parser.add_argument("out", help="output directory")
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--exact-rate", type=float, default=0.02)
    parser.add_argument("--near-rate", type=float, default=0.02)
    parser.add_argument("--reprint-rate", type=float, default=0.06)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--day-docs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    np_rng = np.random.default_rng(args.seed)
    chain, lengths, headlines = load(args.data)
    vocabulary = [w for w in chain.words[:50_000].tolist() if w.isalpha()]
    copy_rate = args.exact_rate + args.near_rate + args.reprint_rate

    fresh = []  # (title, paragraphs) of the block being used

    def fresh_article():
        if not fresh:
            n = BLOCK
            lens = lengths[np_rng.integers(0, len(lengths), n)]
            rows, lens = chain.sample(lens, np_rng)
            block = [chain.paragraphs(rows[i], int(lens[i]), rng) for i in range(n)]
            rng.shuffle(block)
            fresh.extend(block)
        return fresh.pop()

    os.makedirs(args.out, exist_ok=True)
    recent = []  # ring buffer of (id, site, text, title, paragraphs or None)
    sample = []  # reservoir sample of all earlier documents
    planted = {"exact": 0, "near": 0, "reprint": 0}
    with open(os.path.join(args.out, "corpus.jsonl"), "w") as corpus, open(
        os.path.join(args.out, "planted.tsv"), "w"
    ) as truth:
        for n in range(args.docs):
            doc_id = f"d{n:09d}"
            day = n // args.day_docs

            def most_read(site):
                first = (day * len(SITES) + SITES.index(site)) * MOST_READ % len(headlines)
                return headlines[first : first + MOST_READ]

            draw = rng.random()
            entry = None
            if recent and draw < copy_rate:
                pool = sample if sample and rng.random() < 0.2 else recent
                source = pool[rng.randrange(len(pool))]
                source_id, site, text, title, paras = source
                if draw < args.exact_rate:
                    entry, kind = (doc_id, site, text, title, paras), "exact"
                elif draw < args.exact_rate + args.near_rate:
                    if text.count(" ") + 1 >= NEAR_MIN_WORDS:
                        entry, kind = (doc_id, site, near_copy(rng, text, vocabulary), title, None), "near"
                elif paras is not None:
                    other = rng.choice([s for s in SITES if s[0] != site])
                    text, kept = reprint(other, title, paras, most_read(other), rng)
                    entry, kind = (doc_id, other[0], text, title, None), "reprint"
                if entry is not None:
                    truth.write(f"{doc_id}\t{source_id}\t{kind}\n")
                    planted[kind] += 1
            if entry is None:
                title = headlines[(n * 7919) % len(headlines)]
                paras = fresh_article()
                if rng.random() < 0.2:
                    site, text = "wire", "\n\n".join([title] + paras)
                else:
                    furniture = rng.choice(SITES)
                    site, text = furniture[0], wrap(furniture, title, paras, most_read(furniture), rng)
                entry = (doc_id, site, text, title, paras)
            corpus.write(json.dumps({"id": doc_id, "site": entry[1], "text": entry[2]}) + "\n")
            if len(recent) < args.window:
                recent.append(entry)
            else:
                recent[n % args.window] = entry
            if len(sample) < 10_000:
                sample.append(entry)
            elif rng.randrange(n + 1) < 10_000:
                sample[rng.randrange(10_000)] = entry
    print(json.dumps({"documents": args.docs, "planted": planted}))


if __name__ == "__main__":
    main()
