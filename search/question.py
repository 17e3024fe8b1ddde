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
* (more below as they are measured)
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from index.analysis import terms as analyze
from index.plan import Alt, Clause, Plan
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
    """``plan`` with the question additions (module docstring); any other plan as is."""
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
