"""Latency per query intent, in process: ``python benchmarks/intent_bench.py [INDEX]``.

Queries are the relevance suite's sets (``search.eval_suite``: titles, law names,
topic keywords, 文号, English titles) plus the STARD dev questions, the several
keywords of ``anyword_probe.py``, the two keywords of ``data/two_keywords.txt`` and
the English questions of ``data/en_questions.txt`` and the English topics with a kind
after them of ``data/en_kinds.txt`` (groups of their own), each searched
as the search box does (top 10, snippets, expansion on), twice: the first pass
reads postings from disk and fills the per-index-generation caches as it goes
(each query is new to the process, though earlier queries may have read its
words), the second pass repeats every query (warm: what a popular query costs).
Prints median and p95 per intent for the second pass, grouped as the targets
are (short queries, titles, questions), and the first pass's groups.

With ``--before DIR`` the same run is first made on another checkout (the code
before a change), in the same invocation, so both share the machine's load
(``--before-index DIR``: the old code opens an index of its own, for a change that
needs its index rebuilt, such as new glossary segmentation words);
``--rounds N`` alternates the two N times, in the other order every other round,
and pools each one's times (a machine whose load changes during the run then
weighs on both alike); ``--only KINDS``
times only those intents (e.g. ``en_title,question``: the question path is the
yardstick for the load); ``--cpu`` times each search by the process's CPU time
instead of the wall clock (on a machine loaded by other jobs, wall time mostly
measures the wait for a core; CPU time measures the code, not what a user waits).
After its warm-up each run takes the garbage-collector step ``duizhao serve`` takes
after its own (``web.serve.settle_gc``: the ``GC_THRESHOLD`` setting), where the
checkout has one; ``--python-gc`` keeps Python's defaults.

``--check`` (with ``--before``) times nothing: it compares what both checkouts
answer, for speed work that must not change results. Every suite query (both
halves) and STARD question in the search box (page 1; the English titles also
page 2 and with the suite's English-title fields), and the title lookup of every
Chinese and English suite title (English ones with and without their own English
titles): hit ids, order, scores (to 1e-6), totals, notices, snippets and the
lookups' whole answers. It prints the differences and exits 1 when there are any:

    python benchmarks/intent_bench.py [--index DIR] [--before CHECKOUT] [--before-index DIR]
        [--rounds N]
        [--only en_title,question] [--cpu] [--python-gc] [--json] [--check]
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

GROUPS = {
    "short": ("zh_keywords", "en_keywords", "law_name", "docnum"),
    "several keywords": ("several_keywords",),
    "two keywords": ("two_keywords",),
    "English questions": ("en_questions",),
    "short Chinese questions": ("zh_questions",),
    "English kinds": ("en_kinds",),
    "titles": ("title", "en_title"),
    "questions": ("question",),
}


def settle_server_gc() -> None:
    """The garbage-collector step ``duizhao serve`` takes after its warm-up (the
    ``GC_THRESHOLD`` setting), where the checkout has one; else Python's defaults."""
    try:
        from web.serve import settle_gc
        from web.settings import value
    except ImportError:  # a checkout from before the step (--before)
        return
    settle_gc(value("GC_THRESHOLD"))


def worker(
    index: str, only: tuple[str, ...] = (), cpu: bool = False, server_gc: bool = True
) -> dict[str, dict[str, list[float]]]:
    """Times (ms) per intent, for both passes, with the code on ``sys.path``; with
    ``cpu``, the process's CPU time; with ``server_gc``, after the server's
    garbage-collector step."""
    from index.config import shared_data_dir, user_glossary_paths
    from index.glossary import Glossary
    from search.engine import Engine, SearchRequest
    from search.eval_suite import build_items
    from search.evaluate import read_queries
    from search.intent import classify

    data = shared_data_dir()

    # Glossary.load, not index.glossary.load_glossary: the worker also runs on the
    # checkout given with --before, which may predate that function.
    engine = Engine(index, glossary=Glossary.load(user_glossary_paths(None)))
    try:
        queries = [i.query for i in build_items(data, engine.glossary)]
        stard = data / "stard" / "dev_queries.tsv"
        if stard.is_file():
            queries += list(read_queries(stard).values())
        groups = _own_groups()
        queries += sorted(groups)
        for q in ("国务院 通知", "Notice of the State Council"):  # dictionaries, index caches
            engine.search(SearchRequest(q=q))
        if server_gc:
            settle_server_gc()
        out: dict[str, dict[str, list[float]]] = {"first": {}, "second": {}}
        clock = time.process_time if cpu else time.perf_counter
        for run in ("first", "second"):
            for q in queries:
                kind = groups.get(q) or classify(q).kind
                if only and kind not in only:
                    continue
                t0 = clock()
                engine.search(SearchRequest(q=q))
                out[run].setdefault(kind, []).append((clock() - t0) * 1000)
        return out
    finally:
        engine.backend.close()


def _own_groups() -> dict[str, str]:
    """Queries timed as groups of their own, whatever their intent: the several
    keywords of ``anyword_probe.py``'s draw (both halves: the partial title tier and
    the few-answers fill are their cost), and issue 11's fourteenth- and fifteenth-round
    queries, judged by hand (``data/two_keywords.txt``, ``data/en_questions.txt``,
    ``data/en_kinds.txt``), and the short Chinese questions of ``data/zh_short_questions.txt``."""
    several = [r.split("\t")[1] for r in _lines("anyword_probe_queries.tsv")]
    return (
        dict.fromkeys(several, "several_keywords")
        | dict.fromkeys(_lines("two_keywords.txt"), "two_keywords")
        | dict.fromkeys(_lines("en_questions.txt"), "en_questions")
        | dict.fromkeys(_lines("en_kinds.txt"), "en_kinds")
        | dict.fromkeys(
            [r.split("\t")[0] for r in _lines("zh_short_questions.txt")], "zh_questions"
        )
    )


def _lines(name: str) -> list[str]:
    """The rows of ``data/NAME``, ``#`` comments and blank lines left out."""
    path = Path(__file__).resolve().parent / "data" / name
    rows = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [r.strip() for r in rows if r.strip() and not r.startswith("#")]


def _search_record(engine, req) -> dict:
    """What the search box answers, for ``--check``."""
    from index.errors import DuizhaoError

    try:
        r = engine.search(req)
    except DuizhaoError as e:
        return {"error": str(e)}
    return {
        "hits": [
            [h.doc.id, h.score, h.passage.label if h.passage else "", str(h.snippet)]
            for h in r.hits
        ],
        "total": r.total,
        "exact": r.total_exact,
        "notices": list(r.notices),
        "partial": r.partial,
    }


def check_worker(index: str) -> dict[str, object]:
    """``--check``: every answer compared, keyed by request (see module doc)."""
    from index.config import shared_data_dir, user_glossary_paths
    from index.errors import DuizhaoError
    from index.glossary import Glossary
    from search.engine import Engine, SearchRequest
    from search.eval_suite import KNOWN_ITEM_FIELDS, build_items
    from search.evaluate import read_queries
    from search.titles import lookup_title

    data = shared_data_dir()
    engine = Engine(index, glossary=Glossary.load(user_glossary_paths(None)))
    engine.backend.time_limit = max(engine.backend.time_limit, 60.0)  # nothing cut short
    out: dict[str, object] = {}
    try:
        items = build_items(data, engine.glossary)
        stard = data / "stard" / "dev_queries.tsv"
        queries = [(i.set, i.query) for i in items]
        if stard.is_file():
            queries += [("stard", q) for q in read_queries(stard).values()]
        queries += [(kind, q) for q, kind in _own_groups().items()]
        for kind, q in queries:
            out[f"box|{q}"] = _search_record(engine, SearchRequest(q=q))
            if kind != "en_title":
                continue
            out[f"box2|{q}"] = _search_record(engine, SearchRequest(q=q, page=2))
            req = SearchRequest(q=q, fields=KNOWN_ITEM_FIELDS)
            out[f"boxf|{q}"] = _search_record(engine, req)
        for i in items:
            if i.set != "en_title" and not i.set.startswith("title"):  # title_law, title_policy
                continue
            for use_en in (True, False) if i.set == "en_title" else (True,):
                try:
                    got = lookup_title(engine, i.query, 10, use_title_en=use_en).to_dict()
                except DuizhaoError as e:
                    got = {"error": str(e)}
                out[f"lookup|{use_en}|{i.query}"] = got
        return out
    finally:
        engine.backend.close()


def differences(a: object, b: object, path: str = "") -> list[str]:
    """Where two answers differ (floats to 1e-6)."""
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= 1e-6 else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}/{i}")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def run_check(before: Path, index: str) -> int:
    """``--check``: both checkouts' answers compared; 1 when any differs."""
    got = {}
    for label, code in (("before", before), ("after", ROOT)):
        print(f"{label}: {code} ...", file=sys.stderr, flush=True)
        got[label] = run_code(code, index, check=True)
    diffs = differences(got["before"], got["after"])
    searches = sum(1 for k in got["after"] if k.startswith("box"))
    lookups = len(got["after"]) - searches
    print(f"index {index}: {searches} searches, {lookups} title lookups; {len(diffs)} differences")
    for d in diffs[:50]:
        print("  " + d)
    requests = sorted({d.split("/")[1] for d in diffs})  # "/box|query/hits: ..."
    if requests:
        print(f"{len(requests)} requests differ:")
        for r in requests:
            print("  " + r)
    return 1 if diffs else 0


def run_code(
    code: Path,
    index: str,
    only: str = "",
    cpu: bool = False,
    server_gc: bool = True,
    check: bool = False,
) -> dict:
    """The worker on one checkout, in a child process (its own caches)."""
    from index.config import shared_data_dir

    env = dict(os.environ, PYTHONPATH=str(code))
    # Both checkouts read the same sample data: this one's (another checkout may
    # have none beside it).
    env.setdefault("DUIZHAO_SHARED", str(shared_data_dir().parent))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--index", index]
    if only:
        cmd += ["--only", only]
    if cpu:
        cmd += ["--cpu"]
    if not server_gc:
        cmd += ["--python-gc"]
    if check:
        cmd += ["--check"]
    done = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark on {code} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(xs: list[float], p: float) -> float:
    from search.evaluate import percentile as pct

    return pct(xs, p)


def summary(times: dict[str, list[float]]) -> dict[str, tuple[int, float, float]]:
    rows = {k: (len(ts), statistics.median(ts), percentile(ts, 95)) for k, ts in times.items()}
    for group, kinds in GROUPS.items():
        ts = [t for k in kinds for t in times.get(k, [])]
        if ts:
            rows[f"[{group}]"] = (len(ts), statistics.median(ts), percentile(ts, 95))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index_pos", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--index", default=os.environ.get("DUIZHAO_EVAL_INDEX", "instance/index"))
    ap.add_argument("--before", type=Path, help="another checkout to time first (old code)")
    ap.add_argument(
        "--before-index",
        help="the index the --before checkout opens (default: --index); for a change that "
        "needs its own index, e.g. new glossary segmentation words",
    )
    ap.add_argument("--rounds", type=int, default=1, help="alternate the checkouts N times")
    ap.add_argument("--only", default="", help="intents to time, comma-separated")
    ap.add_argument("--cpu", action="store_true", help="time by CPU time, not wall time")
    ap.add_argument(
        "--python-gc",
        action="store_true",
        help="keep Python's garbage-collector defaults (skip the server's GC_THRESHOLD step)",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--check", action="store_true", help="compare both checkouts' answers (needs --before)"
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    index = args.index_pos or args.index
    if args.worker:
        sys.path.insert(0, os.getcwd())
        if args.check:
            print(json.dumps(check_worker(index)))
            return 0
        only = tuple(k for k in args.only.split(",") if k)
        print(json.dumps(worker(index, only, args.cpu, not args.python_gc)))
        return 0
    sys.path.insert(0, str(ROOT))
    if args.check:
        if args.before is None:
            ap.error("--check compares two checkouts: give the other one with --before")
        return run_check(args.before.resolve(), index)
    codes = {"before": args.before.resolve()} if args.before else {}
    codes["after"] = ROOT
    indexes = {"before": args.before_index or index, "after": index}
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    for r in range(max(1, args.rounds)):
        # Every other round in the other order (before, after, after, before ...): a
        # load that rises or falls during the run then weighs on both alike.
        for label, code in list(codes.items())[:: -1 if r % 2 else 1]:
            print(f"round {r + 1}, {label}: {code} ...", file=sys.stderr, flush=True)
            got = run_code(code, indexes[label], args.only, args.cpu, not args.python_gc)
            for pass_, times in got.items():
                for kind, ts in times.items():
                    results.setdefault(label, {}).setdefault(pass_, {}).setdefault(kind, [])
                    results[label][pass_][kind].extend(ts)
    if args.json:
        print(json.dumps({"index": index, "clock": "cpu" if args.cpu else "wall", **results}))
        return 0
    clock = "CPU ms" if args.cpu else "ms"
    where = index if not args.before_index else f"{index} (before: {args.before_index})"
    print(f"index {where}; {clock} per search; second pass per intent, then both passes per group")
    labels = list(results)
    head = "".join(f"{lab + ' median':>16}{lab + ' p95':>13}" for lab in labels)
    print(f"{'intent':14}{'n':>6}{head}")
    for pass_ in ("second", "first"):
        if pass_ == "first":
            print("-- first pass (each query new to the process) --")
        rows = {lab: summary(results[lab][pass_]) for lab in labels}
        for key in rows[labels[-1]]:
            if pass_ == "first" and not key.startswith("["):
                continue
            n = rows[labels[-1]][key][0]
            cells = "".join(
                f"{rows[lab][key][1]:16.1f}{rows[lab][key][2]:13.1f}" if key in rows[lab] else
                f"{'-':>16}{'-':>13}"
                for lab in labels
            )  # fmt: skip
            print(f"{key:14}{n:6}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
