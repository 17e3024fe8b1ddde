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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from index.errors import DuizhaoError
from index.glossary import load_glossary
from web import api, settings, ui
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
# Added to every answer that has none of its own (after the views: a view's own wins).
PAGE_HEADERS = (*SECURITY_HEADERS.items(), ("Cache-Control", "no-store"))
STATIC_HEADERS = (*SECURITY_HEADERS.items(), ("Cache-Control", "public, max-age=3600"))

DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": None,  # None: index.config.index_path() ($DUIZHAO_INDEX or ./instance/index)
    "GLOSSARY_FILES": None,  # user glossary files; None: $DUIZHAO_GLOSSARY
    "GLOSSARY_CEDICT": True,  # CC-CEDICT fallback for glossary lookups
    "GLOSSARY": None,  # a ready Glossary (tests); overrides the two above
    "ENGINE": None,  # a ready Engine (tests); overrides INDEX_DIR
    "JSON_SORT_KEYS": False,
    # Every route answers GET/HEAD only: OPTIONS is a 405 too (as the README says).
    "PROVIDE_AUTOMATIC_OPTIONS": False,
    # The server settings (web/settings.py: what each means, its variable, its default).
    **settings.config_defaults(settings.APP_SETTINGS),
}


# long: the app factory; the request hooks at its end are closures over this app's state and
# limiter.
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
        time_limit=settings.value("SEARCH_TIME_LIMIT", app.config["SEARCH_TIME_LIMIT"]),
        # Off in tests unless asked for (tests inject clocks and faults into searches).
        result_cache=(
            settings.value(
                "RESULT_CACHE_ENTRIES",
                app.config["RESULT_CACHE_ENTRIES"],
                0 if app.testing else None,
            ),
            int(settings.value("RESULT_CACHE_MB", app.config["RESULT_CACHE_MB"]) * 2**20),
        ),
    )
    if engine is not None:
        st.engine = engine
        st.apply_time_limit()
    else:
        st.open()
    app.extensions["duizhao"] = st

    limiter = None
    rate = settings.value("RATE_LIMIT", app.config["RATE_LIMIT"], 0.0 if app.testing else None)
    if rate > 0:
        burst = settings.value(
            "RATE_LIMIT_BURST", app.config["RATE_LIMIT_BURST"], max(10.0, 2 * rate)
        )
        try:
            path = settings.value(
                "RATE_LIMIT_FILE", app.config["RATE_LIMIT_FILE"] or None
            ) or default_path(st.index_dir)
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
        # The names present are looked at once: a setdefault per header scans the list
        # each time (~25 us of every request's ~1.5 ms when the search is cached).
        have = {k.lower() for k, _v in resp.headers}
        static = request.path.startswith("/static/")
        add = STATIC_HEADERS if static else PAGE_HEADERS
        resp.headers.extend([(k, v) for k, v in add if k.lower() not in have])
        return resp

    register_outputs(app)  # feeds, exports, charts and the REST hooks (web/rest.py)
    return app


def static_root() -> Path:
    return Path(__file__).resolve().parent / "static"
