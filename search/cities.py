"""Prefecture-level cities and their provinces, read from ``search/data/cities.tsv``.

Place in the flow: :mod:`search.titles` asks this module when a title names a
city. The corpus records a document's region as its province (山东), so a city
named in a title (Jinan, 济南市人民政府) says which province's documents to
look among, and which province a candidate must be in. Facts only: a city's
Chinese name (without 市), its usual English name, its province.

A malformed line stops loading with file, line and reason
(:class:`CityDataError`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from index.errors import InputError
from index.scripts import HAN_CHARS

CITIES_FILE = Path(__file__).resolve().parent / "data" / "cities.tsv"
_HAN_NAME = re.compile(rf"^[{HAN_CHARS}]{{2,6}}$")
_EN_NAME = re.compile(r"^[A-Z][a-z]+(?:'[a-z]+)?$")


class CityDataError(InputError):
    """The city table is malformed: which file, which line, what is wrong."""


@dataclass(frozen=True)
class Cities:
    """zh city -> provinces; English name (lower case, no apostrophe) -> zh cities;
    the English names as written in the table."""

    provinces: dict[str, tuple[str, ...]]
    by_english: dict[str, tuple[str, ...]]
    english_names: tuple[str, ...]

    @functools.cached_property
    def english_re(self) -> re.Pattern[str]:
        """Whole English city names, longest first; an apostrophe may be left out
        or curled (Tai'an, Taian, Tai’an)."""
        names = sorted(self.english_names, key=len, reverse=True)
        alts = (re.escape(n).replace("'", "['\u2019]?") for n in names)
        return re.compile(r"\b(" + "|".join(alts) + r")\b", re.IGNORECASE)

    def in_english(self, text: str) -> list[str]:
        """The Chinese names of the cities an English text names, in order, once each."""
        out: list[str] = []
        for m in self.english_re.finditer(text):
            key = _english_key(m.group(1))
            out.extend(z for z in self.by_english.get(key, ()) if z not in out)
        return out

    def province_of_issuer(self, issuer: str) -> str | None:
        """The province of an issuer that starts with a city's full name (济南市人民政府
        -> 山东); None when no city, or a name two provinces share."""
        for n in (4, 3, 2):
            if len(issuer) > n and issuer[n] == "市":
                provs = self.provinces.get(issuer[:n], ())
                if len(provs) == 1:
                    return provs[0]
        return None


def _english_key(name: str) -> str:
    return re.sub("['\u2019]", "", name).lower()


def parse_cities(text: str, source: str = str(CITIES_FILE)) -> Cities:
    """The table from its text; raises :class:`CityDataError` on a bad line."""
    provinces: dict[str, list[str]] = {}
    by_english: dict[str, list[str]] = {}
    names: dict[str, None] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise CityDataError(
                f"{source}, line {n}: expected zh<TAB>en<TAB>province, got {len(parts)} field(s)",
                hint="separate the three fields with one TAB each",
            )
        zh, en, prov = (p.strip() for p in parts)
        if not _HAN_NAME.match(zh) or zh.endswith("市") or not _HAN_NAME.match(prov):
            raise CityDataError(
                f"{source}, line {n}: {zh!r} / {prov!r} is not a city and a province in Chinese",
                hint="write the city without 市 and the province's short name (山东)",
            )
        if not _EN_NAME.match(en):
            raise CityDataError(
                f"{source}, line {n}: {en!r} is not an English city name",
                hint="one capitalised word, an apostrophe allowed (Tai'an)",
            )
        lst = provinces.setdefault(zh, [])
        if prov not in lst:
            lst.append(prov)
        zhs = by_english.setdefault(_english_key(en), [])
        if zh not in zhs:
            zhs.append(zh)
        names.setdefault(en, None)
    return Cities(
        {k: tuple(v) for k, v in provinces.items()},
        {k: tuple(v) for k, v in by_english.items()},
        tuple(names),
    )


@functools.lru_cache(maxsize=1)
def cities() -> Cities:
    """The shipped table (read once per process)."""
    return parse_cities(CITIES_FILE.read_text(encoding="utf-8"))
