#!/usr/bin/env bash
# Issue 16: `syndic dedup --mode reprint --memory-mb 64 --resume` on a news
# corpus, uninterrupted against killed after its first pass and resumed:
# wall and CPU time, peak memory, the work directory's size at the kill,
# and a check that every run writes the same bytes. Prints Markdown rows.
#
# The kill is the test-only abort the CLI makes once the checkpoint is
# written (SYNDIC_TEST_ABORT_AFTER_CHECKPOINT), so that it always lands
# right after pass 1.
#
#   bench/resume-reprint.sh CORPUS.jsonl [WORK_DIR]
#   SYNDIC=path/to/syndic bench/resume-reprint.sh CORPUS.jsonl
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INPUT="$1"
WORK="${2:-$REPO/bench/work/resume-reprint}"
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
    "$SYNDIC" dedup "$INPUT" --out "$WORK/$name" --mode reprint --site-field site \
    --memory-mb 64 --tmp-dir "$WORK/tmp" --threads "$THREADS" -q "$@" \
    2>"$WORK/$name.err" || status=$?
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
  for file in clusters.jsonl pairs.jsonl passages.jsonl boilerplate.jsonl; do
    cmp "$WORK/plain/$file" "$WORK/$name/$file"
  done
done
echo "clusters, pairs, passages, boilerplate: whole and resumed identical to plain"
for name in plain resumed; do
  python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))["timings_ms"]; print(sys.argv[2], "timings ms:", t)' \
    "$WORK/$name/summary.json" "$name"
done
[[ -z "$(ls -A "$WORK/tmp")" ]] && echo "work directory removed after the resumed run"
