"""Suggestions for new glossary entries, mined from English-titled documents.

Place in the flow: a review aid beside the glossary (``index/glossary.py``),
run by a person who maintains ``glossary.tsv`` -- never merged automatically.

Input is a JSON-lines file in the ``en_titles`` format (fields ``id``,
``level``, ``release_time``, ``release_department_en``, ``title_en``,
``content_zh``): Chinese documents with an English title. For every English
title word or two-word phrase that the glossary does not cover, we rank the
Chinese words of the documents whose title contains it by how much more often
they occur there than in the other documents (document-frequency contrast);
the top ones are the likely translations::

    python -m index.glossary_suggest ../shared/data/en_titles/dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import segmenter
from index.analysis import en_key
from index.errors import InputError
from index.glossary import Glossary
from index.normalize import clean_text, to_simplified
from index.scripts import all_han

_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_BREAK = re.compile(r"[,;:.!?()\[\]\"\u201c\u201d]")

# Title words that are structure, not vocabulary worth an entry.
_SKIP_TEXT = (
    "year annual edition version draft comment comments trial first second third "
    "about above across after against along among around before behind below beneath beside "
    "between beyond during including into like near through throughout toward towards under "
    "upon via within without again also further more most other such"
)
_SKIP = frozenset(_SKIP_TEXT.split())


@dataclass
class Suggestion:
    """An English title word/phrase without a glossary entry, and Chinese candidates."""

    english: str  # most frequent surface form in the titles
    count: int  # number of titles containing it
    candidates: list[tuple[str, float]] = field(default_factory=list)  # (zh, score), best first
    key: str = ""  # its en_key


def _read(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    docs = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        if not isinstance(d, dict) or not isinstance(d.get("title_en"), str):
            raise InputError(f"{path}:{n}: expected an object with a title_en string")
        docs.append(d)
    return docs


def _uncovered_phrases(title: str, glossary: Glossary, max_n: int) -> dict[str, str]:
    """key -> surface form for runs of title words no glossary phrase covers (1..2 words)."""
    keys = glossary.english_phrase_keys()
    max_len = max((len(k.split()) for k in keys), default=1)
    out: dict[str, str] = {}
    for chunk in _BREAK.split(title):
        words = [(en_key(m.group(0)), m.group(0)) for m in _WORD.finditer(chunk)]
        words = [(k, w) for k, w in words if len(k) > 1 and not k.isdigit()]
        covered = [False] * len(words)
        i = 0
        while i < len(words):
            for n in range(min(max_len, len(words) - i), 0, -1):
                if " ".join(k for k, _ in words[i : i + n]) in keys:
                    for j in range(i, i + n):
                        covered[j] = True
                    i += n
                    break
            else:
                i += 1
        for i in range(len(words)):
            for n in range(1, max_n + 1):
                part = words[i : i + n]
                if len(part) < n or any(covered[i : i + n]):
                    continue
                if any(w.lower() in _SKIP for _, w in part):
                    continue
                out.setdefault(" ".join(k for k, _ in part), " ".join(w for _, w in part))
    return out


def suggest(
    en_titles_path: Path,
    glossary: Glossary,
    limit: int = 50,
    *,
    max_words: int = 2,
    per_item: int = 5,
) -> list[Suggestion]:
    """English title words/phrases lacking an entry, with likely Chinese translations.

    Ordered by how many titles use the phrase (then alphabetically); at most
    ``limit`` suggestions with ``per_item`` candidates each.
    """
    docs = _read(Path(en_titles_path))
    if not docs:
        return []
    words = _ChineseWords.of(docs)
    where, surface = _uncovered_in_titles(docs, glossary, max_words)
    ranked = sorted(where.items(), key=lambda kv: (-len(set(kv[1])), kv[0]))
    return [
        Suggestion(
            english=surface[key].most_common(1)[0][0],
            count=len(set(idxs)),
            candidates=words.contrast(set(idxs), glossary)[:per_item],
            key=key,
        )
        for key, idxs in ranked[:limit]
    ]


def _uncovered_in_titles(
    docs: list[dict], glossary: Glossary, max_words: int
) -> tuple[dict[str, list[int]], dict[str, Counter[str]]]:
    """Each uncovered title phrase (by key): the documents whose title holds it, and
    its surface forms with their counts."""
    where: dict[str, list[int]] = {}
    surface: dict[str, Counter[str]] = {}
    for i, d in enumerate(docs):
        for key, form in _uncovered_phrases(d["title_en"], glossary, max_words).items():
            where.setdefault(key, []).append(i)
            surface.setdefault(key, Counter())[form.lower() if not form.isupper() else form] += 1
    return where, surface


@dataclass
class _ChineseWords:
    """The Chinese words (two or more Han characters) of each document's text."""

    counts: list[Counter[str]]  # per document: word -> occurrences
    sets: list[set[str]]  # per document: its words
    df: Counter[str]  # word -> documents using it

    @classmethod
    def of(cls, docs: list[dict]) -> _ChineseWords:
        counts: list[Counter[str]] = []
        for d in docs:
            text = to_simplified(clean_text(str(d.get("content_zh") or "")))
            counts.append(Counter(w for w in segmenter.cut(text) if len(w) >= 2 and all_han(w)))
        sets = [set(c) for c in counts]
        df: Counter[str] = Counter()
        for ws in sets:
            df.update(ws)
        return cls(counts, sets, df)

    def contrast(self, inside: set[int], glossary: Glossary) -> list[tuple[str, float]]:
        """Words used by most of the ``inside`` documents, best first, with their score."""
        n_in = len(inside)
        n_out = len(self.counts) - n_in
        df_in: Counter[str] = Counter()
        tf_in: Counter[str] = Counter()
        for i in inside:
            df_in.update(self.sets[i])
            tf_in.update(self.counts[i])
        scored = []
        for w, c_in in df_in.items():
            # Share of matching documents using the word minus its share of
            # the others; words the glossary already has rank lower (they
            # probably translate another title word). Small bonuses for
            # repetition inside the matching documents (a title's subject
            # recurs in its text) and for length (terms over fragments)
            # separate the ties that one or two documents always produce.
            p_in = c_in / n_in
            p_out = (self.df[w] - c_in) / n_out if n_out else 0.0
            score = p_in - p_out
            if w in glossary:
                score -= 0.25
            score += 0.05 * math.log(tf_in[w] / n_in) + 0.02 * math.log(len(w))
            if c_in >= max(1, math.ceil(n_in / 2)) and score > 0:
                scored.append((w, round(score, 3)))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored


def format_suggestions(items: Sequence[Suggestion]) -> list[str]:
    """One line per suggestion: 'smart (3 titles): 智慧 0.62, 智能 0.40'."""
    lines = []
    for s in items:
        cands = ", ".join(f"{zh} {score:g}" for zh, score in s.candidates) or "(no candidate)"
        lines.append(f"{s.english} ({s.count} title{'s' if s.count != 1 else ''}): {cands}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Suggest glossary entries from English-titled documents."
    )
    ap.add_argument("path", type=Path, help="JSON lines in the en_titles format")
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument(
        "--glossary", type=Path, action="append", default=[], help="a user glossary file"
    )
    args = ap.parse_args(argv)
    g = Glossary.load(args.glossary, cedict=False)
    for line in format_suggestions(suggest(args.path, g, args.limit)):
        print(line)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
