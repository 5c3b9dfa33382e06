#!/usr/bin/env python3
"""Issue 15's Ray speed benchmark: `syndic.ray.dedup` on two local Ray
nodes of one CPU each against `syndic dedup --threads 2`, on the same
JSONL shards, MinHash mode with default settings.

For each corpus the shards are written once (the CLI and Ray read the same
files), then the CLI and Ray run in turn RUNS times, Ray in one driver (the
first run pays for the workers' start-up; later runs are warm). Each Ray
run is set against the CLI run just before it: on a machine shared with
other work, the two then see about the same load. Each run prints one
JSON line (wall seconds, stage timings from `summary.json`); the outputs
are compared byte for byte with the CLI's `clusters.jsonl` and
`pairs.jsonl`, so a fast wrong answer cannot pass. Ends with a Markdown
table.

    PYTHONPATH=bindings/python .venv/bin/python bench/ray_speed.py \\
        [--syndic target/release/syndic] [--corpora gutenberg headlines] \\
        [--shards 8] [--runs 2] [--data ../shared/data]

The extension and the CLI should come from the same profile (say which).
"""

import argparse
import filecmp
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

import syndic.ray

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {
    "gutenberg": "gutenberg-sample.jsonl.gz",
    "headlines": "reuters-headlines-1m.jsonl.gz",
    "reuters": "reuters21578.jsonl.gz",
}


def write_shards(source: Path, work: Path, shards: int) -> list:
    """The corpus split into `shards` JSONL files of consecutive lines,
    named so that path order is corpus order."""
    with gzip.open(source, "rt", encoding="utf-8") as f:
        lines = f.readlines()
    size = -(-len(lines) // shards)
    paths = []
    for i in range(shards):
        path = work / f"part-{i:03}.jsonl"
        path.write_text("".join(lines[i * size:(i + 1) * size]), encoding="utf-8")
        paths.append(path)
    return paths


def run_cli(syndic: str, shards: list, out: Path) -> float:
    started = time.monotonic()
    subprocess.run([syndic, "dedup", *map(str, shards), "--threads", "2", "--out", str(out), "--force", "--quiet"],
                   check=True)
    return round(time.monotonic() - started, 2)


def same_output(a: Path, b: Path) -> bool:
    return all(filecmp.cmp(a / name, b / name, shallow=False) for name in ("clusters.jsonl", "pairs.jsonl"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--syndic", default=str(ROOT / "target" / "release" / "syndic"))
    ap.add_argument("--corpora", nargs="+", default=["gutenberg", "headlines"], choices=list(CORPORA))
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    ray.init(address=cluster.address, runtime_env={"env_vars": env}, include_dashboard=False)
    rows = []
    try:
        for corpus in args.corpora:
            work = Path(tempfile.mkdtemp(prefix=f"syndic-ray-speed-{corpus}-"))
            try:
                shards = write_shards(Path(args.data) / CORPORA[corpus], work, args.shards)
                cli_out = work / "cli"
                for run in range(args.runs):
                    cli_s = run_cli(args.syndic, shards, cli_out)
                    print(json.dumps({"corpus": corpus, "front_end": "cli", "run": run, "wall_s": cli_s}), flush=True)
                    out = work / f"ray-{run}"
                    started = time.monotonic()
                    summary = syndic.ray.dedup(shards, out=out, force=True)
                    wall = round(time.monotonic() - started, 2)
                    identical = same_output(cli_out, out)
                    print(json.dumps({"corpus": corpus, "front_end": "ray", "run": run, "wall_s": wall,
                                      "identical_to_cli": identical, "timings_ms": summary["timings_ms"],
                                      # How busy the machine was (other work counts too).
                                      "load_1m": round(os.getloadavg()[0], 1)}),
                          flush=True)
                    if not identical:
                        sys.exit(f"{corpus}: Ray's output differs from the CLI's")
                    rows.append((corpus, cli_s, run, wall, summary["timings_ms"]))
            finally:
                shutil.rmtree(work)
    finally:
        ray.shutdown()
        cluster.shutdown()
    stages = list(rows[0][4]) if rows else []
    print()
    print("| corpus | CLI, 2 threads (s) | Ray run | Ray wall (s) | Ray / CLI | " + " | ".join(stages) + " |")
    print("|---|---|---|---|---|" + "---|" * len(stages))
    for corpus, cli_s, run, wall, timings in rows:
        print(f"| {corpus} | {cli_s} | {run + 1} | {wall} | {wall / cli_s:.1f} | "
              + " | ".join(str(timings.get(s, "")) for s in stages) + " |")


if __name__ == "__main__":
    main()
