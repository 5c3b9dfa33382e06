#!/usr/bin/env bash
# A scale run without the corpus on disk: bench/scale/generate.py writes
# into a named pipe that `syndic dedup` reads as standard input, so that a
# corpus of 100M documents (about 52 GB of JSONL) needs no disk of its own.
# Only runs that read their input once can do this: exact mode, or MinHash
# with `--verify signature`. Prints the same Markdown row as run.sh.
#
#   bench/scale/stream.sh N MODE MEMORY_MB [WORK_DIR] [-- extra syndic flags]
#   SYNDIC=path/to/syndic bench/scale/stream.sh ...
#
# Wall time is that of the slower of the two ends: the generator (one
# Python process, about 55,000 documents a second) is usually the slower,
# so CPU seconds are the figure for syndic. The generator's planted.tsv is
# kept in WORK_DIR/stream-N for the recall check.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="$1" MODE="$2" MB="$3"
WORK="${4:-$REPO/bench/work/scale}"
shift $(( $# < 4 ? $# : 4 ))
[[ "${1:-}" == "--" ]] && shift
DATA="$REPO/../shared/data"
if [[ -z "${SYNDIC:-}" ]]; then
  (cd "$REPO" && cargo build --release -p syndic-cli >&2)
  SYNDIC="${CARGO_TARGET_DIR:-$REPO/target}/release/syndic"
fi
CORPUS="$WORK/stream-$N"
RUN="$WORK/run-stream-$N-$MODE-$MB"
TMP="$WORK/tmp"
mkdir -p "$CORPUS" "$TMP"
rm -f "$CORPUS/corpus.jsonl"
mkfifo "$CORPUS/corpus.jsonl"
python3 "$REPO/bench/scale/generate.py" "$DATA" "$CORPUS" --docs "$N" > "$CORPUS/generated.json" &
generator=$!
extra=()
[[ "$MB" != "-" ]] && extra=(--memory-mb "$MB" --tmp-dir "$TMP")
/usr/bin/time -f '%e %U %S %M' -o "$RUN.time" \
  "$SYNDIC" dedup - --out "$RUN" --mode "$MODE" "${extra[@]}" "$@" --force -q \
  < "$CORPUS/corpus.jsonl" &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  size=$(du -sk "$TMP" 2>/dev/null | cut -f1)
  ((size > peak)) && peak=$size
  sleep 2
done
wait "$pid"
wait "$generator"
rm -f "$CORPUS/corpus.jsonl"
read -r wall user sys rss < "$RUN.time"
recall=$(python3 "$REPO/bench/scale/check.py" "$CORPUS" "$RUN")
exact=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["exact_recall"])' "$recall")
near=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["near_recall"])' "$recall")
cpu=$(python3 -c "print(round($user + $sys, 1))")
echo "| $N | $MODE (streamed) | $MB | $wall | $cpu | $((rss / 1024)) | $((peak / 1024)) | $exact | $near |"
