"""Phone and desktop layout in the real browser (headless Debian chromium): filters and
the article index reachable from the top, unique accessible names for every remove
button, a favicon (no 404 in the console), and the main pages' screenshots (under
``screenshots/``, git-ignored) for a human to look at."""

from __future__ import annotations

import pytest
from conftest_web import LAW_ID, configure_segmenter
from test_browser import Watch, browser, server, shot  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def top_of(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"]


def test_phone_filters_and_article_index_at_the_top(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/search?q=数据安全")
    assert page.locator("aside.facets-side").is_hidden()
    details = page.locator("details.facets-top")
    assert details.is_visible()
    assert top_of(page, "details.facets-top") < top_of(page, "li.hit")
    assert page.locator("details.facets-top a", has_text="部门规章").is_hidden()  # folded
    shot(page, "search-filters-folded-phone", full_page=False)
    page.locator("details.facets-top summary").click()
    link = page.locator("details.facets-top a", has_text="部门规章").first
    assert link.is_visible()
    shot(page, "search-filters-open-phone", full_page=False)
    link.click()
    page.wait_for_url("**level=*")
    assert "of 10 documents" in page.locator(".summary").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375

    page.goto(server + f"/doc/{LAW_ID}")
    toc = page.locator("details.toc-top")
    assert toc.is_visible() and page.locator("section.toc-side").is_hidden()
    assert top_of(page, "details.toc-top") < top_of(page, "article .body")
    toc.locator("summary").click()
    toc.locator("a", has_text="第六条").click()
    page.wait_for_url("**#art-6")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    shot(page, "document-toc-phone", full_page=False)
    assert watch.errors == [] and watch.external == []
    ctx.close()


def test_desktop_keeps_the_side_column(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/search?q=数据安全")
    assert page.locator("aside.facets-side").is_visible()
    assert page.locator("details.facets-top").is_hidden()
    page.goto(server + f"/doc/{LAW_ID}")
    assert page.locator("section.toc-side").is_visible()
    assert page.locator("details.toc-top").is_hidden()
    assert watch.errors == [] and watch.external == []
    ctx.close()


def test_every_control_has_a_unique_accessible_name(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.goto(server + "/search?q=data+security+platform&level=规范性文件&region=全国")
    labels = page.eval_on_selector_all("a.x", "els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) >= 4  # expansions and two filters
    assert len(set(labels)) == len(labels), labels
    assert "Remove the filter 地区 Region: 全国" in labels
    assert any(lbl.startswith("Remove the expansion 数据安全") for lbl in labels)
    # Every link and button has a name a screen reader can say.
    unnamed = page.eval_on_selector_all(
        "a, button, summary, input",
        "els => els.filter(e => !(e.getAttribute('aria-label') || e.textContent.trim()"
        " || (e.labels && e.labels.length) || e.hidden)).map(e => e.outerHTML)",
    )
    assert unnamed == []
    ctx.close()


def test_suggestions_as_you_type(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/")
    page.locator("#q").press_sequentially("pingtai", delay=30)
    page.wait_for_function(
        "() => document.querySelectorAll('#q-suggestions option').length > 0", timeout=10_000
    )
    values = page.eval_on_selector_all("#q-suggestions option", "os => os.map(o => o.value)")
    assert "平台经济" in values
    assert page.get_attribute("#q", "list") == "q-suggestions"
    assert watch.errors == [] and watch.external == []
    ctx.close()


MENTION = "The Data Security Law of the People's Republic of China took effect in 2021."


def test_mentions_page_paste_and_submit(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    watch = Watch(page, server)
    page.goto(server + "/")
    page.locator("nav.nav a", has_text="Mentions").click()
    page.fill("#text", MENTION)
    page.locator("form.mentions-form button").click()
    page.wait_for_selector("li.mention")
    assert "found exactly in the index" in page.locator("main").inner_text()
    assert page.locator(f"li.mention a[href='/doc/{LAW_ID}']").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    shot(page, "mentions-result-phone", full_page=False)
    assert watch.errors == [] and watch.external == []
    ctx.close()


def test_favicon_and_screenshots_of_the_main_pages(server: str, browser) -> None:  # noqa: F811
    configure_segmenter()
    for name, opts in (("phone", PHONE), ("desktop", DESKTOP)):
        ctx = browser.new_context(**opts)
        page = ctx.new_page()
        watch = Watch(page, server)
        for page_name, url in (
            ("search", "/search?q=数据安全"),
            ("document", f"/doc/{LAW_ID}?q=数据安全"),
            ("titles", "/titles?q=数据安全法"),
            ("mentions", "/mentions?text=" + MENTION.replace(" ", "+")),
            ("home", "/"),
        ):
            page.goto(server + url)
            shot(page, f"layout-{page_name}-{name}", full_page=False)
        r = page.request.get(server + "/favicon.ico")  # follows the redirect
        assert r.status == 200 and r.headers["content-type"].startswith("image/svg+xml")
        href = page.get_attribute("link[rel=icon]", "href")
        assert page.request.get(server + href).status == 200
        assert watch.errors == [], watch.errors
        ctx.close()
