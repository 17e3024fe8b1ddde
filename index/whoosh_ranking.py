"""Ranking in the Whoosh backend: a ``Plan`` -> ranked hits, totals and facets.

Place in the flow: ``WhooshBackend.search`` picks a path and calls these
functions with a searcher and the commit's ``ReaderCache`` (index.whoosh_cache):

* the vectorized path (plans of terms and phrases over the text fields):
  ``vector_scores`` sums BM25F scores over every record with numpy
  (index.fast_scoring), then ``fast_top`` ranks or ``fast_by_date`` sorts;
* Whoosh's matcher path (document-number lookups and the like): the plan as
  Whoosh queries (``build_query``), ``top_docs`` ranks, ``by_date`` sorts.

Both paths collapse passages to documents (``collapse``) and sort by date
(``date_order``) through the same functions. Every number comes from the plan's
``RankingProfile`` (index.ranking).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from whoosh import query as Q
from whoosh import scoring
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.reading import TermNotFound

from index.deadline import MIN_HITS_WHEN_CUT_SHORT, Deadline
from index.document import Document
from index.plan import TEXT_FIELDS, Alt, Clause, Plan, RawHit, RawResults
from index.ranking import DEFAULT_RANKING, RankingProfile
from index.title_rank import REGION_FIELD
from index.whoosh_cache import ReaderCache


def weighting(ranking: RankingProfile = DEFAULT_RANKING) -> scoring.WeightingModel:
    """Whoosh's BM25F with the profile's parameters; each field's score is
    multiplied by its query-time weight (``RankingProfile.field_weights``)."""
    cls = getattr(weighting, "_cls", None)
    if cls is None:

        class FieldWeightedBM25F(scoring.BM25F):
            field_weights: Mapping[str, float] = {}

            def scorer(self, searcher, fieldname, text, qf=1):
                sc = super().scorer(searcher, fieldname, text, qf=qf)
                w = self.field_weights.get(fieldname, 1.0)
                if w != 1.0 and isinstance(sc, scoring.BM25FScorer):
                    sc.idf *= w  # BM25 is linear in idf: scales the field's score
                return sc

        cls = weighting._cls = FieldWeightedBM25F  # type: ignore[attr-defined]
    model = cls(B=ranking.b, K1=ranking.k1, **{f"{f}_B": b for f, b in ranking.field_b.items()})
    model.field_weights = ranking.field_weights
    return model


def raw_results(
    s,
    q,
    hits,
    plan: Plan,
    cache: ReaderCache,
    total,
    total_exact,
    facets,
    explain,
    dl: Deadline,
    lazy=False,
    tiers: dict[int, str] | None = None,
):
    """The page of ``hits`` ((record, score, document ordinal) triples) as RawHits;
    ``tiers``: the title-first tier of a hit, by its document ordinal."""
    tiers = tiers or {}
    if lazy:
        window = hits[plan.offset : plan.offset + plan.limit]
        return RawResults(lazy_hits(s.reader(), window, cache, tiers), total, total_exact, facets)
    out = []
    for docnum, score, ordn in hits[plan.offset : plan.offset + plan.limit]:
        if len(out) >= MIN_HITS_WHEN_CUT_SHORT and dl.expired():
            # Out of time: the rest of the page is left unread (each hit reads and
            # parses its whole stored document); the search says it was cut short.
            break
        head = cache.head_docnum[ordn]
        light = False
        if plan.light_documents:
            doc, light = cache.light_document(s, head)
        else:
            doc = cache.document(s, head)
        pidx = cache.passage_index(s, docnum) if docnum != head else 0
        hit = RawHit(doc.id, score, pidx, doc, light=light, tier=tiers.get(ordn, ""))
        if explain and not dl.expired():
            hit.matched = explain_scores(s, q, docnum)
        out.append(hit)
    return RawResults(out, total, total_exact, facets)


def vector_scores(s, plan: Plan, cache: ReaderCache, dl: Deadline):
    """(scores, match mask) over every record: clauses of term and phrase
    alternatives, summed like Whoosh's And/Or of BM25F term scores.

    Bounded by ``dl``: term clauses first (vectorized), then phrase clauses,
    whose positions are checked only in documents that can still match every
    required clause (each phrase's candidates, then each checked clause, narrow
    them). A phrase left unchecked when the deadline expires matches nowhere:
    a search cut short shows fewer documents, never a wrong one."""
    import numpy as np

    from index.fast_scoring import TimeUp

    n = len(cache.doc_ord)
    doc_ord = cache.doc_ord_array()
    nothing = (np.zeros(n, dtype=np.float32), np.zeros(n, dtype=bool))
    clauses = [(i, c) for i, c in enumerate(plan.clauses) if c.occur != "must_not"]
    required = any(c.occur == "must" for _i, c in clauses)
    try:
        alive = _phrase_candidates(s, plan, clauses, cache, dl)
    except TimeUp:
        return nothing
    accs: dict[int, np.ndarray] = {}
    must = None
    anymatch = np.zeros(n, dtype=bool)
    found: dict[tuple, np.ndarray] = {}  # (field, words) -> records, once per search
    so_far = np.zeros(n, dtype=np.float32)  # scores of the clauses done: phrases best first
    # Term-only clauses first: cheap, and they narrow where phrases are checked.
    for i, c in sorted(clauses, key=lambda ic: any(a.phrase for a in ic[1].alts)):
        restrict = alive[doc_ord] if required and alive is not None else None
        acc, complete = _clause_scores(s, plan, c, cache, restrict, found, so_far, dl)
        matched = (acc > 0) | _region_docs(c, cache)[doc_ord] if _has_region(c) else acc > 0
        if c.occur == "must":
            if not complete:
                return nothing  # a required word never read: nothing is known to match
            must = matched if must is None else (must & matched)
            alive = _docs_of(np.flatnonzero(must), cache)
        else:
            anymatch |= matched
        accs[i] = acc
        so_far += acc
    total = np.zeros(n, dtype=np.float32)
    for i in sorted(accs):  # in the plan's order, as before (same float sums)
        total += accs[i]
    return total, (must if must is not None else anymatch)


def _docs_of(recs, cache: ReaderCache):
    """A document mask (ordinals, plus one slot for deleted records) of ``recs``."""
    import numpy as np

    ndocs = len(cache.doc_ids)
    mask = np.zeros(ndocs + 1, dtype=bool)  # the extra slot takes doc_ord -1
    mask[cache.doc_ord_array()[recs]] = True
    mask[ndocs] = False
    return mask


def _phrase_candidates(s, plan: Plan, clauses, cache: ReaderCache, dl: Deadline):
    """Documents that can still match every required clause with a phrase (from
    the phrases' candidates, positions unchecked), or None; raises TimeUp."""
    import numpy as np

    from index.fast_scoring import phrase_candidates

    alive = None
    for _i, c in clauses:
        if c.occur != "must" or not any(a.phrase for a in c.alts):
            continue
        possible = np.zeros(len(cache.doc_ids) + 1, dtype=bool)
        possible |= _region_docs(c, cache)
        for a in c.alts:
            for f in a.fields:
                if f == REGION_FIELD:
                    continue
                sc = cache.term_scorer(s, f, plan.ranking)
                if a.phrase:
                    recs = phrase_candidates(s, sc, a.words, None, dl)
                else:
                    recs = sc.postings(s, a.words[0], dl)[0]
                possible |= _docs_of(recs, cache)
        alive = possible if alive is None else alive & possible
    return alive


def _has_region(c: Clause) -> bool:
    return any(REGION_FIELD in a.fields for a in c.alts)


def _region_docs(c: Clause, cache: ReaderCache):
    """Per document (one slot more for records of no live document, never set),
    whether it is of a region the clause names (``title_rank.REGION_FIELD``)."""
    import numpy as np

    from index.title_rank import region_docs

    out = np.zeros(len(cache.doc_ids) + 1, dtype=bool)
    for a in c.alts:
        if REGION_FIELD in a.fields:
            out[:-1] |= region_docs(cache, a.words[0])
    return out


def _clause_scores(
    s,
    plan: Plan,
    c: Clause,
    cache: ReaderCache,
    restrict,
    found: dict,
    so_far,
    dl: Deadline,
):
    """(per-record scores of one clause, whether every alternative was read).
    Phrases are checked in ``restrict`` only, best ``so_far`` first; ``found``
    keeps each phrase's matches for the rest of the search."""
    import numpy as np

    from index.fast_scoring import TimeUp, phrase_matches

    n = len(cache.doc_ord)
    acc = np.zeros(n, dtype=np.float32)
    # Title scores per document (one slot more for records that are no live
    # document's head): the Chinese title is on head records only, and a title
    # match counts for every passage of its document.
    tdoc = None
    complete = True
    for a in c.alts:
        for f in a.fields:
            if f == REGION_FIELD:  # matches (vector_scores), scores nothing
                continue
            target, at = acc, None
            if f == "title":
                if tdoc is None:
                    tdoc = np.zeros(len(cache.doc_ids) + 1, dtype=np.float32)
                target, at = tdoc, cache.head_ord_array()
            sc = cache.term_scorer(s, f, plan.ranking)
            fw = plan.ranking.field_weight(f, plan.title_weight)
            try:
                if a.phrase:
                    key = (f, a.words)
                    if key not in found:
                        found[key] = phrase_matches(
                            s, sc, a.words, dl, restrict, best_first=True, priority=so_far
                        )[0]
                    recs = found[key]
                    if len(recs):
                        where = recs if at is None else at[recs]
                        target[where] += sc.phrase_scores(s, a.words, recs, a.weight, fw)
                else:
                    sc.add_into(target, s, a.words[0], a.weight, fw, dl, at=at)
            except TimeUp:
                complete = False
    if tdoc is not None:
        tdoc[-1] = 0  # records of no live document
        cache.add_per_document(acc, tdoc)
    return acc, complete


def fast_by_date(
    s, allowed, plan: Plan, cache: ReaderCache, excluded: set[int] | None, dl: Deadline
):
    """Every matching document ordered by date (undated last, then by id); each
    document's best-scoring passage is its hit."""
    import numpy as np

    scores, keep = vector_scores(s, plan, cache, dl)
    doc_ord = cache.doc_ord_array()

    def by_date_first():  # newest (or oldest) first: shown ones checked first
        dates = np.append(np.asarray(cache.dates, dtype=np.float64), 0.0)[doc_ord]
        first = dates if plan.sort == "date" else 1e9 - dates
        return np.where(dates > 0, first, -1)

    keep = kept_records(s, plan, cache, dl, scores, keep, allowed, excluded, by_date_first)
    nz = np.flatnonzero(keep)
    nz = nz[np.argsort(-scores[nz], kind="stable")]
    best: dict[int, int] = {}  # each document's best-scoring passage
    for d in nz.tolist():
        best.setdefault(int(doc_ord[d]), d)
    return date_order(best, plan, cache), len(best), list(best)


def fast_top(s, allowed, plan: Plan, cache: ReaderCache, excluded: set[int] | None, dl: Deadline):
    """Vectorized ranking: top passages collapsed to documents, exact totals for free."""
    import numpy as np

    scores, keep = ranked_records(s, allowed, plan, cache, excluded, dl)
    if plan.title_first and plan.collapse:
        from index.title_rank import rank_title_first

        return rank_title_first(s, plan, cache, scores, keep)
    nz = np.flatnonzero(keep)
    # The matching documents from a mask (np.unique sorted ~50k ordinals: ~10 ms).
    ords_all = np.flatnonzero(_docs_of(nz, cache))
    ranked = top_records(nz, scores, cache, plan.collapse, plan.offset + plan.limit)
    return ranked, len(ords_all) if plan.collapse else len(nz), ords_all, {}


def ranked_records(
    s, allowed, plan: Plan, cache: ReaderCache, excluded: set[int] | None, dl: Deadline
):
    """(scores, keep): every record's score (with the authority prior when the plan
    asks for it) and the mask of the records that match and pass filters and exclusions."""
    scores, keep = vector_scores(s, plan, cache, dl)
    if plan.authority_prior:
        scores *= cache.prior_array(plan.ranking)
    keep = kept_records(s, plan, cache, dl, scores, keep, allowed, excluded, lambda: scores)
    return scores, keep


def top_records(nz, scores, cache: ReaderCache, per_document: bool, want: int) -> list[Scored]:
    """The first ``want`` of the records ``nz`` by score (each document's best record
    only, when ``per_document``), ties broken as :func:`tie_broken` does."""
    import numpy as np

    doc_ord = cache.doc_ord_array()
    m = min(len(nz), max(want * 20, 200))
    while True:
        top = nz[np.argpartition(-scores[nz], m - 1)[:m]] if m < len(nz) else nz
        top = top[np.argsort(-scores[top], kind="stable")]
        if per_document:
            top = first_per_document(top, doc_ord)
        scored = zip(top.tolist(), scores[top].tolist(), doc_ord[top].tolist(), strict=True)
        seen = collapse(scored, per_document, None if per_document else want)
        if len(seen) >= want or m >= len(nz):
            break
        m = min(len(nz), m * 8)
    # ``seen`` is best first: only the page's hits (and ties with the last) are sorted.
    return tie_broken(seen, cache, 5, first=want)


def excluded_docs(
    s, plan: Plan, cache: ReaderCache, dl: Deadline, keep=None, priority=None
) -> set[int]:
    """Ordinals of the documents an exclusion (``-word``, ``-"phrase"``) removes;
    with ``keep`` (a record mask) only documents holding a kept record are checked,
    those ranked highest by ``priority`` (a value per record) first. Phrase
    candidates left unchecked by the deadline are excluded too: a search cut
    short may miss documents, never show one the user excluded."""
    import numpy as np

    from index.fast_scoring import TimeUp, phrase_matches

    neg = [c for c in plan.clauses if c.occur == "must_not"]
    if not neg:
        return set()
    doc_ord = cache.doc_ord_array()
    ndocs = len(cache.doc_ids)
    wanted = np.ones(ndocs + 1, dtype=bool)  # the extra slot takes doc_ord -1
    if keep is not None:
        wanted[:] = False
        wanted[doc_ord[np.flatnonzero(keep)]] = True
    wanted[ndocs] = False
    out = np.zeros(ndocs + 1, dtype=bool)
    for c in neg:
        for a in c.alts:
            for f in a.fields:
                sc = cache.term_scorer(s, f, plan.ranking)
                try:
                    if a.phrase:
                        todo = (wanted & ~out)[doc_ord]
                        recs, left = phrase_matches(
                            s, sc, a.words, dl, todo, group=doc_ord, priority=priority
                        )
                        recs = np.concatenate([recs, left])
                    else:
                        recs = sc.postings(s, a.words[0], dl)[0]
                except TimeUp:
                    return set(range(ndocs))  # unknown: show nothing rather than too much
                out[doc_ord[recs]] = True
    out[ndocs] = False
    return set(np.flatnonzero(out & wanted).tolist())


def top_docs(s, q, allowed, plan: Plan, cache: ReaderCache, excluded: set[int], dl: Deadline):
    """Top passages by score, collapsed to their documents (or not)."""
    want = plan.offset + plan.limit
    limit = max(want * 4, 50)
    flt = allowed[1] if allowed is not None else None
    while True:
        collector = TimeLimitCollector(
            s.collector(limit=limit, filter=flt),
            timelimit=max(0.01, dl.remaining()),
            use_alarm=False,
        )
        try:
            s.search_with_collector(q, collector)
        except TimeLimit:
            dl.cut_short = True
        res = collector.results()
        doc_ord = cache.doc_ord
        scored = (
            (d, score, doc_ord[d])
            for d, score in res.items()
            if doc_ord[d] >= 0 and doc_ord[d] not in excluded
        )
        seen = collapse(scored, plan.collapse)
        exhausted = res.scored_length() < limit
        if dl.cut_short:
            exhausted = True
        if len(seen) >= want or exhausted:
            return tie_broken(seen, cache, 6), exhausted
        limit *= 4


def matching_ords(
    s, q, allowed, cache: ReaderCache, excluded: set[int], dl: Deadline
) -> dict[int, int]:
    """Every matching document: ordinal -> its first matching passage docnum."""
    first: dict[int, int] = {}
    doc_ord = cache.doc_ord
    live = cache.live
    flt = allowed[1] if allowed is not None else None
    for i, d in enumerate(s.docs_for_query(q)):
        if (flt is not None and d not in flt) or (live is not None and d not in live):
            continue
        if i & 4095 == 4095 and dl.expired():
            break  # counts and facets become a lower bound
        o = doc_ord[d]
        if o >= 0 and o not in first:
            first[o] = d
    for o in excluded:
        first.pop(o, None)
    return first


def by_date(s, q, allowed, plan: Plan, cache: ReaderCache, excluded: set[int], dl: Deadline):
    first = matching_ords(s, q, allowed, cache, excluded, dl)
    hits = date_order(first, plan, cache)
    # Facets only when asked for: counting them costs as much as the sort.
    return hits, len(first), count_facets(first.keys(), cache, plan, dl) if plan.facets else {}


def kept_records(
    s,
    plan: Plan,
    cache: ReaderCache,
    dl: Deadline,
    scores,
    keep,
    allowed,
    excluded,
    priority,
):
    """``keep`` (a record mask) narrowed to live records with a score that pass the
    filters (``allowed``) and no exclusion. Exclusions not known yet (None) are
    checked only in the kept documents, the highest ``priority()`` first."""
    import numpy as np

    doc_ord = cache.doc_ord_array()
    keep &= scores > 0
    keep &= doc_ord >= 0
    if allowed is not None:
        keep &= cache.allowed_mask(allowed)
    if excluded is None:
        excluded = excluded_docs(s, plan, cache, dl, keep, priority())
    if excluded:
        keep &= ~np.isin(doc_ord, np.fromiter(excluded, dtype=np.int64))
    return keep


# --- shared by both paths ------------------------------------------------------
Scored = tuple[int, float | None, int]  # (record docnum, score, document ordinal)


def collapse(
    scored: Iterable[Scored], per_document: bool, stop_at: int | None = None
) -> dict[int, Scored]:
    """``scored`` records, best first, kept once per document (``per_document``: its
    best passage) or every one (passages ranked), in order; ``stop_at``: stop once
    that many are kept."""
    seen: dict[int, Scored] = {}
    for d, score, o in scored:
        key = o if per_document else -1 - d
        if key not in seen:
            seen[key] = (d, score, o)
            if stop_at is not None and len(seen) >= stop_at:
                break
    return seen


def tie_broken(
    seen: dict[int, Scored], cache: ReaderCache, digits: int, first: int | None = None
) -> list[Scored]:
    """Hits by score; scores equal to ``digits`` places fall back to document id,
    then record (a stable order whatever the summation order). With ``first``
    (``seen`` must then be in descending score order) only the first ``first`` hits
    of that order are returned: the others are not sorted."""
    hits = list(seen.values())
    if first is not None and len(hits) > first:
        # Rounding keeps the order of scores, so the first ``first`` hits are among
        # the ``first`` best scores and those that round as the last of them.
        last = round(hits[first - 1][1], digits)
        end = first
        while end < len(hits) and round(hits[end][1], digits) == last:
            end += 1
        hits = hits[:end]
    ranked = sorted(hits, key=lambda t: (-round(t[1], digits), cache.doc_ids[t[2]], t[0]))
    return ranked if first is None else ranked[:first]


def first_per_document(recs, doc_ord):
    """``recs`` (record numbers, best first) less every record whose document has
    an earlier one: each document's best record, in the same order."""
    import numpy as np

    ords = doc_ord[recs]
    order = np.argsort(ords, kind="stable")  # by document, each one's best first
    grouped = ords[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = grouped[1:] != grouped[:-1]
    return recs[np.sort(order[first])]


def date_order(first: dict[int, int], plan: Plan, cache: ReaderCache) -> list[Scored]:
    """The page of hits of ``first`` (document ordinal -> its passage) by date:
    newest first for ``date``, oldest for ``date_asc``; undated documents last
    either way; ties by document id."""
    dates, ids = cache.dates, cache.doc_ids
    newest = plan.sort == "date"
    order = sorted(first, key=lambda o: (dates[o] == 0, -dates[o] if newest else dates[o], ids[o]))
    return [(first[o], None, o) for o in order[: plan.offset + plan.limit]]


def _facet_codes(cache: ReaderCache) -> dict[str, tuple[Any, list]]:
    """Per facet field: (a code per document, the value of each code), codes in order
    of first appearance; built once per index generation (kept on the cache)."""
    import numpy as np

    got = getattr(cache, "_facet_codes", None)
    if got is None:
        got = {}
        for name, values in cache.facet_values.items():
            code: dict = {}
            arr = np.fromiter(
                (code.setdefault(v, len(code)) for v in values), np.int64, len(values)
            )
            got[name] = (arr, list(code))
        cache._facet_codes = got  # per-generation cache lives on it
    return got


def count_facets(ords, cache: ReaderCache, plan: Plan, dl: Deadline) -> dict[str, dict[str, int]]:
    """Facet counts of the documents ``ords`` (ordinals: an iterable or an array).

    Counted on integer codes (``_facet_codes``) with numpy, in the order
    ``Counter.most_common`` gives: most first, ties in order of first appearance in
    ``ords``. A Counter over every matching document's values cost ~10 ms of CPU per
    facet search on the sample corpus."""
    import numpy as np

    arr = np.asarray(ords, dtype=np.int64) if hasattr(ords, "dtype") else None
    if arr is None:
        arr = np.fromiter(ords, np.int64)
    codes = _facet_codes(cache)
    facets: dict[str, dict[str, int]] = {}
    for name in cache.facet_values:
        if dl.expired():
            break  # the facets counted so far (the search says it was cut short)
        col, keys = codes[name]
        sub = col[arr]
        uniq, first, counts = np.unique(sub, return_index=True, return_counts=True)
        out: dict[str, int] = {}
        for j in np.lexsort((first, -counts)).tolist():
            k = keys[uniq[j]]
            if k is None or k == "" or k == 0:  # Counter.pop of "", None, 0 before
                continue
            out[str(k)] = int(counts[j])
        facets[name] = out
    if plan.year_from is not None and plan.year_from == plan.year_to:
        ords = arr.tolist()  # Python ints (``ords`` may be an iterator, read above)
        # One year chosen: its months ("2021-06"), for a timeline by month.
        dates = cache.dates
        months = Counter(dates[o] // 100 for o in ords)
        months.pop(0, None)
        facets["month"] = {
            f"{m // 100}-{m % 100:02d}": n for m, n in months.most_common() if m % 100
        }
    return facets


def lazy_hits(
    reader, window, cache: ReaderCache, tiers: dict[int, str] | None = None
) -> Iterator[RawHit]:
    """The hits of ``window`` ((docnum, score, ordinal) triples), read one at a time."""
    tiers = tiers or {}
    for docnum, score, ordn in window:
        head = cache.head_docnum[ordn]
        doc = Document.from_json(reader.stored_fields(head)["doc"])
        pidx = reader.stored_fields(docnum).get("pidx", 0) if docnum != head else 0
        yield RawHit(doc.id, score, pidx, doc, tier=tiers.get(ordn, ""))


# --- plan -> Whoosh queries ----------------------------------------------------


def vectorizable(plan: Plan) -> bool:
    """Plans of term and phrase alternatives over the text fields (all but
    document-number lookups) are ranked by the vectorized path."""
    clauses = [c for c in plan.clauses if c.occur != "must_not"]
    return bool(clauses) and all(
        f in TEXT_FIELDS or f == REGION_FIELD for c in clauses for a in c.alts for f in a.fields
    )


def _alt_query(alt: Alt) -> Q.Query:
    parts = []
    for f in alt.fields:
        if f == REGION_FIELD:  # matches its region's documents, scores nothing
            parts.append(Q.ConstantScoreQuery(Q.Term(f, alt.words[0]), 0.0))
            continue
        if alt.phrase:
            parts.append(Q.Phrase(f, list(alt.words), boost=alt.weight))
        else:
            parts.append(Q.Term(f, alt.words[0], boost=alt.weight))
    return parts[0] if len(parts) == 1 else Q.Or(parts)


def _clause_query(c: Clause) -> Q.Query:
    qs = [_alt_query(a) for a in c.alts]
    return qs[0] if len(qs) == 1 else Q.Or(qs)


def build_query(plan: Plan) -> Q.Query | None:
    must = [_clause_query(c) for c in plan.clauses if c.occur == "must"]
    should = [_clause_query(c) for c in plan.clauses if c.occur == "should"]
    if must and should:
        return Q.AndMaybe(Q.And(must) if len(must) > 1 else must[0], Q.Or(should))
    if must:
        return Q.And(must) if len(must) > 1 else must[0]
    if should:
        return Q.Or(should)
    return None


def explain_scores(s, q: Q.Query, docnum: int) -> dict[str, float]:
    """Per-term BM25F contributions for one record (for --explain)."""
    out: dict[str, float] = {}
    w = s.weighting
    for leaf in q.leaves():
        if isinstance(leaf, Q.Term):
            fieldname, text = leaf.fieldname, leaf.text
            try:
                m = s.postings(fieldname, text)
            except (TermNotFound, KeyError):  # term (TermNotFound) or field (KeyError) not indexed
                continue
            if m.is_active():
                m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                sc = w.scorer(s, fieldname, text).score(m) * leaf.boost
                out[f"{fieldname}:{text}"] = round(sc, 3)
        elif isinstance(leaf, Q.Phrase):
            sc = _phrase_score_at(s, leaf.fieldname, tuple(leaf.words), docnum)
            if sc:
                out[f'{leaf.fieldname}:"{" ".join(leaf.words)}"'] = round(sc * leaf.boost, 3)
    return out


def _phrase_score_at(s, fieldname: str, words: tuple[str, ...], docnum: int) -> float:
    """Whoosh's score of a phrase at one record, or 0 (checked at that record only:
    Whoosh's phrase matcher would walk on to the next match, at unbounded cost)."""
    from index.fast_scoring import phrase_at

    order = list(dict.fromkeys(words))
    try:
        matchers = {w: s.postings(fieldname, w) for w in order}
    except (TermNotFound, KeyError):  # a word (or the field) not in the index
        return 0.0
    offsets = {w: [j for j, x in enumerate(words) if x == w] for w in order}
    if not phrase_at(matchers, order, offsets, docnum):
        return 0.0
    total = 0.0
    for w in words:
        m = s.postings(fieldname, w)
        m.skip_to(docnum)
        total += s.weighting.scorer(s, fieldname, w).score(m)
    return total
