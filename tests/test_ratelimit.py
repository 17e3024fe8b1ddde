"""Rate limiting (web/ratelimit.py): a token bucket per client in a shared SQLite file.

The point of the shared file is that the limit holds across server processes:
the last test runs two real waitress server processes on one limiter file and
checks that their combined rate is limited, not each one's.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest_web import build_index, configure_segmenter, make_app
from procs import owned_process
from web_apps import close_app

from web.ratelimit import RateLimiter, default_path

ROOT = Path(__file__).resolve().parents[1]


def test_bucket_allows_a_burst_then_refuses_then_refills(tmp_path: Path) -> None:
    rl = RateLimiter(tmp_path / "rl.sqlite", rate=2.0, burst=5)
    t = 1000.0
    assert all(rl.check("a", now=t).allowed for _ in range(5))
    d = rl.check("a", now=t)
    assert not d.allowed
    assert 0.4 < d.retry_after <= 0.5  # one token at 2/s
    assert rl.retry_after_header(d) == "1"
    assert rl.check("b", now=t).allowed  # other clients have their own bucket
    assert rl.check("a", now=t + 0.5).allowed  # one token back after 0.5 s
    assert not rl.check("a", now=t + 0.5).allowed
    # A long pause refills to the burst, not beyond.
    assert sum(rl.check("a", now=t + 100).allowed for _ in range(10)) == 5


def test_two_limiters_on_one_file_share_the_buckets(tmp_path: Path) -> None:
    a = RateLimiter(tmp_path / "rl.sqlite", rate=1.0, burst=4)
    b = RateLimiter(tmp_path / "rl.sqlite", rate=1.0, burst=4)
    t = 50.0
    allowed = [(a if i % 2 else b).check("ip", now=t).allowed for i in range(8)]
    assert sum(allowed) == 4


def _hammer(path: str, n: int, q: multiprocessing.Queue) -> None:
    rl = RateLimiter(path, rate=1.0, burst=20)
    # One fixed clock reading for every process: no refill, so the count does not
    # depend on how fast the processes ran.
    q.put(sum(rl.check("same-ip", now=1000.0).allowed for _ in range(n)))
    rl.close()


def test_processes_share_the_limit(tmp_path: Path) -> None:
    path = str(tmp_path / "rl.sqlite")
    RateLimiter(path).close()  # create the table before the race
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(path, 100, q)) for _ in range(3)]
    try:
        for p in procs:
            p.start()
        counts = [q.get(timeout=120) for _ in procs]  # an upper bound against a hang
    finally:
        for p in procs:
            if p.pid is not None:
                p.kill()  # a no-op for one that is done; one that hangs must not outlive us
                p.join()
        q.close()
    # 300 attempts at one moment: the shared bucket lets the burst through, not 3 bursts.
    assert sum(counts) == 20, counts


def test_unusable_file_lets_requests_through(tmp_path: Path) -> None:
    rl = RateLimiter(tmp_path / "rl.sqlite", rate=1.0, burst=1)
    rl.close()
    (tmp_path / "rl.sqlite").unlink()
    (tmp_path / "rl.sqlite").mkdir()  # now the path is a folder: sqlite cannot open it
    assert rl.check("x").allowed


def test_default_path_is_per_index(tmp_path: Path) -> None:
    assert default_path(str(tmp_path / "a")) != default_path(str(tmp_path / "b"))
    assert default_path(str(tmp_path / "a")) == default_path(str(tmp_path / "a"))


# --- in the app -----------------------------------------------------------------------------


def test_off_in_tests_unless_enabled(tmp_path_factory: pytest.TempPathFactory) -> None:
    app = make_app(tmp_path_factory.mktemp("rl-off"))
    assert app.extensions["duizhao_limiter"] is None
    c = app.test_client()
    configure_segmenter()
    assert all(c.get("/api/v1/health").status_code == 200 for _ in range(30))
    close_app(app)


def test_429_is_the_json_error_shape_with_retry_after(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    app = make_app(
        tmp_path_factory.mktemp("rl-on"),
        # 1 token per 1000 s: none comes back during the test, however slowly it runs.
        RATE_LIMIT=0.001,
        RATE_LIMIT_BURST=3,
        RATE_LIMIT_FILE=str(tmp_path / "rl.sqlite"),
    )
    c = app.test_client()
    configure_segmenter()
    codes = [c.get("/api/v1/search?q=数据").status_code for _ in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]
    r = c.get("/api/v1/health")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.get_json() == {
        "error": {
            "code": "rate_limited",
            "message": "too many requests from your address",
            "status": 429,
            "hint": r.get_json()["error"]["hint"],
        }
    }
    assert "Content-Security-Policy" in r.headers
    # The UI gets a friendly page, same status.
    page = c.get("/search?q=数据")
    assert page.status_code == 429 and page.mimetype == "text/html"
    # Static files are not limited (a page needs its stylesheet).
    r = c.get("/static/style.css")
    assert r.status_code == 200
    r.close()
    close_app(app)


# --- two real server processes ---------------------------------------------------------------

SERVER = textwrap.dedent(
    """
    import sys
    from waitress import serve
    from web.app import create_app
    app = create_app({"INDEX_DIR": sys.argv[1], "GLOSSARY_CEDICT": False,
                      "RATE_LIMIT": 0.001, "RATE_LIMIT_BURST": 5, "RATE_LIMIT_FILE": sys.argv[2]})
    serve(app, host="127.0.0.1", port=int(sys.argv[3]), threads=4, _quiet=True)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        with e:
            body = json.loads(e.read())
        assert body["error"]["status"] == e.code
        return e.code


@pytest.mark.slow
def test_two_server_processes_share_one_limit(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    pytest.importorskip("waitress")
    index = build_index(tmp_path_factory.mktemp("rl-servers"))
    limiter_file = str(tmp_path / "shared.sqlite")
    ports = [_free_port(), _free_port()]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    with contextlib.ExitStack() as stack:
        # Each server is owned: stopped and reaped on every path when the block ends.
        procs = [
            stack.enter_context(
                owned_process(
                    [sys.executable, "-c", SERVER, str(index), limiter_file, str(p)],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=stack.enter_context(log.open("wb")),
                )
            )
            for p, log in zip(ports, logs, strict=True)
        ]
        for p, proc, log in zip(ports, procs, logs, strict=True):
            deadline = time.monotonic() + 60  # an upper bound for the start-up
            while True:
                assert proc.poll() is None, log.read_text(errors="replace")
                try:
                    socket.create_connection(("127.0.0.1", p), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
        # Start-up probes only connected: no bucket exists yet.
        codes = [_get(ports[i % 2], "/api/v1/health") for i in range(60)]
    # One shared bucket of 5 that refills 1 token per 1000 s (none comes back while the
    # 60 requests, each bounded by its 10 s timeout, run): exactly 5 get through. Two
    # separate limiters would let 10 through.
    assert set(codes) <= {200, 429}
    assert codes.count(200) == 5, codes
    # Both servers refused some requests (each sees the other's traffic).
    assert 429 in codes[0::2] and 429 in codes[1::2]
