"""Web security: inert hostile text, headers on every response, one error shape,
ids that cannot escape, bounded pages and sizes, and a very long document.

XSS: the web fixture corpus (tests/conftest_web.py) has a document carrying
``<script>`` and ``"onmouseover=`` in every field; here a user glossary file
adds HTML to the renderings of a shipped term, and queries carry HTML too.
Every page is parsed and checked structurally: no inline script, no ``on*``
attribute, no ``javascript:`` URL. tests/test_browser.py confirms in a real
browser that no script runs.

The web app has no write endpoints (indexing, glossary edits and imports are
CLI-only), so there is nothing to protect with a secret or a CSRF token: the
tests below check that every non-GET method is a 405 in the one JSON shape.
"""

from __future__ import annotations

import builtins
import io
import os
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest_web import LAW_ID, XSS_ID, build_index, configure_segmenter, glossary

from index import segmenter
from index.document import Document

USER_GLOSSARY = (
    "平台经济\t<script>window.__xss=20</script>platform economy | "
    '"onmouseover=window.__xss=21 x=" platform | <img src=x onerror=window.__xss=22>economy'
    "\tpolicy\t<b>note</b><script>window.__xss=23</script>\n"
)
HOSTILE_Q = '<script>window.__xss=30</script>"onmouseover=window.__xss=31 x=" 平台经济'


@pytest.fixture(scope="module")
def user_glossary_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("glossary") / "user.tsv"
    p.write_text(USER_GLOSSARY, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, user_glossary_file: Path):
    """The web fixture index with a user glossary that puts HTML in renderings."""
    from index.glossary import Glossary
    from web.app import create_app

    path = build_index(tmp_path_factory.mktemp("web-security"))
    g = Glossary.load([user_glossary_file], cedict=False)
    # Same Chinese term as a shipped one: segmentation is unchanged, so the index fits.
    assert g.segmentation_words() == glossary().segmentation_words()
    configure_segmenter()
    app = create_app({"INDEX_DIR": str(path), "GLOSSARY": g, "TESTING": True})
    yield app
    app.extensions["duizhao"].engine.backend.close()


@pytest.fixture
def client(app):
    configure_segmenter()
    return app.test_client()


class Inert(HTMLParser):
    """Collects what could run: script elements, event attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            src = a.get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"script without a local src: {attrs}")
            self._in_script = True
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"event attribute {name}={value!r} on <{tag}>")
            v = (value or "").strip().lower()
            if name in ("href", "src", "action", "formaction", "xlink:href") and (
                v.startswith("javascript:") or v.startswith("vbscript:")
            ):
                self.problems.append(f"script URL in {name} on <{tag}>")
            if name == "style" or tag == "style":
                self.problems.append(f"inline style on <{tag}>")
        if tag in ("iframe", "object", "embed", "base", "meta") and (
            tag != "meta" or "http-equiv" in a
        ):
            self.problems.append(f"<{tag}> element")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script content {data[:60]!r}")


def assert_inert(html: str, where: str) -> None:
    p = Inert()
    p.feed(html)
    assert not p.problems, (where, p.problems)
    # The payloads are there as text (escaped), never as markup.
    assert "<script>window" not in html, where
    assert "<img src=x" not in html, where


PAGES = [
    "/",
    f"/doc/{XSS_ID}",
    f"/doc/{XSS_ID}?q=平台经济",
    f"/doc/{LAW_ID}?q=数据安全",
    "/search?q=平台经济",
    "/search?q=platform+economy",
    "/search?q=平台经济&facets=true",
    "/glossary?q=平台经济",
    "/glossary?q=platform",
    "/glossary",
    "/titles?q=平台经济",
    "/api/docs",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_with_hostile_documents_and_glossary_are_inert(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code in (200, 503), (url, r.status_code)  # titles may be unavailable
    assert r.mimetype == "text/html"
    assert_inert(r.get_data(as_text=True), url)


@pytest.mark.parametrize("path", ["/search", "/glossary", "/titles", "/doc/" + XSS_ID])
def test_hostile_query_text_is_inert(client, path: str) -> None:
    r = client.get(path, query_string={"q": HOSTILE_Q})
    assert r.status_code in (200, 400, 503)
    html = r.get_data(as_text=True)
    assert_inert(html, path)
    if r.status_code == 200 and path != "/titles":
        assert "&lt;script&gt;window.__xss=30" in html  # shown, escaped


def test_user_glossary_html_is_shown_escaped(client) -> None:
    html = client.get("/glossary?q=平台经济").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=20&lt;/script&gt;platform economy" in html
    api = client.get("/api/v1/glossary?q=平台经济")
    assert api.mimetype == "application/json" and api.headers["X-Content-Type-Options"] == "nosniff"
    en = api.get_json()["entries"][0]["en"]
    assert en[0] == "<script>window.__xss=20</script>platform economy"  # data, not markup


def test_snippets_never_go_into_attributes(client) -> None:
    """Titles and snippets of the hostile document are element content only."""
    html = client.get("/search?q=平台经济").get_data(as_text=True)
    assert "onmouseover=window.__xss=2" in html  # the text is there ...
    assert 'onmouseover="' not in html.replace("&#34;", "")  # ... never as an attribute


# --- headers and the one error shape on every response ------------------------------------------


def assert_security_headers(r: Any, where: str) -> None:
    csp = r.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (where, csp)
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff", where
    assert r.headers.get("X-Frame-Options") == "DENY", where
    assert r.headers.get("Referrer-Policy"), where


def assert_error_shape(r: Any, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.data[:300])
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) <= {"code", "message", "hint", "status"}
    assert err["status"] == status and err["message"] and err["code"]
    if code:
        assert err["code"] == code
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    assert_security_headers(r, f"{status}")
    return err


def test_api_404_405_413_errors_have_one_shape(client) -> None:
    assert_error_shape(client.get("/api/v1/nope"), 404, "not_found")
    assert_error_shape(client.get("/api/v1/documents/nope"), 404, "not_found")
    for method in ("post", "put", "delete", "patch"):
        r = getattr(client, method)("/api/v1/search?q=x")
        assert_error_shape(r, 405, "method_not_allowed")
        assert "GET" in r.headers["Allow"]
    big = b"x" * (65 * 1024)
    assert_error_shape(client.get("/api/v1/search?q=x", data=big), 413, "request_too_large")
    assert_error_shape(client.post("/api/v1/search", data=big), 413, "request_too_large")
    assert_error_shape(client.get("/api/v1/search?q=" + "数" * 600), 400)


def test_ui_errors_are_pages_with_headers(client) -> None:
    for r, status in (
        (client.get("/nope"), 404),
        (client.post("/search"), 405),
        (client.get("/doc/nope"), 404),
        (client.get("/search?q=%FF"), 400),
    ):
        assert r.status_code == status
        assert r.mimetype == "text/html"
        assert_security_headers(r, f"ui {status}")
        assert_inert(r.get_data(as_text=True), f"ui {status}")


def test_forced_500_is_the_json_shape_without_details(
    app, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app.extensions["duizhao"].get_engine()

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("secret detail at /srv/private/path")

    monkeypatch.setattr(engine, "search", boom)
    r = client.get("/api/v1/search?q=数据")
    err = assert_error_shape(r, 500, "internal_error")
    assert "secret" not in r.get_data(as_text=True)
    assert "RuntimeError" not in r.get_data(as_text=True)
    assert err["hint"]
    page = client.get("/search?q=数据")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret" not in page.get_data(as_text=True)
    assert_security_headers(page, "ui 500")


def test_static_and_redirect_responses_carry_headers(client) -> None:
    r = client.get("/static/app.js")
    assert r.status_code == 200
    assert_security_headers(r, "static")
    r.close()
    r = client.get("/search?q=")
    assert r.status_code in (200, 302)
    assert_security_headers(r, "empty search")


# --- ids cannot escape; Chinese file names survive ----------------------------------------------

BAD_IDS = [
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",  # double-encoded
    "..%5C..%5Cwindows%5Cwin.ini",
    "%EF%BC%8E%EF%BC%8E%EF%BC%8Fetc%EF%BC%8Fpasswd",  # full-width ．．／
    "%E2%80%A5%EF%BC%8Fetc",  # ‥ (two-dot leader) NFKC-folds to ..
    "%C0%AE%C0%AE%2Fetc",  # overlong UTF-8 dots
    "....%2F%2Fetc%2Fpasswd",
    "..",
    ".",
    "~root",
    "%00",
    f"{XSS_ID}%00.html",
    "file:..:..:etc:passwd",
    "%2Fetc%2Fpasswd",
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_document_ids_cannot_read_files(client, bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file: Any, *a: Any, **k: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *a, **k)

    def spy_os_open(path: Any, *a: Any, **k: Any) -> Any:
        opened.append(str(path))
        return real_os_open(path, *a, **k)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    for prefix in ("/api/v1/documents/", "/doc/"):
        r = client.get(prefix + bad)
        assert r.status_code in (400, 404), (prefix + bad, r.status_code)
        body = r.get_data(as_text=True)
        assert "root:" not in body and "[extensions]" not in body
        if prefix.startswith("/api/"):
            assert_error_shape(r, r.status_code)
    monkeypatch.undo()
    for path in opened:
        assert "passwd" not in path and "win.ini" not in path and ".." not in path, path


def test_chinese_file_names_survive_indexing(tmp_path: Path) -> None:
    from index.readers import _file_id, read_paths

    root = tmp_path / "政策"
    (root / "国务院").mkdir(parents=True)
    f = root / "国务院" / "关于数据安全的通知.txt"
    f.write_text("关于数据安全的通知\n各地区、各部门：现就数据安全工作通知如下。", encoding="utf-8")
    assert _file_id(f, root) == "file:国务院_关于数据安全的通知"
    docs = [d for d in read_paths([root]) if isinstance(d, Document)]
    assert [d.id for d in docs] == ["file:国务院_关于数据安全的通知"]
    # Path tricks in a name do not reach the id as a path.
    assert "/" not in _file_id(root / ".." / "etc" / "passwd", root)
    from web.api import DOC_ID_RE

    assert DOC_ID_RE.match(docs[0].id)


def test_import_files_over_the_size_limit_are_skipped(tmp_path: Path) -> None:
    from index.readers import MAX_FILE_BYTES, read_paths

    big = tmp_path / "大文件.txt"
    with big.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no 50 MB written
    items = list(read_paths([big]))
    assert len(items) == 1 and not isinstance(items[0], Document)
    assert "50 MB" in str(items[0])


# --- paging and sizes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "qs,status",
    [
        ("q=数据&page=100&per_page=10", 200),  # results 991-1000: the deepest page
        ("q=数据&page=101&per_page=10", 400),
        ("q=数据&page=11&per_page=100", 400),
        ("q=数据&page=1000000000", 400),
        ("q=数据&per_page=101", 400),
        ("q=数据&per_page=0", 400),
        ("q=数据&page=0", 400),
        ("q=数据&page=-1", 400),
        ("q=数据&page=1e3", 400),
    ],
)
def test_paging_is_bounded(client, qs: str, status: int) -> None:
    r = client.get("/api/v1/search?" + qs)
    if status == 200:
        assert r.status_code == 200 and r.get_json()["hits"] == []
    else:
        assert_error_shape(r, status)
    assert client.get("/search?" + qs).status_code == status


def test_other_endpoints_bound_their_sizes(client) -> None:
    assert_error_shape(client.get("/api/v1/glossary?per_page=101"), 400)
    assert_error_shape(client.get("/api/v1/glossary?q=" + "数" * 101), 400)
    assert_error_shape(client.get("/api/v1/titles?q=x&limit=51"), 400)
    r = client.get("/api/v1/glossary?page=1000000")
    assert r.status_code == 200 and r.get_json()["entries"] == []


# --- a very long document ---------------------------------------------------------------------

UNIQUE = "zyxwvquartzoid"


@pytest.fixture(scope="module")
def long_doc_engine(tmp_path_factory: pytest.TempPathFactory):
    from index.whoosh_backend import WhooshBackend
    from search.engine import Engine

    path = tmp_path_factory.mktemp("long-doc")
    para = "各地区各部门要加强数据安全管理，落实个人信息保护责任，推进平台经济规范健康发展。" * 3
    paras = [f"{i}. {para}" for i in range(16_000)]  # ~2M characters
    body = "\n".join(paras[:-10] + [f"附：{UNIQUE} 专用条款在此。"] + paras[-10:])
    assert len(body) > 1_900_000 and body.index(UNIQUE) > 1_800_000
    segmenter.configure([])
    backend = WhooshBackend(path, create=True)
    doc = Document(id="long-1", title="超长文件", source="user", body=body)
    report = backend.add_documents([doc])
    assert not report.problems, report.problems
    backend.close()
    return Engine(path)


@pytest.mark.slow
def test_hit_deep_in_a_long_document_gets_a_snippet_fast(long_doc_engine) -> None:
    from search.engine import SearchRequest

    segmenter.configure([])
    long_doc_engine.search(SearchRequest(q="数据"))  # warm the reader
    t0 = time.perf_counter()
    r = long_doc_engine.search(SearchRequest(q=UNIQUE))
    dt = time.perf_counter() - t0
    assert r.total == 1
    snippet = "".join(t for t, _ in r.hits[0].snippet)
    assert UNIQUE in snippet
    assert any(m and UNIQUE in t for t, m in r.hits[0].snippet)  # marked as the match
    assert dt < 30, dt  # an upper bound only (a hang), not a speed claim
    # The document page of the long document answers within the budget too.
    from web.app import create_app

    app = create_app({"ENGINE": long_doc_engine, "GLOSSARY_CEDICT": False, "TESTING": True})
    segmenter.configure([])
    t0 = time.perf_counter()
    page = app.test_client().get(f"/doc/long-1?q={UNIQUE}")
    dt = time.perf_counter() - t0
    assert page.status_code == 200
    assert dt < 30, dt  # an upper bound only (a hang), not a speed claim
    long_doc_engine.backend.close()


def test_search_time_limit_is_set_below_the_budget(tmp_path_factory) -> None:
    # A search cut short by the backend's time limit must still answer within 1 s. The
    # server's own default: the other tests' apps run with a generous limit.
    from conftest_web import build_index, configure_segmenter, glossary
    from web_apps import close_app

    from web.app import create_app

    path = build_index(tmp_path_factory.mktemp("default-limit"))
    configure_segmenter()
    app = create_app({"INDEX_DIR": str(path), "GLOSSARY": glossary(), "TESTING": True})
    try:
        assert app.extensions["duizhao"].get_engine().backend.time_limit <= 0.5
    finally:
        close_app(app)


def test_search_on_an_empty_index_is_not_a_500(tmp_path: Path) -> None:
    from search.engine import Engine
    from web.app import create_app

    configure_segmenter()
    Engine(tmp_path / "empty", glossary=glossary(), create=True)
    app = create_app(
        {"INDEX_DIR": str(tmp_path / "empty"), "GLOSSARY": glossary(), "TESTING": True}
    )
    r = app.test_client().get("/api/v1/search?q=数据")
    app.extensions["duizhao"].engine.backend.close()
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["total"] == 0
