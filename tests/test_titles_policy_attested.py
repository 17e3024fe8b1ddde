"""Tests for the attested English titles of policy documents
(``search/data/attested_policy_titles.tsv``, read by
``search.attested.read_policy_rows``): the reader's checks, and that every
shipped row names a document of the sample corpus under the Chinese title it
records."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from index.document import make_id
from search.attested import POLICY_FILE, read_policy_rows
from search.title_lexicon import TitleDataError, normalize_key

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

GOOD = (
    "Action Plan for Water Pollution Prevention and Control\t国务院关于印发水污染防治行动计划的通知"
    "\tpt-0b4310d0c286d5638b72\tChina Daily\thttp://example.org/a"
)


def test_policy_rows_are_read(tmp_path: Path) -> None:
    p = tmp_path / "p.tsv"
    p.write_text("# header\n\n" + GOOD + "\n", encoding="utf-8")
    rows = read_policy_rows(p)
    assert len(rows) == 1
    r = rows[0]
    assert r.en.startswith("Action Plan") and r.zh.endswith("的通知")
    assert (r.doc_id, r.source, r.url) == (
        "pt-0b4310d0c286d5638b72",
        "China Daily",
        "http://example.org/a",
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Plan\t规划\tpt-1\tSource", "5 non-empty fields"),
        ("Plan\t规划\tpt-1\t\thttp://example.org", "5 non-empty fields"),
        ("规划\t规划\tpt-1\tSource\thttp://example.org", "not English"),
        ("Plan\tPlan\tpt-1\tSource\thttp://example.org", "no Chinese"),
        ("Plan\t规划\tpt 1\tSource\thttp://example.org", "not a document id"),
        ("Plan\t规划\tpt-1\tSource\texample.org", "http"),
        ("Plan\t规划\tpt-1\tS\thttp://a.org\nplan\t计划\tpt-2\tS\thttp://b.org", "twice"),
    ],
)
def test_bad_policy_rows_are_refused(tmp_path: Path, row: str, reason: str) -> None:
    p = tmp_path / "p.tsv"
    p.write_text("# header\n" + row + "\n", encoding="utf-8")
    with pytest.raises(TitleDataError) as e:
        read_policy_rows(p)
    line = 2 + row.count("\n")  # the last row is the bad one
    assert reason in e.value.message and f"line {line}:" in e.value.message


def test_shipped_policy_rows_load() -> None:
    rows = read_policy_rows()
    assert POLICY_FILE.name == "attested_policy_titles.tsv"
    assert 30 <= len(rows) <= 80
    assert len({r.doc_id for r in rows}) == len(rows)  # one row per document
    assert all(r.url.startswith(("http://", "https://")) for r in rows)
    # Policy documents, not laws: every Chinese title ends in a policy kind.
    kinds = ("通知", "意见", "方案", "规划", "办法", "计划", "措施", "纲要", "》")
    assert all(r.zh.endswith(kinds) for r in rows), [r.zh for r in rows if not r.zh.endswith(kinds)]


def _policy_titles_by_id() -> dict[str, str]:
    """Document id -> title of policy_titles.csv.gz, ids as the reader makes them
    (first record of a URL wins)."""
    out: dict[str, str] = {}
    with gzip.open(SHARED_DATA / "policy_titles.csv.gz", "rt", encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            url = (rec.get("url") or "").strip()
            if url:
                out.setdefault("pt-" + make_id(url), (rec.get("title") or "").strip())
    return out


@pytest.mark.skipif(
    not (SHARED_DATA / "policy_titles.csv.gz").is_file(),
    reason="needs the sample data beside the checkout",
)
def test_shipped_policy_rows_name_corpus_documents() -> None:
    titles = _policy_titles_by_id()
    for r in read_policy_rows():
        assert r.doc_id in titles, f"{r.doc_id} ({r.en}) is not a policy_titles record"
        assert normalize_key(titles[r.doc_id]) == normalize_key(r.zh), r.doc_id
