"""Scale benchmark for the Xapian backend: a recombined N x corpus in 4 shards.

Place in the flow: makes a JSONL corpus from the sample corpus (../shared/data),
indexes it with the real command line (``duizhao index --backend xapian --shards
4``), serves the shards with ``xapian-tcpsrv`` on 127.0.0.1 and searches them
through ``index.backends`` and the engine. Prints figures; asserts nothing.

The corpus recipe (fixed seed, so every run makes the same corpus):

1. read the whole sample corpus once (``index.config.sample_corpus_paths``); the
   *pool* is every passage text of every document with a body (in reading order);
2. synthetic document i (0 <= i < factor x the corpus's document count) takes its
   metadata -- title, subtitle, English titles, level, issuer, region, type,
   status, dates, source -- from a document drawn at random (the *template*); its
   id is ``scale-{i:07d}`` and its title gets `` (i)`` appended, so titles stay
   real words but no two documents are identical;
3. its body, when the template has one, is k passages drawn at random from the
   pool and joined by newlines, where k is the passage count of another document
   drawn at random from those with a body (the corpus's length distribution);
   title-only templates (policy titles) stay title-only.

So factor 10 gives ~460k documents and ~1.9 M passages of real Chinese text with
real metadata distributions, but no document-number keys and no real duplicates.

    python benchmarks/scale_bench.py [--factor 10] [--dir instance/scale-bench]
        [--procs 4] [--queries 300] [--seed 13] [--json]

Figures: corpus documents and passages, build wall and CPU seconds, index size
(total and per shard), resident memory of each shard server after the queries
(the server and the child it forked for the connection), and backend and engine
search latency median / p95 over the 4 remote shards. Targets (issue 13): build
time, size, memory and p95 reported for 10x; see the README's plan for 100x.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SHARDS = 4
META = (
    "subtitle",
    "level",
    "doctype",
    "issuer",
    "region",
    "issue_date",
    "publish_date",
    "effective_date",
    "status",
    "source",
)


def make_corpus(out: Path, factor: float, seed: int) -> dict:
    """Write the recombined corpus (see the module docstring) to ``out``."""
    from index.config import sample_corpus_paths
    from index.document import Document
    from index.readers import read_paths
    from index.structure import split_passages

    docs = [d for d in read_paths(sample_corpus_paths()) if isinstance(d, Document)]
    pool: list[str] = []
    lengths: list[int] = []
    for d in docs:
        if d.body:
            ps = split_passages(d.body)
            pool += [d.body[p.start : p.end] for p in ps]
            lengths.append(len(ps))
    rng = random.Random(seed)
    n = int(len(docs) * factor)
    passages = 0
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            t = rng.choice(docs)
            rec = {k: getattr(t, k) for k in META}
            rec["id"] = f"scale-{i:07d}"
            rec["title"] = f"{t.title} ({i})" if t.title else ""
            rec["titles_en"] = [vars(e) for e in t.titles_en]
            if t.body:
                k = rng.choice(lengths)
                rec["body"] = "\n".join(rng.choice(pool) for _ in range(k))
                passages += k
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return {"documents": n, "source_documents": len(docs), "pool_passages": len(pool)}


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (xapian-tcpsrv forks one per
    connection)."""
    total = 0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text().rsplit(")", 1)[1].split()
            status = (p / "status").read_text()
        except OSError:
            continue
        if int(p.name) == pid or int(stat[1]) == pid:
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--factor", type=float, default=10.0)
    ap.add_argument("--dir", default=str(ROOT / "instance" / "scale-bench"))
    ap.add_argument("--procs", type=int, default=SHARDS, help="writer processes")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from load_bench import draw_queries
    from xapian_bench import capture_plans, latency_figures, print_figures, servers, time_engine

    from index.glossary import glossary_from_args
    from search.engine import Engine

    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    corpus, index = root / "corpus.jsonl", root / "index"
    out: dict = {"factor": args.factor, "shards": SHARDS, "procs": args.procs}
    t0 = time.perf_counter()
    out.update(make_corpus(corpus, args.factor, args.seed))
    out["corpus_s"] = round(time.perf_counter() - t0, 1)
    if index.exists():
        shutil.rmtree(index)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "web.cli", "--index", str(index), "index", "--backend", "xapian"]
    cmd += ["--shards", str(SHARDS), "--procs", str(args.procs), "--quiet", "--json", str(corpus)]
    got = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    out["build_s"] = round(time.perf_counter() - t0, 1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["build_cpu_s"] = round(
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1
    )
    out["build_load_average"] = [round(v, 1) for v in os.getloadavg()]
    out["passages"] = json.loads(got.stdout).get("passages")
    out["size_mb"] = du(index) >> 20
    out["shard_mb"] = [du(index / f"shard-{k:02d}") >> 20 for k in range(SHARDS)]

    glossary = glossary_from_args(argparse.Namespace())
    queries = draw_queries(args.queries)
    with servers(index, SHARDS) as (url, procs):
        engine = Engine(url, glossary=glossary)
        plans = capture_plans(engine, queries)
        lat = []
        for p in plans:
            t = time.perf_counter()
            with contextlib.suppress(Exception):
                engine.backend.search(p)
            lat.append((time.perf_counter() - t) * 1000)
        elat = time_engine(engine, queries)
        out["server_rss_mb"] = [rss_kb(p.pid) >> 10 for p in procs]
        engine.backend.close()
    out["plans"] = len(plans)
    out.update(latency_figures("backend", lat, digits=1))
    out.update(latency_figures("engine", elat, digits=1))
    out["load_average"] = [round(v, 1) for v in os.getloadavg()]
    print_figures(out, args.json, 24)
    return 0


if __name__ == "__main__":
    sys.exit(main())
