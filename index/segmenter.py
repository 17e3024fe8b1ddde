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

# HMM on: jieba's default; it keeps unknown names and new policy words whole
# (碳达峰) far more often than the dictionary alone. Index and query share it.
HMM = True

_lock = threading.Lock()
_words: tuple[str, ...] = ()
_jieba = None


def configure(words: Iterable[str]) -> str:
    """Set the extra dictionary words; returns their fingerprint.

    Safe to call again with the same words (no rebuild). Must run before
    serving or indexing: jieba mutates its dictionary without a lock.
    """
    global _words, _jieba
    new = tuple(sorted({w.strip() for w in words if w and w.strip()}))
    with _lock:
        if new != _words:
            _words = new
            _jieba = None
            subwords.cache_clear()
    return fingerprint()


def fingerprint() -> str:
    """A short hash of the extra words: stored in the index, compared on open."""
    h = hashlib.sha256("\n".join(_words).encode("utf-8"))
    return h.hexdigest()[:16]


def extra_words() -> tuple[str, ...]:
    return _words


def _get():  # noqa: ANN202 - rjieba has no type hints
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
    """Dictionary words inside a long word, with offsets in it: 解除劳动合同 ->
    解除, 劳动, 合同, 劳动合同. Indexed at the long word's position so a query for
    劳动合同 finds text that jieba cut as 解除劳动合同, and phrases still line up."""
    return tuple(
        (w, s, e) for w, s, e in _get().tokenize(word, "search", HMM) if (s, e) != (0, len(word))
    )


def cut(text: str) -> list[str]:
    return _get().cut(text, HMM)
