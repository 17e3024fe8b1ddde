"""A process's first search, as a one-off ``duizhao search`` makes it:
``python benchmarks/cold_start_bench.py [--index DIR] [--before CHECKOUT] [--runs N]``.

Place in the flow: a benchmark over the command line (``web/cli.py``), not part of
the engine. Each run is a new Python process that opens the index and searches
once, so what a server does at warm-up -- the per-generation caches of
``index/whoosh_cache.py`` and ``index/fast_scoring.py``, the dictionaries -- is
paid inside it. Prints the median and the spread of wall seconds per query kind;
with ``--before`` the same runs are made on another checkout first, alternating,
so both share the machine's load. Nothing is asserted.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_index import parse_comparison

QUERIES = {
    "Chinese keywords": "平台经济",
    "English keywords": "data security",
    "question": "借钱不还怎么办",
}


def one_run(checkout: Path, index: str, query: str) -> float:
    """Wall seconds of one ``duizhao search`` process run from ``checkout``."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from web.cli import main; "
        "sys.argv = ['duizhao', '--index', sys.argv[2], 'search', '--limit', '3', sys.argv[3]]; main()"
    )
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(checkout), index, query],
        capture_output=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"error: the search failed in {checkout}: {done.stderr.decode()[-300:]}")
    return time.perf_counter() - t


def main() -> int:
    args, index, checkouts = parse_comparison(
        __doc__,
        "web/cli.py",
        lambda ap: ap.add_argument(
            "--runs", type=int, default=3, help="processes per query kind and checkout"
        ),
    )
    print(f"index {index}; wall seconds of a new process's first search, {args.runs} runs")
    for kind, query in QUERIES.items():
        times: dict[str, list[float]] = {label: [] for label, _ in checkouts}
        for _ in range(max(1, args.runs)):
            for label, checkout in checkouts:
                times[label].append(one_run(checkout, index, query))
        shown = "  ".join(
            f"{label} {statistics.median(ts):.2f} s ({min(ts):.2f}-{max(ts):.2f})"
            for label, ts in times.items()
        )
        print(f"{kind:18} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
