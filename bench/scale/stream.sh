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
source "$REPO/bench/scale/common.sh"
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
wait_sampling $! "$TMP"
wait "$generator"
rm -f "$CORPUS/corpus.jsonl"
print_row "$N | $MODE (streamed) | $MB" "$RUN" "$CORPUS" "$peak"
