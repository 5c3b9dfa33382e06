#!/usr/bin/env python3
"""Labelled reprint benchmark built from Reuters-21578.

Takes real wire articles and makes what news aggregators and media monitors
see: each story reprinted by several fictional sites, abridged from the
bottom, lightly edited, retitled, wrapped in the site's page furniture (menus,
share bars, "most read" lists that carry *other* stories' headlines, footers),
some with OCR-like character noise; plus hard negatives: other articles on
the same topic, wrapped in the same furniture.

Writes, into the output directory:
  corpus.jsonl  {"id", "site", "text"}
  labels.jsonl  {"id", "cluster"}   (the story each document carries)

Deterministic for a given --seed. Usage:
  python3 bench/reprints/generate.py ../shared/data/reuters21578.jsonl.gz OUT_DIR
"""

import argparse
import gzip
import json
import os
import random
import re

SITES = [
    ("dailywire", ["Home | World | Business | Markets | Tech | Opinion", "Share: Facebook | Twitter | LinkedIn | Email"],
     ["Most read", "(c) Daily Wire Media. All rights reserved. | Privacy | Terms"]),
    ("marketwatcher", ["MARKETS  STOCKS  BONDS  COMMODITIES  CURRENCIES", "Subscribe to our free newsletter!"],
     ["Related stories", "Comments are closed for this story.", "Market Watcher is not responsible for external sites."]),
    ("thecourier", ["The Courier - News you can trust", "Menu  Search  Sign in"],
     ["Trending now", "Follow us on Facebook, Twitter and Instagram", "Copyright The Courier Group"]),
    ("globalpost", ["GLOBAL POST", "World  Economy  Politics  Science  Sport", "Tweet  Share  Pin  Email"],
     ["You may also like", "Advertisement", "About us | Contact | Careers | Advertise"]),
    ("newsroom24", ["newsroom24 / business", "Listen to this article"],
     ["Latest headlines", "Newsroom24 uses cookies to improve your experience. Accept"]),
    ("tradejournal", ["Trade Journal Online", "Home > News > Commodities"],
     ["More from Trade Journal", "Reprints and permissions", "Trade Journal (c) All rights reserved"]),
]

EDIT_WORDS = {"said": "stated", "told": "informed", "rose": "climbed", "fell": "dropped", "will": "would",
              "company": "firm", "percent": "pct", "year": "yr", "million": "mln", "billion": "bln",
              "about": "around", "expected": "forecast", "reported": "posted", "also": "additionally"}

OCR = [("rn", "m"), ("l", "1"), ("e", "c"), ("o", "0"), ("i", "l"), ("h", "b")]


def paragraphs(text):
    """Title first, then paragraphs: Reuters-21578 separates the title by a
    blank line and starts each paragraph on an indented line."""
    title, _, body = text.strip().partition("\n\n")
    out = [" ".join(title.split())]
    for para in re.split(r"\n\s*\n|\n {2,}", body):
        para = " ".join(para.split())
        if para:
            out.append(para)
    return out


def sentences(para):
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", para) if s]


def abridge(paras, rng):
    keep = max(2, int(len(paras) * rng.uniform(0.4, 0.9)))
    return paras[:keep]


def edit(paras, rng):
    out = []
    for para in paras:
        sents = sentences(para)
        if len(sents) > 2 and rng.random() < 0.25:
            del sents[rng.randrange(1, len(sents))]
        words = " ".join(sents).split(" ")
        for i, w in enumerate(words):
            key = w.lower().strip(".,")
            if key in EDIT_WORDS and rng.random() < 0.5:
                words[i] = w.replace(key, EDIT_WORDS[key]) if w.islower() else EDIT_WORDS[key]
        out.append(" ".join(words))
    return out


def ocr_noise(text, rng, rate):
    chars = list(text)
    for i in range(len(chars)):
        if chars[i].isalpha() and rng.random() < rate:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    text = "".join(chars)
    for a, b in OCR:
        text = re.sub(a, lambda m: b if rng.random() < rate * 5 else m.group(0), text)
    return text


def retitle(title, rng):
    title = title.strip()
    choice = rng.random()
    if choice < 0.3:
        return "UPDATE 1-" + title
    if choice < 0.6:
        return title.title()
    words = title.split()
    if len(words) > 3:
        rng.shuffle(words)
    return " ".join(words).capitalize()


def wrap(site, title, paras, headlines, rng):
    name, header, footer = site
    lines = list(header)
    lines.append(title)
    lines.append(f"Updated {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['AM', 'PM'])} | {rng.randint(2, 9)} min read")
    lines.extend(paras)
    lines.append(footer[0])
    lines.extend(rng.sample(headlines, 4))
    lines.extend(footer[1:])
    return "\n\n".join(lines)


def reprint(site, title, body, headlines, rng):
    """A site's reprint of a story: abridged from the bottom (70 %), lightly
    edited (70 %), retitled, in the site's furniture, with OCR noise (25 %);
    the text and the paragraphs it kept (also used by classes.py)."""
    paras = abridge(body, rng) if rng.random() < 0.7 else list(body)
    if rng.random() < 0.7:
        paras = edit(paras, rng)
    text = wrap(site, retitle(title, rng), paras, headlines, rng)
    if rng.random() < 0.25:
        text = ocr_noise(text, rng, rng.uniform(0.005, 0.02))
    return text, paras


def load_reuters(path):
    """(id, title, body paragraphs) of every Reuters-21578 article with at
    least three body paragraphs and 150-1,500 body words, in file order, the
    first of any two whose bodies start alike (also used by classes.py)."""
    articles, seen = [], set()
    for rec in records(path):
        paras = paragraphs(rec["text"])
        if len(paras) < 4:
            continue
        title, body = paras[0], paras[1:]
        words = sum(len(p.split()) for p in body)
        key = " ".join(body)[:200].lower()
        if words < 150 or words > 1500 or key in seen:
            continue
        seen.add(key)
        articles.append((rec["id"], title, body))
    return articles


def records(path):
    """The records of a gzipped JSONL file, in order (also used by
    classes.py)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reuters")
    ap.add_argument("out")
    ap.add_argument("--stories", type=int, default=300)
    ap.add_argument("--negatives", type=int, default=600)
    ap.add_argument("--seed", type=int, default=21578)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    articles = load_reuters(args.reuters)
    rng.shuffle(articles)
    stories = articles[: args.stories]
    # Hard negatives: articles whose title shares a word with a story's title.
    story_words = {w for _, t, _ in stories for w in re.findall(r"[A-Z]{4,}", t)}
    pool = articles[args.stories:]
    negatives = [a for a in pool if story_words & set(re.findall(r"[A-Z]{4,}", a[1]))][: args.negatives]
    headlines = [t.title() for _, t, _ in articles[: 2000]]

    docs, labels = [], []
    for story_id, title, body in stories:
        cluster = f"story-{story_id}"
        # The wire original, unwrapped.
        docs.append({"id": f"wire/{story_id}", "site": "wire", "text": "\n\n".join([title] + body)})
        labels.append({"id": f"wire/{story_id}", "cluster": cluster})
        for site in rng.sample(SITES, rng.randint(1, 4)):
            text, _ = reprint(site, title, body, headlines, rng)
            doc_id = f"{site[0]}/{story_id}"
            docs.append({"id": doc_id, "site": site[0], "text": text})
            labels.append({"id": doc_id, "cluster": cluster})
    for neg_id, title, body in negatives:
        site = rng.choice(SITES)
        doc_id = f"{site[0]}/other-{neg_id}"
        docs.append({"id": doc_id, "site": site[0], "text": wrap(site, title, body, headlines, rng)})
        labels.append({"id": doc_id, "cluster": f"other-{neg_id}"})
    order = list(range(len(docs)))
    rng.shuffle(order)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for i in order:
            f.write(json.dumps(docs[i], ensure_ascii=False) + "\n")
    with open(os.path.join(args.out, "labels.jsonl"), "w", encoding="utf-8") as f:
        for i in order:
            f.write(json.dumps(labels[i]) + "\n")
    print(json.dumps({"documents": len(docs), "stories": len(stories), "negatives": len(negatives)}))


if __name__ == "__main__":
    main()
