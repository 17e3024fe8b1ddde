"""What the question additions (search/question.py) cost, in process:
``python benchmarks/question_bench.py [--index DIR]``.

Every STARD dev question is searched as the search box does (top 10 documents,
snippets, expansion on) and as an article search (top 10 articles, ``passages``),
with the additions off (no layperson words, no re-ranking of articles or documents) and on, one after
the other (which goes first alternates) so both see the same machine load. Two passes; the second (warm)
is printed: median and p95 in ms per mode.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] if xs else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=os.environ.get("DUIZHAO_EVAL_INDEX", "instance/index"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from index.config import shared_data_dir
    from index.glossary import load_glossary
    from search import question
    from search.engine import Engine, SearchRequest
    from search.evaluate import read_queries

    queries = list(read_queries(shared_data_dir() / "stard" / "dev_queries.tsv").values())
    engine = Engine(args.index, glossary=load_glossary(None))
    on_table, on_weight = question.table, question.GROUP_WEIGHT

    def setting(on: bool) -> None:
        question.table = on_table if on else (lambda: {})  # type: ignore[assignment]
        question.GROUP_WEIGHT = on_weight if on else 0.0

    times: dict[str, list[float]] = {}
    try:
        for q in queries[:3]:  # dictionaries and caches
            engine.search(SearchRequest(q=q))
        for run in ("first", "second"):
            for i, q in enumerate(queries):
                for mode, passages in (("documents", False), ("articles", True)):
                    # The second search of a pair finds the first one's documents
                    # cached: which setting goes first alternates.
                    for on in (False, True) if i % 2 == 0 else (True, False):
                        setting(on)
                        t0 = time.perf_counter()
                        engine.search(SearchRequest(q=q, passages=passages))
                        ms = (time.perf_counter() - t0) * 1000
                        key = f"{mode}, additions {'on' if on else 'off'}"
                        if run == "second":
                            times.setdefault(key, []).append(ms)
    finally:
        setting(True)
        engine.backend.close()
    out = {
        k: {"n": len(v), "median_ms": round(statistics.median(v), 1), "p95_ms": round(_p95(v), 1)}
        for k, v in times.items()
    }
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(
                f"{k:32} n {v['n']:4}  median {v['median_ms']:6.1f} ms  p95 {v['p95_ms']:6.1f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
