"""The reuse outputs in a real browser: a page on another origin calls the API (CORS,
preflight, ETag/304), and the search page's charts and feed link work by clicking.

Two waitress servers on 127.0.0.1: Duizhao on one port and, on another, a
plain page (its own origin) whose script fetches the Duizhao API. Both are
owned by fixtures that stop them on every path. Screenshots of the charts
(desktop and phone) go to ``screenshots/`` for a human to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from conftest_web import configure_segmenter
from test_browser import Watch, browser, shot, stop_server  # noqa: F401 (browser: a fixture)
from web_apps import owned_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CALLER = """<!doctype html><html><head><meta charset="utf-8"><title>caller</title></head>
<body><pre id="out">waiting</pre><script>
(async () => {
  const api = new URLSearchParams(location.search).get("api");
  const url = api + "/api/v1/search?q=" + encodeURIComponent("数据安全") + "&per_page=3";
  const out = {};
  try {
    const r1 = await fetch(url, {cache: "no-store"});
    out.status1 = r1.status;
    out.etag = r1.headers.get("ETag");
    out.remaining = r1.headers.get("RateLimit-Remaining");
    out.requestId = r1.headers.get("X-Request-Id");
    const body = await r1.json();
    out.total = body.total;
    out.first = body.hits[0].title;
    // If-None-Match is not a simple header: the browser sends a preflight first.
    const r2 = await fetch(url, {cache: "no-store", headers: {"If-None-Match": out.etag}});
    out.status2 = r2.status;
  } catch (e) {
    out.error = String(e);
  }
  document.getElementById("out").textContent = JSON.stringify(out);
})();
</script></body></html>"""


def _serve(app) -> Iterator[str]:
    waitress = pytest.importorskip("waitress")
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.effective_port}"
    finally:
        stop_server(srv, t)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    limit = {"RATE_LIMIT": 1000, "RATE_LIMIT_FILE": str(tmp_path_factory.mktemp("rl") / "rl.db")}
    with owned_app(tmp_path_factory.mktemp("web-browser-outputs"), **limit) as app:
        yield from _serve(app)


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """A second server on another port: another origin, serving only the caller page."""

    def caller(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [CALLER.encode("utf-8")]

    yield from _serve(caller)


def test_a_page_on_another_origin_calls_the_api(server: str, other_origin: str, browser) -> None:  # noqa: F811
    import json

    assert server.rsplit(":", 1)[1] != other_origin.rsplit(":", 1)[1]
    configure_segmenter()
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{other_origin}/?api={server}")
    page.wait_for_function("() => document.getElementById('out').textContent !== 'waiting'")
    out = json.loads(page.locator("#out").inner_text())
    ctx.close()
    assert "error" not in out, out
    assert out["status1"] == 200 and out["total"] >= 30
    assert "数据安全" in out["first"]
    assert out["etag"] and out["requestId"]  # exposed to the other origin's script
    assert int(out["remaining"]) >= 0
    assert out["status2"] == 304
    assert not errors, errors


def test_charts_narrow_the_search_by_clicking(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/search?q=数据安全")
    assert page.locator("details.charts svg").count() == 2
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 1
    shot(page, "charts-desktop", full_page=False)
    # A year bar narrows to its year; the timeline then shows that year's months.
    page.locator('svg a[aria-label^="2019:"]').click()
    page.wait_for_url("**year=2019*")
    assert "按月" in (page.locator("details.charts svg title").first.text_content() or "")
    page.go_back()
    # A province tile narrows to its region.
    page.locator('svg a[aria-label^="Shanghai"]').click()
    page.wait_for_url("**region=*")
    assert "of 8 documents" in page.locator(".summary").inner_text()
    # The feed link serves Atom.
    href = page.locator("a", has_text="Feed 订阅").get_attribute("href")
    resp = page.request.get(server + href)
    assert resp.status == 200 and resp.headers["content-type"].startswith("application/atom+xml")
    ctx.close()
    assert not watch.errors, watch.errors
    assert not watch.external


def test_charts_fit_a_phone(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/search?q=数据安全")
    page.locator("details.charts").scroll_into_view_if_needed()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    box = page.locator("details.charts svg").nth(1).bounding_box()
    shot(page, "charts-phone")
    ctx.close()
    assert width <= 375
    assert box is not None and box["width"] <= 375
    assert not watch.errors, watch.errors
