"""The served app as clients reach it: the buffering front server (web/front.py) before
the app server, tried with slow clients, malformed requests, OPTIONS and a forged Host.

One real ``duizhao serve`` (gunicorn, 2 processes) on 127.0.0.1 over the fixture
documents, owned by a fixture that stops and reaps it on every path. Clients use
their own loopback addresses (127.0.0.x), as distinct users would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from procs import REACT_WITHIN

from web.front import PER_CLIENT, Front

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://cite.example.org/duizhao"
DOC_ID = "law-pipl"  # in tests/fixtures/docs.jsonl

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(
    tmp: Path, *serve_args: str, sigint_ignored: bool = False
) -> Iterator[subprocess.Popen]:
    """``duizhao serve`` over the fixture documents, answering on ``--port``; stopped and
    reaped (its whole process group) on every path. ``sigint_ignored``: started as a
    shell script's background job is, with SIGINT ignored."""
    # A low rate limit (1/s, burst 10) to see whose address the app limits; the other
    # tests send each request from an address of its own (fresh()).
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DUIZHAO_RATE_LIMIT": "1",
        "DUIZHAO_RATE_LIMIT_BURST": "10",
    }
    for var in ("DUIZHAO_INDEX", "DUIZHAO_GLOSSARY", "DUIZHAO_BASE_URL"):
        env.pop(var, None)
    index = tmp / "ix"
    cli = [sys.executable, "-m", "web.cli", "--index", str(index)]
    if not index.exists():
        subprocess.run(
            [*cli, "index", str(ROOT / "tests/fixtures/docs.jsonl"), "--procs", "1", "--quiet"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = serve_args[serve_args.index("--port") + 1]
    with open(tmp / "serve.log", "wb") as log:
        # exec keeps the pid, so the process group and proc.wait() are the server's.
        wrap = ["bash", "-c", 'trap "" INT; exec "$@"', "bash"] if sigint_ignored else []
        proc = subprocess.Popen(
            [*wrap, *cli, "serve", *serve_args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/api/v1/health"
                    with urllib.request.urlopen(url, timeout=10):
                        break
                except (OSError, urllib.error.HTTPError):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError((tmp / "serve.log").read_text()) from None
                    time.sleep(0.3)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):  # already gone: fine
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


SERVED: dict[int, subprocess.Popen] = {}  # the server process answering on a port


def _serve_with(factory: pytest.TempPathFactory, name: str, workers: int) -> Iterator[int]:
    """The port of a running ``duizhao serve --workers N --base-url BASE_URL``."""
    port = _free_port()
    args = ("--port", str(port), "--workers", str(workers), "--base-url", BASE_URL)
    with running_server(factory.mktemp(name), *args) as proc:
        SERVED[port] = proc
        yield port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a running ``duizhao serve`` (gunicorn, 2 processes)."""
    yield from _serve_with(tmp_path_factory, "front", 2)


_ADDRESSES = itertools.count(1)


def fresh() -> str:
    """A loopback address no other request used: its own rate-limit bucket."""
    n = next(_ADDRESSES)
    return f"127.0.{100 + n // 250}.{n % 250 + 1}"


def connect(port: int, source: str | None = None) -> socket.socket:
    source = source or fresh()
    return socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))


def read_answer(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One whole answer from a connection the server closes (or that says its length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "-1"))
    while length < 0 or len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split(" ")[1]), headers, body


def raw(port: int, request: bytes, source: str | None = None) -> tuple[int, dict[str, str], bytes]:
    with connect(port, source) as s:
        s.sendall(request)
        return read_answer(s)


def get(port: int, path: str, source: str | None = None, host: str = "127.0.0.1") -> tuple:
    req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    return raw(port, req, source)


def assert_error_shape(status: int, headers: dict[str, str], body: bytes) -> dict:
    assert headers["content-type"].startswith("application/json"), (status, body[:200])
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    err = json.loads(body)["error"]
    assert err["status"] == status and err["code"] and err["message"]
    return err


# --- slow clients ---------------------------------------------------------------------------


def test_a_normal_request_is_answered_while_slow_clients_hold_sockets(served: int) -> None:
    # Slowloris: many sockets, each from its own address, trickling a request head one
    # byte at a time. A server that gives each a worker thread while it reads has none
    # left for anyone else.
    slow = [connect(served, f"127.0.1.{i + 1}") for i in range(40)]
    stop = threading.Event()

    def trickle() -> None:
        head = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
        for byte_no in range(len(head)):
            for s in slow:
                with contextlib.suppress(OSError):  # closed by the server: fine
                    s.sendall(head[byte_no : byte_no + 1])
            if stop.wait(0.5):
                return

    t = threading.Thread(target=trickle)
    t.start()
    try:
        time.sleep(1.0)  # every slow socket has started its request
        status, _h, body = get(served, "/api/v1/search?q=%E6%95%B0%E6%8D%AE", "127.0.2.1")
        assert status == 200 and json.loads(body)["hits"]
    finally:
        stop.set()
        t.join(timeout=30)
    try:
        # The head never completes: the server gives up on it (408 or a plain close)
        # instead of waiting for ever. (The read's timeout is a generous upper bound.)
        slow[0].settimeout(60)
        answer = slow[0].recv(65536)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408 ")
    finally:
        for s in slow:
            s.close()


def test_connections_per_client_address_are_bounded(served: int) -> None:
    held = [connect(served, "127.0.3.1") for _ in range(PER_CLIENT)]
    try:
        time.sleep(0.5)  # the front has taken them all
        status, headers, body = get(served, "/api/v1/health", "127.0.3.1")
        assert status == 429
        assert_error_shape(status, headers, body)
        # Other addresses are served meanwhile.
        assert get(served, "/api/v1/health", "127.0.3.2")[0] == 200
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 30
    while get(served, "/api/v1/health", "127.0.3.1")[0] != 200:
        assert time.monotonic() < deadline, "the address stayed refused after closing"
        time.sleep(0.2)


def test_kept_alive_connection_serves_several_requests(served: int) -> None:
    req = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
    with connect(served) as s:
        for _ in range(3):
            s.sendall(req)
            status, headers, body = read_answer(s)
            assert status == 200 and json.loads(body)["status"]
            assert headers["connection"] == "keep-alive"


@pytest.fixture(scope="module")
def served_by_waitress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a running ``duizhao serve --workers 1`` (waitress)."""
    yield from _serve_with(tmp_path_factory, "front1", 1)


@pytest.mark.parametrize("server", ["served", "served_by_waitress"])
def test_pooled_answers_are_byte_identical_to_a_connection_per_request(
    server: str, request: pytest.FixtureRequest
) -> None:
    served = request.getfixturevalue(server)
    # Two fronts in this process before the served app server (gunicorn or waitress):
    # kept-alive HTTP/1.1 connections, and HTTP/1.0 with a connection per request (the
    # relay before the pool). Each request from an address of its own on each side (the
    # rate limit's headers), answers compared whole but for what changes every time.
    proc = SERVED[served]
    (front_pid,) = [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and _ppid(pid) == proc.pid and b"web.front" in _cmdline(pid)
    ]
    argv = _cmdline(front_pid).split(b"\0")
    backend = argv[argv.index(b"--backend") + 1].decode()
    get_ = [(b"host", b"127.0.0.1")]
    requests: list[tuple[bytes, bytes, list[tuple[bytes, bytes]], bytes]] = [
        (b"GET", "/api/v1/search?q=个人信息".encode(), get_, b""),
        (b"GET", b"/api/v1/search?q=%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF&facets=1", get_, b""),
        (b"GET", b"/api/v1/search?q=data&page=2&per_page=1", get_, b""),
        (b"GET", b"/search?q=%E6%95%B0%E6%8D%AE", get_, b""),
        (b"GET", f"/api/v1/documents/{DOC_ID}".encode(), get_, b""),
        (b"GET", f"/doc/{DOC_ID}".encode(), get_, b""),
        (b"HEAD", b"/api/v1/health", get_, b""),
        (b"GET", b"/api/v1/openapi.json", get_, b""),
        (b"GET", b"/no/such/page", get_, b""),
        (b"GET", b"/api/v1/health", [], b""),  # an HTTP/1.0 client's, without a Host
        (b"GET", b"/api/v1/search?q=%22", get_, b""),
        (
            b"POST",
            b"/api/v1/mentions",
            [
                *get_,
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", b"23"),
            ],
            b"text=%E6%95%B0%E6%8D%AE",
        ),
    ]

    varying = (b"date:", b"x-request-id:", b"x-cache:", b"content-length:")

    def steady(answer: bytes, method: bytes) -> bytes:
        """The answer without what changes from one request to the next: the date, the
        request id, whether the result cache held it, the search's time (so the length
        too, once checked)."""
        head, sep, body = answer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = [h.partition(b":")[2].strip() for h in lines if h.lower().startswith(varying[3])]
        if method != b"HEAD" and b" 304 " not in lines[0]:
            assert length == [str(len(body)).encode()], head
        body = re.sub(rb'"took_ms": ?-?[0-9.e+-]+', b'"took_ms":0', body)
        body = re.sub(rb"\xc2\xb7 [0-9]+ ms</span>", b"\xc2\xb7 0 ms</span>", body)
        return b"\r\n".join(h for h in lines if not h.lower().startswith(varying)) + sep + body

    async def ask() -> tuple[list[bytes], list[bytes], int]:
        pooled, plain = Front(backend, threads=8), Front(backend, threads=8, pool=0)
        got: tuple[list[bytes], list[bytes]] = ([], [])
        try:
            # A conditional request, with the ETag the app gave (a 304).
            first = await plain._relay(b"GET", b"/api/v1/search?q=x", get_, b"", fresh(), True)
            (etag,) = [
                h.partition(b":")[2].strip()
                for h in first.partition(b"\r\n\r\n")[0].split(b"\r\n")
                if h.lower().startswith(b"etag:")
            ]
            requests.append((b"GET", b"/api/v1/search?q=x", [*get_, (b"if-none-match", etag)], b""))
            for _ in range(2):  # the second round on kept connections
                for method, target, headers, body in requests:
                    for front, out in ((pooled, got[0]), (plain, got[1])):
                        answer = await front._relay(method, target, headers, body, fresh(), True)
                        out.append(steady(answer, method))
            return got[0], got[1], pooled.pool.opened
        finally:
            pooled.pool.close()

    pooled, plain, opened = asyncio.run(ask())
    statuses = {int(a.split(b" ", 2)[1]) for a in pooled}
    assert {200, 404, 400, 304} <= statuses, statuses
    assert 503 not in statuses
    for i, (a, b) in enumerate(zip(pooled, plain, strict=True)):
        assert a == b, (requests[i % len(requests)][:2], a[:600], b[:600])
    assert opened < len(pooled)  # kept connections were used


# --- the server's own errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", 431),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413),
        (b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    ],
)
def test_malformed_requests_get_the_json_error_shape(
    served: int, request_bytes: bytes, status: int
) -> None:
    got, headers, body = raw(served, request_bytes)
    assert got == status, body[:200]
    assert_error_shape(got, headers, body)


def test_raw_utf8_in_the_path_reaches_the_app(served: int) -> None:
    # curl sends non-ASCII unencoded; the app answers it like the encoded form.
    target = "/api/v1/search?q=数据".encode()
    status, headers, body = raw(served, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200, body[:200]
    assert json.loads(body)["query"] == "数据"
    assert "content-security-policy" in headers


@pytest.mark.parametrize("path", ["/api/v1/search?q=x", "/search", "/", "/api/v1/health"])
def test_options_is_405_in_the_json_shape(served: int, path: str) -> None:
    status, headers, body = raw(
        served, f"OPTIONS {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert status == 405
    if path.startswith("/api/"):
        err = assert_error_shape(status, headers, body)
        assert err["code"] == "method_not_allowed"
    assert "OPTIONS" not in headers["allow"] and "GET" in headers["allow"]


# --- the citation line ----------------------------------------------------------------------


def test_citation_uses_the_configured_base_url_not_the_host_header(served: int) -> None:
    status, _h, body = get(served, f"/doc/{DOC_ID}", host="evil.example.com")
    html = body.decode()
    assert status == 200
    assert f"{BASE_URL}/doc/{DOC_ID}" in html
    assert "evil.example.com" not in html


def test_the_rate_limit_counts_the_real_address_not_a_forwarded_one(served: int) -> None:
    # Forwarding headers a client sends (in any spelling) are dropped by the front: each
    # request below claims another address, but all come from one, whose burst (10)
    # runs out; another address is served meanwhile.
    statuses = []
    with connect(served, "127.0.5.1") as s:
        for i in range(40):
            s.sendall(
                f"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.{i}\r\n"
                f"X_Forwarded_For: 10.1.0.{i}\r\nForwarded: for=10.2.0.{i}\r\n"
                f"X-Real-IP: 10.3.0.{i}\r\n\r\n".encode()
            )
            status, headers, body = read_answer(s)
            statuses.append(status)
            if status == 429:
                assert_error_shape(status, headers, body)
                break
    assert statuses[-1] == 429, statuses
    assert get(served, "/api/v1/health", "127.0.5.2")[0] == 200


@pytest.mark.parametrize("sigint_ignored", [False, True], ids=["plain", "background-job"])
def test_the_server_stops_with_a_clear_error_when_its_front_dies(
    tmp_path: Path, sigint_ignored: bool
) -> None:
    # Without its front nobody can reach the app: a server process that lived on would
    # hide that from whatever supervises it. A script's background job starts with SIGINT
    # ignored, the signal the front watcher stops the server with (two CI runs started
    # that way hung here).
    port = str(_free_port())
    with running_server(
        tmp_path, "--port", port, "--workers", "1", sigint_ignored=sigint_ignored
    ) as proc:
        fronts = [
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit() and _ppid(pid) == proc.pid and b"web.front" in _cmdline(pid)
        ]
        assert len(fronts) == 1
        os.kill(fronts[0], signal.SIGKILL)
        assert proc.wait(timeout=REACT_WITHIN) == 1
    log = (tmp_path / "serve.log").read_text()
    assert "error: the front server stopped unexpectedly" in log
    assert "Traceback" not in log


def _ppid(pid: str) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
