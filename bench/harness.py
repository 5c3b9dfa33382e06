"""Runs syndic and its peers over the benchmark datasets and records time,
memory, duplicates found and, where labels exist, quality.

Started by `bench/run.sh` (which makes the venv and builds syndic); see
bench/README.md. Every run goes through `/usr/bin/time -v` under `taskset`
pinned to its cores, with a per-run timeout. Results are rewritten after
each run, so an interrupted benchmark keeps what it measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import psutil

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = Path(os.environ.get("SYNDIC_BENCH_DATA", "/work/shared/data"))
WORK = Path(os.environ.get("SYNDIC_BENCH_WORK", BENCH / "work"))
PYTHON = sys.executable
PEERS = BENCH / "peers"
# Matched parameters; the peers' drivers hard-code the same (peers/common.py).
THRESHOLD, NUM_PERM, NGRAM = 0.8, 128, 5
QUICK_HEADLINES = 100_000
# The run every other is compared with on unlabelled data.
REFERENCE = "datasketch"


@dataclass
class Dataset:
    name: str
    path: Path
    labels: Path | None = None
    docs: int = 0


@dataclass
class Run:
    """One tool configuration: `argv(input, out)` is its command line."""

    tool: str
    mode: str
    cores: int
    argv: object
    datasets: set[str] | None = None  # None: every dataset
    env: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.tool}-{self.mode}-{self.cores}c"


def syndic_runs(binary: Path) -> list[Run]:
    def dedup(mode: str | None, threads: int):
        def argv(inp: Path, out: Path) -> list[str]:
            cmd = [str(binary), "dedup", str(inp), "--out", str(out), "--threads", str(threads),
                   "--quiet", "--force"]
            # syndic refuses flags that the chosen mode does not use.
            if mode is None:
                cmd += ["--threshold", str(THRESHOLD), "--num-perm", str(NUM_PERM), "--ngram", str(NGRAM)]
            return cmd + (["--mode", mode] if mode else [])
        return argv

    return [
        Run("syndic", "near", 1, dedup(None, 1)),
        Run("syndic", "near", 2, dedup(None, 2)),
        Run("syndic", "exact", 1, dedup("exact", 1)),
        Run("syndic", "reprint", 1, dedup("reprint", 1), datasets={"reuters21578", "reprints"}),
    ]


def peer_runs() -> list[Run]:
    def driver(script: str, *extra: str):
        return lambda inp, out: [PYTHON, str(PEERS / script), str(inp), "--out", str(out), *extra]

    return [
        Run("datasketch", "minhash-lsh", 1, driver("datasketch_dedup.py")),
        Run("rensa", "minhash-lsh", 1, driver("rensa_dedup.py")),
        Run("datatrove", "minhash-lsh", 1, driver("datatrove_dedup.py", "--workers", "1")),
        Run("datatrove", "minhash-lsh", 2, driver("datatrove_dedup.py", "--workers", "2")),
        Run("text-dedup", "minhash-lsh", 1, driver("text_dedup_dedup.py", "--workers", "1")),
    ]


def count_lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def slice_jsonl(source: Path, target: Path, lines: int) -> Path:
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        with gzip.open(source, "rb") as src, gzip.open(partial, "wb") as dst:
            for i, line in enumerate(src):
                if i == lines:
                    break
                dst.write(line)
        partial.rename(target)
    return target


def reprint_dataset() -> Dataset | None:
    """The labelled reprint benchmark, when its generator exists. It is
    regenerated (deterministic, seconds) into bench/work/reprints/ on every
    run, so the corpus always matches the generator in the tree."""
    generator = BENCH / "reprints" / "generate.py"
    if not generator.exists():
        print("bench/reprints/generate.py not found: skipping the reprint benchmark", flush=True)
        return None
    out = WORK / "reprints"
    out.mkdir(parents=True, exist_ok=True)
    print("generating the reprint benchmark ...", flush=True)
    subprocess.run([PYTHON, str(generator), str(DATA / "reuters21578.jsonl.gz"), str(out)], check=True)
    return Dataset("reprints", out / "corpus.jsonl", out / "labels.jsonl")


def datasets(quick: bool, only: list[str] | None) -> list[Dataset]:
    """The datasets to run (`only` filters by name), prepared and counted."""
    headlines = DATA / "reuters-headlines-1m.jsonl.gz"
    quick_name = f"headlines-{QUICK_HEADLINES // 1000}k"
    makers = {"reuters21578": lambda: Dataset("reuters21578", DATA / "reuters21578.jsonl.gz")}
    if quick:
        makers[quick_name] = lambda: Dataset(quick_name, slice_jsonl(
            headlines, WORK / f"{quick_name}.jsonl.gz", QUICK_HEADLINES))
    else:
        makers["gutenberg-sample"] = lambda: Dataset("gutenberg-sample", DATA / "gutenberg-sample.jsonl.gz")
        makers["headlines-1m"] = lambda: Dataset("headlines-1m", headlines)
    makers["reprints"] = reprint_dataset
    found = [d for name, make in makers.items() if not only or name in only if (d := make())]
    for d in found:
        d.docs = count_lines(d.path)
    return found


def parse_time(path: Path) -> dict:
    """The figures we keep from GNU time's -v report."""
    text = path.read_text() if path.exists() else ""

    def grab(label: str) -> str | None:
        m = re.search(rf"^\s*{re.escape(label)}: (.+)$", text, re.M)
        return m.group(1).strip() if m else None

    def seconds(clock: str | None) -> float | None:
        if clock is None:
            return None
        total = 0.0
        for part in clock.split(":"):
            total = total * 60 + float(part)
        return total

    user, system = grab("User time (seconds)"), grab("System time (seconds)")
    rss = grab("Maximum resident set size (kbytes)")
    return {
        "wall_s": seconds(grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")),
        "user_s": float(user) if user else None,
        "sys_s": float(system) if system else None,
        "cpu_s": round(float(user) + float(system), 2) if user and system else None,
        "peak_rss_mb": round(int(rss) / 1024, 1) if rss else None,
    }


class TreeSampler:
    """Samples a process tree: the peak of its summed PSS (proportional set
    size, so pages shared by forked workers count once) and the CPU time of
    every process seen. GNU time misses both for workers that their parent
    never waits for (datatrove's pool)."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak_pss = 0
        self.cpu: dict[int, float] = {}

    def sample(self) -> None:
        try:
            family = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        pss = 0
        for p in family:
            try:
                with p.oneshot():
                    times = p.cpu_times()
                    self.cpu[p.pid] = times.user + times.system
                    pss += p.memory_full_info().pss
            except psutil.Error:
                pass
        self.peak_pss = max(self.peak_pss, pss)


def measure(argv: list[str], cores: int, out: Path, timeout: float, env: dict) -> dict:
    """Runs argv pinned to `cores` under GNU time, sampling its process tree
    every 0.1 s besides. GNU time's peak RSS is that of the largest single
    process; `peak_tree_pss_mb` is the whole tree's."""
    cpus = ",".join(str(c) for c in range(cores))
    timefile = out.parent / f"{out.name}.time"
    full = ["/usr/bin/time", "-v", "-o", str(timefile), "taskset", "-c", cpus, *argv]
    run_env = {**os.environ, "RAYON_NUM_THREADS": str(cores), "OMP_NUM_THREADS": str(cores), **env}
    with open(out.parent / f"{out.name}.stdout", "w") as so, open(out.parent / f"{out.name}.stderr", "w") as se:
        started = time.monotonic()
        proc = subprocess.Popen(full, stdout=so, stderr=se, env=run_env, start_new_session=True)
        sampler = TreeSampler(proc.pid)
        status = None
        while proc.poll() is None:
            sampler.sample()
            if time.monotonic() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                status = "timeout"
                break
            time.sleep(0.1)
    result = parse_time(timefile)
    # A run shorter than one sampling period leaves no sample: unknown, not 0.
    result["peak_tree_pss_mb"] = round(sampler.peak_pss / 2**20, 1) if sampler.peak_pss else None
    result["tree_cpu_s"] = round(sum(sampler.cpu.values()), 2) if sampler.cpu else None
    if status == "timeout":
        result.update(status="timeout", wall_s=round(time.monotonic() - started, 1))
    else:
        result["status"] = "ok" if proc.returncode == 0 else f"error (exit {proc.returncode})"
    return result


def cluster_counts(clusters: Path) -> dict:
    """Duplicates as docs removed by keeping one per cluster: rows - clusters.
    Counting rows (not corpus docs) works whether or not a tool lists singletons."""
    rows, names = 0, set()
    with open(clusters, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows += 1
                names.add(json.loads(line)["cluster"])
    return {"rows": rows, "clusters_listed": len(names), "duplicates": rows - len(names)}


def last_json_line(path: Path) -> dict | None:
    for line in reversed(path.read_text(errors="replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def evaluate(binary: Path, labels: Path, clusters: Path) -> dict:
    out = subprocess.run([str(binary), "eval", "--gold", str(labels), "--pred", str(clusters), "--json"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip()[-500:]}
    report = json.loads(out.stdout)
    keep = ["ari", "pair_precision", "pair_recall", "pair_f1", "bcubed_precision", "bcubed_recall",
            "bcubed_f1", "gold_clusters", "pred_clusters", "coverage"]
    return {k: report[k] for k in keep}


def command_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    except OSError as err:
        return f"unavailable ({err})"


def machine() -> dict:
    lscpu = command_output(["lscpu"])
    model = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return {
        "cpu_model": model.group(1) if model else "unknown",
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "kernel": platform.release(),
        "os": platform.platform(),
    }


def versions(binary: Path) -> dict:
    found = {
        "syndic": command_output([str(binary), "--version"]),
        "rustc": command_output(["rustc", "--version"]),
        "python": platform.python_version(),
    }
    for package in ["datasketch", "rensa", "datatrove", "text-dedup", "spacy", "datasets", "numpy"]:
        try:
            found[package] = version(package)
        except Exception as err:  # noqa: BLE001  (record, don't stop the benchmark)
            found[package] = f"unavailable ({err})"
    return found


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def cpu_seconds(record: dict) -> float | None:
    known = [v for v in (record.get("cpu_s"), record.get("tree_cpu_s")) if v is not None]
    return max(known) if known else None


def write_results(folder: Path, meta: dict, results: list[dict]) -> None:
    (folder / "results.json").write_text(json.dumps({**meta, "runs": results}, indent=2) + "\n")
    lines = [
        f"# syndic benchmark, {meta['date']}",
        "",
        f"Machine: {meta['machine']['cpu_model']}, {meta['machine']['cores']} cores, "
        f"{meta['machine']['memory_gib']} GiB; {meta['machine']['os']}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "",
        f"Matched parameters: word {NGRAM}-gram shingles, {NUM_PERM} permutations, Jaccard threshold "
        f"{THRESHOLD}, lowercase. Per-run timeout {meta['timeout_s']} s. CPU s is user+sys: GNU time's, or "
        "the sampled process tree's where larger (pool workers GNU time never sees). Peak RSS is GNU time's "
        "(largest single process); tree PSS sums the process tree's proportional set size, sampled every "
        "0.1 s. Duplicates = docs removed by keeping one per cluster. ARI vs datasketch: agreement with "
        "plain MinHash LSH's clusters (all datasets); ARI, pair F1, B-cubed F1: against the gold labels "
        "(labelled datasets only). See bench/README.md for each peer's recipe and mismatches.",
        "",
    ]
    for name in dict.fromkeys(r["dataset"] for r in results):
        rows = [r for r in results if r["dataset"] == name]
        lines += [f"## {name} ({rows[0]['docs']:,} docs)", "",
                  "| tool | mode | cores | status | wall s | CPU s | peak RSS MB | tree PSS MB | duplicates "
                  f"| ARI vs {REFERENCE} | ARI | pair F1 | B-cubed F1 |",
                  "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            q = r.get("quality") or {}
            lines.append(
                f"| {r['tool']} | {r['mode']} | {r['cores']} | {r['status']} | {fmt(r.get('wall_s'), 2)} "
                f"| {fmt(cpu_seconds(r), 2)} | {fmt(r.get('peak_rss_mb'))} | {fmt(r.get('peak_tree_pss_mb'))} "
                f"| {fmt(r.get('duplicates'))} | {fmt((r.get('agreement') or {}).get('ari'), 4)} "
                f"| {fmt(q.get('ari'), 4)} | {fmt(q.get('pair_f1'), 4)} "
                f"| {fmt(q.get('bcubed_f1'), 4)} |")
        lines.append("")
    lines += ["## Commands", ""]
    lines += [f"- `{r['dataset']}` / {run_label(r)}: `{r['command']}`" for r in results]
    (folder / "results.md").write_text("\n".join(lines) + "\n")


def run_label(record: dict) -> str:
    return f"{record['tool']}-{record['mode']}-{record['cores']}c"


def clusters_of(dataset: str, label: str) -> Path:
    return WORK / "runs" / dataset / label / "clusters.jsonl"


def add_agreement(results: list[dict], dataset: str, binary: Path) -> None:
    """Scores every run of `dataset` against datasketch's clusters (plain
    MinHash LSH, the reference recipe): on unlabelled data this is what
    tells a tool that finds other duplicates from one that finds more."""
    ref = next((r for r in results if r["dataset"] == dataset and r["tool"] == REFERENCE
                and r["status"] == "ok"), None)
    if ref is None or not binary.exists():
        return
    gold = clusters_of(dataset, run_label(ref))
    for r in results:
        pred = clusters_of(dataset, run_label(r))
        if r["dataset"] == dataset and r is not ref and r["status"] == "ok" and pred.exists():
            scores = evaluate(binary, gold, pred)
            r["agreement"] = {"reference": run_label(ref),
                              **{k: scores.get(k) for k in ("ari", "pair_precision", "pair_recall", "error")
                                 if k in scores}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help=f"reuters21578 and the first {QUICK_HEADLINES:,} headlines only")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run (default 30 min)")
    parser.add_argument("--syndic", type=Path, default=REPO / "target/release/syndic")
    parser.add_argument("--tools", nargs="*", help="only these tools (e.g. syndic datasketch)")
    parser.add_argument("--datasets", nargs="*", help="only these datasets")
    parser.add_argument("--out", type=Path, help="results folder (default bench/results/<date>)")
    parser.add_argument("--append", action="store_true",
                        help="keep the folder's earlier results for runs not repeated now")
    args = parser.parse_args()

    date = dt.date.today().isoformat()
    folder = args.out or BENCH / "results" / date
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"date": date, "quick": args.quick, "timeout_s": args.timeout, "machine": machine(),
            "versions": versions(args.syndic),
            "params": {"threshold": THRESHOLD, "num_perm": NUM_PERM, "ngram": NGRAM}}
    all_runs = syndic_runs(args.syndic) + peer_runs()
    if args.tools:
        all_runs = [r for r in all_runs if r.tool in args.tools]
    chosen = datasets(args.quick, args.datasets)
    planned = {(d.name, r.label) for d in chosen for r in all_runs
               if r.datasets is None or d.name in r.datasets}
    results: list[dict] = []
    earlier = folder / "results.json"
    if args.append and earlier.exists():
        results = [r for r in json.loads(earlier.read_text())["runs"]
                   if (r["dataset"], run_label(r)) not in planned]
    order = {run.label: i for i, run in enumerate(syndic_runs(args.syndic) + peer_runs())}

    for data in chosen:
        for run in all_runs:
            if (data.name, run.label) not in planned:
                continue
            out = clusters_of(data.name, run.label).parent
            shutil.rmtree(out, ignore_errors=True)
            # syndic makes its own run directory: it replaces (with --force)
            # only what it wrote, so an empty folder made here is refused.
            # The peers' drivers expect the folder to exist.
            out.parent.mkdir(parents=True, exist_ok=True)
            if run.tool != "syndic":
                out.mkdir()
            argv = run.argv(data.path, out)
            print(f"[{dt.datetime.now():%H:%M:%S}] {data.name}: {run.label} ...", flush=True)
            record = {"dataset": data.name, "docs": data.docs, "tool": run.tool, "mode": run.mode,
                      "cores": run.cores, "command": " ".join(argv)}
            record.update(measure(argv, run.cores, out, args.timeout, run.env))
            clusters = out / "clusters.jsonl"
            if record["status"] == "ok" and clusters.exists():
                record.update(cluster_counts(clusters))
                summary = out / "summary.json"
                record["reported"] = (json.loads(summary.read_text()) if summary.exists()
                                      else last_json_line(out.parent / f"{out.name}.stdout"))
                if data.labels:
                    record["quality"] = evaluate(args.syndic, data.labels, clusters)
            elif record["status"] != "timeout":
                err = (out.parent / f"{out.name}.stderr").read_text(errors="replace").strip()
                record["error"] = err[-800:]
            print(f"    {record['status']}: wall {fmt(record.get('wall_s'))} s, cpu {fmt(cpu_seconds(record))} s, "
                  f"rss {fmt(record.get('peak_rss_mb'))} MB, duplicates {fmt(record.get('duplicates'))}", flush=True)
            results.append(record)
            results.sort(key=lambda r: order.get(run_label(r), len(order)))
            write_results(folder, meta, results)
        add_agreement(results, data.name, args.syndic)
        write_results(folder, meta, results)
    print(f"results: {folder / 'results.md'}")


if __name__ == "__main__":
    main()
