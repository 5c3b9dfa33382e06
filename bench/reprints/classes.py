#!/usr/bin/env python3
"""Labelled reprint corpora with classes of reuse (issue 14).

Builds on generate.py (its page furniture, edits, OCR noise, retitling and
reprint recipe are imported, not copied) and writes one document per line
with the kind of reuse it carries, so that recall and false merges can be
scored per class:

  source    the original, full story, unwrapped (one per story cluster)
  reprint   as generate.py makes them: abridged from the bottom to 40-90 %
            (70 % of them), lightly edited, retitled, in a site's furniture,
            some with OCR noise
  abridged  only the first 10-40 % of the source's own text (whole sentences,
            in order, the cut at the sentence end nearest a uniform 10-40 %
            target of at least 20 words, so the share kept ranges about
            0.07-0.48), half of them lightly edited, most in furniture, a few
            with OCR noise
  composed  3-8 pieces of 8-40 words cut from one source (in order or
            shuffled), with the writer's own sentences between them; the own
            sentences come from articles used nowhere else in the corpus
  revised   the full source lightly revised: synonyms swapped (median 7 % of
            words, function words included), sentences
            reordered within paragraphs, two sentences merged, clauses
            dropped, sometimes two paragraphs swapped
  followup  a DIFFERENT story (its own cluster): an article used nowhere else
            plus 1-3 background paragraphs (not the lead) of an earlier
            story; the borrowed text is at most 40 % of the story's own words
            and at most 35 % of the follow-up's
  negative  another article on the same topic (a title word in capitals
            shared with a story for Reuters, the same book for Gutenberg),
            wrapped in furniture, its own cluster

Source corpora: Reuters-21578 (as generate.py reads it, without the closing
"Reuter" line) or the Gutenberg sample, cut into "articles" of 150-1,500
words (log-uniform) from the book bodies between the Project Gutenberg START
and END markers (books without them are skipped, and so is the first tenth of
each body: front matter, contents). Articles whose word 8-grams are 10 % or
more contained in an earlier article (Reuters re-sends, duplicate books) are
dropped before anything is drawn, so that negatives are really different
texts.

Writes, into the output directory:
  corpus.jsonl  {"id", "site", "text"}
  labels.jsonl  {"id", "cluster", "class"}
  meta.jsonl    {"id", "class", "cluster", "source", ...}: the source
                document's id, and per class the kept share (abridged), the
                pieces (composed), the borrowed words and the story they come
                from (followup: "related")

Deterministic for a given --seed. Usage:
  python3 bench/reprints/classes.py reuters ../shared/data/reuters21578.jsonl.gz OUT --seed 1
  python3 bench/reprints/classes.py gutenberg ../shared/data/gutenberg-sample.jsonl.gz OUT --seed 2
"""

import argparse
import json
import math
import os
import random
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as g  # noqa: E402

CLASSES = ["source", "reprint", "abridged", "composed", "revised", "excerpt", "followup", "negative"]
DERIVED = [("reprint", 0.25), ("abridged", 0.20), ("composed", 0.20), ("revised", 0.20), ("excerpt", 0.15)]

# The revised class's synonyms, word -> replacement: a word list, so kept as
# data in synonyms.tsv.
with open(os.path.join(HERE, "synonyms.tsv"), encoding="utf-8") as f:
    SYNONYMS = dict(line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#"))

# Sentence boundary: end punctuation, optional closing quote, space, then a
# capital or an opening quote (straight or curly).
SENT = re.compile(r"(?<=[.!?])\s+(?=[\"“‘A-Z])|(?<=[.!?][\"”’])\s+(?=[\"“‘A-Z])")


def sentences(para):
    return [s for s in SENT.split(para) if s.strip()]


def nwords(paras):
    return sum(len(p.split()) for p in paras)


def shingle_hashes(paras, n=8):
    words = re.findall(r"\w+", " ".join(paras).lower())
    return {zlib.crc32(" ".join(words[i:i + n]).encode()) for i in range(max(1, len(words) - n + 1))}


def dedup(articles, limit=0.10):
    """Drop each article whose word 8-grams are `limit` or more contained in
    earlier kept articles."""
    seen, kept = set(), []
    for art in articles:
        sh = shingle_hashes(art["body"])
        if sh and len(sh & seen) / len(sh) >= limit:
            continue
        seen |= sh
        kept.append(art)
    return kept


def load_reuters(path):
    out = []
    for doc_id, title, body in g.load_reuters(path):
        body = [p for p in body if p.strip() != "Reuter"]
        if len(body) < 3 or not 150 <= nwords(body) <= 1500:
            continue
        out.append({"id": doc_id, "title": title, "body": body, "groups": set(re.findall(r"[A-Z]{4,}", title))})
    return dedup(out)


START = re.compile(r"^\*\*\*\s*START OF.*$", re.M)
END = re.compile(r"^\*\*\*\s*END OF.*$", re.M)
NOT_PROSE = re.compile(r"gutenberg|\[illustration|^chapter\b|^book\b|^part\b|^contents\b|^[ivxlc]+\.?$", re.I)


def book_paragraphs(text):
    """Prose paragraphs of a book's body, long ones split at sentences into
    pieces of about 200 words; headings and notes dropped."""
    start, end = START.search(text), END.search(text)
    if not start or not end or end.start() <= start.end():
        return []
    body = text[start.end():end.start()]
    paras = []
    for raw in re.split(r"\n\s*\n", body):
        para = " ".join(raw.split())
        letters = sum(ch.isalpha() for ch in para)
        if len(para.split()) < 4 or letters < 0.6 * len(para) or NOT_PROSE.search(para[:40]):
            continue
        if para.upper() == para:
            continue
        if len(para.split()) <= 250:
            paras.append(para)
            continue
        chunk = []
        for s in sentences(para):
            chunk.append(s)
            if len(" ".join(chunk).split()) >= 200:
                paras.append(" ".join(chunk))
                chunk = []
        if chunk:
            paras.append(" ".join(chunk))
    return paras[len(paras) // 10:]


def load_gutenberg(path, per_book=10, seed=0):
    """Articles cut from book bodies: the body (after its first tenth) is
    split into `per_book` segments and one article of 150-1,500 words
    (log-uniform target, whole paragraphs) is taken from a random start in
    each. The cutting depends only on `seed` and the book, not on the
    generator's --seed, so both seeds draw from the same articles."""
    out, seen_paras = [], set()
    for rec in g.records(path):
        paras = book_paragraphs(rec["text"])
        if len(paras) < 40:
            continue
        # Duplicate books (two editions of one text): skip a book whose
        # long paragraphs were mostly seen in an earlier one.
        keys = {p.lower() for p in paras if len(p.split()) >= 30}
        if keys and len(keys & seen_paras) >= 0.1 * len(keys):
            continue
        seen_paras |= keys
        book = " ".join(rec["id"].split())  # some ids hold line breaks
        rng = random.Random(f"{seed}/{book}")
        book_title = book.split("/", 1)[-1]
        seg = len(paras) // per_book
        for k in range(per_book):
            lo, hi = k * seg, (k + 1) * seg
            i = lo + rng.randrange(max(1, seg // 3))
            target = math.exp(rng.uniform(math.log(150), math.log(1500)))
            body = []
            while i < hi and nwords(body) < target:
                body.append(paras[i])
                i += 1
            while body and nwords(body) > 1500:
                body.pop()
            if len(body) < 3 or nwords(body) < 150:
                continue
            out.append({"id": f"{book}#{k}", "title": f"{book_title}, excerpt {k + 1}",
                        "body": body, "groups": {book}})
    return dedup(out)


def wrap_or_plain(site, title, paras, headlines, rng, p_wrap):
    if rng.random() < p_wrap:
        return g.wrap(site, title, paras, headlines, rng)
    return "\n\n".join([title] + paras)


def make_reprint(site, title, body, headlines, rng):
    text, paras = g.reprint(site, title, body, headlines, rng)
    return text, {"kept": round(nwords(paras) / nwords(body), 3)}


def make_abridged(site, title, body, headlines, rng):
    total = nwords(body)
    target = max(20, rng.uniform(0.10, 0.40) * total)
    kept, count = [], 0
    for para in body:
        sents = []
        for s in sentences(para):
            n = len(s.split())
            # Take the sentence if that brings the count nearer the target.
            if count and abs(count + n - target) > abs(count - target):
                break
            sents.append(s)
            count += n
        else:
            kept.append(" ".join(sents))
            continue
        if sents:
            kept.append(" ".join(sents))
        break
    if rng.random() < 0.5:
        kept = g.edit(kept, rng)
    text = wrap_or_plain(site, g.retitle(title, rng), kept, headlines, rng, 0.85)
    if rng.random() < 0.1:
        text = g.ocr_noise(text, rng, rng.uniform(0.005, 0.02))
    return text, {"kept": round(nwords(kept) / total, 3)}


class Filler:
    """The writer's own sentences: a stream of sentences of articles used
    nowhere else, each handed out once."""

    def __init__(self, articles):
        self.sents = [s for a in articles for p in a["body"] for s in sentences(p) if 5 <= len(s.split()) <= 45]
        self.pos = 0

    def take(self, n):
        out = self.sents[self.pos:self.pos + n]
        self.pos += n
        if len(out) < n:
            raise SystemExit("classes.py: not enough unused articles for the writers' own sentences")
        return out


def make_composed(site, title, body, headlines, rng, filler):
    words, starts = [], set()  # the source's words, and where its sentences start
    for para in body:
        for s in sentences(para):
            starts.add(len(words))
            words.extend(s.split())
    k = rng.randint(3, 8)
    seg = len(words) // k
    pieces = []
    for j in range(k):
        length = min(rng.randint(8, 40), seg)
        if length < 8:
            continue
        lo, hi = j * seg, j * seg + seg - length
        # Most pieces start where a sentence does (and then end at its end
        # when that comes first, 8 words or more in); the rest anywhere.
        aligned = [i for i in range(lo, hi + 1) if i in starts]
        if aligned and rng.random() < 0.7:
            start = rng.choice(aligned)
            ends = [e for e in range(start + 8, start + length + 1) if e in starts]
            if ends:
                length = ends[0] - start
        else:
            start = rng.randint(lo, hi)
        pieces.append(" ".join(words[start:start + length]))
    shuffled = rng.random() < 0.5
    if shuffled:
        rng.shuffle(pieces)
    paras, copied = [], 0
    intro = filler.take(rng.randint(1, 2))
    for piece in pieces:
        copied += len(piece.split())
        piece = piece[0].upper() + piece[1:]
        if piece[-1] not in ".!?\"”":
            piece += "."
        if rng.random() < 0.3:
            piece = f"\u201c{piece}\u201d"
        before = filler.take(rng.randint(0, 2))
        after = filler.take(rng.randint(0, 1) if rng.random() < 0.5 else 0)
        paras.append(" ".join(intro + before + [piece] + after))
        intro = []
    paras.append(" ".join(filler.take(rng.randint(1, 3))))
    text = wrap_or_plain(site, g.retitle(title, rng), paras, headlines, rng, 0.5)
    return text, {"pieces": len(pieces), "shuffled": shuffled, "copied_words": copied,
                  "copied_share": round(copied / nwords(paras), 3), "source_share": round(copied / len(words), 3)}


def swap_synonyms(sentence, rng):
    """The sentence with 60 % of its words found in SYNONYMS swapped, and
    how many were."""
    out, swapped = [], 0
    for w in sentence.split(" "):
        core = w.strip(".,;:!?\"“”‘’()")
        syn = SYNONYMS.get(core.lower())
        if syn and rng.random() < 0.6:
            if core[:1].isupper():
                syn = syn[0].upper() + syn[1:]
            w = w.replace(core, syn, 1)
            swapped += 1
        out.append(w)
    return " ".join(out), swapped


def drop_clause(sentence, rng):
    parts = sentence.split(", ")
    if len(parts) >= 3:
        del parts[rng.randrange(1, len(parts) - 1)]
        return ", ".join(parts)
    if len(parts) == 2 and len(parts[1].split()) <= 12:
        end = parts[1][-1] if parts[1][-1] in ".!?" else "."
        return parts[0] + end
    return sentence


def merge(a, b):
    a = a.rstrip()
    if a[-1:] in ".!?":
        a = a[:-1]
    if b[:1].isupper() and not b[:2].isupper() and not b.startswith("I "):
        b = b[0].lower() + b[1:]
    return f"{a}, and {b}"


def make_revised(site, title, body, headlines, rng):
    paras, ops = [], {"synonyms": 0, "reordered": 0, "merged": 0, "clauses_dropped": 0, "paras_swapped": 0}
    for para in body:
        sents = sentences(para)
        for i, s in enumerate(sents):
            if "," in s and rng.random() < 0.3:
                t = drop_clause(s, rng)
                ops["clauses_dropped"] += t != s
                sents[i] = t
        if len(sents) >= 2 and rng.random() < 0.35:
            i = rng.randrange(len(sents) - 1)
            sents[i:i + 2] = [merge(sents[i], sents[i + 1])]
            ops["merged"] += 1
        if len(sents) >= 2 and rng.random() < 0.5:
            before = list(sents)
            rng.shuffle(sents)
            ops["reordered"] += sents != before
        revised = []
        for sent in sents:
            sent, swapped = swap_synonyms(sent, rng)
            revised.append(sent)
            ops["synonyms"] += swapped
        paras.append(" ".join(revised))
    if len(paras) >= 3 and rng.random() < 0.3:
        i = rng.randrange(1, len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
        ops["paras_swapped"] = 1
    ops["swapped_share"] = round(ops["synonyms"] / nwords(body), 3)
    text = wrap_or_plain(site, g.retitle(title, rng), paras, headlines, rng, 0.7)
    return text, ops


def make_excerpt(site, title, body, headlines, rng, filler):
    """A stretch of 15-40 % of the source's sentences from anywhere but its
    lead, lightly revised half the time, with a sentence of the writer's own
    before or after it half the time: a short answer or note reusing part
    of a longer text. None for sources too short to have such a stretch."""
    sents = [s for para in body for s in sentences(para)]
    total = sum(len(x.split()) for x in sents)
    want = rng.uniform(0.15, 0.40) * total
    if total < 150 or len(sents) < 4:
        return None
    start = rng.randint(1, len(sents) - 2)
    stretch, words = [], 0
    for sent in sents[start:]:
        if words >= want:
            break
        stretch.append(sent)
        words += len(sent.split())
    if words < 30:
        return None
    revised = rng.random() < 0.5
    if revised:
        stretch = [swap_synonyms(drop_clause(x, rng) if rng.random() < 0.3 else x, rng)[0] for x in stretch]
    own = filler.take(1) if rng.random() < 0.5 else []
    paras = own + [" ".join(stretch)] if rng.random() < 0.5 else [" ".join(stretch)] + own
    text = wrap_or_plain(site, g.retitle(title, rng), paras, headlines, rng, 0.3)
    return text, {"excerpt_words": words, "source_share": round(words / total, 3), "revised": revised,
                  "own_sentences": len(own), "from_sentence": start}


def make_followup(site, story, new, headlines, rng):
    """`new` (an article used nowhere else) with 1-3 consecutive background
    paragraphs of `story` (not its lead) inserted after its own lead; None
    when no run of paragraphs fits the limits."""
    body, own = story["body"], nwords(new["body"])
    runs = [(i, n) for i in range(1, len(body)) for n in (1, 2, 3) if i + n <= len(body)]
    rng.shuffle(runs)
    for i, n in runs:
        borrowed = body[i:i + n]
        w = nwords(borrowed)
        if w >= 15 and w <= 0.4 * nwords(body) and w <= 0.35 * (own + w):
            break
    else:
        return None
    if rng.random() < 0.3:
        borrowed = g.edit(borrowed, rng)
    paras = list(new["body"])
    at = len(paras) if rng.random() < 0.3 else rng.randint(1, len(paras))
    paras[at:at] = borrowed
    text = wrap_or_plain(site, new["title"], paras, headlines, rng, 0.7)
    return text, {"borrowed_words": w, "borrowed_paras": n, "from_para": i,
                  "share_of_followup": round(w / nwords(paras), 3), "share_of_story": round(w / nwords(body), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", choices=["reuters", "gutenberg"])
    ap.add_argument("path")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stories", type=int, default=400)
    ap.add_argument("--followups", type=int, default=150)
    ap.add_argument("--negatives", type=int, default=500)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    articles = load_reuters(args.path) if args.corpus == "reuters" else load_gutenberg(args.path)
    source_site = "wire" if args.corpus == "reuters" else "archive"
    rng.shuffle(articles)
    stories = articles[:args.stories]
    story_groups = set().union(*(a["groups"] for a in stories))
    rest = articles[args.stories:]
    negatives = [a for a in rest if a["groups"] & story_groups][:args.negatives]
    neg_ids = {a["id"] for a in negatives}
    unused = [a for a in rest if a["id"] not in neg_ids]
    fresh = unused[:args.followups * 2]  # new text of follow-ups (some stories find no fitting run)
    filler = Filler(unused[args.followups * 2:])
    headlines = [a["title"].title() for a in articles[:2000]]

    docs = []  # (corpus record, label, meta)

    def add(doc_id, site, text, cluster, cls, source, **meta):
        docs.append(({"id": doc_id, "site": site, "text": text},
                     {"id": doc_id, "cluster": cluster, "class": cls},
                     {"id": doc_id, "class": cls, "cluster": cluster, "source": source, **meta}))

    names, weights = zip(*DERIVED)
    for story in stories:
        sid, cluster = story["id"], f"story-{story['id']}"
        src = f"{source_site}/{sid}"
        add(src, source_site, "\n\n".join([story["title"]] + story["body"]), cluster, "source", src,
            words=nwords(story["body"]))
        for site in rng.sample(g.SITES, rng.randint(1, 4)):
            cls = rng.choices(names, weights)[0]
            if cls == "reprint":
                text, meta = make_reprint(site, story["title"], story["body"], headlines, rng)
            elif cls == "abridged":
                text, meta = make_abridged(site, story["title"], story["body"], headlines, rng)
            elif cls == "composed":
                text, meta = make_composed(site, story["title"], story["body"], headlines, rng, filler)
            elif cls == "excerpt":
                made = make_excerpt(site, story["title"], story["body"], headlines, rng, filler)
                if made is None:
                    continue
                text, meta = made
            else:
                text, meta = make_revised(site, story["title"], story["body"], headlines, rng)
            add(f"{site[0]}/{sid}", site[0], text, cluster, cls, src, **meta)
    made = 0
    for new in fresh:
        if made == args.followups:
            break
        story = rng.choice(stories)
        site = rng.choice(g.SITES)
        result = make_followup(site, story, new, headlines, rng)
        if result is None:
            continue
        text, meta = result
        add(f"{site[0]}/followup-{new['id']}", site[0], text, f"followup-{new['id']}", "followup",
            f"{site[0]}/followup-{new['id']}", related=f"story-{story['id']}",
            related_source=f"{source_site}/{story['id']}", **meta)
        made += 1
    for neg in negatives:
        site = rng.choice(g.SITES)
        doc_id = f"{site[0]}/other-{neg['id']}"
        add(doc_id, site[0], g.wrap(site, neg["title"], neg["body"], headlines, rng), f"other-{neg['id']}",
            "negative", doc_id)

    rng.shuffle(docs)
    os.makedirs(args.out, exist_ok=True)
    for name, k in (("corpus.jsonl", 0), ("labels.jsonl", 1), ("meta.jsonl", 2)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d[k], ensure_ascii=False) + "\n")
    counts = {c: sum(d[1]["class"] == c for d in docs) for c in CLASSES}
    print(json.dumps({"corpus": args.corpus, "seed": args.seed, "documents": len(docs),
                      "articles": len(articles), "classes": counts}))


if __name__ == "__main__":
    main()
