#!/usr/bin/env bash
# Issue 16: a resumable `syndic dedup`, uninterrupted against killed after
# its first pass and resumed: wall and CPU time, peak memory, the work
# directory's size at the kill, and a check that every run writes the same
# bytes. Prints Markdown rows.
#
#   MinHash: `--memory-mb 16` on the 1M Reuters headlines.
#   Reprint: `--mode reprint --site-field site --memory-mb 64` on a news
#            corpus (bench/scale/news.py makes one).
#
# The kill is the test-only abort the CLI makes once the checkpoint is
# written (SYNDIC_TEST_ABORT_AFTER_CHECKPOINT), so that it always lands
# right after pass 1.
#
#   bench/resume.sh [DATA_DIR]                          # default: ../shared/data
#   bench/resume.sh --reprint CORPUS.jsonl [WORK_DIR]
#   SYNDIC=path/to/syndic bench/resume.sh ...           # an already built binary
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${1:-}" == "--reprint" ]]; then
  INPUT="$2"
  WORK="${3:-$REPO/bench/work/resume-reprint}"
  FLAGS=(--mode reprint --site-field site --memory-mb 64)
  FILES=(clusters.jsonl pairs.jsonl passages.jsonl boilerplate.jsonl)
else
  INPUT="${1:-$REPO/../shared/data}/reuters-headlines-1m.jsonl.gz"
  WORK="$REPO/bench/work/resume"
  FLAGS=(--memory-mb 16)
  FILES=(clusters.jsonl pairs.jsonl)
fi
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
    "$SYNDIC" dedup "$INPUT" --out "$WORK/$name" "${FLAGS[@]}" --tmp-dir "$WORK/tmp" \
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
  for file in "${FILES[@]}"; do
    cmp "$WORK/plain/$file" "$WORK/$name/$file"
  done
done
echo "${FILES[*]}: whole and resumed identical to plain"
for name in plain resumed; do
  python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))["timings_ms"]; print(sys.argv[2], "timings ms:", t)' \
    "$WORK/$name/summary.json" "$name"
done
[[ -z "$(ls -A "$WORK/tmp")" ]] && echo "work directory removed after the resumed run"
