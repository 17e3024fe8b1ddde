"""Typos and pinyin: "did you mean" for English words, pinyin read as Chinese terms.

Place in the flow: query text -> **spelling** -> the engine adds pinyin expansions
(shown and removable like every other) and a "did you mean" suggestion.

* English: a word of 4+ letters that no glossary rendering uses and that the index
  does not hold is compared with the glossary's English vocabulary (every word of
  every curated rendering; symmetric-delete lookup); the closest word within two
  edits (one for short words; an adjacent swap is one) replaces it in the suggested
  query: "platfrom economy" -> "platform economy".
* Pinyin: each curated glossary term's toneless pinyin (pypinyin, syllables joined)
  is a key; one to eight consecutive Latin words of the query, joined, that equal a
  key of 2+ syllables become an expansion to that term: "pingtai jingji",
  "pingtaijingji" and "píngtái jīngjì" all reach 平台经济. A single word that is an
  English word of the glossary is not read as pinyin ("fan", "long" ...).

The tables are built once per glossary (cached on ``Glossary.derived``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from search.expand import Expansion

PINYIN_WEIGHT = 0.8  # below the user's own words (1.0), above curated renderings (0.7)
MAX_PINYIN_WORDS = 8  # "quan mian shen hua gai ge": one word per syllable
MIN_TYPO_LEN = 4
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_CATEGORY_RANK = {"policy": 0, "legal": 1, "doctype": 2, "issuer": 3, "region": 4, "general": 5}
_LOCK = threading.Lock()


def strip_tones(text: str) -> str:
    """píngtái -> pingtai; ü -> v as pinyin input methods write it."""
    decomposed = unicodedata.normalize("NFD", text).replace("u\u0308", "v")
    decomposed = decomposed.replace("U\u0308", "V")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass
class _Tables:
    pinyin: dict[str, str] = field(default_factory=dict)  # joined pinyin -> zh term
    vocab: set[str] = field(default_factory=set)  # English words of the renderings
    deletes: dict[str, set[str]] = field(default_factory=dict)  # word minus 0-2 letters -> words


def _build(glossary: Any) -> _Tables:
    from pypinyin import lazy_pinyin

    t = _Tables()
    ranked: dict[str, tuple[tuple[int, int], str]] = {}
    for e in glossary.entries():
        for r in e.en:
            t.vocab.update(w.lower() for w in _LATIN_WORD.findall(r))
        syllables = lazy_pinyin(e.zh, errors="ignore")
        if len(syllables) < 2 or len(syllables) != len(e.zh):
            continue  # one syllable is too ambiguous; a Latin part has no pinyin
        key = strip_tones("".join(syllables))
        # Several terms can share a reading: the policy term, then the shorter, wins.
        rank = (_CATEGORY_RANK.get(e.category, 9), len(e.zh))
        if key not in ranked or rank < ranked[key][0]:
            ranked[key] = (rank, e.zh)
    t.pinyin = {k: zh for k, (_r, zh) in ranked.items()}
    for w in t.vocab:
        if len(w) >= MIN_TYPO_LEN - 1:
            for d in _deletions(w, 2):
                t.deletes.setdefault(d, set()).add(w)
    return t


def _deletions(word: str, n: int) -> set[str]:
    """``word`` with up to ``n`` letters left out (the symmetric-delete lookup key set):
    two words within n edits share one of them, so candidates come from a dict."""
    out = {word}
    frontier = {word}
    for _ in range(n):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def tables(glossary: Any) -> _Tables:
    cache = glossary.derived
    t = cache.get("spelling")
    if t is None:
        with _LOCK:
            t = cache.get("spelling")
            if t is None:
                t = cache["spelling"] = _build(glossary)
    return t  # type: ignore[return-value]


def pinyin_expansions(text: str, glossary: Any) -> list[Expansion]:
    """Runs of Latin words in ``text`` that spell a glossary term in pinyin."""
    words = [(m.group(0), m.start(), m.end()) for m in _LATIN_WORD.finditer(text)]
    if not words or glossary is None:
        return []
    t = tables(glossary)
    # Each word without tones once: a run's key is its words' keys joined (a word
    # starts with a letter, never a combining mark, so stripping is word by word),
    # not the run stripped again for each of its up to eight lengths.
    bare = [strip_tones(w) for w, _s, _e in words]
    out: list[Expansion] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_PINYIN_WORDS, len(words) - i), 0, -1):
            run = words[i : i + n]
            # Only words separated by spaces form one reading.
            if any(text[a[2] : b[1]].strip() for a, b in zip(run, run[1:])):
                continue
            key = "".join(bare[i : i + n])
            zh = t.pinyin.get(key)
            if zh is None or (n == 1 and run[0][0].lower() in t.vocab):
                continue
            start, end = run[0][1], run[-1][2]
            out.append(
                Expansion(text[start:end], (start, end), zh, "zh", PINYIN_WEIGHT, "pinyin", "")
            )
            i += n
            break
        else:
            i += 1
    return out


def _edits(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (adjacent swap = 1), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def correct_word(word: str, glossary: Any) -> str | None:
    """The closest glossary English word to a misspelled ``word`` (None: keep it)."""
    w = word.lower()
    t = tables(glossary)
    if len(w) < MIN_TYPO_LEN or w in t.vocab or w in t.pinyin:
        return None
    limit = 1 if len(w) < 6 else 2
    candidates: set[str] = set()
    for d in _deletions(w, limit):
        candidates |= t.deletes.get(d, set())
    best: tuple[int, int, str] | None = None
    for cand in candidates:
        d = _edits(w, cand, limit)
        if d <= limit and (best is None or (d, abs(len(cand) - len(w)), cand) < best):
            best = (d, abs(len(cand) - len(w)), cand)
    return best[2] if best else None


def did_you_mean(text: str, glossary: Any, known: Any = None) -> str | None:
    """``text`` with misspelled English words corrected, or None when nothing changes.
    ``known(word)`` (optional) says a word is in the index anyway (a name, a rare term)."""
    if glossary is None:
        return None
    out, pos, changed = [], 0, False
    for m in _LATIN_WORD.finditer(text):
        word = m.group(0)
        fix = correct_word(word, glossary)
        if fix and not (known and known(word)):
            out.append(text[pos : m.start()])
            out.append(fix if word.islower() else fix.capitalize() if word[0].isupper() else fix)
            pos, changed = m.end(), True
    if not changed:
        return None
    out.append(text[pos:])
    return "".join(out)


def glossary_suggestions(prefix: str, glossary: Any, limit: int = 5) -> list[tuple[str, str]]:
    """(term, its other-language rendering) of curated terms starting with ``prefix``:
    a Chinese term, an English rendering, or a term's pinyin ("pingt" -> 平台经济)."""
    p = prefix.strip()
    if not p or glossary is None:
        return []
    t = tables(glossary)
    low, key = p.lower(), strip_tones(p.replace(" ", ""))
    found: dict[str, tuple[tuple[int, int, str], tuple[str, str]]] = {}
    by_zh = {zh: k for k, zh in t.pinyin.items()}
    for e in glossary.entries():
        if e.zh.startswith(p):
            item, rank = (e.zh, e.preferred), 0
        elif any(r.lower().startswith(low) for r in e.en):
            r = next(r for r in e.en if r.lower().startswith(low))
            item, rank = (r, e.zh), 1
        elif len(key) >= 3 and key.isalpha() and by_zh.get(e.zh, "").startswith(key):
            item, rank = (e.zh, e.preferred), 2
        else:
            continue
        order = (rank, len(item[0]), item[0])
        if item[0] not in found or order < found[item[0]][0]:
            found[item[0]] = (order, item)
    return [item for _o, item in sorted(found.values())[:limit]]
