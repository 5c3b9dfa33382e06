#!/usr/bin/env bash
# One command for the whole benchmark: bench/run.sh [--quick] [harness flags]
#
# Makes bench/.venv with the peers at the versions pinned in
# bench/requirements.txt (first run: installs and pins what it got), makes
# sure GNU time is there, builds syndic in release, then runs bench/harness.py.
# Results: bench/results/<YYYY-MM-DD>/results.{json,md}; raw outputs of each
# run under bench/work/runs/ (not committed).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH")"
VENV="$BENCH/.venv"
REQS="$BENCH/requirements.txt"

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time ..."
  apt-get update -qq && apt-get install -y -qq time
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
# Pinned installs are a no-op once satisfied, so this is cheap on reruns.
if [ -s "$REQS" ]; then
  "$VENV/bin/pip" install -q -r "$REQS"
else
  # datatrove: spacy (its English word tokenizer), tokenizers (imported by its
  # dedup module), orjson (its JSONL reader); xxhash<4 because datatrove hashes
  # str, which xxhash 4 refuses.
  "$VENV/bin/pip" install -q datasketch rensa datatrove text-dedup spacy tokenizers orjson 'xxhash<4' psutil
  "$VENV/bin/pip" freeze > "$REQS"
fi

(cd "$REPO" && cargo build --release -p syndic-cli)

exec "$VENV/bin/python" "$BENCH/harness.py" "$@"
