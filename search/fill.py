"""Keywords that few documents hold together: which documents fill the page after them.

Place in the flow: ``search.engine`` calls this module when a keyword search
(``zh_keywords`` / ``en_keywords``) finds fewer than a page
(``question.FEW_ANSWERS``) of documents holding every word. Those documents come
first; then documents whose titles hold part of the query, found by a second
search that this module plans (``fill_search``) and judges (``titles_holding``).
Two words that no document holds together take the same second search: its
titles lead, and the any-word results follow (``Engine._rarer_titles_lead``):

* three words or more: the any-word search, whose title-first ranking puts titles
  holding most of the words first (``index.title_rank.partial_need``); the leading
  hits whose titles hold enough of them are kept (绿色 金融 体制改革: the 绿色金融
  guidance). A single typed word the segmenter cuts in three counts by its parts
  (新能源汽车充电基础设施: the 电动汽车充电基础设施 documents);
* two typed words: part of them is one word, and only the rarer one (by how many
  titles hold it) says what the query is about -- 平台经济 监管 is filled with
  平台经济 titles, never with 监管 ones (电力监管条例). The rarer word is searched
  alone, title first, and the hits whose titles hold all of it are kept. A typed
  word the segmenter cut (共享单车: 共享 单车) is held only whole, so 共享管理办法 is
  not an answer to 共享单车 管理. One typed word cut in two is not filled (数据出境
  is not filled with 出境 titles);
* a year among keywords (碳达峰 2021): documents rarely write their own year, so
  the other words are searched in the documents of that year, and the hits whose
  titles hold them all are kept.

The judgement is the backend's own: a hit of the fill search is kept when its
title-first ranking put it in a title tier (``RawHit.tier``, ``index.title_rank``),
so a title holds a word as the ranking reads it, in any title field (a document
known by an English title only too). Which of two words is rarer is read from how
many Chinese titles hold its Chinese readings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from index.plan import Clause, Plan, RawHit
from index.title_rank import PARTIAL_MIN_CLAUSES, TITLE_ORIGINS, TITLE_TIERS
from search.planning import mostly_han, typed_words

PAIR = 2  # two typed words: the titles holding the rarer one fill the page
_YEAR = re.compile(r"((?:19|20)\d\d)年?")


def words_to_fill(long_query: bool, plan: Plan) -> bool:
    """Keywords of enough words that a title holding part of them may be an answer."""
    return not long_query and len(_musts(plan)) >= PAIR


def fill_search(
    plan: Plan, any_word: Callable[[], Plan], title_df: Callable[[str], int]
) -> Plan | None:
    """The plan of the search whose leading title hits fill the page
    (``titles_holding``), for the first search's ``plan`` (module doc): ``any_word``
    makes the any-word plan, ``title_df`` says how many titles hold a word. None
    when nothing should fill the page."""
    musts = _musts(plan)
    words = typed_words(musts)
    dated = year_search(plan, words)
    if dated is not None:
        return dated
    if len(words) == PAIR:
        return rarer_word_search(plan, words, title_df)
    if len(musts) >= PARTIAL_MIN_CLAUSES:
        return any_word()
    return None


def typed_year(word: list[Clause]) -> int | None:
    """The year a typed word is (2021, 2021年), else None."""
    shown = "".join(c.display for c in word)
    m = _YEAR.fullmatch(shown)
    return int(m.group(1)) if m else None


def typed_a_year(plan: Plan) -> bool:
    """Whether the plan's words are keywords and one year (``year_search``)."""
    return year_search(plan, typed_words(_musts(plan))) is not None


def year_search(plan: Plan, words: list[list[Clause]]) -> Plan | None:
    """A year typed among keywords (碳达峰 2021): the other words in documents of
    that year, whose titles hold them all -- documents rarely write their own year
    in their text, so the all-word search finds work reports that mention it. None
    without such a year, or when the plan already has a year range."""
    if plan.year_from is not None or plan.year_to is not None:
        return None
    years = [typed_year(w) for w in words]
    if sum(y is not None for y in years) != 1 or len(words) < PAIR:
        return None
    year = next(y for y in years if y is not None)
    other = [c for w, y in zip(words, years, strict=True) if y is None for c in w]
    rest = [c for c in plan.clauses if c.occur == "must_not"]
    return replace(plan, clauses=[*other, *rest], year_from=year, year_to=year)


def rarer_word_search(
    plan: Plan, words: list[list[Clause]], title_df: Callable[[str], int]
) -> Plan | None:
    """``plan`` with its rarer typed word only, its exclusions and filters kept;
    None when neither word can be told rare (a part with no Chinese reading, or a
    rarer word that no title holds)."""
    counted = []
    for word in words:
        dfs = [clause_title_df(c, title_df) for c in word]
        if any(d is None for d in dfs):
            return None
        counted.append((min(d for d in dfs if d is not None), word))
    df, rarer = min(counted, key=lambda t: t[0])
    if not df:
        return None
    rest = [c for c in plan.clauses if c.occur == "must_not"]
    mine = [replace(c, title_optional=False) for c in rarer]
    return replace(
        plan, clauses=[*mine, *rest], title_partial=False, exact_title_lengths=(), own_titles=()
    )


def clause_title_df(c: Clause, title_df: Callable[[str], int]) -> int | None:
    """How many titles hold the clause, counted over its Chinese readings; None when
    it has none. A word counts by its own count; a phrase's (新能源 汽车) is only
    bounded by its rarest word, so it counts only for a clause with no one-word
    reading. Readings overlap (补贴, 补助资金): the commonest is the count."""
    readings = _readings(c)
    if not readings:
        return None
    words = [r for r in readings if len(r) == 1] or readings
    return max(_reading_df(r, title_df) for r in words)


def titles_holding(hits: list[RawHit]) -> list[RawHit]:
    """The leading ``hits`` that the fill search ranked in a title tier
    (``RawHit.tier``, set by the backend's title-first ranking): titles holding the
    rarer word, or the other words of a year, or enough of three or more."""
    out = []
    for h in hits:
        if h.tier not in TITLE_TIERS:
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
