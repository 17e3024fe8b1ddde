"""Issue 9.1: an index whose first segment lacks a column (undated records, then dated
ones) must search normally, and ``duizhao check`` / ``/api/v1/health`` must read what a
search reads, so they fail when searching would.

Each test builds a small on-disk index with the CLI from JSONL written here, in the
order that broke every search: a file without dates first, then a dated one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest_web import configure_segmenter, glossary

from web.cli import main

NODATE = {"id": "a1", "title": "数据安全通知", "body": "第一条 数据安全。"}
DATED = {
    "id": "b1",
    "title": "数据安全意见",
    "body": "第一条 数据安全。",
    "issue_date": "2022-01-01",
    "level": "部门规章",
}


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@pytest.fixture
def undated_first(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    """Two commits, two segments: the first has no date, year or level column files."""
    configure_segmenter()
    index = tmp_path / "x-index"
    nodate = write_jsonl(tmp_path / "nodate.jsonl", NODATE)
    dated = write_jsonl(tmp_path / "dated.jsonl", DATED)
    assert main(["--index", str(index), "index", str(nodate)]) == 0
    assert main(["--index", str(index), "index", str(dated)]) == 0
    segments = {p.name.split(".")[0] for p in (index / "whoosh").glob("MAIN_*.trm")}
    dated_cols = {p.name.split(".")[0] for p in (index / "whoosh").glob("MAIN_*.date.col")}
    assert len(segments) == 2 and len(dated_cols) == 1  # the layout that broke searching
    capsys.readouterr()
    return index


class _OldColumn:
    """Column reading as it was before the fix (Whoosh's multi-segment column reader,
    only IndexError caught): the reads that raised OSError on this layout."""

    def __init__(self, reader, name: str) -> None:
        self._col = reader.column_reader(name)

    def __getitem__(self, docnum: int):
        try:
            return self._col[docnum]
        except IndexError:
            return ""


def search_json(index: Path, capsys: pytest.CaptureFixture, *args: str) -> dict:
    rc = main(["--index", str(index), "search", *args, "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_cli_searches_an_index_whose_first_segment_has_no_dates(
    undated_first: Path, capsys: pytest.CaptureFixture
) -> None:
    body = search_json(undated_first, capsys, "数据安全")
    assert sorted(h["id"] for h in body["hits"]) == ["a1", "b1"]
    # Dates, years and levels are read per segment: known where given, unknown elsewhere.
    by_date = search_json(undated_first, capsys, "数据安全", "--sort", "date")
    assert [h["id"] for h in by_date["hits"]] == ["b1", "a1"]  # undated last
    dated = [h for h in by_date["hits"] if h["id"] == "b1"][0]
    assert dated["date"] == "2022-01-01"
    in_2022 = search_json(undated_first, capsys, "数据安全", "--year", "2022")
    assert [h["id"] for h in in_2022["hits"]] == ["b1"]
    rules = search_json(undated_first, capsys, "数据安全 level:部门规章")
    assert [h["id"] for h in rules["hits"]] == ["b1"]


def test_cli_check_passes_and_reports_the_searches_it_ran(
    undated_first: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["--index", str(undated_first), "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["read_check"]["segments"] == 2
    assert report["read_check"]["searches"] >= 4


def test_cli_check_fails_when_searching_fails(
    undated_first: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the old column reading, `check` said "index OK" while every search failed;
    # it now runs what a search runs, so it catches it, with a message, not a traceback.
    monkeypatch.setattr("index.whoosh_cache._Column", _OldColumn)
    rc = main(["--index", str(undated_first), "search", "数据安全"])
    err = capsys.readouterr().err
    assert rc != 0 and "searching the index" in err and "Traceback" not in err
    rc = main(["--index", str(undated_first), "check"])
    out = capsys.readouterr()
    assert rc != 0
    assert "index OK" not in out.out
    assert "searching the index" in out.err and "OSError" in out.err
    assert "duizhao check" in out.err or "rebuild" in out.err


def make_api_client(index: Path):
    from web.app import create_app

    configure_segmenter()
    app = create_app({"INDEX_DIR": str(index), "GLOSSARY": glossary(), "TESTING": True})
    return app, app.test_client()


def close_app(app) -> None:
    app.extensions["duizhao"].get_engine().backend.close()


def test_api_searches_and_health_on_an_undated_first_index(undated_first: Path) -> None:
    app, client = make_api_client(undated_first)
    try:
        r = client.get("/api/v1/search", query_string={"q": "数据安全", "facets": "true"})
        assert r.status_code == 200, r.data[:300]
        body = r.get_json()
        assert sorted(h["id"] for h in body["hits"]) == ["a1", "b1"]
        assert body["facets"]["year"] == {"2022": 1}
        assert client.get("/doc/a1").status_code == 200
        health = client.get("/api/v1/health")
        assert health.status_code == 200
        assert health.get_json()["status"] == "ok"
    finally:
        close_app(app)


def test_api_health_answers_503_when_a_real_search_would_fail(
    undated_first: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.whoosh_cache._Column", _OldColumn)
    app, client = make_api_client(undated_first)
    try:
        for path in ("/api/v1/health", "/api/v1/search?q=数据安全"):
            r = client.get(path)
            assert r.status_code == 503, (path, r.data[:300])
            err = r.get_json()["error"]
            assert err["code"] == "index_corrupt"
            assert "searching the index" in err["message"]
            assert "Traceback" not in r.get_data(as_text=True)
    finally:
        close_app(app)
