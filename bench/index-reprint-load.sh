#!/usr/bin/env bash
# Load benchmark of `syndic serve` over a reprint index (issue 15): 50
# concurrent clients on loopback against a reprint index of Reuters-21578
# plus the labelled reprints of `bench/reprints` (generated from it by
# `bench/reprints/generate.py`, with their sites): 80 % of each indexed at
# creation, first querying, then adding the other 20 %.
# Not a timed test: figures for the record (bench/results/2026-12-01/ and
# 2026-12-02/index-reprint-load*.md). Prints the commands it runs and their
# output, the load average before each phase, and the server's CPU time
# per query and per added document (the figures least moved by other work
# on the machine).
#
#   bench/index-reprint-load.sh [WORKDIR]
#
# Environment: SYNDIC and LOAD (the binaries; default: the release builds
# under target/), DATA (default ../shared/data), PORT (default 18095),
# QUERY_SECONDS (30), ADD_BATCH (10), ADD_CLIENTS (50).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$here/target}
SYNDIC=${SYNDIC:-$target/release/syndic}
LOAD=${LOAD:-$target/release/examples/load}
DATA=${DATA:-$here/../shared/data}
PORT=${PORT:-18095}
QUERY_SECONDS=${QUERY_SECONDS:-30}
ADD_BATCH=${ADD_BATCH:-10}
ADD_CLIENTS=${ADD_CLIENTS:-50}
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
run() { echo "+ $*" >&2; "$@"; }

# The two corpora, each cut 80/20: the first parts indexed at creation,
# the rest added under load, so that both are queried and added. Their ids
# differ (Reuters' are numbers, the reprints' `site/story`); only the
# reprints have a site.
zcat "$DATA/reuters21578.jsonl.gz" > reuters.jsonl
run python3 "$here/bench/reprints/generate.py" "$DATA/reuters21578.jsonl.gz" reprints
: > first.jsonl
: > rest.jsonl
for corpus in reuters.jsonl reprints/corpus.jsonl; do
    m=$(wc -l < "$corpus")
    head -n "$((m * 4 / 5))" "$corpus" >> first.jsonl
    tail -n +"$((m * 4 / 5 + 1))" "$corpus" >> rest.jsonl
done
# In the order the index gets them when the adds arrive in order.
cat first.jsonl rest.jsonl > all.jsonl
n=$(wc -l < all.jsonl)
echo "documents: $n; indexed at creation: $(wc -l < first.jsonl); added under load: $(wc -l < rest.jsonl)"
loadavg() { echo "load average before $1: $(cut -d' ' -f1-3 /proc/loadavg)"; }

rm -rf idx
run /usr/bin/time -f "index create: %e s, peak RSS %M KiB" \
    "$SYNDIC" index create idx --mode reprint --from first.jsonl --site-field site -q
"$SYNDIC" serve idx --listen "127.0.0.1:$PORT" 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -sf "127.0.0.1:$PORT/health" > /dev/null && break
    sleep 0.1
done

# Queries: the texts of the whole corpus (indexed ones and the 20 % not
# yet indexed), single-text POST /v1/query.
loadavg queries
run "$LOAD" --addr "127.0.0.1:$PORT" --data all.jsonl --limit "$n" --mode query \
    --clients 50 --seconds "$QUERY_SECONDS" --server-pid "$server"
# Adds: the other 20 %, each once, POST /v1/batch/documents, acknowledged
# after commit; documents/s counts the acknowledged ones.
loadavg adds
run "$LOAD" --addr "127.0.0.1:$PORT" --data rest.jsonl --limit "$n" --mode add --site-field site \
    --batch "$ADD_BATCH" --clients "$ADD_CLIENTS" --seconds 300 --server-pid "$server"
curl -s "127.0.0.1:$PORT/v1/stats"
echo
kill $server
wait $server 2>/dev/null || true
trap - EXIT

# The grown index exports what `syndic dedup --mode reprint` gives, when
# the added documents arrived in corpus order (50 clients interleave them,
# so the export is compared as a partition of the ids, not byte for byte).
run "$SYNDIC" index export idx --out exported
run "$SYNDIC" dedup --mode reprint all.jsonl --site-field site --out batch -q
python3 - <<'EOF'
import json
def partition(path):
    groups = {}
    for line in open(path):
        r = json.loads(line)
        # The load client adds documents under ids prefixed `load-`.
        groups.setdefault(r["cluster"], set()).add(r["id"].removeprefix("load-"))
    return {frozenset(g) for g in groups.values()}
a, b = partition("exported/clusters.jsonl"), partition("batch/clusters.jsonl")
print(f"clusters: exported {len(a)}, batch {len(b)}, identical partition: {a == b}; "
      f"differing clusters: {len(a ^ b)}")
# The same documents in the order the index holds them (clusters.jsonl is
# in index order), under the index's ids: the batch run over that order.
docs = {}
for line in open("all.jsonl"):
    r = json.loads(line)
    docs[r["id"]] = r
with open("index-order.jsonl", "w") as out:
    for line in open("exported/clusters.jsonl"):
        i = json.loads(line)["id"]
        out.write(json.dumps({**docs[i.removeprefix("load-")], "id": i}) + "\n")
EOF
run "$SYNDIC" dedup --mode reprint index-order.jsonl --site-field site --out batch-index-order -q
for f in clusters pairs passages boilerplate; do
    if cmp -s "exported/$f.jsonl" "batch-index-order/$f.jsonl"; then
        echo "$f.jsonl: export identical to dedup over the index's order"
    else
        echo "$f.jsonl: export DIFFERS from dedup over the index's order"
    fi
done
