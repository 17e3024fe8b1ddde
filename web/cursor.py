"""Deep paging with a cursor (``search_after``-style) for ``/api/v1/search``.

Place in the flow: GET ``/api/v1/search?…&cursor=`` (web/api.py hands over
when a ``cursor`` parameter is present) -> **cursor** -> engine (the query
plan) -> backend ``search_lazy`` (only this page's documents are read) ->
the search API's JSON plus ``next_cursor``.

Page numbers stop at the first 1,000 results; a cursor walks on to
``EXPORT_MAX`` documents. Start with an empty ``cursor=`` and pass each
answer's ``next_cursor`` back with the same search parameters; it is null
after the last page. The cursor is an opaque token naming the position, the
search it belongs to (a hash of its parameters: a cursor used with another
search is refused) and the index generation it was made on (if the index
changed since, results may have shifted, and the answer says so).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from typing import Any

from werkzeug.datastructures import MultiDict

from index.errors import InputError
from search.engine import highlight_terms, make_hit
from web.openapi import EXPORT_MAX, MAX_Q
from web.params import search_request
from web.state import state

MAX_CURSOR = 200  # characters of a cursor token


def _search_key(args: MultiDict) -> str:
    items = sorted((k, v) for k, v in args.items(multi=True) if k not in ("cursor", "page"))
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()[:16]


def encode(offset: int, key: str, generation: int) -> str:
    raw = json.dumps({"o": offset, "k": key, "g": generation}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, key: str) -> tuple[int, int | None]:
    """(offset, generation) of a cursor; an empty cursor starts at the top."""
    token = token.strip()
    if not token:
        return 0, None
    bad = InputError(
        "cursor is not one this server gave out",
        "pass next_cursor from the previous answer unchanged, or cursor= to start",
    )
    if len(token) > MAX_CURSOR:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, their_key, gen = int(data["o"]), str(data["k"]), int(data["g"])
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if their_key != key:
        raise InputError(
            "this cursor belongs to another search",
            "keep every other parameter as it was, or start again with cursor=",
        )
    if not 0 <= offset <= EXPORT_MAX:
        raise bad
    return offset, gen


def cursor_search(args: MultiDict) -> dict[str, Any]:
    """One page of a search by cursor, as the search API's JSON plus ``next_cursor``."""
    if "page" in args:
        raise InputError("page and cursor cannot be combined", "drop page when paging by cursor")
    values = args.getlist("cursor")
    if len(values) > 1:
        raise InputError("parameter 'cursor' given more than once", "pass one cursor")
    key = _search_key(args)
    offset, made_on = decode(values[0], key)
    req = search_request(
        MultiDict([(k, v) for k, v in args.items(multi=True) if k != "cursor"]),
        facets_default=False,
    )
    if len(req.q) > MAX_Q:
        raise InputError(f"q is too long (the limit is {MAX_Q})", "shorten it to its key words")
    engine = state().get_engine()
    # The first page is an ordinary search; it also builds the plan the next pages reuse.
    resp = engine.search(replace(req, page=1))
    generation = int(engine.backend.generation())
    if offset and resp.plan is not None:
        limit = min(req.per_page, EXPORT_MAX - offset)
        raw = engine.backend.search_lazy(replace(resp.plan, offset=offset, limit=limit))
        words, phrases = highlight_terms(resp.plan)
        resp.hits = [make_hit(rh, words, phrases) for rh in raw.hits]
        if raw.partial:
            resp.notices.append("This page was cut short by the time limit; ask for it again.")
    elif offset:
        resp.hits = []
    if made_on is not None and made_on != generation:
        resp.notices.append(
            "The index changed since this cursor was made: documents may have moved between pages."
        )
    for h in resp.hits:
        if not isinstance(h.score, int | float):
            h.score = None  # date-sorted hits carry the sort key, not a score
    out = resp.to_dict()
    end = offset + len(resp.hits)
    # A first page cut short by the time limit may be short: the next one follows it.
    full = len(resp.hits) == req.per_page or (resp.partial and not offset and resp.hits)
    more = bool(full) and end < min(resp.total, EXPORT_MAX)
    out["page"] = offset // req.per_page + 1
    out["pages"] = max(1, -(-min(resp.total, EXPORT_MAX) // req.per_page))
    out["next_cursor"] = encode(end, key, generation) if more else None
    return out
