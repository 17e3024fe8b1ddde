"""Registers the outputs people and programs reuse on the app, in one call.

Place in the flow: web/app.py ``create_app`` -> **register_outputs** -> the REST
hooks (web/rest.py), the Atom feeds (web/feeds.py), the exports
(web/exports.py) and the charts (web/charts.py); plus template helpers that
give the search page its feed, export and chart links from the current
query string.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.datastructures import MultiDict

from web import charts, exports, feeds, rest
from web.params import SEARCH_PARAMS, known_args


def search_args() -> MultiDict:
    """The request's search parameters; tracking and other unknown names dropped."""
    return known_args(request.args, SEARCH_PARAMS)[0]


def register_outputs(app: Flask) -> None:
    rest.register(app)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(exports.bp, url_prefix="/api/v1")
    app.register_blueprint(charts.bp)

    @app.context_processor
    def _links() -> dict[str, Any]:
        # Links carry the search's own parameters only: never tracking or unknown ones.
        def search_feed_url() -> str:
            return feeds.feed_url(search_args())

        def search_export_url(fmt: str) -> str:
            return exports.export_url(search_args(), fmt)

        def search_charts(resp: Any, req: Any) -> dict[str, Any]:
            return charts.page_charts(resp, req, search_args())

        return {
            "search_feed_url": search_feed_url,
            "search_export_url": search_export_url,
            "search_charts": search_charts,
        }
