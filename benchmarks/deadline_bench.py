"""Costly-query benchmark: does every query within the documented limits answer
within the time budget, and say so when it was cut short? (issue 9.2)

Place in the flow: runs the engine in process (what the CLI, the UI and the API
call) over an existing index, with the web server's per-search time limit, on the
costliest queries the parser accepts: many phrases of common words, a phrase of
32 x 的, a common word with 8 excluded phrases, 16 ORs, 64 words. Each query is
timed a few times after a warm-up; the figures are wall time per search
(parsing, expansion, search, facets, snippets) -- the first run reads the
query's postings from disk, later ones find them cached -- the total the last
run found and whether it said it was cut short.

With ``--before DIR`` the same queries are first run on another checkout (the
code before the change) in the same run, so both columns share the machine's
load. A query that takes longer than ``--timeout`` seconds is stopped and
reported as such (the old code took 97 s for one of them).

    python benchmarks/deadline_bench.py [--index DIR] [--before CHECKOUT]
                                        [--repeat 3] [--timeout 120] [--json]

Target: every query <= 1 s (max over the repeats), with a "cut short" notice
when the budget ran out.
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

from bench_index import add_index_option, checked_index

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = 0.5  # the web server's default SEARCH_TIME_LIMIT (web/app.py)

# Common two-word phrases of Chinese policy text.
PAIRS = [
    "国家 发展",
    "人民 政府",
    "经济 社会",
    "管理 办法",
    "有关 部门",
    "应当 依法",
    "社会 保险",
    "公共 服务",
]
COMMON = ["发展", "管理", "工作", "国家", "规定", "社会", "部门", "建设", "服务", "政府", "企业", "经济",
          "应当", "有关", "单位", "组织"]  # fmt: skip
DE32 = '"' + " ".join(["的"] * 32) + '"'
# A long English title: every word is searched, none is in all documents, so the search
# falls back to ranking by any word.
EN_TITLE = (
    "Notice of the General Office of the State Council on Further Strengthening the "
    "Administration of Social Insurance Funds and Improving Public Services for Enterprises "
    "in Rural Areas and Cities during the National Economic and Social Development Plan"
)

# (name, request parameters). All within the README's limits: 500 characters,
# 8 phrases of <= 32 words, 8 exclusions, 16 ORs, 64 searched words.
QUERIES: list[tuple[str, dict]] = [
    ("normal: 数据安全", {"q": "数据安全", "facets": True}),
    ("4 phrases of 32 x 的", {"q": " ".join([DE32] * 4), "facets": True}),
    ("8 phrases of two common words", {"q": " ".join(f'"{p}"' for p in PAIRS), "facets": True}),
    ("same, by date", {"q": " ".join(f'"{p}"' for p in PAIRS), "sort": "date", "facets": True}),
    ("人民 with 8 excluded phrases", {"q": "人民 " + " ".join(f'-"{p}"' for p in PAIRS), "facets": True}),
    ("发展 with 8 excluded phrases, 100/page", {"q": "发展 " + " ".join(f'-"{p}"' for p in PAIRS),
                                                "facets": True, "per_page": 100}),
    ("16 ORs of common words", {"q": " OR ".join(COMMON), "facets": True}),
    ("2 phrases of 32 common words", {"q": " ".join('"' + " ".join(COMMON * 2) + '"' for _ in range(2)),
                                      "facets": True}),
    ("64 common words (a long question)", {"q": " ".join((COMMON * 4)[:64]), "facets": True, "per_page": 100}),
    ("的 了 和 是 在, 100/page", {"q": "的 了 和 是 在", "facets": True, "per_page": 100}),
    ("long English title (any word), 100/page", {"q": EN_TITLE, "facets": True, "per_page": 100}),
]  # fmt: skip


def worker(index: str, names: list[str], repeat: int) -> None:
    """Run in the checkout under test (PYTHONPATH): one JSON line per query."""
    from index.glossary import Glossary
    from search.engine import Engine, SearchRequest

    glossary = Glossary.load(cedict=True)
    engine = Engine(index, glossary=glossary)
    engine.backend.time_limit = TIME_LIMIT
    glossary.cedict()  # loaded lazily otherwise (seconds), as the server's warm-up does
    for q in ("数据安全", "平台经济 监管", "data security"):
        engine.search(SearchRequest(q=q, facets=True))
    print(json.dumps({"ready": True}), flush=True)
    wanted = dict(QUERIES)
    for name in names:
        times, res = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            res = engine.search(SearchRequest(**wanted[name]))
            times.append(time.perf_counter() - t0)
        assert res is not None
        row = {
            "name": name,
            "first_ms": round(times[0] * 1000, 1),
            "median_ms": round(statistics.median(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1),
            "total": res.total,
            "cut_short": any("cut short" in n for n in res.notices),
        }
        print(json.dumps(row, ensure_ascii=False), flush=True)
    engine.backend.close()


def run_code(code: Path, index: str, repeat: int, timeout: float) -> dict[str, dict]:
    """Every query on one checkout; a query over ``timeout`` s is stopped (the worker is
    killed and started again for the queries after it)."""
    out: dict[str, dict] = {}
    todo = [name for name, _ in QUERIES]
    env = dict(os.environ, PYTHONPATH=str(code))
    while todo:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--index", index,
               "--repeat", str(repeat), "--names", json.dumps(todo, ensure_ascii=False)]  # fmt: skip
        with subprocess.Popen(
            cmd, cwd=code, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
        ) as proc:
            try:
                assert proc.stdout is not None
                os.set_blocking(proc.stdout.fileno(), False)
                started = None
                buf = ""
                while todo:
                    line = proc.stdout.readline()
                    if line:
                        buf += line
                    if not buf.endswith("\n"):
                        if proc.poll() is not None:
                            raise RuntimeError(f"worker on {code} exited with {proc.returncode}")
                        if started is not None and time.monotonic() - started > timeout * repeat:
                            out[todo[0]] = {"name": todo[0], "timeout_s": timeout}
                            todo.pop(0)
                            break
                        time.sleep(0.05)
                        continue
                    row, buf = json.loads(buf), ""
                    if not row.get("ready"):
                        out[row["name"]] = row
                        todo.remove(row["name"])
                    started = time.monotonic()
            finally:
                proc.kill()
                proc.wait()
    return out


def fmt(row: dict | None) -> str:
    if row is None:
        return "-"
    if "timeout_s" in row:
        return f"> {row['timeout_s']:.0f} s (stopped)"
    cut = ", cut short" if row["cut_short"] else ""
    times = (
        f"{row['max_ms']:8.1f} ms max (first {row['first_ms']:.1f}, median {row['median_ms']:.1f})"
    )
    return f"{times}; last run {row['total']} found{cut}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--before", type=Path, help="another checkout to time first (old code)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per query run")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--names", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.index = checked_index(args.index)
    if args.worker:
        worker(args.index, json.loads(args.names), args.repeat)
        return 0
    results: dict[str, dict[str, dict]] = {}
    if args.before:
        print(f"before: {args.before} ...", flush=True)
        results["before"] = run_code(args.before.resolve(), args.index, args.repeat, args.timeout)
    print(f"after: {ROOT} ...", flush=True)
    results["after"] = run_code(ROOT, args.index, args.repeat, args.timeout)
    after = results["after"]
    ok = all("timeout_s" not in r and r["max_ms"] <= 1000 for r in after.values())
    if args.json:
        print(json.dumps({"index": args.index, "time_limit": TIME_LIMIT, "ok": ok, **results},
                         ensure_ascii=False))  # fmt: skip
    else:
        print(f"index {args.index}; per-search time limit {TIME_LIMIT} s; {args.repeat} runs each")
        for name, _ in QUERIES:
            print(f"- {name}")
            if args.before:
                print(f"    before: {fmt(results['before'].get(name))}")
            print(f"    after:  {fmt(after.get(name))}")
        print("every query <= 1 s:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
