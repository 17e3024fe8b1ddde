"""Ranking evaluation: ``duizhao eval``.

Place in the flow: a face-independent library behind the CLI's ``eval``
command. It asks the engine (``search.engine``) the questions of a STARD-format
set and scores the rankings against the qrels, beside a baseline measured in
the same run (``search.baseline``: plain jieba + BM25, the STARD paper's
method), and optionally runs a cross-language known-item test (English titles
of Chinese documents).

* STARD format: ``queries.tsv`` (query_id, question) and ``qrels.tsv``
  (query_id, doc_id, article 第N条, stard_article_name), tab-separated with a
  header line; every listed article is relevant (binary).
* Article level: the engine ranks passages (``SearchRequest(passages=True)``)
  and each hit is a (doc_id, article label) pair; document level: the normal
  collapsed search. Metrics: Recall@10, Recall@100, nDCG@10 (binary), MRR@10,
  averaged over the questions that have qrels.
* Known items: for each record of an ``en_titles``-format file, its English
  title is the query, searched in the *Chinese* fields only (so the record's
  own attested English title cannot match); success when the record is first
  / in the top 10, with glossary expansion and without.
"""

from __future__ import annotations

import contextlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.config import shared_data_dir
from index.errors import DuizhaoError, InputError, NotFound
from index.glossary import glossary_from_args
from search.baseline import build_baseline, is_article_label, normalize_article, passage_article
from search.engine import Engine, SearchRequest

KS = (10, 100)
METRICS = ("R@10", "R@100", "nDCG@10", "MRR@10")
DEPTH = 100  # ranked results fetched per question (the engine's per_page limit)
KNOWN_ITEM_FIELDS = ("title", "body")
QUALITY_TIME_LIMIT = 60.0  # seconds per search during the quality runs  # Chinese fields: never the attested English title


# --- metrics (pure) -------------------------------------------------------------------


def recall_at(ranked: Sequence[Hashable], relevant: set, k: int) -> float:
    """Share of the relevant items found in the first ``k`` results."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def ndcg_at(ranked: Sequence[Hashable], relevant: set, k: int) -> float:
    """Binary nDCG@k: gain 1 for a relevant item at rank i, discounted by log2(i+1)."""
    if not relevant:
        return 0.0
    seen: set = set()
    dcg = 0.0
    for i, item in enumerate(ranked[:k]):
        if item in relevant and item not in seen:
            seen.add(item)
            dcg += 1.0 / math.log2(i + 2)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def mrr_at(ranked: Sequence[Hashable], relevant: set, k: int) -> float:
    """Reciprocal rank of the first relevant result within ``k`` (0 if none)."""
    for i, item in enumerate(ranked[:k]):
        if item in relevant:
            return 1.0 / (i + 1)
    return 0.0


def score_run(run: dict[str, Sequence[Hashable]], qrels: dict[str, set]) -> dict[str, float]:
    """Mean metrics over the questions that have qrels (a missing ranking scores 0)."""
    rows = {m: 0.0 for m in METRICS}
    n = 0
    for qid, relevant in qrels.items():
        if not relevant:
            continue
        ranked = run.get(qid, [])
        rows["R@10"] += recall_at(ranked, relevant, 10)
        rows["R@100"] += recall_at(ranked, relevant, 100)
        rows["nDCG@10"] += ndcg_at(ranked, relevant, 10)
        rows["MRR@10"] += mrr_at(ranked, relevant, 10)
        n += 1
    return {m: (v / n if n else 0.0) for m, v in rows.items()}


def dedupe(items: Sequence[Hashable]) -> list:
    """Keep each item's first occurrence (two passages can share a label: 第十条之一)."""
    return list(dict.fromkeys(items))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); 0 for no values."""
    if not values:
        return 0.0
    s = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(s)))
    return s[rank - 1]


# --- input files ----------------------------------------------------------------------


def _tsv_rows(path: Path, header_first: str, ncols: int) -> list[tuple[int, list[str]]]:
    """(line number, fields) of a tab-separated file with a header line."""
    if not path.is_file():
        raise InputError(f"{path}: no such file", "give an existing file")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason})", "save the file as UTF-8") from e
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("\t")
        if lineno == 1 and cols[0].strip().lower() == header_first:
            continue  # the header line
        if len(cols) < ncols or not all(c.strip() for c in cols[:ncols]):
            raise InputError(
                f"{path}:{lineno}: expected {ncols} tab-separated non-empty fields, "
                f"found {len([c for c in cols if c.strip()])}",
                "see FORMATS.md: the STARD files are tab-separated with a header line",
                path=str(path),
                line=lineno,
            )
        rows.append((lineno, [c.strip() for c in cols]))
    if not rows:
        raise InputError(f"{path}: no data lines", "the file is empty or has only a header")
    return rows


def read_queries(path: str | Path) -> dict[str, str]:
    """query_id -> question, in file order."""
    path = Path(path)
    out: dict[str, str] = {}
    for lineno, cols in _tsv_rows(path, "query_id", 2):
        qid, question = cols[0], cols[1]
        if qid in out:
            raise InputError(
                f"{path}:{lineno}: query id {qid!r} appears twice", path=str(path), line=lineno
            )
        out[qid] = question
    return out


def read_qrels(path: str | Path) -> dict[str, set[tuple[str, str]]]:
    """query_id -> relevant (doc_id, normalized article label) pairs."""
    path = Path(path)
    out: dict[str, set[tuple[str, str]]] = {}
    for lineno, cols in _tsv_rows(path, "query_id", 3):
        qid, doc_id, art = cols[0], cols[1], cols[2]
        label = normalize_article(art)
        if not is_article_label(label):
            raise InputError(
                f"{path}:{lineno}: cannot read the article {art!r}",
                "write articles like 第五十六条 or 第56条",
                path=str(path),
                line=lineno,
            )
        out.setdefault(qid, set()).add((doc_id, label))
    return out


def read_known_items(path: str | Path) -> list[tuple[str, str]]:
    """(id, title_en) of every record of an en_titles-format JSONL file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", "give an existing file")
    out: list[tuple[str, str]] = []
    try:
        lines = path.read_text("utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason})", "save the file as UTF-8") from e
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise InputError(
                f"{path}:{lineno}: not a JSON object ({e})", path=str(path), line=lineno
            ) from e
        if not isinstance(rec, dict):
            raise InputError(f"{path}:{lineno}: not a JSON object", path=str(path), line=lineno)
        rid, title = rec.get("id"), rec.get("title_en")
        if not isinstance(rid, str) or not rid.strip():
            raise InputError(f"{path}:{lineno}: missing field 'id'", path=str(path), line=lineno)
        if not isinstance(title, str) or not title.strip():
            raise InputError(
                f"{path}:{lineno}: missing field 'title_en'", path=str(path), line=lineno
            )
        out.append((rid.strip(), title.strip()))
    if not out:
        raise InputError(f"{path}: no records", "the file is empty")
    return out


# --- running the engine -----------------------------------------------------------------


@dataclass
class EngineRun:
    articles: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def run_engine(
    engine: Any,
    queries: dict[str, str],
    *,
    expand: bool,
    progress: Callable[[str], None] | None = None,
) -> EngineRun:
    """Article- and document-level rankings of every question."""

    out = EngineRun()
    # Quality runs must not be cut short by the backend's per-search time guard
    # (a busy machine would turn slowness into lost recall); latency is timed apart.
    backend = getattr(engine, "backend", None)
    saved = getattr(backend, "time_limit", None)
    if saved is not None:
        backend.time_limit = max(saved, QUALITY_TIME_LIMIT)
    try:
        _run_questions(engine, queries, expand, out)
    finally:
        if saved is not None:
            backend.time_limit = saved
    if progress:
        progress(f"engine ({'with' if expand else 'without'} expansion): {len(queries)} questions")
    return out


def _run_questions(engine: Any, queries: dict[str, str], expand: bool, out: EngineRun) -> None:

    for qid, q in queries.items():
        try:
            arts = engine.search(SearchRequest(q=q, passages=True, per_page=DEPTH, expand=expand))
            docs = engine.search(SearchRequest(q=q, per_page=DEPTH, expand=expand))
        except DuizhaoError as e:
            out.errors[qid] = e.message
            continue
        out.articles[qid] = dedupe(
            [(h.doc.id, passage_article(h.doc.body, h.passage)) for h in arts.hits if h.passage]
        )
        out.documents[qid] = dedupe([h.doc.id for h in docs.hits])


def time_engine(engine: Any, queries: dict[str, str], *, per_page: int = 10) -> dict[str, float]:
    """Wall time per question of the everyday search (top 10 documents, snippets,
    expansion on), measured in process after one warm-up query."""

    times: list[float] = []
    qs = list(queries.values())
    if qs:
        with contextlib.suppress(DuizhaoError):
            engine.search(SearchRequest(q=qs[0], per_page=per_page))
    for q in qs:
        t0 = time.perf_counter()
        try:
            engine.search(SearchRequest(q=q, per_page=per_page))
        except DuizhaoError:
            continue
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "median_ms": round(statistics.median(times), 1) if times else 0.0,
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1) if times else 0.0,
        "queries": len(times),
    }


def doc_qrels(qrels: dict[str, set[tuple[str, str]]]) -> dict[str, set[str]]:
    return {q: {d for d, _ in rel} for q, rel in qrels.items()}


def evaluate_stard(
    engine: Any,
    queries: dict[str, str],
    qrels: dict[str, set[tuple[str, str]]],
    *,
    baseline: Any = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Scores of the engine (with and without expansion) and the baseline."""
    judged = {q: r for q, r in qrels.items() if q in queries}
    asked = {q: queries[q] for q in judged}
    dq = doc_qrels(judged)
    systems: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for name, expand in (("duizhao", True), ("duizhao_no_expansion", False)):
        run = run_engine(engine, asked, expand=expand, progress=progress)
        errors.update(run.errors)
        systems[name] = {
            "article": score_run(run.articles, judged),
            "document": score_run(run.documents, dq),
        }
    if baseline is not None:
        t0 = time.perf_counter()
        arts = {q: baseline.rank_articles(text, DEPTH) for q, text in asked.items()}
        docs = {q: baseline.rank_documents(text, DEPTH) for q, text in asked.items()}
        systems["baseline"] = {
            "article": score_run(arts, judged),
            "document": score_run(docs, dq),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        if progress:
            progress(f"baseline: {len(asked)} questions")
    latency = time_engine(engine, asked)
    return {
        "questions": len(asked),
        "questions_without_qrels": len(set(queries) - set(judged)),
        "qrels_without_question": len(set(qrels) - set(queries)),
        "errors": errors,
        "systems": systems,
        "latency": latency,
    }


def evaluate_known_items(engine: Any, items: list[tuple[str, str]]) -> dict[str, Any]:
    """Top-1 / top-10 success of English-title queries over the Chinese fields."""

    missing = []
    present = []
    for rid, title in items:
        try:
            engine.get_document(rid)
        except NotFound:
            missing.append(rid)
            continue
        present.append((rid, title))
    out: dict[str, Any] = {"records": len(items), "not_indexed": missing}
    for name, expand in (("with_expansion", True), ("without_expansion", False)):
        first = top10 = 0
        ranks: dict[str, int | None] = {}
        for rid, title in present:
            try:
                resp = engine.search(
                    SearchRequest(q=title, fields=KNOWN_ITEM_FIELDS, per_page=10, expand=expand)
                )
                ids = [h.doc.id for h in resp.hits]
            except DuizhaoError:
                ids = []
            rank = ids.index(rid) + 1 if rid in ids else None
            ranks[rid] = rank
            first += rank == 1
            top10 += rank is not None
        n = len(present)
        out[name] = {
            "first": round(first / n, 4) if n else 0.0,
            "top10": round(top10 / n, 4) if n else 0.0,
            "first_count": first,
            "top10_count": top10,
            "ranks": ranks,
        }
    out["searched"] = len(present)
    return out


# --- output -----------------------------------------------------------------------------


SYSTEM_NAMES = {
    "duizhao": "duizhao",
    "duizhao_no_expansion": "duizhao, no expansion",
    "baseline": "jieba + BM25 baseline",
}


def format_stard(rep: dict[str, Any]) -> str:
    lines = [
        f"STARD: {rep['questions']} questions with qrels"
        + (f" ({len(rep['errors'])} failed)" if rep["errors"] else "")
    ]
    base = rep["systems"].get("baseline")
    for level in ("article", "document"):
        lines.append("")
        lines.append(f"{level} level".ljust(26) + "".join(m.rjust(10) for m in METRICS))
        for key, sysrep in rep["systems"].items():
            row = SYSTEM_NAMES.get(key, key).ljust(26)
            row += "".join(f"{sysrep[level][m]:10.4f}" for m in METRICS)
            lines.append(row)
        if base is not None and "duizhao" in rep["systems"]:
            ours = rep["systems"]["duizhao"][level]
            rel = []
            for m in METRICS:
                b = base[level][m]
                rel.append(f"{(ours[m] / b - 1) * 100:+9.1f}%" if b else "       n/a")
            lines.append("duizhao vs baseline".ljust(26) + "".join(rel))
    lat = rep["latency"]
    lines.append("")
    lines.append(
        f"time per question (top 10, snippets, expansion on): median {lat['median_ms']:.1f} ms, "
        f"p95 {lat['p95_ms']:.1f} ms, max {lat['max_ms']:.1f} ms over {lat['queries']}"
    )
    for qid, msg in list(rep["errors"].items())[:5]:
        lines.append(f"  question {qid} failed: {msg}")
    return "\n".join(lines)


def format_known_items(rep: dict[str, Any]) -> str:
    lines = [
        f"known items: {rep['searched']} of {rep['records']} records searched by English title "
        f"over the Chinese fields"
    ]
    if rep["not_indexed"]:
        lines.append(
            f"  not in the index ({len(rep['not_indexed'])}): "
            + ", ".join(rep["not_indexed"][:10])
            + (" ..." if len(rep["not_indexed"]) > 10 else "")
        )
    for name in ("with_expansion", "without_expansion"):
        r = rep[name]
        lines.append(
            f"  {name.replace('_', ' '):18}  first {r['first'] * 100:5.1f}% "
            f"({r['first_count']})   top 10 {r['top10'] * 100:5.1f}% ({r['top10_count']})"
        )
    return "\n".join(lines)


# --- the command ------------------------------------------------------------------------


def run_cli(args: Any) -> int:
    """``duizhao eval``: print (or ``--json``) the STARD table and/or known-item rates."""

    queries_arg = getattr(args, "queries", None)
    qrels_arg = getattr(args, "qrels", None)
    known_arg = getattr(args, "known_items", None)
    if bool(queries_arg) != bool(qrels_arg):
        raise InputError(
            "--queries and --qrels go together", "give both, or neither for the STARD dev set"
        )
    run_stard = bool(queries_arg) or not known_arg
    queries = qrels = None
    items = None
    data = shared_data_dir()
    if run_stard:
        qpath = Path(queries_arg) if queries_arg else data / "stard" / "dev_queries.tsv"
        rpath = Path(qrels_arg) if qrels_arg else data / "stard" / "dev_qrels.tsv"
        queries = read_queries(qpath)
        qrels = read_qrels(rpath)
    if known_arg:
        items = read_known_items(known_arg)

    def progress(msg: str) -> None:
        print(f"eval: {msg}", file=sys.stderr, flush=True)

    engine = Engine(getattr(args, "index", None), glossary=glossary_from_args(args))
    report: dict[str, Any] = {}
    if run_stard:
        assert queries is not None and qrels is not None
        baseline = None
        if not getattr(args, "no_baseline", False):
            laws = data / "laws.jsonl.gz"
            if not laws.is_file():
                raise InputError(
                    f"the baseline needs {laws}", "pass --no-baseline to skip the baseline"
                )
            t0 = time.perf_counter()
            baseline = build_baseline(laws)
            progress(
                f"baseline index: {len(baseline.articles):,} articles "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        report["stard"] = evaluate_stard(
            engine, queries, qrels, baseline=baseline, progress=progress
        )
    if items is not None:
        report["known_items"] = evaluate_known_items(engine, items)
    if getattr(args, "json", False):
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        parts = []
        if "stard" in report:
            parts.append(format_stard(report["stard"]))
        if "known_items" in report:
            parts.append(format_known_items(report["known_items"]))
        print("\n\n".join(parts))
    return 0
