"""Attested English titles: official or standard English names that a public source gives.

Place in the flow: a read-only table beside the drafter. ``search.titles``
attaches an attested title to every indexed document whose Chinese title is in
the table (so search results and document pages show it with its source) and
lists it first in ``duizhao title``; :mod:`search.title_draft` uses it for a
title quoted inside another (关于印发《X》的通知). Nothing here is a draft: each
row is a fact -- a Chinese title, the English name a source gives, the source's
name and address -- recorded in ``search/data/attested_titles.tsv``.

File format (one TAB between fields; '#' lines and blank lines are ignored)::

    zh<TAB>en<TAB>source<TAB>url

A malformed row stops loading with file, line and reason; the same Chinese
title may not appear twice.

``search/data/attested_policy_titles.tsv`` holds the same kind of fact for
policy documents (意见, 通知, 方案, 规划 ...) with the sample corpus document it
names: ``en<TAB>zh<TAB>doc_id<TAB>source<TAB>url``. It is an evaluation set for
the English title lookup (``benchmarks/titles_eval.py``), read by
:func:`read_policy_rows`; it is not attached to documents.
``search/data/attested_policy_titles_b.tsv`` and ``attested_policy_titles_c.tsv`` are a
second and a third such set.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from index.scripts import has_han
from search.title_lexicon import DATA_DIR, TitleDataError, normalize_key

ATTESTED_FILE = DATA_DIR / "attested_titles.tsv"
POLICY_FILE = DATA_DIR / "attested_policy_titles.tsv"
# A second set in the same format, gathered later as fresh tuning data; kept apart so each
# set's figures can be given on their own (``benchmarks/titles_eval.py``).
POLICY_FILE_B = DATA_DIR / "attested_policy_titles_b.tsv"
# A third, gathered when the first two were at their ceiling (other kinds, regions, issuers).
POLICY_FILE_C = DATA_DIR / "attested_policy_titles_c.tsv"
# A fourth, gathered when the third was at its ceiling, and split in two as the suite's sets
# are (``search.eval_suite.half_of`` of ``SPLIT_SET`` and the row's document): only its tune
# half is looked at while changing the lookup; its report half is a result.
POLICY_FILE_D = DATA_DIR / "attested_policy_titles_d.tsv"
# A fifth, gathered in the twentieth round after the lookup's change of that round was
# written, split the same way (health, environment, housing, science, finance; Shanghai).
POLICY_FILE_E = DATA_DIR / "attested_policy_titles_e.tsv"
# A sixth, gathered in the twenty-first round, split the same way (digital topics).
POLICY_FILE_F = DATA_DIR / "attested_policy_titles_f.tsv"
# A seventh, gathered in the twenty-second round, split the same way (topics other than the
# digital economy: social insurance, farming, transport, energy, elderly care ...).
POLICY_FILE_G = DATA_DIR / "attested_policy_titles_g.tsv"
POLICY_FILES = (
    POLICY_FILE,
    POLICY_FILE_B,
    POLICY_FILE_C,
    POLICY_FILE_D,
    POLICY_FILE_E,
    POLICY_FILE_F,
    POLICY_FILE_G,
)
SPLIT_POLICY_FILES = (POLICY_FILE_D, POLICY_FILE_E, POLICY_FILE_F, POLICY_FILE_G)
SPLIT_SET = "attested"  # the set name the split files' rows are halved under


_LATIN = re.compile(r"[A-Za-z]")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class AttestedTitle:
    zh: str
    en: str
    source: str
    url: str = ""

    @property
    def citation(self) -> str:
        """The source as shown beside the title: its name, and its address when known."""
        return f"{self.source} ({self.url})" if self.url else self.source


def read_attested(path: Path = ATTESTED_FILE) -> dict[str, AttestedTitle]:
    """Read and check an attested-titles file: normalized Chinese title -> entry."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise TitleDataError(f"cannot read {path}: {e}", "restore the file from git") from e
    out: dict[str, AttestedTitle] = {}
    for n, raw in enumerate(lines, 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        where = f"{path.name} line {n}"
        parts = raw.split("\t")
        if len(parts) != 4:
            raise TitleDataError(
                f"{where}: expected 4 fields (zh, en, source, url), got {len(parts)}",
                "separate fields with one TAB; leave the url empty if there is none",
            )
        zh, en, source, url = (p.strip() for p in parts)
        if not has_han(zh):
            raise TitleDataError(f"{where}: the Chinese title {zh!r} has no Chinese character")
        if not _LATIN.search(en) or has_han(en):
            raise TitleDataError(f"{where}: the English title {en!r} is not English")
        if not source:
            raise TitleDataError(f"{where}: no source", "name the source that gives this title")
        if url and not _URL.match(url):
            raise TitleDataError(f"{where}: {url!r} is not an http(s) address")
        key = normalize_key(zh)
        if key in out:
            raise TitleDataError(f"{where}: {zh} is listed twice", "keep one row per title")
        out[key] = AttestedTitle(zh, en, source, url)
    return out


@dataclass(frozen=True)
class PolicyRow:
    """One attested English title of a policy document in the sample corpus."""

    en: str
    zh: str
    doc_id: str
    source: str
    url: str


_DOC_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")


def read_policy_rows(path: Path = POLICY_FILE) -> list[PolicyRow]:
    """Read and check an attested policy-titles file (rows in file order).

    Every field is required (the url too: each row was looked up at a public
    address); an English title may appear once."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise TitleDataError(f"cannot read {path}: {e}", "restore the file from git") from e
    out: list[PolicyRow] = []
    seen: set[str] = set()
    for n, raw in enumerate(lines, 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        where = f"{path.name} line {n}"
        parts = [p.strip() for p in raw.split("\t")]
        if len(parts) != 5 or not all(parts):
            raise TitleDataError(
                f"{where}: expected 5 non-empty fields (en, zh, doc_id, source, url)",
                "separate fields with one TAB",
            )
        en, zh, doc_id, source, url = parts
        if not _LATIN.search(en) or has_han(en):
            raise TitleDataError(f"{where}: the English title {en!r} is not English")
        if not has_han(zh):
            raise TitleDataError(f"{where}: the Chinese title {zh!r} has no Chinese character")
        if not _DOC_ID.match(doc_id):
            raise TitleDataError(f"{where}: {doc_id!r} is not a document id")
        if not _URL.match(url):
            raise TitleDataError(f"{where}: {url!r} is not an http(s) address")
        if en.casefold() in seen:
            raise TitleDataError(f"{where}: {en} is listed twice", "keep one row per title")
        seen.add(en.casefold())
        out.append(PolicyRow(en, zh, doc_id, source, url))
    return out


@functools.lru_cache(maxsize=1)
def attested_table() -> dict[str, AttestedTitle]:
    """The shipped table (read once per process)."""
    return read_attested()


def attested(zh: str, exclude: frozenset[str] = frozenset()) -> AttestedTitle | None:
    """The attested English title of a Chinese title, or None.

    ``exclude`` holds normalized titles to pretend are not in the table (an
    evaluation drafts titles whose attested English it scores against).
    """
    key = normalize_key(zh)
    if key in exclude:
        return None
    return attested_table().get(key)
