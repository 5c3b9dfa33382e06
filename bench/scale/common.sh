# Shared by run.sh, stream.sh and reprint.sh (sourced, with REPO set): the binary,
# waiting for a timed syndic run while sampling its temporary directory,
# and the Markdown row of its figures and the planted copies' recall.

source "$REPO/bench/syndic-binary.sh"

# wait_sampling PID TMP: waits for PID; sets `peak` to the largest size (KiB)
# TMP reached meanwhile.
wait_sampling() {
  local pid=$1 tmp=$2 size
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    size=$(du -sk "$tmp" 2>/dev/null | cut -f1)
    ((size > peak)) && peak=$size
    sleep 0.5
  done
  wait "$pid"
}

# print_row LABEL RUN CORPUS PEAK_KIB: one row from RUN.time (written by
# /usr/bin/time -f '%e %U %S %M') and bench/scale/check.py.
print_row() {
  local label=$1 run=$2 corpus=$3 peak=$4 wall user sys rss recall exact near cpu
  read -r wall user sys rss < "$run.time"
  recall=$(python3 "$REPO/bench/scale/check.py" "$corpus" "$run")
  exact=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["exact_recall"])' "$recall")
  near=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["near_recall"])' "$recall")
  cpu=$(python3 -c "print(round($user + $sys, 1))")
  echo "| $label | $wall | $cpu | $((rss / 1024)) | $((peak / 1024)) | $exact | $near |"
}
