#!/usr/bin/env bash
# Time, peak memory and temporary disk of `syndic dedup --mode reprint` on a
# generated corpus (bench/scale/generate.py), in memory and under
# --memory-mb, with the default --align-memory-mb and a smaller one, and a
# check that every output file is the same bytes as the in-memory run's.
# Prints a Markdown table.
#
#   bench/reprint-out-of-core.sh CORPUS.jsonl [WORK_DIR]
#   SYNDIC=path/to/syndic bench/reprint-out-of-core.sh ...   # a built binary
#   ALIGN_MB=128 ...     # the smaller --align-memory-mb (default 128)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INPUT="$1"
WORK="${2:-$REPO/bench/work/reprint-out-of-core}"
ALIGN_MB="${ALIGN_MB:-128}"
source "$REPO/bench/syndic-binary.sh"
mkdir -p "$WORK/tmp"

# "seconds RSS-KB temp-KB" of process $1 every 100 ms until it ends.
sample() {
  local start now rss
  start=$(date +%s.%N)
  while kill -0 "$1" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
    now=$(date +%s.%N)
    echo "$(echo "$now - $start" | bc) ${rss:-0} $(du -sk "$WORK/tmp" | cut -f1)"
    sleep 0.1
  done
}

# One run: "| --memory-mb | --align-memory-mb | wall s | user s | sys s |
# peak RSS MB | peak RSS of pass 1 and plan MB | peak temp MB |".
measure() {
  local name="$1" mb="$2" align="$3"
  local extra=(--tmp-dir "$WORK/tmp")
  [[ "$mb" != "-" ]] && extra+=(--memory-mb "$mb")
  [[ "$align" != "-" ]] && extra+=(--align-memory-mb "$align")
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" \
    "$SYNDIC" dedup "$INPUT" --mode reprint --out "$WORK/$name" "${extra[@]}" --force -q &
  local pid=$! child=""
  while [[ -z "$child" ]] && kill -0 "$pid" 2>/dev/null; do
    child=$(pgrep -P "$pid" || true)
  done
  sample "$child" > "$WORK/$name.samples"
  wait "$pid"
  local wall user sys rss
  read -r wall user sys rss < "$WORK/$name.time"
  python3 "$REPO/bench/reprint-out-of-core-row.py" "$WORK/$name" "$mb" "$align" \
    "$wall" "$user" "$sys" "$rss"
  [[ -z "$(ls -A "$WORK/tmp")" ]] || { echo "temporary files left in $WORK/tmp" >&2; exit 1; }
}

same() {
  for f in clusters.jsonl pairs.jsonl passages.jsonl boilerplate.jsonl; do
    cmp -s "$WORK/$1/$f" "$WORK/$2/$f" || { echo "$f of $2 differs from $1" >&2; exit 1; }
  done
}

echo "| --memory-mb | --align-memory-mb | wall s | user s | sys s | peak RSS MB | peak RSS, pass 1 and plan, MB | peak temp MB |"
echo "|---|---|---|---|---|---|---|---|"
measure mem - -
measure bounded 64 -
same mem bounded
measure align-mem - "$ALIGN_MB"
measure align-bounded 64 "$ALIGN_MB"
same mem align-mem
same mem align-bounded
