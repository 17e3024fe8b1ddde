"""The Whoosh backend's ``search_pool`` (index.pool): one scoring pass for a pool of
top passages and the plain ranking.

Place in the flow: ``WhooshBackend.search_pool`` opens a searcher and calls
:func:`pool_results` for a plan of the vectorized relevance path. The record scores
(``whoosh_ranking.ranked_records``) are computed once; the pool (passages) and the
plain ranking's hits (documents, when collapsed) are both cut from them exactly as
two ``search`` calls would cut them (``whoosh_ranking.top_records``), and the totals
and facets are the plain search's. Pool hits carry their headings from the
per-commit cache (``ReaderCache.heading``), not their documents: only the page's
documents are read.
"""

from __future__ import annotations

from index.deadline import MIN_HITS_WHEN_CUT_SHORT, Deadline
from index.plan import Plan, RawHit, RawResults
from index.pool import PoolHit, Rerank, raw_hit
from index.whoosh_cache import ReaderCache
from index.whoosh_ranking import (
    Scored,
    _docs_of,
    count_facets,
    ranked_records,
    top_records,
    vectorizable,
)


def takes(plan: Plan) -> bool:
    """Whether :func:`pool_results` serves this plan (the vectorized relevance path,
    not title-first); any other is left to ``index.pool.two_searches``."""
    return plan.sort == "relevance" and vectorizable(plan) and not plan.title_first


def pool_results(
    s, allowed, plan: Plan, cache: ReaderCache, pool: int, rerank: Rerank, dl: Deadline
) -> RawResults:
    """``index.pool.search_pool`` for a plan that :func:`takes` (its query not empty)."""
    import numpy as np

    scores, keep = ranked_records(s, allowed, plan, cache, None, dl)
    nz = np.flatnonzero(keep)
    articles = _pool_hits(s, top_records(nz, scores, cache, False, pool), cache, True)
    ords_all = np.flatnonzero(_docs_of(nz, cache)) if plan.collapse or plan.facets else None
    want = plan.offset + plan.limit

    def documents() -> list[PoolHit]:
        if not plan.collapse:
            return []
        return _pool_hits(s, top_records(nz, scores, cache, True, want), cache, False)

    page = rerank(articles, documents)
    total = len(ords_all) if plan.collapse and ords_all is not None else len(nz)
    facets = count_facets(ords_all, cache, plan, dl) if plan.facets else {}
    return RawResults(_read(s, page, cache, dl), total, True, facets)


def _pool_hits(s, ranked: list[Scored], cache: ReaderCache, headings: bool) -> list[PoolHit]:
    """Ranked records as pool hits (no document read; headings from the cache)."""
    out = []
    for docnum, score, ordn in ranked:
        head = cache.head_docnum[ordn]
        pidx = cache.passage_index(s, docnum) if docnum != head else 0
        heading = cache.heading(s, head, pidx) if headings else ""
        out.append(PoolHit(cache.doc_ids[ordn], score, pidx, heading))
    return out


def _read(s, page: list[PoolHit], cache: ReaderCache, dl: Deadline) -> list[RawHit]:
    """The page's hits with their documents (as ``whoosh_ranking.raw_results`` reads them)."""
    out: list[RawHit] = []
    for h in page:
        if len(out) >= MIN_HITS_WHEN_CUT_SHORT and dl.expired():
            break  # out of time: the rest of the page is left unread
        doc = h.document or cache.document(s, cache.head_docnum[cache.ord_of[h.doc_id]])
        out.append(raw_hit(h, doc))
    return out
