#!/usr/bin/env python3
"""Wall time of `syndic.ray.dedup` (MinHash, default settings) on
Reuters-21578 in four JSONL shards, on a local Ray node with 2 CPUs: one
JSON line per run, with the summary's stage timings. The first run pays
for Ray's worker start-up; later ones are warm.

    bench/ray_reuters.py [RUNS]   (PYTHONPATH: the package to measure)
"""

import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import ray

import syndic.ray

REUTERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "reuters21578.jsonl.gz"

if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    work = Path(tempfile.mkdtemp(prefix="syndic-ray-bench-"))
    lines = gzip.open(REUTERS, "rt", encoding="utf-8").read().splitlines(keepends=True)
    size = -(-len(lines) // 4)
    shards = []
    for i in range(4):
        shards.append(work / f"part-{i:02}.jsonl")
        shards[-1].write_text("".join(lines[i * size : (i + 1) * size]), encoding="utf-8")
    # Workers import the same package as this driver.
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env})
    for run in range(runs):
        started = time.monotonic()
        summary = syndic.ray.dedup(shards, out=work / f"run-{run}", force=True)
        wall = round(time.monotonic() - started, 2)
        print(json.dumps({"wall_s": wall, "clusters": summary["clusters"], "timings_ms": summary["timings_ms"]}))
    shutil.rmtree(work)
