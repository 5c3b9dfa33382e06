#!/usr/bin/env python3
"""Plots the scale runs: CPU seconds and peak memory against documents, one
line per mode, as a small self-contained SVG (no plotting library needed).

  python3 bench/scale/plot.py RUNS.tsv OUT.svg

RUNS.tsv has a header row with at least `documents`, `mode`, `cpu_s` and
`peak_rss_mb` (bench/results/2026-12-02/scale-runs.tsv is one).
"""

import csv
import sys

WIDTH, HEIGHT, MARGIN = 360, 240, 48
COLOURS = {"exact": "#1f77b4", "minhash": "#d62728"}


def panel(rows, x0, field, title, unit):
    """One panel's SVG elements: axes from 0, a polyline per mode."""
    xmax = max(r["documents"] for r in rows)
    ymax = max(r[field] for r in rows) * 1.1
    sx = lambda x: x0 + MARGIN + x / xmax * (WIDTH - 2 * MARGIN)
    sy = lambda y: HEIGHT - MARGIN + -y / ymax * (HEIGHT - 2 * MARGIN)
    out = [
        f'<text x="{x0 + WIDTH / 2}" y="20" text-anchor="middle">{title}</text>',
        f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(xmax)}" y2="{sy(0)}" stroke="black"/>',
        f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(0)}" y2="{sy(ymax)}" stroke="black"/>',
        f'<text x="{sx(xmax)}" y="{sy(0) + 16}" text-anchor="end">{xmax / 1e6:.0f}M documents</text>',
        f'<text x="{sx(0) - 4}" y="{sy(ymax) + 4}" text-anchor="end">{ymax:.0f}</text>',
        f'<text x="{sx(0) - 4}" y="{sy(0) + 4}" text-anchor="end">0</text>',
        f'<text x="{sx(0)}" y="{sy(ymax) - 8}">{unit}</text>',
    ]
    for mode in sorted({r["mode"] for r in rows}):
        points = sorted((r["documents"], r[field]) for r in rows if r["mode"] == mode)
        colour = COLOURS.get(mode, "black")
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in [(0, 0)] + points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}"/>')
        for x, y in points:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        x, y = points[-1]
        out.append(f'<text x="{sx(x) - 6:.1f}" y="{sy(y) - 6:.1f}" text-anchor="end" fill="{colour}">{mode}</text>')
    return out


def main():
    runs, out = sys.argv[1], sys.argv[2]
    with open(runs) as f:
        rows = [
            {**r, "documents": int(r["documents"]), "cpu_s": float(r["cpu_s"]),
             "peak_rss_mb": float(r["peak_rss_mb"])}
            for r in csv.DictReader(f, delimiter="\t")
        ]
    parts = panel(rows, 0, "cpu_s", "CPU time", "s") + panel(
        rows, WIDTH, "peak_rss_mb", "Peak memory", "MB")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">\n' + "\n".join(parts) + "\n</svg>\n"
    )
    with open(out, "w") as f:
        f.write(svg)


if __name__ == "__main__":
    main()
