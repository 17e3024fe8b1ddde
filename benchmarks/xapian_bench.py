"""Xapian backend benchmark: build, latency local vs remote shards, agreement.

Place in the flow: drives the real command line and ``index.backends`` on the whole
sample corpus (../shared/data) and prints figures (nothing is asserted):

1. build: ``duizhao index --backend xapian --shards 2 --procs 2 --sample`` into a
   fresh folder -- wall time, CPU seconds of the build processes, size on disk;
2. one shard: ``xapian-compact`` merges the two shards into a one-shard index;
3. two ``xapian-tcpsrv`` shard servers on 127.0.0.1 (owned, killed at the end);
4. queries drawn like benchmarks/load_bench.py (Chinese title words, STARD
   questions, English title words); the engine turns each into a plan once
   (glossary, expansions, profiles), then every backend runs the same plans:
   backend latency median/p95 (a question's pool and documents timed as one
   backend call, ``QuestionCall``) for Whoosh (``--whoosh``, optional), Xapian one
   local shard, Xapian two remote shards; top-10 agreement between them
   (identical ids in order), and the engine's end-to-end latency per backend.

    python benchmarks/xapian_bench.py [--dir instance/xapian-bench] [--no-build]
        [--laws-every N] [--queries 300] [--whoosh INDEX] [--json] [--before CHECKOUT]

With ``--before DIR`` (another checkout with its own .venv: the code before a change)
that checkout's copy of this benchmark runs first, in the same run, building into
DIR/before (or, with --no-build, timing its code on the same shards); both columns
are printed. Compare CPU seconds: on a shared machine wall time mostly measures the
other jobs (the load average is printed).

Targets (issue 13): build <= 45 s; median <= 5 ms local, <= 15 ms over two loopback
shards, p95 <= 40 ms; identical top 10 one shard vs two remote shards >= 99 %.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def subset_corpus(out: Path, laws_every: int) -> list[str]:
    """The sample corpus with every ``laws_every``-th law only (the other files whole),
    written under ``out``: a smaller index of real documents that builds in minutes."""
    import gzip

    from index.config import sample_corpus_paths

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for src in sample_corpus_paths():
        if src.name != "laws.jsonl.gz":
            paths.append(str(src))
            continue
        dst = out / src.name
        with gzip.open(src, "rb") as f, gzip.open(dst, "wb") as g:
            for i, line in enumerate(f):
                if i % laws_every == 0:
                    g.write(line)
        paths.append(str(dst))
    return paths


def build(folder: Path, laws_every: int = 1) -> dict:
    if folder.exists():
        shutil.rmtree(folder)
    if laws_every > 1:
        data = subset_corpus(folder.parent / f"data-laws-every-{laws_every}", laws_every)
    else:
        data = ["--sample"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "web.cli", "--index", str(folder), "index"]
        + ["--backend", "xapian", "--shards", "2", "--procs", "2", "--quiet", *data],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"build_s": round(wall, 1), "build_cpu_s": round(cpu, 1), "size_mb": du(folder) >> 20}


def one_shard(folder: Path, out: Path) -> None:
    """Merge the shards into one (xapian-compact), with the folder's settings."""
    from index.xapian_backend import META_FILE

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shards = sorted(str(p) for p in folder.glob("shard-*"))
    subprocess.run(
        ["xapian-compact", "--quiet", *shards, str(out / "shard-00")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    meta = json.loads((folder / META_FILE).read_text("utf-8"))
    (out / META_FILE).write_text(json.dumps({**meta, "shards": 1}), "utf-8")
    shutil.copy(folder / "backend", out / "backend")


@contextlib.contextmanager
def servers(folder: Path, n: int):
    procs, ports = [], []
    try:
        for k in range(n):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    ["xapian-tcpsrv", "--port", str(port), "--interface", "127.0.0.1"]
                    + ["--quiet", str(folder / f"shard-{k:02d}")],
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                )
            )
            ports.append(port)
        for port in ports:
            end = time.monotonic() + 30
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > end:
                    raise SystemExit(f"shard server on {port} did not start")
                time.sleep(0.05)
        yield "xapian+tcp://" + ",".join(f"127.0.0.1:{p}" for p in ports), procs
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def latency_figures(name: str, lat: list[float], digits: int = 2) -> dict[str, float]:
    """``{name}_median_ms`` and ``{name}_p95_ms`` of latencies in ms, rounded to ``digits``."""
    return {
        f"{name}_median_ms": round(statistics.median(lat), digits),
        f"{name}_p95_ms": round(pct(lat, 0.95), digits),
    }


def print_figures(out: dict, as_json: bool, width: int) -> None:
    """The figures as one JSON object, or a ``name value`` line each (names padded to ``width``)."""
    if as_json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:{width}s} {v}")


def capture_plans(engine, queries: list[str]) -> list:
    """The plans the engine sends to its backend for ``queries`` (every try): a
    ``search`` call's plan, or a ``QuestionCall`` for a question's backend work
    (``search.question.search``: its article pool and documents, in one or two
    backend searches as the backend offers; timed as one, so that a backend that
    answers a question in fewer searches is not timed on fewer plans)."""
    from search import question
    from search.engine import SearchRequest

    plans: list = []
    backend = engine.backend
    real, real_question = backend.search, question.search
    inner: list[list] = []  # the searches of the question call under way

    def spy(plan, **kw):
        (inner[-1] if inner else plans).append(plan)
        return real(plan, **kw)

    def spy_question(backend, plan, intent, **kw):
        inner.append([])
        try:
            return real_question(backend, plan, intent, **kw)
        finally:
            made = inner.pop()
            # Not a question (the plan searched as it is): a plain plan, as before.
            plans.extend(made if made == [plan] else [QuestionCall(plan, intent)])

    backend.search = spy
    question.search = spy_question
    try:
        for q in queries:
            with contextlib.suppress(Exception):
                engine.search(SearchRequest(q))
    finally:
        del backend.search
        question.search = real_question
    return plans


class QuestionCall:
    """A captured ``search.question.search`` call, timed again as one backend search."""

    def __init__(self, plan, intent) -> None:
        self.plan, self.intent = plan, intent

    def run(self, backend):
        from search import question

        return question.search(backend, self.plan, self.intent)


def run_plan(backend, p):
    """One captured plan (or ``QuestionCall``) on ``backend``."""
    return p.run(backend) if isinstance(p, QuestionCall) else backend.search(p)


def time_plans(backend, plans: list) -> tuple[list[float], list[list[str]]]:
    lat, tops = [], []
    for p in plans[: min(20, len(plans))]:  # warm caches
        run_plan(backend, p)
    for p in plans:
        t0 = time.perf_counter()
        r = run_plan(backend, p)
        lat.append((time.perf_counter() - t0) * 1000)
        # A search cut short by the time limit is marked: agreement is also given without them.
        tops.append([h.doc_id for h in r.hits[:10]] + (["<partial>"] if r.partial else []))
    return lat, tops


def fresh(engine, index, glossary):
    """A new engine on ``index`` in place of ``engine`` (closed): nothing kept."""
    from search.engine import Engine

    engine.backend.close()
    return Engine(index, glossary=glossary)


def time_engine(engine, queries: list[str]) -> list[float]:
    from search.engine import SearchRequest

    lat = []
    for q in queries:
        t0 = time.perf_counter()
        with contextlib.suppress(Exception):
            engine.search(SearchRequest(q))
        lat.append((time.perf_counter() - t0) * 1000)
    return lat


def agreement(a: list[list[str]], b: list[list[str]], complete: bool = False) -> float:
    pairs = list(zip(a, b, strict=True))
    if complete:
        pairs = [(x, y) for x, y in pairs if "<partial>" not in x + y]
    return sum(x == y for x, y in pairs) / max(1, len(pairs))


def overlap(a: list[list[str]], b: list[list[str]]) -> float:
    """Mean share of one top 10 found in the other's (order ignored)."""
    vals = [len(set(x) & set(y)) / max(len(x), len(y)) for x, y in zip(a, b, strict=True) if x or y]
    return statistics.fmean(vals) if vals else 1.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=str(ROOT / "instance" / "xapian-bench"))
    ap.add_argument("--no-build", action="store_true", help="reuse DIR/two-shards")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument(
        "--laws-every",
        type=int,
        default=1,
        metavar="N",
        help="build from every N-th law only (other files whole): a smaller real index",
    )
    ap.add_argument("--whoosh", help="a Whoosh index of the same corpus, for comparison")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--before", type=Path, help="another checkout to run first (old code)")
    args = ap.parse_args()
    if args.before and args.laws_every > 1 and not args.no_build:
        ap.error("--laws-every with --before: build once without --before, then add --no-build")
    before = run_before(args) if args.before else None

    from load_bench import draw_queries

    from index.backends import open_backend
    from index.glossary import glossary_from_args
    from search.engine import Engine

    root = Path(args.dir)
    two, one = root / "two-shards", root / "one-shard"
    out: dict = {}
    if not args.no_build:
        out.update(build(two, args.laws_every))
    out["size_mb"] = du(two) >> 20
    one_shard(two, one)
    glossary = glossary_from_args(argparse.Namespace())
    queries = draw_queries(args.queries)
    local_engine = Engine(one, glossary=glossary)
    out["documents"] = local_engine.backend.doc_count()
    plans = capture_plans(local_engine, queries)
    out["queries"], out["plans"] = len(queries), len(plans)
    results: dict[str, tuple[list[float], list[list[str]]]] = {}
    results["xapian_local"] = time_plans(local_engine.backend, plans)
    # The engine pass opens the index again: totals and facets the backend keeps per
    # plan (as Whoosh does) would otherwise all come from the pass before.
    local_engine = fresh(local_engine, one, glossary)
    engine_lat = {"xapian_local": time_engine(local_engine, queries)}
    with servers(two, 2) as (url, _procs):
        remote_engine = Engine(url, glossary=glossary)
        results["xapian_remote2"] = time_plans(remote_engine.backend, plans)
        remote_engine = fresh(remote_engine, url, glossary)
        engine_lat["xapian_remote2"] = time_engine(remote_engine, queries)
        remote_engine.backend.close()
    if args.whoosh:
        w = open_backend(args.whoosh)
        results["whoosh"] = time_plans(w, plans)
        w.close()
    for name, (lat, _tops) in results.items():
        out.update(latency_figures(name, lat))
    for name, lat in engine_lat.items():
        out.update(latency_figures(f"engine_{name}", lat))
    local_tops, remote_tops = results["xapian_local"][1], results["xapian_remote2"][1]
    out["top10_identical_local_vs_remote2"] = round(agreement(local_tops, remote_tops), 4)
    out["top10_identical_local_vs_remote2_complete"] = round(
        agreement(local_tops, remote_tops, complete=True), 4
    )
    out["partial_local_remote2"] = [
        sum("<partial>" in t for t in tops) for tops in (local_tops, remote_tops)
    ]
    if "whoosh" in results:
        out["top10_identical_whoosh_vs_xapian"] = round(
            agreement(results["whoosh"][1], local_tops), 4
        )
        out["top10_overlap_whoosh_vs_xapian"] = round(overlap(results["whoosh"][1], local_tops), 4)
    local_engine.backend.close()
    out["load_average"] = [round(v, 1) for v in os.getloadavg()]
    if before is not None:
        out = {k: {"before": before.get(k), "after": v} for k, v in out.items()}
    print_figures(out, args.json, 40)
    return 0


def run_before(args: argparse.Namespace) -> dict:
    """This benchmark as another checkout has it, on the same machine first."""
    code = args.before.resolve()
    root = Path(args.dir).resolve()
    folder = root if args.no_build else root / "before"
    cmd = [str(code / ".venv" / "bin" / "python"), str(code / "benchmarks" / "xapian_bench.py")]
    cmd += ["--dir", str(folder), "--queries", str(args.queries), "--json"]
    cmd += ["--no-build"] if args.no_build else []
    got = subprocess.run(cmd, cwd=code, check=True, capture_output=True, text=True)
    before = json.loads(got.stdout)
    before["load_average"] = [round(v, 1) for v in os.getloadavg()]
    return before


if __name__ == "__main__":
    sys.exit(main())
