"""The name of a document inside the English news sentence that mentions it.

Place in the flow: ``search.intent.classify`` (the search box) and the title lookup's
cleaning (``search.titles``) call :func:`document_name` on English text before it is
read as a title, as they already drop a date printed after one. People copy the
sentence with the name ("Shandong issued the Implementation Opinions on ... on
Tuesday."); the sentence's own words (issued, government, Tuesday) are no words of
the title and pulled wrong documents ahead.

The name is the longest run of capitalised words -- with the small words a title
keeps between them (of, on, the ...) -- that names a kind of document (Notice,
Opinions, Plan ...). Capitalised words of the sentence outside it (a place, an
issuer: Shandong, State Council) are kept before it; its verbs, the days and months
of its dateline, the press it credits and the words it starts with (According to the,
Under the) are not (``data/en_sentence_words.txt``). Only when the words around the
run make a sentence of the text (``_in_sentence``); text that is all one title, a
title with a word in lower case, or text with no such run comes back unchanged.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from index.scripts import has_han

WORDS_FILE = Path(__file__).resolve().parent / "data" / "en_sentence_words.txt"
MAX_SENTENCE_CHARS = 600  # longer text is a passage (duizhao mentions), not a sentence
MIN_NAME_WORDS = 4  # a shorter run is a phrase of the sentence, not a document's name
MIN_DROPPED_WORDS = 2  # one stray word after a title is no sentence around it
_CONNECTORS = frozenset(["-", "–", "—", "&", "+"])
_EDGE = "\"'“”‘’()[],.;:!?"
_HAS_CAPITAL = re.compile(r"[A-Z]")


ROLES = ("date", "lead", "press", "small", "det", "verb")


@functools.lru_cache(maxsize=1)
def sentence_words(path: Path = WORDS_FILE) -> dict[str, frozenset[str]]:
    """Word (lower case) -> its roles: ``date``, ``lead``, ``press``, ``small``, ``det``,
    ``verb`` (``data/en_sentence_words.txt``); a malformed line stops loading with file,
    line and reason."""
    from search.title_lexicon import TitleDataError, data_rows

    out: dict[str, set[str]] = {}
    for where, (word, role) in data_rows(path, ("word", "role")):
        if role not in ROLES:
            raise TitleDataError(
                f"{where}: unknown role {role!r}", f"use one of {', '.join(ROLES)}"
            )
        roles = out.setdefault(word.lower(), set())
        if not word.isalpha() or role in roles:
            raise TitleDataError(f"{where}: {word!r} {role} is not a new word of letters")
        roles.add(role)
    return {w: frozenset(r) for w, r in out.items()}


def _kind(token: str, starts: bool) -> str:
    """``name`` (capitalised or a number: part of a name), ``joiner`` (a small word in
    lower case, or a dash, that a name keeps between its words) or ``other`` (the
    sentence's own words). ``starts``: the token starts the text or a sentence."""
    core = token.strip(_EDGE)
    roles = sentence_words().get(core.lower(), frozenset())
    if "date" in roles or "press" in roles or ("lead" in roles and starts):
        return "other"
    if not core or core in _CONNECTORS or ("small" in roles and core.islower()):
        return "joiner"
    if core[0].isdigit() or _HAS_CAPITAL.search(core):
        return "name"
    return "other"


def _kinds(tokens: list[str]) -> list[str]:
    return [_kind(t, i == 0 or _ends_clause(tokens[i - 1])) for i, t in enumerate(tokens)]


def _runs(kinds: list[str], ends: list[bool]) -> list[tuple[int, int]]:
    """The (start, end) of each run of name words and joiners, joiners at its ends off;
    a run also ends with a token that ends a clause (``ends``: "Economy," then "Xinhua")."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, k in enumerate([*kinds, "other"]):
        if k != "other" and start is None:
            start = i
        closes = k == "other" or (i < len(ends) and ends[i])
        if closes and start is not None:
            s, e = start, i if k == "other" else i + 1
            while s < e and kinds[s] == "joiner":
                s += 1
            while e > s and kinds[e - 1] == "joiner":
                e -= 1
            if s < e:
                runs.append((s, e))
            start = None
    return runs


def _ends_clause(token: str) -> bool:
    return token.rstrip("\"'”’)]")[-1:] in (",", ";", ":", ".", "!", "?")


def _roles(token: str) -> frozenset[str]:
    return sentence_words().get(token.strip(_EDGE).lower(), frozenset())


def _in_sentence(tokens: list[str], kinds: list[str], s: int, e: int) -> bool:
    """Whether the words around ``tokens[s:e]`` make a sentence of the text: it starts
    with a lead word, names a date or the press, says "<verb> the" before the name,
    or "was", "has" ... after it."""
    if kinds[0] == "other" and "lead" in _roles(tokens[0]):
        return True
    if any({"date", "press"} & _roles(t) for t in tokens[:s] + tokens[e:]):
        return True
    i = s - 1  # back over "a new", "the"
    while i >= 0 and "det" in _roles(tokens[i]) and tokens[i].strip(_EDGE).islower():
        i -= 1
    verb = tokens[i].strip(_EDGE) if 0 <= i < s - 1 else ""
    if verb.isalpha() and verb.islower() and not _roles(verb) & {"small", "det"}:
        return True
    return e < len(tokens) and "verb" in _roles(tokens[e]) and tokens[e].islower()


def document_name(text: str, kind_words: frozenset[str]) -> str:
    """The document's name in an English sentence, with the sentence's other
    capitalised words before it; ``text`` itself when it is one title, holds no name
    (a run of at least four words with one of ``kind_words``, lower case) or has
    Chinese in it. ``kind_words``: the English words for kinds of document."""
    tokens = text.split() if len(text) <= MAX_SENTENCE_CHARS else []
    if not tokens or has_han(text):
        return text
    kinds = _kinds(tokens)
    named = [
        (s, e)
        for s, e in _runs(kinds, [_ends_clause(t) for t in tokens])
        if e - s >= MIN_NAME_WORDS
        and any(t.strip(_EDGE).lower() in kind_words for t in tokens[s:e])
    ]
    if not named:
        return text
    s, e = max(named, key=lambda r: r[1] - r[0])
    dropped = len(tokens) - (e - s)
    if dropped < MIN_DROPPED_WORDS or not _in_sentence(tokens, kinds, s, e):
        return text  # a title as typed, or one with a word in lower case
    kept = [
        t.strip(_EDGE)
        for t, k in zip(tokens[:s] + tokens[e:], kinds[:s] + kinds[e:])
        if k == "name"
    ]
    name = " ".join(tokens[s:e]).strip(",.;:!?")
    return " ".join([*kept, name])
