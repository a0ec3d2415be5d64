#!/usr/bin/env python3
"""Summarises a Typst timings trace written by `FOLIO_TIMINGS=trace.json folio …`:
for each layout iteration of each document, its wall time, the work done on
the layout threads, and which source lines (a note, or a layout file) were
laid out again, most first. Not part of cargo test.

    FOLIO_TIMINGS=/tmp/trace.json folio build --root CORPUS --pack compendium -q
    python3 tests/bench/profile.py /tmp/trace.json [TOP]
"""
import collections, json, sys

trace = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 8

# Rebuild the spans from begin/end events, per thread.
open_spans, spans = collections.defaultdict(list), []
for event in trace:
    stack = open_spans[event["tid"]]
    if event["ph"] == "B":
        stack.append([event["name"], event["ts"], 0.0, event.get("args") or {}])
    else:
        name, start, children, args = stack.pop()
        duration = event["ts"] - start
        if stack:
            stack[-1][2] += duration
        spans.append((name, start, duration, duration - children, args, event["tid"]))

LAYOUT = {"block", "box", "layout_grid", "layout_pad", "layout_table", "layout_list"}
iterations = sorted((s[1], s[1] + s[2], s[0]) for s in spans if s[0].startswith("iter"))
exports = [s for s in spans if s[0] == "pdf"]
print(f"{len(iterations)} layout iterations, {len(exports)} exports "
      f"({sum(s[2] for s in exports) / 1e6:.2f} s)")
for begin, end, name in iterations:
    inside = [s for s in spans if begin <= s[1] < end]
    runs = [s for s in inside if s[0] == "page run"]
    work = collections.Counter()
    for s in inside:
        work[s[0]] += s[3]
    places = collections.Counter()
    for s in inside:
        if s[0] in LAYOUT and s[4].get("file") is not None:
            file = s[4]["file"]
            file = "a note" if file.startswith("/__folio__/notes/") else file or "(main)"
            places[f"{file}:{s[4].get('line')}"] += 1
    print(f"\n{name}: {(end - begin) / 1e6:.2f} s wall, {len(runs)} page runs "
          f"({sum(s[2] for s in runs) / 1e6:.2f} s on the layout threads)")
    print("  self time: " + ", ".join(f"{k} {v / 1e6:.2f} s" for k, v in work.most_common(top)))
    print("  laid out:  " + ", ".join(f"{k} ×{v}" for k, v in places.most_common(top)))
