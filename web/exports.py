"""Exports of a search's results: CSV, NDJSON and a citation list, streamed.

Place in the flow: GET ``/api/v1/export?q=…&format=csv|ndjson|citations`` ->
params (web/params.py, the search parameters) -> engine (the same query plan
as ``/api/v1/search``, cross-language expansion and the any-word fallback
included) -> backend ``search_lazy`` -> **exports** -> a streamed body.

Paging stops at the first 1,000 results; an export goes on to ``EXPORT_MAX``
documents. The hits are found and ordered once, then each document is read
from the index only when its line is written, so memory stays flat however
many are exported. Each record carries the fields the search API returns for
a hit, less the snippets and highlights (those are for reading on a page).
CSV is UTF-8 with a byte-order mark (spreadsheets then read Chinese right),
and a cell that a spreadsheet would run as a formula gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, request, url_for
from werkzeug.datastructures import MultiDict

from index.errors import InputError
from search.engine import Hit
from web.openapi import EXPORT_MAX
from web.params import SEARCH_PARAMS, int_param, search_request
from web.state import state
from web.ui import safe_url

bp = Blueprint("exports", __name__)

# Finding and ordering every match may take longer than one page's search is allowed.
EXPORT_TIME_LIMIT = 10.0
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ndjson": ("application/x-ndjson; charset=utf-8", "ndjson"),
    "citations": ("text/plain; charset=utf-8", "txt"),
}
EXPORT_PARAMS = (SEARCH_PARAMS - {"page", "per_page", "facets", "explain"}) | {"format", "limit"}
CSV_FIELDS = (
    "id",
    "score",
    "title",
    "subtitle",
    "title_en",
    "title_en_source",
    "title_en_attested",
    "level",
    "doctype",
    "issuer",
    "region",
    "docnum",
    "date",
    "status",
    "lang",
    "source",
    "url",
    "best_passage",
    "page",
)
_FLUSH_EVERY = 200  # records per chunk written to the client
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hit_record(raw: Any) -> dict[str, Any]:
    """The search API's fields of one hit (search.engine.Hit.to_dict), without snippets."""
    doc = raw.document
    passage = doc.passages[raw.passage] if 0 <= raw.passage < len(doc.passages) else None
    d = Hit(doc, raw.score, passage, [], [], []).to_dict()
    for key in ("snippet", "title_highlight", "explain"):
        d.pop(key, None)
    if not isinstance(d["score"], int | float):
        d["score"] = None  # date-sorted hits carry a sort key, not a relevance score
    return d


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_row(d: dict[str, Any], page: str) -> list[str]:
    t = d["titles_en"][0] if d["titles_en"] else None
    values = {
        **d,
        "title_en": t["text"] if t else "",
        "title_en_source": t["source"] if t else "",
        "title_en_attested": ("yes" if t["attested"] else "draft") if t else "",
        "best_passage": (d["best_passage"] or {}).get("label") or "",
        "page": page,
    }
    return [_cell(values[k]) for k in CSV_FIELDS]


def citation_line(d: dict[str, Any], page: str) -> str:
    """Title, issuer, 文号, date, URL; then the English title with its source."""

    parts = [f"《{d['title']}》" if d["title"] else d["id"]]
    parts += [x for x in (d["issuer"], d["docnum"], d["date"]) if x]
    parts.append(safe_url(d["url"]) or page)
    line = "，".join(parts[:-1]) + "，" + parts[-1] + "."
    if d["titles_en"]:
        t = d["titles_en"][0]
        kind = "" if t["attested"] else "draft translation, "
        line += f' English: "{t["text"]}" ({kind}source: {t["source"]}).'
    return " ".join(line.split())  # one line, whatever the data holds


def _chunks(lines: Iterable[str]) -> Iterator[bytes]:
    buf: list[str] = []
    for line in lines:
        buf.append(line)
        if len(buf) >= _FLUSH_EVERY:
            yield "".join(buf).encode("utf-8")
            buf = []
    if buf:
        yield "".join(buf).encode("utf-8")


def render(fmt: str, hits: Iterable[Any], page_url: Any) -> Iterator[str]:
    """The lines of an export (each ending in a newline)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_FIELDS)
        yield "\ufeff" + out.getvalue()
        for raw in hits:
            d = hit_record(raw)
            out.seek(0)
            out.truncate()
            writer.writerow(csv_row(d, page_url(d["id"])))
            yield out.getvalue()
    elif fmt == "ndjson":
        for raw in hits:
            yield json.dumps(hit_record(raw), ensure_ascii=False) + "\n"
    else:
        for raw in hits:
            d = hit_record(raw)
            yield citation_line(d, page_url(d["id"])) + "\n"


def export_response(args: MultiDict) -> Response:
    # An empty value is an unknown format too (the API document lists the formats).
    fmt = args.get("format", "csv").strip().lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt[:20]!r}", f"use one of: {', '.join(FORMATS)}")
    limit = int_param(args, "limit", EXPORT_MAX, 1, EXPORT_MAX)
    search_args = MultiDict([(k, v) for k, v in args.items(multi=True) if k in SEARCH_PARAMS])
    for name in args:
        if name not in EXPORT_PARAMS:
            raise InputError(
                f"unknown parameter {name[:40]!r}",
                f"known parameters: {', '.join(sorted(EXPORT_PARAMS))}",
            )
    req = search_request(search_args, facets_default=False)
    engine = state().get_engine()
    # One ordinary search builds the plan (expansions, fallback) and checks the input.
    first = engine.search(replace(req, page=1, per_page=1, facets=False, explain=False))
    if first.plan is None or first.total == 0:
        raw_hits: Iterable[Any] = ()
        total = 0
    else:
        raw = engine.backend.search_lazy(
            replace(first.plan, offset=0, limit=limit, facets=False),
            time_limit=EXPORT_TIME_LIMIT,
        )
        raw_hits, total = raw.hits, raw.total
    base = request.url_root.rstrip("/") + url_for("ui.document", doc_id="_")[:-1]

    def page_url(doc_id: str) -> str:
        return base + quote(doc_id, safe=":")

    mimetype, ext = FORMATS[fmt]
    resp = Response(_chunks(render(fmt, raw_hits, page_url)), content_type=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="duizhao-export.{ext}"'
    resp.headers["X-Total-Count"] = str(total)
    resp.headers["X-Export-Count"] = str(min(total, limit))
    return resp


@bp.get("/export")
def export() -> Response:
    return export_response(request.args)


def export_url(args: MultiDict, fmt: str) -> str:
    """The export of the search in ``args`` (the UI's download links)."""
    items = [(k, v) for k, v in args.items(multi=True) if k in EXPORT_PARAMS and k != "format"]
    items.append(("format", fmt))
    return url_for("exports.export") + "?" + urlencode(items)
