"""Keywords that few documents hold together: which documents fill the page after them.

Place in the flow: ``search.engine`` calls this module when a keyword search
(``zh_keywords`` / ``en_keywords``) finds fewer than a page
(``question.FEW_ANSWERS``) of documents holding every word. Those documents come
first; then documents whose titles hold part of the words, found by a second
search that this module plans and judges:

* three words or more: the any-word search, whose title-first ranking puts titles
  holding most of the words first (``index.title_rank.partial_need``); the leading
  hits whose titles hold enough of them are kept (绿色 金融 体制改革: the 绿色金融
  guidance);
* two words: part of them is one word, and only the rarer one (by how many titles
  hold it) says what the query is about -- 平台经济 监管 is filled with 平台经济
  titles, never with 监管 ones (电力监管条例). The rarer word is searched alone,
  title first, and the hits whose titles hold it are kept.

The judgement reads Chinese titles (a clause is held when the title contains one
of its Chinese readings: the user's words, or the glossary's for English keywords).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from index.plan import Clause, Plan, RawHit
from index.title_rank import PARTIAL_MIN_CLAUSES, TITLE_ORIGINS, partial_need
from search.planning import mostly_han

PAIR = 2  # two words: the titles holding the rarer one fill the page


def words_to_fill(long_query: bool, plan: Plan) -> bool:
    """Keywords of enough words that a title holding part of them is an answer."""
    return not long_query and len(_musts(plan)) >= PAIR


def by_part(plan: Plan) -> bool:
    """True when the fill is the any-word search ranked by how much of the query a
    title holds; False for two words (the rarer one is searched alone)."""
    return len(_musts(plan)) >= PARTIAL_MIN_CLAUSES


def rarer_word_plan(plan: Plan, title_df: Callable[[str], int]) -> Plan | None:
    """``plan`` with its rarer word only (``title_df``: how many titles hold a
    word), its exclusions and filters kept; None when neither word can be told rare
    (a word with no Chinese reading, or one no title holds)."""
    rarest = rarest_clause(_musts(plan), title_df)
    if rarest is None:
        return None
    rest = [c for c in plan.clauses if c.occur == "must_not"]
    one = replace(rarest, title_optional=False)
    return replace(plan, clauses=[one, *rest], title_partial=False, exact_title_lengths=())


def rarest_clause(clauses: list[Clause], title_df: Callable[[str], int]) -> Clause | None:
    """The clause the fewest titles hold (counted over its Chinese readings); None
    when some clause has no Chinese reading, or the rarest is in no title. A clause
    counts as its commonest reading: readings overlap (补贴, 补助资金)."""
    counted = []
    for c in clauses:
        readings = _readings(c)
        if not readings:
            return None
        # A word's own count; a phrase's (新能源 汽车) is only bounded by its rarest
        # word, so it counts only for a clause with no one-word reading.
        words = [r for r in readings if len(r) == 1] or readings
        counted.append((max(_reading_df(r, title_df) for r in words), c))
    if not counted:
        return None
    df, clause = min(counted, key=lambda t: t[0])
    return clause if df else None


def titles_holding(hits: list[RawHit], plan: Plan) -> list[RawHit]:
    """The leading ``hits`` whose Chinese title holds enough of ``plan``'s clauses:
    ``partial_need`` of them for three or more, the one clause of a rarer-word plan."""
    readings = [
        {"".join(r) for r in _readings(c)}
        for c in plan.clauses
        if c.occur != "must_not" and not c.title_optional
    ]
    need = 1 if len(readings) == 1 else partial_need(len(readings))
    out = []
    for h in hits:
        title = h.document.title.replace(" ", "")
        if not title:
            continue  # known by an English title only: not judged here, not added
        if not need or sum(any(r in title for r in rs) for rs in readings) < need:
            break
        out.append(h)
    return out


def _musts(plan: Plan) -> list[Clause]:
    return [c for c in plan.clauses if c.occur == "must"]


def _readings(c: Clause) -> list[tuple[str, ...]]:
    """The clause's Chinese readings that count as title evidence."""
    return [a.words for a in c.alts if a.origin in TITLE_ORIGINS and mostly_han(a.words[0])]


def _reading_df(words: tuple[str, ...], title_df: Callable[[str], int]) -> int:
    # A phrase is in at most as many titles as its rarest word.
    return min(title_df(w) for w in words)
