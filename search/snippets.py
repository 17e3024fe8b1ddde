"""Snippets and highlights: where the query's words are in a passage.

Place in the flow: backend hits -> **snippets** -> faces (CLI, HTML, JSON).

The passage is re-analyzed with the index's own analyzer, so a highlight is
exactly a token the index matched, and offsets point into the stored
(original) text: a traditional-character document is highlighted in
traditional characters for a simplified query. Output is a list of
``(text, is_match)`` fragments, never HTML: each face escapes for itself
(the HTML templates autoescape; nothing goes into an attribute).
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterable

from index import segmenter
from index.analysis import tokens_with_offsets

Fragments = list[tuple[str, bool]]

MAX_ANALYZED = 20_000  # characters of one passage looked at for a snippet
SNIPPET_CHARS = 160


def match_spans(
    text: str, words: set[str], phrases: Iterable[tuple[str, ...]] = ()
) -> list[tuple[int, int]]:
    """Character spans of tokens in ``words`` and of whole ``phrases``."""
    if not words and not phrases:
        return []  # nothing to mark (also: a search out of time skips the analysis)
    where = _term_index(text[:MAX_ANALYZED])
    spans = [span for w in words if w in where for span in _spans(where[w])]
    for phrase in phrases:
        n = len(phrase)
        if n < 2 or any(w not in where for w in phrase):
            continue
        # Sub-words share their word's position: match phrases by position, each
        # word's first (start, end) at a position.
        at = [_first_at(where[w]) for w in phrase]
        for p, (s, _e) in at[0].items():
            if all(p + j in at[j] for j in range(1, n)):
                spans.append((s, at[-1][p + n - 1][1]))
    return _merge(spans)


def _spans(occ: array) -> Iterable[tuple[int, int]]:
    return zip(occ[1::3], occ[2::3], strict=True)


def _first_at(occ: array) -> dict[int, tuple[int, int]]:
    at: dict[int, tuple[int, int]] = {}
    for p, s, e in zip(occ[0::3], occ[1::3], occ[2::3], strict=True):
        if p not in at:
            at[p] = (s, e)
    return at


# term -> its occurrences as flat (position, start, end) triples in text order: an
# array of machine ints takes a third of the memory of tuples of Python ints.
TermIndex = dict[str, array]


def _term_index(text: str) -> TermIndex:
    """Each index term of ``text`` -> its (position, start, end) triples, in text order.
    Titles and passages are highlighted again and again (every hit of every query
    that finds them): kept for texts of up to 4,000 characters, per segmenter
    generation. Then a highlight looks up the query's few terms instead of walking
    every token."""
    if len(text) <= 4000:
        return _cached_term_index(text, segmenter.generation())
    return _build_term_index(text)


@functools.lru_cache(maxsize=20_000)
def _cached_term_index(text: str, _generation: int) -> TermIndex:
    return _build_term_index(text)


def _build_term_index(text: str) -> TermIndex:
    where: TermIndex = {}
    for term, p, s, e in tokens_with_offsets(text, mode="index", cache=False):
        occ = where.get(term)
        if occ is None:
            occ = where[term] = array("i")
        occ.extend((p, s, e))
    return where


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def fragments(
    text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None
) -> Fragments:
    end = len(text) if end is None else end
    out: Fragments = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < end:
        out.append((text[pos:end], False))
    return out


def highlight(text: str, words: set[str], phrases: Iterable[tuple[str, ...]] = ()) -> Fragments:
    """The whole text with matches marked (titles, short passages)."""
    if not text:
        return []
    return fragments(text, match_spans(text, words, phrases))


def snippet(
    text: str,
    words: set[str],
    phrases: Iterable[tuple[str, ...]] = (),
    size: int = SNIPPET_CHARS,
) -> Fragments:
    """The window of about ``size`` characters with the most distinct matches."""
    if not text:
        return []
    spans = match_spans(text, words, phrases)
    if not spans:
        end = min(len(text), size)
        frag = [(text[:end], False)]
        if end < len(text):
            frag.append(("…", False))
        return frag
    best = (0, 0)
    best_i = 0
    for i, (s, _e) in enumerate(spans):
        distinct = set()
        for a, b in spans[i:]:  # merged spans: in order of start
            if a >= s + size:
                break
            distinct.add(text[a:b])
        score = (len(distinct), -i)
        if score > best:
            best, best_i = score, i
    first = spans[best_i][0]
    start = max(0, first - size // 4)
    # Start at a sentence or clause boundary when one is close.
    for sep in ("\n", "。", "；", "，", ". "):
        k = text.rfind(sep, max(0, first - size // 2), first)
        if k != -1:
            start = k + len(sep)
            break
    end = min(len(text), start + size)
    out = fragments(text, spans, start, end)
    out = [(t.replace("\n", " "), m) for t, m in out]
    if start > 0:
        out.insert(0, ("…", False))
    if end < len(text):
        out.append(("…", False))
    return out


def plain(frags: Fragments, mark: tuple[str, str] = ("", "")) -> str:
    """Fragments as text, matches wrapped in ``mark`` (e.g. ANSI bold for the CLI)."""
    return "".join(f"{mark[0]}{t}{mark[1]}" if m else t for t, m in frags)
