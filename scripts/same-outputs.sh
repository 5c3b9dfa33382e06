#!/usr/bin/env bash
# Checks that a refactor changed no output: runs a fixed set of jobs with two
# syndic binaries and compares the run directories byte for byte (summary.json
# without its timings, memory and thread count, which vary run to run).
#
#   scripts/same-outputs.sh OLD_BIN NEW_BIN [WORK_DIR]
#
# Keep a copy of the binary before the change (cp target/debug/syndic
# /tmp/syndic-before), build, then run this. Needs ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
work=${3:-$(mktemp -d)}
data=../shared/data
[ -d "$data" ] || { echo "same-outputs: $data is missing" >&2; exit 2; }

mkdir -p "$work/corpus"
if [ ! -f "$work/corpus/bench/corpus.jsonl" ]; then
    python3 bench/reprints/generate.py "$data/reuters21578.jsonl.gz" "$work/corpus/bench" >/dev/null
fi

jobs() {
    local bin=$1 out=$2
    local seeds=$data/seeds reuters=$data/reuters21578.jsonl.gz bench=$work/corpus/bench/corpus.jsonl
    "$bin" dedup -q "$seeds" --mode exact --out "$out/seeds-exact"
    "$bin" dedup -q "$seeds" --out "$out/seeds-minhash"
    "$bin" dedup -q "$seeds" --mode reprint --out "$out/seeds-reprint"
    "$bin" passages -q "$seeds" --out "$out/seeds-passages"
    "$bin" clean -q "$seeds" --out "$out/seeds-clean.jsonl"
    "$bin" dedup -q "$reuters" --out "$out/reuters-minhash" --write-deduped "$out/reuters-deduped.jsonl"
    "$bin" dedup -q "$reuters" --mode reprint --out "$out/reuters-reprint"
    "$bin" dedup -q "$bench" --site-field site --mode reprint --out "$out/bench-reprint"
    "$bin" dedup -q "$bench" --site-field site --out "$out/bench-minhash"
    "$bin" index create "$out/index" --from "$seeds" -q >"$out/index-create.txt"
    "$bin" query "$out/index" "$seeds/001.txt" --json >"$out/query.json"
}

for side in old new; do
    # Both sides run in the same directory, so that paths recorded in the
    # outputs agree.
    rm -rf "${work:?}/$side" "$work/run"
    mkdir -p "$work/run"
    jobs "${!side}" "$work/run"
    rm -rf "$work/run/index"
    mv "$work/run" "$work/$side"
    find "$work/$side" -name summary.json -exec python3 -c '
import json, sys
for path in sys.argv[1:]:
    summary = json.load(open(path))
    for key in ("timings_ms", "peak_rss_bytes", "threads"):
        summary.pop(key, None)
    json.dump(summary, open(path, "w"), indent=2, sort_keys=True)
' {} +
done

if diff -r "$work/old" "$work/new"; then
    echo "same-outputs: identical ($(find "$work/new" -type f | wc -l) files in $work)"
else
    echo "same-outputs: outputs differ (above)" >&2
    exit 1
fi
