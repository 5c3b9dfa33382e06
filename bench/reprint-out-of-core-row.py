#!/usr/bin/env python3
"""One row of bench/reprint-out-of-core.sh: a run's time and peak memory
(from /usr/bin/time), and from its RSS and temporary-space samples the peak
RSS of pass 1 and plan (until the candidates are made, by the summary's
timings) and the peak temporary space.

    reprint-out-of-core-row.py OUT_DIR MEMORY_MB ALIGN_MB WALL USER SYS MAX_RSS_KB
"""

import json
import sys

out, mb, align = sys.argv[1:4]
wall, user, sys_s, rss = map(float, sys.argv[4:8])
t = json.load(open(f"{out}/summary.json"))["timings_ms"]
pass1_end = (t["read_and_fingerprint"] + t["candidates"]) / 1000
samples = [tuple(map(float, line.split())) for line in open(f"{out}.samples")]
pass1 = max((r for s, r, _ in samples if s <= pass1_end), default=0)
temp = max((tmp for _, _, tmp in samples), default=0)
print(
    f"| {mb} | {align} | {wall:.1f} | {user:.1f} | {sys_s:.1f} | {rss / 1024:.0f} "
    f"| {pass1 / 1024:.0f} | {temp / 1024:.0f} |"
)
