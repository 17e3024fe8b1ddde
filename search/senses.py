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

from collections.abc import Callable
from typing import Any

from index.analysis import terms as analyze
from search.expand import EN_NO_CEDICT, SECONDARY, WEIGHT, Expansion, _english_runs

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


# --- English title words: several senses, chosen by corpus evidence ---------------------

# CC-CEDICT lists a word's Chinese headwords in its own order (信任, 信赖, 信靠 ... for
# "trust"), which knows nothing of policy text: the first two are often words no
# title uses, while the sense a title means (会计 for "Accounting", 关税 for
# "Tariff") comes later. For an English *title* the lookup keeps several senses,
# the ones corpus titles use, as alternatives: the re-ranker then picks the
# candidate whose title holds one of them.
TITLE_SENSES = 3  # senses kept per English word or phrase
SENSE_CANDIDATES = 30  # CC-CEDICT headwords looked at per word or phrase
MAX_PHRASE = 3  # longest English phrase looked up in CC-CEDICT as one (trade union -> 工会)
MAX_SENSE_ALTS = 12  # senses added for one title in all (each alternative costs postings)


# Words that end in -s but are no plural: "news" is not "new", "means" not "mean".
_NOT_PLURAL = frozenset({"news", "means", "series", "species"})


def _surface(word: str) -> str:
    """A word as CC-CEDICT's senses spell it: lower case, a plural's -s off."""
    w = word.lower()
    if w in _NOT_PLURAL:
        return w
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def _forms(word: str) -> set[str]:
    """A word's lower-case singular forms (cities: citie, city; taxes: taxe, tax)."""
    w = word.lower()
    out = {w, _surface(w)}
    if w in _NOT_PLURAL:
        return out
    if w.endswith("ies"):
        out.add(w[:-3] + "y")
    if w.endswith("es"):
        out.add(w[:-2])
    return out


def stem_only(glossary: Any, source: str, target: str) -> bool:
    """True when a curated term matched one English word through the stem alone:
    none of its renderings is spelled as the word (Accounting matched 问责 through
    "accountability", Nationality 国家 through "nation"). Such a word also gets the
    dictionary senses titles use; a phrase, or a word spelled as a rendering, does not."""
    if " " in source.strip() or glossary is None:
        return False
    e = glossary.zh_entry(target)
    if e is None:
        return False
    forms = _forms(source)
    return not any(_forms(r) & forms for r in e.en)


def ranked_senses(
    glossary: Any, phrase: str, title_df: Callable[[str], int], limit: int = TITLE_SENSES
) -> list[str]:
    """The Chinese senses of an English word or phrase that corpus titles use, best
    first: a sense spelled as the phrase itself (nationality: 国籍, not 国家 through
    the stem "nation") before one found through the stem only, then the senses more
    titles use. Single characters and senses in no title are left out."""
    from index.analysis import en_key

    table = glossary.cedict() if glossary is not None else None
    key = en_key(phrase)
    if table is None or not key:
        return []
    want = _surface(phrase)
    scored = []
    for zh in dict.fromkeys(table.reverse(key)[:SENSE_CANDIDATES]):
        if len(zh) < 2:
            continue
        words = analyze(zh)
        n = min((title_df(w) for w in words), default=0)
        if n <= 0:
            continue
        exact = any(_surface(s) == want for s in table.senses.get(zh, ()))
        scored.append((not exact, -n, zh))
    return [zh for _, _, zh in sorted(scored)[:limit]]


def title_senses(
    text: str, expansions: list[Any], glossary: Any, title_df: Callable[[str], int]
) -> list[Any]:
    """``expansions`` of an English title with the CC-CEDICT fallback chosen by corpus
    evidence: every English word (or CC-CEDICT phrase of up to :data:`MAX_PHRASE`
    words) that no curated or user glossary term covers gets up to
    :data:`TITLE_SENSES` senses that titles use (:func:`ranked_senses`), in place
    of CC-CEDICT's first two. Curated and user expansions are kept as they are."""
    if glossary is None or not getattr(glossary, "cedict_enabled", False):
        return expansions
    covered = _covered(expansions, glossary)
    added, done = _evidence_senses(text, covered, glossary, title_df)
    if not added:
        return expansions
    return _merged(expansions, added, done)


def _covered(expansions: list[Any], glossary: Any) -> list[tuple[int, int]]:
    """The spans a curated or user term covers (through more than a word's stem)."""
    return [
        e.span
        for e in expansions
        if e.origin != "cc-cedict"
        and e.target_lang == "zh"
        and not stem_only(glossary, e.source, e.target)
    ]


def _free(text: str, covered: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is left to the dictionary."""
    crossed = [(s, e) for s, e in covered if s < end and start < e]
    if " " not in text[start:end]:
        return not crossed
    # A dictionary phrase longer than the curated terms inside it is a reading
    # of its own (national defense: 国防, beside "National"); a phrase a curated
    # term covers, or crosses, is left to the glossary.
    return all(start <= s and e <= end and (s, e) != (start, end) for s, e in crossed)


def _evidence_senses(
    text: str, covered: list[tuple[int, int]], glossary: Any, title_df: Callable[[str], int]
) -> tuple[list[Any], list[tuple[int, int]]]:
    """The evidence-chosen senses of the free words and phrases (longest phrase first,
    left to right), and the spans they were found for."""
    added: list[Any] = []
    done: list[tuple[int, int]] = []
    for run in _english_runs(text):
        i = 0
        while i < len(run):
            for n in range(min(MAX_PHRASE, len(run) - i), 0, -1):
                start, end = run[i][1], run[i + n - 1][2]
                senses = _span_senses(text, covered, start, end, n, glossary, title_df)
                if not senses:
                    continue
                added += [
                    _sense(text[start:end], (start, end), zh, r) for r, zh in enumerate(senses)
                ]
                done.append((start, end))
                i += n - 1
                break
            i += 1
    return added, done


def _span_senses(
    text: str,
    covered: list[tuple[int, int]],
    start: int,
    end: int,
    n: int,
    glossary: Any,
    title_df: Callable[[str], int],
) -> list[str]:
    """The senses of ``text[start:end]`` (``n`` words), or none when it is not free
    or is a single word too short, not alphabetic, or never looked up."""
    words = text[start:end]
    if not _free(text, covered, start, end):
        return []
    if n == 1 and (len(words) < 3 or not words.isalpha() or words.lower() in EN_NO_CEDICT):
        return []
    return ranked_senses(glossary, words, title_df)


def _sense(words: str, span: tuple[int, int], zh: str, rank: int) -> Any:
    w = WEIGHT["cc-cedict"] * SECONDARY**rank
    return Expansion(words, span, zh, "zh", round(w, 3), "cc-cedict", "general")


def _merged(expansions: list[Any], added: list[Any], done: list[tuple[int, int]]) -> list[Any]:
    """``expansions`` without CC-CEDICT's own picks for the ``done`` spans, plus the
    best :data:`MAX_SENSE_ALTS` of ``added``, in text order."""

    def replaced(e: Any) -> bool:
        return e.origin == "cc-cedict" and any(s < e.span[1] and e.span[0] < t for s, t in done)

    # The best sense of every phrase first, then the second ones ...: a long title
    # keeps one sense per word before it gets a third one for any.
    by_rank = sorted(enumerate(added), key=lambda ie: (-ie[1].weight, ie[0]))
    keep = {id(e) for _, e in by_rank[:MAX_SENSE_ALTS]}
    out = [e for e in expansions if not replaced(e)] + [e for e in added if id(e) in keep]
    out.sort(key=lambda e: (e.span[0], -e.weight))
    return out
