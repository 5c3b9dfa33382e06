#!/usr/bin/env python3
"""What `syndic dedup --mode reprint` merged on a corpus, and a sample to read.

Reads a run directory (clusters.jsonl, pairs.jsonl, passages.jsonl,
summary.json) and the corpus it was made from, and

  * prints the aggregate picture (``--stats``): documents merged, exact
    copies versus reprints, cluster size histogram, coverage histogram,
    the largest clusters with their headlines;
  * draws a deterministic random sample (``--seed``, default 14) of merged
    pairs (member, representative of its cluster) -- the pair the cluster
    check validates -- and dumps both texts of each with the shared
    passages marked ``[[...]]`` (``--dump FILE``), plus a JSONL of the
    sample (``--sample-out FILE``) to fill in by hand.

Exact copies (the member is syndic's exact copy of the representative,
i.e. they share an exact group in pairs.jsonl) are excluded from the sample
by default and counted separately; ``--kind exact`` samples only them,
``--kind all`` both.

Passages come from passages.jsonl. Exact copies are aligned only once (the
first of each exact group), so a pair is looked up through the first copy
of each side (when that copy's bytes differ from the text shown, the dump
falls back to the script's own marks). The cluster check's own alignment of a member with its
representative is not written out when that pair was not an edge; for those
pairs the dump marks runs of words found by this script instead and
says so ("approx"): difflib's matching word runs of 4 words or more.

Usage:
  target/debug/syndic dedup ../shared/data/reuters21578.jsonl.gz \\
      --mode reprint --out /tmp/reuters-reprint --force -q
  python3 bench/reprints/reuters_merges.py /tmp/reuters-reprint \\
      ../shared/data/reuters21578.jsonl.gz --stats --n 50 --seed 14 \\
      --dump /tmp/sample.txt --sample-out /tmp/sample.jsonl
  # members an earlier run merged that a later run no longer merges
  python3 bench/reprints/reuters_merges.py /tmp/reuters-reprint-2 \\
      ../shared/data/reuters21578.jsonl.gz --before /tmp/reuters-reprint \\
      --kind all --n 30 --seed 14 --dump /tmp/lost.txt --sample-out /tmp/lost.jsonl
"""
import argparse
import collections
import gzip
import json
import random
import re
import sys


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def load(run, corpus, text_field="text", id_field="id"):
    texts = {}
    for d in read_jsonl(corpus):
        texts[str(d[id_field])] = d[text_field]
    clusters = list(read_jsonl(f"{run}/clusters.jsonl"))
    pairs = list(read_jsonl(f"{run}/pairs.jsonl"))
    passages = collections.defaultdict(list)
    for p in read_jsonl(f"{run}/passages.jsonl"):
        passages[(p["a"], p["b"])].append(p)
    with open(f"{run}/summary.json") as f:
        summary = json.load(f)
    return texts, clusters, pairs, passages, summary


def merged_members(clusters, pairs, passages):
    """One record per document merged into another's cluster."""
    rep = {c["cluster"]: c["id"] for c in clusters if c["representative"]}
    size = collections.Counter(c["cluster"] for c in clusters)
    first = {}  # exact copy -> first of its exact group
    for p in pairs:
        if p["kind"] == "exact":
            first[p["b"]] = p["a"]
    edge = {}
    for p in pairs:
        edge[frozenset((p["a"], p["b"]))] = p
    out = []
    for c in clusters:
        if c["representative"]:
            continue
        m, r = c["id"], rep[c["cluster"]]
        fm, fr = first.get(m, m), first.get(r, r)
        exact = fm == fr
        key = None
        if not exact:
            if (fm, fr) in passages:
                key = (fm, fr)
            elif (fr, fm) in passages:
                key = (fr, fm)
        out.append({
            "member": m,
            "representative": r,
            "cluster": c["cluster"],
            "cluster_size": size[c["cluster"]],
            "coverage": c["similarity"],
            "kind": "exact" if exact else "reprint",
            "edge": (edge.get(frozenset((m, r))) or {}).get("kind"),
            "passage_key": key,
        })
    return out


def byte_spans_to_chars(text, spans):
    """Byte offsets -> character offsets, intervals merged."""
    b = text.encode("utf-8")
    spans = sorted(spans)
    merged = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(len(b[:s].decode("utf-8", "ignore")), len(b[:e].decode("utf-8", "ignore")))
            for s, e in merged]


WORD = re.compile(r"\w+")


def approx_spans(ta, tb, min_words=4):
    """Character spans of the word runs difflib matches between the texts.

    Lower-cased word tokens; matching blocks of at least min_words words.
    Like syndic's alignment it lets the words between runs differ, so a
    template filled with other names and figures shows as several runs."""
    import difflib
    toka = [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(ta)]
    tokb = [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(tb)]
    sm = difflib.SequenceMatcher(None, [w for w, _, _ in toka], [w for w, _, _ in tokb], autojunk=False)
    sa, sb = [], []
    for i, j, n in sm.get_matching_blocks():
        if n >= min_words:
            sa.append((toka[i][1], toka[i + n - 1][2]))
            sb.append((tokb[j][1], tokb[j + n - 1][2]))
    return sa, sb


def mark(text, spans):
    out, pos = [], 0
    for s, e in spans:
        out.append(text[pos:s])
        out.append("[[" + text[s:e] + "]]")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def shared_chars(spans):
    return sum(e - s for s, e in spans)


def pair_view(rec, texts, passages):
    """Marked texts of (member, representative) and how they were marked."""
    m, r = rec["member"], rec["representative"]
    tm, tr = texts[m], texts[r]
    if rec["kind"] == "exact":
        return tm, tr, [(0, len(tm))], [(0, len(tr))], "exact"
    key = rec["passage_key"]
    if key is not None and any(texts[_FIRST.get(x, x)] != texts[x] for x in (m, r)):
        key = None  # offsets are into an exact copy whose bytes differ from this text
    if key is None:
        sm, sr = approx_spans(tm, tr)
        return tm, tr, sm, sr, "approx (difflib word runs >= 4 words; the cluster check's alignment is not in passages.jsonl)"
    ps = [p for p in passages[key] if not p["boilerplate"]]
    # key is (first(member), first(rep)) or the reverse
    first_m_side = _side(key, rec)
    sa = [(p["a_start"], p["a_end"]) for p in ps]
    sb = [(p["b_start"], p["b_end"]) for p in ps]
    sm, sr = (sa, sb) if first_m_side == "a" else (sb, sa)
    how = "passages.jsonl" + ("" if set(key) == {m, r} else f" (through exact copies {key[0]}/{key[1]})")
    return tm, tr, byte_spans_to_chars(tm, sm), byte_spans_to_chars(tr, sr), how


_FIRST = {}


def _side(key, rec):
    """Which side of key ('a' or 'b') is the member (or its first exact copy)."""
    fm = _FIRST.get(rec["member"], rec["member"])
    return "a" if key[0] == fm else "b"


def headline(t):
    return t.split("\n", 1)[0].strip()


def stats(summary, recs, clusters, texts, top=15):
    out = []
    docs = summary["documents"]["read"]
    exact = [r for r in recs if r["kind"] == "exact"]
    rep = [r for r in recs if r["kind"] == "reprint"]
    out.append(f"documents {docs}, clusters {summary['clusters']}, "
               f"duplicates_removed {summary['duplicates_removed']} "
               f"(exact_duplicates {summary['exact_duplicates']}, near_duplicates {summary['near_duplicates']})")
    out.append(f"merged members: {len(recs)}; exact copy of their representative: {len(exact)}; "
               f"reprint of it: {len(rep)}")
    out.append(f"  of the reprints: member-representative pair is an edge in pairs.jsonl: "
               f"{sum(1 for r in rep if r['edge'])}; joined only through other members: "
               f"{sum(1 for r in rep if not r['edge'])}; passages in passages.jsonl: "
               f"{sum(1 for r in rep if r['passage_key'])}")
    same_head = sum(1 for r in rep if headline(texts[r['member']]).upper() == headline(texts[r['representative']]).upper())
    out.append(f"  reprints with the same headline as their representative: {same_head} of {len(rep)}")
    size = collections.Counter(c["cluster"] for c in clusters)
    hist = collections.Counter(size.values())
    out.append("cluster size histogram (size: clusters, members merged): " + ", ".join(
        f"{s}: {hist[s]} ({hist[s] * (s - 1)})" for s in sorted(hist) if s > 1))
    kinds = collections.defaultdict(set)
    for r in recs:
        kinds[r["cluster"]].add(r["kind"])
    ck = collections.Counter("+".join(sorted(v)) for v in kinds.values())
    out.append("clusters by member kinds: " + ", ".join(f"{k}: {v}" for k, v in sorted(ck.items())))
    bins = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.01]
    cov = collections.Counter()
    for r in rep:
        for lo, hi in zip(bins, bins[1:]):
            if lo <= r["coverage"] < hi:
                cov[f"{lo:.2f}-{min(hi, 1.0):.2f}"] += 1
    out.append("reprint members by coverage of their representative: " + ", ".join(
        f"{k}: {v}" for k, v in sorted(cov.items())))
    reps = {c["cluster"]: c["id"] for c in clusters if c["representative"]}
    out.append(f"largest clusters (size, representative, headline; {top}):")
    for cid, s in sorted(size.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
        out.append(f"  {s:3d}  {reps[cid]:>6}  {headline(texts[reps[cid]])}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="syndic dedup --mode reprint output directory")
    ap.add_argument("corpus", help="the JSONL(.gz) corpus the run read")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--kind", choices=["reprint", "exact", "all"], default="reprint",
                    help="which merged members to sample: reprints (default; exact copies "
                         "left out and counted apart), exact copies only, or all")
    ap.add_argument("--stats", action="store_true", help="print the aggregate picture")
    ap.add_argument("--dump", help="write the sampled pairs' texts, passages marked [[...]]")
    ap.add_argument("--sample-out", help="write the sample as JSONL (ids, coverage, headlines)")
    ap.add_argument("--before", metavar="RUN",
                    help="an earlier run of the same corpus: sample instead the members it merged "
                         "that RUN (the first argument) no longer puts with their earlier "
                         "representative (singletons now, or in another cluster); the pairs shown "
                         "are (member, earlier representative), marked with the earlier run's passages")
    args = ap.parse_args()

    texts, clusters, pairs, passages, summary = load(args.run, args.corpus)
    if args.before:
        now = {c["id"]: c["cluster"] for c in clusters}
        now_size = collections.Counter(now.values())
        _, clusters, pairs, passages, summary = load(args.before, args.corpus)
    for p in pairs:
        if p["kind"] == "exact":
            _FIRST[p["b"]] = p["a"]
    recs = merged_members(clusters, pairs, passages)
    if args.stats:
        print(stats(summary, recs, clusters, texts))
    if args.before:
        lost = [r for r in recs if now[r["member"]] != now[r["representative"]]]
        for r in lost:
            r["now"] = "singleton" if now_size[now[r["member"]]] == 1 else "other cluster"
        c = collections.Counter((r["kind"], r["now"]) for r in lost)
        print(f"merged in {args.before}: {len(recs)}; no longer with their representative in "
              f"{args.run}: {len(lost)} (" + ", ".join(f"{k} {n}: {v}" for (k, n), v in sorted(c.items())) + ")")
        recs = lost

    pool = sorted((r for r in recs if args.kind == "all" or r["kind"] == args.kind),
                  key=lambda r: int(r["member"]) if r["member"].isdigit() else r["member"])
    sample = random.Random(args.seed).sample(pool, min(args.n, len(pool)))
    rows = []
    dump = []
    for i, r in enumerate(sample, 1):
        tm, tr, sm, sr, how = pair_view(r, texts, passages)
        row = {
            "n": i, "member": r["member"], "representative": r["representative"],
            "cluster_size": r["cluster_size"], "coverage": r["coverage"], "kind": r["kind"],
            "edge": r["edge"], "marked_by": how.split(" ")[0],
            "id_gap": (int(r["member"]) - int(r["representative"])
                       if r["member"].isdigit() and r["representative"].isdigit() else None),
            "member_chars": len(tm), "rep_chars": len(tr),
            "member_shared": round(shared_chars(sm) / max(1, len(tm)), 3),
            "rep_shared": round(shared_chars(sr) / max(1, len(tr)), 3),
            "member_headline": headline(tm), "rep_headline": headline(tr),
        }
        if "now" in r:
            row["now"] = r["now"]
        rows.append(row)
        dump.append("=" * 100)
        dump.append(f"#{i}  member {r['member']}  ->  representative {r['representative']}  "
                    f"(cluster of {r['cluster_size']}, coverage {r['coverage']}, kind {r['kind']}, "
                    f"edge {r['edge']}, marked by {how})"
                    + (f"; now: member {r['now']}" if "now" in r else ""))
        dump.append(f"member shares {row['member_shared']:.0%} of its characters, "
                    f"representative {row['rep_shared']:.0%}")
        dump.append(f"--- member {r['member']} ---")
        dump.append(mark(tm, sm))
        dump.append(f"--- representative {r['representative']} ---")
        dump.append(mark(tr, sr))
    if args.dump:
        with open(args.dump, "w") as f:
            f.write("\n".join(dump) + "\n")
    if args.sample_out:
        with open(args.sample_out, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
    if not args.dump and not args.sample_out:
        for row in rows:
            print(json.dumps(row))


if __name__ == "__main__":
    sys.exit(main())
