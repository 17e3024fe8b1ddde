"""British spellings folded to American ones, one English word at a time.

Place in the flow: a step of analysis (:func:`index.analysis.latin_term`, the one
rule for an English word's index term, used for documents, queries and
:func:`index.analysis.en_key`, the key every glossary, CC-CEDICT and title-lookup
comparison uses). News that China-policy readers quote is often British (labour, defence,
standardisation, programme), while the glossary, CC-CEDICT and most official
English titles are American; without the fold "national defence" found nothing
about 国防 and "standardisation" matched 规范.

Two kinds of knowledge, both data: a word table (``data/british_spellings.tsv``:
-our, -re, -ence, doubled l, ae/oe and single words) and the -ise/-isation/-yse
rule below, with the words American English spells -ise too in
``data/ise_words.txt``. A change to either changes index terms: the tables' rows are
part of the analysis fingerprint (``index.segmenter``), so an index built before the
change is refused until it is rebuilt.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SPELLINGS_FILE = DATA_DIR / "british_spellings.tsv"
ISE_WORDS_FILE = DATA_DIR / "ise_words.txt"

# stem + ise/ised/ises/ising/isation/isations/iser/isers; the stem ends in a consonant
# (raise, noise and cruise are no -ize words) and holds at least three letters (crises).
_ISE = re.compile(r"^([a-z]{2,}[b-df-hj-np-tv-z])is(e|ed|es|ing|ation|ations|er|ers)$")
_YSE = re.compile(r"^([a-z]+)ys(e|ed|ing|er|ers)$")  # analyse; not "analyses" (a noun too)


def _lines(path: Path) -> list[str]:
    return [
        line.rstrip("\n")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


@functools.lru_cache(maxsize=1)
def word_table() -> dict[str, str]:
    """british -> american, from ``data/british_spellings.tsv``."""
    table: dict[str, str] = {}
    for line in _lines(SPELLINGS_FILE):
        british, american = line.split("\t")
        table[british.strip()] = american.strip()
    return table


@functools.lru_cache(maxsize=1)
def ise_words() -> frozenset[str]:
    """Words spelled -ise in American English too (``data/ise_words.txt``)."""
    return frozenset(w.strip() for w in _lines(ISE_WORDS_FILE))


@functools.lru_cache(maxsize=65536)
def american(word: str) -> str:
    """The American spelling of one lower-case English word (the word itself when it
    has no other): labour -> labor, standardisation -> standardization,
    organised -> organized, analyse -> analyze; advertise, enterprise, otherwise stay."""
    if len(word) < 4 or not word.isascii():
        return word
    table = word_table()
    if word in table:
        return table[word]
    m = _ISE.match(word)
    if m and not word.endswith(("wise", "wised")):
        stem, tail = m.groups()
        if stem + "ise" not in ise_words():
            return f"{stem}iz{tail}"
        return word
    m = _YSE.match(word)
    if m:
        return f"{m.group(1)}yz{m.group(2)}"
    return word
