"""Dates you can trust: impossible dates are reported at import (file:line) and stored as
unknown; the year facet holds only real years; date sorts put undated records last."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import segmenter
from index.document import Document, impossible_date
from index.readers import read_paths
from index.whoosh_backend import WhooshBackend
from search.engine import Engine, SearchRequest
from web.cli import main


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


RECORDS = [
    {"id": "d-2019", "title": "数据管理办法甲", "issue_date": "2019-05-01"},
    {"id": "d-none", "title": "数据管理办法乙"},
    {"id": "d-feb30", "title": "数据管理办法丙", "issue_date": "2019-02-30"},
    {"id": "d-2021", "title": "数据管理办法丁", "publish_date": "2021-03-04"},
    {"id": "d-9999", "title": "数据管理办法戊", "issue_date": "9999-12-31"},
    {"id": "d-0000", "title": "数据管理办法己", "effective_date": "0000-01-01"},
]


@pytest.mark.parametrize(
    "value,bad",
    [
        ("2019-02-28", False),
        ("2020-02-29", False),
        ("1949-10-01", False),
        ("2019-02-30", True),
        ("2019-13-01", True),
        ("0000-01-01", True),
        ("9999-12-31", True),
        ("1700-01-01", True),
    ],
)
def test_impossible_date(value: str, bad: bool) -> None:
    assert (impossible_date(value) is not None) == bad


def test_import_reports_impossible_dates_and_keeps_the_records(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = write_jsonl(tmp_path / "docs.jsonl", RECORDS)
    idx = tmp_path / "ix"
    assert main(["--index", str(idx), "index", str(src), "--procs", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == 6 and report["skipped"] == 0
    warned = report["warnings"]
    assert len(warned) == 3
    assert any(w.startswith(f"{src}:3: document d-feb30: impossible issue_date") for w in warned)
    assert any(w.startswith(f"{src}:5: ") and "'9999-12-31'" in w for w in warned)
    assert any(w.startswith(f"{src}:6: ") and "effective_date" in w for w in warned)
    # Shown by the plain report too, on stderr.
    assert main(["--index", str(tmp_path / "ix2"), "index", str(src), "--procs", "1"]) == 0
    assert "warning: " + str(src) + ":3:" in capsys.readouterr().err
    segmenter.configure([])
    eng = Engine(idx, check_glossary=False)
    assert eng.get_document("d-feb30").issue_date is None
    assert eng.get_document("d-2019").issue_date == "2019-05-01"
    eng.backend.close()


def test_policy_titles_csv_dates_are_checked(tmp_path: Path) -> None:
    import gzip

    csv = (
        "source,url,title,issue_date,pub_date,doc_number\n"
        "gov,https://x.example/1,关于数据的通知,2019-02-30,2019-03-01,\n"
        "gov,https://x.example/2,关于数据的意见,2020-01-01,,\n"
    )
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(csv.encode("utf-8")))
    items = list(read_paths([path]))
    warnings = [i for i in items if not isinstance(i, Document)]
    docs = [i for i in items if isinstance(i, Document)]
    assert len(docs) == 2 and len(warnings) == 1
    assert warnings[0].kept and warnings[0].line == 2
    assert docs[0].issue_date is None and docs[0].date == "2019-03-01"


@pytest.fixture
def dated_index(tmp_path: Path) -> Path:
    """Dated and undated documents, in two commits (two segments)."""
    segmenter.configure([])
    idx = tmp_path / "ix"
    b = WhooshBackend(idx, create=True)
    b.add_documents(read_paths([write_jsonl(tmp_path / "a.jsonl", RECORDS[:3])]))
    b.add_documents(read_paths([write_jsonl(tmp_path / "b.jsonl", RECORDS[3:])]))
    b.close()
    return idx


def test_year_facet_holds_only_real_years(dated_index: Path) -> None:
    eng = Engine(dated_index, check_glossary=False)
    resp = eng.search(SearchRequest(q="数据", facets=True))
    assert resp.total == 6
    assert resp.facets["year"] == {"2019": 1, "2021": 1}
    assert eng.search(SearchRequest(q="数据", year="2000..")).total == 2
    assert eng.search(SearchRequest(q="数据", year="..2020")).total == 1
    eng.backend.close()


@pytest.mark.parametrize("sort", ["date", "date_asc"])
def test_date_sorts_put_undated_records_last(dated_index: Path, sort: str) -> None:
    eng = Engine(dated_index, check_glossary=False)
    hits = eng.search(SearchRequest(q="数据", sort=sort, per_page=10)).hits
    eng.backend.close()
    dates = [h.doc.date for h in hits]
    assert len(dates) == 6
    dated = ["2021-03-04", "2019-05-01"]
    assert dates[:2] == (dated if sort == "date" else dated[::-1])
    assert dates[2:] == [None] * 4
