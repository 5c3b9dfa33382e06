"""datatrove's usual recipe: `JsonlReader` -> `MinhashDedupSignature` ->
`MinhashDedupBuckets` -> `MinhashDedupCluster` on `LocalPipelineExecutor`s,
with its own text simplification and word tokenizer (spaCy's blank English).

Differences from the matched setup, none avoidable without rewriting it:
  * banding is set to datasketch's 9 bands x 13 rows, so 117 hashes, not 128;
  * shingles are 5-grams of datatrove's tokens (spaCy words after its
    `simplify_text`), not of `\\w+` words; texts under 5 tokens get none and
    stay singletons;
  * datatrove reads one file per task, so the input is first split
    round-robin into one plain JSONL shard per task (timed, part of the run);
  * the fourth stage (`MinhashDedupFilter`, which rewrites the corpus without
    duplicates) is not run: the cluster ids that stage 3 saves
    (`save_cluster_id=True`) are what is scored, and no other tool here
    rewrites the corpus either.
"""

import json
import shutil
import struct
from collections import defaultdict
from importlib.metadata import version

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.utils.hashing import HashConfig
from datatrove.utils.typeshelper import Languages

from common import BANDS, NGRAM, ROWS, parse_args, read_docs, report, write_clusters


def main() -> None:
    args = parse_args(__doc__, [("--workers", {"type": int, "default": 1, "help": "processes (and input shards)"})])
    tasks = args.workers
    work = args.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    shards = work / "input"
    shards.mkdir(parents=True)

    # Only non-empty texts go to datatrove (its reader skips empty ones and
    # the doc indices in its outputs count what it read).
    ids = []
    position = {}  # (shard, index in shard) -> corpus index
    files = [open(shards / f"{r:05d}.jsonl", "w", encoding="utf-8") for r in range(tasks)]
    counts = [0] * tasks
    for doc_id, text in read_docs(args.input, args.id_field, args.text_field):
        i = len(ids)
        ids.append(doc_id)
        if not text:
            continue
        r = i % tasks
        files[r].write(json.dumps({"id": doc_id, "text": text}) + "\n")
        position[(r, counts[r])] = i
        counts[r] += 1
    for f in files:
        f.close()

    config = MinhashConfig(n_grams=NGRAM, num_buckets=BANDS, hashes_per_bucket=ROWS, hash_config=HashConfig(precision=64))
    signatures = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(shards), compression=None),
            MinhashDedupSignature(output_folder=str(work / "sigs"), config=config, language=Languages.english),
        ],
        tasks=tasks,
        workers=args.workers,
        logging_dir=str(work / "logs/signatures"),
    )
    buckets = LocalPipelineExecutor(
        pipeline=[MinhashDedupBuckets(input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=config)],
        tasks=BANDS,
        workers=args.workers,
        logging_dir=str(work / "logs/buckets"),
        depends=signatures,
    )
    cluster = LocalPipelineExecutor(
        pipeline=[
            MinhashDedupCluster(
                input_folder=str(work / "buckets"),
                output_folder=str(work / "clusters"),
                config=config,
                save_cluster_id=True,
            )
        ],
        tasks=1,
        logging_dir=str(work / "logs/clusters"),
        depends=buckets,
    )
    cluster.run()

    # Each `.clusters` file holds (index in shard, cluster id) pairs for the
    # documents in some duplicate pair; all others are singletons.
    members = defaultdict(list)
    for r in range(tasks):
        path = work / "clusters" / f"{r:06d}.clusters"
        if not path.exists():
            continue
        data = path.read_bytes()
        for doc, cluster_id in struct.iter_unpack("<II", data):
            members[cluster_id].append(position[(r, doc)])
    root = list(range(len(ids)))
    for corpus_indices in members.values():
        first = min(corpus_indices)
        for i in corpus_indices:
            root[i] = first
    clusters = write_clusters(args.out, ids, root.__getitem__)
    shutil.rmtree(work)
    report("datatrove", len(ids), clusters, version=version("datatrove"), bands=BANDS, rows=ROWS, workers=args.workers)


if __name__ == "__main__":
    main()
