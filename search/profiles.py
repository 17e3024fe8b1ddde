"""Ranking profiles: how each query intent (``search.intent``) is ranked.

Place in the flow: ``search.engine`` looks up the profile of a query's intent and
sets it on the plan (``index.plan.Plan``: title-first tiers, title weight) and,
for English titles, puts the title lookup's candidates in front.

Profiles combine, they do not switch: the words are matched as before (every
word for short queries, any word for long ones), so an intent only re-orders
what plain matching finds -- except English titles, whose title-lookup
candidates are added in front of the plain results.

* ``question`` (and anything long that is not a title): today's tuned ranking --
  long Chinese questions match article text only, with the authority prior
  (STARD dev, README), plus ``search.question``'s additions (everyday words ->
  legal words; articles supported by their law's other matching articles and
  by their headings; documents ranked by their best articles);
* ``title`` / ``law_name`` / ``zh_keywords`` / ``en_keywords``: title first
  (``index.title_rank``): exact title, then documents whose title holds every
  query word ordered by level, validity and date, then the rest by score; the
  Chinese title weighs fully (1.0 instead of 0.4) among the rest, and a long
  title is matched against titles as well as article text;
* ``en_title``: the title lookup's evidence (doctype, issuer, region, year,
  glossary terms) ranks its candidates in front;
* ``docnum``, ``words``: plain matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from index.analysis import title_length
from index.deadline import Deadline
from search.intent import Intent

EN_TITLE_FRONT = 10  # title-lookup candidates put in front of an English title's results
MISSING_TITLE_CLOSEST = 3  # closest documents named when a pasted title is not indexed


@dataclass(frozen=True)
class Profile:
    name: str
    title_first: bool = False
    title_weight: float | None = None  # None: the index default (0.4)
    long_question: bool = True  # a long Chinese query is a question (body only, prior)
    title_lookup_front: bool = False
    title_expansions: bool = True  # glossary renderings count as title matches
    optional_request_words: bool = False  # 政策, 文件 ... need not match (planning.py)
    join_typed_apart: bool = False  # 新能源 汽车 also asks for 新能源汽车 (planning.py)
    # English keywords: regulations, guidelines ... after a topic are preferred in
    # titles, not required (planning.py _kinds_preferred).
    preferred_kind_words: bool = False
    # Keywords: titles holding them side by side first (index.title_rank.title_phrases).
    # Not for titles and names: a title typed short (2019年政府工作报告) is not a phrase
    # of the stored one (2019年中华人民共和国国务院政府工作报告).
    title_together: bool = False
    # Keywords: a province typed among them (上海 公租房) is held by its documents too
    # (planning.py _places_as_regions): Shanghai's titles say 市政府, not 上海.
    place_regions: bool = False
    # Keywords: when no title holds every word, titles that hold most of them (two at
    # least, and half) come before documents that hold them in their text only.
    title_partial: bool = False


PROFILES: dict[str, Profile] = {
    "question": Profile("question"),
    "words": Profile("words"),
    "docnum": Profile("docnum"),
    "title": Profile(
        "title", title_first=True, title_weight=1.0, long_question=False, title_expansions=False
    ),
    "law_name": Profile(
        "law_name", title_first=True, title_weight=1.0, long_question=False, title_expansions=False
    ),
    "zh_keywords": Profile(
        "zh_keywords",
        title_first=True,
        title_weight=1.0,
        long_question=False,
        optional_request_words=True,
        join_typed_apart=True,
        title_together=True,
        title_partial=True,
        place_regions=True,
    ),
    "en_keywords": Profile(
        "en_keywords",
        title_first=True,
        optional_request_words=True,
        preferred_kind_words=True,
        title_together=True,
        title_partial=True,
        place_regions=True,
    ),
    "en_title": Profile("en_title", title_lookup_front=True),
}


def profile_for(intent: Intent) -> Profile:
    return PROFILES.get(intent.kind, PROFILES["words"])


def exact_lengths(intent: Intent) -> tuple[int, ...]:
    """Title lengths that may be an exact match. The index's count is sometimes one
    more than the analyzer's count of the same title (about 1 title in 10), so
    both are allowed; the engine then puts the truly identical titles first."""
    out: set[int] = set()
    for t in intent.titles:
        if t:
            n = title_length(t)
            out.update((n, n + 1))
    return tuple(sorted(out))


def is_exact(intent: Intent, title: str) -> bool:
    """Whether ``title`` is the one the query names: identical (as typed, with or without
    中华人民共和国 or a 关于印发…的通知 wrapper), the query with the issuer in front, or
    the notice issuing it (…印发…的通知 too; not one forwarding it) (…关于印发《长三角…实施办法（试行）》的通知 for the plan's name:
    the notice is how the plan is indexed, and its explainer is not the plan)."""
    from search.intent import compact, issued_document, issuer_omitted

    if not title:
        return False
    t = compact(title)
    if t in intent.titles or any(issuer_omitted(t, v) for v in intent.titles):
        return True
    inner = issued_document(t)
    # The plan is cited with or without its 关于 (《关于促进…的若干意见》).
    return bool(inner) and (inner in intent.titles or inner.removeprefix("关于") in intent.titles)


def identical_titles_first(hits: list[Any], intent: Intent, typed: str) -> None:
    """Put the hits whose title the query names first (a stable sort: the ranking
    stays within each group). A pasted title (:func:`is_exact`); for any other
    intent, a Chinese query of title length identical to a title; among those, the
    title written exactly as typed (（2006-2020年） before (2006-2020年))."""
    from index.scripts import han_count
    from search.intent import MIN_TITLE_CHARS, compact

    typed = typed.strip()
    if intent.title_like:

        def named(title: str) -> bool:
            return is_exact(intent, title)
    else:
        try:
            q = compact(intent.text or typed)
        except UnicodeError:  # a lone surrogate: searched as words, names no title
            return
        if han_count(q) < MIN_TITLE_CHARS:
            return

        def named(title: str) -> bool:
            return bool(title) and compact(title) == q

    hits.sort(key=lambda h: (not named(h.document.title), h.document.title != typed))


def title_lookup_front(
    engine: Any,
    text: str,
    fields: tuple[str, ...] | None,
    deadline: Deadline | None = None,
    *,
    reuse: int = 0,
) -> Any:
    """The title lookup's candidates for an English title, as a
    ``search.titles.SearchFront`` (never raises); with ``deadline`` (the search's
    budget) the lookup spends a share of it, and ``reuse`` offers its main
    retrieval as the search's own results (see ``search_front``)."""
    from search.titles import search_front

    return search_front(engine, text, EN_TITLE_FRONT, fields, deadline, reuse=reuse)


def missing_title_notice(
    engine: Any, intent: Intent, deadline: Deadline | None = None
) -> str | None:
    """A notice naming the closest documents when a pasted title is not in the index.
    With ``deadline`` the lookup spends from the search's budget; a lookup cut
    short names nothing (it cannot know that the title is missing)."""
    from index.errors import DuizhaoError
    from search.titles import lookup_title

    if deadline is not None and deadline.expired():
        return None
    try:
        res = lookup_title(engine, intent.text, MISSING_TITLE_CLOSEST, deadline=deadline)
    except DuizhaoError:
        return None
    if deadline is not None and deadline.cut_short:
        return None
    if res.exact:
        return None
    names = "; ".join(f"{c.doc.title} ({c.doc.id})" for c in res.candidates)
    msg = "No indexed document has exactly this title."
    return f"{msg} Closest by the title lookup: {names}" if names else msg
