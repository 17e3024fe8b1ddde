"""A search's cost, estimated from its parsed query before it runs.

Place in the flow: the front server (web/front.py, via web/admission.py) -> **cost**
-> a lane: a search estimated costly needs one of a few "costly" slots (an export one
of the "bulk" slots), so a client looping the costliest allowed queries cannot take
every worker thread and ordinary searches keep flowing.

The estimate reads only the query's structure -- the units ``parse_query`` makes of
it, as the plan will -- and the request's options, never the index (the front server
has none open). It counts what the benchmarks show costs time (benchmarks/flood_bench.py,
benchmarks/deadline_bench.py): every phrase (positions are checked for each candidate),
every exclusion (its matches are found and removed), every OR alternative (a union to
score), a long question's words (ranked by any word: many postings), English words
there (each may expand to Chinese), facets, date sort, big and deep pages, and the
endpoints that find every match (exports, charts) or render many hits (feeds).
A wrong estimate costs little either way: the per-search deadline bounds every
search, and the lane only decides who waits.

Points: a plain search of a few words is 1-3; ``COSTLY`` and above goes to the
costly lane.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.errors import DuizhaoError
from search.query import LONG_QUERY_TERMS, parse_query

COSTLY = 6  # points from which a request takes a costly slot
BIG_PAGE = 20  # hits per page above which snippets and records add cost
DEEP_OFFSET = 200  # results skipped from which a page counts as deep


@dataclass(frozen=True)
class Cost:
    points: float
    reasons: tuple[str, ...] = ()
    bulk: bool = False  # an export: reads every match, for seconds by design

    @property
    def costly(self) -> bool:
        return self.points >= COSTLY


def query_points(q: str) -> tuple[float, list[str]]:
    """Points for the query text alone; a query the parser refuses costs nothing here
    (the app answers it with a 400 at once)."""
    try:
        pq = parse_query(q, allow_empty=True)
    except DuizhaoError:
        return 0.0, []
    points = 0.0
    why: list[str] = []
    phrases = [u for u in pq.units if u.phrase]
    if phrases:
        points += 3 * len(phrases)
        why.append(f"{len(phrases)} phrases")
    negated = [u for u in pq.units if u.negated]
    if negated:
        points += 2 * len(negated)
        why.append(f"{len(negated)} exclusions")
    alternatives = [u for u in pq.units if u.or_group >= 0]
    if alternatives:
        points += len(alternatives) - 1
        why.append(f"{len(alternatives)} OR alternatives")
    words = [t for u in pq.positive_units if not u.phrase for t in u.terms]
    if pq.long or len(words) > LONG_QUERY_TERMS:
        english = sum(t.isascii() for t in words)
        points += len(words) / 8 + english / 4
        why.append(f"{len(words)} words ({english} English) ranked by any word")
    return points, why


def estimate(
    q: str,
    *,
    facets: bool = False,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 10,
    endpoint: str = "search",
) -> Cost:
    """The cost of one request. ``endpoint``: "search" (a page or the API), "feed",
    "chart" (every match is counted) or "export" (every match is read: always costly)."""
    points, why = query_points(q)
    points += 1
    if endpoint == "export":
        return Cost(max(points, COSTLY), (*why, "export"), bulk=True)
    if facets:
        points += 1
        why.append("facets")
    if sort != "relevance":
        points += 1
        why.append("date sort")
    if per_page > BIG_PAGE:
        points += per_page / 25  # a snippet and a record per hit
        why.append(f"{per_page} per page")
    if (page - 1) * per_page >= DEEP_OFFSET:
        points += 2
        why.append("deep page")
    if endpoint == "chart":
        points += 2
        why.append("chart")
    elif endpoint == "feed":
        points += 1
        why.append("feed")
    return Cost(points, tuple(why))
