#!/usr/bin/env python3
"""What holds the heap at its peak, by the function that allocated it.

Reads the collapsed stacks heaptrack_print writes with peak costs and sums
them by the innermost frame that is not an allocator, a collection's
method or a closure, shown with the frame next to it (heaptrack lists a
frame's inlined callees around it, so that neighbour is context, not
necessarily the caller). Prints a Markdown table
with bytes per document.

    heaptrack_print -f FILE.zst -a 0 -l 0 -T 0 -p 0 --flamegraph-cost-type peak -F STACKS
    bench/heaptrack-peaks.py STACKS DOCUMENTS [ROWS]
"""

import collections
import sys

# Frames of the standard library's files, never the holder.
LIBRARY_FILES = {
    "alloc.rs", "spec_extend.rs", "spec_from_iter.rs", "spec_from_iter_nested.rs", "raw_vec.rs",
    "map.rs", "set.rs", "rustc_entry.rs", "raw.rs", "collect.rs", "iterator.rs", "function.rs",
    "string.rs", "boxed.rs", "clone.rs", "cloned.rs", "into_iter.rs", "extend.rs",
    "enumerate.rs", "option.rs", "result.rs", "slice.rs", "sort.rs",
}
# Names of generic helpers: allocators and collection methods.
HELPERS = (
    "grow", "finish_grow", "realloc", "malloc", "calloc", "reserve", "do_reserve", "with_capacity",
    "allocate", "push", "extend", "insert", "new_uninitialized", "fallible", "resize", "from_elem",
    "to_vec", "clone", "entry", "or_insert", "collect", "call_once", "call_mut", "fold",
    "for_each", "{closure", "try_fold", "next", "spec_", "append", "from_iter", "try_allocate_in",
    "exchange_malloc", "new_in", "zeroed",
)


def holder(frames):
    """The innermost frame that names what holds the memory, with its neighbour."""
    for i in range(len(frames) - 1, -1, -1):
        name, _, file = frames[i].partition(" (")
        file = file.rstrip(")")
        if not name.strip() or "<>" in name or file in LIBRARY_FILES or name.startswith(HELPERS):
            continue
        neighbour = frames[i - 1].split(" (")[0] if i > 0 else ""
        return f"{name} ({file}) [{neighbour}]"
    return "?"


def main():
    stacks, docs = sys.argv[1], int(sys.argv[2])
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    held = collections.Counter()
    for line in open(stacks):
        stack, _, cost = line.rstrip("\n").rpartition(" ")
        if cost.isdigit():
            held[holder(stack.split(";"))] += int(cost)
    total = sum(held.values())
    print(f"Heap at its peak: {total / 2**20:.1f} MB, {total / docs:.0f} B per document.\n")
    print("| MB | B per document | held by: function (file) [next frame] |")
    print("|---|---|---|")
    for name, cost in held.most_common(rows):
        print(f"| {cost / 2**20:.1f} | {cost / docs:.0f} | `{name}` |")


main()
