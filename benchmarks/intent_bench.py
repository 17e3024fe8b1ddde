"""Latency per query intent, in process: ``python benchmarks/intent_bench.py [INDEX]``.

Queries are the relevance suite's sets (``search.eval_suite``: titles, law names,
topic keywords, 文号, English titles) plus the STARD dev questions, each searched
as the search box does (top 10, snippets, expansion on) after one warm-up pass
over every set, so cold postings reads are not counted. Prints median and p95
per intent, grouped as the targets are (short queries, titles, questions).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.config import shared_data_dir  # noqa: E402
from search.engine import Engine, SearchRequest  # noqa: E402
from search.eval_suite import build_items  # noqa: E402
from search.evaluate import _load_glossary, percentile, read_queries  # noqa: E402
from search.intent import classify  # noqa: E402

GROUPS = {
    "short": ("zh_keywords", "en_keywords", "law_name", "docnum"),
    "titles": ("title", "en_title"),
    "questions": ("question",),
}


def main(argv: list[str]) -> int:
    index = argv[1] if len(argv) > 1 else os.environ.get("DUIZHAO_EVAL_INDEX", "instance/index")
    data = shared_data_dir()

    class _Args:
        pass

    engine = Engine(index, glossary=_load_glossary(_Args()))
    queries = [i.query for i in build_items(data, engine.glossary)]
    stard = data / "stard" / "dev_queries.tsv"
    if stard.is_file():
        queries += list(read_queries(stard).values())
    for q in queries:  # warm-up: postings and per-field caches
        engine.search(SearchRequest(q=q))
    times: dict[str, list[float]] = {}
    for q in queries:
        kind = classify(q).kind
        t0 = time.perf_counter()
        engine.search(SearchRequest(q=q))
        times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    print(f"{'intent':14}{'n':>6}{'median ms':>11}{'p95 ms':>9}")
    for kind, ts in sorted(times.items()):
        print(f"{kind:14}{len(ts):6}{statistics.median(ts):11.1f}{percentile(ts, 95):9.1f}")
    for group, kinds in GROUPS.items():
        ts = [t for k in kinds for t in times.get(k, [])]
        if ts:
            print(
                f"{group:14}{len(ts):6}{statistics.median(ts):11.1f}{percentile(ts, 95):9.1f}"
                f"   ({', '.join(kinds)})"
            )
    engine.backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
