#!/usr/bin/env bash
# Time and peak memory of `syndic passages` and `syndic clean` on the shared
# corpora, at several --align-memory-mb settings, and a check that the
# passages do not depend on it. Prints a Markdown table; no peers (passim,
# the only one that aligns passages, needs a Spark cluster).
#
#   bench/passages.sh [DATA_DIR]      # default: ../shared/data
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$REPO/../shared/data}"
WORK="$REPO/bench/work/passages"
SYNDIC="$REPO/target/release/syndic"
mkdir -p "$WORK"
(cd "$REPO" && cargo build --release -p syndic-cli >&2)

# One run: prints "| command | wall s | CPU s | peak MB |", keeps the output
# under $WORK/$name.
measure() {
  local name="$1"
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" "$SYNDIC" "$@" --force -q
  read -r wall user sys rss < "$WORK/$name.time"
  local shown="${*//$DATA\//}"
  printf '| `syndic %s` | %.1f | %.1f | %d |\n' "${shown//$WORK\//}" "$wall" \
    "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
}

echo "| command | wall s | CPU s | peak MB |"
echo "|---|---|---|---|"
for corpus in reuters21578 gutenberg-sample; do
  for mb in 2048 256 64; do
    measure "$corpus-$mb" passages "$DATA/$corpus.jsonl.gz" --out "$WORK/$corpus-$mb" \
      --align-memory-mb "$mb"
  done
  for mb in 256 64; do
    cmp -s "$WORK/$corpus-2048/passages.jsonl" "$WORK/$corpus-$mb/passages.jsonl" ||
      { echo "passages of $corpus differ at --align-memory-mb $mb" >&2; exit 1; }
  done
done
measure gutenberg-clean clean "$DATA/gutenberg-sample.jsonl.gz" --out "$WORK/gutenberg-clean.jsonl"
echo
echo "Passages identical at every --align-memory-mb: yes"
