"""REST conventions (web/rest.py): CORS, ETag/304, RateLimit headers, request ids, access log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest_web import (
    LAW_ID,
    add_documents,
    configure_segmenter,
    copy_index,
    fixture_documents,
    glossary,
)
from web_apps import close_app, owned_app

from web.app import create_app

# --- request id and access log ---------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/search?q=数据安全", "/search?q=数据安全", "/api/v1/nope", "/doc/nope"]
)
def test_every_response_has_a_request_id(client, path: str) -> None:
    a = client.get(path).headers["X-Request-Id"]
    b = client.get(path).headers["X-Request-Id"]
    assert len(a) >= 16 and a != b


def test_a_sane_client_request_id_is_kept_and_a_bad_one_replaced(client) -> None:
    r = client.get("/api/v1/health", headers={"X-Request-Id": "client-abc-123456"})
    assert r.headers["X-Request-Id"] == "client-abc-123456"
    r = client.get("/api/v1/health", headers={"X-Request-Id": "bad id <script>"})
    assert r.headers["X-Request-Id"] != "bad id <script>"
    assert "<" not in r.headers["X-Request-Id"]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_access_log_is_one_json_line_per_request(client) -> None:
    log = logging.getLogger("duizhao.access")
    handler = _Lines()
    log.addHandler(handler)
    old = log.level
    log.setLevel(logging.INFO)
    try:
        r1 = client.get("/api/v1/search?q=数据安全")
        r2 = client.get("/api/v1/documents/nope")
    finally:
        log.removeHandler(handler)
        log.setLevel(old)
    assert len(handler.lines) == 2
    first, second = (json.loads(line) for line in handler.lines)
    assert first["id"] == r1.headers["X-Request-Id"] and first["status"] == 200
    assert first["path"] == "/api/v1/search" and first["method"] == "GET"
    assert isinstance(first["ms"], float)
    assert second["status"] == 404 and second["id"] == r2.headers["X-Request-Id"]


# --- CORS ------------------------------------------------------------------------------

ORIGIN = "http://127.0.0.1:9999"


def test_api_answers_any_origin_by_default(client) -> None:
    r = client.get("/api/v1/search?q=数据安全", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    exposed = r.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "RateLimit-Remaining" in exposed
    # Errors too: a cross-origin page must be able to read the error body.
    r = client.get("/api/v1/search?q=", headers={"Origin": ORIGIN})
    assert r.status_code == 400 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_html_pages_get_no_cors_headers(client) -> None:
    r = client.get("/search?q=数据安全", headers={"Origin": ORIGIN})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


def test_preflight_on_an_api_route(client) -> None:
    r = client.options(
        "/api/v1/search?q=x",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match, X-Request-Id",
        },
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert set(r.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in r.headers["Access-Control-Allow-Headers"]
    # A method the API does not offer is not allowed.
    r = client.options(
        "/api/v1/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}
    )
    assert "Access-Control-Allow-Methods" not in r.headers


def test_preflight_is_limited_to_api_routes(client) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    for path in ("/search?q=x", "/api/v1/no-such-endpoint"):
        r = client.options(path, headers=headers)
        assert r.status_code != 204, path
        assert "Access-Control-Allow-Methods" not in r.headers, path


def test_configured_origins_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with owned_app(tmp_path, CORS_ORIGINS="https://a.example, https://b.example") as app:
        check_configured_origins(app.test_client())
    monkeypatch.setenv("DUIZHAO_CORS_ORIGINS", "https://b.example,https://c.example")
    with owned_app(tmp_path) as app:
        check_configured_origins(app.test_client())


def check_configured_origins(c) -> None:
    r = c.get("/api/v1/health", headers={"Origin": "https://b.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Origin" in r.headers["Vary"]
    r = c.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


# --- ETag / If-None-Match / Cache-Control -----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=数据安全&per_page=5",
        f"/api/v1/documents/{LAW_ID}",
        "/api/v1/titles?q=数据安全法",
        "/search.atom?q=数据安全",
    ],
)
def test_repeated_get_with_if_none_match_is_304(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    assert "max-age" in r.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(path + "&x=1" if "?" in path else path + "?q=1")
    assert other.headers.get("ETag") != etag


def test_etag_differs_per_request_and_stale_tags_get_the_body(client) -> None:
    a = client.get("/api/v1/search?q=数据安全").headers["ETag"]
    b = client.get("/api/v1/search?q=平台经济").headers["ETag"]
    assert a != b
    r = client.get("/api/v1/search?q=数据安全", headers={"If-None-Match": b})
    assert r.status_code == 200 and r.get_json()["total"] > 0


def test_errors_and_uncacheable_endpoints_carry_no_etag(client) -> None:
    r = client.get("/api/v1/search?q=")
    assert r.status_code == 400 and "ETag" not in r.headers
    assert client.get("/api/v1/health").headers["Cache-Control"] == "no-store"


def test_etag_changes_with_the_index_generation(tmp_path: Path) -> None:
    from dataclasses import replace

    index = copy_index(tmp_path)
    configure_segmenter()
    app = create_app({"INDEX_DIR": str(index), "GLOSSARY": glossary(), "TESTING": True})
    try:
        c = app.test_client()
        etag = c.get("/api/v1/search?q=数据安全").headers["ETag"]
        new = replace(fixture_documents()[0], id="law-dsl-copy")
        assert not add_documents(index, [new]).problems
        r = c.get("/api/v1/search?q=数据安全", headers={"If-None-Match": etag})
    finally:
        close_app(app)
    assert r.status_code == 200
    assert r.headers["ETag"] != etag


# --- RateLimit headers -----------------------------------------------------------------


def test_ratelimit_headers_count_down_and_come_on_the_429(tmp_path: Path) -> None:
    rl = {"RATE_LIMIT": 1, "RATE_LIMIT_BURST": 3, "RATE_LIMIT_FILE": str(tmp_path / "rl.sqlite")}
    with owned_app(tmp_path, **rl) as app:
        c = app.test_client()
        seen = [c.get("/api/v1/health") for _ in range(4)]
    assert [r.status_code for r in seen] == [200, 200, 200, 429]
    assert all(r.headers["RateLimit-Limit"] == "3" for r in seen)
    remaining = [int(r.headers["RateLimit-Remaining"]) for r in seen]
    assert remaining[0] == 2 and remaining[-1] == 0
    assert remaining == sorted(remaining, reverse=True)
    assert int(seen[-1].headers["RateLimit-Reset"]) >= 1
    assert seen[-1].headers["X-Request-Id"]


# --- the OpenAPI document ------------------------------------------------------------------


def test_openapi_lists_the_filter_values_of_the_index(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/search"]["get"]["parameters"]}
    facets = client.get("/api/v1/search?q=数据安全&facets=true").get_json()["facets"]
    level = params["level"]
    # Every level the index holds is listed with its count; the matching ones agree.
    for value, n in facets["level"].items():
        assert level["x-values"][value] >= n
    assert level["schema"]["items"]["examples"] == list(level["x-values"])
    assert "enum" not in level["schema"]["items"]  # an absent value is valid, matches nothing
    assert set(params["region"]["x-values"]) == {"全国", "北京市", "上海市", "广东省"}
    # Examples for the operations, shown on /api/docs.
    assert params["q"]["examples"]["english"]["value"] == "platform economy"
    html = client.get("/api/docs").get_data(as_text=True)
    assert "platform economy" in html and "exportResults" not in html
    assert "/api/v1/export" in html


def test_openapi_documents_the_export_and_the_headers(client) -> None:
    from web.exports import FORMATS

    spec = client.get("/api/v1/openapi.json").get_json()
    export = spec["paths"]["/export"]["get"]
    params = {p["name"]: p for p in export["parameters"]}
    assert params["format"]["schema"]["enum"] == list(FORMATS)
    assert "page" not in params and "q" in params
    search = spec["paths"]["/search"]["get"]["responses"]
    assert "ETag" in search["200"]["headers"] and "304" in search
    assert "RateLimit-Remaining" in search["400"]["headers"]


def test_a_search_cut_short_is_not_cacheable(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture is too small to hit the time limit: the backend reports it cut short."""
    from index.whoosh_backend import WhooshBackend

    assert "ETag" in client.get("/api/v1/search?q=数据安全").headers
    monkeypatch.setattr(WhooshBackend, "last_search_partial", property(lambda self: True))
    r = client.get("/api/v1/search?q=数据安全")
    assert r.status_code == 200
    assert "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"
