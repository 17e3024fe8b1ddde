"""Title-first ranking: documents whose title holds the whole query come first.

Place in the flow: the Whoosh backend's vectorized relevance path calls
:func:`rank_title_first` for plans with ``title_first`` set (titles, law names,
keywords -- see ``search.profiles``). It re-orders what plain matching found;
it never adds or drops a document (combine, don't switch).

Order, per document:

1. an exact title (every query word in the title, and the title exactly as many
   index tokens long as one of ``plan.exact_title_lengths``);
2. every query clause matched in a title field (Chinese title, attested or
   draft English title) -- among these: higher level first (法律 > 行政法规 >
   国务院 and its offices > departments > local), then in force, then newer,
   then the text score. Title-only records compete on equal terms: only titles
   and metadata decide inside this tier;
3. everything else by its text score.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from index.plan import Plan

TITLE_FIELDS = ("title", "title_en", "title_draft")
TITLE_ORIGINS = ("user", "curated", "user-glossary")  # dictionary senses do not count

# Higher is more authoritative (see module doc). Facts about the corpus's values:
# levels of the laws data, 全国 as the national region, State Council issuers.
LEVEL_RANK = {
    "宪法": 8,
    "法律": 7,
    "行政法规": 6,
    "司法解释": 5,
    "部门规章": 3,
    "地方性法规": 2,
    "案例": 0,
    "其他": 0,
}
CENTRAL_ISSUERS = ("国务院", "中共中央", "全国人民代表大会", "中央军委")
NATIONAL_REGION = "全国"
CENTRAL_RANK = 4
NATIONAL_RANK = 3
LOCAL_RANK = 1
STATUS_RANK = {"现行有效": 2, "": 1, "未知": 1, "尚未生效": 1}  # anything else (已废止 ...) 0


def level_rank(level: str, region: str, issuer: str) -> int:
    """Authority of one document, from its level, region and issuer."""
    if level in LEVEL_RANK:
        return LEVEL_RANK[level]
    if region == NATIONAL_REGION:
        return CENTRAL_RANK if (issuer or "").startswith(CENTRAL_ISSUERS) else NATIONAL_RANK
    return LOCAL_RANK


def _static(cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document: level rank, status rank, date (cached per index generation)."""
    got = getattr(cache, "_title_rank_static", None)
    if got is None:
        fv = cache.facet_values
        lv, rg, iss, st = fv["level"], fv["region"], fv["issuer"], fv["status"]
        n = len(lv)
        level = np.fromiter(
            (level_rank(lv[o] or "", rg[o] or "", iss[o] or "") for o in range(n)),
            dtype=np.int8,
            count=n,
        )
        status = np.fromiter((STATUS_RANK.get(st[o] or "", 0) for o in range(n)), np.int8, n)
        dates = np.asarray(cache.dates, dtype=np.int64)
        got = (level, status, dates)
        cache._title_rank_static = got  # noqa: SLF001 - per-generation cache lives on it
    return got


def _title_lengths(s: Any, cache: Any) -> np.ndarray:
    lengths = getattr(cache, "_title_rank_lengths", None)
    if lengths is None:
        scorer = cache.term_scorer(s, "title")
        lengths = np.nan_to_num(scorer.lengths[cache.head_array()]).astype(np.int32)
        cache._title_rank_lengths = lengths  # noqa: SLF001
    return lengths


def title_match(s: Any, plan: Plan, cache: Any) -> np.ndarray:
    """Per document: every positive clause matched in one of its title fields."""
    from whoosh import query as Q

    doc_ord = cache.doc_ord_array()
    ndocs = len(cache.doc_ids)
    out: np.ndarray | None = None
    for c in plan.clauses:
        if c.occur == "must_not":
            continue
        hit = np.zeros(ndocs + 1, dtype=bool)  # last slot: records of no live document
        for a in c.alts:
            if a.origin not in TITLE_ORIGINS:
                continue
            for f in a.fields:
                if f not in TITLE_FIELDS:
                    continue
                if a.phrase:
                    ids = np.fromiter(s.docs_for_query(Q.Phrase(f, list(a.words))), np.int64)
                else:
                    ids = cache.term_scorer(s, f).postings(s, a.words[0])[0]
                if len(ids):
                    hit[doc_ord[ids]] = True  # -1 lands on the spare slot
        hit = hit[:ndocs]
        out = hit if out is None else (out & hit)
    return out if out is not None else np.zeros(ndocs, dtype=bool)


def rank_title_first(
    s: Any, plan: Plan, cache: Any, scores: np.ndarray, keep: np.ndarray
) -> tuple[list[tuple[int, float, int]], int, list[int]]:
    """(hits as (record, score, document ordinal), total documents, every matching ordinal)."""
    doc_ord = cache.doc_ord_array()
    nz = np.flatnonzero(keep)
    ndocs = len(cache.doc_ids)
    best = np.zeros(ndocs, dtype=np.float32)
    if len(nz):
        np.maximum.at(best, doc_ord[nz], scores[nz])
    cand = np.flatnonzero(best > 0)
    want = plan.offset + plan.limit
    if not len(cand):
        return [], 0, []
    in_title = title_match(s, plan, cache)[cand]
    level, status, dates = _static(cache)
    exact = np.zeros(len(cand), dtype=bool)
    if plan.exact_title_lengths:
        lengths = _title_lengths(s, cache)[cand]
        exact = in_title & np.isin(lengths, np.asarray(plan.exact_title_lengths))
    tier_idx = np.flatnonzero(in_title)
    rest_idx = np.flatnonzero(~in_title)
    order: list[int] = []
    if len(tier_idx):
        t = cand[tier_idx]
        # np.lexsort: the last key is the primary one.
        keys = (
            np.asarray([cache.doc_ids[o] for o in t]) if len(t) <= 5000 else np.zeros(len(t)),
            -best[t],
            -dates[t],
            -status[t].astype(np.int16),
            -level[t].astype(np.int16),
            ~exact[tier_idx],
        )
        order.extend(t[np.lexsort(keys)][:want].tolist())
    if len(order) < want and len(rest_idx):
        r = cand[rest_idx]
        need = want - len(order)
        if need < len(r):
            r = r[np.argpartition(-best[r], need - 1)[:need]]
        r = sorted(r.tolist(), key=lambda o: (-round(float(best[o]), 5), cache.doc_ids[o]))
        order.extend(r[:need])
    chosen = np.asarray(order, dtype=np.int64)
    # The best-scoring record of each chosen document is its hit (its best passage).
    mask = np.isin(doc_ord[nz], chosen)
    recs = nz[mask]
    recs = recs[scores[recs] >= best[doc_ord[recs]]]
    first: dict[int, int] = {}
    for d in recs.tolist():
        first.setdefault(int(doc_ord[d]), d)
    hits = [(first.get(o, cache.head_docnum[o]), float(best[o]), o) for o in order]
    return hits, len(cand), cand.tolist()
