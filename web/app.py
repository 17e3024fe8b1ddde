"""The Flask application factory: one engine per process, two blueprints.

Place in the flow: ``duizhao serve`` (web/serve.py, waitress) -> **create_app**
-> ui blueprint (HTML pages) and api blueprint (``/api/v1/`` JSON) -> engine.

The index and glossary are opened once here and kept on
``app.extensions["duizhao"]``; each search opens its own searcher inside the
engine, so requests share nothing mutable. Every response gets the security
headers (a CSP without inline script or style), and undecodable input is
refused before a view runs. A per-client rate limit shared by all server
processes (web/ratelimit.py) runs first of all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from index.errors import DuizhaoError
from index.glossary import load_glossary
from web import api, ui
from web.baseurl import configured_base_url
from web.errors import rate_limited, register_error_handlers
from web.outputs import register_outputs
from web.params import check_raw_request
from web.ratelimit import RateLimiter, default_path
from web.state import WebState

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": None,  # None: index.config.index_path() ($DUIZHAO_INDEX or ./instance/index)
    "GLOSSARY_FILES": None,  # user glossary files; None: $DUIZHAO_GLOSSARY
    "GLOSSARY_CEDICT": True,  # CC-CEDICT fallback for glossary lookups
    "GLOSSARY": None,  # a ready Glossary (tests); overrides the two above
    "ENGINE": None,  # a ready Engine (tests); overrides INDEX_DIR
    "MAX_CONTENT_LENGTH": 64 * 1024,  # the API takes no bodies; anything big is refused
    "REOPEN_SECONDS": 5.0,  # retry opening a missing index at most this often
    # Per-search time limit in the backend (the last guard against costly queries).
    # Below 1 s so a request that hits it, plus parsing and snippets, still answers
    # within the 1 s budget. None: $DUIZHAO_SEARCH_TIME_LIMIT or 0.5.
    "SEARCH_TIME_LIMIT": None,
    # Requests per second per client address, shared by every process using the same
    # RATE_LIMIT_FILE; 0 turns it off. None: $DUIZHAO_RATE_LIMIT or 50 (off when TESTING).
    "RATE_LIMIT": None,
    "RATE_LIMIT_BURST": None,  # None: $DUIZHAO_RATE_LIMIT_BURST or 2 x the rate (at least 10)
    "RATE_LIMIT_FILE": None,  # None: $DUIZHAO_RATE_LIMIT_FILE or one per index (web/rundir.py)
    "JSON_SORT_KEYS": False,
    # Every route answers GET/HEAD only: OPTIONS is a 405 too (as the README says).
    "PROVIDE_AUTOMATIC_OPTIONS": False,
    # Public base URL for citation links (https://host/prefix). None: $DUIZHAO_BASE_URL;
    # "request": the request's own scheme and host (only behind a proxy that sets
    # Host); unset: a path without host -- never a Host header a client made up.
    "BASE_URL": None,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` keys: see ``DEFAULTS``; any Flask setting too."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(DEFAULTS)
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["BASE_URL"] = configured_base_url(app.config["BASE_URL"])  # bad: refused now

    glossary = app.config["GLOSSARY"]
    engine = app.config["ENGINE"]
    if engine is not None and glossary is None:
        glossary = engine.glossary
    if glossary is None:
        glossary = load_glossary(app.config["GLOSSARY_FILES"], cedict=app.config["GLOSSARY_CEDICT"])
    index_dir = app.config["INDEX_DIR"]
    st = WebState(
        index_dir=str(index_dir) if index_dir else None,
        glossary=glossary,
        reopen_seconds=float(app.config["REOPEN_SECONDS"]),
        time_limit=_setting(app.config["SEARCH_TIME_LIMIT"], "DUIZHAO_SEARCH_TIME_LIMIT", 0.5),
    )
    if engine is not None:
        st.engine = engine
        st.apply_time_limit()
    else:
        st.open()
    app.extensions["duizhao"] = st

    limiter = None
    rate = _setting(
        app.config["RATE_LIMIT"], "DUIZHAO_RATE_LIMIT", 0.0 if app.testing else DEFAULT_RATE
    )
    if rate > 0:
        burst = _setting(
            app.config["RATE_LIMIT_BURST"], "DUIZHAO_RATE_LIMIT_BURST", max(10.0, 2 * rate)
        )
        try:
            path = (
                app.config["RATE_LIMIT_FILE"]
                or os.environ.get("DUIZHAO_RATE_LIMIT_FILE")
                or default_path(st.index_dir)
            )
            limiter = RateLimiter(path, rate=rate, burst=int(burst))
        except DuizhaoError:  # a refused limiter file: close what was opened, then say so
            if st.engine is not None and engine is None:
                st.engine.backend.close()
            raise
    app.extensions["duizhao_limiter"] = limiter

    app.register_blueprint(ui.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.add_url_rule("/api/docs", "api_docs", api.docs_page)
    register_error_handlers(app)

    @app.before_request
    def _rate_limit() -> Response | None:
        if limiter is None or request.path.startswith("/static/"):
            return None
        d = limiter.check(request.remote_addr or "unknown")
        g.rate_decision = d  # read by web/rest.py for the RateLimit-* headers
        if d.allowed:
            return None
        return rate_limited(limiter.retry_after_header(d))

    @app.before_request
    def _check_input() -> None:
        # The app takes no request bodies: refuse a big one before anything reads it
        # (werkzeug only enforces MAX_CONTENT_LENGTH when the body is read).
        limit = app.config["MAX_CONTENT_LENGTH"]
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()
        check_raw_request(request.query_string, request.environ.get("PATH_INFO", ""))

    @app.after_request
    def _headers(resp: Response) -> Response:
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if request.path.startswith("/static/"):
            resp.headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    register_outputs(app)  # feeds, exports, charts and the REST hooks (web/rest.py)
    return app


DEFAULT_RATE = 50.0


def _setting(value: Any, env: str, default: float) -> float:
    """A number from the app config, else from the environment, else the default."""
    if value is None:
        raw = os.environ.get(env, "").strip()
        if not raw:
            return default
        try:
            return float(raw)
        except ValueError:
            raise DuizhaoError(f"{env} must be a number, got {raw[:20]!r}") from None
    return float(value)


def static_root() -> Path:
    return Path(__file__).resolve().parent / "static"
