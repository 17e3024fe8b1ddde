"""``duizhao serve``: the UI and REST API behind waitress (a production WSGI server).

Place in the flow: CLI (web/cli.py) -> **serve** -> create_app (web/app.py) -> waitress.

The engine is warmed before the socket opens -- the first search builds the
reader caches (document ordinals, facet columns), loads the segmenter
dictionary, and CC-CEDICT is loaded -- so the first user's request is as fast
as the rest.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from index.errors import DuizhaoError

WARM_QUERIES = ("数据安全", "platform economy")


def warm(app: Any) -> float:
    """Run a few searches (with facets) so caches are built; returns seconds spent."""
    from search.engine import SearchRequest

    t0 = time.perf_counter()
    st = app.extensions["duizhao"]
    try:
        engine = st.get_engine()
        if st.glossary is not None:
            # CC-CEDICT loads lazily on the first expansion miss (~5 s): load it now.
            st.glossary.cedict()
        for q in WARM_QUERIES:
            engine.search(SearchRequest(q=q, facets=True, per_page=20))
        st.doc_count()
    except DuizhaoError as e:
        # Serve anyway: pages and /api/v1/health say what is wrong (503) with the fix.
        print(f"warning: {e.message}" + (f" ({e.hint})" if e.hint else ""), file=sys.stderr)
    return time.perf_counter() - t0


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    index_dir: str | Path | None = None,
    threads: int = 8,
    config: dict[str, Any] | None = None,
    workers: int = 1,
) -> None:
    """Serve until interrupted. Binds to 127.0.0.1 unless told otherwise.

    ``workers == 1``: waitress, one process with ``threads`` threads. ``workers > 1``:
    gunicorn with that many processes (each ``threads // workers`` threads) forked
    from one warmed app, so a multi-core machine is used despite Python's GIL.
    """
    if workers > 1:
        _serve_gunicorn(host, port, index_dir, threads, config, workers)
        return
    from waitress import serve as waitress_serve

    from index import integrity
    from index.config import index_path
    from web.app import create_app

    cfg = dict(config or {})
    if index_dir:
        cfg["INDEX_DIR"] = str(index_dir)
    # The service opens only its configured index folder, never one a request names:
    # a Whoosh TOC is a pickle, and a crafted one could run code on open.
    integrity.restrict_to(index_path(cfg.get("INDEX_DIR")))
    app = create_app(cfg)
    secs = warm(app)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"Duizhao serving on http://{shown}:{port}/  (warmed in {secs:.1f}s; Ctrl-C to stop)",
        flush=True,
    )
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="duizhao",
        # Bounded request sizes: the API takes no bodies.
        max_request_body_size=64 * 1024,
        max_request_header_size=64 * 1024,
        channel_timeout=30,
        connection_limit=200,
        clear_untrusted_proxy_headers=True,
    )


def _serve_gunicorn(
    host: str,
    port: int,
    index_dir: str | Path | None,
    threads: int,
    config: dict[str, Any] | None,
    workers: int,
) -> None:
    from gunicorn.app.base import BaseApplication

    from index import integrity
    from index.config import index_path
    from web.app import create_app

    cfg = dict(config or {})
    if index_dir:
        cfg["INDEX_DIR"] = str(index_dir)
    integrity.restrict_to(index_path(cfg.get("INDEX_DIR")))
    app = create_app(cfg)
    secs = warm(app)  # in the master: workers fork with warm caches (copy-on-write)

    class _App(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": max(1, threads // workers),
                "timeout": 60,
                "graceful_timeout": 10,
                "limit_request_line": 8190,
                "limit_request_field_size": 16384,
                "preload_app": True,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "duizhao",
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    shown = f"[{host}]" if ":" in host else host
    print(
        f"Duizhao serving on http://{shown}:{port}/  ({workers} processes, warmed in "
        f"{secs:.1f}s; Ctrl-C to stop)",
        flush=True,
    )
    _App().run()
