#!/usr/bin/env bash
# The scale runs of issue 16: generates a corpus of N documents with planted
# copies (bench/scale/generate.py, once per N), runs `syndic dedup` on it
# and prints one Markdown row: documents, mode, --memory-mb, wall and CPU
# seconds, peak RSS, peak temporary space, and the recall of the planted
# exact and near copies (bench/scale/check.py).
#
#   bench/scale/run.sh N MODE MEMORY_MB [WORK_DIR]     # MEMORY_MB "-": no bound
#   SYNDIC=path/to/syndic bench/scale/run.sh ...       # an already built binary
#
# A corpus of N documents takes about 520 B × N of disk (10M: 5.2 GB), the
# run's output about 70 B × N more.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="$1" MODE="$2" MB="$3"
WORK="${4:-$REPO/bench/work/scale}"
DATA="$REPO/../shared/data"
source "$REPO/bench/scale/common.sh"
CORPUS="$WORK/corpus-$N"
if [[ ! -s "$CORPUS/planted.tsv" ]]; then
  python3 "$REPO/bench/scale/generate.py" "$DATA" "$CORPUS" --docs "$N" >&2
fi
RUN="$WORK/run-$N-$MODE-$MB"
TMP="$WORK/tmp"
mkdir -p "$TMP"
extra=()
[[ "$MB" != "-" ]] && extra=(--memory-mb "$MB" --tmp-dir "$TMP")
/usr/bin/time -f '%e %U %S %M' -o "$RUN.time" \
  "$SYNDIC" dedup "$CORPUS/corpus.jsonl" --out "$RUN" --mode "$MODE" "${extra[@]}" --force -q &
wait_sampling $! "$TMP"
print_row "$N | $MODE | $MB" "$RUN" "$CORPUS" "$peak"
