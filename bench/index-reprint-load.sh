#!/usr/bin/env bash
# Load benchmark of `syndic serve` over a reprint index (issue 15): 50
# concurrent clients on loopback against a reprint index of Reuters-21578
# (80 % indexed at creation), first querying, then adding the other 20 %.
# Not a timed test: figures for the record (bench/results/2026-12-01/ and
# 2026-12-02/index-reprint-load.md). Prints the commands it runs and their
# output.
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

zcat "$DATA/reuters21578.jsonl.gz" > all.jsonl
n=$(wc -l < all.jsonl)
first=$((n * 4 / 5))
head -n "$first" all.jsonl > first.jsonl
tail -n +"$((first + 1))" all.jsonl > rest.jsonl
echo "documents: $n; indexed at creation: $first; added under load: $((n - first))"

rm -rf idx
run /usr/bin/time -f "index create: %e s, peak RSS %M KiB" \
    "$SYNDIC" index create idx --mode reprint --from first.jsonl -q
"$SYNDIC" serve idx --listen "127.0.0.1:$PORT" 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -sf "127.0.0.1:$PORT/health" > /dev/null && break
    sleep 0.1
done

# Queries: the texts of the whole corpus (indexed ones and the 20 % not
# yet indexed), single-text POST /v1/query.
run "$LOAD" --addr "127.0.0.1:$PORT" --data all.jsonl --limit "$n" --mode query \
    --clients 50 --seconds "$QUERY_SECONDS" --server-pid "$server"
# Adds: the other 20 %, each once, POST /v1/batch/documents, acknowledged
# after commit.
run "$LOAD" --addr "127.0.0.1:$PORT" --data rest.jsonl --limit "$n" --mode add \
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
run "$SYNDIC" dedup --mode reprint all.jsonl --out batch -q
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
texts = {}
for line in open("all.jsonl"):
    r = json.loads(line)
    texts[r["id"]] = r["text"]
with open("index-order.jsonl", "w") as out:
    for line in open("exported/clusters.jsonl"):
        i = json.loads(line)["id"]
        out.write(json.dumps({"id": i, "text": texts[i.removeprefix("load-")]}) + "\n")
EOF
run "$SYNDIC" dedup --mode reprint index-order.jsonl --out batch-index-order -q
for f in clusters pairs passages boilerplate; do
    if cmp -s "exported/$f.jsonl" "batch-index-order/$f.jsonl"; then
        echo "$f.jsonl: export identical to dedup over the index's order"
    else
        echo "$f.jsonl: export DIFFERS from dedup over the index's order"
    fi
done
