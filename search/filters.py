"""Filter values in either language: ``region:Shandong``, ``region:鲁``, ``level=law``.

Place in the flow: request filters and ``field:value`` filters from the query
-> **filters** -> plan (exact values as stored in the index) -> backend.

The index stores one Chinese form per value (region 山东, level 法律, issuer
国务院). A value typed another way is resolved to the stored forms through:

* the glossary's entries for regions, issuers and document types (and its entries
  whose Chinese term is a level): the Chinese term and every English rendering,
  with the other Chinese names of the same body (same preferred English: 全国人大
  and 全国人民代表大会; 鲁, 山东 and 山东省);
* ``index/data/filter_aliases.tsv``: pinyin, abbreviations and anything else the
  glossary does not say (status, language, collection names);
* for regions, the administrative suffix dropped (山东省 -> 山东).

Matching ignores case, spaces, hyphens, apostrophes and full stops, and
traditional characters. A resolved value is reported in a notice (so the user
sees what was searched); a value that matches nothing gets a notice with the
nearest values that exist, never a silent empty result.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index.doctypes import LEVELS
from index.issuers import ALIASES_FILE, key, load_aliases
from index.normalize import to_simplified

# The alias table and the matching form of a name live in index/issuers.py (one place).
__all__ = ["ALIASES_FILE", "FilterResolver", "Resolved", "key", "load_aliases", "region_stem"]

# Which glossary categories name values of which filter (level: see _glossary_groups).
GLOSSARY_CATEGORIES = {"region": "region", "issuer": "issuer", "doctype": "doctype"}
# Administrative suffixes of province-level names; the index keeps the short name.
_REGION_SUFFIX = re.compile(r"(维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|省|市)$")
NEAREST = 3  # values suggested for an unknown one
# Filters whose values are names of one thing (a body, a place): all its names match.
SYNONYM_FIELDS = ("region", "issuer")


def region_stem(zh: str) -> str:
    """山东省 -> 山东, 广西壮族自治区 -> 广西; short names are kept."""
    stem = _REGION_SUFFIX.sub("", zh)
    return stem if len(stem) >= 2 else zh


def _glossary_entries(glossary: Any, name: str) -> list[Any]:
    """The glossary entries that name values of filter ``name``."""
    if glossary is None:
        return []
    if name == "level":
        return [e for e in glossary.entries() if e.zh in LEVELS]
    if name in GLOSSARY_CATEGORIES:
        return [e for e in glossary.entries() if e.category == GLOSSARY_CATEGORIES[name]]
    return []


@dataclass
class Resolved:
    """The stored values a filter means, and what to tell the user about it."""

    values: list[str]
    notices: list[str] = field(default_factory=list)


class FilterResolver:
    """Resolves filter values against the values an index holds. One per engine."""

    def __init__(self, values_of: Callable[[str], dict[str, int]], glossary: Any = None) -> None:
        self.values_of = values_of  # field -> {stored value: documents}, most frequent first
        self.glossary = glossary
        self._tables: dict[str, dict[str, set[str]]] = {}
        self._by_key: dict[str, tuple[dict[str, int], dict[str, list[str]]]] = {}
        self._lock = threading.Lock()

    def table(self, name: str) -> dict[str, set[str]]:
        """key -> the values it may mean, for one filter field (not all of them stored)."""
        with self._lock:
            hit = self._tables.get(name)
            if hit is not None:
                return hit
        canon = region_stem if name == "region" else (lambda v: v)
        table: dict[str, set[str]] = {}

        def add(alias: str, values: set[str]) -> None:
            k = key(alias)
            if k:
                table.setdefault(k, set()).update(values, {canon(v) for v in values})

        entries = _glossary_entries(self.glossary, name)
        names_of: dict[str, set[str]] = {}  # an English name -> the Chinese names it renders
        for e in entries:
            for r in e.en:
                names_of.setdefault(key(r), set()).add(e.zh)
        for k, zh in names_of.items():
            add(k, zh)
        for e in entries:
            names = {e.zh}
            if name in SYNONYM_FIELDS:
                # Bodies and places: every Chinese name with an English name in common
                # (鲁, 山东, 山东省; 工信部, 工业和信息化部), and the English names (some
                # sources store an issuer in English).
                for r in e.en:
                    names |= names_of[key(r)]
                names |= set(e.en)
            add(e.zh, names)
        for value, aliases in load_aliases().get(name, []):
            names = {value, *table.get(key(value), ())}  # with the glossary's other names
            for alias in (value, *aliases):
                add(alias, names)
        with self._lock:
            self._tables[name] = table
        return table

    def resolve(self, name: str, value: str) -> Resolved:
        """The stored values for one typed value of filter ``name``."""
        known = self.values_of(name)
        k = key(value)
        # The value as stored, and every stored name of the same thing: an issuer
        # stored in English by one source and in Chinese by another is one filter.
        candidates = {value, *self._keyed(name, known).get(k, ()), *self.table(name).get(k, ())}
        if name == "region":
            candidates.add(region_stem(to_simplified(value.strip())))
        found = [v for v in known if v in candidates]  # in the index's order (most documents)
        if found == [value]:
            return Resolved(found)
        if found:
            shown = ", ".join(found)
            return Resolved(found, [f"Filter {name}: {value!r} is searched as {shown}."])
        return Resolved([value], [self._unknown_notice(name, value, known)])

    def _keyed(self, name: str, known: dict[str, int]) -> dict[str, list[str]]:
        """key -> stored values with that key (cached per field and index commit)."""
        with self._lock:
            hit = self._by_key.get(name)
            if hit is not None and hit[0] is known:
                return hit[1]
        out: dict[str, list[str]] = {}
        for v in known:
            out.setdefault(key(v), []).append(v)
        with self._lock:
            self._by_key[name] = (known, out)
        return out

    def nearest(self, name: str, value: str, known: dict[str, int]) -> list[str]:
        """Up to NEAREST stored values closest to ``value`` (by any of their names)."""
        keys = {k: set(vs) for k, vs in self._keyed(name, known).items()}
        for k, values in self.table(name).items():
            hit = {v for v in values if v in known}
            if hit:
                keys.setdefault(k, set()).update(hit)
        out: list[str] = []
        for k in difflib.get_close_matches(key(value), list(keys), n=10, cutoff=0.6):
            for v in sorted(keys[k], key=lambda v: -known[v]):
                if v not in out:
                    out.append(v)
        return out[:NEAREST]

    def _unknown_notice(self, name: str, value: str, known: dict[str, int]) -> str:
        near = self.nearest(name, value, known)
        if near:
            return f"No document has {name} {value!r}. Nearest values: {', '.join(near)}."
        common = list(known)[:5]
        listed = f" Values with the most documents: {', '.join(common)}." if common else ""
        return f"No document has {name} {value!r}.{listed}"

    def apply(self, filters: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
        """Resolved filters (field -> stored values) and the notices to show."""
        out: dict[str, list[str]] = {}
        notices: list[str] = []
        for name, values in filters.items():
            if name == "docnum":  # 文号 are matched by their own parser
                out[name] = list(values)
                continue
            got: list[str] = []
            for v in values:
                r = self.resolve(name, v)
                got.extend(x for x in r.values if x not in got)
                notices.extend(r.notices)
            out[name] = got
        return out, notices
