"""Issuer names in both languages: one stored value per issuer, the other language beside it.

Place in the flow: readers (import: an English issuer name -> its Chinese stored
form) and search/web (display: a stored value -> "国务院办公厅 · General Office of
the State Council"). Filter resolution (``search/filters.py``) reads the same
alias table.

The facts come from two places only:

* the glossary's ``issuer`` entries (and any curated entry for a Chinese issuer
  name): the Chinese name and its English renderings, the first preferred;
* ``index/data/filter_aliases.tsv``: for each stored value, other ways to write
  it (English names, pinyin, short forms) that the glossary does not say.

One source (the English-titled records) names issuers in English; the others in
Chinese. An English name that one of the two tables gives for a Chinese issuer is
stored as that Chinese name, so both sources count under one facet value, and the
English is shown beside it as its label. A name neither table knows is stored as
written.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from typing import Any

from index.errors import InputError
from index.glossary import DATA_DIR, Glossary
from index.normalize import to_simplified
from index.scripts import has_han

ALIASES_FILE = DATA_DIR / "filter_aliases.tsv"
LABEL_SEPARATOR = " · "  # between the two languages of one name
JOINT_SEPARATOR = "、"  # between the Chinese names of joint issuers
_KEY_DROP = re.compile(r"[\s\-‐–—'’`.·_]+")
# Words around an English body name that do not tell bodies apart.
_EN_PREFIX = re.compile(r"^\s*the\s+", re.I)
_EN_SUFFIX = re.compile(r"\s+of\s+the\s+people'?s\s+republic\s+of\s+china\s*$", re.I)
# Joint issuers in one English field: "Ministry of A, Ministry of B" (and, only when
# both sides are known names, "A Bureau and B Bureau": many names contain "and").
_JOINT_COMMA = re.compile(r"\s*[,;，、]\s*")
_JOINT_AND = re.compile(r"\s+and\s+(?=[A-Z])")


def key(text: str) -> str:
    """The matching form of a name: NFKC, simplified, case-folded, no separators."""
    t = to_simplified(unicodedata.normalize("NFKC", text))
    return _KEY_DROP.sub("", t).casefold()


def english_key(name: str) -> str:
    """key() of an English body name without a leading "the" or a trailing
    "of the People's Republic of China" (the records write both ways)."""
    return key(_EN_SUFFIX.sub("", _EN_PREFIX.sub("", name)))


def load_aliases(path: Path = ALIASES_FILE) -> dict[str, list[tuple[str, list[str]]]]:
    """field -> [(stored value, aliases)] from the alias file; a bad line names itself."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise InputError(
                f"{path}:{n}: expected field<TAB>value<TAB>aliases", "fix the line or remove it"
            )
        name, value, aliases = (p.strip() for p in parts)
        out.setdefault(name, []).append((value, [a.strip() for a in aliases.split("|")]))
    return out


def _looks_english_name(alias: str) -> bool:
    """An English name to show, not pinyin or an abbreviation ("State Council Office",
    not "guowuyuan bangongting" or "GOSC")."""
    return " " in alias.strip() and alias[:1].isupper() and not has_han(alias)


class IssuerNames:
    """English <-> Chinese issuer names from the glossary and the alias table."""

    def __init__(self, glossary: Any = None, aliases_path: Path = ALIASES_FILE) -> None:
        self._glossary = glossary
        self._to_zh: dict[str, str] = {}  # english_key -> the Chinese stored form
        self._en_of: dict[str, str] = {}  # Chinese name -> its English name to show
        entries = list(glossary.entries()) if glossary is not None else []
        # Glossary first: an English name shared by several Chinese names of one body
        # (全国人大, 全国人民代表大会) goes to the full name (what the laws record);
        # among equals, to the entry that gives it as its preferred rendering.
        ranked: dict[str, tuple[tuple[int, int], str]] = {}
        for e in entries:
            if e.category == "issuer" and e.en:
                self._en_of.setdefault(e.zh, e.preferred)
            if e.category != "issuer":
                continue
            for rank, r in enumerate(e.en):
                k = english_key(r)
                score = (len(e.zh), -rank)
                if k and (k not in ranked or score > ranked[k][0]):
                    ranked[k] = (score, e.zh)
        self._to_zh = {k: zh for k, (_, zh) in ranked.items()}
        # The alias table says which form the index stores: it wins over the glossary.
        for value, names in load_aliases(aliases_path).get("issuer", []):
            for alias in names:
                if not has_han(alias) and english_key(alias):
                    self._to_zh[english_key(alias)] = value
            shown = next((a for a in names if _looks_english_name(a)), "")
            if shown:
                self._en_of.setdefault(value, shown)

    def stored(self, name: str) -> str:
        """The form to store for an issuer name: a known English name becomes its
        Chinese name; anything else (Chinese, unknown, joint issuers) is kept."""
        if not name or has_han(name):
            return name
        return self._to_zh.get(english_key(name), name)

    def english(self, zh: str) -> str:
        """The English name of a Chinese issuer name, '' when neither table gives one."""
        en = self._en_of.get(zh)
        if en is None and self._glossary is not None:
            # A name the glossary has in another category (山东省人民政府 as a region
            # body, say) still has an English name.
            e = self._glossary.zh_entry(zh)
            en = e.preferred if e is not None else ""
        return en or ""

    def label(self, value: str) -> str:
        """The display name of a stored issuer value, the other language beside it:
        "国务院办公厅 · General Office of the State Council"; an English value the
        tables know part by part (joint issuers) gets the Chinese names first."""
        if not value:
            return value
        if has_han(value):
            en = self.english(value)
            return f"{value}{LABEL_SEPARATOR}{en}" if en else value
        zh = self.stored(value)
        if zh == value:
            found = self._joint(value)
            if not found:
                return value
            zh = JOINT_SEPARATOR.join(dict.fromkeys(found))
        return f"{zh}{LABEL_SEPARATOR}{value}"

    def _joint(self, value: str) -> list[str]:
        """The Chinese names of joint issuers written in English, [] unless every
        one of them (two or more) is known."""
        out: list[str] = []
        for piece in (p for p in _JOINT_COMMA.split(value) if p.strip()):
            zh = self.stored(piece)
            if has_han(zh):
                out.append(zh)
                continue
            # "A and B": the "and" between two known names, not one inside a name.
            for m in _JOINT_AND.finditer(piece):
                pair = [self.stored(piece[: m.start()]), self.stored(piece[m.end() :])]
                if all(has_han(z) for z in pair):
                    out.extend(pair)
                    break
            else:
                return []
        return out if len(out) >= 2 else []

    def labels(self, values: Any) -> dict[str, str]:
        """stored value -> label, for the values whose label says more than the value."""
        out = {}
        for v in values:
            lab = self.label(v)
            if lab != v:
                out[v] = lab
        return out


_SHIPPED: IssuerNames | None = None
_SHIPPED_LOCK = threading.Lock()


def shipped_issuer_names() -> IssuerNames:
    """Names from the shipped glossary and alias table (what import uses, so a record's
    stored issuer does not depend on the user's own glossary). Built once per process."""
    global _SHIPPED
    if _SHIPPED is None:
        with _SHIPPED_LOCK:
            if _SHIPPED is None:
                _SHIPPED = IssuerNames(Glossary.load(cedict=False))
    return _SHIPPED
