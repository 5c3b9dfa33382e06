#!/usr/bin/env bash
# Reprint mode at scale (issue 16): generates a news corpus of N documents
# with planted exact copies, near copies and reprints (bench/scale/news.py,
# once per N), runs `syndic dedup --mode reprint --site-field site` on it
# and prints one Markdown row: documents, --memory-mb, --align-memory-mb,
# wall and CPU seconds, peak RSS, peak temporary space, the recall of each
# kind of planted copy, and pair precision and recall against the planted
# groups (bench/scale/check.py --pairs).
#
#   bench/scale/reprint.sh N MEMORY_MB ALIGN_MB [WORK_DIR]   # "-": the default
#   SYNDIC=path/to/syndic bench/scale/reprint.sh ...
#
# A corpus takes about 1.3 KB × N of disk (1M: 1.3 GB). news.py needs
# numpy: bench/.venv has it (bench/run.sh makes it).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="$1" MB="$2" ALIGN="$3"
WORK="${4:-$REPO/bench/work/scale}"
DATA="$REPO/../shared/data"
PYTHON="${PYTHON:-$REPO/bench/.venv/bin/python}"
source "$REPO/bench/scale/common.sh"
CORPUS="$WORK/news-$N"
if [[ ! -s "$CORPUS/planted.tsv" ]]; then
  "$PYTHON" "$REPO/bench/scale/news.py" "$DATA" "$CORPUS" --docs "$N" >&2
fi
RUN="$WORK/run-$N-reprint-$MB-$ALIGN"
TMP="$WORK/tmp"
mkdir -p "$TMP"
extra=()
[[ "$MB" != "-" ]] && extra+=(--memory-mb "$MB" --tmp-dir "$TMP")
[[ "$ALIGN" != "-" ]] && extra+=(--align-memory-mb "$ALIGN")
/usr/bin/time -f '%e %U %S %M' -o "$RUN.time" \
  "$SYNDIC" dedup "$CORPUS/corpus.jsonl" --out "$RUN" --mode reprint --site-field site \
  "${extra[@]}" --force -q &
wait_sampling $! "$TMP"
read -r wall user sys rss < "$RUN.time"
python3 - "$N | $MB | $ALIGN" "$wall" "$user" "$sys" "$rss" "$peak" \
  "$(python3 "$REPO/bench/scale/check.py" "$CORPUS" "$RUN" --pairs)" <<'PY'
import json, sys
label, wall, user, sys_, rss, peak, check = sys.argv[1:]
c = json.loads(check)
print(f"| {label} | {wall} | {float(user) + float(sys_):.1f} | {int(rss) // 1024} | {int(peak) // 1024} "
      f"| {c['exact_recall']} | {c['near_recall']} | {c['reprint_recall']} "
      f"| {c['pair_precision']} | {c['pair_recall']} |")
PY
