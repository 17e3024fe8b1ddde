"""Title-first ranking: documents whose title holds the whole query come first.

Place in the flow: the Whoosh backend's vectorized relevance path calls
:func:`rank_title_first` for plans with ``title_first`` set (titles, law names,
keywords -- see ``search.profiles``). It re-orders what plain matching found;
it never adds or drops a document (combine, don't switch).

Order, per document:

1. an exact title (every query word in the title, and the title exactly as many
   index tokens long as one of ``plan.exact_title_lengths``), the titles the query
   names (``plan.own_titles``) first;
2. every query clause matched in a title field (Chinese title, attested or
   draft English title), strongest match first (the user's own words over
   glossary renderings, see ``title_match``; but among the strong matches,
   ``STRONG_TITLE_MATCH``, first the titles holding the kind of document asked
   for in English, ``preferred_alternatives``: 条例 for digital economy
   regulations) -- then titles where the clauses stand together in the
   query's order (``title_phrases``: 能源发展 in 能源发展战略 before
   新能源高质量发展), then higher level first (法律 > 行政法规 >
   国务院 and its offices > departments > local), then in force, then newer,
   then the text score. Title-only records compete on equal terms: only titles
   and metadata decide inside this tier;
3. keywords only (``plan.title_partial``), when the query has at least
   ``PARTIAL_MIN_CLAUSES`` clauses: documents whose titles hold part of it (at
   least ``partial_need``), more clauses first, then rarer ones (``title_rarity``),
   then the text score -- 绿色金融 titles for 绿色 金融 体制改革, where no title holds
   all three and the text score put passing mentions first;
4. everything else by its text score.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from index.deadline import Deadline
from index.doctypes import LEVEL_RANK, TITLE_ENDINGS
from index.normalize import compact_title
from index.plan import Alt, Plan

# How much a match in each title field counts: a machine draft only restates the
# Chinese title in English, so matching it is weaker than a glossary rendering
# matching the Chinese title itself (0.7 for a preferred rendering).
# A place typed among keywords (上海 公共租赁住房) is held by its region's documents as
# their titles would hold it: Shanghai's titles say 市政府 or 本市, not 上海. An
# alternative in this pseudo-field matches the documents whose region is its word;
# it scores nothing (search.planning adds it; both backends read it).
REGION_FIELD = "region"
TITLE_FIELD_FACTOR = {"title": 1.0, "title_en": 1.0, "title_draft": 0.65, REGION_FIELD: 1.0}
PREFERRED_FIELDS = ("title", "title_en")  # see preferred_alternatives
# A title match at least this strong is the user's own word or the glossary's first
# rendering of it: a kind asked for in English (preferred_alternatives) reorders
# titles inside this band and inside the weaker one, never across them, so 一体化条例
# (a second rendering of integrity) stays below the 诚信 titles.
STRONG_TITLE_MATCH = 0.7
# What a title match may come from: the words typed, the glossary's renderings and a
# glossary term spelled in pinyin (pingtai jingji: 平台经济); dictionary senses do not count.
TITLE_ORIGINS = ("user", "curated", "user-glossary", "pinyin")

# The tiers of the module doc, as each hit carries it (``RawHit.tier``): what a caller
# needs to know of a hit without judging its title again (search.fill).
EXACT, TITLE, PARTIAL = "exact", "title", "partial"
TITLE_TIERS = (EXACT, TITLE, PARTIAL)

# Higher is more authoritative (see module doc). Facts about the corpus's values:
# levels of the laws data (LEVEL_RANK, index/doctypes.py), 全国 as the national region, State Council issuers.
CENTRAL_ISSUERS = ("国务院", "中共中央", "全国人民代表大会", "中央军委")
NATIONAL_REGION = "全国"
CENTRAL_RANK = 4
NATIONAL_RANK = 3
LOCAL_RANK = 1
STATUS_RANK = {"现行有效": 2, "": 1, "未知": 1, "尚未生效": 1}  # anything else (已废止 ...) 0


def title_alternatives(plan: Plan) -> Iterator[list[tuple[Alt, str, float]]]:
    """Per clause that scores (``must_not`` left out), the alternatives that count as
    title evidence: (alternative, title field, its weight times the field's factor).
    Dictionary senses count only when the plan asks for title expansions. Both
    backends' title strength reads this."""
    origins = TITLE_ORIGINS if plan.title_expansions else ("user",)
    for c in plan.clauses:
        if c.occur == "must_not" or c.title_optional:
            continue
        yield [
            (a, f, a.weight * TITLE_FIELD_FACTOR[f])
            for a in c.alts
            if a.origin in origins
            for f in a.fields
            if f in TITLE_FIELD_FACTOR
        ]


def preferred_alternatives(plan: Plan) -> list[tuple[Alt, str]]:
    """(alternative, title field) of the clauses that titles are to prefer
    (``Clause.title_preferred``: regulations after an English topic): a title holding
    any of them comes first inside its tier. The user's own word, and of its
    renderings only the document types (``TITLE_ENDINGS``: 条例 for regulations, not
    监管, which the glossary gives too: 食品安全监管 notices are no regulations). Not
    in machine-drafted English titles either: they render 放管服 as "Strengthening
    Regulation". Both backends read this."""
    return [
        (a, f)
        for c in plan.clauses
        if c.title_preferred and c.occur != "must_not"
        for a in c.alts
        if a.origin == "user" or (a.origin in TITLE_ORIGINS and "".join(a.words) in TITLE_ENDINGS)
        for f in a.fields
        if f in PREFERRED_FIELDS
    ]


def title_phrases(plan: Plan) -> list[tuple[str, tuple[str, ...]]]:
    """(title field, words): the whole query as one phrase in each title field --
    every scoring clause's strongest alternative in that field, in the query's
    order. Empty unless the plan asks for it (keywords, ``Plan.title_together``),
    for a one-clause query (its title match already is the phrase)
    and when some clause has no place in the query (an OR group; words typed apart
    joined, whose title tier already asks for the compound); a field that some
    clause cannot match is left out. Both backends' title tiers read this."""
    if not plan.title_together:
        return []
    scoring = [c for c in plan.clauses if c.occur != "must_not" and not c.title_optional]
    if len(scoring) < 2 or any(c.start < 0 for c in scoring):
        return []
    order = sorted(range(len(scoring)), key=lambda i: scoring[i].start)
    alts_of = list(title_alternatives(plan))  # one list per scoring clause, same order
    clauses = [alts_of[i] for i in order]
    out = []
    for f in TITLE_FIELD_FACTOR:
        words: list[str] = []
        for alts in clauses:
            mine = [(val, a) for a, field, val in alts if field == f]
            if not mine:
                break
            words.extend(max(mine, key=lambda t: t[0])[1].words)  # first of equals
        else:
            out.append((f, tuple(words)))
    return out


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
        cache._title_rank_static = got  # per-generation cache lives on it
    return got


def _id_rank(cache: Any) -> np.ndarray:
    """Per document, its place in id order: the final, stable tie-break."""
    got = getattr(cache, "_title_rank_ids", None)
    if got is None:
        ids = np.asarray(cache.doc_ids)
        got = np.empty(len(ids), dtype=np.int64)
        got[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        cache._title_rank_ids = got
    return got


def _title_lengths(s: Any, cache: Any) -> np.ndarray:
    lengths = getattr(cache, "_title_rank_lengths", None)
    if lengths is None:
        scorer = cache.term_scorer(s, "title")
        lengths = np.nan_to_num(scorer.lengths[cache.head_array()]).astype(np.int32)
        cache._title_rank_lengths = lengths
    return lengths


def title_match(s: Any, plan: Plan, cache: Any) -> np.ndarray:
    """Per document, how strongly its titles hold the whole query: the weakest
    clause's best title match (the alternative's weight times its field's factor),
    0 when some clause matches no title. The user's own words weigh 1; a glossary
    rendering its expansion weight; a machine-drafted English title counts less."""
    return title_matches(s, plan, cache)[0]


def region_docs(cache: Any, region: str) -> np.ndarray:
    """Per document, whether its region is ``region`` (cached per index generation)."""
    masks = getattr(cache, "_title_rank_regions", None)
    if masks is None:
        masks = cache._title_rank_regions = {}
    got = masks.get(region)
    if got is None:
        values = cache.facet_values["region"]
        got = np.fromiter((v == region for v in values), dtype=bool, count=len(values))
        masks[region] = got
    return got


def _title_records(s: Any, a: Alt, f: str, cache: Any) -> np.ndarray:
    """The records whose title field ``f`` holds the alternative ``a`` (for the
    region pseudo-field: the head records of the region's documents)."""
    from index.fast_scoring import phrase_matches

    if f == REGION_FIELD:
        return cache.head_array()[np.flatnonzero(region_docs(cache, a.words[0]))]

    scorer = cache.term_scorer(s, f)
    if a.phrase:
        # The vectorized phrase check, unbounded as Whoosh's phrase matcher was (same
        # records): its complete answer is kept for the index generation, where
        # Whoosh's span matcher walked every candidate again on every search (a third
        # of a warm Whoosh search's CPU).
        return phrase_matches(s, scorer, a.words, Deadline(math.inf))[0]
    return scorer.postings(s, a.words[0])[0]


def strong_match(strength: Any) -> Any:
    """Whether a title-match strength is in the strong band (``STRONG_TITLE_MATCH``);
    rounded as the tiers compare strengths."""
    return np.round(strength, 3) >= STRONG_TITLE_MATCH


def title_preferred(s: Any, plan: Plan, cache: Any) -> np.ndarray:
    """Per document, whether a title holds a preferred clause (``preferred_alternatives``)."""
    doc_ord = cache.doc_ord_array()
    ndocs = len(cache.doc_ids)
    hit = np.zeros(ndocs + 1, dtype=bool)  # last slot: records of no live document
    for a, f in preferred_alternatives(plan):
        ids = _title_records(s, a, f, cache)
        if len(ids):
            hit[doc_ord[ids]] = True
    return hit[:ndocs]


def title_matches(s: Any, plan: Plan, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document: ``title_match``; how many scoring clauses its titles hold; and
    the sum of their rarity (the idf of each held clause among titles: a title that
    holds 新能源汽车 says more than one that holds 农村). The last two are counted for
    plans that rank by them (``plan.title_partial``), zeros otherwise."""
    doc_ord = cache.doc_ord_array()
    ndocs = len(cache.doc_ids)
    out: np.ndarray | None = None
    held = np.zeros(ndocs, dtype=np.int16)
    rarity = np.zeros(ndocs, dtype=np.float32)
    for alts in title_alternatives(plan):
        hit = np.zeros(ndocs + 1, dtype=np.float32)  # last slot: records of no live document
        for a, f, val in alts:
            ids = _title_records(s, a, f, cache)
            if len(ids):
                ords = doc_ord[ids]  # -1 lands on the spare slot
                np.maximum.at(hit, ords, np.float32(val))
        hit = hit[:ndocs]
        if plan.title_partial:  # only keywords rank by part of the query
            has = hit > 0
            held += has
            rarity[has] += title_rarity(ndocs, int(has.sum()))
        out = hit if out is None else np.minimum(out, hit)
    return (out if out is not None else np.zeros(ndocs, dtype=np.float32)), held, rarity


# A query of this many clauses or more has titles that hold part of it ranked above
# text matches; with two, part of it is one word (电力监管条例 for 平台经济 监管).
PARTIAL_MIN_CLAUSES = 3


def partial_need(clauses: int) -> int:
    """How many of a query's clauses a title must hold to rank above text matches
    when it does not hold them all: two, and at least half; 0 when the query is too
    short for part of it to say anything (``PARTIAL_MIN_CLAUSES``)."""
    return max(2, -(-clauses // 2)) if clauses >= PARTIAL_MIN_CLAUSES else 0


def title_rarity(documents: int, holding: int) -> float:
    """What holding one clause in its title says of a document: the clause's idf
    among titles (``holding`` of ``documents`` titles hold it). Both backends."""
    return math.log(1 + documents / (1 + holding))


def partial_key(held: int, rarity: float, score: float) -> tuple[int, float, float]:
    """Order of the titles that hold part of the query: more clauses, rarer ones, then
    the text score, as an ascending sort key: Xapian's partial tier sorts by it, and
    Whoosh's vectorized sort (``rank_title_first``) uses the same keys."""
    return (-held, -round(rarity, 3), -score)


def title_phrase(s: Any, plan: Plan, cache: Any) -> np.ndarray:
    """Per document, whether a title field holds the whole query as one phrase
    (``title_phrases``)."""
    from index.fast_scoring import phrase_matches

    doc_ord = cache.doc_ord_array()
    ndocs = len(cache.doc_ids)
    hit = np.zeros(ndocs + 1, dtype=bool)  # last slot: records of no live document
    for f, words in title_phrases(plan):
        ids = phrase_matches(s, cache.term_scorer(s, f), words, Deadline(math.inf))[0]
        if len(ids):
            hit[doc_ord[ids]] = True
    return hit[:ndocs]


def _partial_tier(
    plan: Plan, docs: np.ndarray, held: np.ndarray, rarity: np.ndarray, best: np.ndarray, cache: Any
) -> np.ndarray:
    """The documents of ``docs`` whose titles hold part of the query, in
    ``partial_key`` order (more clauses, rarer ones, the text score, then id)."""
    need = partial_need(sum(1 for _ in title_alternatives(plan)))
    p = docs[held[docs] >= need] if need else docs[:0]
    keys = (_id_rank(cache)[p], -best[p], -np.round(rarity[p], 3), -held[p])
    return p[np.lexsort(keys)]


def rank_title_first(
    s: Any, plan: Plan, cache: Any, scores: np.ndarray, keep: np.ndarray
) -> tuple[list[tuple[int, float, int]], int, list[int], dict[int, str]]:
    """(hits as (record, score, document ordinal), total documents, every matching
    ordinal, the tier of each hit ranked in a title tier by its ordinal)."""
    doc_ord = cache.doc_ord_array()
    nz = np.flatnonzero(keep)
    ndocs = len(cache.doc_ids)
    best = np.zeros(ndocs, dtype=np.float32)
    if len(nz):
        np.maximum.at(best, doc_ord[nz], scores[nz])
    cand = np.flatnonzero(best > 0)
    want = plan.offset + plan.limit
    if not len(cand):
        return [], 0, [], {}
    strength_all, held_all, rarity_all = title_matches(s, plan, cache)
    in_title = strength_all[cand] > 0
    tier_idx = np.flatnonzero(in_title)
    rest_idx = np.flatnonzero(~in_title)
    order: list[int] = []
    tiers: dict[int, str] = {}
    if len(tier_idx):
        order, shown_exact = _title_tier(s, plan, cache, cand[tier_idx], strength_all, best, want)
        tiers.update((o, EXACT if e else TITLE) for o, e in zip(order, shown_exact, strict=True))
    if len(order) < want and len(rest_idx) and plan.title_partial:
        part = _partial_tier(plan, cand[rest_idx], held_all, rarity_all, best, cache)
        shown = part[: want - len(order)].tolist()
        order.extend(shown)
        tiers.update((o, PARTIAL) for o in shown)
        rest_idx = rest_idx[~np.isin(cand[rest_idx], part)]
    if len(order) < want and len(rest_idx):
        r = cand[rest_idx]
        need = want - len(order)
        if need < len(r):
            r = r[np.argpartition(-best[r], need - 1)[:need]]
        r = sorted(r.tolist(), key=lambda o: (-round(float(best[o]), 5), cache.doc_ids[o]))
        order.extend(r[:need])
    return _hits_of(order, nz, scores, best, cache), len(cand), cand.tolist(), tiers


def _title_tier(
    s: Any, plan: Plan, cache: Any, t: np.ndarray, strength: np.ndarray, best: np.ndarray, want: int
) -> tuple[list[int], list[bool]]:
    """The first ``want`` of the title tier's documents ``t`` in the module doc's
    order, and whether each is an exact title."""
    level, status, dates = _static(cache)
    exact = np.zeros(len(t), dtype=bool)
    own = np.zeros(len(t), dtype=bool)
    if plan.exact_title_lengths:
        exact = np.isin(_title_lengths(s, cache)[t], np.asarray(plan.exact_title_lengths))
        own = _own_titles(s, plan, cache, t, exact)
    # np.lexsort: the last key is the primary one.
    keys = (
        _id_rank(cache)[t],
        -best[t],
        -dates[t],
        -status[t].astype(np.int16),
        -level[t].astype(np.int16),
        ~title_phrase(s, plan, cache)[t],
        -np.round(strength[t], 3),
        ~title_preferred(s, plan, cache)[t],
        ~strong_match(strength[t]),
        ~own,
        ~exact,
    )
    first = np.lexsort(keys)[:want]
    return t[first].tolist(), exact[first].tolist()


# Exact-tier documents whose stored title is compared with the query's. Whoosh keeps a
# field's length in one lossy byte (11 and 12 tokens read back alike), so only the
# title itself tells 刑法修正案 from 刑法修正案（十二）; the tier is rarely longer.
MAX_OWN_TITLE_READS = 64


def _own_titles(s: Any, plan: Plan, cache: Any, t: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Which of the title tier's documents ``t`` are titled as the query names them
    (``plan.own_titles``): read for the first ``MAX_OWN_TITLE_READS`` exact ones."""
    own = np.zeros(len(t), dtype=bool)
    if not plan.own_titles:
        return own
    names = set(plan.own_titles)
    for i in np.flatnonzero(exact)[:MAX_OWN_TITLE_READS]:
        doc, _light = cache.light_document(s, cache.head_docnum[int(t[i])])
        own[i] = compact_title(doc.title) in names
    return own


def _hits_of(
    order: list[int], nz: np.ndarray, scores: np.ndarray, best: np.ndarray, cache: Any
) -> list[tuple[int, float, int]]:
    """(record, score, document ordinal) per ordered document: the best-scoring
    record of each is its hit (its best passage)."""
    doc_ord = cache.doc_ord_array()
    recs = nz[np.isin(doc_ord[nz], np.asarray(order, dtype=np.int64))]
    recs = recs[scores[recs] >= best[doc_ord[recs]]]
    first: dict[int, int] = {}
    for d in recs.tolist():
        first.setdefault(int(doc_ord[d]), d)
    return [(first.get(o, cache.head_docnum[o]), float(best[o]), o) for o in order]
