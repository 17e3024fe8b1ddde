"""Chinese word segmentation: one process-wide rjieba (jieba-rs) tokenizer.

Place in the flow: normalization -> **segmentation** -> analysis filters -> index.

The segmenter is a private ``rjieba.Jieba`` instance rather than a mutated
global, built lazily (Whoosh pickles analyzers, and jieba objects cannot be
pickled). Extra words -- the curated glossary's Chinese terms -- are fed in
with :func:`configure` *before* any text is segmented, and the set's
fingerprint is stored in the index: adding words changes segmentation, so an
index built with other words must be rebuilt, never silently mixed.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterable

from index.errors import IndexOutdated

# HMM on: jieba's default; it keeps unknown names and new policy words whole
# (碳达峰) far more often than the dictionary alone. Index and query share it.
HMM = True

_lock = threading.Lock()
_words: tuple[str, ...] = ()
_jieba = None
_generation = 0  # bumped when the extra words change (keys of analysis caches)


def configure(words: Iterable[str]) -> str:
    """Set the extra dictionary words; returns their fingerprint.

    Safe to call again with the same words (no rebuild). Must run before
    serving or indexing: jieba mutates its dictionary without a lock.
    """
    global _words, _jieba, _generation
    new = tuple(sorted({w.strip() for w in words if w and w.strip()}))
    with _lock:
        if new != _words:
            _words = new
            _jieba = None
            subwords.cache_clear()
            _generation += 1
    return fingerprint()


# Bump when segmentation, sub-word or term rules change: indexes built before must be
# rebuilt. 3: Latin terms in American spelling, -ization words as -ize (index.analysis).
# 4: words whose Porter stems collide keep terms of their own (index.stems). The word
# tables of those rules are part of the fingerprint themselves (_term_tables).
ANALYSIS_VERSION = "4"


@functools.lru_cache(maxsize=1)
def _term_tables() -> tuple[str, ...]:
    """The rows of the word tables that decide English index terms (British spellings,
    -ise words, stem exceptions): an edit to one changes terms as a version bump does,
    so an index built before it is refused until rebuilt. Comments do not count."""
    from index.british import ise_words, word_table
    from index.stems import exceptions

    rows = [f"{k}\t{v}" for k, v in sorted(word_table().items())]
    rows += sorted(ise_words())
    rows += [f"{k}\t{v}" for k, v in sorted(exceptions().items())]
    return tuple(rows)


def fingerprint() -> str:
    """A short hash of the analysis version and the configured extra words: stored
    in the index, compared on open."""
    return fingerprint_of(_words)


def check_built_with(
    built: str | None,
    current: str | None = None,
    hint: str = "rebuild the index: `duizhao index --rebuild PATH...`",
) -> None:
    """Refuse to mix segmentations (the one home of this check, for every backend and
    the indexing flow): IndexOutdated when an index's stored fingerprint ``built`` is
    not ``current`` (the configured words' by default). An index with no stored
    fingerprint (never written to) is fine."""
    current = fingerprint() if current is None else current
    if built and built != current:
        raise IndexOutdated(
            "this index was built with other analysis rules or glossary segmentation words",
            hint,
            built=built,
            current=current,
        )


def fingerprint_of(words: Iterable[str]) -> str:
    normalized = sorted({w.strip() for w in words if w and w.strip()})
    parts = (ANALYSIS_VERSION, *_term_tables(), "", *normalized)
    h = hashlib.sha256("\n".join(parts).encode("utf-8"))
    return h.hexdigest()[:16]


def generation() -> int:
    return _generation


def extra_words() -> tuple[str, ...]:
    return _words


def _get():  # rjieba has no type hints
    global _jieba
    j = _jieba
    if j is None:
        with _lock:
            if _jieba is None:
                import rjieba

                inst = rjieba.Jieba()
                for w in _words:
                    inst.add_word(w, None, None)
                _jieba = inst
            j = _jieba
    return j


def initialize() -> None:
    """Load the dictionary now (it loads lazily on first use otherwise)."""
    _get().cut("初始化", HMM)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Segment already-folded text into (word, start, end) with character offsets."""
    return _get().tokenize(text, "default", HMM)


@functools.lru_cache(maxsize=200_000)
def subwords(word: str) -> tuple[tuple[str, int, int], ...]:
    """Every dictionary word (2+ characters) inside a longer word, with offsets:
    个人信息保护法 -> 个人, 个人信息, 信息, 保护, 保护法, 护法. Indexed at the long
    word's position, so a query for 个人信息 finds text that jieba cut as
    个人信息保护法, and phrases still line up. (jieba's search mode only looks at
    2- and 3-character grams, so it misses 个人信息; full mode does not.)"""
    out = []
    n = len(word)
    starts: dict[str, int] = {}
    for w in _get().cut_all(word):
        if len(w) < 2 or len(w) >= n:
            continue
        s = word.find(w, starts.get(w, 0))
        if s < 0:
            continue
        starts[w] = s + 1
        out.append((w, s, s + len(w)))
    return tuple(out)


def has_word(word: str) -> bool:
    """True when the dictionary (with the extra words) holds ``word``."""
    return bool(_get().has_word(word))


def cut(text: str) -> list[str]:
    return _get().cut(text, HMM)
