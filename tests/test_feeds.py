"""Atom feeds of searches (web/feeds.py), read with a real feed parser."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import feedparser
from conftest_web import XSS_ID, add_documents, copy_index, fixture_documents
from web_apps import owned_app


def parse(client, url: str):
    r = client.get(url)
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == "application/atom+xml"
    feed = feedparser.parse(r.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_feed_parses_and_lists_newest_first(client) -> None:
    feed = parse(client, "/search.atom?q=数据安全")
    entries = feed.entries
    assert len(entries) == 20  # the default; more documents match
    dates = [e.published_parsed for e in entries if "published_parsed" in e]
    assert len(dates) == len(entries)
    assert dates == sorted(dates, reverse=True)
    assert all(e.link.startswith("http://localhost/doc/") for e in entries)
    assert len({e.id for e in entries}) == len(entries)
    assert "数据安全" in feed.feed.title


def test_english_query_feeds_chinese_documents(client) -> None:
    feed = parse(client, "/search.atom?q=data+security&per_page=50")
    assert any("数据安全" in e.title for e in feed.entries)


def test_filters_narrow_the_feed_and_show_in_its_title(client) -> None:
    feed = parse(client, "/search.atom?q=数据安全&level=部门规章&per_page=100")
    assert len(feed.entries) == 10  # notices 0, 3, ..., 27 (as the API test counts)
    assert all(t.term == "部门规章" for e in feed.entries for t in e.tags[:1])
    assert "level:部门规章" in feed.feed.title


def test_hostile_document_stays_text(client) -> None:
    r = client.get("/search.atom?q=平台经济&per_page=50")
    feed = feedparser.parse(r.data)
    assert not feed.bozo
    xss = [e for e in feed.entries if e.link.endswith(f"/doc/{XSS_ID}")]
    assert len(xss) == 1
    # The javascript: URL of the document is never a link.
    assert all(not link.href.startswith("javascript") for link in xss[0].links)
    assert b"<script>" not in r.data  # escaped as &lt;script&gt;


def test_bad_feed_input_is_a_clear_400(client) -> None:
    for url in ("/search.atom", "/search.atom?q=x&levle=法律", "/search.atom?q=x&per_page=1000"):
        r = client.get(url)
        assert r.status_code == 400, url
        assert b"Traceback" not in r.data


def test_search_page_links_its_feed(client) -> None:
    html = client.get("/search?q=数据安全&level=部门规章&page=2").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Newest results (Atom feed)" '
        'href="/search.atom?q=%E6%95%B0%E6%8D%AE%E5%AE%89%E5%85%A8&amp;level=%E9%83%A8%E9%97%A8%E8%A7%84%E7%AB%A0">'
    ) in html
    assert ">Feed 订阅 (Atom)</a>" in html


def test_a_document_indexed_later_appears_in_a_saved_search_feed(tmp_path: Path) -> None:
    index = copy_index(tmp_path)
    saved = "/search.atom?q=data+security&region=全国"  # English words, Chinese documents
    with owned_app(tmp_path, INDEX_DIR=str(index)) as app:
        c = app.test_client()
        before = parse(c, saved)
        new = replace(
            fixture_documents()[0],
            id="law-dsl-2026",
            title="国务院关于加强数据安全保护的决定",
            titles_en=[],
            issue_date="2026-11-30",
            effective_date=None,
        )
        assert not add_documents(index, [new]).problems
        after = parse(c, saved)
    assert all(not e.link.endswith("/doc/law-dsl-2026") for e in before.entries)
    assert after.entries[0].link.endswith("/doc/law-dsl-2026")
    assert after.entries[0].title == "国务院关于加强数据安全保护的决定"
    assert [e.id for e in after.entries[1:]] == [e.id for e in before.entries][
        : len(after.entries) - 1
    ]


def test_shared_feed_and_chart_links_keep_working(client) -> None:
    # Sharing adds tracking parameters; feeds and charts drop them (other unknown names
    # stay a 400, above), and the search page's own links never carry them.
    tracked = "q=数据安全&utm_source=twitter&fbclid=abc"
    assert client.get(f"/search.atom?{tracked}").status_code == 200
    assert client.get(f"/search/timeline.svg?{tracked}").status_code == 200
    html = client.get(f"/search?{tracked}").get_data(as_text=True)
    assert "/search.atom?" in html and "utm_source" not in html and "fbclid" not in html
