"""Analysis: the pipeline that turns text into index terms.

Place in the flow: documents -> normalization -> segmentation -> **analysis**
-> schema/writer. The same analyzer runs on queries, so the two always agree.

The pipeline is made of small Whoosh-composable steps::

    SegmentingTokenizer() | LowercaseFilter() | LatinStemFilter() | StopFilter(...)

* ``SegmentingTokenizer`` folds the text without changing its length
  (full-width -> half-width, OpenCC t2s) and segments it with jieba. Token
  positions are *word ordinals* (punctuation and spaces do not count) and
  start/end offsets point into the original, unfolded text -- so phrase
  queries work and highlights land on the right characters for simplified and
  traditional documents alike. (jieba's own Whoosh analyzer stores character
  offsets as positions and emits overlapping sub-words, which breaks phrases.)
* ``LatinStemFilter`` stems alphabetic tokens only (economies -> economi;
  ``latin_term``: British spellings as American ones, -ization words as -ize);
  Chinese tokens pass through.
* Stop words are English function words only; Chinese stop words are dropped
  at query time for long questions, never at index time, so phrases keep
  every word.

Every class here stores plain settings only: Whoosh pickles the schema and its
analyzers, and this module's import path is part of the on-disk format --
do not rename it or its classes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from whoosh.analysis import Filter, LowercaseFilter, StopFilter, Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem

from index import segmenter
from index.normalize import fold_for_segmentation
from index.scripts import HAN_CHARS, is_han

ENGLISH_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
    ]
)

# A token is indexed when it contains a letter, digit or Han character; pure
# punctuation and whitespace are skipped (and take no position).
_WORDLIKE = re.compile(rf"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff{HAN_CHARS}]")
_LATIN_ALPHA = re.compile(r"^[a-z\u00c0-\u024f]+$")


class SegmentingTokenizer(Tokenizer):
    """jieba segmentation with word-ordinal positions and original-text offsets."""

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        folded = fold_for_segmentation(value)
        pos = start_pos
        wordlike = _WORDLIKE.search
        for word, start, end in segmenter.tokenize(folded):
            if not wordlike(word):
                continue
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t
            # At index time long Chinese words also yield their sub-words at the
            # same position (see segmenter.subwords); queries use whole words.
            if mode == "index" and len(word) > 2 and is_han(word[0]):
                for sub, s, e in segmenter.subwords(word):
                    t.text = sub
                    t.boost = 1.0
                    t.stopped = False
                    if keeporiginal:
                        t.original = value[start + s : start + e]
                    if chars:
                        t.startchar = start_char + start + s
                        t.endchar = start_char + start + e
                    yield t
            pos += 1


class LatinStemFilter(Filter):
    """Stem lower-case alphabetic tokens (``latin_term``); leave Chinese and numbers alone."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        match = _LATIN_ALPHA.match
        for t in tokens:
            text = t.text
            if len(text) > 2 and match(text):
                t.text = latin_term(text)
            yield t


def text_analyzer():  # whoosh analyzers are untyped
    """The analyzer for every full-text field (Chinese, English and mixed)."""
    return (
        SegmentingTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=ENGLISH_STOP_WORDS, minsize=1, renumber=False)
        | LatinStemFilter()
    )


_ANALYZER = None


def analyzer():
    """A shared instance of :func:`text_analyzer` for query-side use."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = text_analyzer()
    return _ANALYZER


def terms(text: str) -> list[str]:
    """The index terms of ``text`` in order (stop words removed)."""
    return [t.text for t in analyzer()(text, removestops=True, mode="query")]


def tokens_with_offsets(
    text: str, mode: str = "query", cache: bool = True
) -> list[tuple[str, int, int, int]]:
    """(term, position, start, end) for every token of ``text``; ``mode="index"``
    adds the sub-words the index holds (used for highlighting). ``cache=False``: for
    a caller that keeps what it derives from them instead."""
    if cache and len(text) <= 4000:
        # Titles and articles are highlighted again and again: cache their tokens.
        return list(_cached_tokens(text, mode, segmenter.generation()))
    return _tokens(text, mode)


def _tokens(text: str, mode: str) -> list[tuple[str, int, int, int]]:
    """The tokens of :func:`text_analyzer` (stop words kept), computed directly: the
    same steps without Whoosh's token stream, each distinct word analysed once per
    segmenter generation (highlighting re-analyses every hit's title and passage,
    and the per-token steps cost more than the segmentation). Equality with the
    analyzer is tested (tests/test_analysis.py)."""
    gen = segmenter.generation()
    if _WORDS_GEN[0] != gen or len(_WORDS) > MAX_CACHED_WORDS:
        _WORDS.clear()
        _WORDS_GEN[0] = gen
    get = _WORDS.get
    subwords = mode == "index"
    out = []
    append = out.append
    pos = 0
    for word, start, end in segmenter.tokenize(fold_for_segmentation(text)):
        info = get(word)
        if info is None:
            info = _WORDS[word] = _word_info(word)
        if not info:  # not a word (space, punctuation): no position
            continue
        append((info[0], pos, start, end))
        if subwords:
            # Sub-words at the long word's position, as SegmentingTokenizer yields them.
            for sub, s, e in info[1]:
                append((sub, pos, start + s, start + e))
        pos += 1
    return out


# word -> () when it takes no position, else (its term, its sub-words' (term, start,
# end)); emptied when the segmenter's words change (sub-words depend on them).
_WORDS: dict[str, tuple] = {}
_WORDS_GEN = [-1]
MAX_CACHED_WORDS = 400_000  # a corpus's vocabulary is far smaller


def _word_info(word: str) -> tuple:
    if not _WORDLIKE.search(word):
        return ()
    subs: tuple[tuple[str, int, int], ...] = ()
    if len(word) > 2 and is_han(word[0]):
        subs = tuple((_term_text(w), s, e) for w, s, e in segmenter.subwords(word))
    return (_term_text(word), subs)


def _term_text(word: str) -> str:
    """A segmented word as the analyzer's filters leave it: lower-cased, and
    stemmed when alphabetic Latin (the stop filter only marks)."""
    return latin_term(word.lower())


# -ize words and their -ization nouns keep "ize": Porter takes them to their root
# (urbanization -> urban, industrialization -> industri, legalization -> legal), so
# "urbanization" matched every English title with "Urban" in it and was a rendering
# of 城市 (urban); "industrialization" put the Film Industry Promotion Law first.
_IZE = re.compile(r"^([a-z]{3,})iz(?:e|ed|es|ing|ation|ations|er|ers)$")


@functools.lru_cache(maxsize=100_000)
def latin_term(word: str) -> str:
    """The index term of one lower-case word: an alphabetic Latin word (3 letters or
    more) in its American spelling (``index.british``), -ize/-ization words as
    "<root>ize", other words Porter-stemmed (``index.stems``: words whose Porter stems
    would collide keep terms of their own); anything else (Chinese, numbers) as it
    is. Index and queries, and every English comparison (``en_key``), use this one
    function, so they always agree."""
    if len(word) <= 2 or not _LATIN_ALPHA.match(word):
        return word
    from index.british import american
    from index.stems import exceptions

    word = american(word)
    m = _IZE.match(word)
    if m:
        return m.group(1) + "ize"
    return exceptions().get(word) or porter_stem(word)


@functools.lru_cache(maxsize=20_000)
def _cached_tokens(text: str, mode: str, _generation: int) -> tuple[tuple[str, int, int, int], ...]:
    return tuple(_tokens(text, mode))


def en_key(phrase: str) -> str:
    """The match key of an English word or phrase: lower-cased, stemmed words joined
    by single spaces, English stop words dropped ("the Platform Economies" ->
    "platform economi"), British spellings folded to American ones (labour, defence,
    standardisation: ``index.british``). Glossary lookups and query expansion compare
    English on this key."""
    words = re.findall(r"[A-Za-z0-9\u00c0-\u024f]+", phrase.lower())
    return " ".join(latin_term(w) for w in words if w not in ENGLISH_STOP_WORDS)


def title_length(title: str) -> int:
    """How many tokens the index holds for this title (sub-words included): the
    title field length of a document with exactly this title."""
    return sum(1 for _ in analyzer()(title, mode="index", removestops=False))
