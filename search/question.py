"""Question ranking: what a layperson's legal question adds to plain matching.

Place in the flow: ``search.engine`` builds the plan of a query; when the query
reads as a question (``search.intent``) and is ranked as one (a long Chinese
question: article text only, the authority prior -- ``Plan.authority_prior``),
:func:`refine` adds to it, and :func:`search` runs it. Every other intent is
left exactly as it was.

What is added (each measured on the STARD tune half only, docs/relevance-rounds.md):

* **layperson words -> legal words** (``search/data/layperson_terms.tsv``): a
  question says 偷 where the law says 盗窃, 老公 where it says 配偶. The legal
  words are added to the clause of the everyday word as extra alternatives of
  lower weight: they combine with it, they never replace it;
* **a law's support for its articles** (article ranking, ``passages``): among
  the top articles, each gains a share of the scores of its law's other best
  matching articles, so a law several of whose articles match ranks its best
  article above a lone article that happens to share a word or two;
* **headings** (both rankings): an article whose law book or chapter heading
  (``Document.subtitle``, ``Passage.chapter``: 侵权责任编, 第七章 相邻关系) holds a
  question word gains that word's idf, weighted: the heading says what the
  articles under it are about, which their own text often does not repeat;
* **documents ranked by their articles** (the everyday search, one hit per
  document): the same top articles, each law scored by its best article plus a
  decayed share of its next best ones (max + decayed sum), instead of its best
  article alone; documents outside that pool follow in their plain order.

Tried on the same tune half and left out (docs/relevance-rounds.md): BM25 k1/b other than the
defaults, more question filler words, sub-words of long question words,
pseudo-relevance feedback (RM3-style; it also doubled the cost), CC-CEDICT
synonyms (words sharing an English gloss), the law title as a weak field.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from index.analysis import terms as analyze
from index.deadline import Deadline
from index.plan import Alt, Backend, Clause, Plan, RawHit, RawResults
from index.pool import PoolHit, Rerank, search_pool
from search.intent import Intent
from search.query import Unit

Hit = TypeVar("Hit", RawHit, PoolHit)  # a backend's hit, or a pool's (index.pool)

DATA = Path(__file__).resolve().parent / "data" / "layperson_terms.tsv"
# A legal word added for an everyday one counts this much of a typed word: less than
# what the user typed (STARD tune half: 0.3-1.0 all helped, more weight more; 0.8 kept).
LEGAL_WEIGHT = 0.8
# A short question whose every word fewer documents hold than this (less than a page)
# is asked again as a question (search.engine): the answer to 公司拖欠工资怎么办 is the
# Labour Law's article on wages, which does not say 公司.
FEW_ANSWERS = 10


class TableError(ValueError):
    """The layperson table is malformed (a packaging error, not a user's)."""


def read_table(path: Path = DATA) -> dict[str, tuple[str, ...]]:
    """everyday word -> legal words, from a TAB-separated file: the everyday word,
    then one or more legal words separated by spaces or commas; '#' comments."""
    out: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                raise TableError(f"{path}:{lineno}: want 'everyday<TAB>legal words'")
            legal = tuple(w for w in parts[1].replace(",", " ").split() if w)
            key = parts[0].strip()
            out[key] = tuple(dict.fromkeys(out.get(key, ()) + legal))
    return out


@functools.lru_cache(maxsize=1)
def table() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The table as index terms: analyzed everyday word -> analyzed legal words."""
    out: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for everyday, legal in read_table().items():
        key = tuple(analyze(everyday))
        if not key:
            continue
        words = tuple(t for t in (tuple(analyze(w)) for w in legal) if t and t != key)
        if words:
            out[key] = tuple(dict.fromkeys(out.get(key, ()) + words))
    return out


def applies(plan: Plan, intent: Intent | None) -> bool:
    """A question ranked as one: the question intent and the question ranking."""
    return intent is not None and intent.kind == "question" and plan.authority_prior


def legal_alts(clause: Clause, have: set[tuple[str, ...]]) -> list[Alt]:
    """The legal words of a clause's everyday words, not already in the query."""
    out: list[Alt] = []
    for a in clause.alts:
        if a.origin != "user":
            continue
        for words in table().get(a.words, ()):
            if words in have:
                continue
            have.add(words)
            out.append(Alt(words, LEGAL_WEIGHT, "layperson", a.fields, display="".join(words)))
    return out


def refine(plan: Plan, intent: Intent | None) -> Plan:
    """``plan`` with the legal words of its everyday words, for a question ranked
    as one (:func:`applies`); any other plan is returned as is."""
    if not applies(plan, intent):
        return plan
    have = {a.words for c in plan.clauses for a in c.alts}
    clauses = []
    for c in plan.clauses:
        if c.occur == "must_not":
            clauses.append(c)
            continue
        more = legal_alts(c, have)
        clauses.append(replace(c, alts=c.alts + tuple(more)) if more else c)
    return replace(plan, clauses=clauses)


# Article ranking: a law several of whose articles match a question is more likely
# the law that answers it, so each article gains a share of its law's other best
# matching articles (STARD tune half, docs/relevance-rounds.md).
GROUP_WEIGHT = 0.1  # share of the other articles' scores an article gains
GROUP_OTHERS = 3  # how many of its law's other articles count
# Articles re-ranked (the backend's top); deeper ones keep their order. 300: articles
# 201-300 can rise into the top 100 (STARD tune half R@100 0.720 -> 0.737; 400: no more).
GROUP_POOL = 300


def with_parts(units: list[Unit]) -> list[Unit]:
    """A short question's long words also as their parts (拖欠工资 -> 拖欠, 工资), for
    asking it again as a question: the Labour Law says 拖欠劳动者的工资, which holds
    the parts, not the word. Words typed apart and function words are as they were."""
    from search.planning import subword_cover

    out: list[Unit] = []
    have = {u.terms for u in units}
    for u in units:
        out.append(u)
        if u.negated or u.phrase or len(u.terms) != 1:
            continue
        for part in subword_cover(u.terms[0]):
            terms = tuple(analyze(part))
            if terms not in have:  # 拖欠 拖欠工资: 拖欠 is asked once
                have.add(terms)
                out.append(replace(u, text=part, terms=terms))
    return out


def support(scores: list[float], others: int = GROUP_OTHERS) -> list[float]:
    """For each score of one document's articles, the sum of the best ``others``
    scores among the *other* articles of that document."""
    best = sorted(scores, reverse=True)[: others + 1]
    total = sum(best[:others])
    cut = best[others] if len(best) > others else 0.0  # the next best, when one is inside
    return [total - s + cut if s >= best[min(others, len(best)) - 1] else total for s in scores]


def regroup(hits: list[Hit]) -> list[Hit]:
    """``hits`` (articles, best first) re-ranked with their document's support."""
    by_doc: dict[str, list[int]] = {}
    for i, h in enumerate(hits):
        by_doc.setdefault(h.doc_id, []).append(i)
    score = [h.score for h in hits]
    for idx in by_doc.values():
        for i, extra in zip(idx, support([hits[i].score for i in idx]), strict=True):
            score[i] = hits[i].score + GROUP_WEIGHT * extra
    order = sorted(range(len(hits)), key=lambda i: (-round(score[i], 6), i))
    return [_rescored(hits[i], score[i]) for i in order]


def _rescored(h: Hit, score: float) -> Hit:
    """``h`` with another score (a pool hit copied directly: ``replace`` costs more)."""
    return h.rescored(score) if isinstance(h, PoolHit) else replace(h, score=score)


# Headings: a question word in the heading of an article's law book or chapter
# (侵权责任编, 第七章 相邻关系) adds HEADING_WEIGHT x that word's idf (its clause's
# best such word, times the word's weight in the query). STARD tune half, docs/relevance-rounds.md:
# 0.2-0.7 all helped a little (0.7 most), 1.0 traded nDCG@10 for recall.
HEADING_WEIGHT = 0.5


@functools.lru_cache(maxsize=4096)
def _heading_terms(text: str) -> frozenset[str]:
    return frozenset(analyze(text))


def heading_terms(hit: RawHit | PoolHit) -> frozenset[str]:
    """The index terms of an article's headings: its law book (the document's
    subtitle) and the chapter it stands in (``Document.heading``)."""
    if isinstance(hit, PoolHit):
        return _heading_terms(hit.heading)
    return _heading_terms(hit.document.heading(hit.passage))


def clause_terms(plan: Plan) -> list[dict[str, float]]:
    """Each scoring clause's one-word article-text alternatives: term -> weight."""
    out = []
    for c in plan.clauses:
        if c.occur == "must_not":
            continue
        words: dict[str, float] = {}
        for a in c.alts:
            if len(a.words) == 1 and "body" in a.fields:
                words[a.words[0]] = max(words.get(a.words[0], 0.0), a.weight)
        if words:
            out.append(words)
    return out


# (index folder, generation) -> (documents, word -> article records holding it)
_CORPUS: dict[tuple[str, int], tuple[int, dict[str, int]]] = {}


def _corpus(backend: Backend) -> tuple[int, dict[str, int]]:
    """The backend's document count (Whoosh counts them) and the body frequencies
    asked so far, once per index generation (one generation check per question)."""
    key = (str(backend.path), backend.generation())
    got = _CORPUS.get(key)
    if got is None or len(got[1]) > 100_000:  # distinct heading words: bounded
        _CORPUS.clear()
        got = _CORPUS[key] = (backend.doc_count(), {})
    return got


def with_headings(hits: list[Hit], plan: Plan, backend: Backend) -> list[Hit]:
    """``hits`` with their heading bonus added, best first (ties keep their order)."""
    clauses = clause_terms(plan)
    if HEADING_WEIGHT <= 0 or not clauses:
        return hits
    where: dict[str, list[tuple[int, float]]] = {}  # term -> (clause, weight) it stands in
    for i, words in enumerate(clauses):
        for t, wt in words.items():
            where.setdefault(t, []).append((i, wt))
    found = [heading_terms(h) & where.keys() for h in hits]
    if not any(found):
        return hits
    n, dfs = _corpus(backend)
    idf: dict[str, float] = {}
    out = []
    for h, common in zip(hits, found, strict=True):
        if not common:
            out.append(h)
            continue
        best: dict[int, float] = {}  # clause -> its best heading word's weighted idf
        for t in common:
            if t not in idf:
                # df counts article records, n documents: a word in more articles
                # than there are documents weighs next to nothing, as it should.
                df = dfs.get(t)
                if df is None:
                    df = dfs[t] = backend.doc_frequency("body", t)
                idf[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for i, wt in where[t]:
                best[i] = max(best.get(i, 0.0), wt * idf[t])
        out.append(_rescored(h, h.score + HEADING_WEIGHT * sum(best.values())))
    order = sorted(range(len(out)), key=lambda i: (-round(out[i].score, 6), i))
    return [out[i] for i in order]


# Document ranking: a law several of whose articles match is more likely the one
# that answers (民法典's books hold many matching articles). Each document of the
# article pool scores its best article plus DOC_DECAY^i of its i-th next best (i <
# DOC_ARTICLES). STARD tune half, docs/relevance-rounds.md: document R@10 0.838 -> 0.862 (decay 0.3
# or 0.5 alike; pools of 100 / 150 / 300 articles gave 0.841 / 0.852 / 0.855).
DOC_DECAY = 0.3
DOC_ARTICLES = 3
DOC_POOL = 200  # articles whose documents are ranked this way


def law_score(scores: list[float]) -> float:
    """A document's score from its articles' scores: the best, plus decayed shares
    of the next best (at most ``DOC_ARTICLES`` in all)."""
    best = sorted(scores, reverse=True)[:DOC_ARTICLES]
    return sum(s * DOC_DECAY**i for i, s in enumerate(best))


def rank_documents(hits: list[Hit]) -> list[Hit]:
    """Articles (any order) -> one hit per document, best document first: its best
    article, scored by :func:`law_score` of all its articles in ``hits``."""
    scores: dict[str, list[float]] = {}
    best: dict[str, Hit] = {}
    for h in hits:
        scores.setdefault(h.doc_id, []).append(h.score)
        if h.doc_id not in best or h.score > best[h.doc_id].score:
            best[h.doc_id] = h
    total = {d: law_score(v) for d, v in scores.items()}
    order = sorted(best, key=lambda d: -round(total[d], 6))  # stable: ties keep hit order
    return [_rescored(best[d], total[d]) for d in order]


def _document_page(plan: Plan, backend: Backend) -> Rerank:
    """A question's documents (:func:`index.pool.search_pool`'s ``rerank``): those of
    the top articles ranked by their articles (:func:`rank_documents`), then the plain
    (collapsed) ranking's others in order. Every page is cut from the same order, so
    pages stay consistent; the totals and facets are the plain search's."""
    want = plan.offset + plan.limit

    def page(articles: list[PoolHit], documents: Callable[[], list[PoolHit]]) -> list[PoolHit]:
        front = rank_documents(with_headings(regroup(articles[:DOC_POOL]), plan, backend))
        # The plain ranking's first ``want`` hold at least ``want - len(front)`` documents
        # not in front; when front fills the page, none is needed.
        rest = documents() if len(front) < want else []
        seen = {h.doc_id for h in front}
        hits = front + [h for h in rest if h.doc_id not in seen]
        return hits[plan.offset : want]

    return page


def _article_page(plan: Plan, backend: Backend) -> Rerank:
    """A question's articles (``rerank``): the pool's top GROUP_POOL re-ranked with
    their document's support and headings, deeper ones in the backend's order."""

    def page(articles: list[PoolHit], _documents: Callable[[], list[PoolHit]]) -> list[PoolHit]:
        pooled = with_headings(regroup(articles[:GROUP_POOL]), plan, backend)
        return (pooled + articles[GROUP_POOL:])[plan.offset : plan.offset + plan.limit]

    return page


def search(
    backend: Backend,
    plan: Plan,
    intent: Intent | None,
    *,
    explain: bool = False,
    deadline: Deadline | None = None,
) -> RawResults:
    """``backend.search(plan)``; for a question ranked by relevance, its articles
    (``collapse`` off) re-ranked with their document's support (:func:`regroup`)
    and its documents ranked by their articles (:func:`_document_page`) -- from one
    search where the backend offers it (index.pool)."""
    if not (GROUP_WEIGHT > 0 and applies(plan, intent) and plan.sort == "relevance"):
        return backend.search(plan, explain=explain, deadline=deadline)
    if plan.collapse:
        if DOC_DECAY > 0:
            rerank = _document_page(plan, backend)
            return search_pool(backend, plan, DOC_POOL, rerank, explain=explain, deadline=deadline)
        return backend.search(plan, explain=explain, deadline=deadline)
    pool = max(GROUP_POOL, plan.offset + plan.limit)
    rerank = _article_page(plan, backend)
    return search_pool(backend, plan, pool, rerank, explain=explain, deadline=deadline)
