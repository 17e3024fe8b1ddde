"""REST API (/api/v1/) on a fixture index: every endpoint, the error shape, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest_web import LAW_ID, XSS_ID, configure_segmenter, make_app

from web.app import CSP


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return make_app(tmp_path_factory.mktemp("web-api"))


@pytest.fixture
def client(app):
    configure_segmenter()
    return app.test_client()


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert err["status"] == status
    assert isinstance(err["message"], str) and err["message"]
    assert set(err) <= {"code", "message", "hint", "status"}
    if code:
        assert err["code"] == code
    assert "Traceback" not in resp.get_data(as_text=True)
    return err


# --- search -------------------------------------------------------------------------


def test_search_chinese_finds_the_law_with_snippet_marks(client) -> None:
    r = client.get("/api/v1/search", query_string={"q": "数据安全", "per_page": 50})
    assert r.status_code == 200
    body = r.get_json()
    ids = [h["id"] for h in body["hits"]]
    assert LAW_ID in ids
    assert body["total"] >= 30  # the law, the notices, the report
    law = next(h for h in body["hits"] if h["id"] == LAW_ID)
    assert any(f["match"] and f["text"] in ("数据安全", "数据", "安全") for f in law["snippet"])
    assert law["best_passage"]["label"].startswith("第")
    assert body["facets"] == {}  # facets are opt-in in the API


def test_search_english_query_reaches_chinese_documents_by_expansion(client) -> None:
    body = client.get("/api/v1/search?q=data+security&per_page=50").get_json()
    assert LAW_ID in [h["id"] for h in body["hits"]]
    assert any(e["target"] == "数据安全" for e in body["expansions"])


def test_removed_expansion_is_not_searched(client) -> None:
    body = client.get("/api/v1/search?q=platform+economy&rm=平台经济").get_json()
    assert all(e["target"] != "平台经济" for e in body["expansions"])


def test_traditional_query_is_converted_and_says_so(client) -> None:
    body = client.get("/api/v1/search", query_string={"q": "勞動合同"}).get_json()
    assert body["traditional_converted"] is True
    assert body["normalized_query"] == "劳动合同"
    assert "trad-1" in [h["id"] for h in body["hits"]]


def test_filters_facets_sort_and_paging(client) -> None:
    q = {"q": "数据安全", "level": "部门规章", "facets": "true", "sort": "date", "per_page": 3}
    body = client.get("/api/v1/search", query_string=q).get_json()
    assert body["total"] == 10  # notices 0, 3, ..., 27
    assert all(h["level"] == "部门规章" for h in body["hits"])
    assert body["facets"]["level"] == {"部门规章": 10}
    dates = [h["date"] for h in body["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert body["pages"] == 4
    page4 = client.get("/api/v1/search", query_string={**q, "page": 4}).get_json()
    assert len(page4["hits"]) == 1


def test_year_filter_and_filter_only_search(client) -> None:
    body = client.get("/api/v1/search?level=法律&year=2021").get_json()
    assert [h["id"] for h in body["hits"]] == [LAW_ID]
    body = client.get("/api/v1/search?level=法律&year=2000..2010").get_json()
    assert body["total"] == 0


@pytest.mark.parametrize(
    "qs",
    [
        "q=",  # empty query, no filter
        "page=0&q=数据",
        "per_page=0&q=数据",
        "per_page=1000&q=数据",
        "per_page=abc&q=数据",
        "per_page=&q=数据",  # an empty number is not the default
        "page=-1&q=数据",
        "page=99999&q=数据",  # beyond the result window
        "sort=foo&q=数据",
        "q=数据&q=安全",  # repeated single-valued parameter
        "facets=maybe&q=数据",
        "year=abcd&q=数据",
        "q=" + "数" * 501,
        "q=%FF",  # invalid UTF-8
        "q=%ED%A0%80",  # an encoded lone surrogate is invalid UTF-8 too
        "q=%00",  # NUL
        "q=a%00b",
    ],
)
def test_bad_search_input_is_a_400_json_error(client, qs: str) -> None:
    assert_error(client.get("/api/v1/search?" + qs), 400)


def test_huge_query_string_is_refused(client) -> None:
    assert_error(client.get("/api/v1/search?q=" + "a" * 20000), 400)


# --- documents -------------------------------------------------------------------------


def test_document_by_id(client) -> None:
    r = client.get(f"/api/v1/documents/{LAW_ID}")
    assert r.status_code == 200
    d = r.get_json()
    assert d["id"] == LAW_ID
    assert d["title"] == "中华人民共和国数据安全法"
    assert d["date"] == "2021-06-10"
    assert [p["label"] for p in d["passages"]][:2] == ["第一条", "第二条"]
    assert d["passages"][5]["chapter"] == "第三章 数据安全制度"


@pytest.mark.parametrize("doc_id", ["nope", "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE", "x" * 300])
def test_unknown_document_is_404(client, doc_id: str) -> None:
    assert_error(client.get(f"/api/v1/documents/{doc_id}"), 404, "not_found")


def test_bad_utf8_in_path_is_400(client) -> None:
    assert_error(client.get("/api/v1/documents/%FF%FE"), 400)


# --- glossary, titles, health, openapi ---------------------------------------------------


def test_glossary_lookup_both_ways(client) -> None:
    body = client.get("/api/v1/glossary", query_string={"q": "数据安全"}).get_json()
    assert body["entries"][0]["zh"] == "数据安全"
    assert "data security" in body["entries"][0]["en"]
    body = client.get("/api/v1/glossary?q=data+security").get_json()
    assert "数据安全" in [e["zh"] for e in body["entries"]]
    browse = client.get("/api/v1/glossary?per_page=5&page=2").get_json()
    assert len(browse["entries"]) == 5 and browse["total"] > 1000
    assert_error(client.get("/api/v1/glossary?per_page=500"), 400)
    assert_error(client.get("/api/v1/glossary?q=" + "x" * 101), 400)


def test_titles_lookup(client) -> None:
    r = client.get("/api/v1/titles", query_string={"q": "Data Security Law"})
    body = r.get_json()
    assert body["kind"] == "en_title"
    assert body["candidates"][0]["id"] == LAW_ID
    assert_error(client.get("/api/v1/titles"), 400)
    assert_error(client.get("/api/v1/titles?q=x&limit=0"), 400)


def test_health(client) -> None:
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok"
    assert body["documents"] == 35
    assert body["glossary_entries"] > 1000


def test_health_is_503_when_the_index_is_missing(tmp_path: Path) -> None:
    from conftest_web import glossary

    from web.app import create_app

    app = create_app({"INDEX_DIR": str(tmp_path / "none"), "GLOSSARY": glossary()})
    c = app.test_client()
    assert_error(c.get("/api/v1/health"), 503, "index_missing")
    err = assert_error(c.get("/api/v1/search?q=x"), 503, "index_missing")
    assert "duizhao index" in err["hint"]
    r = c.get("/search?q=x")
    assert r.status_code == 503 and b"duizhao index" in r.data
    assert c.get("/").status_code == 200  # the start page still explains the problem


def test_openapi_document_lists_every_endpoint(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {
        "/search",
        "/documents/{id}",
        "/titles",
        "/glossary",
        "/mentions",
        "/suggest",
        "/health",
        "/openapi.json",
        "/export",
    }
    # Every documented search parameter is accepted by the endpoint (no "unknown parameter").
    for p in spec["paths"]["/search"]["get"]["parameters"]:
        if p["in"] != "query":
            continue  # If-None-Match (tests/test_rest.py)
        kind = p["schema"]["type"]
        kind = kind[0] if isinstance(kind, list) else kind  # ["boolean", "string"]: flags
        value = {"integer": "1", "boolean": "true", "array": "x"}.get(kind, "数据")
        if p["name"] == "sort":
            value = "date"
        if p["name"] == "year":
            value = "2020"
        if p["name"] == "cursor":
            value = ""  # an empty cursor starts paging by cursor
        r = client.get("/api/v1/search", query_string={"q": "数据", p["name"]: value})
        assert r.status_code == 200, (p["name"], r.data[:200])


# --- HTTP-level errors all use the shape; security headers ------------------------------


def test_http_errors_use_the_json_shape(client) -> None:
    assert_error(client.get("/api/v1/nope"), 404, "not_found")
    err = assert_error(client.post("/api/v1/search?q=x"), 405, "method_not_allowed")
    assert "POST" in err["message"]
    assert_error(client.delete(f"/api/v1/documents/{LAW_ID}"), 405)
    big = client.post("/api/v1/search", data=b"x" * 100_000)
    assert big.status_code in (405, 413)
    assert_error(big, big.status_code)


def test_unexpected_exception_is_a_json_500_without_traceback(app, monkeypatch) -> None:
    engine = app.extensions["duizhao"].engine

    def boom(req):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(engine, "search", boom)
    r = app.test_client().get("/api/v1/search?q=数据")
    err = assert_error(r, 500, "internal_error")
    assert "secret" not in json.dumps(err)
    r = app.test_client().get("/search?q=数据")
    assert r.status_code == 500 and b"secret" not in r.data and b"Traceback" not in r.data


def test_security_headers_on_every_response(client) -> None:
    for url in ("/api/v1/health", "/api/v1/nope", "/", "/search?q=%FF", "/static/style.css"):
        r = client.get(url)
        assert r.headers["Content-Security-Policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"]
        r.close()


def test_xss_document_json_is_data_not_markup(client) -> None:
    r = client.get(f"/api/v1/documents/{XSS_ID}")
    assert r.mimetype == "application/json"
    assert r.get_json()["title"].count("<script>") == 1  # stored as given; JSON is not HTML
