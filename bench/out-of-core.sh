#!/usr/bin/env bash
# Time, peak memory and temporary disk of `syndic dedup` on the 1M Reuters
# headlines, in memory and under --memory-mb, and a check that the outputs
# are the same bytes. Prints a Markdown table.
#
#   bench/out-of-core.sh [DATA_DIR]     # default: ../shared/data
#   SYNDIC=path/to/syndic bench/out-of-core.sh   # an already built binary
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$REPO/../shared/data}"
WORK="$REPO/bench/work/out-of-core"
INPUT="$DATA/reuters-headlines-1m.jsonl.gz"
source "$REPO/bench/syndic-binary.sh"
mkdir -p "$WORK/tmp"

# Largest size of the temporary directory while `$@` runs, sampled every
# 50 ms, in MB.
peak_tmp() {
  local peak=0 size
  while kill -0 "$1" 2>/dev/null; do
    size=$(du -sk "$WORK/tmp" 2>/dev/null | cut -f1)
    ((size > peak)) && peak=$size
    sleep 0.05
  done
  echo $((peak / 1024))
}

# One run: "| mode | --memory-mb | threads | wall s | CPU s | peak RSS MB | peak temp MB |".
measure() {
  local name="$1" mode="$2" mb="$3" threads="$4"
  local extra=()
  [[ "$mb" != "-" ]] && extra=(--memory-mb "$mb" --tmp-dir "$WORK/tmp")
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" \
    "$SYNDIC" dedup "$INPUT" --out "$WORK/$name" --mode "$mode" --threads "$threads" \
    "${extra[@]}" --force -q &
  local pid=$!
  local tmp
  tmp=$(peak_tmp "$pid")
  wait "$pid"
  read -r wall user sys rss < "$WORK/$name.time"
  printf '| %s | %s | %s | %.1f | %.1f | %d | %s |\n' "$mode" "$mb" "$threads" "$wall" \
    "$(echo "$user + $sys" | bc)" "$((rss / 1024))" "$tmp"
  [[ -z "$(ls -A "$WORK/tmp")" ]] || { echo "temporary files left in $WORK/tmp" >&2; exit 1; }
}

same() {
  for f in clusters.jsonl pairs.jsonl; do
    cmp -s "$WORK/$1/$f" "$WORK/$2/$f" || { echo "$f of $2 differs from $1" >&2; exit 1; }
  done
}

echo "| mode | --memory-mb | threads | wall s | CPU s | peak RSS MB | peak temp MB |"
echo "|---|---|---|---|---|---|---|"
for mode in minhash exact; do
  measure "$mode-mem" "$mode" - 2
  for mb in 64 16; do
    measure "$mode-$mb" "$mode" "$mb" 2
    same "$mode-mem" "$mode-$mb"
  done
  measure "$mode-16-t1" "$mode" 16 1
  same "$mode-mem" "$mode-16-t1"
done
echo
echo "clusters.jsonl and pairs.jsonl identical for every --memory-mb and thread count: yes"
