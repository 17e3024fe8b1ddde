"""What the question additions (search/question.py) cost, in process:
``python benchmarks/question_bench.py [--index DIR]``.

Every STARD dev question is searched as the search box does (top 10 documents,
snippets, expansion on) and as an article search (top 10 articles, ``passages``),
with the additions off (no layperson words, no re-ranking of articles or documents) and on, one after
the other (which goes first alternates) so both see the same machine load. Two passes; the second (warm)
is printed: median and p95 in ms per mode (``--cpu``: the process's CPU time, which a
machine loaded by other jobs inflates less than the wall clock).

``--same-as CHECKOUT`` checks instead that this code answers every STARD dev question
(both halves) exactly as another checkout does (speed work must not change results):
the search box's pages 1 and 2 (with and without facets) and the article search's
(``passages``), compared hit by hit -- ids, order, passages, snippets, scores (to
1e-6) -- with totals, ``total_exact``, facets and notices. Exit status 1 on any
difference:

    python benchmarks/question_bench.py --index DIR --same-as /path/to/main
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--dump" not in sys.argv:  # a dump runs the checkout it is started in (--same-as)
    sys.path.insert(0, str(ROOT))


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] if xs else 0.0


# The searches --same-as compares, per question: (page, passages, facets).
SAME_AS_REQUESTS = [(1, False, False), (2, False, False), (1, False, True), (2, False, True)]
SAME_AS_REQUESTS += [(page, True, facets) for page, _p, facets in SAME_AS_REQUESTS]


def dump(index: str) -> list[dict]:
    """Every STARD dev question's answers to SAME_AS_REQUESTS, with the code on sys.path."""
    from index.config import shared_data_dir, user_glossary_paths
    from index.glossary import Glossary
    from search.engine import Engine, SearchRequest
    from search.evaluate import read_queries

    queries = list(read_queries(shared_data_dir() / "stard" / "dev_queries.tsv").values())
    engine = Engine(index, glossary=Glossary.load(user_glossary_paths(None)))
    # No search cut short by a busy machine: a cut is a difference of load, not of code.
    engine.backend.time_limit = 600.0
    out = []
    try:
        for q in queries:
            for page, passages, facets in SAME_AS_REQUESTS:
                res = engine.search(SearchRequest(q=q, page=page, passages=passages, facets=facets))
                hits = [{**h.to_dict(), "score": h.score} for h in res.hits]
                out.append(
                    {
                        "q": q,
                        "request": [page, passages, facets],
                        "hits": hits,
                        "total": res.total,
                        "total_exact": res.total_exact,
                        "facets": res.facets,
                        "notices": res.notices,
                    }
                )
    finally:
        engine.backend.close()
    return out


def _dumped(code: Path, index: str) -> list[dict]:
    """:func:`dump` with another checkout's code, in a child process."""
    from index.config import shared_data_dir

    env = dict(os.environ, PYTHONPATH=str(code))
    env.setdefault("DUIZHAO_SHARED", str(shared_data_dir().parent))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--dump", "--index", index]
    done = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"dump on {code} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def differences(before: list[dict], after: list[dict]) -> list[str]:
    """What differs between two dumps (scores to 1e-6), one line per search."""
    if len(before) != len(after):
        return [f"{len(before)} searches before, {len(after)} after"]
    out = []
    for b, a in zip(before, after, strict=True):
        what = f"{b['q']} {b['request']}"
        for key in ("q", "request", "total", "total_exact", "facets", "notices"):
            if a[key] != b[key]:
                out.append(f"{what}: {key} {b[key]!r} -> {a[key]!r}")
        if len(a["hits"]) != len(b["hits"]):
            out.append(f"{what}: {len(b['hits'])} hits -> {len(a['hits'])}")
            continue
        for i, (hb, ha) in enumerate(zip(b["hits"], a["hits"], strict=True)):
            if abs((hb["score"] or 0.0) - (ha["score"] or 0.0)) > 1e-6:
                out.append(f"{what}: hit {i + 1} score {hb['score']} -> {ha['score']}")
            if {**hb, "score": 0} != {**ha, "score": 0}:
                out.append(f"{what}: hit {i + 1} {hb['id']} -> {ha['id']} (or its passage)")
    return out


def same_as(code: Path, index: str) -> int:
    """Compare this checkout's answers with ``code``'s; 1 when any differs."""
    before = _dumped(code, index)
    after = _dumped(ROOT, index)
    diff = differences(before, after)
    hits = sum(len(d["hits"]) for d in after)
    print(
        f"{len(after)} searches ({len(after) // len(SAME_AS_REQUESTS)} STARD dev questions x "
        f"{len(SAME_AS_REQUESTS)}), {hits} hits: {len(diff)} differences from {code}"
    )
    for line in diff[:40]:
        print(" ", line)
    return 1 if diff else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=os.environ.get("DUIZHAO_EVAL_INDEX", "instance/index"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="time by CPU time, not wall time")
    ap.add_argument("--same-as", type=Path, help="another checkout whose results must be ours")
    ap.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.dump:
        sys.path.insert(0, os.getcwd())  # the checkout the child runs in
        print(json.dumps(dump(args.index), ensure_ascii=False))
        return 0
    if args.same_as:
        return same_as(args.same_as.resolve(), args.index)

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
    clock = time.process_time if args.cpu else time.perf_counter
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
                        t0 = clock()
                        engine.search(SearchRequest(q=q, passages=passages))
                        ms = (clock() - t0) * 1000
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
