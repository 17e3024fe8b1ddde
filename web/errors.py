"""Error translation for the web faces: every failure becomes one shape.

Place in the flow: engine / index errors (``index.errors``) and HTTP errors
(werkzeug) -> **errors** -> a JSON error body (API, ``/api/...``) or a friendly
HTML page with the hint (UI).

The JSON shape, everywhere, including 404/405/413/429 and unexpected 500s::

    {"error": {"code": "invalid_query", "message": "...", "hint": "...", "status": 400}}

No traceback or exception text of an unexpected error ever reaches a client;
it goes to the server log only.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from index.errors import DuizhaoError

log = logging.getLogger("duizhao.web")

# Stable machine codes for the HTTP errors werkzeug raises.
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    503: "unavailable",
}

HTTP_HINTS = {
    404: "check the address; the API lives under /api/v1/ (see /api/v1/openapi.json)",
    405: "this endpoint only answers GET (and HEAD)",
    413: "send a smaller request",
    414: "shorten the query",
    429: "slow down and retry in a moment",
    500: "try again; if it keeps happening, tell the operator",
}


def error_body(status: int, code: str, message: str, hint: str = "") -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message, "status": status}
    if hint:
        err["hint"] = hint
    return {"error": err}


def wants_json() -> bool:
    """API paths answer JSON; everything else gets HTML."""
    return request.path.startswith("/api/")


def _respond(status: int, code: str, message: str, hint: str = "") -> Response:
    if wants_json():
        resp = jsonify(error_body(status, code, message, hint))
        resp.status_code = status
        return resp
    html = render_template("error.html", status=status, code=code, message=message, hint=hint)
    return Response(html, status=status, mimetype="text/html")


def rate_limited(retry_after: str) -> Response:
    """The 429 answer of the rate limiter (web/ratelimit.py), with Retry-After."""
    resp = _respond(
        429,
        HTTP_CODES[429],
        "too many requests from your address",
        f"slow down and retry in {retry_after} s",
    )
    resp.headers["Retry-After"] = retry_after
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DuizhaoError)
    def _duizhao(e: DuizhaoError) -> Response:
        return _respond(e.status, e.code, e.message, e.hint)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> Response:
        status = e.code or 500
        message = e.description or e.name
        if status == 405:
            message = f"method {request.method} is not allowed here"
        resp = _respond(
            status, HTTP_CODES.get(status, "http_error"), message, HTTP_HINTS.get(status, "")
        )
        if status == 405 and e.valid_methods:  # type: ignore[attr-defined]
            resp.headers["Allow"] = ", ".join(e.valid_methods)  # type: ignore[attr-defined]
        return resp

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Response:
        # The details go to the log, never to the client.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(
            500, "internal_error", "something went wrong on the server", HTTP_HINTS[500]
        )
