"""HTML UI on a fixture index: pages, links that carry state, XSS inertness, error pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest_web import LAW_ID, XSS_ID, configure_segmenter, make_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return make_app(tmp_path_factory.mktemp("web-ui"))


@pytest.fixture
def client(app):
    configure_segmenter()
    return app.test_client()


class Page(HTMLParser):
    """Collects what the tests look at: tags with attributes, links, marks, scripts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.marks: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._a: str | None = None
        self._text: list[str] = []
        self._mark = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "a":
            self._a, self._text = a.get("href") or "", []
        elif tag == "mark":
            self._mark, self._text_mark = True, []
        elif tag == "script":
            self.scripts.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._a is not None:
            self.links.append((self._a, "".join(self._text).strip()))
            self._a = None
        elif tag == "mark":
            self.marks.append("".join(self._text_mark))
            self._mark = False

    def handle_data(self, data: str) -> None:
        if self._a is not None:
            self._text.append(data)
        if self._mark:
            self._text_mark.append(data)

    def link(self, text_part: str) -> str:
        for href, text in self.links:
            if text_part in text:
                return href
        raise AssertionError(f"no link with {text_part!r}")


def get_page(client, url: str, status: int = 200, **kw) -> tuple[str, Page]:
    r = client.get(url, **kw)
    assert r.status_code == status, r.data[:500]
    assert r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    return html, Page(html)


def test_home_page(client) -> None:
    html, page = get_page(client, "/")
    assert "35 documents indexed" in html
    assert (
        "form",
        {"class": "searchbox", "action": "/search", "method": "get", "role": "search"},
    ) in [(t, a) for t, a in page.tags if t == "form"]
    assert "/search?q=" in page.link("platform economy")


def test_search_page_chinese(client) -> None:
    html, page = get_page(client, "/search", query_string={"q": "数据安全"})
    assert "数据" in page.marks or "数据安全" in page.marks
    # The law's best article links to its anchor on the document page, carrying q.
    art = [h for h, _ in page.links if h.startswith(f"/doc/{LAW_ID}?") and "#art-" in h]
    assert art, page.links
    parts = urlsplit(art[0])
    assert dict(parse_qsl(parts.query)) == {"q": "数据安全"}
    assert re.fullmatch(r"art-\d+", parts.fragment)
    # Attested English title with its source; lang attributes on both titles.
    assert "Law of the People" in html and "(npc.gov.cn)" in html
    assert "<mark>Data Security</mark>" in html  # the expansion is marked in the English title
    assert any(t == "a" and a.get("lang") == "zh" for t, a in page.tags)
    assert any(t == "span" and a.get("lang") == "en" for t, a in page.tags)
    # Facets, sort and pagination are links (no JS needed).
    assert "层级 Level" in html and "年份 Year" in html
    assert "sort=date" in page.link("Newest")
    assert "page=2" in page.link("Next")


def test_the_page_says_how_the_query_was_read(client) -> None:
    """The quiet "read as" line names the intent and what was taken off the query:
    an English question's own words, a pasted title's wrappers."""
    html, _page = get_page(client, "/search", query_string={"q": "how to apply for data security?"})
    assert "read as English keywords (question words dropped: data security)" in html
    html, _page = get_page(client, "/search", query_string={"q": "《数据安全法》。"})
    assert "read as a law or regulation name (cleaned: 数据安全法)" in html


def test_search_page_under_100kb_for_20_results(client) -> None:
    r = client.get("/search", query_string={"q": "数据安全", "per_page": 20})
    assert r.get_data(as_text=True).count('class="hit"') == 20
    assert len(r.data) < 100_000


def test_facet_link_narrows_and_removable_chip_widens(client) -> None:
    _, page = get_page(client, "/search", query_string={"q": "数据安全"})
    href = next(h for h, t in page.links if t == "部门规章")
    html, narrowed = get_page(client, href)
    assert "1–10 of 10 documents" in html
    remove = next(
        h
        for (t, a) in narrowed.tags
        if t == "a" and a.get("aria-label") == "Remove the filter 层级 Level: 部门规章"
        for h in [a["href"]]
    )
    assert "level=" not in remove
    html, _ = get_page(client, remove)
    assert "of 33 documents" in html


def test_year_facet_and_sort(client) -> None:
    _, page = get_page(client, "/search", query_string={"q": "数据安全"})
    href = next(h for h, t in page.links if t == "2021")
    assert "year=2021" in href
    html, _ = get_page(client, href)
    assert "of 4 documents" in html and f"/doc/{LAW_ID}?" in html
    _, page = get_page(client, "/search", query_string={"q": "数据安全", "sort": "date"})
    assert any(t == "strong" and a.get("aria-current") for t, a in page.tags)


def test_english_query_shows_expansion_with_remove_link(client) -> None:
    html, page = get_page(client, "/search", query_string={"q": "data security"})
    assert "Also searching" in html and "数据安全" in html
    remove = next(h for h, t in page.links if t == "×")
    assert "rm=" in remove
    html, page = get_page(client, remove)
    assert "restore" in html
    assert "rm=" not in page.link("restore")


def test_traditional_notice(client) -> None:
    html, page = get_page(client, "/search", query_string={"q": "勞動合同"})
    assert "Traditional characters were converted" in html
    assert any("勞動合同" in m or "勞動" in m for m in page.marks)  # marked in the original script


def test_no_results_page(client) -> None:
    html, _ = get_page(client, "/search", query_string={"q": "量子引力"})
    assert "No documents found" in html


def test_empty_search_goes_home(client) -> None:
    r = client.get("/search?q=")
    assert r.status_code == 302 and r.headers["Location"].endswith("/")


@pytest.mark.parametrize(
    "qs",
    [
        "q=数据&page=0",
        "q=数据&per_page=1000",
        "q=数据&sort=foo",
        "q=%FF",
        "q=a%00",
    ],
)
def test_bad_input_is_a_friendly_400_page(client, qs: str) -> None:
    html, _ = get_page(client, "/search?" + qs, status=400)
    assert "Cannot do that" in html
    assert "Traceback" not in html


def test_document_page(client) -> None:
    html, page = get_page(client, f"/doc/{LAW_ID}", query_string={"q": "数据安全"})
    ids = {a.get("id") for _, a in page.tags if a.get("id")}
    assert {"art-1", "art-6", "art-8", "citation"} <= ids
    assert any(t == "h2" and a.get("id") is None for t, a in page.tags)  # chapter headings
    assert "第一章 总则" in html
    assert page.marks and all(m in ("数据安全", "数据", "安全") for m in page.marks)
    assert (
        "《中华人民共和国数据安全法》, Data Security Law of the People&#39;s Republic of China"
        in html
    )
    assert "Original source" in html
    # Glossary terms found in the text, with their translations.
    assert re.search(r'<dt lang="zh">数据安全</dt><dd lang="en">data security</dd>', html)
    # Related documents exclude the document itself.
    rel = html.split("Related 相关文件")[1] if "Related 相关文件" in html else ""
    assert rel and f"/doc/{LAW_ID}" not in rel


def test_document_page_without_q_has_no_marks(client) -> None:
    _, page = get_page(client, f"/doc/{LAW_ID}")
    assert page.marks == []


def test_unknown_document_page_is_friendly_404(client) -> None:
    html, _ = get_page(client, "/doc/does-not-exist", status=404)
    assert "Not found" in html
    get_page(client, "/doc/x?foo=1", status=404)  # unknown parameters are ignored


def test_xss_document_is_inert_everywhere(client) -> None:
    urls = [
        "/search?q=平台经济",
        "/search?q=平台经济&facets=true",
        f"/doc/{XSS_ID}",
        f"/doc/{XSS_ID}?q=平台经济",
        "/search?q=" + "<script>alert(1)</script>",
        "/search?q=%22onmouseover%3Dalert(1)%20x%3D%22",
        "/glossary?q=%3Cscript%3E",
        "/titles?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code in (200, 400), url
        html = r.get_data(as_text=True)
        page = Page(html)
        # The only scripts are our own file; no inline script, no event handler attribute.
        assert all(s.get("src", "").startswith("/static/") for s in page.scripts), url
        assert "<script>window" not in html and "<script>alert" not in html, url
        for _tag, attrs in page.tags:
            assert not any(k.startswith("on") for k in attrs), (url, attrs)
            for v in attrs.values():
                assert "javascript:" not in (v or ""), (url, attrs)
        if "xss" in url or "平台经济" in url:
            assert "&lt;script&gt;" in html, url


def test_xss_document_text_is_shown_escaped(client) -> None:
    html, _ = get_page(client, f"/doc/{XSS_ID}")
    assert "&lt;script&gt;window.__xss=3&lt;/script&gt;" in html
    assert "&#34;onmouseover=window.__xss=4 x=&#34;" in html
    assert "Original source" not in html  # the javascript: URL is not linked
    assert "javascript:" not in html  # nor cited: the citation uses our own URL
    assert f", /doc/{XSS_ID}</pre>" in html  # no base URL configured: a path


def test_glossary_page(client) -> None:
    html, page = get_page(client, "/glossary", query_string={"q": "数据安全"})
    assert (
        '<td lang="zh"><a href="/search?q=%E6%95%B0%E6%8D%AE%E5%AE%89%E5%85%A8">数据安全</a></td>'
        in html
    )
    html, page = get_page(client, "/glossary")
    assert "Next" in html
    cat = next(h for h, _ in page.links if "category=" in h)
    get_page(client, cat)
    get_page(client, "/glossary?page=100000", status=400)


def test_titles_page(client) -> None:
    html, _ = get_page(client, "/titles")
    assert "Title lookup" in html
    r = client.get("/titles", query_string={"q": "Data Security Law"})
    if r.status_code == 503:
        assert "not available" in r.get_data(as_text=True)
        return
    assert r.status_code == 200
    assert f"/doc/{LAW_ID}" in r.get_data(as_text=True)
    html, _ = get_page(client, "/titles", query_string={"q": "中华人民共和国数据安全法"})
    assert "Data Security Law of the People" in html
    html, _ = get_page(client, "/titles", query_string={"q": "国务院关于促进蘑菇种植的意见"})
    assert "(cc-cedict)" in html and "draft" in html  # each draft word with its source


def test_api_docs_page(client) -> None:
    html, _ = get_page(client, "/api/docs")
    assert "GET /api/v1/search" in html and "per_page" in html


def test_pages_load_no_external_resources(client) -> None:
    for url in ("/", "/search?q=数据安全", f"/doc/{LAW_ID}", "/glossary", "/titles", "/api/docs"):
        _, page = get_page(client, url)
        for tag, attrs in page.tags:
            if tag in ("script", "link", "img", "iframe"):
                ref = attrs.get("src") or attrs.get("href") or ""
                assert ref.startswith("/"), (url, tag, ref)
        assert ("html", {"lang": "en"}) in page.tags


def test_static_files(client) -> None:
    for name, mime in (("style.css", "text/css"), ("app.js", "text/javascript")):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.mimetype == mime
        r.close()


def test_records_of_one_law_are_told_apart_by_their_part(app) -> None:
    """民法典 is held as several records titled alike (总则, 物权编 ...): a hit carries the
    part it holds, in the page's view and in the API's JSON."""
    from index.document import Document
    from search.engine import Hit
    from web.ui import hit_view

    doc = Document(
        id="cc-1", title="中华人民共和国民法典", subtitle="物权编", body="第二百零五条 本编调整。"
    )
    hit = Hit(doc, 1.0, None, [], [], [])
    plain = Hit(
        Document(id="x", title="中华人民共和国公司法", body="第一条"), 1.0, None, [], [], []
    )
    with app.test_request_context("/search?q=民法典"):  # hit_view builds links
        assert hit_view(hit, "民法典")["subtitle"] == "物权编"
        assert hit_view(plain, "公司法")["subtitle"] == ""
    assert hit.to_dict()["subtitle"] == "物权编"
