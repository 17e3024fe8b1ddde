"""The relevance suite: one query set per kind of query people type (``duizhao eval --suite``).

Place in the flow: a face-independent library beside ``search.evaluate``; it asks
the engine (``search.engine``) and the title lookup (``search.titles``) and prints
one table.

Every set is built from the sample corpus with a fixed seed, and every item is put
in one of two halves by a fixed hash of (set name, item key): **tune** -- the only
half that may be looked at while changing the ranking -- and **report**, the half
whose figures are results. The table prints both, labelled, never mixed.

Sets (the right answer in brackets):

* ``title_law`` / ``title_policy``: a document's exact Chinese title [that document
  first; a document with the very same title -- a reprint -- counts, nothing can
  order two records with one title];
* ``law_short``: a 中华人民共和国… law's title without that prefix [the law first];
* ``topic_zh`` / ``topic_en``: a curated glossary policy term found in at least
  ``MIN_TOPIC_TITLES`` titles, typed in Chinese or as its preferred English
  rendering [a hit whose Chinese title holds the term -- or, for English, whose
  English title holds every (stemmed) word of the rendering; P@1 and the share of the top 10 that are
  such hits, out of what the corpus allows: min(10, titles holding the term)];
* ``docnum``: a 文号 written in one of several styles, the style chosen by the
  item's hash [a document carrying that number first];
* ``en_title``: the English titles of ``en_titles/dev.jsonl`` searched over the
  Chinese fields only (the record's own English title cannot match) [the record
  first / in the top 10], in the search box and in the title lookup. The curated
  glossary was partly mined from this set (``index/glossary_suggest.py``), so
  even its report half flatters;
* ``stard``: the STARD dev questions (article R@100, nDCG@10, document R@10).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.analysis import terms
from index.config import shared_data_dir
from index.docnumber import DocNumber, parse_docnum
from index.document import Document
from index.errors import DuizhaoError, InputError
from index.glossary import glossary_from_args
from index.normalize import to_simplified
from index.readers import read_file
from index.scripts import all_han
from search.engine import Engine, SearchRequest
from search.evaluate import (
    KNOWN_ITEM_FIELDS,
    doc_qrels,
    read_known_items,
    read_qrels,
    read_queries,
    run_engine,
    score_run,
)
from search.titles import lookup_title

SEED = 11
SET_SIZE = 200  # items drawn per set before the split (about half are reported)
TOPIC_SET_SIZE = 120
MIN_TOPIC_TITLES = 5  # a topic term must stand in at least this many titles
LAW_PREFIX = "中华人民共和国"
HALVES = ("report", "tune")
HALF_LABELS = {"report": "report", "tune": "tune (used for tuning — not a result)"}
DOCNUM_STYLES = ("〔〕", "[]", "()", "【】", "（）", "en")

_SPACES = re.compile(r"\s+")


def half_of(set_name: str, key: str) -> str:
    """'tune' or 'report', fixed forever by a hash of the set name and the item key."""
    h = hashlib.sha1(f"{set_name}\x00{key}".encode()).digest()
    return "tune" if h[0] % 2 == 0 else "report"


def fold_of(set_name: str, key: str) -> str:
    """'A' or 'B': a fixed split of a set's items, used inside the tune half to check
    that a tuned setting helps on both of two disjoint groups of questions
    (``benchmarks/question_folds.py``, docs/relevance-rounds.md, "Questions, seventh round"). Salted
    apart from :func:`half_of`, so the folds do not follow the halves' hash bits."""
    h = hashlib.sha1(f"fold\x00{set_name}\x00{key}".encode()).digest()
    return "A" if h[0] % 2 == 0 else "B"


def compact(text: str) -> str:
    """Simplified, without spaces: the form titles are compared in."""
    return _SPACES.sub("", to_simplified(text or ""))


# --- the sets -----------------------------------------------------------------------------


@dataclass
class Item:
    set: str
    key: str  # identifies the item (for the split)
    query: str
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def half(self) -> str:
        return half_of(self.set, self.key)


def _corpus(data: Path) -> list[Document]:

    docs: list[Document] = []
    for name in ("laws.jsonl.gz", "policy_titles.csv.gz", "work_reports.jsonl.gz"):
        path = data / name
        if path.is_file():
            docs.extend(d for d in read_file(path) if isinstance(d, Document))
    if not docs:
        raise InputError(
            f"no sample data in {data}", "put the sample data folder beside the checkout"
        )
    return docs


def _fresh_draw(
    items: list, salt: str, draw: int, take: Callable[[random.Random, list], list]
) -> list:
    """What ``take`` draws from ``items`` ((key, value) pairs), the same for ever for
    one ``draw``; ``take`` returns pairs or items with a ``key``.

    Draw 0 is the suite's own sets. A later draw is a fresh set: drawn with another
    seed from what no earlier draw took, so its items were never looked at while
    tuning (``duizhao eval --suite --draw N``)."""
    for k in range(draw + 1):
        seed = f"{SEED}:{salt}" if k == 0 else f"{SEED}:{salt}:draw{k}"
        taken = take(random.Random(seed), items)
        if k == draw:
            return taken
        gone = {t.key if isinstance(t, Item) else t[0] for t in taken}
        items = [kv for kv in items if kv[0] not in gone]
    return []


def _sample(items: list, n: int, salt: str, draw: int = 0) -> list:
    """``n`` of ``items`` ((key, value) pairs) of one ``draw`` (:func:`_fresh_draw`)."""

    def take(rng: random.Random, pool: list) -> list:
        return pool if len(pool) <= n else rng.sample(pool, n)

    return _fresh_draw(sorted(items, key=lambda x: x[0]), salt, draw, take)


def title_sets(docs: list[Document], draw: int = 0) -> list[Item]:
    laws = [(d.id, d) for d in docs if d.source == "laws" and d.title]
    policies = [(d.id, d) for d in docs if d.source == "policy_titles" and d.title]
    out = []
    for name, pool in (("title_law", laws), ("title_policy", policies)):
        for did, d in _sample(pool, SET_SIZE, name, draw):
            out.append(Item(name, did, d.title, {"id": did, "title": compact(d.title)}))
    shorts = [
        (d.id, d)
        for d in docs
        if d.source == "laws"
        and d.title.startswith(LAW_PREFIX)
        and len(d.title) > len(LAW_PREFIX) + 1
    ]
    for did, d in _sample(shorts, SET_SIZE, "law_short", draw):
        out.append(
            Item(
                "law_short", did, d.title[len(LAW_PREFIX) :], {"id": did, "title": compact(d.title)}
            )
        )
    return out


def topic_sets(docs: list[Document], glossary: Any, draw: int = 0) -> list[Item]:
    """Policy terms of the curated glossary that head enough titles, in both languages
    (a later ``draw``: terms no earlier draw took, as :func:`_sample`)."""
    titles = [compact(d.title) for d in docs if d.title]
    # What the top 10 can hold: a record a site lists twice is one result
    # (index.document.without_copies), so its copies are counted once.
    copies = {d.copy_key: d for d in docs if d.title}
    distinct_titles = [compact(d.title) for d in copies.values()]
    candidates = []
    for e in glossary.entries():
        if e.category != "policy" or e.source != "curated" or not e.preferred:
            continue
        if not 2 <= len(e.zh) <= 8 or not all_han(e.zh):
            continue
        candidates.append((e.zh, e))
    candidates.sort(key=lambda kv: kv[0])

    def take(rng: random.Random, pool: list) -> list:
        order = list(pool)
        rng.shuffle(order)
        return _topic_items(order, titles, distinct_titles)

    return _fresh_draw(candidates, "topics", draw, take)


def _topic_items(candidates: list, titles: list[str], distinct_titles: list[str]) -> list[Item]:
    """Items of the terms that head enough ``titles`` (every record: the draw stays what
    it was), each with how many title hits its top 10 can hold (``distinct_titles``)."""
    out: list[Item] = []
    for zh, e in candidates:
        n = sum(1 for t in titles if zh in t)
        if n < MIN_TOPIC_TITLES:
            continue
        available = min(10, sum(1 for t in distinct_titles if zh in t))
        answer = {"term": zh, "en": e.preferred.lower(), "available": available}
        out.append(Item("topic_zh", zh, zh, answer))
        out.append(Item("topic_en", zh, e.preferred, answer))
        if len(out) >= 2 * TOPIC_SET_SIZE:
            break
    return out


def english_form(dn: DocNumber) -> str | None:
    """'Guobanfa (2019) No. 38' from the pinyin key (None when a character has no reading)."""
    code = dn.pinyin_key.split("-")[0]
    if not code.isascii() or not code.isalpha():
        return None
    if dn.year:
        return f"{code.capitalize()} ({dn.year}) No. {dn.number}"
    return f"{code.capitalize()} No. {dn.number}"


def docnum_set(docs: list[Document], draw: int = 0) -> list[Item]:
    pool = []
    for d in docs:
        dn = parse_docnum(d.docnum) if d.docnum else None
        if dn is not None and dn.year:
            pool.append((d.id, (d, dn)))
    out = []
    for did, (_d, dn) in _sample(pool, SET_SIZE, "docnum", draw):
        style = DOCNUM_STYLES[int(hashlib.sha1(did.encode()).hexdigest(), 16) % len(DOCNUM_STYLES)]
        if style == "en":
            q = english_form(dn)
            if q is None:
                style, q = "〔〕", dn.key
        else:
            q = f"{dn.prefix}{style[0]}{dn.year}{style[1]}{dn.number}号"
        out.append(Item("docnum", did, q, {"key": dn.key, "pinyin": dn.pinyin_key, "style": style}))
    return out


def en_title_set(path: Path) -> list[Item]:

    if not path.is_file():
        return []
    return [Item("en_title", rid, title, {"id": rid}) for rid, title in read_known_items(path)]


# --- judging ------------------------------------------------------------------------------


def _title_hit(hit: Any, answer: dict[str, Any], english: bool) -> bool:
    if answer["term"] in compact(hit.doc.title):
        return True
    if english:
        # The rendering's index terms (stemmed: "pharmaceuticals" ~ "Pharmaceutical")
        # all in one English title.
        want = set(terms(answer["en"]))
        return bool(want) and any(want <= set(terms(t.text)) for t in hit.doc.titles_en)
    return False


def _docnum_hit(hit: Any, answer: dict[str, Any]) -> bool:
    dn = parse_docnum(hit.doc.docnum) if hit.doc.docnum else None
    if dn is None:
        return False
    if answer["style"] == "en":
        return dn.pinyin_key == answer["pinyin"]
    return dn.key == answer["key"]


def judge(item: Item, hits: list[Any]) -> dict[str, float]:
    """The item's metrics from its top 10 hits (engine ``Hit`` objects)."""
    a = item.answer
    if item.set in ("title_law", "title_policy", "law_short"):
        ok = [h.doc.id == a["id"] or compact(h.doc.title) == a["title"] for h in hits[:10]]
        return {"first": float(bool(ok and ok[0])), "top10": float(any(ok))}
    if item.set in ("topic_zh", "topic_en"):
        ok = [_title_hit(h, a, item.set == "topic_en") for h in hits[:10]]
        return {
            "first": float(bool(ok and ok[0])),
            "title_share": min(1.0, sum(ok) / a["available"]) if a["available"] else 1.0,
        }
    if item.set == "docnum":
        ok = [_docnum_hit(h, a) for h in hits[:10]]
        return {"first": float(bool(ok and ok[0])), "top10": float(any(ok))}
    if item.set == "en_title":
        ids = [h.doc.id for h in hits[:10]]
        return {"first": float(bool(ids) and ids[0] == a["id"]), "top10": float(a["id"] in ids)}
    raise ValueError(item.set)


# --- running ------------------------------------------------------------------------------


@dataclass
class SetResult:
    name: str
    metrics: tuple[str, ...]
    values: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: {h: {} for h in HALVES}
    )
    failures: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: {h: [] for h in HALVES}
    )

    def add(self, half: str, scores: dict[str, float]) -> None:
        for k, v in scores.items():
            self.values[half].setdefault(k, []).append(v)

    def count(self, half: str) -> int:
        vals = self.values[half]
        return len(next(iter(vals.values()))) if vals else 0

    def mean(self, half: str, metric: str) -> float | None:
        vals = self.values[half].get(metric)
        return sum(vals) / len(vals) if vals else None


KEY_METRICS = {
    "title_law": ("first", "top10"),
    "title_policy": ("first", "top10"),
    "law_short": ("first", "top10"),
    "topic_zh": ("first", "title_share"),
    "topic_en": ("first", "title_share"),
    "docnum": ("first", "top10"),
    "en_title": ("first", "top10"),
    "en_title_lookup": ("first", "top10"),
    "stard": ("art_R@100", "art_nDCG@10", "doc_R@10"),
}


def _search_hits(engine: Any, item: Item) -> list[Any]:

    fields = KNOWN_ITEM_FIELDS if item.set == "en_title" else None
    try:
        return engine.search(SearchRequest(q=item.query, per_page=10, fields=fields)).hits
    except DuizhaoError:
        return []


def run_items(
    engine: Any, items: Iterable[Item], results: dict[str, SetResult], halves: tuple[str, ...]
) -> None:
    for item in items:
        if item.half not in halves:
            continue
        res = results.setdefault(item.set, SetResult(item.set, KEY_METRICS[item.set]))
        hits = _search_hits(engine, item)
        scores = judge(item, hits)
        res.add(item.half, scores)
        if scores.get("first", 1.0) < 1.0:
            top = hits[0].doc.title if hits else "(no hits)"
            res.failures[item.half].append((item.query, top))


def run_title_lookup(
    engine: Any, items: list[Item], results: dict[str, SetResult], halves: tuple[str, ...]
) -> None:
    """The English titles through the title lookup (own English titles unused)."""

    res = results.setdefault("en_title_lookup", SetResult("en_title_lookup", ("first", "top10")))
    for item in items:
        if item.set != "en_title" or item.half not in halves:
            continue
        try:
            cands = lookup_title(engine, item.query, 10, use_title_en=False).candidates
        except DuizhaoError:
            cands = []
        ids = [c.doc.id for c in cands]
        res.add(
            item.half,
            {
                "first": float(bool(ids) and ids[0] == item.answer["id"]),
                "top10": float(item.answer["id"] in ids),
            },
        )


def run_stard(
    engine: Any, data: Path, results: dict[str, SetResult], halves: tuple[str, ...]
) -> None:

    qpath, rpath = data / "stard" / "dev_queries.tsv", data / "stard" / "dev_qrels.tsv"
    if not (qpath.is_file() and rpath.is_file()):
        return
    queries, qrels = read_queries(qpath), read_qrels(rpath)
    res = results.setdefault("stard", SetResult("stard", KEY_METRICS["stard"]))
    for half in halves:
        asked = {q: t for q, t in queries.items() if q in qrels and half_of("stard", q) == half}
        judged = {q: qrels[q] for q in asked}
        run = run_engine(engine, asked, expand=True)
        art = score_run(run.articles, judged)
        doc = score_run(run.documents, doc_qrels(judged))
        res.values[half] = {
            "art_R@100": [art["R@100"]] * len(asked),
            "art_nDCG@10": [art["nDCG@10"]] * len(asked),
            "doc_R@10": [doc["R@10"]] * len(asked),
        }


def build_items(data: Path, glossary: Any, draw: int = 0) -> list[Item]:
    """Every set's items; a later ``draw`` redraws the sets drawn from the corpus and
    leaves out the fixed ones (en_titles, STARD), which have nothing to redraw."""
    docs = _corpus(data)
    items = title_sets(docs, draw)
    if glossary is not None:
        items += topic_sets(docs, glossary, draw)
    items += docnum_set(docs, draw)
    if draw == 0:
        items += en_title_set(data / "en_titles" / "dev.jsonl")
    return items


def run_suite(
    engine: Any,
    data: Path,
    *,
    halves: tuple[str, ...] = HALVES,
    sets: tuple[str, ...] | None = None,
    progress: Callable[[str], None] | None = None,
    draw: int = 0,
) -> dict[str, SetResult]:
    """Every set (or ``sets``) on the chosen halves, of the suite's sets or a fresh
    ``draw``."""
    items = build_items(data, engine.glossary, draw)
    if sets:
        items = [i for i in items if i.set in sets]
    results: dict[str, SetResult] = {}
    backend = getattr(engine, "backend", None)
    saved = getattr(backend, "time_limit", None)
    if saved is not None:
        backend.time_limit = max(saved, 60.0)  # quality, not speed: nothing cut short
    try:
        names = dict.fromkeys(i.set for i in items)
        for name in names:
            run_items(engine, (i for i in items if i.set == name), results, halves)
            if progress:
                progress(f"{name} done")
        if sets is None or "en_title_lookup" in sets or "en_title" in sets:
            run_title_lookup(engine, items, results, halves)
        if draw == 0 and (sets is None or "stard" in sets):
            run_stard(engine, data, results, halves)
            if progress:
                progress("stard done")
    finally:
        if saved is not None:
            backend.time_limit = saved
    return results


SET_TITLES = {
    "title_law": "exact title, laws",
    "title_policy": "exact title, policies",
    "law_short": "law short name",
    "topic_zh": "topic keyword, Chinese",
    "topic_en": "topic keyword, English",
    "docnum": "文号, mixed styles",
    "en_title": "English title → original, search box",
    "en_title_lookup": "English title → original, title lookup",
    "stard": "STARD questions",
}


def format_suite(results: dict[str, SetResult], halves: tuple[str, ...] = HALVES) -> str:
    lines = []
    for half in halves:
        lines.append(f"== {HALF_LABELS[half]} ==")
        lines.append(f"{'set':42}{'n':>5}  metrics")
        for name in SET_TITLES:
            res = results.get(name)
            if res is None or not res.count(half):
                continue
            parts = []
            for m in res.metrics:
                v = res.mean(half, m)
                if v is not None:
                    parts.append(f"{m} {v:.3f}")
            lines.append(f"{SET_TITLES[name]:42}{res.count(half):5}  " + "   ".join(parts))
        lines.append("")
    return "\n".join(lines).rstrip()


def suite_json(results: dict[str, SetResult]) -> dict[str, Any]:
    return {
        name: {
            half: {
                "n": res.count(half),
                **{m: res.mean(half, m) for m in res.metrics},
                "failures": res.failures[half][:20],
            }
            for half in HALVES
            if res.count(half)
        }
        for name, res in results.items()
    }


def run_cli(args: Any) -> int:
    """``duizhao eval --suite``: print the table (or ``--json``)."""

    halves = HALVES if not getattr(args, "half", None) else (args.half,)
    draw = getattr(args, "draw", 0) or 0
    if draw < 0:
        raise InputError(f"--draw {draw}: no such draw", "give 0 (the suite's own sets) or more")
    sets = tuple(args.sets.split(",")) if getattr(args, "sets", None) else None
    engine = Engine(getattr(args, "index", None), glossary=glossary_from_args(args))
    try:

        def progress(msg: str) -> None:
            print(f"eval: {msg}", file=sys.stderr, flush=True)

        results = run_suite(
            engine,
            shared_data_dir(),
            halves=halves,
            sets=sets,
            progress=progress,
            draw=draw,
        )
    finally:
        with contextlib.suppress(Exception):
            engine.backend.close()
    if getattr(args, "json", False):
        print(json.dumps(suite_json(results), ensure_ascii=False, indent=1))
    else:
        print(format_suite(results, halves))
    return 0
