#!/usr/bin/python3
"""The peer of bench_feeds: Debian's python3-feedparser over the same file list, same measure.
Usage: feedparser_peer.py LIST_FILE [--seconds N]"""
import sys
import time

import feedparser

paths = [p for p in open(sys.argv[1]).read().split("\n") if p]
seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 3.0
bodies = [open(p, "rb").read() for p in paths]
size = sum(len(b) for b in bodies)
items = sum(len(feedparser.parse(b).entries) for b in bodies)
rounds, t0 = 0, time.perf_counter()
while True:
    for b in bodies:
        feedparser.parse(b)
    rounds += 1
    elapsed = time.perf_counter() - t0
    if elapsed >= seconds and rounds >= 1:
        break
print("feedparser %s: %d files, %.2f MB, %d items per round; %d rounds in %.2f s"
      % (feedparser.__version__, len(bodies), size / 1e6, items, rounds, elapsed))
print("feedparser: %.2f MB/s, %.0f items/s, %.0f files/s"
      % (size * rounds / 1e6 / elapsed, items * rounds / elapsed, len(bodies) * rounds / elapsed))
