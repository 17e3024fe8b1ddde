"""The buffering front server: slow clients never reach a worker thread.

Place in the flow: client -> **front** (this asyncio process, the public
address) -> backend (gunicorn or waitress on a Unix socket in the server's
private folder, web/serve.py) -> create_app (web/app.py).

Threaded servers give each connection a thread while its request is read, so
a few sockets that send one header byte every few seconds (slowloris) hold all
of them. Here a connection costs one coroutine until its whole request (head
and body) has arrived, within ``HEADER_TIMEOUT`` and ``BODY_TIMEOUT``; only a
complete request is passed to the backend, whose full answer is read before it
is written back, so a slow reader does not hold a worker either. Each client
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

    def __init__(self, backend: str, threads: int = 8) -> None:
        self.backend = backend
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
            keep = wants_keepalive(version, headers)
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
        # HTTP/1.0 to the backend: it answers with a plain body and closes, so
        # the whole answer is what arrives before EOF.
        # Raw UTF-8 in the path (curl sends it) percent-encoded, as browsers send it.
        target = _HIGH.sub(lambda m: b"%%%02X" % m.group()[0], target)
        out = [method + b" " + target + b" HTTP/1.0"]
        out += [k + b": " + v for k, v in headers if k not in _DROP]
        out += [b"X-Forwarded-For: " + addr.encode(), b"Connection: close"]
        request = b"\r\n".join(out) + b"\r\n\r\n" + body
        loop = asyncio.get_running_loop()
        # Plain non-blocking socket calls: cheaper than a stream pair per request.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        chunks = []
        try:
            async with asyncio.timeout(BACKEND_TIMEOUT):
                await loop.sock_connect(sock, self.backend)
                await loop.sock_sendall(sock, request)
                while data := await loop.sock_recv(sock, 256 * 1024):
                    chunks.append(data)
        except (OSError, TimeoutError):
            return error_response(503, "the search service is not answering", "retry in a moment")
        finally:
            sock.close()
        raw = b"".join(chunks)
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


async def run(sock: socket.socket, backend: str, threads: int = 8) -> None:
    front = Front(backend, threads)
    request_cost(b"/search?q=warm")  # loads the segmenter now, not on a client's request
    # The stream limit bounds the one readuntil() of a head.
    server = await asyncio.start_server(front.handle, sock=sock, limit=MAX_HEAD)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
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
    args = p.parse_args(argv)
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
        asyncio.run(run(sock, args.backend, args.threads))
    finally:
        sock.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
