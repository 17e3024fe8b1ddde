"""Dictionary senses that policy text uses: the CC-CEDICT fallback, filtered.

Place in the flow: expansion (search/expand.py) -> **senses** -> plan. The engine
keeps a CC-CEDICT expansion only when policy text could mean it:

* not a single character (捘, 拨 for "push": rare characters or fragments that
  match inside unrelated words);
* every word of it occurs in the indexed documents (title or text) at least once:
  a sense no document uses can only add noise and cost.

Curated and user glossary expansions are never filtered here.
``benchmarks/cedict_senses.py`` measures the share of fallback senses kept.
"""

from __future__ import annotations

from typing import Any

from index.analysis import terms as analyze

FIELDS = ("title", "body")


def sense_problem(backend: Any, target: str) -> str | None:
    """Why a CC-CEDICT target is not used (None: it is kept)."""
    if len(target) < 2:
        return "single character"
    words = analyze(target)
    if not words:
        return "no searchable word"
    for w in words:
        if not any(backend.doc_frequency(f, w) for f in FIELDS):
            return f"{w!r} occurs in no document"
    return None


def usable_senses(expansions: list[Any], backend: Any) -> list[Any]:
    """``expansions`` without the CC-CEDICT senses that policy text does not use."""
    if not any(e.origin == "cc-cedict" for e in expansions):
        return expansions
    return [
        e for e in expansions if e.origin != "cc-cedict" or not sense_problem(backend, e.target)
    ]
