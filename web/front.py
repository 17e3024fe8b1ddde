"""The buffering front server: slow clients never reach a worker thread.

Place in the flow: client -> **front** (this asyncio process, the public
address) -> backend (gunicorn or waitress on a Unix socket in the server's
private folder, web/serve.py) -> create_app (web/app.py).

Threaded servers give each connection a thread while its request is read, so
a few sockets that send one header byte every few seconds (slowloris) hold all
of them. Here a connection costs one coroutine until its whole request (head
and body) has arrived, within ``HEADER_TIMEOUT`` and ``BODY_TIMEOUT``; only a
complete request is passed to the backend, whose full answer is read before it
is written back, so a slow reader does not hold a worker either (requests reach the
backend on kept-alive connections, ``BackendPool``). Each client
address may hold at most ``PER_CLIENT`` connections (``MAX_CONNECTIONS`` in
all). Malformed or oversized requests are answered here, in the app's JSON
error shape with its security headers (web/errors.py, web/app.py).

The backend is reachable only through the private folder (mode 0700), so the
``X-Forwarded-For`` set here (every client-sent forwarding header is dropped)
is the one the app trusts for the client's address (rate limiting).

    python -m web.front --fd N --backend /path/backend.sock
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import json
import logging
import os
import re
import resource
import signal
import socket
import sys
import time
from http import HTTPStatus

from search.cost import Cost
from web.admission import Admission, Limits, Refused, request_cost
from web.app import SECURITY_HEADERS
from web.errors import HTTP_CODES, HTTP_HINTS, error_body

HEADER_TIMEOUT = 10.0  # seconds for a whole request head, from the first wait
IDLE_TIMEOUT = 5.0  # seconds a kept-alive connection may wait for its next request
BODY_TIMEOUT = 10.0  # seconds for a request body
WRITE_TIMEOUT = 30.0  # seconds for a client to take the answer
BACKEND_TIMEOUT = 70.0  # above gunicorn's worker timeout (60 s): its answer comes first
# Kept-alive connections to the app server (BackendPool): at most POOL_SIZE idle ones
# (None: one per app server thread, the most the admission lets be in use at once), each
# kept POOL_IDLE seconds at most -- under the app server's keep-alive (web/serve.py).
POOL_SIZE: int | None = None
POOL_IDLE = 2.0
MAX_ANSWER_HEAD = 64 * 1024  # the app server's answer head (the app's are under 2 KB)
PER_CLIENT = 32  # open connections per client address
MAX_CONNECTIONS = 1024  # open connections in all
MAX_REQUESTS = 1000  # requests per kept-alive connection
MAX_LINE = 8190  # request line (gunicorn's default limit)
MAX_FIELD = 16384  # one header line
MAX_HEAD = 32 * 1024  # the whole head
MAX_FIELDS = 100
MAX_BODY = 64 * 1024  # the API takes no bodies (same as the app's MAX_CONTENT_LENGTH)
# Admission (web/admission.py): requests passed to the app server at once. Costly
# searches and exports (search/cost.py) get COSTLY_SLOTS of the app server's threads
# (+ EXPORT_SLOTS), ordinary requests the rest, so a flood of costly searches never holds
# every thread.
COSTLY_SLOTS = 1  # costly searches at once, in all (each may use a core for 0.5 s)
# Exports at once, apart from costly searches; 0: they take COSTLY_SLOTS too (on 2
# cores a lane of their own let an export and a costly search take both cores).
EXPORT_SLOTS = 0
PER_CLIENT_REQUESTS = 4  # requests admitted or waiting per client address
PER_CLIENT_COSTLY = 1  # costly searches at once per client address
QUEUE_WAIT = 2.0  # seconds an ordinary request may wait for a free thread, then 503
COSTLY_SHARE = 0.5  # of the time, at most, the costly lane is busy (it pauses after each)

log = logging.getLogger("duizhao.front")

_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_TARGET = re.compile(rb"^/[\x21-\x7e\x80-\xff]*$")  # raw UTF-8 too, as curl sends it
_HIGH = re.compile(rb"[\x80-\xff]")
_VALUE_BAD = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# Hop-by-hop headers, and every header a client could use to pose as another address.
_DROP = {
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"te",
    b"upgrade",
    b"trailer",
    b"expect",  # the whole body is here already: the backend must not ask for it
    b"transfer-encoding",
    b"forwarded",
    b"x-forwarded-for",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-forwarded-port",
    b"x-forwarded-prefix",
    b"x-real-ip",
}


class HTTPError(Exception):
    """A request this server answers itself (and then closes the connection)."""

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint


def error_response(status: int, message: str, hint: str = "", head_only: bool = False) -> bytes:
    """A complete HTTP/1.1 answer in the app's JSON error shape, closing the connection."""
    body = json.dumps(
        error_body(
            status,
            HTTP_CODES.get(status, "http_error"),
            message,
            hint or HTTP_HINTS.get(status, ""),
        ),
        ensure_ascii=False,
    ).encode()
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        "Cache-Control: no-store",
        *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items()),
    ]
    if status == 405:
        lines.append("Allow: GET, HEAD")
    if status in (429, 503):
        lines.append("Retry-After: 1")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head_only else body)


class Front:
    """Accepts clients on a listening socket and relays whole requests to the backend."""

    def __init__(self, backend: str, threads: int = 8, pool: int | None = POOL_SIZE) -> None:
        self.backend = backend
        self.pool = BackendPool(backend, threads if pool is None else pool)
        self.admission = Admission(
            Limits(
                slots=max(1, threads - COSTLY_SLOTS - EXPORT_SLOTS),
                costly_slots=COSTLY_SLOTS,
                bulk_slots=EXPORT_SLOTS,
                per_client=PER_CLIENT_REQUESTS,
                per_client_costly=PER_CLIENT_COSTLY,
                queue_wait=QUEUE_WAIT,
                costly_share=COSTLY_SHARE,
            )
        )
        self.open: dict[str, int] = {}
        self.total = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        addr = peer[0] if isinstance(peer, tuple) and peer else "unknown"
        if self.total >= MAX_CONNECTIONS or self.open.get(addr, 0) >= PER_CLIENT:
            status = 503 if self.total >= MAX_CONNECTIONS else 429
            message = (
                "the server has too many open connections"
                if status == 503
                else f"too many open connections from your address (at most {PER_CLIENT})"
            )
            await self._send(
                writer, error_response(status, message, "close idle connections and retry")
            )
            await self._close(writer)
            return
        self.total += 1
        self.open[addr] = self.open.get(addr, 0) + 1
        try:
            await self._serve(reader, writer, addr)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:  # a bug here must cost one connection, not the server
            log.exception("front server: error on a connection from %s", addr)
        finally:
            self.total -= 1
            self.open[addr] -= 1
            if not self.open[addr]:
                del self.open[addr]
            await self._close(writer)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, addr: str
    ) -> None:
        for n in range(MAX_REQUESTS):
            method = b""
            try:
                # A connection that sends nothing (a browser's spare one, or a kept-alive
                # one done with) is closed without an answer.
                async with asyncio.timeout(HEADER_TIMEOUT if n == 0 else IDLE_TIMEOUT):
                    first = await reader.read(1)
            except TimeoutError:
                return
            if not first:
                return
            try:
                async with asyncio.timeout(HEADER_TIMEOUT):
                    method, target, version, headers = await read_head(reader, first)
                    length = body_length(headers)
                if version == b"HTTP/1.1" and not any(k == b"host" for k, _ in headers):
                    raise HTTPError(400, "an HTTP/1.1 request needs a Host header")
                if length and (b"expect", b"100-continue") in headers:
                    await self._send(writer, b"HTTP/1.1 100 Continue\r\n\r\n")
                async with asyncio.timeout(BODY_TIMEOUT):
                    body = await reader.readexactly(length) if length else b""
            except TimeoutError:
                await self._send(
                    writer,
                    error_response(
                        408, "the request took too long to arrive", "send the whole request at once"
                    ),
                )
                return
            except HTTPError as e:
                await self._send(
                    writer, error_response(e.status, e.message, e.hint, method == b"HEAD")
                )
                return
            # The last request a connection may carry is answered "Connection: close": a
            # client that was told keep-alive would send another and find it closed.
            keep = wants_keepalive(version, headers) and n + 1 < MAX_REQUESTS
            try:
                cost = cost_of(target)
            except Exception:  # a bug in the estimate must not cost the request
                log.exception("front server: cannot estimate the cost of a request")
                cost = Cost(0.0)
            try:
                async with self.admission.slot(addr, cost):
                    answer = await self._relay(method, target, headers, body, addr, keep)
            except Refused as e:
                await self._send(
                    writer, error_response(e.status, e.message, e.hint, method == b"HEAD")
                )
                return
            if not await self._send(writer, answer):
                return
            if not keep:
                return

    async def _relay(
        self,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        addr: str,
        keep: bool,
    ) -> bytes:
        # HTTP/1.1 on a kept connection (BackendPool); without a pool, HTTP/1.0 and a
        # connection per request, as before it.
        # Raw UTF-8 in the path (curl sends it) percent-encoded, as browsers send it.
        target = _HIGH.sub(lambda m: b"%%%02X" % m.group()[0], target)
        pooled = self.pool.size > 0
        out = [method + b" " + target + (b" HTTP/1.1" if pooled else b" HTTP/1.0")]
        out += [k + b": " + v for k, v in headers if k not in _DROP]
        out.append(b"X-Forwarded-For: " + addr.encode())
        if not pooled:
            out.append(b"Connection: close")
        request = b"\r\n".join(out) + b"\r\n\r\n" + body
        try:
            async with asyncio.timeout(BACKEND_TIMEOUT):
                raw = await self.pool.fetch(request, method)
        except (OSError, TimeoutError):
            return error_response(503, "the search service is not answering", "retry in a moment")
        except BadAnswer:
            return error_response(
                503, "the search service gave no valid answer", "retry in a moment"
            )
        return rewrite_response(raw, method == b"HEAD", keep)

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> bool:
        try:
            writer.write(data)
            async with asyncio.timeout(WRITE_TIMEOUT):
                await writer.drain()
            return True
        except (OSError, TimeoutError):
            return False

    async def _close(self, writer: asyncio.StreamWriter) -> None:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1.0):
                await writer.wait_closed()


class BadAnswer(Exception):
    """The app server's answer cannot be framed (a bad head, length or chunk)."""


class _Stale(Exception):
    """A kept connection the app server had closed: it read none of the request."""


class _Conn:
    """One connection to the app server, with the bytes read past the last answer."""

    __slots__ = ("sock", "buf", "since")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.since = 0.0


class BackendPool:
    """Kept-alive HTTP/1.1 connections to the app server (its Unix socket).

    A connection per request cost the front a connect and the app server an accept, a
    connection object, a parser and a close on every request. Here an answered
    connection goes back to the pool, at most ``size`` of them idle (the admission
    bounds those in use), each for ``idle`` seconds at most: under the app server's own
    keep-alive (web/serve.py), so it is rarely the app server that closes one first.
    If it did, a kept connection that gives no byte of an answer is dropped and a GET or
    HEAD asked again on a fresh one; any other method is only ever sent on a fresh
    connection, so it is never sent twice. Idle ones are taken oldest first, spreading
    requests over the app server's processes (each connection stays with the process
    that accepted it). ``size`` 0: a fresh connection for every request, closed after.
    """

    def __init__(self, path: str, size: int = 8, idle: float = POOL_IDLE) -> None:
        self.path = path
        self.size = size
        self.idle_for = idle
        self.idle: collections.deque[_Conn] = collections.deque()
        self.opened = 0  # connections made (tests)
        self.reused = 0  # requests sent on a kept connection (tests)

    async def fetch(self, request: bytes, method: bytes) -> bytes:
        """The app server's answer to ``request``: its head, a blank line and the body
        (de-chunked). Raises OSError (or TimeoutError, from the caller's timeout) when
        the app server is not answering, BadAnswer when its answer cannot be framed."""
        if method in (b"GET", b"HEAD"):
            while (kept := self._take()) is not None:
                self.reused += 1
                try:
                    return await self._exchange(kept, request, method, kept=True)
                except _Stale:
                    continue
        return await self._exchange(await self._connect(), request, method, kept=False)

    def close(self) -> None:
        while self.idle:
            self.idle.popleft().sock.close()

    def drain(self) -> None:
        """The app server is stopping: idle connections closed, none kept from now on
        (its workers would wait on each kept one before leaving)."""
        self.size = 0
        self.close()

    def _take(self) -> _Conn | None:
        """The oldest idle connection still open and young enough, if any."""
        now = time.monotonic()
        while self.idle:
            conn = self.idle.popleft()
            if now - conn.since <= self.idle_for and _still_open(conn.sock):
                return conn
            conn.sock.close()
        return None

    def _give_back(self, conn: _Conn) -> None:
        if len(self.idle) >= self.size:
            conn.sock.close()
            return
        conn.since = time.monotonic()
        self.idle.append(conn)

    async def _connect(self) -> _Conn:
        # Plain non-blocking socket calls: cheaper than a stream pair per connection.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, self.path)
        except BaseException:
            sock.close()
            raise
        self.opened += 1
        return _Conn(sock)

    async def _exchange(self, conn: _Conn, request: bytes, method: bytes, kept: bool) -> bytes:
        loop = asyncio.get_running_loop()
        reusable = False
        try:
            try:
                await loop.sock_sendall(conn.sock, request)
                head_end = await _read_until(loop, conn, b"\r\n\r\n", 0, MAX_ANSWER_HEAD)
            except (ConnectionError, _Eof):
                # Nothing of an answer came: on a kept connection the app server had
                # closed it (it closes idle ones) before reading the request.
                if kept and not conn.buf:
                    raise _Stale from None
                raise ConnectionResetError("the app server closed the connection") from None
            head = bytes(conn.buf[:head_end])
            code, close, length, chunked = _framing(head)
            while 100 <= code < 200:  # an interim answer (none is asked for): the next
                if code == 101:
                    raise BadAnswer("the app server switched protocols")
                del conn.buf[: head_end + 4]
                head_end = await _read_until(loop, conn, b"\r\n\r\n", 0, MAX_ANSWER_HEAD)
                head = bytes(conn.buf[:head_end])
                code, close, length, chunked = _framing(head)
            pos = head_end + 4
            if method == b"HEAD" or code in (204, 304):
                body = b""
            elif chunked:
                body, pos = await _read_chunked(loop, conn, pos)
            elif length is not None:
                await _read_to(loop, conn, pos + length)
                body, pos = bytes(conn.buf[pos : pos + length]), pos + length
            else:  # delimited by the close
                with contextlib.suppress(_Eof):
                    while True:
                        await _recv_more(loop, conn)
                body, pos, close = bytes(conn.buf[pos:]), len(conn.buf), True
            extra = len(conn.buf) > pos  # bytes nobody asked for: not kept
            del conn.buf[:pos]
            reusable = not close and not extra and self.size > 0
            return head + b"\r\n\r\n" + body
        except _Eof:
            raise BadAnswer("the answer ended early") from None
        finally:
            if reusable:
                self._give_back(conn)
            else:
                conn.sock.close()


class _Eof(Exception):
    pass


def _still_open(sock: socket.socket) -> bool:
    """An idle connection the app server has not closed (nor sent anything on)."""
    try:
        sock.recv(1, socket.MSG_PEEK)  # b"": closed; a byte: sent unasked
    except BlockingIOError:
        return True
    except OSError:
        pass
    return False


async def _recv_more(loop: asyncio.AbstractEventLoop, conn: _Conn) -> None:
    data = await loop.sock_recv(conn.sock, 256 * 1024)
    if not data:
        raise _Eof
    conn.buf += data


async def _read_until(
    loop: asyncio.AbstractEventLoop, conn: _Conn, sep: bytes, start: int, limit: int
) -> int:
    """The position of ``sep`` in the connection's bytes from ``start``, reading on."""
    while (at := conn.buf.find(sep, start)) < 0:
        if len(conn.buf) - start > limit:
            raise BadAnswer("an answer's head or chunk line is too long")
        await _recv_more(loop, conn)
    return at


async def _read_to(loop: asyncio.AbstractEventLoop, conn: _Conn, end: int) -> None:
    while len(conn.buf) < end:
        await _recv_more(loop, conn)


async def _read_chunked(
    loop: asyncio.AbstractEventLoop, conn: _Conn, pos: int
) -> tuple[bytes, int]:
    """A chunked body from ``pos``: its data, and the position after it (trailers
    dropped)."""
    parts = []
    while True:
        nl = await _read_until(loop, conn, b"\r\n", pos, 1024)
        size_text = bytes(conn.buf[pos:nl]).partition(b";")[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise BadAnswer("malformed chunk size")
        size, pos = int(size_text, 16), nl + 2
        if size == 0:
            while (nl := await _read_until(loop, conn, b"\r\n", pos, MAX_ANSWER_HEAD)) != pos:
                pos = nl + 2  # a trailer field
            return b"".join(parts), pos + 2
        await _read_to(loop, conn, pos + size + 2)
        if conn.buf[pos + size : pos + size + 2] != b"\r\n":
            raise BadAnswer("a chunk does not end where its size says")
        parts.append(bytes(conn.buf[pos : pos + size]))
        pos += size + 2


_FRAMING = re.compile(rb"\r\n(connection|content-length|transfer-encoding)[ \t]*:([^\r\n]*)")


def _framing(head: bytes) -> tuple[int, bool, int | None, bool]:
    """From an answer's head: status code, whether the app server closes the connection
    after it, the body's Content-Length (None if not given), whether it is chunked.
    Only the three framing fields are looked at (one search of the lowered head: the
    app's answers carry some twenty fields)."""
    status = head[: head.find(b"\r\n") if b"\r\n" in head else len(head)].split(b" ", 2)
    if len(status) < 2 or not status[0].startswith(b"HTTP/1.") or not status[1].isdigit():
        raise BadAnswer("malformed status line")
    close = status[0] != b"HTTP/1.1"
    lengths: set[bytes] = set()
    chunked = False
    for name, value in _FRAMING.findall(head.lower()):
        value = value.strip()
        if name == b"connection":
            close = close or b"close" in {t.strip() for t in value.split(b",")}
        elif name == b"content-length":
            lengths.add(value)
        else:
            chunked = value.split(b",")[-1].strip() == b"chunked"
            if not chunked:
                raise BadAnswer("a transfer coding other than chunked")
    if len(lengths) > 1 or (lengths and not next(iter(lengths)).isdigit()):
        raise BadAnswer("malformed Content-Length")
    length = int(lengths.pop()) if lengths and not chunked else None
    return int(status[1]), close, length, chunked


# Requests come back (a results page, its next page, a popular word): the cost of a
# target is a pure function of it, so the last few are remembered (~0.1 ms each to
# estimate: the query is parsed). Long targets are estimated every time, so the memory
# stays bounded (COST_MEMO x MEMO_TARGET bytes at most).
COST_MEMO = 2048
MEMO_TARGET = 512


@functools.lru_cache(maxsize=COST_MEMO)
def _memo_cost(target: bytes) -> Cost | None:
    return request_cost(target)


def cost_of(target: bytes) -> Cost | None:
    """:func:`web.admission.request_cost`, remembered for short targets."""
    return _memo_cost(target) if len(target) <= MEMO_TARGET else request_cost(target)


async def read_head(
    reader: asyncio.StreamReader, first: bytes
) -> tuple[bytes, bytes, bytes, list[tuple[bytes, bytes]]]:
    """Read and check a request head (CRLF line ends); raise HTTPError for anything
    malformed. One read for the whole head: per-line reads cost more than the parse."""
    try:
        head = first + await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        # Over MAX_HEAD without an end: a request line too long (414), else headers (431).
        start = first + await reader.read(MAX_LINE + 2)
        if b"\n" not in start:
            raise HTTPError(414, "the request line is too long") from None
        raise HTTPError(431, "the request headers are too large") from None
    lines = head[:-4].split(b"\r\n")
    line = lines[0]
    if len(line) > MAX_LINE:
        raise HTTPError(414, "the request line is too long")
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]):
        raise HTTPError(400, "malformed request line")
    method, target, version = parts
    if version not in (b"HTTP/1.0", b"HTTP/1.1"):
        raise HTTPError(400, "only HTTP/1.0 and HTTP/1.1 are spoken here")
    if method == b"OPTIONS" and target == b"*":
        raise HTTPError(405, "method OPTIONS is not allowed here")
    if not _TARGET.match(target):
        raise HTTPError(400, "the request target must be a path starting with /")
    if len(lines) - 1 > MAX_FIELDS:
        raise HTTPError(431, "too many request headers")
    headers: list[tuple[bytes, bytes]] = []
    for field in lines[1:]:
        if len(field) > MAX_FIELD:
            raise HTTPError(431, "a request header is too long")
        name, sep, value = field.partition(b":")
        # A bare LF, CR or other control character in a value, or a folded line (its
        # "name" starts with a space) is malformed.
        if not sep or not _TOKEN.match(name) or _VALUE_BAD.search(value):
            raise HTTPError(400, "malformed request header")
        if b"_" in name:
            # WSGI maps "_" and "-" to one name: such a header could pose as another.
            continue
        headers.append((name.lower(), value.strip(b" \t")))
    return method, target, version, headers


def body_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The body's length from Content-Length; chunked bodies are refused (none is needed)."""
    if any(k == b"transfer-encoding" for k, _ in headers):
        raise HTTPError(400, "chunked request bodies are not accepted", "send a Content-Length")
    values = {v for k, v in headers if k == b"content-length"}
    if not values:
        return 0
    if len(values) > 1 or not values.copy().pop().isdigit():
        raise HTTPError(400, "malformed Content-Length")
    length = int(values.pop())
    if length > MAX_BODY:
        raise HTTPError(413, "the request body is too large")
    return length


def wants_keepalive(version: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    tokens = {t.strip().lower() for k, v in headers if k == b"connection" for t in v.split(b",")}
    if version == b"HTTP/1.1":
        return b"close" not in tokens
    return b"keep-alive" in tokens


def rewrite_response(raw: bytes, head_only: bool, keep: bool) -> bytes:
    """The backend's answer with this connection's framing (length, keep-alive)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    if not sep or len(status) < 2 or not status[1].isdigit():
        return error_response(503, "the search service gave no valid answer", "retry in a moment")
    code = int(status[1])
    if code >= 400 and b"content-security-policy:" not in head.lower():
        # Not from the app (it adds the security headers to every answer): the app
        # server's own error page, in HTML. Said again in the JSON shape.
        return error_response(code, HTTPStatus(code).phrase.lower(), "", head_only)
    out = [b"HTTP/1.1 " + b" ".join(status[1:])]
    for h in lines[1:]:
        name = h.partition(b":")[0].strip().lower()
        if name in (b"connection", b"keep-alive", b"transfer-encoding"):
            continue
        if name == b"content-length" and not head_only:
            continue
        out.append(h)
    if not head_only and code >= 200 and code not in (204, 304):
        out.append(b"Content-Length: " + str(len(body)).encode())
    out.append(b"Connection: keep-alive" if keep else b"Connection: close")
    return b"\r\n".join(out) + b"\r\n\r\n" + (b"" if head_only else body)


async def run(
    sock: socket.socket, backend: str, threads: int = 8, pool: int | None = POOL_SIZE
) -> None:
    front = Front(backend, threads, pool)
    request_cost(b"/search?q=warm")  # loads the segmenter now, not on a client's request
    # The stream limit bounds the one readuntil() of a head.
    server = await asyncio.start_server(front.handle, sock=sock, limit=MAX_HEAD)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, front.pool.drain)  # from web/serve.py
    parent = os.getppid()
    async with server:
        while not stop.is_set():
            # The server process that started us is gone: nobody would stop us.
            if os.getppid() != parent:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await stop.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fd", type=int, required=True, help="listening socket (inherited)")
    p.add_argument("--backend", required=True, help="Unix socket of the app server")
    p.add_argument("--threads", type=int, default=8, help="the app server's threads in all")
    p.add_argument(
        "--pool",
        type=int,
        default=POOL_SIZE,
        help="idle kept-alive connections to the app server at most (default: --threads; "
        "0: a new connection per request)",
    )
    args = p.parse_args(argv)
    # SIGUSR1 (the app server stopping, web/serve.py) before run() handles it: ignored,
    # not the default (which ends the process).
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    # Each connection is a file descriptor: allow MAX_CONNECTIONS plus the backend's.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2 * MAX_CONNECTIONS + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        with contextlib.suppress(ValueError, OSError):
            new = want if hard == resource.RLIM_INFINITY else min(want, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    sock = socket.socket(fileno=args.fd)
    try:
        asyncio.run(run(sock, args.backend, args.threads, args.pool))
    finally:
        sock.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
