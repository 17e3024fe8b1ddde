"""Exports of search results (web/exports.py): CSV, NDJSON and citations, streamed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest_web import LAW_ID, XSS_ID, add_documents, copy_index, fixture_documents
from web_apps import owned_app

from web.exports import CSV_FIELDS


def api_hits(client, **params) -> list[dict]:
    """Every hit of a search through the paged API (the fixture needs few pages)."""
    out, page = [], 1
    while True:
        body = client.get(
            "/api/v1/search", query_string={**params, "per_page": 100, "page": page}
        ).get_json()
        out += body["hits"]
        if page >= body["pages"]:
            return out
        page += 1


def test_ndjson_has_the_api_fields_in_the_api_order(client) -> None:
    r = client.get("/api/v1/export", query_string={"q": "数据安全", "format": "ndjson"})
    assert r.status_code == 200
    assert r.mimetype == "application/x-ndjson"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    expected = api_hits(client, q="数据安全")
    assert int(r.headers["X-Total-Count"]) == len(expected) == len(rows)
    assert [d["id"] for d in rows] == [d["id"] for d in expected]
    for got, want in zip(rows, expected, strict=True):
        for key in ("snippet", "title_highlight"):
            want.pop(key)
        assert got == want


def test_csv_columns_and_order_match_the_api(client) -> None:
    params = {"q": "数据安全", "sort": "date", "level": "部门规章"}
    r = client.get("/api/v1/export", query_string={**params, "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_FIELDS
    expected = api_hits(client, **params)
    assert [row["id"] for row in rows] == [h["id"] for h in expected]
    assert len(rows) == 10
    assert all(row["level"] == "部门规章" for row in rows)
    assert all(row["page"] == f"http://localhost/doc/{row['id']}" for row in rows)


def test_csv_cells_never_run_as_formulas(tmp_path: Path) -> None:
    from dataclasses import replace

    index = copy_index(tmp_path)
    doc = replace(fixture_documents()[0], id="formula-1", title="=HYPERLINK(1)数据安全规定")
    doc.issuer = "@SUM(A1)"
    assert not add_documents(index, [doc]).problems
    with owned_app(tmp_path, INDEX_DIR=str(index)) as app:
        r = app.test_client().get("/api/v1/export?q=数据安全规定&format=csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.data.decode("utf-8-sig")))}
    assert rows["formula-1"]["title"] == "'=HYPERLINK(1)数据安全规定"
    assert rows["formula-1"]["issuer"] == "'@SUM(A1)"


def test_citation_list_one_line_per_document(client) -> None:
    r = client.get("/api/v1/export?q=数据安全法&format=citations")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    lines = r.get_data(as_text=True).splitlines()
    assert len(lines) == int(r.headers["X-Total-Count"])
    law = next(line for line in lines if "中华人民共和国数据安全法" in line)
    assert law == (
        "《中华人民共和国数据安全法》，全国人民代表大会常务委员会，2021-06-10，"
        "https://example.org/law/dsl. English: \"Data Security Law of the People's Republic "
        'of China" (source: npc.gov.cn).'
    )


def test_citation_of_a_hostile_document_has_no_javascript_url(client) -> None:
    lines = client.get("/api/v1/export?q=平台经济&format=citations").get_data(as_text=True)
    xss = next(line for line in lines.splitlines() if "国办发〔2019〕38号" in line)
    assert "javascript:" not in xss
    assert xss.count("\n") == 0 and f"http://localhost/doc/{XSS_ID}" in xss
    assert "draft translation" in xss


def test_english_query_exports_chinese_documents(client) -> None:
    r = client.get("/api/v1/export?q=data+security&format=ndjson&limit=5")
    ids = [json.loads(line)["id"] for line in r.get_data(as_text=True).splitlines()]
    assert len(ids) == 5 and LAW_ID in ids
    assert r.headers["X-Export-Count"] == "5"


def test_export_goes_beyond_the_paging_window(tmp_path: Path) -> None:
    """1,200 documents: paging stops at 1,000; the export has every one, in order."""
    from dataclasses import replace

    index = copy_index(tmp_path)
    template = fixture_documents()[-1]
    docs = [
        replace(
            template,
            id=f"bulk-{i:04d}",
            title=f"关于开展监测预警试点的通知（第{i}号）",
            issue_date=f"{2000 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            body="",
        )
        for i in range(1200)
    ]
    assert not add_documents(index, docs).problems
    with owned_app(tmp_path, INDEX_DIR=str(index)) as app:
        c = app.test_client()
        assert c.get("/api/v1/search?q=监测预警试点&page=11&per_page=100").status_code == 400
        r = c.get("/api/v1/export?q=监测预警试点&sort=date&format=ndjson")
        rows = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
        page10 = c.get("/api/v1/search?q=监测预警试点&sort=date&page=10&per_page=100").get_json()
    assert len({d["id"] for d in rows}) == len(rows) == 1200
    dates = [d["date"] for d in rows]
    assert dates == sorted(dates, reverse=True)
    assert [d["id"] for d in rows[900:1000]] == [h["id"] for h in page10["hits"]]


@pytest.mark.parametrize(
    "qs",
    [
        "q=数据&format=xml",
        "q=数据&limit=0",
        "q=数据&limit=50001",
        "q=数据&page=2",
        "q=数据&levle=法律",
        "q=",
        "q=数据&sort=sideways",
    ],
)
def test_bad_export_input_is_a_400_json_error(client, qs: str) -> None:
    r = client.get(f"/api/v1/export?{qs}")
    assert r.status_code == 400, qs
    err = r.get_json()["error"]
    assert err["message"] and err["status"] == 400


def test_no_match_is_an_empty_export_with_a_header_row(client) -> None:
    r = client.get("/api/v1/export?q=zzzqqqxxyy&format=csv")
    assert r.status_code == 200
    assert r.data.decode("utf-8-sig").splitlines() == [",".join(CSV_FIELDS)]
    assert r.headers["X-Total-Count"] == "0"


def test_search_page_links_its_exports(client) -> None:
    html = client.get("/search?q=数据安全&level=部门规章&page=2").get_data(as_text=True)
    for fmt in ("csv", "ndjson", "citations"):
        href = (
            "/api/v1/export?q=%E6%95%B0%E6%8D%AE%E5%AE%89%E5%85%A8&amp;"
            f"level=%E9%83%A8%E9%97%A8%E8%A7%84%E7%AB%A0&amp;format={fmt}"
        )
        assert f'href="{href}"' in html
