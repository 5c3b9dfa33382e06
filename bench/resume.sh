#!/usr/bin/env bash
# Issue 16: `syndic dedup --memory-mb 16 --resume` on the 1M Reuters
# headlines, uninterrupted against killed after its first pass and resumed:
# wall and CPU time, peak memory, the work directory's size at the kill,
# and a check that every run writes the same bytes. Prints Markdown rows.
#
# The kill is the test-only abort the CLI makes once the checkpoint is
# written (SYNDIC_TEST_ABORT_AFTER_CHECKPOINT), so that it always lands
# right after pass 1.
#
#   bench/resume.sh [DATA_DIR]                  # default: ../shared/data
#   SYNDIC=path/to/syndic bench/resume.sh       # an already built binary
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${1:-$REPO/../shared/data}"
WORK="$REPO/bench/work/resume"
INPUT="$DATA/reuters-headlines-1m.jsonl.gz"
THREADS="${THREADS:-2}"
source "$REPO/bench/syndic-binary.sh"
rm -rf "$WORK"
mkdir -p "$WORK/tmp"

# Runs `syndic dedup` into $WORK/$1 with the flags after it; prints a row.
run() {
  local name=$1
  shift
  local status=0
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/$name.time" \
    "$SYNDIC" dedup "$INPUT" --out "$WORK/$name" --memory-mb 16 --tmp-dir "$WORK/tmp" \
    --threads "$THREADS" -q "$@" 2>"$WORK/$name.err" || status=$?
  read -r wall user sys rss < <(tail -1 "$WORK/$name.time")
  local work_mb
  work_mb=$(du -sm "$WORK/tmp" | cut -f1)
  printf '| %s | %s | %.1f | %.1f | %d | %s | %s |\n' "$name" "$*" "$wall" \
    "$(echo "$user + $sys" | bc)" $((rss / 1024)) "$work_mb" "$status"
}

echo "| run | flags | wall s | CPU s | peak RSS MB | work dir MB after | exit |"
echo "|---|---|---|---|---|---|---|"
run plain
run whole --resume
SYNDIC_TEST_ABORT_AFTER_CHECKPOINT=1 run killed --resume
ckpt=$(find "$WORK/tmp" -name pass1.ckpt -printf '%s')
run resumed --resume
echo
echo "checkpoint: $((ckpt / 1024 / 1024)) MB"
for name in whole resumed; do
  for file in clusters.jsonl pairs.jsonl; do
    cmp "$WORK/plain/$file" "$WORK/$name/$file"
  done
done
echo "clusters.jsonl and pairs.jsonl: whole and resumed identical to plain"
[[ -z "$(ls -A "$WORK/tmp")" ]] && echo "work directory removed after the resumed run"
