#!/usr/bin/env python3
"""Issue 14's benchmark: generate the reprint sets with classes, run syndic
(reprint and minhash modes, default flags) and the baselines, score all of
them the same way, write the tables.

Sets (see bench/README.md, "Reprints with classes"):
  tune-reuters-s1      Reuters-21578, generator seed 1: tune rules on this one
  tune-gutenberg-s1    Gutenberg sample, seed 1: tune rules on this one too
  report-reuters-s2    Reuters-21578, seed 2: report only
  report-gutenberg-s2  Gutenberg sample, seed 2: report only (its failures were
                       read once, so seed 3 is the untouched pair)
  report-reuters-s3    Reuters-21578, seed 3: report only, never inspected
  report-gutenberg-s3  Gutenberg sample, seed 3: report only, never inspected

Usage (needs scikit-learn, scipy and datasketch: bench/.venv):
  bench/.venv/bin/python bench/reprints/run_classes.py [--syndic target/debug/syndic]
      [--work bench/work/reprint-classes] [--sets NAME ...] [--reuse]

Writes WORK/<set>/data/{corpus,labels,meta}.jsonl, WORK/<set>/<method>/
clusters.jsonl (syndic runs: the whole run directory, pairs.jsonl
included), WORK/results.json and WORK/results.md, and prints the tables.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import baselines as b  # noqa: E402

SETS = {
    "tune-reuters-s1": ("reuters", "reuters21578.jsonl.gz", 1),
    "tune-gutenberg-s1": ("gutenberg", "gutenberg-sample.jsonl.gz", 1),
    "report-reuters-s2": ("reuters", "reuters21578.jsonl.gz", 2),
    "report-gutenberg-s2": ("gutenberg", "gutenberg-sample.jsonl.gz", 2),
    "report-reuters-s3": ("reuters", "reuters21578.jsonl.gz", 3),
    "report-gutenberg-s3": ("gutenberg", "gutenberg-sample.jsonl.gz", 3),
}
# Rows of the tables, in order (all methods run; these are shown).
SHOWN = ["syndic-reprint", "syndic-minhash", "tfidf-0.3", "minhash3-0.3", "minhash3-0.5", "minhash3-0.8",
         "jaccard3-0.3"]


def run_syndic(syndic, setdir, out, mode):
    started = time.time()
    subprocess.run([syndic, "dedup", os.path.join(setdir, "corpus.jsonl"), "--site-field", "site", "--mode", mode,
                    "--out", out, "--force", "--quiet"], check=True)
    seconds = time.time() - started
    ev = subprocess.run([syndic, "eval", "--gold", os.path.join(setdir, "labels.jsonl"),
                         "--pred", os.path.join(out, "clusters.jsonl"), "--json"],
                        check=True, capture_output=True, text=True)
    return round(seconds, 2), json.loads(ev.stdout)


def pct(x):
    return "" if x is None else f"{100 * x:.0f}"


def table(results):
    head = ("| method | ARI | pair P | pair R | clusters | reprint | abridged | composed | revised | excerpt "
            "| followup with story | followup wrong | negative wrong | s |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name in SHOWN:
        if name not in results:
            continue
        r = results[name]
        s, c = r["scores"], r["scores"]["classes"]
        rec = [pct(c.get(k, {}).get("recall")) for k in b.DERIVED]
        lines.append(f"| {name} | {s['ari']:.3f} | {s['pair_precision']:.3f} | {s['pair_recall']:.3f} "
                     f"| {s['pred_clusters']} | " + " | ".join(rec) +
                     f" | {pct(c['followup']['with_story'])} | {pct(c['followup']['wrong'])} "
                     f"| {pct(c['negative']['wrong'])} | {r['seconds']} |")
    return "\n".join(lines)


def kept_table(results):
    names = [n for n in SHOWN if n in results]
    buckets = list(results[names[0]]["scores"]["abridged_by_kept"])
    ns = [results[names[0]]["scores"]["abridged_by_kept"][k]["n"] for k in buckets]
    lines = ["| abridged, share kept | " + " | ".join(f"{k} (n={n})" for k, n in zip(buckets, ns)) + " |",
             "|---|" + "---|" * len(buckets)]
    for name in names:
        by = results[name]["scores"]["abridged_by_kept"]
        lines.append(f"| {name} | " + " | ".join(pct(by[k]["recall"]) for k in buckets) + " |")
    return "\n".join(lines)


def versions(syndic):
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for mod in ("sklearn", "datasketch", "numpy", "scipy"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception as e:  # noqa: BLE001
            out[mod] = f"absent ({e})"
    for name, cmd in (("syndic", [syndic, "--version"]), ("rustc", ["rustc", "--version"])):
        try:
            out[name] = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            out[name] = "absent"
    st = os.stat(syndic)
    out["syndic_binary"] = {"path": syndic, "bytes": st.st_size,
                            "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime))}
    try:
        out["git_head"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                                         text=True).stdout.strip()
    except OSError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--syndic", default=os.path.join(ROOT, "target", "debug", "syndic"))
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "work", "reprint-classes"))
    ap.add_argument("--data", default=os.environ.get("SYNDIC_BENCH_DATA", os.path.join(os.path.dirname(ROOT),
                                                                                        "shared", "data")))
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    ap.add_argument("--reuse", action="store_true", help="keep generated sets that exist")
    args = ap.parse_args()
    syndic = os.path.abspath(args.syndic)
    started = time.time()
    report = {"versions": versions(syndic), "sets": {}}
    md = []
    for name in args.sets:
        corpus, fname, seed = SETS[name]
        setdir = os.path.join(args.work, name, "data")
        t = time.time()
        gen_cmd = [sys.executable, os.path.join(HERE, "classes.py"), corpus, os.path.join(args.data, fname), setdir,
                   "--seed", str(seed)]
        if args.reuse and os.path.exists(os.path.join(setdir, "meta.jsonl")):
            gen = json.load(open(os.path.join(args.work, name, "generator.json")))
        else:
            gen = json.loads(subprocess.run(gen_cmd, check=True, capture_output=True, text=True).stdout)
            json.dump(gen, open(os.path.join(args.work, name, "generator.json"), "w"))
        gen_s = round(time.time() - t, 1)
        _, labels, meta = b.load_set(setdir)
        results = {}
        for mode in ("reprint", "minhash"):
            out = os.path.join(args.work, name, f"syndic-{mode}")
            seconds, ev = run_syndic(syndic, setdir, out, mode)
            pred = {r["id"]: r["cluster"] for r in b.read_jsonl(os.path.join(out, "clusters.jsonl"))}
            scores = b.score(labels, meta, pred)
            # The Python scores must agree with syndic eval's.
            for key in ("ari", "pair_precision", "pair_recall"):
                if abs(scores[key] - ev[key]) > 1e-9:
                    raise SystemExit(f"{name} syndic-{mode}: {key} python {scores[key]} != syndic eval {ev[key]}")
            results[f"syndic-{mode}"] = {"seconds": seconds, "scores": scores, "syndic_eval": ev}
        results.update(b.run_baselines(setdir, os.path.join(args.work, name)))
        report["sets"][name] = {"generator": gen, "generator_command": " ".join(gen_cmd), "generate_s": gen_s,
                                "results": results}
        counts = ", ".join(f"{k} {v}" for k, v in gen["classes"].items())
        md += [f"### {name} ({gen['documents']} documents: {counts})", "", table(results), "",
               kept_table(results), ""]
    report["total_s"] = round(time.time() - started, 1)
    md.insert(0, "Per-class columns are percentages: recall (in the source's predicted cluster) for reprint, "
                 "abridged, composed, revised, excerpt; for followups, the share in the cluster of the story they "
                 "borrow from, and the share merged with any other gold cluster; for negatives, the share "
                 "merged with any other gold cluster. s = seconds of the method's run (2 vCPU).\n")
    os.makedirs(args.work, exist_ok=True)
    json.dump(report, open(os.path.join(args.work, "results.json"), "w"), indent=1)
    open(os.path.join(args.work, "results.md"), "w").write("\n".join(md) + "\n")
    print("\n".join(md))
    print(f"total {report['total_s']} s; results in {args.work}/results.{{json,md}}")


if __name__ == "__main__":
    main()
