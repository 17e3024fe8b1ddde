"""Export benchmark: stream 40,000 search results as CSV, NDJSON and citations.

Place in the flow: a benchmark over web/exports.py through the Flask app
(the same code path as ``GET /api/v1/export``), in process.
Run: ``python benchmarks/export_bench.py [--index DIR] [--count 40000]`` (default:
$DUIZHAO_EVAL_INDEX, else $DUIZHAO_INDEX or instance/index). The search is a filter-only one
(``lang=zh``, newest first) and a word search by relevance, both matching
more documents than exported.

Figures: time to the first byte, wall time to the last byte, the process's CPU
time (a fairer figure when other jobs share the cores), bytes and lines
received, and the resident memory above what the warmed app held before the
export (peak of samples taken after every chunk). The target of issue 15 is
under 10 s and under 100 MB extra for 40,000 results.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench_index import add_index_option, checked_index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEARCHES = (
    {"lang": "zh", "sort": "date"},
    {"q": "管理", "sort": "relevance"},
)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(client, params: dict[str, str]) -> dict[str, float]:
    base = rss_mb()
    peak = base
    t0 = time.perf_counter()
    c0 = time.process_time()
    resp = client.get("/api/v1/export", query_string=params, buffered=False)
    assert resp.status_code == 200, resp.get_data()[:300]
    first = None
    size = lines = 0
    for chunk in resp.response:
        if first is None:
            first = time.perf_counter() - t0
        size += len(chunk)
        lines += chunk.count(b"\n")
        peak = max(peak, rss_mb())
    resp.close()
    wall = time.perf_counter() - t0
    return {
        "cpu_s": time.process_time() - c0,
        "first_byte_s": first or wall,
        "wall_s": wall,
        "MB": size / 2**20,
        "lines": lines,
        "extra_rss_MB": peak - base,
        "total": int(resp.headers["X-Total-Count"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_index_option(ap)
    ap.add_argument("--count", type=int, default=40_000)
    args = ap.parse_args()
    args.index = checked_index(args.index)
    from web.app import create_app

    app = create_app({"INDEX_DIR": args.index, "ACCESS_LOG": ""})
    client = app.test_client()
    # Warm the reader caches the way a running server is warm.
    for s in SEARCHES:
        assert client.get("/api/v1/search", query_string=s).status_code == 200
    print(f"index {args.index}; exporting {args.count:,} results; RSS at start {rss_mb():.0f} MB")
    print(f"load average at start {os.getloadavg()[0]:.1f} (this machine has 2 cores)")
    print(
        f"{'search':32} {'format':10} {'first byte':>10} {'wall':>7} {'CPU':>7} {'lines':>7} "
        f"{'MB':>6} {'+RSS MB':>8}"
    )
    for s in SEARCHES:
        for fmt in ("csv", "ndjson", "citations"):
            r = run(client, {**s, "format": fmt, "limit": str(args.count)})
            label = " ".join(f"{k}={v}" for k, v in s.items())
            print(
                f"{label:32} {fmt:10} {r['first_byte_s']:9.2f}s {r['wall_s']:6.2f}s "
                f"{r['cpu_s']:6.2f}s "
                f"{r['lines']:7,} {r['MB']:6.1f} {r['extra_rss_MB']:8.1f}  (matches {r['total']:,})"
            )
    app.extensions["duizhao"].engine.backend.close()


if __name__ == "__main__":
    main()
