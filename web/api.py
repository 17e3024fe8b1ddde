"""The REST API blueprint, mounted at ``/api/v1/``.

Place in the flow: HTTP GET -> params (web/params.py) -> **api** -> engine /
glossary / title lookup -> JSON. Errors are raised as ``index.errors`` types
and rendered by web/errors.py in the one JSON error shape. What each endpoint
accepts and returns is written down in web/openapi.py; keep them in step.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from index.document import ID_RE as DOC_ID_RE
from index.errors import DuizhaoError, InputError, NotFound
from search.engine import SearchRequest
from search.mentions import analyze_mentions
from search.spelling import glossary_suggestions
from search.titles import lookup_title
from web.cursor import cursor_search
from web.openapi import MAX_MENTION_CHARS, MAX_Q, MAX_TITLE_Q, index_values, openapi_document
from web.params import (
    SEARCH_PARAMS,
    check_known,
    int_param,
    known_args,
    search_request,
    str_param,
    unknown_warnings,
)
from web.state import state

bp = Blueprint("api", __name__)


def accepted_args(known: tuple[str, ...] | frozenset[str]) -> tuple[Any, list[dict[str, Any]]]:
    """(the request's arguments with known names, ``warnings`` for other unknown names).

    Tracking parameters that sharing adds (utm_*, fbclid ...) are dropped silently;
    any other unknown name is ignored and reported, so a typo is not silent.
    """
    args, unknown = known_args(request.args, known)
    return args, unknown_warnings(unknown, known)


@bp.get("/search")
def search() -> ResponseReturnValue:
    args, warnings = accepted_args(SEARCH_PARAMS | {"cursor"})
    if "cursor" in args:  # deep paging past the first 1,000 results (web/cursor.py)
        return jsonify({**cursor_search(args), "warnings": warnings})
    req = search_request(args, facets_default=False)
    if len(req.q) > MAX_Q:
        raise InputError(
            f"q is too long ({len(req.q):,} characters; the limit is {MAX_Q})",
            "shorten it to its key words",
        )
    resp = state().get_engine().search(req)
    for h in resp.hits:
        # Date-sorted hits carry the sort key, not a relevance score: report none.
        if not isinstance(h.score, int | float):
            h.score = None
    return jsonify({**resp.to_dict(), "warnings": warnings})


def document_dict(doc: Any) -> dict[str, Any]:
    d = doc.to_dict()
    d["date"] = doc.date
    return d


def get_document_or_404(doc_id: str) -> Any:
    if not DOC_ID_RE.fullmatch(doc_id):  # the id syntax: anything else cannot exist
        raise NotFound(f"no document with id {doc_id[:140]!r}", "check the id in search results")
    return state().get_engine().get_document(doc_id)


@bp.get("/documents/<doc_id>")
def document(doc_id: str) -> ResponseReturnValue:
    _args, warnings = accepted_args(())
    out = document_dict(get_document_or_404(doc_id))
    return jsonify({**out, "warnings": warnings} if warnings else out)


def title_lookup(text: str, limit: int) -> Any:
    """:func:`search.titles.lookup_title` over the serving engine."""
    return lookup_title(state().get_engine(), text, limit=limit)


@bp.get("/titles")
def titles() -> ResponseReturnValue:
    args, warnings = accepted_args(("q", "limit"))
    q = str_param(args, "q", MAX_TITLE_Q).strip()
    if not q:
        raise InputError("q is required: a Chinese or English title", "e.g. q=数据安全法")
    limit = int_param(args, "limit", 10, 1, 50)
    result = title_lookup(q, limit)
    out = result.to_dict()
    out.setdefault("query", q)
    out["warnings"] = warnings
    return jsonify(out)


def entry_dict(e: Any) -> dict[str, Any]:
    return {
        "zh": e.zh,
        "en": list(e.en),
        "preferred": e.preferred,
        "category": e.category,
        "source": e.source,
        **({"note": e.note} if getattr(e, "note", "") else {}),
    }


def glossary_search(q: str, category: str) -> list[Any]:
    """Exact matches (curated, user, then CC-CEDICT), then curated entries containing q."""
    g = state().glossary
    if g is None:
        return []
    entries = g.entries()
    if category:
        entries = [e for e in entries if e.category == category]
    q = " ".join(q.split())
    if not q:
        return entries
    exact = [e for e in g.lookup(q) if not category or e.category == category]
    seen = {e.zh for e in exact}
    ql = q.lower()
    contains = [
        e for e in entries if e.zh not in seen and (q in e.zh or any(ql in r.lower() for r in e.en))
    ]
    # Shorter entries first: the closer to the query, the more useful.
    contains.sort(key=lambda e: (len(e.zh), e.zh))
    return exact + contains


def glossary_categories() -> dict[str, int]:
    g = state().glossary
    out: dict[str, int] = {}
    for e in g.entries() if g is not None else ():
        out[e.category] = out.get(e.category, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


@bp.get("/glossary")
def glossary() -> ResponseReturnValue:
    args, warnings = accepted_args(("q", "category", "page", "per_page"))
    q = str_param(args, "q", 100)
    category = str_param(args, "category", 40)
    page = int_param(args, "page", 1, 1, 1_000_000)
    per_page = int_param(args, "per_page", 50, 1, 100)
    found = glossary_search(q, category)
    start = (page - 1) * per_page
    return jsonify(
        {
            "query": q,
            "category": category,
            "total": len(found),
            "page": page,
            "per_page": per_page,
            "entries": [entry_dict(e) for e in found[start : start + per_page]],
            "categories": glossary_categories(),
            "warnings": warnings,
        }
    )


def mentions_report(text: str) -> dict[str, Any]:
    """``duizhao mentions`` for the web: the policy documents an article mentions."""

    return analyze_mentions(state().get_engine(), text).to_dict()


def mentions_text(args: Any) -> str:
    """The article text of a mentions request: ``text`` in the query string (GET, short
    texts) or the body of a POST: JSON ``{"text": ...}`` or the text itself (text/plain).
    The body limit (64 KB) allows the full 20,000 characters of Chinese in UTF-8, not
    escaped as \\uXXXX."""
    if request.method == "GET":
        return str_param(args, "text", MAX_MENTION_CHARS)
    if request.mimetype == "text/plain":
        try:
            return request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the text is not valid UTF-8", "send the article as UTF-8") from None
    if not request.is_json:
        raise InputError(
            "send the article as JSON or plain text",
            'POST {"text": "..."} (application/json) or the text itself (text/plain; UTF-8)',
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - {"text"} or not isinstance(body.get("text"), str):
        raise InputError('the body must be {"text": "..."}', "put the article text in 'text'")
    return body["text"]


@bp.route("/mentions", methods=["GET", "POST"])
def mentions() -> ResponseReturnValue:
    args, warnings = accepted_args(("text",))
    text = mentions_text(args)
    return jsonify({**mentions_report(text), "warnings": warnings})


MAX_SUGGEST_Q = 100


@bp.get("/suggest")
def suggest() -> ResponseReturnValue:
    """Suggestions as you type: glossary terms and document titles that match ``q``."""

    args, warnings = accepted_args(("q", "limit"))
    q = str_param(args, "q", MAX_SUGGEST_Q).strip()
    limit = int_param(args, "limit", 5, 1, 10)
    out = [
        {"text": text, "other": other, "kind": "glossary"}
        for text, other in glossary_suggestions(q, state().glossary, limit)
    ]
    if len(q) >= 2:
        try:
            resp = (
                state()
                .get_engine()
                .search(
                    SearchRequest(q=q, per_page=limit, expand=False, fields=("title", "title_en"))
                )
            )
        except DuizhaoError:
            resp = None  # a query the search refuses still gets glossary suggestions
        for h in resp.hits if resp is not None else ():
            out.append({"text": h.doc.display_title, "other": h.doc.id, "kind": "title"})
    return jsonify({"query": q, "suggestions": out, "warnings": warnings})


@bp.get("/health")
def health() -> ResponseReturnValue:
    check_known(request.args, ())
    st = state()
    g = st.glossary
    # A real search per segment, once per commit: 503 (IndexCorrupt) when searches would fail.
    st.get_engine().backend.check_reading()
    return jsonify(
        {
            "status": "ok",
            "version": "0.1.0",
            "documents": st.doc_count(),
            "glossary_entries": len(g) if g is not None else 0,
            # Kept for API clients: title lookup is part of every build.
            "titles_available": True,
        }
    )


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document(index_values()))


def docs_page() -> ResponseReturnValue:
    """A readable rendering of the OpenAPI document, server-side, no external assets."""
    return render_template("api_docs.html", spec=openapi_document(index_values()))
