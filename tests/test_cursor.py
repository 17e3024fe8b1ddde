"""Deep paging by cursor on /api/v1/search (web/cursor.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest_web import add_documents, copy_index, fixture_documents
from web_apps import owned_app


def walk(client, **params) -> list[dict]:
    """Every page by cursor; each answer must be a 200."""
    pages, cursor = [], ""
    while cursor is not None:
        r = client.get("/api/v1/search", query_string={**params, "cursor": cursor})
        assert r.status_code == 200, r.data[:300]
        body = r.get_json()
        pages.append(body)
        cursor = body["next_cursor"]
        assert len(pages) < 500
    return pages


def test_cursor_pages_equal_page_numbers(client) -> None:
    params = {"q": "数据安全", "sort": "relevance", "per_page": 7}
    pages = walk(client, **params)
    ids = [h["id"] for p in pages for h in p["hits"]]
    numbered = []
    for n in range(1, pages[0]["pages"] + 1):
        body = client.get("/api/v1/search", query_string={**params, "page": n}).get_json()
        numbered += body["hits"]
    assert ids == [h["id"] for h in numbered]
    assert pages[-1]["next_cursor"] is None and len(ids) == pages[0]["total"]
    # The hits are whole search hits: snippets and highlights included.
    later = pages[1]["hits"][0]
    same = next(h for h in numbered if h["id"] == later["id"])
    assert (
        later["snippet"] == same["snippet"] and later["title_highlight"] == same["title_highlight"]
    )


def test_bad_cursors_are_400(client) -> None:
    first = client.get("/api/v1/search?q=数据安全&per_page=5&cursor=").get_json()
    token = first["next_cursor"]
    assert token
    for qs in (
        f"q=平台经济&per_page=5&cursor={token}",  # another search
        f"q=数据安全&per_page=5&cursor={token}&page=2",
        "q=数据安全&per_page=5&cursor=notatoken",
        "q=数据安全&per_page=5&cursor=" + "A" * 300,
        f"q=数据安全&per_page=5&cursor={token}&cursor={token}",
    ):
        r = client.get(f"/api/v1/search?{qs}")
        assert r.status_code == 400, qs
        assert r.get_json()["error"]["hint"]


def test_cursor_walks_past_the_paging_window(tmp_path: Path) -> None:
    index = copy_index(tmp_path)
    template = fixture_documents()[-1]
    docs = [
        replace(
            template, id=f"bulk-{i:04d}", title=f"关于开展监测预警试点的通知（第{i}号）", body=""
        )
        for i in range(1100)
    ]
    assert not add_documents(index, docs).problems
    with owned_app(tmp_path, INDEX_DIR=str(index)) as app:
        c = app.test_client()
        pages = walk(c, q="监测预警试点", per_page=100, sort="date")
        # A cursor made before the index changed still works, and says so.
        token = pages[3]["next_cursor"]
        add_documents(index, [replace(template, id="late-1", body="")])
        r = c.get("/api/v1/search", query_string={"q": "监测预警试点", "per_page": 100,
                                                   "sort": "date", "cursor": token})  # fmt: skip
    ids = [h["id"] for p in pages for h in p["hits"]]
    assert len(ids) == len(set(ids)) == 1100
    assert r.status_code == 200
    assert any("index changed" in n for n in r.get_json()["notices"])


def test_a_first_page_cut_short_still_leads_to_every_hit(client, monkeypatch) -> None:
    """Out of time while reading the first page, the page is short (the bounded
    minimum of hits) but its cursor goes on from there: the walk loses nothing."""
    from index.deadline import MIN_HITS_WHEN_CUT_SHORT, Deadline
    from index.whoosh_cache import ReaderCache

    params = {"q": "数据", "sort": "relevance", "per_page": 3 * MIN_HITS_WHEN_CUT_SHORT}
    whole = [h["id"] for p in walk(client, **params) for h in p["hits"]]
    assert len(whole) > MIN_HITS_WHEN_CUT_SHORT  # enough hits for a page to be cut
    now = [0.0]
    monkeypatch.setattr("search.engine.Deadline", lambda s: Deadline(s, clock=lambda: now[0]))
    real = ReaderCache.document

    def document(self, searcher, head):
        now[0] += 100.0  # reading a stored document spends the whole budget
        return real(self, searcher, head)

    monkeypatch.setattr(ReaderCache, "document", document)
    pages = walk(client, **params)
    assert len(pages[0]["hits"]) == MIN_HITS_WHEN_CUT_SHORT
    assert any("cut short" in n for n in pages[0]["notices"])
    assert [h["id"] for p in pages for h in p["hits"]] == whole
