"""Atom feeds of searches: a saved search in a feed reader becomes an alert.

Place in the flow: feed reader GET ``/search.atom?q=…&filters`` -> params
(web/params.py, the same parameters as ``/search``) -> engine (sorted by date,
newest first) -> **feeds** -> Atom XML.

The feed takes exactly the search page's parameters, so the feed of a search
is its URL with ``/search`` replaced by ``/search.atom``; the query may be in
either language (an English query finds Chinese documents by expansion).
Entries are the newest matching documents by their issue date; each entry's
id is its document page's URL, so a reader shows a document once however
often it is fetched. The XML is built with ElementTree (escaping is not ours
to get wrong) and characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for
from werkzeug.datastructures import MultiDict

from web.params import search_request, without_tracking
from web.state import state
from web.ui import safe_url, search_url

bp = Blueprint("feeds", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 20  # default entries per feed (per_page may ask for up to MAX_PER_PAGE)
ATOM_TYPE = "application/atom+xml"
# Characters outside XML 1.0's Char production (C0 controls but tab/LF/CR, surrogates, FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def feed_url(args: MultiDict, *, external: bool = False) -> str:
    """The feed of the search in ``args`` (page and sort dropped: a feed is newest first)."""
    items = [(k, v) for k, v in args.items(multi=True) if k not in ("page", "sort")]
    return url_for("feeds.search_atom", _external=external) + (
        "?" + urlencode(items) if items else ""
    )


def _timestamp(date: str | None) -> str | None:
    return f"{date}T00:00:00Z" if date and re.match(r"^\d{4}-\d\d-\d\d$", date) else None


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = clean(text)
    return el


def _summary(doc: Any) -> str:
    """One readable paragraph: the English title with its source, then the metadata."""

    parts = []
    if doc.titles_en:
        t = doc.titles_en[0]
        label = t.source if t.attested else f"draft translation; {t.source}"
        parts.append(f"{t.text} ({label})")
    parts += [x for x in (doc.level, doc.issuer, doc.region, doc.docnum, doc.date) if x]
    if safe_url(doc.url):
        parts.append(doc.url)
    return " · ".join(parts)


def build_feed(resp: Any, args: MultiDict) -> bytes:
    """The Atom document of a date-sorted search response."""

    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    q = resp.request.q.strip()
    title = f"Duizhao 对照: {q}" if q else "Duizhao 对照: filtered search"
    filters = [f"{k}:{v}" for k, vs in resp.request.filters.items() for v in vs]
    if resp.request.year:
        filters.append(f"year:{resp.request.year}")
    if filters:
        title += " (" + ", ".join(filters) + ")"
    _sub(feed, "title", title)
    self_url = feed_url(args, external=True)
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", type=ATOM_TYPE, href=self_url)
    page = request.url_root.rstrip("/") + search_url(args, set_={"sort": "date"})
    _sub(feed, "link", rel="alternate", type="text/html", href=page)
    _sub(
        feed,
        "subtitle",
        f"The newest of {resp.total:,} matching documents, newest first by issue date.",
    )
    dated = [_timestamp(h.doc.date) for h in resp.hits]
    newest = next((d for d in dated if d), None)
    _sub(feed, "updated", newest or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    author = _sub(feed, "author")
    _sub(author, "name", "Duizhao 对照")
    _sub(feed, "generator", "Duizhao")
    for hit, stamp in zip(resp.hits, dated, strict=True):
        doc = hit.doc
        entry = _sub(feed, "entry")
        doc_page = url_for("ui.document", doc_id=doc.id, _external=True)
        _sub(entry, "id", doc_page)
        _sub(entry, "title", doc.display_title)
        _sub(entry, "link", rel="alternate", type="text/html", href=doc_page)
        if safe_url(doc.url):
            _sub(entry, "link", rel="related", href=doc.url)
        # Undated documents sort last; the epoch says "no date" without inventing one.
        _sub(entry, "updated", stamp or "1970-01-01T00:00:00Z")
        if stamp:
            _sub(entry, "published", stamp)
        if doc.issuer:
            _sub(_sub(entry, "author"), "name", doc.issuer)
        summary = _summary(doc)
        if summary:
            _sub(entry, "summary", summary)
        for name in ("level", "region", "doctype"):
            value = getattr(doc, name, "")
            if value:
                _sub(entry, "category", term=clean(value), label=f"{name}: {clean(value)}")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.get("/search.atom")
def search_atom() -> Response:
    # Tracking parameters that sharing adds are dropped; any other unknown name is a 400,
    # so a typo in a saved search is seen once rather than feeding the wrong results.
    args = without_tracking(request.args)
    req = search_request(args, facets_default=False, per_page_default=FEED_ENTRIES)
    req = replace(req, sort="date", page=1, facets=False, explain=False)
    resp = state().get_engine().search(req)
    return Response(build_feed(resp, args), mimetype=ATOM_TYPE)
