"""Query-string parsing shared by the UI and the REST API.

Place in the flow: HTTP request -> **params** -> ``SearchRequest`` -> engine.

Both faces take the same parameters (so a UI URL and an API URL for the same
search differ only in their path) and reject the same bad values with an
``InputError`` that the error handlers turn into a 400. The engine validates
ranges again; here we only turn text into typed values.

Names we do not know never break a link: shared links pick up tracking
parameters (``utm_*``, ``fbclid``, WeChat's ``from``/``isappinstalled`` ...).
The UI drops every unknown name; the API drops tracking names and lists any
other unknown name in a ``warnings`` field (with the nearest known name), so a
typo such as ``levle=法律`` is reported rather than silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import MultiDict

from index.errors import InputError
from search.engine import FILTER_NAMES, MAX_PER_PAGE, SORTS, SearchRequest

MAX_QUERY_STRING = 8192  # bytes of a raw query string
MAX_VALUES_PER_PARAM = 20

SEARCH_PARAMS = frozenset(
    {"q", "year", "sort", "page", "per_page", "facets", "expand", "explain", "rm", *FILTER_NAMES}
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def check_raw_request(query_string: bytes, path_info: str) -> None:
    """Refuse undecodable input before anything reads it.

    Werkzeug decodes bad UTF-8 with replacement characters, which would
    turn ``%FF`` into a search for U+FFFD; we answer 400 instead. NUL is
    refused too: it has no business in a query and some layers truncate at it.
    """
    if len(query_string) > MAX_QUERY_STRING:
        raise InputError(
            f"the query string is too long (over {MAX_QUERY_STRING} bytes)", "shorten the query"
        )
    try:
        raw = unquote_to_bytes(query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            "the query string is not valid UTF-8", "encode parameters as UTF-8 (percent-encoded)"
        ) from None
    try:
        # WSGI hands the path over as latin-1 code points of the raw bytes.
        path = path_info.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise InputError("the address is not valid UTF-8") from None
    if "\ufffd" in path:
        # Some servers (and werkzeug's test client) decode bad bytes to U+FFFD first.
        raise InputError("the address is not valid UTF-8")
    if "\x00" in raw or "\x00" in path:
        raise InputError("NUL characters are not allowed in requests")


def _one(args: MultiDict, name: str, default: str | None = None) -> str | None:
    values = args.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise InputError(f"parameter {name!r} given more than once", f"pass one {name}")
    return values[0]


def _int(args: MultiDict, name: str, default: int) -> int:
    v = _one(args, name)
    if v is None:
        return default
    v = v.strip()
    if not v.isascii() or not v.isdigit() or len(v) > 9:
        raise InputError(f"{name} must be a whole number, got {v[:20]!r}")
    return int(v)


def _bool(args: MultiDict, name: str, default: bool) -> bool:
    v = _one(args, name)
    if v is None:
        return default
    v = v.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InputError(f"{name} must be true or false, got {v[:20]!r}")


# Parameters that link shorteners, ad networks, mail tools and social apps append
# to shared links. Lower-case names; ``utm_*`` (any campaign field) by prefix.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl",
        "ref", "ref_src", "spm", "share_token",
        # WeChat and Weibo shares: ?from=singlemessage&isappinstalled=0, scene, clicktime ...
        "from", "isappinstalled", "scene", "clicktime", "enterid", "sharer_shareid",
        "sharer_sharetime",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)


def is_tracking(name: str) -> bool:
    """A parameter that sharing adds to links (never one of ours)."""
    n = name.lower()
    return n in TRACKING_PARAMS or n.startswith(TRACKING_PREFIXES)


def without_tracking(args: MultiDict) -> MultiDict:
    """The arguments less the tracking ones; unknown names stay, for the caller to refuse
    (machine-read resources such as feeds and charts, where a typo must not go unseen)."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if not is_tracking(k)])


def known_args(args: MultiDict, known: Iterable[str]) -> tuple[MultiDict, list[str]]:
    """(the arguments whose names we know, the other names that are not tracking ones)."""
    known = set(known)
    kept = MultiDict([(k, v) for k, v in args.items(multi=True) if k in known])
    unknown = [k for k in dict.fromkeys(args) if k not in known and not is_tracking(k)]
    return kept, unknown


def unknown_warnings(names: list[str], known: Iterable[str]) -> list[dict[str, Any]]:
    """The API's ``warnings`` entries for ignored parameters, nearest known name as hint."""
    known = sorted(set(known))
    out = []
    for name in names[:MAX_VALUES_PER_PARAM]:
        shown = name[:40]
        near = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
        out.append(
            {
                "code": "unknown_parameter",
                "parameter": shown,
                "message": f"unknown parameter {shown!r} was ignored",
                "hint": f"did you mean {near[0]!r}?"
                if near
                else f"known parameters: {', '.join(known) or '(none)'}",
            }
        )
    return out


def check_known(args: MultiDict, known: Iterable[str]) -> None:
    """Refuse any unknown name (for endpoints where ignoring one would mislead)."""
    known = set(known)
    for name in args:
        if name not in known:
            raise InputError(
                f"unknown parameter {name[:40]!r}",
                f"known parameters: {', '.join(sorted(known))}",
            )


def search_request(
    args: MultiDict, *, facets_default: bool, per_page_default: int = 10
) -> SearchRequest:
    """A validated ``SearchRequest`` from query-string arguments (known names only:
    callers drop or report the others with ``known_args``)."""
    check_known(args, SEARCH_PARAMS)
    filters: dict[str, list[str]] = {}
    for name in FILTER_NAMES:
        raw = args.getlist(name)
        values = [v.strip() for v in raw if v.strip()]
        # Empty values are ignored (forms send them), but they count against the limit.
        if len(raw) > MAX_VALUES_PER_PARAM:
            raise InputError(f"too many values for {name!r} (at most {MAX_VALUES_PER_PARAM})")
        if values:
            filters[name] = list(dict.fromkeys(values))
    sort = _one(args, "sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort[:20]!r}", f"use one of: {', '.join(SORTS)}")
    page = _int(args, "page", 1)
    per_page = _int(args, "per_page", per_page_default)
    if page < 1:
        raise InputError("page must be 1 or more", "start at page=1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InputError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    removed = [v for v in args.getlist("rm") if v]
    if len(args.getlist("rm")) > MAX_VALUES_PER_PARAM:
        raise InputError(f"too many values for 'rm' (at most {MAX_VALUES_PER_PARAM})")
    year = (_one(args, "year") or "").strip() or None
    return SearchRequest(
        q=_one(args, "q", "") or "",
        filters=filters,
        year=year,
        sort=sort,
        page=page,
        per_page=per_page,
        facets=_bool(args, "facets", facets_default),
        expand=_bool(args, "expand", True),
        explain=_bool(args, "explain", False),
        removed_expansions=tuple(dict.fromkeys(removed)),
    )


def int_param(args: MultiDict, name: str, default: int, lo: int, hi: int) -> int:
    v = _int(args, name, default)
    if not lo <= v <= hi:
        raise InputError(f"{name} must be between {lo} and {hi}")
    return v


def str_param(args: MultiDict, name: str, max_len: int, default: str = "") -> str:
    v = _one(args, name, default) or ""
    if len(v) > max_len:
        raise InputError(f"{name} is too long (at most {max_len} characters)")
    return v
