"""Tests for the attested English titles of policy documents
(``search/data/attested_policy_titles.tsv``, read by
``search.attested.read_policy_rows``): the reader's checks, and that every
shipped row names a document of the sample corpus under the Chinese title it
records."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import pytest

from index.document import make_id
from search.attested import POLICY_FILE, POLICY_FILES, read_policy_rows
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


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_shipped_policy_rows_load(path: Path) -> None:
    rows = read_policy_rows(path)
    assert 25 <= len(rows) <= 80  # the fifth set has 26 rows
    assert len({r.doc_id for r in rows}) == len(rows)  # one row per document
    assert all(r.url.startswith(("http://", "https://")) for r in rows)
    # Policy documents, not laws: every Chinese title ends in a policy kind.
    # A kind may be followed by its period or order number: 实施方案（2023—2025年）.
    kinds = ("通知", "意见", "方案", "规划", "办法", "计划", "措施", "纲要", "决定", "》")
    bare = [re.sub(r"（[^（）]*）$", "", r.zh) for r in rows]
    assert all(t.endswith(kinds) for t in bare), [t for t in bare if not t.endswith(kinds)]


def test_policy_sets_do_not_overlap() -> None:
    """The sets are scored apart, so no document and no English title is in two."""
    assert POLICY_FILE.name == "attested_policy_titles.tsv" and POLICY_FILE in POLICY_FILES
    rows = [r for path in POLICY_FILES for r in read_policy_rows(path)]
    assert len({r.doc_id for r in rows}) == len(rows)
    assert len({r.en.casefold() for r in rows}) == len(rows)


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
    for r in (r for path in POLICY_FILES for r in read_policy_rows(path)):
        assert r.doc_id in titles, f"{r.doc_id} ({r.en}) is not a policy_titles record"
        assert normalize_key(titles[r.doc_id]) == normalize_key(r.zh), r.doc_id


# --- the second retrieval, from the parsed title ------------------------------------------


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory: pytest.TempPathFactory):
    from index.document import Document
    from index.glossary import Glossary
    from search.engine import Engine

    engine = Engine(
        tmp_path_factory.mktemp("parsepool") / "index",
        glossary=Glossary.load(cedict=False),
        create=True,
    )
    engine.backend.add_documents(
        [
            Document(
                id="plan13", title="国务院关于印发“十三五”国家信息化规划的通知", region="全国"
            ),
            Document(id="law", title="山东省信息化促进条例", region="山东"),
            Document(id="other", title="国务院关于印发“十三五”旅游业发展规划的通知", region="全国"),
        ]
    )
    yield engine
    engine.backend.close()


def test_thin_pool_and_the_second_retrieval(small_engine) -> None:
    from index.document import Document
    from search.titles import (
        EXACT_THRESHOLD,
        Candidate,
        _english_fields,
        _english_pool,
        _parse_pool,
        _thin,
        parse_english_title,
    )

    assert _thin([])
    assert _thin([Candidate(Document(id="a", title=""), EXACT_THRESHOLD - 0.01)])
    assert not _thin([Candidate(Document(id="a", title=""), EXACT_THRESHOLD)])

    en = "13th Five-Year National Informatization Plan"
    parse = parse_english_title(en, small_engine.glossary)
    assert any("十三五" in t.zh for t in parse.terms)
    fields = _english_fields(False)
    pool = _english_pool(small_engine, en, parse, fields, True, None)
    # As if the first retrievals had found nothing: the parsed readings (the plan
    # period, 信息化, the document types) are searched in titles.
    pool.hits, pool.seen = [], set()
    found = [d.id for d, _ in _parse_pool(small_engine, parse, pool, fields, None)]
    assert found[0] == "plan13"
    assert set(found) <= {"plan13", "law", "other"}
    # Documents already in the pool are not returned again.
    assert _parse_pool(small_engine, parse, pool, fields, None) == []


MIN_HALF_ROWS = 12  # the sixth set's report half: 12 of 28 rows


def test_a_split_policy_set_has_two_halves_fixed_by_document() -> None:
    """The fourth, fifth and sixth sets are scored by half (tune, looked at; report, a
    result): each half must be big enough to say something (13 rows each in the fifth,
    ±8 % a row), and a row's half must not depend on file order."""
    from search.attested import SPLIT_POLICY_FILES, SPLIT_SET
    from search.eval_suite import half_of

    def policy_half(doc_id: str) -> str:
        return half_of(SPLIT_SET, doc_id)

    for path in SPLIT_POLICY_FILES:
        rows = read_policy_rows(path)
        halves = [policy_half(r.doc_id) for r in rows]
        assert halves.count("tune") >= MIN_HALF_ROWS and halves.count("report") >= MIN_HALF_ROWS
        assert halves == [policy_half(r.doc_id) for r in rows]
    assert {policy_half(f"pt-{i:020x}") for i in range(40)} == {"tune", "report"}


@pytest.mark.skipif(
    not (SHARED_DATA / "policy_titles.csv.gz").is_file(),
    reason="needs the sample data beside the checkout",
)
def test_translated_rows_name_corpus_documents_apart_from_the_attested_sets() -> None:
    """The helper-translated set (benchmarks/data/translated_policy_titles.tsv): every row
    names the policy_titles record whose title it translates, once, and no document of
    an attested set (they are scored apart)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from titles_eval import read_translated_rows

    rows = read_translated_rows()
    titles = _policy_titles_by_id()
    assert len(rows) >= 60 and len({r.doc_id for r in rows}) == len(rows)
    for r in rows:
        assert normalize_key(titles[r.doc_id]) == normalize_key(r.zh), r.doc_id
    attested = {r.doc_id for path in POLICY_FILES for r in read_policy_rows(path)}
    assert not attested & {r.doc_id for r in rows}
