"""REST conventions for every response: request ids, access log, CORS, ETags, rate headers.

Place in the flow: HTTP request -> app hooks (**rest**, registered by
``register``) -> views -> response -> **rest** headers -> client.

* ``X-Request-Id`` on every response: the client's own id when it sent a sane
  one (so a proxy's id follows the request through), else a fresh one; the
  same id is in the access log line.
* One JSON line per request on the ``duizhao.access`` logger (method, path,
  status, milliseconds to the first byte, client, request id).
* CORS for the read-only API (``/api/v1/...`` only): allowed origins are
  ``CORS_ORIGINS`` (``*`` by default, or a list), for GET and HEAD; a
  preflight ``OPTIONS`` on an API route is answered 204 with the allowed
  methods and headers. Other paths get no CORS headers at all.
* ``ETag`` / ``If-None-Match`` on search, document, title, feed and chart responses:
  the tag is built from the index generation and the exact request, so a
  repeated request answers 304 before any searching, and a new commit to the
  index changes every tag. ``Cache-Control`` lets clients keep a copy for
  ``CACHE_MAX_AGE`` seconds and then revalidate.
* ``RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` from the limiter's
  decision for this request (web/ratelimit.py), when the limiter is on.
* ``X-Cache: hit`` or ``miss`` on a search (JSON or HTML) when the result cache
  is on (search/result_cache.py): whether this process had the answer already.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from index.errors import DuizhaoError
from web import settings
from web.state import state

access_log = logging.getLogger("duizhao.access")

API_PREFIX = "/api/v1/"
CORS_METHODS = ("GET", "HEAD", "OPTIONS")
# Headers a cross-origin page may read (besides the CORS-safelisted ones).
CORS_EXPOSE = (
    "ETag",
    "X-Request-Id",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
    "X-Total-Count",
    "X-Export-Count",
    "Content-Disposition",
)
CORS_MAX_AGE = 86400  # seconds a browser may remember a preflight answer
# Endpoints whose answer depends only on the request and the index: they get ETags.
CACHEABLE_ENDPOINTS = frozenset(
    {"api.search", "api.document", "api.titles", "feeds.search_atom", "charts.chart"}
)
# Endpoints answered by one engine search: they say whether the result cache had it.
SEARCH_ENDPOINTS = frozenset({"api.search", "ui.search"})
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")

# "*", or a list / comma-separated string of origins; "-" stderr, "" off (web/settings.py).
CONFIG_DEFAULTS = settings.config_defaults(("CORS_ORIGINS", "CACHE_MAX_AGE", "ACCESS_LOG"))


def allowed_origins(setting: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """None means any origin; otherwise the exact origins allowed."""
    if setting is None:
        return None
    items = setting.split(",") if isinstance(setting, str) else list(setting)
    origins = tuple(o.strip().rstrip("/") for o in items if o.strip())
    return None if "*" in origins else origins


def request_id() -> str:
    """This request's id (set by the first hook; a fresh one outside requests)."""
    rid = getattr(g, "request_id", None)
    if rid is None:
        rid = g.request_id = uuid.uuid4().hex
    return rid


def _etag_for(generation: int) -> str:
    args = sorted(request.args.items(multi=True))
    raw = json.dumps([generation, request.path, args, current_app.extensions["duizhao_build"]])
    return 'W/"' + hashlib.sha256(raw.encode()).hexdigest()[:24] + '"'


def _index_generation() -> int | None:
    try:
        return int(state().get_engine().backend.generation())
    except (DuizhaoError, OSError, AttributeError):
        return None


def _api_route_exists() -> bool:
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return False
    try:
        adapter.match(request.path, method="GET")
    except HTTPException:
        return False
    return True


def _setup_access_log(target: str | None) -> None:
    if not target or access_log.handlers:
        return
    handler: logging.Handler = (
        logging.StreamHandler(sys.stderr) if target == "-" else logging.FileHandler(target)
    )
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def register(app: Flask) -> None:
    """Install the hooks on ``app``. Call after the app's own hooks (rate limit first)."""
    for k, v in CONFIG_DEFAULTS.items():
        app.config.setdefault(k, v)
    origins = allowed_origins(settings.value("CORS_ORIGINS", app.config["CORS_ORIGINS"] or None))
    target = app.config["ACCESS_LOG"]
    if target is None:
        # An empty $DUIZHAO_ACCESS_LOG turns the log off, so it is read as it is.
        log = settings.setting("ACCESS_LOG")
        target = os.environ.get(str(log.env), "" if app.testing else log.default)
    _setup_access_log(target)
    glossary = app.extensions["duizhao"].glossary
    app.extensions["duizhao_build"] = ["0.1.0", len(glossary) if glossary is not None else 0]

    def _start_id() -> None:
        g.t0 = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _CLIENT_ID.match(incoming) else uuid.uuid4().hex

    # First of all hooks, so a refused (429) or bad request still has its id and timing.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_id)

    @app.before_request
    def _start() -> Response | None:
        if (
            request.method == "OPTIONS"
            and request.path.startswith(API_PREFIX)
            and "Access-Control-Request-Method" in request.headers
            and _api_route_exists()
        ):
            return _preflight(origins)
        if request.method in ("GET", "HEAD") and request.endpoint in CACHEABLE_ENDPOINTS:
            gen = _index_generation()
            if gen is not None:
                g.etag = _etag_for(gen)
                if g.etag in _if_none_match():
                    resp = Response(status=304)
                    resp.headers["ETag"] = g.etag
                    return resp
        return None

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Request-Id"] = request_id()
        if request.path.startswith(API_PREFIX):
            _cors_headers(resp, origins)
        etag = getattr(g, "etag", None)
        if etag and resp.status_code == 200 and _cut_short():
            etag = None  # a search cut short by the time limit must not be reused
        if etag and resp.status_code in (200, 304):
            resp.headers["ETag"] = etag
            age = int(app.config["CACHE_MAX_AGE"])
            resp.headers["Cache-Control"] = f"public, max-age={age}, must-revalidate"
        _cache_header(resp)
        limiter = app.extensions.get("duizhao_limiter")
        decision = getattr(g, "rate_decision", None)
        if limiter is not None and decision is not None:
            resp.headers.update(limiter.headers(decision))
        _log(resp)
        return resp


def _cut_short() -> bool:
    engine = state().engine
    if engine is None:
        return False
    if request.endpoint in SEARCH_ENDPOINTS and engine.last_search_cached:
        # Answered from the result cache, which keeps only complete answers: no index
        # search ran for this request, so the backend's flag is an earlier request's.
        return False
    # The engine's flag covers every step of a search; the backend's, index searches
    # made without the engine (title lookups, feeds, charts).
    return engine.last_search_partial or bool(getattr(engine.backend, "last_search_partial", False))


def _cache_header(resp: Response) -> None:
    if resp.status_code != 200 or request.endpoint not in SEARCH_ENDPOINTS:
        return
    engine = state().engine
    cache = getattr(engine, "result_cache", None)
    if cache is not None and cache.enabled:
        resp.headers["X-Cache"] = "hit" if engine.last_search_cached else "miss"


def _if_none_match() -> set[str]:
    raw = request.headers.get("If-None-Match", "")
    return {t.strip() for t in raw.split(",") if t.strip()}


def _origin_allowed(origins: tuple[str, ...] | None) -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None."""
    origin = request.headers.get("Origin")
    if origins is None:
        return "*"
    if origin and origin.rstrip("/") in origins:
        return origin
    return None


def _cors_headers(resp: Response, origins: tuple[str, ...] | None) -> None:
    if origins is not None:
        resp.vary.add("Origin")
    allow = _origin_allowed(origins)
    if allow is None:
        return
    resp.headers["Access-Control-Allow-Origin"] = allow
    resp.headers["Access-Control-Expose-Headers"] = ", ".join(CORS_EXPOSE)


def _preflight(origins: tuple[str, ...] | None) -> Response:
    resp = Response(status=204)
    wanted = request.headers.get("Access-Control-Request-Method", "").upper()
    if _origin_allowed(origins) is None or wanted not in CORS_METHODS:
        # Answered without the allow headers: the browser then refuses the real request.
        return resp
    resp.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
    asked = request.headers.get("Access-Control-Request-Headers", "")
    if asked:
        # The API reads no custom headers; echoing them costs nothing and lets
        # clients send e.g. X-Request-Id or If-None-Match.
        resp.headers["Access-Control-Allow-Headers"] = asked[:500]
    resp.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return resp


def _log(resp: Response) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    t0 = getattr(g, "t0", None)
    line = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "id": request_id(),
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1")[:2000],
        "status": resp.status_code,
        "ms": round((time.perf_counter() - t0) * 1000, 1) if t0 is not None else None,
        "bytes": resp.content_length,
        "client": request.remote_addr,
        "agent": request.headers.get("User-Agent", "")[:200],
    }
    access_log.info(json.dumps(line, ensure_ascii=False))
