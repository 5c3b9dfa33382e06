#!/usr/bin/env python3
"""How reprint detection holds when a copy is set in narrow columns.

Scanned and OCR'd print keeps its typesetter's line breaks, and a word that
does not fit at the end of a line is broken with a hyphen ("impor-" /
"tant"). Each printing breaks its lines at other words. This takes the 300
Reuters-21578 articles of `noise.py` (at least 150 words; `--words` cuts
them shorter), garbles a copy of each with the benchmark's `ocr_noise` at
increasing rates, and sets the copy in columns of `--width` characters,
breaking long words with a hyphen where they cross the column's end. It
counts how many copies `syndic dedup` clusters with their original, in
reprint and MinHash mode, for three versions of the copies:

  one line    the garbled copy as it was, on long lines;
  columns     the same words set in columns with broken words;
  rejoined    the columns with every "-\\n" removed again: what a
              tokenizer that joins broken words should match.

Deterministic. Usage (from the repository root, after
`cargo build --release -p syndic-cli`):
  python3 bench/reprints/linebreaks.py ../shared/data/reuters21578.jsonl.gz \\
      [--syndic PATH] [--width 34] [--words N]
Prints a Markdown table.
"""

import argparse
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import ocr_noise  # noqa: E402
from noise import ARTICLES, articles, clustered_with_original  # noqa: E402

RATES = [0.0, 0.01, 0.02, 0.03]


def set_in_columns(text, rng, width):
    """The words of `text` in lines of at most `width` characters; a word of
    six letters or more that crosses the end of a line is broken there with
    a hyphen, keeping at least three letters on each side."""
    lines, line = [], ""
    for word in text.split():
        if not line or len(line) + 1 + len(word) <= width:
            line = f"{line} {word}" if line else word
            continue
        room = width - len(line) - 2
        longest_head = min(room, len(word) - 3)
        if word.isalpha() and len(word) >= 6 and longest_head >= 3:
            cut = rng.randint(3, longest_head)
            lines.append(f"{line} {word[:cut]}-")
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reuters")
    parser.add_argument("--syndic", default="target/release/syndic")
    parser.add_argument("--width", type=int, default=34)
    parser.add_argument("--words", type=int, default=None, help="cut each article to N words")
    args = parser.parse_args()
    texts = articles(args.reuters)
    if args.words:
        texts = [" ".join(t.split()[: args.words]) for t in texts]
    print("| letter noise rate | copies | reprint: copies found | minhash: copies found |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        corpus = os.path.join(work, "corpus.jsonl")
        for rate in RATES:
            noise_rng, column_rng = random.Random(11), random.Random(5)
            noisy = [ocr_noise(t, noise_rng, rate) for t in texts]
            columns = [set_in_columns(t, column_rng, args.width) for t in noisy]
            rejoined = [t.replace("-\n", "") for t in columns]
            for name, copies in [("one line", noisy), ("columns", columns), ("rejoined", rejoined)]:
                with open(corpus, "w", encoding="utf-8") as f:
                    for i, t in enumerate(texts):
                        f.write(json.dumps({"id": f"o{i}", "text": t}) + "\n")
                    for i, t in enumerate(copies):
                        f.write(json.dumps({"id": f"n{i}", "text": t}) + "\n")
                reprint, _ = clustered_with_original(args.syndic, corpus, "reprint", work)
                minhash, _ = clustered_with_original(args.syndic, corpus, "minhash", work)
                print(
                    f"| {rate:.0%} | {name} | {reprint}/{ARTICLES} | {minhash}/{ARTICLES} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
