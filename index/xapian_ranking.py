"""Ranking in the Xapian backend: a ``Plan`` -> a Xapian query, ranked hits, totals, facets.

Place in the flow: ``XapianBackend.search`` (index.xapian_backend) calls these
functions with this thread's Database (index.xapian_lifecycle):

* ``plan_query``: the plan as one Xapian query (clauses, filters, exclusions);
* ``main_enquire``: the Enquire that ranks it (BM25 with the plan's
  ``RankingProfile``, best passage per document by collapsing on ``S_META``,
  date sorts by value);
* ``title_tiers``: title-first ranking (index.title_rank) as Xapian queries, one
  per tier, without reading every match;
* ``ranked``: every other plan -- a page of hits, or a top large enough for the
  authority prior; facets counted from every match's collapse key.

Terms and value slots are index.xapian_records'.

The deadline is checked between Xapian calls, never handed to Xapian: an Enquire's
``set_time_limit`` crashes the process (segmentation fault) when its timer fires as a
match ends (xapian-bindings 1.4.26; repeated searches under CPU contention crashed 3
of 4 processes). A single call is bounded by its ``check_at_least`` instead.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from index.deadline import Deadline
from index.plan import Alt, Clause, Plan
from index.ranking import RankingProfile
from index.title_rank import REGION_FIELD
from index.xapian_records import (
    HEAD_TERM,
    META_FIELDS,
    PREFIX,
    S_DATE_ASC,
    S_DATE_DESC,
    S_DOCID,
    S_META,
    S_RANK,
    S_TITLE_LEN,
    S_YEAR,
    SEP,
    bterm,
    filter_term,
    parse_meta,
    rank_code,
)

# A tier's head records read at first: need * factor + extra (then ties at the cut).
TIER_HEADS_READ = (2, 20)


class TimeUp(Exception):
    """The deadline passed before the exclusions were known: nothing can be shown."""


@dataclass
class Ranked:
    """A search's outcome before the hits' documents are read."""

    window: list  # (score, MSetItem) of the hits shown, in order
    total: int
    exact: bool
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    tiers: list[str] = field(default_factory=list)  # each hit's title tier (RawHit.tier)


@dataclass(frozen=True)
class Counts:
    """Every matching document counted (``count_matches``): an exact total and, when
    the plan asks, facet counts."""

    total: int
    facets: dict[str, dict[str, int]]


def field_weight(field: str, plan: Plan) -> float:
    """A field's score scale: the plan's ranking profile's index-time boost (Xapian
    has none, so it scales the query) times its query-time weight."""
    r = plan.ranking
    return r.index_boosts.get(field, 1.0) * r.field_weight(field, plan.title_weight)


@functools.lru_cache(maxsize=1 << 15)
def _level_region(key: bytes) -> tuple[str, str]:
    """A collapse key's level and region (a pure function of the key: kept across
    index generations; a document's key is read by every search it matches)."""
    m = parse_meta(key)[1] if key else {}
    return m.get("level", ""), m.get("region", "")


def _authorities(items: list, ranking: RankingProfile) -> list[float]:
    """The authority prior (``RankingProfile.prior``) of each item's document: each key parsed
    once per process and each (level, region) priced once per call -- a question's
    pool reads 1,200 or more items, and parsing every key cost more CPU than the match."""
    priced: dict[tuple[str, str], float] = {}
    out = []
    for it in items:
        lr = _level_region(it.collapse_key)
        a = priced.get(lr)
        if a is None:
            a = priced[lr] = ranking.prior(*lr)
        out.append(a)
    return out


class Item:
    """An MSet item with what ranking and hits read: document number, weight and
    collapse key (the bindings' MSetItem also asks rank, percent and collapse count:
    eight calls into the bindings per item, and a pool of 1,200 items cost ~2 ms).
    ``document`` reads the record as MSetItem's does."""

    __slots__ = ("docid", "weight", "collapse_key", "_mset", "_k")

    def __init__(self, docid: int, weight: float, collapse_key: bytes, mset: Any, k: int) -> None:
        self.docid = docid
        self.weight = weight
        self.collapse_key = collapse_key
        self._mset = mset
        self._k = k

    @property
    def document(self) -> Any:
        return self._mset.get_hit(self._k).document


def mset_items(mset: Any, start: int = 0) -> list[Item]:
    """The items of an MSet (from its ``start``-th), as ``Item``s."""
    out = []
    it, end = mset._begin(), mset._end()
    k = 0
    while it != end:
        if k >= start:
            out.append(Item(it.get_docid(), it.get_weight(), it.get_collapse_key(), mset, k))
        k += 1
        next(it)
    return out


def spy_terms(xapian: Any, spy: Any) -> list[bytes]:
    """The values a ValueCountMatchSpy saw, ascending, as ``spy.values()`` lists them
    -- without the bindings' TermListItem per value, which also reads its count: a
    facet count of 20,000 matching documents spent more CPU there than in the match."""
    c = getattr(xapian, "_xapian", None)
    begin = getattr(c, "ValueCountMatchSpy_values_begin", None)
    end_of = getattr(c, "ValueCountMatchSpy_values_end", None)
    if begin is None or end_of is None:  # pragma: no cover - other bindings
        return [item.term for item in spy.values()]
    out = []
    it, end = begin(spy), end_of(spy)
    while it != end:
        out.append(it.get_term())
        next(it)
    return out


def _max_authority(ranking: RankingProfile) -> float:
    p = ranking.authority_prior
    return max(p.get("level", {}).values(), default=1.0) * max(
        p.get("region", {}).values(), default=1.0
    )


# --- plan -> Xapian query --------------------------------------------------------------


def _alt_query(xapian: Any, alt: Alt, plan: Plan, idf: Callable[[str], float] | None = None) -> Any:
    """One alternative in each of its fields, scaled by its weight (and with ``idf``,
    each term's scale to Whoosh's idf: a phrase by its terms' mean)."""
    parts = []
    for f in alt.fields:
        if f == REGION_FIELD:  # matches its region's documents, scores nothing
            region = xapian.Query(filter_term("region", alt.words[0]))
            parts.append(xapian.Query(xapian.Query.OP_SCALE_WEIGHT, region, 0.0))
            continue
        prefix = PREFIX.get(f)
        if prefix is None:
            continue
        if f == "docnum":
            terms = [bterm(prefix, w.lower()) for w in alt.words]
        else:
            terms = [prefix + w for w in alt.words]
        if len(terms) > 1:
            q = xapian.Query(xapian.Query.OP_PHRASE, terms, len(terms))
        else:
            q = xapian.Query(terms[0])
        scale = alt.weight * field_weight(f, plan)
        if idf is not None and f != "docnum":
            scale *= sum(idf(t) for t in terms) / len(terms)
        parts.append(xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, scale))
    if not parts:
        return xapian.Query()
    return parts[0] if len(parts) == 1 else xapian.Query(xapian.Query.OP_OR, parts)


def _clause_query(
    xapian: Any, c: Clause, plan: Plan, idf: Callable[[str], float] | None = None
) -> Any:
    qs = [_alt_query(xapian, a, plan, idf) for a in c.alts]
    return qs[0] if len(qs) == 1 else xapian.Query(xapian.Query.OP_OR, qs)


def build_query(xapian: Any, plan: Plan, idf: Callable[[str], float] | None = None) -> Any | None:
    """The scoring query of a plan (without exclusions and filters), or None."""
    must = [_clause_query(xapian, c, plan, idf) for c in plan.clauses if c.occur == "must"]
    should = [_clause_query(xapian, c, plan, idf) for c in plan.clauses if c.occur == "should"]
    and_q = xapian.Query(xapian.Query.OP_AND, must) if must else None
    or_q = xapian.Query(xapian.Query.OP_OR, should) if should else None
    if and_q is not None and or_q is not None:
        return xapian.Query(xapian.Query.OP_AND_MAYBE, and_q, or_q)
    return and_q if and_q is not None else or_q


def filter_query(xapian: Any, plan: Plan) -> Any | None:
    """The plan's filters (any value of a field, every field) and year range."""
    parts = []
    for name, values in plan.filters.items():
        if not values:
            continue
        terms = [xapian.Query(filter_term(name, v)) for v in values]
        parts.append(terms[0] if len(terms) == 1 else xapian.Query(xapian.Query.OP_OR, terms))
    if plan.year_from is not None or plan.year_to is not None:
        lo = plan.year_from if plan.year_from is not None else 0
        hi = plan.year_to if plan.year_to is not None else 9999
        parts.append(
            xapian.Query(xapian.Query.OP_VALUE_RANGE, S_YEAR, f"{max(lo, 0):04d}", f"{hi:04d}")
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else xapian.Query(xapian.Query.OP_AND, parts)


# Xapian 1.4's BM25 normalises by a record's whole length, and every passage record
# also holds the Chinese title's terms (index.xapian_records: ~10 positions, more with
# sub-words), so an article's own length moves a record's length less than it moves
# Whoosh's per-field body length: the normalisation is damped. A plan scored on article
# text alone (a question) takes b times this, at most 1 (STARD tune half, README:
# b 0.75 -> 0.9 and 1.0 as below). Other plans keep the profile's b: their title
# matches are normalised by the same whole record.
BODY_ONLY_B_SCALE = 1.2


def question_plan(plan: Plan) -> bool:
    """Whether the plan is a question's (search.planning): every scoring alternative
    on article text alone, with the authority prior. Other plans on article text
    (search.titles' text pools, whose scores meet title scores) keep Xapian's own."""
    alts = [a for c in plan.clauses if c.occur != "must_not" for a in c.alts]
    return plan.authority_prior and bool(alts) and all(set(a.fields) == {"body"} for a in alts)


def bm25_b(plan: Plan) -> float:
    """The b of the plan's BM25 on this backend (see ``BODY_ONLY_B_SCALE``)."""
    b = plan.ranking.b_of("body")
    return min(1.0, b * BODY_ONLY_B_SCALE) if question_plan(plan) else plan.ranking.b


def _weighting(xapian: Any, plan: Plan) -> Any:
    """BM25 with the ranking profile's k1 and b (Xapian 1.4 has one b for all
    fields; a plan on article text alone: ``bm25_b``)."""
    return xapian.BM25Weight(plan.ranking.k1, 0.0, 1.0, bm25_b(plan), 0.5)


@functools.lru_cache(maxsize=1 << 15)
def _key_rank(key: bytes) -> tuple[str, str, int]:
    """(id, ``rank_code``, date) of a collapse key: a pure function of the key, kept
    across generations (a tier's documents are ranked by every search of its words)."""
    doc_id, m = parse_meta(key)
    date = int(m.get("date") or 0)
    rank = rank_code(
        m.get("level", ""), m.get("region", ""), m.get("issuer", ""), m.get("status", "")
    )
    return doc_id, rank, date


def _tier_key(item: Any) -> tuple:
    """Order inside a title tier: level, in force, newer, score, then id."""
    doc_id, rank, date = _key_rank(item.collapse_key)
    return (rank, -date, -round(item.weight, 5), doc_id)


# --- the query and its Enquire -----------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A plan as Xapian queries: ``query`` (scoring clauses, filters, exclusions)
    and the parts that narrow it, for queries that take the plan's limits alone."""

    query: Any
    filters: Any | None  # the plan's filters and year range
    excluded: Any | None  # documents with an excluded passage

    def narrow(self, x: Any, q: Any) -> Any:
        """``q`` limited as the plan's query is: filters, then exclusions."""
        if self.filters is not None:
            q = x.Query(x.Query.OP_FILTER, q, self.filters)
        if self.excluded is not None:
            q = x.Query(x.Query.OP_AND_NOT, q, self.excluded)
        return q


def whoosh_idf_scale(n: int, tf: int) -> float:
    """Whoosh's idf of a term in ``tf`` of ``n`` records over Xapian 1.4's BM25 idf
    (its formula, low weights lifted as it lifts them): what a term's Xapian score is
    multiplied by to be on Whoosh's scale. Xapian's idf falls much faster for common
    words (a word in half the records: 0.41 against Whoosh's 1.69)."""
    if tf <= 0 or n <= 0:
        return 1.0
    tw = (n - tf + 0.5) / (tf + 0.5)
    if tw < 2:
        tw = tw * 0.5 + 1
    xapian_idf = math.log(tw)
    return (math.log(n / (tf + 1)) + 1) / xapian_idf if xapian_idf > 0 else 1.0


def idf_scales(db: Any, termfreq: Callable[[str], int] | None = None) -> Callable[[str], float]:
    """term -> ``whoosh_idf_scale`` of it in ``db`` (``termfreq``: a cached count)."""
    n = db.get_doccount()
    count = termfreq if termfreq is not None else db.get_termfreq
    return lambda term: whoosh_idf_scale(n, count(term))


def plan_query(
    x: Any, db: Any, plan: Plan, dl: Deadline, termfreq: Callable[[str], int] | None = None
) -> Planned | None:
    """The plan as one query: scoring clauses, filters, then exclusions (documents
    with any excluded passage); None when nothing can match. Raises TimeUp when
    the exclusions could not be read in time. A plan on article text alone has
    each term's weight put on Whoosh's idf scale (``whoosh_idf_scale``; ``termfreq``:
    the backend's cached term counts), as a question's re-ranking adds idf-sized
    heading bonuses to these scores (search.question)."""
    idf = idf_scales(db, termfreq) if question_plan(plan) else None
    q = build_query(x, plan, idf)
    if q is None:
        if not plan.match_all_if_empty:
            return None
        q = x.Query(x.Query.OP_SCALE_WEIGHT, x.Query(HEAD_TERM), 0.0)
    ids = _excluded_ids(x, db, plan, dl)
    excluded = x.Query(x.Query.OP_OR, [x.Query(bterm("Q", i)) for i in ids]) if ids else None
    planned = Planned(q, filter_query(x, plan), excluded)
    return Planned(planned.narrow(x, q), planned.filters, excluded)


def _excluded_ids(x: Any, db: Any, plan: Plan, dl: Deadline) -> list[str] | None:
    """Ids of documents an exclusion removes (any passage of theirs matches); None
    when there is no exclusion."""
    neg = [c for c in plan.clauses if c.occur == "must_not"]
    if not neg:
        return None
    qs = [_alt_query(x, a, plan) for c in neg for a in c.alts]
    q = qs[0] if len(qs) == 1 else x.Query(x.Query.OP_OR, qs)
    enq = x.Enquire(db)
    enq.set_query(q)
    enq.set_weighting_scheme(x.BoolWeight())
    enq.set_collapse_key(S_DOCID)
    n = db.get_doccount()
    ids = [item.collapse_key.decode("utf-8") for item in enq.get_mset(0, n, n)]
    if dl.expired():
        raise TimeUp
    return ids


def main_enquire(x: Any, db: Any, q: Any, plan: Plan) -> Any:
    """The Enquire ranking ``q`` as the plan asks: BM25 by the plan's profile, the
    best passage per document (collapse), or a date order."""
    enq = x.Enquire(db)
    enq.set_query(q)
    enq.set_weighting_scheme(_weighting(x, plan))
    if plan.collapse:
        enq.set_collapse_key(S_META)
    elif scores_with_prior(plan):
        # Every record kept (``_prior_top`` lets a key keep as many as it reads: nothing
        # collapses), but each item names its document's metadata, which the prior reads.
        enq.set_collapse_key(S_META, max(db.get_doccount(), 1))
    if plan.sort == "date":
        enq.set_sort_by_value_then_relevance(S_DATE_DESC, False)
    elif plan.sort == "date_asc":
        enq.set_sort_by_value_then_relevance(S_DATE_ASC, False)
    else:
        enq.set_sort_by_relevance_then_value(S_DOCID, False)
    enq.set_docid_order(x.Enquire.ASCENDING)
    return enq


def scores_with_prior(plan: Plan) -> bool:
    """Whether scores are multiplied by the authority prior read from each match's
    metadata (``_prior_top``): relevance order with the prior, collapsed to
    documents or not (a question's article pool is not), as the Whoosh backend
    weighs every record; title-first tiers with the prior read every match instead."""
    every = plan.title_first and plan.collapse
    return plan.authority_prior and plan.sort == "relevance" and not every


def uses_tiers(plan: Plan) -> bool:
    """Whether title-first tiers run as their own queries (``title_tiers``); with
    the authority prior they rank every match instead (``ranked``)."""
    tiers = plan.title_first and plan.collapse and plan.sort == "relevance"
    return tiers and not plan.authority_prior


def wants_counts(plan: Plan) -> bool:
    """Whether the plan needs every matching document counted: facets or an exact total."""
    return bool((plan.facets and plan.collapse) or plan.exact_total)


def count_matches(x: Any, db: Any, q: Any, plan: Plan) -> Counts:
    """How many documents match ``q`` and, with ``plan.facets``, their facet counts,
    counted inside Xapian without sending any hit: every match is checked with
    the document id as collapse key, so the lower bound is the exact number of distinct keys (one
    shard's documents never collapse with another's); a ValueCountMatchSpy on the
    collapse key sees every matching record before collapsing, so its distinct
    values are the matching documents, each with its metadata (``_meta_key``),
    however many of its passages match. Remote shards run the spy themselves and
    send one value per document; reading an MSet of every match instead sent the
    whole result list and cost a Python object per match."""
    e = x.Enquire(db)
    e.set_query(q)
    e.set_weighting_scheme(x.BoolWeight())
    e.set_collapse_key(S_DOCID)  # the id alone: a shorter value to read per record
    spy = None
    if plan.facets and plan.collapse:
        spy = x.ValueCountMatchSpy(S_META)
        e.add_matchspy(spy)
    total = int(e.get_mset(0, 0, db.get_doccount()).get_matches_lower_bound())
    facets = _facets(spy_terms(x, spy), plan) if spy is not None else {}
    return Counts(total, facets)


# --- every other plan: a page, a top for the prior, or every match ------------------------


def ranked(
    x: Any,
    db: Any,
    plan: Plan,
    q: Any,
    enq: Any,
    dl: Deadline,
    counts: Counts | None,
    *,
    hits_only: bool = False,
) -> Ranked:
    """Rank a plan that ``uses_tiers`` does not take: title-first tiers with the
    authority prior read every match; the prior alone reads a growing top; other
    plans a page (date sorts make Xapian check every match: checkatleast).
    ``counts`` (``count_matches``), when the plan wants them, give the total and
    facets. ``hits_only``: the caller reads the hits alone (a pool, whose total is
    another search's), so the prior's top may be read past a weight cutoff
    (``_prior_top``), which changes Xapian's estimated total, not the hits."""
    n = db.get_doccount()
    want = plan.offset + plan.limit
    every = plan.title_first and plan.collapse and plan.sort == "relevance"
    prior = scores_with_prior(plan)
    # Records uncollapsed (a question's article pool): an estimated total, as without
    # the prior, so Xapian may stop early; documents: every match checked, as before.
    exact = plan.exact_total or plan.sort != "relevance" or (prior and plan.collapse)
    check = n if exact else want
    if every:
        mset = enq.get_mset(0, n, n)
    elif prior:
        mset, items = _prior_top(x, enq, want, check, plan, cutoff=n if hits_only else 0)
    else:
        # From the first hit, not from the offset: the bindings' MSet.fetch crashes
        # the process (segmentation fault) on an MSet that starts past the first
        # (hits' records are no longer fetched, but any later read stays safe).
        mset = enq.get_mset(0, want, check)
    if not prior:
        items = mset_items(mset, plan.offset if not every else 0)
    # Past the limit Xapian stopped matching early: the results are marked partial.
    dl.expired()
    if counts is not None:
        total, exact = counts.total, True
    elif every:
        total, exact = len(items), True
    else:
        total = int(mset.get_matches_estimated())
        exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound()
        total = max(total, len(items) + (0 if prior else plan.offset))
    facets = counts.facets if counts is not None else {}
    if not (every or prior):
        window = [(it.weight, it) for it in items]
        return Ranked(window, total, exact, facets)
    if plan.sort == "relevance" and (plan.authority_prior or plan.title_first):
        scored = _rerank(x, db, plan, q, items, dl)
    else:
        scored = [(it.weight, it) for it in items]
    window = scored[plan.offset : want]
    return Ranked(window, total, exact, facets)


def _prior_top(
    x: Any, enq: Any, want: int, check: int, plan: Plan, *, cutoff: int = 0
) -> tuple[Any, list]:
    """A top large enough that the authority prior (at most ``_max_authority``
    times a score) cannot lift a document from below it into the first ``want``.
    Uncollapsed, a key keeps up to the top's size: nothing is collapsed away.
    ``cutoff`` (the database's record count, when the estimated total is not
    wanted; 0: off): when the first top is not deep
    enough, the second read is every record at or above the weight that could still
    enter the first ``want`` -- one more match, where growing the top four times at
    a time took one or two (a tenth of a whole-corpus question pool's reads, and
    most of the slowest). Both tops are prefixes of Xapian's order that hold every
    record the prior can lift into the first ``want``: the same hits."""
    ranking = plan.ranking
    # Records: a shallower first read (15 STARD questions, 300 articles: x4 30 ms,
    # x2 58 ms -- read twice --, x20 114 ms; the same hits), grown below when needed.
    m = max(want * (20 if plan.collapse else 4), 200)
    top = _max_authority(ranking)
    while True:
        if not plan.collapse:
            enq.set_collapse_key(S_META, m)
        mset = enq.get_mset(0, m, max(check, m))
        items = mset_items(mset)
        if len(items) < m:
            return mset, items
        adjusted = sorted(
            (it.weight * a for it, a in zip(items, _authorities(items, ranking), strict=True)),
            reverse=True,
        )
        floor = adjusted[min(want, len(adjusted)) - 1]
        if floor >= items[-1].weight * top:
            return mset, items
        if cutoff and top > 0:
            # Below floor / top no record can reach floor, which the first ``want``
            # already reach; a hair lower, so a record at the limit is kept.
            if not plan.collapse:
                enq.set_collapse_key(S_META, cutoff)
            enq.set_cutoff(0, floor / top * (1 - 1e-9))
            try:
                mset = enq.get_mset(0, cutoff, max(check, want))
            finally:
                enq.set_cutoff(0, 0)
            return mset, mset_items(mset)
        m *= 4


def _rerank(x: Any, db: Any, plan: Plan, q: Any, items: list, dl: Deadline) -> list:
    """Authority prior (score times the document's weight) and title-first tiers
    (index.title_rank: documents whose titles hold the whole query first)."""
    if plan.authority_prior:
        scores = [
            it.weight * a for it, a in zip(items, _authorities(items, plan.ranking), strict=True)
        ]
    else:
        scores = [it.weight for it in items]
    if plan.title_first and plan.collapse and not dl.expired():
        # Only the tiers read the rest of the metadata.
        metas = [parse_meta(it.collapse_key)[1] if it.collapse_key else {} for it in items]
        scored = list(zip(scores, items, metas, strict=True))
        return _title_first(x, db, plan, q, scored)
    pairs = list(zip(scores, items, strict=True))
    pairs.sort(key=lambda t: (-round(t[0], 5), t[1].collapse_key))
    return pairs


def _title_strength(x: Any, db: Any, plan: Plan, q: Any) -> dict[bytes, float]:
    """Collapse key -> how strongly every clause matched in a title field (the
    weakest clause's best title alternative); documents with none are left out."""
    from index.title_rank import title_alternatives

    strength: dict[bytes, float] | None = None
    for alts in title_alternatives(plan):
        hit: dict[bytes, float] = {}
        for a, f, val in alts:
            sub = _alt_query(x, Alt(a.words, 1.0, a.origin, (f,)), plan)
            for key in _keys_matching(x, db, q, sub):
                if hit.get(key, 0.0) < val:
                    hit[key] = val
        strength = (
            hit
            if strength is None
            else {k: min(v, hit[k]) for k, v in strength.items() if k in hit}
        )
    return strength or {}


def _phrase_query(x: Any, plan: Plan) -> Any | None:
    """The whole query as one phrase in some title field (``title_rank.title_phrases``),
    or None when there is no such phrase."""
    from index.title_rank import title_phrases

    qs = [_alt_query(x, Alt(words, 1.0, "user", (f,)), plan) for f, words in title_phrases(plan)]
    if not qs:
        return None
    return qs[0] if len(qs) == 1 else x.Query(x.Query.OP_OR, qs)


def _preferred_query(x: Any, plan: Plan) -> Any | None:
    """Any preferred clause in some title field (``title_rank.preferred_alternatives``),
    or None when the plan has none."""
    from index.title_rank import preferred_alternatives

    qs = [
        _alt_query(x, Alt(a.words, 1.0, a.origin, (f,)), plan)
        for a, f in preferred_alternatives(plan)
    ]
    return _any_query(x, qs)


def _title_phrase(x: Any, db: Any, plan: Plan, q: Any) -> set[bytes]:
    """Collapse keys of the matches whose title holds the whole query as one phrase."""
    pq = _phrase_query(x, plan)
    return set() if pq is None else set(_keys_matching(x, db, q, pq))


def _keys_matching(x: Any, db: Any, q: Any, sub: Any) -> list[bytes]:
    """Collapse keys (one per document) of the matches of ``q`` that ``sub`` matches
    too, unscored."""
    n = db.get_doccount()
    enq = x.Enquire(db)
    enq.set_query(x.Query(x.Query.OP_FILTER, q, sub))
    enq.set_weighting_scheme(x.BoolWeight())
    enq.set_collapse_key(S_META)
    return [it.collapse_key for it in enq.get_mset(0, n, n)]


def _title_first(x: Any, db: Any, plan: Plan, q: Any, scored: list) -> list:
    """Title-first tiers over every scored match (index.title_rank's order):
    exact titles, a strong title match, a preferred kind in a title, title
    strength, the whole query together in a title, level, in force, newer, score;
    then the rest."""
    from index.title_rank import STATUS_RANK, level_rank, strong_match

    strength = _title_strength(x, db, plan, q)
    together = _title_phrase(x, db, plan, q) if strength else set()
    pq = _preferred_query(x, plan) if strength else None
    preferred = set() if pq is None else set(_keys_matching(x, db, q, pq))
    exact_lengths = set(plan.exact_title_lengths)
    own_lengths = _own_lengths(plan)
    tier, rest = [], []
    for score, it, m in scored:
        s = strength.get(it.collapse_key, 0.0)
        if s > 0:
            level = level_rank(m.get("level", ""), m.get("region", ""), m.get("issuer", ""))
            status = STATUS_RANK.get(m.get("status", ""), 0)
            length = int(m.get("title_len") or 0)
            exact = bool(exact_lengths) and length in exact_lengths
            own = exact and length in own_lengths
            date = int(m.get("date") or 0)
            apart = it.collapse_key not in together
            other = it.collapse_key not in preferred
            key = (
                not exact,
                not own,
                not strong_match(s),
                other,
                -round(s, 3),
                apart,
                -level,
                -status,
                -date,
                -score,
                it.collapse_key,
            )
            tier.append((key, score, it))
        else:
            rest.append((-round(score, 5), it.collapse_key, it))
    tier.sort(key=lambda t: t[0])
    rest.sort(key=lambda t: (t[0], t[1]))
    return [(score, it) for _k, score, it in tier] + [(-t[0], t[2]) for t in rest]


def _facets(keys: list[bytes], plan: Plan) -> dict[str, dict[str, int]]:
    """Facet counts of the matching documents from their collapse keys (one each)."""
    width = 1 + len(META_FIELDS)  # the id, then META_FIELDS
    rows = [k.decode("utf-8").split(SEP) for k in keys]
    rows = [r if len(r) >= width else r + [""] * (width - len(r)) for r in rows]
    out: dict[str, dict[str, int]] = {}
    for i, name in enumerate(META_FIELDS, start=1):
        if name in ("date", "title_len"):
            continue
        c = Counter(map(itemgetter(i), rows))  # no Python frame per document
        c.pop("", None)
        out[name] = dict(c.most_common())
    if plan.year_from is not None and plan.year_from == plan.year_to:
        # One year chosen: its months ("2021-06"), for a timeline by month.
        d = 1 + META_FIELDS.index("date")
        months = Counter(int(r[d] or 0) // 100 for r in rows)
        out["month"] = {
            f"{m // 100}-{m % 100:02d}": k for m, k in months.most_common() if m and m % 100
        }
    return out


# --- title-first tiers as Xapian queries --------------------------------------------------


def title_tiers(
    x: Any, db: Any, plan: Plan, planned: Planned, dl: Deadline, counts: Counts
) -> Ranked:
    """Title-first ranking (index.title_rank) as Xapian queries, without reading
    every match: exact titles, then each title-match strength (every clause
    matched in a title field at least that strongly), each tier ordered by the
    S_RANK value (level, in force, newer) then score, ties by id; then the rest by
    score. ``counts`` (``count_matches``) give the total and facets."""
    from index.title_rank import PARTIAL

    q = planned.query
    want = plan.offset + plan.limit
    groups, labels, reached = _tier_groups(x, plan)
    picked: list[tuple[float, Any]] = []
    tiers: list[str] = []
    for g, label in zip(groups, labels, strict=True):
        if len(picked) >= want or dl.expired():
            break
        picked += _tier_top(x, db, planned, g, want - len(picked), plan, dl)
        tiers += [label] * (len(picked) - len(tiers))
    if len(picked) < want and plan.title_partial and not dl.expired():
        part, reached = _partial_tier(x, db, plan, q, reached)
        picked += part[: want - len(picked)]
        tiers += [PARTIAL] * (len(picked) - len(tiers))
    if len(picked) < want and not dl.expired():
        picked += _rest(x, db, q, reached, picked, want - len(picked), plan, dl)
    dl.expired()  # marks a tiering cut short as partial
    window = picked[plan.offset : want]
    return Ranked(window, counts.total, True, counts.facets, tiers[plan.offset : want])


def _partial_tier(
    x: Any, db: Any, plan: Plan, q: Any, reached: Any | None
) -> tuple[list, Any | None]:
    """The documents outside every tier whose titles hold part of the query
    (``title_rank.partial_need``) as (score, item) in ``title_rank.partial_key`` order,
    and ``reached`` widened by them (so the rest leaves them out)."""
    from index.title_rank import partial_need, title_rarity

    options = _title_options(x, plan)
    need = partial_need(len(options))
    if not need:
        return [], reached
    clause_qs = [_any_query(x, [sq for st, sq in opts if st > 0]) for opts in options]
    outside = q if reached is None else x.Query(x.Query.OP_AND_NOT, q, reached)
    documents = db.get_termfreq(HEAD_TERM)
    held: Counter[str] = Counter()
    rarity: Counter[str] = Counter()
    for cq in clause_qs:
        if cq is None:
            continue
        weight = title_rarity(documents, _count_documents(x, db, cq))
        for key in _keys_matching(x, db, outside, cq):
            doc_id = parse_meta(key)[0]
            held[doc_id] += 1
            rarity[doc_id] += weight
    ids = sorted(i for i, k in held.items() if k >= need)
    if not ids:
        return [], reached
    mine = x.Query(x.Query.OP_OR, [x.Query(bterm("Q", i)) for i in ids])
    e = _tier_enquire(x, db, x.Query(x.Query.OP_FILTER, outside, mine), plan)
    items = mset_items(e.get_mset(0, len(ids)))
    items.sort(key=lambda it: _partial_order(it, held, rarity))
    widened = mine if reached is None else x.Query(x.Query.OP_OR, reached, mine)
    return [(it.weight, it) for it in items], widened


def _partial_order(it: Any, held: Counter, rarity: Counter) -> tuple:
    """``title_rank.partial_key`` of one item, then its id (the final tie-break)."""
    from index.title_rank import partial_key

    doc_id = parse_meta(it.collapse_key)[0]
    return (*partial_key(held[doc_id], rarity[doc_id], it.weight), doc_id)


def _any_query(x: Any, qs: list) -> Any | None:
    return None if not qs else qs[0] if len(qs) == 1 else x.Query(x.Query.OP_OR, qs)


def _count_documents(x: Any, db: Any, q: Any) -> int:
    """How many documents have a record matching ``q`` (exact, not estimated)."""
    e = x.Enquire(db)
    e.set_query(q)
    e.set_weighting_scheme(x.BoolWeight())
    e.set_collapse_key(S_DOCID)
    n = db.get_doccount()
    return int(e.get_mset(0, 0, n).get_matches_lower_bound())


def _rest(
    x: Any, db: Any, q: Any, reached: Any | None, picked: list, need: int, plan: Plan, dl: Deadline
) -> list:
    """The first ``need`` documents outside every tier, by score. A tier's document
    can still have passages outside ``reached`` (an English title is on the head
    record only), so the documents already picked -- every tier's, since the rest
    is read only once the tiers ran out -- are skipped: read that many more."""
    rest_q = q if reached is None else x.Query(x.Query.OP_AND_NOT, q, reached)
    e = _tier_enquire(x, db, rest_q, plan)
    e.set_sort_by_relevance_then_value(S_DOCID, False)
    seen = {parse_meta(it.collapse_key)[0] for _s, it in picked}
    out = []
    for it in mset_items(e.get_mset(0, need + len(seen))):
        if parse_meta(it.collapse_key)[0] not in seen and len(out) < need:
            out.append((it.weight, it))
    return out


def _title_options(x: Any, plan: Plan) -> list[list[tuple[float, Any]]]:
    """Per scoring clause: (title strength, query) of each alternative in a title field."""
    from index.title_rank import title_alternatives

    return [
        [
            (round(val, 3), _alt_query(x, Alt(a.words, 1.0, a.origin, (f,)), plan))
            for a, f, val in alts
        ]
        for alts in title_alternatives(plan)
    ]


def _at_least(x: Any, options: list[list[tuple[float, Any]]], level: float) -> Any | None:
    """Documents where every clause matched a title field at least ``level`` strongly."""
    parts = []
    for opts in options:
        qs = [sq for st, sq in opts if st >= level and st > 0]
        if not qs:
            return None
        parts.append(qs[0] if len(qs) == 1 else x.Query(x.Query.OP_OR, qs))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else x.Query(x.Query.OP_AND, parts)


def _tier_groups(x: Any, plan: Plan) -> tuple[list[Any], list[str], Any | None]:
    """The tiers' filter queries in ``title_rank``'s order -- the exact-length titles
    first; then the strong title matches, then the weaker ones, in each band the
    titles holding a preferred kind first, then each title strength, strongest
    first, and in each the titles holding the whole query as one phrase first --
    their ``title_rank`` tier names, and the query of every tier together
    (or None)."""
    from index.title_rank import EXACT, STRONG_TITLE_MATCH, TITLE

    options = _title_options(x, plan)
    bands: tuple[list[Any], list[Any]] = ([], [])  # strong matches, weaker ones
    reached = None
    for level in sorted({st for opts in options for st, _q in opts if st > 0}, reverse=True):
        cur = _at_least(x, options, level)
        if cur is None:
            continue
        g = cur if reached is None else x.Query(x.Query.OP_AND_NOT, cur, reached)
        bands[level < STRONG_TITLE_MATCH].append(g)
        reached = cur
    phrase = _phrase_query(x, plan)
    preferred = _preferred_query(x, plan)
    groups: list[Any] = []
    for band in bands:
        if preferred is not None:
            band = _holding_first(x, band, preferred)
        if phrase is not None:
            band = [h for g in band for h in _holding_first(x, [g], phrase)]
        groups += band
    if plan.exact_title_lengths and groups:
        groups = _holding_first(x, groups, _lengths_query(x, plan.exact_title_lengths))
        half = len(groups) // 2
        held, rest = groups[:half], groups[half:]
        own = _own_lengths(plan)
        if own:  # the typed title's own length first (刑法修正案 before 刑法修正案（十二）)
            held = _holding_first(x, held, _lengths_query(x, own))
        return held + rest, [EXACT] * len(held) + [TITLE] * len(rest), reached
    return groups, [TITLE] * len(groups), reached


def _own_lengths(plan: Plan) -> set[int]:
    """The title lengths of the titles the query names (``plan.own_titles``): Xapian
    keeps a title's length exactly, so 刑法修正案（十二） is one token longer than
    刑法修正案."""
    from index.analysis import title_length

    return {title_length(t) for t in plan.own_titles} & set(plan.exact_title_lengths)


def _lengths_query(x: Any, lengths: Any) -> Any:
    """Records whose title is one of ``lengths`` index tokens long."""
    parts = [
        x.Query(x.Query.OP_VALUE_RANGE, S_TITLE_LEN, f"{k:04d}", f"{k:04d}")
        for k in sorted(set(lengths))
    ]
    return parts[0] if len(parts) == 1 else x.Query(x.Query.OP_OR, parts)


def _holding_first(x: Any, groups: list[Any], sub: Any) -> list[Any]:
    """``groups`` as twice as many: each one's matches of ``sub``, in order, then each
    one's other matches."""
    return [x.Query(x.Query.OP_FILTER, g, sub) for g in groups] + [
        x.Query(x.Query.OP_AND_NOT, g, sub) for g in groups
    ]


def _tier_top(
    x: Any, db: Any, planned: Planned, g: Any, need: int, plan: Plan, dl: Deadline
) -> list:
    """The first ``need`` documents of one tier as (score, item), in ``_tier_key``
    order, without scoring every record of the tier: its documents are found by
    their head records (``_tier_heads``), then only those that can be among the
    first ``need`` are scored (their best passage, as a search of the whole tier
    would pick it: the same query, collapsed the same way)."""
    cands = _tier_heads(x, db, planned.narrow(x, g), need)
    if not cands:
        return []
    tq = x.Query(x.Query.OP_FILTER, planned.query, g)
    ids = x.Query(x.Query.OP_OR, [x.Query(bterm("Q", i)) for i in cands])
    e = _tier_enquire(x, db, x.Query(x.Query.OP_FILTER, tq, ids), plan)
    e.set_sort_by_relevance_then_value(S_DOCID, False)
    ranked_items = sorted(mset_items(e.get_mset(0, len(cands))), key=_tier_key)
    return [(it.weight, it) for it in ranked_items[:need]]


def _head_rank(item: Any) -> tuple[str, str]:
    """(id, S_RANK value) of a head record read with the S_META collapse key."""
    doc_id, rank, date = _key_rank(item.collapse_key)
    return doc_id, rank + f"{99999999 - date:08d}"


def _tier_heads(x: Any, db: Any, tier: Any, need: int) -> list[str]:
    """Ids of the tier's documents up to the ``need``-th in S_RANK order (level, in
    force, newer), every document tied with that one included: only they can be
    among the first ``need`` once scores and ids break the ties. Read from head
    records, one per document and unscored: a document of a tier has its head
    record in it, since the tier's title terms are on the head record (the Chinese
    title on every record, English titles on the head only). ``tier`` is the
    tier's query with the plan's filters and exclusions (``Planned.narrow``),
    without its scoring clauses: a head record in a tier matches each of them,
    since ``_at_least`` asks every clause for a title match that is one of the
    clause's own alternatives -- and leaving them out spares Xapian the body
    postings of every word."""
    heads = x.Query(x.Query.OP_FILTER, tier, x.Query(HEAD_TERM))
    e = x.Enquire(db)
    e.set_query(heads)
    e.set_weighting_scheme(x.BoolWeight())
    e.set_collapse_key(S_META)  # one head per document: collapses nothing, names it
    e.set_sort_by_value(S_RANK, False)
    e.set_docid_order(x.Enquire.ASCENDING)
    k = need * TIER_HEADS_READ[0] + TIER_HEADS_READ[1]
    got = [_head_rank(it) for it in mset_items(e.get_mset(0, k))]
    if len(got) <= need:
        return [i for i, _r in got]
    cut = got[need - 1][1]
    out = [i for i, r in got if r <= cut]
    if len(got) == k and got[-1][1] == cut:  # the ties run past what was read
        e.set_query(
            x.Query(x.Query.OP_FILTER, heads, x.Query(x.Query.OP_VALUE_RANGE, S_RANK, cut, cut))
        )
        every = mset_items(e.get_mset(0, db.get_doccount()))
        out += [i for i, r in map(_head_rank, every) if i not in out]
    return out


def _tier_enquire(x: Any, db: Any, q: Any, plan: Plan) -> Any:
    e = x.Enquire(db)
    e.set_query(q)
    e.set_weighting_scheme(_weighting(x, plan))
    e.set_collapse_key(S_META)
    e.set_docid_order(x.Enquire.ASCENDING)
    return e
