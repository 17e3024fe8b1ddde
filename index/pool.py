"""A pool of top passages ranked again above the index, in one search.

Place in the flow: ``search.question`` re-ranks a question's top few hundred
articles (by their law's support and their headings) and ranks its documents by
those articles. It needs that pool *and* the plain ranking's hits, totals and
facets -- but the stored documents of only the page it shows. :func:`search_pool`
asks a backend that offers ``search_pool`` for all of it from one scoring pass
(Whoosh: ``index.whoosh_pool``): pool hits carry no document, only their
headings, and only the page's documents are read. Xapian
(``XapianBackend.search_pool``) takes a question's documents: the pool, then the
plain ranking only when ``rerank`` asks for it, else the counted totals and
facets. Any other backend -- or a plan a backend leaves to the plain path -- gets
:func:`two_searches`, the same results from two plain searches (``Backend.search``).

A backend's ``search_pool(plan, pool, rerank, *, deadline=None)`` returns the
``RawResults`` described at :func:`search_pool`, or None for a plan it does not
take (then :func:`two_searches` runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from index.deadline import Deadline
from index.document import Document
from index.plan import Backend, Plan, RawHit, RawResults


@dataclass(slots=True)
class PoolHit:
    """A ranked passage, its document not necessarily read."""

    doc_id: str
    score: float
    passage: int  # index into Document.passages (0 = head)
    heading: str = ""  # Document.heading(passage); set on the pool's articles
    document: Document | None = None  # None: read when the hit is on the page
    matched: dict[str, float] = field(default_factory=dict)  # explain only

    def rescored(self, score: float) -> PoolHit:
        """This hit with another score (``dataclasses.replace``, several times cheaper)."""
        return PoolHit(self.doc_id, score, self.passage, self.heading, self.document, self.matched)


# (the pool's articles best first, the plain ranking's first offset + limit hits when
# called) -> the page's hits, in order
Rerank = Callable[[list[PoolHit], Callable[[], list[PoolHit]]], list[PoolHit]]


def search_pool(
    backend: Backend,
    plan: Plan,
    pool: int,
    rerank: Rerank,
    *,
    explain: bool = False,
    deadline: Deadline | None = None,
) -> RawResults:
    """``plan``'s totals, facets and ``partial`` flag, with the hits ``rerank`` makes of
    the top ``pool`` passages (``collapse`` off, offset 0, no facets, best first), given
    also a function returning the plain ranking's first ``offset + limit`` hits (one per
    document when ``plan.collapse``; an empty list otherwise): the page's hits, whose
    documents are then read. ``explain`` takes the two plain searches (it scores each
    pool hit)."""
    native = None if explain else getattr(backend, "search_pool", None)
    if native is not None:
        res = native(plan, pool, rerank, deadline=deadline)
        if res is not None:
            return res
    return two_searches(backend, plan, pool, rerank, explain=explain, deadline=deadline)


def pool_hit(h: RawHit) -> PoolHit:
    """A backend hit as a pool hit (document read, heading set)."""
    return PoolHit(
        h.doc_id, h.score, h.passage, h.document.heading(h.passage), h.document, h.matched
    )


def raw_hit(h: PoolHit, document: Document) -> RawHit:
    return RawHit(h.doc_id, h.score, h.passage, document, h.matched)


def two_searches(
    backend: Backend,
    plan: Plan,
    pool: int,
    rerank: Rerank,
    *,
    explain: bool = False,
    deadline: Deadline | None = None,
) -> RawResults:
    """:func:`search_pool` from plain searches: the pool (for passages, the plan's own
    search), then, for documents, the plain collapsed one -- which lists only the hits
    ``rerank`` asks for (else one: its totals and facets are what is wanted)."""
    if not plan.collapse:
        raw = backend.search(
            replace(plan, offset=0, limit=pool), explain=explain, deadline=deadline
        )
        page = rerank([pool_hit(h) for h in raw.hits], list)
        raw.hits = [raw_hit(h, h.document) for h in page if h.document is not None]
        return raw
    arts = backend.search(
        replace(plan, collapse=False, offset=0, limit=pool, facets=False),
        explain=explain,
        deadline=deadline,
    )
    plain: list[RawResults] = []

    def documents() -> list[PoolHit]:
        if not plain:
            want = plan.offset + plan.limit
            plain.append(
                backend.search(
                    replace(plan, offset=0, limit=want), explain=explain, deadline=deadline
                )
            )
        return [pool_hit(h) for h in plain[0].hits]

    page = rerank([pool_hit(h) for h in arts.hits], documents)
    raw = plain[0] if plain else None
    if raw is None:
        raw = backend.search(replace(plan, offset=0, limit=1), explain=explain, deadline=deadline)
    raw.hits = [raw_hit(h, h.document) for h in page if h.document is not None]
    raw.partial = raw.partial or arts.partial
    return raw
