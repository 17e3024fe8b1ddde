"""Server-rendered SVG charts of a search: when (a timeline) and where (a tile map).

Place in the flow: search response facets (the same counts ``/api/v1/search``
returns with ``facets=true``) -> **charts** -> SVG, inline on the search page
(no JavaScript; links work) and at ``/search/timeline.svg`` and
``/search/map.svg`` for reuse.

* Timeline: one bar per year of the ``year`` facet, each a link that narrows
  the search to that year; when one year is chosen, one bar per month of the
  ``month`` facet (there is no month filter, so month bars are not links).
* Map: one square per province-level division in the usual tile-grid layout
  (row and column of each tile after geofacet's ``china_prov_grid1``), shaded
  by count, each a link that adds the region filter; documents of national
  bodies (region 全国) in a box of their own, and regions that are not a
  province (a city, say) counted below.

Both are built with ElementTree (every text escaped), use presentation
attributes only (the CSP allows no inline style) and carry a ``<title>``, a
``<desc>`` listing every count, and an accessible name on every link.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from web.params import search_request, without_tracking
from web.state import state

bp = Blueprint("charts", __name__)

SVG_NS = "http://www.w3.org/2000/svg"
SVG_TYPE = "image/svg+xml"
FONT = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', sans-serif"
BAR = "#2b6cb0"
BAR_ON = "#c05621"
INK = "#1a202c"
MUTED = "#4a5568"
EMPTY = "#edf2f7"
# Light to dark blues; the text on the two darkest is white (contrast above 4.5:1).
SHADES = ("#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8", "#1e3a8a")
LIGHT_TEXT_FROM = 3

# code, short name, English name, row, column (1-based, after china_prov_grid1).
PROVINCES = (
    ("HL", "黑龙江", "Heilongjiang", 1, 10),
    ("NM", "内蒙古", "Inner Mongolia", 2, 7),
    ("JL", "吉林", "Jilin", 2, 10),
    ("XJ", "新疆", "Xinjiang", 2, 1),
    ("BJ", "北京", "Beijing", 3, 8),
    ("LN", "辽宁", "Liaoning", 3, 9),
    ("NX", "宁夏", "Ningxia", 3, 5),
    ("TJ", "天津", "Tianjin", 4, 8),
    ("HE", "河北", "Hebei", 4, 7),
    ("QH", "青海", "Qinghai", 4, 2),
    ("HA", "河南", "Henan", 5, 7),
    ("SX", "山西", "Shanxi", 5, 6),
    ("SD", "山东", "Shandong", 5, 8),
    ("GS", "甘肃", "Gansu", 5, 4),
    ("HB", "湖北", "Hubei", 6, 6),
    ("AH", "安徽", "Anhui", 6, 7),
    ("SH", "上海", "Shanghai", 6, 9),
    ("SN", "陕西", "Shaanxi", 6, 5),
    ("JS", "江苏", "Jiangsu", 6, 8),
    ("HN", "湖南", "Hunan", 7, 6),
    ("CQ", "重庆", "Chongqing", 7, 5),
    ("ZJ", "浙江", "Zhejiang", 7, 8),
    ("XZ", "西藏", "Tibet", 7, 2),
    ("SC", "四川", "Sichuan", 7, 4),
    ("TW", "台湾", "Taiwan", 8, 10),
    ("JX", "江西", "Jiangxi", 8, 7),
    ("GZ", "贵州", "Guizhou", 8, 5),
    ("FJ", "福建", "Fujian", 8, 8),
    ("YN", "云南", "Yunnan", 9, 4),
    ("GX", "广西", "Guangxi", 9, 6),
    ("GD", "广东", "Guangdong", 9, 7),
    ("MC", "澳门", "Macao", 10, 9),
    ("HK", "香港", "Hong Kong", 10, 10),
    ("HI", "海南", "Hainan", 11, 7),
)
NATIONAL = frozenset({"全国", "中央", "国家", "中华人民共和国"})
# Longest first: 广西壮族自治区 loses 壮族自治区, not just 自治区.
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_SHORT = {p[1]: p for p in PROVINCES}

YEAR_MIN, YEAR_MAX = 1900, 2100  # year facet values outside are bad data, not years


def province_of(region: str) -> str | None:
    """The short name of the province-level division a region value names, if any."""
    r = region.strip()
    if r in _SHORT:
        return r
    for suffix in _SUFFIXES:
        if r.endswith(suffix) and r[: -len(suffix)] in _SHORT:
            return r[: -len(suffix)]
    return None


def _el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    clean = {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items() if v is not None}
    el = (
        ET.Element(f"{{{SVG_NS}}}{tag}", clean)
        if parent is None
        else ET.SubElement(parent, f"{{{SVG_NS}}}{tag}", clean)
    )
    if text is not None:
        el.text = text
    return el


def _svg(width: int, height: int, title: str, desc: str, prefix: str) -> ET.Element:
    ET.register_namespace("", SVG_NS)
    svg = _el(
        None,
        "svg",
        viewBox=f"0 0 {width} {height}",
        width="100%",
        role="group",
        aria_labelledby=f"{prefix}-title {prefix}-desc",
        font_family=FONT,
    )
    _el(svg, "title", title, id=f"{prefix}-title")
    _el(svg, "desc", desc, id=f"{prefix}-desc")
    return svg


def _serialize(svg: ET.Element) -> str:
    return ET.tostring(svg, encoding="unicode")


def narrowed_url(
    args: MultiDict,
    *,
    set_: dict[str, str] | None = None,
    add: list[tuple[str, str]] | tuple = (),
) -> str:
    """The search page for ``args`` with a value set or filter values added (page 1)."""
    items = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    if set_:
        items = [(k, v) for k, v in items if k not in set_] + list(set_.items())
    items += [kv for kv in add if kv not in items]
    return url_for("ui.search") + "?" + urlencode(items)


# --- timeline --------------------------------------------------------------------------


# long: drawing code: one SVG element after another, each placed from the coordinates computed
# just before.
def timeline_svg(facets: dict[str, dict[str, int]], req: Any, args: MultiDict) -> str:
    """Bars by year (or by month of the chosen year), each year bar a link narrowing to it."""
    year = (req.year or "").strip()
    by_month = year.isdigit() and "month" in facets
    if by_month:
        counts = {m: facets["month"].get(f"{year}-{m:02d}", 0) for m in range(1, 13)}
        labels = {m: f"{m}月" for m in counts}
        names = {m: f"{year}-{m:02d}" for m in counts}
    else:
        years = {
            int(y): n
            for y, n in (facets.get("year") or {}).items()
            if y.isdigit() and YEAR_MIN <= int(y) <= YEAR_MAX
        }
        counts = {y: years.get(y, 0) for y in range(min(years), max(years) + 1)} if years else {}
        labels = {y: str(y) for y in counts}
        names = labels
    total = sum(counts.values())
    what = f"month in {year}" if by_month else "year"
    title = f"Matching documents by {what} 按{'月' if by_month else '年'}分布"
    if counts:
        peak = max(counts, key=lambda k: counts[k])
        listing = "; ".join(f"{names[k]}: {n:,}" for k, n in counts.items() if n)
        desc = (
            f"{total:,} dated documents from {names[min(counts)]} to {names[max(counts)]}; "
            f"most in {names[peak]} ({counts[peak]:,}). {listing}."
        )
    else:
        desc = "No dated documents match."
    width, height, left, bottom, top = 600, 200, 48, 30, 14
    svg = _svg(width, height, title, desc, "timeline")
    if not counts:
        _el(
            svg,
            "text",
            "No dated documents 无日期信息",
            x=width // 2,
            y=height // 2,
            text_anchor="middle",
            fill=MUTED,
            font_size=14,
        )
        return _serialize(svg)
    peak_n = max(counts.values()) or 1
    plot_w, plot_h = width - left - 8, height - top - bottom
    step = plot_w / len(counts)
    gap = min(2.0, step * 0.2)
    # Axis: the peak count on the left, a baseline.
    _el(
        svg,
        "text",
        f"{peak_n:,}",
        x=left - 6,
        y=top + 12,
        text_anchor="end",
        fill=MUTED,
        font_size=14,
    )
    _el(
        svg,
        "line",
        x1=left,
        y1=top + plot_h,
        x2=width - 8,
        y2=top + plot_h,
        stroke=MUTED,
        stroke_width=1,
    )
    label_every = 1 if len(counts) <= 16 else (5 if len(counts) <= 80 else 10)
    for i, (k, n) in enumerate(counts.items()):
        x = left + i * step
        h = 0 if n == 0 else max(1.5, plot_h * n / peak_n)
        on = not by_month and str(k) == year
        name = f"{names[k]}: {n:,} documents"
        rect = {
            "x": f"{x + gap / 2:.1f}",
            "y": f"{top + plot_h - h:.1f}",
            "width": f"{max(0.5, step - gap):.1f}",
            "height": f"{h:.1f}",
            "fill": BAR_ON if on else BAR,
        }
        if n and not by_month:
            link = _el(svg, "a", href=narrowed_url(args, set_={"year": str(k)}), aria_label=name)
            if on:
                link.set("aria-current", "true")
            # A full-height hit area so thin bars are easy to tap.
            _el(
                link,
                "rect",
                x=f"{x:.1f}",
                y=top,
                width=f"{step:.1f}",
                height=plot_h,
                fill="transparent",
            )
            bar = _el(link, "rect", **rect)
        else:
            bar = _el(svg, "rect", **rect)
        _el(bar, "title", name)
        if label_every == 1 or k % label_every == 0:
            _el(
                svg,
                "text",
                labels[k],
                x=f"{x + step / 2:.1f}",
                y=height - 8,
                text_anchor="middle",
                fill=INK,
                font_size=15,
            )
    return _serialize(svg)


# --- map -------------------------------------------------------------------------------


def region_groups(
    region_counts: dict[str, int],
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Facet region values grouped: per province short name, national, and the rest."""
    provinces: dict[str, list[str]] = {}
    national, other = [], []
    for value in region_counts:
        p = province_of(value)
        if p is not None:
            provinces.setdefault(p, []).append(value)
        elif value.strip() in NATIONAL:
            national.append(value)
        else:
            other.append(value)
    return provinces, national, other


def _shade(n: int, peak: int) -> int:
    """Shade class 0-4 by the count's share of the peak (square root: small counts show)."""
    if n <= 0 or peak <= 0:
        return -1
    return min(len(SHADES) - 1, int((n / peak) ** 0.5 * len(SHADES)))


# long: drawing code: one SVG element after another (tiles, national box, legend), each placed
# from the grid computed just before.
def map_svg(facets: dict[str, dict[str, int]], req: Any, args: MultiDict) -> str:
    counts = facets.get("region") or {}
    provinces, national, other = region_groups(counts)
    per = {p: sum(counts[v] for v in vals) for p, vals in provinces.items()}
    nat_n = sum(counts[v] for v in national)
    other_n = sum(counts[v] for v in other)
    peak = max(per.values(), default=0)
    active = set(req.filters.get("region", ()))
    listing = "; ".join(
        f"{_SHORT[p][2]} {p}: {n:,}" for p, n in sorted(per.items(), key=lambda kv: -kv[1])
    )
    desc = f"National bodies 全国: {nat_n:,}. By province: {listing or 'none'}."
    if other_n:
        desc += f" Other regions: {other_n:,}."
    size, pad, x0, y0 = 60, 4, 8, 8
    cell = size + pad
    title = "Where the matching documents come from 地区分布"
    svg = _svg(x0 * 2 + 10 * cell, y0 * 2 + 11 * cell, title, desc, "regionmap")

    def tile(values: list[str], n: int, label: str) -> ET.Element:
        """The group a tile is drawn in: inside a link that narrows the search, unless
        there is nothing to find or the search is narrowed to it already."""
        if not n or (values and all(v in active for v in values)):
            return _el(svg, "g")
        url = narrowed_url(args, add=[("region", v) for v in values])
        return _el(_el(svg, "a", href=url, aria_label=label), "g")

    def text(g: ET.Element, value: str, x: float, y: float, size: int, fill: str) -> None:
        _el(g, "text", value, x=x, y=y, text_anchor="middle", fill=fill, font_size=size,
            aria_hidden="true")  # fmt: skip

    for _code, short, english, row, col in PROVINCES:
        n = per.get(short, 0)
        x, y = x0 + (col - 1) * cell, y0 + (row - 1) * cell
        shade = _shade(n, peak)
        label = f"{english} {short}: {n:,} documents"
        g = tile(provinces.get(short, []), n, label)
        on = bool(provinces.get(short)) and all(v in active for v in provinces[short])
        rect = _el(g, "rect", x=x, y=y, width=size, height=size, rx=4,
                   fill=SHADES[shade] if shade >= 0 else EMPTY,
                   stroke=BAR_ON if on else "#ffffff", stroke_width=3 if on else 1)  # fmt: skip
        _el(rect, "title", label)
        ink = "#ffffff" if shade >= LIGHT_TEXT_FROM else INK
        text(g, short, x + size / 2, y + 27, 18, ink)
        text(g, f"{n:,}" if n else "–", x + size / 2, y + 49, 15, ink)
    # National bodies apart, in the empty south-west of the grid (row 8, columns 1-3).
    nx, ny, nw, nh = x0, y0 + 7 * cell, 3 * cell - pad, size
    nat_label = f"National bodies 全国: {nat_n:,} documents"
    g = tile(national, nat_n, nat_label)
    rect = _el(g, "rect", x=nx, y=ny, width=nw, height=nh, rx=4,
               fill=SHADES[3] if nat_n else EMPTY, stroke="#ffffff")  # fmt: skip
    _el(rect, "title", nat_label)
    ink = "#ffffff" if nat_n else INK
    text(g, "全国 National", nx + nw / 2, ny + 27, 18, ink)
    text(g, f"{nat_n:,}", nx + nw / 2, ny + 49, 15, ink)
    if other_n:
        _el(svg, "text", f"Other places 其他: {other_n:,}", x=nx, y=ny + cell + 30,
            fill=MUTED, font_size=15)  # fmt: skip
    # Legend: the shade classes, from few to the busiest province.
    lx, ly = x0 + 52, y0 + 10 * cell + 20
    _el(svg, "text", "fewer", x=lx - 6, y=ly + 15, text_anchor="end", fill=MUTED, font_size=14)
    for i, colour in enumerate(SHADES):
        _el(svg, "rect", x=lx + i * 22, y=ly, width=20, height=20, fill=colour)
    _el(svg, "text", f"more (max {peak:,})", x=lx + len(SHADES) * 22 + 6, y=ly + 15,
        fill=MUTED, font_size=14)  # fmt: skip
    return _serialize(svg)


CHARTS: dict[str, Callable[[dict, Any, MultiDict], str]] = {
    "timeline": timeline_svg,
    "map": map_svg,
}


def page_charts(resp: Any, req: Any, args: MultiDict) -> dict[str, Any]:
    """Both charts for the search page, from the facets it already has (no second search)."""
    if not resp.facets or not resp.total:
        return {}
    # Built by ElementTree from escaped text: safe to put in the page as markup.
    out: dict[str, Any] = {name: Markup(fn(resp.facets, req, args)) for name, fn in CHARTS.items()}
    out["by_month"] = bool((req.year or "").strip().isdigit() and "month" in resp.facets)
    return out


@bp.get("/search/<any(timeline, map):kind>.svg")
def chart(kind: str) -> Response:
    args = without_tracking(request.args)  # an unknown name is a 400, as for feeds
    req = search_request(args, facets_default=True)
    resp = state().get_engine().search(replace(req, page=1, per_page=1, facets=True))
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + CHARTS[kind](resp.facets, req, args)
    return Response(body, mimetype=SVG_TYPE)
