"""text-dedup's usual recipe: its MinHash + LSH script (`text_dedup.minhash`,
run in-process through its click entry point), which loads the JSONL with
Hugging Face `datasets` (the packaged `json` builder: works offline on a
local file), fingerprints, bands, and joins band collisions by union-find.

Its own choices, kept: `\\W`-split tokens (empty strings between adjacent
non-word characters included), sha1 hashes truncated to 32 bits, no
re-check of candidates. Matched: 5-grams, 128 permutations, threshold 0.8
(its optimal banding, the same 9 x 13 as datasketch), and `--min_length 0`
so that short documents are deduplicated instead of silently dropped.

Clusters come from the union-find that `--debug` dumps (keyed by our ids);
the deduplicated dataset it also writes is deleted afterwards.
"""

import os
import pickle
import shutil
from importlib.metadata import version

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from text_dedup import minhash  # noqa: E402  (reads the environment at import)

from common import NGRAM, NUM_PERM, THRESHOLD, parse_args, read_docs, report, write_clusters  # noqa: E402


def main() -> None:
    args = parse_args(__doc__, [("--workers", {"type": int, "default": 1, "help": "text-dedup --num_proc"})])
    work = args.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    minhash.main.main(
        args=[
            "--path", "json",
            "--data_files", str(args.input.resolve()),
            "--split", "train",
            "--cache_dir", str(work / "cache"),
            "--output", str(work / "output"),
            "--column", args.text_field,
            "--idx_column", args.id_field,
            "--ngram", str(NGRAM),
            "--min_length", "0",
            "--num_perm", str(NUM_PERM),
            "--threshold", str(THRESHOLD),
            "--num_proc", str(args.workers),
            "--debug",
        ],
        standalone_mode=False,
    )
    with open(work / "output" / "uf.pkl", "rb") as f:
        uf = pickle.load(f)  # noqa: S301  (written by the run just above)

    # The union-find is keyed by ids as `datasets` typed them (ints for
    # integer ids); ours are text, so match on text.
    typed = {str(key): key for key in uf.parent}
    ids = [doc_id for doc_id, _ in read_docs(args.input, args.id_field, args.text_field)]
    first = {}
    root = []
    for i, doc_id in enumerate(ids):
        key = uf.find(typed[doc_id]) if doc_id in typed else doc_id
        root.append(first.setdefault(str(key), i))
    clusters = write_clusters(args.out, ids, root.__getitem__)
    shutil.rmtree(work)
    report("text-dedup", len(ids), clusters, version=version("text-dedup"), workers=args.workers)


if __name__ == "__main__":
    main()
