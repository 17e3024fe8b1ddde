"""A real browser against a real server: headless Debian chromium driven by Playwright.

A waitress server (the production server ``duizhao serve`` uses) runs in a
thread on 127.0.0.1 with the fixture index. The test types a Chinese and an
English query, sees <mark> highlights, clicks a facet, uses the back button,
opens a document, checks the hostile fixture document runs no script, that
no console error (CSP violations included) and no external request happens,
and that a 375 px phone viewport has no horizontal scrolling. Screenshots go
to ``screenshots/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from browser_launch import ARGS, CHROMIUM
from conftest_web import LAW_ID, XSS_ID, configure_segmenter, make_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    waitress = pytest.importorskip("waitress")
    app = make_app(tmp_path_factory.mktemp("web-browser"))
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    stop_server(srv, t)


def stop_server(srv, thread: threading.Thread) -> None:
    """Close waitress from inside its own loop (closing its sockets from another thread
    races with select(): EBADF in the server thread on Python 3.13)."""
    from waitress import wasyncore

    srv.trigger.pull_trigger(lambda: wasyncore.close_all(srv._map))
    thread.join(timeout=10)
    srv.task_dispatcher.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """Console errors, page errors and requests that leave 127.0.0.1."""

    def __init__(self, page, base: str) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r) -> None:
            if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.external.append(r.request.url)
                r.abort()

        page.route("**/*", route)


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def xss_flag(page):
    return page.evaluate("() => window.__xss")


def test_search_facet_document_desktop(server: str, browser) -> None:
    configure_segmenter()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/")
    shot(page, "home-desktop")

    # A Chinese query typed into the box and submitted with Enter.
    page.fill("#q", "数据安全")
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit")
    assert page.locator("li.hit mark").count() > 0
    assert "数据" in page.locator("li.hit mark").first.inner_text()
    shot(page, "search-zh-desktop")

    # A facet narrows the search; the back button returns to the wider one.
    page.locator("aside.facets a", has_text="部门规章").first.click()
    page.wait_for_url("**level=*")
    assert "of 10 documents" in page.locator(".summary").inner_text()
    page.go_back()
    page.wait_for_url(lambda url: "level=" not in url)
    assert "of 33 documents" in page.locator(".summary").inner_text()

    # An English query finds Chinese documents through the glossary, highlighted.
    page.fill("#q", "data security")
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit")
    assert page.locator(".expansions").inner_text().count("数据安全") >= 1
    assert page.locator("li.hit mark").count() > 0
    shot(page, "search-en-desktop")

    # Open the law at its best article: the anchor exists and marks are shown.
    page.locator(f"li.hit .passage a[href*='/doc/{LAW_ID}']").first.click()
    page.wait_for_selector("article.doc")
    assert "#art-" in page.url
    target = page.url.split("#", 1)[1]
    assert page.locator(f"#{target}").count() == 1
    assert page.locator("article.doc .body mark").count() > 0
    shot(page, "document-desktop")

    # Keyboard: "/" focuses the search box (app.js), and the copy button is shown with JS.
    page.locator("body").press("/")
    assert page.evaluate("() => document.activeElement.id") == "q"
    assert page.locator("button.copy").is_visible()

    assert watch.errors == []
    assert watch.external == []
    ctx.close()


def test_hostile_document_runs_no_script(server: str, browser) -> None:
    configure_segmenter()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    watch = Watch(page, server)
    for url in (
        "/search?q=平台经济",
        f"/doc/{XSS_ID}",
        f"/doc/{XSS_ID}?q=平台经济",
        "/search?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    ):
        page.goto(server + url)
        # A mouseover on everything would fire any smuggled onmouseover handler.
        page.evaluate(
            "() => document.querySelectorAll('main *').forEach("
            "e => e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))"
        )
        assert xss_flag(page) is None, url
    page.goto(server + f"/doc/{XSS_ID}")
    assert "<script>window.__xss=1</script>" in page.locator("h1").inner_text()
    shot(page, "xss-document")
    assert watch.errors == []
    assert watch.external == []
    ctx.close()


def test_phone_viewport_has_no_horizontal_scroll(server: str, browser) -> None:
    configure_segmenter()
    ctx = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = ctx.new_page()
    watch = Watch(page, server)
    for name, url in (
        ("search-zh-phone", "/search?q=数据安全"),
        ("search-en-phone", "/search?q=data+security"),
        ("document-phone", f"/doc/{LAW_ID}?q=数据安全"),
        ("glossary-phone", "/glossary?q=数据"),
    ):
        page.goto(server + url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
        shot(page, name, full_page=False)
    assert watch.errors == []
    ctx.close()


@pytest.fixture(scope="module")
def glossary_server(tmp_path_factory: pytest.TempPathFactory):
    """A server whose user glossary carries HTML and script in its renderings."""
    waitress = pytest.importorskip("waitress")
    from conftest_web import build_index
    from test_web_security import USER_GLOSSARY

    from index.glossary import Glossary
    from web.app import create_app

    root = tmp_path_factory.mktemp("web-browser-glossary")
    gfile = root / "user.tsv"
    gfile.write_text(USER_GLOSSARY, encoding="utf-8")
    configure_segmenter()
    app = create_app(
        {
            "INDEX_DIR": str(build_index(root)),
            "GLOSSARY": Glossary.load([gfile], cedict=False),
            "TESTING": True,
        }
    )
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    stop_server(srv, t)


def test_hostile_glossary_and_queries_run_no_script(glossary_server: str, browser) -> None:
    from test_web_security import HOSTILE_Q

    configure_segmenter()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    watch = Watch(page, glossary_server)
    q = quote(HOSTILE_Q, safe="")
    urls = [
        "/glossary?q=平台经济",
        "/glossary?q=platform",
        "/search?q=platform+economy",
        "/search?q=平台经济",
        f"/doc/{XSS_ID}",
        f"/search?q={q}",
        f"/glossary?q={q}",
        f"/titles?q={q}",
        f"/doc/{XSS_ID}?q={q}",
        "/nope%3Cscript%3Ewindow.__xss%3D40%3C%2Fscript%3E",
    ]
    for url in urls:
        page.goto(glossary_server + url)
        page.evaluate(
            "() => document.querySelectorAll('body *').forEach(e => {"
            "e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
            "e.dispatchEvent(new Event('error'));})"
        )
        assert xss_flag(page) is None, url
    page.goto(glossary_server + "/glossary?q=平台经济")
    assert "<script>window.__xss=20</script>platform economy" in page.locator("main").inner_text()
    assert watch.external == []
    # The CSP itself blocks inline script: one injected by hand does not run.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__xss = 99'; document.body.appendChild(s); }"
    )
    assert xss_flag(page) is None
    ctx.close()
