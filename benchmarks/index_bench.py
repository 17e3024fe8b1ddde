"""Index and query benchmark: Duizhao vs the naive Whoosh + jieba setup, same run.

Builds the whole sample corpus (laws, policy titles, work reports, English-
titled documents) twice -- with Duizhao's pipeline and with the naive setup
(Whoosh's default writer, jieba's own ``ChineseAnalyzer`` on the same passage
records) -- each in a fresh subprocess so peak memory is its own, then times
300 real short queries (1-3 words drawn from real policy titles) and the STARD
dev questions against both, snippets included for Duizhao.

    python benchmarks/index_bench.py [--out DIR] [--skip-naive] [--limit-docs N]

Prints documents/s, MB/s, index size, peak RSS, query median/p95.
Needs the bench extra (jieba) for the naive side.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def corpus_items(limit: int | None):
    from index.config import sample_corpus_paths
    from index.readers import read_paths

    for n, it in enumerate(read_paths(sample_corpus_paths()), 1):
        yield it
        if limit and n >= limit:
            return


# --- builders (run in subprocesses) -----------------------------------------------


def build_duizhao(out: Path, limit: int | None, procs: int) -> dict:
    """Duizhao's own indexing flow (``index.indexing.index_paths``, as ``duizhao
    index --sample`` runs it); segmentation words are loaded before the clock."""
    from index import segmenter
    from index.config import sample_corpus_paths
    from index.glossary import glossary_from_args
    from index.indexing import index_paths
    from search.titles import add_draft_title

    g = glossary_from_args(argparse.Namespace(glossary=None, lenient=False))
    if g is not None:
        segmenter.configure(g.segmentation_words())
    segmenter.initialize()
    t0 = time.perf_counter()
    enrich = lambda d: add_draft_title(d, g)  # noqa: E731 - as `duizhao index` does
    rep = index_paths(out, sample_corpus_paths(), enrich=enrich, procs=procs, limit=limit)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "docs": rep.added, "passages": rep.passages, "chars": rep.chars}


def build_naive(out: Path, limit: int | None) -> dict:
    import logging

    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index as windex
    from whoosh.fields import ID, TEXT, Schema

    from index.whoosh_backend import records_for

    jieba.setLogLevel(logging.INFO)
    jieba.initialize()
    t0 = time.perf_counter()
    an = ChineseAnalyzer()
    schema = Schema(
        pid=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        title=TEXT(analyzer=an, stored=True),
        body=TEXT(analyzer=an, stored=True),
    )
    out.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(out), schema)
    w = ix.writer()
    docs = passages = chars = 0
    for it in corpus_items(limit):
        if not hasattr(it, "body"):
            continue
        docs += 1
        for rec in records_for(it):
            text = it.body
            p = it.passages[rec["pidx"]] if it.passages else None
            body = text[p.start : p.end] if p else text
            w.add_document(pid=rec["pid"], doc_id=it.id, title=it.title, body=body)
            passages += 1
        chars += len(it.body) + len(it.title)
    w.commit()
    return {"wall_s": time.perf_counter() - t0, "docs": docs, "passages": passages, "chars": chars}


def _child(kind: str, out: str, limit: int | None, procs: int) -> None:
    res = (
        build_duizhao(Path(out), limit, procs)
        if kind == "duizhao"
        else build_naive(Path(out), limit)
    )
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    res["peak_rss_children_mb"] = kids
    print("RESULT " + json.dumps(res))


def run_build(kind: str, out: Path, limit: int | None, procs: int) -> dict:
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, __file__, "--child", kind, "--out", str(out), "--procs", str(procs)]
    if limit:
        cmd += ["--limit-docs", str(limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} build failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    res = json.loads(line[7:])
    res["index_mb"] = dir_mb(out)
    return res


# --- queries -------------------------------------------------------------------


def short_queries(n: int = 300, seed: int = 7) -> list[str]:
    """1-3 consecutive content words from real policy and law titles."""
    import csv
    import gzip

    from index.config import shared_data_dir
    from index.segmenter import cut

    titles = []
    with gzip.open(shared_data_dir() / "policy_titles.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["title"]:
                titles.append(row["title"])
    rng = random.Random(seed)
    out: list[str] = []
    stop = set(
        [
            "的",
            "和",
            "与",
            "关于",
            "及",
            "等",
            "做好",
            "进一步",
            "省",
            "市",
            "人民政府",
            "办公厅",
            "通知",
            "印发",
            "意见",
        ]
    )
    while len(out) < n:
        words = [w for w in cut(rng.choice(titles)) if len(w) > 1 and w not in stop and w.strip()]
        if not words:
            continue
        k = rng.choice((1, 1, 2, 2, 3))
        i = rng.randrange(max(1, len(words) - k + 1))
        q = " ".join(words[i : i + k])
        if q and q not in out:
            out.append(q)
    return out


def stard_questions() -> list[str]:
    from index.config import shared_data_dir

    rows = (shared_data_dir() / "stard" / "dev_queries.tsv").read_text("utf-8").splitlines()[1:]
    return [r.split("\t", 1)[1] for r in rows if "\t" in r]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


_ENGINES: dict = {}


def time_duizhao(out: Path, queries: list[str], expand: bool = True) -> dict:
    from index.glossary import glossary_from_args
    from search.engine import Engine, SearchRequest

    e = _ENGINES.get(out)
    if e is None:
        g = glossary_from_args(argparse.Namespace(glossary=None, lenient=False))
        e = _ENGINES[out] = Engine(out, glossary=g)
        e.search(SearchRequest(q="初始化"))  # load caches once, as a server does at start
    times = []
    for q in queries:
        t0 = time.perf_counter()
        e.search(SearchRequest(q=q, per_page=10, expand=expand))
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": pct(times, 95), "n": len(times)}


def time_naive(out: Path, queries: list[str]) -> dict:
    from whoosh import index as windex
    from whoosh.highlight import ContextFragmenter, HtmlFormatter
    from whoosh.qparser import MultifieldParser, OrGroup

    ix = windex.open_dir(str(out))
    times = []
    with ix.searcher() as s:
        qp = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
        for q in queries:
            t0 = time.perf_counter()
            res = s.search(qp.parse(q), limit=10)
            res.fragmenter = ContextFragmenter()
            res.formatter = HtmlFormatter()
            for hit in res:
                hit.highlights("body")
            times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": pct(times, 95), "n": len(times)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench-results"))
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--limit-docs", type=int)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.out, args.limit_docs, args.procs)
        return
    out = Path(args.out)
    results = {}
    kinds = ["duizhao"] + ([] if args.skip_naive else ["naive"])
    for kind in kinds:
        r = run_build(kind, out / kind, args.limit_docs, args.procs)
        mb = r["chars"] * 3 / 1e6  # UTF-8 bytes of mostly-Chinese text
        print(
            f"[build] {kind:8} {r['wall_s']:7.1f} s wall  {r['docs'] / r['wall_s']:8.0f} docs/s  "
            f"{mb / r['wall_s']:5.2f} MB/s  index {r['index_mb']:6.0f} MB  "
            f"peak RSS {r['peak_rss_mb']:.0f} MB (workers {r['peak_rss_children_mb']:.0f} MB)  "
            f"{r['docs']} docs / {r['passages']} passages",
            flush=True,
        )
        results[kind] = r
    shortq = short_queries()
    longq = stard_questions()
    sets = (("short (1-3 words)", shortq), ("STARD questions", longq))
    for name, qs in sets:
        d = time_duizhao(out / "duizhao", qs)
        print(
            f"[query] duizhao  {name:18} median {d['median_ms']:6.1f} ms  p95 {d['p95_ms']:6.1f} ms  (n={d['n']})",
            flush=True,
        )
    d = time_duizhao(out / "duizhao", shortq, expand=False)
    print(
        f"[query] duizhao  {'short, no expansion':18} median {d['median_ms']:6.1f} ms  p95 {d['p95_ms']:6.1f} ms  (n={d['n']})",
        flush=True,
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[memory] duizhao searching process peak RSS {rss:.0f} MB")
    if not args.skip_naive:
        for name, qs in sets:
            nv = time_naive(out / "naive", qs)
            print(
                f"[query] naive    {name:18} median {nv['median_ms']:6.1f} ms  p95 {nv['p95_ms']:6.1f} ms  (n={nv['n']})",
                flush=True,
            )
    if "naive" in results:
        print(
            f"[build] speed-up vs naive: {results['naive']['wall_s'] / results['duizhao']['wall_s']:.2f}x"
        )


if __name__ == "__main__":
    main()
