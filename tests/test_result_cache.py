"""The result cache (search/result_cache.py): same answers, invalidated by a commit, bounded.

Two apps over the same fixture index, the cache on in one and off in the other,
must give byte-identical JSON and HTML (timing fields aside) to the same requests,
asked twice so the second is answered from the cache. A commit makes the next
search a miss that sees the new document; a search cut short is never kept; the
entry and byte bounds hold while responses are put.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest_web import add_documents, configure_segmenter, copy_index, fixture_documents, glossary
from web_apps import close_app, owned_app

from search.engine import SearchRequest
from search.result_cache import (
    ResultCache,
    document_bytes,
    estimate_bytes,
    own_bytes,
    request_key,
)
from web.app import create_app

# The only bytes allowed to differ: how long the search took.
_TIMING = (
    (re.compile(rb'"took_ms": ?-?[0-9.e+-]+'), b'"took_ms":0'),
    (re.compile(rb"\xc2\xb7 [0-9]+ ms</span>"), b"\xc2\xb7 0 ms</span>"),
)

REQUESTS = [
    "/api/v1/search?q=数据安全",
    "/api/v1/search?q=数据安全&facets=true",
    "/api/v1/search?q=数据安全&page=2&per_page=2",
    "/api/v1/search?q=数据安全&per_page=2",
    "/api/v1/search?q=数据&sort=date",
    "/api/v1/search?q=数据&sort=date_asc&per_page=3",
    "/api/v1/search?q=data+security&explain=true",
    "/api/v1/search?q=personal+information&expand=false",
    "/api/v1/search?q=數據安全",
    "/api/v1/search?q=国务院&level=行政法规",
    "/api/v1/search?q=保护&passages=true",
    "/api/v1/search?q=保护&unknown_name=1",
    "/api/v1/search?q=",
    "/api/v1/search?q=数据&page=0",
    "/api/v1/suggest?q=数据",
    "/search?q=数据安全",
    "/search?q=数据安全&page=2",
    "/search?q=数据&sort=date",
    "/search?q=data+security",
]


def _body(resp: Any) -> bytes:
    body = resp.data
    for pattern, repl in _TIMING:
        body = pattern.sub(repl, body)
    return body


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    root = tmp_path_factory.mktemp("result-cache")
    with (
        owned_app(root, RESULT_CACHE_ENTRIES=100, RESULT_CACHE_MB=16) as on,
        owned_app(root, RESULT_CACHE_ENTRIES=0) as off,
    ):
        yield on, off


def test_answers_are_byte_identical_with_the_cache_on_and_off(apps: tuple[Any, Any]) -> None:
    on, off = apps
    assert on.extensions["duizhao"].engine.result_cache is not None
    assert off.extensions["duizhao"].engine.result_cache is None
    con, coff = on.test_client(), off.test_client()
    second = {}
    for path in REQUESTS:
        want = coff.get(path)
        assert "X-Cache" not in want.headers
        for _ in range(2):  # the first fills the cache, the second is answered from it
            got = con.get(path)
            assert got.status_code == want.status_code, path
            assert _body(got) == _body(want), path
        second[path] = (got.status_code, got.headers.get("X-Cache"))
    searches = [p for p in REQUESTS if "/suggest" not in p]
    answered = [p for p in searches if second[p][0] == 200]
    assert len(answered) == len(searches) - 2  # the empty query and page 0 are 400s
    assert all(second[p][1] == "hit" for p in answered), second


def test_a_caller_changing_its_answer_does_not_change_the_next(apps: tuple[Any, Any]) -> None:
    engine = apps[0].extensions["duizhao"].engine
    req = SearchRequest(q="数据安全", facets=True)
    first = engine.search(req)
    assert first.hits and first.facets
    kept = [h.doc.id for h in first.hits], dict(first.facets), list(first.notices)
    first.hits[0].score = None  # as the API does for date-sorted hits
    first.hits.clear()
    first.facets.clear()
    first.notices.append("changed")
    again = engine.search(req)
    assert engine.last_search_cached
    assert ([h.doc.id for h in again.hits], again.facets, again.notices) == kept
    assert again.hits[0].score is not None


def test_a_commit_makes_the_next_search_see_the_new_document(tmp_path: Path) -> None:
    index = copy_index(tmp_path)
    configure_segmenter()
    app = create_app(
        {
            "INDEX_DIR": str(index),
            "GLOSSARY": glossary(),
            "TESTING": True,
            "RESULT_CACHE_ENTRIES": 50,
        }
    )
    try:
        c = app.test_client()
        path = "/api/v1/search?q=数据安全&per_page=100"
        before = c.get(path)
        assert c.get(path).headers["X-Cache"] == "hit"
        new = replace(fixture_documents()[0], id="cache-new-1", title="数据安全新规定")
        add_documents(index, [new])
        after = c.get(path)
        assert after.headers["X-Cache"] == "miss"
        ids = [h["id"] for h in after.get_json()["hits"]]
        assert "cache-new-1" in ids
        assert after.get_json()["total"] == before.get_json()["total"] + 1
        assert c.get(path).headers["X-Cache"] == "hit"
    finally:
        close_app(app)


def test_a_search_cut_short_is_never_kept(apps: tuple[Any, Any], monkeypatch) -> None:
    from index.deadline import Deadline

    engine = apps[0].extensions["duizhao"].engine
    cache = engine.result_cache
    now = [0.0]

    def clock() -> float:
        now[0] += 100.0  # every look at the clock spends the whole budget
        return now[0]

    monkeypatch.setattr("search.engine.Deadline", lambda s: Deadline(s, clock=clock))
    req = SearchRequest(q="个人信息 保护", per_page=7)
    entries = cache.stats().entries
    for _ in range(2):
        resp = engine.search(req)
        assert resp.partial
        assert not engine.last_search_cached
    assert cache.stats().entries == entries
    monkeypatch.undo()
    whole = engine.search(req)
    assert not whole.partial and not engine.last_search_cached
    assert engine.search(req).hits and engine.last_search_cached


def test_an_answer_from_the_cache_keeps_its_etag_after_a_search_cut_short(
    apps: tuple[Any, Any], monkeypatch
) -> None:
    """The backend remembers this thread's latest index search was cut short; an answer
    the cache gives next on the same thread ran no index search and is whole."""
    from index.deadline import Deadline

    on = apps[0]
    client = on.test_client()  # one thread: the flags are per thread
    kept = "/api/v1/search?q=数据安全&per_page=4"
    first = client.get(kept)
    assert first.status_code == 200 and first.headers.get("ETag")
    now = [0.0]

    def clock() -> float:
        now[0] += 100.0
        return now[0]

    monkeypatch.setattr("search.engine.Deadline", lambda s: Deadline(s, clock=clock))
    cut = client.get("/api/v1/search?q=个人信息 保护&per_page=3")
    assert cut.status_code == 200 and cut.get_json()["partial"] is True
    assert "ETag" not in cut.headers
    monkeypatch.undo()
    again = client.get(kept)
    assert again.headers.get("X-Cache") == "hit"
    assert again.headers.get("ETag") == first.headers["ETag"]


def _held_bytes(kept: list[Any]) -> int:
    """What the kept responses hold, counted from scratch: each document object once."""
    docs = {id(h.doc): h.doc for r in kept for h in r.hits}
    return sum(own_bytes(r) for r in kept) + sum(document_bytes(d) for d in docs.values())


def test_a_document_held_by_several_entries_is_counted_once(apps: tuple[Any, Any]) -> None:
    engine = apps[1].extensions["duizhao"].engine
    a = engine.search(SearchRequest(q="数据安全", per_page=5))
    b = replace(a, hits=a.hits[:3], notices=["another answer"])  # the same document objects
    assert len(a.hits) >= 3
    cache = ResultCache(max_entries=10, max_bytes=10**9)
    cache.put("a", a)
    cache.put("b", b)
    shared = sum(document_bytes(h.doc) for h in a.hits)
    assert cache.stats().bytes == own_bytes(a) + own_bytes(b) + shared
    assert cache.stats().documents == len(a.hits)
    small = ResultCache(max_entries=1, max_bytes=10**9)
    small.put("a", a)
    small.put("b", b)  # "a" goes: its documents not in "b" are no longer counted
    assert small.stats().bytes == estimate_bytes(b) == _held_bytes([b])
    assert small.stats().documents == 3


def test_the_entry_and_byte_bounds_hold(apps: tuple[Any, Any]) -> None:
    engine = apps[1].extensions["duizhao"].engine  # the uncached app's: plain searches
    responses = [
        (request_key(r), engine.search(r))
        for q in ("数据", "安全", "保护", "国务院", "data", "information")
        for r in (SearchRequest(q=q, per_page=3), SearchRequest(q=q, per_page=3, page=2))
    ]
    sizes = [estimate_bytes(resp) for _k, resp in responses]
    assert all(s > 0 for s in sizes)
    cache = ResultCache(max_entries=4, max_bytes=sum(sorted(sizes)[:6]))
    for key, resp in responses:
        assert cache.put(key, resp)
        st = cache.stats()
        assert st.entries <= 4 and st.bytes <= cache.max_bytes
        assert st.bytes == _held_bytes(cache.kept())
    assert 0 < cache.stats().entries <= 4
    # Least recently used out first: the last one put is there, the first is gone.
    assert cache.get(responses[-1][0]) is responses[-1][1]
    assert cache.get(responses[0][0]) is None
    # An answer bigger than the whole bound is not kept (and evicts nothing).
    tiny = ResultCache(max_entries=10, max_bytes=min(sizes) - 1)
    assert not tiny.put(responses[0][0], responses[0][1])
    assert tiny.stats().entries == 0
    assert not ResultCache(0, 10**9).enabled and not ResultCache(10, 0).enabled


def test_a_request_key_tells_every_field_and_type_apart() -> None:
    base = SearchRequest(q="数据", filters={"level": ["法律"]})
    key = request_key(base)
    assert key == request_key(SearchRequest(q="数据", filters={"level": ["法律"]}))
    others = [
        replace(base, page=True),  # True == 1 in Python, yet "page": true is another answer
        replace(base, page=2),
        replace(base, per_page=11),
        replace(base, q="数据 "),
        replace(base, filters={"level": ["法律", "行政法规"]}),
        replace(base, year="2019"),
        replace(base, sort="date"),
        replace(base, facets=True),
        replace(base, expand=False),
        replace(base, explain=True),
        replace(base, removed_expansions=("data",)),
        replace(base, fields=("title",)),
        replace(base, passages=True),
    ]
    keys = [request_key(r) for r in others]
    assert key not in keys and len(set(keys)) == len(keys)
