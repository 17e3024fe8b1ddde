"""SVG charts of a search (web/charts.py): valid XML, accessible, drawn from the API facets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from web.charts import PROVINCES, province_of

NS = {"s": "http://www.w3.org/2000/svg"}


def svg_of(client, path: str) -> ET.Element:
    r = client.get(path)
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == "image/svg+xml"
    root = ET.fromstring(r.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def api_facets(client, **params) -> dict:
    return client.get("/api/v1/search", query_string={**params, "facets": "true"}).get_json()[
        "facets"
    ]


def assert_accessible(root: ET.Element) -> None:
    title = root.find("s:title", NS)
    desc = root.find("s:desc", NS)
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    for a in root.iter("{http://www.w3.org/2000/svg}a"):
        assert a.get("aria-label"), ET.tostring(a)[:200]


def links(root: ET.Element) -> dict[str, str]:
    return {a.get("aria-label"): a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")}


def test_timeline_bars_are_the_api_year_counts_and_narrow_the_search(client) -> None:
    root = svg_of(client, "/search/timeline.svg?q=数据安全&level=部门规章")
    assert_accessible(root)
    years = api_facets(client, q="数据安全", level="部门规章")["year"]
    got = links(root)
    assert len(got) == len(years)
    for year, n in years.items():
        href = got[f"{year}: {n:,} documents"]
        qs = parse_qs(urlsplit(href).query)
        assert urlsplit(href).path == "/search"
        assert qs == {"q": ["数据安全"], "level": ["部门规章"], "year": [year]}
    desc = root.find("s:desc", NS).text
    assert f"{sum(years.values()):,} dated documents" in desc


def test_timeline_by_month_when_a_year_is_chosen(client) -> None:
    facets = api_facets(client, q="数据安全", year="2019")
    assert facets["month"]  # the API returns the month counts the chart draws
    root = svg_of(client, "/search/timeline.svg?q=数据安全&year=2019")
    assert_accessible(root)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    bars = [t for t in titles if re.match(r"^2019-\d\d: ", t)]
    assert len(bars) == 12
    for month, n in facets["month"].items():
        assert f"{month}: {n:,} documents" in bars
    assert sum(int(t.split(": ")[1].split()[0].replace(",", "")) for t in bars) == sum(
        facets["month"].values()
    )
    assert "按月" in root.find("s:title", NS).text


def test_map_tiles_are_the_api_region_counts(client) -> None:
    root = svg_of(client, "/search/map.svg?q=数据安全")
    assert_accessible(root)
    regions = api_facets(client, q="数据安全")["region"]
    got = links(root)
    # Fixture regions: 北京市, 上海市, 广东省 and 全国 (national bodies, apart).
    assert got[f"Beijing 北京: {regions['北京市']:,} documents"].endswith(
        "region=%E5%8C%97%E4%BA%AC%E5%B8%82"
    )
    assert f"Guangdong 广东: {regions['广东省']:,} documents" in got
    assert f"National bodies 全国: {regions['全国']:,} documents" in got
    assert len(got) == 4  # tiles without documents are not links
    rects = root.iter("{http://www.w3.org/2000/svg}rect")
    tiles = [r for r in rects if r.find("s:title", NS) is not None]
    assert len(tiles) == len(PROVINCES) + 1  # every division, plus the national box


def test_map_link_adds_the_region_filter_to_the_search(client) -> None:
    root = svg_of(client, "/search/map.svg?q=数据安全&sort=date&page=2")
    href = next(h for label, h in links(root).items() if label.startswith("Shanghai"))
    qs = parse_qs(urlsplit(href).query)
    assert qs == {"q": ["数据安全"], "sort": ["date"], "region": ["上海市"]}
    narrowed = client.get(href)
    assert narrowed.status_code == 200
    assert "1–8 of 8 documents" in narrowed.get_data(as_text=True)


def test_charts_are_inline_on_the_search_page_and_parse(client) -> None:
    html = client.get("/search?q=数据安全").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    roots = [ET.fromstring(s) for s in svgs]
    for root in roots:
        assert_accessible(root)
    ids = [el.get("id") for r in roots for el in r.iter() if el.get("id")]
    assert len(ids) == len(set(ids))  # unique on the page
    assert "style=" not in "".join(svgs)  # the CSP allows no inline style
    assert "<figcaption" in html


def test_hostile_region_and_query_stay_text(client) -> None:
    q = '数据安全"><script>alert(1)</script>'
    r = client.get("/search/map.svg", query_string={"q": q})
    assert r.status_code == 200
    assert b"<script>" not in r.data
    ET.fromstring(r.data)


def test_no_results_no_charts_and_bad_input_is_400(client) -> None:
    html = client.get("/search?q=zzzqqqxxyy").get_data(as_text=True)
    assert "<svg" not in html
    root = svg_of(client, "/search/timeline.svg?q=zzzqqqxxyy")
    assert "No dated documents" in root.find("s:desc", NS).text
    assert client.get("/search/pie.svg?q=x").status_code == 404
    assert client.get("/search/map.svg?q=x&levle=1").status_code == 400


@pytest.mark.parametrize(
    ("value", "short"),
    [
        ("北京市", "北京"),
        ("北京", "北京"),
        ("广西壮族自治区", "广西"),
        ("新疆维吾尔自治区", "新疆"),
        ("内蒙古自治区", "内蒙古"),
        ("香港特别行政区", "香港"),
        ("宁夏回族自治区", "宁夏"),
        ("全国", None),
        ("青岛", None),
        ("", None),
    ],
)
def test_region_values_map_to_province_tiles(value: str, short: str | None) -> None:
    assert province_of(value) == short


def test_tile_grid_layout_has_every_division_once() -> None:
    assert len(PROVINCES) == 34  # 31 mainland divisions, Hong Kong, Macao, Taiwan
    cells = {(row, col) for *_, row, col in PROVINCES}
    assert len(cells) == len(PROVINCES)
    assert len({p[1] for p in PROVINCES}) == len(PROVINCES)
