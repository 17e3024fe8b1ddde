"""A search cut short by its time budget says so (issue: silent cuts under load).

Property: for queries of every intent, a search whose budget runs out after K
readings of the clock -- for every K from 0 to the number of readings a full
search makes -- answers exactly what the unlimited search answers, or says it
was cut short (the notice in JSON ``notices`` and on the HTML page) and is not
offered for reuse (no ETag on the API's answer).
The clock is a counter: no test here measures time. Every ``Deadline`` made
anywhere during the search (the engine's, a step's share, a backend's own) reads
it, so a step that spends a budget of its own is caught too.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest_web import FUNCTIONAL_TIME_LIMIT

from index.deadline import Deadline
from search.engine import CUT_SHORT_NOTICE

QUERIES = [
    "著作权能设立质权吗",  # question (nothing in the corpus answers it)
    "数据处理活动适用什么法律？",  # question
    "关于促进平台经济规范健康发展的指导意见",  # Chinese title
    "Guiding Opinions on Promoting the Standardized and Healthy Development of the Platform Economy",
    "数据安全 管理",  # keywords
    "国办发〔2019〕38号",  # document number
]
PAGES = (1, 2)
TOOK = re.compile(r"[\d.]+ ms")  # the page's timing line, the only thing that may differ


class StopAfter:
    """A clock that stands still for its first ``k`` readings (``k=None``: always),
    then leaps. ``leap=None``: a million seconds at every reading, so every budget,
    even one made after, runs out at its next check. A number: once, by that many
    seconds, so only budgets shorter than it run out (a step's share of the time,
    not the whole search's). It counts its readings."""

    def __init__(self, k: int | None = None, leap: float | None = None) -> None:
        self.k = k
        self.leap = leap
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        if self.k is None or self.readings <= self.k:
            return 0.0
        return self.leap if self.leap is not None else 1e6 * (self.readings - self.k)


@pytest.fixture(scope="module", params=["whoosh", "xapian"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The web fixture app on each engine (xapian: when its bindings are installed)."""
    from conftest_web import configure_segmenter, fixture_documents
    from web_apps import owned_app

    from index.backends import open_backend

    root = tmp_path_factory.mktemp(f"honest-{request.param}")
    config: dict[str, Any] = {}
    if request.param == "xapian":
        if importlib.util.find_spec("xapian") is None:
            if os.environ.get("DUIZHAO_REQUIRE_XAPIAN") == "1":
                pytest.fail("DUIZHAO_REQUIRE_XAPIAN=1 but the xapian bindings are missing")
            pytest.skip("the xapian bindings are not installed")
        configure_segmenter()
        backend = open_backend(root / "xapian", kind="xapian", create=True)
        try:
            assert not backend.add_documents(fixture_documents()).problems
        finally:
            backend.close()
        config["INDEX_DIR"] = str(root / "xapian")
    with owned_app(root, **config) as app:
        assert (
            type(app.extensions["duizhao"].engine.backend).__module__
            == f"index.{request.param}_backend"
        )
        yield app


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[StopAfter]:
    c = StopAfter()
    monkeypatch.setattr(Deadline.__init__, "__defaults__", (c,))
    yield c


def _json(client: Any, q: str, page: int) -> dict[str, Any]:
    resp = client.get("/api/v1/search", query_string={"q": q, "page": page, "facets": "1"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    body.pop("took_ms", None)
    cut = CUT_SHORT_NOTICE in body["notices"]
    assert body["partial"] is cut  # the flag and the notice always agree
    _not_reusable_if_cut(resp, cut)
    return body


def _html(client: Any, q: str, page: int) -> str:
    resp = client.get("/search", query_string={"q": q, "page": page})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert not (CUT_SHORT_NOTICE in html and "ETag" in resp.headers)
    return TOOK.sub("", html)


def _not_reusable_if_cut(resp: Any, cut: bool) -> None:
    """An answer cut short is not offered for reuse (no ETag); a complete one is."""
    assert ("ETag" in resp.headers) is not cut, (cut, dict(resp.headers))


def _ks(total: int) -> range:
    """Every cut point up to the full search's readings."""
    return range(0, total + 1)


@pytest.mark.parametrize("q", QUERIES)
def test_a_search_is_complete_or_says_it_was_cut_short(
    client: Any, clock: StopAfter, q: str
) -> None:
    # Past a step's share of the budget (the title lookup's half), not the whole one.
    share = 0.75 * FUNCTIONAL_TIME_LIMIT
    for page, leap in itertools.product(PAGES, (None, share)):
        clock.leap = leap
        clock.k = None
        full = _json(client, q, page)
        full_html = _html(client, q, page)
        assert CUT_SHORT_NOTICE not in full["notices"]
        clock.readings = 0
        _json(client, q, page)
        total = clock.readings
        assert total > 0  # the search does read its budget
        silent: list[str] = []
        for k in _ks(total):
            clock.k, clock.readings = k, 0
            got = _json(client, q, page)
            if got != full and CUT_SHORT_NOTICE not in got["notices"]:
                diff = sorted(key for key in full if full[key] != got.get(key))
                silent.append(f"json page {page} leap {leap} after {k}/{total} readings: {diff}")
            clock.readings = 0
            html = _html(client, q, page)
            if html != full_html and CUT_SHORT_NOTICE not in html:
                silent.append(f"html page {page} leap {leap} after {k}/{total} readings")
        clock.k = None
        assert _json(client, q, page) == full  # nothing cut was kept for later
        assert not silent, silent
