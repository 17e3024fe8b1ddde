"""Links that survive sharing: tracking and unknown query parameters on every page and
endpoint, and the search box kept filled on error pages (Flask test client, fixture index)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest_web import LAW_ID
from test_web_ui import get_page

TRACKING = "utm_source=twitter&utm_medium=social&fbclid=IwAR0abc&gclid=xyz&from=singlemessage&isappinstalled=0"


def box_value(page) -> str | None:
    return next((a.get("value") for t, a in page.tags if t == "input" and a.get("id") == "q"), None)


@pytest.mark.parametrize("extra", [TRACKING, "levle=法律", "anything=1&Other=%E6%95%B0"])
def test_search_page_ignores_unknown_parameters(client, extra: str) -> None:
    plain_html, plain = get_page(client, "/search?q=数据安全")
    html, page = get_page(client, "/search?q=数据安全&" + extra)
    assert box_value(page) == "数据安全"
    hits = [h for h, _ in page.links if h.startswith("/doc/")]
    assert hits and hits == [h for h, _ in plain.links if h.startswith("/doc/")]
    # Facet, sort and paging links do not carry the ignored parameters on.
    search_links = [h for h, _ in page.links if h.startswith("/search?")]
    assert search_links
    for href in search_links:
        names = {k for k, _ in parse_qsl(urlsplit(href).query)}
        assert not names & {"utm_source", "fbclid", "gclid", "levle", "anything", "from"}, href


def test_home_document_titles_glossary_pages_ignore_unknown_parameters(client) -> None:
    r = client.get("/?q=数据安全&" + TRACKING)
    assert r.status_code == 302
    assert urlsplit(r.headers["Location"]).query == "q=%E6%95%B0%E6%8D%AE%E5%AE%89%E5%85%A8"
    html, page = get_page(client, f"/doc/{LAW_ID}?q=数据安全&" + TRACKING)
    assert page.marks and box_value(page) == "数据安全"
    get_page(client, f"/doc/{LAW_ID}?fbclid=abc")
    get_page(client, "/titles?q=数据安全法&" + TRACKING)
    html, _ = get_page(client, "/glossary?q=数据&utm_campaign=x&junk=1")
    assert "数据安全" in html


@pytest.mark.parametrize(
    "url,status",
    [
        ("/search?q=数据安全&sort=foo&utm_source=x", 400),
        ("/search?q=数据安全&page=0", 400),
        ("/search?q=数据安全&year=abcd", 400),
        ("/doc/no-such-doc?q=数据安全", 404),
        ("/nowhere?q=数据安全", 404),
        ("/glossary?q=数据安全&page=999", 400),
    ],
)
def test_error_pages_keep_the_search_box_filled(client, url: str, status: int) -> None:
    html, page = get_page(client, url, status=status)
    assert box_value(page) == "数据安全"
    assert "Traceback" not in html


def test_error_page_does_not_echo_undecodable_input(client) -> None:
    _, page = get_page(client, "/search?q=%FF", status=400)
    assert box_value(page) == ""


def test_api_ignores_tracking_and_warns_about_other_unknown_parameters(client) -> None:
    plain = client.get("/api/v1/search?q=数据安全").get_json()
    assert plain["warnings"] == []
    tracked = client.get("/api/v1/search?q=数据安全&" + TRACKING).get_json()
    assert tracked["warnings"] == []
    assert [h["id"] for h in tracked["hits"]] == [h["id"] for h in plain["hits"]]
    r = client.get("/api/v1/search?q=数据安全&levle=法律&zzz=1&utm_id=5")
    assert r.status_code == 200
    body = r.get_json()
    warned = {w["parameter"]: w for w in body["warnings"]}
    assert set(warned) == {"levle", "zzz"}
    assert warned["levle"]["code"] == "unknown_parameter"
    assert warned["levle"]["hint"] == "did you mean 'level'?"
    assert "known parameters:" in warned["zzz"]["hint"]
    # The misspelled filter is not applied: the same results as without it.
    assert body["total"] == plain["total"]


def test_api_other_endpoints_accept_tracking_and_warn(client) -> None:
    doc = client.get(f"/api/v1/documents/{LAW_ID}?fbclid=abc").get_json()
    assert doc["id"] == LAW_ID and "warnings" not in doc
    doc = client.get(f"/api/v1/documents/{LAW_ID}?qq=1").get_json()
    assert [w["parameter"] for w in doc["warnings"]] == ["qq"]
    g = client.get("/api/v1/glossary?q=数据&utm_source=x&categroy=policy").get_json()
    assert g["total"] > 0
    assert [w["hint"] for w in g["warnings"]] == ["did you mean 'category'?"]
    t = client.get("/api/v1/titles?q=数据安全法&gclid=1&limt=3")
    assert t.status_code == 200
    assert [w["parameter"] for w in t.get_json()["warnings"]] == ["limt"]
    # Bad values of known parameters are still refused.
    r = client.get("/api/v1/search?q=数据安全&per_page=0&utm_source=x")
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400


def test_openapi_documents_warnings(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert "Warning" in schemas
    for name in ("SearchResponse", "Document", "GlossaryResponse", "TitleLookup"):
        assert "warnings" in schemas[name]["properties"], name
