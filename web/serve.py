"""``duizhao serve``: the UI and REST API behind a buffering front server.

Place in the flow: CLI (web/cli.py) -> **serve** -> front server (web/front.py, the
public address) -> waitress or gunicorn (a private Unix socket) -> create_app (web/app.py).

The engine is warmed before the socket opens -- the first search builds the
reader caches (document ordinals, facet columns), loads the segmenter
dictionary, and CC-CEDICT is loaded -- so the first user's request is as fast
as the rest.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from index.errors import DuizhaoError
from web import settings
from web.settings import setting

# The English titles load the title lexicon and modules that would otherwise cost the
# first such search (one per server process) a second or two; the last two are made of
# the commonest words of policy titles (管理, 服务, 加强, 发展, 办法, 意见 ...), whose postings
# the first pasted title of common words would otherwise read inside its time limit and be
# cut short.
WARM_QUERIES = (
    "数据安全",
    "platform economy",
    "Notice of the State Council on Data Security",
    "Interim Measures for the Administration of Public Services",
    "Opinions on Further Strengthening and Improving the Management of Industry Development",
)


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
        # The reduced CC-CEDICT of Chinese title parsing (~1 s), which the first pasted
        # Chinese title not in the index would load -- in every worker, after the fork.
        from search.title_lexicon import cedict_titles

        cedict_titles()
        st.doc_count()
    except DuizhaoError as e:
        # Serve anyway: pages and /api/v1/health say what is wrong (503) with the fix.
        print(f"warning: {e.message}" + (f" ({e.hint})" if e.hint else ""), file=sys.stderr)
    settle_gc(settings.value("GC_THRESHOLD", app.config.get("GC_THRESHOLD")))
    return time.perf_counter() - t0


def settle_gc(threshold: int) -> None:
    """Python's cyclic garbage collector, set for a warmed search process (the
    ``GC_THRESHOLD`` setting; 0 leaves Python's defaults). Called once, after warm-up
    and before gunicorn forks its workers.

    Why: warm-up leaves ~390k long-lived container objects (CC-CEDICT, the pinyin
    and glossary tables, the reader caches), and with Python's defaults (a collection
    every 700 net new objects, a full one when the old generation has grown by a
    quarter) each full collection walked all of them: 180-280 ms of CPU on one
    unlucky search every few dozen English titles, ~4 ms a title on average.
    Frozen, they are never scanned again (reference counting still frees any of them
    that is dropped; only a reference cycle among them would stay), and forked
    workers do not write to their shared pages when collecting. With a higher
    threshold a search's own short-lived objects (candidate documents, plans),
    which reference counting frees when it ends, rarely start a collection.
    """
    if threshold < 0:
        raise DuizhaoError(
            f"GC_THRESHOLD must be 0 or more, got {threshold}",
            hint="unset DUIZHAO_GC_THRESHOLD, or set 0 for Python's defaults",
        )
    if threshold == 0:
        return
    gc.collect()  # warm-up's own garbage is freed, not frozen
    gc.freeze()
    gc.set_threshold(threshold, *gc.get_threshold()[1:])


# long: the server's lifetime: the one try/finally must stop the front server and remove the
# private socket folder on every path, in the owner process only.
def serve(
    host: str = setting("HOST").default,
    port: int = setting("PORT").default,
    index_dir: str | Path | None = None,
    threads: int = setting("THREADS").default,
    config: dict[str, Any] | None = None,
    workers: int = 1,
) -> None:
    """Serve until interrupted. Binds to 127.0.0.1 unless told otherwise.

    The public address is held by the buffering front server (web/front.py, its own
    process), which hands only complete requests to the app server on a Unix socket in
    a fresh private folder. ``workers == 1``: that app server is waitress, one process
    with ``threads`` threads. ``workers > 1``: gunicorn with that many processes (each
    ``threads // workers`` threads) forked from one warmed app, so a multi-core machine
    is used despite Python's GIL.
    """
    from index.backends import restrict_to
    from index.config import index_path
    from web.app import create_app

    cfg = dict(config or {})
    if index_dir:
        cfg["INDEX_DIR"] = str(index_dir)
    # The service opens only its configured index, never one a request names: an
    # index's files (a Whoosh TOC is a pickle) could run code when opened.
    restrict_to(index_path(cfg.get("INDEX_DIR")))
    public = _listen(host, port)  # before warm-up: a port in use is said at once
    # mkdtemp: mode 0700 and an unpredictable name, so only this user reaches the app
    # server, and the front's X-Forwarded-For can be trusted.
    private = tempfile.mkdtemp(prefix="duizhao-")
    backend = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    front = None
    owner = os.getpid()
    stopping, died = threading.Event(), threading.Event()
    # The front watcher stops this process with SIGINT. A shell that starts a program in
    # the background (`duizhao serve &` in a script, a CI job) leaves SIGINT ignored, and
    # Python then installs no handler for it: the watcher's signal would do nothing and
    # the server would outlive its front. So the handler is Python's, whatever came in.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        backend_path = str(Path(private) / "app.sock")
        backend.bind(backend_path)
        backend.listen(1024)
        app = create_app(cfg)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
        secs = warm(app)
        front = _start_front(public, backend_path, threads)
        public.close()  # the front holds it now
        _watch(front, stopping, died)
        shown = f"[{host}]" if ":" in host else host
        what = f"{workers} processes, " if workers > 1 else ""
        print(
            f"Duizhao serving on http://{shown}:{port}/  ({what}warmed in {secs:.1f}s; "
            "Ctrl-C to stop)",
            flush=True,
        )
        try:
            if workers > 1:
                _serve_gunicorn(app, backend, threads, workers, front)
            else:
                _serve_waitress(app, backend, threads)
        except (SystemExit, KeyboardInterrupt):
            if os.getpid() != owner or not died.is_set():
                raise
        if died.is_set():
            raise DuizhaoError(
                "the front server stopped unexpectedly, so the server stopped too",
                hint="see the messages above, then start `duizhao serve` again",
            )
    finally:
        # gunicorn's worker processes leave through here too (SystemExit): only the
        # process that started the front stops it and removes the private folder.
        if os.getpid() == owner:
            public.close()
            with contextlib.suppress(OSError):  # gunicorn closes the fd it was given
                backend.close()
            stopping.set()
            if front is not None:
                _stop(front)
            shutil.rmtree(private, ignore_errors=True)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as e:
        sock.close()
        raise DuizhaoError(
            f"cannot listen on {host}:{port}: {e.strerror}",
            hint="choose another --port, or stop the program using that one",
        ) from None
    return sock


def _start_front(public: socket.socket, backend_path: str, threads: int) -> subprocess.Popen:
    fd = public.fileno()
    args = ["--fd", str(fd), "--backend", backend_path, "--threads", str(threads)]
    return subprocess.Popen(
        [sys.executable, "-m", "web.front", *args],
        pass_fds=(fd,),
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.DEVNULL,
        # Its own session: Ctrl-C or a signal to the whole group stops the server
        # process, which then stops the front (it also leaves if that process dies).
        start_new_session=True,
    )


def _watch(front: subprocess.Popen, stopping: threading.Event, died: threading.Event) -> None:
    """Stop serving if the front server dies: without it nobody can reach the app, and a
    process that lives on would hide that from whatever supervises it."""

    def wait() -> None:
        front.wait()
        if not stopping.is_set():
            died.set()
            os.kill(os.getpid(), signal.SIGINT)  # waitress and gunicorn both stop on it

    threading.Thread(target=wait, name="duizhao-front-watch", daemon=True).start()


def _stop(front: subprocess.Popen) -> None:
    if front.poll() is None:
        front.terminate()
        try:
            front.wait(timeout=10)
        except subprocess.TimeoutExpired:
            front.kill()
            front.wait()


def _serve_waitress(app: Any, backend: socket.socket, threads: int) -> None:
    from waitress import serve as waitress_serve

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # SIGTERM ends serve() like Ctrl-C does (waitress has no handler for it), so the
    # front is stopped and the private folder removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    waitress_serve(
        app,
        sockets=[backend],
        threads=threads,
        ident="duizhao",
        # Bounded request sizes: the API takes no bodies (the front checks them first).
        max_request_body_size=64 * 1024,
        max_request_header_size=64 * 1024,
        channel_timeout=30,
        connection_limit=200,
        # Only the front reaches this socket; ProxyFix reads its X-Forwarded-For.
        clear_untrusted_proxy_headers=False,
        _quiet=True,
    )


def _serve_gunicorn(
    app: Any,
    backend: socket.socket,
    threads: int,
    workers: int,
    front: subprocess.Popen | None = None,
) -> None:
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    class _Arbiter(Arbiter):
        def stop(self, graceful: bool = True) -> None:
            # A stopping worker keeps each idle kept-alive connection open for up to 2 s
            # (a request may be on its way): the front closes its idle ones first
            # (SIGUSR1, web/front.py), so the workers leave at once.
            # (send_signal: nothing if the front has already been reaped.)
            if front is not None:
                with contextlib.suppress(OSError):
                    front.send_signal(signal.SIGUSR1)
            super().stop(graceful)

    class _App(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"fd://{backend.fileno()}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": max(1, threads // workers),
                "timeout": 60,
                # The front keeps its connections to us alive (web/front.py, BackendPool)
                # for POOL_IDLE (2 s) at most: idle ones are closed here only after that.
                "keepalive": 5,
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

        def run(self) -> None:  # BaseApplication.run with the arbiter above
            try:
                _Arbiter(self).run()
            except RuntimeError as e:
                print(f"\nError: {e}\n", file=sys.stderr, flush=True)
                sys.exit(1)

    _App().run()
