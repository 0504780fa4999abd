#!/usr/bin/env python3
"""Query latency of the search API for scripts/bench-archive.sh.

usage: bench-search-query.py BASE_URL N
Logs in as `vanthu.bench` (made by bench-archive-load.py; password in
KYSO_ADMIN_PASSWORD), then sends N searches of the kinds people type
(words without accents, words and a filter, filters only) one after the
other, and prints p50/p95/p99 of the whole HTTP round trip.
"""
import os
import random
import sys
import time

import requests

base, n = sys.argv[1], int(sys.argv[2])
s = requests.Session()
r = s.post(f"{base}/api/v1/auth/login",
           json={"username": "vanthu.bench", "password": os.environ["KYSO_ADMIN_PASSWORD"]})
r.raise_for_status()
rng = random.Random(7)
queries = []
for i in range(n):
    k = i % 3
    if k == 0:
        queries.append({"q": f"cong van do hieu nang so {rng.randrange(1000)}"})
    elif k == 1:
        queries.append({"q": "do hieu nang", "type": "CV", "status": "draft"})
    else:
        queries.append({"register": "out" if rng.random() < 0.5 else None, "year": "2026", "type": "CV"})
times, found = [], 0
for q in queries:
    t = time.perf_counter()
    r = s.get(f"{base}/api/v1/documents/search", params={k: v for k, v in q.items() if v})
    times.append(time.perf_counter() - t)
    r.raise_for_status()
    found += r.json()["total"] > 0
times.sort()
pct = lambda p: times[min(len(times) - 1, round((len(times) - 1) * p))] * 1000
print(f"search API ({n} queries over HTTP, one at a time): p50 {pct(.5):.1f} ms, "
      f"p95 {pct(.95):.1f} ms, p99 {pct(.99):.1f} ms; {found} found something")
