"""Law abbreviations people type (刑诉法, 个保法), searched by the names laws carry.

Place in the flow: ``search.engine`` asks :func:`expand` before the query's intent
is read, so 刑诉法 is read and ranked as the law name 刑事诉讼法 (and 刑诉法第一百条 as
that name and an article); ``search.titles`` asks it before a Chinese title lookup.
No title or article writes an abbreviation, so searched as typed it finds nothing
(or, cut into single characters, anything). The table is data:
``search/data/law_abbreviations.tsv``.

An abbreviation is replaced only where it stands as a word of its own: after the
start, a space or a mark, and before the end, a space, a mark, a digit or 第. Inside
a longer word it is part of that word: 中国人民银行法 holds 人民银行法, 环保法规 is
"environmental regulations", not a law.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from index.scripts import HAN_CHARS
from search.title_lexicon import data_rows

ABBREVIATIONS_FILE = Path(__file__).resolve().parent / "data" / "law_abbreviations.tsv"


@functools.lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """abbreviation -> the law's name (without 中华人民共和国)."""
    return {row[0]: row[1] for _where, row in data_rows(ABBREVIATIONS_FILE, ("abbr", "name"))}


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = sorted(table(), key=len, reverse=True)  # the longest reading first
    alts = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![{HAN_CHARS}])({alts})(?=$|第|[^{HAN_CHARS}])")


def expand(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with each abbreviation that stands alone replaced by its law's name,
    and the (abbreviation, name) pairs replaced, in order."""
    if not isinstance(text, str) or not text:
        return text, []
    names = table()
    found: list[tuple[str, str]] = []

    def full(m: re.Match[str]) -> str:
        found.append((m.group(1), names[m.group(1)]))
        return names[m.group(1)]

    return _pattern().sub(full, text), found


def notice(named: list[tuple[str, str]]) -> str:
    """What the search box and the title lookup say when they spelled abbreviations out."""
    said = ", ".join(f"{a} -> {n}" for a, n in dict.fromkeys(named))
    return f"Law abbreviations were searched by their full names: {said}"
