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
        [--shards 8] [--runs 2] [--data ../shared/data] [--object-store-mib 2048] \\
        [--timeline DIR]

Each node gets an object store of --object-store-mib (default 2 GiB):
`ray.cluster_utils.Cluster` would give it 150 MiB, too little for the 1M
headlines, whose objects then spill to disk, and a task whose argument
was spilled on another node can wait for Ray's push timeout (10 s). Each
run reports how often the raylets logged spilling, restoring and a push
that timed out during it, so that a run that spilled is seen.

With --timeline, after each Ray run, the task events of the driver so far
(`ray.timeline()`, Chrome trace format: open in chrome://tracing or
Perfetto) are written to DIR/<corpus>-<run>.json, to see which task a
slow stage waited on.

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


class RayletLog:
    """What the raylets of the cluster logged since the last look: how
    often they spilled objects to disk, restored them, and gave up a push
    after waiting 10 s for the object (`object_manager_push_timeout_ms`;
    the task that needed it waited as long). Read from their log files,
    since Ray's memory summary needs grpc, which `ray[data]` does not
    install."""

    EVENTS = {"spilled": "Spilled ", "restored": "Restored ", "push_timeouts": "Invalid Push request"}

    def __init__(self, session_dir: str):
        self.logs = Path(session_dir) / "logs"
        self.offsets: dict = {}

    def events(self) -> dict:
        counts = dict.fromkeys(self.EVENTS, 0)
        for path in sorted(self.logs.glob("raylet*.out")):
            with open(path, "rb") as f:
                f.seek(self.offsets.get(path, 0))
                text = f.read()
                self.offsets[path] = f.tell()
            for line in text.decode(errors="replace").splitlines():
                if "[state-dump]" in line:
                    continue
                for name, needle in self.EVENTS.items():
                    counts[name] += needle in line
        return counts


def same_output(a: Path, b: Path) -> bool:
    return all(filecmp.cmp(a / name, b / name, shallow=False) for name in ("clusters.jsonl", "pairs.jsonl"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--syndic", default=str(ROOT / "target" / "release" / "syndic"))
    ap.add_argument("--corpora", nargs="+", default=["gutenberg", "headlines"], choices=list(CORPORA))
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--object-store-mib", type=int, default=2048, help="each node's object store")
    ap.add_argument("--timeline", type=Path, help="write each Ray run's task events here")
    args = ap.parse_args()

    store = args.object_store_mib * 2**20
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": store})
    cluster.add_node(num_cpus=1, object_store_memory=store)
    cluster.wait_for_nodes()
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    ray.init(address=cluster.address, runtime_env={"env_vars": env}, include_dashboard=False)
    raylets = RayletLog(cluster.head_node.get_session_dir_path())
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
                    raylets.events()
                    started = time.monotonic()
                    summary = syndic.ray.dedup(shards, out=out, force=True)
                    wall = round(time.monotonic() - started, 2)
                    if args.timeline:
                        args.timeline.mkdir(parents=True, exist_ok=True)
                        ray.timeline(str(args.timeline / f"{corpus}-{run}.json"))
                    identical = same_output(cli_out, out)
                    print(json.dumps({"corpus": corpus, "front_end": "ray", "run": run, "wall_s": wall,
                                      "identical_to_cli": identical, "timings_ms": summary["timings_ms"],
                                      # How busy the machine was (other work counts too).
                                      "load_1m": round(os.getloadavg()[0], 1),
                                      "raylet_log": raylets.events()}),
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
