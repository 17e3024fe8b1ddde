"""Question ranking: what a layperson's legal question adds to plain matching.

Place in the flow: ``search.engine`` builds the plan of a query; when the query
reads as a question (``search.intent``) and is ranked as one (a long Chinese
question: article text only, the authority prior -- ``Plan.authority_prior``),
:func:`refine` adds to it, and :func:`search` runs it. Every other intent is
left exactly as it was.

What is added (each measured on the STARD tune half only, README):

* **layperson words -> legal words** (``search/data/layperson_terms.tsv``): a
  question says 偷 where the law says 盗窃, 老公 where it says 配偶. The legal
  words are added to the clause of the everyday word as extra alternatives of
  lower weight: they combine with it, they never replace it;
* **a law's support for its articles** (article ranking, ``passages``): among
  the top articles, each gains a share of the scores of its law's other best
  matching articles, so a law several of whose articles match ranks its best
  article above a lone article that happens to share a word or two. Documents
  (the everyday search) are ranked as before.

Tried on the same tune half and left out (README): BM25 k1/b other than the
defaults, more question filler words, sub-words of long question words, and
pseudo-relevance feedback (RM3-style; it also doubled the cost).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from index.analysis import terms as analyze
from index.deadline import Deadline
from index.plan import Alt, Backend, Clause, Plan, RawHit, RawResults
from search.intent import Intent

DATA = Path(__file__).resolve().parent / "data" / "layperson_terms.tsv"
# A legal word added for an everyday one counts this much of a typed word: less than
# what the user typed (STARD tune half: 0.3-1.0 all helped, more weight more; 0.8 kept).
LEGAL_WEIGHT = 0.8


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
# matching articles (STARD tune half, README).
GROUP_WEIGHT = 0.1  # share of the other articles' scores an article gains
GROUP_OTHERS = 3  # how many of its law's other articles count
GROUP_POOL = 200  # articles re-ranked (the backend's top); deeper ones keep their order


def support(scores: list[float], others: int = GROUP_OTHERS) -> list[float]:
    """For each score of one document's articles, the sum of the best ``others``
    scores among the *other* articles of that document."""
    best = sorted(scores, reverse=True)[: others + 1]
    total = sum(best[:others])
    cut = best[others] if len(best) > others else 0.0  # the next best, when one is inside
    return [total - s + cut if s >= best[min(others, len(best)) - 1] else total for s in scores]


def regroup(hits: list[RawHit]) -> list[RawHit]:
    """``hits`` (articles, best first) re-ranked with their document's support."""
    by_doc: dict[str, list[int]] = {}
    for i, h in enumerate(hits):
        by_doc.setdefault(h.doc_id, []).append(i)
    score = [h.score for h in hits]
    for idx in by_doc.values():
        for i, extra in zip(idx, support([hits[i].score for i in idx]), strict=True):
            score[i] = hits[i].score + GROUP_WEIGHT * extra
    order = sorted(range(len(hits)), key=lambda i: (-round(score[i], 6), i))
    return [replace(hits[i], score=score[i]) for i in order]


def search(
    backend: Backend,
    plan: Plan,
    intent: Intent | None,
    *,
    explain: bool = False,
    deadline: Deadline | None = None,
) -> RawResults:
    """``backend.search(plan)``; a question's articles (``collapse`` off, by
    relevance) re-ranked with their document's support (:func:`regroup`)."""
    if not (
        GROUP_WEIGHT > 0
        and applies(plan, intent)
        and not plan.collapse
        and plan.sort == "relevance"
    ):
        return backend.search(plan, explain=explain, deadline=deadline)
    want = plan.offset + plan.limit
    raw = backend.search(
        replace(plan, offset=0, limit=max(GROUP_POOL, want)), explain=explain, deadline=deadline
    )
    hits = regroup(raw.hits[:GROUP_POOL]) + raw.hits[GROUP_POOL:]
    raw.hits = hits[plan.offset : want]
    return raw
